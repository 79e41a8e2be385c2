// ScoreAccumulator: exact sums and integer counts over points, scores read out at the end.
#include "butterfly/stats/score_accumulator.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {

ScoreAccumulator::ScoreAccumulator(std::size_t members) : members_(members) {
  if (members < 2) {
    throw UsageError(fmt::format("ScoreAccumulator: members is {}; expected at least 2", members));
  }
}

void ScoreAccumulator::add(const PointScores& p) {
  if (p.members < 2 || p.members > members_) {
    throw UsageError(fmt::format(
        "ScoreAccumulator::add: PointScores.members is {}; expected 2 to {} (the nominal M)",
        p.members, members_));
  }
  if (!(p.rank_below >= 0 && p.rank_ties >= 0 &&
        p.rank_below + p.rank_ties <= static_cast<double>(p.members))) {
    throw UsageError(fmt::format(
        "ScoreAccumulator::add: rank_below {} + rank_ties {}; expected counts summing to at "
        "most PointScores.members = {}",
        p.rank_below, p.rank_ties, p.members));
  }
  const double error = p.mean - p.truth;
  const double m = static_cast<double>(p.members);
  ++points_;
  outliers_ += p.outlier;
  squared_error_.add(error * error);
  abs_error_.add(std::fabs(error));
  variance_.add(p.variance);
  inflated_variance_.add((m + 1) / m * p.variance);
  crps_.add(p.crps);
  crps_fair_.add(p.crps_fair);
  if (p.members < members_) {
    ++skipped_;
    return;
  }
  const auto below = static_cast<std::size_t>(p.rank_below);
  const auto ties = static_cast<std::size_t>(p.rank_ties);
  if (ties == 0) {
    ++untied_ranks_[below];
  } else {
    ++tied_ranks_[{below, ties}];
  }
}

void ScoreAccumulator::merge(const ScoreAccumulator& other) {
  if (other.members_ != members_) {
    throw UsageError(fmt::format(
        "ScoreAccumulator::merge: other has {} members; expected {} (the same nominal M)",
        other.members_, members_));
  }
  if (&other == this) {
    const ScoreAccumulator copy = other;
    merge(copy);
    return;
  }
  points_ += other.points_;
  outliers_ += other.outliers_;
  skipped_ += other.skipped_;
  squared_error_.merge(other.squared_error_);
  abs_error_.merge(other.abs_error_);
  variance_.merge(other.variance_);
  inflated_variance_.merge(other.inflated_variance_);
  crps_.merge(other.crps_);
  crps_fair_.merge(other.crps_fair_);
  for (const auto& [rank, count] : other.untied_ranks_) untied_ranks_[rank] += count;
  for (const auto& [key, count] : other.tied_ranks_) tied_ranks_[key] += count;
}

