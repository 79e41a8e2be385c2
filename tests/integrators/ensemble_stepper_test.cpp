// The ensemble stepper: members in SIMD lanes follow their scalar trajectories,
// and a member's bits do not depend on its block or lane.
#include "butterfly/integrators/ensemble_stepper.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

void fill(EnsembleBlock& block, std::size_t first_global) {
  for (std::size_t v = 0; v < block.variables(); ++v) {
    for (std::size_t m = 0; m < block.stride(); ++m) {
      // Exactly representable values, so the fill itself cannot round differently.
      block.at(v, m) = 4.0 + double(((first_global + m) * 37 + v * 11) % 17) / 8.0;
    }
  }
}

TEST(EnsembleStepper, LanesFollowTheScalarTrajectory) {
  const auto stepper = make_stepper(make_system("lorenz96", {}), "rk4");
  EnsembleBlock block(40, 13, 0);
  fill(block, 0);
  std::vector<std::vector<double>> scalar(13, std::vector<double>(40));
  for (std::size_t m = 0; m < 13; ++m) {
    for (std::size_t v = 0; v < 40; ++v) scalar[m][v] = block.at(v, m);
  }
  stepper->advance(block, 0.0, 50, 0.01);
  for (std::size_t m = 0; m < 13; ++m) {
    stepper->advance(std::span<double>(scalar[m]), 0.0, 50, 0.01);
    for (std::size_t v = 0; v < 40; ++v) EXPECT_NEAR(block.at(v, m), scalar[m][v], 1e-11);
  }
}

TEST(EnsembleStepper, MemberBitsDoNotDependOnBlockOrLane) {
  const auto stepper = make_stepper(make_system("lorenz96", {}), "rk4");
  EnsembleBlock whole(40, 20, 0);
  fill(whole, 0);
  EnsembleBlock part(40, 7, 9);  // members 9..15 of the same ensemble, in other lanes
  fill(part, 9);
  stepper->advance(whole, 0.0, 300, 0.01);
  stepper->advance(part, 0.0, 300, 0.01);
  for (std::size_t m = 0; m < 7; ++m) {
    for (std::size_t v = 0; v < 40; ++v) ASSERT_EQ(part.at(v, m), whole.at(v, m + 9));
  }
}

TEST(EnsembleStepper, UnknownSchemeIsAUsageError) {
  EXPECT_THROW(make_stepper(make_system("lorenz63", {}), "euler"), UsageError);
  EXPECT_THROW(make_stepper(make_system("lorenz63", {}), "milstein"), UsageError);  // no noise
  EXPECT_NO_THROW(make_stepper(make_system("shell_model", {}), "milstein"));
}

}  // namespace
}  // namespace butterfly
