// DOPRI5: the tableau's order conditions, fixed-step order 5, the starting step and step
// counts against scipy's RK45, tolerance proportionality, dense output, per-member step
// control in blocks, and failed members.
#include "butterfly/integrators/dormand_prince_stepper.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/dormand_prince_tableau.hpp"
#include "butterfly/systems/lorenz63.hpp"

namespace butterfly {
namespace {

using Tab = DormandPrince54Tableau;
using Weights = std::array<double, 7>;

// x'' = -x: x = cos t, v = -sin t from (1, 0).
struct HarmonicOscillator {
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = x[1];
    f[1] = -x[0];
  }
};

// dx/dt = t x (non-autonomous): x = exp(t^2 / 2) from x(0) = 1; checks the stage times c_s.
struct TimeDependentGrowth {
  template <class T>
  void rhs(const T* x, T* f, double t) const {
    f[0] = t * x[0];
  }
};

// Minimal DynamicalSystem wrapper so test systems run through DormandPrinceStepper.
template <std::size_t N>
struct TestSystemBase {
  static constexpr std::string_view summary = "test system";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 0> parameters{};
  explicit TestSystemBase(const ParameterValues<0>&) {}
  std::size_t dimension() const { return N; }
  void default_state(std::span<double> x) const {
    for (double& v : x) v = 1.0;
  }
};

// Harmonic oscillators whose angular frequency is a per-member extra state variable:
// x' = v, v' = -w^2 x, w' = 0, so x = x0 cos(w t) + (v0 / w) sin(w t).
struct Oscillators : TestSystemBase<3> {
  static constexpr std::string_view name = "test_oscillators";
  using TestSystemBase<3>::TestSystemBase;
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = x[1];
    f[1] = -(x[2] * x[2]) * x[0];
    f[2] = T{};
  }
};
static_assert(DynamicalSystem<Oscillators>);

// dx/dt = x^2: x = x0 / (1 - x0 t), which blows up at t = 1 / x0 for x0 > 0.
struct BlowUp : TestSystemBase<1> {
  static constexpr std::string_view name = "test_blow_up";
  using TestSystemBase<1>::TestSystemBase;
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = x[0] * x[0];
  }
};
static_assert(DynamicalSystem<BlowUp>);

// Residuals sum_i w_i Phi_i(tree) - theta^rho / gamma(tree) of the 17 rooted trees of
// order <= 5 (Butcher's order conditions, HNW Sec. II.2, Table 2.2), each with its order.
// theta = 1 gives the conditions of the method, theta in (0, 1) those of a continuous
// extension with weights w = b(theta) (HNW Sec. II.6, Theorem 6.1: theta^rho / gamma).
std::vector<std::pair<int, double>> order_residuals(const Weights& w, double theta = 1.0) {
  const auto& a = Tab::a;
  const auto& c = Tab::c;
  auto mat = [&](const Weights& v) {  // (A v)_i
    Weights r{};
    for (std::size_t i = 0; i < 7; ++i)
      for (std::size_t j = 0; j < 7; ++j) r[i] += a[i][j] * v[j];
    return r;
  };
  auto times = [](const Weights& u, const Weights& v) {
    Weights r{};
    for (std::size_t i = 0; i < 7; ++i) r[i] = u[i] * v[i];
    return r;
  };
  auto sum = [&](const Weights& v) {
    double s = 0.0;
    for (std::size_t i = 0; i < 7; ++i) s += w[i] * v[i];
    return s;
  };
  Weights one;
  one.fill(1.0);
  const Weights c2 = times(c, c), c3 = times(c2, c), c4 = times(c3, c);
  const Weights ac = mat(c), ac2 = mat(c2), ac3 = mat(c3), aac = mat(ac);
  std::vector<std::pair<int, double>> r;
  auto add = [&](int order, double phi, double gamma) {
    r.emplace_back(order, phi - std::pow(theta, order) / gamma);
  };
  add(1, sum(one), 1);
  add(2, sum(c), 2);
  add(3, sum(c2), 3);
  add(3, sum(ac), 6);
  add(4, sum(c3), 4);
  add(4, sum(times(c, ac)), 8);
  add(4, sum(ac2), 12);
  add(4, sum(aac), 24);
  add(5, sum(c4), 5);
  add(5, sum(times(c2, ac)), 10);
  add(5, sum(times(c, ac2)), 15);
  add(5, sum(times(c, aac)), 30);
  add(5, sum(times(ac, ac)), 20);
  add(5, sum(ac3), 20);
  add(5, sum(mat(times(c, ac))), 40);
  add(5, sum(mat(ac2)), 60);
  add(5, sum(mat(aac)), 120);
  return r;
}

