// BestMemberAccumulator: running minima and maxima over the members in order, read at each
// subensemble size; sums exact, counts integer.
#include "butterfly/stats/best_member_accumulator.hpp"

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
constexpr double kInf = std::numeric_limits<double>::infinity();

// Over x[0..count): the smallest |x - y|, the smallest and largest x, and a poison value that
// is NaN iff some x is not finite. Pack lanes; min and max do not depend on the order.
struct SegmentExtremes {
  double best = kInf, low = kInf, high = -kInf, poison = 0;
};

SegmentExtremes segment_extremes(const double* x, std::size_t count, double y) {
  Pack best = {kInf, kInf, kInf, kInf}, low = best, high = -best, poison = {};
  std::size_t i = 0;
  for (; i + kPackWidth <= count; i += kPackWidth) {
    Pack v;
    std::memcpy(&v, x + i, sizeof(Pack));
    const Pack d = v - y;
    const Pack a = d < 0 ? -d : d;
    best = a < best ? a : best;
    low = v < low ? v : low;
    high = v > high ? v : high;
    poison += v * 0.0;
  }
  SegmentExtremes e;
  for (std::size_t l = 0; l < kPackWidth; ++l) {
    e.best = std::min(e.best, best[l]);
    e.low = std::min(e.low, low[l]);
    e.high = std::max(e.high, high[l]);
    e.poison += poison[l];
  }
  for (; i < count; ++i) {
    e.best = std::min(e.best, std::fabs(x[i] - y));
    e.low = std::min(e.low, x[i]);
    e.high = std::max(e.high, x[i]);
    e.poison += x[i] * 0.0;
  }
  return e;
}

}  // namespace

std::vector<std::size_t> default_best_member_sizes(std::size_t members) {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= members; n *= 2) {
    sizes.push_back(n);
    if (n > members / 2) break;  // no overflow for huge counts
  }
  if (members > 0 && sizes.back() != members) sizes.push_back(members);
  return sizes;
}

BestMemberAccumulator::BestMemberAccumulator(std::size_t members, std::vector<std::size_t> sizes)
    : members_(members),
      sizes_(std::move(sizes)),
      points_(sizes_.size(), 0),
      outliers_(sizes_.size(), 0),
      error_(sizes_.size()),
      squared_error_(sizes_.size()) {
  if (members < 1) throw UsageError("BestMemberAccumulator: members is 0; expected at least 1");
  if (sizes_.empty()) throw UsageError("BestMemberAccumulator: sizes is empty; expected sizes");
  for (std::size_t i = 0; i < sizes_.size(); ++i) {
    if (sizes_[i] < 1 || sizes_[i] > members || (i > 0 && sizes_[i] <= sizes_[i - 1])) {
      throw UsageError(fmt::format(
          "BestMemberAccumulator: sizes[{}] is {}; expected increasing sizes from 1 to {}", i,
          sizes_[i], members));
    }
  }
}

BestMemberAccumulator::BestMemberAccumulator(std::size_t members)
    : BestMemberAccumulator(members, default_best_member_sizes(members)) {}

void BestMemberAccumulator::add(std::span<const double> values, double truth) {
  if (values.empty() || values.size() > members_) {
    throw UsageError(fmt::format(
        "BestMemberAccumulator::add: {} member values; expected 1 to {} (the nominal M)",
        values.size(), members_));
  }
  if (!std::isfinite(truth)) {
    throw UsageError(
        fmt::format("BestMemberAccumulator::add: truth is {}; expected a finite value", truth));
  }
  // One pass: the segments between consecutive sizes, then the rest (only checked, as the
  // whole point is refused if a value is not finite).
  struct Reading {
    double best;
    bool outlier;
  };
  std::vector<Reading> readings;
  readings.reserve(sizes_.size());
  SegmentExtremes running;
  std::size_t done = 0;
  for (std::size_t i = 0; i < sizes_.size() && sizes_[i] <= values.size(); ++i) {
    const SegmentExtremes e = segment_extremes(values.data() + done, sizes_[i] - done, truth);
    running.best = std::min(running.best, e.best);
    running.low = std::min(running.low, e.low);
    running.high = std::max(running.high, e.high);
    running.poison += e.poison;
    done = sizes_[i];
    readings.push_back({running.best, truth < running.low || truth > running.high});
  }
  running.poison += segment_extremes(values.data() + done, values.size() - done, truth).poison;
  if (!std::isfinite(running.poison)) {
    throw UsageError("BestMemberAccumulator::add: a value is not finite; expected finite values");
  }
  for (std::size_t i = 0; i < readings.size(); ++i) {
    ++points_[i];
    outliers_[i] += readings[i].outlier;
    error_[i].add(readings[i].best);
    squared_error_[i].add(readings[i].best * readings[i].best);
  }
}

