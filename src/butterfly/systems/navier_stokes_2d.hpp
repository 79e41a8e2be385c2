// Incompressible 2-D Navier-Stokes equations in vorticity form on a doubly periodic
// domain, pseudo-spectral with Orszag's 2/3 dealiasing (Canuto, Hussaini, Quarteroni &
// Zang, Spectral Methods in Fluid Dynamics, 1988), split as a SpectralSystem.
#pragma once

#include <Random123/philox.h>
#include <fmt/format.h>

#include <Random123/boxmuller.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numbers>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"
#include "butterfly/systems/spectral_grid.hpp"
#include "butterfly/systems/spectral_system.hpp"

namespace butterfly {

// State: the vorticity w = dv/dx - du/dy on the nx x ny grid of [0, lx) x [0, ly)
// (p = j nx + i). Conventions: the streamfunction solves Lap psi = w and the velocity is
// u = -dpsi/dy, v = dpsi/dx (divergence-free), so that
//   w_t + J(psi, w) = nu Lap w - mu w - nu_h (-Lap)^p w + f_w,   J(a, b) = a_x b_y - a_y b_x,
// with J(psi, w) = u . grad w. In Fourier space psi^ = -w^ / k^2 (psi^_0 = 0) and
//   L(k) = -nu k^2 - mu - nu_h k^(2p),   N(w) = -P[u . grad w] + f^_w,
// where the products are formed on the grid from the 2/3-truncated w^ and truncated
// again (P = SpectralGrid::kept): the kept modes of the product are then alias-free, so the
// advection conserves enstrophy and energy exactly up to rounding,
// sum_k conj(w^_k) N^_k = 0 and sum_k conj(psi^_k) N^_k = 0 (unforced).
// f_w is the optional Kolmogorov forcing, the body force F sin(k_f y) along x with
// k_f = 2 pi n_f / ly: f_w = -F k_f cos(k_f y) (laminar answer u = F sin(k_f y) / (nu k_f^2)).
// Units: lengths such that the default box is 2 pi; velocities in the preset's scale U
// (unit r.m.s. speed, unit peak speed, unit half velocity difference).
class NavierStokes2D {
 public:
  enum class Preset { decaying_turbulence = 0, taylor_green = 1, kelvin_helmholtz = 2 };

  static constexpr std::string_view name = "navier_stokes_2d";
  static constexpr std::string_view summary =
      "Incompressible 2-D Navier-Stokes (vorticity form) on a doubly periodic domain, "
      "pseudo-spectral with 2/3 dealiasing (Canuto et al. 1988)";
  static constexpr std::string_view time_units =
      "lx / (2 pi U): the box length over 2 pi, over the preset's velocity scale U";
  static constexpr std::array<ParameterSpec, 13> parameters{{
      {"preset", 0.0,
       "default state: 0 decaying turbulence, 1 Taylor-Green vortex, 2 Kelvin-Helmholtz double "
       "shear layer",
       "1", true, 0.0, 2.0},
      {"nx", 64.0, "grid points along x (even, >= 16)", "1", true, 16.0, 16384.0},
      {"ny", 64.0, "grid points along y (even, >= 16)", "1", true, 16.0, 16384.0},
      {"lx", 2.0 * std::numbers::pi, "domain length along x", "length unit", false, 1e-300},
      {"ly", 2.0 * std::numbers::pi, "domain length along y", "length unit", false, 1e-300},
      {"nu", 5e-3, "kinematic viscosity nu", "length^2 / time", false, 0.0},
      {"drag", 0.0, "linear (Rayleigh) drag mu", "1 / time", false, 0.0},
      {"hyperviscosity", 0.0, "hyperviscosity nu_h of the term -nu_h (-Lap)^p w",
       "length^(2p) / time", false, 0.0},
      {"hyper_order", 2.0, "order p of the hyperviscosity", "1", true, 2.0, 8.0},
      {"delta", 0.2, "half-thickness of the Kelvin-Helmholtz shear layers (preset 2)",
       "length unit", false, 1e-300},
      {"perturbation", 1e-3,
       "amplitude of the transverse velocity seeding the Kelvin-Helmholtz roll-up (preset 2)",
       "velocity unit"},
      {"forcing", 0.0, "amplitude F of the Kolmogorov body force F sin(k_f y) along x",
       "velocity / time"},
      {"forcing_wavenumber", 4.0, "wave number n_f of the forcing, k_f = 2 pi n_f / ly", "1", true,
       1.0, 8192.0},
  }};
  static constexpr std::string_view default_scheme = "etdrk4";
  // A seventh of the advective (CFL) limit of the default 64^2 turbulence (0.073, see
  // cfl_limit); explicit RK4 on the whole rhs is stable at it too (nu max k^2 = 10).
  static constexpr double default_dt = 0.01;

