// The perfect-model twin experiment: a hidden truth trajectory, forecasts
// started every start_interval from analyses drawn around it, and exact
// verification scores at every output lead time (DESIGN invariant 5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "butterfly/core/communicator.hpp"
#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/perturb/gaussian_perturbation.hpp"
#include "butterfly/perturb/member_perturbation.hpp"
#include "butterfly/stats/score_accumulator.hpp"

namespace butterfly {

struct TwinExperimentSpec {
  double spinup = 20.0;  // time units from the system's default state to start 0
  double length = 10.0;  // forecast length
  double dt = 0.01;      // integrator step
  double every = 0.1;    // output interval (a multiple of dt)
  std::size_t members = 1000;
  std::size_t starts = 20;
  double start_interval = 10.0;  // truth time between starts (a multiple of dt)
  std::size_t block_size = 256;  // members per block handed to a thread
  GaussianPerturbation law;
  // How the analysis and members are drawn; null: the Gaussian `law`.
  std::shared_ptr<MemberPerturbation> perturbation;
  // User-supplied initial conditions; when set, nothing is drawn and members/starts
  // come from them: initial_members is (start, member, var), initial_truth (start, var).
  std::vector<double> initial_members;
  std::vector<double> initial_truth;
  // Per-member replay: integrate only these global member ids (ascending,
  // unique, each < members) next to the truth, exactly as they evolve in the
  // full run (DESIGN invariant 3); nothing is scored, observers.members sees
  // one block per replayed member. Empty: every member.
  std::vector<std::uint64_t> replay_members;
};

struct DivergedMember {
  std::size_t start = 0;
  std::uint64_t member = 0;
  double lead = 0.0;  // first output lead time at which the state was non-finite
};

struct TwinExperimentResult {
  std::size_t variables = 0, members = 0, starts = 0, times = 0;
  std::vector<double> lead_times;   // [time]
  std::vector<double> start_times;  // [start], truth time of each start after spin-up
  // Fields indexed [time][start][var].
  std::vector<double> truth, ens_mean, ens_spread, ens_min, ens_max;
  std::vector<ScoreAccumulator> scores_by_start;  // [time][start]
  std::vector<ScoreAccumulator> scores;           // [time], over starts then variables
  std::vector<DivergedMember> diverged;           // in (start, member) order
  std::vector<std::size_t> diverged_by_start;     // [start]
  double climatological_std =
      0.0;  // of the truth over all starts and leads, averaged over variables
  double saturation_rmse =
      0.0;  // climatological_std * sqrt(1 + 1/M): the ensemble-mean error of a saturated forecast
  // What the (adaptive) stepper did in the whole run, as one process counts it:
  // over every rank's members, the truth once, and before a resume.
  StepperStatistics steps;

  std::size_t field_index(std::size_t time, std::size_t start, std::size_t var) const {
    return (time * starts + start) * variables + var;
  }
};

// Sees the ensemble of one start at each output time, before scoring (e.g. to
// save members). Called from the driving thread, in (start, time) order.
using MemberObserver = std::function<void(std::size_t time_index, std::size_t start,
                                          const std::vector<EnsembleBlock>& blocks)>;

// One scored point (a variable of one start at one output time) as the driver
// sees it: the finite members' values in member order, and the truth.
struct PointView {
  std::size_t time_index = 0, start = 0, variable = 0, worker = 0;
  std::span<const double> values;
  double truth = 0.0;
};

// Optional hooks of the driver. `members` and `members_with_truth` are called
// from the driving thread in (start, time) order; `points` from the worker that
// scores the point, concurrently for different variables (write only per-worker
// state; `worker` < pool.size()). `diverged` flags members left out (by id).
struct TwinObservers {
  MemberObserver members;
  std::function<void(std::size_t time_index, std::size_t start,
                     const std::vector<EnsembleBlock>& blocks, std::span<const double> truth,
                     const std::vector<char>& diverged)>
      members_with_truth;
  std::function<void(const PointView&)> points;
};

// How a run is spread over processes, checkpointed, stopped and reported. The
// defaults run one process, never checkpoint and never stop early.
struct TwinRunControl {
  // Null: one process. Otherwise each rank integrates its member_range() and
  // rank 0 gathers every member at each output time to score and observe them,
  // so the results are those of one process, bit for bit; only rank 0's result
  // and observers carry data.
  Communicator* comm = nullptr;
  // Output intervals (counted over every start) between checkpoints; 0: never.
  std::size_t checkpoint_every = 0;
  // Called on rank 0 with the driver's serialised state (see twin_state.hpp)
  // when a checkpoint is due; `stopping` when it is the last before a stop.
  // Set it (or not) alike on every rank: only rank 0's is called.
  std::function<void(std::vector<std::uint8_t>&& state, bool stopping)> checkpoint;
  // Driver state to continue from (the same bytes on every rank); null: start.
  const std::vector<std::uint8_t>* resume = nullptr;
  // Polled on rank 0 after every output time: true makes every rank write the
  // checkpoint (when checkpoint is set) and throw RunInterrupted.
  std::function<bool()> stop_requested;
  // Called on rank 0 after every output time with output intervals done and
  // in all (over every start).
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// A run stopped on request (a signal) after writing its checkpoint.
class RunInterrupted : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

// span / step as a whole number; throws UsageError naming both keys when
// span is not a whole multiple of step (to 1e-9 relative).
std::size_t whole_steps(double span, double step, const char* what, const char* step_name);

// Checks a spec before anything runs (counts, dt, whole numbers of steps);
// throws UsageError naming the offending key.
void check_twin_experiment(const TwinExperimentSpec& spec, std::size_t variables);

// Runs the experiment. Throws UsageError for inconsistent specs and
// RuntimeError when the truth turns non-finite or fewer than two finite
// members remain in a start.
TwinExperimentResult run_twin_experiment(const EnsembleStepper& stepper,
                                         std::span<const double> default_state,
                                         const TwinExperimentSpec& spec, ThreadPool& pool,
                                         const MemberObserver& observer = {});
// The same with every hook of TwinObservers, and optionally processes,
// checkpoints, resume, stop and progress.
TwinExperimentResult run_twin_experiment(const EnsembleStepper& stepper,
                                         std::span<const double> default_state,
                                         const TwinExperimentSpec& spec, ThreadPool& pool,
                                         const TwinObservers& observers,
                                         const TwinRunControl& control = {});

}  // namespace butterfly
