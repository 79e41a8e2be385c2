// Model perturbations of an ensemble run in one call: perturbed parameters and SPPT
// wrapped around the stepper that make_stepper would build.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/perturb/parameter_perturbation.hpp"
#include "butterfly/perturb/sppt_stepper.hpp"

namespace butterfly {

struct ModelPerturbations {
  SpptSettings sppt;                     // sppt.sigma = 0: no SPPT (sppt.seed is ignored)
  std::vector<ParameterLaw> parameters;  // empty: every member runs the nominal parameters
};

// The stepper of `system` with the `nominal` overrides and `scheme`, wrapped as
//   SpptStepper(ParameterPerturbedStepper(...))   (either layer only when it is asked for),
// so that x_{n+1} = M_m(x_n) + r_m(n) (M_m(x_n) - x_n) with M_m the model of member m's
// parameters. Both layers draw with options.seed (parameter_draw and tendency_noise
// purposes, so they are independent of each other and of the initial perturbations).
// With neither it returns make_stepper's stepper itself (same bits). The truth runs the
// nominal parameters, unperturbed by SPPT unless sppt.perturb_truth. Throws UsageError for
// bad laws or settings (naming parameters.NAME.FIELD or model.sppt_*).
std::unique_ptr<EnsembleStepper> wrap_model_perturbations(std::string_view system,
                                                          const ParameterOverrides& nominal,
                                                          std::string_view scheme,
                                                          const StepperOptions& options,
                                                          const ModelPerturbations& perturbations);

}  // namespace butterfly
