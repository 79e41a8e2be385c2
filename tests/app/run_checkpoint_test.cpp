// The run checkpoint payload: a round trip keeps every part exactly, and
// truncated or padded payloads are refused (never half-loaded).
#include "butterfly/app/run_checkpoint.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

TEST(RunCheckpoint, RoundTripKeepsEveryPart) {
  RunCheckpoint c;
  c.driver = {1, 2, 3, 250};
  c.saved_members = {0.5, -0.0, 1e300};
  c.extremes = {9};
  const std::vector<std::uint8_t> bytes = encode_run_checkpoint(c);
  const RunCheckpoint d = decode_run_checkpoint(bytes);
  EXPECT_EQ(d.driver, c.driver);
  EXPECT_EQ(d.extremes, c.extremes);
  ASSERT_EQ(d.saved_members.size(), 3u);
  EXPECT_TRUE(std::signbit(d.saved_members[1]));
  EXPECT_EQ(d.saved_members, c.saved_members);
}

TEST(RunCheckpoint, TruncatedOrPaddedPayloadsAreRefused) {
  RunCheckpoint c;
  c.driver = {1, 2, 3};
  c.saved_members = {1.0, 2.0};
  std::vector<std::uint8_t> bytes = encode_run_checkpoint(c);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW(decode_run_checkpoint(std::span(bytes.data(), cut)), RuntimeError) << cut;
  }
  bytes.push_back(0);
  EXPECT_THROW(decode_run_checkpoint(bytes), RuntimeError);
}

}  // namespace
}  // namespace butterfly
