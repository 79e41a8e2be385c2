// Nine-mode Galerkin model of sinusoidal shear flow between free-slip walls:
// Moehlis, Faisst & Eckhardt, "A low-dimensional model for turbulent shear
// flows", New J. Phys. 6, 56 (2004), amplitude equations (21)-(29).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string_view>

#include "butterfly/core/error.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// State = the amplitudes (a_1 .. a_9) of the paper's nine modes: a_1 the
// laminar profile, a_2 the streak, a_3 the downstream vortex, a_4 .. a_8
// spanwise and oblique waves, a_9 the modification of the mean profile. With
// alpha = 2 pi / Lx, beta = pi / 2, gamma = 2 pi / Lz and the wave numbers
// k_ag = sqrt(alpha^2 + gamma^2), k_bg = sqrt(beta^2 + gamma^2),
// k_abg = sqrt(alpha^2 + beta^2 + gamma^2):
//   da_i/dt = beta^2 / Re delta_i1 - zeta_i a_i / Re + N_i(a),
// where zeta_i are the squared wave numbers of the modes and N_i the quadratic
// advection terms below, which conserve sum_i a_i^2. a = (1, 0, .., 0) is the
// laminar state, linearly stable for every Re; at Re = 400 finite
// perturbations give long turbulent transients that eventually relaminarise.
class ShearFlow9 {
 public:
  static constexpr std::string_view name = "shear_flow_9";
  static constexpr std::string_view summary =
      "Moehlis, Faisst & Eckhardt (2004) nine-mode model of transitional shear flow "
      "(New J. Phys. 6, 56)";
  static constexpr std::string_view time_units =
      "(d/2) / U0: half the gap d between the walls over the laminar velocity U0 a quarter gap "
      "from a wall";
  static constexpr std::array<ParameterSpec, 3> parameters{{
      {"re", 400.0, "Reynolds number U0 (d/2) / nu", "1"},
      {"lx", 4.0 * std::numbers::pi, "downstream length of the periodic domain",
       "d/2 (half the gap)"},
      {"lz", 2.0 * std::numbers::pi, "spanwise width of the periodic domain", "d/2 (half the gap)"},
  }};
  static constexpr std::string_view default_scheme = "rk4";
  // The fastest rates are O(1): RK4 at this step is accurate to 3e-10 over 20
  // time units of the turbulent transient (measured against dt = 0.005).
  static constexpr double default_dt = 0.25;

  // Throws UsageError unless re, lx and lz are positive.
  explicit ShearFlow9(const ParameterValues<3>& p) {
    for (std::size_t i = 0; i < 3; ++i) {
      if (!(p[i] > 0.0)) {
        throw UsageError(
            fmt::format("system.{}: must be positive, got {}", parameters[i].name, p[i]));
      }
    }
    const double re = p[0];
    const double alpha = 2.0 * std::numbers::pi / p[1];
    const double beta = std::numbers::pi / 2.0;
    const double gamma = 2.0 * std::numbers::pi / p[2];
    const double a2 = alpha * alpha, b2 = beta * beta, g2 = gamma * gamma;
    const double k_ag = std::sqrt(a2 + g2);
    const double k_bg = std::sqrt(b2 + g2);
    const double k_abg = std::sqrt(a2 + b2 + g2);
    const double abg = alpha * beta * gamma;
    const double s6 = std::sqrt(6.0);
    const double s32 = std::sqrt(1.5);  // sqrt(3/2)

    forcing_ = b2 / re;
    // Viscous decay rates zeta_i / Re of the nine modes.
    decay_ = {b2 / re,
              (4.0 * b2 / 3.0 + g2) / re,
              (b2 + g2) / re,
              (3.0 * a2 + 4.0 * b2) / (3.0 * re),
              (a2 + b2) / re,
              (3.0 * a2 + 4.0 * b2 + 3.0 * g2) / (3.0 * re),
              (a2 + b2 + g2) / re,
              (a2 + b2 + g2) / re,
              9.0 * b2 / re};

    // Coefficients of the quadratic terms as printed in eqs. (21)-(29); n<i>_<jk>
    // multiplies a_j a_k in da_i/dt (signs are written in rhs).
    Nonlinear& n = n_;
    n.n1_68 = s32 * beta * gamma / k_abg;
    n.n1_23 = s32 * beta * gamma / k_bg;
    n.n2_46 = 5.0 * std::sqrt(2.0) / (3.0 * std::sqrt(3.0)) * g2 / k_ag;
    n.n2_57 = g2 / (s6 * k_ag);
    n.n2_58 = abg / (s6 * k_ag * k_abg);
    n.n2_13 = s32 * beta * gamma / k_bg;
    n.n2_39 = s32 * beta * gamma / k_bg;
    n.n3_47 = 2.0 / s6 * abg / (k_ag * k_bg);  // multiplies (a_4 a_7 + a_5 a_6)
    n.n3_48 = (b2 * (3.0 * a2 + g2) - 3.0 * g2 * (a2 + g2)) / (s6 * k_ag * k_bg * k_abg);
    n.n4_15 = alpha / s6;
    n.n4_26 = 10.0 / (3.0 * s6) * a2 / k_ag;
    n.n4_37 = s32 * abg / (k_ag * k_bg);
    n.n4_38 = s32 * a2 * b2 / (k_ag * k_bg * k_abg);
    n.n4_59 = alpha / s6;
    n.n5_14 = alpha / s6;
    n.n5_27 = a2 / (s6 * k_ag);
    n.n5_28 = abg / (s6 * k_ag * k_abg);
    n.n5_49 = alpha / s6;
    n.n5_36 = 2.0 / s6 * abg / (k_ag * k_bg);
    n.n6_17 = alpha / s6;
    n.n6_18 = s32 * beta * gamma / k_abg;
    n.n6_24 = 10.0 / (3.0 * s6) * (a2 - g2) / k_ag;
    n.n6_35 = 2.0 * std::sqrt(2.0 / 3.0) * abg / (k_ag * k_bg);
    n.n6_79 = alpha / s6;
    n.n6_89 = s32 * beta * gamma / k_abg;
    n.n7_16 = alpha / s6;  // multiplies (a_1 a_6 + a_6 a_9)
    n.n7_25 = (g2 - a2) / (s6 * k_ag);
    n.n7_34 = abg / (s6 * k_ag * k_bg);
    n.n8_25 = 2.0 / s6 * abg / (k_ag * k_abg);
    n.n8_34 = g2 * (3.0 * a2 - b2 + 3.0 * g2) / (s6 * k_ag * k_bg * k_abg);
    n.n9_23 = s32 * beta * gamma / k_bg;
    n.n9_68 = s32 * beta * gamma / k_abg;
  }

