// The butterfly command: subcommands run, verify, lyapunov, breed, svd, ews, systems
// and report. Usage errors
// exit with status 2, run-time errors with 1, each as one line on stderr.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <thread>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/app/breed_command.hpp"
#include "butterfly/app/ews_command.hpp"
#include "butterfly/app/lyapunov_command.hpp"
#include "butterfly/app/report_command.hpp"
#include "butterfly/app/run_command.hpp"
#include "butterfly/app/svd_command.hpp"
#include "butterfly/app/systems_command.hpp"
#include "butterfly/app/verify_command.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/io/atomic_output.hpp"
#ifdef BUTTERFLY_HAVE_MPI
#include "butterfly/dist/mpi_communicator.hpp"
#endif

namespace {

// Under mpirun: this process's rank (for messages) and whether errors must
// stop every rank (a rank that fails alone would leave the others waiting).
int mpi_rank = -1;

int fail(int status, const char* message) {
#ifdef BUTTERFLY_HAVE_MPI
  // A usage error comes from the config, which every rank reads alike: let
  // rank 0 say it once and stop the job; speak up only if it does not.
  if (mpi_rank > 0 && status == 2) std::this_thread::sleep_for(std::chrono::seconds(2));
#endif
  if (mpi_rank > 0) {
    std::fprintf(stderr, "butterfly: rank %d: %s\n", mpi_rank, message);
  } else {
    std::fprintf(stderr, "butterfly: %s\n", message);
  }
#ifdef BUTTERFLY_HAVE_MPI
  if (mpi_rank >= 0) {
    std::fflush(stderr);
    butterfly::MpiSession::abort(status);
  }
#endif
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace butterfly;
  CLI::App app{"butterfly: perturbation experiments on dynamical systems"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("butterfly ") + BUTTERFLY_VERSION);

  RunOptions run;
  CLI::App* run_app = app.add_subcommand("run", "Run an ensemble twin experiment");
  run_app->add_option("config", run.config_path,
                      "experiment config (TOML); default experiment if absent");
  run_app->add_option("--set", run.overrides, "override a config key: section.key=value")
      ->allow_extra_args(false);
  run_app->add_option("-o,--output", run.output, "output NetCDF file")->capture_default_str();
  run_app->add_option("--threads", run.threads, "worker threads (default: all cores)")
      ->check(CLI::PositiveNumber);
  run_app->add_flag("--json", run.json, "print the summary as JSON");
  run_app->add_flag("--resume", run.resume,
                    "continue from the run's checkpoint (run.checkpoint) to the same bits");
  run_app->add_option("--members", run.members,
                      "replay only these members of the run, e.g. 17,4242 or 100-103");
  run_app->add_option("--memory", run.memory,
                      "memory budget, e.g. 4G (default: 80% of available memory)");

  VerifyOptions verify;
  CLI::App* verify_app = app.add_subcommand("verify", "Score an ensemble stored in NetCDF");
  verify_app->add_option("--forecast", verify.forecast, "NetCDF file with a 'member' dimension")
      ->required();
  verify_app->add_option("--truth", verify.truth, "NetCDF file with the verifying truth")
      ->required();
  verify_app->add_option("--var", verify.var, "variable to score")->required();
  verify_app->add_option("--truth-var", verify.truth_var,
                         "variable in the truth file (default: --var)");
  verify_app->add_option("-o,--output", verify.output, "write the scores to this NetCDF file");
  verify_app->add_flag("--per-point", verify.per_point, "also write scores at every point");
  verify_app->add_flag("--json", verify.json, "print the scores as JSON");
  verify_app->add_option("--threads", verify.threads, "worker threads (default: all cores)")
      ->check(CLI::PositiveNumber);

  LyapunovCommandOptions lyapunov;
  CLI::App* lyapunov_app = add_lyapunov_command(app, lyapunov);

  BreedCommandOptions breed;
  CLI::App* breed_app = add_breed_command(app, breed);

  SvdCommandOptions svd;
  CLI::App* svd_app = add_svd_command(app, svd);

  EwsCommandOptions ews;
  CLI::App* ews_app = add_ews_command(app, ews);

  bool systems_json = false;
  CLI::App* systems_app = app.add_subcommand("systems", "List the systems and their parameters");
  systems_app->add_flag("--json", systems_json, "print as JSON");

  ReportOptions report;
  CLI::App* report_app = app.add_subcommand("report", "Write an HTML report of a run's output");
  report_app->add_option("input", report.input, "NetCDF output of `butterfly run`")->required();
  report_app->add_option("-o,--output", report.output,
                         "HTML file to write (default: the input's name with .html)");
  report_app->add_option("--var", report.var, "state variable of the trajectory plot")
      ->capture_default_str();
  report_app->add_option("--start", report.start, "forecast start of the trajectory plots")
      ->capture_default_str();
  report_app
      ->add_option("--lead", report.leads,
                   "lead time of a rank histogram (repeatable; default: 4 spread out)")
      ->allow_extra_args(false);

  // CLI11 would only say "a subcommand is required": name the unknown one.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string command = argv[1];
    constexpr std::array<std::string_view, 8> kCommands = {"run", "verify", "lyapunov", "breed",
                                                           "svd", "ews",    "systems",  "report"};
    if (std::find(kCommands.begin(), kCommands.end(), command) == kCommands.end()) {
      return fail(2, ("unknown subcommand '" + command + "'; expected one of " +
                      fmt::format("{}", fmt::join(kCommands, ", ")))
                         .c_str());
    }
  }
  remove_temporaries_on_signals();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return fail(2, (std::string(e.what()) + "; see butterfly --help").c_str());
  }

#ifdef BUTTERFLY_HAVE_MPI
  std::unique_ptr<MpiSession> mpi;
  std::unique_ptr<MpiCommunicator> world;
  try {
    if (MpiSession::launched_by_mpirun()) {
      mpi = std::make_unique<MpiSession>();
      world = std::make_unique<MpiCommunicator>();
      mpi_rank = world->rank();
      if (mpi_rank > 0) quiet_signal_messages();
      run.comm = world.get();
      if (!*run_app && world->size() > 1) {
        return fail(2,
                    "only `butterfly run` runs on several MPI ranks; start the others "
                    "without mpirun");
      }
    }
  } catch (const RuntimeError& e) {
    return fail(1, e.what());
  }
#endif

  try {
    run.replay = run_app->count("--members") > 0;
    if (*run_app) return run_command(run);
    if (*verify_app) return verify_command(verify);
    if (*lyapunov_app) return lyapunov_command(lyapunov);
    if (*breed_app) return breed_command(breed);
    if (*svd_app) return svd_command(svd);
    if (*ews_app) return ews_command(ews);
    if (*systems_app) return systems_command(systems_json);
    if (*report_app) return report_command(report);
  } catch (const UsageError& e) {
    return fail(2, e.what());
  } catch (const RunInterrupted& e) {
    // Every rank stops at the same output time: no abort needed.
    if (mpi_rank <= 0) std::fprintf(stderr, "butterfly: %s\n", e.what());
    return 130;
  } catch (const RuntimeError& e) {
    return fail(1, e.what());
  } catch (const std::bad_alloc&) {
    return fail(1, "out of memory; reduce ensemble.members or the system's size");
  } catch (const std::exception& e) {
    return fail(1, e.what());
  }
  return 0;
}
