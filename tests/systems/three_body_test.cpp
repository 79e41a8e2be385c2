// The planar three-body problem: the Pythagorean initial state, the force law by hand,
// the Hamiltonian hooks, rejected parameters, conservation laws under DOPRI5, and the
// known outcome of the Pythagorean problem (Szebehely & Peters 1967).
#include "butterfly/systems/three_body.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/dormand_prince_stepper.hpp"

namespace butterfly {
namespace {

const ThreeBody kPythagorean(default_values(ThreeBody::parameters));

std::vector<double> initial_state() {
  std::vector<double> x(12);
  kPythagorean.default_state(x);
  return x;
}

double distance(const std::vector<double>& x, std::size_t i, std::size_t j) {
  return std::hypot(x[2 * j] - x[2 * i], x[2 * j + 1] - x[2 * i + 1]);
}

TEST(ThreeBody, DefaultsAreThePythagoreanProblem) {
  // Burrau (1913), Szebehely & Peters (1967), Astron. J. 72, 876: masses 3, 4, 5 at rest
  // at the corners of a 3-4-5 right triangle, each opposite the side of its own length;
  // the centre of mass is at the origin and E = -(12/5 + 15/4 + 20/3) = -769/60.
  const std::vector<double> x = initial_state();
  EXPECT_EQ(kPythagorean.mass(0), 3.0);
  EXPECT_EQ(kPythagorean.mass(1), 4.0);
  EXPECT_EQ(kPythagorean.mass(2), 5.0);
  EXPECT_DOUBLE_EQ(distance(x, 1, 2), 3.0);  // opposite body 1 (mass 3)
  EXPECT_DOUBLE_EQ(distance(x, 0, 2), 4.0);  // opposite body 2 (mass 4)
  EXPECT_DOUBLE_EQ(distance(x, 0, 1), 5.0);  // opposite body 3 (mass 5)
  for (std::size_t c = 0; c < 2; ++c) {
    double moment = 0.0;
    for (std::size_t i = 0; i < 3; ++i) moment += kPythagorean.mass(i) * x[2 * i + c];
    EXPECT_EQ(moment, 0.0);
  }
  for (std::size_t i = 6; i < 12; ++i) EXPECT_EQ(x[i], 0.0);
  EXPECT_NEAR(kPythagorean.invariant(x), -769.0 / 60.0, 1e-14);
  EXPECT_EQ(kPythagorean.angular_momentum(x), 0.0);
  EXPECT_EQ(ThreeBody::default_scheme, "dopri5");
  EXPECT_EQ(ThreeBody::default_dt, 0.01);
}

TEST(ThreeBody, AccelerationsByHand) {
  // Newton with G = 1 at the Pythagorean corners (closed form):
  //   a1 = 4 (-3, -4) / 5^3 + 5 (0, -4) / 4^3 = (-0.096, -0.4405)
  //   a2 = 3 (3, 4) / 5^3 + 5 (3, 0) / 3^3   = (0.072 + 5/9, 0.096)
  //   a3 = 3 (0, 4) / 4^3 + 4 (-3, 0) / 3^3  = (-4/9, 0.1875)
  const std::vector<double> x = initial_state();
  std::vector<double> f(12);
  kPythagorean.rhs(x.data(), f.data(), 0.0);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(f[i], 0.0);  // dq/dt = v = 0
  const std::array<double, 6> a{-0.096, -0.4405, 0.072 + 5.0 / 9.0, 0.096, -4.0 / 9.0, 0.1875};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(f[6 + i], a[i], 1e-15) << i;
  // Newton's third law: sum_i m_i a_i = 0.
  for (std::size_t c = 0; c < 2; ++c) {
    double total = 0.0;
    for (std::size_t i = 0; i < 3; ++i) total += kPythagorean.mass(i) * f[6 + 2 * i + c];
    EXPECT_NEAR(total, 0.0, 1e-15);
  }
}

TEST(ThreeBody, HamiltonianHooksAndPackLanesAgreeWithRhs) {
  // velocity(v) and force(q) are the two halves of rhs (state = (q, v)); the templated
  // rhs on Pack lanes gives each lane's scalar result.
  static_assert(SeparableHamiltonian<ThreeBody>);
  EXPECT_EQ(kPythagorean.positions(), 6u);
  std::vector<double> x(12);
  for (std::size_t i = 0; i < 12; ++i) x[i] = std::sin(1.7 * double(i) + 0.4) * 2.0;
  std::vector<double> f(12), dq(6), dv(6);
  kPythagorean.rhs(x.data(), f.data(), 0.0);
  kPythagorean.velocity(x.data() + 6, dq.data());
  kPythagorean.force(x.data(), dv.data());
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(dq[i], f[i]);
    EXPECT_EQ(dv[i], f[6 + i]);
  }
  Pack xp[12], fp[12];
  for (std::size_t v = 0; v < 12; ++v) {
    for (std::size_t lane = 0; lane < kPackWidth; ++lane) xp[v][lane] = x[v] + 0.1 * lane;
  }
  kPythagorean.rhs(static_cast<const Pack*>(xp), fp, 0.0);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    std::vector<double> xs(12), fs(12);
    for (std::size_t v = 0; v < 12; ++v) xs[v] = xp[v][lane];
    kPythagorean.rhs(xs.data(), fs.data(), 0.0);
    for (std::size_t v = 0; v < 12; ++v) EXPECT_EQ(fp[v][lane], fs[v]) << lane;
  }
}