TEST(DormandPrinceTableau, RowSumsFsalAndErrorWeights) {
  // HNW Table II.5.2: sum_j a_ij = c_i; the last row is b with c_7 = 1 (FSAL);
  // e = b - b_hat (Hairer's E1..E7 in dopri5.f).
  for (std::size_t s = 0; s < Tab::stages; ++s) {
    double row = 0;
    for (double a : Tab::a[s]) row += a;
    EXPECT_NEAR(row, Tab::c[s], 1e-15) << s;
    EXPECT_EQ(Tab::a[6][s], Tab::b[s]);
    EXPECT_NEAR(Tab::e[s], Tab::b[s] - Tab::b_hat[s], 5e-17) << s;
  }
  EXPECT_EQ(Tab::c[6], 1.0);
}

TEST(DormandPrinceTableau, FifthOrderSolutionSatisfiesAllConditionsToOrderFive) {
  // Butcher's 17 conditions up to order 5 hold for b (Dormand & Prince 1980).
  for (const auto& [order, residual] : order_residuals(Tab::b)) {
    EXPECT_NEAR(residual, 0.0, 2e-15) << "order " << order;
  }
}

TEST(DormandPrinceTableau, EmbeddedSolutionIsExactlyFourthOrder) {
  // b_hat satisfies the 8 conditions up to order 4 and violates some of order 5, so
  // err = y1 - y1_hat is O(h^5) and not smaller.
  double worst5 = 0.0;
  for (const auto& [order, residual] : order_residuals(Tab::b_hat)) {
    if (order <= 4) {
      EXPECT_NEAR(residual, 0.0, 2e-15) << "order " << order;
    } else {
      worst5 = std::max(worst5, std::abs(residual));
    }
  }
  EXPECT_GT(worst5, 1e-4);
}

// b_i(theta) of the continuous extension: dormand_prince_dense is linear in the stages, so
// with y0 = 0, h = 1, stage s = the unit vector e_s and y1 = sum_s b_s e_s = b, out = b(theta).
Weights dense_weights(double theta) {
  std::array<double, 49> k{};
  for (std::size_t s = 0; s < 7; ++s) k[s * 7 + s] = 1.0;
  const Weights y0{};
  Weights out{};
  dormand_prince_dense(y0.data(), Tab::b.data(), k.data(), 1.0, theta, out.data(), 7);
  return out;
}

TEST(DormandPrinceDense, ContinuousExtensionHasOrderFourForEveryTheta) {
  // HNW Sec. II.6, Theorem 6.1: sum_i b_i(theta) Phi_i(t) = theta^rho(t) / gamma(t) for
  // every tree of order <= 4; b(0) = 0 and b(1) = b.
  for (double theta : {0.1, 0.25, 0.5, 0.7, 0.9}) {
    for (const auto& [order, residual] : order_residuals(dense_weights(theta), theta)) {
      if (order <= 4) {
        EXPECT_NEAR(residual, 0.0, 1e-14) << "theta " << theta << " order " << order;
      }
    }
  }
  const Weights at0 = dense_weights(0.0), at1 = dense_weights(1.0);
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(at0[i], 0.0);
    EXPECT_NEAR(at1[i], Tab::b[i], 1e-15);
  }
}

