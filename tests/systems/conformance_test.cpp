// Conformance suite: every registered system through every scheme that applies
// to it (STYLE habit 6): its table is sane, states stay finite with the
// documented dimension, a member's bits do not depend on blocks (1, 7, 56 or 64
// members) or threads, and the tangent-linear model derived from the templated
// rhs passes a Taylor test (DESIGN invariant 2), as does ETDRK4's for spectral systems.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/registry.hpp"
#include "butterfly/systems/spectral_system.hpp"
#include "butterfly/tangent/etdrk4_tangent.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// A deterministic direction with entries in [-1, 1].
std::vector<double> direction(std::size_t n, double seed) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(seed * double(i + 1) + 0.3);
  return v;
}

// Taylor test: r(eps) = ||g(x + eps v) - g(x) - eps G v|| must fall as eps^2.
// Returns the best observed order over eps = 1e-2 .. 1e-5 (or 2 when the
// remainder is at round-off already, i.e. g is linear along v).
template <class Map, class Tangent>
double taylor_order(const std::vector<double>& x, const std::vector<double>& v, Map g,
                    Tangent tangent) {
  const std::vector<double> gx = g(x);
  const std::vector<double> gv = tangent(x, v);
  std::vector<double> remainders;
  for (double eps : {1e-2, 1e-3, 1e-4, 1e-5}) {
    std::vector<double> xe = x;
    for (std::size_t i = 0; i < x.size(); ++i) xe[i] += eps * v[i];
    const std::vector<double> ge = g(xe);
    std::vector<double> r(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) r[i] = ge[i] - gx[i] - eps * gv[i];
    remainders.push_back(norm(r));
  }
  if (remainders[0] <= 1e-11 * (1.0 + norm(gx))) return 2.0;
  double best = 0;
  for (std::size_t k = 0; k + 1 < remainders.size(); ++k) {
    if (remainders[k + 1] > 0) best = std::max(best, std::log10(remainders[k] / remainders[k + 1]));
  }
  return best;
}

// The step a scheme runs with here: the system's default, except that a spectral system's
// default step is made for its exponential integrator; schemes explicit in the stiff linear
// part get 2.5 / max |L| (inside RK4's stability interval [-2.78, 0]).
template <class S>
double scheme_dt(const S& system, std::string_view scheme, double default_dt) {
  if constexpr (SpectralSystem<S>) {
    if (scheme != "etdrk4") {
      double largest = 0.0;
      for (const Complex& l : system.linear()) largest = std::max(largest, std::abs(l));
      return std::min(default_dt, 2.5 / largest);
    }
  }
  (void)system;
  (void)scheme;
  return default_dt;
}

