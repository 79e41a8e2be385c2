// EnsembleStepper for Ito SDEs with diagonal noise, dx = f(x, t) dt + g(x, t) dW
// (StochasticSystem): Euler-Maruyama and Milstein (Kloeden & Platen 1992, Numerical
// Solution of SDEs, Secs. 10.2-10.3), with every Wiener increment from the counter RNG.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/dual.hpp"
#include "butterfly/core/simd_pack.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/concepts.hpp"

namespace butterfly {

// Euler-Maruyama: x <- x + f(x, t) h + g(x, t) dW (Kloeden & Platen, Sec. 10.2, with
// diagonal noise). Strong order 1/2, weak order 1; strong order 1 for additive noise.
struct EulerMaruyama {
  static constexpr std::string_view name = "euler_maruyama";
  static constexpr double strong_order = 0.5;
  static constexpr double weak_order = 1.0;
};

// Milstein for diagonal noise (Kloeden & Platen, Sec. 10.3, the diagonal-noise
// case): x_i <- x_i + f_i h + g_i dW_i + 1/2 g_i (dg_i/dx_i) (dW_i^2 - h). Strong order 1,
// weak order 1. It requires DIAGONAL noise in Kloeden & Platen's sense: g_i depends on
// x_i only (and t). That is the case in which this formula is the order-1 scheme (other
// cases need Levy areas). dg_i/dx_i is then the i-th tangent of one evaluation of
// diffusion() on Dual inputs with every tangent 1, so diffusion() must be a template
// that also accepts Dual. For additive noise (g independent of x) the correction is
// exactly zero and the result is bit-identical to Euler-Maruyama.
struct Milstein {
  static constexpr std::string_view name = "milstein";
  static constexpr double strong_order = 1.0;
  static constexpr double weak_order = 1.0;
};

// The counter-RNG stream of the step that starts at time t: the global step index
// k = llround(t / dt), taken modulo 2^32. The same step of the same member draws the
// same numbers whichever advance() call, block or lane it is in.
inline std::uint32_t noise_stream(double t, double dt) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(std::llround(t / dt)));
}

namespace stochastic_detail {

// slope[i] = dg_i/dx_i at x (diagonal noise), via one Dual evaluation of diffusion()
// with all tangents 1; duals holds 2 n values.
template <class System>
void diffusion_slope(const System& system, const double* x, double* slope, double t, std::size_t n,
                     Dual* duals) {
  Dual* xd = duals;
  Dual* gd = duals + n;
  for (std::size_t i = 0; i < n; ++i) xd[i] = Dual(x[i], 1.0);
  system.diffusion(static_cast<const Dual*>(xd), gd, t);
  for (std::size_t i = 0; i < n; ++i) slope[i] = gd[i].tangent;
}

// The same lane by lane for a Pack of members.
template <class System>
void diffusion_slope(const System& system, const Pack* x, Pack* slope, double t, std::size_t n,
                     Dual* duals) {
  Dual* xd = duals;
  Dual* gd = duals + n;
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    for (std::size_t i = 0; i < n; ++i) xd[i] = Dual(x[i][lane], 1.0);
    system.diffusion(static_cast<const Dual*>(xd), gd, t);
    for (std::size_t i = 0; i < n; ++i) slope[i][lane] = gd[i].tangent;
  }
}

// One step of Scheme from t to t + h for x (n values of T = double or Pack) with the
// Wiener increments dw (n values, already scaled by sqrt(h)). work holds 3 n values of
// T; duals 2 n Duals (Milstein only).
template <class Scheme, class System, class T>
void step(const System& system, T* x, const T* dw, double t, double h, T* work, std::size_t n,
          Dual* duals) {
  T* f = work;
  T* g = work + n;
  system.rhs(static_cast<const T*>(x), f, t);
  system.diffusion(static_cast<const T*>(x), g, t);
  if constexpr (std::is_same_v<Scheme, EulerMaruyama>) {
    for (std::size_t i = 0; i < n; ++i) x[i] += f[i] * h + g[i] * dw[i];
  } else {
    static_assert(std::is_same_v<Scheme, Milstein>, "unknown SDE scheme");
    static_assert(
        requires(const System& s, const Dual* xd, Dual* gd) { s.diffusion(xd, gd, 0.0); },
        "Milstein needs diffusion() templated over the scalar type (Dual)");
    T* slope = work + 2 * n;
    diffusion_slope(system, static_cast<const T*>(x), slope, t, n, duals);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] += (f[i] * h + g[i] * dw[i]) + 0.5 * g[i] * slope[i] * (dw[i] * dw[i] - h);
    }
  }
}

}  // namespace stochastic_detail

