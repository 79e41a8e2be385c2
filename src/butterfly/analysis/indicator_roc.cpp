// ROC curve and area of an indicator's Kendall tau over forced and null series (Boettiger &
// Hastings 2012): sorting both samples once, then counting.
#include "butterfly/analysis/indicator_roc.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace butterfly {
namespace {

std::vector<double> sorted_sample(std::span<const double> values, const char* which) {
  if (values.empty()) {
    throw std::invalid_argument(std::string("roc: the ") + which + " sample is empty");
  }
  std::vector<double> out(values.begin(), values.end());
  for (double v : out) {
    if (!std::isfinite(v)) {
      throw std::invalid_argument(std::string("roc: the ") + which + " sample is not finite");
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

double roc_area(std::span<const double> forced_in, std::span<const double> null_in) {
  const std::vector<double> forced = sorted_sample(forced_in, "forced");
  const std::vector<double> null = sorted_sample(null_in, "null");
  // 2U = sum over forced values of 2 #{null < v} + #{null == v}, in integers.
  std::uint64_t twice_u = 0;
  std::size_t below = 0, upto = 0;
  for (double v : forced) {
    while (below < null.size() && null[below] < v) ++below;
    while (upto < null.size() && null[upto] <= v) ++upto;
    twice_u += 2 * below + (upto - below);
  }
  return static_cast<double>(twice_u) /
         (2.0 * static_cast<double>(forced.size()) * static_cast<double>(null.size()));
}

RocCurve roc_curve(std::span<const double> forced_in, std::span<const double> null_in) {
  std::vector<double> forced = sorted_sample(forced_in, "forced");
  std::vector<double> null = sorted_sample(null_in, "null");
  const double nf = static_cast<double>(forced.size()), nn = static_cast<double>(null.size());
  RocCurve curve;
  curve.threshold.push_back(std::numeric_limits<double>::infinity());
  curve.false_positive_rate.push_back(0.0);
  curve.true_positive_rate.push_back(0.0);
  // Walk both samples from the top: at each distinct value v, everything >= v warns.
  std::size_t f = forced.size(), g = null.size();  // counts of values not yet above threshold
  double area = 0.0;
  while (f > 0 || g > 0) {
    const double v = std::max(f > 0 ? forced[f - 1] : -std::numeric_limits<double>::infinity(),
                              g > 0 ? null[g - 1] : -std::numeric_limits<double>::infinity());
    while (f > 0 && forced[f - 1] == v) --f;
    while (g > 0 && null[g - 1] == v) --g;
    const double tpr = (nf - static_cast<double>(f)) / nf;
    const double fpr = (nn - static_cast<double>(g)) / nn;
    area += (fpr - curve.false_positive_rate.back()) * (tpr + curve.true_positive_rate.back()) / 2;
    curve.threshold.push_back(v);
    curve.false_positive_rate.push_back(fpr);
    curve.true_positive_rate.push_back(tpr);
  }
  curve.area = area;
  return curve;
}

}  // namespace butterfly
