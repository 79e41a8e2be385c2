// `butterfly lyapunov`: options -> system -> lyapunov_spectrum -> NetCDF (under a
// temporary name, renamed when complete) -> text table or JSON.
#include "butterfly/app/lyapunov_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <utility>

#include "butterfly/analysis/lyapunov_spectrum.hpp"
#include "butterfly/app/json_text.hpp"
#include "butterfly/app/system_overrides.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/io/atomic_output.hpp"
#include "butterfly/io/netcdf_file.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {
namespace {

// What --set takes here, and where the other settings go.
constexpr std::string_view kOnlySystem =
    "butterfly lyapunov takes only system.KEY=VALUE (the analysis has its own options: --k, --dt, "
    "--transient, --length, --renormalise-every, --replicas, --seed)";

// Defaults in steps of dt, so that every system gets a run of the same cost.
constexpr double kDefaultTransientSteps = 1e4;
constexpr double kDefaultLengthSteps = 1e5;

// What was run, for the summary and the file.
struct LyapunovFacts {
  SystemFacts about;
  std::size_t renormalise_every = 0;
  std::uint64_t seed = 0;
  std::size_t threads = 0;
  double seconds = 0.0;
  std::string output;
};

// Spectral systems step with ETDRK4 here, the others with classic RK4.
std::string note_on_scheme(const LyapunovFacts& f, const LyapunovSpectrum& s) {
  return scheme_note(f.about, s.scheme,
                     fmt::format("its exponents here are those of {} at the given dt (the "
                                 "tangent-linear model of its step)",
                                 s.scheme));
}

double sum_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

std::string summary_text(const LyapunovFacts& f, const LyapunovSpectrum& s) {
  std::string out = fmt::format(
      "butterfly lyapunov: {} ({}), {} of {} exponents, {} dt={:g}, QR every {} steps ({:g} "
      "time units)\n",
      f.about.name, parameters_text(f.about.parameters), s.k(), s.dimension, s.scheme, s.dt,
      f.renormalise_every, s.interval);
  out += fmt::format("transient {:g}, length {:g}, {} replica{} (seed {}), {} thread{}\n",
                     s.transient, s.length, s.replicas, s.replicas == 1 ? "" : "s", f.seed,
                     f.threads, f.threads == 1 ? "" : "s");
  const std::string note = note_on_scheme(f, s);
  if (!note.empty()) out += "note: " + note + "\n";
  out += fmt::format("{:>5} {:>14} {:>12}\n", "i", "exponent", "std.error");
  for (std::size_t i = 0; i < s.k(); ++i) {
    out += fmt::format("{:>5} {:>14.6f} {:>12.6f}\n", i + 1, s.exponents[i], s.standard_error[i]);
  }
  out += fmt::format("exponents in 1/time unit ({})\n", f.about.time_units);
  out += fmt::format("sum of the exponents: {:.6f}\n", sum_of(s.exponents));
  out += fmt::format("Kaplan-Yorke dimension: {:.4f} +- {:.4f}\n", s.kaplan_yorke_dimension,
                     s.kaplan_yorke_dimension_error);
  out += fmt::format("Kolmogorov-Sinai entropy (sum of positive exponents): {:.4f} +- {:.4f}\n",
                     s.ks_entropy, s.ks_entropy_error);
  if (s.replicas == 1) out += "(standard errors need --replicas 2 or more)\n";
  if (!f.output.empty()) out += fmt::format("wrote {}\n", f.output);
  out += fmt::format("computed in {:.2f} s\n", f.seconds);
  return out;
}

std::string summary_json(const LyapunovFacts& f, const LyapunovSpectrum& s) {
  const std::string parameters = json_parameters(f.about.parameters);
  std::string by_replica = "[";
  for (std::size_t r = 0; r < s.replicas; ++r) {
    by_replica += (r ? ", " : "") +
                  json_numbers(std::span<const double>(s.by_replica).subspan(r * s.k(), s.k()));
  }
  by_replica += "]";
  std::string out = "{";
  out += "\"system\": " + json_quoted(f.about.name) + ", \"parameters\": " + parameters;
  out += fmt::format(", \"dimension\": {}, \"k\": {}", s.dimension, s.k());
  out += ", \"scheme\": " + json_quoted(s.scheme) + ", \"dt\": " + json_number(s.dt);
  out += ", \"transient\": " + json_number(s.transient) + ", \"length\": " + json_number(s.length);
  out += fmt::format(", \"renormalise_every\": {}", f.renormalise_every);
  out += ", \"renormalisation_interval\": " + json_number(s.interval);
  out += fmt::format(", \"replicas\": {}, \"seed\": {}, \"threads\": {}", s.replicas, f.seed,
                     f.threads);
  out += ", \"exponents\": " + json_numbers(s.exponents);
  out += ", \"exponent_stderr\": " + json_numbers(s.standard_error);
  out += ", \"exponents_by_replica\": " + by_replica;
  out += ", \"exponent_sum\": " + json_number(sum_of(s.exponents));
  out += ", \"kaplan_yorke_dimension\": " + json_number(s.kaplan_yorke_dimension);
  out += ", \"kaplan_yorke_dimension_stderr\": " + json_number(s.kaplan_yorke_dimension_error);
  out += ", \"ks_entropy\": " + json_number(s.ks_entropy);
  out += ", \"ks_entropy_stderr\": " + json_number(s.ks_entropy_error);
  out += ", \"time_units\": " + json_quoted(f.about.time_units);
  const std::string note = note_on_scheme(f, s);
  out += ", \"note\": " + (note.empty() ? std::string("null") : json_quoted(note));
  out += ", \"output\": " + (f.output.empty() ? std::string("null") : json_quoted(f.output));
  out += ", \"seconds\": " + json_number(f.seconds);
  return out + "}\n";
}

void write_netcdf(const std::filesystem::path& path, const LyapunovFacts& f,
                  const LyapunovSpectrum& s) {
  NetcdfFile file = NetcdfFile::create(path);
  const std::size_t k = s.k();
  file.define_dimension("exponent", k);
  file.define_dimension("replica", s.replicas);
  const bool finite_time = !s.finite_time.empty();
  if (finite_time) file.define_dimension("interval", s.intervals);

  const int exponent = file.define_variable("exponent", NC_INT64, {"exponent"});
  file.set_attribute(exponent, "long_name", "exponent index (1 = leading)");
  file.set_attribute(exponent, "units", "1");
  const int replica = file.define_variable("replica", NC_INT64, {"replica"});
  file.set_attribute(replica, "long_name", "replica (independent run) index");
  file.set_attribute(replica, "units", "1");
  const std::string units = "1/time unit";
  const int exponents = file.define_variable("exponents", {"exponent"},
                                             "Lyapunov exponent, mean over replicas", units);
  const int stderr_var = file.define_variable(
      "exponent_stderr", {"exponent"}, "standard error of the mean over replicas (ddof=1)", units);
  const int by_replica = file.define_variable("exponents_by_replica", {"replica", "exponent"},
                                              "Lyapunov exponent of each replica", units);
  int interval = -1, finite = -1;
  if (finite_time) {
    interval = file.define_variable("interval", {"interval"},
                                    "end of the renormalisation interval after the transient", "1");
    file.set_attribute(interval, "description", "model time (" + f.about.time_units + ")");
    finite = file.define_variable("finite_time_exponents", {"replica", "interval", "exponent"},
                                  "finite-time Lyapunov exponent log(R_ii) / interval", units);
  }
  for (int var : {exponents, stderr_var, by_replica}) {
    file.set_attribute(var, "description", "per model time unit (" + f.about.time_units + ")");
  }

  file.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
  file.set_attribute(NC_GLOBAL, "title", "butterfly Lyapunov spectrum: " + f.about.name);
  file.set_attribute(NC_GLOBAL, "source", std::string("butterfly ") + BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "butterfly_version", BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "method",
                     fmt::format("Benettin et al. (1980) / Shimada & Nagashima (1979): {} and "
                                 "its tangent-linear propagator, Householder QR "
                                 "re-orthonormalisation",
                                 s.scheme));
  write_system_attributes(file, f.about);
  file.set_attribute(NC_GLOBAL, "scheme", std::string(s.scheme));
  const std::string note = note_on_scheme(f, s);
  if (!note.empty()) file.set_attribute(NC_GLOBAL, "scheme_note", note);
  file.set_attribute(NC_GLOBAL, "dimension", s.dimension);
  file.set_attribute(NC_GLOBAL, "dt", s.dt);
  file.set_attribute(NC_GLOBAL, "transient", s.transient);
  file.set_attribute(NC_GLOBAL, "length", s.length);
  file.set_attribute(NC_GLOBAL, "renormalise_every", f.renormalise_every);
  file.set_attribute(NC_GLOBAL, "renormalisation_interval", s.interval);
  file.set_attribute(NC_GLOBAL, "replicas", s.replicas);
  file.set_attribute(NC_GLOBAL, "seed", static_cast<std::int64_t>(f.seed));
  file.set_attribute(NC_GLOBAL, "exponent_sum", sum_of(s.exponents));
  file.set_attribute(NC_GLOBAL, "kaplan_yorke_dimension", s.kaplan_yorke_dimension);
  file.set_attribute(NC_GLOBAL, "kaplan_yorke_dimension_stderr", s.kaplan_yorke_dimension_error);
  file.set_attribute(NC_GLOBAL, "ks_entropy", s.ks_entropy);
  file.set_attribute(NC_GLOBAL, "ks_entropy_stderr", s.ks_entropy_error);
  file.end_definitions();

  std::vector<std::int64_t> index(std::max(k, s.replicas));
  std::iota(index.begin(), index.end(), 1);
  file.write_all(exponent, std::span<const std::int64_t>(index).first(k));
  std::iota(index.begin(), index.end(), 0);
  file.write_all(replica, std::span<const std::int64_t>(index).first(s.replicas));
  file.write_all(exponents, s.exponents);
  file.write_all(stderr_var, s.standard_error);
  file.write_all(by_replica, s.by_replica);
  if (finite_time) {
    std::vector<double> ends(s.intervals);
    for (std::size_t i = 0; i < s.intervals; ++i) {
      ends[i] = static_cast<double>(i + 1) * s.interval;
    }
    file.write_all(interval, ends);
    file.write_all(finite, s.finite_time);
  }
  file.close();
}

}  // namespace