  // Michalke (1964, J. Fluid Mech. 19, 543): the tanh shear layer u = tanh(y / delta) is most
  // unstable at alpha delta = 0.4446 (growth rate 0.1897 U / delta). Preset 2 seeds the
  // domain wave number nearest to it.
  static constexpr double kMostUnstableAlphaDelta = 0.4446;

  // Throws UsageError naming the key for a grid the transforms or the dealiasing cannot
  // take, negative dissipation, forcing without dissipation or outside the kept modes, and
  // a Kelvin-Helmholtz layer thinner than the grid spacing.
  explicit NavierStokes2D(const ParameterValues<13>& p)
      : grid_(validated_grid(validated(p))),
        preset_(static_cast<Preset>(static_cast<int>(p[0]))),
        nu_(p[5]),
        drag_(p[6]),
        hyperviscosity_(p[7]),
        hyper_order_(static_cast<int>(p[8])),
        delta_(p[9]),
        perturbation_(p[10]),
        forcing_(p[11]),
        forcing_wavenumber_(static_cast<std::size_t>(p[12])) {
    validate_against_grid(p);
    tables_ = std::make_shared<const Tables>(make_tables());
  }

  std::size_t dimension() const { return grid_.points(); }
  const SpectralGrid& grid() const { return grid_; }
  std::size_t fields() const { return 1; }
  std::span<const Complex> linear() const { return tables_->linear; }
  Preset preset() const { return preset_; }

  // The preset's vorticity field:
  //  0 decaying turbulence: every mode with 3 <= |(i, j')| <= 5 (integer wave numbers) gets a
  //    complex Gaussian amplitude drawn from Philox4x32 keyed by the mode alone (so the field
  //    is the same on every grid), scaled to a unit mean square speed <u^2 + v^2> = 1;
  //  1 Taylor-Green vortex: psi = cos(a x) cos(b y) / b, a = 2 pi / lx, b = 2 pi / ly, i.e.
  //    u = cos(a x) sin(b y), w = -(a^2 + b^2) cos(a x) cos(b y) / b (w = -2 cos x cos y in the
  //    2 pi box); its advection vanishes, so it decays as exp(-(nu k^2 + mu + nu_h k^2p) t);
  //  2 Kelvin-Helmholtz double shear layer: u = tanh((y - ly/4) / delta) - tanh((y - 3 ly/4) /
  //    delta) - 1 plus v = perturbation sin(alpha x) with alpha = 2 pi m / lx, m >= 1 the domain
  //    wave number nearest Michalke's most unstable alpha = 0.4446 / delta.
  void default_state(std::span<double> w) const {
    switch (preset_) {
      case Preset::decaying_turbulence:
        turbulence_state(w);
        return;
      case Preset::taylor_green: {
        const double a = 2.0 * std::numbers::pi / grid_.lx();
        const double b = 2.0 * std::numbers::pi / grid_.ly();
        for (std::size_t j = 0; j < grid_.ny(); ++j) {
          for (std::size_t i = 0; i < grid_.nx(); ++i) {
            w[j * grid_.nx() + i] =
                -(a * a + b * b) / b * std::cos(a * grid_.x(i)) * std::cos(b * grid_.y(j));
          }
        }
        return;
      }
      case Preset::kelvin_helmholtz: {
        const double alpha = kelvin_helmholtz_wavenumber();
        const double ly = grid_.ly();
        for (std::size_t j = 0; j < grid_.ny(); ++j) {
          const double y = grid_.y(j);
          const double s1 = 1.0 / std::cosh((y - 0.25 * ly) / delta_);
          const double s2 = 1.0 / std::cosh((y - 0.75 * ly) / delta_);
          const double shear = -(s1 * s1 - s2 * s2) / delta_;  // -dU/dy
          for (std::size_t i = 0; i < grid_.nx(); ++i) {
            w[j * grid_.nx() + i] =
                shear + perturbation_ * alpha * std::cos(alpha * grid_.x(i));  // + dv/dx
          }
        }
        return;
      }
    }
  }

