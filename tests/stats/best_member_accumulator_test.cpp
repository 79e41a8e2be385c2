// Tests of BestMemberAccumulator: hand-worked values, the closed forms of the minimum of
// uniform distances and of the exchangeable outlier rate 2/(n+1), exact merging, bad input.
#include "butterfly/stats/best_member_accumulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// Uniform on [-1, 1) from 53 random bits.
double symmetric_uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1p-52 - 1.0;
}

TEST(DefaultBestMemberSizesTest, PowersOfTwoThenM) {
  EXPECT_EQ(default_best_member_sizes(1), (std::vector<std::size_t>{1}));
  EXPECT_EQ(default_best_member_sizes(3), (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(default_best_member_sizes(8), (std::vector<std::size_t>{1, 2, 4, 8}));
  EXPECT_EQ(default_best_member_sizes(1000),
            (std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000}));
}

// Hand-worked, sizes {1, 2, 4}:
//   A: members {3, -1, 0.5, 2}, truth 1: |x - y| = 2, 2, 0.5, 1 -> e = 2, 2, 0.5;
//      first 1 = [3, 3] misses 1 (outlier), first 2 = [-1, 3] and first 4 hold it.
//   B: members {0, 0.2, 5, 6}, truth 5.5: |x - y| = 5.5, 5.3, 0.5, 0.5 -> e = 5.5, 5.3, 0.5;
//      outliers for n = 1 ([0, 0]) and n = 2 ([0, 0.2]), not for n = 4 ([0, 6]).
//   C: three members left {1, 1, 1}, truth 1: e = 0 for n = 1, 2 (only); no outlier.
//   n = 1: mean (2 + 5.5 + 0)/3 = 2.5, rms sqrt((4 + 30.25)/3), outliers 2/3
//   n = 2: mean (2 + 5.3 + 0)/3,  rms sqrt((4 + 28.09)/3), outliers 1/3
//   n = 4: mean 0.5, rms 0.5, outliers 0 (2 points); expected 1, 2/3, 2/5.
TEST(BestMemberAccumulatorTest, HandWorked) {
  BestMemberAccumulator acc(4, {1, 2, 4});
  acc.add(std::vector<double>{3, -1, 0.5, 2}, 1);
  acc.add(std::vector<double>{0, 0.2, 5, 6}, 5.5);
  acc.add(std::vector<double>{1, 1, 1}, 1);
  EXPECT_EQ(acc.points(0), 3u);
  EXPECT_EQ(acc.points(1), 3u);
  EXPECT_EQ(acc.points(2), 2u);
  EXPECT_DOUBLE_EQ(acc.mean_best_error(0), 2.5);
  EXPECT_DOUBLE_EQ(acc.rms_best_error(0), std::sqrt(34.25 / 3));
  EXPECT_DOUBLE_EQ(acc.mean_best_error(1), (2 + (5.5 - 0.2)) / 3);
  EXPECT_DOUBLE_EQ(acc.rms_best_error(1), std::sqrt((4 + (5.5 - 0.2) * (5.5 - 0.2)) / 3));
  EXPECT_DOUBLE_EQ(acc.mean_best_error(2), 0.5);
  EXPECT_DOUBLE_EQ(acc.rms_best_error(2), 0.5);
  EXPECT_DOUBLE_EQ(acc.outlier_rate(0), 2.0 / 3);
  EXPECT_DOUBLE_EQ(acc.outlier_rate(1), 1.0 / 3);
  EXPECT_DOUBLE_EQ(acc.outlier_rate(2), 0.0);
  EXPECT_DOUBLE_EQ(acc.expected_outlier_rate(0), 1.0);
  EXPECT_DOUBLE_EQ(acc.expected_outlier_rate(1), 2.0 / 3);
  EXPECT_DOUBLE_EQ(acc.expected_outlier_rate(2), 0.4);
}

// Truth 0 and members uniform on [-1, 1]: |x| is uniform on [0, 1], so the best of n has
// E[e_n] = 1/(n + 1) and E[e_n^2] = 2/((n + 1)(n + 2)) (minimum of n uniforms, a Beta(1, n)),
// and the truth is outside the first n iff all n share a sign: probability 2^(1 - n).
// 20000 points: standard errors about 1/((n + 1) sqrt N) = 0.7% relative for the error and
// sqrt(P (1 - P)/N) for the rate; tolerances 5 of them.
TEST(BestMemberAccumulatorTest, UniformDistancesMatchClosedForms) {
  const std::size_t points = 20000, members = 64;
  std::mt19937_64 rng(31);
  BestMemberAccumulator acc(members);
  std::vector<double> x(members);
  for (std::size_t p = 0; p < points; ++p) {
    for (double& v : x) v = symmetric_uniform(rng);
    acc.add(x, 0.0);
  }
  ASSERT_EQ(acc.sizes(), (std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64}));
  for (std::size_t i = 0; i < acc.sizes().size(); ++i) {
    const double n = static_cast<double>(acc.sizes()[i]);
    EXPECT_EQ(acc.points(i), points);
    EXPECT_NEAR(acc.mean_best_error(i), 1 / (n + 1), 0.04 / (n + 1)) << n;
    EXPECT_NEAR(acc.rms_best_error(i), std::sqrt(2 / ((n + 1) * (n + 2))),
                0.04 * std::sqrt(2 / ((n + 1) * (n + 2))))
        << n;
    const double rate = std::pow(2.0, 1 - n);
    EXPECT_NEAR(acc.outlier_rate(i), rate, 5 * std::sqrt(rate * (1 - rate) / points) + 1e-12) << n;
  }
}