CLI::App* add_lyapunov_command(CLI::App& app, LyapunovCommandOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "lyapunov", "Lyapunov spectrum (Benettin/QR), Kaplan-Yorke dimension and KS entropy");
  add_system_options(sub, o.system, o.overrides);
  sub->add_option_function<std::int64_t>(
      "--k", [&o](const std::int64_t& v) { o.k = v; },
      "number of leading exponents (default: all, the full spectrum)");
  sub->add_option_function<double>(
      "--dt", [&o](const double& v) { o.dt = v; },
      "RK4 step (default: the system's integrator dt; every system runs RK4 here)");
  sub->add_option_function<double>(
      "--transient", [&o](const double& v) { o.transient = v; },
      "model time discarded first, also aligning the vectors (default: 10^4 steps)");
  sub->add_option_function<double>(
      "--length", [&o](const double& v) { o.length = v; },
      "model time averaged over, whole intervals (default: 10^5 steps)");
  sub->add_option("--renormalise-every", o.renormalise_every,
                  "steps between QR re-orthonormalisations")
      ->capture_default_str();
  sub->add_option("--replicas", o.replicas, "independent runs, for the standard errors")
      ->capture_default_str();
  sub->add_option("--seed", o.seed, "key of the replicas' start perturbations")
      ->capture_default_str();
  sub->add_option("--threads", o.threads, "worker threads (default: all cores)")
      ->check(CLI::PositiveNumber);
  sub->add_option("-o,--output", o.output, "write the spectrum to this NetCDF file");
  sub->add_flag("--finite-time", o.finite_time,
                "also write every interval's finite-time exponents (with -o)");
  sub->add_flag("--json", o.json, "print the result as JSON");
  return sub;
}

