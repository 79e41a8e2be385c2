// Lorenz (1963) convection model: dx/dt = sigma (y - x), dy/dt = x (rho - z) - y,
// dz/dt = x y - beta z. Lorenz, J. Atmos. Sci. 20, 130-141 (1963).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

class Lorenz63 {
 public:
  static constexpr std::string_view name = "lorenz63";
  static constexpr std::string_view summary =
      "Lorenz (1963) 3-variable convection model (J. Atmos. Sci. 20, 130)";
  static constexpr std::string_view time_units = "dimensionless time";
  static constexpr std::array<ParameterSpec, 3> parameters{{
      {"sigma", 10.0, "Prandtl number", "1", false, 0.0},
      {"rho", 28.0, "Rayleigh number over its critical value", "1", false, 0.0},
      {"beta", 8.0 / 3.0, "aspect-ratio factor of the convection cell", "1", false, 0.0},
  }};

  explicit Lorenz63(const ParameterValues<3>& p) : sigma_(p[0]), rho_(p[1]), beta_(p[2]) {}

  std::size_t dimension() const { return 3; }

  // (1, 1, 1): off the fixed points; spin-up brings it onto the attractor.
  void default_state(std::span<double> x) const {
    x[0] = 1.0;
    x[1] = 1.0;
    x[2] = 1.0;
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    dxdt[0] = sigma_ * (x[1] - x[0]);
    dxdt[1] = x[0] * (rho_ - x[2]) - x[1];
    dxdt[2] = x[0] * x[1] - beta_ * x[2];
  }

 private:
  double sigma_, rho_, beta_;
};

static_assert(DynamicalSystem<Lorenz63>);

}  // namespace butterfly
