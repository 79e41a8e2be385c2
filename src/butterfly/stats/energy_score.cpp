// Energy score: per-member distances (to the truth, and over the pair set) in groups of
// members, the inner loops over members so they vectorise; group sums into ExactSums.
#include "butterfly/stats/energy_score.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Members per chunk: the per-member accumulators stay in L1.
constexpr std::size_t kChunk = kEnergyScoreMemberGroup;

void check_options(const EnergyScoreOptions& options, const char* function) {
  if (options.shifts < 1) {
    throw UsageError(
        fmt::format("{}: EnergyScoreOptions.shifts is 0; expected at least 1", function));
  }
  if (options.exact_limit < 4 * options.shifts + 1) {
    throw UsageError(fmt::format(
        "{}: EnergyScoreOptions.exact_limit is {}; expected at least 4 * shifts + 1 = {}", function,
        options.exact_limit, 4 * options.shifts + 1));
  }
}

bool same_options(const EnergyScoreOptions& a, const EnergyScoreOptions& b) {
  return a.exact_limit == b.exact_limit && a.shifts == b.shifts;
}

// Variables handled together by the kernel: the running sum stays in a register.
constexpr std::size_t kRowsPerPass = 4;

// acc[i] += sum_r (own[r][i] - other[r][i])^2 for i < n, the rows r = 0..R-1 added in order
// (so the sum over all variables is in variable order whatever R).
template <std::size_t R>
void add_squares(double* __restrict acc, const double* const (&own)[kRowsPerPass],
                 const double* const (&other)[kRowsPerPass], std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    double t = acc[i];
    for (std::size_t r = 0; r < R; ++r) {
      const double diff = own[r][i] - other[r][i];
      t += diff * diff;
    }
    acc[i] = t;
  }
}

// acc[i] += sum_r (own[r][i] - y[r])^2 for i < n, rows in order.
template <std::size_t R>
void add_squares_to_point(double* __restrict acc, const double* const (&own)[kRowsPerPass],
                          const double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    double t = acc[i];
    for (std::size_t r = 0; r < R; ++r) {
      const double diff = own[r][i] - y[r];
      t += diff * diff;
    }
    acc[i] = t;
  }
}

void add_squares_to_point(std::size_t rows, double* acc, const double* const (&own)[kRowsPerPass],
                          const double* y, std::size_t n) {
  switch (rows) {
    case 1:
      return add_squares_to_point<1>(acc, own, y, n);
    case 2:
      return add_squares_to_point<2>(acc, own, y, n);
    case 3:
      return add_squares_to_point<3>(acc, own, y, n);
    default:
      return add_squares_to_point<4>(acc, own, y, n);
  }
}

void add_squares(std::size_t rows, double* acc, const double* const (&own)[kRowsPerPass],
                 const double* const (&other)[kRowsPerPass], std::size_t n) {
  switch (rows) {
    case 1:
      return add_squares<1>(acc, own, other, n);
    case 2:
      return add_squares<2>(acc, own, other, n);
    case 3:
      return add_squares<3>(acc, own, other, n);
    default:
      return add_squares<4>(acc, own, other, n);
  }
}

}  // namespace

EnergyScoreForecast::EnergyScoreForecast(std::size_t members, std::size_t variables,
                                         const EnergyScoreOptions& options)
    : members_(members),
      variables_(variables),
      options_(options),
      exact_(members <= options.exact_limit) {
  check_options(options, "EnergyScoreForecast");
  if (members < 2) {
    throw UsageError(
        fmt::format("EnergyScoreForecast: members is {}; expected at least 2", members));
  }
  if (variables < 1) throw UsageError("EnergyScoreForecast: variables is 0; expected at least 1");
}

