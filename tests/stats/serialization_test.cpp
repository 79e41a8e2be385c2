// Tests of the reducers' save()/load() (checkpoints): for every reducer, loading a saved
// partial gives an object whose every public result, and every further add() and merge(), is
// bit-identical to the original's; truncated and inconsistent data are refused whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/stats/best_member_accumulator.hpp"
#include "butterfly/stats/energy_score.hpp"
#include "butterfly/stats/exact_sum.hpp"
#include "butterfly/stats/exceedance_accumulator.hpp"
#include "butterfly/stats/point_scores.hpp"
#include "butterfly/stats/score_accumulator.hpp"
#include "butterfly/stats/tail_accumulator.hpp"

namespace butterfly {
namespace {

// The reference of every test here is the saved object itself: the contract is
// load(save(x)) == x in every observable bit (results compared with memcmp, so NaNs and
// signed zeros count too).

template <class T>
std::vector<std::uint8_t> saved(const T& x) {
  ByteWriter out;
  x.save(out);
  return out.take();
}

template <class T>
void load_all(T& y, const std::vector<std::uint8_t>& bytes) {
  ByteReader in(bytes);
  y.load(in);
  EXPECT_TRUE(in.at_end()) << in.remaining() << " bytes left unread";
}

void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(double)), 0)
        << what << ": result " << i << " is " << a[i] << " vs " << b[i];
  }
}

// Every prefix of x's saved data is refused with RuntimeError and leaves `target` unchanged.
template <class T>
void expect_prefixes_refused(const T& x, T target) {
  const std::vector<std::uint8_t> bytes = saved(x);
  const std::vector<std::uint8_t> before = saved(target);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    ByteReader in(std::span<const std::uint8_t>(bytes.data(), n));
    EXPECT_THROW(target.load(in), RuntimeError) << "prefix of " << n << " bytes";
    ASSERT_EQ(saved(target), before) << "prefix of " << n << " bytes changed the object";
  }
}

// Loading `bytes` is refused as inconsistent data and leaves `target` unchanged.
template <class T>
void expect_inconsistent(T target, const std::vector<std::uint8_t>& bytes, const char* type) {
  const std::vector<std::uint8_t> before = saved(target);
  ByteReader in(bytes);
  try {
    target.load(in);
    ADD_FAILURE() << type << ": inconsistent data were loaded";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(std::string("checkpoint: inconsistent ") + type, 0), 0u)
        << e.what();
  }
  EXPECT_EQ(saved(target), before);
}

void patch_u64(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(value));
}

std::uint64_t read_u64(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  std::uint64_t value;
  std::memcpy(&value, bytes.data() + offset, sizeof(value));
  return value;
}

// ---------------------------------------------------------------------------------------------
// ExactSum

std::vector<double> results(const ExactSum& s) { return {s.value()}; }

// Terms over the whole exponent range with both signs, so the sum keeps many partials.
std::vector<double> wide_terms(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> mantissa(1, 2);
  std::uniform_int_distribution<int> exponent(-1000, 1000);
  std::vector<double> terms;
  for (std::size_t i = 0; i < count; ++i) {
    const double x = std::ldexp(mantissa(rng), exponent(rng));
    terms.push_back(rng() % 2 ? x : -x);
    terms.push_back(rng() % 3 == 0 ? -terms.back() : 0.1 * static_cast<double>(i));
  }
  return terms;
}

TEST(SerializationTest, ExactSumRoundTripIsBitIdentical) {
  const std::vector<double> terms = wide_terms(400, 1), more = wide_terms(100, 2);
  ExactSum x;
  for (const double t : terms) x.add(t);
  ExactSum y;
  y.add(3.0);  // load replaces what was there
  load_all(y, saved(x));
  expect_same_bits(results(x), results(y), "loaded");
  EXPECT_EQ(saved(y), saved(x));

  for (const double t : more) {
    x.add(t);
    y.add(t);
  }
  expect_same_bits(results(x), results(y), "after add");
  ExactSum other;
  for (const double t : wide_terms(50, 3)) other.add(t);
  x.merge(other);
  y.merge(other);
  expect_same_bits(results(x), results(y), "after merge");
  EXPECT_EQ(saved(y), saved(x));
}

