// Two-layer quasi-geostrophic model (pyqg's QGModel): the tendency of two crossed waves by hand,
// the invariants of the dealiased Jacobian, the energy budget identity and its closure in
// statistically steady turbulence, Phillips' baroclinic growth rate, the tangent-linear model,
// check_dt and parameter validation.
#include "butterfly/systems/qg_two_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstddef>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/etdrk4_stepper.hpp"
#include "butterfly/integrators/explicit_rk_stepper.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

constexpr std::size_t kLanes = kSpectralLanes;
constexpr double kPi = std::numbers::pi;

// Parameter indices in table order: nx, ny, L, W, beta, rd, delta, U1, U2, rek, filterfac,
// filter_time.
enum Parameter : std::size_t { kNx, kNy, kL, kW, kBeta, kRd, kDelta, kU1, kU2, kRek, kFilter };

ParameterValues<12> with(std::initializer_list<std::pair<Parameter, double>> changes) {
  ParameterValues<12> p = default_values(QgTwoLayer::parameters);
  for (const auto& [index, value] : changes) p[index] = value;
  return p;
}

// Lane-interleaved spectral array (2 fields) of 4 states given lane by lane in physical space.
std::vector<Complex> spectral_lanes(const QgTwoLayer& s,
                                    const std::vector<std::vector<double>>& x) {
  const SpectralGrid& g = s.grid();
  std::vector<double> lanes(s.dimension() * kLanes);
  for (std::size_t i = 0; i < s.dimension(); ++i) {
    for (std::size_t l = 0; l < kLanes; ++l) lanes[i * kLanes + l] = x[l][i];
  }
  std::vector<Complex> u(2 * g.modes() * kLanes);
  for (std::size_t f = 0; f < 2; ++f) {
    g.forward(lanes.data() + f * g.points() * kLanes, u.data() + f * g.modes() * kLanes);
  }
  return u;
}

// A random state with PV anomalies of about `amplitude` on the 2/3-rule modes below |k| index
// `largest` (a smooth, turbulence-like field), different for every `key`.
std::vector<double> random_state(const QgTwoLayer& s, std::uint64_t key, double amplitude,
                                 double largest = 8.0) {
  const SpectralGrid& g = s.grid();
  std::vector<double> draws(s.dimension());
  CounterRng(2024, key, Purpose::test, 0).normals(draws.data(), draws.size());
  std::vector<std::vector<double>> lanes(kLanes, draws);
  std::vector<Complex> u = spectral_lanes(s, lanes);
  for (std::size_t f = 0; f < 2; ++f) {
    for (std::size_t q = 0; q < g.modes(); ++q) {
      const double index = std::sqrt(g.k2(q)) * g.lx() / (2.0 * kPi);
      if (!g.kept(q) || q == 0 || index > largest) {
        for (std::size_t l = 0; l < kLanes; ++l) u[(f * g.modes() + q) * kLanes + l] = Complex{};
      }
    }
  }
  std::vector<double> physical(s.dimension() * kLanes), x(s.dimension());
  for (std::size_t f = 0; f < 2; ++f) {
    g.inverse(u.data() + f * g.modes() * kLanes, physical.data() + f * g.points() * kLanes);
  }
  double norm = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = physical[i * kLanes];
    norm += x[i] * x[i];
  }
  const double scale = amplitude / std::sqrt(norm / static_cast<double>(x.size()));
  for (double& v : x) v *= scale;
  return x;
}

// Domain mean <f g> of two real fields from their half spectra (lane `lane`), Parseval:
// (1 / N^2) sum_q w_q Re(f_q conj(g_q)), w_q = 1 on the columns i = 0 and nx/2, else 2.
double mean_product(const SpectralGrid& g, const Complex* f, const Complex* h, std::size_t lane) {
  const std::size_t half = g.nx() / 2 + 1;
  double sum = 0.0;
  for (std::size_t q = 0; q < g.modes(); ++q) {
    const std::size_t i = q % half;
    const double w = (i == 0 || i == g.nx() / 2) ? 1.0 : 2.0;
    sum += w * (f[q * kLanes + lane] * std::conj(h[q * kLanes + lane])).real();
  }
  const double n = static_cast<double>(g.points());
  return sum / (n * n);
}

