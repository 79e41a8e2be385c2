// Lyapunov spectra (Benettin/QR) against published spectra, closed forms (phase-space
// contraction, Hamiltonian pairing) and hand-worked Kaplan-Yorke and KS values.
#include "butterfly/analysis/lyapunov_spectrum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

LyapunovSpectrum spectrum(const std::string& name, const ParameterOverrides& overrides,
                          const LyapunovOptions& options, std::size_t threads = 1) {
  ThreadPool pool(threads);
  return lyapunov_spectrum(make_system(name, overrides), options, pool);
}

// Lorenz-63 at sigma = 10, rho = 28, beta = 8/3 (Lorenz 1963).
LyapunovOptions lorenz63_options() {
  LyapunovOptions o;
  o.dt = 0.01;
  o.transient = 50.0;
  o.length = 1000.0;
  o.renormalise_every = 10;
  o.replicas = 8;
  return o;
}

TEST(LyapunovSpectrum, Lorenz63MatchesSprott) {
  // Sprott, Chaos and Time-Series Analysis (Oxford UP 2003), Appendix A (Lorenz
  // attractor): exponents (0.9056, 0, -14.5723), D_KY = 2.0621; also Sprott's page
  // "Lyapunov exponent of the Lorenz attractor" (RK4, dt = 0.001, t > 10^6):
  // (0.906, 0, -14.572), D_KY = 2.062. Our RK4 bias at dt = 0.01 is O(dt^4 lambda^5)
  // ~ 1e-4, far below the statistical error.
  // Tolerance: 5 standard errors of the mean over 8 replicas (Student t with 7
  // degrees of freedom: P(|t| > 5) = 0.0016), and the standard error itself must be
  // small (run length 1000: about 0.003 for lambda_1), so a loose run cannot pass.
  const LyapunovSpectrum s = spectrum("lorenz63", {}, lorenz63_options());
  ASSERT_EQ(s.k(), 3u);
  const double published[3] = {0.9056, 0.0, -14.5723};
  for (int i : {0, 2}) {
    EXPECT_LT(s.standard_error[i], 0.01) << "exponent " << i + 1;
    EXPECT_NEAR(s.exponents[i], published[i], 5.0 * s.standard_error[i]) << "exponent " << i + 1;
  }
  // The zero exponent (the flow direction) has a bias of order log(|f(x_T)| / |f(x_0)|) / T
  // that the replicas do not average away: |lambda_2| < 0.01 at T = 1000.
  EXPECT_NEAR(s.exponents[1], 0.0, 0.01);
  EXPECT_NEAR(s.kaplan_yorke_dimension, 2.0621, 5.0 * s.kaplan_yorke_dimension_error + 1e-4);
  EXPECT_NEAR(s.ks_entropy, s.exponents[0] + std::max(0.0, s.exponents[1]), 1e-15);
}

TEST(LyapunovSpectrum, Lorenz63SumIsTheJacobianTrace) {
  // Closed form: the exponents sum to the mean phase-space contraction rate, the
  // trace of the Jacobian, -(sigma + 1 + beta) = -13.6667 for Lorenz-63, constant
  // on the whole phase space. The RK4 map's Jacobian determinant matches
  // exp(dt trace) to O(dt^5) per step, so the sum matches to O(dt^4) ~ 1e-4 here,
  // whatever the run length: a short run suffices.
  LyapunovOptions o = lorenz63_options();
  o.length = 100.0;
  o.replicas = 2;
  const LyapunovSpectrum s = spectrum("lorenz63", {}, o);
  EXPECT_NEAR(sum(s.exponents), -(10.0 + 1.0 + 8.0 / 3.0), 1e-3);
  // Other parameters, same identity: sigma = 16, rho = 45.92, beta = 4 (Wolf et al.
  // 1985): trace -21.
  const LyapunovSpectrum w =
      spectrum("lorenz63", {{"sigma", 16.0}, {"rho", 45.92}, {"beta", 4.0}}, o);
  EXPECT_NEAR(sum(w.exponents), -21.0, 2e-3);
}

