// ExceedanceAccumulator: ensemble probabilities of exceeding fixed thresholds, kept as integer
// counts per (members exceeding, observed), giving Brier scores, the Murphy decomposition,
// reliability diagrams and ROC curves that merge exactly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace butterfly {

class ByteWriter;
class ByteReader;

// One bin of a reliability diagram: the points whose forecast probability fell in the bin.
struct ReliabilityBin {
  std::uint64_t count = 0;          // points in the bin
  double forecast_probability = 0;  // mean forecast probability of those points (NaN if empty)
  double observed_frequency = 0;    // fraction of them where the event happened (NaN if empty)
};

// One point of an ROC curve: warn when the forecast probability is >= probability.
struct RocPoint {
  double probability = 0;       // the warning threshold k/M
  double hit_rate = 0;          // warned events / events
  double false_alarm_rate = 0;  // warned non-events / non-events
};

// A monoid over points (one variable, start and grid point at one time) for a list of event
// thresholds. For threshold u, a point with m members of which k exceed u (x > u, strictly)
// forecasts p = k/m, and its truth y gives the outcome o = [y > u]. Only the integer counts
// n(k, m, o) are kept (a sparse map: O(distinct k) memory whatever M), so every result below
// is a function of integers: add() in any order and merge() in any grouping give identical
// bits (DESIGN invariant 4). Thresholds are absolute values; a caller may derive them from
// climatological quantiles. With N points, o-bar = (1/N) sum o:
//   brier_score       BS = (1/N) sum (p - o)^2                       (Brier 1950, MWR 78, 1-3)
//   fair_brier_score  (1/N) sum [(p - o)^2 - k (m - k) / (m^2 (m - 1))]
//                     (Ferro 2014, QJRMS 140, 1917-1923, the fair Brier score; as
//                     SpecsVerification::FairBrier = EnsBrier(R.new = Inf))
//   with bins j = the distinct forecast probabilities f_j (for a fixed M, the M + 1 values
//   k/M), n_j points and observed frequency o_j in bin j (Murphy 1973, J. Appl. Meteor. 12,
//   595-600):
//   reliability       REL = (1/N) sum_j n_j (f_j - o_j)^2
//   resolution        RES = (1/N) sum_j n_j (o_j - o-bar)^2
//   uncertainty       UNC = o-bar (1 - o-bar)
//   and BS = REL - RES + UNC exactly in real arithmetic, since the forecast is constant in
//   each bin (to rounding here: the three terms are exact sums each rounded once).
// All scores are quiet NaN with no points.
class ExceedanceAccumulator {
 public:
  // `members` is the nominal ensemble size M (>= 2): it sets the ROC warning levels k/M.
  // `thresholds` (at least one, finite) are the event thresholds u.
  ExceedanceAccumulator(std::size_t members, std::vector<double> thresholds);

  // Adds one point: its member values in any order (2 <= values.size() <= M, finite; members
  // left out, e.g. diverged, simply lower m) and its finite truth. O(M * thresholds).
  void add(std::span<const double> values, double truth);
  // As add(), from values sorted ascending: O(thresholds * log M).
  void add_sorted(std::span<const double> sorted, double truth);
  // Adds every point of `other` (same M and thresholds, else UsageError); may be *this.
  void merge(const ExceedanceAccumulator& other);

  std::size_t members() const { return members_; }
  const std::vector<double>& thresholds() const { return thresholds_; }
  std::size_t points() const { return points_; }

  // For threshold index t (UsageError if out of range):
  double base_rate(std::size_t t) const;  // o-bar, the observed event frequency
  double brier_score(std::size_t t) const;
  double fair_brier_score(std::size_t t) const;
  double reliability(std::size_t t) const;
  double resolution(std::size_t t) const;
  double uncertainty(std::size_t t) const;

  // Reliability diagram on `bins` (>= 1) equal bins of [0, 1]: bin b holds the points with
  // b/bins <= p < (b+1)/bins (p = 1 in the last bin). bins = M + 1 gives exactly one bin per
  // possible probability k/M (bin k), the bins of the Murphy decomposition.
  std::vector<ReliabilityBin> reliability_diagram(std::size_t t, std::size_t bins) const;
  // The ROC curve (Mason 1982, Aust. Meteor. Mag. 30, 291-303): M + 1 points, for warning
  // levels k/M with k = M, M-1, ..., 0 (hit and false-alarm rates non-decreasing; the last is
  // (1, 1)). A point with m members warns at level k/M when k_p/m >= k/M. Rates are NaN when
  // there are no events (hit rate) or no non-events (false-alarm rate).
  std::vector<RocPoint> roc_curve(std::size_t t) const;
  // Area under roc_curve(t) with (0, 0) prepended, by the trapezoid rule, computed from
  // integer counts: sum_k (F_k - F_{k+1}) (H_k + H_{k+1}) / 2. For a fixed M this equals the
  // Mann-Whitney statistic with ties counted 1/2 (as SpecsVerification::Auc). NaN without
  // events or non-events.
  double roc_area(std::size_t t) const;

  // Appends the whole state (members and thresholds included) to `out`.
  void save(ByteWriter& out) const;
  // Replaces the whole state, members and thresholds included, with one written by save():
  // every later result, add() and merge() is bit-identical to the saved object's.
  // RuntimeError on truncated or inconsistent data (invalid members or thresholds, forecasts
  // k/m beyond M or out of order, counts that do not add up to the points); *this is then
  // unchanged.
  void load(ByteReader& in);

 private:
  // A forecast k exceeding members out of m; ordered by the probability k/m, then by m.
  struct Forecast {
    std::uint64_t k = 0, m = 0;
    bool operator<(const Forecast& other) const;
  };
  using Counts = std::map<Forecast, std::array<std::uint64_t, 2>>;  // [o = 0, o = 1]

  void check_point(std::size_t m, double truth, const char* function) const;
  void count(std::size_t t, std::uint64_t k, std::uint64_t m, double truth);
  const Counts& counts(std::size_t t, const char* function) const;
  double mean_of(double sum) const;

  std::size_t members_;
  std::vector<double> thresholds_;
  std::size_t points_ = 0;
  std::vector<Counts> counts_;  // [threshold]
};

}  // namespace butterfly
