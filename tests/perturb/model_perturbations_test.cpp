// wrap_model_perturbations: nothing asked gives make_stepper's bits; both layers give the
// bits of the composition SpptStepper(ParameterPerturbedStepper) keyed by options.seed.
#include "butterfly/perturb/model_perturbations.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/perturb/parameter_perturbed_stepper.hpp"

namespace butterfly {
namespace {

std::vector<double> run(const EnsembleStepper& stepper) {
  EnsembleBlock block(8, 10, 3);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    for (std::size_t v = 0; v < 8; ++v) block.at(v, m) = 8.0 + 0.1 * std::sin(double(v * 3 + m));
  }
  stepper.advance(block, 1.0, 25, 0.01);
  std::vector<double> out;
  for (std::size_t m = 0; m < block.members(); ++m) {
    for (std::size_t v = 0; v < 8; ++v) out.push_back(block.at(v, m));
  }
  return out;
}

TEST(ModelPerturbations, NothingAskedIsTheStepperItself) {
  const ParameterOverrides nominal{{"n", 8.0}};
  const auto wrapped = wrap_model_perturbations("lorenz96", nominal, "rk4", {}, {});
  const auto plain = make_stepper(make_system("lorenz96", nominal), "rk4");
  EXPECT_EQ(run(*wrapped), run(*plain));
}

TEST(ModelPerturbations, BothLayersComposeWithTheRunSeed) {
  const ParameterOverrides nominal{{"n", 8.0}};
  ModelPerturbations mp;
  mp.sppt.sigma = 0.4;
  mp.sppt.tau = 0.05;
  mp.sppt.length = 1.5;
  mp.sppt.seed = 999;  // ignored: options.seed keys every draw
  ParameterLaw law;
  law.parameter = "forcing";
  law.kind = ParameterLawKind::normal;
  law.mean = 8.0;
  law.sd = 0.5;
  mp.parameters = {law};
  StepperOptions options;
  options.seed = 31;
  const auto wrapped = wrap_model_perturbations("lorenz96", nominal, "rk4", options, mp);
  SpptSettings sppt = mp.sppt;
  sppt.seed = 31;
  const SpptStepper manual(
      std::make_unique<ParameterPerturbedStepper>(
          ParameterPerturbation("lorenz96", nominal, {law}, 31), "rk4", options),
      sppt);
  EXPECT_EQ(run(*wrapped), run(manual));
  // Each layer matters.
  const auto params_only =
      wrap_model_perturbations("lorenz96", nominal, "rk4", options, {SpptSettings{}, {law}});
  EXPECT_NE(run(*params_only), run(manual));
  mp.parameters.clear();
  const auto sppt_only = wrap_model_perturbations("lorenz96", nominal, "rk4", options, mp);
  EXPECT_NE(run(*sppt_only), run(manual));
  EXPECT_NE(run(*sppt_only), run(*params_only));
}

TEST(ModelPerturbations, BadInputIsAUsageError) {
  ModelPerturbations mp;
  mp.sppt.sigma = -1.0;
  EXPECT_THROW(wrap_model_perturbations("lorenz96", {}, "rk4", {}, mp), UsageError);
  mp.sppt.sigma = 0.0;
  ParameterLaw law;
  law.parameter = "nope";
  mp.parameters = {law};
  EXPECT_THROW(wrap_model_perturbations("lorenz96", {}, "rk4", {}, mp), UsageError);
}

}  // namespace
}  // namespace butterfly
