// Advances whole ensemble blocks (members in SIMD lanes) or single states of a
// registered system with a chosen scheme. The virtual call happens once per
// block and output interval, never inside the member loop.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

class EnsembleStepper {
 public:
  virtual ~EnsembleStepper() = default;
  virtual std::size_t dimension() const = 0;
  // Integrates every member (and padding lane) of the block from t0 over
  // `steps` steps of size dt: after step k the time is t0 + k dt.
  virtual void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const = 0;
  // The same for one state (the truth), in double precision.
  virtual void advance(std::span<double> state, double t0, std::size_t steps, double dt) const = 0;
};

// Schemes accepted by make_stepper.
std::vector<std::string_view> stepper_schemes();

// Binds a system to a scheme ("rk4"). Throws UsageError for an unknown scheme.
std::unique_ptr<EnsembleStepper> make_stepper(const AnySystem& system, std::string_view scheme);

}  // namespace butterfly
