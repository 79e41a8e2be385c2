// Tests of ExceedanceAccumulator: a hand-worked example (Brier, fair Brier, Murphy terms,
// reliability diagram, ROC), independent per-point formulas, exact merging, bad input.
#include "butterfly/stats/exceedance_accumulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// Uniform on [0, 1) from 53 random bits (fully specified, unlike std::uniform_real_distribution).
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1p-53; }

// Hand-worked, M = 4, threshold 0.5 (members and truths are 0 or 1):
//   point  members    k  p     truth o
//   A      {0,1,1,1}  3  3/4   1     1
//   B      {0,0,1,1}  2  1/2   0     0
//   C      {0,0,0,1}  1  1/4   1     1
//   D      {1,1,1,1}  4  1     1     1
//   E      {0,0,0,0}  0  0     0     0
//   F      {1,0,1,0}  2  1/2   1     1
// BS = (1/16 + 1/4 + 9/16 + 0 + 0 + 1/4)/6 = 3/16.
// Fair (Ferro 2014): subtract k(4-k)/48 per point = (3 + 4 + 3 + 0 + 0 + 4)/48 / 6 = 7/144:
//   3/16 - 7/144 = 5/36.
// o-bar = 2/3, UNC = 2/9; bins p = 0, 1/4, 1/2, 3/4, 1 hold 1, 1, 2, 1, 1 points with observed
// frequencies 0, 1, 1/2, 1, 1: REL = ((3/4)^2 + (1/4)^2)/6 = 5/48,
// RES = (4/9 + 1/9 + 2 (1/6)^2 + 1/9 + 1/9)/6 = 5/36; REL - RES + UNC = 27/144 = 3/16 = BS.
// ROC (N1 = 4 events, N0 = 2 non-events), warning at p >= k/4:
//   k = 4: D -> (F, H) = (0, 1/4); k = 3: +A -> (0, 1/2); k = 2: +B, F -> (1/2, 3/4);
//   k = 1: +C -> (1/2, 1); k = 0: +E -> (1, 1).
//   Area = 1/2 (1/2 + 3/4)/2 + 1/2 (1 + 1)/2 = 13/16; Mann-Whitney: 6.5 of 8 pairs = 13/16.
TEST(ExceedanceAccumulatorTest, HandWorkedExample) {
  ExceedanceAccumulator acc(4, {0.5});
  acc.add(std::vector<double>{0, 1, 1, 1}, 1);
  acc.add(std::vector<double>{0, 0, 1, 1}, 0);
  acc.add(std::vector<double>{0, 0, 0, 1}, 1);
  acc.add(std::vector<double>{1, 1, 1, 1}, 1);
  acc.add(std::vector<double>{0, 0, 0, 0}, 0);
  acc.add(std::vector<double>{1, 0, 1, 0}, 1);
  EXPECT_EQ(acc.points(), 6u);
  EXPECT_DOUBLE_EQ(acc.brier_score(0), 3.0 / 16);
  EXPECT_DOUBLE_EQ(acc.fair_brier_score(0), 5.0 / 36);
  EXPECT_DOUBLE_EQ(acc.base_rate(0), 2.0 / 3);
  EXPECT_DOUBLE_EQ(acc.uncertainty(0), 2.0 / 9);
  EXPECT_DOUBLE_EQ(acc.reliability(0), 5.0 / 48);
  EXPECT_DOUBLE_EQ(acc.resolution(0), 5.0 / 36);

  const std::vector<RocPoint> roc = acc.roc_curve(0);
  ASSERT_EQ(roc.size(), 5u);
  const double expected[5][3] = {
      {1, 0, 0.25}, {0.75, 0, 0.5}, {0.5, 0.5, 0.75}, {0.25, 0.5, 1}, {0, 1, 1}};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(roc[i].probability, expected[i][0]) << i;
    EXPECT_DOUBLE_EQ(roc[i].false_alarm_rate, expected[i][1]) << i;
    EXPECT_DOUBLE_EQ(roc[i].hit_rate, expected[i][2]) << i;
  }
  EXPECT_DOUBLE_EQ(acc.roc_area(0), 13.0 / 16);

  // M + 1 = 5 bins: one per possible probability.
  const std::vector<ReliabilityBin> fine = acc.reliability_diagram(0, 5);
  const double fine_expected[5][3] = {
      {1, 0, 0}, {1, 0.25, 1}, {2, 0.5, 0.5}, {1, 0.75, 1}, {1, 1, 1}};
  for (std::size_t b = 0; b < 5; ++b) {
    EXPECT_EQ(fine[b].count, fine_expected[b][0]) << b;
    EXPECT_DOUBLE_EQ(fine[b].forecast_probability, fine_expected[b][1]) << b;
    EXPECT_DOUBLE_EQ(fine[b].observed_frequency, fine_expected[b][2]) << b;
  }
  // Two bins: [0, 1/2) holds E, C (mean p 1/8, frequency 1/2); [1/2, 1] holds B, F, A, D
  // (mean p (1/2 + 1/2 + 3/4 + 1)/4 = 11/16, frequency 3/4).
  const std::vector<ReliabilityBin> coarse = acc.reliability_diagram(0, 2);
  EXPECT_EQ(coarse[0].count, 2u);
  EXPECT_DOUBLE_EQ(coarse[0].forecast_probability, 0.125);
  EXPECT_DOUBLE_EQ(coarse[0].observed_frequency, 0.5);
  EXPECT_EQ(coarse[1].count, 4u);
  EXPECT_DOUBLE_EQ(coarse[1].forecast_probability, 11.0 / 16);
  EXPECT_DOUBLE_EQ(coarse[1].observed_frequency, 0.75);
}

