// Two-layer quasi-geostrophic beta-plane turbulence on a doubly periodic domain, driven by a
// mean baroclinic shear U1 - U2 and damped by bottom drag and small-scale dissipation: the
// QGModel of pyqg (Abernathey et al., github.com/pyqg/pyqg, pyqg/qg_model.py and model.py).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"
#include "butterfly/systems/spectral_grid.hpp"
#include "butterfly/systems/spectral_system.hpp"

namespace butterfly {

// The model (pyqg's QGModel docstring, pyqg/qg_model.py; Vallis 2017, "Atmospheric and Oceanic
// Fluid Dynamics", 2nd ed., ch. 5 and 9): potential vorticity anomalies
//   q1 = lap psi1 + F1 (psi2 - psi1),   q2 = lap psi2 + F2 (psi1 - psi2),
//   F1 = 1 / (rd^2 (1 + delta)),  F2 = delta F1,  delta = H1 / H2,
// evolve by
//   dq1/dt = -J(psi1, q1) - U1 dq1/dx - Qy1 dpsi1/dx                  + L q1,
//   dq2/dt = -J(psi2, q2) - U2 dq2/dx - Qy2 dpsi2/dx - rek lap psi2   + L q2,
// with J(a, b) = a_x b_y - a_y b_x and the mean PV gradients Qy1 = beta + F1 (U1 - U2),
// Qy2 = beta - F2 (U1 - U2). The bottom drag -rek lap psi2 = -rek (relative vorticity) damps
// layer 2 (pyqg's kernel adds rek k^2 psi2h to dq2h/dt).
//
// Split for exponential integrators (SpectralSystem): L is the small-scale dissipation only
// (diagonal, real, the same for both layers); N holds the rest: the Jacobian in flux form,
// -(i kx FFT(u q) + i ky FFT(v q)) with u = -psi_y, v = psi_x (pyqg's kernel), dealiased by
// the 2/3 rule (q is restricted to the kept modes before the products and N is zero outside
// them), the mean-flow advection and beta terms and the drag. The inversion q -> psi is the
// 2x2 solve per mode (pyqg's inversion matrix, det = k^2 (k^2 + F1 + F2); psi = 0 at k = 0):
//   psi1 = -((k^2 + F2) q1 + F1 q2) / det,   psi2 = -(F2 q1 + (k^2 + F1) q2) / det.
// Modes outside the 2/3-rule square carry no dynamics: they only decay under L.
//
// Small-scale dissipation. pyqg multiplies qh by the exponential filter
//   filtr = exp(-filterfac (wvx - cphi)^4) for wvx > cphi (1 otherwise),
//   wvx = sqrt((kx dx)^2 + (ky dy)^2),  cphi = 0.65 pi   (Arbic & Flierl 2003; pyqg model.py)
// after every step of its dt. A step-independent equivalent is the damping rate
//   L = -min(filterfac (wvx - cphi)^4, cap) / filter_time     (0 for wvx <= cphi),
// so that over filter_time (default 7200 s, pyqg's default dt) L damps each mode exactly as
// one application of pyqg's filter wherever that damps by at most e^-cap, cap = 2
// (kFilterExponentCap). Where pyqg's filter is harsher (the corners of the 2/3-rule square,
// wvx > 2.58 rad, where it reaches e^-13.7 per step at nx = 64, and the truncated modes) ours damps
// by e^-2 per filter_time: this keeps explicit RK4 stable for dt < 2.785 / 2 filter_time = 10026 s
// (RK4's real-axis stability interval is 2.785), while the exponential schemes take L exactly. The
// 2/3-rule square itself plays the part of pyqg's filter as a dealiaser (0.65 pi is about the
// 2/3-rule radius 0.667 pi). pyqg itself does not dealias and steps with Adams-Bashforth 3; the
// equations and parameters are the same, the schemes differ.
class QgTwoLayer {
 public:
  static constexpr std::string_view name = "qg_two_layer";
  static constexpr std::string_view summary =
      "Two-layer quasi-geostrophic beta-plane turbulence driven by a baroclinic shear, "
      "doubly periodic, pseudo-spectral (pyqg's QGModel, Abernathey et al.)";
  static constexpr std::string_view time_units =
      "seconds (SI units, as pyqg); the default step 7200 s is pyqg's";
  // Defaults are pyqg's (Model.__init__ in pyqg/model.py: nx = 64, L = 1e6, W = L, dt = 7200,
  // rek = 5.787e-7, filterfac = 23.6; QGModel.__init__ in pyqg/qg_model.py: beta = 1.5e-11,
  // rd = 15000, delta = 0.25, U1 = 0.025, U2 = 0). pyqg's H1 = 500 m only scales its
  // diagnostics, where only delta = H1 / H2 survives, so it is not a parameter here.
  static constexpr std::array<ParameterSpec, 12> parameters{{
      {"nx", 64.0, "grid points in x (even, >= 8)", "1", true, 8.0, 4096.0},
      {"ny", 0.0, "grid points in y (even, >= 8; 0: same as nx, as pyqg's ny=None)", "1", true, 0.0,
       4096.0},
      {"L", 1e6, "domain length in x", "m", false, 0.0},
      {"W", 0.0, "domain length in y (0: same as L, as pyqg's W=None)", "m", false, 0.0},
      {"beta", 1.5e-11, "gradient of the Coriolis parameter", "1/(m s)", false},
      {"rd", 15000.0, "deformation radius (> 0)", "m", false, 0.0},
      {"delta", 0.25, "layer thickness ratio H1/H2 (> 0)", "1", false, 0.0},
      {"U1", 0.025, "mean zonal flow of the upper layer", "m/s", false},
      {"U2", 0.0, "mean zonal flow of the lower layer", "m/s", false},
      {"rek", 5.787e-7, "linear bottom drag on the lower layer", "1/s", false, 0.0},
      {"filterfac", 23.6, "amplitude of pyqg's exponential small-scale filter", "1", false, 0.0},
      {"filter_time", 7200.0,
       "time over which the dissipation damps like one application of pyqg's filter (> 0)", "s",
       false, 0.0},
  }};
  static constexpr std::string_view default_scheme = "etdrk4";
  static constexpr double default_dt = 7200.0;

