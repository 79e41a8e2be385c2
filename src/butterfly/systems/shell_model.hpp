// The Sabra shell model of turbulence: complex shell velocities u_n at wavenumbers
// k_n = k0 lambda^n carrying an energy cascade. L'vov, Podivilov, Pomyalov, Procaccia &
// Vandembroucq, "Improved shell model of turbulence", Phys. Rev. E 58, 1811 (1998).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// For n = 1..N (u_0 = u_{-1} = u_{N+1} = u_{N+2} = 0):
//   du_n/dt = i (a k_{n+1} u_{n+2} u*_{n+1} + b k_n u_{n+1} u*_{n-1} - c k_{n-1} u_{n-1} u_{n-2})
//             - nu k_n^2 u_n + f_n,
// (the model equation of L'vov et al. 1998, arXiv chao-dyn/9803025) with (a, b, c) = (1, -1/2,
// -1/2): a + b + c = 0 makes the nonlinear terms conserve the energy E = sum |u_n|^2 / 2, and the
// second invariant H = sum (a/c)^n |u_n|^2 = sum (-2)^n |u_n|^2 is helicity-like (3D regime). The
// forcing is f = forcing (1 + i) on shell forcing_shell, plus, when noise > 0, the additive white
// noise noise (dW_re + i dW_im) on the same shell (diffusion()).
//
// State: (Re u_1, Im u_1, ..., Re u_N, Im u_N), dimension 2 N.
//
// Schemes. default_scheme is "rk4", which integrates the deterministic part only
// (it ignores diffusion()). With noise > 0 choose integrator.scheme =
// "euler_maruyama" (or "milstein", identical for this additive noise, strong order 1).
//
// Step. default_dt = 2e-5 is set by RK4's viscous stability limit at the last shell of
// the default model: the real-axis stability interval of RK4 is |z| < 2.785, and
// nu k_N^2 = 1e-7 * 2^40 = 1.1e5 gives nu k_N^2 dt = 2.2. That is far below the fastest
// nonlinear time, the Kolmogorov time sqrt(nu / epsilon) ~ 3e-4 (epsilon ~ 1). Other
// shells or nu need dt < 2.785 / (nu k_N^2); viscous_step_limit() gives it.
class ShellModel {
 public:
  static constexpr std::string_view name = "shell_model";
  static constexpr std::string_view summary =
      "Sabra shell model of turbulence, N complex shells k_n = k0 lambda^n "
      "(L'vov et al. 1998, Phys. Rev. E 58, 1811)";
  static constexpr std::string_view time_units =
      "dimensionless; the large-eddy turnover time 1/(k_1 |u_1|) is about 0.4 at the defaults";
  static constexpr std::array<ParameterSpec, 7> parameters{{
      {"shells", 20.0, "number of shells N (state dimension 2 N)", "1", true, 4.0, 40.0},
      {"k0", 1.0, "wavenumber scale: k_n = k0 lambda^n", "1/length", false, 1e-12, 1e12},
      {"lambda", 2.0, "ratio of consecutive shell wavenumbers", "1", false, 1.01, 10.0},
      {"nu", 1e-7, "kinematic viscosity (damping nu k_n^2)", "length^2/time", false, 0.0, 1e300},
      {"forcing", 1.0, "forcing amplitude F: f = F (1 + i) on the forced shell", "length/time^2",
       false, -1e300, 1e300},
      {"forcing_shell", 1.0, "index n of the forced shell (1 = largest scale)", "1", true, 1.0,
       40.0},
      {"noise", 0.0,
       "amplitude s of the additive white noise s (dW_re + i dW_im) on the forced "
       "shell; needs an SDE scheme",
       "length/time^(3/2)", false, 0.0, 1e300},
  }};

  // Coupling coefficients (a, b, c) of L'vov et al. (1998), a + b + c = 0.
  static constexpr std::array<double, 3> coupling{1.0, -0.5, -0.5};

  static constexpr std::string_view default_scheme = "rk4";
  static constexpr double default_dt = 2e-5;