// The rhs in spectral space, L q + N(q), for 4 lanes.
std::vector<Complex> spectral_tendency(const QgTwoLayer& s, const std::vector<Complex>& u) {
  std::vector<Complex> n(u.size());
  s.nonlinear(u.data(), n.data(), 0.0);
  for (std::size_t fq = 0; fq < s.linear().size(); ++fq) {
    for (std::size_t l = 0; l < kLanes; ++l)
      n[fq * kLanes + l] += s.linear()[fq] * u[fq * kLanes + l];
  }
  return n;
}

TEST(QgTwoLayer, TendencyOfTwoCrossedWavesByHand) {
  // psi1 = A cos(k x), psi2 = B cos(l y) on [0, 2 pi)^2, no filter (L = 0). From the model
  // equations (pyqg's QGModel docstring), with q1 = -(k^2 + F1) A cos kx + F1 B cos ly and
  // q2 = F2 A cos kx - (l^2 + F2) B cos ly, by hand:
  //   J(psi1, q1) = F1 A B k l sin kx sin ly,  J(psi2, q2) = -F2 A B k l sin kx sin ly,
  //   dq1/dt = -F1 A B k l sin kx sin ly - U1 (k^2 + F1) A k sin kx + Qy1 A k sin kx,
  //   dq2/dt = +F2 A B k l sin kx sin ly + U2 F2 A k sin kx + rek l^2 B cos ly.
  const QgTwoLayer s(with({{kNx, 16},
                           {kL, 2 * kPi},
                           {kBeta, 0.3},
                           {kRd, 1.0},
                           {kDelta, 0.25},
                           {kU1, 0.7},
                           {kU2, -0.2},
                           {kRek, 0.1},
                           {kFilter, 0.0}}));
  const double f1 = 1.0 / 1.25, f2 = 0.25 * f1, qy1 = 0.3 + f1 * 0.9;
  const double a = 1.3, b = -0.6, k = 1.0, l = 2.0;
  const SpectralGrid& g = s.grid();
  const std::size_t n = g.points();
  std::vector<double> x(2 * n), dxdt(2 * n);
  for (std::size_t j = 0; j < g.ny(); ++j) {
    for (std::size_t i = 0; i < g.nx(); ++i) {
      const double ckx = std::cos(k * g.x(i)), cly = std::cos(l * g.y(j));
      x[j * g.nx() + i] = -(k * k + f1) * a * ckx + f1 * b * cly;
      x[n + j * g.nx() + i] = f2 * a * ckx - (l * l + f2) * b * cly;
    }
  }
  s.rhs(x.data(), dxdt.data(), 0.0);
  for (std::size_t j = 0; j < g.ny(); ++j) {
    for (std::size_t i = 0; i < g.nx(); ++i) {
      const double skx = std::sin(k * g.x(i)), sly = std::sin(l * g.y(j));
      const double cly = std::cos(l * g.y(j));
      const double d1 =
          -f1 * a * b * k * l * skx * sly - 0.7 * (k * k + f1) * a * k * skx + qy1 * a * k * skx;
      const double d2 =
          f2 * a * b * k * l * skx * sly + (-0.2) * f2 * a * k * skx + 0.1 * l * l * b * cly;
      ASSERT_NEAR(dxdt[j * g.nx() + i], d1, 1e-13) << i << ", " << j;
      ASSERT_NEAR(dxdt[n + j * g.nx() + i], d2, 1e-13) << i << ", " << j;
    }
  }
}

