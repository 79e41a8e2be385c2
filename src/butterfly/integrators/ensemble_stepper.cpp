// EnsembleStepper for explicit Runge-Kutta schemes: each Pack-wide column of a
// block is copied to a contiguous scratch state, stepped there (it stays in L1
// cache) and copied back.
#include "butterfly/integrators/ensemble_stepper.hpp"

#include <fmt/format.h>

#include <cstring>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"

namespace butterfly {
namespace {

template <class System, class Tableau>
class ExplicitRkStepper final : public EnsembleStepper {
 public:
  explicit ExplicitRkStepper(const System& system) : system_(system) {}

  std::size_t dimension() const override { return system_.dimension(); }

  void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const override {
    const std::size_t n = system_.dimension();
    std::vector<Pack> scratch(n * (Tableau::stages + 2));
    Pack* x = scratch.data();
    Pack* work = x + n;
    for (std::size_t p = 0; p < block.packs(); ++p) {
      for (std::size_t v = 0; v < n; ++v) {
        std::memcpy(&x[v], block.row(v) + p * kPackWidth, sizeof(Pack));
      }
      for (std::size_t k = 0; k < steps; ++k) {
        explicit_rk_step<Tableau>(system_, x, t0 + static_cast<double>(k) * dt, dt, work, n);
      }
      for (std::size_t v = 0; v < n; ++v) {
        std::memcpy(block.row(v) + p * kPackWidth, &x[v], sizeof(Pack));
      }
    }
  }

  void advance(std::span<double> state, double t0, std::size_t steps, double dt) const override {
    const std::size_t n = system_.dimension();
    std::vector<double> work(n * (Tableau::stages + 1));
    for (std::size_t k = 0; k < steps; ++k) {
      explicit_rk_step<Tableau>(system_, state.data(), t0 + static_cast<double>(k) * dt, dt,
                                work.data(), n);
    }
  }

 private:
  System system_;
};

}  // namespace

std::vector<std::string_view> stepper_schemes() { return {ClassicRk4Tableau::name}; }

std::unique_ptr<EnsembleStepper> make_stepper(const AnySystem& system, std::string_view scheme) {
  if (scheme != ClassicRk4Tableau::name) {
    throw UsageError(fmt::format("integrator.scheme: unknown scheme '{}'; expected one of rk4", scheme));
  }
  return std::visit(
      [](const auto& s) -> std::unique_ptr<EnsembleStepper> {
        using S = std::decay_t<decltype(s)>;
        return std::make_unique<ExplicitRkStepper<S, ClassicRk4Tableau>>(s);
      },
      system);
}

}  // namespace butterfly
