// Progress of a long run on stderr: a redrawn terminal line, or one summary line.
#include "butterfly/app/progress_reporter.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

namespace butterfly {

namespace {

constexpr double kRedrawInterval = 0.5;  // seconds between redraws on a terminal

// Whole seconds as m:ss, or h:mm:ss from one hour.
std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(seconds > 0 ? seconds : 0);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

double rate(double done, double elapsed) { return elapsed > 0 ? done / elapsed : 0.0; }

}  // namespace

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

double ProgressReporter::steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

ProgressReporter::ProgressReporter(std::FILE* out, bool terminal, double total_member_steps,
                                   std::string label, Clock clock)
    : out_(out),
      terminal_(terminal),
      total_(total_member_steps),
      label_(std::move(label)),
      clock_(std::move(clock)),
      start_(clock_()),
      last_draw_(start_) {}

ProgressReporter::~ProgressReporter() {
  if (!finished_ && drawn_width_ > 0) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

void ProgressReporter::update(double member_steps_done) {
  done_ = member_steps_done;
  if (!terminal_ || finished_) return;
  const double now = clock_();
  const bool complete = done_ >= total_;
  if (complete ? !drew_complete_ : now - last_draw_ >= kRedrawInterval) {
    drew_complete_ = complete;
    draw(now);
  }
}

void ProgressReporter::draw(double now) {
  const double elapsed = now - start_;
  const double percent = total_ > 0 ? 100.0 * std::min(done_ / total_, 1.0) : 100.0;
  // Remaining by linear extrapolation, rounded up so that it reads 0:00 only when done.
  const std::string remaining =
      done_ > 0 ? clock_text(std::ceil(elapsed * std::max(total_ - done_, 0.0) / done_)) : "--";
  std::string line =
      fmt::format("{}: {:.1f}% | {:.2e} member-steps/s | elapsed {} | remaining {}", label_,
                  percent, rate(done_, elapsed), clock_text(elapsed), remaining);
  const std::size_t width = line.size();
  // Blank out what is left of a longer previous line.
  if (width < drawn_width_) line.append(drawn_width_ - width, ' ');
  std::fputc('\r', out_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  drawn_width_ = std::max(drawn_width_, width);
  last_draw_ = now;
}

void ProgressReporter::clear_line() {
  if (drawn_width_ == 0) return;
  std::fputc('\r', out_);
  std::fputs(std::string(drawn_width_, ' ').c_str(), out_);
  std::fputc('\r', out_);
  drawn_width_ = 0;
}

void ProgressReporter::finish() {
  if (finished_) return;
  finished_ = true;
  const double elapsed = clock_() - start_;
  clear_line();
  const std::string summary =
      fmt::format("{}: {:.2e} member-steps in {:.1f} s ({:.2e} member-steps/s)\n", label_, done_,
                  elapsed, rate(done_, elapsed));
  std::fputs(summary.c_str(), out_);
  std::fflush(out_);
}

}  // namespace butterfly
