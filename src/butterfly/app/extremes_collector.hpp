// The extremes diagnostics of `butterfly run` (output.extremes): the stats
// room's exact reducers fed from the twin driver's hooks, one partial per
// (output time, worker), merged at the end (DESIGN invariant 4).
#pragma once

#include <cstddef>
#include <vector>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/core/byte_stream.hpp"
#include "butterfly/stats/best_member_accumulator.hpp"
#include "butterfly/stats/energy_score.hpp"
#include "butterfly/stats/exceedance_accumulator.hpp"
#include "butterfly/stats/tail_accumulator.hpp"

namespace butterfly {

class ExtremesCollector {
 public:
  ExtremesCollector(std::size_t members, std::size_t times, std::size_t workers,
                    std::vector<double> thresholds);

  // Hooks for run_twin_experiment: points feed the exceedance, tail and
  // best-member reducers; each start's members feed the energy score.
  void add_to(TwinObservers& observers);

  // Per output time, merged over workers.
  std::vector<ExceedanceAccumulator> exceedance() const;
  std::vector<TailAccumulator> tails() const;
  std::vector<BestMemberAccumulator> best_member() const;
  const std::vector<EnergyScoreAccumulator>& energy_score() const { return energy_; }
  const std::vector<double>& thresholds() const { return thresholds_; }

  // Checkpoints: every reducer merged over workers, and back (into a collector
  // made with the same members, times and thresholds; any worker count).
  void save(ByteWriter& out) const;
  void load(ByteReader& in);

 private:
  void observe_point(const PointView& point);
  void observe_members(std::size_t time_index, const std::vector<EnsembleBlock>& blocks,
                       std::span<const double> truth, const std::vector<char>& diverged);
  template <class A>
  std::vector<A> merged(const std::vector<A>& partials) const;

  std::size_t members_, times_, workers_;
  std::vector<double> thresholds_;
  std::vector<ExceedanceAccumulator> exceedance_;  // [time][worker]
  std::vector<TailAccumulator> tails_;
  std::vector<BestMemberAccumulator> best_;
  std::vector<EnergyScoreAccumulator> energy_;  // [time]
  std::vector<double> scratch_;                 // members of one start, (var, member)
};

}  // namespace butterfly