  explicit ShellModel(const ParameterValues<7>& p)
      : shells_(static_cast<std::size_t>(p[0])),
        nu_(p[3]),
        forcing_(p[4]),
        forced_(static_cast<std::size_t>(p[5]) - 1),
        noise_(p[6]),
        k_(shells_),
        damping_(shells_) {
    if (p[5] > p[0]) {
      throw UsageError("system.forcing_shell: must be between 1 and shells = " +
                       std::to_string(shells_) + ", got " + std::to_string(forced_ + 1));
    }
    for (std::size_t j = 0; j < shells_; ++j) {
      k_[j] = p[1] * std::pow(p[2], static_cast<double>(j + 1));
      damping_[j] = nu_ * k_[j] * k_[j];
    }
  }

  std::size_t dimension() const { return 2 * shells_; }
  std::size_t shells() const { return shells_; }
  // k_n for n = 1..N.
  double wavenumber(std::size_t n) const { return k_[n - 1]; }
  // The largest stable RK4 step for the viscous term of the last shell, 2.785 / (nu k_N^2).
  double viscous_step_limit() const { return 2.785 / damping_[shells_ - 1]; }

  // Kolmogorov-like amplitudes |u_n| = u_1 (k_n / k_1)^(-1/3) with phases n radians: a
  // cascade-shaped state from which spin-up reaches the attractor in a few large-eddy
  // times. u_1 = sqrt(|F| / k_1) balances forcing and transfer; with noise only, u_1 =
  // (noise^2 / k_1)^(1/3) (noise^2 is its energy input rate); 1 when unforced. (A state
  // with one excited shell has no nonlinear transfer at all, so zero is no start.)
  void default_state(std::span<double> x) const {
    double u1 = std::sqrt(std::abs(forcing_) / k_[0]);
    if (u1 == 0.0) u1 = std::cbrt(noise_ * noise_ / k_[0]);
    if (u1 == 0.0) u1 = 1.0;
    for (std::size_t j = 0; j < shells_; ++j) {
      const double amplitude = u1 * std::cbrt(k_[0] / k_[j]);
      x[2 * j] = amplitude * std::cos(static_cast<double>(j + 1));
      x[2 * j + 1] = amplitude * std::sin(static_cast<double>(j + 1));
    }
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    const std::size_t n = shells_;
    for (std::size_t j = 0; j < n; ++j) {
      dxdt[2 * j] = -damping_[j] * x[2 * j];
      dxdt[2 * j + 1] = -damping_[j] * x[2 * j + 1];
    }
    dxdt[2 * forced_] += forcing_;
    dxdt[2 * forced_ + 1] += forcing_;
    // i C adds (-Im C, Re C). The three couplings are separate loops over the shells
    // where their partners exist, so the boundary shells need no padding or branches.
    // a k_{n+1} u_{n+2} u*_{n+1}
    for (std::size_t j = 0; j + 2 < n; ++j) {
      const T& p = x[2 * (j + 2)];
      const T& q = x[2 * (j + 2) + 1];
      const T& r = x[2 * (j + 1)];
      const T& s = x[2 * (j + 1) + 1];
      const double w = coupling[0] * k_[j + 1];
      dxdt[2 * j] -= w * (q * r - p * s);
      dxdt[2 * j + 1] += w * (p * r + q * s);
    }
    // b k_n u_{n+1} u*_{n-1}
    for (std::size_t j = 1; j + 1 < n; ++j) {
      const T& p = x[2 * (j + 1)];
      const T& q = x[2 * (j + 1) + 1];
      const T& r = x[2 * (j - 1)];
      const T& s = x[2 * (j - 1) + 1];
      const double w = coupling[1] * k_[j];
      dxdt[2 * j] -= w * (q * r - p * s);
      dxdt[2 * j + 1] += w * (p * r + q * s);
    }
    // -c k_{n-1} u_{n-1} u_{n-2}
    for (std::size_t j = 2; j < n; ++j) {
      const T& p = x[2 * (j - 1)];
      const T& q = x[2 * (j - 1) + 1];
      const T& r = x[2 * (j - 2)];
      const T& s = x[2 * (j - 2) + 1];
      const double w = -coupling[2] * k_[j - 1];
      dxdt[2 * j] -= w * (q * r + p * s);
      dxdt[2 * j + 1] += w * (p * r - q * s);
    }
  }

