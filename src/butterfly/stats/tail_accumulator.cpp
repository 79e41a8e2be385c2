// TailAccumulator: sigma-exceedance counts and standardized tail quantiles per point, merged
// as integers and exact sums; the Gaussian references by AS 241 and erfc.
#include "butterfly/stats/tail_accumulator.hpp"

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

namespace butterfly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// AS 241 (PPND16) coefficients, ascending powers (Wichura 1988, Appl. Statist. 37, 477-484):
// central region |p - 1/2| <= 0.425 (A/B), tails r = sqrt(-log min(p, 1-p)) <= 5 (C/D) and
// beyond (E/F). The denominators' constant term is 1.
constexpr double kCentralNumerator[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                         1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                         4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                         3.3430575583588128105e+4, 2.5090809287301226727e+3};
constexpr double kCentralDenominator[8] = {1.0,
                                           4.2313330701600911252e+1,
                                           6.8718700749205790830e+2,
                                           5.3941960214247511077e+3,
                                           2.1213794301586595867e+4,
                                           3.9307895800092710610e+4,
                                           2.8729085735721942674e+4,
                                           5.2264952788528545610e+3};
constexpr double kTailNumerator[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                      5.76949722146069140550e0,  3.64784832476320460504e0,
                                      1.27045825245236838258e0,  2.41780725177450611770e-1,
                                      2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double kTailDenominator[8] = {1.0,
                                        2.05319162663775882187e0,
                                        1.67638483018380384940e0,
                                        6.89767334985100004550e-1,
                                        1.48103976427480074590e-1,
                                        1.51986665636164571966e-2,
                                        5.47593808499534494600e-4,
                                        1.05075007164441684324e-9};
constexpr double kFarNumerator[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                     1.78482653991729133580e0,  2.96560571828504891230e-1,
                                     2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                     2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kFarDenominator[8] = {1.0,
                                       5.99832206555887937690e-1,
                                       1.36929880922735805310e-1,
                                       1.48753612908506148525e-2,
                                       7.86869131145613259100e-4,
                                       1.84631831751005468180e-5,
                                       1.42151175831644588870e-7,
                                       2.04426310338993978564e-15};

double horner(const double (&c)[8], double x) {
  double acc = c[7];
  for (int k = 6; k >= 0; --k) acc = acc * x + c[k];
  return acc;
}

// The lower tail probabilities q of the default list.
constexpr double kDefaultLowerTail[] = {1e-6, 1e-5, 1e-4, 1e-3};

// Type-7 quantile through an accessor of the order statistics (see quantile_linear).
template <class Order>
double linear_quantile(std::size_t m, double p, const Order& order) {
  const double h = static_cast<double>(m - 1) * p;
  const double floor_h = std::floor(h);
  const double g = h - floor_h;
  const std::size_t j = std::min(static_cast<std::size_t>(floor_h), m - 1);
  const double a = order(j), b = order(std::min(j + 1, m - 1));
  const double diff = b - a;
  return g >= 0.5 ? b - diff * (1 - g) : a + diff * g;  // numpy's _lerp
}

// The sums of d = x - c and d^2 over 16 lanes (lane l takes the i = l mod 16 of the whole
// 16-blocks), the lanes added in order, then the remaining terms in order: a fixed order for a
// given sequence. Shifting by a member value c keeps the one-pass variance free of
// cancellation; both sums are non-finite when some x is.
struct ShiftedSums {
  double d = 0, d2 = 0;
};

ShiftedSums shifted_sums(std::span<const double> x, double c) {
  Pack s1[2] = {}, s2[2] = {};
  std::size_t i = 0;
  for (; i + 2 * kPackWidth <= x.size(); i += 2 * kPackWidth) {
    for (std::size_t a = 0; a < 2; ++a) {
      Pack v;
      std::memcpy(&v, x.data() + i + a * kPackWidth, sizeof(Pack));
      const Pack d = v - c;
      s1[a] += d;
      s2[a] += d * d;
    }
  }
  ShiftedSums sums;
  for (std::size_t a = 0; a < 2; ++a) {
    for (std::size_t l = 0; l < kPackWidth; ++l) {
      sums.d += s1[a][l];
      sums.d2 += s2[a][l];
    }
  }
  for (; i < x.size(); ++i) {
    const double d = x[i] - c;
    sums.d += d;
    sums.d2 += d * d;
  }
  return sums;
}

// Lane masks of a Pack comparison: -1 where true, 0 where false.
using PackMask = decltype(Pack{} < Pack{});

// Sigma levels counted by the vector pass; higher ones from the values collected beyond.
constexpr std::size_t kPassLevels = 2;

// One vectorised pass: below[l] += #{x : x - mean < -t[l]}, above[l] += #{x : x - mean >
// t[l]}, and the x with x - mean < -low_cut appended to `lower`, those with x - mean >
// high_cut to `upper`, in member order (+inf levels and cuts: none). A vector test skips the
// packs with nothing to append; the others append without branches (lanes are written, the
// end advances by the mask).
void count_and_collect(std::span<const double> x, double mean, const double (&t)[kPassLevels],
                       std::uint64_t (&below)[kPassLevels], std::uint64_t (&above)[kPassLevels],
                       double low_cut, double high_cut, std::vector<double>& lower,
                       std::vector<double>& upper) {
  PackMask b[kPassLevels] = {}, a[kPassLevels] = {};
  Pack lo[kPassLevels], hi[kPassLevels];
  for (std::size_t l = 0; l < kPassLevels; ++l) {
    lo[l] = Pack{} - t[l];
    hi[l] = Pack{} + t[l];
  }
  const Pack low_level = Pack{} - low_cut;
  const Pack high_level = Pack{} + high_cut;
  std::size_t n_lower = lower.size(), n_upper = upper.size();
  auto append = [](std::vector<double>& out, std::size_t& n, const Pack& v, const PackMask& in) {
    if (n + kPackWidth > out.size()) out.resize(2 * out.size() + 64);
    for (std::size_t l = 0; l < kPackWidth; ++l) {
      out[n] = v[l];
      n += static_cast<std::size_t>(in[l] & 1);
    }
  };
  std::size_t i = 0;
  for (; i + kPackWidth <= x.size(); i += kPackWidth) {
    Pack v;
    std::memcpy(&v, x.data() + i, sizeof(Pack));
    const Pack d = v - mean;
    for (std::size_t l = 0; l < kPassLevels; ++l) {
      b[l] -= d < lo[l];
      a[l] -= d > hi[l];
    }
    const PackMask in_lower = (d < low_level);
    const PackMask in_upper = (d > high_level);
    const PackMask any = in_lower | in_upper;
    if ((any[0] | any[1] | any[2] | any[3]) == 0) continue;
    append(lower, n_lower, v, in_lower);
    append(upper, n_upper, v, in_upper);
  }
  lower.resize(n_lower);
  upper.resize(n_upper);
  for (std::size_t l = 0; l < kPassLevels; ++l) {
    for (std::size_t k = 0; k < kPackWidth; ++k) {
      below[l] += static_cast<std::uint64_t>(b[l][k]);
      above[l] += static_cast<std::uint64_t>(a[l][k]);
    }
  }
  for (; i < x.size(); ++i) {
    const double d = x[i] - mean;
    for (std::size_t l = 0; l < kPassLevels; ++l) {
      below[l] += d < -t[l];
      above[l] += d > t[l];
    }
    if (d < -low_cut) lower.push_back(x[i]);
    if (d > high_cut) upper.push_back(x[i]);
  }
}

// Puts the order statistics `indices` of v (0-based, each < v.size()) at their sorted
// positions: nth_element from the largest index down, each on the part left of the previous.
void select_order_statistics(std::vector<double>& v, std::vector<std::size_t> indices) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  auto end = v.end();
  for (auto it = indices.rbegin(); it != indices.rend(); ++it) {
    const auto nth = v.begin() + static_cast<std::ptrdiff_t>(*it);
    std::nth_element(v.begin(), nth, end);
    end = nth;
  }
}

bool resolves(double p, std::size_t m) { return std::min(p, 1 - p) * static_cast<double>(m) >= 1; }

// Order statistic index floor((m - 1) p) of the type-7 estimator.
std::size_t lower_index(double p, std::size_t m) {
  return std::min(static_cast<std::size_t>(std::floor(static_cast<double>(m - 1) * p)), m - 1);
}

}  // namespace

