// NavierStokes2D: the Taylor-Green closed form, Michalke's Kelvin-Helmholtz growth rate,
// the exact enstrophy and energy conservation of the dealiased advection, the CFL hook,
// parameter validation and conformance-style checks of the generic (Dual, Pack) rhs.
#include "butterfly/systems/navier_stokes_2d.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/core/simd_pack.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

constexpr std::size_t L = kSpectralLanes;

ParameterValues<13> with(std::initializer_list<std::pair<std::string_view, double>> overrides) {
  ParameterValues<13> values = default_values(NavierStokes2D::parameters);
  for (const auto& [key, value] : overrides) {
    bool found = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (NavierStokes2D::parameters[i].name == key) {
        values[i] = value;
        found = true;
      }
    }
    EXPECT_TRUE(found) << key;
  }
  return values;
}

// Lane-interleaved transform of up to kSpectralLanes states (missing lanes are zero).
std::vector<Complex> to_spectral(const SpectralGrid& g, const std::vector<std::vector<double>>& x) {
  std::vector<double> physical(g.points() * L, 0.0);
  for (std::size_t l = 0; l < x.size(); ++l) {
    for (std::size_t p = 0; p < g.points(); ++p) physical[p * L + l] = x[l][p];
  }
  std::vector<Complex> spectral(g.modes() * L);
  g.forward(physical.data(), spectral.data());
  return spectral;
}

// Integrating-factor RK4 (Lawson 1967; the "IFRK4" of Kassam & Trefethen 2005, SIAM J. Sci.
// Comput. 26, 1214) on lane-interleaved spectral states: classic RK4 for
// v = exp(-L t) u, with E = exp(L dt / 2).
class IntegratingFactorRk4 {
 public:
  IntegratingFactorRk4(const NavierStokes2D& s, double dt) : s_(s), dt_(dt) {
    for (const Complex symbol : s.linear()) half_.push_back(std::exp(symbol * (dt / 2.0)));
  }
  void step(std::vector<Complex>& u) const {
    const std::size_t n = u.size();
    std::vector<Complex> k1(n), k2(n), k3(n), k4(n), a(n);
    const auto e = [&](std::size_t i) { return half_[i / L]; };
    s_.nonlinear(u.data(), k1.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) a[i] = e(i) * (u[i] + dt_ / 2.0 * k1[i]);
    s_.nonlinear(a.data(), k2.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) a[i] = e(i) * u[i] + dt_ / 2.0 * k2[i];
    s_.nonlinear(a.data(), k3.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) a[i] = e(i) * e(i) * u[i] + dt_ * e(i) * k3[i];
    s_.nonlinear(a.data(), k4.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      u[i] = e(i) * e(i) * u[i] +
             dt_ / 6.0 * (e(i) * e(i) * k1[i] + 2.0 * e(i) * (k2[i] + k3[i]) + k4[i]);
    }
  }

 private:
  const NavierStokes2D& s_;
  double dt_;
  std::vector<Complex> half_;
};

// Weight of a half-spectrum mode in a sum over the full spectrum.
double weight(const SpectralGrid& g, std::size_t q) {
  const std::size_t i = q % (g.nx() / 2 + 1);
  return i == 0 || i == g.nx() / 2 ? 1.0 : 2.0;
}

