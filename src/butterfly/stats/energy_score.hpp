// The energy score of vector-valued ensemble forecasts (the multivariate CRPS): one forecast
// = all variables of one start at one time. Exact below a member limit, above it an unbiased
// estimate over a fixed set of member pairs; partial sums merge exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "butterfly/stats/exact_sum.hpp"

namespace butterfly {

class ByteWriter;
class ByteReader;

// Member ranges given to EnergyScoreForecast::add_members start at multiples of this.
inline constexpr std::size_t kEnergyScoreMemberGroup = 256;

struct EnergyScoreOptions {
  // Up to this many members the pair term runs over all M (M - 1)/2 pairs: O(M^2 d).
  std::size_t exact_limit = 128;
  // Above it, over the M * shifts pairs (m, (m + 2s) mod M), s = 1..shifts: O(M shifts d).
  // Requires exact_limit >= 4 shifts + 1, so that these pairs are distinct (2s < M/2).
  std::size_t shifts = 8;
};

// The terms of one forecast x_1..x_M in R^d against truth y (Gneiting & Raftery 2007, JASA
// 102, 359-378, eq. 22 with beta = 1; the ensemble form of Gneiting et al. 2008, Test 17,
// 211-235):
//   ES      = (1/M) sum_m ||x_m - y|| - 1/(2 M^2)       sum_m sum_m' ||x_m - x_m'||
//   ES_fair = (1/M) sum_m ||x_m - y|| - 1/(2 M (M - 1)) sum_m sum_m' ||x_m - x_m'||
// (the fair form is the fair CRPS of Ferro 2014, QJRMS 140, 1917-1923, carried to d
// dimensions: its pair term is the unbiased U-statistic of E||X - X'||), ||.|| the Euclidean
// norm over the d variables. For d = 1, ES and ES_fair are the CRPS and fair CRPS.
// Above exact_limit members the mean pair distance (all pairs) is replaced by its mean B over
// the fixed pair set {(m, (m + 2s) mod M) : m < M, s = 1..shifts}: ES = A/M - (M - 1)/(2 M) B
// and ES_fair = A/M - B/2, with A = sum_m ||x_m - y||. Each pair consists of two distinct
// members, so for members exchangeable in member order (independent draws, as the twin
// experiment makes them) E[B] = E||X - X'||: both are unbiased for the expected exact scores,
// and the same ensemble always gives the same bits (no random pairs). The sampling error of B
// is O(1/sqrt(M shifts)) on top of the ensemble's own. Partners are an even distance apart, so
// the antithetic members 2k, 2k+1 of GaussianPerturbation::pairs are never paired with each
// other; near partners keep the cost in cache (a member's partners are within 2 shifts).
// Members may be added in any member ranges that start at multiples of
// kEnergyScoreMemberGroup (e.g. one per thread): the distances of each group of that many
// consecutive members (a member's pair distances to m' > m, or to m + 2s, in that order) are
// summed in member order and the group sums go into ExactSums, so the result does not depend
// on the ranges, their order, or their grouping.
class EnergyScoreForecast {
 public:
  // members M >= 2, variables d >= 1; UsageError for invalid options.
  EnergyScoreForecast(std::size_t members, std::size_t variables,
                      const EnergyScoreOptions& options = {});

  // Adds the terms owned by members [first, last), first a multiple of
  // kEnergyScoreMemberGroup: their distances to the truth and the pairs (m, m') of the pair
  // set that start at them. `values` holds all M members, variables
  // outermost: x_m[v] = values[v * M + m] (the ensemble-block layout, members innermost);
  // `truth` holds d values. UsageError on sizes, ranges or non-finite values.
  void add_members(std::span<const double> values, std::span<const double> truth, std::size_t first,
                   std::size_t last);
  // Adds the terms of `other` (same M, d and options, else UsageError); may be *this.
  void merge(const EnergyScoreForecast& other);

  std::size_t members() const { return members_; }
  std::size_t variables() const { return variables_; }
  // True when the pair term is exact (M <= exact_limit).
  bool exact() const { return exact_; }
  // Members added so far (M when complete).
  std::size_t members_added() const { return added_; }
  // Pairs in the pair set: M (M - 1)/2 exact, else M shifts.
  std::uint64_t pairs() const;
  // A/M, and the mean distance over the pair set; need a complete forecast (else UsageError).
  double mean_distance_to_truth() const;
  double mean_pair_distance() const;
  double energy_score() const;
  double energy_score_fair() const;
  const EnergyScoreOptions& options() const { return options_; }

  // Appends the whole state (M, d, options and the partial sums of the members added so far)
  // to `out`.
  void save(ByteWriter& out) const;
  // Replaces the whole state, M, d and options included, with one written by save(): every
  // later result, add_members() and merge() is bit-identical to the saved object's.
  // RuntimeError on truncated or inconsistent data (M < 2, d < 1, invalid options); *this is
  // then unchanged.
  void load(ByteReader& in);

 private:
  void require_complete(const char* function) const;

  std::size_t members_, variables_;
  EnergyScoreOptions options_;
  bool exact_;
  std::size_t added_ = 0;
  ExactSum to_truth_, between_;
};

// A monoid over forecasts: the mean ES and ES_fair over the forecasts added (quiet NaN with
// none). Sums are ExactSums: add() in any order and merge() in any grouping give identical
// bits (DESIGN invariant 4).
class EnergyScoreAccumulator {
 public:
  explicit EnergyScoreAccumulator(const EnergyScoreOptions& options = {});

  // Scores one whole forecast (layout as EnergyScoreForecast::add_members; d = truth.size(),
  // M = values.size() / d).
  void add(std::span<const double> values, std::span<const double> truth);
  // Adds a complete forecast built with the same options (else UsageError).
  void add(const EnergyScoreForecast& forecast);
  // Adds every forecast of `other` (same options, else UsageError); may be *this.
  void merge(const EnergyScoreAccumulator& other);

  std::size_t forecasts() const { return forecasts_; }
  // Forecasts whose pair term was estimated (more than exact_limit members).
  std::size_t estimated_forecasts() const { return estimated_; }
  double energy_score() const;
  double energy_score_fair() const;
  const EnergyScoreOptions& options() const { return options_; }

  // Appends the whole state (options included) to `out`.
  void save(ByteWriter& out) const;
  // Replaces the whole state, options included, with one written by save(): every later
  // result, add() and merge() is bit-identical to the saved object's. RuntimeError on
  // truncated or inconsistent data (invalid options, more estimated forecasts than
  // forecasts); *this is then unchanged.
  void load(ByteReader& in);

 private:
  EnergyScoreOptions options_;
  std::size_t forecasts_ = 0, estimated_ = 0;
  ExactSum score_, score_fair_;
};

}  // namespace butterfly