  // Filter constants of pyqg (model.py, _initialize_filter) and our cap (see above).
  static constexpr double kFilterCutoff = 0.65 * std::numbers::pi;  // cphi, radians per cell
  static constexpr double kFilterExponentCap = 2.0;
  // The default state: pyqg's QGModel start, q1 = 1e-7 noise + 1e-6 noise constant in y, q2 = 0.
  static constexpr double kDefaultNoise = 1e-7;              // s^-1
  static constexpr double kDefaultZonalNoise = 1e-6;         // s^-1
  static constexpr std::uint64_t kDefaultSeed = 0x70797167;  // "pyqg"
  // check_dt's velocity scale: max(|U1|, |U2|) + kEddyVelocityFactor |U1 - U2|. The largest
  // eddy velocity of the statistically steady turbulence at the defaults, sampled monthly, is
  // 0.24 m/s = 9.7 |U1 - U2| at nx = 64 (years 4-8, ETDRK4) and 0.29 m/s = 11.4 |U1 - U2| at
  // nx = 32 (years 5-6, RK4).
  static constexpr double kEddyVelocityFactor = 15.0;
  // Stability radius of RK4 / ETDRK4 on the imaginary axis (2 sqrt 2 for RK4).
  static constexpr double kImaginaryStability = 2.8;

