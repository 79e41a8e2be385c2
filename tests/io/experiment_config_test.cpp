// Tests for io/experiment_config.hpp: defaults, file and override precedence,
// every validation error, malformed TOML and the round trip of `text`.
#include "butterfly/io/experiment_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "temp_dir.hpp"

namespace butterfly {
namespace {

using test_support::TempDir;
using Parameters = std::vector<std::pair<std::string, double>>;

// Every setting, for comparing two configs (text and source aside).
auto settings(const ExperimentConfig& c) {
  return std::tuple(c.system, c.system_parameters, c.spinup, c.length, c.seed, c.block_size,
                    c.members, c.starts, c.start_interval, c.initial, c.perturbation, c.amplitude,
                    c.pairs, c.scheme, c.dt, c.rtol, c.atol, c.every, c.members_saved, c.extremes,
                    c.rank_histogram);
}

// The message of the UsageError that loading throws, or "" if none.
std::string usage_error(const std::string& path, const std::vector<std::string>& overrides) {
  try {
    (void)load_experiment_config(path, overrides);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// The message for a config file with `content`, named "config.toml".
std::string file_error(const std::string& content) {
  TempDir dir;
  const auto path = dir.write("config.toml", content);
  const std::string message = usage_error(path.string(), {});
  // Messages name the path as given; shorten it for the expectations.
  const std::string prefix = path.string();
  return message.rfind(prefix, 0) == 0 ? "config.toml" + message.substr(prefix.size()) : message;
}

// The message for overrides on top of the defaults.
std::string override_error(const std::vector<std::string>& overrides) {
  return usage_error("", overrides);
}

TEST(ExperimentConfig, DefaultsWithoutAFile) {
  const ExperimentConfig c = load_experiment_config("", {});
  const ExperimentConfig defaults;
  EXPECT_EQ(settings(c), settings(defaults));
  EXPECT_EQ(c.system, "lorenz96");
  EXPECT_TRUE(c.system_parameters.empty());
  EXPECT_EQ(c.spinup, 20.0);
  EXPECT_EQ(c.length, 10.0);
  EXPECT_EQ(c.seed, 1u);
  EXPECT_EQ(c.block_size, 256u);
  EXPECT_EQ(c.members, 1000u);
  EXPECT_EQ(c.starts, 20u);
  EXPECT_EQ(c.start_interval, 10.0);
  EXPECT_EQ(c.initial, "");
  EXPECT_EQ(c.perturbation, "gaussian");
  EXPECT_EQ(c.amplitude, 0.01);
  EXPECT_FALSE(c.pairs);
  EXPECT_EQ(c.scheme, "");  // the system's default
  EXPECT_EQ(c.dt, 0.0);     // the system's default
  EXPECT_EQ(c.rtol, 1e-6);
  EXPECT_EQ(c.atol, 1e-9);
  EXPECT_EQ(c.every, 0.1);
  EXPECT_EQ(c.members_saved, 0u);
  EXPECT_FALSE(c.extremes);
  EXPECT_EQ(c.source, "<default>");
  EXPECT_NE(c.text.find("[run]\nspinup = 20.0\n"), std::string::npos) << c.text;
}

TEST(ExperimentConfig, EmptyFileGivesDefaults) {
  TempDir dir;
  const auto path = dir.write("config.toml", "# nothing here\n");
  const ExperimentConfig c = load_experiment_config(path.string(), {});
  EXPECT_EQ(settings(c), settings(ExperimentConfig{}));
  EXPECT_EQ(c.source, path.string());
}

TEST(ExperimentConfig, ReadsEveryKeyFromAFile) {
  TempDir dir;
  const auto path = dir.write("config.toml", R"(
[system]
name = "lorenz63"
sigma = 10
rho = 28.0
beta = 2.6666666666666665

[run]
spinup = 5
length = 2.5
seed = 42
block_size = 64

[ensemble]
members = 50
starts = 3
start_interval = 1.5
initial = "init.nc"

[perturbation]
kind = "gaussian"
amplitude = 1e-3
pairs = true

[integrator]
scheme = "rk4"
dt = 0.005

[output]
every = 0.05
members_saved = 10
extremes = true
)");
  const ExperimentConfig c = load_experiment_config(path.string(), {});
  EXPECT_EQ(c.system, "lorenz63");
  // File order, not alphabetical order.
  EXPECT_EQ(c.system_parameters, (Parameters{{"sigma", 10}, {"rho", 28}, {"beta", 8.0 / 3.0}}));
  EXPECT_EQ(c.spinup, 5.0);
  EXPECT_EQ(c.length, 2.5);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.block_size, 64u);
  EXPECT_EQ(c.members, 50u);
  EXPECT_EQ(c.starts, 3u);
  EXPECT_EQ(c.start_interval, 1.5);
  EXPECT_EQ(c.initial, "init.nc");
  EXPECT_EQ(c.amplitude, 1e-3);
  EXPECT_TRUE(c.pairs);
  EXPECT_EQ(c.dt, 0.005);
  EXPECT_EQ(c.every, 0.05);
  EXPECT_EQ(c.members_saved, 10u);
  EXPECT_TRUE(c.extremes);
}

TEST(ExperimentConfig, OverridesWinOverTheFileInOrder) {
  TempDir dir;
  const auto path = dir.write("config.toml", R"(
[system]
F = 8.0
[run]
seed = 3
length = 5
[integrator]
dt = 0.02
)");
  const ExperimentConfig c = load_experiment_config(
      path.string(),
      {"run.seed=4", "run.seed = 5", "system.name=lorenz63", "system.F=10", "system.G=1.5",
       "ensemble.initial=data/x.nc", "output.extremes=true", "integrator.dt=0.01"});
  EXPECT_EQ(c.seed, 5u);              // the last override wins
  EXPECT_EQ(c.length, 5.0);           // the file wins over the default
  EXPECT_EQ(c.system, "lorenz63");    // unquoted text is a string
  EXPECT_EQ(c.initial, "data/x.nc");  // not valid TOML, taken as text
  EXPECT_TRUE(c.extremes);
  EXPECT_EQ(c.dt, 0.01);
  // A replaced parameter keeps its place; new ones follow in override order.
  EXPECT_EQ(c.system_parameters, (Parameters{{"F", 10}, {"G", 1.5}}));
}

TEST(ExperimentConfig, QuotedAndNumericLookingTextOverrides) {
  const ExperimentConfig c =
      load_experiment_config("", {"system.name=\"lorenz 96\"", "ensemble.initial=2024.5"});
  EXPECT_EQ(c.system, "lorenz 96");
  EXPECT_EQ(c.initial, "2024.5");  // a text key keeps the raw text of a non-string value
}

TEST(ExperimentConfig, MalformedOverridesAreNamed) {
  EXPECT_EQ(override_error({"run.seed"}),
            "override 'run.seed': expected section.key=value, e.g. integrator.dt=0.005");
  EXPECT_EQ(override_error({"seed=3"}),
            "override 'seed=3': expected section.key=value, e.g. integrator.dt=0.005");
  EXPECT_EQ(override_error({"run.seed.x=3"}),
            "override 'run.seed.x=3': expected section.key=value, e.g. integrator.dt=0.005");
  EXPECT_EQ(override_error({".seed=3"}),
            "override '.seed=3': expected section.key=value, e.g. integrator.dt=0.005");
  EXPECT_EQ(override_error({"run.=3"}),
            "override 'run.=3': expected section.key=value, e.g. integrator.dt=0.005");
  EXPECT_EQ(override_error({"system.\"odd key\"=3"}),
            "override 'system.\"odd key\"=3': expected section.key=value, e.g. "
            "integrator.dt=0.005");
  EXPECT_EQ(override_error({"foo.x=1"}),
            "override 'foo.x=1': unknown section [foo]; expected one of system, run, ensemble, "
            "perturbation, model, parameters, integrator, output");
  EXPECT_EQ(override_error({"run.sead=1"}),
            "override 'run.sead=1': unknown key run.sead; expected one of spinup, length, seed, "
            "block_size, checkpoint_every, checkpoint");
}

TEST(ExperimentConfig, ErrorsFromOverridesNameTheOverride) {
  EXPECT_EQ(override_error({"integrator.dt=-0.1"}),
            "override 'integrator.dt=-0.1': integrator.dt must be > 0, got -0.1");
  EXPECT_EQ(override_error({"run.length=ten"}),
            "override 'run.length=ten': run.length must be a number, got string \"ten\"");
}

TEST(ExperimentConfig, UnknownSectionAndKeyInAFile) {
  EXPECT_EQ(file_error("[foo]\nx = 1\n"),
            "config.toml: unknown section [foo]; expected one of system, run, ensemble, "
            "perturbation, model, parameters, integrator, output");
  EXPECT_EQ(file_error("[run]\nsteps = 1\n"),
            "config.toml: unknown key run.steps; expected one of spinup, length, seed, block_size, "
            "checkpoint_every, checkpoint");
  EXPECT_EQ(file_error("[output]\nevery = 0.1\n[output.extra]\nx = 1\n"),
            "config.toml: unknown key output.extra; expected one of every, members_saved, "
            "extremes, thresholds, rank_histogram");
  EXPECT_EQ(file_error("run = 3\n"), "config.toml: run must be a table [run], got integer 3");
}

TEST(ExperimentConfig, WrongTypesAreNamed) {
  EXPECT_EQ(file_error("[run]\nlength = \"ten\"\n"),
            "config.toml: run.length must be a number, got string \"ten\"");
  EXPECT_EQ(file_error("[ensemble]\nmembers = 10.0\n"),
            "config.toml: ensemble.members must be an integer, got float 10.0");
  EXPECT_EQ(file_error("[run]\nseed = 1.5\n"),
            "config.toml: run.seed must be an integer, got float 1.5");
  EXPECT_EQ(file_error("[output]\nextremes = 1\n"),
            "config.toml: output.extremes must be true or false, got integer 1");
  EXPECT_EQ(file_error("[perturbation]\npairs = \"yes\"\n"),
            "config.toml: perturbation.pairs must be true or false, got string \"yes\"");
  EXPECT_EQ(file_error("[system]\nname = 96\n"),
            "config.toml: system.name must be a string, got integer 96");
  EXPECT_EQ(file_error("[system]\nF = \"eight\"\n"),
            "config.toml: system.F must be a number, got string \"eight\"");
  EXPECT_EQ(file_error("[system]\nF = [8, 9]\n"),
            "config.toml: system.F must be a number, got an array");
  EXPECT_EQ(file_error("[integrator]\ndt = nan\n"),
            "config.toml: integrator.dt must be a finite number, got float nan");
  EXPECT_EQ(file_error("[run]\nspinup = inf\n"),
            "config.toml: run.spinup must be a finite number, got float inf");
}

TEST(ExperimentConfig, IntegersAreAcceptedForNumbers) {
  const ExperimentConfig c = load_experiment_config("", {"run.length=20", "system.F=8"});
  EXPECT_EQ(c.length, 20.0);
  EXPECT_EQ(c.system_parameters, (Parameters{{"F", 8.0}}));
}

TEST(ExperimentConfig, RangeErrorsNameTheKeyAndValue) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[ensemble]\nmembers = 1\n", "config.toml: ensemble.members must be >= 2, got 1"},
      {"[ensemble]\nmembers = -5\n", "config.toml: ensemble.members must be >= 0, got -5"},
      {"[ensemble]\nstarts = 0\n", "config.toml: ensemble.starts must be >= 1, got 0"},
      {"[ensemble]\nstarts = -1\n", "config.toml: ensemble.starts must be >= 0, got -1"},
      {"[run]\nblock_size = 0\n", "config.toml: run.block_size must be >= 1, got 0"},
      {"[run]\nseed = -1\n", "config.toml: run.seed must be >= 0, got -1"},
      {"[output]\nmembers_saved = -2\n", "config.toml: output.members_saved must be >= 0, got -2"},
      {"[integrator]\ndt = 0\n", "config.toml: integrator.dt must be > 0, got 0"},
      {"[integrator]\ndt = -0.1\n", "config.toml: integrator.dt must be > 0, got -0.1"},
      {"[run]\nspinup = -1.0\n", "config.toml: run.spinup must be >= 0, got -1"},
      {"[run]\nlength = 0.0\n", "config.toml: run.length must be > 0, got 0"},
      {"[output]\nevery = 0\n", "config.toml: output.every must be > 0, got 0"},
      {"[integrator]\ndt = 0.01\n[output]\nevery = 0.015\n",
       "config.toml: output.every must be an integer multiple of integrator.dt = 0.01, got 0.015"},
      {"[integrator]\ndt = 0.01\n[output]\nevery = 0.005\n",
       "config.toml: output.every must be an integer multiple of integrator.dt = 0.01, got 0.005"},
      {"[run]\nlength = 10.05\n",
       "config.toml: run.length must be an integer multiple of output.every = 0.1, got 10.05"},
      {"[ensemble]\nstart_interval = 0\n",
       "config.toml: ensemble.start_interval must be > 0 when ensemble.starts > 1, got 0"},
      {"[ensemble]\nmembers = 10\n[output]\nmembers_saved = 11\n",
       "config.toml: output.members_saved must be <= ensemble.members = 10, got 11"},
      {"[perturbation]\namplitude = -0.5\n",
       "config.toml: perturbation.amplitude must be >= 0, got -0.5"},
      {"[perturbation]\npairs = true\n[ensemble]\nmembers = 11\n",
       "config.toml: perturbation.pairs needs an even ensemble.members, got 11"},
      {"[perturbation]\nkind = \"breed\"\n",
       "config.toml: perturbation.kind must be one of gaussian, gaussian_correlated, bred, "
       "singular, lyapunov, got \"breed\""},
      {"[integrator]\nrtol = 0\n", "config.toml: integrator.rtol must be > 0, got 0"},
      {"[integrator]\natol = -1\n", "config.toml: integrator.atol must be > 0, got -1"},
  };
  for (const auto& [content, message] : cases) EXPECT_EQ(file_error(content), message) << content;
}

TEST(ExperimentConfig, AcceptsValuesAtTheEdges) {
  // One start needs no interval; members_saved may equal members; an output
  // interval that is a multiple of dt only up to rounding is accepted.
  const ExperimentConfig c = load_experiment_config(
      "", {"ensemble.starts=1", "ensemble.start_interval=0", "ensemble.members=2",
           "output.members_saved=2", "integrator.dt=0.1", "output.every=0.3", "run.length=0.9",
           "run.spinup=0", "perturbation.amplitude=0", "perturbation.pairs=true"});
  EXPECT_EQ(c.every, 0.3);
  EXPECT_EQ(c.members_saved, 2u);
}

TEST(ExperimentConfig, MissingFileIsAUsageError) {
  TempDir dir;
  const auto path = dir / "absent.toml";
  EXPECT_EQ(usage_error(path.string(), {}),
            path.string() + ": cannot read config file (No such file or directory)");
  EXPECT_EQ(usage_error(dir.path().string(), {}),
            dir.path().string() + ": cannot read config file (Is a directory)");
}

TEST(ExperimentConfig, MalformedTomlGivesLineAndColumn) {
  const std::string message = file_error("[run]\nseed = 1\nlength = = 2\n");
  EXPECT_EQ(message.rfind("config.toml:3:", 0), 0u) << message;
  const std::string duplicate = file_error("[run]\nseed = 1\nseed = 2\n");
  EXPECT_EQ(duplicate.rfind("config.toml:3:", 0), 0u) << duplicate;
}

TEST(ExperimentConfig, TextRoundTrips) {
  TempDir dir;
  const auto input = dir.write("config.toml", "[system]\n\"odd key\" = 0.1\nz = 1\n");
  const ExperimentConfig original = load_experiment_config(
      input.string(),
      {"system.name=two words \"quoted\"", "system.F=8", "system.tiny=1e-300",
       "system.third=0.3333333333333333", "run.seed=123456789012", "run.length=20",
       "ensemble.initial=C:\\data\\x.nc", "ensemble.members=64", "output.members_saved=4",
       "perturbation.pairs=true", "output.extremes=true", "system.a=2"});
  const auto path = dir.write("effective.toml", original.text);
  const ExperimentConfig again = load_experiment_config(path.string(), {});
  EXPECT_EQ(settings(again), settings(original)) << original.text;
  EXPECT_EQ(again.text, original.text);
  EXPECT_EQ(again.system_parameters.front().first, "odd key");
  EXPECT_EQ(again.system_parameters.size(), 6u);
  // The defaults appear too; an unset scheme and dt (the system's defaults) do not.
  EXPECT_EQ(original.text.find("scheme ="), std::string::npos) << original.text;
  EXPECT_EQ(original.text.find("dt ="), std::string::npos) << original.text;
  EXPECT_NE(original.text.find("rtol = 1e-06\n"), std::string::npos) << original.text;
  EXPECT_NE(original.text.find("block_size = 256\n"), std::string::npos) << original.text;
}

TEST(ExperimentConfig, DefaultTextRoundTrips) {
  TempDir dir;
  const ExperimentConfig original = load_experiment_config("", {});
  const auto path = dir.write("effective.toml", original.text);
  EXPECT_EQ(settings(load_experiment_config(path.string(), {})), settings(original));
  EXPECT_EQ(experiment_config_to_toml(original), original.text);
}

}  // namespace
}  // namespace butterfly