TEST(QgTwoLayer, DealiasedJacobianConservesEnergyAndEnstrophyOfEachLayer) {
  // J(psi, q) conserves <psi J> = 0 and <q J> = 0 in each layer (Vallis 2017, ch. 5, layered QG);
  // with 2/3-rule dealiasing the products of kept modes are exact, so the discrete Jacobian
  // keeps both to round-off. Only the Jacobian: U1 = U2 = beta = rek = 0.
  const QgTwoLayer s(
      with({{kNx, 32}, {kBeta, 0.0}, {kU1, 0.0}, {kU2, 0.0}, {kRek, 0.0}, {kFilter, 0.0}}));
  std::vector<std::vector<double>> x;
  for (std::size_t l = 0; l < kLanes; ++l) x.push_back(random_state(s, l, 1e-5, 12.0));
  const std::vector<Complex> u = spectral_lanes(s, x);
  std::vector<Complex> n(u.size()), psi(u.size());
  s.nonlinear(u.data(), n.data(), 0.0);
  s.streamfunction(u.data(), psi.data());
  const SpectralGrid& g = s.grid();
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    for (std::size_t f = 0; f < 2; ++f) {
      const std::size_t o = f * g.modes() * kLanes;
      const double nn = mean_product(g, &n[o], &n[o], lane);
      const double energy = mean_product(g, &psi[o], &n[o], lane);
      const double enstrophy = mean_product(g, &u[o], &n[o], lane);
      EXPECT_GT(nn, 0.0);
      EXPECT_NEAR(energy, 0.0, 1e-12 * std::sqrt(mean_product(g, &psi[o], &psi[o], lane) * nn));
      EXPECT_NEAR(enstrophy, 0.0, 1e-12 * std::sqrt(mean_product(g, &u[o], &u[o], lane) * nn));
    }
  }
}

// dE/dt = -sum_i del_i <psi_i, dq_i/dt> (the energy of the two-layer model, Vallis 2017,
// ch. 5), against energy_budget's generation - bottom_drag - small_scale.
void expect_budget_identity(const QgTwoLayer& s, double g_on, double drag_on, double ssd_on) {
  std::vector<std::vector<double>> x;
  for (std::size_t l = 0; l < kLanes; ++l) x.push_back(random_state(s, 10 + l, 1e-5, 12.0));
  const std::vector<Complex> u = spectral_lanes(s, x);
  const std::vector<Complex> dudt = spectral_tendency(s, u);
  std::vector<Complex> psi(u.size());
  s.streamfunction(u.data(), psi.data());
  const SpectralGrid& g = s.grid();
  const std::size_t o = g.modes() * kLanes;
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    const double dedt = -(s.del1() * mean_product(g, &psi[0], &dudt[0], lane) +
                          s.del2() * mean_product(g, &psi[o], &dudt[o], lane));
    const QgTwoLayer::EnergyBudget b = s.energy_budget(u.data(), lane);
    const double scale = std::abs(b.generation) + b.bottom_drag + b.small_scale;
    EXPECT_GT(scale, 0.0);
    EXPECT_NEAR(dedt, g_on * b.generation - drag_on * b.bottom_drag - ssd_on * b.small_scale,
                1e-12 * scale);
    EXPECT_GE(b.bottom_drag, 0.0);
    EXPECT_GE(b.small_scale, 0.0);
    // The physical-state overload agrees with the spectral one.
    const QgTwoLayer::EnergyBudget p = s.energy_budget(std::span<const double>(x[lane]));
    EXPECT_NEAR(p.energy, b.energy, 1e-12 * b.energy);
    EXPECT_NEAR(p.generation, b.generation, 1e-12 * scale);
  }
}

TEST(QgTwoLayer, EnergyBudgetTermsAddUpToTheEnergyTendency) {
  // All terms (pyqg's defaults at nx = 32), then each term alone: generation only (no drag,
  // no filter), drag only (no shear, no filter), small-scale dissipation only.
  expect_budget_identity(QgTwoLayer(with({{kNx, 32}})), 1, 1, 1);
  expect_budget_identity(QgTwoLayer(with({{kNx, 32}, {kRek, 0.0}, {kFilter, 0.0}})), 1, 0, 0);
  expect_budget_identity(QgTwoLayer(with({{kNx, 32}, {kU1, 0.01}, {kU2, 0.01}, {kFilter, 0.0}})), 0,
                         1, 0);
  expect_budget_identity(QgTwoLayer(with({{kNx, 32}, {kU1, 0.0}, {kRek, 0.0}})), 0, 0, 1);
}