  explicit QgTwoLayer(const ParameterValues<12>& p) {
    const std::size_t nx = checked_points(p[0], "system.nx");
    const std::size_t ny = p[1] == 0.0 ? nx : checked_points(p[1], "system.ny");
    const double lx = checked_positive(p[2], "system.L", "a finite length > 0");
    const double ly = p[3] == 0.0 ? lx : checked_positive(p[3], "system.W", "0 or a length > 0");
    beta_ = p[4];
    rd_ = checked_positive(p[5], "system.rd", "a finite deformation radius > 0");
    delta_ = checked_positive(p[6], "system.delta", "a finite thickness ratio H1/H2 > 0");
    u1_ = p[7];
    u2_ = p[8];
    rek_ = checked_non_negative(p[9], "system.rek");
    const double filterfac = checked_non_negative(p[10], "system.filterfac");
    const double filter_time = checked_positive(p[11], "system.filter_time", "a time > 0");
    if (!std::isfinite(beta_) || !std::isfinite(u1_) || !std::isfinite(u2_)) {
      throw UsageError("system.beta, U1, U2: must be finite");
    }
    f1_ = 1.0 / (rd_ * rd_ * (1.0 + delta_));
    f2_ = delta_ * f1_;
    qy1_ = beta_ + f1_ * (u1_ - u2_);
    qy2_ = beta_ - f2_ * (u1_ - u2_);

    auto t = std::make_shared<Tables>(SpectralGrid(nx, ny, lx, ly));
    const SpectralGrid& g = t->grid;
    const std::size_t modes = g.modes();
    t->kx.resize(modes);
    t->ky.resize(modes);
    t->k2.resize(modes);
    t->keep.resize(modes);
    t->a.resize(4 * modes);
    t->weight.resize(modes);
    t->linear.resize(2 * modes);
    const double dx = lx / static_cast<double>(nx), dy = ly / static_cast<double>(ny);
    double largest_frequency = 0.0, largest_k = 0.0;
    for (std::size_t q = 0; q < modes; ++q) {
      const bool kept = g.kept(q);
      const double kx = g.kx(q), ky = g.ky(q), k2 = g.k2(q);
      t->kx[q] = kept ? kx : 0.0;
      t->ky[q] = kept ? ky : 0.0;
      t->k2[q] = kept ? k2 : 0.0;
      t->keep[q] = kept ? 1.0 : 0.0;
      const double det = k2 * (k2 + f1_ + f2_);
      if (kept && det > 0.0) {
        t->a[4 * q + 0] = -(k2 + f2_) / det;
        t->a[4 * q + 1] = -f1_ / det;
        t->a[4 * q + 2] = -f2_ / det;
        t->a[4 * q + 3] = -(k2 + f1_) / det;
      }
      const std::size_t i = q % (nx / 2 + 1);
      t->weight[q] = (i == 0 || i == nx / 2) ? 1.0 : 2.0;
      const double wvx = std::hypot(kx * dx, ky * dy);
      const double excess = std::max(wvx - kFilterCutoff, 0.0);
      const double exponent =
          std::min(filterfac * excess * excess * excess * excess, kFilterExponentCap);
      t->linear[q] = t->linear[modes + q] = Complex(-exponent / filter_time, 0.0);
      if (kept) {
        largest_frequency = std::max(largest_frequency, linear_frequency(q, *t));
        largest_k = std::max(largest_k, std::sqrt(k2));
      }
    }
    const double velocity =
        std::max(std::abs(u1_), std::abs(u2_)) + kEddyVelocityFactor * std::abs(u1_ - u2_);
    const double fastest = largest_frequency + largest_k * velocity;
    explicit_dt_limit_ = fastest > 0.0 ? kImaginaryStability / fastest : 1e300;
    tables_ = std::move(t);
  }

  std::size_t dimension() const { return 2 * grid().points(); }
  const SpectralGrid& grid() const { return tables_->grid; }
  std::size_t fields() const { return 2; }
  std::span<const Complex> linear() const { return tables_->linear; }

  double f1() const { return f1_; }
  double f2() const { return f2_; }
  // Mean PV gradients Qy1 = beta + F1 (U1 - U2), Qy2 = beta - F2 (U1 - U2).
  double qy1() const { return qy1_; }
  double qy2() const { return qy2_; }
  // Layer weights H1/H and H2/H of the energy (pyqg's del1, del2).
  double del1() const { return delta_ / (1.0 + delta_); }
  double del2() const { return 1.0 / (1.0 + delta_); }
  // The step above which the explicit part (N) is clearly unstable for RK4 / ETDRK4:
  // 2.8 / (largest linear frequency of N + largest kept |k| times the velocity scale).
  double explicit_dt_limit() const { return explicit_dt_limit_; }

