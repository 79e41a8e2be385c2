// Saddle-node normal form: the fold sits at mu = 0, a slow deterministic ramp jumps with the
// Airy delay |a1| ramp_rate^(-1/3), the null system (ramp_rate = 0) stays on its branch, and
// the conformance checks (finite, Taylor test of the tangent, block-independent noise).
#include "butterfly/systems/saddle_node.hpp"

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

// |a1|, the first zero of the Airy function Ai (Abramowitz & Stegun 1964, Table 10.13;
// DLMF 9.9.1).
constexpr double kAiryZero = 2.338107410459767;

SaddleNode make(double mu_start, double ramp_rate, double sigma, double cubic) {
  return SaddleNode({mu_start, ramp_rate, sigma, cubic});
}

TEST(SaddleNode, RightHandSideByHand) {
  // mu(10) = 1 - 0.01 * 10 = 0.9; f(0.5) = 0.9 - 0.25 - 0.5 * 0.125 = 0.5875.
  const SaddleNode s(default_values(SaddleNode::parameters));
  const double x = 0.5;
  double f = 0;
  s.rhs(&x, &f, 10.0);
  EXPECT_DOUBLE_EQ(f, 0.5875);
  double g = 0;
  s.diffusion(&x, &g, 10.0);
  EXPECT_EQ(g, 0.05);  // additive: sigma whatever the state
  EXPECT_EQ(s.dimension(), 1u);
}

TEST(SaddleNode, FoldIsAtMuZeroWhateverTheCubic) {
  // f(0) = mu and f'(0) = 0 (tangent through Dual numbers): at t = mu_start / ramp_rate the
  // origin is a double root, the fold. With cubic = 0 the upper branch is exactly sqrt(mu).
  for (double cubic : {0.0, 0.5, 2.0}) {
    const SaddleNode s = make(0.3, 0.1, 0.0, cubic);
    const std::array<double, 1> x{0.0}, v{1.0};
    std::array<double, 1> f{}, jv{};
    jvp(s, std::span<const double>(x), std::span<const double>(v), 3.0, std::span<double>(f),
        std::span<double>(jv));
    EXPECT_NEAR(f[0], 0.0, 1e-15);
    EXPECT_EQ(jv[0], 0.0);
  }
  EXPECT_DOUBLE_EQ(make(0.49, 0.0, 0.0, 0.0).upper_equilibrium(0.49), 0.7);
  std::array<double, 1> x{};
  make(-0.1, 0.0, 0.0, 0.5).default_state(x);
  EXPECT_EQ(x[0], 0.0);  // no upper branch beyond the fold
  // With the cubic the upper equilibrium is the root of mu - x^2 - c x^3 below sqrt(mu).
  const SaddleNode s = make(1.0, 0.0, 0.0, 0.5);
  s.default_state(x);
  EXPECT_NEAR(1.0 - x[0] * x[0] - 0.5 * x[0] * x[0] * x[0], 0.0, 1e-14);
  EXPECT_GT(x[0], 0.0);
  EXPECT_LT(x[0], 1.0);
}

// Time at which x first falls below `threshold`, by RK4 with step dt (linear
// interpolation inside the crossing step).
double crossing_time(const SaddleNode& s, double threshold, double dt, double t_max) {
  std::array<double, 1> x{};
  s.default_state(x);
  std::array<double, 5> work{};
  for (long k = 0; k * dt < t_max; ++k) {
    const double t = static_cast<double>(k) * dt;
    const double before = x[0];
    explicit_rk_step<ClassicRk4Tableau>(s, x.data(), t, dt, work.data(), 1);
    if (x[0] < threshold) return t + dt * (before - threshold) / (before - x[0]);
  }
  return -1.0;
}

