// Kuramoto-Sivashinsky equation u_t = -u u_x - u_xx - u_xxxx on [0, L) periodic, Fourier
// pseudo-spectral with 2/3 dealiasing: L = k^2 - k^4, N(u) = -(i k / 2) FFT(u^2). Kassam &
// Trefethen, SIAM J. Sci. Comput. 26, 1214 (2005), and their kursiv.m.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
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

// Defaults are Kassam & Trefethen's demonstration (L = 32 pi, N = 128, h = 1/4,
// u0 = cos(x/16)(1 + sin(x/16))): a wide domain in extensive spatio-temporal chaos, where
// ensembles have room to spread, reproducible from the paper's own script. The small cell of
// the periodic-orbit and Lyapunov literature is --set system.length=22 --set system.nx=64.
// With the 2/3 rule, N = 128 keeps |k| < 2.67 on L = 32 pi: Kassam & Trefethen's trajectory
// then differs from the N = 512 one by 8e-7 at t = 5 and (N = 256) by 7e-3 at t = 10
// (measured with scipy's DOP853); take nx = 256 where the PDE's own trajectory matters.
class KuramotoSivashinsky {
 public:
  static constexpr std::string_view name = "kuramoto_sivashinsky";
  static constexpr std::string_view summary =
      "Kuramoto-Sivashinsky u_t = -u u_x - u_xx - u_xxxx, periodic, Fourier pseudo-spectral "
      "with 2/3 dealiasing (Kassam & Trefethen 2005)";
  static constexpr std::string_view time_units =
      "nondimensional; the fastest linear growth rate (k = 1/sqrt 2) is 1/4 per unit";
  static constexpr std::array<ParameterSpec, 2> parameters{{
      {"nx", 128.0, "grid points (even)", "1", true, 8.0, 1048576.0},
      {"length", 32.0 * std::numbers::pi, "domain length L (the chaos literature's small cell: 22)",
       "1", false, 0.0},
  }};
  static constexpr std::string_view default_scheme = "etdrk4";
  static constexpr double default_dt = 0.25;

  // The smallest wavenumber the dealiased grid must reach. Measured (t = 100..900, h = 1/4):
  // grids whose last kept mode is k <= 1.63 blow up (L = 32 pi, nx <= 64) or reach |u| = 12
  // (L = 22, nx = 16, k = 1.43), while k >= 1.94 gives rms u and max |u| within 3 % of
  // nx = 256. At k = 1.9 the damping k^4 - k^2 is 38 times the fastest growth rate 1/4.
  static constexpr double kResolvedWavenumber = 1.9;

  explicit KuramotoSivashinsky(const ParameterValues<2>& p)
      : grid_(checked_nx(p[0], p[1]), 1, checked_length(p[1]), 1.0) {
    auto tables = std::make_shared<Tables>();
    const std::size_t modes = grid_.modes();
    tables->linear.resize(modes);
    tables->k_kept.resize(modes);
    for (std::size_t q = 0; q < modes; ++q) {
      const double k = grid_.kx(q), k2 = k * k;
      tables->linear[q] = Complex(k2 - k2 * k2, 0.0);
      tables->k_kept[q] = grid_.kept(q) ? k : 0.0;
    }
    tables_ = std::move(tables);
  }

  std::size_t dimension() const { return grid_.points(); }
  const SpectralGrid& grid() const { return grid_; }
  std::size_t fields() const { return 1; }
  std::span<const Complex> linear() const { return tables_->linear; }

  // u0 = cos(2 pi x / L) (1 + sin(2 pi x / L)): Kassam & Trefethen's cos(x/16)(1 + sin(x/16))
  // for L = 32 pi, scaled to the domain.
  void default_state(std::span<double> x) const {
    const double scale = 2.0 * std::numbers::pi / grid_.lx();
    for (std::size_t i = 0; i < grid_.nx(); ++i) {
      const double s = scale * grid_.x(i);
      x[i] = std::cos(s) * (1.0 + std::sin(s));
    }
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double t) const {
    spectral_rhs(*this, x, dxdt, t);
  }

  // N(u) = -(i k / 2) FFT((P u)^2) on the kept modes, zero on the others, where P keeps the
  // 2/3-rule modes (Orszag 1971): the product of two dealiased fields is alias-free there.
  void nonlinear(const Complex* u, Complex* n, double /*t*/) const {
    Scratch& s = scratch();
    to_physical_dealiased(u, s.spectral, s.a);
    for (double& v : s.a) v *= v;
    grid_.forward(s.a.data(), s.spectral.data());
    multiply_by_ik(s.spectral.data(), n, -0.5);
  }

  // N'(u) v = -(i k) FFT((P u)(P v)) on the kept modes.
  void nonlinear_jvp(const Complex* u, const Complex* v, Complex* n, double /*t*/) const {
    Scratch& s = scratch();
    to_physical_dealiased(u, s.spectral, s.a);
    to_physical_dealiased(v, s.spectral, s.b);
    for (std::size_t i = 0; i < s.a.size(); ++i) s.a[i] *= s.b[i];
    grid_.forward(s.a.data(), s.spectral.data());
    multiply_by_ik(s.spectral.data(), n, -1.0);
  }

