// Twin experiment driver: per start, all members advance block by block in
// parallel between output times; at each output time every variable is
// scored from the sorted member values, so results do not depend on threads
// or block size (DESIGN invariants 3 and 4).
#include "butterfly/analysis/twin_experiment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "butterfly/analysis/twin_state.hpp"
#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/stats/point_scores.hpp"

namespace butterfly {
namespace {

// The truth's extra climatology stretch: 2000 samples, one per output interval
// but at most kClimatologySteps steps in all (one member: cheap either way).
constexpr std::size_t kClimatologySamples = 2000;
constexpr std::size_t kClimatologySteps = 200000;

bool all_finite(std::span<const double> x) {
  return std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); });
}

// Accumulates the truth's climatology (per variable mean and variance) exactly
// once per (time, start) sample, in that order.
struct Climatology {
  std::vector<double> sum, sum_sq;
  std::size_t samples = 0;
  explicit Climatology(std::size_t n) : sum(n, 0.0), sum_sq(n, 0.0) {}
  void add(std::span<const double> x) {
    for (std::size_t v = 0; v < x.size(); ++v) {
      sum[v] += x[v];
      sum_sq[v] += x[v] * x[v];
    }
    ++samples;
  }
  double mean_std() const {
    if (samples < 2) return std::numeric_limits<double>::quiet_NaN();
    double variance = 0.0;
    const double n = static_cast<double>(samples);
    for (std::size_t v = 0; v < sum.size(); ++v) {
      variance += std::max(0.0, (sum_sq[v] - sum[v] * sum[v] / n) / (n - 1.0));
    }
    return std::sqrt(variance / static_cast<double>(sum.size()));
  }
};

// Copies member states given as [member][variable] (member j at values[(j -
// offset) * n]) into blocks; padding lanes copy their block's last member, as
// the perturbation fill does.
void fill_blocks(std::span<EnsembleBlock> blocks, std::span<const double> values,
                 std::size_t offset = 0) {
  for (EnsembleBlock& b : blocks) {
    const std::size_t n = b.variables();
    for (std::size_t m = 0; m < b.stride(); ++m) {
      const std::size_t j = b.first_member() + std::min(m, b.members() - 1) - offset;
      for (std::size_t v = 0; v < n; ++v) b.at(v, m) = values[j * n + v];
    }
  }
}

// Stepper statistics as one process would count them: rank 0's own (truth,
// preparation, its members) plus the other ranks' member advances, on top of
// what a resumed run had counted before.
class StepAccounting {
 public:
  // Before anything is integrated (the spin-up counts too).
  explicit StepAccounting(const EnsembleStepper& stepper)
      : stepper_(stepper), entry_(stepper.statistics()) {}
  // What the run had counted before it was stopped.
  void resumed_from(const StepperStatistics& before) { before_resume_ = before; }
  // Wraps one advance of this process's members.
  template <class Advance>
  void members(const Advance& advance) {
    const StepperStatistics before = stepper_.statistics();
    advance();
    const StepperStatistics after = stepper_.statistics();
    members_.accepted_steps += after.accepted_steps - before.accepted_steps;
    members_.rejected_steps += after.rejected_steps - before.rejected_steps;
    members_.failed_members += after.failed_members - before.failed_members;
  }
  // The run's total so far, on rank 0 (collective).
  StepperStatistics total(Communicator& comm) const {
    const StepperStatistics now = stepper_.statistics();
    StepperStatistics total = before_resume_;
    total.accepted_steps += now.accepted_steps - entry_.accepted_steps;
    total.rejected_steps += now.rejected_steps - entry_.rejected_steps;
    total.failed_members += now.failed_members - entry_.failed_members;
    if (comm.size() == 1) return total;
    std::vector<double> counts;
    comm.gather(std::vector<double>{static_cast<double>(members_.accepted_steps),
                                    static_cast<double>(members_.rejected_steps),
                                    static_cast<double>(members_.failed_members)},
                counts);
    for (std::size_t i = 3; i < counts.size(); i += 3) {  // ranks 1, 2, ...
      total.accepted_steps += static_cast<std::uint64_t>(counts[i]);
      total.rejected_steps += static_cast<std::uint64_t>(counts[i + 1]);
      total.failed_members += static_cast<std::uint64_t>(counts[i + 2]);
    }
    return total;
  }

