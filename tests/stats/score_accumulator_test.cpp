// Tests of ScoreAccumulator: hand-worked scores, the rank histogram of the `scores` package,
// spread-skill of an exchangeable ensemble, exact merging, empty and bad input.
#include "butterfly/stats/score_accumulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/stats/point_scores.hpp"

namespace butterfly {
namespace {

PointScores score(std::vector<double> values, double truth) { return score_point(values, truth); }

// Hand-worked, M = 2:
//   point A: members {0, 2}, truth 1: mean 1, variance (1 + 1)/1 = 2, error 0;
//     A/M = (1 + 1)/2 = 1, D = 2 * 2 = 4: crps = 1 - 4/8 = 0.5, crps_fair = 1 - 4/4 = 0;
//     rank 1 (bin 1), inside the range.
//   point B: members {1, 3}, truth 4: mean 2, variance 2, error -2;
//     A/M = (3 + 1)/2 = 2, D = 4: crps = 2 - 0.5 = 1.5, crps_fair = 2 - 1 = 1;
//     rank 2 (bin 2), outlier.
//   rmse = sqrt((0 + 4)/2) = sqrt 2, mae = (0 + 2)/2 = 1, spread = sqrt((2 + 2)/2) = sqrt 2,
//   ssr = sqrt((3/2 * 2 + 3/2 * 2)/2) / sqrt 2 = sqrt(3/2), crps = 1, crps_fair = 0.5,
//   outlier rate 1/2 (expected 2/3), histogram {0, 1, 1}.
TEST(ScoreAccumulatorTest, HandWorkedTwoPoints) {
  ScoreAccumulator acc(2);
  acc.add(score({0, 2}, 1));
  acc.add(score({3, 1}, 4));
  EXPECT_EQ(acc.points(), 2u);
  EXPECT_DOUBLE_EQ(acc.rmse(), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(acc.mean_abs_error(), 1.0);
  EXPECT_DOUBLE_EQ(acc.spread(), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(acc.ssr(), std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(acc.crps(), 1.0);
  EXPECT_DOUBLE_EQ(acc.crps_fair(), 0.5);
  EXPECT_DOUBLE_EQ(acc.outlier_rate(), 0.5);
  EXPECT_DOUBLE_EQ(acc.expected_outlier_rate(), 2.0 / 3);
  EXPECT_EQ(acc.rank_histogram(), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(acc.rank_histogram_skipped(), 0u);
}

// Source: the `scores` package (github.com/nci/scores), tests/probabilty/test_rank_hist.py:
// DA_FCST (M = 4) against DA_OBS for stations 101 (truth 3) and 102 (truth 4); station 103 has
// no truth. Per point (_value_at_rank, EXP_VAR), ties spread equally:
//   {2,4,1,5} @3 -> bin 2;  {3,3,3,0} @3 -> bins 1-4 a quarter each;  {3,NaN,2,1} @3 -> NaN;
//   {5,7,9,7} @4 -> bin 0;  {1,3,2,1} @4 -> bin 4;  {2,6,4,4} @4 -> bins 1-3 a third each.
// EXP_RH1 (all dimensions reduced) = {1, 1/4+1/3, 1+1/4+1/3, 1/4+1/3, 1+1/4} / 5. Here the
// histogram holds counts (not divided by the 5 complete points), and the point with a NaN member
// is scored on its 3 finite members and counted in rank_histogram_skipped().
TEST(ScoreAccumulatorTest, RankHistogramMatchesScoresPackage) {
  ScoreAccumulator acc(4);
  acc.add(score({2, 4, 1, 5}, 3));
  acc.add(score({3, 3, 3, 0}, 3));
  acc.add(score({3, 2, 1}, 3));
  acc.add(score({5, 7, 9, 7}, 4));
  acc.add(score({1, 3, 2, 1}, 4));
  acc.add(score({2, 6, 4, 4}, 4));
  const std::vector<double> expected = {1, 1.0 / 4 + 1.0 / 3, 1 + 1.0 / 4 + 1.0 / 3,
                                        1.0 / 4 + 1.0 / 3, 1 + 1.0 / 4};
  const std::vector<double> hist = acc.rank_histogram();
  ASSERT_EQ(hist.size(), 5u);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NEAR(hist[k], expected[k], 1e-15) << "bin " << k;
  EXPECT_EQ(acc.points(), 6u);
  EXPECT_EQ(acc.rank_histogram_skipped(), 1u);
}

// Hand-worked: members {1, 2, 2, 3} and truth 2 tie with two members: bins 1, 2, 3 get 1/3 each.
// Truth 0 is below all (bin 0), truth 4 above all (bin 4): both outliers.
TEST(ScoreAccumulatorTest, TiesSplitAndOutliers) {
  ScoreAccumulator tie(4);
  tie.add(score({1, 2, 2, 3}, 2));
  const std::vector<double> hist = tie.rank_histogram();
  EXPECT_EQ(hist[0], 0.0);
  EXPECT_DOUBLE_EQ(hist[1], 1.0 / 3);
  EXPECT_DOUBLE_EQ(hist[2], 1.0 / 3);
  EXPECT_DOUBLE_EQ(hist[3], 1.0 / 3);
  EXPECT_EQ(hist[4], 0.0);
  EXPECT_EQ(tie.outlier_rate(), 0.0);

  ScoreAccumulator out(4);
  out.add(score({1, 2, 2, 3}, 0));
  out.add(score({1, 2, 2, 3}, 4));
  EXPECT_EQ(out.rank_histogram(), (std::vector<double>{1, 0, 0, 0, 1}));
  EXPECT_EQ(out.outlier_rate(), 1.0);
  EXPECT_DOUBLE_EQ(out.expected_outlier_rate(), 2.0 / 5);
}

// Random points on a coarse grid (many ties): the bins sum to the number of complete points.
TEST(ScoreAccumulatorTest, HistogramSumsToPoints) {
  std::mt19937_64 rng(8);
  std::uniform_int_distribution<int> value(0, 4);
  const std::size_t m = 6;
  ScoreAccumulator acc(m);
  for (int point = 0; point < 1000; ++point) {
    std::vector<double> x(point % 10 == 0 ? m - 1 : m);
    for (double& v : x) v = value(rng);
    acc.add(score(x, value(rng)));
  }
  const std::vector<double> hist = acc.rank_histogram();
  const double total = std::accumulate(hist.begin(), hist.end(), 0.0);
  EXPECT_EQ(acc.rank_histogram_skipped(), 100u);
  EXPECT_NEAR(total, 900.0, 1e-10);
}

// Exchangeable members and truth, y, x_1..x_M iid N(mu_p, 1) with a random centre mu_p per point:
// E(mean - y)^2 = 1 + 1/M and E variance = 1, so sqrt((M+1)/M * variance) / rmse -> 1, while
// the uncorrected spread/rmse -> sqrt(M/(M+1)) = sqrt(5/6) = 0.913 for M = 5 (Fortin et al.
// 2014, J. Hydrometeor. 15, 1708-1713). With 20000 points the sampling error of each ratio is
// about 0.5%. The rank histogram is flat (each of 6 bins ~ N/6) and the outlier rate ~ 2/(M+1).
TEST(ScoreAccumulatorTest, ExchangeableEnsembleHasSsrNearOne) {
  const std::size_t m = 5;
  const int points = 20000;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> centre(0.0, 3.0), noise(0.0, 1.0);
  ScoreAccumulator acc(m);
  for (int p = 0; p < points; ++p) {
    const double mu = centre(rng);
    std::vector<double> x(m);
    for (double& v : x) v = mu + noise(rng);
    acc.add(score(x, mu + noise(rng)));
  }
  EXPECT_NEAR(acc.ssr(), 1.0, 0.03);
  EXPECT_NEAR(acc.spread() / acc.rmse(), std::sqrt(5.0 / 6.0), 0.03);
  EXPECT_NEAR(acc.outlier_rate(), acc.expected_outlier_rate(), 0.02);
  for (double bin : acc.rank_histogram()) EXPECT_NEAR(bin, points / 6.0, 0.06 * points / 6.0);
}

std::vector<std::uint64_t> bits(const ScoreAccumulator& a) {
  std::vector<std::uint64_t> out = {a.points(), a.rank_histogram_skipped()};
  for (double v : {a.rmse(), a.mean_abs_error(), a.spread(), a.ssr(), a.crps(), a.crps_fair(),
                   a.outlier_rate()}) {
    out.push_back(std::bit_cast<std::uint64_t>(v));
  }
  for (double v : a.rank_histogram()) out.push_back(std::bit_cast<std::uint64_t>(v));
  return out;
}

std::vector<PointScores> random_points(std::size_t m, int n, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<PointScores> points;
  for (int p = 0; p < n; ++p) {
    std::vector<double> x(p % 13 == 0 ? m - 2 : m);  // some with diverged members left out
    const bool grid = p % 3 == 0;                    // some with ties
    for (double& v : x) v = grid ? std::round(normal(rng)) : normal(rng) * (1 + p % 7);
    points.push_back(score(x, grid ? std::round(normal(rng)) : normal(rng)));
  }
  return points;
}

// Merging the accumulators of two halves equals accumulating every point (required: to 1e-14
// relative, histograms identical); with exact sums it is in fact bit-identical, for any split,
// any order of the points and any grouping of the merges.
TEST(ScoreAccumulatorTest, MergeEqualsSequentialAccumulation) {
  const std::size_t m = 10;
  std::mt19937_64 rng(42);
  std::vector<PointScores> points = random_points(m, 2000, rng);
  ScoreAccumulator all(m);
  for (const auto& p : points) all.add(p);
  const auto expected = bits(all);

  ScoreAccumulator first(m), second(m);
  for (std::size_t i = 0; i < points.size(); ++i)
    (i < points.size() / 2 ? first : second).add(points[i]);
  first.merge(second);
  EXPECT_EQ(first.points(), all.points());
  EXPECT_NEAR(first.rmse(), all.rmse(), 1e-14 * all.rmse());
  EXPECT_NEAR(first.crps(), all.crps(), 1e-14 * all.crps());
  EXPECT_EQ(first.rank_histogram(), all.rank_histogram());
  EXPECT_EQ(bits(first), expected);

  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(points.begin(), points.end(), rng);
    std::vector<ScoreAccumulator> blocks(3 + trial, ScoreAccumulator(m));
    for (std::size_t i = 0; i < points.size(); ++i) blocks[(i * 31) % blocks.size()].add(points[i]);
    ScoreAccumulator merged(m);
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) merged.merge(*it);
    EXPECT_EQ(bits(merged), expected) << "trial " << trial;
  }

  ScoreAccumulator doubled = all;
  doubled.merge(doubled);
  ScoreAccumulator twice(m);
  for (int r = 0; r < 2; ++r)
    for (const auto& p : points) twice.add(p);
  EXPECT_EQ(bits(doubled), bits(twice));
}

TEST(ScoreAccumulatorTest, NoPointsGivesNaN) {
  const ScoreAccumulator acc(3);
  EXPECT_EQ(acc.points(), 0u);
  for (double v : {acc.rmse(), acc.mean_abs_error(), acc.spread(), acc.ssr(), acc.crps(),
                   acc.crps_fair(), acc.outlier_rate()}) {
    EXPECT_TRUE(std::isnan(v));
  }
  EXPECT_EQ(acc.rank_histogram(), std::vector<double>(4, 0.0));
  EXPECT_DOUBLE_EQ(acc.expected_outlier_rate(), 0.5);
}

TEST(ScoreAccumulatorTest, BadInputThrowsUsageError) {
  EXPECT_THROW(ScoreAccumulator(1), UsageError);
  ScoreAccumulator acc(3);
  EXPECT_THROW(acc.add(PointScores{}), UsageError);           // 0 members
  EXPECT_THROW(acc.add(score({1, 2, 3, 4}, 0)), UsageError);  // more than the nominal M
  PointScores bad_rank = score({1, 2, 3}, 2);
  bad_rank.rank_below = 3;
  EXPECT_THROW(acc.add(bad_rank), UsageError);
  ScoreAccumulator other(4);
  EXPECT_THROW(acc.merge(other), UsageError);
  EXPECT_EQ(acc.points(), 0u);
}

}  // namespace
}  // namespace butterfly