double standard_normal_quantile(double p) {
  if (!(p >= 0 && p <= 1)) return kNaN;
  if (p == 0) return -std::numeric_limits<double>::infinity();
  if (p == 1) return std::numeric_limits<double>::infinity();
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * horner(kCentralNumerator, r) / horner(kCentralDenominator, r);
  }
  double r = std::sqrt(-std::log(q < 0 ? p : 1 - p));
  double z;
  if (r <= 5) {
    r -= 1.6;
    z = horner(kTailNumerator, r) / horner(kTailDenominator, r);
  } else {
    r -= 5;
    z = horner(kFarNumerator, r) / horner(kFarDenominator, r);
  }
  return q < 0 ? -z : z;
}

double quantile_linear(std::span<const double> sorted, double p) {
  if (sorted.empty()) throw UsageError("quantile_linear: no values; expected at least one");
  if (!(p >= 0 && p <= 1)) {
    throw UsageError(fmt::format("quantile_linear: p is {}; expected a value in [0, 1]", p));
  }
  return linear_quantile(sorted.size(), p, [&](std::size_t j) { return sorted[j]; });
}

std::vector<double> default_tail_probabilities() {
  std::vector<double> p;
  for (const double q : kDefaultLowerTail) p.push_back(q);
  for (auto it = std::rbegin(kDefaultLowerTail); it != std::rend(kDefaultLowerTail); ++it) {
    p.push_back(1 - *it);
  }
  return p;
}