  // pyqg's QGModel start (qg_model.py: q1 = 1e-7 rand(ny, nx) + 1e-6 rand(1, nx), q2 = 0)
  // with standard normal draws instead of uniform ones (zero mean), keyed by kDefaultSeed,
  // restricted to the 2/3-rule modes.
  void default_state(std::span<double> x) const {
    const SpectralGrid& g = grid();
    const std::size_t nx = g.nx(), points = g.points();
    std::vector<double> draws(points + nx);
    CounterRng(kDefaultSeed, 0, Purpose::member_perturbation, 0)
        .normals(draws.data(), draws.size());
    std::vector<double> lanes(points * kSpectralLanes, 0.0);
    for (std::size_t p = 0; p < points; ++p) {
      lanes[p * kSpectralLanes] =
          kDefaultNoise * draws[p] + kDefaultZonalNoise * draws[points + p % nx];
    }
    std::vector<Complex> spectral(g.modes() * kSpectralLanes);
    g.forward(lanes.data(), spectral.data());
    for (std::size_t q = 0; q < g.modes(); ++q) {
      if (!g.kept(q) || q == 0) spectral[q * kSpectralLanes] = Complex{};
    }
    g.inverse(spectral.data(), lanes.data());
    for (std::size_t p = 0; p < points; ++p) {
      x[p] = lanes[p * kSpectralLanes];
      x[points + p] = 0.0;
    }
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double t) const {
    spectral_rhs(*this, x, dxdt, t);
  }

  // N(u): the linear terms -i kx (U_i q_i + Qy_i psi_i) (+ rek k^2 psi2 on layer 2) and the
  // dealiased Jacobian -(i kx FFT(u_i q_i) + i ky FFT(v_i q_i)), all on the kept modes.
  void nonlinear(const Complex* u, Complex* n, double /*t*/) const {
    Scratch& s = scratch();
    spectral_fields(u, s.spectral.data(), n);
    to_physical(s.spectral.data(), s.a.data());
    const std::size_t size = grid().points() * kSpectralLanes;
    for (std::size_t layer = 0; layer < 2; ++layer) {
      double* uu = s.a.data() + (3 * layer + 0) * size;
      double* vv = s.a.data() + (3 * layer + 1) * size;
      const double* qq = s.a.data() + (3 * layer + 2) * size;
      for (std::size_t i = 0; i < size; ++i) {
        uu[i] *= qq[i];
        vv[i] *= qq[i];
      }
    }
    add_flux_divergence(s.a.data(), s.spectral.data(), n);
  }

  // N'(u) v: the linear terms applied to v and -(i kx FFT(u_u q_v + u_v q_u) + i ky FFT(v_u q_v
  // + v_v q_u)) per layer on the kept modes (the derivative of the bilinear Jacobian).
  void nonlinear_jvp(const Complex* u, const Complex* v, Complex* n, double /*t*/) const {
    Scratch& s = scratch();
    spectral_fields(u, s.spectral.data(), nullptr);
    to_physical(s.spectral.data(), s.a.data());
    spectral_fields(v, s.spectral.data(), n);
    to_physical(s.spectral.data(), s.b.data());
    const std::size_t size = grid().points() * kSpectralLanes;
    for (std::size_t layer = 0; layer < 2; ++layer) {
      double* ua = s.a.data() + (3 * layer + 0) * size;
      double* va = s.a.data() + (3 * layer + 1) * size;
      const double* qa = s.a.data() + (3 * layer + 2) * size;
      const double* ub = s.b.data() + (3 * layer + 0) * size;
      const double* vb = s.b.data() + (3 * layer + 1) * size;
      const double* qb = s.b.data() + (3 * layer + 2) * size;
      for (std::size_t i = 0; i < size; ++i) {
        ua[i] = ua[i] * qb[i] + ub[i] * qa[i];
        va[i] = va[i] * qb[i] + vb[i] * qa[i];
      }
    }
    add_flux_divergence(s.a.data(), s.spectral.data(), n);
  }

