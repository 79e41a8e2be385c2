// Cost of the extremes diagnostics: a Lorenz-96 (N = 40) twin experiment through
// run_twin_experiment, scores only, against the same run with a MemberObserver that feeds the
// exceedance, tail, best-member and energy-score reducers at every output time; best of
// --repeat runs each, printed with the overhead in percent.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/stats/best_member_accumulator.hpp"
#include "butterfly/stats/energy_score.hpp"
#include "butterfly/stats/exceedance_accumulator.hpp"
#include "butterfly/stats/tail_accumulator.hpp"
#include "butterfly/systems/registry.hpp"

namespace {

using namespace butterfly;

struct Args {
  std::size_t members = 100000;
  std::size_t starts = 1;
  std::size_t threads = 0;  // 0 = one per hardware thread
  std::size_t block = 256;
  std::size_t repeat = 3;
  double length = 2.0;
  double every = 0.1;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--members") {
      a.members = std::strtoull(value, nullptr, 10);
    } else if (key == "--starts") {
      a.starts = std::strtoull(value, nullptr, 10);
    } else if (key == "--threads") {
      a.threads = std::strtoull(value, nullptr, 10);
    } else if (key == "--block") {
      a.block = std::strtoull(value, nullptr, 10);
    } else if (key == "--repeat") {
      a.repeat = std::strtoull(value, nullptr, 10);
    } else if (key == "--length") {
      a.length = std::strtod(value, nullptr);
    } else if (key == "--every") {
      a.every = std::strtod(value, nullptr);
    } else {
      std::fprintf(stderr, "bench_extremes_overhead: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return a;
}

// Wall time and the process's CPU time (all threads; the pool's idle workers sleep), which
// is steadier than the wall time on a shared machine.
struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
  double wall_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  }
  double cpu_seconds() const { return static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC; }
};

// The four reducers at every output time, pooled over starts and variables, fed from the
// member blocks: in parallel over variables (gather one variable's finite members in member
// order, then the per-point reducers on that row while it is in cache) and over member
// chunks (the energy score of the whole state). Each reducer is exact, so the per-variable
// and per-chunk partials merge to the same bits in any grouping.
class ExtremesFeed {
 public:
  ExtremesFeed(std::size_t times, std::size_t members, std::size_t variables,
               std::vector<double> thresholds, std::vector<double> truth, std::size_t starts,
               ThreadPool& pool)
      : members_(members),
        variables_(variables),
        starts_(starts),
        truth_(std::move(truth)),
        pool_(pool),
        exceedance_(times, ExceedanceAccumulator(members, thresholds)),
        tail_(times, TailAccumulator()),
        best_(times, BestMemberAccumulator(members)),
        energy_(times, EnergyScoreAccumulator()),
        finite_(members),
        matrix_(members * variables) {}

  void operator()(std::size_t k, std::size_t s, const std::vector<EnsembleBlock>& blocks) {
    const Clock clock;
    feed(k, s, blocks);
    wall_seconds_ += clock.wall_seconds();
    cpu_seconds_ += clock.cpu_seconds();
  }

  const ExceedanceAccumulator& exceedance(std::size_t k) const { return exceedance_[k]; }
  const TailAccumulator& tail(std::size_t k) const { return tail_[k]; }
  const BestMemberAccumulator& best(std::size_t k) const { return best_[k]; }
  const EnergyScoreAccumulator& energy(std::size_t k) const { return energy_[k]; }
  // Time spent in the observer (all threads' CPU time while it ran: the driver waits).
  double wall_seconds() const { return wall_seconds_; }
  double cpu_seconds() const { return cpu_seconds_; }