TailAccumulator::TailAccumulator(std::size_t max_sigma, std::vector<double> probabilities)
    : probabilities_(std::move(probabilities)),
      below_(max_sigma, 0),
      above_(max_sigma, 0),
      quantile_points_(probabilities_.size(), 0),
      z_sum_(probabilities_.size()) {
  if (max_sigma < 1) {
    throw UsageError("TailAccumulator: max_sigma is 0; expected at least 1");
  }
  for (std::size_t i = 0; i < probabilities_.size(); ++i) {
    if (!(probabilities_[i] > 0 && probabilities_[i] < 1)) {
      throw UsageError(
          fmt::format("TailAccumulator: probabilities[{}] is {}; expected a value in (0, 1)", i,
                      probabilities_[i]));
    }
  }
}

template <class Order>
void TailAccumulator::add_quantiles(std::size_t m, double mean, double sd, const Order& order) {
  for (std::size_t i = 0; i < probabilities_.size(); ++i) {
    if (!resolves(probabilities_[i], m)) continue;
    ++quantile_points_[i];
    z_sum_[i].add((linear_quantile(m, probabilities_[i], order) - mean) / sd);
  }
}

void TailAccumulator::add_sorted(std::span<const double> sorted) {
  const std::size_t m = sorted.size();
  if (m < 2) {
    throw UsageError(
        fmt::format("TailAccumulator::add_sorted: {} member values; expected at least 2", m));
  }
  double sum = 0;
  for (const double x : sorted) sum += x;
  if (!std::isfinite(sum)) {
    throw UsageError("TailAccumulator::add_sorted: a value is not finite; expected finite values");
  }
  // As score_sorted_point: ascending sum, two-pass variance.
  const double mean = sum / static_cast<double>(m);
  double squares = 0;
  for (const double x : sorted) squares += (x - mean) * (x - mean);
  add_sorted_moments(sorted, mean, std::sqrt(squares / static_cast<double>(m - 1)));
}