  // Throws UsageError when dt exceeds explicit_dt_limit(). Explicit RK4 on the whole rhs (the
  // generic path) also needs dt < 1.39 filter_time for the damping L.
  void check_dt(double dt) const {
    if (dt > explicit_dt_limit_) {
      throw UsageError("integrator.dt: " + std::to_string(dt) +
                       " s is unstable for the advection and Rossby waves (CFL limit of the "
                       "explicit part ~ " +
                       std::to_string(explicit_dt_limit_) + " s for these parameters)");
    }
  }

  // psi of both layers from q, lane-interleaved spectral arrays as nonlinear() takes
  // (zero outside the kept modes).
  void streamfunction(const Complex* u, Complex* psi) const {
    constexpr std::size_t lanes = kSpectralLanes;
    const Tables& t = *tables_;
    const std::size_t modes = grid().modes();
    for (std::size_t q = 0; q < modes; ++q) {
      for (std::size_t l = 0; l < lanes; ++l) {
        const Complex q1 = u[q * lanes + l], q2 = u[(modes + q) * lanes + l];
        psi[q * lanes + l] = t.a[4 * q] * q1 + t.a[4 * q + 1] * q2;
        psi[(modes + q) * lanes + l] = t.a[4 * q + 2] * q1 + t.a[4 * q + 3] * q2;
      }
    }
  }

  // The energy and its budget dE/dt = generation - bottom_drag - small_scale (per unit mass,
  // thickness-weighted mean over the domain; m^2 s^-2 and m^2 s^-3), with <f g> the domain mean:
  //   E = sum_i del_i <|grad psi_i|^2> / 2 + del1 F1 <(psi1 - psi2)^2> / 2,
  //   generation = del1 F1 (U1 - U2) <psi1 d(psi2)/dx>   (baroclinic conversion of the mean
  //                shear; pyqg's APEgen, qg_model.py),
  //   bottom_drag = del2 rek <|grad psi2|^2>   (pyqg's EKEdiss),
  //   small_scale = sum_i del_i <psi_i L q_i>   (the dissipation L; >= 0).
  // The Jacobian and the beta terms conserve E (Vallis 2017, ch. 5, layered QG energetics).
  struct EnergyBudget {
    double energy = 0.0, generation = 0.0, bottom_drag = 0.0, small_scale = 0.0;
  };
  // From one lane of a lane-interleaved spectral array (as nonlinear() takes).
  EnergyBudget energy_budget(const Complex* u, std::size_t lane) const {
    constexpr std::size_t lanes = kSpectralLanes;
    const Tables& t = *tables_;
    const std::size_t modes = grid().modes();
    const double d1 = del1(), d2 = del2();
    double e = 0.0, g = 0.0, dd = 0.0, ds = 0.0;
    for (std::size_t q = 0; q < modes; ++q) {
      const Complex q1 = u[q * lanes + lane], q2 = u[(modes + q) * lanes + lane];
      const Complex p1 = t.a[4 * q] * q1 + t.a[4 * q + 1] * q2;
      const Complex p2 = t.a[4 * q + 2] * q1 + t.a[4 * q + 3] * q2;
      const double w = t.weight[q], k2 = t.k2[q], l = t.linear[q].real();
      e += w * (d1 * k2 * std::norm(p1) + d2 * k2 * std::norm(p2) + d1 * f1_ * std::norm(p1 - p2));
      // Re(p1 conj(i kx p2)) = kx Im(p1 conj(p2))
      g += w * t.kx[q] * (p1.imag() * p2.real() - p1.real() * p2.imag());
      dd += w * k2 * std::norm(p2);
      ds += w * l * (d1 * (p1 * std::conj(q1)).real() + d2 * (p2 * std::conj(q2)).real());
    }
    const double n = static_cast<double>(grid().points());
    const double scale = 1.0 / (n * n);
    return {0.5 * e * scale, d1 * f1_ * (u1_ - u2_) * g * scale, d2 * rek_ * dd * scale,
            ds * scale};
  }
  // From a physical state (dimension() values).
  EnergyBudget energy_budget(std::span<const double> x) const {
    const SpectralGrid& g = grid();
    std::vector<double> lanes(dimension() * kSpectralLanes, 0.0);
    for (std::size_t i = 0; i < dimension(); ++i) lanes[i * kSpectralLanes] = x[i];
    std::vector<Complex> spectral(2 * g.modes() * kSpectralLanes);
    for (std::size_t f = 0; f < 2; ++f) {
      g.forward(lanes.data() + f * g.points() * kSpectralLanes,
                spectral.data() + f * g.modes() * kSpectralLanes);
    }
    return energy_budget(spectral.data(), 0);
  }

