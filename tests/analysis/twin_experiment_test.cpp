// The twin experiment: calibration on a perfect model (DESIGN invariant 5),
// bit-identical results for any threads and block size (invariant 3), and
// diverged members reported by id and left out (invariant 6).
#include "butterfly/analysis/twin_experiment.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_rk_stepper.hpp"

namespace butterfly {
namespace {

struct ModelRun {
  std::unique_ptr<EnsembleStepper> stepper;
  std::vector<double> state;
};

ModelRun lorenz96(std::size_t n = 40) {
  const AnySystem system = make_system("lorenz96", {{"n", double(n)}});
  ModelRun run{make_stepper(system, "rk4"), std::vector<double>(n)};
  std::visit([&](const auto& s) { s.default_state(run.state); }, system);
  return run;
}

TwinExperimentSpec small_spec() {
  TwinExperimentSpec spec;
  spec.spinup = 5.0;
  spec.length = 2.0;
  spec.every = 0.5;
  spec.dt = 0.01;
  spec.members = 37;
  spec.starts = 3;
  spec.start_interval = 1.0;
  spec.block_size = 256;
  spec.law = {0.1, false, 11};
  return spec;
}

void expect_same_bits(const TwinExperimentResult& a, const TwinExperimentResult& b) {
  EXPECT_EQ(a.truth, b.truth);
  EXPECT_EQ(a.ens_mean, b.ens_mean);
  EXPECT_EQ(a.ens_spread, b.ens_spread);
  ASSERT_EQ(a.scores.size(), b.scores.size());
  for (std::size_t k = 0; k < a.scores.size(); ++k) {
    EXPECT_EQ(a.scores[k].rmse(), b.scores[k].rmse());
    EXPECT_EQ(a.scores[k].crps(), b.scores[k].crps());
    EXPECT_EQ(a.scores[k].crps_fair(), b.scores[k].crps_fair());
    EXPECT_EQ(a.scores[k].ssr(), b.scores[k].ssr());
    EXPECT_EQ(a.scores[k].rank_histogram(), b.scores[k].rank_histogram());
  }
}

TEST(TwinExperiment, BitIdenticalForAnyThreadsAndBlockSize) {
  const ModelRun run = lorenz96();
  TwinExperimentSpec spec = small_spec();
  ThreadPool one(1), two(2);
  const TwinExperimentResult reference = run_twin_experiment(*run.stepper, run.state, spec, one);
  for (std::size_t block : {1u, 5u, 8u, 13u, 64u}) {
    spec.block_size = block;
    expect_same_bits(reference, run_twin_experiment(*run.stepper, run.state, spec, two));
  }
}

TEST(TwinExperiment, LeadZeroMatchesTheErrorLaw) {
  // At lead 0: spread ~ amplitude and ensemble-mean error ~ amplitude sqrt(1 + 1/M).
  const ModelRun run = lorenz96();
  TwinExperimentSpec spec = small_spec();
  spec.members = 50;
  spec.starts = 40;
  ThreadPool pool(2);
  const TwinExperimentResult r = run_twin_experiment(*run.stepper, run.state, spec, pool);
  EXPECT_EQ(r.times, 5u);
  EXPECT_DOUBLE_EQ(r.lead_times[4], 2.0);
  EXPECT_NEAR(r.scores[0].spread(), 0.1, 0.003);
  EXPECT_NEAR(r.scores[0].rmse(), 0.1 * std::sqrt(1.0 + 1.0 / 50), 0.004);
  // Saturation level from the truth's climatology: std 3.6 for N = 40, F = 8
  // (Lorenz & Emanuel 1998, J. Atmos. Sci. 55, 399).
  EXPECT_NEAR(r.climatological_std, 3.6, 0.15);
  EXPECT_DOUBLE_EQ(r.saturation_rmse, r.climatological_std * std::sqrt(1.0 + 1.0 / 50));
  EXPECT_EQ(r.start_times.size(), 40u);
  EXPECT_DOUBLE_EQ(r.start_times[1] - r.start_times[0], 1.0);
}

// Ranks of the truth among the members for variables 0, 10, 20, 30 of every
// start at output `time`: far-apart variables and starts are nearly independent.
std::vector<std::size_t> sampled_ranks(const ModelRun& run, const TwinExperimentSpec& spec,
                                       std::size_t time, TwinExperimentResult* result) {
  std::map<std::size_t, std::vector<std::vector<double>>> members;  // start -> var -> values
  ThreadPool pool(2);
  *result = run_twin_experiment(
      *run.stepper, run.state, spec, pool,
      [&](std::size_t k, std::size_t s, const std::vector<EnsembleBlock>& blocks) {
        if (k != time) return;
        auto& values = members[s];
        values.assign(4, {});
        for (const auto& block : blocks) {
          for (std::size_t m = 0; m < block.members(); ++m) {
            for (std::size_t j = 0; j < 4; ++j) values[j].push_back(block.at(10 * j, m));
          }
        }
      });
  std::vector<std::size_t> ranks;
  for (const auto& [s, values] : members) {
    for (std::size_t j = 0; j < 4; ++j) {
      const double truth = result->truth[result->field_index(time, s, 10 * j)];
      std::size_t below = 0;
      for (double x : values[j]) below += x < truth;
      ranks.push_back(below);
    }
  }
  return ranks;
}

double chi_square(const std::vector<std::size_t>& ranks, std::size_t bins) {
  std::vector<double> counts(bins, 0.0);
  for (std::size_t r : ranks) counts[r] += 1.0;
  const double expected = double(ranks.size()) / double(bins);
  double chi2 = 0;
  for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

// Chi-square critical value for 9 degrees of freedom at p = 0.001 (Abramowitz & Stegun,
// Table 26.8).
constexpr double kChi2Critical9 = 27.877;

TEST(TwinExperiment, PerfectModelIsCalibrated) {
  // Lorenz-96 twin experiment, M = 9 members, 250 starts 5 time units apart:
  // the truth is statistically one more member, so its rank is uniform on 0..9
  // and the spread-skill ratio is 1 (Fortin et al. 2014).
  const ModelRun run = lorenz96();
  TwinExperimentSpec spec = small_spec();
  spec.members = 9;
  spec.starts = 250;
  spec.start_interval = 5.0;
  spec.length = 4.0;
  spec.every = 0.2;
  spec.law = {0.05, false, 2024};
  TwinExperimentResult r;
  for (std::size_t time : {5u, 10u, 20u}) {  // leads 1, 2 and 4
    const auto ranks = sampled_ranks(run, spec, time, &r);
    ASSERT_EQ(ranks.size(), 1000u);
    EXPECT_LT(chi_square(ranks, 10), kChi2Critical9) << "lead " << r.lead_times[time];
  }
  for (std::size_t k = 3; k < r.times; ++k) {
    EXPECT_NEAR(r.scores[k].ssr(), 1.0, 0.1) << "lead " << r.lead_times[k];
  }
  EXPECT_NEAR(r.scores[0].outlier_rate(), 0.2, 0.03);  // 2/(M+1)
}

TEST(TwinExperiment, MiscentredEnsembleFailsTheCalibrationChecks) {
  // Negative control: members drawn around the truth itself (no analysis error)
  // are over-dispersive at first: the same checks must reject them.
  const ModelRun run = lorenz96();
  TwinExperimentSpec spec = small_spec();
  spec.members = 9;
  spec.length = 1.0;
  spec.every = 0.2;
  const std::size_t starts = 250, n = 40;
  // Truth states: a spun-up trajectory sampled every 5 time units.
  std::vector<double> x = run.state;
  run.stepper->advance(std::span<double>(x), 0.0, 2000, 0.01);
  std::vector<double> truth, members;
  for (std::size_t s = 0; s < starts; ++s) {
    run.stepper->advance(std::span<double>(x), 0.0, 500, 0.01);
    truth.insert(truth.end(), x.begin(), x.end());
    EnsembleBlock block(n, spec.members, 0);
    fill_members({0.05, false, 5}, static_cast<std::uint32_t>(s), x, block);
    for (std::size_t m = 0; m < spec.members; ++m) {
      for (std::size_t v = 0; v < n; ++v) members.push_back(block.at(v, m));
    }
  }
  spec.initial_truth = truth;
  spec.initial_members = members;
  TwinExperimentResult r;
  const auto ranks = sampled_ranks(run, spec, 0, &r);
  EXPECT_GT(chi_square(ranks, 10), kChi2Critical9);
  EXPECT_GT(r.scores[0].ssr(), 2.5);  // sqrt((M+1)/M) sqrt(M) = sqrt(10) ~ 3.2
}

// dx/dt = x^2: x(t) = x0 / (1 - x0 t) blows up at t = 1/x0 when x0 > 0 and
// decays when x0 < 0. Members with large positive x0 diverge; the rest do not.
struct BlowUp {
  static constexpr std::string_view name = "blow_up";
  static constexpr std::string_view summary = "test system";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 0> parameters{};
  explicit BlowUp(const ParameterValues<0>&) {}
  std::size_t dimension() const { return 1; }
  void default_state(std::span<double> x) const { x[0] = -1.0; }
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = x[0] * x[0];
  }
};

TEST(TwinExperiment, DivergedMembersAreReportedAndLeftOut) {
  const ExplicitRkStepper<BlowUp, ClassicRk4Tableau> stepper(BlowUp({}));
  const std::vector<double> state{-1.0};
  TwinExperimentSpec spec = small_spec();
  spec.spinup = 0.0;
  spec.starts = 1;
  spec.members = 40;
  spec.length = 4.0;
  spec.every = 1.0;
  spec.law = {1.5, false, 3};
  std::vector<double> initial(40);
  std::vector<std::vector<double>> at_time(5);
  ThreadPool pool(2);
  const TwinExperimentResult r = run_twin_experiment(
      stepper, state, spec, pool,
      [&](std::size_t k, std::size_t, const std::vector<EnsembleBlock>& blocks) {
        for (std::size_t m = 0; m < 40; ++m) at_time[k].push_back(blocks[0].at(0, m));
      });
  // Every member that started above 1 (blow-up before lead 1) must be reported,
  // none that started below 0; the reported ones are left out of the mean.
  std::map<std::uint64_t, double> diverged;
  for (const DivergedMember& d : r.diverged) diverged[d.member] = d.lead;
  ASSERT_FALSE(diverged.empty());
  EXPECT_EQ(r.diverged_by_start[0], diverged.size());
  for (std::size_t m = 0; m < 40; ++m) {
    const double x0 = at_time[0][m];
    if (x0 > 1.0) {
      EXPECT_TRUE(diverged.count(m)) << "member " << m << " x0 " << x0;
      if (diverged.count(m)) {
        EXPECT_LE(diverged[m], 1.0);
      }
    }
    if (x0 < 0.0) {
      EXPECT_FALSE(diverged.count(m)) << "member " << m;
    }
  }
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t m = 0; m < 40; ++m) {
    if (!diverged.count(m)) {
      sum += at_time[4][m];
      ++count;
    }
  }
  EXPECT_NEAR(r.ens_mean[r.field_index(4, 0, 0)], sum / count, 1e-12);
  EXPECT_EQ(r.scores[4].rank_histogram_skipped(), 1u);  // fewer than M members at that point
}

TEST(TwinExperiment, InconsistentSpecsAreUsageErrors) {
  const ModelRun run = lorenz96(8);
  ThreadPool pool(1);
  const auto error = [&](auto change) {
    TwinExperimentSpec spec = small_spec();
    change(spec);
    try {
      check_twin_experiment(spec, 8);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error([](auto& s) { s.members = 1; }), "ensemble.members must be >= 2, got 1");
  EXPECT_EQ(error([](auto& s) { s.dt = 0.0; }), "integrator.dt must be > 0, got 0");
  EXPECT_EQ(error([](auto& s) { s.every = 0.015; }),
            "output.every = 0.015 is not a whole multiple of integrator.dt = 0.01");
  EXPECT_EQ(error([](auto& s) { s.length = 1.25; }),
            "run.length = 1.25 is not a whole multiple of output.every = 0.5");
  EXPECT_EQ(error([](auto& s) { s.start_interval = 0.005; }),
            "ensemble.start_interval = 0.005 is not a whole multiple of integrator.dt = 0.01");
  EXPECT_EQ(error([](auto& s) { s.block_size = 0; }), "run.block_size must be >= 1, got 0");
}

}  // namespace
}  // namespace butterfly
