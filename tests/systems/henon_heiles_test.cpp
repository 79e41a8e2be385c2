// Henon-Heiles: the right-hand side against -grad V, energy conservation under
// yoshida4, the projection onto the energy surface, rejected parameters, and
// Henon & Heiles' (1964) regular orbits at E = 1/12 against chaos at E = 1/8.
#include "butterfly/systems/henon_heiles.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/symplectic_stepper.hpp"

namespace butterfly {
namespace {

using Params = ParameterValues<4>;  // energy, x0, y0, py0

const HenonHeiles kDefault(default_values(HenonHeiles::parameters));

TEST(HenonHeiles, DefaultsAndContract) {
  const Params p = default_values(HenonHeiles::parameters);
  EXPECT_EQ(p, (Params{0.125, 0.0, -0.2, 0.0}));
  EXPECT_EQ(kDefault.dimension(), 4u);
  EXPECT_EQ(kDefault.positions(), 2u);
  EXPECT_EQ(default_scheme<HenonHeiles>(), "yoshida4");
  EXPECT_EQ(default_dt<HenonHeiles>(), 0.01);
  // The default state lies on H = E with px0 = +sqrt(2 (E - V) - py0^2):
  // V(0, -0.2) = 0.02 + 0.008 / 3, so px0 = sqrt(0.25 - 0.04 - 0.016 / 3).
  std::array<double, 4> s{};
  kDefault.default_state(s);
  EXPECT_EQ(s[0], 0.0);
  EXPECT_EQ(s[1], -0.2);
  EXPECT_NEAR(s[2], std::sqrt(0.25 - 0.04 - 0.016 / 3.0), 1e-15);
  EXPECT_EQ(s[3], 0.0);
  EXPECT_NEAR(kDefault.invariant(s), 0.125, 1e-16);
}

TEST(HenonHeiles, RightHandSideIsMinusGradV) {
  // At (x, y, px, py) = (0.3, -0.2, 0.1, 0.5), by hand from
  // V = (x^2 + y^2)/2 + x^2 y - y^3/3 (Henon & Heiles 1964):
  //   dpx/dt = -x - 2 x y = -0.3 + 0.12 = -0.18,
  //   dpy/dt = -y - x^2 + y^2 = 0.2 - 0.09 + 0.04 = 0.15.
  const std::array<double, 4> s{0.3, -0.2, 0.1, 0.5};
  std::array<double, 4> f{};
  kDefault.rhs(s.data(), f.data(), 0.0);
  EXPECT_EQ(f[0], 0.1);
  EXPECT_EQ(f[1], 0.5);
  EXPECT_NEAR(f[2], -0.18, 1e-16);
  EXPECT_NEAR(f[3], 0.15, 1e-16);
  // And against central differences of potential() at another point.
  const double x = -0.27, y = 0.41, h = 1e-5;
  const std::array<double, 4> s2{x, y, 0.0, 0.0};
  kDefault.rhs(s2.data(), f.data(), 0.0);
  const double dvdx =
      (HenonHeiles::potential(x + h, y) - HenonHeiles::potential(x - h, y)) / (2 * h);
  const double dvdy =
      (HenonHeiles::potential(x, y + h) - HenonHeiles::potential(x, y - h)) / (2 * h);
  EXPECT_NEAR(f[2], -dvdx, 1e-10);
  EXPECT_NEAR(f[3], -dvdy, 1e-10);
}

TEST(HenonHeiles, PackLanesMatchScalars) {
  Pack s[4], f[4];
  for (std::size_t v = 0; v < 4; ++v) {
    for (std::size_t lane = 0; lane < kPackWidth; ++lane)
      s[v][lane] = 0.13 * lane - 0.07 * v + 0.02;
  }
  kDefault.rhs(static_cast<const Pack*>(s), f, 0.0);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    const std::array<double, 4> xs{s[0][lane], s[1][lane], s[2][lane], s[3][lane]};
    std::array<double, 4> fs{};
    kDefault.rhs(xs.data(), fs.data(), 0.0);
    for (std::size_t v = 0; v < 4; ++v) EXPECT_EQ(f[v][lane], fs[v]);
  }
}

TEST(HenonHeiles, Yoshida4ConservesEnergyOverALongRun) {
  // H is an exact invariant; 10^5 steps of yoshida4 at the default dt = 0.01
  // (1000 time units, about 160 oscillations) on the chaotic default orbit.
  const SymplecticStepper<HenonHeiles> stepper(kDefault);
  std::vector<double> s(4);
  kDefault.default_state(s);
  const double e0 = kDefault.invariant(s);
  double worst = 0;
  for (int chunk = 0; chunk < 100; ++chunk) {
    stepper.advance(std::span<double>(s), 0.0, 1000, default_dt<HenonHeiles>());
    worst = std::max(worst, std::abs(kDefault.invariant(s) - e0) / e0);
  }
  EXPECT_LT(worst, 1e-6);
}

TEST(HenonHeiles, ConstrainLandsOnTheEnergySurface) {
  // Random draws over a box that contains states far off the surface, states
  // outside the bounded triangle and states with V(x, y) > E: each lands on
  // H = E, inside the triangle; a position that already fits is kept exactly
  // and the momentum keeps its direction.
  std::mt19937_64 rng(20240611);
  std::uniform_real_distribution<double> box(-1.0, 1.0);
  int kept = 0, pulled = 0;
  for (int i = 0; i < 2000; ++i) {
    std::array<double, 4> s{box(rng), box(rng), 0.5 * box(rng), 0.5 * box(rng)};
    if (i % 97 == 0) s[2] = s[3] = 0.0;  // no momentum direction to keep
    const std::array<double, 4> drawn = s;
    kDefault.constrain(s);
    ASSERT_NEAR(kDefault.invariant(s), 0.125, 1e-15) << "draw " << i;
    EXPECT_GT(2.0 * s[1] + 1.0, 0.0);
    EXPECT_LT(3.0 * s[0] * s[0], (1.0 - s[1]) * (1.0 - s[1]));
    const bool fitted = HenonHeiles::potential(drawn[0], drawn[1]) <= 0.125 &&
                        2.0 * drawn[1] + 1.0 > 0.0 &&
                        3.0 * drawn[0] * drawn[0] < (1.0 - drawn[1]) * (1.0 - drawn[1]);
    if (fitted) {
      ++kept;
      EXPECT_EQ(s[0], drawn[0]);
      EXPECT_EQ(s[1], drawn[1]);
    } else {
      ++pulled;
      // Pulled back along the ray to the origin, onto the zero-velocity curve V = E.
      EXPECT_NEAR(s[0] * drawn[1] - s[1] * drawn[0], 0.0, 1e-15);
      EXPECT_LE(std::abs(s[0]), std::abs(drawn[0]));
      EXPECT_NEAR(HenonHeiles::potential(s[0], s[1]), 0.125, 1e-14);
    }
    if (drawn[2] != 0.0 || drawn[3] != 0.0) {
      EXPECT_NEAR(s[2] * drawn[3] - s[3] * drawn[2], 0.0, 1e-15);  // parallel
      EXPECT_GE(s[2] * drawn[2] + s[3] * drawn[3], 0.0);           // same sense
    }
  }
  EXPECT_GT(kept, 100);
  EXPECT_GT(pulled, 100);
}

std::string usage_error(const Params& p) {
  try {
    HenonHeiles system(p);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(HenonHeiles, RejectsEscapeEnergyAndImpossibleStates) {
  // Orbits can escape above the saddle energy 1/6 (Henon & Heiles 1964: V = 1/6
  // at the saddles (0, 1) and (+-sqrt(3)/2, -1/2)).
  for (double energy : {1.0 / 6.0, 0.2}) {
    const std::string message = usage_error({energy, 0.0, 0.0, 0.0});
    EXPECT_NE(message.find("system.energy"), std::string::npos) << message;
    EXPECT_NE(message.find("1/6"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  EXPECT_EQ(usage_error({1.0 / 6.0 - 1e-9, 0.0, 0.0, 0.0}), "");
  // py0 too large: V(0, 0) + 0.6^2 / 2 = 0.18 > 0.125, no real px0.
  const std::string no_px = usage_error({0.125, 0.0, 0.0, 0.6});
  EXPECT_NE(no_px.find("system.py0"), std::string::npos) << no_px;
  EXPECT_NE(no_px.find("px0"), std::string::npos) << no_px;
  // (0, 2) has V = 2 - 8/3 < 0 but lies beyond the saddle (0, 1): unbounded.
  const std::string outside = usage_error({0.125, 0.0, 2.0, 0.0});
  EXPECT_NE(outside.find("system.y0"), std::string::npos) << outside;
}

// Largest |separation| / d0 of two orbits d0 = 1e-9 apart in y, over t in
// [0, 500], both started on the surface of section x = 0 at energy E.
double separation_growth(double energy, double y0, double py0) {
  const HenonHeiles system({energy, 0.0, y0, py0});
  const SymplecticStepper<HenonHeiles> stepper(system);
  std::vector<double> a(4), b(4);
  system.default_state(a);
  b = a;
  b[1] += 1e-9;
  double growth = 0;
  for (int chunk = 0; chunk < 500; ++chunk) {
    stepper.advance(std::span<double>(a), 0.0, 100, 0.01);
    stepper.advance(std::span<double>(b), 0.0, 100, 0.01);
    double d = 0;
    for (int i = 0; i < 4; ++i) d += (a[i] - b[i]) * (a[i] - b[i]);
    growth = std::max(growth, std::sqrt(d) / 1e-9);
  }
  return growth;
}

TEST(HenonHeiles, RegularAtOneTwelfthChaoticAtOneEighth) {
  // Henon & Heiles (1964), Astron. J. 69, 73, surfaces of section x = 0 at
  // E = 1/12 and E = 1/8 (reproduced in Weisstein, MathWorld "Henon-Heiles
  // Equation"): at E = 1/12 the orbits lie on smooth invariant curves (regular:
  // nearby orbits separate at most linearly in time); at E = 1/8 a chaotic sea
  // fills the outer part of the section, which y = -0.2, py = 0 lies in.
  // Measured growth over t = 500: about 10^1 to 10^2.2 at E = 1/12, saturated
  // (about 10^9, i.e. O(1) separations) at E = 1/8.
  for (double y0 : {-0.25, -0.15, 0.0, 0.15, 0.3, 0.45}) {
    EXPECT_LT(separation_growth(1.0 / 12.0, y0, 0.0), 1e4) << "E = 1/12, y0 = " << y0;
  }
  EXPECT_GT(separation_growth(0.125, -0.2, 0.0), 1e6) << "E = 1/8, y0 = -0.2";
}

}  // namespace
}  // namespace butterfly