 private:
  struct Tables {
    explicit Tables(SpectralGrid g) : grid(std::move(g)) {}
    SpectralGrid grid;
    std::vector<double> kx, ky, k2, keep;  // zero outside the 2/3-rule modes
    std::vector<double> a;                 // inversion psi = a q, 2x2 row-major per mode
    std::vector<double> weight;            // Parseval weight of the half spectrum (1 or 2)
    std::vector<Complex> linear;           // L, [field][mode]
  };
  struct Scratch {
    std::vector<Complex> spectral;  // 6 fields: u1, v1, q1, u2, v2, q2
    std::vector<double> a, b;       // 6 physical fields each
  };

  static std::size_t checked_points(double n, const char* key) {
    if (!(n >= 8.0) || n != std::floor(n) || static_cast<std::size_t>(n) % 2 != 0) {
      throw UsageError(std::string(key) + ": must be an even number of grid points >= 8, got " +
                       std::to_string(n));
    }
    return static_cast<std::size_t>(n);
  }
  static double checked_positive(double v, const char* key, const char* what) {
    if (!(std::isfinite(v) && v > 0.0)) {
      throw UsageError(std::string(key) + ": must be " + what + ", got " + std::to_string(v));
    }
    return v;
  }
  static double checked_non_negative(double v, const char* key) {
    if (!(std::isfinite(v) && v >= 0.0)) {
      throw UsageError(std::string(key) + ": must be finite and >= 0, got " + std::to_string(v));
    }
    return v;
  }

  // The largest |eigenvalue| of the linear part of N on mode q: the 2x2 matrix
  // A = -i kx (diag(U1, U2) + diag(Qy1, Qy2) a) + rek k^2 (row 2 of a).
  double linear_frequency(std::size_t q, const Tables& t) const {
    const double kx = t.kx[q], k2 = t.k2[q];
    const Complex i(0.0, 1.0);
    const Complex a11 = -i * kx * (u1_ + qy1_ * t.a[4 * q]);
    const Complex a12 = -i * kx * qy1_ * t.a[4 * q + 1];
    const Complex a21 = (-i * kx * qy2_ + rek_ * k2) * t.a[4 * q + 2];
    const Complex a22 = -i * kx * u2_ + (-i * kx * qy2_ + rek_ * k2) * t.a[4 * q + 3];
    const Complex half_trace = 0.5 * (a11 + a22);
    const Complex root = std::sqrt(half_trace * half_trace - (a11 * a22 - a12 * a21));
    return std::max(std::abs(half_trace + root), std::abs(half_trace - root));
  }

  // Per-thread work arrays sized for this grid: nonlinear() runs concurrently on one system.
  Scratch& scratch() const {
    thread_local Scratch s;
    const std::size_t points = grid().points() * kSpectralLanes;
    s.spectral.resize(6 * grid().modes() * kSpectralLanes);
    s.a.resize(6 * points);
    s.b.resize(6 * points);
    return s;
  }

