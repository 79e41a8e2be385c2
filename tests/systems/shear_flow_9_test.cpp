// Nine-mode shear flow: the laminar fixed point, the energy identity of the
// advection terms, viscous decay of single modes and transient turbulence.
#include "butterfly/systems/shear_flow_9.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"

namespace butterfly {
namespace {

using State = std::array<double, 9>;
using std::numbers::pi;

const ShearFlow9 kDefault(default_values(ShearFlow9::parameters));

// zeta_i of Moehlis et al. (2004), eqs. (21)-(29): the linear term of da_i/dt
// is -zeta_i a_i / Re, with alpha = 2 pi / Lx, beta = pi / 2, gamma = 2 pi / Lz.
State zeta(double lx, double lz) {
  const double a = 2 * pi / lx, b = pi / 2, g = 2 * pi / lz;
  return {b * b,
          4 * b * b / 3 + g * g,
          b * b + g * g,
          (3 * a * a + 4 * b * b) / 3,
          a * a + b * b,
          (3 * a * a + 4 * b * b + 3 * g * g) / 3,
          a * a + b * b + g * g,
          a * a + b * b + g * g,
          9 * b * b};
}

State irregular_state(int seed) {
  State a{};
  for (int i = 0; i < 9; ++i) a[i] = 0.6 * std::sin(1.7 * (i + 1) * (seed + 1) + 0.3 * seed);
  return a;
}

TEST(ShearFlow9, DefaultsAreTheMoehlisDomain) {
  // Re = 400 in the domain Lx = 4 pi, Lz = 2 pi (alpha = 1/2, gamma = 1), the
  // Moehlis et al. (2004) setting used by Srinivasan et al. (2019) and by the
  // public implementations cited below.
  EXPECT_EQ(ShearFlow9::parameters[0].default_value, 400.0);
  EXPECT_EQ(ShearFlow9::parameters[1].default_value, 4 * pi);
  EXPECT_EQ(ShearFlow9::parameters[2].default_value, 2 * pi);
  EXPECT_EQ(kDefault.dimension(), 9u);
  EXPECT_EQ(default_scheme<ShearFlow9>(), "rk4");
  EXPECT_EQ(default_dt<ShearFlow9>(), 0.25);
}

TEST(ShearFlow9, LaminarProfileIsAFixedPoint) {
  // a = (1, 0, ..., 0): beta^2 / Re - beta^2 / Re a_1 = 0, and every quadratic
  // term pairs two amplitudes of which at most a_1 is non-zero.
  const State laminar{1, 0, 0, 0, 0, 0, 0, 0, 0};
  State f{};
  kDefault.rhs(laminar.data(), f.data(), 0.0);
  for (double v : f) EXPECT_EQ(v, 0.0);
}

TEST(ShearFlow9, AdvectionConservesEnergy) {
  // The nonlinear terms come from the advection term of Navier-Stokes projected
  // on orthonormal modes, so sum_i a_i N_i(a) = 0 (Moehlis et al. 2004):
  //   sum_i a_i f_i = beta^2 / Re a_1 - sum_i zeta_i a_i^2 / Re   for every a,
  // in any domain and at any Re.
  const std::array<ParameterValues<3>, 3> cases{
      {{400.0, 4 * pi, 2 * pi}, {250.0, 1.75 * pi, 1.2 * pi}, {1000.0, 2 * pi, pi}}};
  for (const auto& p : cases) {
    const ShearFlow9 system(p);
    const State z = zeta(p[1], p[2]);
    for (int seed = 0; seed < 4; ++seed) {
      const State a = irregular_state(seed);
      State f{};
      system.rhs(a.data(), f.data(), 0.0);
      double lhs = 0, expected = (pi / 2) * (pi / 2) / p[0] * a[0], scale = 0;
      for (int i = 0; i < 9; ++i) {
        lhs += a[i] * f[i];
        expected -= z[i] * a[i] * a[i] / p[0];
        scale += std::abs(a[i] * f[i]);
      }
      EXPECT_NEAR(lhs, expected, 1e-14 * scale) << "Re " << p[0] << " seed " << seed;
    }
  }
}

TEST(ShearFlow9, SingleModesDecayAtTheirViscousRates) {
  // By hand: at a = s e_i (i >= 2) every quadratic term vanishes, so
  // da_i/dt = -zeta_i s / Re, da_1/dt = beta^2 / Re and the rest are 0.
  const State z = zeta(4 * pi, 2 * pi);
  for (int i = 1; i < 9; ++i) {
    State a{};
    a[i] = 0.3;
    State f{};
    kDefault.rhs(a.data(), f.data(), 0.0);
    for (int m = 0; m < 9; ++m) {
      const double expected = m == i   ? -z[i] * 0.3 / 400.0
                              : m == 0 ? (pi / 2) * (pi / 2) / 400.0
                                       : 0;
      EXPECT_NEAR(f[m], expected, 1e-16) << "mode " << i + 1 << " component " << m + 1;
    }
  }
  // With the laminar profile present, e_1 + s e_2 (streak) and e_1 + s e_9
  // (mean-flow modification) are invariant subspaces: no quadratic term pairs
  // a_1 with a_2 or with a_9, so a_i(t) = s exp(-zeta_i t / Re) exactly.
  // Integrated with RK4 at the default step over 100 units.
  for (int i : {1, 8}) {
    State a{1, 0, 0, 0, 0, 0, 0, 0, 0};
    a[i] = 0.3;
    std::array<double, 9 * 5> work{};
    const double dt = default_dt<ShearFlow9>();
    for (int k = 0; k < 400; ++k) {
      explicit_rk_step<ClassicRk4Tableau>(kDefault, a.data(), 0.0, dt, work.data(), 9);
    }
    EXPECT_NEAR(a[i], 0.3 * std::exp(-z[i] * 100.0 / 400.0), 1e-10) << "mode " << i + 1;
    EXPECT_NEAR(a[0], 1.0, 1e-15);
    for (int m = 1; m < 9; ++m) {
      if (m != i) {
        EXPECT_EQ(a[m], 0.0);
      }
    }
  }
}

TEST(ShearFlow9, MatchesAnIndependentPublishedImplementation) {
  // Reference values: the MATLAB right-hand side of Srinivasan et al. (2019),
  // github.com/KTH-Nek5000/DeepTurbulence, "Data generator (Moehlis model)/
  // moehlis_model_odefun.m", transcribed line by line to Python and evaluated
  // in double precision at a = (0.9, 0.1, -0.2, 0.3, -0.1, 0.05, 0.2, -0.15,
  // 0.12). Three more public transcriptions (thequickmath, Kaur 2023, Doan &
  // Golyska 2022) agree with it term by term.
  const State a{0.9, 0.1, -0.2, 0.3, -0.1, 0.05, 0.2, -0.15, 0.12};
  const std::array<std::pair<ParameterValues<3>, State>, 2> cases{{
      {{400.0, 4 * pi, 2 * pi},
       {-0.012562614225682233, 0.23301939990884488, 0.01607573226837141, 0.029479485634962815,
        0.0641179822158247, -0.1512975277561308, -0.024248421081084742, -0.009407754133072786,
        -0.019841447471485633}},
      {{250.0, 1.75 * pi, 1.2 * pi},
       {-0.017618107462078057, 0.3189157014631861, 0.060382147738685873, 0.05935168664133774,
        0.14782071017518722, -0.1488023948811887, -0.0478440858893959, -0.056990237231086115,
        -0.029264240655363503}},
  }};
  for (const auto& [p, expected] : cases) {
    const ShearFlow9 system(p);
    State f{};
    system.rhs(a.data(), f.data(), 0.0);
    for (int i = 0; i < 9; ++i) EXPECT_NEAR(f[i], expected[i], 1e-14) << "da_" << i + 1 << "/dt";
  }
}

TEST(ShearFlow9, PackLanesMatchScalars) {
  Pack a[9], f[9];
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    const State s = irregular_state(static_cast<int>(lane));
    for (int i = 0; i < 9; ++i) a[i][lane] = s[i];
  }
  kDefault.rhs(static_cast<const Pack*>(a), f, 0.0);
  for (std::size_t lane = 0; lane < kPackWidth; ++lane) {
    const State s = irregular_state(static_cast<int>(lane));
    State fs{};
    kDefault.rhs(s.data(), fs.data(), 0.0);
    for (int i = 0; i < 9; ++i) EXPECT_EQ(f[i][lane], fs[i]);
  }
}

TEST(ShearFlow9, NonPositiveParametersAreUsageErrors) {
  for (const auto& [p, message] :
       {std::pair{ParameterValues<3>{0.0, 4 * pi, 2 * pi}, "system.re: must be positive, got 0"},
        std::pair{ParameterValues<3>{400.0, -1.0, 2 * pi}, "system.lx: must be positive, got -1"},
        std::pair{ParameterValues<3>{400.0, 4 * pi, 0.0}, "system.lz: must be positive, got 0"}}) {
    try {
      ShearFlow9 system(p);
      ADD_FAILURE() << "accepted " << message;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
  }
}

TEST(ShearFlow9, PerturbedLaminarFlowBecomesTurbulentThenRelaminarises) {
  // Moehlis et al. (2004): although the laminar state is linearly stable for
  // every Re, finite perturbations lead to long chaotic (turbulent) transients
  // that eventually decay to the laminar state (their lifetime study). The
  // ensemble and criterion follow Srinivasan et al., Phys. Rev. Fluids 4,
  // 054603 (2019), who draw a = (1, 0.07066, -0.07076, U(0, 0.1), 0, ..., 0),
  // integrate 4000 time units and discard series with |a_1 - 1| < 0.01 as
  // relaminarised. Here: 50 members with a_4 evenly spread in (0, 0.1), RK4 at
  // the default step. Loose, checked properties of a chaotic saddle:
  //  - almost every member becomes turbulent (|a_1 - 1| > 0.1 at some time);
  //  - none relaminarises within the first 500 units (long transients);
  //  - by t = 4000 some, but far from all, have relaminarised (finite
  //    lifetimes of order 10^3 here, neither sustained turbulence nor a quick
  //    decay; measured: 9 of 50, after 1283 to 3570 units).
  const int members = 50;
  const double dt = default_dt<ShearFlow9>();
  int turbulent = 0, relaminarised = 0, early = 0;
  std::array<double, 9 * 5> work{};
  for (int m = 0; m < members; ++m) {
    State a{1.0, 0.07066, -0.07076, 0.1 * (m + 0.5) / members, 0, 0, 0, 0, 0};
    bool was_turbulent = false;
    for (int k = 1; k <= 16000; ++k) {
      explicit_rk_step<ClassicRk4Tableau>(kDefault, a.data(), 0.0, dt, work.data(), 9);
      was_turbulent = was_turbulent || std::abs(a[0] - 1.0) > 0.1;
      if (was_turbulent && std::abs(a[0] - 1.0) < 0.01) {
        ++relaminarised;
        if (k * dt < 500.0) ++early;
        break;
      }
    }
    if (was_turbulent) ++turbulent;
  }
  EXPECT_GE(turbulent, 45);
  EXPECT_EQ(early, 0);
  EXPECT_GE(relaminarised, 3);
  EXPECT_LE(relaminarised, 35);
}

TEST(ShearFlow9, DefaultStateBecomesTurbulent) {
  // The default state leaves the laminar neighbourhood within 200 time units.
  State a{};
  kDefault.default_state(a);
  std::array<double, 9 * 5> work{};
  double max_departure = 0;
  for (int k = 0; k < 800; ++k) {
    explicit_rk_step<ClassicRk4Tableau>(kDefault, a.data(), 0.0, default_dt<ShearFlow9>(),
                                        work.data(), 9);
    max_departure = std::max(max_departure, std::abs(a[0] - 1.0));
  }
  EXPECT_GT(max_departure, 0.3);
}

}  // namespace
}  // namespace butterfly
