// TailAccumulator: how well an ensemble samples its own tails -- members beyond k standard
// deviations, and standardized extreme quantiles -- against the Gaussian, merged exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "butterfly/stats/exact_sum.hpp"
#include "butterfly/stats/point_scores.hpp"

namespace butterfly {

class ByteWriter;
class ByteReader;

// The standard normal quantile Phi^{-1}(p) for p in (0, 1) (-inf at 0, +inf at 1, NaN
// outside), by Wichura's algorithm AS 241 (PPND16; Appl. Statist. 37, 477-484, 1988),
// accurate to about 1e-16 relative.
double standard_normal_quantile(double p);

// The sample quantile of ascending `sorted` (non-empty) at probability p in [0, 1], Hyndman &
// Fan (1996, Am. Stat. 50, 361-365) type 7, numpy.quantile's default method "linear", with
// numpy's arithmetic so the bits agree: h = (M - 1) p, j = floor(h), g = h - j,
//   Q = x_(j) + g (x_(j+1) - x_(j))          if g < 1/2
//   Q = x_(j+1) - (1 - g) (x_(j+1) - x_(j))  otherwise   (x_(i) 0-based, x_(M) := x_(M-1)).
double quantile_linear(std::span<const double> sorted, double p);

// 1e-6, 1e-5, 1e-4, 1e-3 and their upper counterparts 1 - q, ascending.
std::vector<double> default_tail_probabilities();

// A monoid over points (one variable, start and grid point at one time). For a point with
// members x_1..x_m, mean x-bar and sample standard deviation s (ddof = 1):
//   sigma counts: for k = 1..K, below(k) = #{x : x - x-bar < -k s} and
//     above(k) = #{x : x - x-bar > k s}, summed over points; a Gaussian ensemble has
//     E[below(k)] = E[above(k)] = (member values) (1 - Phi(k)) = (member values) erfc(k/sqrt 2)/2
//     (up to the O(1/m) effect of estimating x-bar and s from the members; note
//     |x - x-bar| <= s (m - 1)/sqrt(m) (Samuelson 1968, Am. Stat. 22, 16-17), so small
//     ensembles cannot reach large k).
//   standardized quantiles: for each probability p with min(p, 1 - p) m >= 1 (the ensemble
//     resolves it), z_p = (Q_p - x-bar)/s with Q_p = quantile_linear(sorted members, p),
//     averaged over the points that resolve p; a Gaussian ensemble gives about Phi^{-1}(p).
// Counts are integers and z sums ExactSums, so add() in any order and merge() in any grouping
// give identical bits (DESIGN invariant 4). Points whose members are all equal (s = 0) are
// counted in degenerate_points() only.
class TailAccumulator {
 public:
  // max_sigma = K >= 1; probabilities each in (0, 1).
  explicit TailAccumulator(std::size_t max_sigma = 6,
                           std::vector<double> probabilities = default_tail_probabilities());

  // Adds one point from its finite member values (at least 2) in member order. x-bar and s
  // come from one pass of sums of x - x_1 and (x - x_1)^2 in a fixed lane order, so their
  // bits depend on the order given (fixed by global member id in a run) and differ slightly
  // from add_sorted()'s; the order statistics do not. O(M) in two passes, no full sort: the
  // second counts the values beyond 1 and 2 s and collects those beyond 3 s (for the higher
  // counts) or beyond a cut where a Gaussian would leave about twice the order statistics
  // needed, whichever is nearer; if too few turn up, a third pass collects beyond 1 s, or all
  // values are sorted when not even 1 s leaves enough.
  void add(std::span<const double> values);
  // As add(), from values sorted ascending; x-bar and s are summed in ascending order as in
  // score_sorted_point, so the result is the same for every ordering of the members.
  // O(M) for the moments, then O(K log M + probabilities).
  void add_sorted(std::span<const double> sorted);
  // As add_sorted(sorted), taking x-bar and s from `scores` = score_sorted_point(sorted, y)
  // (the same arithmetic, so the same bits): O(K log M + probabilities), no pass over the
  // members. UsageError if scores.members != sorted.size().
  void add_sorted(std::span<const double> sorted, const PointScores& scores);
  // Adds every point of `other` (same K and probabilities, else UsageError); may be *this.
  void merge(const TailAccumulator& other);

  std::size_t max_sigma() const { return below_.size(); }
  const std::vector<double>& probabilities() const { return probabilities_; }
  std::size_t points() const { return points_; }
  std::size_t degenerate_points() const { return degenerate_; }
  // Member values of the (non-degenerate) points, summed.
  std::uint64_t member_values() const { return member_values_; }

  // For k = 1..max_sigma() (UsageError otherwise):
  std::uint64_t below_count(std::size_t k) const;
  std::uint64_t above_count(std::size_t k) const;
  // (below + above) / member_values(): NaN with no points.
  double outside_fraction(std::size_t k) const;
  // erfc(k / sqrt 2) = 2 (1 - Phi(k)): the Gaussian value of outside_fraction(k).
  static double gaussian_outside_fraction(std::size_t k);

  // For index i into probabilities() (UsageError otherwise):
  std::size_t quantile_points(std::size_t i) const;        // points that resolve probabilities()[i]
  double mean_standardized_quantile(std::size_t i) const;  // NaN when no point resolves it
  double gaussian_quantile(std::size_t i) const;           // Phi^{-1}(probabilities()[i])

  // Appends the whole state (max_sigma and probabilities included) to `out`.
  void save(ByteWriter& out) const;
  // Replaces the whole state, max_sigma and probabilities included, with one written by
  // save(): every later result, add() and merge() is bit-identical to the saved object's.
  // RuntimeError on truncated or inconsistent data (max_sigma 0, probabilities outside (0, 1),
  // list sizes that disagree, more degenerate or quantile points than points); *this is then
  // unchanged.
  void load(ByteReader& in);

 private:
  void check_sigma(std::size_t k, const char* function) const;
  void check_probability(std::size_t i, const char* function) const;
  // Counts a point of m members with mean and sd > 0, the sigma counts already added.
  // order(j) = x_(j) (0-based order statistic) for the j the resolved probabilities need.
  template <class Order>
  void add_quantiles(std::size_t m, double mean, double sd, const Order& order);
  void add_sorted_moments(std::span<const double> sorted, double mean, double sd);

  std::vector<double> probabilities_;
  std::size_t points_ = 0, degenerate_ = 0;
  std::uint64_t member_values_ = 0;
  std::vector<std::uint64_t> below_, above_;  // [k - 1]
  std::vector<std::size_t> quantile_points_;  // [probability]
  std::vector<ExactSum> z_sum_;               // [probability]
};

}  // namespace butterfly
