// SPPT: the pattern's variance, time and space correlation against the AR(1) / Gaussian
// closed forms (statistical tests over many members, tolerances stated), its statelessness,
// and the stepper's bits: independent of blocks, threads and advance() splits, and
// sigma = 0 giving the inner stepper's bits (DESIGN invariant 3).
#include "butterfly/perturb/sppt_stepper.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {
namespace {

SpptSettings settings(double sigma, double tau, double length, std::uint64_t seed = 11) {
  SpptSettings s;
  s.sigma = sigma;
  s.tau = tau;
  s.length = length;
  s.seed = seed;
  return s;
}

TEST(SpptPattern, StatelessValuesEqualTheWalk) {
  // A cursor walked step by step (crossing several anchors) and the stateless evaluation at
  // each step give the same bits: the pattern is a pure function of (seed, member, step).
  const SpptPattern pattern(settings(0.4, 0.1, 2.0), 12, 0.01);
  ASSERT_GT(pattern.anchor_spacing(), 1u);
  SpptPattern::Cursor cursor(pattern, 5, 997);
  std::vector<double> r(12);
  for (int k = 0; k < 3 * static_cast<int>(pattern.anchor_spacing()) + 2; ++k) {
    pattern.values(5, cursor.step(), r.data());
    for (std::size_t i = 0; i < 12; ++i) ASSERT_EQ(r[i], cursor.values()[i]) << "step " << k;
    cursor.next();
  }
  // Different members and seeds get different patterns.
  std::vector<double> other(12);
  pattern.values(6, cursor.step(), other.data());
  pattern.values(5, cursor.step(), r.data());
  EXPECT_NE(r, other);
}

// Second moments of r over `members` members x all sites, at lags 0, l1, l2 steps after the
// start step n0 (sites are independent when length = 0).
struct Moments {
  double var = 0, c1 = 0, c2 = 0;
};
Moments moments(const SpptPattern& pattern, std::size_t members, std::int64_t n0, int l1, int l2) {
  const std::size_t n = pattern.sites();
  double s00 = 0, s01 = 0, s02 = 0;
  std::vector<double> r0(n);
  for (std::size_t m = 0; m < members; ++m) {
    SpptPattern::Cursor cursor(pattern, m, n0);
    r0.assign(cursor.values(), cursor.values() + n);
    for (int k = 1; k <= l2; ++k) {
      cursor.next();
      for (std::size_t i = 0; i < n; ++i) {
        if (k == l1) s01 += r0[i] * cursor.values()[i];
        if (k == l2) s02 += r0[i] * cursor.values()[i];
      }
    }
    for (std::size_t i = 0; i < n; ++i) s00 += r0[i] * r0[i];
  }
  const double count = static_cast<double>(members * n);
  return {s00 / count, s01 / s00, s02 / s00};
}

TEST(SpptPattern, VarianceAndAutocorrelationAreAr1) {
  // sigma = 0.1 (clipping at 10 sigma: never), tau = 10 dt. Expected: Var r = sigma^2,
  // Corr(r(n), r(n + l)) = exp(-l dt / tau): 1/e at l = tau, 1/e^2 at l = 2 tau (the AR(1) /
  // Ornstein-Uhlenbeck covariance; Buizza et al. 1999 and Palmer et al. 2009 use this
  // first-order autoregressive time correlation). 2000 members x 16 independent sites =
  // 32000 samples: standard errors sqrt(2/32000) = 0.8% for the variance, (1 - rho^2) /
  // sqrt(32000) = 0.005 (l = tau) and 0.0055 (l = 2 tau) for the correlations; tolerances are
  // 4.5 standard errors. Three start steps put the start at different offsets inside the
  // bridge between anchors (P = 14 here), where a wrong bridge would show as a variance dip.
  const double sigma = 0.1;
  const SpptPattern pattern(settings(sigma, 0.1, 0.0), 16, 0.01);
  EXPECT_EQ(pattern.anchor_spacing(), 14u);
  for (std::int64_t n0 : {1008, 1015, 1021}) {
    SCOPED_TRACE("n0 = " + std::to_string(n0));
    const Moments mo = moments(pattern, 2000, n0, 10, 20);
    EXPECT_NEAR(mo.var / (sigma * sigma), 1.0, 0.036);
    EXPECT_NEAR(mo.c1, std::exp(-1.0), 0.023);
    EXPECT_NEAR(mo.c2, std::exp(-2.0), 0.025);
  }
}

TEST(SpptPattern, ShortDecorrelationTimes) {
  // tau = dt / 2 (P = 4): Corr at one step is exp(-2) = 0.135 and at two steps exp(-4) =
  // 0.018; tau = dt / 20 (P = 1, every step an anchor of a one-term window): white, Corr at
  // one step exp(-20) = 2e-9. 1000 members x 16 sites; tolerances 4.5 standard errors.
  const SpptPattern half(settings(0.1, 0.005, 0.0), 16, 0.01);
  EXPECT_EQ(half.anchor_spacing(), 4u);
  const Moments mo = moments(half, 1000, 41, 1, 2);
  EXPECT_NEAR(mo.var / 0.01, 1.0, 0.05);
  EXPECT_NEAR(mo.c1, std::exp(-2.0), 0.035);
  EXPECT_NEAR(mo.c2, std::exp(-4.0), 0.036);
  const SpptPattern white(settings(0.1, 0.0005, 0.0), 16, 0.01);
  EXPECT_EQ(white.anchor_spacing(), 1u);
  EXPECT_EQ(white.anchor_window(), 1u);
  const Moments mw = moments(white, 1000, 41, 1, 2);
  EXPECT_NEAR(mw.var / 0.01, 1.0, 0.05);
  EXPECT_NEAR(mw.c1, 0.0, 0.036);
  EXPECT_NEAR(mw.c2, 0.0, 0.036);
}

TEST(SpptPattern, ClippingKeepsOnePlusRInZeroToTwo) {
  // sigma = 0.5: r = clip(0.5 z, -1, 1), so |r| <= 1 and E r^2 = sigma^2 [(2 Phi(c) - 1) -
  // 2 c phi(c)] + 2 (1 - Phi(c)) with c = 1/sigma = 2 (moments of a clipped normal, from
  // E[z^2; |z| < c] = 2 Phi(c) - 1 - 2 c phi(c)) = 0.230134 (scipy.stats.norm). 2000 members x 16
  // sites: the standard error of the mean of r^2 is below 0.0016; tolerance 0.008.
  const double sigma = 0.5, c = 2.0;
  const double pdf = std::exp(-0.5 * c * c) / std::sqrt(2.0 * M_PI);
  const double cdf = 0.5 * std::erfc(-c / std::sqrt(2.0));
  const double expected = sigma * sigma * ((2.0 * cdf - 1.0) - 2.0 * c * pdf) + 2.0 * (1.0 - cdf);
  EXPECT_NEAR(expected, 0.230134, 1e-6);
  const SpptPattern pattern(settings(sigma, 0.1, 0.0), 16, 0.01);
  std::vector<double> r(16);
  double sum = 0;
  std::size_t clipped = 0;
  for (std::uint64_t m = 0; m < 2000; ++m) {
    pattern.values(m, 500, r.data());
    for (double x : r) {
      ASSERT_LE(std::abs(x), 1.0);
      clipped += std::abs(x) == 1.0;
      sum += x * x;
    }
  }
  EXPECT_NEAR(sum / 32000.0, expected, 0.008);
  EXPECT_GT(clipped, 0u);  // P(|z| > 2) = 4.6%: about 1500 of them
}

TEST(SpptPattern, SpatialCorrelationIsGaussianOnTheRing) {
  // length L = 3 on a ring of 40 sites: the wrapped-Gaussian kernel's circular
  // autocorrelation is exp(-d^2 / (2 L^2)) up to lattice and wrap effects (0.6065 at d = L,
  // 0.1353 at d = 2 L), and the sample correlation over 1000 members x 40 sites matches the
  // exact value (spatial_correlation) within 0.04 (sites L apart are correlated, so the
  // effective sample is about 1000 x 40 / 6: standard error about 0.006 at d = L).
  const double sigma = 0.1;
  const SpptPattern pattern(settings(sigma, 0.1, 3.0), 40, 0.01);
  EXPECT_NEAR(pattern.spatial_correlation(0), 1.0, 1e-14);
  EXPECT_NEAR(pattern.spatial_correlation(3), std::exp(-0.5), 0.005);
  EXPECT_NEAR(pattern.spatial_correlation(6), std::exp(-2.0), 0.005);
  EXPECT_NEAR(pattern.spatial_correlation(37), pattern.spatial_correlation(3), 1e-14);
  std::vector<double> r(40);
  double s00 = 0, s03 = 0, s06 = 0;
  for (std::uint64_t m = 0; m < 1000; ++m) {
    pattern.values(m, 321, r.data());
    for (std::size_t i = 0; i < 40; ++i) {
      s00 += r[i] * r[i];
      s03 += r[i] * r[(i + 3) % 40];
      s06 += r[i] * r[(i + 6) % 40];
    }
  }
  EXPECT_NEAR(s00 / 40000.0 / (sigma * sigma), 1.0, 0.06);  // smoothing keeps the variance
  EXPECT_NEAR(s03 / s00, pattern.spatial_correlation(3), 0.04);
  EXPECT_NEAR(s06 / s00, pattern.spatial_correlation(6), 0.04);
  // length = 0: independent sites.
  const SpptPattern white(settings(sigma, 0.1, 0.0), 40, 0.01);
  EXPECT_EQ(white.spatial_correlation(0), 1.0);
  EXPECT_EQ(white.spatial_correlation(1), 0.0);
}

// Lorenz-96 on 8 sites with RK4, members spread around its default state.
struct Fixture {
  AnySystem system = make_system("lorenz96", {{"n", 8.0}});
  std::size_t n = 8;