TEST(LyapunovSpectrum, Lorenz96LeadingExponentAndKaplanYorkeDimension) {
  // Lorenz-96, N = 40, F = 8: leading exponent about 1.7 and Kaplan-Yorke dimension
  // about 27 (Karimi & Paul, "Extensive chaos in the Lorenz-96 model", Chaos 20,
  // 043105 (2010), arXiv:0906.3496; Lorenz & Emanuel, J. Atmos. Sci. 55, 399 (1998):
  // error doubling time about 0.4). Our long run (8 replicas x T = 2000, dt = 0.01)
  // gives lambda_1 = 1.674 +- 0.004 and D_KY = 27.05 +- 0.01. This run is short
  // (2 replicas x T = 500, under a second): the tolerances (lambda_1 within 0.12 of
  // 1.7, D_KY within 0.5 of 27) cover its finite-time spread (about 0.04 and 0.05
  // between seeds) yet fail for a wrong time unit, log base, or an off-by-one in j.
  LyapunovOptions o;
  o.dt = 0.01;
  o.transient = 50.0;
  o.length = 500.0;
  o.renormalise_every = 10;
  o.replicas = 2;
  const LyapunovSpectrum s = spectrum("lorenz96", {}, o, 2);
  ASSERT_EQ(s.k(), 40u);
  EXPECT_NEAR(s.exponents[0], 1.7, 0.12);
  EXPECT_NEAR(s.kaplan_yorke_dimension, 27.0, 0.5);
  // Closed form: the trace of the Jacobian is -N everywhere, so the exponents sum
  // to -40 (to O(dt^4)).
  EXPECT_NEAR(sum(s.exponents), -40.0, 1e-3);
  // One exponent is exactly zero for a flow (the direction f(x) neither grows nor
  // shrinks on average); its finite-time estimate is within 0.02 of zero.
  double smallest = 1e300;
  for (double e : s.exponents) smallest = std::min(smallest, std::abs(e));
  EXPECT_LT(smallest, 0.02);
}

LyapunovOptions henon_heiles_options() {
  LyapunovOptions o;
  o.dt = 0.01;
  o.transient = 100.0;
  o.length = 2000.0;
  o.replicas = 2;
  return o;
}

TEST(LyapunovSpectrum, HenonHeilesChaoticAndRegularOrbits) {
  // Henon & Heiles (1964), Astron. J. 69, 73, Figs. 3-5: at E = 1/12 the surface of
  // section is filled with invariant curves (regular orbits, all exponents zero);
  // at E = 1/8 a large chaotic sea, where the default orbit (x, y, py) = (0, -0.2, 0)
  // lies. A regular orbit's finite-time exponents decay like log(T) / T (0.0017 at
  // T = 2000, measured); the chaotic orbit's leading exponent stays near 0.05.
  const LyapunovSpectrum chaotic =
      spectrum("henon_heiles", {{"energy", 0.125}}, henon_heiles_options());
  const LyapunovSpectrum regular =
      spectrum("henon_heiles", {{"energy", 1.0 / 12.0}}, henon_heiles_options());
  EXPECT_GT(chaotic.exponents[0], 0.02);
  EXPECT_LT(std::abs(regular.exponents[0]), 0.005);
  EXPECT_GT(chaotic.exponents[0], 10.0 * regular.exponents[0]);

  // A Hamiltonian flow's spectrum is symmetric, lambda_i = -lambda_{n+1-i}
  // (symplectic pairing: Benettin, Galgani, Giorgilli & Strelcyn, "Lyapunov
  // characteristic exponents for smooth dynamical systems and for Hamiltonian
  // systems", Part 1, Meccanica 15, 9 (1980)). RK4 is symplectic up to its O(dt^5)
  // local error and the pairing of QR-based finite-time exponents is asymptotic:
  // on the chaotic orbit 1e-4 covers both for the outer pair (measured ~1e-6). The
  // middle pair (energy and flow directions) is zero, and on the regular orbit all
  // four are; their finite-time estimates are O(log(T) / T) each, unpaired.
  ASSERT_EQ(chaotic.k(), 4u);
  EXPECT_NEAR(chaotic.exponents[0], -chaotic.exponents[3], 1e-4);
  EXPECT_NEAR(chaotic.exponents[1], 0.0, 0.005);
  EXPECT_NEAR(chaotic.exponents[2], 0.0, 0.005);
  ASSERT_EQ(regular.k(), 4u);
  for (double e : regular.exponents) EXPECT_NEAR(e, 0.0, 0.005);
  // Liouville: the flow preserves volume (trace of the Jacobian 0), so the sum is
  // zero up to the RK4 map's O(dt^4) volume error.
  EXPECT_NEAR(sum(chaotic.exponents), 0.0, 1e-6);
  EXPECT_NEAR(sum(regular.exponents), 0.0, 1e-6);
}