 private:
  const EnsembleStepper& stepper_;
  StepperStatistics entry_, before_resume_, members_;
};

// Scores one output time of one start on rank 0: members whose state turned
// NaN/Inf are reported by id and left out; every variable is scored from the
// finite members' sorted values; the observers see the ensemble first.
void score_output(std::size_t k, std::size_t s, std::span<const double> truth,
                  const std::vector<EnsembleBlock>& blocks, std::vector<char>& diverged,
                  const TwinObservers& observers, ThreadPool& pool,
                  std::vector<std::vector<double>>& gather, std::vector<PointScores>& point,
                  TwinExperimentResult& r) {
  const std::size_t n = r.variables, members = r.members;
  pool.parallel_for(blocks.size(), [&](std::size_t b, std::size_t) {
    const EnsembleBlock& block = blocks[b];
    for (std::size_t m = 0; m < block.members(); ++m) {
      bool finite = true;
      for (std::size_t v = 0; v < n; ++v) finite = finite && std::isfinite(block.at(v, m));
      if (!finite && !diverged[block.first_member() + m]) diverged[block.first_member() + m] = 2;
    }
  });
  std::size_t finite_members = 0;
  for (std::size_t j = 0; j < members; ++j) {
    if (diverged[j] == 2) {
      r.diverged.push_back({s, j, r.lead_times[k]});
      ++r.diverged_by_start[s];
      diverged[j] = 1;
    }
    finite_members += diverged[j] == 0;
  }
  if (finite_members < 2) {
    throw RuntimeError(
        fmt::format("start {}: only {} of {} members are finite at lead {:g}; reduce integrator.dt",
                    s, finite_members, members, r.lead_times[k]));
  }

  if (observers.members) observers.members(k, s, blocks);
  if (observers.members_with_truth) observers.members_with_truth(k, s, blocks, truth, diverged);

  pool.parallel_for(n, [&](std::size_t v, std::size_t worker) {
    std::vector<double>& values = gather[worker];
    std::size_t count = 0;
    for (const EnsembleBlock& block : blocks) {
      const double* row = block.row(v);
      for (std::size_t m = 0; m < block.members(); ++m) {
        if (!diverged[block.first_member() + m]) values[count++] = row[m];
      }
    }
    if (observers.points) {
      observers.points({k, s, v, worker, std::span<const double>(values.data(), count), truth[v]});
    }
    point[v] = score_point(std::span<double>(values.data(), count), truth[v]);
  });
  const std::size_t starts = r.starts;
  ScoreAccumulator& by_start = r.scores_by_start[k * starts + s];
  for (std::size_t v = 0; v < n; ++v) {
    by_start.add(point[v]);
    r.scores[k].add(point[v]);
    const std::size_t i = r.field_index(k, s, v);
    r.truth[i] = truth[v];
    r.ens_mean[i] = point[v].mean;
    r.ens_spread[i] = std::sqrt(point[v].variance);
    r.ens_min[i] = point[v].min;
    r.ens_max[i] = point[v].max;
  }
}

}  // namespace

std::size_t whole_steps(double span, double step, const char* what, const char* step_name) {
  const double ratio = span / step;
  const double rounded = std::round(ratio);
  // More steps than this would run for days per member; it also keeps the
  // conversion to an integer defined.
  constexpr double kMaxSteps = 1e12;
  if (!(ratio <= kMaxSteps)) {
    throw UsageError(fmt::format("{} = {} needs {:.3g} steps of {} = {}; expected at most {:g}",
                                 what, span, ratio, step_name, step, kMaxSteps));
  }
  if (!(std::abs(ratio - rounded) <= 1e-9 * std::max(1.0, ratio))) {
    throw UsageError(
        fmt::format("{} = {} is not a whole multiple of {} = {}", what, span, step_name, step));
  }
  return static_cast<std::size_t>(rounded);
}

