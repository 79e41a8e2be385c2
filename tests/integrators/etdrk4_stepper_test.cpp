// ETDRK4: the contour-integral coefficients against their closed forms, fourth-order
// convergence to the exact solution of a forced advection-diffusion problem (complex symbol,
// time-dependent N), the truth's bits against a member's, the per-dt coefficient cache under
// threads, and the scheme's binding and errors.
#include "butterfly/integrators/etdrk4_stepper.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/systems/kuramoto_sivashinsky.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {
namespace {

constexpr double kPi = std::numbers::pi;

// u_t = -c u_x + nu u_xx + cos(omega t) sin(x) on [0, 2 pi): L = -i c k - nu k^2 (complex),
// N(u, t) = FFT of the forcing, independent of u. A test-only spectral system.
class ForcedAdvectionDiffusion {
 public:
  static constexpr std::string_view name = "forced_advection_diffusion";
  static constexpr std::string_view summary = "test system";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 0> parameters{};
  static constexpr double c = 1.0, nu = 0.5, omega = 2.0;
  static constexpr std::size_t n = 16;

  explicit ForcedAdvectionDiffusion(const ParameterValues<0>&) : grid_(n, 1, 2.0 * kPi, 1.0) {
    for (std::size_t q = 0; q < grid_.modes(); ++q) {
      const double k = grid_.kx(q);
      linear_.emplace_back(-nu * k * k, -c * k);
    }
  }
  std::size_t dimension() const { return n; }
  void default_state(std::span<double> x) const {
    for (std::size_t i = 0; i < n; ++i)
      x[i] = 0.5 * std::cos(grid_.x(i)) + std::sin(2.0 * grid_.x(i));
  }
  template <class T>
  void rhs(const T* x, T* dxdt, double t) const {
    spectral_rhs(*this, x, dxdt, t);
  }
  const SpectralGrid& grid() const { return grid_; }
  std::size_t fields() const { return 1; }
  std::span<const Complex> linear() const { return linear_; }
  // FFT(sin x) = -i n / 2 at q = 1.
  void nonlinear(const Complex*, Complex* out, double t) const {
    for (std::size_t l = 0; l < kSpectralLanes; ++l) {
      out[1 * kSpectralLanes + l] = std::cos(omega * t) * Complex(0.0, -0.5 * n);
    }
  }
  void nonlinear_jvp(const Complex*, const Complex*, Complex*, double) const {}

