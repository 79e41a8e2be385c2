// ScoreAccumulator: a mergeable reducer of PointScores over the points (variables, starts, grid
// points) of one output time, giving RMSE, spread, spread-skill, CRPS, outliers, rank histogram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "butterfly/stats/exact_sum.hpp"
#include "butterfly/stats/point_scores.hpp"

namespace butterfly {

class ByteWriter;
class ByteReader;

// A monoid over PointScores. Every sum is an ExactSum and every count an integer, so the
// results depend only on the multiset of points added: add() in any order, and merge() of
// partial accumulators in any grouping, give bit-identical results (stronger than the fixed
// merge order -- block order, then rank order -- that callers use anyway, DESIGN invariant 4).
// With no points every score is quiet NaN.
class ScoreAccumulator {
 public:
  // `members` is the nominal ensemble size M (>= 2); the rank histogram has M + 1 bins.
  explicit ScoreAccumulator(std::size_t members);

  // Adds one point. p.members may be below the nominal M (diverged members left out): such a
  // point counts in every score but not in the rank histogram (see rank_histogram_skipped()).
  // Throws UsageError if p.members < 2, p.members > M, or its ranks exceed p.members.
  void add(const PointScores& p);
  // Adds every point of `other` (same nominal M, else UsageError); `other` may be *this.
  void merge(const ScoreAccumulator& other);

  std::size_t members() const { return members_; }
  std::size_t points() const { return points_; }
  // sqrt((1/N) sum_p (mean_p - truth_p)^2): RMSE of the ensemble mean.
  double rmse() const;
  // (1/N) sum_p |mean_p - truth_p|: mean absolute error of the ensemble mean.
  double mean_abs_error() const;
  // sqrt((1/N) sum_p variance_p): ensemble spread.
  double spread() const;
  // Spread-skill ratio with the finite-ensemble factor,
  //   sqrt((1/N) sum_p ((M_p + 1)/M_p) variance_p) / rmse(),
  // which is 1 in expectation when members and truth are exchangeable (Fortin et al. 2014,
  // J. Hydrometeor. 15, 1708-1713); M_p is each point's own member count.
  double ssr() const;
  // (1/N) sum_p crps_p and (1/N) sum_p crps_fair_p (see score_sorted_point).
  double crps() const;
  double crps_fair() const;
  // Fraction of points whose truth lies strictly outside the member range.
  double outlier_rate() const;
  // 2/(M + 1): the outlier rate of a perfectly reliable M-member ensemble (nominal M).
  double expected_outlier_rate() const;
  // M + 1 bins of (fractional) counts over the points with all M members: bin k counts truths
  // with k members below. A truth tied with t members spreads its unit count equally,
  // 1/(t + 1) each, over bins rank_below .. rank_below + t (as scores.rank_histogram). Counts
  // are integers until materialised here, tie shares in a canonical order, so the bins are
  // bit-identical whatever the order of add() and merge().
  std::vector<double> rank_histogram() const;
  // Points left out of the rank histogram because they had fewer than M members.
  std::size_t rank_histogram_skipped() const { return skipped_; }

  // Appends the whole state (nominal M included) to `out`.
  void save(ByteWriter& out) const;
  // Replaces the whole state, nominal M included, with one written by save(): every later
  // result, add() and merge() is bit-identical to the saved object's. RuntimeError on
  // truncated or inconsistent data (M < 2, ranks beyond M, counts that do not add up to the
  // points); *this is then unchanged.
  void load(ByteReader& in);

 private:
  double mean_of(const ExactSum& sum) const;

  std::size_t members_;
  std::size_t points_ = 0;
  std::size_t outliers_ = 0;
  std::size_t skipped_ = 0;
  ExactSum squared_error_, abs_error_, variance_, inflated_variance_, crps_, crps_fair_;
  // Counts of points with no tie, by rank. Sparse, so an accumulator costs O(points), not
  // O(M): a 10^6-member run keeps thousands of them.
  std::map<std::size_t, std::uint64_t> untied_ranks_;
  // Points whose truth tied with members, by (rank_below, rank_ties).
  std::map<std::pair<std::size_t, std::size_t>, std::uint64_t> tied_ranks_;
};

}  // namespace butterfly
