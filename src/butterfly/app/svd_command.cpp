// `butterfly svd`: options -> system -> spun-up start state -> singular_vectors
// -> NetCDF (under a temporary name, renamed when complete) -> text table or JSON.
#include "butterfly/app/svd_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <span>
#include <utility>

#include "butterfly/app/json_text.hpp"
#include "butterfly/app/system_overrides.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/io/atomic_output.hpp"
#include "butterfly/io/netcdf_file.hpp"
#include "butterfly/perturb/singular_vectors.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {
namespace {

// What --set takes here, and where the other settings go.
constexpr std::string_view kOnlySystem =
    "butterfly svd takes only system.KEY=VALUE (the analysis has its own options: --k, "
    "--optimisation-time, --dt, --spinup, --norm)";

// Defaults in steps of dt, so that every system gets a run of the same cost.
constexpr double kDefaultOptimisationSteps = 100;
constexpr double kDefaultSpinupSteps = 1e4;

// What was run, for the summary and the file.
struct SvdFacts {
  SystemFacts about;
  double spinup = 0.0;
  double tolerance = 0.0;
  std::uint64_t seed = 0;
  double seconds = 0.0;
  std::string output;
};

// k rows of n values (row-major) as a JSON array of arrays.
std::string rows(const std::vector<double>& values, std::size_t k, std::size_t n) {
  std::string out = "[";
  for (std::size_t i = 0; i < k; ++i) {
    out += (i ? ", " : "") + json_numbers(std::span<const double>(values).subspan(i * n, n), true);
  }
  return out + "]";
}

// The propagator is always classic RK4's (with its discrete adjoint).
std::string note_on_scheme(const SvdFacts& f) {
  return scheme_note(f.about, "rk4",
                     "the propagator here is classic RK4's at the given dt (its tangent-linear "
                     "model and adjoint)");
}

std::vector<double> growth_rates(const SingularVectors& s) {
  std::vector<double> out(s.k());
  for (std::size_t i = 0; i < s.k(); ++i) out[i] = s.growth_rate(i);
  return out;
}

std::string convergence_text(const SingularVectors& s) {
  if (s.converged) {
    return fmt::format("Lanczos: {} steps ({} tangent-linear and {} adjoint products), converged",
                       s.iterations, s.iterations, s.iterations);
  }
  return fmt::format(
      "Lanczos: stopped after {} steps (--max-iterations) before every residual reached "
      "--tolerance; the values are approximations",
      s.iterations);
}

std::string summary_text(const SvdFacts& f, const SingularVectors& s) {
  std::string out = fmt::format(
      "butterfly svd: {} ({}), {} leading singular vectors of the RK4 tangent-linear "
      "propagator\n",
      f.about.name, parameters_text(f.about.parameters), s.k());
  out += fmt::format(
      "optimisation time {:g} ({} steps of dt {:g}) from the default state after a spin-up of "
      "{:g}, {} norm\n",
      s.optimisation_time, s.steps, s.dt, f.spinup, singular_vector_norm_name(s.norm));
  const std::string note = note_on_scheme(f);
  if (!note.empty()) out += "note: " + note + "\n";
  out +=
      fmt::format("{:>5} {:>16} {:>14} {:>10}\n", "i", "singular value", "growth rate", "residual");
  for (std::size_t i = 0; i < s.k(); ++i) {
    out += fmt::format("{:>5} {:>16.8g} {:>14.6f} {:>10.2e}\n", i + 1, s.values[i],
                       s.growth_rate(i), s.residuals[i]);
  }
  out += fmt::format("growth rate = log(singular value) / optimisation time, in 1/time unit ({})\n",
                     f.about.time_units);
  out += convergence_text(s) + "\n";
  if (!f.output.empty()) {
    out += fmt::format("wrote {} (singular values, initial and final vectors)\n", f.output);
  }
  out += fmt::format("computed in {:.3f} s\n", f.seconds);
  return out;
}

std::string summary_json(const SvdFacts& f, const SingularVectors& s) {
  const std::string parameters = json_parameters(f.about.parameters, true);
  const std::size_t k = s.k(), n = s.dimension;
  std::string out = "{";
  out += "\"system\": " + json_quoted(f.about.name) + ", \"parameters\": " + parameters;
  out += fmt::format(", \"dimension\": {}, \"k\": {}", n, k);
  out += ", \"scheme\": \"rk4\", \"dt\": " + json_number_exact(s.dt);
  out += ", \"optimisation_time\": " + json_number_exact(s.optimisation_time);
  out += fmt::format(", \"steps\": {}", s.steps);
  out += ", \"spinup\": " + json_number_exact(f.spinup);
  out += ", \"norm\": " + json_quoted(singular_vector_norm_name(s.norm));
  out += ", \"singular_values\": " + json_numbers(s.values, true);
  out += ", \"growth_rates\": " + json_numbers(growth_rates(s), true);
  out += ", \"residuals\": " + json_numbers(s.residuals, true);
  out += ", \"initial_vectors\": " + rows(s.initial_vectors, k, n);
  out += ", \"final_vectors\": " + rows(s.final_vectors, k, n);
  out += ", \"initial_state\": " + json_numbers(s.initial_state, true);
  out += ", \"final_state\": " + json_numbers(s.final_state, true);
  out += ", \"norm_weights\": " + json_numbers(s.weights, true);
  out += fmt::format(", \"iterations\": {}, \"tlm_products\": {}, \"adjoint_products\": {}",
                     s.iterations, s.iterations, s.iterations);
  out += fmt::format(", \"converged\": {}", s.converged ? "true" : "false");
  out += ", \"tolerance\": " + json_number_exact(f.tolerance);
  out += fmt::format(", \"seed\": {}", f.seed);
  out += ", \"time_units\": " + json_quoted(f.about.time_units);
  const std::string note = note_on_scheme(f);
  out += ", \"note\": " + (note.empty() ? std::string("null") : json_quoted(note));
  out += ", \"output\": " + (f.output.empty() ? std::string("null") : json_quoted(f.output));
  out += ", \"seconds\": " + json_number_exact(f.seconds);
  return out + "}\n";
}

void write_netcdf(const std::filesystem::path& path, const SvdFacts& f, const SingularVectors& s) {
  NetcdfFile file = NetcdfFile::create(path);
  const std::size_t k = s.k(), n = s.dimension;
  file.define_dimension("k", k);
  file.define_dimension("variable", n);

  const int index = file.define_variable("k", NC_INT64, {"k"});
  file.set_attribute(index, "long_name", "singular vector index (1 = leading)");
  file.set_attribute(index, "units", "1");
  const int variable = file.define_variable("variable", NC_INT64, {"variable"});
  file.set_attribute(variable, "long_name", "state variable index");
  file.set_attribute(variable, "units", "1");
  const int values = file.define_variable(
      "singular_value", {"k"},
      "singular value of the tangent-linear propagator (growth factor over the optimisation "
      "time)",
      "1");
  const int rates = file.define_variable("growth_rate", {"k"},
                                         "finite-time growth rate log(singular_value) / "
                                         "optimisation_time",
                                         "1/time unit");
  file.set_attribute(rates, "description", "per model time unit (" + f.about.time_units + ")");
  const int residuals = file.define_variable(
      "residual", {"k"}, "relative Lanczos residual |B^T u - sigma z| / sigma", "1");
  const int initial = file.define_variable(
      "initial_vector", {"k", "variable"},
      "initial (right) singular vector: the perturbation at the start, unit norm", "1");
  const int final_vector = file.define_variable(
      "final_vector", {"k", "variable"},
      "evolved (left) singular vector, unit norm: propagator times initial_vector = "
      "singular_value times final_vector",
      "1");
  for (int var : {initial, final_vector}) {
    file.set_attribute(var, "norm", singular_vector_norm_name(s.norm));
  }
  const int start = file.define_variable(
      "initial_state", {"variable"},
      "state at the start of the optimisation interval (where the propagator is linearised)", "1");
  const int end = file.define_variable("final_state", {"variable"},
                                       "state at the end of the optimisation interval (RK4)", "1");
  const int weights = file.define_variable("norm_weight", {"variable"},
                                           "diagonal weight W of the norm |x|^2 = sum W x^2", "1");

  file.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
  file.set_attribute(NC_GLOBAL, "title", "butterfly singular vectors: " + f.about.name);
  file.set_attribute(NC_GLOBAL, "source", std::string("butterfly ") + BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "butterfly_version", BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "method",
                     "Golub-Kahan-Lanczos bidiagonalisation with full reorthogonalisation of "
                     "W^(1/2) M' W^(-1/2), M' the classic RK4 tangent-linear propagator, applied "
                     "with its tangent-linear model and checkpointed discrete adjoint (Lacarra & "
                     "Talagrand 1988; Buizza & Palmer 1995)");
  write_system_attributes(file, f.about);
  file.set_attribute(NC_GLOBAL, "scheme", "rk4");
  const std::string note = note_on_scheme(f);
  if (!note.empty()) file.set_attribute(NC_GLOBAL, "scheme_note", note);
  file.set_attribute(NC_GLOBAL, "dimension", n);
  file.set_attribute(NC_GLOBAL, "dt", s.dt);
  file.set_attribute(NC_GLOBAL, "optimisation_time", s.optimisation_time);
  file.set_attribute(NC_GLOBAL, "steps", s.steps);
  file.set_attribute(NC_GLOBAL, "spinup", f.spinup);
  file.set_attribute(NC_GLOBAL, "norm", singular_vector_norm_name(s.norm));
  file.set_attribute(NC_GLOBAL, "tolerance", f.tolerance);
  file.set_attribute(NC_GLOBAL, "iterations", s.iterations);
  file.set_attribute(NC_GLOBAL, "converged", s.converged ? 1 : 0);
  file.set_attribute(NC_GLOBAL, "seed", static_cast<std::int64_t>(f.seed));
  file.end_definitions();

  std::vector<std::int64_t> numbering(std::max(k, n));
  std::iota(numbering.begin(), numbering.end(), 1);
  file.write_all(index, std::span<const std::int64_t>(numbering).first(k));
  std::iota(numbering.begin(), numbering.end(), 0);
  file.write_all(variable, std::span<const std::int64_t>(numbering).first(n));
  file.write_all(values, s.values);
  file.write_all(rates, growth_rates(s));
  file.write_all(residuals, s.residuals);
  file.write_all(initial, s.initial_vectors);
  file.write_all(final_vector, s.final_vectors);
  file.write_all(start, s.initial_state);
  file.write_all(end, s.final_state);
  file.write_all(weights, s.weights);
  file.close();
}

}  // namespace