TEST(ThreeBody, RejectsNonPositiveMassesAndCoincidentBodies) {
  auto values = default_values(ThreeBody::parameters);
  values[1] = 0.0;  // m2
  try {
    ThreeBody{values};
    FAIL() << "a zero mass was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("system.m2"), std::string::npos) << e.what();
  }
  values = default_values(ThreeBody::parameters);
  values[2] = -1.0;  // m3
  EXPECT_THROW(ThreeBody{values}, UsageError);
  values = default_values(ThreeBody::parameters);
  values[7] = values[3];  // x3 = x1
  values[8] = values[4];  // y3 = y1
  try {
    ThreeBody{values};
    FAIL() << "coincident bodies were accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("system.x3"), std::string::npos) << e.what();
  }
}

// Integrates the Pythagorean problem to `t_end` with DOPRI5 (rtol = atol = tol), one
// advance() per 0.1 time units as a driver with that output interval would.
std::vector<double> pythagorean_at(double t_end, double tol, double* max_energy_error = nullptr,
                                   double* max_angular_momentum = nullptr) {
  StepperOptions options;
  options.rtol = tol;
  options.atol = tol;
  const DormandPrinceStepper<ThreeBody> stepper(kPythagorean, options);
  std::vector<double> x = initial_state();
  const double e0 = kPythagorean.energy(x);
  const auto outputs = static_cast<std::size_t>(std::llround(t_end / 0.1));
  for (std::size_t k = 0; k < outputs; ++k) {
    stepper.advance(std::span<double>(x), 0.1 * double(k), 10, 0.01);
    if (max_energy_error) {
      *max_energy_error = std::max(*max_energy_error, std::abs((kPythagorean.energy(x) - e0) / e0));
    }
    if (max_angular_momentum) {
      *max_angular_momentum =
          std::max(*max_angular_momentum, std::abs(kPythagorean.angular_momentum(x)));
    }
  }
  EXPECT_EQ(stepper.statistics().failed_members, 0u);
  return x;
}

TEST(ThreeBody, EnergyAndAngularMomentumAreConservedUnderDopri5) {
  // E = -769/60 and L = 0 are integrals of the motion (Szebehely & Peters 1967). Over
  // [0, 10], through the first close encounters (minimum distance about 0.01), DOPRI5 at
  // rtol = atol = 1e-12 keeps them to about 1e-10 (measured 5e-11 and 2e-10).
  double energy_error = 0.0, angular_momentum = 0.0;
  pythagorean_at(10.0, 1e-12, &energy_error, &angular_momentum);
  EXPECT_LT(energy_error, 1e-9);
  EXPECT_LT(angular_momentum, 1e-9);
  EXPECT_GT(energy_error, 0.0);  // it is a numerical integration, not a copy
}