 private:
  void feed(std::size_t k, std::size_t s, const std::vector<EnsembleBlock>& blocks) {
    const std::size_t n = variables_;
    const double* truth = truth_.data() + (k * starts_ + s) * n;
    // Optimistic: every member finite (the usual case), checked while gathering. Otherwise
    // the members with a non-finite variable are left out (as the driver does), and again.
    std::size_t count = members_;
    if (!feed_points(k, blocks, truth, members_, false)) {
      pool_.parallel_for(blocks.size(), [&](std::size_t b, std::size_t) {
        const EnsembleBlock& block = blocks[b];
        std::vector<double> poison(block.members(), 0.0);
        for (std::size_t v = 0; v < n; ++v) {
          const double* row = block.row(v);
          for (std::size_t m = 0; m < block.members(); ++m) poison[m] += row[m] * 0.0;
        }
        for (std::size_t m = 0; m < block.members(); ++m) {
          finite_[block.first_member() + m] = poison[m] == 0.0;
        }
      });
      count = 0;
      for (const char f : finite_) count += f != 0;
      if (count < 2) return;
      feed_points(k, blocks, truth, count, true);
    }

    // The energy score of the start's whole state, members split into ranges of whole
    // groups of kEnergyScoreMemberGroup (so the bits do not depend on the thread count).
    const std::size_t groups = (count + kEnergyScoreMemberGroup - 1) / kEnergyScoreMemberGroup;
    const std::size_t chunks = std::min<std::size_t>(4 * pool_.size(), groups);
    std::vector<EnergyScoreForecast> parts(chunks, EnergyScoreForecast(count, n));
    const std::span<const double> values(matrix_.data(), count * n);
    const std::span<const double> y(truth, n);
    pool_.parallel_for(chunks, [&](std::size_t c, std::size_t) {
      const std::size_t first = c * groups / chunks * kEnergyScoreMemberGroup;
      const std::size_t last = std::min(count, (c + 1) * groups / chunks * kEnergyScoreMemberGroup);
      parts[c].add_members(values, y, first, last);
    });
    for (std::size_t c = 1; c < chunks; ++c) parts[0].merge(parts[c]);
    energy_[k].add(parts[0]);
  }

  // Gathers each variable's members into row v of the (variable, member) matrix -- only the
  // finite_ ones when `masked` -- and feeds the per-point reducers from the row while it is
  // in cache. Returns false, adding nothing, when an unmasked gather meets a non-finite value.
  bool feed_points(std::size_t k, const std::vector<EnsembleBlock>& blocks, const double* truth,
                   std::size_t count, bool masked) {
    const std::size_t n = variables_;
    std::vector<ExceedanceAccumulator> exceedance(
        n, ExceedanceAccumulator(members_, exceedance_[k].thresholds()));
    std::vector<TailAccumulator> tail(n, TailAccumulator());
    std::vector<BestMemberAccumulator> best(n, BestMemberAccumulator(members_));
    std::vector<char> finite_row(n, 1);
    pool_.parallel_for(n, [&](std::size_t v, std::size_t) {
      double* row = matrix_.data() + v * count;
      std::size_t j = 0;
      double poison = 0;  // x * 0 is NaN exactly for non-finite x
      for (const EnsembleBlock& block : blocks) {
        const double* src = block.row(v);
        const std::size_t first = block.first_member();
        if (masked) {
          for (std::size_t m = 0; m < block.members(); ++m) {
            if (finite_[first + m]) row[j++] = src[m];
          }
        } else {
          for (std::size_t m = 0; m < block.members(); ++m) {
            row[j + m] = src[m];
            poison += src[m] * 0.0;
          }
          j += block.members();
        }
      }
      finite_row[v] = poison == 0.0;
      if (!finite_row[v]) return;
      const std::span<const double> values(row, count);
      exceedance[v].add(values, truth[v]);
      tail[v].add(values);
      best[v].add(values, truth[v]);
    });
    if (std::find(finite_row.begin(), finite_row.end(), 0) != finite_row.end()) return false;
    for (std::size_t v = 0; v < n; ++v) {
      exceedance_[k].merge(exceedance[v]);
      tail_[k].merge(tail[v]);
      best_[k].merge(best[v]);
    }
    return true;
  }

  std::size_t members_, variables_, starts_;
  std::vector<double> truth_;
  ThreadPool& pool_;
  std::vector<ExceedanceAccumulator> exceedance_;
  std::vector<TailAccumulator> tail_;
  std::vector<BestMemberAccumulator> best_;
  std::vector<EnergyScoreAccumulator> energy_;
  std::vector<char> finite_;
  std::vector<double> matrix_;
  double wall_seconds_ = 0, cpu_seconds_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const std::size_t n = 40;
  const AnySystem system = make_system("lorenz96", {{"n", static_cast<double>(n)}});
  const std::unique_ptr<EnsembleStepper> stepper = make_stepper(system, "rk4");
  std::vector<double> state(n);
  std::visit([&](const auto& s) { s.default_state(state); }, system);

