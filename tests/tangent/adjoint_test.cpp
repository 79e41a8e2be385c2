// The adjoint models against their tangent-linear models by the dot-product test
// <L v, w> = <v, L^T w> (Claerbout, Earth Soundings Analysis, "Dot-product test for
// validity of an adjoint"; Navon et al., Mon. Wea. Rev. 120, 1433 (1992)), for every
// registered system: the rhs vjp and the RK4 propagator's checkpointed adjoint.
#include "butterfly/tangent/adjoint.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/registry.hpp"
#include "butterfly/systems/spectral_system.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

std::vector<double> normals(std::size_t n, std::uint32_t stream) {
  std::vector<double> z(n);
  CounterRng(11, 0, Purpose::test, stream).normals(z.data(), n);
  return z;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The dot-product test's mismatch |<L v, w> - <v, L^T w>| / (||L v|| ||w||).
// The scale is the Cauchy-Schwarz bound of both sides: each is a sum of n
// products whose rounding error is at most about n eps ||L v|| ||w|| (Higham,
// Accuracy and Stability, eq. 3.5), however much the sum itself cancels. A
// wrong adjoint gives a mismatch of order 1 for random v and w.
double mismatch(const std::vector<double>& lv, const std::vector<double>& w,
                const std::vector<double>& v, const std::vector<double>& ltw) {
  const double lhs = dot(lv, w), rhs = dot(v, ltw);
  return std::abs(lhs - rhs) / (std::sqrt(dot(lv, lv)) * std::sqrt(dot(w, w)));
}

// Mismatch of the rhs's vjp against the Dual jvp at x.
template <class S>
double rhs_mismatch(const S& system, const std::vector<double>& x, double t) {
  const std::size_t n = x.size();
  const std::vector<double> v = normals(n, 1), w = normals(n, 2);
  std::vector<double> f(n), jv(n), jtw(n);
  jvp(system, x, v, t, f, jv);
  vjp(system, x, w, t, jtw);
  return mismatch(jv, w, v, jtw);
}

// Mismatch of propagate_adjoint against propagate_tangent over `steps` RK4 steps.
template <class S>
double propagator_mismatch(const S& system, const std::vector<double>& x, std::size_t steps,
                           double dt) {
  const std::size_t n = x.size();
  std::vector<double> v = normals(n, 3), w = normals(n, 4);
  std::vector<double> xt = x, mv = v, mtw = w;
  propagate_tangent<ClassicRk4Tableau>(system, std::span<double>(xt), std::span<double>(mv), 0.5,
                                       steps, dt);
  propagate_adjoint<ClassicRk4Tableau>(system, std::span<const double>(x), std::span<double>(mtw),
                                       0.5, steps, dt);
  return mismatch(mv, w, v, mtw);
}

// Whether `steps` RK4 steps of dt from x keep the state finite and grow a
// tangent by less than 1e8.
template <class S>
bool rk4_is_tame(const S& system, const std::vector<double>& x, std::size_t steps, double dt) {
  std::vector<double> xt = x, v = normals(x.size(), 3);
  const double before = std::sqrt(dot(v, v));
  propagate_tangent<ClassicRk4Tableau>(system, std::span<double>(xt), std::span<double>(v), 0.5,
                                       steps, dt);
  const double after = std::sqrt(dot(v, v));
  for (double value : xt) {
    if (!std::isfinite(value)) return false;
  }
  return std::isfinite(after) && after < 1e8 * before;
}

// Rounding allowance: 1e-12 relative to the Cauchy-Schwarz scale, i.e. about
// 4500 eps, ample for sums of up to ~400 terms (L96 two-scale) and 100 steps.
constexpr double kTolerance = 1e-12;

template <class S>
void check_system() {
  SCOPED_TRACE(std::string(S::name));
  static_assert(TangentLinearSystem<S>, "every registered system has a tangent-linear model");
  const SystemInfo info = system_info(S::name);
  // 2-D spectral systems run on their coarsest grid: their vjp is built from
  // forward-mode columns, O(n) rhs passes, and the contract does not depend on
  // the resolution.
  auto values = default_values(S::parameters);
  if constexpr (SpectralSystem<S>) {
    const bool two_dimensional = std::any_of(S::parameters.begin(), S::parameters.end(),
                                             [](const ParameterSpec& p) { return p.name == "ny"; });
    for (std::size_t i = 0; i < S::parameters.size() && two_dimensional; ++i) {
      if (S::parameters[i].name == "nx" || S::parameters[i].name == "ny") {
        values[i] = S::parameters[i].minimum;
      }
    }
  }
  const S system(values);
  const AnySystem any(system);
  const std::size_t n = system.dimension();

  // A state on the attractor (as the conformance suite): spin-up with the default scheme.
  std::vector<double> x(n);
  system.default_state(x);
  make_stepper(any, info.default_scheme, StepperOptions{})
      ->advance(std::span<double>(x), 0.0, 200, info.default_dt);

  EXPECT_LT(rhs_mismatch(system, x, 0.5), kTolerance) << "rhs vjp";
  // Many steps: 100, i.e. 10 checkpoint segments of 10. Classic RK4 is only
  // conditionally stable and a system's default dt may be meant for another
  // scheme (kuramoto_sivashinsky's for ETDRK4), so dt is halved from the
  // default until the RK4 trajectory and tangent stay finite and below 1e8
  // growth over the 100 steps.
  double dt = info.default_dt;
  for (int halvings = 0; halvings < 30 && !rk4_is_tame(system, x, 100, dt); ++halvings) dt /= 2;
  ASSERT_TRUE(rk4_is_tame(system, x, 100, dt));
  EXPECT_LT(propagator_mismatch(system, x, 100, dt), kTolerance)
      << "RK4 adjoint over 100 steps of dt " << dt;
}

template <std::size_t... I>
void check_all(std::index_sequence<I...>) {
  (check_system<std::variant_alternative_t<I, AnySystem>>(), ...);
}

TEST(AdjointConformance, EveryRegisteredSystemPassesTheDotProductTest) {
  check_all(std::make_index_sequence<std::variant_size_v<AnySystem>>());
}

Lorenz96 lorenz96(double n) { return Lorenz96(ParameterValues<2>{n, 8.0}); }

std::vector<double> lorenz96_state(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 8.0 + 3.0 * std::sin(0.7 * double(i) + 0.2);
  return x;
}

// Step counts around the checkpoint segment edges (c = ceil(sqrt(steps)):
// one step, perfect squares, one more and one fewer, a partial last segment).
TEST(PropagateAdjoint, DotProductTestForEveryCheckpointLayout) {
  const Lorenz96 system = lorenz96(12);
  const std::vector<double> x = lorenz96_state(12);
  for (std::size_t steps : {1, 2, 3, 4, 5, 8, 9, 10, 17, 63, 64, 65}) {
    EXPECT_LT(propagator_mismatch(system, x, steps, 0.01), kTolerance) << steps << " steps";
  }
}

// Zero steps: M' = I, so the adjoint leaves w alone.
TEST(PropagateAdjoint, ZeroStepsIsTheIdentity) {
  const Lorenz96 system = lorenz96(8);
  const std::vector<double> x = lorenz96_state(8), w0 = normals(8, 5);
  std::vector<double> w = w0;
  propagate_adjoint<ClassicRk4Tableau>(system, std::span<const double>(x), std::span<double>(w),
                                       0.0, 0, 0.01);
  EXPECT_EQ(w, w0);
}

// The adjoint, column by column, is the transpose of the tangent-linear
// propagator built column by column (an independent construction: M' e_j by
// propagate_tangent); entries agree to rounding.
TEST(PropagateAdjoint, EqualsTheTransposeOfTheExplicitPropagator) {
  const std::size_t n = 6, steps = 30;
  const Lorenz96 system = lorenz96(double(n));
  const std::vector<double> x = lorenz96_state(n);
  // m[i * n + j] = (M')_ij from M' e_j; a[i * n + j] = (M'^T)_ij from M'^T e_j.
  std::vector<double> m(n * n), a(n * n);
  for (std::size_t j = 0; j < n; ++j) {
    std::vector<double> xt = x, e(n, 0.0), f(n, 0.0);
    e[j] = 1.0;
    f[j] = 1.0;
    propagate_tangent<ClassicRk4Tableau>(system, std::span<double>(xt), std::span<double>(e), 0.0,
                                         steps, 0.02);
    propagate_adjoint<ClassicRk4Tableau>(system, std::span<const double>(x), std::span<double>(f),
                                         0.0, steps, 0.02);
    for (std::size_t i = 0; i < n; ++i) {
      m[i * n + j] = e[i];
      a[i * n + j] = f[i];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      EXPECT_NEAR(a[i * n + j], m[j * n + i], 1e-12 * (1.0 + std::abs(m[j * n + i])))
          << i << ", " << j;
    }
  }
}

// The forward sweep's final state is the plain RK4 trajectory (same arithmetic
// as explicit_rk_step), and the memory is the documented 2 sqrt(steps) + 2 states.
TEST(RungeKuttaAdjoint, CheckpointsAndFinalState) {
  const Lorenz96 system = lorenz96(10);
  const std::vector<double> x = lorenz96_state(10);
  for (std::size_t steps : {1, 50, 100, 1000}) {
    RungeKuttaAdjoint<ClassicRk4Tableau, Lorenz96> adjoint(system, x, 0.0, steps, 0.01);
    const double c = std::ceil(std::sqrt(double(steps)));
    EXPECT_EQ(double(adjoint.checkpoint_interval()), c);
    EXPECT_LE(double(adjoint.stored_states()), 2.0 * std::sqrt(double(steps)) + 2.0);
    std::vector<double> plain = x, work(10 * 5);
    for (std::size_t s = 0; s < steps; ++s) {
      explicit_rk_step<ClassicRk4Tableau>(system, plain.data(), 0.01 * double(s), 0.01, work.data(),
                                          10);
    }
    for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(adjoint.final_state()[i], plain[i]);
  }
}

// Lorenz (1963) with a hand-written adjoint: J^T of
// J = [[-s, s, 0], [r - z, -1, -x], [y, x, -b]] (the linearisation of eq. 25-27).
// `transposed = false` is the deliberately wrong adjoint: J w instead of J^T w.
struct HandWrittenLorenz63 : Lorenz63 {
  explicit HandWrittenLorenz63(const ParameterValues<3>& p, bool transposed_ = true)
      : Lorenz63(p), transposed(transposed_) {}
  void vjp(const double* x, const double* w, double* out, double /*t*/) const {
    ++calls;
    const double s = 10.0, r = 28.0, b = 8.0 / 3.0;
    const double j[3][3] = {{-s, s, 0.0}, {r - x[2], -1.0, -x[0]}, {x[1], x[0], -b}};
    for (int c = 0; c < 3; ++c) {
      out[c] = 0.0;
      for (int k = 0; k < 3; ++k) out[c] += (transposed ? j[k][c] : j[c][k]) * w[k];
    }
  }
  bool transposed;
  mutable int calls = 0;
};
static_assert(HandWrittenVjp<HandWrittenLorenz63> && TangentLinearSystem<HandWrittenLorenz63>);
static_assert(!HandWrittenVjp<Lorenz63>);

TEST(Vjp, HandWrittenHookIsUsedAndAgreesWithForwardMode) {
  const HandWrittenLorenz63 hand(default_values(Lorenz63::parameters));
  const Lorenz63 plain(default_values(Lorenz63::parameters));
  const std::vector<double> x{1.5, -2.0, 20.0}, w{0.3, -0.7, 1.1};
  std::vector<double> by_hand(3), by_columns(3);
  vjp(hand, x, w, 0.0, by_hand);
  vjp(plain, x, w, 0.0, by_columns);
  EXPECT_EQ(hand.calls, 1);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(by_hand[i], by_columns[i], 1e-13);
  EXPECT_LT(rhs_mismatch(hand, x, 0.0), kTolerance);
  // Through the RK4 adjoint: 4 stages x 50 steps calls of the hook.
  hand.calls = 0;
  EXPECT_LT(propagator_mismatch(hand, x, 50, 0.01), kTolerance);
  EXPECT_EQ(hand.calls, 4 * 50);
}

// Negative control: the untransposed Jacobian is not the adjoint (L63's J is
// far from symmetric), and the dot-product test must say so.
TEST(Vjp, WrongAdjointFailsTheDotProductTest) {
  const HandWrittenLorenz63 wrong(default_values(Lorenz63::parameters), false);
  const std::vector<double> x{1.5, -2.0, 20.0};
  EXPECT_GT(rhs_mismatch(wrong, x, 0.0), 1e-3);
  EXPECT_GT(propagator_mismatch(wrong, x, 50, 0.01), 1e-3);
}

}  // namespace
}  // namespace butterfly
