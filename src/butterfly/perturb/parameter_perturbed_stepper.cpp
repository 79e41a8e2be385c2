// Per-member parameters: whole blocks when the members agree, one-member blocks otherwise.
#include "butterfly/perturb/parameter_perturbed_stepper.hpp"

#include <fmt/format.h>

#include <mutex>
#include <utility>

#include "butterfly/core/error.hpp"

namespace butterfly {

ParameterPerturbedStepper::ParameterPerturbedStepper(ParameterPerturbation perturbation,
                                                     std::string scheme,
                                                     const StepperOptions& options)
    : perturbation_(std::move(perturbation)), scheme_(std::move(scheme)), options_(options) {
  const AnySystem system = make_system(perturbation_.system(), perturbation_.nominal());
  nominal_ = make_stepper(system, scheme_, options_);
  dimension_ = nominal_->dimension();
}

const EnsembleStepper& ParameterPerturbedStepper::stepper_for(const std::vector<double>& values,
                                                              std::uint64_t member) const {
  {
    const std::shared_lock lock(mutex_);
    const auto it = cache_.find(values);
    if (it != cache_.end()) return *it->second;
  }
  // Built outside the lock; a racing thread's copy is identical and simply dropped.
  std::unique_ptr<EnsembleStepper> stepper;
  try {
    stepper = make_stepper(make_system(perturbation_.system(), perturbation_.overrides(values)),
                           scheme_, options_);
  } catch (const UsageError& e) {
    std::string drawn;
    for (std::size_t l = 0; l < values.size(); ++l) {
      drawn +=
          fmt::format("{}{} = {:g}", l ? ", " : "", perturbation_.laws()[l].parameter, values[l]);
    }
    throw UsageError(
        fmt::format("parameters: the values drawn for member {} ({}) are not valid ({})", member,
                    drawn, e.what()));
  }
  if (stepper->dimension() != dimension_) {
    throw RuntimeError(fmt::format("perturbed parameters changed the dimension of {} ({} -> {})",
                                   perturbation_.system(), dimension_, stepper->dimension()));
  }
  const std::unique_lock lock(mutex_);
  const auto [it, inserted] = cache_.try_emplace(values, std::move(stepper));
  return *it->second;
}

std::size_t ParameterPerturbedStepper::cached_steppers() const {
  const std::shared_lock lock(mutex_);
  return cache_.size();
}

// apply(stepper, block) on the whole block when its real members share one parameter
// vector, else on one-member copies of each real member (written back afterwards).
template <class Apply>
void ParameterPerturbedStepper::for_each_member(EnsembleBlock& block, Apply apply) const {
  const std::size_t members = block.members();
  const std::size_t n = block.variables();
  if (members == 0) return;
  std::vector<std::vector<double>> values(members);
  bool shared = true;
  for (std::size_t m = 0; m < members; ++m) {
    values[m] = perturbation_.values(block.first_member() + m);
    shared = shared && values[m] == values[0];
  }
  if (shared) {
    apply(stepper_for(values[0], block.first_member()), block);
    return;
  }
  const EnsembleStepper* stepper = nullptr;
  for (std::size_t m = 0; m < members; ++m) {
    if (m == 0 || values[m] != values[m - 1])
      stepper = &stepper_for(values[m], block.first_member() + m);
    EnsembleBlock one(n, 1, block.first_member() + m);
    // The member in every lane, so the padding lanes hold a valid state too.
    for (std::size_t v = 0; v < n; ++v) {
      for (std::size_t lane = 0; lane < one.stride(); ++lane) one.at(v, lane) = block.at(v, m);
    }
    apply(*stepper, one);
    for (std::size_t v = 0; v < n; ++v) block.at(v, m) = one.at(v, 0);
  }
}

void ParameterPerturbedStepper::advance(EnsembleBlock& block, double t0, std::size_t steps,
                                        double dt) const {
  for_each_member(block, [&](const EnsembleStepper& stepper, EnsembleBlock& b) {
    stepper.advance(b, t0, steps, dt);
  });
}

void ParameterPerturbedStepper::advance(std::span<double> state, double t0, std::size_t steps,
                                        double dt) const {
  nominal_->advance(state, t0, steps, dt);
}

void ParameterPerturbedStepper::constrain(EnsembleBlock& block) const {
  for_each_member(block,
                  [](const EnsembleStepper& stepper, EnsembleBlock& b) { stepper.constrain(b); });
}

StepperStatistics ParameterPerturbedStepper::statistics() const {
  StepperStatistics total = nominal_->statistics();
  const std::shared_lock lock(mutex_);
  for (const auto& [values, stepper] : cache_) {
    const StepperStatistics s = stepper->statistics();
    total.accepted_steps += s.accepted_steps;
    total.rejected_steps += s.rejected_steps;
    total.failed_members += s.failed_members;
  }
  return total;
}

}  // namespace butterfly