// About a thousand partials (the "partials" case of CPython's Lib/test/test_math.py,
// test_fsum: 2^n - 2^(n+50) + 2^(n+52) for n in range(-1074, 972, 2)): all pass load()'s
// validation and keep the value.
TEST(SerializationTest, ExactSumWithManyPartials) {
  ExactSum x;
  for (int n = -1074; n < 972; n += 2) {
    x.add(std::ldexp(1.0, n) - std::ldexp(1.0, n + 50) + std::ldexp(1.0, n + 52));
  }
  const std::vector<std::uint8_t> bytes = saved(x);
  ASSERT_GT(bytes.size(), 1000u * sizeof(double));
  ExactSum y;
  load_all(y, bytes);
  expect_same_bits(results(x), results(y), "many partials");
  x.add(-std::ldexp(1.0, 1022));
  y.add(-std::ldexp(1.0, 1022));
  EXPECT_EQ(y.value(), 0x1.5555555555555p+970);  // CPython's expected fsum
  expect_same_bits(results(x), results(y), "many partials after add");
}

// Non-finite terms (+inf, a NaN with a payload) and an overflowing sum are kept bit for bit.
TEST(SerializationTest, ExactSumKeepsSpecialValues) {
  const double nan_payload = std::bit_cast<double>(0x7FF8000000001234ull);
  for (const std::vector<double>& terms :
       {std::vector<double>{}, std::vector<double>{1.0, std::numeric_limits<double>::infinity()},
        std::vector<double>{2.0, nan_payload},
        std::vector<double>{1e308, 1e308, 1.0},  // overflow: +inf
        std::vector<double>{-0.0}}) {
    ExactSum x;
    for (const double t : terms) x.add(t);
    ExactSum y;
    load_all(y, saved(x));
    expect_same_bits(results(x), results(y), "special");
    x.add(0.5);
    y.add(0.5);
    expect_same_bits(results(x), results(y), "special after add");
  }
}

TEST(SerializationTest, ExactSumRefusesBadData) {
  ExactSum x;
  for (const double t : {1e100, 1.0, -3e-7}) x.add(t);
  ExactSum target;
  target.add(7.0);
  expect_prefixes_refused(x, target);

  // Hand-made data: tag, partials, special.
  auto make = [](std::vector<double> partials, double special) {
    ByteWriter out;
    out.put(byte_tag("ESUM"));
    out.put_vector(partials);
    out.put(special);
    return out.take();
  };
  ASSERT_NO_THROW(load_all(target, make({1.0, 1e20}, 0.0)));
  EXPECT_EQ(target.value(), 1e20 + 1.0);
  expect_inconsistent(target, make({2.0, 1.0}, 0.0), "ExactSum");   // decreasing
  expect_inconsistent(target, make({1.0, -1.0}, 0.0), "ExactSum");  // equal magnitudes
  expect_inconsistent(target, make({0.0}, 0.0), "ExactSum");
  expect_inconsistent(target, make({std::numeric_limits<double>::quiet_NaN()}, 0.0), "ExactSum");
  expect_inconsistent(target, make({1.0}, 5.0), "ExactSum");  // finite special
  ByteWriter wrong;  // a ScoreAccumulator where an ExactSum is expected
  ScoreAccumulator(2).save(wrong);
  expect_inconsistent(target, wrong.take(), "ExactSum");
}

// ---------------------------------------------------------------------------------------------
// ScoreAccumulator

std::vector<double> results(const ScoreAccumulator& a) {
  std::vector<double> r = {static_cast<double>(a.members()),
                           static_cast<double>(a.points()),
                           a.rmse(),
                           a.mean_abs_error(),
                           a.spread(),
                           a.ssr(),
                           a.crps(),
                           a.crps_fair(),
                           a.outlier_rate(),
                           a.expected_outlier_rate(),
                           static_cast<double>(a.rank_histogram_skipped())};
  for (const double b : a.rank_histogram()) r.push_back(b);
  return r;
}

// Points of an M-member ensemble: integer-valued members and truth (so truths tie with
// members), every fourth point with only M - 2 members (diverged ones left out).
void add_score_points(ScoreAccumulator& a, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 3);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> x(i % 4 == 3 ? a.members() - 2 : a.members());
    for (double& v : x) v = std::round(normal(rng));
    a.add(score_point(x, std::round(normal(rng))));
  }
}

