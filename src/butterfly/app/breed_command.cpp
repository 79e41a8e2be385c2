// `butterfly breed`: options -> system and stepper -> control spin-up -> breed_vectors ->
// NetCDF (under a temporary name, renamed when complete) -> text table or JSON.
#include "butterfly/app/breed_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <utility>
#include <variant>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/app/json_text.hpp"
#include "butterfly/app/system_overrides.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/io/atomic_output.hpp"
#include "butterfly/io/netcdf_file.hpp"
#include "butterfly/perturb/bred_vectors.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {
namespace {

// What --set takes here, and where the other settings go.
constexpr std::string_view kOnlySystem =
    "butterfly breed takes only system.KEY=VALUE (breeding has its own options: --cycles, "
    "--cycle-length, --amplitude, --norm, --vectors, --pairs, --dt, --spinup)";

// Defaults in steps of dt, so that every system gets a comparable run.
constexpr double kDefaultSpinupSteps = 1e4;
constexpr double kDefaultCycleSteps = 10.0;

// What was run, for the summary and the file.
struct BreedFacts {
  SystemFacts about;
  std::string norm;
  double dt = 0.0;
  double spinup = 0.0;
  std::uint64_t seed = 0;
  double seconds = 0.0;
  std::string output;
};

// Per vector: the mean growth rate over the last half of the cycles (the first half
// aligns the vectors with the growing directions) and the last cycle's.
struct GrowthSummary {
  std::vector<double> mean, last;
  std::size_t first_cycle = 0;  // first cycle of the mean
  double overall = 0.0;         // mean over the vectors
};

GrowthSummary summarise(const BredVectors& b) {
  GrowthSummary g;
  g.first_cycle = b.cycles / 2;
  for (std::size_t j = 0; j < b.vectors; ++j) {
    const double* rates = b.growth_rates.data() + j * b.cycles;
    const double sum = std::accumulate(rates + g.first_cycle, rates + b.cycles, 0.0);
    g.mean.push_back(sum / static_cast<double>(b.cycles - g.first_cycle));
    g.last.push_back(rates[b.cycles - 1]);
  }
  g.overall = std::accumulate(g.mean.begin(), g.mean.end(), 0.0) / static_cast<double>(b.vectors);
  return g;
}

std::string summary_text(const BreedFacts& f, const BredVectors& b, const GrowthSummary& g) {
  std::string out = fmt::format(
      "butterfly breed: {} ({}), {} bred vector{}{}, {} scheme dt={:g}, {} cycles of {:g}\n",
      f.about.name, parameters_text(f.about.parameters), b.vectors, b.vectors == 1 ? "" : "s",
      b.pairs ? " (+/- pairs)" : "", f.about.default_scheme, f.dt, b.cycles, b.cycle_length);
  out += fmt::format("amplitude {:g} ({} norm), spin-up {:g}, seed {}, times {:g} to {:g}\n",
                     b.amplitude, f.norm, f.spinup, f.seed, b.start, b.end_time());
  out += fmt::format("{:>7} {:>16} {:>16}\n", "vector", "growth (mean)", "growth (last)");
  for (std::size_t j = 0; j < b.vectors; ++j) {
    out += fmt::format("{:>7} {:>16.6f} {:>16.6f}\n", j, g.mean[j], g.last[j]);
  }
  out += fmt::format(
      "growth rate = log(|d| / amplitude) / cycle length, per time unit ({}); mean over cycles "
      "{} to {}\n",
      f.about.time_units, g.first_cycle + 1, b.cycles);
  out += fmt::format("mean over the vectors: {:.6f}\n", g.overall);
  if (!f.output.empty()) out += fmt::format("wrote {}\n", f.output);
  out += fmt::format("computed in {:.2f} s\n", f.seconds);
  return out;
}

std::string summary_json(const BreedFacts& f, const BredVectors& b, const GrowthSummary& g) {
  const std::string parameters = json_parameters(f.about.parameters);
  std::string out = "{";
  out += "\"system\": " + json_quoted(f.about.name) + ", \"parameters\": " + parameters;
  out += fmt::format(", \"dimension\": {}", b.dimension);
  out += ", \"scheme\": " + json_quoted(f.about.default_scheme) + ", \"dt\": " + json_number(f.dt);
  out += ", \"spinup\": " + json_number(f.spinup);
  out += fmt::format(", \"cycles\": {}", b.cycles);
  out += ", \"cycle_length\": " + json_number(b.cycle_length);
  out += ", \"amplitude\": " + json_number(b.amplitude) + ", \"norm\": " + json_quoted(f.norm);
  out += fmt::format(", \"vectors\": {}, \"pairs\": {}, \"seed\": {}", b.vectors,
                     b.pairs ? "true" : "false", f.seed);
  out +=
      ", \"start_time\": " + json_number(b.start) + ", \"end_time\": " + json_number(b.end_time());
  out += fmt::format(", \"growth_rate_first_cycle\": {}", g.first_cycle + 1);
  out += ", \"growth_rate_mean\": " + json_numbers(g.mean);
  out += ", \"growth_rate_last\": " + json_numbers(g.last);
  out += ", \"growth_rate_mean_all\": " + json_number(g.overall);
  out += ", \"time_units\": " + json_quoted(f.about.time_units);
  out += ", \"output\": " + (f.output.empty() ? std::string("null") : json_quoted(f.output));
  out += ", \"seconds\": " + json_number(f.seconds);
  return out + "}\n";
}

void write_netcdf(const std::filesystem::path& path, const BreedFacts& f, const BredVectors& b) {
  NetcdfFile file = NetcdfFile::create(path);
  file.define_dimension("vector", b.vectors);
  file.define_dimension("variable", b.dimension);
  file.define_dimension("cycle", b.cycles);

  const int vector = file.define_variable("vector", NC_INT64, {"vector"});
  file.set_attribute(vector, "long_name", "bred vector index (independent seed)");
  file.set_attribute(vector, "units", "1");
  const int variable = file.define_variable("variable", NC_INT64, {"variable"});
  file.set_attribute(variable, "long_name", "state variable index");
  file.set_attribute(variable, "units", "1");
  const int cycle = file.define_variable("cycle", NC_INT64, {"cycle"});
  file.set_attribute(cycle, "long_name", "breeding cycle (1 = first)");
  file.set_attribute(cycle, "units", "1");
  const int time =
      file.define_variable("time", {"cycle"}, "model time at the end of the cycle", "1");
  file.set_attribute(time, "description", "model time (" + f.about.time_units + ")");
  const int bred =
      file.define_variable("bred_vectors", {"vector", "variable"},
                           "bred vector at the end time, rescaled to the amplitude", "1");
  file.set_attribute(bred, "description",
                     "perturbed minus control state (pairs: half the difference of the + and - "
                     "members), in the state's units");
  const int growth =
      file.define_variable("growth_rate", {"vector", "cycle"},
                           "growth rate log(|d| / amplitude) / cycle length", "1/time unit");
  file.set_attribute(growth, "description", "per model time unit (" + f.about.time_units + ")");
  const int control = file.define_variable("control", {"variable"},
                                           "control (unperturbed) state at the end time", "1");

  file.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
  file.set_attribute(NC_GLOBAL, "title", "butterfly bred vectors: " + f.about.name);
  file.set_attribute(NC_GLOBAL, "source", std::string("butterfly ") + BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "butterfly_version", BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "method",
                     "breeding of growing modes (Toth & Kalnay 1993, 1997): perturbed and control "
                     "runs advanced one cycle, the difference rescaled to the amplitude");
  write_system_attributes(file, f.about);
  file.set_attribute(NC_GLOBAL, "scheme", f.about.default_scheme);
  file.set_attribute(NC_GLOBAL, "dt", f.dt);
  file.set_attribute(NC_GLOBAL, "spinup", f.spinup);
  file.set_attribute(NC_GLOBAL, "cycles", b.cycles);
  file.set_attribute(NC_GLOBAL, "cycle_length", b.cycle_length);
  file.set_attribute(NC_GLOBAL, "amplitude", b.amplitude);
  file.set_attribute(NC_GLOBAL, "norm", f.norm);
  file.set_attribute(NC_GLOBAL, "pairs", static_cast<std::int64_t>(b.pairs ? 1 : 0));
  file.set_attribute(NC_GLOBAL, "seed", static_cast<std::int64_t>(f.seed));
  file.set_attribute(NC_GLOBAL, "start_time", b.start);
  file.set_attribute(NC_GLOBAL, "end_time", b.end_time());
  file.end_definitions();

  std::vector<std::int64_t> index(std::max({b.vectors, b.dimension, b.cycles}));
  std::iota(index.begin(), index.end(), 0);
  file.write_all(vector, std::span<const std::int64_t>(index).first(b.vectors));
  file.write_all(variable, std::span<const std::int64_t>(index).first(b.dimension));
  std::iota(index.begin(), index.end(), 1);
  file.write_all(cycle, std::span<const std::int64_t>(index).first(b.cycles));
  file.write_all(time, b.times);
  file.write_all(bred, b.bred);
  file.write_all(growth, b.growth_rates);
  file.write_all(control, b.control);
  file.close();
}

}  // namespace

