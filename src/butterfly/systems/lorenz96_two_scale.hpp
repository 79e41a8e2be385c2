// Lorenz (1996) two-scale model: K slow variables X_k on a ring, each driving J
// fast variables Y_{j,k}, the fast ones forming one ring of K J. Lorenz,
// "Predictability: a problem partly solved", ECMWF Seminar 1996, eqs. (2)-(3).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/core/error.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// State = (X_0 .. X_{K-1}, Y_0 .. Y_{KJ-1}) with Y_{j,k} = Y[k J + j], so the
// fast variables of X_k are one contiguous block and Y_{J,k} = Y_{0,k+1}:
//   dX_k/dt     = -X_{k-1} (X_{k-2} - X_{k+1}) - X_k + F - (h c / b) sum_j Y_{j,k}
//   dY_{j,k}/dt = -c b Y_{j+1,k} (Y_{j+2,k} - Y_{j-1,k}) - c Y_{j,k} + (h c / b) X_k
// with both rings periodic (Lorenz 1996; Wilks 2005, QJRMS 131, 389;
// the same indexing as DAPPER's LorenzUV and the m2lines L96 code).
class Lorenz96TwoScale {
 public:
  static constexpr std::string_view name = "lorenz96_two_scale";
  static constexpr std::string_view summary =
      "Lorenz (1996) two-scale ring: K slow X_k each coupled to J fast Y_{j,k} (ECMWF Seminar)";
  static constexpr std::string_view time_units =
      "1 unit = 5 days (the damping time of the slow X_k, as in Lorenz 1996)";
  static constexpr std::array<ParameterSpec, 6> parameters{{
      {"k", 36.0, "number K of slow variables X_k on the ring", "1", true, 4.0, 1e6},
      {"j", 10.0, "number J of fast variables Y_{j,k} per slow variable", "1", true, 1.0, 1e4},
      {"h", 1.0, "coupling strength between the slow and the fast variables", "1"},
      {"c", 10.0, "time-scale ratio: the fast variables evolve c times faster", "1", false, 0.0},
      {"b", 10.0, "amplitude ratio: the fast variables are about b times smaller", "1"},
      {"forcing", 10.0, "constant forcing F of the slow variables", "1"},
  }};
  static constexpr std::string_view default_scheme = "rk4";
  // DAPPER's step for this setup (mods/LorenzUV/lorenz96.py). RK4 error over
  // 0.05 units, measured at the defaults: 6e-4 here, 1e-2 at dt = 0.01 and
  // 0.5 at dt = 0.02, where the fast ring (rates c b |Y| ~ 10-100) is lost.
  static constexpr double default_dt = 0.005;

  // Throws UsageError for b <= 0: b divides the coupling h c / b.
  explicit Lorenz96TwoScale(const ParameterValues<6>& p)
      : k_(static_cast<std::size_t>(p[0])),
        j_(static_cast<std::size_t>(p[1])),
        c_(p[3]),
        forcing_(p[5]),
        coupling_(p[2] * p[3] / p[4]),
        advection_(p[3] * p[4]) {
    if (!(p[4] > 0.0)) {
      throw UsageError(fmt::format(
          "system.b: must be positive (it divides the coupling h c / b), got {}", p[4]));
    }
  }

  std::size_t dimension() const { return k_ + k_ * j_; }

  // X_k = F with X_0 nudged by 0.01 (as for Lorenz96) and the fast variables
  // at small, unequal values, so that no symmetry holds them on a fixed point.
  void default_state(std::span<double> x) const {
    for (std::size_t k = 0; k < k_; ++k) x[k] = forcing_;
    x[0] += 0.01;
    for (std::size_t i = 0; i < k_ * j_; ++i) {
      x[k_ + i] = 0.01 * static_cast<double>(i % 5) - 0.02;
    }
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    const std::size_t K = k_;
    const std::size_t J = j_;
    const std::size_t n = K * J;
    const T* X = x;
    const T* Y = x + K;
    T* dX = dxdt;
    T* dY = dxdt + K;

    // Slow ring: (X_{k+1} - X_{k-2}) X_{k-1} - X_k + F - (h c / b) sum_j Y_{j,k};
    // the three wrap-around indices are written out so the loop has no modulo.
    for (std::size_t k = 0; k < K; ++k) {
      T fast_sum = Y[k * J];
      for (std::size_t j = 1; j < J; ++j) fast_sum += Y[k * J + j];
      dX[k] = forcing_ - X[k] - coupling_ * fast_sum;
    }
    dX[0] += (X[1] - X[K - 2]) * X[K - 1];
    dX[1] += (X[2] - X[K - 1]) * X[0];
    for (std::size_t k = 2; k + 1 < K; ++k) dX[k] += (X[k + 1] - X[k - 2]) * X[k - 1];
    dX[K - 1] += (X[0] - X[K - 3]) * X[K - 2];

    // Fast ring: c b Y_{i+1} (Y_{i-1} - Y_{i+2}) - c Y_i + (h c / b) X_{i / J}, block
    // by block so X_k is read once; indices 0, n - 2 and n - 1 wrap around.
    for (std::size_t k = 0; k < K; ++k) {
      const T drive = coupling_ * X[k];
      const std::size_t begin = std::max<std::size_t>(k * J, 1);
      const std::size_t end = std::min((k + 1) * J, n - 2);
      for (std::size_t i = begin; i < end; ++i) {
        dY[i] = advection_ * Y[i + 1] * (Y[i - 1] - Y[i + 2]) - c_ * Y[i] + drive;
      }
    }
    dY[0] = advection_ * Y[1] * (Y[n - 1] - Y[2]) - c_ * Y[0] + coupling_ * X[0];
    dY[n - 2] =
        advection_ * Y[n - 1] * (Y[n - 3] - Y[0]) - c_ * Y[n - 2] + coupling_ * X[(n - 2) / J];
    dY[n - 1] = advection_ * Y[0] * (Y[n - 2] - Y[1]) - c_ * Y[n - 1] + coupling_ * X[K - 1];
  }

 private:
  std::size_t k_, j_;
  double c_, forcing_;
  double coupling_;   // h c / b
  double advection_;  // c b
};

static_assert(DynamicalSystem<Lorenz96TwoScale>);

}  // namespace butterfly