TEST(SerializationTest, ScoreAccumulatorRoundTripIsBitIdentical) {
  ScoreAccumulator x(10);
  add_score_points(x, 60, 1);
  ASSERT_GT(x.rank_histogram_skipped(), 0u);
  ScoreAccumulator y(2);  // another nominal M: load replaces it
  load_all(y, saved(x));
  expect_same_bits(results(x), results(y), "loaded");
  EXPECT_EQ(saved(y), saved(x));

  add_score_points(x, 20, 2);
  add_score_points(y, 20, 2);
  expect_same_bits(results(x), results(y), "after add");
  ScoreAccumulator other(10);
  add_score_points(other, 30, 3);
  x.merge(other);
  y.merge(other);
  expect_same_bits(results(x), results(y), "after merge");

  // An empty accumulator (all scores NaN) too.
  const ScoreAccumulator empty(5);
  load_all(y, saved(empty));
  expect_same_bits(results(empty), results(y), "empty");
}

TEST(SerializationTest, ScoreAccumulatorRefusesBadData) {
  ScoreAccumulator x(4);
  add_score_points(x, 4, 1);
  ScoreAccumulator target(3);
  add_score_points(target, 2, 5);
  expect_prefixes_refused(x, target);

  // Layout: tag (4), members (8), points (8), outliers (8), skipped (8), ...
  const std::vector<std::uint8_t> good = saved(x);
  std::vector<std::uint8_t> bad = good;
  patch_u64(bad, 4, 1);  // members 1
  expect_inconsistent(target, bad, "ScoreAccumulator");
  bad = good;
  patch_u64(bad, 12, read_u64(good, 12) + 1);  // one point more than the ranks count
  expect_inconsistent(target, bad, "ScoreAccumulator");
  bad = good;
  patch_u64(bad, 20, read_u64(good, 12) + 1);  // more outliers than points
  expect_inconsistent(target, bad, "ScoreAccumulator");
  // A rank beyond M: saved by a 9-member accumulator, nominal M patched down to 4.
  ScoreAccumulator wide(9);
  std::vector<double> members = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  wide.add(score_point(members, 8.5));
  bad = saved(wide);
  patch_u64(bad, 4, 4);
  expect_inconsistent(target, bad, "ScoreAccumulator");
}

// ---------------------------------------------------------------------------------------------
// ExceedanceAccumulator

std::vector<double> results(const ExceedanceAccumulator& a) {
  std::vector<double> r = {static_cast<double>(a.members()), static_cast<double>(a.points())};
  for (const double u : a.thresholds()) r.push_back(u);
  for (std::size_t t = 0; t < a.thresholds().size(); ++t) {
    for (const double v : {a.base_rate(t), a.brier_score(t), a.fair_brier_score(t),
                           a.reliability(t), a.resolution(t), a.uncertainty(t), a.roc_area(t)}) {
      r.push_back(v);
    }
    for (const std::size_t bins : {std::size_t{4}, a.members() + 1}) {
      for (const ReliabilityBin& b : a.reliability_diagram(t, bins)) {
        r.push_back(static_cast<double>(b.count));
        r.push_back(b.forecast_probability);
        r.push_back(b.observed_frequency);
      }
    }
    for (const RocPoint& p : a.roc_curve(t)) {
      r.push_back(p.probability);
      r.push_back(p.hit_rate);
      r.push_back(p.false_alarm_rate);
    }
  }
  return r;
}

// Points with members on a grid of halves (values and truths tie with the thresholds), every
// third with fewer members (diverged), half of them through add_sorted().
void add_exceedance_points(ExceedanceAccumulator& a, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> x(i % 3 == 2 ? a.members() - a.members() / 4 : a.members());
    for (double& v : x) v = std::round(2 * normal(rng)) / 2;
    const double truth = std::round(2 * normal(rng)) / 2;
    if (i % 2 == 0) {
      a.add(x, truth);
    } else {
      std::sort(x.begin(), x.end());
      a.add_sorted(x, truth);
    }
  }
}

TEST(SerializationTest, ExceedanceAccumulatorRoundTripIsBitIdentical) {
  const std::vector<double> thresholds = {-0.5, 0.0, 1.0};
  ExceedanceAccumulator x(8, thresholds);
  add_exceedance_points(x, 80, 1);
  ExceedanceAccumulator y(2, {5.0});
  load_all(y, saved(x));
  expect_same_bits(results(x), results(y), "loaded");
  EXPECT_EQ(saved(y), saved(x));

  add_exceedance_points(x, 25, 2);
  add_exceedance_points(y, 25, 2);
  expect_same_bits(results(x), results(y), "after add");
  ExceedanceAccumulator other(8, thresholds);
  add_exceedance_points(other, 30, 3);
  x.merge(other);
  y.merge(other);
  expect_same_bits(results(x), results(y), "after merge");
}

