// Tests of the progress reporter: with a fake clock and the output captured in
// a temporary file, the terminal line's format and throttling, and the single
// summary line elsewhere.
#include "butterfly/app/progress_reporter.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace butterfly {
namespace {

// A temporary file to write into and read back.
class Captured {
 public:
  Captured() : file_(std::tmpfile()) {}
  ~Captured() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    for (int c; (c = std::fgetc(file_)) != EOF;) out += static_cast<char>(c);
    std::fseek(file_, 0, SEEK_END);
    return out;
  }

 private:
  std::FILE* file_;
};

// The expected numbers are the closed forms in progress_reporter.hpp:
// percent = 100 done / total, rate = done / elapsed,
// remaining = ceil(elapsed (total - done) / done) seconds.
TEST(ProgressReporter, TerminalLineIsThrottledAndExact) {
  // Times are binary fractions, so that the 0.5 s throttle is tested exactly.
  Captured out;
  double now = 10.0;
  std::string expected;
  {
    ProgressReporter progress(out.file(), true, 1000, "butterfly run", [&] { return now; });
    now = 10.25;
    progress.update(100);  // 0.25 s after the start: too soon
    EXPECT_EQ(out.text(), "");
    now = 10.75;
    progress.update(300);
    // 300 / 0.75 = 400/s; remaining 0.75 x 700 / 300 = 1.75 -> 2 s.
    expected += "\rbutterfly run: 30.0% | 4.00e+02 member-steps/s | elapsed 0:00 | remaining 0:02";
    EXPECT_EQ(out.text(), expected);
    now = 11.0;
    progress.update(400);  // 0.25 s after the last line: too soon
    EXPECT_EQ(out.text(), expected);
    now = 11.25;
    progress.update(420);  // exactly 0.5 s after the last line
    // 420 / 1.25 = 336/s; remaining 1.25 x 580 / 420 = 1.73 -> 2 s.
    expected += "\rbutterfly run: 42.0% | 3.36e+02 member-steps/s | elapsed 0:01 | remaining 0:02";
    EXPECT_EQ(out.text(), expected);
    now = 11.5;
    progress.update(1000);  // 100% is always drawn, once
    const std::string last =
        "\rbutterfly run: 100.0% | 6.67e+02 member-steps/s | elapsed 0:01 | remaining 0:00";
    expected += last;
    EXPECT_EQ(out.text(), expected);
    progress.update(1000);
    EXPECT_EQ(out.text(), expected);
    now = 12.0;
    progress.finish();
    // The line is blanked, then the summary: 1000 member-steps in 2 s.
    expected += '\r';
    expected.append(last.size() - 1, ' ');
    expected += '\r';
    expected += "butterfly run: 1.00e+03 member-steps in 2.0 s (5.00e+02 member-steps/s)\n";
    EXPECT_EQ(out.text(), expected);
    progress.finish();  // idempotent
    EXPECT_EQ(out.text(), expected);
  }
  EXPECT_EQ(out.text(), expected);  // the destructor adds nothing after finish()
}

TEST(ProgressReporter, HoursAndNoProgressYet) {
  Captured out;
  double now = 0.0;
  ProgressReporter progress(out.file(), true, 100, "job", [&] { return now; });
  now = 1.0;
  progress.update(0);
  EXPECT_EQ(out.text(), "\rjob: 0.0% | 0.00e+00 member-steps/s | elapsed 0:01 | remaining --");
  now = 4000.0;  // 1 h 6 min 40 s
  progress.update(50);
  const std::string text = out.text();
  const std::string expected =
      "\rjob: 50.0% | 1.25e-02 member-steps/s | elapsed 1:06:40 | remaining 1:06:40";
  EXPECT_EQ(text.substr(text.size() - expected.size()), expected);
}

TEST(ProgressReporter, NotATerminalPrintsOneSummaryLine) {
  Captured out;
  double now = 0.0;
  ProgressReporter progress(out.file(), false, 3.2e8, "butterfly run", [&] { return now; });
  for (int i = 1; i <= 10; ++i) {
    now = 1.23 * i;
    progress.update(3.2e7 * i);
  }
  EXPECT_EQ(out.text(), "");
  progress.finish();
  progress.finish();
  // 3.2e8 member-steps in 12.3 s: 2.60e+07 member-steps/s.
  EXPECT_EQ(out.text(),
            "butterfly run: 3.20e+08 member-steps in 12.3 s (2.60e+07 member-steps/s)\n");
}

TEST(ProgressReporter, UnfinishedLineIsEndedByTheDestructor) {
  Captured out;
  double now = 0.0;
  {
    ProgressReporter progress(out.file(), true, 10, "x", [&] { return now; });
    now = 1.0;
    progress.update(5);
  }
  const std::string text = out.text();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find("member-steps in"), std::string::npos);  // no summary
}

}  // namespace
}  // namespace butterfly
