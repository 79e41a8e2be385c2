// Per-member parameters: a point law reproduces the unperturbed bits, members do not depend
// on blocks or threads, each member equals an independent run of its own system, noise of
// stochastic schemes stays keyed by the global id, constrain() uses each member's
// parameters, and the truth runs the nominal model.
#include "butterfly/perturb/parameter_perturbed_stepper.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"

namespace butterfly {
namespace {

ParameterLaw point_law(std::string name, double value) {
  ParameterLaw law;
  law.parameter = std::move(name);
  law.kind = ParameterLawKind::point;
  law.value = value;
  return law;
}

ParameterLaw normal_law(std::string name, double mean, double sd) {
  ParameterLaw law;
  law.parameter = std::move(name);
  law.kind = ParameterLawKind::normal;
  law.mean = mean;
  law.sd = sd;
  return law;
}

ParameterLaw list_law(std::string name, std::vector<double> values) {
  ParameterLaw law;
  law.parameter = std::move(name);
  law.kind = ParameterLawKind::list;
  law.values = std::move(values);
  return law;
}

void fill(EnsembleBlock& block) {
  for (std::size_t m = 0; m < block.stride(); ++m) {
    for (std::size_t v = 0; v < block.variables(); ++v) {
      block.at(v, m) = 8.0 + 0.1 * std::cos(double(v) + 0.61 * double(block.first_member() + m));
    }
  }
}

// Members 0..members-1 in blocks of block_size, each filled by fill() and advanced `steps`
// steps of dt from t0 (on 3 threads when asked); returns [member][var].
std::vector<double> run(const EnsembleStepper& stepper, std::size_t n, std::size_t members,
                        std::size_t block_size, std::size_t steps, double dt,
                        bool threads = false) {
  std::vector<EnsembleBlock> blocks;
  for (std::size_t first = 0; first < members; first += block_size) {
    blocks.emplace_back(n, std::min(block_size, members - first), first);
    fill(blocks.back());
  }
  ThreadPool pool(threads ? 3 : 1);
  pool.parallel_for(blocks.size(), [&](std::size_t b, std::size_t) {
    stepper.advance(blocks[b], 0.5, steps, dt);
  });
  std::vector<double> out;
  for (const EnsembleBlock& block : blocks) {
    for (std::size_t m = 0; m < block.members(); ++m) {
      for (std::size_t v = 0; v < n; ++v) out.push_back(block.at(v, m));
    }
  }
  return out;
}

TEST(ParameterPerturbedStepper, PointMassReproducesTheUnperturbedBits) {
  // A point law at the nominal value is the unperturbed run, bit for bit; a point law at
  // another value is the run of the system built with that value.
  const ParameterOverrides nominal{{"n", 8.0}};
  const ParameterPerturbedStepper at_nominal(
      ParameterPerturbation("lorenz96", nominal, {point_law("forcing", 8.0)}, 1), "rk4", {});
  const auto plain = make_stepper(make_system("lorenz96", nominal), "rk4");
  EXPECT_EQ(run(at_nominal, 8, 30, 7, 40, 0.01), run(*plain, 8, 30, 7, 40, 0.01));
  EXPECT_EQ(run(at_nominal, 8, 30, 30, 40, 0.01), run(*plain, 8, 30, 30, 40, 0.01));
  const ParameterPerturbedStepper at_nine(
      ParameterPerturbation("lorenz96", nominal, {point_law("forcing", 9.0)}, 1), "rk4", {});
  const auto nine = make_stepper(make_system("lorenz96", {{"n", 8.0}, {"forcing", 9.0}}), "rk4");
  EXPECT_EQ(run(at_nine, 8, 30, 7, 40, 0.01), run(*nine, 8, 30, 7, 40, 0.01));
  EXPECT_NE(run(at_nine, 8, 30, 7, 40, 0.01), run(*plain, 8, 30, 7, 40, 0.01));
  EXPECT_EQ(at_nine.cached_steppers(), 1u);
}

TEST(ParameterPerturbedStepper, MembersDoNotDependOnBlocksOrThreads) {
  // normal(8, 1) forcing: 40 members in blocks of 40, 7 and 1, serial or on 3 threads.
  const ParameterPerturbedStepper stepper(
      ParameterPerturbation("lorenz96", {{"n", 8.0}}, {normal_law("forcing", 8.0, 1.0)}, 9), "rk4",
      {});
  const auto reference = run(stepper, 8, 40, 40, 30, 0.01);
  EXPECT_EQ(run(stepper, 8, 40, 7, 30, 0.01, true), reference);
  EXPECT_EQ(run(stepper, 8, 40, 1, 30, 0.01), reference);
  EXPECT_EQ(stepper.cached_steppers(), 40u);  // one per distinct drawn vector
  // Each member equals an independent run of the system built with its own draw.
  for (std::uint64_t m : {0u, 13u, 39u}) {
    const std::vector<double> values = stepper.perturbation().values(m);
    const auto own =
        make_stepper(make_system("lorenz96", {{"n", 8.0}, {"forcing", values[0]}}), "rk4");
    EnsembleBlock block(8, 1, m);
    fill(block);
    own->advance(block, 0.5, 30, 0.01);
    for (std::size_t v = 0; v < 8; ++v) EXPECT_EQ(block.at(v, 0), reference[m * 8 + v]);
  }
}

TEST(ParameterPerturbedStepper, TruthRunsTheNominalModel) {
  const ParameterPerturbedStepper stepper(
      ParameterPerturbation("lorenz96", {{"n", 8.0}}, {normal_law("forcing", 8.0, 1.0)}, 9), "rk4",
      {});
  const auto plain = make_stepper(make_system("lorenz96", {{"n", 8.0}}), "rk4");
  std::vector<double> a(8, 8.0), b(8, 8.0);
  a[0] = b[0] = 8.01;
  stepper.advance(std::span<double>(a), 0.0, 100, 0.01);
  plain->advance(std::span<double>(b), 0.0, 100, 0.01);
  EXPECT_EQ(a, b);
}

TEST(ParameterPerturbedStepper, StochasticNoiseStaysKeyedByTheGlobalMember) {
  // shell_model with additive noise under Euler-Maruyama and a two-value list law on the
  // forcing: a member stepped in its one-member block draws the same Wiener increments as in
  // an independent run of its own system with the same global id.
  const ParameterOverrides nominal{{"shells", 4.0}, {"noise", 0.1}};
  StepperOptions options;
  options.seed = 77;
  const ParameterPerturbedStepper stepper(
      ParameterPerturbation("shell_model", nominal, {list_law("forcing", {1.0, 1.5})}, 2),
      "euler_maruyama", options);
  const auto members = run(stepper, 8, 11, 11, 50, 2e-5);
  for (std::uint64_t m : {0u, 5u, 10u}) {
    ParameterOverrides own = nominal;
    own.emplace_back("forcing", m % 2 == 0 ? 1.0 : 1.5);
    const auto plain = make_stepper(make_system("shell_model", own), "euler_maruyama", options);
    EnsembleBlock block(8, 1, m);
    fill(block);
    plain->advance(block, 0.5, 50, 2e-5);
    for (std::size_t v = 0; v < 8; ++v) EXPECT_EQ(block.at(v, 0), members[m * 8 + v]);
  }
}

TEST(ParameterPerturbedStepper, ConstrainUsesEachMembersParameters) {
  // Henon-Heiles members drawn onto their own energy surfaces: H(member) = its energy.
  const ParameterPerturbedStepper stepper(
      ParameterPerturbation("henon_heiles", {}, {list_law("energy", {0.08, 0.1, 0.12})}, 1),
      "yoshida4", {});
  EnsembleBlock block(4, 9, 0);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    block.at(0, m) = 0.05 * std::sin(double(m));
    block.at(1, m) = 0.05 * std::cos(double(m));
    block.at(2, m) = 0.2;
    block.at(3, m) = 0.1;
  }
  stepper.constrain(block);
  for (std::size_t m = 0; m < 9; ++m) {
    const double x = block.at(0, m), y = block.at(1, m), px = block.at(2, m), py = block.at(3, m);
    // H = (px^2 + py^2)/2 + (x^2 + y^2)/2 + x^2 y - y^3/3 (Henon & Heiles 1964).
    const double h = 0.5 * (px * px + py * py) + 0.5 * (x * x + y * y) + x * x * y - y * y * y / 3;
    EXPECT_NEAR(h, (std::vector<double>{0.08, 0.1, 0.12})[m % 3], 1e-14) << "member " << m;
  }
}

TEST(ParameterPerturbedStepper, SchemeThatDoesNotApplyIsAUsageError) {
  EXPECT_THROW(
      ParameterPerturbedStepper(
          ParameterPerturbation("lorenz96", {}, {point_law("forcing", 8.0)}, 1), "yoshida4", {}),
      UsageError);
}

}  // namespace
}  // namespace butterfly
