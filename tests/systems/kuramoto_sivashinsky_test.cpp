// Kuramoto-Sivashinsky: Kassam & Trefethen's problem against an independent scipy solution,
// fourth-order convergence of ETDRK4, the exact linear regime, the invariant mean, the
// nonlinear term and the adjoint against closed forms and the dot-product test.
#include "butterfly/systems/kuramoto_sivashinsky.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/etdrk4_stepper.hpp"
#include "butterfly/systems/registry.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

constexpr double kPi = std::numbers::pi;

KuramotoSivashinsky make(double nx, double length) { return KuramotoSivashinsky({nx, length}); }

std::vector<double> run(const KuramotoSivashinsky& ks, std::vector<double> x, double t0, double t1,
                        double h) {
  const Etdrk4Stepper<KuramotoSivashinsky> stepper(ks);
  stepper.advance(std::span<double>(x), t0, static_cast<std::size_t>(std::llround((t1 - t0) / h)),
                  h);
  return x;
}

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// u(x_i, t) at the grid points i = 3, 11, ..., 123 of Kassam & Trefethen's problem (L = 32 pi,
// N = 128 with 2/3 dealiasing, u0 = cos(x/16)(1 + sin(x/16)), x_i = i L / N) at t = 10, 30, 60,
// from an independent implementation: numpy FFTs and scipy's DOP853 (an explicit 8th-order
// Runge-Kutta, no exponential integrator), rtol = atol = 1e-13; a rerun at 3e-14 moves them
// by 1.1e-13 (t = 10, 30) and 3.0e-12 (t = 60). The points avoid the mirror pairs of the
// solution's odd symmetry about x = 8 pi. Script (/usr/bin/python3, numpy 1.24, scipy 1.10):
//   N, L = 128, 32 * np.pi; x = L * np.arange(N) / N
//   u0 = np.cos(2 * np.pi * x / L) * (1 + np.sin(2 * np.pi * x / L))
//   k = 2 * np.pi * np.fft.rfftfreq(N, 1.0 / N) / L; keep = 3 * np.arange(N // 2 + 1) < N
//   def f(t, u):
//       uh = np.fft.rfft(u); ud = np.fft.irfft(np.where(keep, uh, 0), N)
//       nl = np.where(keep, -0.5j * k * np.fft.rfft(ud * ud), 0)
//       return np.fft.irfft((k**2 - k**4) * uh + nl, N)
//   for T in (10, 30, 60):
//       u = solve_ivp(f, (0, T), u0, method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
//       print(u[3::8])
constexpr std::array<double, 3> kReferenceTimes = {10.0, 30.0, 60.0};
constexpr double kReference[3][16] = {
    {0.68968292287141109, 0.95456659145600808, 1.1732297021152971, 0.99430733138919924,
     -1.9323675066182056, -1.2590320319593835, -1.0214313977456804, -0.75499215487407689,
     -0.49000864772318775, -0.24559948708845691, -0.0566896572646284, 0.021657850770578923,
     -0.018531096839000397, 0.02545436999175198, 0.19079369794013581, 0.42513729361982316},
    {0.35142163058675568, 0.5296544057931809, 0.5684184056854632, 0.29353386262940073,
     -1.1721313994873974, -0.84842509096509344, -0.52365067768633267, -0.39804896429511316,
     -0.26948713485308723, -0.13993162405013729, -0.011413939218679588, 0.24556867936961721,
     -0.49218276522683951, 0.078064121989418561, 0.096919904574601312, 0.23835791666712039},
    {1.7883209004674854, -2.2963774773627712, 0.85300892756073066, 0.4075967981475756,
     -1.5431260633822241, 2.0680882660943745, 1.2726884751971959, -0.71897891632528277,
     1.0189949228348596, -0.42217345062942185, -2.4504706182986191, -0.10872813831010436,
     -1.4332921740205671, 1.0153542378558675, -0.92555175578390947, -0.13467486354629726},
};

// Largest error at the reference points, at each reference time, with step h.
std::array<double, 3> errors_against_reference(double h) {
  const KuramotoSivashinsky ks(default_values(KuramotoSivashinsky::parameters));
  std::vector<double> x(ks.dimension());
  ks.default_state(x);
  std::array<double, 3> errors{};
  double t = 0.0;
  for (std::size_t j = 0; j < 3; ++j) {
    x = run(ks, x, t, kReferenceTimes[j], h);
    t = kReferenceTimes[j];
    for (std::size_t p = 0; p < 16; ++p) {
      errors[j] = std::max(errors[j], std::abs(x[3 + 8 * p] - kReference[j][p]));
    }
  }
  return errors;
}

