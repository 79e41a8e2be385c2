// Checkpoint and resume of the twin driver (DESIGN invariant 6): resuming from
// the state saved at any output time, with any thread count and block size,
// ends bit-identical to the run that never stopped; a stop request writes the
// state and throws RunInterrupted; a state for another run is refused; and the
// per-member replay reproduces the full run's members exactly.
#include <gtest/gtest.h>

#include <vector>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/analysis/twin_state.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

struct Model {
  std::unique_ptr<EnsembleStepper> stepper;
  std::vector<double> state;
};

Model lorenz96() {
  const AnySystem system = make_system("lorenz96", {{"n", 12.0}});
  Model m{make_stepper(system, "rk4"), std::vector<double>(12)};
  std::visit([&](const auto& s) { s.default_state(m.state); }, system);
  return m;
}

TwinExperimentSpec spec() {
  TwinExperimentSpec s;
  s.spinup = 2.0;
  s.length = 1.0;
  s.every = 0.25;
  s.dt = 0.01;
  s.members = 21;
  s.starts = 3;
  s.start_interval = 0.5;
  s.block_size = 8;
  s.law = {0.5, false, 5};
  return s;
}

// Every field and score, compared bit for bit (EXPECT_EQ on vectors of doubles
// is exact; the rank histograms too).
void expect_same_bits(const TwinExperimentResult& a, const TwinExperimentResult& b) {
  EXPECT_EQ(a.truth, b.truth);
  EXPECT_EQ(a.ens_mean, b.ens_mean);
  EXPECT_EQ(a.ens_spread, b.ens_spread);
  EXPECT_EQ(a.ens_min, b.ens_min);
  EXPECT_EQ(a.ens_max, b.ens_max);
  EXPECT_EQ(a.start_times, b.start_times);
  EXPECT_EQ(a.climatological_std, b.climatological_std);
  ASSERT_EQ(a.scores_by_start.size(), b.scores_by_start.size());
  for (std::size_t i = 0; i < a.scores_by_start.size(); ++i) {
    EXPECT_EQ(a.scores_by_start[i].crps(), b.scores_by_start[i].crps());
    EXPECT_EQ(a.scores_by_start[i].rmse(), b.scores_by_start[i].rmse());
  }
  for (std::size_t k = 0; k < a.scores.size(); ++k) {
    EXPECT_EQ(a.scores[k].crps_fair(), b.scores[k].crps_fair());
    EXPECT_EQ(a.scores[k].rank_histogram(), b.scores[k].rank_histogram());
  }
}

TEST(TwinResume, FromEveryCheckpointToTheSameBits) {
  const Model m = lorenz96();
  ThreadPool one(1), two(2);
  std::vector<std::vector<std::uint8_t>> states;
  TwinRunControl control;
  control.checkpoint_every = 1;
  control.checkpoint = [&](std::vector<std::uint8_t>&& state, bool stopping) {
    EXPECT_FALSE(stopping);
    states.push_back(std::move(state));
  };
  const TwinExperimentResult reference =
      run_twin_experiment(*m.stepper, m.state, spec(), one, {}, control);
  // 3 starts x 5 outputs, every one but the last.
  ASSERT_EQ(states.size(), 14u);
  TwinExperimentSpec other_blocks = spec();
  other_blocks.block_size = 3;
  for (const std::vector<std::uint8_t>& state : states) {
    TwinRunControl resume;
    resume.resume = &state;
    expect_same_bits(reference,
                     run_twin_experiment(*m.stepper, m.state, other_blocks, two, {}, resume));
  }
}

TEST(TwinResume, StopRequestWritesTheStateAndThrows) {
  const Model m = lorenz96();
  ThreadPool pool(1);
  const TwinExperimentResult reference = run_twin_experiment(*m.stepper, m.state, spec(), pool);
  int polls = 0;
  std::vector<std::uint8_t> saved;
  TwinRunControl control;
  control.checkpoint = [&](std::vector<std::uint8_t>&& state, bool stopping) {
    EXPECT_TRUE(stopping);
    saved = std::move(state);
  };
  control.stop_requested = [&] { return ++polls == 7; };
  EXPECT_THROW(run_twin_experiment(*m.stepper, m.state, spec(), pool, {}, control), RunInterrupted);
  ASSERT_FALSE(saved.empty());
  TwinRunControl resume;
  resume.resume = &saved;
  expect_same_bits(reference, run_twin_experiment(*m.stepper, m.state, spec(), pool, {}, resume));
}

TEST(TwinResume, StateOfAnotherRunIsRefused) {
  const Model m = lorenz96();
  ThreadPool pool(1);
  std::vector<std::uint8_t> saved;
  TwinRunControl control;
  control.checkpoint_every = 4;
  control.checkpoint = [&](std::vector<std::uint8_t>&& state, bool) { saved = std::move(state); };
  run_twin_experiment(*m.stepper, m.state, spec(), pool, {}, control);
  TwinExperimentSpec more = spec();
  more.members = 22;
  TwinRunControl resume;
  resume.resume = &saved;
  try {
    run_twin_experiment(*m.stepper, m.state, more, pool, {}, resume);
    FAIL() << "a state for 21 members resumed a 22-member run";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(),
                 "checkpoint: written for 21 members but this run has 22; resume with the same "
                 "experiment");
  }
  // Truncated states never half-load.
  for (std::size_t cut : {std::size_t{3}, saved.size() / 2, saved.size() - 1}) {
    std::vector<std::uint8_t> truncated(saved.begin(), saved.begin() + cut);
    resume.resume = &truncated;
    EXPECT_THROW(run_twin_experiment(*m.stepper, m.state, spec(), pool, {}, resume), RuntimeError);
  }
}

TEST(TwinReplay, ReplayedMembersEqualTheFullRun) {
  const Model m = lorenz96();
  ThreadPool pool(2);
  const std::size_t n = 12;
  // Full run: record members 0, 9 and 20 at every (start, time).
  const std::vector<std::uint64_t> ids = {0, 9, 20};
  std::vector<double> full, replayed;
  TwinObservers record_full;
  record_full.members = [&](std::size_t, std::size_t, const std::vector<EnsembleBlock>& blocks) {
    for (std::uint64_t id : ids)
      for (const EnsembleBlock& b : blocks)
        if (id >= b.first_member() && id < b.first_member() + b.members())
          for (std::size_t v = 0; v < n; ++v) full.push_back(b.at(v, id - b.first_member()));
  };
  run_twin_experiment(*m.stepper, m.state, spec(), pool, record_full);
  TwinExperimentSpec replay = spec();
  replay.replay_members = ids;
  TwinObservers record_replay;
  record_replay.members = [&](std::size_t, std::size_t, const std::vector<EnsembleBlock>& blocks) {
    ASSERT_EQ(blocks.size(), ids.size());
    for (const EnsembleBlock& b : blocks)
      for (std::size_t v = 0; v < n; ++v) replayed.push_back(b.at(v, 0));
  };
  run_twin_experiment(*m.stepper, m.state, replay, pool, record_replay);
  ASSERT_EQ(full.size(), 3u * 5u * 3u * n);
  EXPECT_EQ(full, replayed);
  replay.replay_members = {3, 21};
  EXPECT_THROW(run_twin_experiment(*m.stepper, m.state, replay, pool, record_replay), UsageError);
}

}  // namespace
}  // namespace butterfly