  // The wave number of the Kelvin-Helmholtz seed: 2 pi m / lx, m = max(1, round(0.4446 lx /
  // (2 pi delta))).
  double kelvin_helmholtz_wavenumber() const {
    const double k1 = 2.0 * std::numbers::pi / grid_.lx();
    return k1 * std::max(1.0, std::round(kMostUnstableAlphaDelta / (delta_ * k1)));
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double t) const {
    spectral_rhs(*this, x, dxdt, t);
  }

  // N(w) = -P[u(w) . grad w] + f^_w for kSpectralLanes states (see the class comment).
  void nonlinear(const Complex* w, Complex* n, double /*t*/) const {
    const std::size_t modes = grid_.modes(), points = grid_.points(), lanes = kSpectralLanes;
    thread_local std::vector<Complex> spectral;
    thread_local std::vector<double> physical;
    spectral.resize(4 * modes * lanes);
    physical.resize(4 * points * lanes);
    velocity_and_gradient(w, spectral.data(), physical.data());
    const double* u = physical.data();
    const double* v = u + points * lanes;
    double* wx = physical.data() + 2 * points * lanes;
    const double* wy = wx + points * lanes;
    for (std::size_t i = 0; i < points * lanes; ++i) wx[i] = -(u[i] * wx[i] + v[i] * wy[i]);
    grid_.forward(wx, n);
    truncate(n, tables_->forcing.data());
  }

  // N'(w) dw = -P[u(dw) . grad w + u(w) . grad dw], lane by lane.
  void nonlinear_jvp(const Complex* w, const Complex* dw, Complex* n, double /*t*/) const {
    const std::size_t modes = grid_.modes(), points = grid_.points(), lanes = kSpectralLanes;
    const std::size_t block = points * lanes;
    thread_local std::vector<Complex> spectral;
    thread_local std::vector<double> physical;
    spectral.resize(4 * modes * lanes);
    physical.resize(8 * block);
    velocity_and_gradient(w, spectral.data(), physical.data());
    velocity_and_gradient(dw, spectral.data(), physical.data() + 4 * block);
    const double* u = physical.data();
    const double* v = u + block;
    const double* wx = v + block;
    const double* wy = wx + block;
    double* du = physical.data() + 4 * block;
    const double* dv = du + block;
    const double* dwx = dv + block;
    const double* dwy = dwx + block;
    for (std::size_t i = 0; i < block; ++i) {
      du[i] = -(du[i] * wx[i] + dv[i] * wy[i] + u[i] * dwx[i] + v[i] * dwy[i]);
    }
    grid_.forward(du, n);
    truncate(n, nullptr);
  }