int lyapunov_command(const LyapunovCommandOptions& o) {
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

  if (o.k && (*o.k < 1 || static_cast<std::uint64_t>(*o.k) > n)) {
    throw UsageError(
        fmt::format("--k: must be between 1 and the system's dimension {}, got {}", n, *o.k));
  }
  if (o.renormalise_every < 1) {
    throw UsageError(
        fmt::format("--renormalise-every: must be at least 1 step, got {}", o.renormalise_every));
  }
  if (o.replicas < 1) {
    throw UsageError(fmt::format("--replicas: must be at least 1, got {}", o.replicas));
  }
  if (o.seed < 0) throw UsageError(fmt::format("--seed: must be >= 0, got {}", o.seed));
  LyapunovOptions options;
  options.exponents = o.k ? static_cast<std::size_t>(*o.k) : 0;
  options.dt = o.dt ? *o.dt : info.default_dt;
  options.transient = o.transient ? *o.transient : kDefaultTransientSteps * options.dt;
  options.length = o.length ? *o.length : kDefaultLengthSteps * options.dt;
  options.renormalise_every = static_cast<std::size_t>(o.renormalise_every);
  options.replicas = static_cast<std::size_t>(o.replicas);
  options.seed = static_cast<std::uint64_t>(o.seed);
  if (o.finite_time && o.output.empty()) {
    throw UsageError("--finite-time: needs -o OUT.nc (the finite-time exponents go to the file)");
  }
  options.finite_time = o.finite_time;
  check_lyapunov_options(options, n);  // every usage error before any work

  const std::size_t threads =
      o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  std::optional<AtomicOutput> output;
  if (!o.output.empty()) output.emplace(o.output);

  ThreadPool pool(threads);
  const auto begin = std::chrono::steady_clock::now();
  const LyapunovSpectrum spectrum = lyapunov_spectrum(system, options, pool);
  LyapunovFacts facts;
  facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  facts.about = system_facts(name, overrides);
  facts.renormalise_every = options.renormalise_every;
  facts.seed = options.seed;
  facts.threads = threads;
  facts.output = o.output;

  if (output) {
    write_netcdf(output->temp_path(), facts, spectrum);
    output->commit();
  }
  const std::string summary =
      o.json ? summary_json(facts, spectrum) : summary_text(facts, spectrum);
  std::fputs(summary.c_str(), stdout);
  return 0;
}

}  // namespace butterfly