TEST(NavierStokes2D, TaylorGreenVortexDecaysAtItsExactRate) {
  // Closed form (Taylor 1923, Phil. Mag. 46, 671; the 2-D Taylor-Green vortex): psi =
  // cos(a x) cos(b y) / b is an eigenfunction of the Laplacian, so J(psi, w) = 0 and
  // w(t) = w(0) exp(-(nu k^2 + mu + nu_h k^4) t), k^2 = a^2 + b^2.
  // A 2 pi x pi box (a = 1, b = 2) with all three dissipations, through the generic rhs
  // (spectral_rhs on double) and classic RK4, whose error here is ~(rate dt)^5 / 120 per step.
  const NavierStokes2D s(with({{"preset", 1},
                               {"nx", 16},
                               {"ny", 16},
                               {"ly", std::numbers::pi},
                               {"nu", 0.01},
                               {"drag", 0.02},
                               {"hyperviscosity", 1e-3}}));
  const std::size_t n = s.dimension();
  std::vector<double> w0(n);
  s.default_state(w0);
  // The advection of the exact solution vanishes to rounding.
  std::vector<Complex> spectral = to_spectral(s.grid(), {w0}), advection(spectral.size());
  s.nonlinear(spectral.data(), advection.data(), 0.0);
  double largest = 0.0;
  for (const Complex& c : advection) largest = std::max(largest, std::abs(c));
  EXPECT_LT(largest / static_cast<double>(n), 1e-14);  // |u| |grad w| ~ 5

  const double rate = 0.01 * 5.0 + 0.02 + 1e-3 * 25.0;
  std::vector<double> w = w0, work(5 * n);
  const double dt = 0.025;
  const std::size_t steps = 400;
  for (std::size_t k = 0; k < steps; ++k) {
    explicit_rk_step<ClassicRk4Tableau>(s, w.data(), k * dt, dt, work.data(), n);
  }
  const double decay = std::exp(-rate * dt * steps);
  double error = 0.0, peak = 0.0;
  for (std::size_t p = 0; p < n; ++p) {
    error = std::max(error, std::abs(w[p] - w0[p] * decay));
    peak = std::max(peak, std::abs(w0[p]));
  }
  EXPECT_NEAR(peak, 5.0 / 2.0, 1e-12);  // (a^2 + b^2) / b
  EXPECT_LT(error / peak, 1e-12) << "relative error after t = 10";
}

TEST(NavierStokes2D, LaminarKolmogorovFlowIsSteady) {
  // Closed form: the body force F sin(k_f y) along x balances viscosity and drag in the
  // parallel flow u = F sin(k_f y) / (nu k_f^2 + mu), whose advection vanishes, so its
  // vorticity w = -F k_f cos(k_f y) / (nu k_f^2 + mu) is a fixed point of the rhs.
  const double force = 0.3, nu = 0.01, drag = 0.05, ly = 3.0;
  const NavierStokes2D s(with({{"nx", 16},
                               {"ny", 32},
                               {"ly", ly},
                               {"nu", nu},
                               {"drag", drag},
                               {"forcing", force},
                               {"forcing_wavenumber", 3}}));
  const double kf = 2.0 * std::numbers::pi * 3.0 / ly;
  std::vector<double> w(s.dimension()), dwdt(s.dimension());
  for (std::size_t j = 0; j < 32; ++j) {
    for (std::size_t i = 0; i < 16; ++i) {
      w[j * 16 + i] = -force * kf * std::cos(kf * s.grid().y(j)) / (nu * kf * kf + drag);
    }
  }
  s.rhs(w.data(), dwdt.data(), 0.0);
  double largest = 0.0;
  for (double r : dwdt) largest = std::max(largest, std::abs(r));
  EXPECT_LT(largest, 1e-12);
  // and a wrong amplitude is not: the test can fail.
  for (double& x : w) x *= 1.01;
  s.rhs(w.data(), dwdt.data(), 0.0);
  EXPECT_GT(std::abs(dwdt[0]), 1e-3);
}