  // Largest stable step of the explicit advection, C / (U_ref |k|_max): |k|_max the largest
  // kept wave number, U_ref the preset's peak speed (3 for the turbulence, whose initial peak
  // is 2.4; max(1, ly / lx) for Taylor-Green; 1.5 for the rolled-up shear layer), raised to
  // the laminar Kolmogorov speed F / (nu k_f^2 + mu + nu_h k_f^2p) when forced. C = 6.5 is
  // calibrated on ETDRK4 runs of the turbulence preset: stable up to dt = 0.08 (64^2, t = 10)
  // and 0.035 (128^2, t = 5), blown up at 0.09 and 0.04, where this gives 0.073 and 0.036.
  // (Explicit RK4 on the whole rhs also needs dt < 2.78 / max |L|.)
  double cfl_limit() const {
    const double kx =
        2.0 * std::numbers::pi * static_cast<double>((grid_.nx() - 1) / 3) / grid_.lx();
    const double ky =
        2.0 * std::numbers::pi * static_cast<double>((grid_.ny() - 1) / 3) / grid_.ly();
    return kCflNumber / (reference_speed() * std::sqrt(kx * kx + ky * ky));
  }
  static constexpr double kCflNumber = 6.5;

  // Grid-point weights of the enstrophy norm: sum_i w_i x_i^2 = integral of w^2 over the box.
  void norm_weights(std::span<double> weights) const {
    const double cell = grid_.lx() * grid_.ly() / static_cast<double>(grid_.points());
    for (double& w : weights) w = cell;
  }

  // Throws UsageError when dt exceeds cfl_limit().
  void check_dt(double dt) const {
    const double limit = cfl_limit();
    if (dt > limit) {
      throw UsageError(fmt::format(
          "integrator.dt: {:g} is too large (CFL limit of the explicit part ~ {:.3g} for these "
          "parameters: advection at speed ~{:g} by the largest kept wave number)",
          dt, limit, reference_speed()));
    }
  }

 private:
  // Per-mode factors of the 2/3-truncated fields: u^ = i ky / k^2 w^, v^ = -i kx / k^2 w^,
  // (w_x)^ = i kx w^, (w_y)^ = i ky w^ (zero for dropped modes), the symbol of L and the
  // forcing's transform.
  struct Tables {
    std::vector<Complex> to_u, to_v, to_wx, to_wy, linear, forcing;
  };

