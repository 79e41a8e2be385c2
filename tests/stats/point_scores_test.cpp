// Tests of score_point / score_sorted_point: CRPS against published cases, an O(M^2)
// brute force and the Gaussian closed form; moments, ranks, order independence, bad input.
#include "butterfly/stats/point_scores.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

PointScores score(std::vector<double> values, double truth) { return score_point(values, truth); }

struct CrpsCase {
  double truth;
  std::vector<double> members;
  double crps;
};

// Source: properscoring (github.com/properscoring/properscoring, formerly
// TheClimateCorporation/properscoring), properscoring/tests/test_crps.py,
// TestCRPS.test_crps_toy_examples: every case with at least 2 members, (truth, ensemble, crps).
TEST(PointScoresTest, CrpsMatchesProperscoringToyExamples) {
  const std::vector<CrpsCase> cases = {
      {0, {0, 0}, 0.0},        {0, {0, 1}, 0.25},       {0, {1, 0}, 0.25},
      {0, {1, 1}, 1.0},        {2, {0, 1}, 1.25},       {0, {-1, 1}, 0.5},
      {0, {0, 0, 1}, 1.0 / 9}, {1, {0, 0, 1}, 4.0 / 9}, {0, {-1, 0, 0, 1}, 1.0 / 8},
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(score(c.members, c.truth).crps, c.crps, 1e-15)
        << "truth " << c.truth << ", " << c.members.size() << " members";
  }
}