TEST(NavierStokes2D, KelvinHelmholtzGrowsAtMichalkesRate) {
  // Michalke (1964), J. Fluid Mech. 19, 543: the inviscid tanh layer u = U tanh(y / delta)
  // is most unstable at alpha delta = 0.4446 with growth rate omega_i = 0.1897 U / delta
  // (reproduced independently by a Chebyshev-collocation solve of Rayleigh's equation:
  // max alpha c_i = 0.18969 at alpha = 0.4450). The preset's double layer (U = 1) in a box
  // lx = 2 pi delta / 0.4446 (so the seeded mode is the most unstable one), layers 16 delta
  // apart (coupling ~exp(-0.4446 * 16) ~ 1e-3) at Re = U delta / nu = 1e4, seeded at 1e-8
  // so that the perturbation stays linear: the energy of the x-dependent modes grows as
  // exp(2 omega_i t) once the continuous-spectrum transients have passed.
  const double delta = 1.0;
  const NavierStokes2D s(with({{"preset", 2},
                               {"nx", 16},
                               {"ny", 128},
                               {"lx", 2.0 * std::numbers::pi * delta / 0.4446},
                               {"ly", 32.0},
                               {"nu", 1e-4},
                               {"delta", delta},
                               {"perturbation", 1e-8}}));
  EXPECT_DOUBLE_EQ(s.kelvin_helmholtz_wavenumber(), 0.4446 / delta);
  const SpectralGrid& g = s.grid();
  std::vector<double> w0(s.dimension());
  s.default_state(w0);
  std::vector<Complex> u = to_spectral(g, {w0});
  const IntegratingFactorRk4 stepper(s, 0.1);
  const auto perturbation_energy = [&] {
    double e = 0.0;
    for (std::size_t q = 0; q < g.modes(); ++q) {
      if (q % (g.nx() / 2 + 1) == 0) continue;  // the x-independent base flow
      e += 2.0 * std::norm(u[q * L]) / g.k2(q);
    }
    return e;
  };
  // Least-squares slope of log E over t in [20, 50].
  double st = 0, se = 0, stt = 0, ste = 0, count = 0;
  for (std::size_t k = 1; k <= 500; ++k) {
    stepper.step(u);
    const double t = 0.1 * static_cast<double>(k);
    if (t < 20.0 - 1e-9) continue;
    const double log_e = std::log(perturbation_energy());
    st += t;
    se += log_e;
    stt += t * t;
    ste += t * log_e;
    count += 1;
  }
  const double growth_rate = 0.5 * (count * ste - st * se) / (count * stt - st * st);
  EXPECT_NEAR(growth_rate, 0.1897 / delta, 0.02 * 0.1897) << "omega_i";
  // Still linear: the perturbation velocity is far below the base flow's.
  EXPECT_LT(std::sqrt(perturbation_energy()) / static_cast<double>(g.points()), 1e-3);
}

TEST(NavierStokes2D, DealiasedAdvectionConservesEnstrophyAndEnergy) {
  // Closed form: int w (u . grad w) = int u . grad(w^2 / 2) = 0 and int psi (u . grad w) = 0
  // for div u = 0 (Kraichnan & Montgomery 1980, Rep. Prog. Phys. 43, 547). With the
  // 2/3 rule the kept modes of the product are exact, so by Parseval
  // sum_k conj(w^_k) N^_k = 0 and sum_k conj(psi^_k) N^_k = 0 up to rounding (unforced).
  const NavierStokes2D s(with({{"nx", 32}, {"ny", 48}, {"ly", 5.0}}));
  const SpectralGrid& g = s.grid();
  std::vector<std::vector<double>> states(L, std::vector<double>(s.dimension()));
  s.default_state(states[0]);
  for (std::size_t l = 1; l < L; ++l) {  // broadband states: content up to the Nyquist modes
    for (std::size_t p = 0; p < s.dimension(); ++p) {
      states[l][p] = states[0][p] + std::sin(0.37 * static_cast<double>(l * p * p) + 1.0);
    }
  }
  const std::vector<Complex> w = to_spectral(g, states);
  std::vector<Complex> n(w.size());
  s.nonlinear(w.data(), n.data(), 0.0);
  for (std::size_t l = 0; l < L; ++l) {
    double enstrophy = 0, energy = 0, scale_z = 0, scale_e = 0;
    for (std::size_t q = 1; q < g.modes(); ++q) {
      const Complex a = w[q * L + l], b = n[q * L + l];
      enstrophy += weight(g, q) * std::real(std::conj(a) * b);
      energy += weight(g, q) * std::real(std::conj(a) * b) / g.k2(q);
      scale_z += weight(g, q) * std::abs(a) * std::abs(b);
      scale_e += weight(g, q) * std::abs(a) * std::abs(b) / g.k2(q);
    }
    ASSERT_GT(scale_z, 0.0);
    EXPECT_LT(std::abs(enstrophy) / scale_z, 1e-13) << "lane " << l;
    EXPECT_LT(std::abs(energy) / scale_e, 1e-13) << "lane " << l;
  }
  // The same product without the truncation is not conservative: the check can fail.
  std::vector<double> u(g.points() * L), v(u.size()), wx(u.size()), wy(u.size());
  std::vector<Complex> f(w.size());
  const auto invert = [&](auto factor, std::vector<double>& out) {
    for (std::size_t i = 0; i < w.size(); ++i) f[i] = factor(i / L) * w[i];
    g.inverse(f.data(), out.data());
  };
  const Complex i1(0.0, 1.0);
  invert([&](std::size_t q) { return q == 0 ? Complex{} : i1 * g.ky(q) / g.k2(q); }, u);
  invert([&](std::size_t q) { return q == 0 ? Complex{} : -i1 * g.kx(q) / g.k2(q); }, v);
  invert([&](std::size_t q) { return i1 * g.kx(q); }, wx);
  invert([&](std::size_t q) { return i1 * g.ky(q); }, wy);
  std::vector<double> w_physical(u.size());
  std::vector<Complex> copy = w;
  g.inverse(copy.data(), w_physical.data());
  double aliased = 0.0, scale = 0.0;
  for (std::size_t i = 1; i < u.size(); i += L) {  // lane 1
    const double product = -(u[i] * wx[i] + v[i] * wy[i]);
    aliased += w_physical[i] * product;
    scale += std::abs(w_physical[i] * product);
  }
  EXPECT_GT(std::abs(aliased) / scale, 1e-6);
}

