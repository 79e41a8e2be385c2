// Multi-direction dual numbers: k tangent vectors at once against k passes of the
// single-direction Dual propagator, closed-form derivatives and a Taylor test.
#include "butterfly/tangent/multi_dual.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/scalar_math.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/systems/double_pendulum.hpp"
#include "butterfly/systems/lorenz96.hpp"
#include "butterfly/systems/three_body.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

std::vector<double> normals(std::size_t count, std::uint32_t stream) {
  std::vector<double> z(count);
  CounterRng(7, 0, Purpose::test, stream).normals(z.data(), count);
  return z;
}

// propagate_tangents must equal k separate passes of propagate_tangent (the
// Dual tangent-linear model that the conformance suite Taylor-tests), and its
// state must be the plain double RK4 trajectory bit for bit (the value part
// never reads a tangent).
template <class System>
void expect_matches_single_direction(const System& system, std::vector<double> x, std::size_t k,
                                     std::size_t steps, double dt) {
  const std::size_t n = x.size();
  std::vector<double> vectors = normals(n * k, 1);
  std::vector<double> x_multi = x, vectors_multi = vectors;
  propagate_tangents<ClassicRk4Tableau>(system, std::span<double>(x_multi),
                                        std::span<double>(vectors_multi), 0.0, steps, dt);

  std::vector<double> x_plain = x, work(n * 5);
  for (std::size_t s = 0; s < steps; ++s) {
    explicit_rk_step<ClassicRk4Tableau>(system, x_plain.data(), static_cast<double>(s) * dt, dt,
                                        work.data(), n);
  }
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(x_multi[i], x_plain[i]) << "variable " << i;

  for (std::size_t j = 0; j < k; ++j) {
    std::vector<double> xj = x, v(vectors.begin() + static_cast<std::ptrdiff_t>(j * n),
                                  vectors.begin() + static_cast<std::ptrdiff_t>((j + 1) * n));
    propagate_tangent<ClassicRk4Tableau>(system, std::span<double>(xj), std::span<double>(v), 0.0,
                                         steps, dt);
    double norm = 0.0;
    for (double e : v) norm = std::max(norm, std::abs(e));
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_NEAR(vectors_multi[j * n + i], v[i], 1e-13 * norm) << "vector " << j << " var " << i;
    }
  }
}

TEST(PropagateTangents, Lorenz96MatchesOneDirectionAtATime) {
  // n = 10, k = 7: one full block of 4 directions and a partial one of 3.
  const Lorenz96 system({10.0, 8.0});
  std::vector<double> x(10);
  system.default_state(x);
  for (std::size_t i = 0; i < 10; ++i) x[i] += std::sin(static_cast<double>(i));
  expect_matches_single_direction(system, x, 7, 50, 0.01);
}

TEST(PropagateTangents, DoublePendulumMatchesOneDirectionAtATime) {
  // sin, cos and divisions by a state-dependent denominator.
  const DoublePendulum system(default_values(DoublePendulum::parameters));
  std::vector<double> x(4);
  system.default_state(x);
  expect_matches_single_direction(system, x, 4, 200, 0.001);
}

TEST(PropagateTangents, ThreeBodyMatchesOneDirectionAtATime) {
  // sqrt and a constant divided by a dual: 1 / (r^2 sqrt(r^2)).
  const ThreeBody system(default_values(ThreeBody::parameters));
  std::vector<double> x(12);
  system.default_state(x);
  expect_matches_single_direction(system, x, 12, 100, 0.001);
}

TEST(MultiDual, ElementaryFunctionsDifferentiateEveryLane) {
  // d/dx f(x) v_l = f'(x) v_l lane by lane (closed forms), here at x = 0.7.
  const Pack v = {1.0, -2.0, 0.5, 3.0};
  const MultiDual x(0.7, v);
  for (std::size_t l = 0; l < kPackWidth; ++l) {
    EXPECT_NEAR(sin(x).tangent[l], std::cos(0.7) * v[l], 1e-15);
    EXPECT_NEAR(cos(x).tangent[l], -std::sin(0.7) * v[l], 1e-15);
    EXPECT_NEAR(exp(x).tangent[l], std::exp(0.7) * v[l], 1e-15);
    EXPECT_NEAR(sqrt(x).tangent[l], 0.5 / std::sqrt(0.7) * v[l], 1e-15);
    EXPECT_NEAR((1.0 / x).tangent[l], -v[l] / (0.7 * 0.7), 1e-14);
    EXPECT_NEAR((x / (x * x)).tangent[l], -v[l] / (0.7 * 0.7), 1e-14);
    EXPECT_NEAR((2.0 - x * 3.0).tangent[l], -3.0 * v[l], 1e-15);
  }
  EXPECT_DOUBLE_EQ(sin(x).value, std::sin(0.7));
}

TEST(PropagateTangents, TaylorTestOnTheDoublePendulum) {
  // Taylor test: r(eps) = |M(x + eps v) - M(x) - eps M'(x) v| = O(eps^2), so halving
  // eps divides r by 4 while eps is above round-off.
  const DoublePendulum system(default_values(DoublePendulum::parameters));
  const std::size_t n = 4, steps = 300;
  const double dt = 0.001;
  std::vector<double> x(n);
  system.default_state(x);
  const std::vector<double> v = normals(n, 2);
  std::vector<double> mx = x, mv = v;
  propagate_tangents<ClassicRk4Tableau>(system, std::span<double>(mx), std::span<double>(mv), 0.0,
                                        steps, dt);
  const auto residual = [&](double eps) {
    std::vector<double> y(n), none;
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] + eps * v[i];
    propagate_tangents<ClassicRk4Tableau>(system, std::span<double>(y), std::span<double>(none),
                                          0.0, steps, dt);
    double r = 0.0;
    for (std::size_t i = 0; i < n; ++i) r += std::pow(y[i] - mx[i] - eps * mv[i], 2);
    return std::sqrt(r);
  };
  for (double eps : {1e-3, 5e-4, 2.5e-4}) {
    EXPECT_NEAR(residual(eps) / residual(eps / 2), 4.0, 0.2) << "eps " << eps;
  }
}

}  // namespace
}  // namespace butterfly
