// Tests of TailAccumulator and its helpers: AS 241 against scipy, the type-7 quantile against
// numpy bit for bit, sigma counts and standardized quantiles against Gaussian and uniform
// closed forms, the sorted and unsorted paths, exact merging, bad input.
#include "butterfly/stats/tail_accumulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/stats/point_scores.hpp"

namespace butterfly {
namespace {

// scipy 1.10.1, scipy.stats.norm.ppf (Cephes ndtri, an independent algorithm):
//   from scipy.stats import norm
//   for p in [1e-300, 1e-20, 1e-10, 1e-6, 1e-3, 0.02425, 0.3, 0.5, 0.7, 0.975, 1 - 1e-6]:
//       print(repr(p), repr(float(norm.ppf(p))))
TEST(StandardNormalQuantileTest, MatchesScipy) {
  const double table[][2] = {{1e-300, -37.0470962993612},  {1e-20, -9.262340089798409},
                             {1e-10, -6.361340902404056},  {1e-06, -4.753424308822899},
                             {0.001, -3.090232306167813},  {0.02425, -1.972961051311885},
                             {0.3, -0.5244005127080409},   {0.5, 0.0},
                             {0.7, 0.5244005127080407},    {0.975, 1.959963984540054},
                             {1 - 1e-6, 4.753424308817087}};
  for (const auto& [p, z] : table) {
    EXPECT_NEAR(standard_normal_quantile(p), z, 2e-15 * std::max(1.0, std::fabs(z))) << p;
  }
  EXPECT_EQ(standard_normal_quantile(0.0), -INFINITY);
  EXPECT_EQ(standard_normal_quantile(1.0), INFINITY);
  EXPECT_TRUE(std::isnan(standard_normal_quantile(1.5)));
}

// x_i = ((7919 i) mod 1000)/7 - 50 + (i mod 13)/1000, i = 0..1000 (exact in both languages).
std::vector<double> numpy_sample() {
  std::vector<double> x;
  for (int i = 0; i <= 1000; ++i) {
    x.push_back(static_cast<double>((i * 7919) % 1000) / 7.0 - 50 + (i % 13) * 0.001);
  }
  return x;
}

// numpy 1.24.2, method "linear" (Hyndman & Fan type 7), same bits expected:
//   import numpy as np
//   i = np.arange(1001); x = ((i*7919) % 1000)/7.0 - 50 + (i % 13)*0.001
//   for q in [0, 1e-3, 2.5e-3, 1e-2, 0.25, 0.5, 0.9, 0.999, 1 - 1e-3, 1]:
//       print(repr(q), repr(float(np.quantile(x, q))))
//   print(repr(float(x.mean())), repr(float(x.std(ddof=1))))
//   -> 21.291857000142713 41.30083900162937
TEST(QuantileLinearTest, MatchesNumpyBits) {
  std::vector<double> x = numpy_sample();
  std::sort(x.begin(), x.end());
  const double table[][2] = {{0.0, -50.0},
                             {0.001, -49.988},
                             {0.0025, -49.78071428571428},
                             {0.01, -48.70728571428572},
                             {0.25, -14.42257142857143},
                             {0.5, 21.28771428571429},
                             {0.9, 78.43357142857141},
                             {0.999, 92.57642857142858},
                             {1 - 1e-3, 92.57642857142858},
                             {1.0, 92.72328571428572}};
  for (const auto& [q, value] : table) EXPECT_EQ(quantile_linear(x, q), value) << q;
  EXPECT_THROW(quantile_linear(std::vector<double>{}, 0.5), UsageError);
  EXPECT_THROW(quantile_linear(x, 1.5), UsageError);
}

// One point of the numpy sample: z_q = (np.quantile(x, q) - x.mean()) / x.std(ddof=1) (numpy's
// mean sums pairwise, so only close); both paths, and the unsorted one from any member order.
TEST(TailAccumulatorTest, StandardizedQuantileOfOnePointMatchesNumpy) {
  const double mean = 21.291857000142713, sd = 41.30083900162937;
  const std::vector<double> p = {0.001, 0.01, 0.999};
  const double q[] = {-49.988, -48.70728571428572, 92.57642857142858};
  std::vector<double> x = numpy_sample();
  TailAccumulator unsorted(3, p), sorted(3, p);
  unsorted.add(x);
  std::reverse(x.begin(), x.end());
  TailAccumulator reversed(3, p);
  reversed.add(x);
  std::sort(x.begin(), x.end());
  sorted.add_sorted(x);
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double z = (q[i] - mean) / sd;
    EXPECT_NEAR(unsorted.mean_standardized_quantile(i), z, 1e-13) << i;
    EXPECT_NEAR(reversed.mean_standardized_quantile(i), z, 1e-13) << i;
    EXPECT_NEAR(sorted.mean_standardized_quantile(i), z, 1e-13) << i;
    EXPECT_EQ(sorted.quantile_points(i), 1u);
  }
  // A uniform-like sample has no member beyond 2 s: |x - mean| <= 71.4 < 2 s = 82.6.
  EXPECT_EQ(sorted.below_count(2) + sorted.above_count(2), 0u);
  EXPECT_EQ(unsorted.below_count(1), sorted.below_count(1));
  EXPECT_EQ(unsorted.above_count(1), sorted.above_count(1));
  EXPECT_GT(sorted.below_count(1), 100u);
}

// Gaussian members: E[outside_fraction(k)] = erfc(k / sqrt 2) and mean z_p -> Phi^{-1}(p).
// 10 points x 20000 members: the fraction beyond 1, 2, 3 s has binomial standard errors of
// 1.0e-3, 4.7e-4, 1.2e-4 (tolerances 5 of them); the 1e-3 quantile estimate has standard error
// sqrt(p (1 - p) / M) / phi(z_p) = 0.066 per point, 0.021 over 10 points (tolerance 0.1).
TEST(TailAccumulatorTest, GaussianMembersMatchGaussianTails) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(2.0, 3.0);
  const std::vector<double> p = {1e-5, 1e-3, 1 - 1e-3};
  TailAccumulator acc(4, p), sorted(4, p);
  std::vector<double> x(20000);
  for (int point = 0; point < 10; ++point) {
    for (double& v : x) v = normal(rng);
    acc.add(x);
    std::sort(x.begin(), x.end());
    sorted.add_sorted(x);
  }
  // add() counts beyond 3 and 4 s among the values it collected; add_sorted() by bisection.
  for (std::size_t k = 1; k <= 4; ++k) {
    EXPECT_EQ(acc.below_count(k), sorted.below_count(k)) << k;
    EXPECT_EQ(acc.above_count(k), sorted.above_count(k)) << k;
  }
  EXPECT_GT(acc.below_count(3), 0u);
  EXPECT_EQ(acc.points(), 10u);
  EXPECT_EQ(acc.member_values(), 200000u);
  const double tolerance[] = {5e-3, 2.4e-3, 6e-4};
  for (std::size_t k = 1; k <= 3; ++k) {
    EXPECT_NEAR(acc.outside_fraction(k), TailAccumulator::gaussian_outside_fraction(k),
                tolerance[k - 1])
        << k;
  }
  EXPECT_NEAR(TailAccumulator::gaussian_outside_fraction(2), 0.04550026389635842, 1e-16);
  EXPECT_EQ(acc.quantile_points(0), 0u);  // 1e-5 * 20000 < 1: not resolved
  EXPECT_TRUE(std::isnan(acc.mean_standardized_quantile(0)));
  EXPECT_NEAR(acc.mean_standardized_quantile(1), acc.gaussian_quantile(1), 0.1);
  EXPECT_NEAR(acc.mean_standardized_quantile(2), acc.gaussian_quantile(2), 0.1);
  EXPECT_NEAR(acc.gaussian_quantile(1), -3.090232306167813, 1e-14);
}

