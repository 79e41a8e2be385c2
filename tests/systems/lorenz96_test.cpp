// Lorenz-96: closed-form checks and the published climatology.
#include "butterfly/systems/lorenz96.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"

namespace butterfly {
namespace {

TEST(Lorenz96, FixedPointIsStationary) {
  const Lorenz96 system({40.0, 8.0});
  std::vector<double> x(40, 8.0), f(40);
  system.rhs(x.data(), f.data(), 0.0);
  for (double v : f) EXPECT_EQ(v, 0.0);
}

TEST(Lorenz96, RightHandSideByHandWithWrapAround) {
  // N = 4, F = 1, x = (1, 2, 3, 4):
  // f0 = (x1 - x2) x3 - x0 + F = (2 - 3) 4 - 1 + 1 = -4
  // f1 = (x2 - x3) x0 - x1 + F = (3 - 4) 1 - 2 + 1 = -2
  // f2 = (x3 - x0) x1 - x2 + F = (4 - 1) 2 - 3 + 1 = 4
  // f3 = (x0 - x1) x2 - x3 + F = (1 - 2) 3 - 4 + 1 = -6
  const Lorenz96 system({4.0, 1.0});
  const double x[4] = {1, 2, 3, 4};
  double f[4];
  system.rhs(x, f, 0.0);
  EXPECT_EQ(f[0], -4.0);
  EXPECT_EQ(f[1], -2.0);
  EXPECT_EQ(f[2], 4.0);
  EXPECT_EQ(f[3], -6.0);
}

TEST(Lorenz96, AdvectionConservesEnergy) {
  // The quadratic term conserves sum x_i^2 (Lorenz 1996), so
  // sum x_i f_i = -sum x_i^2 + F sum x_i for any state.
  const Lorenz96 system({40.0, 8.0});
  std::vector<double> x(40), f(40);
  for (std::size_t i = 0; i < 40; ++i) x[i] = std::sin(1.3 * i) * 5.0 + 0.1 * i;
  system.rhs(x.data(), f.data(), 0.0);
  double lhs = 0, sum_sq = 0, sum = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    lhs += x[i] * f[i];
    sum_sq += x[i] * x[i];
    sum += x[i];
  }
  EXPECT_NEAR(lhs, -sum_sq + 8.0 * sum, 1e-10 * sum_sq);
}

TEST(Lorenz96, ClimatologyMatchesLorenzAndEmanuel1998) {
  // Lorenz & Emanuel (1998), J. Atmos. Sci. 55, 399-414, Sec. 2: for N = 40 and
  // F = 8 each x_i has mean 2.3 and standard deviation 3.6.
  const Lorenz96 system({40.0, 8.0});
  std::vector<double> x(40), work(40 * 5);
  system.default_state(x);
  const double dt = 0.01;
  for (int k = 0; k < 2000; ++k)
    explicit_rk_step<ClassicRk4Tableau>(system, x.data(), 0.0, dt, work.data(), 40);
  double sum = 0, sum_sq = 0;
  std::size_t count = 0;
  for (int k = 0; k < 50000; ++k) {
    explicit_rk_step<ClassicRk4Tableau>(system, x.data(), 0.0, dt, work.data(), 40);
    if (k % 5 == 0) {
      for (double v : x) {
        sum += v;
        sum_sq += v * v;
        ++count;
      }
    }
  }
  const double mean = sum / count;
  const double std = std::sqrt(sum_sq / count - mean * mean);
  EXPECT_NEAR(mean, 2.3, 0.1);
  EXPECT_NEAR(std, 3.6, 0.1);
}

}  // namespace
}  // namespace butterfly
