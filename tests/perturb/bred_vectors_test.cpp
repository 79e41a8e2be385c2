// Bred vectors on Lorenz-96 against the leading backward Lyapunov vector and the leading
// exponent of the same trajectory (an independent tangent-linear computation), plus the
// norms, member independence and the error contract.
#include "butterfly/perturb/bred_vectors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "butterfly/analysis/lyapunov_spectrum.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

constexpr double kDt = 0.01;
constexpr std::size_t kStepsPerCycle = 5;  // cycle length 0.05
constexpr double kReferenceLead = 50.0;    // the Benettin frame's head start

double angle(std::span<const double> a, std::span<const double> b) {
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return std::acos(std::min(1.0, std::abs(ab) / std::sqrt(aa * bb)));
}

// Lorenz-96 (N = 40, F = 8) carried 50 time units from its default state: the start
// of the Benettin reference; breeding starts kReferenceLead later on the same trajectory.
struct Lorenz96Setup {
  AnySystem any = make_system("lorenz96", {});
  std::unique_ptr<EnsembleStepper> stepper = make_stepper(any, "rk4");
  std::vector<double> reference_start = std::vector<double>(40);
  std::vector<double> control = std::vector<double>(40);

  Lorenz96Setup() {
    std::get<Lorenz96>(any).default_state(reference_start);
    stepper->advance(std::span<double>(reference_start), 0.0, 5000, kDt);
    control = reference_start;
    stepper->advance(std::span<double>(control), 0.0, 5000, kDt);
  }
};

// The leading backward Lyapunov vector at the end of `cycles` breeding cycles: the
// first column of the Benettin/QR frame (lyapunov_replica, k = 1), started
// kReferenceLead earlier on the same trajectory, with its finite-time exponents per
// cycle. Returns (frame, finite-time exponents of the breeding cycles).
std::pair<std::vector<double>, std::vector<double>> leading_backward_vector(
    const Lorenz96Setup& setup, std::size_t cycles, std::vector<double>* end_state = nullptr) {
  LyapunovPlan plan;
  plan.dimension = 40;
  plan.exponents = 1;
  plan.dt = kDt;
  plan.every = kStepsPerCycle;
  plan.transient_steps = static_cast<std::size_t>(kReferenceLead / kDt);
  plan.intervals = cycles;
  plan.finite_time = true;
  std::vector<double> x = setup.reference_start, frame(40, 1.0);
  const LyapunovReplica r = lyapunov_replica(std::get<Lorenz96>(setup.any), std::span<double>(x),
                                             std::span<double>(frame), 0.0, plan, 0);
  if (end_state) *end_state = x;
  return {frame, r.finite_time};
}

BreedingOptions options(std::size_t cycles, double amplitude) {
  BreedingOptions o;
  o.cycles = cycles;
  o.cycle_length = static_cast<double>(kStepsPerCycle) * kDt;
  o.dt = kDt;
  o.amplitude = amplitude;
  return o;
}

TEST(BredVectors, AlignWithTheLeadingBackwardLyapunovVector) {
  // Bred vectors of small amplitude are the leading Lyapunov vector: breeding is the
  // power method of the tangent-linear propagator with a finite-difference model
  // (Toth & Kalnay, Mon. Wea. Rev. 125, 3297 (1997); Kalnay, Atmospheric
  // Modeling, Data Assimilation and Predictability (CUP 2003), Sec. 6.5; E. Kalnay's
  // slides "Bred vectors and Lyapunov vectors": "BVs with infinitesimal amplitude are
  // identical to leading LVs"). The misalignment decays like exp(-(lambda_1 - lambda_2) t)
  // (lambda_1 - lambda_2 ~ 0.15 for N = 40, F = 8), so the angle to the Benettin frame's
  // first column (aligned 50 time units earlier) shrinks with the cycles: from a random
  // angle (~ pi/2 in 40 dimensions) to under 0.01 rad after 1000 cycles (T = 50).
  const Lorenz96Setup setup;
  const std::vector<double> weights(40, 1.0);
  double previous = 10.0;
  for (std::size_t cycles : {2u, 100u, 400u, 1000u}) {
    SCOPED_TRACE(cycles);
    const BredVectors bred = breed_vectors(*setup.stepper, setup.control, kReferenceLead,
                                           options(cycles, 1e-6), weights);
    std::vector<double> end_state;
    const auto [blv, unused] = leading_backward_vector(setup, cycles, &end_state);
    // Same trajectory: the stepper's RK4 and propagate_tangents' value part.
    for (std::size_t i = 0; i < 40; ++i) ASSERT_NEAR(bred.control[i], end_state[i], 1e-9);
    const double a = angle(bred.bred, blv);
    EXPECT_LT(a, previous) << cycles << " cycles";
    previous = a;
    if (cycles == 2) {
      EXPECT_GT(a, 0.5);
    }
    if (cycles == 1000) {
      EXPECT_LT(a, 0.01);
    }
  }
  // Plus/minus pairs breed the same direction: d = (x+ - x-) / 2 removes the even
  // (quadratic) part of the nonlinear growth.
  BreedingOptions paired = options(1000, 1e-6);
  paired.pairs = true;
  const BredVectors pair =
      breed_vectors(*setup.stepper, setup.control, kReferenceLead, paired, weights);
  EXPECT_LT(angle(pair.bred, leading_backward_vector(setup, 1000).first), 0.01);
}

