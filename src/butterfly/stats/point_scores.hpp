// Verification scores of one ensemble forecast against its truth at one point (one variable,
// start and grid point): moments, CRPS in the empirical and the fair form, rank and outlier.
#pragma once

#include <cstddef>
#include <span>

namespace butterfly {

// Everything ScoreAccumulator needs from one point. Computed from the sorted member values
// only, so it is bit-identical for every ordering of the members.
struct PointScores {
  std::size_t members = 0;  // M, the number of (finite) member values
  double mean = 0;          // ensemble mean, summed in ascending order
  double variance = 0;      // sample variance, ddof = 1, two-pass
  double min = 0, max = 0;
  double truth = 0;
  double crps = 0;        // empirical-CDF CRPS, as properscoring.crps_ensemble
  double crps_fair = 0;   // fair CRPS (Ferro 2014)
  double rank_below = 0;  // number of members strictly below the truth
  double rank_ties = 0;   // number of members equal to the truth
  bool outlier = false;   // truth strictly outside [min, max]
};

// Scores the M = sorted.size() member values `sorted` (ascending, M >= 2, all finite) against
// `truth` (finite), in O(M) time. With x_(1) <= ... <= x_(M) and y = truth:
//   mean      = (1/M) sum_i x_(i), summed in ascending order
//   variance  = sum_i (x_(i) - mean)^2 / (M - 1)
//   A         = sum_i |x_(i) - y|
//   D         = sum_i sum_j |x_i - x_j| = 2 sum_i (2i - M - 1) x_(i)
//             = 2 sum_{k=1}^{M-1} k (M - k) (x_(k+1) - x_(k))   (the form used: no cancellation)
//   crps      = A/M - D/(2 M^2)        (CRPS of the empirical CDF, E|X - y| - E|X - X'|/2:
//                                       Gneiting & Raftery 2007, JASA 102, 359-378; equal to
//                                       properscoring.crps_ensemble, scores "ecdf")
//   crps_fair = A/M - D/(2 M (M - 1))  (Ferro 2014, QJRMS 140, 1917-1923; scores "fair")
// rank_below and rank_ties count members < y and == y; outlier is y < x_(1) or y > x_(M).
// Throws UsageError if M < 2, a value or the truth is not finite, or the values are not sorted.
PointScores score_sorted_point(std::span<const double> sorted, double truth);

// Sorts `values` in place (ascending, -0.0 before +0.0; see sort_total_order) and returns
// score_sorted_point(values, truth). Throws UsageError if fewer than 2 values are given or one
// is not finite (checked before sorting, so the message names the caller's index).
PointScores score_point(std::span<double> values, double truth);

}  // namespace butterfly