  std::size_t dimension() const { return 9; }

  // The perturbed laminar state of Srinivasan et al., Phys. Rev. Fluids 4,
  // 054603 (2019) (a_1 = 1, a_2 = 0.07066, a_3 = -0.07076, a_4 = 0.05): at the
  // defaults it becomes turbulent within about 100 time units.
  void default_state(std::span<double> x) const {
    x[0] = 1.0;
    x[1] = 0.07066;
    x[2] = -0.07076;
    x[3] = 0.05;
    for (std::size_t i = 4; i < 9; ++i) x[i] = 0.0;
  }

  template <class T>
  void rhs(const T* a, T* dadt, double /*t*/) const {
    const Nonlinear& n = n_;
    const T &a1 = a[0], &a2 = a[1], &a3 = a[2], &a4 = a[3], &a5 = a[4], &a6 = a[5], &a7 = a[6],
            &a8 = a[7], &a9 = a[8];
    dadt[0] = forcing_ - decay_[0] * a1 - n.n1_68 * a6 * a8 + n.n1_23 * a2 * a3;
    dadt[1] = n.n2_46 * a4 * a6 - n.n2_57 * a5 * a7 - n.n2_58 * a5 * a8 - n.n2_13 * a1 * a3 -
              n.n2_39 * a3 * a9 - decay_[1] * a2;
    dadt[2] = n.n3_47 * (a4 * a7 + a5 * a6) + n.n3_48 * a4 * a8 - decay_[2] * a3;
    dadt[3] = -n.n4_15 * a1 * a5 - n.n4_26 * a2 * a6 - n.n4_37 * a3 * a7 - n.n4_38 * a3 * a8 -
              n.n4_59 * a5 * a9 - decay_[3] * a4;
    dadt[4] = n.n5_14 * a1 * a4 + n.n5_27 * a2 * a7 - n.n5_28 * a2 * a8 + n.n5_49 * a4 * a9 +
              n.n5_36 * a3 * a6 - decay_[4] * a5;
    dadt[5] = n.n6_17 * a1 * a7 + n.n6_18 * a1 * a8 + n.n6_24 * a2 * a4 - n.n6_35 * a3 * a5 +
              n.n6_79 * a7 * a9 + n.n6_89 * a8 * a9 - decay_[5] * a6;
    dadt[6] =
        -n.n7_16 * (a1 * a6 + a6 * a9) + n.n7_25 * a2 * a5 + n.n7_34 * a3 * a4 - decay_[6] * a7;
    dadt[7] = n.n8_25 * a2 * a5 + n.n8_34 * a3 * a4 - decay_[7] * a8;
    dadt[8] = n.n9_23 * a2 * a3 - n.n9_68 * a6 * a8 - decay_[8] * a9;
  }

 private:
  struct Nonlinear {
    double n1_68, n1_23;
    double n2_46, n2_57, n2_58, n2_13, n2_39;
    double n3_47, n3_48;
    double n4_15, n4_26, n4_37, n4_38, n4_59;
    double n5_14, n5_27, n5_28, n5_49, n5_36;
    double n6_17, n6_18, n6_24, n6_35, n6_79, n6_89;
    double n7_16, n7_25, n7_34;
    double n8_25, n8_34;
    double n9_23, n9_68;
  };

  double forcing_;               // beta^2 / Re, drives a_1 towards the laminar 1
  std::array<double, 9> decay_;  // zeta_i / Re
  Nonlinear n_;
};

static_assert(DynamicalSystem<ShearFlow9>);

}  // namespace butterfly