struct RandomPoint {
  std::vector<double> values;
  double truth;
};

// Points of M members, some with fewer (as if members diverged), drawn from N(0, 1) with a
// truth that shares a random offset with its members, so forecasts carry skill.
std::vector<RandomPoint> random_points(std::size_t count, std::size_t members, unsigned seed,
                                       bool all_members = false) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<RandomPoint> points(count);
  for (std::size_t i = 0; i < count; ++i) {
    const double offset = normal(rng);
    const std::size_t m = (i % 7 == 3 && !all_members) ? members - 1 - i % 3 : members;
    for (std::size_t j = 0; j < m; ++j) points[i].values.push_back(offset + normal(rng));
    points[i].truth = offset + normal(rng);
  }
  return points;
}

// Independent per-point formulas: BS = mean (k/m - o)^2 and SpecsVerification's
// EnsBrier(R.new = Inf) = (k/m - o)^2 - k (m - k) / m / (m - 1) / m (R/EnsBrier.R,
// github.com/sieste/SpecsVerification), summed plainly.
TEST(ExceedanceAccumulatorTest, BrierScoresMatchPerPointFormulas) {
  const std::vector<double> thresholds = {-1.0, 0.0, 1.5};
  const std::vector<RandomPoint> points = random_points(3000, 10, 7);
  ExceedanceAccumulator acc(10, thresholds);
  for (const RandomPoint& p : points) acc.add(p.values, p.truth);
  for (std::size_t t = 0; t < thresholds.size(); ++t) {
    double bs = 0, fair = 0;
    for (const RandomPoint& p : points) {
      const double m = static_cast<double>(p.values.size());
      double k = 0;
      for (double x : p.values) k += x > thresholds[t];
      const double o = p.truth > thresholds[t] ? 1 : 0;
      bs += (k / m - o) * (k / m - o);
      fair += (k / m - o) * (k / m - o) - k * (m - k) / m / (m - 1) / m;
    }
    const double n = static_cast<double>(points.size());
    EXPECT_NEAR(acc.brier_score(t), bs / n, 1e-14) << t;
    EXPECT_NEAR(acc.fair_brier_score(t), fair / n, 1e-14) << t;
  }
}

// Murphy (1973): BS = REL - RES + UNC, exact when the bins are the distinct forecast
// probabilities; REL and RES also checked against a direct grouping by probability value.
TEST(ExceedanceAccumulatorTest, MurphyDecompositionSumsToBrierScore) {
  const std::vector<double> thresholds = {-0.5, 0.7, 2.0};
  const std::vector<RandomPoint> points = random_points(5000, 12, 11);
  ExceedanceAccumulator acc(12, thresholds);
  for (const RandomPoint& p : points) acc.add(p.values, p.truth);
  for (std::size_t t = 0; t < thresholds.size(); ++t) {
    const double sum = acc.reliability(t) - acc.resolution(t) + acc.uncertainty(t);
    EXPECT_NEAR(sum, acc.brier_score(t), 1e-14) << t;

    std::map<double, std::pair<double, double>> bins;  // p -> (points, events)
    double events = 0;
    for (const RandomPoint& p : points) {
      double k = 0;
      for (double x : p.values) k += x > thresholds[t];
      const double o = p.truth > thresholds[t] ? 1 : 0;
      bins[k / static_cast<double>(p.values.size())].first += 1;
      bins[k / static_cast<double>(p.values.size())].second += o;
      events += o;
    }
    const double n = static_cast<double>(points.size()), base = events / n;
    double rel = 0, res = 0;
    for (const auto& [f, c] : bins) {
      const double o = c.second / c.first;
      rel += c.first * (f - o) * (f - o);
      res += c.first * (o - base) * (o - base);
    }
    EXPECT_NEAR(acc.reliability(t), rel / n, 1e-14) << t;
    EXPECT_NEAR(acc.resolution(t), res / n, 1e-14) << t;
    EXPECT_GT(acc.resolution(t), 0.01) << t;  // the forecasts do carry skill
  }
}