  static SpectralGrid validated_grid(const ParameterValues<13>& p) {
    for (std::size_t k : {std::size_t{1}, std::size_t{2}}) {
      if (!(p[k] >= 16.0 && p[k] <= 16384.0) || std::fmod(p[k], 2.0) != 0.0) {
        throw UsageError(fmt::format("system.{}: must be an even number 16 .. 16384, got {:g}",
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

  // Checks of the values alone (before anything is built from them).
  static const ParameterValues<13>& validated(const ParameterValues<13>& p) {
    if (p[0] != 0.0 && p[0] != 1.0 && p[0] != 2.0) {
      throw UsageError(fmt::format("system.preset: must be 0, 1 or 2, got {:g}", p[0]));
    }
    for (std::size_t k : {std::size_t{5}, std::size_t{6}, std::size_t{7}}) {
      if (!(p[k] >= 0.0) || !std::isfinite(p[k])) {
        throw UsageError(
            fmt::format("system.{}: must be finite and >= 0 (negative dissipation "
                        "is unstable), got {:g}",
                        parameters[k].name, p[k]));
      }
    }
    if (!(p[8] >= 2.0 && p[8] <= 8.0) || p[8] != std::round(p[8])) {
      throw UsageError(
          fmt::format("system.hyper_order: must be an integer 2 .. 8, got {:g}", p[8]));
    }
    if (!(p[9] > 0.0) || !std::isfinite(p[9])) {
      throw UsageError(fmt::format("system.delta: must be finite and positive, got {:g}", p[9]));
    }
    if (!std::isfinite(p[10])) {
      throw UsageError(fmt::format("system.perturbation: must be finite, got {:g}", p[10]));
    }
    if (!std::isfinite(p[11])) {
      throw UsageError(fmt::format("system.forcing: must be finite, got {:g}", p[11]));
    }
    if (!(p[12] >= 1.0 && p[12] <= 8192.0) || p[12] != std::round(p[12])) {
      throw UsageError(
          fmt::format("system.forcing_wavenumber: must be an integer >= 1, got {:g}", p[12]));
    }
    return p;
  }

  // Checks that need the grid.
  void validate_against_grid(const ParameterValues<13>& p) const {
    const double dy = grid_.ly() / static_cast<double>(grid_.ny());
    if (preset_ == Preset::kelvin_helmholtz && p[9] < dy) {
      throw UsageError(fmt::format(
          "system.delta: the shear layer must span at least one grid spacing ly / ny = {:.4g}, "
          "got {:g}",
          dy, p[9]));
    }
    if (forcing_ != 0.0) {
      if (3 * forcing_wavenumber_ >= grid_.ny()) {
        throw UsageError(fmt::format(
            "system.forcing_wavenumber: must be below ny / 3 = {:.4g} (a mode the 2/3 rule "
            "keeps), got {}",
            static_cast<double>(grid_.ny()) / 3.0, forcing_wavenumber_));
      }
      if (nu_ == 0.0 && drag_ == 0.0 && hyperviscosity_ == 0.0) {
        throw UsageError(
            "system.forcing: a forced flow needs dissipation (nu, drag or hyperviscosity > 0)");
      }
    }
  }

  Tables make_tables() const {
    const std::size_t modes = grid_.modes();
    Tables t;
    t.to_u.resize(modes);
    t.to_v.resize(modes);
    t.to_wx.resize(modes);
    t.to_wy.resize(modes);
    t.linear.resize(modes);
    t.forcing.assign(modes, Complex{});
    const Complex i(0.0, 1.0);
    for (std::size_t q = 0; q < modes; ++q) {
      const double kx = grid_.kx(q), ky = grid_.ky(q), k2 = grid_.k2(q);
      t.linear[q] = -nu_ * k2 - drag_ - hyperviscosity_ * std::pow(k2, hyper_order_);
      if (!grid_.kept(q)) continue;
      const double inverse_k2 = q == 0 ? 0.0 : 1.0 / k2;
      t.to_u[q] = i * ky * inverse_k2;
      t.to_v[q] = -i * kx * inverse_k2;
      t.to_wx[q] = i * kx;
      t.to_wy[q] = i * ky;
    }
    if (forcing_ != 0.0) {
      // -F k_f cos(k_f y) = -F k_f (e^{i k_f y} + e^{-i k_f y}) / 2: modes (0, +-n_f) of the
      // unnormalised transform hold -F k_f points / 2.
      const double kf =
          2.0 * std::numbers::pi * static_cast<double>(forcing_wavenumber_) / grid_.ly();
      const double value = -forcing_ * kf * static_cast<double>(grid_.points()) / 2.0;
      const std::size_t half = grid_.nx() / 2 + 1;
      t.forcing[forcing_wavenumber_ * half] = value;
      t.forcing[(grid_.ny() - forcing_wavenumber_) * half] = value;
    }
    return t;
  }

  // u, v, w_x, w_y on the grid (4 lane-interleaved blocks of physical) from the truncated w^.
  void velocity_and_gradient(const Complex* w, Complex* spectral, double* physical) const {
    const Tables& t = *tables_;
    const std::size_t modes = grid_.modes(), lanes = kSpectralLanes;
    const std::size_t block = modes * lanes;
    for (std::size_t q = 0; q < modes; ++q) {
      for (std::size_t l = 0; l < lanes; ++l) {
        const Complex wq = w[q * lanes + l];
        spectral[q * lanes + l] = t.to_u[q] * wq;
        spectral[block + q * lanes + l] = t.to_v[q] * wq;
        spectral[2 * block + q * lanes + l] = t.to_wx[q] * wq;
        spectral[3 * block + q * lanes + l] = t.to_wy[q] * wq;
      }
    }
    for (std::size_t f = 0; f < 4; ++f) {
      grid_.inverse(spectral + f * block, physical + f * grid_.points() * lanes);
    }
  }

  // Zeroes the modes the 2/3 rule drops and adds the forcing (if given) to the kept ones.
  void truncate(Complex* n, const Complex* forcing) const {
    for (std::size_t q = 0; q < grid_.modes(); ++q) {
      for (std::size_t l = 0; l < kSpectralLanes; ++l) {
        Complex& value = n[q * kSpectralLanes + l];
        value = grid_.kept(q) ? value + (forcing ? forcing[q] : Complex{}) : Complex{};
      }
    }
  }

  double reference_speed() const {
    double speed = 3.0;
    if (preset_ == Preset::taylor_green) speed = std::max(1.0, grid_.ly() / grid_.lx());
    if (preset_ == Preset::kelvin_helmholtz) speed = 1.5 + std::abs(perturbation_);
    if (forcing_ != 0.0) {
      const double kf =
          2.0 * std::numbers::pi * static_cast<double>(forcing_wavenumber_) / grid_.ly();
      const double k2 = kf * kf;
      const double damping = nu_ * k2 + drag_ + hyperviscosity_ * std::pow(k2, hyper_order_);
      speed = std::max(speed, std::abs(forcing_) / damping);
    }
    return speed;
  }

  // See default_state, preset 0.
  void turbulence_state(std::span<double> w) const {
    const std::size_t modes = grid_.modes(), lanes = kSpectralLanes, half = grid_.nx() / 2 + 1;
    std::vector<Complex> spectral(modes * lanes);
    const r123::Philox4x32::key_type key = {{0x4e533244u, 0x54757262u}};  // "NS2D", "Turb"
    double mean_square_speed = 0.0;
    const auto index = [&](long i, long j) {
      const long row = j >= 0 ? j : j + static_cast<long>(grid_.ny());
      return static_cast<std::size_t>(row) * half + static_cast<std::size_t>(i);
    };
    const double points = static_cast<double>(grid_.points());
    for (long j = -5; j <= 5; ++j) {
      for (long i = 0; i <= 5; ++i) {
        const long r2 = i * i + j * j;
        if (r2 < 9 || r2 > 25 || (i == 0 && j < 0)) continue;
        const r123::Philox4x32::ctr_type counter = {
            {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), 0u, 0u}};
        const auto bits = r123::Philox4x32()(counter, key);
        const std::uint64_t u0 = (static_cast<std::uint64_t>(bits[1]) << 32) | bits[0];
        const std::uint64_t u1 = (static_cast<std::uint64_t>(bits[3]) << 32) | bits[2];
        const r123::double2 z = r123::boxmuller(u0, u1);
        const Complex value = Complex(z.x, z.y) * points;
        const std::size_t q = index(i, j);
        spectral[q * lanes] = value;
        if (i == 0) spectral[index(0, -j) * lanes] = std::conj(value);  // real field
        // Parseval: <|u|^2> = sum over the full spectrum of |w^ / points|^2 / k^2; the mode
        // and its mirror image (i, j) -> (-i, -j) each count once.
        mean_square_speed += 2.0 * std::norm(value / points) / grid_.k2(q);
      }
    }
    const double scale = 1.0 / std::sqrt(mean_square_speed);
    for (Complex& c : spectral) c *= scale;
    std::vector<double> physical(grid_.points() * lanes);
    grid_.inverse(spectral.data(), physical.data());
    for (std::size_t p = 0; p < grid_.points(); ++p) w[p] = physical[p * lanes];
  }

  SpectralGrid grid_;
  Preset preset_;
  double nu_, drag_, hyperviscosity_;
  int hyper_order_;
  double delta_, perturbation_, forcing_;
  std::size_t forcing_wavenumber_;
  std::shared_ptr<const Tables> tables_;
};

static_assert(SpectralSystem<NavierStokes2D>);

}  // namespace butterfly
