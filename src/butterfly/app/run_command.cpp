// `butterfly run`: config -> system and stepper -> twin experiment -> NetCDF
// (under a temporary name, renamed when complete) -> summary.
#include "butterfly/app/run_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "butterfly/analysis/predictability_horizon.hpp"
#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/app/initial_ensemble.hpp"
#include "butterfly/app/model_perturbation_config.hpp"
#include "butterfly/app/perturbation_kinds.hpp"
#include "butterfly/app/run_output.hpp"
#include "butterfly/app/run_summary.hpp"
#include "butterfly/app/state_shape.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/io/atomic_output.hpp"
#include "butterfly/io/experiment_config.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

int run_command(const RunOptions& options) {
  ExperimentConfig config = load_experiment_config(options.config_path, options.overrides);
  const AnySystem system = make_system(config.system, config.system_parameters);
  // An unset scheme or step is the system's own default; the effective config
  // (written to the output) names what actually ran.
  const SystemInfo info = system_info(config.system);
  if (config.scheme.empty()) config.scheme = std::string(info.default_scheme);
  if (config.dt == 0.0) config.dt = info.default_dt;
  config.text = experiment_config_to_toml(config);
  StepperOptions stepper_options;
  stepper_options.rtol = config.rtol;
  stepper_options.atol = config.atol;
  stepper_options.seed = config.seed;
  const ModelPerturbations model = model_perturbations(config);
  const std::unique_ptr<EnsembleStepper> stepper = wrap_model_perturbations(
      config.system, config.system_parameters, config.scheme, stepper_options, model);
  const std::size_t n = system_dimension(system);
  std::vector<double> default_state(n);
  std::visit([&](const auto& s) { s.default_state(default_state); }, system);

  TwinExperimentSpec spec;
  spec.spinup = config.spinup;
  spec.length = config.length;
  spec.dt = config.dt;
  spec.every = config.every;
  spec.members = config.members;
  spec.starts = config.starts;
  spec.start_interval = config.start_interval;
  spec.block_size = config.block_size;
  spec.law = {config.amplitude, config.pairs, config.seed};
  spec.perturbation = make_member_perturbation(config, system, *stepper, default_state);
  if (!config.initial.empty()) {
    InitialEnsemble initial = read_initial_ensemble(config.initial, n);
    spec.members = initial.members;
    spec.starts = initial.starts;
    spec.initial_members = std::move(initial.members_values);
    spec.initial_truth = std::move(initial.truth);
  }
  check_twin_experiment(spec, n);
  if (config.members_saved > spec.members) {
    throw UsageError(fmt::format("output.members_saved = {} exceeds the {} members",
                                 config.members_saved, spec.members));
  }

  // Refuse before starting when one start's ensemble cannot fit in memory.
  const double state_bytes = static_cast<double>(spec.members) * static_cast<double>(n) * 8.0;
  const double machine_bytes = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) *
                               static_cast<double>(::sysconf(_SC_PAGE_SIZE));
  if (machine_bytes > 0 && state_bytes > 0.9 * machine_bytes) {
    throw RuntimeError(fmt::format(
        "the ensemble state needs {:.3g} GB ({} members x {} variables x 8 bytes) but the machine "
        "has {:.3g} GB; reduce ensemble.members",
        state_bytes / 1e9, spec.members, n, machine_bytes / 1e9));
  }

  RunDescription description;
  description.system = std::string(system_name(system));
  description.time_units = std::string(info.time_units);
  description.parameters = system_parameters(config.system, config.system_parameters);
  description.config_text = config.text;
  description.seed = config.seed;
  description.variables = n;
  description.members = spec.members;
  description.starts = spec.starts;
  description.times = whole_steps(spec.length, spec.every, "run.length", "output.every") + 1;
  description.members_saved = config.members_saved;
  description.extremes = config.extremes;
  description.thresholds = config.thresholds;
  description.rank_histogram = config.rank_histogram;
  description.state_shape = state_shape(system);
  if (!model.parameters.empty()) {
    const ParameterPerturbation laws(config.system, config.system_parameters, model.parameters,
                                     config.seed);
    description.perturbed_parameters = laws.names();
    description.parameter_table = laws.table(0, spec.members);
  }

  const std::size_t threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  ThreadPool pool(threads);
  AtomicOutput output(options.output);
  RunOutputFile file(output.temp_path(), description);

  const auto begin = std::chrono::steady_clock::now();
  TwinObservers observers;
  observers.members = [&](std::size_t k, std::size_t s, const std::vector<EnsembleBlock>& blocks) {
    file.write_members(k, s, blocks);
  };
  std::unique_ptr<ExtremesCollector> extremes;
  if (config.extremes) {
    extremes = std::make_unique<ExtremesCollector>(spec.members, description.times, pool.size(),
                                                   config.thresholds);
    extremes->add_to(observers);
  }
  const TwinExperimentResult result =
      run_twin_experiment(*stepper, default_state, spec, pool, observers);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();

  std::vector<double> rmse;
  for (const ScoreAccumulator& s : result.scores) rmse.push_back(s.rmse());
  const std::optional<double> half =
      predictability_horizon(result.lead_times, rmse, result.saturation_rmse, 0.5);
  file.finish(result, half, stepper->statistics(), extremes.get());
  output.commit();

  for (std::size_t i = 0; i < result.diverged.size() && i < 10; ++i) {
    const DivergedMember& d = result.diverged[i];
    std::fprintf(stderr, "butterfly: member %llu of start %zu diverged (NaN/Inf) by lead %g\n",
                 static_cast<unsigned long long>(d.member), d.start, d.lead);
  }
  if (result.diverged.size() > 10) {
    std::fprintf(stderr, "butterfly: ... and %zu more diverged members (see diverged_member_id)\n",
                 result.diverged.size() - 10);
  }

  RunFacts facts;
  facts.description = description;
  facts.scheme = config.scheme;
  facts.dt = config.dt;
  facts.output_path = options.output;
  facts.seconds = seconds;
  facts.member_steps =
      static_cast<double>(spec.members) * static_cast<double>(spec.starts) *
      static_cast<double>(whole_steps(spec.length, spec.dt, "run.length", "integrator.dt"));
  facts.threads = threads;
  facts.steps = stepper->statistics();
  const std::string summary =
      options.json ? run_summary_json(facts, result, half) : run_summary_text(facts, result, half);
  std::fputs(summary.c_str(), stdout);
  return 0;
}

}  // namespace butterfly