TEST(SerializationTest, ExceedanceAccumulatorRefusesBadData) {
  ExceedanceAccumulator x(4, {0.0, 1.0});
  add_exceedance_points(x, 3, 1);
  ExceedanceAccumulator target(3, {2.0});
  expect_prefixes_refused(x, target);

  // Layout: tag (4), members (8), thresholds (8 + 2 * 8), points (8), ...
  const std::vector<std::uint8_t> good = saved(x);
  std::vector<std::uint8_t> bad = good;
  patch_u64(bad, 36, read_u64(good, 36) + 1);  // the counts no longer add up to the points
  expect_inconsistent(target, bad, "ExceedanceAccumulator");
  bad = good;
  patch_u64(bad, 20, std::bit_cast<std::uint64_t>(std::numeric_limits<double>::infinity()));
  expect_inconsistent(target, bad, "ExceedanceAccumulator");
  // Forecasts with m = 8 members, nominal M patched down to 4.
  ExceedanceAccumulator wide(8, {0.0, 1.0});
  add_exceedance_points(wide, 1, 1);
  bad = saved(wide);
  patch_u64(bad, 4, 4);
  expect_inconsistent(target, bad, "ExceedanceAccumulator");
}

// ---------------------------------------------------------------------------------------------
// TailAccumulator

std::vector<double> results(const TailAccumulator& a) {
  std::vector<double> r = {static_cast<double>(a.max_sigma()), static_cast<double>(a.points()),
                           static_cast<double>(a.degenerate_points()),
                           static_cast<double>(a.member_values())};
  for (std::size_t k = 1; k <= a.max_sigma(); ++k) {
    r.push_back(static_cast<double>(a.below_count(k)));
    r.push_back(static_cast<double>(a.above_count(k)));
    r.push_back(a.outside_fraction(k));
  }
  for (std::size_t i = 0; i < a.probabilities().size(); ++i) {
    r.push_back(a.probabilities()[i]);
    r.push_back(static_cast<double>(a.quantile_points(i)));
    r.push_back(a.mean_standardized_quantile(i));
    r.push_back(a.gaussian_quantile(i));
  }
  return r;
}

// Points of 40 (or 12: diverged members left out) Student-t-like members, some all equal
// (degenerate), through add() and add_sorted().
void add_tail_points(TailAccumulator& a, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::student_t_distribution<double> heavy(3);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> x(i % 4 == 1 ? 12 : 40);
    for (double& v : x) v = i % 7 == 6 ? 2.5 : heavy(rng);
    if (i % 2 == 0) {
      a.add(x);
    } else {
      std::sort(x.begin(), x.end());
      a.add_sorted(x);
    }
  }
}

TEST(SerializationTest, TailAccumulatorRoundTripIsBitIdentical) {
  const std::vector<double> probabilities = {0.05, 0.25, 0.75, 0.95};
  TailAccumulator x(4, probabilities);
  add_tail_points(x, 50, 1);
  ASSERT_GT(x.degenerate_points(), 0u);
  TailAccumulator y;  // the default K and probabilities: load replaces them
  load_all(y, saved(x));
  expect_same_bits(results(x), results(y), "loaded");
  EXPECT_EQ(saved(y), saved(x));

  add_tail_points(x, 20, 2);
  add_tail_points(y, 20, 2);
  expect_same_bits(results(x), results(y), "after add");
  TailAccumulator other(4, probabilities);
  add_tail_points(other, 20, 3);
  x.merge(other);
  y.merge(other);
  expect_same_bits(results(x), results(y), "after merge");
}

TEST(SerializationTest, TailAccumulatorRefusesBadData) {
  TailAccumulator x(2, {0.1, 0.9});
  add_tail_points(x, 3, 1);
  expect_prefixes_refused(x, TailAccumulator(3, {0.5}));

  // Layout: tag (4), probabilities (8 + 2 * 8), points (8), degenerate (8), ...
  const std::vector<std::uint8_t> good = saved(x);
  std::vector<std::uint8_t> bad = good;
  patch_u64(bad, 36, read_u64(good, 28) + 1);  // more degenerate points than points
  expect_inconsistent(TailAccumulator(), bad, "TailAccumulator");
  bad = good;
  patch_u64(bad, 12, std::bit_cast<std::uint64_t>(1.0));  // probability 1
  expect_inconsistent(TailAccumulator(), bad, "TailAccumulator");
}

