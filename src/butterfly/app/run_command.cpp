// `butterfly run`: config -> system and stepper -> twin experiment -> NetCDF
// (under a temporary name, renamed when complete) -> summary. Also the
// per-member replay (--members), checkpoints and --resume, the memory budget
// and progress; under mpirun every rank runs this and rank 0 writes.
#include "butterfly/app/run_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "butterfly/analysis/predictability_horizon.hpp"
#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/app/initial_ensemble.hpp"
#include "butterfly/app/member_list.hpp"
#include "butterfly/app/memory_budget.hpp"
#include "butterfly/app/model_perturbation_config.hpp"
#include "butterfly/app/output_failure.hpp"
#include "butterfly/app/perturbation_kinds.hpp"
#include "butterfly/app/progress_reporter.hpp"
#include "butterfly/app/replay_output.hpp"
#include "butterfly/app/run_checkpoint.hpp"
#include "butterfly/app/run_output.hpp"
#include "butterfly/app/run_summary.hpp"
#include "butterfly/app/state_shape.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/io/atomic_output.hpp"
#include "butterfly/io/checkpoint_file.hpp"
#include "butterfly/io/experiment_config.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {
namespace {

// Everything a run is made of, from the config.
struct RunSetup {
  ExperimentConfig config;
  AnySystem system;
  std::unique_ptr<EnsembleStepper> stepper;
  std::vector<double> default_state;
  TwinExperimentSpec spec;
  RunDescription description;
};

RunSetup make_run_setup(const RunOptions& options) {
  ExperimentConfig config = load_experiment_config(options.config_path, options.overrides);
  AnySystem system = make_system(config.system, config.system_parameters);
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
  std::unique_ptr<EnsembleStepper> stepper = wrap_model_perturbations(
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

  RunDescription d;
  d.system = std::string(system_name(system));
  d.time_units = std::string(info.time_units);
  d.parameters = system_parameters(config.system, config.system_parameters);
  d.config_text = config.text;
  d.seed = config.seed;
  d.variables = n;
  d.members = spec.members;
  d.starts = spec.starts;
  d.times = whole_steps(spec.length, spec.every, "run.length", "output.every") + 1;
  d.members_saved = config.members_saved;
  d.extremes = config.extremes;
  d.thresholds = config.thresholds;
  d.rank_histogram = config.rank_histogram;
  d.state_shape = state_shape(system);
  if (!model.parameters.empty()) {
    const ParameterPerturbation laws(config.system, config.system_parameters, model.parameters,
                                     config.seed);
    d.perturbed_parameters = laws.names();
    d.parameter_table = laws.table(0, spec.members);
  }
  return {std::move(config),        std::move(system), std::move(stepper),
          std::move(default_state), std::move(spec),   std::move(d)};
}

// Refuses, before anything runs, a run that cannot fit in the memory budget
// (with the numbers), and shrinks the blocks to the budget.
void apply_memory_budget(const RunOptions& options, const RunSetup& setup, std::size_t threads,
                         std::size_t ranks, TwinExperimentSpec& spec) {
  RunMemoryInputs in;
  in.members = spec.members;
  in.variables = setup.description.variables;
  in.threads = threads;
  in.ranks = ranks;
  in.block_size = spec.block_size;
  in.times = setup.description.times;
  in.starts = spec.starts;
  in.members_saved = setup.config.members_saved;
  in.checkpoint = setup.config.checkpoint_every > 0;
  in.extremes = setup.config.extremes;
  const std::uint64_t budget = options.memory.empty()
                                   ? default_memory_budget()
                                   : parse_memory_size(options.memory, "--memory");
  const std::string source = options.memory.empty()
                                 ? std::string("the default budget (80% of available memory)")
                                 : fmt::format("--memory {}", options.memory);
  check_memory_budget(estimate_run_memory(in), budget, source);
  spec.block_size = choose_block_size(in, budget);
}

// What a checkpoint must match: the experiment, not where or how often it is
// checkpointed (a resumed run may move its checkpoint or change the interval).
std::string checkpoint_identity(ExperimentConfig c) {
  c.checkpoint.clear();
  c.checkpoint_every = 0.0;
  return experiment_config_to_toml(c);
}

std::filesystem::path checkpoint_path(const RunOptions& options, const ExperimentConfig& c) {
  return c.checkpoint.empty() ? std::filesystem::path(options.output + ".checkpoint")
                              : std::filesystem::path(c.checkpoint);
}

int run_replay(const RunOptions& options, RunSetup& setup, ThreadPool& pool) {
  setup.spec.replay_members = parse_member_list(options.members, setup.spec.members);
  AtomicOutput output(options.output);
  ReplayOutputFile file(output.temp_path(), setup.description, setup.spec.replay_members);
  TwinObservers observers;
  observers.members_with_truth = [&](std::size_t k, std::size_t s,
                                     const std::vector<EnsembleBlock>& blocks,
                                     std::span<const double> truth,
                                     const std::vector<char>&) { file.write(k, s, blocks, truth); };
  const TwinExperimentResult result =
      run_twin_experiment(*setup.stepper, setup.default_state, setup.spec, pool, observers);
  file.finish(result);
  output.commit();
  std::printf("butterfly run: replayed %zu of %zu members of %s over %zu starts into %s\n",
              setup.spec.replay_members.size(), setup.spec.members,
              setup.description.system.c_str(), setup.spec.starts, options.output.c_str());
  return 0;
}

void print_diverged(const TwinExperimentResult& result) {
  for (std::size_t i = 0; i < result.diverged.size() && i < 10; ++i) {
    const DivergedMember& d = result.diverged[i];
    std::fprintf(stderr, "butterfly: member %llu of start %zu diverged (NaN/Inf) by lead %g\n",
                 static_cast<unsigned long long>(d.member), d.start, d.lead);
  }
  if (result.diverged.size() > 10) {
    std::fprintf(stderr, "butterfly: ... and %zu more diverged members (see diverged_member_id)\n",
                 result.diverged.size() - 10);
  }
}

}  // namespace

int run_command(const RunOptions& options) {
  SerialCommunicator serial;
  Communicator& comm = options.comm ? *options.comm : serial;
  const bool root = comm.is_root();
  RunSetup setup = make_run_setup(options);
  const ExperimentConfig& config = setup.config;
  TwinExperimentSpec& spec = setup.spec;
  const RunDescription& description = setup.description;
  const std::size_t threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  ThreadPool pool(threads);
  if (options.replay) {
    if (options.resume) throw UsageError("--members cannot be combined with --resume");
    if (comm.size() > 1) {
      throw UsageError("--members replays a few members in one process; run it without mpirun");
    }
    return run_replay(options, setup, pool);
  }
  apply_memory_budget(options, setup, threads, static_cast<std::size_t>(comm.size()), spec);

  const std::size_t times = description.times;
  const std::size_t steps_per_output =
      whole_steps(spec.every, spec.dt, "output.every", "integrator.dt");
  const bool checkpointing = config.checkpoint_every > 0;
  const std::filesystem::path checkpoint = checkpoint_path(options, config);
  const std::string identity = checkpoint_identity(config);
  RunCheckpoint saved;
  if (checkpointing && root) remove_stale_temporaries(checkpoint);
  if (options.resume) {
    saved = decode_run_checkpoint(read_checkpoint(checkpoint, identity));
  }

  // Rank 0 writes; the other ranks only integrate their members.
  std::unique_ptr<AtomicOutput> output;
  std::unique_ptr<RunOutputFile> file;
  const std::size_t slab = description.members_saved * description.variables;
  std::vector<double> saved_members = std::move(saved.saved_members);
  if (root) {
    output = std::make_unique<AtomicOutput>(options.output);
    file = std::make_unique<RunOutputFile>(output->temp_path(), description);
    // A resumed run rewrites the saved members the checkpoint carried, in run order.
    for (std::size_t g = 0; slab > 0 && (g + 1) * slab <= saved_members.size(); ++g) {
      file->write_member_slab(g % times, g / times,
                              std::span<const double>(saved_members).subspan(g * slab, slab));
    }
  }

  const auto begin = std::chrono::steady_clock::now();
  TwinObservers observers;
  observers.members = [&](std::size_t k, std::size_t s, const std::vector<EnsembleBlock>& blocks) {
    const std::span<const double> written = file->write_members(k, s, blocks);
    if (checkpointing) saved_members.insert(saved_members.end(), written.begin(), written.end());
  };
  std::unique_ptr<ExtremesCollector> extremes;
  if (config.extremes && root) {
    extremes =
        std::make_unique<ExtremesCollector>(spec.members, times, pool.size(), config.thresholds);
    extremes->add_to(observers);
    if (options.resume) {
      ByteReader in(saved.extremes);
      extremes->load(in);
    }
  }

  // Progress counts this process's work: a resumed run starts from where it was.
  const double member_steps_per_output =
      static_cast<double>(spec.members) * static_cast<double>(steps_per_output);
  const auto intervals = [times](std::size_t outputs_done) {  // lead 0 integrates nothing
    return static_cast<double>(outputs_done - (outputs_done + times - 1) / times);
  };
  std::unique_ptr<ProgressReporter> progress;
  double intervals_before = 0;
  TwinRunControl control;
  control.comm = &comm;
  control.resume = options.resume ? &saved.driver : nullptr;
  control.progress = [&](std::size_t done, std::size_t total) {
    if (!progress) {
      intervals_before = intervals(done - 1);
      progress = std::make_unique<ProgressReporter>(
          stderr, stderr_is_terminal(),
          member_steps_per_output * (intervals(total) - intervals_before));
    }
    progress->update(member_steps_per_output * (intervals(done) - intervals_before));
  };
  if (checkpointing) {
    control.checkpoint_every =
        whole_steps(config.checkpoint_every, spec.every, "run.checkpoint_every", "output.every");
    control.checkpoint = [&](std::vector<std::uint8_t>&& state, bool) {
      std::vector<std::uint8_t> extremes_state;
      if (extremes) {
        ByteWriter out;
        extremes->save(out);
        extremes_state = out.take();
      }
      const RunCheckpointPieces around =
          encode_run_checkpoint_around(state.size(), saved_members, extremes_state);
      const std::span<const std::uint8_t> pieces[] = {around.head, state, around.tail};
      write_checkpoint_pieces(checkpoint, identity, pieces);
    };
    control.stop_requested = [] { return stop_requested() != 0; };
    stop_gracefully_on_signals();
  }

  std::optional<double> half;
  const auto finish_output = [&](const TwinExperimentResult& r, const ExtremesCollector* x) {
    std::vector<double> rmse;
    for (const ScoreAccumulator& s : r.scores) rmse.push_back(s.rmse());
    half = predictability_horizon(r.lead_times, rmse, r.saturation_rmse, 0.5);
    file->finish(r, half, r.steps, x);
    output->commit();
  };
  TwinExperimentResult result;
  try {
    result =
        run_twin_experiment(*setup.stepper, setup.default_state, spec, pool, observers, control);
    if (root) finish_output(result, extremes.get());
  } catch (const RunInterrupted& e) {
    if (progress) progress->finish();
    throw RunInterrupted(fmt::format("{}; checkpoint {} written, continue with --resume", e.what(),
                                     checkpoint.string()));
  } catch (const RuntimeError& e) {
    // A vanished directory or a full disk, said as such, with the checkpoint
    // that survives it (the temporary goes when `output` does).
    const std::optional<std::string> why =
        root ? explain_output_failure(options.output) : std::nullopt;
    if (!why) throw;
    std::error_code ec;
    const bool resumable = checkpointing && std::filesystem::exists(checkpoint, ec);
    // The default checkpoint path follows -o, so resuming elsewhere names it;
    // on a full disk it must move first, for the next checkpoints to fit.
    throw RuntimeError(
        *why + (resumable ? fmt::format("; checkpoint {0} is intact: continue with --resume -o "
                                        "ANOTHER.nc --set run.checkpoint='\"{0}\"' (or a copy "
                                        "of it on a disk with room)",
                                        checkpoint.string())
                          : std::string()));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!root) return 0;

  // The output is complete: its checkpoint would only resume a finished run.
  if (checkpointing) {
    std::error_code ignored;
    std::filesystem::remove(checkpoint, ignored);
  }
  if (progress) progress->finish();
  print_diverged(result);

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
  facts.ranks = static_cast<std::size_t>(comm.size());
  facts.steps = result.steps;
  const std::string summary =
      options.json ? run_summary_json(facts, result, half) : run_summary_text(facts, result, half);
  std::fputs(summary.c_str(), stdout);
  return 0;
}

}  // namespace butterfly
