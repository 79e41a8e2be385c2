// Tests of the members-innermost block layout (DESIGN invariant 1).
#include "butterfly/core/ensemble_block.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace butterfly {
namespace {

TEST(EnsembleBlock, MembersAreInnermostPaddedAndAligned) {
  EnsembleBlock block(3, 10, 100);
  EXPECT_EQ(block.variables(), 3u);
  EXPECT_EQ(block.members(), 10u);
  EXPECT_EQ(block.stride() % kPackWidth, 0u);
  EXPECT_GE(block.stride(), 10u);
  EXPECT_EQ(block.first_member(), 100u);
  block.at(2, 7) = 5.0;
  EXPECT_EQ(block.row(2)[7], 5.0);
  EXPECT_EQ(&block.at(1, 0) - &block.at(0, 0), static_cast<std::ptrdiff_t>(block.stride()));
  EXPECT_EQ(&block.at(0, 1) - &block.at(0, 0), 1);
  for (std::size_t v = 0; v < 3; ++v) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block.row(v)) % kRowAlignment, 0u);
  }
  EXPECT_EQ(block.at(0, 0), 0.0);  // zero-initialised
}

}  // namespace
}  // namespace butterfly