void check_twin_experiment(const TwinExperimentSpec& spec, std::size_t variables) {
  const bool from_file = !spec.initial_members.empty();
  if (!from_file && spec.members < 2) {
    throw UsageError(fmt::format("ensemble.members must be >= 2, got {}", spec.members));
  }
  if (!from_file && spec.starts < 1) {
    throw UsageError(fmt::format("ensemble.starts must be >= 1, got {}", spec.starts));
  }
  if (from_file && (spec.initial_truth.empty() || spec.initial_truth.size() % variables != 0)) {
    throw UsageError("ensemble.initial: truth does not match the system dimension");
  }
  if (spec.block_size == 0) throw UsageError("run.block_size must be >= 1, got 0");
  if (!(spec.dt > 0.0)) throw UsageError(fmt::format("integrator.dt must be > 0, got {}", spec.dt));
  if (!(spec.every > 0.0))
    throw UsageError(fmt::format("output.every must be > 0, got {}", spec.every));
  if (!(spec.length > 0.0))
    throw UsageError(fmt::format("run.length must be > 0, got {}", spec.length));
  if (!(spec.spinup >= 0.0))
    throw UsageError(fmt::format("run.spinup must be >= 0, got {}", spec.spinup));
  if (!(spec.spinup / spec.dt <= 1e12)) {
    throw UsageError(fmt::format("run.spinup = {} needs more than 1e12 steps of integrator.dt = {}",
                                 spec.spinup, spec.dt));
  }
  whole_steps(spec.every, spec.dt, "output.every", "integrator.dt");
  whole_steps(spec.length, spec.every, "run.length", "output.every");
  if (!from_file && spec.starts > 1) {
    if (!(spec.start_interval > 0.0)) {
      throw UsageError(
          fmt::format("ensemble.start_interval must be > 0, got {}", spec.start_interval));
    }
    whole_steps(spec.start_interval, spec.dt, "ensemble.start_interval", "integrator.dt");
  }
}

TwinExperimentResult run_twin_experiment(const EnsembleStepper& stepper,
                                         std::span<const double> default_state,
                                         const TwinExperimentSpec& spec, ThreadPool& pool,
                                         const MemberObserver& observer) {
  TwinObservers observers;
  observers.members = observer;
  return run_twin_experiment(stepper, default_state, spec, pool, observers);
}

