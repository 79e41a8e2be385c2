// Predictability horizon by linear interpolation of the error curve.
#include "butterfly/analysis/predictability_horizon.hpp"

#include <cmath>

namespace butterfly {

std::optional<double> predictability_horizon(std::span<const double> leads,
                                             std::span<const double> error, double saturation,
                                             double fraction) {
  const double level = fraction * saturation;
  if (!std::isfinite(level) || leads.empty() || leads.size() != error.size()) return std::nullopt;
  if (error[0] >= level) return leads[0];
  for (std::size_t k = 1; k < leads.size(); ++k) {
    if (error[k] >= level) {
      const double w = (level - error[k - 1]) / (error[k] - error[k - 1]);
      return leads[k - 1] + w * (leads[k] - leads[k - 1]);
    }
  }
  return std::nullopt;
}

}  // namespace butterfly
