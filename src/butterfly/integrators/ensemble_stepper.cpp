// Binding of registered systems to schemes.
#include "butterfly/integrators/ensemble_stepper.hpp"

#include <fmt/format.h>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/constrained_stepper.hpp"
#include "butterfly/integrators/dormand_prince_stepper.hpp"
#include "butterfly/integrators/etdrk4_stepper.hpp"
#include "butterfly/integrators/explicit_rk_stepper.hpp"
#include "butterfly/integrators/stochastic_stepper.hpp"
#include "butterfly/integrators/symplectic_stepper.hpp"

namespace butterfly {

std::vector<std::string_view> stepper_schemes() {
  return {ClassicRk4Tableau::name, DormandPrince54Tableau::name,
          Yoshida4::name,          EulerMaruyama::name,
          Milstein::name,          Etdrk4::name};
}

namespace {

std::string scheme_list() {
  std::string names;
  for (std::string_view name : stepper_schemes()) {
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  return names;
}

template <class S>
std::unique_ptr<EnsembleStepper> bind(const S& system, std::string_view scheme,
                                      const StepperOptions& options) {
  if (scheme == ClassicRk4Tableau::name) {
    return std::make_unique<ExplicitRkStepper<S, ClassicRk4Tableau>>(system);
  }
  if (scheme == DormandPrince54Tableau::name) {
    return std::make_unique<DormandPrinceStepper<S>>(system, options);
  }
  if (scheme == Yoshida4::name) {
    if constexpr (SeparableHamiltonian<S>) {
      return std::make_unique<SymplecticStepper<S>>(system);
    } else {
      throw UsageError(
          fmt::format("integrator.scheme: {} needs a separable Hamiltonian system; {} is not one",
                      scheme, S::name));
    }
  }
  if (scheme == EulerMaruyama::name || scheme == Milstein::name) {
    if constexpr (StochasticSystem<S>) {
      if (scheme == EulerMaruyama::name) {
        return std::make_unique<StochasticStepper<S, EulerMaruyama>>(system, options);
      }
      return std::make_unique<StochasticStepper<S, Milstein>>(system, options);
    } else {
      throw UsageError(
          fmt::format("integrator.scheme: {} needs a system with stochastic forcing; {} has none",
                      scheme, S::name));
    }
  }
  if (scheme == Etdrk4::name) {
    if constexpr (SpectralSystem<S>) {
      return std::make_unique<Etdrk4Stepper<S>>(system);
    } else {
      throw UsageError(fmt::format(
          "integrator.scheme: {} needs a spectral system (stiff linear part + nonlinear part); {} "
          "is not one",
          scheme, S::name));
    }
  }
  throw UsageError(fmt::format("integrator.scheme: unknown scheme '{}'; expected one of {}", scheme,
                               scheme_list()));
}

}  // namespace

std::unique_ptr<EnsembleStepper> make_stepper(const AnySystem& system, std::string_view scheme,
                                              const StepperOptions& options) {
  return std::visit(
      [&](const auto& s) -> std::unique_ptr<EnsembleStepper> {
        using S = std::decay_t<decltype(s)>;
        std::unique_ptr<EnsembleStepper> stepper = bind(s, scheme, options);
        if constexpr (ConstrainedSystem<S>) {
          return std::make_unique<ConstrainedStepper<S>>(s, std::move(stepper));
        } else {
          return stepper;
        }
      },
      system);
}

}  // namespace butterfly