TEST(NavierStokes2D, DefaultStatesFollowTheirDefinitions) {
  // Preset 0: unit mean square speed and the same band-limited field on any grid.
  const NavierStokes2D coarse(with({{"nx", 16}, {"ny", 16}}));
  const NavierStokes2D fine(with({{"nx", 64}, {"ny", 32}}));
  std::vector<double> a(coarse.dimension()), b(fine.dimension());
  coarse.default_state(a);
  fine.default_state(b);
  for (std::size_t j = 0; j < 16; ++j) {
    for (std::size_t i = 0; i < 16; ++i) {
      EXPECT_NEAR(a[j * 16 + i], b[(2 * j) * 64 + 4 * i], 1e-12);
    }
  }
  const SpectralGrid& g = fine.grid();
  const std::vector<Complex> w = to_spectral(g, {b});
  double mean_square_speed = 0.0, enstrophy = 0.0;
  const double points = static_cast<double>(g.points());
  for (std::size_t q = 1; q < g.modes(); ++q) {
    mean_square_speed += weight(g, q) * std::norm(w[q * L] / points) / g.k2(q);
    enstrophy += weight(g, q) * std::norm(w[q * L] / points);
    const double r2 = g.k2(q);  // 2 pi box: integer wave numbers
    if (r2 < 9.0 - 1e-9 || r2 > 25.0 + 1e-9) {
      EXPECT_LT(std::abs(w[q * L]), 1e-10) << q;
    }
  }
  EXPECT_NEAR(mean_square_speed, 1.0, 1e-12);
  EXPECT_GT(enstrophy, 9.0);  // every mode has |k| >= 3

  // Preset 2: the seed is the domain mode nearest Michalke's alpha = 0.4446 / delta.
  const NavierStokes2D shear(with({{"preset", 2}, {"delta", 0.2}}));
  EXPECT_DOUBLE_EQ(shear.kelvin_helmholtz_wavenumber(), 2.0);  // 0.4446 / 0.2 = 2.22
  std::vector<double> x(shear.dimension());
  shear.default_state(x);
  // w at x = 0, y = ly / 4 (centre of the lower layer): -1 / delta + perturbation * alpha.
  EXPECT_NEAR(x[16 * 64], -1.0 / 0.2 + 1e-3 * 2.0, 1e-12);
}

TEST(NavierStokes2D, CheckDtEnforcesTheAdvectiveLimit) {
  // 64^2 in the 2 pi box: |k|max = sqrt(2) * 21, U_ref = 3: limit 6.5 / (3 * 29.70) = 0.073
  // (ETDRK4 runs of this preset blow up from dt = 0.09 on; see cfl_limit).
  const NavierStokes2D s(default_values(NavierStokes2D::parameters));
  EXPECT_NEAR(s.cfl_limit(), 6.5 / (3.0 * std::sqrt(2.0) * 21.0), 1e-15);
  EXPECT_NO_THROW(s.check_dt(NavierStokes2D::default_dt));
  try {
    s.check_dt(0.1);
    ADD_FAILURE() << "dt = 0.1 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("integrator.dt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CFL"), std::string::npos) << e.what();
  }
  // A strong Kolmogorov forcing raises the reference speed: F / (nu k_f^2) = 0.5 / (5e-3 * 16).
  const NavierStokes2D forced(with({{"forcing", 0.5}}));
  EXPECT_NEAR(forced.cfl_limit() * 6.25, s.cfl_limit() * 3.0, 1e-15);
}