CLI::App* add_breed_command(CLI::App& app, BreedCommandOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "breed", "Bred vectors (Toth & Kalnay breeding cycle) and their growth rates");
  add_system_options(sub, o.system, o.overrides);
  sub->add_option("--cycles", o.cycles, "breeding cycles")->capture_default_str();
  sub->add_option_function<double>(
      "--cycle-length", [&o](const double& v) { o.cycle_length = v; },
      "model time per cycle, whole steps of dt (default: 10 steps)");
  sub->add_option("--amplitude", o.amplitude, "size of every bred vector, in the --norm's units")
      ->capture_default_str();
  sub->add_option("--norm", o.norm,
                  "norm of the rescaling: euclidean, rms, or energy (systems with norm weights)")
      ->capture_default_str();
  sub->add_option("--vectors", o.vectors, "independent bred vectors (seeds)")
      ->capture_default_str();
  sub->add_flag("--pairs", o.pairs, "breed +/- pairs; the vector is half their difference");
  sub->add_option("--seed", o.seed, "key of the first perturbations")->capture_default_str();
  sub->add_option_function<double>(
      "--dt", [&o](const double& v) { o.dt = v; },
      "step of the system's scheme (default: the system's integrator dt)");
  sub->add_option_function<double>(
      "--spinup", [&o](const double& v) { o.spinup = v; },
      "model time from the default state to the first cycle (default: 10^4 steps)");
  sub->add_option("-o,--output", o.output, "write the bred vectors to this NetCDF file");
  sub->add_flag("--json", o.json, "print the result as JSON");
  return sub;
}

