// Double pendulum: the right-hand side by hand and against a second published
// form, energy conservation under RK4, the small-angle normal-mode frequencies in
// closed form, and rejected parameters.
#include "butterfly/systems/double_pendulum.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_rk_stepper.hpp"

namespace butterfly {
namespace {

using Params = ParameterValues<5>;  // m1, m2, l1, l2, g

const DoublePendulum kDefault(default_values(DoublePendulum::parameters));

TEST(DoublePendulum, DefaultsAndContract) {
  EXPECT_EQ(default_values(DoublePendulum::parameters), (Params{1.0, 1.0, 1.0, 1.0, 9.81}));
  EXPECT_EQ(kDefault.dimension(), 4u);
  EXPECT_EQ(default_scheme<DoublePendulum>(), "rk4");
  EXPECT_EQ(default_dt<DoublePendulum>(), 0.001);
  static_assert(!SeparableHamiltonian<DoublePendulum>);
}

TEST(DoublePendulum, RightHandSideByHand) {
  // m = l = 1, g = 9.81 at (theta1, theta2, w1, w2) = (0, pi/2, 1, 2): d = -pi/2,
  // s = -1, c = 0, D = m1 + m2 s^2 = 2, so
  //   dw1/dt = [0 - (-1)(0 + 4) - 0] / 2 = 2,
  //   dw2/dt = [2 (1 (-1) - 9.81 + 0) + 0] / 2 = -10.81.
  const std::array<double, 4> x{0.0, std::numbers::pi / 2.0, 1.0, 2.0};
  std::array<double, 4> f{};
  kDefault.rhs(x.data(), f.data(), 0.0);
  EXPECT_EQ(f[0], 1.0);
  EXPECT_EQ(f[1], 2.0);
  EXPECT_NEAR(f[2], 2.0, 1e-14);
  EXPECT_NEAR(f[3], -10.81, 1e-14);
}

TEST(DoublePendulum, MatchesTheMyPhysicsLabForm) {
  // E. Neumann, myPhysicsLab "Double Pendulum" (myphysicslab.com), with
  // denominators L (2 m1 + m2 - m2 cos(2 th1 - 2 th2)), at unequal parameters:
  const double m1 = 1.7, m2 = 0.6, l1 = 1.2, l2 = 0.8, g = 9.81;
  const DoublePendulum system(Params{m1, m2, l1, l2, g});
  const double t1 = 0.9, t2 = -2.3, w1 = 1.1, w2 = -0.4;
  const double den = 2 * m1 + m2 - m2 * std::cos(2 * t1 - 2 * t2);
  const double a1 =
      (-g * (2 * m1 + m2) * std::sin(t1) - m2 * g * std::sin(t1 - 2 * t2) -
       2 * std::sin(t1 - t2) * m2 * (w2 * w2 * l2 + w1 * w1 * l1 * std::cos(t1 - t2))) /
      (l1 * den);
  const double a2 = 2 * std::sin(t1 - t2) *
                    (w1 * w1 * l1 * (m1 + m2) + g * (m1 + m2) * std::cos(t1) +
                     w2 * w2 * l2 * m2 * std::cos(t1 - t2)) /
                    (l2 * den);
  const std::array<double, 4> x{t1, t2, w1, w2};
  std::array<double, 4> f{};
  system.rhs(x.data(), f.data(), 0.0);
  EXPECT_NEAR(f[2], a1, 1e-13);
  EXPECT_NEAR(f[3], a2, 1e-13);
}

TEST(DoublePendulum, PackLanesMatchScalars) {
  Pack x[4], f[4];
  for (std::size_t v = 0; v < 4; ++v) {
    for (std::size_t lane = 0; lane < kPackWidth; ++lane) x[v][lane] = 0.9 * lane - 0.6 * v + 0.3;
  }
  kDefault.rhs(static_cast<const Pack*>(x), f, 0.0);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    const std::array<double, 4> xs{x[0][lane], x[1][lane], x[2][lane], x[3][lane]};
    std::array<double, 4> fs{};
    kDefault.rhs(xs.data(), fs.data(), 0.0);
    for (std::size_t v = 0; v < 4; ++v) EXPECT_EQ(f[v][lane], fs[v]);
  }
}

TEST(DoublePendulum, InvariantByHand) {
  // T + V at (0, pi/2, 1, 2), m = l = 1: T = 2/2 + 4/2 + 2 cos(-pi/2) = 3,
  // V = -2 g cos 0 - g cos(pi/2) = -19.62.
  const std::array<double, 4> x{0.0, std::numbers::pi / 2.0, 1.0, 2.0};
  EXPECT_NEAR(kDefault.invariant(x), 3.0 - 19.62, 1e-13);
}

TEST(DoublePendulum, Rk4ConservesEnergyWithASmallStep) {
  // E = T + V is constant along exact solutions (the Lagrangian has no explicit
  // time dependence). 10^4 RK4 steps of the default 1 ms from the chaotic
  // default state (E = 1.5 g = 14.715): measured relative drift 6e-10.
  const ExplicitRkStepper<DoublePendulum, ClassicRk4Tableau> stepper(kDefault);
  std::vector<double> x(4);
  kDefault.default_state(x);
  const double e0 = kDefault.invariant(x);
  EXPECT_NEAR(e0, 1.5 * 9.81, 1e-12);
  double worst = 0;
  for (int chunk = 0; chunk < 10; ++chunk) {
    stepper.advance(std::span<double>(x), 0.0, 1000, default_dt<DoublePendulum>());
    worst = std::max(worst, std::abs(kDefault.invariant(x) - e0) / e0);
  }
  EXPECT_LT(worst, 1e-8);
  // The state went somewhere: the lower rod swung away from 120 degrees.
  EXPECT_GT(std::abs(x[1] - 2.0 * std::numbers::pi / 3.0), 0.1);
}

// theta1(t) from a pure normal mode of amplitude 1e-4 (zero rates) against
// a cos(omega t) over three periods, via RK4 at dt = 1e-3; returns the largest
// deviation relative to the amplitude.
double mode_mismatch(const Params& p, double omega2, double ratio) {
  const DoublePendulum system(p);
  const ExplicitRkStepper<DoublePendulum, ClassicRk4Tableau> stepper(system);
  const double amplitude = 1e-4, omega = std::sqrt(omega2), dt = 1e-3;
  std::vector<double> x{amplitude, ratio * amplitude, 0.0, 0.0};
  const int steps = static_cast<int>(3.0 * 2.0 * std::numbers::pi / omega / dt);
  double worst = 0;
  for (int k = 1; k <= steps; k += 10) {
    stepper.advance(std::span<double>(x), 0.0, 10, dt);
    const double t = (k + 9) * dt;
    worst = std::max(worst, std::abs(x[0] - amplitude * std::cos(omega * t)) / amplitude);
    worst = std::max(worst, std::abs(x[1] - ratio * amplitude * std::cos(omega * t)) / amplitude);
  }
  return worst;
}

TEST(DoublePendulum, SmallAnglesOscillateInTheNormalModes) {
  // Linearised, M theta'' = -K theta with M = [[(m1+m2) l1^2, m2 l1 l2],
  // [m2 l1 l2, m2 l2^2]], K = g diag((m1+m2) l1, m2 l2), so omega^2 solves
  //   m1 l1 l2 w^2 - (m1 + m2) g (l1 + l2) w + (m1 + m2) g^2 = 0   (w = omega^2)
  // (Kibble & Berkshire, Classical Mechanics, 5th ed., Sec. 11, example "Normal
  // modes of the double pendulum", Eq. 11.21, divided by m1 l1 l2), with mode
  // shape theta2 / theta1 = (m1 + m2)(g - w l1) / (w m2 l2). For m1 = m2, l1 = l2 = l:
  // omega^2 = (g/l)(2 -+ sqrt 2) with theta2 / theta1 = +-sqrt 2.
  const double g = 9.81;
  EXPECT_LT(mode_mismatch({1, 1, 1, 1, g}, g * (2.0 - std::sqrt(2.0)), std::sqrt(2.0)), 1e-4);
  EXPECT_LT(mode_mismatch({1, 1, 1, 1, g}, g * (2.0 + std::sqrt(2.0)), -std::sqrt(2.0)), 1e-4);
  // A wrong frequency (1% off) is caught: three periods put it 0.19 rad out of
  // phase (measured mismatch 0.24; the right ones: 2e-8 to 1e-5).
  EXPECT_GT(mode_mismatch({1, 1, 1, 1, g}, 1.02 * g * (2.0 - std::sqrt(2.0)), std::sqrt(2.0)),
            0.05);

  // Unequal masses and lengths: both roots of the quadratic.
  const double m1 = 2.0, m2 = 0.5, l1 = 1.5, l2 = 0.7;
  const double a = m1 * l1 * l2, b = -(m1 + m2) * g * (l1 + l2), c = (m1 + m2) * g * g;
  for (double sign : {-1.0, 1.0}) {
    const double w = (-b + sign * std::sqrt(b * b - 4 * a * c)) / (2 * a);
    const double ratio = (m1 + m2) * (g - w * l1) / (w * m2 * l2);
    EXPECT_LT(mode_mismatch({m1, m2, l1, l2, g}, w, ratio), 1e-4) << "omega^2 = " << w;
  }
}

TEST(DoublePendulum, RejectsNonPositiveMassesAndLengths) {
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_GT(DoublePendulum::parameters[i].minimum, 0.0);
    for (double bad : {0.0, -1.0}) {
      Params p = default_values(DoublePendulum::parameters);
      p[i] = bad;
      try {
        DoublePendulum system(p);
        ADD_FAILURE() << "accepted " << DoublePendulum::parameters[i].name << " = " << bad;
      } catch (const UsageError& e) {
        const std::string key = "system." + std::string(DoublePendulum::parameters[i].name);
        EXPECT_EQ(std::string(e.what()).rfind(key, 0), 0u) << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace butterfly
