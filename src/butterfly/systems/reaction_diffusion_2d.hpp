// The lambda-omega reaction-diffusion system on a doubly periodic rectangle (Kuramoto 1984,
// Chemical Oscillations, Waves, and Turbulence), pseudo-spectral, split as a SpectralSystem:
// rotating spiral waves or defect (spiral) chaos depending on the twist beta.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <memory>
#include <numbers>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"
#include "butterfly/systems/spectral_grid.hpp"
#include "butterfly/systems/spectral_system.hpp"

namespace butterfly {

// State: the fields u(x, y) then v(x, y) on the nx x ny grid of [0, lx) x [0, ly), with
//   u_t = lambda(A) u - omega(A) v + d1 Lap u,   v_t = omega(A) u + lambda(A) v + d2 Lap v,
//   A^2 = u^2 + v^2,   lambda(A) = 1 - A^2,   omega(A) = -beta A^2,
// the form and defaults of Rudy, Brunton, Proctor & Kutz, Sci. Adv. 3, e1602614 (2017),
// Datasets/reaction_diffusion.m of github.com/snagcliffs/PDE-FIND (d1 = d2 = 0.1,
// beta = 1, the square [-10, 10]^2).
// For d1 = d2 = d it is the complex Ginzburg-Landau equation with real diffusion: with
// A = u + i v and x' = x / sqrt(d), A_t = A + Lap' A - (1 + i beta) |A|^2 A, i.e. CGL
// A_t = A + (1 + i b) Lap A - (1 + i c) |A|^2 A (Aranson & Kramer, Rev. Mod. Phys. 74, 99
// (2002), sec. I.A) with b = 0, c = beta: the equation of Chebfun's spin2('gl') (c = 1.5) and,
// mirrored (c3 = -c), of Cross & Greenside's CGL demonstration 8.1 (c3 = 0, 1.25, 2.5). Its
// uniform state oscillates with |A| = 1 and frequency beta; rotating spirals emit waves of
// wave number q and frequency beta (1 - q^2).
// Split: L = -d1 k^2 (field u), -d2 k^2 (field v); N = the reaction terms, evaluated on the
// grid from the 2/3-truncated fields and truncated again (exact for quadratic terms; for
// this cubic reaction it removes the aliases that fold onto the highest modes).
class ReactionDiffusion2D {
 public:
  enum class Preset { spiral = 0, chaos = 1 };

  static constexpr std::string_view name = "reaction_diffusion_2d";
  static constexpr std::string_view summary =
      "Lambda-omega reaction-diffusion (complex Ginzburg-Landau with real diffusion) on a "
      "periodic square: spiral waves or defect chaos (Kuramoto 1984; Rudy et al. 2017)";
  static constexpr std::string_view time_units =
      "1 / (linear growth rate of the oscillation amplitude); the uniform oscillation has "
      "period 2 pi / beta";
  // The twist of the chaos preset: CGL c = 2.5 with b = 0, the largest of Cross & Greenside's
  // demonstration values. Measured here (64^2, d = 0.1, 20 x 20, t = 200): the spirals of the
  // default state keep rotating for beta <= 1.5 and break up into defect chaos (10 to 40
  // defects) for beta >= 1.75.
  static constexpr double kChaosBeta = 2.5;
  static constexpr std::array<ParameterSpec, 8> parameters{{
      {"preset", 0.0,
       "0 spiral (rotating spirals, twist beta), 1 chaos (defect chaos, beta fixed at 2.5)", "1",
       true, 0.0, 1.0},
      {"nx", 64.0, "grid points along x (even, >= 8)", "1", true, 8.0, 16384.0},
      {"ny", 64.0, "grid points along y (even, >= 8)", "1", true, 8.0, 16384.0},
      {"lx", 20.0, "domain length along x", "length unit", false, 1e-300},
      {"ly", 20.0, "domain length along y", "length unit", false, 1e-300},
      {"d1", 0.1, "diffusion coefficient of u", "length^2 / time", false, 0.0},
      {"d2", 0.1, "diffusion coefficient of v", "length^2 / time", false, 0.0},
      {"beta", 1.0,
       "twist beta of omega(A) = -beta A^2 (the CGL c) for preset 0; preset 1 fixes 2.5", "1"},
  }};
  static constexpr std::string_view default_scheme = "etdrk4";
  // A twelfth of the stability limit of the reaction for the chaos preset (0.63, see
  // stability_limit); also stable for explicit RK4 with the diffusion of the default 64^2
  // grid (d max k^2 = 20).
  static constexpr double default_dt = 0.05;