void TailAccumulator::add_sorted(std::span<const double> sorted, const PointScores& scores) {
  if (scores.members != sorted.size() || sorted.size() < 2) {
    throw UsageError(fmt::format(
        "TailAccumulator::add_sorted: {} sorted values for PointScores.members = {}; expected "
        "the same number, at least 2",
        sorted.size(), scores.members));
  }
  if (!std::isfinite(sorted.front()) || !std::isfinite(sorted.back())) {
    throw UsageError("TailAccumulator::add_sorted: a value is not finite; expected finite values");
  }
  add_sorted_moments(sorted, scores.mean, std::sqrt(scores.variance));
}

void TailAccumulator::add_sorted_moments(std::span<const double> sorted, double mean, double sd) {
  const std::size_t m = sorted.size();
  ++points_;
  if (sd == 0) {
    ++degenerate_;
    return;
  }
  member_values_ += m;
  for (std::size_t k = 1; k <= below_.size(); ++k) {
    const double t = static_cast<double>(k) * sd;
    // x - mean is non-decreasing in x, so each count is a binary search.
    below_[k - 1] +=
        static_cast<std::uint64_t>(std::partition_point(sorted.begin(), sorted.end(),
                                                        [&](double x) { return x - mean < -t; }) -
                                   sorted.begin());
    above_[k - 1] += static_cast<std::uint64_t>(
        sorted.end() - std::partition_point(sorted.begin(), sorted.end(),
                                            [&](double x) { return !(x - mean > t); }));
  }
  add_quantiles(m, mean, sd, [&](std::size_t j) { return sorted[j]; });
}

