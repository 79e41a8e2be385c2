// ScoreAccumulator: exact sums and integer counts over points, scores read out at the end.
#include "butterfly/stats/score_accumulator.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

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

}  // namespace butterfly