  // Throws UsageError naming the key for a grid the transforms cannot take, negative
  // diffusion, or a beta given together with preset 1 (which fixes it).
  explicit ReactionDiffusion2D(const ParameterValues<8>& p)
      : grid_(validated_grid(p)),
        preset_(p[0] == 1.0 ? Preset::chaos : Preset::spiral),
        beta_(preset_ == Preset::chaos ? kChaosBeta : p[7]) {
    if (p[0] != 0.0 && p[0] != 1.0) {
      throw UsageError(fmt::format("system.preset: must be 0 or 1, got {:g}", p[0]));
    }
    for (std::size_t k : {std::size_t{5}, std::size_t{6}}) {
      if (!(p[k] >= 0.0) || !std::isfinite(p[k])) {
        throw UsageError(fmt::format(
            "system.{}: must be finite and >= 0 (negative diffusion is unstable), got {:g}",
            parameters[k].name, p[k]));
      }
    }
    if (!std::isfinite(p[7])) {
      throw UsageError(fmt::format("system.beta: must be finite, got {:g}", p[7]));
    }
    if (preset_ == Preset::chaos && p[7] != parameters[7].default_value) {
      throw UsageError(fmt::format(
          "system.beta: preset 1 (chaos) fixes beta = {:g}; use preset 0 to choose beta, got {:g}",
          kChaosBeta, p[7]));
    }
    auto symbol = std::make_shared<std::vector<Complex>>(2 * grid_.modes());
    for (std::size_t q = 0; q < grid_.modes(); ++q) {
      (*symbol)[q] = -p[5] * grid_.k2(q);
      (*symbol)[grid_.modes() + q] = -p[6] * grid_.k2(q);
    }
    linear_ = std::move(symbol);
  }

  std::size_t dimension() const { return 2 * grid_.points(); }
  const SpectralGrid& grid() const { return grid_; }
  std::size_t fields() const { return 2; }
  std::span<const Complex> linear() const { return *linear_; }
  Preset preset() const { return preset_; }
  double beta() const { return beta_; }

  // The classic one-armed spiral of the source (both presets): with r, theta the polar
  // coordinates about the centre (lx / 2, ly / 2),
  //   u = tanh(r) cos(theta - r),   v = tanh(r) sin(theta - r).
  // On the periodic box its images make a pair of spirals and a pair of antispirals (total
  // winding zero); the chaos preset breaks them up within about 15 time units.
  void default_state(std::span<double> x) const {
    const std::size_t points = grid_.points();
    for (std::size_t j = 0; j < grid_.ny(); ++j) {
      const double y = grid_.y(j) - 0.5 * grid_.ly();
      for (std::size_t i = 0; i < grid_.nx(); ++i) {
        const double xc = grid_.x(i) - 0.5 * grid_.lx();
        const double r = std::hypot(xc, y);
        const double phase = std::atan2(y, xc) - r;
        x[j * grid_.nx() + i] = std::tanh(r) * std::cos(phase);
        x[points + j * grid_.nx() + i] = std::tanh(r) * std::sin(phase);
      }
    }
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double t) const {
    spectral_rhs(*this, x, dxdt, t);
  }

  // N: the reaction (1 - A^2) u + beta A^2 v, -beta A^2 u + (1 - A^2) v on the grid.
  void nonlinear(const Complex* uv, Complex* n, double /*t*/) const {
    const std::size_t block = grid_.points() * kSpectralLanes;
    thread_local std::vector<Complex> spectral;
    thread_local std::vector<double> physical;
    to_grid(uv, spectral, physical, 0);
    double* u = physical.data();
    double* v = u + block;
    for (std::size_t i = 0; i < block; ++i) {
      const double a2 = u[i] * u[i] + v[i] * v[i];
      const double fu = (1.0 - a2) * u[i] + beta_ * a2 * v[i];
      const double fv = -beta_ * a2 * u[i] + (1.0 - a2) * v[i];
      u[i] = fu;
      v[i] = fv;
    }
    from_grid(u, n);
  }

  // N'(u, v) (du, dv), lane by lane: with s = u du + v dv,
  //   (1 - A^2) du - 2 s u + beta (A^2 dv + 2 s v),   -beta (A^2 du + 2 s u) + (1 - A^2) dv - 2 s
  //   v.
  void nonlinear_jvp(const Complex* uv, const Complex* duv, Complex* n, double /*t*/) const {
    const std::size_t block = grid_.points() * kSpectralLanes;
    thread_local std::vector<Complex> spectral;
    thread_local std::vector<double> physical;
    to_grid(uv, spectral, physical, 0);
    to_grid(duv, spectral, physical, 2);
    double* u = physical.data();
    double* v = u + block;
    double* du = v + block;
    double* dv = du + block;
    for (std::size_t i = 0; i < block; ++i) {
      const double a2 = u[i] * u[i] + v[i] * v[i];
      const double s = u[i] * du[i] + v[i] * dv[i];
      const double fu = (1.0 - a2) * du[i] - 2.0 * s * u[i] + beta_ * (a2 * dv[i] + 2.0 * s * v[i]);
      const double fv =
          -beta_ * (a2 * du[i] + 2.0 * s * u[i]) + (1.0 - a2) * dv[i] - 2.0 * s * v[i];
      du[i] = fu;
      dv[i] = fv;
    }
    from_grid(du, n);
  }