TwinExperimentResult run_twin_experiment(const EnsembleStepper& stepper,
                                         std::span<const double> default_state,
                                         const TwinExperimentSpec& spec, ThreadPool& pool,
                                         const TwinObservers& observers,
                                         const TwinRunControl& control) {
  const std::size_t n = stepper.dimension();
  check_twin_experiment(spec, n);
  SerialCommunicator serial;
  Communicator& comm = control.comm ? *control.comm : serial;
  const bool root = comm.is_root(), distributed = comm.size() > 1;
  const bool replay = !spec.replay_members.empty();
  const bool from_file = !spec.initial_members.empty();
  const std::size_t starts = from_file ? spec.initial_truth.size() / n : spec.starts;
  const std::size_t members =
      from_file ? spec.initial_members.size() / std::max<std::size_t>(1, starts * n) : spec.members;
  if (members < 2) throw UsageError(fmt::format("ensemble.members must be >= 2, got {}", members));
  for (std::size_t i = 0; i < spec.replay_members.size(); ++i) {
    if (spec.replay_members[i] >= members ||
        (i > 0 && spec.replay_members[i - 1] >= spec.replay_members[i])) {
      throw UsageError(
          fmt::format("--members: expected ascending distinct member ids from 0 to {}, got {}",
                      members - 1, spec.replay_members[i]));
    }
  }
  if (replay && control.resume) throw UsageError("--members cannot be combined with --resume");
  if (replay && distributed) {
    throw UsageError("--members replays a few members in one process; run it without mpirun");
  }
  const std::size_t steps_per_output =
      whole_steps(spec.every, spec.dt, "output.every", "integrator.dt");
  const std::size_t outputs =
      whole_steps(spec.length, spec.every, "run.length", "output.every") + 1;
  const std::size_t steps_per_start =
      starts > 1
          ? whole_steps(spec.start_interval, spec.dt, "ensemble.start_interval", "integrator.dt")
          : 0;
  const std::size_t spinup_steps = static_cast<std::size_t>(std::llround(spec.spinup / spec.dt));

  TwinExperimentResult r;
  r.variables = n;
  r.members = members;
  r.starts = starts;
  r.times = outputs;
  for (std::size_t k = 0; k < outputs; ++k) r.lead_times.push_back(k * spec.every);
  const std::size_t fields = outputs * starts * n;
  r.truth.assign(fields, 0.0);
  r.ens_mean.assign(fields, 0.0);
  r.ens_spread.assign(fields, 0.0);
  r.ens_min.assign(fields, 0.0);
  r.ens_max.assign(fields, 0.0);
  r.scores_by_start.assign(outputs * starts, ScoreAccumulator(members));
  r.scores.assign(outputs, ScoreAccumulator(members));
  r.diverged_by_start.assign(starts, 0);

  // The blocks: this process's own members first (its rank's range, or the
  // replayed ids), which it integrates; on rank 0 of several also every other
  // rank's blocks, cut as that rank cuts them, so each arrives straight into
  // place. `blocks` then holds every member in member order.
  std::vector<EnsembleBlock> blocks;
  std::vector<int> source;  // the rank each block comes from
  const auto add_range = [&](int rank) {
    const MemberRange range = member_range(members, rank, comm.size());
    for (std::size_t first = range.first; first < range.last; first += spec.block_size) {
      blocks.emplace_back(n, std::min(spec.block_size, range.last - first), first);
      source.push_back(rank);
    }
  };
  if (replay) {
    for (std::uint64_t id : spec.replay_members) blocks.emplace_back(n, 1, id);
  } else {
    add_range(comm.rank());
  }
  const std::size_t own_blocks = blocks.size();
  for (int rank = 1; distributed && root && rank < comm.size(); ++rank) add_range(rank);
  const std::span<EnsembleBlock> local(blocks.data(), own_blocks);

  // Every member's state on rank 0: each other rank sends its blocks whole.
  const auto gather_members = [&] {
    if (!distributed) return;
    if (!root) {
      for (const EnsembleBlock& b : local) comm.send(b.values(), 0);
      return;
    }
    for (std::size_t b = own_blocks; b < blocks.size(); ++b)
      comm.receive(blocks[b].values(), source[b]);
  };

  std::vector<double> start_state(default_state.begin(), default_state.end());
  std::vector<double> truth;
  std::vector<char> diverged(members, 0);
  double truth_time = 0.0;
  Climatology climatology(n);
  std::size_t first_start = 0, first_output = 0;
  StepAccounting steps(stepper);
  std::optional<TwinState> saved;
  if (control.resume) {
    ByteReader in(std::span<const std::uint8_t>(*control.resume));
    saved = load_twin_state(in, n, members, starts, outputs);
    r = std::move(saved->result);
    start_state = std::move(saved->start_state);
    truth = std::move(saved->truth);
    truth_time = saved->truth_time;
    climatology.sum = std::move(saved->climatology_sum);
    climatology.sum_sq = std::move(saved->climatology_sum_sq);
    climatology.samples = saved->climatology_samples;
    diverged = std::move(saved->diverged);
    steps.resumed_from(r.steps);
    fill_blocks(local, saved->members);
    saved->members = {};
    first_start = saved->start;
    first_output = saved->output + 1;
    if (first_output == outputs) {
      ++first_start;
      first_output = 0;
    }
  } else if (!from_file) {
    stepper.advance(std::span<double>(start_state), 0.0, spinup_steps, spec.dt);
    truth_time = static_cast<double>(spinup_steps) * spec.dt;
  }

  const std::shared_ptr<MemberPerturbation> perturbation =
      spec.perturbation ? spec.perturbation
                        : std::make_shared<GaussianMemberPerturbation>(spec.law);
  std::vector<double> analysis(n);
  std::vector<PointScores> point(n);
  std::vector<std::vector<double>> gather(pool.size(), std::vector<double>(root ? members : 0));
  const std::size_t total_outputs = starts * outputs;

  for (std::size_t s = first_start; s < starts; ++s) {
    const bool resumed_start = control.resume && s == first_start && first_output > 0;
    if (!resumed_start) {
      if (from_file) {
        start_state.assign(spec.initial_truth.begin() + s * n,
                           spec.initial_truth.begin() + (s + 1) * n);
      } else if (s > 0) {
        stepper.advance(std::span<double>(start_state), truth_time, steps_per_start, spec.dt);
        truth_time += static_cast<double>(steps_per_start) * spec.dt;
      }
      if (!all_finite(start_state)) {
        throw RuntimeError(fmt::format(
            "the truth became non-finite before start {} (t = {:g}); reduce integrator.dt", s,
            truth_time));
      }
      r.start_times.push_back(from_file ? 0.0 : truth_time);
    }
    const double t_start = r.start_times[s];

    if (!resumed_start) {
      // Initial ensemble.
      if (!from_file) {
        perturbation->draw_analysis(static_cast<std::uint32_t>(s), start_state, analysis);
        stepper.constrain(std::span<double>(analysis));
        perturbation->prepare(static_cast<std::uint32_t>(s), analysis, t_start);
      }
      pool.parallel_for(local.size(), [&](std::size_t b, std::size_t) {
        EnsembleBlock& block = local[b];
        if (!from_file) {
          perturbation->fill(static_cast<std::uint32_t>(s), analysis, block);
          stepper.constrain(block);  // e.g. back onto an energy surface
        }
      });
      if (from_file) {  // start s's members, [member][variable]
        fill_blocks(
            local,
            std::span<const double>(spec.initial_members).subspan(s * members * n, members * n));
      }
      truth = start_state;
      std::fill(diverged.begin(), diverged.end(), 0);
    }

    for (std::size_t k = resumed_start ? first_output : 0; k < outputs; ++k) {
      if (k > 0) {
        const double t_prev = t_start + static_cast<double>((k - 1) * steps_per_output) * spec.dt;
        stepper.advance(std::span<double>(truth), t_prev, steps_per_output, spec.dt);
        steps.members([&] {
          pool.parallel_for(local.size(), [&](std::size_t b, std::size_t) {
            stepper.advance(local[b], t_prev, steps_per_output, spec.dt);
          });
        });
      }
      if (!all_finite(truth)) {
        throw RuntimeError(fmt::format(
            "the truth of start {} became non-finite at lead {:g}; reduce integrator.dt", s,
            r.lead_times[k]));
      }
      climatology.add(truth);
      if (replay) {
        if (observers.members) observers.members(k, s, blocks);
        if (observers.members_with_truth)
          observers.members_with_truth(k, s, blocks, truth, diverged);
        continue;
      }
      gather_members();
      if (root) score_output(k, s, truth, blocks, diverged, observers, pool, gather, point, r);
      const std::size_t done = s * outputs + k + 1;
      if (root && control.progress) control.progress(done, total_outputs);

      // Checkpoint and stop decisions are rank 0's, and every rank follows.
      const bool due = control.checkpoint_every > 0 && done % control.checkpoint_every == 0 &&
                       done < total_outputs;
      const bool stop = root && control.stop_requested && control.stop_requested();
      std::int64_t action = stop ? 2 : due ? 1 : 0;
      if (distributed) action = comm.broadcast(action);
      if (action > 0 && control.checkpoint) r.steps = steps.total(comm);
      if (action > 0 && root && control.checkpoint) {
        TwinStateView state;
        state.start = s;
        state.output = k;
        state.truth_time = truth_time;
        state.start_state = start_state;
        state.truth = truth;
        state.climatology_sum = climatology.sum;
        state.climatology_sum_sq = climatology.sum_sq;
        state.climatology_samples = climatology.samples;
        state.diverged = diverged;
        state.blocks = &blocks;
        state.result = &r;
        ByteWriter out;
        out.reserve(twin_state_bytes_estimate(state));
        save_twin_state(state, out);
        control.checkpoint(out.take(), action == 2);
      }
      if (action == 2) {
        throw RunInterrupted(
            fmt::format("interrupted after lead {:g} of start {}", r.lead_times[k], s));
      }
    }
  }
  r.steps = steps.total(comm);
  if (!root || replay) return r;
  // The truth's climatology also samples a stretch after the last start (2000
  // samples, one per output interval or every 100 steps if that is shorter), so
  // the saturation level is well estimated even for a few short starts.
  const std::size_t climatology_stride =
      std::max<std::size_t>(1, std::min(steps_per_output, kClimatologySteps / kClimatologySamples));
  for (std::size_t k = 0; k < kClimatologySamples && !from_file; ++k) {
    stepper.advance(std::span<double>(start_state), truth_time, climatology_stride, spec.dt);
    truth_time += static_cast<double>(climatology_stride) * spec.dt;
    if (!all_finite(start_state)) break;
    climatology.add(start_state);
  }
  r.climatological_std = climatology.mean_std();
  r.saturation_rmse = r.climatological_std * std::sqrt(1.0 + 1.0 / static_cast<double>(members));
  return r;
}

}  // namespace butterfly