CLI::App* add_svd_command(CLI::App& app, SvdCommandOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "svd", "Leading singular vectors of the RK4 tangent-linear propagator (Lanczos)");
  add_system_options(sub, o.system, o.overrides);
  sub->add_option("--k", o.k, "number of leading singular vectors")->capture_default_str();
  sub->add_option_function<double>(
      "--optimisation-time", [&o](const double& v) { o.optimisation_time = v; },
      "optimisation time T, a whole number of --dt steps (default: 100 steps)");
  sub->add_option_function<double>(
      "--dt", [&o](const double& v) { o.dt = v; },
      "RK4 step (default: the system's integrator dt; every system runs RK4 here)");
  sub->add_option_function<double>(
      "--spinup", [&o](const double& v) { o.spinup = v; },
      "model time from the default state to the start state (default: 10^4 steps)");
  sub->add_option("--norm", o.norm, "euclidean, or energy (the system's norm_weights)")
      ->capture_default_str();
  sub->add_option("--tolerance", o.tolerance, "relative Lanczos residual at convergence")
      ->capture_default_str();
  sub->add_option("--max-iterations", o.max_iterations,
                  "most Lanczos steps (default 0: the dimension, exact)")
      ->capture_default_str();
  sub->add_option("--seed", o.seed, "key of the Lanczos start vector")->capture_default_str();
  sub->add_option("-o,--output", o.output, "write the singular vectors to this NetCDF file");
  sub->add_flag("--json", o.json, "print the result as JSON");
  return sub;
}