template <class S>
void check_system() {
  SCOPED_TRACE(std::string(S::name));
  const SystemInfo info = system_info(S::name);
  EXPECT_FALSE(info.summary.empty());
  EXPECT_FALSE(info.time_units.empty());
  EXPECT_GT(info.default_dt, 0.0);
  for (const ParameterSpec& p : S::parameters) {
    EXPECT_GE(p.default_value, p.minimum) << p.name;
    EXPECT_LE(p.default_value, p.maximum) << p.name;
    EXPECT_FALSE(p.meaning.empty()) << p.name;
  }
  // 2-D spectral systems run on a coarse grid (32 points a side): the contract does
  // not depend on the resolution, and the default grids cost seconds here. Only 2-D
  // grids (with an ny): 1-D ones are cheap, and kuramoto_sivashinsky rejects grids
  // that do not resolve its dissipation range.
  auto values = default_values(S::parameters);
  if constexpr (SpectralSystem<S>) {
    bool two_d = false;
    for (const ParameterSpec& p : S::parameters) two_d = two_d || p.name == "ny";
    for (std::size_t i = 0; i < S::parameters.size() && two_d; ++i) {
      if (S::parameters[i].name == "nx" || S::parameters[i].name == "ny") values[i] = 32.0;
    }
  }
  const S system(values);
  const AnySystem any(system);
  const std::size_t n = system.dimension();
  ASSERT_GT(n, 0u);
  EXPECT_EQ(system_dimension(any), n);

  // A state on the attractor: spin-up with the default scheme.
  std::vector<double> x(n);
  system.default_state(x);
  const auto spin_up = make_stepper(any, info.default_scheme, StepperOptions{});
  spin_up->advance(std::span<double>(x), 0.0, 200, info.default_dt);
  for (double value : x) ASSERT_TRUE(std::isfinite(value));

  // Taylor test of the rhs's tangent-linear model (jvp through Dual numbers).
  // Directions sized to the state (at most O(1)): systems in physical units, like
  // qg_two_layer's PV of ~1e-6 /s, blow up under O(1) perturbations at their default step.
  double rms = 0.0;
  for (double value : x) rms += value * value;
  rms = std::sqrt(rms / static_cast<double>(n));
  std::vector<double> v = direction(n, 1.7);
  for (double& e : v) e *= std::min(1.0, rms);
  const auto f = [&](const std::vector<double>& y) {
    std::vector<double> out(n);
    system.rhs(y.data(), out.data(), 0.0);
    return out;
  };
  const auto jv = [&](const std::vector<double>& y, const std::vector<double>& w) {
    std::vector<double> out(n), tangent(n);
    jvp(system, y, w, 0.0, out, tangent);
    return tangent;
  };
  EXPECT_GT(taylor_order(x, v, f, jv), 1.8) << "rhs tangent-linear model";

  // Taylor test of the RK4 propagator over 10 steps.
  const double rk4_dt = scheme_dt(system, "rk4", info.default_dt);
  const auto step = [&](const std::vector<double>& y) {
    std::vector<double> out = y, w(n, 0.0);
    propagate_tangent<ClassicRk4Tableau>(system, std::span<double>(out), std::span<double>(w), 0.0,
                                         10, rk4_dt);
    return out;
  };
  const auto step_tangent = [&](const std::vector<double>& y, const std::vector<double>& w) {
    std::vector<double> out = y, tangent = w;
    propagate_tangent<ClassicRk4Tableau>(system, std::span<double>(out), std::span<double>(tangent),
                                         0.0, 10, rk4_dt);
    return tangent;
  };
  EXPECT_GT(taylor_order(x, v, step, step_tangent), 1.8) << "RK4 tangent-linear propagator";

  // Taylor test of the ETDRK4 propagator over 10 steps, against the ETDRK4 map.
  if constexpr (SpectralSystem<S>) {
    const auto etd_step = [&](const std::vector<double>& y) {
      std::vector<double> out = y;
      propagate_tangents_etdrk4(system, std::span<double>(out), std::span<double>(), 0.0, 10,
                                info.default_dt);
      return out;
    };
    const auto etd_tangent = [&](const std::vector<double>& y, const std::vector<double>& w) {
      std::vector<double> out = y, tangent = w;
      propagate_tangents_etdrk4(system, std::span<double>(out), std::span<double>(tangent), 0.0, 10,
                                info.default_dt);
      return tangent;
    };
    EXPECT_GT(taylor_order(x, v, etd_step, etd_tangent), 1.8) << "ETDRK4 tangent-linear propagator";
  }

  // Every scheme that applies: finite states, bits independent of blocks and threads.
  for (std::string_view scheme : stepper_schemes()) {
    std::unique_ptr<EnsembleStepper> stepper;
    try {
      stepper = make_stepper(any, scheme, StepperOptions{});
    } catch (const UsageError&) {
      continue;  // the scheme does not apply to this system
    }
    SCOPED_TRACE(std::string(scheme));
    const double dt = scheme_dt(system, scheme, info.default_dt);
    const std::size_t members = 64;
    const auto fill = [&](EnsembleBlock& block) {
      for (std::size_t m = 0; m < block.stride(); ++m) {
        std::vector<double> state = x;
        // Offsets up to 0.013 as before 64 members (shell_model's Euler-Maruyama blows up at 0.06).
        const double shift = 2e-4 * double(block.first_member() + m);
        for (std::size_t i = 0; i < n; ++i) state[i] += shift * v[i];
        stepper->constrain(std::span<double>(state));
        for (std::size_t i = 0; i < n; ++i) block.at(i, m) = state[i];
      }
    };
    EnsembleBlock whole(n, members, 0);
    fill(whole);
    stepper->advance(whole, 0.0, 20, dt);
    std::vector<EnsembleBlock> parts;  // members 0 | 1..7 | 8..63: every lane shifts
    parts.emplace_back(n, 1, 0);
    parts.emplace_back(n, 7, 1);
    parts.emplace_back(n, 56, 8);
    for (auto& part : parts) fill(part);
    ThreadPool pool(2);
    pool.parallel_for(parts.size(),
                      [&](std::size_t b, std::size_t) { stepper->advance(parts[b], 0.0, 20, dt); });
    for (const auto& part : parts) {
      for (std::size_t m = 0; m < part.members(); ++m) {
        for (std::size_t i = 0; i < n; ++i) {
          ASSERT_TRUE(std::isfinite(part.at(i, m)));
          ASSERT_EQ(part.at(i, m), whole.at(i, part.first_member() + m)) << "member " << m;
        }
      }
    }
  }
}

template <std::size_t... I>
void check_all(std::index_sequence<I...>) {
  (check_system<std::variant_alternative_t<I, AnySystem>>(), ...);
}

TEST(Conformance, EverySystemWithEveryApplicableScheme) {
  check_all(std::make_index_sequence<std::variant_size_v<AnySystem>>());
}

}  // namespace
}  // namespace butterfly