namespace butterfly {
namespace {

// [parameters.NAME] tables: read from a file and from "parameters.NAME.KEY" overrides, and
// written back into the effective text so that loading it again gives the same laws.
TEST(ExperimentConfig, ParameterLawTablesRoundTrip) {
  TempDir dir;
  const auto input =
      dir.write("config.toml", "[parameters.forcing]\nlaw = \"normal\"\nmean = 8\nsd = 0.5\n");
  const ExperimentConfig original = load_experiment_config(
      input.string(), {"parameters.n.law=list", "parameters.n.values=[36, 40]",
                       "model.sppt_sigma=0.2", "model.sppt_tau=0.1"});
  ASSERT_EQ(original.parameter_laws.size(), 2u);
  EXPECT_EQ(original.parameter_laws[0].parameter, "forcing");
  EXPECT_EQ(original.parameter_laws[0].law, "normal");
  EXPECT_EQ(original.parameter_laws[0].numbers,
            (std::vector<std::pair<std::string, double>>{{"mean", 8.0}, {"sd", 0.5}}));
  EXPECT_EQ(original.parameter_laws[1].values, (std::vector<double>{36.0, 40.0}));
  EXPECT_EQ(original.sppt_sigma, 0.2);
  const auto path = dir.write("effective.toml", original.text);
  const ExperimentConfig again = load_experiment_config(path.string(), {});
  EXPECT_EQ(again.text, original.text);
  ASSERT_EQ(again.parameter_laws.size(), 2u);
  EXPECT_EQ(again.parameter_laws[1].values, original.parameter_laws[1].values);
}

TEST(ExperimentConfig, ParameterLawErrorsNameTheKey) {
  EXPECT_NE(usage_error("", {"parameters.forcing.mu=1"}).find("parameters.forcing.mu"),
            std::string::npos);
  EXPECT_NE(usage_error("", {"parameters.forcing=1"}).find("parameters.NAME.KEY"),
            std::string::npos);
  EXPECT_NE(usage_error("", {"parameters.forcing.mean=1"}).find("parameters.forcing.law"),
            std::string::npos);
  EXPECT_NE(usage_error("", {"parameters.forcing.law=list", "parameters.forcing.values=[]"})
                .find("parameters.forcing.values"),
            std::string::npos);
  EXPECT_NE(
      usage_error("", {"perturbation.kind=gaussian_correlated"}).find("perturbation.length_scale"),
      std::string::npos);
  EXPECT_NE(usage_error("", {"model.sppt_sigma=2"}).find("model.sppt_sigma"), std::string::npos);
}

}  // namespace
}  // namespace butterfly