TEST(KuramotoSivashinsky, DefaultsAreKassamTrefethensProblem) {
  const KuramotoSivashinsky ks(default_values(KuramotoSivashinsky::parameters));
  EXPECT_EQ(ks.dimension(), 128u);
  EXPECT_DOUBLE_EQ(ks.grid().lx(), 32.0 * kPi);
  EXPECT_EQ(KuramotoSivashinsky::default_dt, 0.25);
  EXPECT_EQ(KuramotoSivashinsky::default_scheme, "etdrk4");
  // kursiv.m: u = cos(x/16) .* (1 + sin(x/16)), there on x = 32 pi (1:N)/N: the same points,
  // shifted by one index.
  std::vector<double> x(128);
  ks.default_state(x);
  for (std::size_t i = 0; i < 128; ++i) {
    const double xi = 32.0 * kPi * static_cast<double>(i) / 128.0;
    EXPECT_NEAR(x[i], std::cos(xi / 16.0) * (1.0 + std::sin(xi / 16.0)), 1e-15);
  }
}

TEST(KuramotoSivashinsky, KassamTrefethenProblemMatchesAnIndependentSolution) {
  // At Kassam & Trefethen's step h = 1/4 the ETDRK4 error (measured 1.1e-5, 4.0e-5, 1.1e-2 at
  // t = 10, 30, 60) grows with the chaos; allowed: about 3x that. At h = 1/32 (measured 1.8e-8,
  // 6.4e-8, 1.3e-5) the solutions agree to 4e-8 / 2e-7 / 6e-5 -- two implementations that share
  // nothing but the semi-discrete equations.
  const std::array<double, 3> coarse = errors_against_reference(0.25);
  EXPECT_LT(coarse[0], 4e-5);
  EXPECT_LT(coarse[1], 1.5e-4);
  EXPECT_LT(coarse[2], 3e-2);
  const std::array<double, 3> fine = errors_against_reference(1.0 / 32.0);
  EXPECT_LT(fine[0], 4e-8);
  EXPECT_LT(fine[1], 2e-7);
  EXPECT_LT(fine[2], 6e-5);
}

TEST(KuramotoSivashinsky, Etdrk4ConvergesAtFourthOrder) {
  // Cox & Matthews (2002): ETDRK4 is fourth order. Errors at t = 3 of Kassam & Trefethen's
  // problem with h = 1/4, 1/8, 1/16 against h = 1/256: measured orders 3.99 and 4.00. (On the
  // attractor, e.g. t in [60, 70], these steps give 2.9-3.3, the stiff-regime order reduction
  // of Hochbruck & Ostermann (2005); an independent numpy ETDRK4 gives the same errors to 3
  // digits, and the order climbs to 3.9 by h = 1/128.)
  const KuramotoSivashinsky ks(default_values(KuramotoSivashinsky::parameters));
  std::vector<double> x0(ks.dimension());
  ks.default_state(x0);
  const std::vector<double> reference = run(ks, x0, 0.0, 3.0, 1.0 / 256.0);
  std::array<double, 3> error{};
  for (std::size_t j = 0; j < 3; ++j) {
    error[j] = max_difference(run(ks, x0, 0.0, 3.0, 0.25 / static_cast<double>(1 << j)), reference);
  }
  for (std::size_t j = 0; j + 1 < 3; ++j) {
    const double order = std::log2(error[j] / error[j + 1]);
    EXPECT_GE(order, 3.7) << "h = 1/" << (4 << j);
    EXPECT_LE(order, 4.3) << "h = 1/" << (4 << j);
  }
}

TEST(KuramotoSivashinsky, SmallModesGrowOrDecayAtTheLinearRate) {
  // Closed form: for |u| -> 0, u_t = -u_xx - u_xxxx, so eps cos(k x) becomes
  // eps exp((k^2 - k^4) t) cos(k x). ETDRK4 integrates the linear part exactly, so with
  // eps = 1e-10 only the O(eps) relative effect of u u_x remains.
  // The decaying mode runs to t = 2 only (factor 3.6e-3), so that it stays far above the
  // round-off of the other modes.
  const KuramotoSivashinsky ks(default_values(KuramotoSivashinsky::parameters));
  const double eps = 1e-10;
  for (int m : {3, 8, 24}) {  // k = 0.1875 (growing), 0.5 (growing), 1.5 (decaying)
    const double t = m == 24 ? 2.0 : 10.0;
    const double k = 2.0 * kPi * m / ks.grid().lx();
    std::vector<double> x(ks.dimension());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = eps * std::cos(k * ks.grid().x(i));
    const std::vector<double> y = run(ks, x, 0.0, t, 0.25);
    const double growth = std::exp((k * k - k * k * k * k) * t);
    for (std::size_t i = 0; i < y.size(); ++i) {
      EXPECT_NEAR(y[i] / eps, growth * std::cos(k * ks.grid().x(i)), 1e-8 * growth) << "m " << m;
    }
  }
}