 private:
  SpectralGrid grid_;
  std::vector<Complex> linear_;
};
static_assert(SpectralSystem<ForcedAdvectionDiffusion>);

// The exact solution at t (variation of constants per Fourier mode):
// u^_1(t) = e^{l1 t} u^_1(0) + F/2 [(e^{i w t} - e^{l1 t}) / (i w - l1) + (e^{-i w t} - e^{l1 t})
// / (-i w - l1)], F = -i n/2, u^_1(0) = n/4; u^_2(t) = e^{l2 t} (-i n/2); u = (2/n) Re sum u^_q
// e^{iqx}.
std::vector<double> exact(double t) {
  using S = ForcedAdvectionDiffusion;
  const double n = S::n;
  const Complex i(0.0, 1.0), l1(-S::nu, -S::c), l2(-4.0 * S::nu, -2.0 * S::c), f(0.0, -0.5 * n);
  const Complex w = i * S::omega;
  const Complex u1 =
      std::exp(l1 * t) * (n / 4.0) + 0.5 * f *
                                         ((std::exp(w * t) - std::exp(l1 * t)) / (w - l1) +
                                          (std::exp(-w * t) - std::exp(l1 * t)) / (-w - l1));
  const Complex u2 = std::exp(l2 * t) * Complex(0.0, -0.5 * n);
  std::vector<double> u(S::n);
  for (std::size_t p = 0; p < S::n; ++p) {
    const double x = 2.0 * kPi * static_cast<double>(p) / n;
    u[p] = (2.0 / n) * (u1 * std::exp(i * x) + u2 * std::exp(2.0 * i * x)).real();
  }
  return u;
}

// The closed forms of Kassam & Trefethen (2005), eq. (2.5), in long double, as h = 1 multiples.
std::array<std::complex<long double>, 4> closed_form(std::complex<long double> z) {
  const std::complex<long double> e = std::exp(z), z3 = z * z * z;
  return {(std::exp(z / 2.0L) - 1.0L) / z, (-4.0L - z + e * (4.0L - 3.0L * z + z * z)) / z3,
          (2.0L + z + e * (z - 2.0L)) / z3, (-4.0L - 3.0L * z - z * z + e * (4.0L - z)) / z3};
}

TEST(Etdrk4Coefficients, MatchTheClosedFormsAwayFromZero) {
  // Relative agreement 5e-13: the hardest case, z = -1 (L = -2), puts contour points at
  // |w| = 2 sin(pi / 64) = 0.098, where the numerators cancel to w^3 / 6 (measured 1.0e-13).
  const double h = 0.5;
  const std::vector<Complex> symbol = {-60.0, -8.0, -3.0, -2.0, 3.0, 6.0, {-4.0, 6.0}, {0.0, 8.0}};
  const Etdrk4Coefficients c = etdrk4_coefficients(symbol, h);
  ASSERT_EQ(c.modes.size(), symbol.size());
  EXPECT_EQ(c.h, h);
  for (std::size_t i = 0; i < symbol.size(); ++i) {
    SCOPED_TRACE(i);
    const std::complex<long double> z(symbol[i].real() * h, symbol[i].imag() * h);
    const auto f = closed_form(z);
    const Etdrk4Coefficients::Mode& m = c.modes[i];
    const Complex got[4] = {m.q, m.f1, m.f2, m.f3};
    for (std::size_t j = 0; j < 4; ++j) {
      const Complex want(static_cast<double>(f[j].real() * h),
                         static_cast<double>(f[j].imag() * h));
      EXPECT_LT(std::abs(got[j] - want), 5e-13 * std::abs(want)) << "coefficient " << j;
    }
    EXPECT_LT(std::abs(m.e - std::exp(symbol[i] * h)), 1e-15 * std::abs(m.e));
    EXPECT_LT(std::abs(m.e2 - std::exp(symbol[i] * h / 2.0)), 1e-15 * std::abs(m.e2));
    if (symbol[i].imag() == 0.0) {
      EXPECT_EQ(m.f1.imag(), 0.0);
    }
  }
}

TEST(Etdrk4Coefficients, ReachTheirLimitsAtZeroWithoutCancellation) {
  // Limits z -> 0: q = h/2, f1 = f2 = f3 = h/6 (the weights of Simpson's rule: ETDRK4
  // reduces to classic RK4 for L = 0), with slopes h/8, h/6, h/12, 0 -- so the values at
  // z = 1e-7 differ from the limits by about 1e-8 h, which the direct formula (divided by
  // z^3 = 1e-21) cannot resolve at all.
  const double h = 0.25;
  const Etdrk4Coefficients c = etdrk4_coefficients(std::vector<Complex>{0.0, 1e-7 / h}, h);
  for (const Etdrk4Coefficients::Mode& m : c.modes) {
    EXPECT_NEAR(m.q.real(), h / 2.0, 2e-8 * h);
    EXPECT_NEAR(m.f1.real(), h / 6.0, 2e-8 * h);
    EXPECT_NEAR(m.f2.real(), h / 6.0, 2e-8 * h);
    EXPECT_NEAR(m.f3.real(), h / 6.0, 2e-8 * h);
  }
  EXPECT_NEAR(c.modes[0].q.real(), h / 2.0, 1e-15);
  EXPECT_NEAR(c.modes[0].f2.real(), h / 6.0, 1e-15);
  EXPECT_NEAR(c.modes[1].q.real() - c.modes[0].q.real(), h * 1e-7 / 8.0, 1e-15);
}

TEST(Etdrk4Coefficients, BadStepsAreUsageErrors) {
  const std::vector<Complex> symbol = {-1.0, 1000.0};
  const auto message = [&](double h) {
    try {
      etdrk4_coefficients(symbol, h);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(0.0), "integrator.dt: etdrk4 needs a finite step > 0, got 0");
  EXPECT_EQ(message(-0.1), "integrator.dt: etdrk4 needs a finite step > 0, got -0.1");
  EXPECT_EQ(message(1.0).rfind("integrator.dt: etdrk4 coefficients overflow at dt = 1", 0), 0u);
}

TEST(Etdrk4Stepper, ConvergesAtFourthOrderToTheExactForcedSolution) {
  // Against the closed form above at t = 2: steps 0.2, 0.1, 0.05 (|L h| <= 0.45, the
  // non-stiff regime) must show order 4 (Cox & Matthews 2002), within [3.7, 4.3]; this also
  // checks the stage times t + h/2, t + h/2, t + h of a time-dependent N.
  const ForcedAdvectionDiffusion system(ParameterValues<0>{});
  const Etdrk4Stepper<ForcedAdvectionDiffusion> stepper(system);
  const std::vector<double> want = exact(2.0);
  std::array<double, 3> error{};
  for (std::size_t j = 0; j < 3; ++j) {
    const double h = 0.2 / static_cast<double>(1 << j);
    std::vector<double> x(ForcedAdvectionDiffusion::n);
    system.default_state(x);
    stepper.advance(std::span<double>(x), 0.0, 10u << j, h);
    for (std::size_t p = 0; p < x.size(); ++p)
      error[j] = std::max(error[j], std::abs(x[p] - want[p]));
  }
  EXPECT_LT(error[0], 1e-4);
  for (std::size_t j = 0; j + 1 < 3; ++j) {
    const double order = std::log2(error[j] / error[j + 1]);
    EXPECT_GE(order, 3.7) << j;
    EXPECT_LE(order, 4.3) << j;
  }
}

TEST(Etdrk4Stepper, TheTruthGetsTheBitsOfAMemberWithTheSameState) {
  // The truth runs in every lane; a member runs in one lane beside others (DESIGN invariant 3).
  const KuramotoSivashinsky ks({64.0, 22.0});
  const Etdrk4Stepper<KuramotoSivashinsky> stepper(ks);
  std::vector<double> truth(64);
  ks.default_state(truth);
  EnsembleBlock block(64, 6, 0);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    for (std::size_t i = 0; i < 64; ++i) {
      block.at(i, m) = truth[i] + (m == 5 ? 0.0 : 1e-3 * static_cast<double>(m + 1));
    }
  }
  stepper.advance(block, 0.0, 40, 0.25);
  stepper.advance(std::span<double>(truth), 0.0, 40, 0.25);
  for (std::size_t i = 0; i < 64; ++i) ASSERT_EQ(block.at(i, 5), truth[i]) << i;
  EXPECT_NE(block.at(0, 4), truth[0]);
}

TEST(Etdrk4Stepper, CoefficientsPerStepAreSharedSafelyByThreads) {
  // Four threads ask for three steps at once (two not precomputed): every result equals a
  // fresh single-threaded run with that step.
  const KuramotoSivashinsky ks({64.0, 22.0});
  const Etdrk4Stepper<KuramotoSivashinsky> shared(ks);
  const double steps[4] = {0.25, 0.1, 0.2, 0.1};
  std::vector<std::vector<double>> results(4, std::vector<double>(64));
  ThreadPool pool(4);
  pool.parallel_for(4, [&](std::size_t j, std::size_t) {
    ks.default_state(results[j]);
    shared.advance(std::span<double>(results[j]), 0.0, 20, steps[j]);
  });
  for (std::size_t j = 0; j < 4; ++j) {
    std::vector<double> x(64);
    ks.default_state(x);
    Etdrk4Stepper<KuramotoSivashinsky>(ks).advance(std::span<double>(x), 0.0, 20, steps[j]);
    EXPECT_EQ(results[j], x) << "dt " << steps[j];
  }
  EXPECT_NE(results[0], results[1]);
}

TEST(Etdrk4Stepper, BindsToSpectralSystemsOnly) {
  const auto stepper = make_stepper(make_system("kuramoto_sivashinsky", {}), "etdrk4");
  EXPECT_EQ(stepper->dimension(), 128u);
  try {
    make_stepper(make_system("lorenz63", {}), "etdrk4");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "integrator.scheme: etdrk4 needs a spectral system (stiff linear part + "
                 "nonlinear part); lorenz63 is not one");
  }
}

}  // namespace
}  // namespace butterfly