TEST(DormandPrinceDense, EqualsScipysInterpolationPolynomial) {
  // Independent data: scipy.integrate.RK45.P (scipy 1.10, rk.py), where
  // b_i(theta) = sum_j P[i][j] theta^(j+1); its last column is Hairer's D1..D7.
  const std::array<std::array<double, 4>, 7> p{{
      {1, -8048581381.0 / 2820520608.0, 8663915743.0 / 2820520608.0,
       -12715105075.0 / 11282082432.0},
      {0, 0, 0, 0},
      {0, 131558114200.0 / 32700410799.0, -68118460800.0 / 10900136933.0,
       87487479700.0 / 32700410799.0},
      {0, -1754552775.0 / 470086768.0, 14199869525.0 / 1410260304.0, -10690763975.0 / 1880347072.0},
      {0, 127303824393.0 / 49829197408.0, -318862633887.0 / 49829197408.0,
       701980252875.0 / 199316789632.0},
      {0, -282668133.0 / 205662961.0, 2019193451.0 / 616988883.0, -1453857185.0 / 822651844.0},
      {0, 40617522.0 / 29380423.0, -110615467.0 / 29380423.0, 69997945.0 / 29380423.0},
  }};
  for (double theta : {0.2, 0.5, 0.85}) {
    const Weights w = dense_weights(theta);
    for (std::size_t i = 0; i < 7; ++i) {
      double expected = 0.0, power = theta;
      for (std::size_t j = 0; j < 4; ++j, power *= theta) expected += p[i][j] * power;
      EXPECT_NEAR(w[i], expected, 1e-14) << "theta " << theta << " stage " << i;
    }
  }
}

// `steps` fixed DOPRI5 steps of the 5th-order solution from t = 0 to t_end.
template <class System>
std::vector<double> fixed_steps(const System& s, std::vector<double> y, double t_end, int steps) {
  const std::size_t n = y.size();
  std::vector<double> k(7 * n), y1(n), err(n), stage(n);
  const double h = t_end / steps;
  s.rhs(static_cast<const double*>(y.data()), k.data(), 0.0);
  for (int j = 0; j < steps; ++j) {
    dormand_prince_step(s, static_cast<const double*>(y.data()), j * h, h, k.data(), y1.data(),
                        err.data(), stage.data(), n);
    y = y1;
    std::copy(k.begin() + 6 * n, k.end(), k.begin());
  }
  return y;
}

TEST(DormandPrinceStep, FifthOrderWithFixedSteps) {
  // Global error of an order-5 method falls by 2^5 per halving of h (HNW Sec. II.3), on the
  // closed forms (cos t, -sin t) and exp(t^2 / 2).
  double previous_ho = 0, previous_growth = 0;
  for (int steps : {8, 16, 32, 64}) {
    const auto x = fixed_steps(HarmonicOscillator{}, {1.0, 0.0}, 4.0, steps);
    const double error_ho = std::hypot(x[0] - std::cos(4.0), x[1] + std::sin(4.0));
    const auto g = fixed_steps(TimeDependentGrowth{}, {1.0}, 1.5, steps);
    const double error_growth = std::abs(g[0] - std::exp(1.125));
    if (previous_ho > 0) {
      EXPECT_NEAR(std::log2(previous_ho / error_ho), 5.0, 0.2) << steps;
      EXPECT_NEAR(std::log2(previous_growth / error_growth), 5.0, 0.25) << steps;
    }
    previous_ho = error_ho;
    previous_growth = error_growth;
  }
}

TEST(DormandPrinceStep, ErrorEstimateIsOfOrderFiveLocally) {
  // err = y1 - y1_hat with y1_hat of order 4: its local size is C h^5 (HNW Sec. II.4).
  HarmonicOscillator s;
  double previous = 0;
  for (double h : {0.4, 0.2, 0.1, 0.05}) {
    std::vector<double> y{1.0, 0.0}, k(14), y1(2), err(2), stage(2);
    s.rhs(static_cast<const double*>(y.data()), k.data(), 0.0);
    dormand_prince_step(s, static_cast<const double*>(y.data()), 0.0, h, k.data(), y1.data(),
                        err.data(), stage.data(), 2);
    const double size = std::hypot(err[0], err[1]);
    if (previous > 0) {
      EXPECT_NEAR(std::log2(previous / size), 5.0, 0.15) << h;
    }
    previous = size;
  }
}

