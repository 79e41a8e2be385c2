// Binding of registered systems to schemes.
#include "butterfly/integrators/ensemble_stepper.hpp"

#include <fmt/format.h>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_rk_stepper.hpp"

namespace butterfly {

std::vector<std::string_view> stepper_schemes() { return {ClassicRk4Tableau::name}; }

std::unique_ptr<EnsembleStepper> make_stepper(const AnySystem& system, std::string_view scheme,
                                              const StepperOptions& /*options*/) {
  if (scheme != ClassicRk4Tableau::name) {
    throw UsageError(
        fmt::format("integrator.scheme: unknown scheme '{}'; expected one of rk4", scheme));
  }
  return std::visit(
      [](const auto& s) -> std::unique_ptr<EnsembleStepper> {
        using S = std::decay_t<decltype(s)>;
        return std::make_unique<ExplicitRkStepper<S, ClassicRk4Tableau>>(s);
      },
      system);
}

}  // namespace butterfly