void TailAccumulator::add(std::span<const double> values) {
  const std::size_t m = values.size();
  if (m < 2) {
    throw UsageError(fmt::format("TailAccumulator::add: {} member values; expected at least 2", m));
  }
  const double md = static_cast<double>(m);
  const ShiftedSums sums = shifted_sums(values, values[0]);
  if (!std::isfinite(sums.d) || !std::isfinite(sums.d2)) {
    throw UsageError("TailAccumulator::add: a value is not finite; expected finite values");
  }
  const double mean = values[0] + sums.d / md;
  const double sd = std::sqrt(std::max(0.0, (sums.d2 - sums.d * sums.d / md) / (md - 1)));
  ++points_;
  if (sd == 0) {
    ++degenerate_;
    return;
  }
  member_values_ += m;

  // The order statistics the resolved probabilities need: x_(0..low-1) and x_(m-high..m-1).
  std::size_t low = 0, high = 0;
  for (const double p : probabilities_) {
    if (!resolves(p, m)) continue;
    const std::size_t j = lower_index(p, m);
    if (p < 0.5) {
      low = std::max(low, std::min(j + 2, m));
    } else {
      high = std::max(high, m - j);
    }
  }
  // They are collected during the counting pass beyond a cut where a Gaussian would leave
  // about twice as many values (plus 16); if fewer turn up, again beyond 1 s, or from a full
  // sort. Any cut works: the values beyond it are exactly the smallest (largest) ones, since
  // x - mean is non-decreasing in x.
  const double inf = std::numeric_limits<double>::infinity();
  auto guess = [&](std::size_t needed) {
    const double fraction = static_cast<double>(2 * needed + 16) / md;
    return needed == 0 || fraction >= 0.5 ? inf : -standard_normal_quantile(fraction) * sd;
  };
  const double low_guess = guess(low), high_guess = guess(high);

  // One pass counts the members beyond 1 and 2 s and collects those beyond min(3 s, guess)
  // on each side: the counts beyond k >= 3 s come from these few.
  const std::size_t sigmas = below_.size();
  auto level = [&](std::size_t k) { return k <= sigmas ? static_cast<double>(k) * sd : inf; };
  const double three_sd = level(kPassLevels + 1);
  std::vector<std::uint64_t> below(sigmas, 0), above(sigmas, 0);
  std::vector<double> lower, upper;
  {
    const double t[kPassLevels] = {level(1), level(2)};
    std::uint64_t b[kPassLevels] = {}, a[kPassLevels] = {};
    count_and_collect(values, mean, t, b, a, std::min(three_sd, low_guess),
                      std::min(three_sd, high_guess), lower, upper);
    for (std::size_t k = 1; k <= std::min(sigmas, kPassLevels); ++k) {
      below[k - 1] = b[k - 1];
      above[k - 1] = a[k - 1];
    }
  }
  for (std::size_t k = kPassLevels + 1; k <= sigmas; ++k) {
    const double t = level(k);
    for (const double x : lower) below[k - 1] += x - mean < -t;
    for (const double x : upper) above[k - 1] += x - mean > t;
  }
  for (std::size_t k = 0; k < sigmas; ++k) {
    below_[k] += below[k];
    above_[k] += above[k];
  }
  if (low == 0 && high == 0) return;

  const bool low_short = lower.size() < low, high_short = upper.size() < high;
  if (low_short || high_short) {
    // Again beyond 1 s where that holds enough, else sort everything.
    if ((low_short && below[0] < low) || (high_short && above[0] < high)) {
      std::vector<double> sorted(values.begin(), values.end());
      std::sort(sorted.begin(), sorted.end());
      add_quantiles(m, mean, sd, [&](std::size_t j) { return sorted[j]; });
      return;
    }
    if (low_short) lower.clear();
    if (high_short) upper.clear();
    const double none[kPassLevels] = {inf, inf};
    std::uint64_t b[kPassLevels] = {}, a[kPassLevels] = {};
    count_and_collect(values, mean, none, b, a, low_short ? sd : inf, high_short ? sd : inf, lower,
                      upper);
  }
  // Only the order statistics the estimator reads: x_(j), x_(j+1) per resolved probability.
  const std::size_t upper_first = m - upper.size();
  std::vector<std::size_t> lower_needed, upper_needed;
  for (const double p : probabilities_) {
    if (!resolves(p, m)) continue;
    const std::size_t j = lower_index(p, m);
    for (const std::size_t i : {j, std::min(j + 1, m - 1)}) {
      if (p < 0.5) {
        lower_needed.push_back(i);
      } else {
        upper_needed.push_back(i - upper_first);
      }
    }
  }
  select_order_statistics(lower, lower_needed);
  select_order_statistics(upper, upper_needed);
  add_quantiles(m, mean, sd, [&](std::size_t j) {
    return j < lower.size() ? lower[j] : upper[j - upper_first];
  });
}

void TailAccumulator::merge(const TailAccumulator& other) {
  if (other.below_.size() != below_.size() || other.probabilities_ != probabilities_) {
    throw UsageError(
        "TailAccumulator::merge: other has different max_sigma or probabilities; expected the "
        "same");
  }
  if (&other == this) {
    const TailAccumulator copy = other;
    merge(copy);
    return;
  }
  points_ += other.points_;
  degenerate_ += other.degenerate_;
  member_values_ += other.member_values_;
  for (std::size_t k = 0; k < below_.size(); ++k) {
    below_[k] += other.below_[k];
    above_[k] += other.above_[k];
  }
  for (std::size_t i = 0; i < probabilities_.size(); ++i) {
    quantile_points_[i] += other.quantile_points_[i];
    z_sum_[i].merge(other.z_sum_[i]);
  }
}

void TailAccumulator::check_sigma(std::size_t k, const char* function) const {
  if (k < 1 || k > below_.size()) {
    throw UsageError(
        fmt::format("TailAccumulator::{}: k is {}; expected 1 to {}", function, k, below_.size()));
  }
}

void TailAccumulator::check_probability(std::size_t i, const char* function) const {
  if (i >= probabilities_.size()) {
    throw UsageError(fmt::format("TailAccumulator::{}: probability index {}; expected 0 to {}",
                                 function, i, probabilities_.size() - 1));
  }
}