TEST(KuramotoSivashinsky, RightHandSideOfACosineIsTheClosedForm) {
  // u = A cos(k x): u_xx = -k^2 u, u_xxxx = k^4 u, u u_x = -(A^2 k / 2) sin(2 k x), so
  // f = A (k^2 - k^4) cos(k x) + (A^2 k / 2) sin(2 k x) (2k is a kept mode here). Allowed:
  // 1e-11, the round-off of the transforms (1e-16) times the largest |k^2 - k^4| (6.9e3).
  const KuramotoSivashinsky ks = make(64, 22.0);
  const double a = 0.7, k = 2.0 * kPi * 3.0 / 22.0;
  std::vector<double> x(64), f(64);
  for (std::size_t i = 0; i < 64; ++i) x[i] = a * std::cos(k * ks.grid().x(i));
  ks.rhs(x.data(), f.data(), 0.0);
  for (std::size_t i = 0; i < 64; ++i) {
    const double xi = ks.grid().x(i);
    EXPECT_NEAR(
        f[i],
        a * (k * k - k * k * k * k) * std::cos(k * xi) + 0.5 * a * a * k * std::sin(2.0 * k * xi),
        1e-11);
  }
}

TEST(KuramotoSivashinsky, TheMeanIsInvariant) {
  // d/dt of the mean = -(1/L) integral of (u^2/2 + u_x + u_xxx)_x dx = 0 on a periodic
  // domain: the k = 0 mode has L = 0 and N = 0, so ETDRK4 keeps it exactly (e = 1).
  const KuramotoSivashinsky ks = make(64, 22.0);
  std::vector<double> x(64);
  ks.default_state(x);
  for (double& v : x) v += 0.3;
  const std::vector<double> y = run(ks, x, 0.0, 100.0, 0.25);
  double mean = 0.0;
  for (double v : y) mean += v / 64.0;
  EXPECT_NEAR(mean, 0.3, 1e-13);
  EXPECT_GT(max_difference(x, y), 0.1);  // while the field itself changed
}

TEST(KuramotoSivashinsky, AdjointPassesTheDotProductTest) {
  // <J v, w> = <v, J^T w> with J v from the Dual rhs (nonlinear_jvp) and J^T w from vjp.
  const KuramotoSivashinsky ks = make(64, 22.0);
  std::vector<double> x(64), v(64), w(64), f(64), jv(64), jtw(64);
  ks.default_state(x);
  x = run(ks, x, 0.0, 50.0, 0.25);
  for (std::size_t i = 0; i < 64; ++i) {
    v[i] = std::sin(1.3 * static_cast<double>(i) + 0.2);
    w[i] = std::cos(0.7 * static_cast<double>(i * i) + 0.1);
  }
  jvp(ks, x, v, 0.0, f, jv);
  ks.vjp(x.data(), w.data(), jtw.data(), 0.0);
  double left = 0.0, right = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < 64; ++i) {
    left += jv[i] * w[i];
    right += v[i] * jtw[i];
    scale += std::abs(jv[i] * w[i]);
  }
  EXPECT_NEAR(left, right, 1e-13 * scale);
  EXPECT_GT(scale, 1.0);
}

TEST(KuramotoSivashinsky, EnergyWeightsIntegrateTheSquare) {
  // Closed form: the integral of cos^2(2 pi x / L) over [0, L) is L / 2.
  const KuramotoSivashinsky ks = make(64, 22.0);
  std::vector<double> weights(64);
  ks.norm_weights(weights);
  double energy = 0.0;
  for (std::size_t i = 0; i < 64; ++i) {
    const double u = std::cos(2.0 * kPi * ks.grid().x(i) / 22.0);
    energy += weights[i] * u * u;
  }
  EXPECT_NEAR(energy, 11.0, 1e-12);
}

TEST(KuramotoSivashinsky, BadParametersAndStepsAreUsageErrors) {
  const auto message = [](const ParameterOverrides& overrides) {
    try {
      make_system("kuramoto_sivashinsky", overrides);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({{"nx", 63.0}}),
            "system.nx: must be even (FFT grid with 2/3 dealiasing), got 63");
  EXPECT_EQ(message({{"length", 0.0}}), "system.length: must be a finite length > 0, got 0");
  EXPECT_EQ(message({{"nx", 4.0}}), "system.nx: must be at least 8, got 4");
  // L = 32 pi needs i = 31 kept (k = 1.94): nx >= 94; 64 points keep i <= 21 (k = 1.31), which
  // blows up (measured).
  EXPECT_EQ(message({{"nx", 64.0}}),
            "system.nx: 64 points under-resolve length 100.531 (the dealiased modes must reach k "
            "= 1.9); need nx >= 94");
  EXPECT_NO_THROW(make_system("kuramoto_sivashinsky", {{"nx", 94.0}}));
  EXPECT_NO_THROW(make_system("kuramoto_sivashinsky", {{"nx", 24.0}, {"length", 22.0}}));
  const KuramotoSivashinsky ks(default_values(KuramotoSivashinsky::parameters));
  EXPECT_NO_THROW(ks.check_dt(0.25));
  EXPECT_NO_THROW(ks.check_dt(2.0));
  EXPECT_THROW(ks.check_dt(3.0), UsageError);
}

}  // namespace
}  // namespace butterfly