TEST(DormandPrinceIntegrate, StartingStepEqualsScipy) {
  // scipy 1.10 select_initial_step(order=4) (HNW Sec. II.4), rtol 1e-6, atol 1e-9:
  // Lorenz-63 from (1, 1, 1): 0.009201088582775801; oscillator from (1, 0): 0.0009990009990009992.
  const Lorenz63 lorenz(default_values(Lorenz63::parameters));
  std::vector<double> y{1.0, 1.0, 1.0}, f(3), scratch(6);
  lorenz.rhs(static_cast<const double*>(y.data()), f.data(), 0.0);
  EXPECT_NEAR(dormand_prince_initial_step(lorenz, y.data(), f.data(), 0.0, 1.0, 3, 1e-6, 1e-9,
                                          scratch.data()),
              0.009201088582775801, 1e-15);
  std::vector<double> x{1.0, 0.0}, g(2);
  HarmonicOscillator{}.rhs(static_cast<const double*>(x.data()), g.data(), 0.0);
  EXPECT_NEAR(dormand_prince_initial_step(HarmonicOscillator{}, x.data(), g.data(), 0.0, 1.0, 2,
                                          1e-6, 1e-9, scratch.data()),
              0.0009990009990009992, 1e-17);
}

DormandPrinceCounts integrate(auto system, std::vector<double>& y, double t1, double rtol,
                              double atol) {
  StepperOptions options;
  options.rtol = rtol;
  options.atol = atol;
  std::vector<double> work(dormand_prince_work_size(y.size()));
  return dormand_prince_integrate(system, y.data(), 0.0, t1, options, y.size(), work.data());
}

TEST(DormandPrinceIntegrate, StepCountsMatchScipyRk45) {
  // Same pair, norm, starting step and controller as scipy's RK45 (scipy 1.10,
  // solve_ivp(method="RK45")) on the oscillator over [0, 10]: accepted = len(sol.t) - 1,
  // rejected = (nfev - 2) / 6 - accepted. scipy shortens its last step to land on 10,
  // this integrator interpolates instead, hence +-1.
  struct Case {
    double rtol, atol;
    int accepted, rejected;
  };
  for (const Case& c : {Case{1e-6, 1e-9, 52, 9}, Case{1e-8, 1e-11, 129, 10}}) {
    std::vector<double> y{1.0, 0.0};
    const DormandPrinceCounts counts = integrate(HarmonicOscillator{}, y, 10.0, c.rtol, c.atol);
    EXPECT_NEAR(double(counts.accepted), c.accepted, 1.0) << c.rtol;
    EXPECT_NEAR(double(counts.rejected), c.rejected, 1.0) << c.rtol;
    EXPECT_FALSE(counts.failed);
  }
}

TEST(DormandPrinceIntegrate, GlobalErrorIsProportionalToTolerance) {
  // With local extrapolation the global error of DOPRI5 scales like Tol (HNW Sec. II.4,
  // "tolerance proportionality"; scipy's RK45 on this problem: 1.3e-6, 1.2e-8, 1.1e-10 at
  // rtol 1e-6, 1e-8, 1e-10): slope of log(error) against log(tol) near 1.
  std::vector<double> errors;
  for (double tol : {1e-6, 1e-8, 1e-10}) {
    std::vector<double> y{1.0, 0.0};
    integrate(HarmonicOscillator{}, y, 10.0, tol, 1e-3 * tol);
    errors.push_back(std::hypot(y[0] - std::cos(10.0), y[1] + std::sin(10.0)));
    EXPECT_LT(errors.back(), 20 * tol);
  }
  for (std::size_t j = 1; j < errors.size(); ++j) {
    EXPECT_NEAR(std::log10(errors[j - 1] / errors[j]) / 2.0, 1.0, 0.2);
  }
}

