// SpectralGrid: FFTW many-transform plans over a Pack of members, checked against
// closed forms (the transform of a trigonometric polynomial) and for lane independence.
#include "butterfly/systems/spectral_grid.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

constexpr std::size_t L = kSpectralLanes;

TEST(SpectralGrid, WavenumbersAndDealiasingFollowTheHalfSpectrumLayout) {
  const SpectralGrid g(12, 8, 2.0 * std::numbers::pi, 4.0 * std::numbers::pi);
  EXPECT_EQ(g.modes(), 8u * 7u);
  EXPECT_EQ(g.points(), 96u);
  // Mode (j = 6, i = 3): j' = 6 - 8 = -2, so ky = 2 pi (-2) / (4 pi) = -1; kx = 3.
  const std::size_t q = 6 * 7 + 3;
  EXPECT_DOUBLE_EQ(g.kx(q), 3.0);
  EXPECT_DOUBLE_EQ(g.ky(q), -1.0);
  // 2/3 rule: |i| < 4 and |j'| < 8/3.
  EXPECT_TRUE(g.kept(q));
  EXPECT_FALSE(g.kept(6 * 7 + 4));
  EXPECT_FALSE(g.kept(5 * 7 + 0));  // j' = -3
}

TEST(SpectralGrid, ForwardGivesTheCoefficientsOfATrigonometricPolynomial) {
  // u = 3 + 2 cos(2 x) - sin(5 x) on [0, 2 pi): u^_0 = 3 N, u^_2 = N, u^_5 = i N / 2.
  const std::size_t n = 16;
  const SpectralGrid g(n, 1, 2.0 * std::numbers::pi, 1.0);
  std::vector<double> u(n * L);
  for (std::size_t p = 0; p < n; ++p) {
    const double x = g.x(p);
    for (std::size_t l = 0; l < L; ++l) {
      u[p * L + l] = 3.0 + 2.0 * std::cos(2.0 * x) - std::sin(5.0 * x) * static_cast<double>(l + 1);
    }
  }
  std::vector<Complex> uh(g.modes() * L);
  g.forward(u.data(), uh.data());
  for (std::size_t l = 0; l < L; ++l) {
    EXPECT_NEAR(uh[0 * L + l].real(), 3.0 * n, 1e-12);
    EXPECT_NEAR(uh[2 * L + l].real(), 1.0 * n, 1e-12);
    EXPECT_NEAR(uh[5 * L + l].imag(), 0.5 * n * static_cast<double>(l + 1), 1e-12);
    EXPECT_NEAR(std::abs(uh[3 * L + l]), 0.0, 1e-12);
  }
  std::vector<double> back(n * L);
  g.inverse(uh.data(), back.data());
  for (std::size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(back[i], u[i], 1e-14);
}

TEST(SpectralGrid, SpectralDerivativeIsExactIn2D) {
  // d/dx of sin(x) cos(2 y) on [0, 2 pi)^2 is cos(x) cos(2 y): multiply by i kx.
  const SpectralGrid g(16, 12, 2.0 * std::numbers::pi, 2.0 * std::numbers::pi);
  std::vector<double> u(g.points() * L), du(g.points() * L);
  for (std::size_t j = 0; j < g.ny(); ++j) {
    for (std::size_t i = 0; i < g.nx(); ++i) {
      for (std::size_t l = 0; l < L; ++l) {
        u[(j * g.nx() + i) * L + l] = std::sin(g.x(i)) * std::cos(2.0 * g.y(j));
      }
    }
  }
  std::vector<Complex> uh(g.modes() * L);
  g.forward(u.data(), uh.data());
  for (std::size_t q = 0; q < g.modes(); ++q) {
    for (std::size_t l = 0; l < L; ++l) uh[q * L + l] *= Complex(0.0, g.kx(q));
  }
  g.inverse(uh.data(), du.data());
  for (std::size_t j = 0; j < g.ny(); ++j) {
    for (std::size_t i = 0; i < g.nx(); ++i) {
      EXPECT_NEAR(du[(j * g.nx() + i) * L + 2], std::cos(g.x(i)) * std::cos(2.0 * g.y(j)), 1e-13);
    }
  }
}

void expect_lane_independent(const SpectralGrid& g);

TEST(SpectralGrid, AStateGetsTheSameBitsInEveryLane) {
  // DESIGN invariant 3: a member's transform must not depend on its lane.
  for (const SpectralGrid& g : {SpectralGrid(128, 1, 3.0, 1.0), SpectralGrid(32, 8, 3.0, 5.0),
                                SpectralGrid(64, 64, 1.0, 1.0)}) {
    expect_lane_independent(g);
  }
}

void expect_lane_independent(const SpectralGrid& g) {
  std::vector<double> state(g.points());
  for (std::size_t p = 0; p < state.size(); ++p) state[p] = std::sin(0.37 * p * p + 1.0);
  for (std::size_t lane = 0; lane < L; ++lane) {
    std::vector<double> u(g.points() * L, 0.25);
    for (std::size_t p = 0; p < state.size(); ++p) u[p * L + lane] = state[p];
    std::vector<Complex> uh(g.modes() * L);
    g.forward(u.data(), uh.data());
    std::vector<double> back(g.points() * L);
    std::vector<Complex> copy = uh;
    g.inverse(copy.data(), back.data());
    if (lane == 0) continue;
    std::vector<double> u0(g.points() * L, 0.25);
    for (std::size_t p = 0; p < state.size(); ++p) u0[p * L] = state[p];
    std::vector<Complex> uh0(g.modes() * L);
    g.forward(u0.data(), uh0.data());
    std::vector<double> back0(g.points() * L);
    std::vector<Complex> copy0 = uh0;  // the inverse destroys its input
    g.inverse(copy0.data(), back0.data());
    for (std::size_t q = 0; q < g.modes(); ++q) {
      EXPECT_EQ(uh[q * L + lane], uh0[q * L]);
    }
    for (std::size_t p = 0; p < g.points(); ++p) EXPECT_EQ(back[p * L + lane], back0[p * L]);
  }
}

TEST(SpectralGrid, RejectsGridsTheTransformsCannotTake) {
  EXPECT_THROW(SpectralGrid(7, 1, 1.0, 1.0), UsageError);
  EXPECT_THROW(SpectralGrid(16, 3, 1.0, 1.0), UsageError);
  EXPECT_THROW(SpectralGrid(16, 1, -1.0, 1.0), UsageError);
}

}  // namespace
}  // namespace butterfly
