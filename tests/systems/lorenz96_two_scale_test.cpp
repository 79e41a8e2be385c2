// Two-scale Lorenz-96: the right-hand side by hand, the energy identity of the
// coupling, an independent scalar implementation and long-run statistics.
#include "butterfly/systems/lorenz96_two_scale.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"

namespace butterfly {
namespace {

using Params = ParameterValues<6>;  // k, j, h, c, b, forcing

// A deterministic, irregular state with slow values of size ~5 and fast ~0.5.
std::vector<double> irregular_state(std::size_t k, std::size_t j) {
  std::vector<double> x(k + k * j);
  for (std::size_t i = 0; i < k; ++i) x[i] = 5.0 * std::sin(1.3 * i + 0.4) + 2.0;
  for (std::size_t i = 0; i < k * j; ++i) x[k + i] = 0.5 * std::cos(0.77 * i * i + 0.1 * i);
  return x;
}

TEST(Lorenz96TwoScale, DefaultsAreLorenz1996) {
  // Lorenz (1996)'s two-scale experiment as DAPPER sets it up
  // (dapper/mods/LorenzUV/lorenz96.py, "as in Lorenz 1996"): K = 36, J = 10,
  // F = 10, h = 1, b = c = 10, integrated with RK4 at dt = 0.005.
  const Params p = default_values(Lorenz96TwoScale::parameters);
  EXPECT_EQ(p, (Params{36.0, 10.0, 1.0, 10.0, 10.0, 10.0}));
  EXPECT_EQ(Lorenz96TwoScale(p).dimension(), 36u + 360u);
  EXPECT_EQ(default_scheme<Lorenz96TwoScale>(), "rk4");
  EXPECT_EQ(default_dt<Lorenz96TwoScale>(), 0.005);
}

TEST(Lorenz96TwoScale, RightHandSideByHandWithWrapAround) {
  // K = 4, J = 2, h = 1, c = b = 2 (so h c / b = 1, c b = 4), F = 1,
  // X = (1, 2, 3, 4), Y = (1, 2, 0, 1, 3, 0, 2, 1); block sums (3, 1, 3, 3).
  // dX_k = (X_{k+1} - X_{k-2}) X_{k-1} - X_k + F - sum_j Y_{j,k}:
  //   (2-3)4 - 1 + 1 - 3 = -7;  (3-4)1 - 2 + 1 - 1 = -3;
  //   (4-1)2 - 3 + 1 - 3 = 1;   (1-2)3 - 4 + 1 - 3 = -9.
  // dY_i = 4 Y_{i+1} (Y_{i-1} - Y_{i+2}) - 2 Y_i + X_{i/2}:
  //   i=0: 4*2*(1-0) - 2 + 1 = 7      i=1: 0 - 4 + 1 = -3
  //   i=2: 4*1*(2-3) - 0 + 2 = -2     i=3: 4*3*(0-0) - 2 + 2 = 0
  //   i=4: 0 - 6 + 3 = -3             i=5: 4*2*(3-1) - 0 + 3 = 19
  //   i=6: 4*1*(0-1) - 4 + 4 = -4     i=7: 4*1*(2-2) - 2 + 4 = 2
  const Lorenz96TwoScale system(Params{4.0, 2.0, 1.0, 2.0, 2.0, 1.0});
  const double x[12] = {1, 2, 3, 4, 1, 2, 0, 1, 3, 0, 2, 1};
  const double expected[12] = {-7, -3, 1, -9, 7, -3, -2, 0, -3, 19, -4, 2};
  double f[12];
  system.rhs(x, f, 0.0);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(f[i], expected[i]) << "component " << i;
}

TEST(Lorenz96TwoScale, CouplingAndAdvectionConserveEnergy) {
  // Both advection terms conserve the sum of squares and the coupling terms
  // cancel in it (Lorenz 1996), so for any state
  //   sum_k X_k dX_k/dt + sum_i Y_i dY_i/dt = -sum X^2 + F sum X - c sum Y^2.
  for (const Params& p :
       {Params{36.0, 10.0, 1.0, 10.0, 10.0, 10.0}, Params{8.0, 32.0, 0.7, 4.0, 10.0, 20.0},
        Params{5.0, 1.0, 2.0, 3.0, 0.5, -1.0}}) {
    const Lorenz96TwoScale system(p);
    const std::size_t k = static_cast<std::size_t>(p[0]), n = system.dimension();
    const std::vector<double> x = irregular_state(k, static_cast<std::size_t>(p[1]));
    std::vector<double> f(n);
    system.rhs(x.data(), f.data(), 0.0);
    double lhs = 0, sum_x = 0, sum_xx = 0, sum_yy = 0;
    for (std::size_t i = 0; i < n; ++i) lhs += x[i] * f[i];
    for (std::size_t i = 0; i < k; ++i) sum_x += x[i], sum_xx += x[i] * x[i];
    for (std::size_t i = k; i < n; ++i) sum_yy += x[i] * x[i];
    const double rhs = -sum_xx + p[5] * sum_x - p[3] * sum_yy;
    EXPECT_NEAR(lhs, rhs, 1e-12 * (sum_xx + p[3] * sum_yy + std::abs(p[5] * sum_x)));
  }
}

// An independent implementation written as the equations read, with modulo
// indices and Y stored as y[k][j] (the fast ring continues from y[k][J-1] to
// y[k+1][0]), stepped by its own classic RK4.
struct ScalarTwoScale {
  int K, J;
  double h, c, b, F;

