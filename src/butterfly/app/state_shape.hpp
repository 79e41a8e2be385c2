// The shape a system's state takes in the run output: one "var" dimension for
// ODEs, the grid's (field,) (y,) x dimensions with physical coordinates for
// spectral systems, so xarray plots a member's field directly.
#pragma once

#include <vector>

#include "butterfly/app/run_output.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

std::vector<StateDimension> state_shape(const AnySystem& system);

}  // namespace butterfly