// Advances ensemble blocks and single states of a StochasticSystem with Scheme
// (EulerMaruyama or Milstein), fixed steps of dt. The Wiener increments of member m
// (global id) for the step starting at t are
//   dW = sqrt(dt) * CounterRng(options.seed, m, Purpose::model_noise,
//                              noise_stream(t, dt)).normals(., dimension)
// and the truth (advance on a span) uses m = kTruthMember. They are drawn nowhere else,
// so a member's path is a pure function of (seed, id, step): bit-identical for any
// block size, lane, thread or rank count, and for any split of a run into advance()
// calls. Like ExplicitRkStepper, each Pack-wide column of a block is stepped in a
// contiguous scratch (it stays in L1) with its lanes' draws interleaved into Packs.
template <StochasticSystem System, class Scheme>
class StochasticStepper final : public EnsembleStepper {
 public:
  StochasticStepper(const System& system, const StepperOptions& options)
      : system_(system), options_(options) {}

  std::size_t dimension() const override { return system_.dimension(); }

  void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const override {
    const std::size_t n = system_.dimension();
    const double sqrt_dt = std::sqrt(dt);
    std::vector<Pack> scratch(n * 5);  // x, dW, then 3 n of step work
    Pack* x = scratch.data();
    Pack* dw = x + n;
    Pack* work = dw + n;
    std::vector<double> draws(n);
    std::vector<Dual> duals(2 * n);
    for (std::size_t p = 0; p < block.packs(); ++p) {
      for (std::size_t v = 0; v < n; ++v) {
        std::memcpy(&x[v], block.row(v) + p * kPackWidth, sizeof(Pack));
      }
      const std::uint64_t first = block.first_member() + p * kPackWidth;
      for (std::size_t k = 0; k < steps; ++k) {
        const double t = t0 + static_cast<double>(k) * dt;
        const std::uint32_t stream = noise_stream(t, dt);
        for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
          CounterRng(options_.seed, first + lane, Purpose::model_noise, stream)
              .normals(draws.data(), n);
          for (std::size_t v = 0; v < n; ++v) dw[v][lane] = draws[v] * sqrt_dt;
        }
        stochastic_detail::step<Scheme>(system_, x, static_cast<const Pack*>(dw), t, dt, work, n,
                                        duals.data());
      }
      for (std::size_t v = 0; v < n; ++v) {
        std::memcpy(block.row(v) + p * kPackWidth, &x[v], sizeof(Pack));
      }
    }
  }

  void advance(std::span<double> state, double t0, std::size_t steps, double dt) const override {
    const std::size_t n = system_.dimension();
    const double sqrt_dt = std::sqrt(dt);
    std::vector<double> scratch(n * 4);  // dW, then 3 n of step work
    double* dw = scratch.data();
    double* work = dw + n;
    std::vector<Dual> duals(2 * n);
    for (std::size_t k = 0; k < steps; ++k) {
      const double t = t0 + static_cast<double>(k) * dt;
      CounterRng(options_.seed, kTruthMember, Purpose::model_noise, noise_stream(t, dt))
          .normals(dw, n);
      for (std::size_t v = 0; v < n; ++v) dw[v] *= sqrt_dt;
      stochastic_detail::step<Scheme>(system_, state.data(), static_cast<const double*>(dw), t, dt,
                                      work, n, duals.data());
    }
  }

 private:
  System system_;
  StepperOptions options_;
};

}  // namespace butterfly
