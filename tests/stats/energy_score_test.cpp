// Tests of the energy score: d = 1 against score_point's CRPS, a hand-worked example, numpy
// values for the exact and the estimated pair term, the Gaussian pair distance, exact merging
// over member ranges and forecasts, bad input.
#include "butterfly/stats/energy_score.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/stats/point_scores.hpp"

namespace butterfly {
namespace {

// splitmix64 (Steele, Lea & Flood 2014) mapped to [-5, 5): z >> 11 scaled by 2^-53, times 10,
// minus 5 (exact in double), as in the numpy snippets below.
std::vector<double> splitmix_values(std::size_t count, std::uint64_t seed) {
  std::vector<double> out;
  std::uint64_t s = seed;
  for (std::size_t i = 0; i < count; ++i) {
    s += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    out.push_back(static_cast<double>(z >> 11) * 0x1p-53 * 10 - 5);
  }
  return out;
}

// For d = 1 the energy score is the CRPS of the empirical CDF and the fair form the fair CRPS
// (Gneiting & Raftery 2007, section 4.3); score_point computes them from sorted values
// through the gaps instead of all pairs.
TEST(EnergyScoreTest, OneVariableEqualsCrps) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal(1.0, 2.0);
  for (std::size_t members : {2, 3, 17, 100}) {
    std::vector<double> x(members);
    for (double& v : x) v = normal(rng);
    const double truth = normal(rng);
    EnergyScoreForecast f(members, 1);
    f.add_members(x, std::vector<double>{truth}, 0, members);
    ASSERT_TRUE(f.exact());
    const PointScores p = score_point(x, truth);
    EXPECT_NEAR(f.energy_score(), p.crps, 1e-12) << members;
    EXPECT_NEAR(f.energy_score_fair(), p.crps_fair, 1e-12) << members;
  }
}

// Hand-worked, M = 2, d = 2: members (0, 0) and (3, 4), truth (0, 4).
//   ||x_1 - y|| = 4, ||x_2 - y|| = 3: A/M = 7/2; ||x_1 - x_2|| = 5 (one pair, counted twice in
//   the double sum): ES = 7/2 - 2 * 5/(2 * 4) = 9/4, ES_fair = 7/2 - 2 * 5/(2 * 2) = 1.
TEST(EnergyScoreTest, HandWorked) {
  EnergyScoreAccumulator acc;
  acc.add(std::vector<double>{0, 3, 0, 4}, std::vector<double>{0, 4});
  EXPECT_EQ(acc.forecasts(), 1u);
  EXPECT_EQ(acc.estimated_forecasts(), 0u);
  EXPECT_DOUBLE_EQ(acc.energy_score(), 2.25);
  EXPECT_DOUBLE_EQ(acc.energy_score_fair(), 1.0);
}

// numpy 1.24.2, all pairs and the shift pairs, with splitmix_values (values[:M*d] as (d, M),
// the next d values the truth):
//   A = np.linalg.norm(x - y[:, None], axis=0).mean()
//   P = np.linalg.norm(x[:, :, None] - x[:, None, :], axis=0).sum()   # ordered pairs
//   es, fair = A - P/(2*M*M), A - P/(2*M*(M-1))
//   B = sum(np.linalg.norm(x - np.roll(x, -2*s, axis=1), axis=0).sum()
//           for s in range(1, S+1)) / (M*S)
//   es_est, fair_est = A - (M-1)/(2*M)*B, A - B/2
// M = 20, d = 3, seed 1: es 2.7002560996259253, fair 2.542782372234615.
// M = 300, d = 5, seed 2: es 4.534453853938563, fair 4.519890822227701; with S = 4:
//   es_est 4.535117042703829, fair_est 4.520556229015595.
TEST(EnergyScoreTest, MatchesNumpy) {
  {
    const std::vector<double> v = splitmix_values(20 * 3 + 3, 1);
    EnergyScoreAccumulator acc;
    acc.add(std::span<const double>(v.data(), 60), std::span<const double>(v.data() + 60, 3));
    EXPECT_NEAR(acc.energy_score(), 2.7002560996259253, 1e-13);
    EXPECT_NEAR(acc.energy_score_fair(), 2.542782372234615, 1e-13);
  }
  const std::vector<double> v = splitmix_values(300 * 5 + 5, 2);
  const std::span<const double> values(v.data(), 1500), truth(v.data() + 1500, 5);
  EnergyScoreAccumulator exact({300, 16});
  exact.add(values, truth);
  EXPECT_NEAR(exact.energy_score(), 4.534453853938563, 1e-13);
  EXPECT_NEAR(exact.energy_score_fair(), 4.519890822227701, 1e-13);
  EnergyScoreAccumulator estimated({17, 4});
  estimated.add(values, truth);
  EXPECT_EQ(estimated.estimated_forecasts(), 1u);
  EXPECT_NEAR(estimated.energy_score(), 4.535117042703829, 1e-13);
  EXPECT_NEAR(estimated.energy_score_fair(), 4.520556229015595, 1e-13);
}

// The estimated pair term. (a) Against the same ensemble's all-pairs mean (from score_point:
// D/(M(M-1)) = (A/M - crps) 2M/(M-1)): only the choice of pairs differs, a standard error of
// about 0.6/sqrt(M shifts) = 0.0015 for 20000 members and 8 shifts (tolerance 0.006). (b) Unbiased:
// for X, X' iid N(0, 1), E|X - X'| = 2/sqrt(pi) (closed form); over 400 ensembles of 200 members
// the mean of the estimates has a standard error of about 0.003 (sd of E[|x - X'| | x] = 0.40, so
// 2 * 0.40/sqrt(200) per ensemble), tolerance 0.012.
TEST(EnergyScoreTest, EstimatedPairDistanceIsUnbiased) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  const std::size_t members = 20000;
  std::vector<double> x(members);
  for (double& v : x) v = normal(rng);
  EnergyScoreForecast f(members, 1);
  f.add_members(x, std::vector<double>{0.0}, 0, members);
  EXPECT_FALSE(f.exact());
  EXPECT_EQ(f.pairs(), members * 8u);
  const PointScores p = score_point(x, 0.0);
  const double m = static_cast<double>(members);
  const double all_pairs = (f.mean_distance_to_truth() - p.crps) * 2 * m / (m - 1);
  EXPECT_NEAR(f.mean_pair_distance(), all_pairs, 0.006);
  EXPECT_NEAR(f.energy_score(), p.crps, 0.003);