int svd_command(const SvdCommandOptions& o) {
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
  const std::size_t n = system_dimension(system);

  if (o.k < 1 || static_cast<std::uint64_t>(o.k) > n) {
    throw UsageError(
        fmt::format("--k: must be between 1 and the system's dimension {}, got {}", n, o.k));
  }
  if (o.max_iterations < 0) {
    throw UsageError(
        fmt::format("--max-iterations: must be >= 0 (0: the dimension), got {}", o.max_iterations));
  }
  if (o.seed < 0) throw UsageError(fmt::format("--seed: must be >= 0, got {}", o.seed));
  SingularVectorOptions options;
  options.k = static_cast<std::size_t>(o.k);
  options.dt = o.dt ? *o.dt : info.default_dt;
  options.optimisation_time =
      o.optimisation_time ? *o.optimisation_time : kDefaultOptimisationSteps * options.dt;
  options.norm = parse_singular_vector_norm(o.norm);
  options.tolerance = o.tolerance;
  options.max_iterations = static_cast<std::size_t>(o.max_iterations);
  options.seed = static_cast<std::uint64_t>(o.seed);
  const double spinup = o.spinup ? *o.spinup : kDefaultSpinupSteps * options.dt;
  options.start_time = spinup;
  // Every usage error before any work.
  check_singular_vector_options(options, n);
  check_singular_vector_system(system, options.norm);

  const auto begin = std::chrono::steady_clock::now();
  const std::vector<double> x0 = spun_up_state(system, spinup, options.dt);
  std::optional<AtomicOutput> output;
  if (!o.output.empty()) output.emplace(o.output);
  const SingularVectors vectors = singular_vectors(system, x0, options);

  SvdFacts facts;
  facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  facts.about = system_facts(name, overrides);
  facts.spinup = spinup;
  facts.tolerance = options.tolerance;
  facts.seed = options.seed;
  facts.output = o.output;

  if (output) {
    write_netcdf(output->temp_path(), facts, vectors);
    output->commit();
  }
  const std::string summary = o.json ? summary_json(facts, vectors) : summary_text(facts, vectors);
  std::fputs(summary.c_str(), stdout);
  return 0;
}

}  // namespace butterfly