// Phillips (1954) two-layer baroclinic instability on the beta plane with bottom drag
// (Vallis 2017, ch. 9; pyqg's Model.stability_analysis in model.py solves the same 2x2 problem).
// For psi_i = Re(psi_i exp(i (k x + l y - k c t))), K^2 = k^2 + l^2, a_i = K^2 + F_i:
//   [(c - U1) a1 + Qy1] [(c - U2) a2 + Qy2 + i rek K^2 / k] - F1 F2 (c - U1)(c - U2) = 0,
// a quadratic A c^2 + B c + C = 0; the growth rate is k Im(c) and
// psi2 / psi1 = [(c - U1) a1 + Qy1] / (F1 (c - U1)).
struct PhillipsMode {
  Complex c;
  Complex psi2_over_psi1;
};
PhillipsMode phillips(const QgTwoLayer& s, double u1, double u2, double rek, double k, double l) {
  const double k2 = k * k + l * l, a1 = k2 + s.f1(), a2 = k2 + s.f2();
  const Complex b1 = s.qy1() - a1 * u1;
  const Complex b2 = Complex(s.qy2(), rek * k2 / k) - a2 * u2;
  const double a = a1 * a2 - s.f1() * s.f2();
  const Complex b = a1 * b2 + a2 * b1 + s.f1() * s.f2() * (u1 + u2);
  const Complex c0 = b1 * b2 - s.f1() * s.f2() * u1 * u2;
  const Complex root = std::sqrt(b * b - 4.0 * a * c0);
  Complex c = (-b + root) / (2.0 * a);
  const Complex other = (-b - root) / (2.0 * a);
  if (other.imag() > c.imag()) c = other;
  return {c, ((c - u1) * a1 + s.qy1()) / (s.f1() * (c - u1))};
}

// Runs the full model with RK4 (the generic path, dt = 7200 s) from the fastest-growing
// discrete mode of the closed form; a single-wavevector disturbance has J(psi_i, q_i) = 0
// (both fields are functions of k x + l y), so the full model grows it at the linear rate.
void expect_phillips_growth(double rek) {
  const double u1 = 0.025, u2 = 0.0;
  const QgTwoLayer s(with({{kNx, 32}, {kRek, rek}}));
  const SpectralGrid& g = s.grid();
  std::size_t best = 0;
  double sigma = -1.0;
  for (std::size_t q = 0; q < g.modes(); ++q) {
    if (!g.kept(q) || g.kx(q) == 0.0) continue;
    const double rate = g.kx(q) * phillips(s, u1, u2, rek, g.kx(q), g.ky(q)).c.imag();
    if (rate > sigma) {
      sigma = rate;
      best = q;
    }
  }
  const double k = g.kx(best), l = g.ky(best);
  const PhillipsMode mode = phillips(s, u1, u2, rek, k, l);
  // q1 = -a1 psi1 + F1 psi2, q2 = F2 psi1 - a2 psi2 with psi1 = 1e3 m^2/s.
  const Complex p1 = 1e3, p2 = mode.psi2_over_psi1 * p1;
  const Complex q1 = -(k * k + l * l + s.f1()) * p1 + s.f1() * p2;
  const Complex q2 = s.f2() * p1 - (k * k + l * l + s.f2()) * p2;
  std::vector<double> x(s.dimension());
  for (std::size_t j = 0; j < g.ny(); ++j) {
    for (std::size_t i = 0; i < g.nx(); ++i) {
      const Complex phase = std::exp(Complex(0.0, k * g.x(i) + l * g.y(j)));
      x[j * g.nx() + i] = (q1 * phase).real();
      x[g.points() + j * g.nx() + i] = (q2 * phase).real();
    }
  }
  const auto coefficient = [&](const std::vector<double>& state) {  // q1's (k, l) coefficient
    std::vector<std::vector<double>> lanes(kLanes, state);
    return spectral_lanes(s, lanes)[best * kLanes];
  };
  const double e0 = s.energy_budget(std::span<const double>(x)).energy;
  const Complex c0 = coefficient(x);
  const std::size_t steps = 200;
  const double dt = 7200.0, time = dt * static_cast<double>(steps);
  std::vector<double> work(x.size() * (ClassicRk4Tableau::stages + 1));
  for (std::size_t n = 0; n < steps; ++n) {
    explicit_rk_step<ClassicRk4Tableau>(s, x.data(), dt * n, dt, work.data(), x.size());
  }
  const double growth =
      std::log(s.energy_budget(std::span<const double>(x)).energy / e0) / (2 * time);
  const double frequency = -std::arg(coefficient(x) / c0) / time;  // k Re(c)
  // Started on the eigenvector, the measured rates agree to 1e-7 (RK4's error is
  // (sigma dt)^5 ~ 1e-12 per step); 1e-4 leaves room for round-off.
  EXPECT_NEAR(growth, sigma, 1e-4 * sigma) << "k index " << k * g.lx() / (2 * kPi);
  EXPECT_NEAR(frequency, k * mode.c.real(), 1e-4 * std::abs(k * mode.c.real()));
}

