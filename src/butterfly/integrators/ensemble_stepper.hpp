// Advances whole ensemble blocks (members in SIMD lanes) or single states of a
// registered system with a chosen scheme. The virtual call happens once per
// block and output interval, never inside the member loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

// Settings of the schemes that need more than a step size.
struct StepperOptions {
  double rtol = 1e-6;      // adaptive schemes: relative tolerance per member
  double atol = 1e-9;      // adaptive schemes: absolute tolerance per member
  double dt_min = 1e-12;   // adaptive schemes: a member needing a smaller step fails
  std::uint64_t seed = 0;  // stochastic schemes: key of the model-noise draws
};

// What an adaptive scheme did (zeros for fixed-step schemes).
struct StepperStatistics {
  std::uint64_t accepted_steps = 0;
  std::uint64_t rejected_steps = 0;
  std::uint64_t failed_members = 0;  // could not meet the tolerance at dt_min: set to NaN
};

// Global member id that stochastic schemes use for the truth's own noise.
inline constexpr std::uint64_t kTruthMember = (std::uint64_t{1} << 56) - 1;

class EnsembleStepper {
 public:
  virtual ~EnsembleStepper() = default;
  virtual std::size_t dimension() const = 0;
  // Integrates every member of the block (fixed-step schemes also step the
  // padding lanes, which are never scored) from t0 to
  // t0 + steps dt. Fixed-step schemes take `steps` steps of dt (after step k
  // the time is t0 + k dt); adaptive ones choose their own steps per member
  // and land on t0 + steps dt. A member an adaptive scheme cannot integrate
  // is set to NaN, so the driver reports it by id and leaves it out.
  virtual void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const = 0;
  // The same for one state (the truth), in double precision.
  virtual void advance(std::span<double> state, double t0, std::size_t steps, double dt) const = 0;
  // Projects drawn initial states onto the system's constraint (e.g. an
  // energy surface); identity for unconstrained systems.
  virtual void constrain(EnsembleBlock& /*block*/) const {}
  virtual void constrain(std::span<double> /*state*/) const {}
  // Accepted and rejected steps and failed members so far (adaptive schemes).
  virtual StepperStatistics statistics() const { return {}; }
};

// Schemes accepted by make_stepper.
std::vector<std::string_view> stepper_schemes();

// Binds a system to a scheme ("rk4"). Throws UsageError for an unknown scheme
// or one that does not apply to the system.
std::unique_ptr<EnsembleStepper> make_stepper(const AnySystem& system, std::string_view scheme,
                                              const StepperOptions& options = {});

}  // namespace butterfly