// Uniform members on [0, 1): s -> 1/sqrt(12), so |x - mean| > s has probability
// 1 - 1/sqrt 3 = 0.4226 and nothing lies beyond 2 s (sqrt 3 = 1.73); z_p -> sqrt 3 (2p - 1).
// The quantile at p = 0.3 needs more values than lie beyond 1 s, so add() sorts everything;
// alone, p = 0.01 finds nothing beyond its Gaussian-based cut (1.98 s > sqrt 3 s) and is
// collected again beyond 1 s, and p = 0.99 likewise: each path against add_sorted().
TEST(TailAccumulatorTest, UniformMembersMatchClosedForms) {
  std::mt19937_64 rng(9);
  const std::vector<double> p = {0.01, 0.3, 0.95}, q = {0.01, 0.99};
  TailAccumulator acc(3, p), sorted(3, p), recollected(3, q), recollected_sorted(3, q);
  std::vector<double> x(5000);
  for (int point = 0; point < 20; ++point) {
    for (double& v : x) v = static_cast<double>(rng() >> 11) * 0x1p-53;
    acc.add(x);
    recollected.add(x);
    std::sort(x.begin(), x.end());
    sorted.add_sorted(x);
    recollected_sorted.add_sorted(x);
  }
  for (std::size_t i = 0; i < q.size(); ++i) {
    EXPECT_NEAR(recollected.mean_standardized_quantile(i),
                recollected_sorted.mean_standardized_quantile(i), 1e-12);
    EXPECT_NEAR(recollected.mean_standardized_quantile(i), std::sqrt(3.0) * (2 * q[i] - 1), 0.01);
  }
  EXPECT_NEAR(acc.outside_fraction(1), 1 - 1 / std::sqrt(3.0), 0.005);
  EXPECT_EQ(acc.outside_fraction(2), 0.0);
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(acc.mean_standardized_quantile(i), std::sqrt(3.0) * (2 * p[i] - 1), 0.01) << i;
    EXPECT_NEAR(acc.mean_standardized_quantile(i), sorted.mean_standardized_quantile(i), 1e-12);
  }
  for (std::size_t k = 1; k <= 3; ++k) {
    EXPECT_EQ(acc.below_count(k), sorted.below_count(k)) << k;
    EXPECT_EQ(acc.above_count(k), sorted.above_count(k)) << k;
  }
}

