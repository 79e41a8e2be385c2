// Lorenz (1996) model: dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F on a ring of
// N variables. Lorenz, "Predictability: a problem partly solved", ECMWF Seminar 1996.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

class Lorenz96 {
 public:
  static constexpr std::string_view name = "lorenz96";
  static constexpr std::string_view summary =
      "Lorenz (1996) ring of N advected, damped and forced variables (ECMWF Seminar)";
  static constexpr std::string_view time_units = "1 unit = 5 days of atmospheric error growth";
  static constexpr std::array<ParameterSpec, 2> parameters{{
      {"n", 40.0, "number of variables on the ring", "1", true, 4.0, 1e7},
      {"forcing", 8.0, "constant forcing F (chaotic for F > about 5)", "1", false, -1e300},
  }};

  explicit Lorenz96(const ParameterValues<2>& p)
      : n_(static_cast<std::size_t>(p[0])), forcing_(p[1]) {}

  std::size_t dimension() const { return n_; }

  // The fixed point x_i = F with x_0 nudged by 0.01 (Lorenz & Emanuel 1998).
  void default_state(std::span<double> x) const {
    for (std::size_t i = 0; i < n_; ++i) x[i] = forcing_;
    x[0] += 0.01;
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    const std::size_t n = n_;
    // The three wrap-around indices are written out so the main loop has no modulo.
    dxdt[0] = (x[1] - x[n - 2]) * x[n - 1] - x[0] + forcing_;
    dxdt[1] = (x[2] - x[n - 1]) * x[0] - x[1] + forcing_;
    for (std::size_t i = 2; i + 1 < n; ++i) {
      dxdt[i] = (x[i + 1] - x[i - 2]) * x[i - 1] - x[i] + forcing_;
    }
    dxdt[n - 1] = (x[0] - x[n - 3]) * x[n - 2] - x[n - 1] + forcing_;
  }

  // The adjoint of the rhs, out = J(x)^T w: with df_i/dx_{i+1} = x_{i-1},
  // df_i/dx_{i-2} = -x_{i-1}, df_i/dx_{i-1} = x_{i+1} - x_{i-2}, df_i/dx_i = -1,
  //   (J^T w)_j = x_{j-2} w_{j-1} + (x_{j+2} - x_{j-1}) w_{j+1} - x_{j+1} w_{j+2} - w_j
  // (indices mod n); checked by the dot-product test in tests/tangent/adjoint_test.cpp.
  void vjp(const double* x, const double* w, double* out, double /*t*/) const {
    const std::size_t n = n_;
    for (std::size_t j = 0; j < n; ++j) {
      const auto at = [n](std::size_t i, std::size_t plus, std::size_t minus) {
        return (i + n + plus - minus) % n;
      };
      out[j] = x[at(j, 0, 2)] * w[at(j, 0, 1)] +
               (x[at(j, 2, 0)] - x[at(j, 0, 1)]) * w[at(j, 1, 0)] -
               x[at(j, 1, 0)] * w[at(j, 2, 0)] - w[j];
    }
  }

 private:
  std::size_t n_;
  double forcing_;
};

static_assert(DynamicalSystem<Lorenz96>);

}  // namespace butterfly