TEST(LyapunovSpectrum, ReplicasAreBitIdenticalForAnyThreadCount) {
  // DESIGN invariant 3: each replica is one task keyed by (seed, replica id).
  LyapunovOptions o;
  o.dt = 0.01;
  o.transient = 5.0;
  o.length = 20.0;
  o.replicas = 3;
  o.finite_time = true;
  const ParameterOverrides ten{{"n", 10.0}};
  const LyapunovSpectrum one = spectrum("lorenz96", ten, o, 1);
  const LyapunovSpectrum two = spectrum("lorenz96", ten, o, 2);
  EXPECT_EQ(one.by_replica, two.by_replica);
  EXPECT_EQ(one.finite_time, two.finite_time);
  EXPECT_EQ(one.exponents, two.exponents);
  // Replica r does not depend on how many replicas run either.
  o.replicas = 2;
  const LyapunovSpectrum fewer = spectrum("lorenz96", ten, o, 2);
  EXPECT_TRUE(std::equal(fewer.by_replica.begin(), fewer.by_replica.end(), one.by_replica.begin()));
  // And the replicas differ from each other (independent starts).
  EXPECT_NE(one.by_replica[0], one.by_replica[10]);
}

TEST(LyapunovSpectrum, RenormalisationIntervalChangesOnlyRounding) {
  // The QR of a product is the product of the QRs (M2 M1 Q0 = M2 Q1 R1 = Q2 R2 R1,
  // diag(R2 R1) = diag(R2) diag(R1)), and the state never sees the vectors, so in
  // exact arithmetic the exponents do not depend on the renormalisation interval.
  // The brief asks for agreement within the statistical error; it holds far
  // tighter, to round-off.
  LyapunovOptions o = lorenz63_options();
  o.length = 200.0;
  o.replicas = 3;
  o.renormalise_every = 10;
  const LyapunovSpectrum base = spectrum("lorenz63", {}, o);
  for (std::size_t every : {1u, 40u}) {
    o.renormalise_every = every;
    const LyapunovSpectrum s = spectrum("lorenz63", {}, o);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_LT(std::abs(s.exponents[i] - base.exponents[i]), base.standard_error[i]);
      EXPECT_NEAR(s.exponents[i], base.exponents[i], 1e-9) << "every " << every;
    }
  }
}

TEST(LyapunovSpectrum, FiniteTimeExponentsAverageToTheExponents) {
  // lambda_i = mean over equal intervals of log R_ii / interval, by definition.
  LyapunovOptions o = lorenz63_options();
  o.length = 50.0;
  o.replicas = 2;
  o.finite_time = true;
  const LyapunovSpectrum s = spectrum("lorenz63", {}, o);
  ASSERT_EQ(s.intervals, 500u);
  ASSERT_EQ(s.finite_time.size(), 2u * 500u * 3u);
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t j = 0; j < 3; ++j) {
      double mean = 0.0;
      for (std::size_t i = 0; i < s.intervals; ++i) mean += s.finite_time[(r * 500 + i) * 3 + j];
      mean /= 500.0;
      EXPECT_NEAR(mean, s.by_replica[r * 3 + j], 1e-10);
    }
  }
}

TEST(LyapunovSpectrum, LeadingExponentsAreTheFullSpectrumsFirst) {
  // The first k columns of a QR depend only on the first k columns of the matrix,
  // and the frame's first k columns are the same draws: k = 2 gives the first two
  // of the full spectrum exactly.
  LyapunovOptions o = lorenz63_options();
  o.length = 20.0;
  o.replicas = 1;
  const LyapunovSpectrum all = spectrum("lorenz63", {}, o);
  o.exponents = 2;
  const LyapunovSpectrum two = spectrum("lorenz63", {}, o);
  ASSERT_EQ(two.k(), 2u);
  EXPECT_NEAR(two.exponents[0], all.exponents[0], 1e-12);
  EXPECT_NEAR(two.exponents[1], all.exponents[1], 1e-12);
  EXPECT_TRUE(std::isnan(two.standard_error[0]));  // one replica: no error bar
}