TEST(SaddleNode, SlowRampJumpsWithTheAiryDelay) {
  // dx/dt = -eps (t - t0) - x^2 is, with x = eps^(1/3) X and t - t0 = eps^(-1/3) T, the
  // Riccati equation dX/dT = -T - X^2; X = y'/y turns it into Airy's equation, and the
  // solution that follows the stable branch X = sqrt(-T) is X = -d/dT ln Ai(-T), which blows
  // up at T = |a1| (Berglund & Gentz 2006, Sec. 2.2.2; Haberman 1979, SIAM J. Appl. Math.
  // 37, 69). Near the blow-up x ~ -1/(t* - t), so x = -20 is reached 1/20 earlier:
  // t(x = -20) = mu_start / eps + |a1| eps^(-1/3) - 0.05, to O(eps^(1/3) / 20^3).
  std::vector<double> delays;
  for (double eps : {1e-3, 1e-4}) {
    const SaddleNode s = make(0.25, eps, 0.0, 0.0);
    const double t0 = 0.25 / eps;
    const double t = crossing_time(s, -20.0, 0.004, t0 + 100.0);
    ASSERT_GT(t, 0.0) << "no jump for ramp_rate " << eps;
    const double predicted = kAiryZero * std::cbrt(1.0 / eps) - 0.05;
    EXPECT_NEAR(t - t0, predicted, 2e-3 * predicted) << "ramp_rate " << eps;
    delays.push_back(t - t0);
  }
  // The delay scales as ramp_rate^(-1/3): a tenth of the rate, 10^(1/3) times the delay.
  EXPECT_NEAR(std::log10((delays[1] + 0.05) / (delays[0] + 0.05)), 1.0 / 3.0, 1e-3);
}

TEST(SaddleNode, BoundedEscapeSettlesOnTheLowerState) {
  // With cubic = 0.5 the state after the fold relaxes to the lower root of
  // mu - x^2 - 0.5 x^3 (x = -2 at mu = 0) instead of blowing up.
  const SaddleNode s = make(0.25, 1e-2, 0.0, 0.5);
  std::array<double, 1> x{};
  s.default_state(x);
  std::array<double, 5> work{};
  const double dt = 0.01;
  for (int k = 0; k < 6000; ++k) {  // to t = 60: mu = 0.25 - 0.6 = -0.35
    explicit_rk_step<ClassicRk4Tableau>(s, x.data(), k * dt, dt, work.data(), 1);
  }
  ASSERT_TRUE(std::isfinite(x[0]));
  // The tracked root lags by about ramp_rate / |f'| = 0.01 / 2.3, so the residual f(x) is
  // about 0.01.
  const double mu = -0.35;
  EXPECT_NEAR(mu - x[0] * x[0] - 0.5 * x[0] * x[0] * x[0], 0.0, 2e-2);
  EXPECT_NEAR(x[0], -2.15, 0.05);  // the root: -0.35 - 2.15^2 + 0.5 * 2.15^3 = -0.004
}

TEST(SaddleNode, NullSystemStaysOnItsBranch) {
  // ramp_rate = 0: x* = sqrt(mu) is a fixed point (sigma = 0) ...
  const SaddleNode quiet = make(0.64, 0.0, 0.0, 0.0);
  std::array<double, 1> x{};
  quiet.default_state(x);
  EXPECT_DOUBLE_EQ(x[0], 0.8);
  std::array<double, 5> work{};
  for (int k = 0; k < 100000; ++k) {
    explicit_rk_step<ClassicRk4Tableau>(quiet, x.data(), k * 0.01, 0.01, work.data(), 1);
  }
  EXPECT_NEAR(x[0], 0.8, 1e-12);
  // ... and with noise the members fluctuate around it as the linearised OU process,
  // variance sigma^2 / (2 * 2 sqrt(mu)) = 0.05^2 / 3.2 (std 0.028; Gardiner 2009, Sec. 3.8.4):
  // never near the unstable branch -0.8 (the Kramers barrier 4/3 mu^1.5 = 0.68 is 550 times
  // sigma^2 / 2).
  const SaddleNode noisy = make(0.64, 0.0, 0.05, 0.0);
  const StochasticStepper<SaddleNode, EulerMaruyama> stepper(noisy, StepperOptions{.seed = 5});
  EnsembleBlock block(1, 400, 0);
  for (std::size_t m = 0; m < block.stride(); ++m) block.at(0, m) = 0.8;
  stepper.advance(block, 0.0, 4000, 0.01);  // 64 relaxation times 1 / (2 sqrt(mu))
  double sum = 0, sum2 = 0;
  for (std::size_t m = 0; m < block.members(); ++m) {
    const double d = block.at(0, m) - 0.8;
    EXPECT_LT(std::abs(d), 0.3) << "member " << m;
    sum += d;
    sum2 += d * d;
  }
  const double var = sum2 / 400.0;
  // Mean within 5 standard errors (0.0014) of the O(sigma^2) shift -var / (2 x*) = -5e-4.
  EXPECT_NEAR(sum / 400.0, -5e-4, 7e-3);
  // Sample variance within 25% (3.5 standard errors of sqrt(2/400) = 7%) of the OU value.
  EXPECT_NEAR(var / (0.05 * 0.05 / 3.2), 1.0, 0.25);
}