// Where body 1 (mass 3) is relative to the binary of bodies 2 and 3 (masses 4 and 5).
struct Escape {
  double relative_energy;           // mu |v_rel|^2 / 2 - m1 M / |r_rel|, mu = m1 M / (m1 + M)
  double radial_velocity;           // r_rel . v_rel / |r_rel|: > 0 when receding
  double distance;                  // |r_rel|
  double binary_energy;             // internal energy of the pair 2-3: < 0 when bound
  std::array<double, 2> direction;  // r_rel / |r_rel|
  double binary_velocity_dot_v1;    // V_binary . v_1: < 0 when they fly apart
};

Escape escape_of_body_1(const std::vector<double>& x) {
  const double m1 = kPythagorean.mass(0), m2 = kPythagorean.mass(1), m3 = kPythagorean.mass(2);
  const double big_m = m2 + m3;
  Escape e{};
  std::array<double, 2> r{}, v{}, binary_v{};
  for (std::size_t c = 0; c < 2; ++c) {
    const double centre = (m2 * x[2 + c] + m3 * x[4 + c]) / big_m;
    binary_v[c] = (m2 * x[8 + c] + m3 * x[10 + c]) / big_m;
    r[c] = x[c] - centre;
    v[c] = x[6 + c] - binary_v[c];
  }
  e.distance = std::hypot(r[0], r[1]);
  const double mu = m1 * big_m / (m1 + big_m);
  e.relative_energy = 0.5 * mu * (v[0] * v[0] + v[1] * v[1]) - m1 * big_m / e.distance;
  e.radial_velocity = (r[0] * v[0] + r[1] * v[1]) / e.distance;
  e.direction = {r[0] / e.distance, r[1] / e.distance};
  const double dvx = x[10] - x[8], dvy = x[11] - x[9];
  e.binary_energy = 0.5 * (m2 * m3 / big_m) * (dvx * dvx + dvy * dvy) - m2 * m3 / distance(x, 1, 2);
  e.binary_velocity_dot_v1 = binary_v[0] * x[6] + binary_v[1] * x[7];
  return e;
}

TEST(ThreeBody, PythagoreanProblemEjectsTheLightestBody) {
  // Szebehely & Peters (1967), Astron. J. 72, 876: after a sequence of close encounters,
  // the lightest body (mass 3) is ejected around t = 60 on a hyperbolic orbit and the
  // bodies of masses 4 and 5 form a permanent binary that recedes in the opposite
  // direction (the centre of mass is at rest). At t = 70: body 1 is far from the binary,
  // receding, with positive two-body energy relative to it, and the binary is bound.
  // The outcome is sensitive to the integration error (at rtol = 1e-10 body 1 leaves in
  // another direction, at 1e-9 it has not left by t = 70), so it is checked to agree
  // between rtol = atol = 1e-12 and 1e-13 (about 0.02 s each).
  const Escape fine = escape_of_body_1(pythagorean_at(70.0, 1e-13));
  const Escape coarse = escape_of_body_1(pythagorean_at(70.0, 1e-12));
  for (const Escape& e : {fine, coarse}) {
    EXPECT_GT(e.relative_energy, 1.0);
    EXPECT_GT(e.radial_velocity, 1.0);
    EXPECT_GT(e.distance, 20.0);
    EXPECT_LT(e.binary_energy, -10.0);
    EXPECT_LT(e.binary_velocity_dot_v1, 0.0);
  }
  // The same escape direction at both tolerances (within about 3 degrees).
  EXPECT_GT(fine.direction[0] * coarse.direction[0] + fine.direction[1] * coarse.direction[1],
            std::cos(0.05));
  EXPECT_NEAR(fine.relative_energy, coarse.relative_energy, 0.25 * fine.relative_energy);
}

}  // namespace
}  // namespace butterfly