TEST(BredVectors, GrowthRateApproachesTheLeadingExponentForSmallAmplitudes) {
  // The growth rate per cycle log(|d| / A) / cycle_length of a small bred vector is the
  // finite-time exponent of the leading Lyapunov vector over that cycle (Toth & Kalnay
  // 1997): compare it, averaged over the last 1000 of 2000 cycles (T = 50),
  // with the Benettin finite-time exponents of the same cycles on the same trajectory
  // (an independent, tangent-linear computation): within 0.01 at A = 1e-6. Its mean
  // is the leading exponent, about 1.7 for N = 40, F = 8 (Karimi & Paul, Chaos 20,
  // 043105 (2010); our long run: 1.674 +- 0.004), within 0.2 over T = 50. At a finite
  // amplitude near the attractor's size (|d| = 20, against the distance sqrt(2 N) sigma
  // ~ 32 of two independent states, sigma ~ 3.6) the growth saturates: measured 0.74,
  // well below lambda_1 (1.37 at |d| = 10, 0.13 at |d| = 30).
  const Lorenz96Setup setup;
  const std::vector<double> weights(40, 1.0);
  const std::size_t cycles = 2000, half = cycles / 2;
  const auto [blv, finite_time] = leading_backward_vector(setup, cycles);
  double benettin = 0.0;
  for (std::size_t c = half; c < cycles; ++c) benettin += finite_time[c] / half;

  const auto mean_growth = [&](double amplitude) {
    const BredVectors bred = breed_vectors(*setup.stepper, setup.control, kReferenceLead,
                                           options(cycles, amplitude), weights);
    double mean = 0.0;
    for (std::size_t c = half; c < cycles; ++c) mean += bred.growth_rates[c] / half;
    return mean;
  };
  const double small = mean_growth(1e-6);
  EXPECT_NEAR(small, benettin, 0.01);
  EXPECT_NEAR(small, 1.7, 0.2);
  const double large = mean_growth(20.0);
  EXPECT_LT(large, 0.6 * small);
}

TEST(BredVectors, VectorsAreIndependentMembers) {
  // DESIGN invariant 3: vector j is keyed by (seed, j) and stepped in its own lane, so
  // its numbers do not depend on how many vectors are bred; the seeds differ.
  const Lorenz96Setup setup;
  const std::vector<double> weights(40, 1.0 / 40.0);  // rms norm
  BreedingOptions o = options(20, 0.1);
  const BredVectors one = breed_vectors(*setup.stepper, setup.control, 0.0, o, weights);
  o.vectors = 5;
  const BredVectors five = breed_vectors(*setup.stepper, setup.control, 0.0, o, weights);
  ASSERT_EQ(five.bred.size(), 5u * 40u);
  ASSERT_EQ(five.growth_rates.size(), 5u * 20u);
  EXPECT_TRUE(std::equal(one.bred.begin(), one.bred.end(), five.bred.begin()));
  EXPECT_TRUE(
      std::equal(one.growth_rates.begin(), one.growth_rates.end(), five.growth_rates.begin()));
  EXPECT_EQ(one.control, five.control);
  EXPECT_NE(five.bred[0], five.bred[40]);
  // Every bred vector has the amplitude in the chosen norm (here rms).
  for (std::size_t j = 0; j < 5; ++j) {
    EXPECT_NEAR(weighted_norm(std::span<const double>(five.bred).subspan(j * 40, 40), weights), 0.1,
                1e-12);
  }
  EXPECT_NEAR(five.end_time(), 20 * 0.05, 1e-12);
}

TEST(BredVectors, NormsAndBadInput) {
  const AnySystem l96 = make_system("lorenz96", {{"n", 10.0}});
  EXPECT_EQ(breeding_norm_weights(l96, BreedingNorm::euclidean), std::vector<double>(10, 1.0));
  EXPECT_EQ(breeding_norm_weights(l96, BreedingNorm::rms), std::vector<double>(10, 0.1));
  EXPECT_EQ(parse_breeding_norm("rms"), BreedingNorm::rms);
  const auto usage = [](auto&& f) {
    try {
      f();
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Lorenz-96 defines no energy norm (no norm_weights hook).
  EXPECT_NE(usage([&] { breeding_norm_weights(l96, BreedingNorm::energy); }).find("--norm"),
            std::string::npos);
  EXPECT_NE(usage([] { parse_breeding_norm("enstrophy"); }).find("--norm"), std::string::npos);
  BreedingOptions o;
  EXPECT_EQ(usage([&] { check_breeding_options(o); }), "no error");
  o.cycles = 0;
  EXPECT_EQ(usage([&] { check_breeding_options(o); }), "--cycles: must be at least 1, got 0");
  o = {};
  o.amplitude = -1.0;
  EXPECT_NE(usage([&] { check_breeding_options(o); }).find("--amplitude"), std::string::npos);
  o = {};
  o.cycle_length = 0.015;
  EXPECT_NE(usage([&] { check_breeding_options(o); }).find("--cycle-length"), std::string::npos);
  o = {};
  o.vectors = 0;
  EXPECT_NE(usage([&] { check_breeding_options(o); }).find("--vectors"), std::string::npos);
}

TEST(BredVectors, BlowUpNamesTheCycle) {
  // RK4 at dt = 0.5 is unstable on Lorenz-96 (|R(dt mu)| > 1): the run stops with a
  // RuntimeError naming the time, not NaN growth rates.
  const AnySystem l96 = make_system("lorenz96", {});
  const auto stepper = make_stepper(l96, "rk4");
  std::vector<double> control(40, 8.0);
  control[0] += 0.01;
  BreedingOptions o;
  o.dt = 0.5;
  o.cycle_length = 0.5;
  o.cycles = 200;
  EXPECT_THROW(breed_vectors(*stepper, control, 0.0, o, std::vector<double>(40, 1.0)),
               RuntimeError);
}

}  // namespace
}  // namespace butterfly
