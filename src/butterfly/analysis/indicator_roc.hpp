// How well an early-warning indicator tells a system approaching a tipping point from one that is
// not: the ROC curve of its Kendall tau over many forced and many null series, and its area
// (Boettiger & Hastings 2012, Proc. R. Soc. B 279, 4734, "Early warning signals and the
// prosecutor's fallacy": ROC curves of the Kendall tau under forced and null models).
#pragma once

#include <limits>
#include <span>
#include <vector>

namespace butterfly {

// The ROC curve of the rule "warn when tau >= threshold" over every threshold. Point 0 has
// threshold +inf (no warnings: rates 0, 0); each next point lowers the threshold to the next
// distinct tau of the pooled samples, down to the smallest (every series warns: rates 1, 1).
// true_positive_rate = #{forced tau >= threshold} / n_forced,
// false_positive_rate = #{null tau >= threshold} / n_null.
struct RocCurve {
  std::vector<double> threshold;
  std::vector<double> false_positive_rate;
  std::vector<double> true_positive_rate;
  // Trapezoids under the points: roc_area(forced, null) up to rounding.
  double area = std::numeric_limits<double>::quiet_NaN();
};

// The area under the ROC curve, P(tau_forced > tau_null) + P(tau_forced = tau_null) / 2 =
// U / (n_forced n_null) with U the Mann-Whitney statistic of the forced sample, ties counted
// one half (Hanley & McNeil 1982, Radiology 143, 29: the area is the Wilcoxon-Mann-Whitney
// statistic). Exact: 2U is counted as an integer.
// Both samples non-empty and finite (std::invalid_argument otherwise). O(n log n).
double roc_area(std::span<const double> forced, std::span<const double> null);

// The curve above, with its area.
RocCurve roc_curve(std::span<const double> forced, std::span<const double> null);

}  // namespace butterfly