// ---------------------------------------------------------------------------------------------
// BestMemberAccumulator

std::vector<double> results(const BestMemberAccumulator& a) {
  std::vector<double> r = {static_cast<double>(a.members())};
  for (std::size_t i = 0; i < a.sizes().size(); ++i) {
    r.push_back(static_cast<double>(a.sizes()[i]));
    r.push_back(static_cast<double>(a.points(i)));
    r.push_back(a.mean_best_error(i));
    r.push_back(a.rms_best_error(i));
    r.push_back(a.outlier_rate(i));
    r.push_back(a.expected_outlier_rate(i));
  }
  return r;
}

// Points of M members, every third with only M/2 (diverged members left out).
void add_best_points(BestMemberAccumulator& a, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> x(i % 3 == 0 ? a.members() / 2 : a.members());
    for (double& v : x) v = normal(rng);
    a.add(x, normal(rng));
  }
}

TEST(SerializationTest, BestMemberAccumulatorRoundTripIsBitIdentical) {
  BestMemberAccumulator x(12);  // sizes 1, 2, 4, 8, 12
  add_best_points(x, 40, 1);
  BestMemberAccumulator y(1);
  load_all(y, saved(x));
  expect_same_bits(results(x), results(y), "loaded");
  EXPECT_EQ(saved(y), saved(x));

  add_best_points(x, 15, 2);
  add_best_points(y, 15, 2);
  expect_same_bits(results(x), results(y), "after add");
  BestMemberAccumulator other(12);
  add_best_points(other, 15, 3);
  x.merge(other);
  y.merge(other);
  expect_same_bits(results(x), results(y), "after merge");
}

TEST(SerializationTest, BestMemberAccumulatorRefusesBadData) {
  BestMemberAccumulator x(4, {1, 3});
  add_best_points(x, 3, 1);
  expect_prefixes_refused(x, BestMemberAccumulator(2));

  // Layout: tag (4), members (8), sizes (8 + 2 * 8), points (8 + 2 * 8), outliers (8 + 2 * 8).
  const std::vector<std::uint8_t> good = saved(x);
  std::vector<std::uint8_t> bad = good;
  patch_u64(bad, 28, 5);  // sizes {1, 5} beyond members 4
  expect_inconsistent(BestMemberAccumulator(2), bad, "BestMemberAccumulator");
  bad = good;
  patch_u64(bad, 68, read_u64(good, 44) + 1);  // more outliers than points (size 1)
  expect_inconsistent(BestMemberAccumulator(2), bad, "BestMemberAccumulator");
  bad = good;
  patch_u64(bad, 52, read_u64(good, 44) + 1);  // more points of size 3 than of size 1
  expect_inconsistent(BestMemberAccumulator(2), bad, "BestMemberAccumulator");
}

// ---------------------------------------------------------------------------------------------
// EnergyScoreForecast (a partial forecast: some member groups added) and EnergyScoreAccumulator

std::vector<double> state_of(const EnergyScoreForecast& f) {
  return {static_cast<double>(f.members()),       static_cast<double>(f.variables()),
          static_cast<double>(f.exact()),         static_cast<double>(f.members_added()),
          static_cast<double>(f.pairs()),         static_cast<double>(f.options().exact_limit),
          static_cast<double>(f.options().shifts)};
}

std::vector<double> results(const EnergyScoreForecast& f) {
  std::vector<double> r = state_of(f);
  for (const double v : {f.mean_distance_to_truth(), f.mean_pair_distance(), f.energy_score(),
                         f.energy_score_fair()}) {
    r.push_back(v);
  }
  return r;
}

std::vector<double> normal_values(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> v(count);
  for (double& x : v) x = normal(rng);
  return v;
}

