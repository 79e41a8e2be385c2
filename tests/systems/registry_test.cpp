// The registry: names, defaults, overrides and their errors.
#include "butterfly/systems/registry.hpp"

#include <gtest/gtest.h>

#include <string>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

std::string usage_error(const std::string& name, const ParameterOverrides& overrides) {
  try {
    make_system(name, overrides);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Registry, ListsEverySystemWithItsParameters) {
  const auto systems = registered_systems();
  ASSERT_EQ(systems.size(), std::variant_size_v<AnySystem>);
  EXPECT_EQ(systems[0].name, "lorenz63");
  EXPECT_EQ(systems[1].name, "lorenz96");
  EXPECT_EQ(systems[1].parameters.size(), 2u);
  EXPECT_EQ(systems[1].parameters[0].name, "n");
  for (const auto& s : systems) {
    EXPECT_FALSE(s.summary.empty());
    for (const auto& p : s.parameters) EXPECT_FALSE(p.meaning.empty());
  }
}

TEST(Registry, BuildsByNameWithOverrides) {
  const AnySystem s = make_system("lorenz96", {{"n", 12.0}});
  EXPECT_EQ(system_name(s), "lorenz96");
  EXPECT_EQ(system_dimension(s), 12u);
  const auto values = system_parameters("lorenz96", {{"forcing", 10.0}});
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], (std::pair<std::string, double>{"n", 40.0}));
  EXPECT_EQ(values[1], (std::pair<std::string, double>{"forcing", 10.0}));
  EXPECT_EQ(system_dimension(make_system("lorenz63", {})), 3u);
}

TEST(Registry, BadNamesAndValuesAreUsageErrors) {
  EXPECT_EQ(usage_error("lorenz97", {}),
            "system.name: unknown system 'lorenz97'; expected one of lorenz63, lorenz96, "
            "lorenz96_two_scale, rossler, henon_heiles, double_pendulum, three_body, shear_flow_9, "
            "shell_model, kuramoto_sivashinsky, navier_stokes_2d, reaction_diffusion_2d, "
            "qg_two_layer, saddle_node, harvested_population");
  EXPECT_EQ(usage_error("lorenz96", {{"f", 8.0}}),
            "system.f: unknown parameter of lorenz96; expected one of n, forcing");
  EXPECT_EQ(usage_error("lorenz96", {{"n", 40.5}}), "system.n: must be an integer, got 40.5");
  EXPECT_EQ(usage_error("lorenz96", {{"n", 2.0}}), "system.n: must be at least 4, got 2");
}

}  // namespace
}  // namespace butterfly
