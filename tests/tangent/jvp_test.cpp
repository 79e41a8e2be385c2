// The tangent-linear model from Dual numbers against closed-form Jacobians.
#include "butterfly/tangent/jvp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "butterfly/core/scalar_math.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/systems/lorenz63.hpp"

namespace butterfly {
namespace {

TEST(Jvp, Lorenz63MatchesTheAnalyticJacobian) {
  // J = [[-s, s, 0], [r - z, -1, -x], [y, x, -b]] (Lorenz 1963, eq. 25-27 linearised).
  const Lorenz63 system(default_values(Lorenz63::parameters));
  const double s = 10, r = 28, b = 8.0 / 3.0;
  const std::vector<double> x{1.5, -2.0, 20.0}, v{0.3, -0.7, 1.1};
  std::vector<double> f(3), jv(3);
  jvp(system, x, v, 0.0, f, jv);
  const double expected[3] = {-s * v[0] + s * v[1], (r - x[2]) * v[0] - v[1] - x[0] * v[2],
                              x[1] * v[0] + x[0] * v[1] - b * v[2]};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(jv[i], expected[i], 1e-13);
  EXPECT_DOUBLE_EQ(f[0], s * (x[1] - x[0]));
}

TEST(Jvp, ElementaryFunctionsDifferentiate) {
  // d/dx of sin, cos, exp, sqrt at x = 0.7, closed forms.
  const Dual x(0.7, 1.0);
  EXPECT_NEAR(sin(x).tangent, std::cos(0.7), 1e-15);
  EXPECT_NEAR(cos(x).tangent, -std::sin(0.7), 1e-15);
  EXPECT_NEAR(exp(x).tangent, std::exp(0.7), 1e-15);
  EXPECT_NEAR(sqrt(x).tangent, 0.5 / std::sqrt(0.7), 1e-15);
  EXPECT_NEAR((x / (x * x)).tangent, -1.0 / (0.7 * 0.7), 1e-14);
}

struct LinearSystem {
  template <class T>
  void rhs(const T* y, T* f, double) const {
    f[0] = -0.8 * y[0];
  }
};

// dx/dt = a x: the RK4 propagator is the scalar R(a h)^k with
// R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24 (Hairer, Norsett & Wanner IV.2), so its
// tangent is R(a h)^k too.
TEST(PropagateTangent, LinearSystemMatchesTheStabilityFunction) {
  const double z = -0.8 * 0.1;
  const double R = 1 + z + z * z / 2 + z * z * z / 6 + z * z * z * z / 24;
  std::vector<Dual> xd{Dual(2.0, 1.0)}, work(5);
  for (int k = 0; k < 10; ++k)
    explicit_rk_step<ClassicRk4Tableau>(LinearSystem{}, xd.data(), 0.0, 0.1, work.data(), 1);
  EXPECT_NEAR(xd[0].tangent, std::pow(R, 10), 1e-14);
  EXPECT_NEAR(xd[0].value, 2.0 * std::pow(R, 10), 1e-14);
}

}  // namespace
}  // namespace butterfly