TEST(DormandPrinceDense, InterpolantConvergesAtOrderFiveLocallyInsideTheStep) {
  // The order-4 continuous extension has local error O(h^5) at interior points (HNW
  // Sec. II.6): against cos and -sin at t = theta h, halving h divides it by about 2^5.
  HarmonicOscillator s;
  for (double theta : {0.3, 0.5, 0.8}) {
    double previous = 0;
    for (double h : {0.8, 0.4, 0.2, 0.1}) {
      std::vector<double> y{1.0, 0.0}, k(14), y1(2), err(2), stage(2), out(2);
      s.rhs(static_cast<const double*>(y.data()), k.data(), 0.0);
      dormand_prince_step(s, static_cast<const double*>(y.data()), 0.0, h, k.data(), y1.data(),
                          err.data(), stage.data(), 2);
      dormand_prince_dense(y.data(), y1.data(), k.data(), h, theta, out.data(), 2);
      const double error = std::hypot(out[0] - std::cos(theta * h), out[1] + std::sin(theta * h));
      if (previous > 0) {
        EXPECT_GT(std::log2(previous / error), 4.6) << theta << " " << h;
      }
      previous = error;
    }
  }
}

TEST(DormandPrinceStepper, OutputTimesInsideStepsAreInterpolatedToTolerance) {
  // advance() to t1 = t0 + steps dt lands inside an accepted step and interpolates; the
  // result matches the closed form (cos t1, -sin t1) to the tolerance's size.
  const Oscillators system(ParameterValues<0>{});
  StepperOptions options;
  options.rtol = 1e-10;
  options.atol = 1e-12;
  const DormandPrinceStepper<Oscillators> stepper(system, options);
  for (std::size_t steps : {1u, 7u, 123u, 1000u}) {
    std::vector<double> y{1.0, 0.0, 1.0};
    stepper.advance(std::span<double>(y), 0.0, steps, 0.0123);
    const double t1 = 0.0123 * double(steps);
    EXPECT_NEAR(y[0], std::cos(t1), 2e-9) << steps;
    EXPECT_NEAR(y[1], -std::sin(t1), 2e-9) << steps;
  }
  // A zero-length interval changes nothing; a negative dt integrates backwards.
  std::vector<double> y{0.3, -0.2, 2.0};
  const std::vector<double> start = y;
  stepper.advance(std::span<double>(y), 1.0, 0, 0.01);
  EXPECT_EQ(y, start);
  stepper.advance(std::span<double>(y), 0.0, 100, 0.01);
  stepper.advance(std::span<double>(y), 1.0, 100, -0.01);
  for (std::size_t v = 0; v < 3; ++v) EXPECT_NEAR(y[v], start[v], 1e-9);
}

// Frequencies spanning two decades, in an order that puts fast and slow members side by
// side in the same Pack-wide column.
constexpr std::array<double, 7> kFrequencies{1.0, 100.0, 3.0, 30.0, 0.5, 10.0, 2.0};

void fill_oscillators(EnsembleBlock& block, std::size_t first) {
  for (std::size_t m = 0; m < block.stride(); ++m) {
    const std::size_t j = std::min(first + m, kFrequencies.size() - 1);
    block.at(0, m) = 1.0;
    block.at(1, m) = 0.0;
    block.at(2, m) = kFrequencies[j];
  }
}