// The trapezoid area equals the Mann-Whitney statistic with ties 1/2 (SpecsVerification
// R/Auc.R: mean of 1[x > y] + 0.5 1[x == y] over event/non-event pairs), for a fixed M.
TEST(ExceedanceAccumulatorTest, RocAreaEqualsMannWhitney) {
  const std::size_t members = 7;
  const std::vector<RandomPoint> points = random_points(800, members, 13, true);
  ExceedanceAccumulator acc(members, {0.3});
  std::vector<double> event_p, nonevent_p;
  for (const RandomPoint& p : points) {
    acc.add(p.values, p.truth);
    double k = 0;
    for (double x : p.values) k += x > 0.3;
    (p.truth > 0.3 ? event_p : nonevent_p).push_back(k / members);
  }
  double psi = 0;
  for (double x : event_p) {
    for (double y : nonevent_p) psi += (x > y) + 0.5 * (x == y);
  }
  const double mann_whitney =
      psi / (static_cast<double>(event_p.size()) * static_cast<double>(nonevent_p.size()));
  EXPECT_NEAR(acc.roc_area(0), mann_whitney, 1e-15);
  EXPECT_GT(acc.roc_area(0), 0.7);

  // The curve: monotone from near (0, 0) to (1, 1); the area by the trapezoid rule over it.
  const std::vector<RocPoint> roc = acc.roc_curve(0);
  ASSERT_EQ(roc.size(), members + 1);
  double area = 0, f0 = 0, h0 = 0;
  for (const RocPoint& r : roc) {
    EXPECT_GE(r.false_alarm_rate, f0);
    EXPECT_GE(r.hit_rate, h0);
    area += (r.false_alarm_rate - f0) * (r.hit_rate + h0) / 2;
    f0 = r.false_alarm_rate;
    h0 = r.hit_rate;
  }
  EXPECT_EQ(roc.back().hit_rate, 1.0);
  EXPECT_EQ(roc.back().false_alarm_rate, 1.0);
  EXPECT_NEAR(area, acc.roc_area(0), 1e-15);
}

// A perfect forecast (all members on the truth's side of the threshold) has area 1; a
// forecast independent of the outcome has area 1/2 in expectation: with N0 ~ N1 ~ 2000 the
// Mann-Whitney standard error is about sqrt((N0 + N1 + 1)/(12 N0 N1)) ~ 0.0065 (Hanley &
// McNeil 1982, Radiology 143, 29-36), so 0.03 is over 4 standard errors.
TEST(ExceedanceAccumulatorTest, RocAreaPerfectAndIndependent) {
  std::mt19937_64 rng(5);
  ExceedanceAccumulator perfect(20, {0.5});
  ExceedanceAccumulator independent(20, {0.5});
  std::vector<double> values(20);
  for (int i = 0; i < 4000; ++i) {
    const double truth = uniform(rng);
    for (double& x : values) x = truth > 0.5 ? 0.5 + 0.5 * uniform(rng) + 1e-9 : 0.5 * uniform(rng);
    perfect.add(values, truth);
    for (double& x : values) x = uniform(rng);
    independent.add(values, truth);
  }
  EXPECT_EQ(perfect.roc_area(0), 1.0);
  EXPECT_EQ(perfect.brier_score(0), 0.0);
  EXPECT_NEAR(independent.roc_area(0), 0.5, 0.03);
  EXPECT_LT(independent.resolution(0), 0.01);
}