TEST(QgTwoLayer, FastestModeGrowsAtPhillipsRate) {
  // pyqg's defaults (rek = 0): sigma = 1.68e-7 /s at the zonal wavenumber 7 of the 1000 km
  // domain, c = 2.22 + 3.82i mm/s (the closed form above).
  expect_phillips_growth(0.0);
}

TEST(QgTwoLayer, FastestModeGrowsAtPhillipsRateWithBottomDrag) {
  // pyqg's default drag rek = 5.787e-7 /s: sigma = 7.80e-8 /s, c = 5.16 + 1.77i mm/s, again at
  // the zonal wavenumber 7 (closed form above).
  expect_phillips_growth(5.787e-7);
}

// Integrating-factor RK4 (Lawson 1967; Kassam & Trefethen 2005, section 2) on 4 lanes in
// spectral space, with E = exp(L h / 2):
//   k1 = N(u), k2 = N(E (u + h/2 k1)), k3 = N(E u + h/2 k2), k4 = N(E^2 u + h E k3),
//   u <- E^2 u + h/6 (E^2 k1 + 2 E (k2 + k3) + k4).
void lawson_rk4_step(const QgTwoLayer& s, std::vector<Complex>& u, double h) {
  const std::size_t size = u.size();
  std::vector<double> e(s.linear().size());
  for (std::size_t fq = 0; fq < e.size(); ++fq) e[fq] = std::exp(0.5 * h * s.linear()[fq].real());
  std::vector<Complex> k1(size), k2(size), k3(size), k4(size), w(size);
  s.nonlinear(u.data(), k1.data(), 0.0);
  for (std::size_t j = 0; j < size; ++j) w[j] = e[j / kLanes] * (u[j] + 0.5 * h * k1[j]);
  s.nonlinear(w.data(), k2.data(), 0.0);
  for (std::size_t j = 0; j < size; ++j) w[j] = e[j / kLanes] * u[j] + 0.5 * h * k2[j];
  s.nonlinear(w.data(), k3.data(), 0.0);
  for (std::size_t j = 0; j < size; ++j) {
    const double ej = e[j / kLanes];
    w[j] = ej * ej * u[j] + h * ej * k3[j];
  }
  s.nonlinear(w.data(), k4.data(), 0.0);
  for (std::size_t j = 0; j < size; ++j) {
    const double ej = e[j / kLanes];
    u[j] = ej * ej * u[j] + h / 6.0 * (ej * ej * k1[j] + 2.0 * ej * (k2[j] + k3[j]) + k4[j]);
  }
}

