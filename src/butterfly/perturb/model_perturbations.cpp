// Composition of the model-perturbation wrappers around make_stepper's stepper.
#include "butterfly/perturb/model_perturbations.hpp"

#include <string>

#include "butterfly/perturb/parameter_perturbed_stepper.hpp"

namespace butterfly {

std::unique_ptr<EnsembleStepper> wrap_model_perturbations(std::string_view system,
                                                          const ParameterOverrides& nominal,
                                                          std::string_view scheme,
                                                          const StepperOptions& options,
                                                          const ModelPerturbations& perturbations) {
  check_sppt_settings(perturbations.sppt);
  std::unique_ptr<EnsembleStepper> stepper;
  if (perturbations.parameters.empty()) {
    stepper = make_stepper(make_system(system, nominal), scheme, options);
  } else {
    stepper = std::make_unique<ParameterPerturbedStepper>(
        ParameterPerturbation(std::string(system), nominal, perturbations.parameters, options.seed),
        std::string(scheme), options);
  }
  if (perturbations.sppt.sigma > 0.0) {
    SpptSettings sppt = perturbations.sppt;
    sppt.seed = options.seed;
    stepper = std::make_unique<SpptStepper>(std::move(stepper), sppt);
  }
  return stepper;
}

}  // namespace butterfly