double ScoreAccumulator::mean_of(const ExactSum& sum) const {
  if (points_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return sum.value() / static_cast<double>(points_);
}

double ScoreAccumulator::rmse() const { return std::sqrt(mean_of(squared_error_)); }
double ScoreAccumulator::mean_abs_error() const { return mean_of(abs_error_); }
double ScoreAccumulator::spread() const { return std::sqrt(mean_of(variance_)); }
double ScoreAccumulator::ssr() const { return std::sqrt(mean_of(inflated_variance_)) / rmse(); }
double ScoreAccumulator::crps() const { return mean_of(crps_); }
double ScoreAccumulator::crps_fair() const { return mean_of(crps_fair_); }

double ScoreAccumulator::outlier_rate() const {
  if (points_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(outliers_) / static_cast<double>(points_);
}

double ScoreAccumulator::expected_outlier_rate() const {
  return 2.0 / static_cast<double>(members_ + 1);
}

std::vector<double> ScoreAccumulator::rank_histogram() const {
  std::vector<double> bins(members_ + 1, 0.0);
  for (const auto& [rank, count] : untied_ranks_) bins[rank] = static_cast<double>(count);
  // The map's key order makes the order of these additions canonical.
  for (const auto& [key, count] : tied_ranks_) {
    const auto [below, ties] = key;
    const double share = static_cast<double>(count) / static_cast<double>(ties + 1);
    for (std::size_t k = below; k <= below + ties; ++k) bins[k] += share;
  }
  return bins;
}

namespace {

constexpr std::uint32_t kScoreAccumulatorTag = byte_tag("SCOR");
constexpr std::string_view kType = "ScoreAccumulator";

// a += b, refusing a wrap-around (which valid data never reach).
void add_count(std::uint64_t& a, std::uint64_t b) {
  if (__builtin_add_overflow(a, b, &a)) throw_inconsistent(kType, "a count overflows");
}

}  // namespace

void ScoreAccumulator::save(ByteWriter& out) const {
  out.put(kScoreAccumulatorTag);
  out.put<std::uint64_t>(members_);
  out.put<std::uint64_t>(points_);
  out.put<std::uint64_t>(outliers_);
  out.put<std::uint64_t>(skipped_);
  for (const ExactSum* sum :
       {&squared_error_, &abs_error_, &variance_, &inflated_variance_, &crps_, &crps_fair_}) {
    sum->save(out);
  }
  std::vector<std::array<std::uint64_t, 2>> untied;
  untied.reserve(untied_ranks_.size());
  for (const auto& [rank, count] : untied_ranks_) untied.push_back({rank, count});
  out.put_vector(untied);
  std::vector<std::array<std::uint64_t, 3>> tied;
  tied.reserve(tied_ranks_.size());
  for (const auto& [key, count] : tied_ranks_) tied.push_back({key.first, key.second, count});
  out.put_vector(tied);
}

void ScoreAccumulator::load(ByteReader& in) {
  expect_tag(in, kScoreAccumulatorTag, kType);
  const auto members = in.get<std::uint64_t>();
  if (members < 2) throw_inconsistent(kType, "members is " + std::to_string(members));
  ScoreAccumulator loaded(members);
  loaded.points_ = in.get<std::uint64_t>();
  loaded.outliers_ = in.get<std::uint64_t>();
  loaded.skipped_ = in.get<std::uint64_t>();
  for (ExactSum* sum : {&loaded.squared_error_, &loaded.abs_error_, &loaded.variance_,
                        &loaded.inflated_variance_, &loaded.crps_, &loaded.crps_fair_}) {
    sum->load(in);
  }
  // Every point is either skipped or counted once in one of the maps.
  std::uint64_t counted = loaded.skipped_;
  const auto untied = in.get_vector<std::array<std::uint64_t, 2>>();
  for (std::size_t i = 0; i < untied.size(); ++i) {
    const auto [rank, count] = untied[i];
    if (rank > members || count == 0 || (i > 0 && rank <= untied[i - 1][0])) {
      throw_inconsistent(kType, "untied rank entry " + std::to_string(i) + " is invalid");
    }
    loaded.untied_ranks_.emplace_hint(loaded.untied_ranks_.end(), rank, count);
    add_count(counted, count);
  }
  const auto tied = in.get_vector<std::array<std::uint64_t, 3>>();
  for (std::size_t i = 0; i < tied.size(); ++i) {
    const auto [below, ties, count] = tied[i];
    const std::pair<std::size_t, std::size_t> key{below, ties};
    if (ties == 0 || below > members || ties > members - below || count == 0 ||
        (i > 0 && !(std::pair<std::size_t, std::size_t>{tied[i - 1][0], tied[i - 1][1]} < key))) {
      throw_inconsistent(kType, "tied rank entry " + std::to_string(i) + " is invalid");
    }
    loaded.tied_ranks_.emplace_hint(loaded.tied_ranks_.end(), key, count);
    add_count(counted, count);
  }
  if (counted != loaded.points_ || loaded.outliers_ > loaded.points_) {
    throw_inconsistent(kType, std::to_string(loaded.points_) + " points but " +
                                  std::to_string(counted) + " ranked or skipped and " +
                                  std::to_string(loaded.outliers_) + " outliers");
  }
  *this = std::move(loaded);
}

}  // namespace butterfly
