// BestMemberAccumulator: how skill depends on ensemble size -- the error of the best of the
// first n members and the outlier rate of the first-n subensemble -- in one pass per point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "butterfly/stats/exact_sum.hpp"

namespace butterfly {

class ByteWriter;
class ByteReader;

// 1, 2, 4, ..., the largest power of two <= members, then members itself (if not a power of
// two): the default subensemble sizes.
std::vector<std::size_t> default_best_member_sizes(std::size_t members);

// A monoid over points (one variable, start and grid point at one time). For each size n in
// a list, a point with members x_0, x_1, ... (in member order) and truth y gives
//   e_n = min_{m < n} |x_m - y|                 (the best of the first n members)
//   outlier_n = [y < min_{m<n} x_m or y > max_{m<n} x_m]   (truth outside the first n)
// all in one pass over the members. Members are exchangeable (drawn independently from one
// law), so the first n are a random subsample of size n: these estimate the skill of an
// n-member ensemble from one run. (With GaussianPerturbation::pairs the first n, n even, are
// n/2 centred +- pairs: an n-member paired ensemble, not an independent subsample.) Over the
// points:
//   mean_best_error(i) = (1/N) sum e_n, rms_best_error(i) = sqrt((1/N) sum e_n^2),
//   outlier_rate(i) = (1/N) sum outlier_n, against expected_outlier_rate(i) = 2/(n + 1), the
//   rate when truth and members are exchangeable (the truth's rank is uniform on n + 1 places;
//   Talagrand et al. 1997, ECMWF Workshop on Predictability; see also ScoreAccumulator).
// A point with fewer than n members (diverged members left out) does not count for size n.
// Sums are ExactSums and counts integers: add() in any order and merge() in any grouping give
// identical bits (DESIGN invariant 4). Results are quiet NaN with no points.
class BestMemberAccumulator {
 public:
  // `sizes`: strictly increasing, each in [1, members]; members >= 1.
  BestMemberAccumulator(std::size_t members, std::vector<std::size_t> sizes);
  // With default_best_member_sizes(members).
  explicit BestMemberAccumulator(std::size_t members);

  // Adds one point: `values` its finite member values in member order (at most M), `truth`
  // finite. O(values.size()).
  void add(std::span<const double> values, double truth);
  // Adds every point of `other` (same members and sizes, else UsageError); may be *this.
  void merge(const BestMemberAccumulator& other);

  std::size_t members() const { return members_; }
  const std::vector<std::size_t>& sizes() const { return sizes_; }
  // For index i into sizes() (UsageError otherwise):
  std::size_t points(std::size_t i) const;
  double mean_best_error(std::size_t i) const;
  double rms_best_error(std::size_t i) const;
  double outlier_rate(std::size_t i) const;
  double expected_outlier_rate(std::size_t i) const;

  // Appends the whole state (members and sizes included) to `out`.
  void save(ByteWriter& out) const;
  // Replaces the whole state, members and sizes included, with one written by save(): every
  // later result, add() and merge() is bit-identical to the saved object's. RuntimeError on
  // truncated or inconsistent data (sizes not increasing in [1, members], list sizes that
  // disagree, more outliers than points, more points for a larger size); *this is then
  // unchanged.
  void load(ByteReader& in);

 private:
  void check_index(std::size_t i, const char* function) const;

  std::size_t members_;
  std::vector<std::size_t> sizes_;
  std::vector<std::size_t> points_, outliers_;   // [size]
  std::vector<ExactSum> error_, squared_error_;  // [size]
};

}  // namespace butterfly