// Truth exchangeable with the members (all iid uniform): the truth's rank among the first n
// is uniform on n + 1 places, so the outlier rate is 2/(n + 1) for every n.
TEST(BestMemberAccumulatorTest, ExchangeableTruthGivesConsistentOutlierRate) {
  const std::size_t points = 20000, members = 100;
  std::mt19937_64 rng(37);
  BestMemberAccumulator acc(members);
  std::vector<double> x(members);
  for (std::size_t p = 0; p < points; ++p) {
    for (double& v : x) v = symmetric_uniform(rng);
    acc.add(x, symmetric_uniform(rng));
  }
  ASSERT_EQ(acc.sizes().back(), 100u);
  for (std::size_t i = 0; i < acc.sizes().size(); ++i) {
    const double rate = acc.expected_outlier_rate(i);
    EXPECT_NEAR(acc.outlier_rate(i), rate, 5 * std::sqrt(rate * (1 - rate) / points) + 1e-12)
        << acc.sizes()[i];
  }
}

// DESIGN invariant 4: the same bits from any grouping of merges.
TEST(BestMemberAccumulatorTest, MergeInAnyGroupingGivesIdenticalBits) {
  std::mt19937_64 rng(41);
  std::vector<std::vector<double>> points(200, std::vector<double>(50));
  std::vector<double> truths(points.size());
  for (std::size_t p = 0; p < points.size(); ++p) {
    for (double& v : points[p]) v = 10 * symmetric_uniform(rng);
    truths[p] = 10 * symmetric_uniform(rng);
  }
  BestMemberAccumulator serial(50);
  std::vector<BestMemberAccumulator> parts(3, BestMemberAccumulator(50));
  for (std::size_t p = 0; p < points.size(); ++p) {
    serial.add(points[p], truths[p]);
    const std::size_t q = points.size() - 1 - p;
    parts[(p * 5) % 3].add(points[q], truths[q]);
  }
  BestMemberAccumulator left = parts[0], right = parts[2], inner = parts[1];
  left.merge(parts[1]);
  left.merge(parts[2]);
  inner.merge(parts[0]);
  right.merge(inner);
  for (const BestMemberAccumulator* other : {&left, &right}) {
    for (std::size_t i = 0; i < serial.sizes().size(); ++i) {
      EXPECT_EQ(other->points(i), serial.points(i));
      EXPECT_EQ(other->mean_best_error(i), serial.mean_best_error(i));
      EXPECT_EQ(other->rms_best_error(i), serial.rms_best_error(i));
      EXPECT_EQ(other->outlier_rate(i), serial.outlier_rate(i));
    }
  }
}

TEST(BestMemberAccumulatorTest, EmptyAndBadInput) {
  BestMemberAccumulator acc(4, {2, 4});
  EXPECT_TRUE(std::isnan(acc.mean_best_error(0)));
  EXPECT_TRUE(std::isnan(acc.outlier_rate(1)));
  EXPECT_THROW(BestMemberAccumulator(0), UsageError);
  EXPECT_THROW(BestMemberAccumulator(4, {}), UsageError);
  EXPECT_THROW(BestMemberAccumulator(4, {2, 2}), UsageError);
  EXPECT_THROW(BestMemberAccumulator(4, {0, 2}), UsageError);
  EXPECT_THROW(BestMemberAccumulator(4, {2, 5}), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{}, 0.0), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{1, 2, 3, 4, 5}, 0.0), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{1, 2, 3, NAN}, 0.0), UsageError);
  // A non-finite value past the largest size is still refused.
  BestMemberAccumulator wide(8, {2, 4});
  EXPECT_THROW(wide.add(std::vector<double>{1, 2, 3, 4, 5, 6, 7, INFINITY}, 0.0), UsageError);
  EXPECT_EQ(wide.points(0), 0u);
  EXPECT_THROW(acc.add(std::vector<double>{1, 2}, NAN), UsageError);
  EXPECT_THROW(acc.mean_best_error(2), UsageError);
  EXPECT_THROW(acc.merge(BestMemberAccumulator(4)), UsageError);
  // A refused point leaves no trace.
  EXPECT_EQ(acc.points(0), 0u);
}

}  // namespace
}  // namespace butterfly