  // J(x)^T w for the whole rhs f(x) = IFFT(L FFT(x) + N(FFT(x))), Euclidean inner product of
  // the grid values: the Fourier multipliers are real-symmetric (L) or flip sign (i k), P is
  // self-adjoint, so
  //   J^T w = IFFT(L FFT(w)) + P((P x) D w),   D w = IFFT(i k FFT(w)) on the kept modes.
  void vjp(const double* x, const double* w, double* out, double /*t*/) const {
    constexpr std::size_t lanes = kSpectralLanes;
    const std::size_t n = grid_.points(), modes = grid_.modes();
    std::vector<double> px(n * lanes, 0.0), pw(n * lanes, 0.0), dw(n * lanes);
    std::vector<Complex> xs(modes * lanes), ws(modes * lanes), ds(modes * lanes);
    for (std::size_t i = 0; i < n; ++i) {
      px[i * lanes] = x[i];
      pw[i * lanes] = w[i];
    }
    grid_.forward(px.data(), xs.data());
    grid_.forward(pw.data(), ws.data());
    to_physical_dealiased(xs.data(), ds, px);  // px = P x
    multiply_by_ik(ws.data(), ds.data(), 1.0);
    grid_.inverse(ds.data(), dw.data());  // dw = D w
    for (std::size_t q = 0; q < modes; ++q) {
      for (std::size_t l = 0; l < lanes; ++l) ws[q * lanes + l] *= tables_->linear[q].real();
    }
    grid_.inverse(ws.data(), pw.data());  // pw = IFFT(L FFT(w))
    for (std::size_t i = 0; i < dw.size(); ++i) dw[i] *= px[i];
    grid_.forward(dw.data(), ds.data());
    to_physical_dealiased(ds.data(), xs, dw);  // dw = P((P x) D w)
    for (std::size_t i = 0; i < n; ++i) out[i] = pw[i * lanes] + dw[i * lanes];
  }

  // Rejects steps above kMaxStableDt. ETDRK4 runs over t = 2000 were stable up to dt = 2 and
  // blew up at dt = 3 (L = 32 pi with N = 128 and 512) and dt = 4 (L = 22, N = 64): the limit
  // comes from the explicit term u u_x near k = 1, so it barely depends on nx or length.
  // (Schemes that are explicit in L as well, rk4, need dt < 2.8 / max |k^2 - k^4| besides.)
  void check_dt(double dt) const {
    if (dt > kMaxStableDt) {
      throw UsageError(fmt::format(
          "integrator.dt: {} is too large for kuramoto_sivashinsky (limit of the explicit part "
          "u u_x ~ {} for any nx and length)",
          dt, kMaxStableDt));
    }
  }
  static constexpr double kMaxStableDt = 2.5;

  // Grid-point weights of the energy norm: sum_i w_i u_i^2 = integral of u^2 over [0, L).
  void norm_weights(std::span<double> w) const {
    for (double& v : w) v = grid_.lx() / static_cast<double>(grid_.nx());
  }

 private:
  struct Tables {
    std::vector<Complex> linear;  // k^2 - k^4
    std::vector<double> k_kept;   // k on the 2/3-rule modes, 0 elsewhere
  };
  struct Scratch {
    std::vector<Complex> spectral;
    std::vector<double> a, b;
  };

  static std::size_t checked_nx(double value, double length) {
    const auto nx = static_cast<std::size_t>(value);
    if (nx % 2 != 0) {
      throw UsageError(
          fmt::format("system.nx: must be even (FFT grid with 2/3 dealiasing), got {}", nx));
    }
    // The last kept mode is i = (nx - 1) / 3 (SpectralGrid::kept: 3 i < nx), k = 2 pi i / L.
    const double needed = std::ceil(kResolvedWavenumber * length / (2.0 * std::numbers::pi));
    if (std::isfinite(length) && length > 0.0 && static_cast<double>((nx - 1) / 3) < needed) {
      const auto least = static_cast<std::size_t>(3.0 * needed + 1.0);
      throw UsageError(fmt::format(
          "system.nx: {} points under-resolve length {:g} (the dealiased modes must reach k = {}); "
          "need nx >= {}",
          nx, length, kResolvedWavenumber, least + least % 2));
    }
    return nx;
  }
  static double checked_length(double length) {
    if (!(std::isfinite(length) && length > 0.0)) {
      throw UsageError(fmt::format("system.length: must be a finite length > 0, got {}", length));
    }
    return length;
  }

  // Per-thread work arrays, sized for this grid: nonlinear() runs concurrently on one system.
  Scratch& scratch() const {
    thread_local Scratch s;
    const std::size_t points = grid_.points() * kSpectralLanes;
    s.spectral.resize(grid_.modes() * kSpectralLanes);
    s.a.resize(points);
    s.b.resize(points);
    return s;
  }

  // physical = IFFT(P u) for kSpectralLanes lanes; spectral is work space.
  void to_physical_dealiased(const Complex* u, std::vector<Complex>& spectral,
                             std::vector<double>& physical) const {
    constexpr std::size_t lanes = kSpectralLanes;
    for (std::size_t q = 0; q < grid_.modes(); ++q) {
      const bool keep = grid_.kept(q);
      for (std::size_t l = 0; l < lanes; ++l) {
        spectral[q * lanes + l] = keep ? u[q * lanes + l] : Complex{};
      }
    }
    grid_.inverse(spectral.data(), physical.data());
  }

  // out = (i c k) in on the kept modes, 0 elsewhere (k_kept is 0 there).
  void multiply_by_ik(const Complex* in, Complex* out, double c) const {
    constexpr std::size_t lanes = kSpectralLanes;
    for (std::size_t q = 0; q < grid_.modes(); ++q) {
      const double ck = c * tables_->k_kept[q];
      for (std::size_t l = 0; l < lanes; ++l) {
        const Complex z = in[q * lanes + l];
        out[q * lanes + l] = Complex(-ck * z.imag(), ck * z.real());
      }
    }
  }

  SpectralGrid grid_;
  std::shared_ptr<const Tables> tables_;
};

static_assert(SpectralSystem<KuramotoSivashinsky>);

}  // namespace butterfly