TEST(NavierStokes2D, RejectsParametersItCannotRun) {
  const auto rejects = [](std::initializer_list<std::pair<std::string_view, double>> p,
                          std::string_view key) {
    try {
      NavierStokes2D s(with(p));
      ADD_FAILURE() << "accepted " << key;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("system." + std::string(key) + ":", 0), 0u) << e.what();
    }
  };
  rejects({{"nx", 30.5}}, "nx");
  rejects({{"ny", 14}}, "ny");
  rejects({{"nx", 33}}, "nx");
  rejects({{"lx", -1.0}}, "lx");
  rejects({{"preset", 3}}, "preset");
  rejects({{"nu", -1e-3}}, "nu");
  rejects({{"drag", -0.1}}, "drag");
  rejects({{"hyper_order", 9}}, "hyper_order");
  rejects({{"preset", 2}, {"delta", 0.05}}, "delta");  // below ly / ny = 0.098
  rejects({{"forcing", 1.0}, {"forcing_wavenumber", 22}}, "forcing_wavenumber");
  rejects({{"forcing", 1.0}, {"nu", 0.0}}, "forcing");
  EXPECT_NO_THROW(NavierStokes2D(with({{"delta", 0.05}})));  // only preset 2 uses delta
}

// Taylor test (as tests/systems/conformance_test.cpp): the remainder of the linearisation
// of the rhs, ||f(x + eps v) - f(x) - eps J v||, must fall as eps^2.
TEST(NavierStokes2D, ConformsToTheSystemContract) {
  for (double preset : {0.0, 1.0, 2.0}) {
    SCOPED_TRACE(preset);
    const NavierStokes2D s(with({{"preset", preset}, {"nx", 32}, {"ny", 32}, {"forcing", 0.1}}));
    const std::size_t n = s.dimension();
    std::vector<double> x(n), work(5 * n);
    s.default_state(x);
    for (std::size_t k = 0; k < 50; ++k) {  // a short run of the generic path
      explicit_rk_step<ClassicRk4Tableau>(s, x.data(), k * 0.01, 0.01, work.data(), n);
    }
    for (double value : x) ASSERT_TRUE(std::isfinite(value));
    std::vector<double> weights(n);
    s.norm_weights(weights);  // the enstrophy norm: weights sum to the box's area
    double area = 0.0;
    for (double w : weights) area += w;
    EXPECT_NEAR(area, 4.0 * std::numbers::pi * std::numbers::pi, 1e-12);

    std::vector<double> v(n), f0(n), jv(n), f1(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(1.7 * static_cast<double>(i + 1) + 0.3);
    jvp(s, x, v, 0.0, f0, jv);
    std::vector<double> remainders;
    for (double eps : {1e-2, 1e-3, 1e-4}) {
      std::vector<double> xe = x;
      for (std::size_t i = 0; i < n; ++i) xe[i] += eps * v[i];
      s.rhs(xe.data(), f1.data(), 0.0);
      double r = 0;
      for (std::size_t i = 0; i < n; ++i) r += std::pow(f1[i] - f0[i] - eps * jv[i], 2);
      remainders.push_back(std::sqrt(r));
    }
    EXPECT_NEAR(std::log10(remainders[0] / remainders[1]), 2.0, 0.05);
    EXPECT_NEAR(std::log10(remainders[1] / remainders[2]), 2.0, 0.2);

    // Pack lanes: four different states at once give each state's double rhs bit for bit.
    std::vector<Pack> xp(n), fp(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t l = 0; l < kPackWidth; ++l) xp[i][l] = x[i] + 0.1 * l * v[i];
    }
    s.rhs(xp.data(), fp.data(), 0.0);
    for (std::size_t l = 0; l < kPackWidth; ++l) {
      std::vector<double> xl(n), fl(n);
      for (std::size_t i = 0; i < n; ++i) xl[i] = xp[i][l];
      s.rhs(xl.data(), fl.data(), 0.0);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(fp[i][l], fl[i]) << "lane " << l;
    }
  }
}

}  // namespace
}  // namespace butterfly