// add_sorted(sorted, score_sorted_point(sorted, y)) takes x-bar and s from the PointScores,
// computed with the same arithmetic: the same bits as add_sorted(sorted).
TEST(TailAccumulatorTest, SortedWithPointScoresGivesSameBits) {
  std::mt19937_64 rng(15);
  std::normal_distribution<double> normal(-1.0, 0.5);
  TailAccumulator plain, with_scores;
  std::vector<double> x(4000);
  for (int point = 0; point < 5; ++point) {
    for (double& v : x) v = normal(rng);
    std::sort(x.begin(), x.end());
    plain.add_sorted(x);
    with_scores.add_sorted(x, score_sorted_point(x, 0.0));
  }
  for (std::size_t k = 1; k <= plain.max_sigma(); ++k) {
    EXPECT_EQ(with_scores.below_count(k), plain.below_count(k));
    EXPECT_EQ(with_scores.above_count(k), plain.above_count(k));
  }
  for (std::size_t i = 0; i < plain.probabilities().size(); ++i) {
    EXPECT_EQ(with_scores.quantile_points(i), plain.quantile_points(i));
    if (plain.quantile_points(i) > 0) {
      EXPECT_EQ(with_scores.mean_standardized_quantile(i), plain.mean_standardized_quantile(i));
    }
  }
  EXPECT_GT(plain.quantile_points(3), 0u);  // 1e-3 * 4000 >= 1
  EXPECT_THROW(
      with_scores.add_sorted(std::span<const double>(x).first(10), score_sorted_point(x, 0.0)),
      UsageError);
}

// DESIGN invariant 4: integer counts and exact sums merge to the same bits in any grouping.
TEST(TailAccumulatorTest, MergeInAnyGroupingGivesIdenticalBits) {
  std::mt19937_64 rng(21);
  std::student_t_distribution<double> heavy(3.0);
  std::vector<std::vector<double>> points(30, std::vector<double>(3000));
  for (auto& x : points) {
    for (double& v : x) v = heavy(rng);
  }
  TailAccumulator serial;
  std::vector<TailAccumulator> parts(4);
  for (std::size_t i = 0; i < points.size(); ++i) {
    serial.add(points[i]);
    parts[(5 * i) % 4].add(points[points.size() - 1 - i]);
  }
  TailAccumulator left = parts[0];
  for (std::size_t j = 1; j < 4; ++j) left.merge(parts[j]);
  TailAccumulator right = parts[3], inner = parts[1];
  inner.merge(parts[2]);
  inner.merge(parts[0]);
  right.merge(inner);
  for (const TailAccumulator* other : {&left, &right}) {
    EXPECT_EQ(other->points(), serial.points());
    for (std::size_t k = 1; k <= serial.max_sigma(); ++k) {
      EXPECT_EQ(other->below_count(k), serial.below_count(k));
      EXPECT_EQ(other->above_count(k), serial.above_count(k));
    }
    for (std::size_t i = 0; i < serial.probabilities().size(); ++i) {
      EXPECT_EQ(other->quantile_points(i), serial.quantile_points(i));
      if (serial.quantile_points(i) > 0) {
        EXPECT_EQ(other->mean_standardized_quantile(i), serial.mean_standardized_quantile(i));
      }
    }
  }
  // Student t (3 dof) is heavy-tailed: more beyond 3 s than a Gaussian (0.0027).
  EXPECT_GT(serial.outside_fraction(3), 0.005);
}

TEST(TailAccumulatorTest, DegenerateAndBadInput) {
  TailAccumulator acc;
  acc.add(std::vector<double>{1.5, 1.5, 1.5});
  acc.add_sorted(std::vector<double>{2.0, 2.0});
  EXPECT_EQ(acc.points(), 2u);
  EXPECT_EQ(acc.degenerate_points(), 2u);
  EXPECT_EQ(acc.member_values(), 0u);
  EXPECT_TRUE(std::isnan(acc.outside_fraction(1)));
  EXPECT_EQ(default_tail_probabilities().size(), 8u);
  EXPECT_THROW(TailAccumulator(0), UsageError);
  EXPECT_THROW(TailAccumulator(3, {0.0}), UsageError);
  EXPECT_THROW(TailAccumulator(3, {1.0}), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{1.0}), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{1.0, NAN}), UsageError);
  EXPECT_THROW(acc.add_sorted(std::vector<double>{1.0, INFINITY}), UsageError);
  EXPECT_THROW(acc.below_count(0), UsageError);
  EXPECT_THROW(acc.above_count(7), UsageError);
  EXPECT_THROW(acc.mean_standardized_quantile(10), UsageError);
  EXPECT_THROW(acc.merge(TailAccumulator(5)), UsageError);
}

}  // namespace
}  // namespace butterfly