  double& y(std::vector<double>& s, int k, int j) const { return s[K + k * J + j]; }

  std::vector<double> rhs(const std::vector<double>& s) const {
    auto X = [&](int k) { return s[((k % K) + K) % K]; };
    auto Y = [&](int k, int j) {  // fast variable j of block k, j may leave [0, J)
      const int flat = ((k * J + j) % (K * J) + K * J) % (K * J);
      return s[K + flat];
    };
    std::vector<double> f(s.size());
    for (int k = 0; k < K; ++k) {
      double sum = 0;
      for (int j = 0; j < J; ++j) sum += Y(k, j);
      f[k] = -X(k - 1) * (X(k - 2) - X(k + 1)) - X(k) + F - h * c / b * sum;
      for (int j = 0; j < J; ++j) {
        y(f, k, j) =
            -c * b * Y(k, j + 1) * (Y(k, j + 2) - Y(k, j - 1)) - c * Y(k, j) + h * c / b * X(k);
      }
    }
    return f;
  }

  void rk4(std::vector<double>& s, double dt) const {
    const std::size_t n = s.size();
    auto shifted = [&](const std::vector<double>& k, double w) {
      std::vector<double> r(n);
      for (std::size_t i = 0; i < n; ++i) r[i] = s[i] + w * k[i];
      return r;
    };
    const auto k1 = rhs(s);
    const auto k2 = rhs(shifted(k1, dt / 2));
    const auto k3 = rhs(shifted(k2, dt / 2));
    const auto k4 = rhs(shifted(k3, dt));
    for (std::size_t i = 0; i < n; ++i) s[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }
};

TEST(Lorenz96TwoScale, MatchesIndependentScalarImplementation) {
  for (const Params& p :
       {Params{36.0, 10.0, 1.0, 10.0, 10.0, 10.0}, Params{4.0, 1.0, 1.5, 3.0, 2.0, 8.0},
        Params{5.0, 3.0, 1.0, 4.0, 10.0, 20.0}}) {
    const Lorenz96TwoScale system(p);
    const ScalarTwoScale reference{
        static_cast<int>(p[0]), static_cast<int>(p[1]), p[2], p[3], p[4], p[5]};
    const std::vector<double> x =
        irregular_state(static_cast<std::size_t>(p[0]), static_cast<std::size_t>(p[1]));
    std::vector<double> f(x.size());
    system.rhs(x.data(), f.data(), 0.0);
    const std::vector<double> g = reference.rhs(x);
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(f[i], g[i], 1e-12 * (1 + std::abs(g[i])));
  }
}

TEST(Lorenz96TwoScale, PackLanesMatchScalars) {
  const Lorenz96TwoScale system(Params{6.0, 3.0, 1.0, 10.0, 10.0, 10.0});
  const std::size_t n = system.dimension();
  std::vector<Pack> x(n), f(n);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    const std::vector<double> s = irregular_state(6 + lane, 3);  // differs per lane
    for (std::size_t i = 0; i < n; ++i) x[i][lane] = s[i];
  }
  system.rhs(static_cast<const Pack*>(x.data()), f.data(), 0.0);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    std::vector<double> xs(n), fs(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = x[i][lane];
    system.rhs(xs.data(), fs.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(f[i][lane], fs[i]);
  }
}

TEST(Lorenz96TwoScale, BadAmplitudeRatioIsAUsageError) {
  try {
    Lorenz96TwoScale(Params{36.0, 10.0, 1.0, 10.0, 0.0, 10.0});
    FAIL() << "b = 0 accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "system.b: must be positive (it divides the coupling h c / b), got 0");
  }
}

struct Climate {
  double mean_x = 0, std_x = 0, std_y = 0, mean_xx = 0, mean_yy = 0;
};

template <class Step>
Climate climate(std::vector<double>& s, std::size_t k, double dt, double spin_up, double length,
                Step step) {
  for (int i = 0; i < static_cast<int>(spin_up / dt); ++i) step(s);
  double sx = 0, sxx = 0, sy = 0, syy = 0;
  long cx = 0, cy = 0;
  for (int i = 0; i < static_cast<int>(length / dt); ++i) {
    step(s);
    for (std::size_t v = 0; v < k; ++v) sx += s[v], sxx += s[v] * s[v], ++cx;
    for (std::size_t v = k; v < s.size(); ++v) sy += s[v], syy += s[v] * s[v], ++cy;
  }
  Climate c;
  c.mean_x = sx / cx;
  c.mean_xx = sxx / cx;
  c.mean_yy = syy / cy;
  c.std_x = std::sqrt(sxx / cx - c.mean_x * c.mean_x);
  c.std_y = std::sqrt(syy / cy - (sy / cy) * (sy / cy));
  return c;
}

TEST(Lorenz96TwoScale, LongRunStatistics) {
  // K = 36, J = 10, F = 10, h = 1, c = b = 10, RK4 at the default step, 200
  // time units after 10 of spin-up.
  const Params p = default_values(Lorenz96TwoScale::parameters);
  const Lorenz96TwoScale system(p);
  const std::size_t n = system.dimension();
  const double dt = default_dt<Lorenz96TwoScale>();
  std::vector<double> x(n), work(5 * n);
  system.default_state(x);
  const Climate ours = climate(x, 36, dt, 10.0, 200.0, [&](std::vector<double>& s) {
    explicit_rk_step<ClassicRk4Tableau>(system, s.data(), 0.0, dt, work.data(), n);
  });

  // (1) Closed form: the time mean of d(sum X^2 + sum Y^2)/dt vanishes on the
  // attractor, so by the energy identity above
  //   K <X^2> + c K J <Y^2> = F K <X>   (to O(1 / length)).
  EXPECT_NEAR(36 * ours.mean_xx + 10.0 * 360 * ours.mean_yy, 10.0 * 36 * ours.mean_x,
              0.01 * 10.0 * 36 * ours.mean_x);

  // (2) The independent implementation, from another initial state and over
  // 100 units, gives the same climate within sampling error (about 0.1 in the
  // mean of X; an error in the coupling moves it by more than 1). Measured:
  // mean X 2.57 vs 2.54, std X 3.54 vs 3.53, std Y 0.236 vs 0.235.
  const ScalarTwoScale reference{36, 10, 1.0, 10.0, 10.0, 10.0};
  std::vector<double> y = irregular_state(36, 10);
  const Climate theirs =
      climate(y, 36, dt, 5.0, 100.0, [&](std::vector<double>& s) { reference.rk4(s, dt); });
  EXPECT_NEAR(ours.mean_x, theirs.mean_x, 0.3);
  EXPECT_NEAR(ours.std_x, theirs.std_x, 0.2);
  EXPECT_NEAR(ours.std_y, theirs.std_y, 0.02);

  // (3) Lorenz (1996) chose b = 10 so that the fast variables have about a
  // tenth of the slow ones' amplitude (b is the amplitude ratio); a loose band
  // around b for the ratio of standard deviations.
  EXPECT_GT(ours.std_x / ours.std_y, 10.0 / 3.0);
  EXPECT_LT(ours.std_x / ours.std_y, 10.0 * 3.0);
  // The slow variables stay chaotic and of one-scale Lorenz-96 size.
  EXPECT_GT(ours.std_x, 2.0);
  EXPECT_LT(ours.std_x, 5.0);
}

}  // namespace
}  // namespace butterfly