  // From q (lane-interleaved, 2 fields): the spectral u = -i ky psi, v = i kx psi and the
  // dealiased q of both layers into `fields` (6 arrays), and, when `linear_terms` is given, the
  // linear terms of N written there: -i kx (U_i q_i + Qy_i psi_i), + rek k^2 psi2 on layer 2.
  void spectral_fields(const Complex* u, Complex* fields, Complex* linear_terms) const {
    constexpr std::size_t lanes = kSpectralLanes;
    const Tables& t = *tables_;
    const std::size_t modes = grid().modes(), size = modes * lanes;
    for (std::size_t q = 0; q < modes; ++q) {
      const double kx = t.kx[q], ky = t.ky[q], keep = t.keep[q], drag = rek_ * t.k2[q];
      const double a11 = t.a[4 * q], a12 = t.a[4 * q + 1], a21 = t.a[4 * q + 2],
                   a22 = t.a[4 * q + 3];
      for (std::size_t l = 0; l < lanes; ++l) {
        const std::size_t j = q * lanes + l;
        const Complex q1 = keep * u[j], q2 = keep * u[size + j];
        const Complex p1 = a11 * q1 + a12 * q2, p2 = a21 * q1 + a22 * q2;
        fields[0 * size + j] = Complex(ky * p1.imag(), -ky * p1.real());
        fields[1 * size + j] = Complex(-kx * p1.imag(), kx * p1.real());
        fields[2 * size + j] = q1;
        fields[3 * size + j] = Complex(ky * p2.imag(), -ky * p2.real());
        fields[4 * size + j] = Complex(-kx * p2.imag(), kx * p2.real());
        fields[5 * size + j] = q2;
        if (linear_terms != nullptr) {
          const Complex s1 = u1_ * q1 + qy1_ * p1, s2 = u2_ * q2 + qy2_ * p2;
          linear_terms[j] = Complex(kx * s1.imag(), -kx * s1.real());
          linear_terms[size + j] = Complex(kx * s2.imag(), -kx * s2.real()) + drag * p2;
        }
      }
    }
  }

  // Inverse transforms of the 6 spectral arrays (destroyed) into 6 physical arrays.
  void to_physical(Complex* spectral, double* physical) const {
    const SpectralGrid& g = grid();
    for (std::size_t f = 0; f < 6; ++f) {
      g.inverse(spectral + f * g.modes() * kSpectralLanes,
                physical + f * g.points() * kSpectralLanes);
    }
  }

  // n_i += -(i kx FFT(fx_i) + i ky FFT(fy_i)) on the kept modes, with the fluxes fx_i, fy_i in
  // physical arrays 3 i and 3 i + 1; `spectral` is work space.
  void add_flux_divergence(const double* physical, Complex* spectral, Complex* n) const {
    constexpr std::size_t lanes = kSpectralLanes;
    const SpectralGrid& g = grid();
    const Tables& t = *tables_;
    const std::size_t modes = g.modes(), size = modes * lanes, points = g.points() * lanes;
    for (std::size_t layer = 0; layer < 2; ++layer) {
      Complex* fx = spectral;
      Complex* fy = spectral + size;
      g.forward(physical + (3 * layer) * points, fx);
      g.forward(physical + (3 * layer + 1) * points, fy);
      Complex* out = n + layer * size;
      for (std::size_t q = 0; q < modes; ++q) {
        const double kx = t.kx[q], ky = t.ky[q];
        for (std::size_t l = 0; l < lanes; ++l) {
          const std::size_t j = q * lanes + l;
          const Complex w = kx * fx[j] + ky * fy[j];  // -i w = (Im w, -Re w)
          out[j] += Complex(w.imag(), -w.real());
        }
      }
    }
  }

  double beta_ = 0.0, rd_ = 0.0, delta_ = 0.0, u1_ = 0.0, u2_ = 0.0, rek_ = 0.0;
  double f1_ = 0.0, f2_ = 0.0, qy1_ = 0.0, qy2_ = 0.0;
  double explicit_dt_limit_ = 0.0;
  std::shared_ptr<const Tables> tables_;
};

static_assert(SpectralSystem<QgTwoLayer>);

}  // namespace butterfly