TEST(QgTwoLayer, EnergyBudgetClosesInStatisticallySteadyTurbulence) {
  // The coarse version of the budget of pyqg's turbulence (the full one, nx = 64 at pyqg's
  // defaults, runs for minutes: see the report of issue 4): nx = 32 and twice pyqg's shear
  // (U1 = 0.05 m/s), which equilibrates within a year. Four members from large-scale noise
  // (q rms 1e-6 /s), 360 days of spin-up with 12 h steps, then 180 days with 6 h steps over
  // which the generation by the mean shear G and the dissipation D (bottom drag + small-scale)
  // are integrated (trapezoid rule). Checks: (1) the budget identity E(T) - E(0) = integral of
  // (G - D) dt per member, to 1e-3 of the integral of G (time stepping error; measured 5e-5 to
  // 7e-5); (2) statistically steady state: summed over the members, D equals G within 10%
  // (measured D / G = 0.987, members 0.977 to 1.007: the energy's slow fluctuations over 180
  // days).
  const QgTwoLayer s(with({{kNx, 32}, {kU1, 0.05}}));
  std::vector<std::vector<double>> x;
  for (std::size_t l = 0; l < kLanes; ++l) x.push_back(random_state(s, 100 + l, 1e-6, 12.0));
  std::vector<Complex> u = spectral_lanes(s, x);
  const double day = 86400.0;
  for (int n = 0; n < 720; ++n) lawson_rk4_step(s, u, 0.5 * day);
  const double h = 0.25 * day;
  const int steps = 720;
  std::vector<double> e0(kLanes), generated(kLanes), dissipated(kLanes);
  for (std::size_t l = 0; l < kLanes; ++l) e0[l] = s.energy_budget(u.data(), l).energy;
  for (int n = 0; n <= steps; ++n) {
    const double weight = (n == 0 || n == steps) ? 0.5 * h : h;
    for (std::size_t l = 0; l < kLanes; ++l) {
      const QgTwoLayer::EnergyBudget b = s.energy_budget(u.data(), l);
      generated[l] += weight * b.generation;
      dissipated[l] += weight * (b.bottom_drag + b.small_scale);
      ASSERT_GT(b.bottom_drag, 0.0);
      ASSERT_GT(b.small_scale, 0.0);
    }
    if (n < steps) lawson_rk4_step(s, u, h);
  }
  double all_generated = 0.0, all_dissipated = 0.0;
  for (std::size_t l = 0; l < kLanes; ++l) {
    const double change = s.energy_budget(u.data(), l).energy - e0[l];
    EXPECT_NEAR(change, generated[l] - dissipated[l], 1e-3 * generated[l]) << "member " << l;
    all_generated += generated[l];
    all_dissipated += dissipated[l];
  }
  EXPECT_GT(all_generated, 0.0);
  EXPECT_NEAR(all_dissipated / all_generated, 1.0, 0.10);
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

TEST(QgTwoLayer, TangentLinearModelPassesTheTaylorTest) {
  // r(eps) = ||f(x + eps v) - f(x) - eps J v|| falls as eps^2 (as tests/systems/
  // conformance_test.cpp): the Dual rhs goes through nonlinear_jvp.
  const QgTwoLayer s(with({{kNx, 32}}));
  const std::vector<double> x = random_state(s, 1, 1e-5, 12.0);
  const std::vector<double> v = random_state(s, 2, 1e-5, 14.0);
  const std::size_t n = s.dimension();
  std::vector<double> fx(n), jv(n), fe(n), r(n);
  jvp(s, x, v, 0.0, fx, jv);
  std::vector<double> remainders;
  for (double eps : {1e-1, 1e-2, 1e-3}) {
    std::vector<double> xe = x;
    for (std::size_t i = 0; i < n; ++i) xe[i] += eps * v[i];
    s.rhs(xe.data(), fe.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) r[i] = fe[i] - fx[i] - eps * jv[i];
    remainders.push_back(norm(r));
  }
  EXPECT_GT(remainders[0], 1e-6 * norm(fx));  // the model is nonlinear along v
  for (std::size_t k = 0; k + 1 < remainders.size(); ++k) {
    EXPECT_NEAR(std::log10(remainders[k] / remainders[k + 1]), 2.0, 0.05) << k;
  }
}

TEST(QgTwoLayer, NonlinearJvpIsTheDerivativeInEveryLane) {
  // Central differences (N(u + eps v) - N(u - eps v)) / (2 eps) are exact for the quadratic N.
  const QgTwoLayer s(with({{kNx, 16}}));
  std::vector<std::vector<double>> xs, vs;
  for (std::size_t l = 0; l < kLanes; ++l) {
    xs.push_back(random_state(s, 20 + l, 1e-5, 5.0));
    vs.push_back(random_state(s, 30 + l, 1e-5, 5.0));
  }
  const std::vector<Complex> u = spectral_lanes(s, xs), v = spectral_lanes(s, vs);
  const double eps = 0.5;
  std::vector<Complex> plus(u.size()), minus(u.size()), up(u), um(u), jv(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) {
    up[i] += eps * v[i];
    um[i] -= eps * v[i];
  }
  s.nonlinear(up.data(), plus.data(), 0.0);
  s.nonlinear(um.data(), minus.data(), 0.0);
  s.nonlinear_jvp(u.data(), v.data(), jv.data(), 0.0);
  double scale = 0.0;
  for (const Complex& z : jv) scale = std::max(scale, std::abs(z));
  EXPECT_GT(scale, 0.0);
  for (std::size_t i = 0; i < u.size(); ++i) {
    ASSERT_NEAR(std::abs((plus[i] - minus[i]) / (2 * eps) - jv[i]), 0.0, 1e-10 * scale) << i;
  }
}

TEST(QgTwoLayer, DefaultStateAndSchemesGiveFiniteStates) {
  // pyqg's start: small noise in q1 (about 1e-6 /s), q2 = 0, mean zero, the same every call;
  // then 20 steps of the default step with RK4 (generic path) and ETDRK4 (default scheme).
  const QgTwoLayer s(with({{kNx, 32}}));
  const std::size_t n = s.grid().points();
  std::vector<double> x(s.dimension()), again(s.dimension());
  s.default_state(x);
  s.default_state(again);
  EXPECT_EQ(x, again);
  double mean = 0.0, rms = 0.0;
  for (std::size_t p = 0; p < n; ++p) {
    mean += x[p] / static_cast<double>(n);
    rms += x[p] * x[p] / static_cast<double>(n);
    EXPECT_EQ(x[n + p], 0.0);
  }
  EXPECT_NEAR(mean, 0.0, 1e-20);
  EXPECT_GT(std::sqrt(rms), 1e-7);
  EXPECT_LT(std::sqrt(rms), 1e-5);

  const ExplicitRkStepper<QgTwoLayer, ClassicRk4Tableau> rk4(s);
  const Etdrk4Stepper<QgTwoLayer> etdrk4(s);
  std::vector<double> a = x, b = x;
  rk4.advance(std::span<double>(a), 0.0, 20, QgTwoLayer::default_dt);
  etdrk4.advance(std::span<double>(b), 0.0, 20, QgTwoLayer::default_dt);
  double difference = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(std::isfinite(a[i]) && std::isfinite(b[i]));
    difference = std::max(difference, std::abs(a[i] - b[i]));
  }
  EXPECT_GT(norm(a), 0.5 * norm(x));
  // From this nearly linear state the two schemes agree to 1e-7 of the state (measured 1.3e-7).
  EXPECT_LT(difference, 1e-5 * std::sqrt(rms));
}

