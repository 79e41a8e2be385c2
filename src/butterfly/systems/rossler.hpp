// Rossler (1976) spiral-chaos oscillator: dx/dt = -y - z, dy/dt = x + a y,
// dz/dt = b + z (x - c). Rossler, "An equation for continuous chaos",
// Phys. Lett. A 57, 397-398 (1976).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

class Rossler {
 public:
  static constexpr std::string_view name = "rossler";
  static constexpr std::string_view summary =
      "Rossler (1976) 3-variable spiral-chaos oscillator (Phys. Lett. A 57, 397)";
  static constexpr std::string_view time_units =
      "dimensionless time; one turn around the attractor takes about 5.9 units";
  static constexpr std::array<ParameterSpec, 3> parameters{{
      {"a", 0.2, "growth rate of the (x, y) oscillation: dy/dt = x + a y", "1"},
      {"b", 0.2, "constant feed of z: dz/dt = b + z (x - c)", "1"},
      {"c", 5.7, "threshold of x above which z is excited (chaotic at 5.7)", "1"},
  }};
  static constexpr std::string_view default_scheme = "rk4";

  explicit Rossler(const ParameterValues<3>& p) : a_(p[0]), b_(p[1]), c_(p[2]) {}

  std::size_t dimension() const { return 3; }

  // (1, 1, 1): off the fixed points and inside the attractor's basin; z > 0
  // stays positive for b > 0, since dz/dt = b at z = 0.
  void default_state(std::span<double> x) const {
    x[0] = 1.0;
    x[1] = 1.0;
    x[2] = 1.0;
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    dxdt[0] = -x[1] - x[2];
    dxdt[1] = x[0] + a_ * x[1];
    dxdt[2] = b_ + x[2] * (x[0] - c_);
  }

 private:
  double a_, b_, c_;
};

static_assert(DynamicalSystem<Rossler>);

}  // namespace butterfly