  // g = noise on (Re, Im) of the forced shell and 0 elsewhere: additive noise, so every
  // SDE scheme is strong order 1 here.
  template <class T>
  void diffusion(const T* /*x*/, T* g, double /*t*/) const {
    for (std::size_t i = 0; i < 2 * shells_; ++i) g[i] = T{};
    g[2 * forced_] = T{} + noise_;
    g[2 * forced_ + 1] = T{} + noise_;
  }

  // E = sum_n |u_n|^2 / 2, conserved by the nonlinear terms (nu = 0, F = 0, noise = 0).
  double invariant(std::span<const double> x) const { return energy(x); }
  double energy(std::span<const double> x) const {
    double e = 0.0;
    for (std::size_t i = 0; i < 2 * shells_; ++i) e += x[i] * x[i];
    return 0.5 * e;
  }
  // H = sum_n (a/c)^n |u_n|^2, the second quadratic invariant of the nonlinear terms.
  double helicity(std::span<const double> x) const {
    double h = 0.0, weight = 1.0;
    for (std::size_t j = 0; j < shells_; ++j) {
      weight *= coupling[0] / coupling[2];
      h += weight * (x[2 * j] * x[2 * j] + x[2 * j + 1] * x[2 * j + 1]);
    }
    return h;
  }
  // Energy input by the deterministic forcing, Re(f u*_F) = F (Re u_F + Im u_F).
  double injection_rate(std::span<const double> x) const {
    return forcing_ * (x[2 * forced_] + x[2 * forced_ + 1]);
  }
  // Viscous dissipation, nu sum_n k_n^2 |u_n|^2.
  double dissipation_rate(std::span<const double> x) const {
    double d = 0.0;
    for (std::size_t j = 0; j < shells_; ++j) {
      d += damping_[j] * (x[2 * j] * x[2 * j] + x[2 * j + 1] * x[2 * j + 1]);
    }
    return d;
  }
  // Im(u*_{n-1} u*_n u_{n+1}) for n = 1..N (0 where a partner is outside 1..N), so that
  // the energy flux from shells <= n to shells > n is
  //   Pi_n = (a + b) k_n triple(n) + a k_{n+1} triple(n + 1)
  // (derived from dE_{<=n}/dt with a + b + c = 0; cf. L'vov et al. 1998), and in the
  // inertial range k_{n} triple(n) = epsilon / (a - c) (zeta_3 = 1).
  double triple_correlator(std::span<const double> x, std::size_t n) const {
    if (n < 2 || n + 1 > shells_) return 0.0;
    const std::size_t j = n - 1;  // 0-based shell of u_n
    const double ar = x[2 * (j - 1)], ai = x[2 * (j - 1) + 1];
    const double br = x[2 * j], bi = x[2 * j + 1];
    const double cr = x[2 * (j + 1)], ci = x[2 * (j + 1) + 1];
    // u*_{n-1} u*_n = (ar br - ai bi) - i (ar bi + ai br); times u_{n+1}, imaginary part:
    return (ar * br - ai * bi) * ci - (ar * bi + ai * br) * cr;
  }
  double energy_flux(std::span<const double> x, std::size_t n) const {
    const double next = n + 1 <= shells_ ? coupling[0] * k_[n] * triple_correlator(x, n + 1) : 0.0;
    return (coupling[0] + coupling[1]) * k_[n - 1] * triple_correlator(x, n) + next;
  }

 private:
  std::size_t shells_;
  double nu_, forcing_;
  std::size_t forced_;  // 0-based
  double noise_;
  std::vector<double> k_;        // k_n, n = 1..N at [n - 1]
  std::vector<double> damping_;  // nu k_n^2
};

static_assert(DynamicalSystem<ShellModel>);
static_assert(StochasticSystem<ShellModel>);

}  // namespace butterfly
