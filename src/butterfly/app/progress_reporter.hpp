// Progress of a long run on stderr: a redrawn line (percent, member-steps per
// second, elapsed and remaining time) on a terminal, one summary line otherwise.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

namespace butterfly {

// Whether stderr is a terminal (isatty(2)): progress lines are redrawn only there.
bool stderr_is_terminal();

// Reports the progress of `total_member_steps` units of work (members x steps).
// On a terminal, update() redraws one line with '\r', at most every 0.5 s of
// the clock and always on reaching 100%:
//   "butterfly run: 42.0% | 1.23e+07 member-steps/s | elapsed 0:12 | remaining 0:17"
// with rate = done / elapsed, remaining = elapsed x (total - done) / done
// (a linear extrapolation; "remaining --" before any progress), times as m:ss,
// or h:mm:ss from one hour. Not on a terminal (a log file, a pipe), update()
// prints nothing. finish() ends the line and prints, in both modes, exactly one
// summary line:
//   "butterfly run: 3.20e+08 member-steps in 12.3 s (2.60e+07 member-steps/s)"
// finish() is idempotent. Call from one thread.
class ProgressReporter {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic

  // The steady clock, in seconds.
  static double steady_seconds();

  ProgressReporter(std::FILE* out, bool terminal, double total_member_steps,
                   std::string label = "butterfly run", Clock clock = &steady_seconds);
  // Ends a drawn line (without a summary) when finish() was never called, so
  // that an error message does not land on the progress line.
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // The work done so far (cumulative member-steps).
  void update(double member_steps_done);
  // Ends the progress line and prints the summary; later calls do nothing.
  void finish();

 private:
  void draw(double now);
  void clear_line();

  std::FILE* out_;
  bool terminal_;
  double total_;
  std::string label_;
  Clock clock_;
  double start_;
  double done_ = 0;
  double last_draw_;
  std::size_t drawn_width_ = 0;  // characters of the line on screen; 0: none
  bool drew_complete_ = false;
  bool finished_ = false;
};

}  // namespace butterfly