TEST(DormandPrinceStepper, EveryMemberHasItsOwnStepSequence) {
  // Each member meets the tolerance with its own steps: its step count is what it takes
  // alone (more for faster oscillators), the block's statistics are their sum, every
  // member matches x = cos(w t) to the tolerance's size, and its bits equal its
  // integration alone, in any block, lane or thread.
  const Oscillators system(ParameterValues<0>{});
  StepperOptions options;  // rtol 1e-6, atol 1e-9
  const std::size_t members = kFrequencies.size();
  const double t1 = 2.0;

  std::vector<std::uint64_t> alone_steps;
  std::vector<std::vector<double>> alone;
  std::uint64_t accepted = 0, rejected = 0;
  for (double w : kFrequencies) {
    std::vector<double> y{1.0, 0.0, w};
    const DormandPrinceCounts c = integrate(system, y, t1, options.rtol, options.atol);
    alone_steps.push_back(c.accepted);
    alone.push_back(y);
    accepted += c.accepted;
    rejected += c.rejected;
    EXPECT_NEAR(y[0], std::cos(w * t1), 5e-5 * w) << w;
  }
  EXPECT_LT(alone_steps[0], alone_steps[2]);  // w = 1 < 3
  EXPECT_LT(alone_steps[2], alone_steps[5]);  // 3 < 10
  EXPECT_LT(alone_steps[5], alone_steps[3]);  // 10 < 30
  EXPECT_LT(alone_steps[3], alone_steps[1]);  // 30 < 100
  EXPECT_GT(alone_steps[1], 20 * alone_steps[0]);

  const DormandPrinceStepper<Oscillators> stepper(system, options);
  EnsembleBlock whole(3, members, 0);
  fill_oscillators(whole, 0);
  stepper.advance(whole, 0.0, 200, 0.01);
  EXPECT_EQ(stepper.statistics().accepted_steps, accepted);
  EXPECT_EQ(stepper.statistics().rejected_steps, rejected);
  EXPECT_EQ(stepper.statistics().failed_members, 0u);
  for (std::size_t m = 0; m < members; ++m) {
    for (std::size_t v = 0; v < 3; ++v) ASSERT_EQ(whole.at(v, m), alone[m][v]) << m;
  }

  // Blocks of 1, 2 and 3 members (other lanes), advanced by two threads.
  for (std::size_t block_size : {1u, 2u, 3u}) {
    std::vector<EnsembleBlock> blocks;
    for (std::size_t first = 0; first < members; first += block_size) {
      blocks.emplace_back(3, std::min(block_size, members - first), first);
      fill_oscillators(blocks.back(), first);
    }
    ThreadPool pool(2);
    pool.parallel_for(blocks.size(), [&](std::size_t b, std::size_t) {
      stepper.advance(blocks[b], 0.0, 200, 0.01);
    });
    for (const EnsembleBlock& block : blocks) {
      for (std::size_t m = 0; m < block.members(); ++m) {
        for (std::size_t v = 0; v < 3; ++v) {
          ASSERT_EQ(block.at(v, m), alone[block.first_member() + m][v]) << block_size;
        }
      }
    }
  }
}

TEST(DormandPrinceStepper, MemberBelowMinimumStepBecomesNanAndIsCounted) {
  // dx/dt = x^2 from x0 = 1 blows up at t = 1 (x = x0 / (1 - x0 t)): its steps shrink
  // below dt_min before t1 = 1.5, so it is set to NaN and counted; the members from
  // -1, 0.5 and 0.25 (finite at 1.5: -0.4, 2, 0.4) are untouched by it, bit for bit.
  const BlowUp system(ParameterValues<0>{});
  const DormandPrinceStepper<BlowUp> stepper(system, StepperOptions{});
  const std::array<double, 4> starts{-1.0, 1.0, 0.5, 0.25};
  EnsembleBlock block(1, 4, 0);
  for (std::size_t m = 0; m < 4; ++m) block.at(0, m) = starts[m];
  stepper.advance(block, 0.0, 150, 0.01);
  EXPECT_EQ(stepper.statistics().failed_members, 1u);
  EXPECT_TRUE(std::isnan(block.at(0, 1)));
  for (std::size_t m : {0u, 2u, 3u}) {
    std::vector<double> y{starts[m]};
    const DormandPrinceCounts c = integrate(system, y, 1.5, 1e-6, 1e-9);
    EXPECT_FALSE(c.failed);
    EXPECT_EQ(block.at(0, m), y[0]) << m;
    EXPECT_NEAR(y[0], starts[m] / (1.0 - 1.5 * starts[m]), 1e-5) << m;
  }
  // A member already NaN is left alone and not counted again.
  stepper.advance(block, 1.5, 10, 0.01);
  EXPECT_TRUE(std::isnan(block.at(0, 1)));
  EXPECT_EQ(stepper.statistics().failed_members, 1u);
}

}  // namespace
}  // namespace butterfly
