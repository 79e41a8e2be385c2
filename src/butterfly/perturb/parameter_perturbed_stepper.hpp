// EnsembleStepper in which every member runs with its own drawn parameters
// (ParameterPerturbation); the truth runs with the nominal ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/perturb/parameter_perturbation.hpp"

namespace butterfly {

// Steps each member with the stepper of its parameter vector. A block whose real members
// all share one vector is advanced as a whole by that vector's stepper (padding lanes
// included), so a point law gives exactly the bits of the unperturbed run of the same
// values; otherwise each real member goes through a one-member block
// EnsembleBlock(variables, 1, global id) with its own stepper (padding lanes untouched;
// stochastic schemes still key noise by the global id). Steppers are built on first use by
// make_system + make_stepper and cached by parameter vector (thread-safe). A member's bits
// thus depend only on its id and seed: not on blocks, threads or ranks. constrain() uses each
// member's own parameters (e.g. its energy surface).
class ParameterPerturbedStepper final : public EnsembleStepper {
 public:
  // Throws UsageError when the scheme does not apply to the system (from make_stepper).
  ParameterPerturbedStepper(ParameterPerturbation perturbation, std::string scheme,
                            const StepperOptions& options);

  std::size_t dimension() const override { return dimension_; }
  void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const override;
  // The truth: nominal parameters.
  void advance(std::span<double> state, double t0, std::size_t steps, double dt) const override;
  void constrain(EnsembleBlock& block) const override;
  void constrain(std::span<double> state) const override { nominal_->constrain(state); }
  // Summed over the nominal and every cached stepper.
  StepperStatistics statistics() const override;

  const ParameterPerturbation& perturbation() const { return perturbation_; }
  std::size_t cached_steppers() const;

 private:
  // The cached stepper of `values`; a UsageError from the system's constructor is reported
  // with the member that drew them.
  const EnsembleStepper& stepper_for(const std::vector<double>& values, std::uint64_t member) const;
  template <class Apply>
  void for_each_member(EnsembleBlock& block, Apply apply) const;

  ParameterPerturbation perturbation_;
  std::string scheme_;
  StepperOptions options_;
  std::unique_ptr<EnsembleStepper> nominal_;
  std::size_t dimension_;
  mutable std::shared_mutex mutex_;
  mutable std::map<std::vector<double>, std::unique_ptr<EnsembleStepper>> cache_;
};

}  // namespace butterfly
