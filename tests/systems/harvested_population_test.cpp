// May's harvested population: the fold from the closed-form equilibrium curve, the
// deterministic slow-ramp collapse with the saddle-node delay law, the null system, the
// positivity that multiplicative noise keeps, and the conformance checks.
#include "butterfly/systems/harvested_population.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/integrators/stochastic_stepper.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

constexpr double kAiryZero = 2.338107410459767;  // |a1| of Ai (A&S Table 10.13)

// r = 1, K = 10, h = 1 (Dakos et al. 2012, Fig. 1A).
HarvestedPopulation make(double c_start, double ramp_rate, double sigma) {
  return HarvestedPopulation({1.0, 10.0, 1.0, c_start, ramp_rate, sigma});
}

// The nonzero equilibria satisfy c = C(x) = r (1 - x/K)(x + h^2/x) (the rhs divided by x,
// solved for c; May 1977, Fig. 3). The folds are the extrema of C:
// C'(x) = r [-(x + h^2/x)/K + (1 - x/K)(1 - h^2/x^2)] = 0, here by bisection.
double equilibrium_curve(double x) { return (1.0 - x / 10.0) * (x + 1.0 / x); }
double equilibrium_slope(double x) {
  return -(x + 1.0 / x) / 10.0 + (1.0 - x / 10.0) * (1.0 - 1.0 / (x * x));
}
double bisect_slope(double lo, double hi) {
  const bool rising_at_lo = equilibrium_slope(lo) > 0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    ((equilibrium_slope(mid) > 0) == rising_at_lo ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

TEST(HarvestedPopulation, RightHandSideByHand) {
  // x = 2, c(t = 50) = 1 + 0.01 * 50 = 1.5: 2 (1 - 0.2) - 1.5 * 4 / 5 = 1.6 - 1.2 = 0.4.
  const HarvestedPopulation s(default_values(HarvestedPopulation::parameters));
  const double x = 2.0;
  double f = 0, g = 0;
  s.rhs(&x, &f, 50.0);
  s.diffusion(&x, &g, 50.0);
  EXPECT_NEAR(f, 0.4, 1e-15);
  EXPECT_DOUBLE_EQ(g, 0.05 * 2.0);  // multiplicative: sigma x
}

TEST(HarvestedPopulation, FoldsOfTheEquilibriumCurve) {
  // Upper fold (collapse) c_f = 2.6044 at x_f = 4.781, lower fold (recovery) 1.7872 at 1.138:
  // Dakos et al. 2012 Fig. 1A show F1 near c = 2.6 and F2 near 1.8; 2.604 is the value
  // used for K = 10 in Bury et al.'s ewstools examples. Here from the closed form above.
  const double x_f = bisect_slope(2.0, 8.0);
  const double c_f = equilibrium_curve(x_f);
  const double x_l = bisect_slope(0.3, 2.0);
  EXPECT_NEAR(c_f, 2.604365, 1e-6);
  EXPECT_NEAR(x_f, 4.781284, 1e-6);
  EXPECT_NEAR(equilibrium_curve(x_l), 1.787230, 1e-6);
  // At (x_f, c_f) the model's rhs and its derivative (tangent by Dual numbers) both vanish.
  const HarvestedPopulation at_fold = make(c_f, 0.0, 0.0);
  const std::array<double, 1> x{x_f}, v{1.0};
  std::array<double, 1> f{}, jv{};
  jvp(at_fold, std::span<const double>(x), std::span<const double>(v), 0.0, std::span<double>(f),
      std::span<double>(jv));
  EXPECT_NEAR(f[0], 0.0, 1e-12);
  EXPECT_NEAR(jv[0], 0.0, 1e-9);
  // The largest equilibrium jumps from the upper branch to the collapsed one at c_f.
  EXPECT_GT(at_fold.largest_equilibrium(c_f - 1e-3), 4.5);
  EXPECT_LT(at_fold.largest_equilibrium(c_f + 1e-3), 0.5);
  // And default_state is that equilibrium: x = 10 (1 - x/10)(x^2 + 1) = x at c = 1.
  std::array<double, 1> x0{};
  make(1.0, 0.0, 0.0).default_state(x0);
  EXPECT_NEAR((1.0 - x0[0] / 10.0) * (x0[0] * x0[0] + 1.0), x0[0], 1e-12);
  EXPECT_GT(x0[0], 8.0);
}

// Time after the fold (t_f = (c_f - c_start) / eps) at which x first falls below 1, by RK4.
double collapse_delay(double eps, double c_f) {
  const double c_start = 2.0;
  const HarvestedPopulation s = make(c_start, eps, 0.0);
  std::array<double, 1> x{};
  s.default_state(x);
  std::array<double, 5> work{};
  const double dt = 0.02;
  const double t_f = (c_f - c_start) / eps;
  for (long k = 0; k * dt < t_f + 400.0; ++k) {
    const double t = static_cast<double>(k) * dt;
    const double before = x[0];
    explicit_rk_step<ClassicRk4Tableau>(s, x.data(), t, dt, work.data(), 1);
    if (x[0] < 1.0) return t + dt * (before - 1.0) / (before - x[0]) - t_f;
  }
  return -1.0;
}

TEST(HarvestedPopulation, SlowRampCollapsesWithTheSaddleNodeDelay) {
  // Near the fold, y = x - x_f obeys dy/dt = -A eps (t - t_f) - B y^2 with A = -df/dc =
  // x_f^2 / (x_f^2 + h^2) and B = -f_xx / 2, i.e. the normal form with ramp A B eps: the
  // collapse lags the fold by |a1| (A B eps)^(-1/3) (saddle-node Airy law; Berglund & Gentz
  // 2006, Sec. 2.2.2), to a relative O(eps^(1/3)) that an independent integration with
  // scipy's solve_ivp (rtol 1e-11) puts at -2.4% for eps = 1e-3 and -0.7% for eps = 1e-4.
  const double x_f = bisect_slope(2.0, 8.0);
  const double c_f = equilibrium_curve(x_f);
  const double a = x_f * x_f / (x_f * x_f + 1.0);
  const double q = x_f * x_f + 1.0;
  // f_xx = -2 r / K - c 2 h^2 (h^2 - 3 x^2) / (x^2 + h^2)^3.
  const double f_xx = -0.2 - c_f * 2.0 * (1.0 - 3.0 * x_f * x_f) / (q * q * q);
  const double b = -f_xx / 2.0;
  const double d3 = collapse_delay(1e-3, c_f);
  const double d4 = collapse_delay(1e-4, c_f);
  const double p3 = kAiryZero * std::cbrt(1.0 / (a * b * 1e-3));
  const double p4 = kAiryZero * std::cbrt(1.0 / (a * b * 1e-4));
  EXPECT_NEAR(d3 / p3, 0.9756, 0.005);
  EXPECT_NEAR(d4 / p4, 0.9926, 0.003);
  // Delay exponent between the two rates: 1/3 up to the O(eps^(1/3)) correction (0.341).
  EXPECT_NEAR(std::log10(d4 / d3), 1.0 / 3.0, 0.015);
}

TEST(HarvestedPopulation, NullSystemStaysAtItsEquilibrium) {
  // ramp_rate = 0, c = 1: the upper equilibrium is a fixed point ...
  const HarvestedPopulation quiet = make(1.0, 0.0, 0.0);
  std::array<double, 1> x{};
  quiet.default_state(x);
  const double x_star = x[0];
  std::array<double, 5> work{};
  for (int k = 0; k < 50000; ++k) {
    explicit_rk_step<ClassicRk4Tableau>(quiet, x.data(), k * 0.02, 0.02, work.data(), 1);
  }
  EXPECT_NEAR(x[0], x_star, 1e-10);
  // ... and with noise every member stays near it for 50 time units (40 relaxation times) (no
  // tipping: the null system never reaches the fold, c stays at 1 < 1.787 where it is not even
  // bistable).
  const HarvestedPopulation noisy = make(1.0, 0.0, 0.05);
  const StochasticStepper<HarvestedPopulation, EulerMaruyama> stepper(noisy,
                                                                      StepperOptions{.seed = 9});
  EnsembleBlock block(1, 200, 0);
  for (std::size_t m = 0; m < block.stride(); ++m) block.at(0, m) = x_star;
  stepper.advance(block, 0.0, 5000, 0.01);
  double sum = 0;
  for (std::size_t m = 0; m < block.members(); ++m) {
    EXPECT_NEAR(block.at(0, m), x_star, 2.0) << "member " << m;
    sum += block.at(0, m);
  }
  // The linearised rate is f'(x*) ~ -0.8 here, so the stationary std is about
  // 0.05 x* / sqrt(1.6) = 0.35; the mean of 200 members is within 0.15 (6 standard errors).
  EXPECT_NEAR(sum / 200.0, x_star, 0.15);
}

TEST(HarvestedPopulation, MultiplicativeNoiseKeepsTheCollapsedStatePositive) {
  // Collapsed state (c = 3: x* ~ 0.3) with strong noise: sigma x dW never crosses x = 0 (the
  // reason for the noise form), and Milstein (which needs dg/dx = sigma via Dual) runs.
  const HarvestedPopulation s = make(3.0, 0.0, 0.3);
  const StochasticStepper<HarvestedPopulation, EulerMaruyama> em(s, StepperOptions{.seed = 2});
  const StochasticStepper<HarvestedPopulation, Milstein> milstein(s, StepperOptions{.seed = 2});
  EnsembleBlock a(1, 64, 0), b(1, 64, 0);
  for (std::size_t m = 0; m < a.stride(); ++m) a.at(0, m) = b.at(0, m) = 0.3;
  em.advance(a, 0.0, 5000, 0.01);
  milstein.advance(b, 0.0, 5000, 0.01);
  bool differ = false;
  for (std::size_t m = 0; m < 64; ++m) {
    EXPECT_GT(a.at(0, m), 0.0);
    EXPECT_GT(b.at(0, m), 0.0);
    EXPECT_LT(a.at(0, m), 4.0);  // still collapsed: c = 3 is beyond the fold
    differ = differ || a.at(0, m) != b.at(0, m);
  }
  EXPECT_TRUE(differ);  // the Milstein correction 1/2 sigma^2 x (dW^2 - dt) is non-zero
}

TEST(HarvestedPopulation, TangentPassesTheTaylorTest) {
  // ||f(x + e v) - f(x) - e J v|| must fall as e^2 (DESIGN invariant 2).
  const HarvestedPopulation s(default_values(HarvestedPopulation::parameters));
  const std::array<double, 1> x{3.7}, v{0.9};
  std::array<double, 1> f{}, jv{};
  jvp(s, std::span<const double>(x), std::span<const double>(v), 20.0, std::span<double>(f),
      std::span<double>(jv));
  std::vector<double> remainders;
  for (double e : {1e-2, 1e-3}) {
    const double xe = x[0] + e * v[0];
    double fe = 0;
    s.rhs(&xe, &fe, 20.0);
    remainders.push_back(std::abs(fe - f[0] - e * jv[0]));
  }
  EXPECT_NEAR(std::log10(remainders[0] / remainders[1]), 2.0, 0.1);
}

TEST(HarvestedPopulation, PackLanesAndBlocksAgree) {
  // SIMD lanes give their scalar results; members do not depend on the block layout.
  const HarvestedPopulation s(default_values(HarvestedPopulation::parameters));
  Pack xp{0.2, 1.0, 4.5, 9.0}, fp{};
  s.rhs(static_cast<const Pack*>(&xp), &fp, 3.0);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    double f = 0;
    const double x = xp[lane];
    s.rhs(&x, &f, 3.0);
    EXPECT_EQ(fp[lane], f);
  }
  const StochasticStepper<HarvestedPopulation, Milstein> stepper(s, StepperOptions{.seed = 4});
  EnsembleBlock whole(1, 13, 0), a(1, 5, 0), b(1, 8, 5);
  for (EnsembleBlock* block : {&whole, &a, &b}) {
    for (std::size_t m = 0; m < block->stride(); ++m) {
      block->at(0, m) = 8.0 + 0.01 * (block->first_member() + m);
    }
  }
  for (EnsembleBlock* block : {&whole, &a, &b}) stepper.advance(*block, 0.0, 300, 0.01);
  for (std::size_t m = 0; m < 13; ++m) {
    ASSERT_TRUE(std::isfinite(whole.at(0, m)));
    EXPECT_EQ(whole.at(0, m), m < 5 ? a.at(0, m) : b.at(0, m - 5)) << "member " << m;
  }
}

}  // namespace
}  // namespace butterfly