TEST(SaddleNode, TangentPassesTheTaylorTest) {
  // ||f(x + e v) - f(x) - e J v|| must fall as e^2 (DESIGN invariant 2).
  const SaddleNode s(default_values(SaddleNode::parameters));
  const std::array<double, 1> x{0.7}, v{-1.3};
  std::array<double, 1> f{}, jv{};
  jvp(s, std::span<const double>(x), std::span<const double>(v), 2.0, std::span<double>(f),
      std::span<double>(jv));
  std::vector<double> remainders;
  for (double e : {1e-2, 1e-3}) {
    const double xe = x[0] + e * v[0];
    double fe = 0;
    s.rhs(&xe, &fe, 2.0);
    remainders.push_back(std::abs(fe - f[0] - e * jv[0]));
  }
  EXPECT_NEAR(std::log10(remainders[0] / remainders[1]), 2.0, 0.1);
}

TEST(SaddleNode, PackLanesAndBlocksAgree) {
  // Each SIMD lane gives its scalar result, and Euler-Maruyama members do not depend on
  // the block layout (DESIGN invariant 3); Milstein equals Euler-Maruyama for additive noise.
  const SaddleNode s(default_values(SaddleNode::parameters));
  Pack xp{0.1, -0.4, 1.3, 2.0}, fp{};
  s.rhs(static_cast<const Pack*>(&xp), &fp, 1.5);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    double f = 0;
    const double x = xp[lane];
    s.rhs(&x, &f, 1.5);
    EXPECT_EQ(fp[lane], f);
  }
  const StochasticStepper<SaddleNode, EulerMaruyama> em(s, StepperOptions{.seed = 3});
  const StochasticStepper<SaddleNode, Milstein> milstein(s, StepperOptions{.seed = 3});
  const auto fill = [](EnsembleBlock& b) {
    for (std::size_t m = 0; m < b.stride(); ++m) b.at(0, m) = 1.0 - 0.01 * (b.first_member() + m);
  };
  EnsembleBlock whole(1, 13, 0), a(1, 5, 0), b(1, 8, 5), c(1, 13, 0);
  for (EnsembleBlock* block : {&whole, &a, &b, &c}) fill(*block);
  em.advance(whole, 0.0, 300, 0.01);
  em.advance(a, 0.0, 300, 0.01);
  em.advance(b, 0.0, 300, 0.01);
  milstein.advance(c, 0.0, 300, 0.01);
  for (std::size_t m = 0; m < 13; ++m) {
    ASSERT_TRUE(std::isfinite(whole.at(0, m)));
    EXPECT_EQ(whole.at(0, m), m < 5 ? a.at(0, m) : b.at(0, m - 5)) << "member " << m;
    EXPECT_EQ(whole.at(0, m), c.at(0, m)) << "member " << m;
  }
}

}  // namespace
}  // namespace butterfly
