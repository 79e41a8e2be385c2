// ExceedanceAccumulator: integer counts per (k, m, outcome) and threshold; scores read out at
// the end with exact sums, so they depend only on the counts.
#include "butterfly/stats/exceedance_accumulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/simd_pack.hpp"
#include "butterfly/stats/exact_sum.hpp"

namespace butterfly {
namespace {

using Wide = unsigned __int128;  // products of two counts (up to 2^64 each) stay exact

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double probability(std::uint64_t k, std::uint64_t m) {
  return static_cast<double>(k) / static_cast<double>(m);
}

// floor(k * scale / m): the level or bin of probability k/m on a grid of `scale` steps.
std::uint64_t scaled_floor(std::uint64_t k, std::uint64_t m, std::uint64_t scale) {
  return static_cast<std::uint64_t>(Wide(k) * scale / m);
}

// Lane masks of a Pack comparison: -1 where true, 0 where false.
using PackMask = decltype(Pack{} < Pack{});

// counts[l] = #{x > u[l]} for three thresholds in one vectorised pass; returns sum x * 0, NaN
// exactly when some x is not finite.
double count_above(std::span<const double> x, const double (&u)[3], std::uint64_t (&counts)[3]) {
  PackMask c[3] = {};
  Pack poison = {};
  const Pack level[3] = {Pack{} + u[0], Pack{} + u[1], Pack{} + u[2]};
  std::size_t i = 0;
  for (; i + kPackWidth <= x.size(); i += kPackWidth) {
    Pack v;
    std::memcpy(&v, x.data() + i, sizeof(Pack));
    for (std::size_t l = 0; l < 3; ++l) c[l] -= v > level[l];
    poison += v * 0.0;
  }
  double total = 0;
  for (std::size_t l = 0; l < 3; ++l) {
    for (std::size_t k = 0; k < kPackWidth; ++k) counts[l] += static_cast<std::uint64_t>(c[l][k]);
  }
  for (std::size_t k = 0; k < kPackWidth; ++k) total += poison[k];
  for (; i < x.size(); ++i) {
    for (std::size_t l = 0; l < 3; ++l) counts[l] += x[i] > u[l];
    total += x[i] * 0.0;
  }
  return total;
}

}  // namespace

bool ExceedanceAccumulator::Forecast::operator<(const Forecast& other) const {
  const Wide left = Wide(k) * other.m, right = Wide(other.k) * m;
  if (left != right) return left < right;
  return m < other.m;
}

ExceedanceAccumulator::ExceedanceAccumulator(std::size_t members, std::vector<double> thresholds)
    : members_(members), thresholds_(std::move(thresholds)) {
  if (members < 2) {
    throw UsageError(
        fmt::format("ExceedanceAccumulator: members is {}; expected at least 2", members));
  }
  if (thresholds_.empty()) {
    throw UsageError("ExceedanceAccumulator: thresholds is empty; expected at least one");
  }
  for (std::size_t t = 0; t < thresholds_.size(); ++t) {
    if (!std::isfinite(thresholds_[t])) {
      throw UsageError(
          fmt::format("ExceedanceAccumulator: thresholds[{}] is {}; expected finite values", t,
                      thresholds_[t]));
    }
  }
  counts_.resize(thresholds_.size());
}

void ExceedanceAccumulator::check_point(std::size_t m, double truth, const char* function) const {
  if (m < 2 || m > members_) {
    throw UsageError(fmt::format("{}: {} member values; expected 2 to {} (the nominal M)", function,
                                 m, members_));
  }
  if (!std::isfinite(truth)) {
    throw UsageError(fmt::format("{}: truth is {}; expected a finite value", function, truth));
  }
}

void ExceedanceAccumulator::count(std::size_t t, std::uint64_t k, std::uint64_t m, double truth) {
  ++counts_[t][{k, m}][truth > thresholds_[t] ? 1 : 0];
}

void ExceedanceAccumulator::add(std::span<const double> values, double truth) {
  const char* function = "ExceedanceAccumulator::add";
  check_point(values.size(), truth, function);
  // One vectorised pass per 3 thresholds, the first also checking finiteness (x * 0 is NaN
  // exactly for non-finite x); counts are taken only once every value passed.
  std::vector<std::uint64_t> k(thresholds_.size(), 0);
  for (std::size_t t0 = 0; t0 < thresholds_.size(); t0 += 3) {
    const double inf = std::numeric_limits<double>::infinity();
    const double u[3] = {thresholds_[t0], t0 + 1 < thresholds_.size() ? thresholds_[t0 + 1] : inf,
                         t0 + 2 < thresholds_.size() ? thresholds_[t0 + 2] : inf};
    std::uint64_t counts[3] = {};
    const double poison = count_above(values, u, counts);
    if (!std::isfinite(poison)) {
      throw UsageError(fmt::format("{}: a value is not finite; expected finite values", function));
    }
    for (std::size_t l = 0; l < 3 && t0 + l < thresholds_.size(); ++l) k[t0 + l] = counts[l];
  }
  for (std::size_t t = 0; t < thresholds_.size(); ++t) count(t, k[t], values.size(), truth);
  ++points_;
}

void ExceedanceAccumulator::add_sorted(std::span<const double> sorted, double truth) {
  const char* function = "ExceedanceAccumulator::add_sorted";
  check_point(sorted.size(), truth, function);
  if (!std::isfinite(sorted.front()) || !std::isfinite(sorted.back())) {
    throw UsageError(fmt::format("{}: values from {} to {}; expected finite values", function,
                                 sorted.front(), sorted.back()));
  }
  for (std::size_t t = 0; t < thresholds_.size(); ++t) {
    const auto first_above = std::upper_bound(sorted.begin(), sorted.end(), thresholds_[t]);
    count(t, static_cast<std::uint64_t>(sorted.end() - first_above), sorted.size(), truth);
  }
  ++points_;
}

void ExceedanceAccumulator::merge(const ExceedanceAccumulator& other) {
  if (other.members_ != members_ || other.thresholds_ != thresholds_) {
    throw UsageError(
        "ExceedanceAccumulator::merge: other has different members or thresholds; expected the "
        "same");
  }
  if (&other == this) {
    const ExceedanceAccumulator copy = other;
    merge(copy);
    return;
  }
  points_ += other.points_;
  for (std::size_t t = 0; t < counts_.size(); ++t) {
    for (const auto& [forecast, n] : other.counts_[t]) {
      auto& mine = counts_[t][forecast];
      mine[0] += n[0];
      mine[1] += n[1];
    }
  }
}

const ExceedanceAccumulator::Counts& ExceedanceAccumulator::counts(std::size_t t,
                                                                   const char* function) const {
  if (t >= counts_.size()) {
    throw UsageError(fmt::format("ExceedanceAccumulator::{}: threshold index {}; expected 0 to {}",
                                 function, t, counts_.size() - 1));
  }
  return counts_[t];
}

double ExceedanceAccumulator::mean_of(double sum) const {
  if (points_ == 0) return kNaN;
  return sum / static_cast<double>(points_);
}

double ExceedanceAccumulator::base_rate(std::size_t t) const {
  std::uint64_t events = 0;
  for (const auto& [forecast, n] : counts(t, "base_rate")) events += n[1];
  return mean_of(static_cast<double>(events));
}

double ExceedanceAccumulator::brier_score(std::size_t t) const {
  ExactSum sum;
  for (const auto& [f, n] : counts(t, "brier_score")) {
    const double p = probability(f.k, f.m);
    sum.add(static_cast<double>(n[0]) * (p * p));
    sum.add(static_cast<double>(n[1]) * ((1 - p) * (1 - p)));
  }
  return mean_of(sum.value());
}

double ExceedanceAccumulator::fair_brier_score(std::size_t t) const {
  ExactSum sum;
  for (const auto& [f, n] : counts(t, "fair_brier_score")) {
    const double p = probability(f.k, f.m);
    const double m = static_cast<double>(f.m);
    // k (m - k) / (m^2 (m - 1)), the expected excess of (p - o)^2 from sampling m members.
    const double correction =
        static_cast<double>(f.k) * static_cast<double>(f.m - f.k) / (m * m * (m - 1));
    sum.add(static_cast<double>(n[0]) * (p * p));
    sum.add(static_cast<double>(n[1]) * ((1 - p) * (1 - p)));
    sum.add(-static_cast<double>(n[0] + n[1]) * correction);
  }
  return mean_of(sum.value());
}

double ExceedanceAccumulator::uncertainty(std::size_t t) const {
  const double o = base_rate(t);
  return o * (1 - o);
}

namespace {

// Visits the groups of equal forecast probability (the Murphy bins) in ascending order:
// visit(f, points, events).
template <class Map, class Visit>
void for_each_probability(const Map& counts, Visit visit) {
  auto it = counts.begin();
  while (it != counts.end()) {
    const auto first = it->first;
    std::uint64_t points = 0, events = 0;
    for (; it != counts.end() && Wide(first.k) * it->first.m == Wide(it->first.k) * first.m; ++it) {
      points += it->second[0] + it->second[1];
      events += it->second[1];
    }
    visit(probability(first.k, first.m), points, events);
  }
}

}  // namespace

double ExceedanceAccumulator::reliability(std::size_t t) const {
  ExactSum sum;
  for_each_probability(counts(t, "reliability"),
                       [&](double f, std::uint64_t points, std::uint64_t events) {
                         const double n = static_cast<double>(points);
                         const double o = static_cast<double>(events) / n;
                         sum.add(n * ((f - o) * (f - o)));
                       });
  return mean_of(sum.value());
}

double ExceedanceAccumulator::resolution(std::size_t t) const {
  const double base = base_rate(t);
  ExactSum sum;
  for_each_probability(counts(t, "resolution"),
                       [&](double, std::uint64_t points, std::uint64_t events) {
                         const double n = static_cast<double>(points);
                         const double o = static_cast<double>(events) / n;
                         sum.add(n * ((o - base) * (o - base)));
                       });
  return mean_of(sum.value());
}

std::vector<ReliabilityBin> ExceedanceAccumulator::reliability_diagram(std::size_t t,
                                                                       std::size_t bins) const {
  const Counts& c = counts(t, "reliability_diagram");
  if (bins == 0) {
    throw UsageError("ExceedanceAccumulator::reliability_diagram: bins is 0; expected >= 1");
  }
  std::vector<std::uint64_t> points(bins, 0), events(bins, 0);
  std::vector<ExactSum> forecast(bins);
  for (const auto& [f, n] : c) {
    const std::size_t b = std::min<std::uint64_t>(bins - 1, scaled_floor(f.k, f.m, bins));
    points[b] += n[0] + n[1];
    events[b] += n[1];
    forecast[b].add(static_cast<double>(n[0] + n[1]) * probability(f.k, f.m));
  }
  std::vector<ReliabilityBin> diagram(bins);
  for (std::size_t b = 0; b < bins; ++b) {
    diagram[b].count = points[b];
    const double n = static_cast<double>(points[b]);
    diagram[b].forecast_probability = points[b] ? forecast[b].value() / n : kNaN;
    diagram[b].observed_frequency = points[b] ? static_cast<double>(events[b]) / n : kNaN;
  }
  return diagram;
}

std::vector<RocPoint> ExceedanceAccumulator::roc_curve(std::size_t t) const {
  const Counts& c = counts(t, "roc_curve");
  // Non-events and events by warning level floor(M k / m): warned at levels <= it.
  std::vector<std::array<std::uint64_t, 2>> by_level(members_ + 1, {0, 0});
  std::uint64_t totals[2] = {0, 0};
  for (const auto& [f, n] : c) {
    auto& level = by_level[scaled_floor(f.k, f.m, members_)];
    level[0] += n[0];
    level[1] += n[1];
    totals[0] += n[0];
    totals[1] += n[1];
  }
  std::vector<RocPoint> curve;
  curve.reserve(members_ + 1);
  std::uint64_t warned[2] = {0, 0};
  for (std::size_t k = members_ + 1; k-- > 0;) {
    warned[0] += by_level[k][0];
    warned[1] += by_level[k][1];
    RocPoint p;
    p.probability = probability(k, members_);
    p.hit_rate = totals[1] ? static_cast<double>(warned[1]) / static_cast<double>(totals[1]) : kNaN;
    p.false_alarm_rate =
        totals[0] ? static_cast<double>(warned[0]) / static_cast<double>(totals[0]) : kNaN;
    curve.push_back(p);
  }
  return curve;
}

double ExceedanceAccumulator::roc_area(std::size_t t) const {
  const Counts& c = counts(t, "roc_area");
  // Walk the levels from the highest down; each level adds a trapezoid of width
  // (its non-events) and heights (events above it) and (events above it + its events):
  // area = sum_L n0_L (2 H_above + n1_L) / (2 N0 N1), all in integers.
  Wide numerator = 0;
  std::uint64_t above = 0, level_n[2] = {0, 0};
  std::uint64_t totals[2] = {0, 0};
  std::uint64_t level = std::numeric_limits<std::uint64_t>::max();
  auto close_level = [&] {
    numerator += Wide(level_n[0]) * (Wide(2) * above + level_n[1]);
    above += level_n[1];
    level_n[0] = level_n[1] = 0;
  };
  for (auto it = c.rbegin(); it != c.rend(); ++it) {
    const std::uint64_t l = scaled_floor(it->first.k, it->first.m, members_);
    if (l != level) {
      close_level();
      level = l;
    }
    level_n[0] += it->second[0];
    level_n[1] += it->second[1];
    totals[0] += it->second[0];
    totals[1] += it->second[1];
  }
  close_level();
  if (totals[0] == 0 || totals[1] == 0) return kNaN;
  return static_cast<double>(numerator) /
         (2.0 * static_cast<double>(totals[0]) * static_cast<double>(totals[1]));
}

namespace {
constexpr std::uint32_t kExceedanceAccumulatorTag = byte_tag("EXCD");
constexpr std::string_view kType = "ExceedanceAccumulator";
}  // namespace

void ExceedanceAccumulator::save(ByteWriter& out) const {
  out.put(kExceedanceAccumulatorTag);
  out.put<std::uint64_t>(members_);
  out.put_vector(thresholds_);
  out.put<std::uint64_t>(points_);
  // Per threshold: the entries (k, m, n[o = 0], n[o = 1]) in map order.
  std::vector<std::array<std::uint64_t, 4>> entries;
  for (const Counts& counts : counts_) {
    entries.clear();
    for (const auto& [f, n] : counts) entries.push_back({f.k, f.m, n[0], n[1]});
    out.put_vector(entries);
  }
}

void ExceedanceAccumulator::load(ByteReader& in) {
  expect_tag(in, kExceedanceAccumulatorTag, kType);
  const auto members = in.get<std::uint64_t>();
  std::vector<double> thresholds = in.get_vector<double>();
  if (members < 2 || thresholds.empty()) {
    throw_inconsistent(kType, "members is " + std::to_string(members) + " with " +
                                  std::to_string(thresholds.size()) + " thresholds");
  }
  for (const double u : thresholds) {
    if (!std::isfinite(u)) throw_inconsistent(kType, "a threshold is not finite");
  }
  ExceedanceAccumulator loaded(members, std::move(thresholds));
  loaded.points_ = in.get<std::uint64_t>();
  for (std::size_t t = 0; t < loaded.counts_.size(); ++t) {
    const auto entries = in.get_vector<std::array<std::uint64_t, 4>>();
    Counts& counts = loaded.counts_[t];
    // Every point is counted once per threshold.
    std::uint64_t points = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto [k, m, n0, n1] = entries[i];
      const Forecast f{k, m};
      std::uint64_t n = 0;
      if (m < 2 || m > members || k > m || (i > 0 && !(counts.rbegin()->first < f)) ||
          __builtin_add_overflow(n0, n1, &n) || n == 0 ||
          __builtin_add_overflow(points, n, &points)) {
        throw_inconsistent(kType, "threshold " + std::to_string(t) + ", entry " +
                                      std::to_string(i) + " is invalid");
      }
      counts.emplace_hint(counts.end(), f, std::array<std::uint64_t, 2>{n0, n1});
    }
    if (points != loaded.points_) {
      throw_inconsistent(kType, "threshold " + std::to_string(t) + " counts " +
                                    std::to_string(points) + " points, expected " +
                                    std::to_string(loaded.points_));
    }
  }
  *this = std::move(loaded);
}

}  // namespace butterfly
