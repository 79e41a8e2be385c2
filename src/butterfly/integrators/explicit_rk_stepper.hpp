// EnsembleStepper for explicit Runge-Kutta schemes over any DynamicalSystem:
// each Pack-wide column of a block is copied to a contiguous scratch state,
// stepped there (it stays in L1 cache) and copied back. Every member runs the
// same instructions whatever its block or lane, so results are bit-identical
// for any block size (DESIGN invariant 3).
#pragma once

#include <cstring>
#include <span>
#include <vector>

#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/systems/concepts.hpp"

namespace butterfly {

template <DynamicalSystem System, class Tableau>
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

}  // namespace butterfly