TEST(QgTwoLayer, CheckDtRejectsStepsBeyondTheExplicitLimit) {
  const QgTwoLayer s(default_values(QgTwoLayer::parameters));
  // At the defaults: largest kept |k| = 2 pi sqrt(2) 21 / 1e6 m and velocity scale
  // 0.025 + 15 * 0.025 m/s give 2.8 / (1.87e-4 * 0.4) = 3.7e4 s (Rossby waves add little).
  EXPECT_GT(s.explicit_dt_limit(), 3.0e4);
  EXPECT_LT(s.explicit_dt_limit(), 3.8e4);
  EXPECT_NO_THROW(s.check_dt(QgTwoLayer::default_dt));
  try {
    s.check_dt(1e5);
    FAIL() << "dt = 1e5 s accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("integrator.dt: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("CFL limit of the explicit part"), std::string::npos);
  }
}

void expect_rejected(ParameterValues<12> p, const std::string& key) {
  try {
    QgTwoLayer s(p);
    FAIL() << key << " accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(key + ": ", 0), 0u) << e.what();
  }
}

TEST(QgTwoLayer, RejectsParametersItCannotRun) {
  expect_rejected(with({{kNx, 31}}), "system.nx");  // odd
  expect_rejected(with({{kNx, 6}}), "system.nx");   // too small for the 2/3 rule
  expect_rejected(with({{kNy, 9}}), "system.ny");
  expect_rejected(with({{kL, 0.0}}), "system.L");
  expect_rejected(with({{kRd, 0.0}}), "system.rd");
  expect_rejected(with({{kRd, -1.0}}), "system.rd");
  expect_rejected(with({{kDelta, 0.0}}), "system.delta");
  expect_rejected(with({{kDelta, -0.25}}), "system.delta");
  expect_rejected(with({{kRek, -1e-7}}), "system.rek");
  ParameterValues<12> p = default_values(QgTwoLayer::parameters);
  p[11] = 0.0;
  expect_rejected(p, "system.filter_time");
  // ny = 0 and W = 0 mean "as nx" and "as L" (pyqg's None).
  const QgTwoLayer square(with({{kNx, 16}}));
  EXPECT_EQ(square.grid().ny(), 16u);
  EXPECT_EQ(square.grid().ly(), 1e6);
  EXPECT_EQ(square.dimension(), 2u * 16u * 16u);
}

}  // namespace
}  // namespace butterfly