int breed_command(const BreedCommandOptions& o) {
  std::string name = o.system;
  const ParameterOverrides overrides = parse_system_overrides(o.overrides, name, kOnlySystem);
  const std::vector<SystemInfo> known = registered_systems();
  if (std::none_of(known.begin(), known.end(),
                   [&](const SystemInfo& i) { return i.name == name; })) {
    std::string valid;
    for (const SystemInfo& i : known) valid += (valid.empty() ? "" : ", ") + std::string(i.name);
    throw UsageError(fmt::format("--system: unknown system '{}'; expected one of {}", name, valid));
  }
  const AnySystem system = make_system(name, overrides);
  const SystemInfo info = system_info(name);

  if (o.cycles < 1) throw UsageError(fmt::format("--cycles: must be at least 1, got {}", o.cycles));
  if (o.vectors < 1) {
    throw UsageError(fmt::format("--vectors: must be at least 1, got {}", o.vectors));
  }
  if (o.seed < 0) throw UsageError(fmt::format("--seed: must be >= 0, got {}", o.seed));
  BreedingOptions options;
  options.cycles = static_cast<std::size_t>(o.cycles);
  options.dt = o.dt ? *o.dt : info.default_dt;
  options.cycle_length = o.cycle_length ? *o.cycle_length : kDefaultCycleSteps * options.dt;
  options.amplitude = o.amplitude;
  options.vectors = static_cast<std::size_t>(o.vectors);
  options.pairs = o.pairs;
  options.seed = static_cast<std::uint64_t>(o.seed);
  check_breeding_options(options);
  const BreedingNorm norm = parse_breeding_norm(o.norm);
  const std::vector<double> weights = breeding_norm_weights(system, norm);
  const double spinup = o.spinup ? *o.spinup : kDefaultSpinupSteps * options.dt;
  if (!(std::isfinite(spinup) && spinup >= 0.0)) {
    throw UsageError(fmt::format("--spinup: must be a finite time >= 0, got {}", spinup));
  }
  const std::size_t spinup_steps = whole_steps(spinup, options.dt, "--spinup", "--dt");
  const std::unique_ptr<EnsembleStepper> stepper = make_stepper(system, info.default_scheme);
  std::optional<AtomicOutput> output;
  if (!o.output.empty()) output.emplace(o.output);  // every usage error before any work

  const auto begin = std::chrono::steady_clock::now();
  std::vector<double> control(system_dimension(system));
  std::visit([&](const auto& s) { s.default_state(control); }, system);
  stepper->advance(std::span<double>(control), 0.0, spinup_steps, options.dt);
  if (!std::all_of(control.begin(), control.end(), [](double v) { return std::isfinite(v); })) {
    throw RuntimeError(fmt::format(
        "breed: the default state of {} became non-finite (NaN/Inf) during the spin-up of {} "
        "steps of --dt {}; try a smaller --dt",
        name, spinup_steps, options.dt));
  }
  const double t0 = static_cast<double>(spinup_steps) * options.dt;
  const BredVectors bred = breed_vectors(*stepper, control, t0, options, weights);

  BreedFacts facts;
  facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  facts.about = system_facts(name, overrides);
  facts.norm = std::string(breeding_norm_name(norm));
  facts.dt = options.dt;
  facts.spinup = t0;
  facts.seed = options.seed;
  facts.output = o.output;

  if (output) {
    write_netcdf(output->temp_path(), facts, bred);
    output->commit();
  }
  const GrowthSummary growth = summarise(bred);
  const std::string summary =
      o.json ? summary_json(facts, bred, growth) : summary_text(facts, bred, growth);
  std::fputs(summary.c_str(), stdout);
  return 0;
}

}  // namespace butterfly
