// Tests of the ROC curve and area of an indicator's Kendall tau over forced and null series
// (Boettiger & Hastings 2012, Proc. R. Soc. B 279, 4734): closed forms and a hand-worked case.
#include "butterfly/analysis/indicator_roc.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "butterfly/core/counter_rng.hpp"

namespace butterfly {
namespace {

using Values = std::vector<double>;

// Every forced tau above every null tau: the rule separates them at some threshold, area 1;
// the other way round, area 0.
TEST(IndicatorRoc, PerfectSeparationHasAreaOne) {
  const Values forced = {0.6, 0.9, 0.7, 0.8}, null = {-0.2, 0.1, 0.5};
  EXPECT_EQ(roc_area(forced, null), 1.0);
  EXPECT_EQ(roc_area(null, forced), 0.0);
  const RocCurve c = roc_curve(forced, null);
  EXPECT_NEAR(c.area, 1.0, 1e-15);
  // (0,0), then the four forced values raise the TPR to 1 at FPR 0, then the null ones.
  ASSERT_EQ(c.threshold.size(), 8u);
  EXPECT_EQ(c.true_positive_rate[4], 1.0);
  EXPECT_EQ(c.false_positive_rate[4], 0.0);
  EXPECT_EQ(c.false_positive_rate.back(), 1.0);
}

// Both samples from N(0, 1): the area is U / (n1 n2), whose null distribution has mean 1/2 and
// variance (n1 + n2 + 1) / (12 n1 n2) (Mann & Whitney 1947, Ann. Math. Stat. 18, 50);
// with n1 = n2 = 500 its standard deviation is 0.0183: within 4 of them of 0.5 (fails with
// probability 6e-5 for a random key; this key is fixed).
TEST(IndicatorRoc, IdenticalDistributionsGiveAboutOneHalf) {
  const std::size_t n = 500;
  Values forced(n), null(n);
  CounterRng(5, 0, Purpose::test, 0).normals(forced.data(), n);
  CounterRng(5, 1, Purpose::test, 0).normals(null.data(), n);
  const double sd = std::sqrt((2.0 * n + 1.0) / (12.0 * n * n));
  const double a = roc_area(forced, null);
  EXPECT_NEAR(a, 0.5, 4 * sd);
  EXPECT_NEAR(roc_curve(forced, null).area, a, 1e-12);
  // Shifting the forced sample by 1 sd moves the area to P(X > Y) with X - Y ~ N(1, 2), i.e.
  // Phi(1 / sqrt 2) = 0.7602 (closed form), within 4 of the same standard deviations.
  for (double& v : forced) v += 1.0;
  EXPECT_NEAR(roc_area(forced, null), 0.5 * std::erfc(-0.5), 4 * sd);
}

// By hand: forced {0.3, 0.5, 0.5, 0.9}, null {0.1, 0.5, 0.7}. U counts, per forced value, the
// null values below it plus half the equal ones: 0.3 -> 1, 0.5 -> 1.5 (twice), 0.9 -> 3: U = 7,
// area 7/12. Thresholds inf, 0.9, 0.7, 0.5, 0.3, 0.1 give (FPR, TPR) = (0,0), (0,1/4),
// (1/3,1/4), (2/3,3/4), (2/3,1), (1,1); trapezoids 1/12 + 1/6 + 0 + 1/3 = 7/12.
TEST(IndicatorRoc, HandWorkedExampleWithTies) {
  const Values forced = {0.9, 0.5, 0.3, 0.5}, null = {0.7, 0.1, 0.5};
  EXPECT_DOUBLE_EQ(roc_area(forced, null), 7.0 / 12.0);
  const RocCurve c = roc_curve(forced, null);
  const Values threshold = {INFINITY, 0.9, 0.7, 0.5, 0.3, 0.1};
  const Values fpr = {0, 0, 1.0 / 3, 2.0 / 3, 2.0 / 3, 1}, tpr = {0, 0.25, 0.25, 0.75, 1, 1};
  ASSERT_EQ(c.threshold.size(), threshold.size());
  for (std::size_t i = 0; i < threshold.size(); ++i) {
    EXPECT_EQ(c.threshold[i], threshold[i]) << i;
    EXPECT_DOUBLE_EQ(c.false_positive_rate[i], fpr[i]) << i;
    EXPECT_DOUBLE_EQ(c.true_positive_rate[i], tpr[i]) << i;
  }
  EXPECT_DOUBLE_EQ(c.area, 7.0 / 12.0);
}

TEST(IndicatorRoc, EmptyOrNonFiniteSamplesAreRejected) {
  EXPECT_THROW(roc_area(Values{}, Values{1.0}), std::invalid_argument);
  EXPECT_THROW(roc_curve(Values{1.0}, Values{}), std::invalid_argument);
  EXPECT_THROW(roc_area(Values{NAN}, Values{1.0}), std::invalid_argument);
}

}  // namespace
}  // namespace butterfly
