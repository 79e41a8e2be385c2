// perturbation.kind of `butterfly run` -> the MemberPerturbation of the twin
// experiment: gaussian, gaussian_correlated (spatial systems), and members in
// the span of flow-dependent vectors: lyapunov, bred, singular.
#pragma once

#include <memory>
#include <span>

#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/io/experiment_config.hpp"
#include "butterfly/perturb/member_perturbation.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

// Null for "gaussian" (the driver's default law). Vectors that need the past
// of the flow (lyapunov, bred) are computed along a shadow of the truth
// trajectory (the same stepper from the same default state, so the same states
// at the starts), over perturbation.cycles intervals of perturbation.cycle_length
// ending at each start: the twin experiment's stand-in for an analysis cycle.
// Throws UsageError naming the key: a kind the system cannot take, a lead-in
// longer than run.spinup, vectors above the dimension, ensemble.initial with a
// flow-dependent kind.
std::shared_ptr<MemberPerturbation> make_member_perturbation(const ExperimentConfig& config,
                                                             const AnySystem& system,
                                                             const EnsembleStepper& stepper,
                                                             std::span<const double> default_state);

}  // namespace butterfly