void EnergyScoreForecast::add_members(std::span<const double> values, std::span<const double> truth,
                                      std::size_t first, std::size_t last) {
  const std::size_t m_all = members_, d = variables_;
  if (values.size() != m_all * d || truth.size() != d) {
    throw UsageError(fmt::format(
        "EnergyScoreForecast::add_members: {} values and {} truth values; expected {} x {} "
        "and {}",
        values.size(), truth.size(), d, m_all, d));
  }
  if (first > last || last > m_all || first % kEnergyScoreMemberGroup != 0) {
    throw UsageError(fmt::format(
        "EnergyScoreForecast::add_members: member range [{}, {}); expected within [0, {}), "
        "starting at a multiple of {}",
        first, last, m_all, kEnergyScoreMemberGroup));
  }
  for (std::size_t v = 0; v < d; ++v) {
    if (!std::isfinite(truth[v])) {
      throw UsageError(
          fmt::format("EnergyScoreForecast::add_members: truth[{}] is {}; expected finite values",
                      v, truth[v]));
    }
  }
  const double* x = values.data();
  // Per chunk: row 0 of `acc` sums (x_m[v] - y[v])^2, row s the squared distance to the
  // partner m + 2s; all over v with the chunk's rows in cache (partners lie within 2 shifts).
  const std::size_t shifts = exact_ ? 0 : options_.shifts;
  std::vector<double> acc((shifts + 1) * kChunk);
  std::array<double, kChunk> pair_sum;
  ExactSum to_truth_sums, between_sums;  // committed once the whole range is accepted
  for (std::size_t c0 = first; c0 < last; c0 += kChunk) {
    const std::size_t n = std::min(kChunk, last - c0);
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::size_t v0 = 0; v0 < d; v0 += kRowsPerPass) {
      const std::size_t rows = std::min(kRowsPerPass, d - v0);
      const double* row[kRowsPerPass] = {};
      const double* own[kRowsPerPass] = {};
      for (std::size_t r = 0; r < rows; ++r) {
        row[r] = x + (v0 + r) * m_all;
        own[r] = row[r] + c0;
      }
      add_squares_to_point(rows, acc.data(), own, truth.data() + v0, n);
      for (std::size_t s = 1; s <= shifts; ++s) {
        // Partners m + o, o = 2s, wrapping past M - 1 for the last o members (o < M/2).
        const std::size_t o = 2 * s;
        const std::size_t straight = std::min(n, m_all - o > c0 ? m_all - o - c0 : 0);
        double* a = acc.data() + s * kChunk;
        const double* partner[kRowsPerPass] = {};
        for (std::size_t r = 0; r < rows; ++r) partner[r] = own[r] + o;
        add_squares(rows, a, own, partner, straight);
        if (straight < n) {
          const double* own_rest[kRowsPerPass] = {};
          for (std::size_t r = 0; r < rows; ++r) {
            own_rest[r] = own[r] + straight;
            partner[r] = row[r] + (c0 + straight + o - m_all);
          }
          add_squares(rows, a + straight, own_rest, partner, n - straight);
        }
      }
    }
    double to_truth = 0;
    for (std::size_t i = 0; i < n; ++i) to_truth += std::sqrt(acc[i]);
    to_truth_sums.add(to_truth);
    // The pair distances of each member, summed over its partners in a fixed order.
    std::fill_n(pair_sum.begin(), n, 0.0);
    for (std::size_t s = 1; s <= shifts; ++s) {
      const double* a = acc.data() + s * kChunk;
      for (std::size_t i = 0; i < n; ++i) pair_sum[i] += std::sqrt(a[i]);
    }
    if (exact_) {
      // Member m pairs with m' = m+1 .. M-1 (M <= exact_limit: small).
      std::array<double, kChunk> d2;
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t m = c0 + i, partners = m_all - m - 1;
        for (std::size_t start = 0; start < partners; start += kChunk) {
          const std::size_t k = std::min(kChunk, partners - start);
          std::fill_n(d2.begin(), k, 0.0);
          for (std::size_t v = 0; v < d; ++v) {
            const double* row = x + v * m_all;
            const double xm = row[m];
            const double* other = row + m + 1 + start;
            for (std::size_t j = 0; j < k; ++j) {
              const double diff = xm - other[j];
              d2[j] += diff * diff;
            }
          }
          for (std::size_t j = 0; j < k; ++j) pair_sum[i] += std::sqrt(d2[j]);
        }
      }
    }
    double between = 0;
    for (std::size_t i = 0; i < n; ++i) between += pair_sum[i];
    between_sums.add(between);
    // A non-finite value (or a squared distance beyond the double range) turns its group's
    // sums non-finite: refuse the range, adding nothing.
    if (!std::isfinite(to_truth) || !std::isfinite(between)) {
      throw UsageError(fmt::format(
          "EnergyScoreForecast::add_members: members [{}, {}) or their pair partners hold a "
          "non-finite value; expected finite values",
          c0, c0 + n));
    }
  }
  to_truth_.merge(to_truth_sums);
  between_.merge(between_sums);
  added_ += last - first;
}

