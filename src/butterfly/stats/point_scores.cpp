// Point verification scores from sorted member values in O(M).
#include "butterfly/stats/point_scores.hpp"

#include <fmt/format.h>

#include <cmath>

#include "butterfly/core/error.hpp"
#include "butterfly/stats/total_order_sort.hpp"

namespace butterfly {
namespace {

void require_members(std::size_t m, const char* function) {
  if (m < 2) {
    throw UsageError(fmt::format("{}: values has {} member(s); expected at least 2", function, m));
  }
}

void require_finite_truth(double truth, const char* function) {
  if (!std::isfinite(truth)) {
    throw UsageError(fmt::format("{}: truth is {}; expected a finite value", function, truth));
  }
}

}  // namespace

PointScores score_sorted_point(std::span<const double> sorted, double truth) {
  const std::size_t m = sorted.size();
  require_members(m, "score_sorted_point");
  require_finite_truth(truth, "score_sorted_point");
  double sum = 0;
  for (std::size_t i = 0; i < m; ++i) {
    if (!std::isfinite(sorted[i])) {
      throw UsageError(fmt::format("score_sorted_point: values[{}] is {}; expected finite values",
                                   i, sorted[i]));
    }
    if (i > 0 && sorted[i] < sorted[i - 1]) {
      throw UsageError(fmt::format(
          "score_sorted_point: values[{}] = {} < values[{}] = {}; expected ascending values", i,
          sorted[i], i - 1, sorted[i - 1]));
    }
    sum += sorted[i];
  }
  const double md = static_cast<double>(m);

  PointScores p;
  p.members = m;
  p.mean = sum / md;
  p.min = sorted.front();
  p.max = sorted.back();
  p.truth = truth;
  p.outlier = truth < p.min || truth > p.max;

  double squares = 0;     // sum (x - mean)^2
  double abs_error = 0;   // A = sum |x - y|
  double half_pairs = 0;  // D / 2 = sum_{i<j} (x_(j) - x_(i)), over the gaps
  std::size_t below = 0, ties = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const double x = sorted[i];
    const double d = x - p.mean;
    squares += d * d;
    abs_error += std::fabs(x - truth);
    below += x < truth;
    ties += x == truth;
    if (i > 0) {
      // The gap between x_(i) and x_(i+1) (1-based) lies between i * (M - i) ordered pairs.
      const double pairs = static_cast<double>(i) * static_cast<double>(m - i);
      half_pairs += pairs * (x - sorted[i - 1]);
    }
  }
  p.variance = squares / (md - 1);
  p.crps = abs_error / md - half_pairs / (md * md);
  p.crps_fair = abs_error / md - half_pairs / (md * (md - 1));
  p.rank_below = static_cast<double>(below);
  p.rank_ties = static_cast<double>(ties);
  return p;
}

PointScores score_point(std::span<double> values, double truth) {
  require_members(values.size(), "score_point");
  require_finite_truth(truth, "score_point");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw UsageError(
          fmt::format("score_point: values[{}] is {}; expected finite values", i, values[i]));
    }
  }
  sort_total_order(values);
  return score_sorted_point(values, truth);
}

}  // namespace butterfly
