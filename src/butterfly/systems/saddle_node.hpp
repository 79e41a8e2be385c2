// Saddle-node (fold) normal form with a slowly ramped control parameter and additive
// noise: the minimal tipping model (Kuehn 2011, Physica D 240, 1020, Sec. 3; Berglund &
// Gentz 2006, Noise-Induced Phenomena in Slow-Fast Dynamical Systems, Sec. 2.2.2).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// dx = (mu(t) - x^2 - cubic x^3) dt + sigma dW,   mu(t) = mu_start - ramp_rate t.
//
// With cubic = 0 this is the normal form: for mu > 0 the stable branch x = +sqrt(mu) and
// the unstable branch x = -sqrt(mu) meet at the fold mu = 0 and vanish; for mu < 0 every
// state escapes to -infinity in finite time. The cubic term (default 0.5) bounds the
// escape without moving the fold: f(0) = mu and f'(0) = 0 still hold exactly, so the
// upper branch (x ~ sqrt(mu) for mu << 1/cubic^2) still disappears at mu = 0, and after
// tipping the state settles near the lower stable state x ~ -1/cubic (for |mu| small).
// For 0 < mu < 4 / (27 cubic^2) the system is bistable.
//
// ramp_rate = 0 is the null system with a fixed mu that never tips (the convention shared
// with the early-warning analysis); ramp_rate > 0 moves towards the fold, which a slow
// deterministic ramp (sigma = 0) crosses with a delay: the jump happens at
// t* = mu_start / ramp_rate + |a1| ramp_rate^(-1/3) (a1 = -2.33811, first zero of Ai; the
// Riccati/Airy solution of the inner problem, Berglund & Gentz 2006 Sec. 2.2.2).
class SaddleNode {
 public:
  static constexpr std::string_view name = "saddle_node";
  static constexpr std::string_view summary =
      "saddle-node normal form dx = (mu_start - ramp_rate t - x^2 - cubic x^3) dt + sigma dW, a "
      "ramped fold with additive noise (Kuehn 2011, Physica D 240, 1020)";
  static constexpr std::string_view time_units =
      "dimensionless; the relaxation time on the upper branch is 1 / (2 sqrt(mu))";
  static constexpr std::string_view default_scheme = "euler_maruyama";
  static constexpr double default_dt = 0.01;
  static constexpr std::array<ParameterSpec, 4> parameters{{
      {"mu_start", 1.0, "control parameter mu at t = 0 (the fold is at mu = 0)", "1"},
      {"ramp_rate", 0.01, "d mu / dt = -ramp_rate; 0 keeps mu fixed (the null system)", "1/time"},
      {"sigma", 0.05, "amplitude of the additive white noise sigma dW", "1/sqrt(time)", false, 0.0},
      {"cubic", 0.5,
       "coefficient of -x^3 that bounds the escape (lower stable state near -1/cubic); 0: pure "
       "normal form, which blows up after the fold",
       "1", false, 0.0},
  }};

  explicit SaddleNode(const ParameterValues<4>& p)
      : mu_start_(p[0]), ramp_rate_(p[1]), sigma_(p[2]), cubic_(p[3]) {}

  std::size_t dimension() const { return 1; }

  // mu(t) = mu_start - ramp_rate t.
  double mu(double t) const { return mu_start_ - ramp_rate_ * t; }

  // The upper stable equilibrium at t = 0: the largest root of mu - x^2 - cubic x^3 (by
  // bisection on [0, sqrt(mu_start)], where it is the only root); 0 when mu_start <= 0.
  void default_state(std::span<double> x) const { x[0] = upper_equilibrium(mu_start_); }

  // The upper stable equilibrium for a frozen mu (0 when there is none, mu <= 0).
  double upper_equilibrium(double mu) const {
    if (mu <= 0.0) return 0.0;
    double lo = 0.0, hi = std::sqrt(mu);  // f(lo) = mu > 0, f(hi) = -cubic mu^1.5 <= 0
    for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (mu - mid * mid - cubic_ * mid * mid * mid > 0.0 ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double t) const {
    dxdt[0] = mu(t) - x[0] * x[0] - cubic_ * (x[0] * x[0] * x[0]);
  }

  template <class T>
  void diffusion(const T* /*x*/, T* g, double /*t*/) const {
    g[0] = T{} + sigma_;
  }

 private:
  double mu_start_, ramp_rate_, sigma_, cubic_;
};

static_assert(DynamicalSystem<SaddleNode>);
static_assert(StochasticSystem<SaddleNode>);

}  // namespace butterfly