std::uint64_t TailAccumulator::below_count(std::size_t k) const {
  check_sigma(k, "below_count");
  return below_[k - 1];
}

std::uint64_t TailAccumulator::above_count(std::size_t k) const {
  check_sigma(k, "above_count");
  return above_[k - 1];
}

double TailAccumulator::outside_fraction(std::size_t k) const {
  check_sigma(k, "outside_fraction");
  if (member_values_ == 0) return kNaN;
  return static_cast<double>(below_[k - 1] + above_[k - 1]) / static_cast<double>(member_values_);
}

double TailAccumulator::gaussian_outside_fraction(std::size_t k) {
  return std::erfc(static_cast<double>(k) / std::sqrt(2.0));
}

std::size_t TailAccumulator::quantile_points(std::size_t i) const {
  check_probability(i, "quantile_points");
  return quantile_points_[i];
}

double TailAccumulator::mean_standardized_quantile(std::size_t i) const {
  check_probability(i, "mean_standardized_quantile");
  if (quantile_points_[i] == 0) return kNaN;
  return z_sum_[i].value() / static_cast<double>(quantile_points_[i]);
}

double TailAccumulator::gaussian_quantile(std::size_t i) const {
  check_probability(i, "gaussian_quantile");
  return standard_normal_quantile(probabilities_[i]);
}

namespace {
constexpr std::uint32_t kTailAccumulatorTag = byte_tag("TAIL");
constexpr std::string_view kType = "TailAccumulator";
}  // namespace

void TailAccumulator::save(ByteWriter& out) const {
  out.put(kTailAccumulatorTag);
  out.put_vector(probabilities_);
  out.put<std::uint64_t>(points_);
  out.put<std::uint64_t>(degenerate_);
  out.put<std::uint64_t>(member_values_);
  out.put_vector(below_);
  out.put_vector(above_);
  std::vector<std::uint64_t> quantile_points(quantile_points_.begin(), quantile_points_.end());
  out.put_vector(quantile_points);
  for (const ExactSum& sum : z_sum_) sum.save(out);
}

void TailAccumulator::load(ByteReader& in) {
  expect_tag(in, kTailAccumulatorTag, kType);
  std::vector<double> probabilities = in.get_vector<double>();
  for (const double p : probabilities) {
    if (!(p > 0 && p < 1)) throw_inconsistent(kType, "a probability is outside (0, 1)");
  }
  const auto points = in.get<std::uint64_t>();
  const auto degenerate = in.get<std::uint64_t>();
  const auto member_values = in.get<std::uint64_t>();
  std::vector<std::uint64_t> below = in.get_vector<std::uint64_t>();
  std::vector<std::uint64_t> above = in.get_vector<std::uint64_t>();
  const auto quantile_points = in.get_vector<std::uint64_t>();
  if (below.empty() || above.size() != below.size() ||
      quantile_points.size() != probabilities.size()) {
    throw_inconsistent(kType, std::to_string(below.size()) + " below and " +
                                  std::to_string(above.size()) + " above counts, " +
                                  std::to_string(quantile_points.size()) + " quantile counts for " +
                                  std::to_string(probabilities.size()) + " probabilities");
  }
  if (degenerate > points) throw_inconsistent(kType, "more degenerate points than points");
  for (const std::uint64_t n : quantile_points) {
    if (n > points - degenerate) {
      throw_inconsistent(kType, "more quantile points than non-degenerate points");
    }
  }
  TailAccumulator loaded(below.size(), std::move(probabilities));
  loaded.points_ = points;
  loaded.degenerate_ = degenerate;
  loaded.member_values_ = member_values;
  loaded.below_ = std::move(below);
  loaded.above_ = std::move(above);
  loaded.quantile_points_.assign(quantile_points.begin(), quantile_points.end());
  for (ExactSum& sum : loaded.z_sum_) sum.load(in);
  *this = std::move(loaded);
}

}  // namespace butterfly