void BestMemberAccumulator::merge(const BestMemberAccumulator& other) {
  if (other.members_ != members_ || other.sizes_ != sizes_) {
    throw UsageError(
        "BestMemberAccumulator::merge: other has different members or sizes; expected the same");
  }
  if (&other == this) {
    const BestMemberAccumulator copy = other;
    merge(copy);
    return;
  }
  for (std::size_t i = 0; i < sizes_.size(); ++i) {
    points_[i] += other.points_[i];
    outliers_[i] += other.outliers_[i];
    error_[i].merge(other.error_[i]);
    squared_error_[i].merge(other.squared_error_[i]);
  }
}

void BestMemberAccumulator::check_index(std::size_t i, const char* function) const {
  if (i >= sizes_.size()) {
    throw UsageError(fmt::format("BestMemberAccumulator::{}: size index {}; expected 0 to {}",
                                 function, i, sizes_.size() - 1));
  }
}

std::size_t BestMemberAccumulator::points(std::size_t i) const {
  check_index(i, "points");
  return points_[i];
}

double BestMemberAccumulator::mean_best_error(std::size_t i) const {
  check_index(i, "mean_best_error");
  if (points_[i] == 0) return kNaN;
  return error_[i].value() / static_cast<double>(points_[i]);
}

double BestMemberAccumulator::rms_best_error(std::size_t i) const {
  check_index(i, "rms_best_error");
  if (points_[i] == 0) return kNaN;
  return std::sqrt(squared_error_[i].value() / static_cast<double>(points_[i]));
}

double BestMemberAccumulator::outlier_rate(std::size_t i) const {
  check_index(i, "outlier_rate");
  if (points_[i] == 0) return kNaN;
  return static_cast<double>(outliers_[i]) / static_cast<double>(points_[i]);
}

double BestMemberAccumulator::expected_outlier_rate(std::size_t i) const {
  check_index(i, "expected_outlier_rate");
  return 2.0 / static_cast<double>(sizes_[i] + 1);
}

namespace {

constexpr std::uint32_t kBestMemberAccumulatorTag = byte_tag("BEST");
constexpr std::string_view kType = "BestMemberAccumulator";

std::vector<std::uint64_t> as_u64(const std::vector<std::size_t>& v) {
  return std::vector<std::uint64_t>(v.begin(), v.end());
}

std::vector<std::size_t> as_size(const std::vector<std::uint64_t>& v) {
  return std::vector<std::size_t>(v.begin(), v.end());
}

}  // namespace

void BestMemberAccumulator::save(ByteWriter& out) const {
  out.put(kBestMemberAccumulatorTag);
  out.put<std::uint64_t>(members_);
  out.put_vector(as_u64(sizes_));
  out.put_vector(as_u64(points_));
  out.put_vector(as_u64(outliers_));
  for (std::size_t i = 0; i < sizes_.size(); ++i) {
    error_[i].save(out);
    squared_error_[i].save(out);
  }
}

void BestMemberAccumulator::load(ByteReader& in) {
  expect_tag(in, kBestMemberAccumulatorTag, kType);
  const auto members = in.get<std::uint64_t>();
  std::vector<std::size_t> sizes = as_size(in.get_vector<std::uint64_t>());
  const auto points = in.get_vector<std::uint64_t>();
  const auto outliers = in.get_vector<std::uint64_t>();
  if (members < 1 || sizes.empty() || points.size() != sizes.size() ||
      outliers.size() != sizes.size()) {
    throw_inconsistent(kType, "members is " + std::to_string(members) + " with " +
                                  std::to_string(sizes.size()) + " sizes, " +
                                  std::to_string(points.size()) + " point and " +
                                  std::to_string(outliers.size()) + " outlier counts");
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 1 || sizes[i] > members || (i > 0 && sizes[i] <= sizes[i - 1])) {
      throw_inconsistent(kType, "sizes are not increasing from 1 to members");
    }
    // A point counts for every size up to its member count.
    if (outliers[i] > points[i] || (i > 0 && points[i] > points[i - 1])) {
      throw_inconsistent(kType, "the counts of size " + std::to_string(sizes[i]) + " are invalid");
    }
  }
  BestMemberAccumulator loaded(members, std::move(sizes));
  loaded.points_ = as_size(points);
  loaded.outliers_ = as_size(outliers);
  for (std::size_t i = 0; i < loaded.sizes_.size(); ++i) {
    loaded.error_[i].load(in);
    loaded.squared_error_[i].load(in);
  }
  *this = std::move(loaded);
}

}  // namespace butterfly
