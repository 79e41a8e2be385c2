// Adds a system's constraint (e.g. Henon-Heiles' energy surface) to any
// stepper: drawn initial states are projected member by member with the
// system's constrain(); stepping is the wrapped scheme's.
#pragma once

#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/concepts.hpp"

namespace butterfly {

template <class System>
requires ConstrainedSystem<System>
class ConstrainedStepper final : public EnsembleStepper {
 public:
  ConstrainedStepper(const System& system, std::unique_ptr<EnsembleStepper> inner)
      : system_(system), inner_(std::move(inner)) {}

  std::size_t dimension() const override { return inner_->dimension(); }
  void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const override {
    inner_->advance(block, t0, steps, dt);
  }
  void advance(std::span<double> state, double t0, std::size_t steps, double dt) const override {
    inner_->advance(state, t0, steps, dt);
  }
  StepperStatistics statistics() const override { return inner_->statistics(); }

  void constrain(std::span<double> state) const override { system_.constrain(state); }
  void constrain(EnsembleBlock& block) const override {
    std::vector<double> state(block.variables());
    for (std::size_t m = 0; m < block.stride(); ++m) {
      for (std::size_t v = 0; v < state.size(); ++v) state[v] = block.at(v, m);
      system_.constrain(state);
      for (std::size_t v = 0; v < state.size(); ++v) block.at(v, m) = state[v];
    }
  }

 private:
  System system_;
  std::unique_ptr<EnsembleStepper> inner_;
};

}  // namespace butterfly