// Source: properscoring/tests/test_crps.py, TestCRPS.test_crps_degenerate_ensemble (10 equal
// members, truth shifted by -pi, 0, +pi: CRPS = |shift|) and test_crps_beyond_bounds (members in
// [0, 1): CRPS(-0.1) = 0.1 + CRPS(0), CRPS(1.1) = 0.1 + CRPS(1)).
TEST(PointScoresTest, CrpsMatchesProperscoringDegenerateAndBeyondBounds) {
  const double x = 0.4375;
  for (double shift : {-std::numbers::pi, 0.0, std::numbers::pi}) {
    EXPECT_NEAR(score(std::vector<double>(10, x), x + shift).crps, std::fabs(shift), 1e-15);
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> members(100);
  for (double& m : members) m = uniform(rng);
  EXPECT_NEAR(score(members, -0.1).crps, 0.1 + score(members, 0.0).crps, 1e-14);
  EXPECT_NEAR(score(members, 1.1).crps, 0.1 + score(members, 1.0).crps, 1e-14);
}

// Source: the `scores` package (github.com/nci/scores), tests/probabilty/crps_test_data.py:
// DA_FCST_CRPSENS / DA_OBS_CRPSENS, stations 101-103 (103 has one NaN member, left out), with
// EXP_CRPSENS_ECDF = FIRST_TERM - SPREAD_ECDF and EXP_CRPSENS_FAIR = FIRST_TERM - SPREAD_FAIR,
// checked by tests/probabilty/test_crps.py::test_crps_for_ensemble (methods "ecdf", "fair").
TEST(PointScoresTest, CrpsMatchesScoresEcdfAndFair) {
  struct Case {
    std::vector<double> members;
    double truth, ecdf, fair;
  };
  const std::vector<Case> cases = {
      {{0, 4, 3, 7}, 2, 10.0 / 4 - (14 + 8 + 8 + 14) / 32.0, 10.0 / 4 - (14 + 8 + 8 + 14) / 24.0},
      {{1, -1, 2, 4}, 3, 8.0 / 4 - (6 + 10 + 6 + 10) / 32.0, 8.0 / 4 - (6 + 10 + 6 + 10) / 24.0},
      {{0, 1, 4}, 1, 4.0 / 3 - (5 + 4 + 7) / 18.0, 4.0 / 3 - (5 + 4 + 7) / 12.0},
  };
  for (const auto& c : cases) {
    const PointScores p = score(c.members, c.truth);
    EXPECT_NEAR(p.crps, c.ecdf, 1e-15) << "truth " << c.truth;
    EXPECT_NEAR(p.crps_fair, c.fair, 1e-15) << "truth " << c.truth;
  }
}

struct BruteForce {
  double mean = 0, variance = 0, crps = 0, crps_fair = 0;
  double scale = 0;  // (1/M) sum |x_i - y|, the size of the terms CRPS is the difference of
};

// The textbook O(M^2) definitions, in the members' given order.
BruteForce brute_force(const std::vector<double>& x, double y) {
  const double m = static_cast<double>(x.size());
  double sum = 0, abs_error = 0, pair_sum = 0;
  for (double xi : x) {
    sum += xi;
    abs_error += std::fabs(xi - y);
    for (double xj : x) pair_sum += std::fabs(xi - xj);
  }
  BruteForce b;
  b.mean = sum / m;
  for (double xi : x) b.variance += (xi - b.mean) * (xi - b.mean) / (m - 1);
  b.crps = abs_error / m - pair_sum / (2 * m * m);
  b.crps_fair = abs_error / m - pair_sum / (2 * m * (m - 1));
  b.scale = abs_error / m;
  return b;
}

// Independent implementation: the O(M^2) double sum on random ensembles (continuous, and on a
// coarse grid so that members tie with each other and with the truth).
TEST(PointScoresTest, AgreesWithBruteForceOnRandomEnsembles) {
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> normal(10.0, 3.0);
  for (std::size_t m : {2, 3, 4, 5, 10, 17, 100, 1000}) {
    for (int trial = 0; trial < 20; ++trial) {
      const bool grid = trial % 2 == 1;
      std::vector<double> x(m);
      for (double& v : x) v = grid ? std::round(normal(rng)) : normal(rng);
      const double y = trial % 5 == 0 ? x[m / 2] : (grid ? std::round(normal(rng)) : normal(rng));
      const BruteForce b = brute_force(x, y);
      const PointScores p = score(x, y);
      const double tol = 1e-12 * b.scale;
      EXPECT_NEAR(p.crps, b.crps, tol) << "M = " << m << ", trial " << trial;
      EXPECT_NEAR(p.crps_fair, b.crps_fair, tol) << "M = " << m << ", trial " << trial;
      EXPECT_NEAR(p.mean, b.mean, 1e-12 * std::fabs(b.mean));
      EXPECT_NEAR(p.variance, b.variance, 1e-12 * b.variance);
      EXPECT_EQ(p.members, m);
    }
  }
}

// Inverse standard normal CDF: Acklam's rational approximation (relative error < 1.15e-9;
// P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution
// function", 2003) refined by one Halley step on Phi(x) = erfc(-x/sqrt 2)/2.
double inverse_normal_cdf(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x;
  if (p < p_low || p > 1 - p_low) {
    const double q = std::sqrt(-2 * std::log(p < p_low ? p : 1 - p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p > 1 - p_low) x = -x;
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

// Closed form: CRPS(N(0,1), y = 0) = 2 phi(0) - 1/sqrt(pi) = 0.2336949773 (Gneiting & Raftery
// 2007, JASA 102, 359-378; Gneiting et al. 2005, MWR 133, 1098-1118). The
// deterministic quantile ensemble x_i = Phi^{-1}((i - 1/2)/M), M = 10^6, approximates N(0,1):
// its ecdf CRPS is within 1e-12 of the closed form (the error falls like 1/M^2), and the fair form
// is below it by D/(2 M^2 (M - 1)) -> E|X - X'|/(2 (M - 1)) = 1/(sqrt(pi) (M - 1)),
// 5.6e-7: both within the 1e-6 asked for, and each checked to 1e-9 against its expectation.
TEST(PointScoresTest, LargeGaussianEnsembleMatchesClosedForm) {
  const std::size_t m = 1'000'000;
  std::vector<double> x(m);
  for (std::size_t i = 0; i < m; ++i) {
    x[i] = inverse_normal_cdf((static_cast<double>(i) + 0.5) / static_cast<double>(m));
  }
  ASSERT_NEAR(inverse_normal_cdf(0.975), 1.959963984540054, 1e-14);
  const double closed_form = 2 / std::sqrt(2 * std::numbers::pi) - 1 / std::sqrt(std::numbers::pi);
  EXPECT_NEAR(closed_form, 0.2336949773, 1e-10);
  const PointScores p = score_sorted_point(x, 0.0);
  EXPECT_NEAR(p.crps, closed_form, 1e-6);
  EXPECT_NEAR(p.crps_fair, closed_form, 1e-6);
  EXPECT_NEAR(p.crps, closed_form, 1e-9);
  const double finite_m = 1 / (std::sqrt(std::numbers::pi) * static_cast<double>(m - 1));
  EXPECT_NEAR(p.crps_fair, closed_form - finite_m, 1e-9);
  EXPECT_NEAR(p.mean, 0.0, 1e-12);
  EXPECT_NEAR(p.variance, 1.0, 1e-6);
  EXPECT_FALSE(p.outlier);
  EXPECT_EQ(p.rank_below, static_cast<double>(m / 2));
}

// Hand-worked: members {0, 4, 3, 7}: mean 14/4 = 3.5, deviations -3.5, 0.5, -0.5, 3.5, so
// variance (12.25 + 0.25 + 0.25 + 12.25)/3 = 25/3; min 0, max 7.
TEST(PointScoresTest, MomentsHandWorked) {
  const PointScores p = score({0, 4, 3, 7}, 2);
  EXPECT_EQ(p.members, 4u);
  EXPECT_DOUBLE_EQ(p.mean, 3.5);
  EXPECT_DOUBLE_EQ(p.variance, 25.0 / 3);
  EXPECT_EQ(p.min, 0.0);
  EXPECT_EQ(p.max, 7.0);
  EXPECT_EQ(p.truth, 2.0);
}

// Hand-worked ranks: members {1, 2, 2, 3}.
TEST(PointScoresTest, RanksTiesAndOutliers) {
  const std::vector<double> x = {3, 2, 1, 2};
  struct Case {
    double truth, below, ties;
    bool outlier;
  };
  for (const Case& c : {Case{2, 1, 2, false}, Case{0, 0, 0, true}, Case{4, 4, 0, true},
                        Case{1, 0, 1, false}, Case{3, 3, 1, false}, Case{2.5, 3, 0, false}}) {
    const PointScores p = score(x, c.truth);
    EXPECT_EQ(p.rank_below, c.below) << "truth " << c.truth;
    EXPECT_EQ(p.rank_ties, c.ties) << "truth " << c.truth;
    EXPECT_EQ(p.outlier, c.outlier) << "truth " << c.truth;
  }
}

std::vector<std::uint64_t> bits(const PointScores& p) {
  return {p.members,
          std::bit_cast<std::uint64_t>(p.mean),
          std::bit_cast<std::uint64_t>(p.variance),
          std::bit_cast<std::uint64_t>(p.min),
          std::bit_cast<std::uint64_t>(p.max),
          std::bit_cast<std::uint64_t>(p.truth),
          std::bit_cast<std::uint64_t>(p.crps),
          std::bit_cast<std::uint64_t>(p.crps_fair),
          std::bit_cast<std::uint64_t>(p.rank_below),
          std::bit_cast<std::uint64_t>(p.rank_ties),
          p.outlier};
}

// Everything comes from the sorted values, so any permutation gives the same bits; covers both
// the comparison-sort and the radix-sort sizes, duplicates, and -0.0 next to +0.0.
TEST(PointScoresTest, PermutationsGiveBitIdenticalScores) {
  std::mt19937_64 rng(99);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t m : {2, 7, 50, 5000}) {
    std::vector<double> x(m);
    for (double& v : x) v = std::round(normal(rng) * 8) / 8;
    x[0] = -0.0;
    x[m - 1] = 0.0;
    const auto expected = bits(score(x, 0.125));
    for (int trial = 0; trial < 5; ++trial) {
      std::shuffle(x.begin(), x.end(), rng);
      EXPECT_EQ(bits(score(x, 0.125)), expected) << "M = " << m << ", trial " << trial;
    }
  }
}

TEST(PointScoresTest, ScorePointSortsInPlace) {
  std::vector<double> x = {3, -1, 2, 0};
  score_point(x, 1);
  EXPECT_EQ(x, (std::vector<double>{-1, 0, 2, 3}));
}

TEST(PointScoresTest, BadInputThrowsUsageError) {
  std::vector<double> none;
  std::vector<double> one = {1.0};
  std::vector<double> with_nan = {1.0, std::numeric_limits<double>::quiet_NaN(), 2.0};
  std::vector<double> with_inf = {1.0, std::numeric_limits<double>::infinity()};
  std::vector<double> ok = {1.0, 2.0};
  const std::vector<double> unsorted = {2.0, 1.0};
  EXPECT_THROW(score_point(none, 0.0), UsageError);
  EXPECT_THROW(score_point(one, 0.0), UsageError);
  EXPECT_THROW(score_sorted_point(one, 0.0), UsageError);
  EXPECT_THROW(score_point(with_nan, 0.0), UsageError);
  EXPECT_THROW(score_point(with_inf, 0.0), UsageError);
  EXPECT_THROW(score_point(ok, std::numeric_limits<double>::quiet_NaN()), UsageError);
  EXPECT_THROW(score_sorted_point(unsorted, 0.0), UsageError);
}

}  // namespace
}  // namespace butterfly
