// Predictability horizon: linear interpolation of the error curve, by hand.
#include "butterfly/analysis/predictability_horizon.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace butterfly {
namespace {

TEST(PredictabilityHorizon, InterpolatesBetweenOutputs) {
  const std::vector<double> leads{0, 1, 2, 3};
  const std::vector<double> error{0.1, 0.5, 1.5, 2.0};
  // Half of saturation 2.0 is 1.0, reached between leads 1 and 2: 1 + (1 - 0.5) / 1 = 1.5.
  EXPECT_DOUBLE_EQ(*predictability_horizon(leads, error, 2.0), 1.5);
  EXPECT_DOUBLE_EQ(*predictability_horizon(leads, error, 2.0, 0.25), 1.0);  // exactly at an output
  EXPECT_DOUBLE_EQ(*predictability_horizon(leads, error, 0.1), 0.0);        // already there
  EXPECT_FALSE(predictability_horizon(leads, error, 10.0).has_value());     // never reached
  EXPECT_FALSE(predictability_horizon(leads, error, std::nan("")).has_value());
}

}  // namespace
}  // namespace butterfly