  void fill(EnsembleBlock& block) const {
    for (std::size_t m = 0; m < block.stride(); ++m) {
      for (std::size_t v = 0; v < n; ++v) {
        block.at(v, m) = 8.0 + 0.1 * std::sin(double(v) + 0.37 * double(block.first_member() + m));
      }
    }
  }
  // Members 0..members-1 in blocks of block_size, advanced `steps` from t0 in the given
  // advance() splits (which sum to steps); returns [member][var].
  std::vector<double> run(const EnsembleStepper& stepper, std::size_t members,
                          std::size_t block_size, double t0, const std::vector<std::size_t>& splits,
                          double dt, bool threads = false) const {
    std::vector<EnsembleBlock> blocks;
    for (std::size_t first = 0; first < members; first += block_size) {
      blocks.emplace_back(n, std::min(block_size, members - first), first);
      fill(blocks.back());
    }
    ThreadPool pool(threads ? 3 : 1);
    double t = t0;
    for (std::size_t s : splits) {
      pool.parallel_for(blocks.size(),
                        [&](std::size_t b, std::size_t) { stepper.advance(blocks[b], t, s, dt); });
      t += static_cast<double>(s) * dt;
    }
    std::vector<double> out;
    for (const EnsembleBlock& block : blocks) {
      for (std::size_t m = 0; m < block.members(); ++m) {
        for (std::size_t v = 0; v < n; ++v) out.push_back(block.at(v, m));
      }
    }
    return out;
  }
};

TEST(SpptStepper, SigmaZeroIsTheInnerStepperBitForBit) {
  const Fixture f;
  const auto inner = make_stepper(f.system, "rk4");
  const SpptStepper sppt(make_stepper(f.system, "rk4"), settings(0.0, 0.05, 2.0));
  EXPECT_EQ(f.run(sppt, 21, 8, 1.0, {15, 5}, 0.01), f.run(*inner, 21, 8, 1.0, {15, 5}, 0.01));
  std::vector<double> a(8, 8.0), b(8, 8.0);
  a[0] = b[0] = 8.01;
  sppt.advance(std::span<double>(a), 0.0, 50, 0.01);
  inner->advance(std::span<double>(b), 0.0, 50, 0.01);
  EXPECT_EQ(a, b);
}

TEST(SpptStepper, MembersDoNotDependOnBlocksThreadsOrSplits) {
  // 64 members, blocks of 64, 7 and 1, one advance() of 30 steps or 10 + 20 or 30 x 1
  // (which re-seat every cursor mid-bridge), serial or on 3 threads: identical bits.
  const Fixture f;
  const SpptStepper sppt(make_stepper(f.system, "rk4"), settings(0.5, 0.05, 2.0, 3));
  const auto reference = f.run(sppt, 64, 64, 2.0, {30}, 0.01);
  EXPECT_EQ(f.run(sppt, 64, 7, 2.0, {30}, 0.01), reference);
  EXPECT_EQ(f.run(sppt, 64, 1, 2.0, {30}, 0.01), reference);
  EXPECT_EQ(f.run(sppt, 64, 7, 2.0, {10, 20}, 0.01, true), reference);
  EXPECT_EQ(f.run(sppt, 64, 64, 2.0, std::vector<std::size_t>(30, 1), 0.01), reference);
  // ... and the perturbation is real: the unperturbed run differs.
  const auto inner = make_stepper(f.system, "rk4");
  EXPECT_NE(f.run(*inner, 64, 64, 2.0, {30}, 0.01), reference);
  // Another seed gives another ensemble.
  const SpptStepper other(make_stepper(f.system, "rk4"), settings(0.5, 0.05, 2.0, 4));
  EXPECT_NE(f.run(other, 64, 64, 2.0, {30}, 0.01), reference);
}

TEST(SpptStepper, OneStepScalesTheIncrement) {
  // x_1 = M(x_0) + r (M(x_0) - x_0) with r the pattern of (member, step = llround(t0/dt)).
  const Fixture f;
  const SpptSettings s = settings(0.6, 0.05, 1.5, 8);
  const SpptStepper sppt(make_stepper(f.system, "rk4"), s);
  const auto inner = make_stepper(f.system, "rk4");
  EnsembleBlock block(8, 6, 40), plain(8, 6, 40);
  f.fill(block);
  f.fill(plain);
  sppt.advance(block, 0.37, 1, 0.01);
  inner->advance(plain, 0.37, 1, 0.01);
  const SpptPattern pattern(s, 8, 0.01);
  EnsembleBlock start(8, 6, 40);
  f.fill(start);
  std::vector<double> r(8);
  for (std::size_t m = 0; m < 6; ++m) {
    pattern.values(40 + m, 37, r.data());
    for (std::size_t v = 0; v < 8; ++v) {
      const double y = plain.at(v, m), x = start.at(v, m);
      EXPECT_EQ(block.at(v, m), y + r[v] * (y - x));
    }
  }
}

TEST(SpptStepper, TruthIsUnperturbedUnlessAsked) {
  // Default: the truth runs the nominal model (as with perturbed parameters), so a twin
  // experiment measures the cost of model error. perturb_truth: its own pattern, member
  // kTruthMember, making it exchangeable with the members.
  const Fixture f;
  SpptSettings s = settings(0.5, 0.05, 0.0, 2);
  const auto inner = make_stepper(f.system, "rk4");
  const SpptStepper plain_truth(make_stepper(f.system, "rk4"), s);
  s.perturb_truth = true;
  const SpptStepper noisy_truth(make_stepper(f.system, "rk4"), s);
  std::vector<double> a(8, 8.0), b(8, 8.0), c(8, 8.0);
  a[0] = b[0] = c[0] = 8.01;
  plain_truth.advance(std::span<double>(a), 0.0, 40, 0.01);
  inner->advance(std::span<double>(b), 0.0, 40, 0.01);
  EXPECT_EQ(a, b);
  noisy_truth.advance(std::span<double>(c), 0.0, 40, 0.01);
  EXPECT_NE(c, b);
  // The truth's path equals a one-member block of id kTruthMember stepped the same way.
  EnsembleBlock block(8, 1, kTruthMember);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    for (std::size_t v = 0; v < 8; ++v) block.at(v, m) = v == 0 ? 8.01 : 8.0;
  }
  noisy_truth.advance(block, 0.0, 40, 0.01);
  for (std::size_t v = 0; v < 8; ++v) EXPECT_EQ(block.at(v, 0), c[v]);
}

TEST(SpptStepper, BadSettingsNameTheKey) {
  const auto expect_key = [](const SpptSettings& s, const std::string& key) {
    try {
      check_sppt_settings(s);
      ADD_FAILURE() << "no error for " << key;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(key + ":", 0), 0u) << e.what();
    }
  };
  expect_key(settings(-0.1, 0.05, 0.0), "model.sppt_sigma");
  expect_key(settings(0.1, 0.0, 0.0), "model.sppt_tau");
  expect_key(settings(0.1, 0.05, -1.0), "model.sppt_length");
  expect_key(settings(NAN, 0.05, 0.0), "model.sppt_sigma");
  EXPECT_THROW(SpptPattern(settings(0.1, 1e7, 0.0), 4, 1e-2), UsageError);  // tau/dt > 1e8
}

}  // namespace
}  // namespace butterfly
