// SDE schemes: strong order on geometric Brownian motion against the exact solution on
// the stepper's own Brownian path, weak order on Ornstein-Uhlenbeck against its closed
// form, and the reproducibility of every member's noise (DESIGN invariant 3).
#include "butterfly/integrators/stochastic_stepper.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/scalar_math.hpp"

namespace butterfly {
namespace {

// dX = mu X dt + sigma X dW: X(t) = X0 exp((mu - sigma^2/2) t + sigma W(t)) (Kloeden &
// Platen 1992, Sec. 4.4). Diagonal multiplicative noise with dg/dx = sigma.
class GeometricBrownianMotion {
 public:
  static constexpr std::string_view name = "gbm";
  static constexpr std::string_view summary = "geometric Brownian motion (test)";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 2> parameters{{
      {"mu", 2.0, "drift rate", "1/time"},
      {"sigma", 1.0, "volatility", "1/sqrt(time)"},
  }};
  explicit GeometricBrownianMotion(const ParameterValues<2>& p) : mu_(p[0]), sigma_(p[1]) {}
  std::size_t dimension() const { return 1; }
  void default_state(std::span<double> x) const { x[0] = 1.0; }
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = mu_ * x[0];
  }
  template <class T>
  void diffusion(const T* x, T* g, double) const {
    g[0] = sigma_ * x[0];
  }

 private:
  double mu_, sigma_;
};

// dX = -theta X dt + sigma dW: E X(t) = X0 e^{-theta t},
// Var X(t) = sigma^2 / (2 theta) (1 - e^{-2 theta t}) (Kloeden & Platen, Sec. 4.4).
class OrnsteinUhlenbeck {
 public:
  static constexpr std::string_view name = "ou";
  static constexpr std::string_view summary = "Ornstein-Uhlenbeck process (test)";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 2> parameters{{
      {"theta", 1.0, "relaxation rate", "1/time"},
      {"sigma", 0.3, "noise amplitude", "1/sqrt(time)"},
  }};
  explicit OrnsteinUhlenbeck(const ParameterValues<2>& p) : theta_(p[0]), sigma_(p[1]) {}
  std::size_t dimension() const { return 1; }
  void default_state(std::span<double> x) const { x[0] = 1.0; }
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = -theta_ * x[0];
  }
  template <class T>
  void diffusion(const T*, T* g, double) const {
    g[0] = T{} + sigma_;
  }

 private:
  double theta_, sigma_;
};

// Lorenz (1963) with multiplicative diagonal noise g_i = s x_i + s sin(x_i) (g_i depends
// on x_i only): a multi-variable system whose Milstein correction is non-zero.
class NoisyLorenz63 {
 public:
  static constexpr std::string_view name = "noisy_lorenz63";
  static constexpr std::string_view summary = "Lorenz-63 with multiplicative noise (test)";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 1> parameters{{
      {"s", 0.2, "noise amplitude", "1"},
  }};
  explicit NoisyLorenz63(const ParameterValues<1>& p) : s_(p[0]) {}
  std::size_t dimension() const { return 3; }
  void default_state(std::span<double> x) const {
    x[0] = 1.0;
    x[1] = 1.0;
    x[2] = 20.0;
  }
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = 10.0 * (x[1] - x[0]);
    f[1] = x[0] * (28.0 - x[2]) - x[1];
    f[2] = x[0] * x[1] - (8.0 / 3.0) * x[2];
  }
  template <class T>
  void diffusion(const T* x, T* g, double) const {
    for (int i = 0; i < 3; ++i) g[i] = s_ * x[i] + s_ * sin(x[i]);
  }

 private:
  double s_;
};

static_assert(StochasticSystem<GeometricBrownianMotion>);
static_assert(StochasticSystem<OrnsteinUhlenbeck>);
static_assert(StochasticSystem<NoisyLorenz63>);