  // Largest stable step of the explicit reaction, C / (1 + 2 sqrt(1 + beta^2)), the bound
  // |1 - A^2| + 2 A^2 |1 + i beta| of its rates for |A| <= 1. C = 4 is calibrated on ETDRK4
  // runs from the default state (64^2): stable up to dt = 1.6 (spiral, t = 150) and 0.65
  // (chaos), blown up at 1.8 and 0.7, where this gives 1.04 and 0.63. (Explicit RK4 on the
  // whole rhs also needs dt < 2.78 / max(d1, d2) k_max^2, 0.14 on the default grid.)
  double stability_limit() const {
    return kStabilityNumber / (1.0 + 2.0 * std::sqrt(1.0 + beta_ * beta_));
  }
  static constexpr double kStabilityNumber = 4.0;

  // Grid-point weights of the norm sum_i w_i x_i^2 = integral of |A|^2 = u^2 + v^2.
  void norm_weights(std::span<double> weights) const {
    const double cell = grid_.lx() * grid_.ly() / static_cast<double>(grid_.points());
    for (double& w : weights) w = cell;
  }

  // Throws UsageError when dt exceeds stability_limit().
  void check_dt(double dt) const {
    const double limit = stability_limit();
    if (dt > limit) {
      throw UsageError(fmt::format(
          "integrator.dt: {:g} is too large (CFL limit of the explicit part ~ {:.3g} for these "
          "parameters: reaction rates up to 1 + 2 sqrt(1 + beta^2) = {:.3g})",
          dt, limit, 1.0 + 2.0 * std::sqrt(1.0 + beta_ * beta_)));
    }
  }

 private:
  static SpectralGrid validated_grid(const ParameterValues<8>& p) {
    for (std::size_t k : {std::size_t{1}, std::size_t{2}}) {
      if (!(p[k] >= 8.0 && p[k] <= 16384.0) || std::fmod(p[k], 2.0) != 0.0) {
        throw UsageError(fmt::format("system.{}: must be an even number 8 .. 16384, got {:g}",
                                     parameters[k].name, p[k]));
      }
    }
    for (std::size_t k : {std::size_t{3}, std::size_t{4}}) {
      if (!(p[k] > 0.0) || !std::isfinite(p[k])) {
        throw UsageError(fmt::format("system.{}: must be finite and positive, got {:g}",
                                     parameters[k].name, p[k]));
      }
    }
    return SpectralGrid(static_cast<std::size_t>(p[1]), static_cast<std::size_t>(p[2]), p[3], p[4]);
  }

  // Both fields of uv, 2/3-truncated, onto the grid: blocks first_block, first_block + 1 of
  // physical (lane-interleaved, points * lanes each).
  void to_grid(const Complex* uv, std::vector<Complex>& spectral, std::vector<double>& physical,
               std::size_t first_block) const {
    const std::size_t modes = grid_.modes(), lanes = kSpectralLanes;
    const std::size_t block = grid_.points() * lanes;
    spectral.resize(modes * lanes);
    physical.resize(std::max(physical.size(), (first_block + 2) * block));
    for (std::size_t f = 0; f < 2; ++f) {
      for (std::size_t q = 0; q < modes; ++q) {
        for (std::size_t l = 0; l < lanes; ++l) {
          spectral[q * lanes + l] = grid_.kept(q) ? uv[(f * modes + q) * lanes + l] : Complex{};
        }
      }
      grid_.inverse(spectral.data(), physical.data() + (first_block + f) * block);
    }
  }

  // Forward transforms of the two lane-interleaved blocks at physical, truncated, into n.
  void from_grid(const double* physical, Complex* n) const {
    const std::size_t modes = grid_.modes(), lanes = kSpectralLanes;
    for (std::size_t f = 0; f < 2; ++f) {
      Complex* out = n + f * modes * lanes;
      grid_.forward(physical + f * grid_.points() * lanes, out);
      for (std::size_t q = 0; q < modes; ++q) {
        if (grid_.kept(q)) continue;
        for (std::size_t l = 0; l < lanes; ++l) out[q * lanes + l] = Complex{};
      }
    }
  }

  SpectralGrid grid_;
  Preset preset_;
  double beta_;
  std::shared_ptr<const std::vector<Complex>> linear_;
};

static_assert(SpectralSystem<ReactionDiffusion2D>);

}  // namespace butterfly