void expect_same_bits(const ExceedanceAccumulator& a, const ExceedanceAccumulator& b) {
  ASSERT_EQ(a.points(), b.points());
  for (std::size_t t = 0; t < a.thresholds().size(); ++t) {
    EXPECT_EQ(a.brier_score(t), b.brier_score(t));
    EXPECT_EQ(a.fair_brier_score(t), b.fair_brier_score(t));
    EXPECT_EQ(a.reliability(t), b.reliability(t));
    EXPECT_EQ(a.resolution(t), b.resolution(t));
    EXPECT_EQ(a.uncertainty(t), b.uncertainty(t));
    EXPECT_EQ(a.roc_area(t), b.roc_area(t));
    const auto da = a.reliability_diagram(t, 10), db = b.reliability_diagram(t, 10);
    for (std::size_t i = 0; i < da.size(); ++i) {
      EXPECT_EQ(da[i].count, db[i].count);
      EXPECT_EQ(std::isnan(da[i].forecast_probability), std::isnan(db[i].forecast_probability));
      if (da[i].count) {
        EXPECT_EQ(da[i].forecast_probability, db[i].forecast_probability);
      }
    }
  }
}

// DESIGN invariant 4: merging in any grouping, and add_sorted() (bisection) instead of add()
// (counting passes over 3 thresholds at a time), give the same bits (only integer counts are
// kept).
TEST(ExceedanceAccumulatorTest, MergeInAnyGroupingGivesIdenticalBits) {
  const std::vector<double> thresholds = {-1.0, 0.25, 1.0, 1.8};  // two passes of 3
  const std::vector<RandomPoint> points = random_points(999, 9, 17);
  ExceedanceAccumulator serial(9, thresholds), sorted(9, thresholds);
  std::vector<ExceedanceAccumulator> parts(3, ExceedanceAccumulator(9, thresholds));
  for (std::size_t i = 0; i < points.size(); ++i) {
    serial.add(points[i].values, points[i].truth);
    std::vector<double> s = points[i].values;
    std::sort(s.begin(), s.end());
    sorted.add_sorted(s, points[i].truth);
    parts[(i * 7) % 3].add(points[points.size() - 1 - i].values,
                           points[points.size() - 1 - i].truth);
  }
  ExceedanceAccumulator left = parts[0];
  left.merge(parts[1]);
  left.merge(parts[2]);
  ExceedanceAccumulator right = parts[2];
  ExceedanceAccumulator inner = parts[1];
  inner.merge(parts[0]);
  right.merge(inner);
  expect_same_bits(serial, sorted);
  expect_same_bits(serial, left);
  expect_same_bits(serial, right);
  ExceedanceAccumulator doubled = serial;
  doubled.merge(doubled);
  EXPECT_EQ(doubled.points(), 2 * serial.points());
  EXPECT_EQ(doubled.brier_score(1), serial.brier_score(1));
}

TEST(ExceedanceAccumulatorTest, EmptyIsNaN) {
  const ExceedanceAccumulator acc(5, {0.0});
  EXPECT_TRUE(std::isnan(acc.brier_score(0)));
  EXPECT_TRUE(std::isnan(acc.fair_brier_score(0)));
  EXPECT_TRUE(std::isnan(acc.reliability(0)));
  EXPECT_TRUE(std::isnan(acc.roc_area(0)));
  EXPECT_TRUE(std::isnan(acc.roc_curve(0)[0].hit_rate));
}

TEST(ExceedanceAccumulatorTest, BadInputThrowsUsageError) {
  EXPECT_THROW(ExceedanceAccumulator(1, {0.0}), UsageError);
  EXPECT_THROW(ExceedanceAccumulator(4, {}), UsageError);
  EXPECT_THROW(ExceedanceAccumulator(4, {NAN}), UsageError);
  ExceedanceAccumulator acc(4, {0.0});
  EXPECT_THROW(acc.add(std::vector<double>{1.0}, 0.0), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{1, 2, 3, 4, 5}, 0.0), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{1, NAN}, 0.0), UsageError);
  EXPECT_THROW(acc.add(std::vector<double>{1, 2}, INFINITY), UsageError);
  EXPECT_THROW(acc.add_sorted(std::vector<double>{1, INFINITY}, 0.0), UsageError);
  EXPECT_THROW(acc.merge(ExceedanceAccumulator(4, {1.0})), UsageError);
  EXPECT_THROW(acc.merge(ExceedanceAccumulator(5, {0.0})), UsageError);
  EXPECT_THROW(acc.brier_score(1), UsageError);
  EXPECT_THROW(acc.reliability_diagram(0, 0), UsageError);
}

}  // namespace
}  // namespace butterfly