TEST(KaplanYorkeDimension, HandWorkedSpectra) {
  // D_KY = j + S_j / |lambda_{j+1}| (Kaplan & Yorke 1979), worked by hand:
  // (0.9, 0, -14.5): S = 0.9, 0.9, -13.6 -> j = 2, D = 2 + 0.9 / 14.5.
  EXPECT_DOUBLE_EQ(kaplan_yorke_dimension(std::vector<double>{0.9, 0.0, -14.5}), 2.0 + 0.9 / 14.5);
  // Order does not matter (sorted first).
  EXPECT_DOUBLE_EQ(kaplan_yorke_dimension(std::vector<double>{-14.5, 0.9, 0.0}), 2.0 + 0.9 / 14.5);
  // (1, 0.5, -0.2, -2): S = 1, 1.5, 1.3, -0.7 -> j = 3, D = 3 + 1.3 / 2 = 3.65.
  EXPECT_DOUBLE_EQ(kaplan_yorke_dimension(std::vector<double>{1.0, 0.5, -0.2, -2.0}), 3.65);
  // A stable fixed point: lambda_1 < 0 -> D = 0.
  EXPECT_EQ(kaplan_yorke_dimension(std::vector<double>{-1.0, -2.0}), 0.0);
  // Partial sums never negative: the full dimension for a complete spectrum
  // (volume-preserving), undetermined (NaN) for a truncated one.
  EXPECT_EQ(kaplan_yorke_dimension(std::vector<double>{0.5, 0.0, -0.5}), 3.0);
  EXPECT_TRUE(std::isnan(kaplan_yorke_dimension(std::vector<double>{0.5, 0.1}, false)));
  // Exactly zero partial sum counts as >= 0: (1, -1, -1) -> j = 2, D = 2 + 0 / 1.
  EXPECT_DOUBLE_EQ(kaplan_yorke_dimension(std::vector<double>{1.0, -1.0, -1.0}), 2.0);
}

TEST(KolmogorovSinaiEntropy, SumOfPositiveExponents) {
  // Pesin (1977): h_KS = sum of the positive exponents, by hand.
  EXPECT_DOUBLE_EQ(kolmogorov_sinai_entropy(std::vector<double>{1.0, 0.5, -0.2, -2.0}), 1.5);
  EXPECT_EQ(kolmogorov_sinai_entropy(std::vector<double>{0.0, -1.0}), 0.0);
  EXPECT_EQ(kolmogorov_sinai_entropy(std::vector<double>{-1.0, -2.0}), 0.0);
}

TEST(LyapunovOptions, BadInputNamesTheOption) {
  const auto message = [](LyapunovOptions o) {
    try {
      check_lyapunov_options(o, 3);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  LyapunovOptions o;
  o.exponents = 4;
  EXPECT_NE(message(o).find("--k"), std::string::npos);
  o = {};
  o.dt = 0.0;
  EXPECT_NE(message(o).find("--dt"), std::string::npos);
  o = {};
  o.dt = std::nan("");
  EXPECT_NE(message(o).find("--dt"), std::string::npos);
  o = {};
  o.transient = 0.015;  // not a whole number of dt = 0.01
  EXPECT_NE(message(o).find("--transient"), std::string::npos);
  o = {};
  o.renormalise_every = 0;
  EXPECT_NE(message(o).find("--renormalise-every"), std::string::npos);
  o = {};
  o.length = 0.1;  // not longer than 10 x 0.01
  EXPECT_NE(message(o).find("--length"), std::string::npos);
  o = {};
  o.length = 10.05;  // not whole intervals
  EXPECT_NE(message(o).find("--length"), std::string::npos);
  o = {};
  o.replicas = 0;
  EXPECT_NE(message(o).find("--replicas"), std::string::npos);
  o = {};
  EXPECT_EQ(message(o), "no error");
  const LyapunovPlan plan = check_lyapunov_options(o, 3);
  EXPECT_EQ(plan.exponents, 3u);
  EXPECT_EQ(plan.transient_steps, 10000u);
  EXPECT_EQ(plan.intervals, 10000u);
}

TEST(LyapunovSpectrum, BlowUpNamesTheReplicaAndTime) {
  // RK4 at dt = 0.5 is unstable on Lorenz-63 (|R(dt mu)| > 1 for mu ~ -22): the
  // state overflows and the run stops with a RuntimeError naming replica and time.
  LyapunovOptions o;
  o.dt = 0.5;
  o.transient = 0.0;
  o.length = 500.0;
  o.renormalise_every = 1;
  o.replicas = 1;
  try {
    spectrum("lorenz63", {}, o);
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("replica 0"), std::string::npos) << what;
    EXPECT_NE(what.find("t = "), std::string::npos) << what;
  }
  o.transient = 100.0;  // now the shared spin-up blows up first
  EXPECT_THROW(spectrum("lorenz63", {}, o), RuntimeError);
}

}  // namespace
}  // namespace butterfly