void EnergyScoreForecast::merge(const EnergyScoreForecast& other) {
  if (other.members_ != members_ || other.variables_ != variables_ ||
      !same_options(other.options_, options_)) {
    throw UsageError(
        "EnergyScoreForecast::merge: other has different members, variables or options; "
        "expected the same");
  }
  if (&other == this) {
    const EnergyScoreForecast copy = other;
    merge(copy);
    return;
  }
  added_ += other.added_;
  to_truth_.merge(other.to_truth_);
  between_.merge(other.between_);
}

std::uint64_t EnergyScoreForecast::pairs() const {
  const std::uint64_t m = members_;
  return exact_ ? m * (m - 1) / 2 : m * options_.shifts;
}

void EnergyScoreForecast::require_complete(const char* function) const {
  if (added_ != members_) {
    throw UsageError(
        fmt::format("EnergyScoreForecast::{}: {} of {} members added; expected a complete forecast",
                    function, added_, members_));
  }
}

double EnergyScoreForecast::mean_distance_to_truth() const {
  require_complete("mean_distance_to_truth");
  return to_truth_.value() / static_cast<double>(members_);
}

double EnergyScoreForecast::mean_pair_distance() const {
  require_complete("mean_pair_distance");
  return between_.value() / static_cast<double>(pairs());
}

double EnergyScoreForecast::energy_score() const {
  require_complete("energy_score");
  const double m = static_cast<double>(members_);
  if (exact_) {
    // sum_m sum_m' = 2 sum_{m < m'}: A/M - P/M^2.
    return to_truth_.value() / m - between_.value() / (m * m);
  }
  return to_truth_.value() / m - (m - 1) / (2 * m) * mean_pair_distance();
}

double EnergyScoreForecast::energy_score_fair() const {
  require_complete("energy_score_fair");
  const double m = static_cast<double>(members_);
  if (exact_) return to_truth_.value() / m - between_.value() / (m * (m - 1));
  return to_truth_.value() / m - mean_pair_distance() / 2;
}

EnergyScoreAccumulator::EnergyScoreAccumulator(const EnergyScoreOptions& options)
    : options_(options) {
  check_options(options, "EnergyScoreAccumulator");
}

void EnergyScoreAccumulator::add(std::span<const double> values, std::span<const double> truth) {
  if (truth.empty() || values.size() % truth.size() != 0) {
    throw UsageError(fmt::format(
        "EnergyScoreAccumulator::add: {} values for {} variables; expected a whole number of "
        "members",
        values.size(), truth.size()));
  }
  const std::size_t members = values.size() / truth.size();
  EnergyScoreForecast forecast(members, truth.size(), options_);
  forecast.add_members(values, truth, 0, members);
  add(forecast);
}

void EnergyScoreAccumulator::add(const EnergyScoreForecast& forecast) {
  if (!same_options(forecast.options(), options_)) {
    throw UsageError(
        "EnergyScoreAccumulator::add: the forecast has different options; expected the same");
  }
  const double score = forecast.energy_score(), fair = forecast.energy_score_fair();
  ++forecasts_;
  estimated_ += !forecast.exact();
  score_.add(score);
  score_fair_.add(fair);
}

