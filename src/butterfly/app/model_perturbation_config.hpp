// The [model] and [parameters.NAME] settings of a run -> the perturb room's
// ModelPerturbations (SPPT and perturbed parameters).
#pragma once

#include "butterfly/io/experiment_config.hpp"
#include "butterfly/perturb/model_perturbations.hpp"

namespace butterfly {

// Throws UsageError naming parameters.NAME.KEY for an unknown law, a key the
// law does not take, or a missing one.
ModelPerturbations model_perturbations(const ExperimentConfig& config);

}  // namespace butterfly