  double sum = 0;
  const int ensembles = 400;
  std::vector<double> small(200);
  for (int e = 0; e < ensembles; ++e) {
    for (double& v : small) v = normal(rng);
    EnergyScoreForecast g(small.size(), 1);
    g.add_members(small, std::vector<double>{0.0}, 0, small.size());
    EXPECT_FALSE(g.exact());
    sum += g.mean_pair_distance();
  }
  EXPECT_NEAR(sum / ensembles, 2 / std::sqrt(std::numbers::pi), 0.012);
}

// Member ranges (at multiples of 256) in any order and forecasts merged in any grouping give
// the same bits.
TEST(EnergyScoreTest, MergeInAnyGroupingGivesIdenticalBits) {
  const std::size_t members = 700, d = 4;
  const std::vector<double> v = splitmix_values(members * d + d, 3);
  const std::span<const double> values(v.data(), members * d), truth(v.data() + members * d, d);
  EnergyScoreForecast whole(members, d);
  whole.add_members(values, truth, 0, members);
  EnergyScoreForecast a(members, d), b(members, d), c(members, d);
  a.add_members(values, truth, 512, 700);
  b.add_members(values, truth, 256, 512);
  c.add_members(values, truth, 0, 256);
  b.merge(a);
  c.merge(b);
  EXPECT_EQ(c.energy_score(), whole.energy_score());
  EXPECT_EQ(c.energy_score_fair(), whole.energy_score_fair());

  // Forecasts of several sizes (some exact, some estimated), grouped differently.
  EnergyScoreAccumulator serial;
  std::vector<EnergyScoreAccumulator> parts(3);
  const std::size_t sizes[] = {5, 90, 129, 700, 2, 400};
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t m = sizes[i];
    const std::vector<double> w = splitmix_values(m * d + d, 10 + i);
    const std::span<const double> x(w.data(), m * d), y(w.data() + m * d, d);
    serial.add(x, y);
    parts[(i * 2) % 3].add(x, y);
  }
  EnergyScoreAccumulator left = parts[0], right = parts[2], inner = parts[1];
  left.merge(parts[1]);
  left.merge(parts[2]);
  inner.merge(parts[0]);
  right.merge(inner);
  EXPECT_EQ(serial.estimated_forecasts(), 3u);
  for (const EnergyScoreAccumulator* other : {&left, &right}) {
    EXPECT_EQ(other->forecasts(), 6u);
    EXPECT_EQ(other->energy_score(), serial.energy_score());
    EXPECT_EQ(other->energy_score_fair(), serial.energy_score_fair());
  }
}

TEST(EnergyScoreTest, EmptyAndBadInput) {
  EnergyScoreAccumulator acc;
  EXPECT_TRUE(std::isnan(acc.energy_score()));
  EXPECT_THROW(EnergyScoreAccumulator({64, 16}), UsageError);  // needs >= 65
  EXPECT_THROW(EnergyScoreAccumulator({128, 0}), UsageError);
  EXPECT_THROW(EnergyScoreForecast(1, 3), UsageError);
  EXPECT_THROW(EnergyScoreForecast(4, 0), UsageError);
  EnergyScoreForecast f(3, 2);
  const std::vector<double> x = {0, 1, 2, 3, 4, 5}, y = {0, 0};
  EXPECT_THROW(f.add_members(x, std::vector<double>{0}, 0, 3), UsageError);
  EXPECT_THROW(f.add_members(std::vector<double>{0, 1, 2}, y, 0, 3), UsageError);
  EXPECT_THROW(f.add_members(x, y, 2, 4), UsageError);
  EXPECT_THROW(f.add_members(x, y, 1, 3), UsageError);  // not at a multiple of 256
  EXPECT_THROW(f.add_members(x, std::vector<double>{0, NAN}, 0, 3), UsageError);
  EXPECT_THROW(f.add_members(std::vector<double>{0, 1, 2, 3, INFINITY, 5}, y, 0, 3), UsageError);
  EXPECT_EQ(f.members_added(), 0u);  // refused input leaves no trace
  f.add_members(x, y, 0, 2);
  EXPECT_THROW(f.energy_score(), UsageError);  // incomplete
  EXPECT_THROW(acc.add(f), UsageError);
  EXPECT_THROW(acc.add(x, std::vector<double>{0, 0, 0, 0}), UsageError);
  EXPECT_THROW(acc.merge(EnergyScoreAccumulator({200, 16})), UsageError);
}

}  // namespace
}  // namespace butterfly