void EnergyScoreAccumulator::merge(const EnergyScoreAccumulator& other) {
  if (!same_options(other.options_, options_)) {
    throw UsageError(
        "EnergyScoreAccumulator::merge: other has different options; expected the same");
  }
  if (&other == this) {
    const EnergyScoreAccumulator copy = other;
    merge(copy);
    return;
  }
  forecasts_ += other.forecasts_;
  estimated_ += other.estimated_;
  score_.merge(other.score_);
  score_fair_.merge(other.score_fair_);
}

double EnergyScoreAccumulator::energy_score() const {
  if (forecasts_ == 0) return kNaN;
  return score_.value() / static_cast<double>(forecasts_);
}

double EnergyScoreAccumulator::energy_score_fair() const {
  if (forecasts_ == 0) return kNaN;
  return score_fair_.value() / static_cast<double>(forecasts_);
}

namespace {

constexpr std::uint32_t kEnergyScoreForecastTag = byte_tag("ESFC");
constexpr std::uint32_t kEnergyScoreAccumulatorTag = byte_tag("ESAC");

void save_options(ByteWriter& out, const EnergyScoreOptions& options) {
  out.put<std::uint64_t>(options.exact_limit);
  out.put<std::uint64_t>(options.shifts);
}

EnergyScoreOptions load_options(ByteReader& in, std::string_view type) {
  EnergyScoreOptions options;
  options.exact_limit = in.get<std::uint64_t>();
  options.shifts = in.get<std::uint64_t>();
  // As check_options (without its overflow for absurd shifts).
  if (options.shifts < 1 || options.shifts > options.exact_limit / 4 ||
      options.exact_limit < 4 * options.shifts + 1) {
    throw_inconsistent(type, "options exact_limit " + std::to_string(options.exact_limit) +
                                 " and shifts " + std::to_string(options.shifts) + " are invalid");
  }
  return options;
}

}  // namespace

void EnergyScoreForecast::save(ByteWriter& out) const {
  out.put(kEnergyScoreForecastTag);
  out.put<std::uint64_t>(members_);
  out.put<std::uint64_t>(variables_);
  save_options(out, options_);
  out.put<std::uint64_t>(added_);
  to_truth_.save(out);
  between_.save(out);
}

void EnergyScoreForecast::load(ByteReader& in) {
  constexpr std::string_view kType = "EnergyScoreForecast";
  expect_tag(in, kEnergyScoreForecastTag, kType);
  const auto members = in.get<std::uint64_t>();
  const auto variables = in.get<std::uint64_t>();
  const EnergyScoreOptions options = load_options(in, kType);
  if (members < 2 || variables < 1) {
    throw_inconsistent(kType, "members is " + std::to_string(members) + " and variables " +
                                  std::to_string(variables));
  }
  EnergyScoreForecast loaded(members, variables, options);
  loaded.added_ = in.get<std::uint64_t>();
  loaded.to_truth_.load(in);
  loaded.between_.load(in);
  *this = std::move(loaded);
}

void EnergyScoreAccumulator::save(ByteWriter& out) const {
  out.put(kEnergyScoreAccumulatorTag);
  save_options(out, options_);
  out.put<std::uint64_t>(forecasts_);
  out.put<std::uint64_t>(estimated_);
  score_.save(out);
  score_fair_.save(out);
}

void EnergyScoreAccumulator::load(ByteReader& in) {
  constexpr std::string_view kType = "EnergyScoreAccumulator";
  expect_tag(in, kEnergyScoreAccumulatorTag, kType);
  EnergyScoreAccumulator loaded(load_options(in, kType));
  loaded.forecasts_ = in.get<std::uint64_t>();
  loaded.estimated_ = in.get<std::uint64_t>();
  if (loaded.estimated_ > loaded.forecasts_) {
    throw_inconsistent(kType, "more estimated forecasts than forecasts");
  }
  loaded.score_.load(in);
  loaded.score_fair_.load(in);
  *this = std::move(loaded);
}

}  // namespace butterfly