  TwinExperimentSpec spec;
  spec.spinup = 20.0;
  spec.length = args.length;
  spec.dt = 0.01;
  spec.every = args.every;
  spec.members = args.members;
  spec.starts = args.starts;
  spec.start_interval = 10.0;
  spec.block_size = args.block;
  spec.law = {0.01, false, 1};
  ThreadPool pool(args.threads);

  double base = 1e300, extremes = 1e300, base_cpu = 1e300, extremes_cpu = 1e300;
  double in_run = 1e300, in_run_cpu = 1e300;  // observer time / the rest of the same run
  TwinExperimentResult reference;
  std::vector<double> thresholds;
  for (std::size_t r = 0; r < args.repeat; ++r) {
    Clock clock;
    TwinExperimentResult result = run_twin_experiment(*stepper, state, spec, pool);
    base = std::min(base, clock.wall_seconds());
    base_cpu = std::min(base_cpu, clock.cpu_seconds());
    if (r == 0) {
      // The truth is the same in every run (same spec); the observer reads it from here.
      // Thresholds: climatological mean + 1, 2, 3 climatological standard deviations.
      double mean = 0;
      for (const double x : result.truth) mean += x;
      mean /= static_cast<double>(result.truth.size());
      for (const double k : {1.0, 2.0, 3.0}) {
        thresholds.push_back(mean + k * result.climatological_std);
      }
      reference = std::move(result);
    }

    ExtremesFeed feed(reference.times, reference.members, n, thresholds, reference.truth,
                      reference.starts, pool);
    clock = Clock();
    run_twin_experiment(*stepper, state, spec, pool, std::ref(feed));
    const double wall = clock.wall_seconds(), cpu = clock.cpu_seconds();
    extremes = std::min(extremes, wall);
    extremes_cpu = std::min(extremes_cpu, cpu);
    in_run = std::min(in_run, feed.wall_seconds() / (wall - feed.wall_seconds()));
    in_run_cpu = std::min(in_run_cpu, feed.cpu_seconds() / (cpu - feed.cpu_seconds()));
    if (r + 1 == args.repeat) {
      const std::size_t k = reference.times - 1;
      std::printf("last lead %g: threshold %.3f Brier %.4f fair %.4f ROC area %.4f\n",
                  reference.lead_times[k], thresholds[1], feed.exceedance(k).brier_score(1),
                  feed.exceedance(k).fair_brier_score(1), feed.exceedance(k).roc_area(1));
      std::printf("  beyond 3 sd %.3e (Gaussian %.3e); z(1e-3) %.3f (Gaussian %.3f)\n",
                  feed.tail(k).outside_fraction(3), TailAccumulator::gaussian_outside_fraction(3),
                  feed.tail(k).mean_standardized_quantile(3), feed.tail(k).gaussian_quantile(3));
      const BestMemberAccumulator& b = feed.best(k);
      const std::size_t last = b.sizes().size() - 1;
      std::printf(
          "  best of %zu: mean error %.3g, outliers %.5f (driver's %.5f, consistent %.5f)\n",
          b.sizes()[last], b.mean_best_error(last), b.outlier_rate(last),
          reference.scores[k].outlier_rate(), b.expected_outlier_rate(last));
      std::printf("  energy score %.4f (fair %.4f), %zu forecasts estimated\n",
                  feed.energy(k).energy_score(), feed.energy(k).energy_score_fair(),
                  feed.energy(k).estimated_forecasts());
    }
  }
  std::printf("members %zu, starts %zu, outputs %zu, threads %zu, best of %zu:\n", args.members,
              args.starts, reference.times, pool.size(), args.repeat);
  std::printf("  wall: scores only %.3f s, with extremes %.3f s: overhead %.1f %%\n", base,
              extremes, 100.0 * (extremes - base) / base);
  std::printf("  cpu:  scores only %.3f s, with extremes %.3f s: overhead %.1f %%\n", base_cpu,
              extremes_cpu, 100.0 * (extremes_cpu - base_cpu) / base_cpu);
  // Within one run both parts meet the same machine load: the steadier figure when shared.
  std::printf("  in-run: observer / rest of the run: wall %.1f %%, cpu %.1f %%\n", 100.0 * in_run,
              100.0 * in_run_cpu);
  return 0;
}
