// Lorenz-63: closed-form checks of the right-hand side.
#include "butterfly/systems/lorenz63.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"

namespace butterfly {
namespace {

const Lorenz63 kDefault(default_values(Lorenz63::parameters));

TEST(Lorenz63, DefaultsAreLorenz1963) {
  // Lorenz (1963), J. Atmos. Sci. 20, 130: sigma = 10, r = 28, b = 8/3.
  EXPECT_EQ(Lorenz63::parameters[0].default_value, 10.0);
  EXPECT_EQ(Lorenz63::parameters[1].default_value, 28.0);
  EXPECT_EQ(Lorenz63::parameters[2].default_value, 8.0 / 3.0);
  EXPECT_EQ(kDefault.dimension(), 3u);
}

TEST(Lorenz63, RightHandSideByHand) {
  // (1, 2, 3): 10 (2 - 1) = 10; 1 (28 - 3) - 2 = 23; 1 * 2 - (8/3) 3 = -6.
  const std::array<double, 3> x{1.0, 2.0, 3.0};
  std::array<double, 3> f{};
  kDefault.rhs(x.data(), f.data(), 0.0);
  EXPECT_DOUBLE_EQ(f[0], 10.0);
  EXPECT_DOUBLE_EQ(f[1], 23.0);
  EXPECT_DOUBLE_EQ(f[2], -6.0);
}

TEST(Lorenz63, FixedPointsAreStationary) {
  // C+- = (+-sqrt(b (r - 1)), +-sqrt(b (r - 1)), r - 1) and the origin.
  const double q = std::sqrt(8.0 / 3.0 * 27.0);
  for (const std::array<double, 3>& x :
       {std::array<double, 3>{q, q, 27.0}, {-q, -q, 27.0}, {0.0, 0.0, 0.0}}) {
    std::array<double, 3> f{};
    kDefault.rhs(x.data(), f.data(), 0.0);
    for (double v : f) EXPECT_NEAR(v, 0.0, 1e-12);
  }
}

TEST(Lorenz63, PackLanesMatchScalars) {
  // The same templated rhs on SIMD lanes gives each lane's scalar result.
  Pack x[3], f[3];
  for (std::size_t v = 0; v < 3; ++v) {
    for (std::size_t lane = 0; lane < kPackWidth; ++lane) x[v][lane] = 0.3 * lane - 1.7 * v + 2.0;
  }
  kDefault.rhs(static_cast<const Pack*>(x), f, 0.0);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    const std::array<double, 3> xs{x[0][lane], x[1][lane], x[2][lane]};
    std::array<double, 3> fs{};
    kDefault.rhs(xs.data(), fs.data(), 0.0);
    for (std::size_t v = 0; v < 3; ++v)
      EXPECT_NEAR(f[v][lane], fs[v], 1e-13 * (1 + std::abs(fs[v])));
  }
}

TEST(Lorenz63, LongRunStatisticsObeyTheErgodicIdentities) {
  // Time averages of d/dt (x^2 / 2) = sigma (xy - x^2) and dz/dt = xy - beta z
  // vanish on the attractor, so <x^2> = <xy> = beta <z> exactly; the x -> -x,
  // y -> -y symmetry gives <x> = <y> = 0 (Lorenz 1963, Sec. 5; e.g. Sparrow,
  // The Lorenz Equations, 1982, Ch. 2). <z> is about 23.5 at the standard
  // parameters. 2000 time units with RK4, dt = 0.005.
  const double beta = 8.0 / 3.0;
  std::vector<double> x{1.0, 1.0, 1.0}, work(15);
  const double dt = 0.005;
  for (int k = 0; k < 4000; ++k)
    explicit_rk_step<ClassicRk4Tableau>(kDefault, x.data(), 0.0, dt, work.data(), 3);
  double sx = 0, sy = 0, sz = 0, sxx = 0, sxy = 0;
  const int steps = 400000;
  for (int k = 0; k < steps; ++k) {
    explicit_rk_step<ClassicRk4Tableau>(kDefault, x.data(), 0.0, dt, work.data(), 3);
    sx += x[0];
    sy += x[1];
    sz += x[2];
    sxx += x[0] * x[0];
    sxy += x[0] * x[1];
  }
  const double mz = sz / steps, mxx = sxx / steps, mxy = sxy / steps;
  EXPECT_NEAR(sx / steps, 0.0, 0.5);
  EXPECT_NEAR(sy / steps, 0.0, 0.5);
  EXPECT_NEAR(mxx / mxy, 1.0, 0.01);
  EXPECT_NEAR(mxy / (beta * mz), 1.0, 0.01);
  EXPECT_NEAR(mz, 23.5, 0.3);
}

}  // namespace
}  // namespace butterfly