TEST(SerializationTest, EnergyScoreForecastPartialRoundTripIsBitIdentical) {
  // M = 600 > exact_limit (estimated pair term) in three member groups, and M = 20 (exact).
  for (const std::size_t members : {std::size_t{600}, std::size_t{20}}) {
    const std::size_t d = 3;
    const std::vector<double> values = normal_values(members * d, members);
    const std::vector<double> truth = normal_values(d, 7);
    const std::size_t split = std::min<std::size_t>(members, kEnergyScoreMemberGroup);
    EnergyScoreForecast x(members, d);
    x.add_members(values, truth, 0, split);
    EnergyScoreForecast y(2, 1);
    load_all(y, saved(x));
    expect_same_bits(state_of(x), state_of(y), "loaded partial");
    EXPECT_EQ(saved(y), saved(x));

    // The rest of the members, in the remaining groups, and the same from a merge.
    EnergyScoreForecast rest(members, d);
    if (split < members) rest.add_members(values, truth, split, members);
    EnergyScoreForecast merged_x = x, merged_y = y;
    merged_x.merge(rest);
    merged_y.merge(rest);
    expect_same_bits(results(merged_x), results(merged_y), "after merge");
    if (split < members) {
      x.add_members(values, truth, split, members);
      y.add_members(values, truth, split, members);
    }
    expect_same_bits(results(x), results(y), "after add");
    expect_same_bits(results(x), results(merged_y), "add and merge");
  }
}

std::vector<double> results(const EnergyScoreAccumulator& a) {
  return {static_cast<double>(a.forecasts()),
          static_cast<double>(a.estimated_forecasts()),
          a.energy_score(),
          a.energy_score_fair(),
          static_cast<double>(a.options().exact_limit),
          static_cast<double>(a.options().shifts)};
}

// Forecasts of 10 (exact) and 50 (estimated, above exact_limit 40) members, d = 2.
void add_forecasts(EnergyScoreAccumulator& a, std::size_t count, std::uint64_t seed) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t members = i % 2 == 0 ? 10 : 50;
    a.add(normal_values(members * 2, seed * 1000 + i), normal_values(2, seed * 1000 + i + 500));
  }
}

TEST(SerializationTest, EnergyScoreAccumulatorRoundTripIsBitIdentical) {
  const EnergyScoreOptions options{40, 4};
  EnergyScoreAccumulator x(options);
  add_forecasts(x, 9, 1);
  ASSERT_GT(x.estimated_forecasts(), 0u);
  EnergyScoreAccumulator y;  // default options: load replaces them
  load_all(y, saved(x));
  expect_same_bits(results(x), results(y), "loaded");
  EXPECT_EQ(saved(y), saved(x));

  add_forecasts(x, 4, 2);
  add_forecasts(y, 4, 2);
  expect_same_bits(results(x), results(y), "after add");
  EnergyScoreAccumulator other(options);
  add_forecasts(other, 5, 3);
  x.merge(other);
  y.merge(other);
  expect_same_bits(results(x), results(y), "after merge");

  const EnergyScoreAccumulator empty(options);
  load_all(y, saved(empty));
  expect_same_bits(results(empty), results(y), "empty");
}

TEST(SerializationTest, EnergyScoreRefusesBadData) {
  EnergyScoreForecast f(300, 2);
  f.add_members(normal_values(600, 1), normal_values(2, 2), 0, 256);
  expect_prefixes_refused(f, EnergyScoreForecast(2, 1));
  EnergyScoreAccumulator a(EnergyScoreOptions{40, 4});
  add_forecasts(a, 2, 1);
  expect_prefixes_refused(a, EnergyScoreAccumulator());

  // Forecast layout: tag (4), members (8), variables (8), exact_limit (8), shifts (8), ...
  std::vector<std::uint8_t> bad = saved(f);
  patch_u64(bad, 12, 0);  // no variables
  expect_inconsistent(EnergyScoreForecast(2, 1), bad, "EnergyScoreForecast");
  bad = saved(f);
  patch_u64(bad, 28, 1000);  // shifts beyond exact_limit / 4
  expect_inconsistent(EnergyScoreForecast(2, 1), bad, "EnergyScoreForecast");
  // Accumulator layout: tag (4), exact_limit (8), shifts (8), forecasts (8), estimated (8).
  bad = saved(a);
  patch_u64(bad, 28, read_u64(bad, 20) + 1);  // more estimated forecasts than forecasts
  expect_inconsistent(EnergyScoreAccumulator(), bad, "EnergyScoreAccumulator");
}

}  // namespace
}  // namespace butterfly