// Least-squares slope of log(error) against log(dt).
double fitted_order(const std::vector<double>& dts, const std::vector<double>& errors) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = static_cast<double>(dts.size());
  for (std::size_t i = 0; i < dts.size(); ++i) {
    const double x = std::log(dts[i]), y = std::log(errors[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

// Strong error E|X_h(T) - X(T)| on GBM with mu = 2, sigma = 1, X0 = 1, T = 1 (the test
// problem of Higham 2001, SIAM Review 43, 525, Secs. 5-6), over `members` paths. The exact
// X(T) uses W(T) = sum of the increments the stepper drew: sqrt(dt) times the first normal
// of CounterRng(seed, member, model_noise, step).
template <class Scheme>
std::vector<double> gbm_strong_errors(const std::vector<double>& dts, std::size_t members) {
  const GeometricBrownianMotion gbm({2.0, 1.0});
  const StepperOptions options{.seed = 20250611};
  const StochasticStepper<GeometricBrownianMotion, Scheme> stepper(gbm, options);
  std::vector<double> errors;
  for (double dt : dts) {
    const auto steps = static_cast<std::size_t>(std::llround(1.0 / dt));
    EnsembleBlock block(1, members, 0);
    for (std::size_t m = 0; m < block.stride(); ++m) block.at(0, m) = 1.0;
    stepper.advance(block, 0.0, steps, dt);
    double sum = 0;
    for (std::size_t m = 0; m < members; ++m) {
      double w = 0;
      for (std::size_t k = 0; k < steps; ++k) {
        double z;
        CounterRng(options.seed, m, Purpose::model_noise, static_cast<std::uint32_t>(k))
            .normals(&z, 1);
        w += z * std::sqrt(dt);
      }
      const double exact = std::exp((2.0 - 0.5) * 1.0 + 1.0 * w);
      sum += std::abs(block.at(0, m) - exact);
    }
    errors.push_back(sum / static_cast<double>(members));
  }
  return errors;
}

const std::vector<double> kStrongDts = {1.0 / 16, 1.0 / 32, 1.0 / 64, 1.0 / 128, 1.0 / 256};

TEST(StochasticStepper, EulerMaruyamaHasStrongOrderOneHalfOnGbm) {
  // Kloeden & Platen (1992), Sec. 10.2: strong order 1/2.
  const std::vector<double> errors = gbm_strong_errors<EulerMaruyama>(kStrongDts, 2000);
  const double order = fitted_order(kStrongDts, errors);
  EXPECT_NEAR(order, EulerMaruyama::strong_order, 0.15);
  for (std::size_t i = 0; i + 1 < errors.size(); ++i) EXPECT_LT(errors[i + 1], errors[i]);
}

TEST(StochasticStepper, MilsteinHasStrongOrderOneOnGbm) {
  // Kloeden & Platen (1992), Sec. 10.3: strong order 1 (diagonal noise).
  const std::vector<double> errors = gbm_strong_errors<Milstein>(kStrongDts, 2000);
  const double order = fitted_order(kStrongDts, errors);
  EXPECT_NEAR(order, Milstein::strong_order, 0.15);
  // And it is several times more accurate than Euler-Maruyama at the finest step
  // (measured: 0.064 against 0.25).
  const std::vector<double> em = gbm_strong_errors<EulerMaruyama>({1.0 / 256}, 2000);
  EXPECT_LT(errors.back(), em[0] / 3.0);
}

TEST(StochasticStepper, EulerMaruyamaHasWeakOrderOneOnOrnsteinUhlenbeck) {
  // OU with theta = 1, sigma = 0.3, X0 = 1, T = 1. The Euler-Maruyama mean is exactly
  // X0 (1 - theta h)^{T/h} (the noise has mean zero and the scheme is linear), so the
  // weak error of the mean is X0 |(1 - theta h)^{T/h} - e^{-theta T}| = O(h): weak order 1
  // (Kloeden & Platen, Sec. 14.1). The sample mean of 65536 members must match that
  // closed form within 4 standard errors, and its error must fall as h^1.
  const OrnsteinUhlenbeck ou({1.0, 0.3});
  const StochasticStepper<OrnsteinUhlenbeck, EulerMaruyama> stepper(ou, {.seed = 7});
  const std::size_t members = 65536;
  const double exact_mean = std::exp(-1.0);
  const double exact_var = 0.09 / 2.0 * (1.0 - std::exp(-2.0));
  const std::vector<double> dts = {1.0 / 4, 1.0 / 8, 1.0 / 16, 1.0 / 32};
  std::vector<double> weak_errors;
  for (double h : dts) {
    const auto steps = static_cast<std::size_t>(std::llround(1.0 / h));
    EnsembleBlock block(1, members, 0);
    for (std::size_t m = 0; m < block.stride(); ++m) block.at(0, m) = 1.0;
    stepper.advance(block, 0.0, steps, h);
    double sum = 0, sum_sq = 0;
    for (std::size_t m = 0; m < members; ++m) {
      sum += block.at(0, m);
      sum_sq += block.at(0, m) * block.at(0, m);
    }
    const double mean = sum / members;
    const double var = sum_sq / members - mean * mean;
    const double scheme_mean = std::pow(1.0 - h, static_cast<double>(steps));
    // Var of the scheme: sigma^2 h sum_{j<N} (1 - theta h)^{2j}.
    const double r2 = (1.0 - h) * (1.0 - h);
    const double scheme_var =
        0.09 * h * (1.0 - std::pow(r2, static_cast<double>(steps))) / (1 - r2);
    const double standard_error = std::sqrt(scheme_var / members);
    EXPECT_NEAR(mean, scheme_mean, 4.0 * standard_error) << "h = " << h;
    EXPECT_NEAR(var, scheme_var, 4.0 * std::sqrt(2.0 / members) * scheme_var) << "h = " << h;
    weak_errors.push_back(std::abs(mean - exact_mean));
    if (h == dts.back()) {
      EXPECT_NEAR(var, exact_var, 0.05 * exact_var);
    }
  }
  EXPECT_NEAR(fitted_order(dts, weak_errors), EulerMaruyama::weak_order, 0.25);
}

TEST(StochasticStepper, MilsteinEqualsEulerMaruyamaForAdditiveNoise) {
  // g does not depend on x, so the Milstein correction 1/2 g g' (dW^2 - h) is exactly 0.
  const OrnsteinUhlenbeck ou({1.0, 0.3});
  const StochasticStepper<OrnsteinUhlenbeck, EulerMaruyama> em(ou, {.seed = 3});
  const StochasticStepper<OrnsteinUhlenbeck, Milstein> milstein(ou, {.seed = 3});
  EnsembleBlock a(1, 9, 0), b(1, 9, 0);
  for (std::size_t m = 0; m < a.stride(); ++m) a.at(0, m) = b.at(0, m) = 0.1 * double(m);
  em.advance(a, 0.0, 100, 0.01);
  milstein.advance(b, 0.0, 100, 0.01);
  for (std::size_t m = 0; m < 9; ++m) ASSERT_EQ(a.at(0, m), b.at(0, m));
}

void fill(EnsembleBlock& block, std::size_t first_global) {
  for (std::size_t v = 0; v < block.variables(); ++v) {
    for (std::size_t m = 0; m < block.stride(); ++m) {
      block.at(v, m) = 1.0 + double(((first_global + m) * 37 + v * 11) % 17) / 8.0;
    }
  }
}

template <class Scheme>
class SchemeTest : public ::testing::Test {};
using Schemes = ::testing::Types<EulerMaruyama, Milstein>;
TYPED_TEST_SUITE(SchemeTest, Schemes);

TYPED_TEST(SchemeTest, MemberBitsDoNotDependOnBlockOrLane) {
  const StochasticStepper<NoisyLorenz63, TypeParam> stepper(NoisyLorenz63({0.2}), {.seed = 11});
  EnsembleBlock whole(3, 20, 0);
  fill(whole, 0);
  EnsembleBlock part(3, 7, 9);  // members 9..15 of the same ensemble, in other lanes
  fill(part, 9);
  stepper.advance(whole, 0.0, 400, 0.001);
  stepper.advance(part, 0.0, 400, 0.001);
  for (std::size_t m = 0; m < 7; ++m) {
    for (std::size_t v = 0; v < 3; ++v) ASSERT_EQ(part.at(v, m), whole.at(v, m + 9));
  }
}

TYPED_TEST(SchemeTest, SplittingARunIntoCallsKeepsTheBits) {
  // The stream is the global step index llround(t / dt), not the index within a call.
  const StochasticStepper<NoisyLorenz63, TypeParam> stepper(NoisyLorenz63({0.2}), {.seed = 5});
  EnsembleBlock one(3, 6, 100), two(3, 6, 100);
  fill(one, 100);
  fill(two, 100);
  const double dt = 0.001;
  stepper.advance(one, 0.0, 300, dt);
  stepper.advance(two, 0.0, 120, dt);
  stepper.advance(two, 120 * dt, 180, dt);
  for (std::size_t m = 0; m < 6; ++m) {
    for (std::size_t v = 0; v < 3; ++v) ASSERT_EQ(one.at(v, m), two.at(v, m));
  }
}

TYPED_TEST(SchemeTest, TruthPathIsMemberKTruthMember) {
  // advance(span) draws as global member kTruthMember; a block whose first member is
  // kTruthMember reproduces it in lane 0, bit for bit.
  const StochasticStepper<NoisyLorenz63, TypeParam> stepper(NoisyLorenz63({0.2}), {.seed = 9});
  std::vector<double> truth = {1.5, -2.0, 21.0};
  EnsembleBlock block(3, 1, kTruthMember);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    for (std::size_t v = 0; v < 3; ++v) block.at(v, m) = truth[v];
  }
  stepper.advance(std::span<double>(truth), 0.0, 250, 0.001);
  stepper.advance(block, 0.0, 250, 0.001);
  for (std::size_t v = 0; v < 3; ++v) ASSERT_EQ(block.at(v, 0), truth[v]);
}

TYPED_TEST(SchemeTest, DifferentMembersAndSeedsGetDifferentNoise) {
  // Identical starts: after one step members differ only through their own draws.
  const NoisyLorenz63 system({0.2});
  const StochasticStepper<NoisyLorenz63, TypeParam> seeded(system, {.seed = 1});
  const StochasticStepper<NoisyLorenz63, TypeParam> reseeded(system, {.seed = 2});
  EnsembleBlock a(3, 8, 0), b(3, 8, 0);
  for (std::size_t v = 0; v < 3; ++v) {
    for (std::size_t m = 0; m < a.stride(); ++m) a.at(v, m) = b.at(v, m) = 5.0;
  }
  seeded.advance(a, 0.0, 1, 0.01);
  reseeded.advance(b, 0.0, 1, 0.01);
  for (std::size_t m = 0; m < 8; ++m) {
    for (std::size_t other = m + 1; other < 8; ++other) EXPECT_NE(a.at(0, m), a.at(0, other));
    EXPECT_NE(a.at(0, m), b.at(0, m));
  }
}

TEST(StochasticStepper, SchemesHaveTheirNames) {
  EXPECT_EQ(EulerMaruyama::name, "euler_maruyama");
  EXPECT_EQ(Milstein::name, "milstein");
  EXPECT_EQ(noise_stream(0.5, 0.01), 50u);
  EXPECT_EQ(noise_stream(0.3, 0.1), 3u);  // 0.3 / 0.1 = 2.9999999999999996: rounds
}

}  // namespace
}  // namespace butterfly
