// The predictability horizon: the lead time at which an error curve first
// reaches a chosen fraction of its saturation value (e.g. half), linearly
// interpolated between output times.
#pragma once

#include <optional>
#include <span>

namespace butterfly {

// Returns the first t with error(t) = fraction * saturation, interpolating
// linearly between the bracketing outputs; std::nullopt when the curve never
// gets there. leads and error have the same length and leads increase.
std::optional<double> predictability_horizon(std::span<const double> leads,
                                             std::span<const double> error, double saturation,
                                             double fraction = 0.5);

}  // namespace butterfly
