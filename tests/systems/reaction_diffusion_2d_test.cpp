// ReactionDiffusion2D: the Stuart-Landau closed form of the uniform oscillation, a spiral
// rotating with a stable period, sustained defect chaos in the chaos preset (told apart by
// the defect count and the finite-time growth of a small perturbation), the stability hook,
// parameter validation and conformance-style checks of the generic (Dual, Pack) rhs.
#include "butterfly/systems/reaction_diffusion_2d.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/core/simd_pack.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {
namespace {

constexpr std::size_t L = kSpectralLanes;

ParameterValues<8> with(std::initializer_list<std::pair<std::string_view, double>> overrides) {
  ParameterValues<8> values = default_values(ReactionDiffusion2D::parameters);
  for (const auto& [key, value] : overrides) {
    bool found = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (ReactionDiffusion2D::parameters[i].name == key) {
        values[i] = value;
        found = true;
      }
    }
    EXPECT_TRUE(found) << key;
  }
  return values;
}

// The spectral state of one physical state (u then v) in every lane.
std::vector<Complex> to_spectral(const ReactionDiffusion2D& s, const std::vector<double>& x) {
  const SpectralGrid& g = s.grid();
  std::vector<Complex> spectral(2 * g.modes() * L);
  std::vector<double> physical(g.points() * L);
  for (std::size_t f = 0; f < 2; ++f) {
    for (std::size_t p = 0; p < g.points(); ++p) {
      for (std::size_t l = 0; l < L; ++l) physical[p * L + l] = x[f * g.points() + p];
    }
    g.forward(physical.data(), spectral.data() + f * g.modes() * L);
  }
  return spectral;
}

// Physical u and v of every lane: out[l][f * points + p].
std::vector<std::vector<double>> to_physical(const ReactionDiffusion2D& s,
                                             std::vector<Complex> spectral) {
  const SpectralGrid& g = s.grid();
  std::vector<std::vector<double>> out(L, std::vector<double>(2 * g.points()));
  std::vector<double> physical(g.points() * L);
  for (std::size_t f = 0; f < 2; ++f) {
    g.inverse(spectral.data() + f * g.modes() * L, physical.data());
    for (std::size_t p = 0; p < g.points(); ++p) {
      for (std::size_t l = 0; l < L; ++l) out[l][f * g.points() + p] = physical[p * L + l];
    }
  }
  return out;
}

// Integrating-factor RK4 (Lawson 1967; the "IFRK4" of Kassam & Trefethen 2005, SIAM J. Sci.
// Comput. 26, 1214) on lane-interleaved spectral states: classic RK4 for
// v = exp(-L t) u, with E = exp(L dt / 2).
class IntegratingFactorRk4 {
 public:
  IntegratingFactorRk4(const ReactionDiffusion2D& s, double dt) : s_(s), dt_(dt) {
    for (const Complex symbol : s.linear()) half_.push_back(std::exp(symbol * (dt / 2.0)));
  }
  void step(std::vector<Complex>& u) const {
    const std::size_t n = u.size();
    std::vector<Complex> k1(n), k2(n), k3(n), k4(n), a(n);
    const auto e = [&](std::size_t i) { return half_[i / L]; };
    s_.nonlinear(u.data(), k1.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) a[i] = e(i) * (u[i] + dt_ / 2.0 * k1[i]);
    s_.nonlinear(a.data(), k2.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) a[i] = e(i) * u[i] + dt_ / 2.0 * k2[i];
    s_.nonlinear(a.data(), k3.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) a[i] = e(i) * e(i) * u[i] + dt_ * e(i) * k3[i];
    s_.nonlinear(a.data(), k4.data(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      u[i] = e(i) * e(i) * u[i] +
             dt_ / 6.0 * (e(i) * e(i) * k1[i] + 2.0 * e(i) * (k2[i] + k3[i]) + k4[i]);
    }
  }

 private:
  const ReactionDiffusion2D& s_;
  double dt_;
  std::vector<Complex> half_;
};

// Phase defects: grid plaquettes around which the phase of A = u + i v winds by +-2 pi
// (the topological charge of the spiral cores; Aranson & Kramer 2002, sec. II.H).
int defects(const ReactionDiffusion2D& s, const std::vector<double>& x) {
  const SpectralGrid& g = s.grid();
  const std::size_t nx = g.nx(), ny = g.ny(), points = g.points();
  const auto phase = [&](std::size_t i, std::size_t j) {
    const std::size_t p = (j % ny) * nx + (i % nx);
    return std::atan2(x[points + p], x[p]);
  };
  const auto wrap = [](double d) { return std::remainder(d, 2.0 * std::numbers::pi); };
  int count = 0;
  for (std::size_t j = 0; j < ny; ++j) {
    for (std::size_t i = 0; i < nx; ++i) {
      const double a = phase(i, j), b = phase(i + 1, j), c = phase(i + 1, j + 1),
                   d = phase(i, j + 1);
      const double winding =
          (wrap(b - a) + wrap(c - b) + wrap(d - c) + wrap(a - d)) / (2.0 * std::numbers::pi);
      count += std::abs(static_cast<int>(std::lround(winding)));
    }
  }
  return count;
}

// A deterministic, grid-scale pattern for perturbing lane 1.
std::vector<Complex> perturbation(const ReactionDiffusion2D& s, double size) {
  std::vector<double> x(s.dimension());
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = size * std::sin(1.3 * std::pow(static_cast<double>(i), 1.1));
  }
  return to_spectral(s, x);
}

double lane_distance(const std::vector<Complex>& u, std::size_t a, std::size_t b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < u.size(); i += L) sum += std::norm(u[i + a] - u[i + b]);
  return std::sqrt(sum);
}

// What a run measures: up-crossing times of u at (nx/4, ny/4), defect counts once per time
// unit, and the log-distance between lane 0 and lane 1 (perturbed by 1e-8 at t = 20).
struct Measured {
  std::vector<double> crossings, times, log_distance;
  std::vector<int> defect_counts;
};

Measured run(const ReactionDiffusion2D& s, double t_end) {
  const double dt = 0.2;  // the spiral's mean periods agree with dt = 0.1 to 1e-4
  const SpectralGrid& g = s.grid();
  std::vector<double> x(s.dimension());
  s.default_state(x);
  std::vector<Complex> u = to_spectral(s, x);
  const IntegratingFactorRk4 stepper(s, dt);
  const std::size_t probe = (g.ny() / 4) * g.nx() + g.nx() / 4;
  Measured r;
  double previous = x[probe];
  std::vector<double> field0(g.points() * L);
  std::vector<Complex> copy(g.modes() * L);
  const std::size_t steps = static_cast<std::size_t>(std::lround(t_end / dt));
  for (std::size_t k = 1; k <= steps; ++k) {
    stepper.step(u);
    const double t = dt * static_cast<double>(k);
    std::copy(u.begin(), u.begin() + static_cast<long>(copy.size()), copy.begin());
    g.inverse(copy.data(), field0.data());
    const double value = field0[probe * L];
    if (previous < 0.0 && value >= 0.0) r.crossings.push_back(t - dt * value / (value - previous));
    previous = value;
    if (k == 100) {  // t = 20: lane 1 = lane 0 + a small perturbation
      const std::vector<Complex> p = perturbation(s, 1e-8);
      for (std::size_t i = 0; i < u.size(); i += L) u[i + 1] = u[i] + p[i];
    }
    if (k % 5 == 0 && k >= 100) {  // once per time unit from t = 20
      r.times.push_back(t);
      r.log_distance.push_back(std::log(lane_distance(u, 0, 1)));
      r.defect_counts.push_back(defects(s, to_physical(s, u)[0]));
    }
  }
  return r;
}

// Mean period of the crossings in [t0, t1).
double mean_period(const std::vector<double>& crossings, double t0, double t1) {
  std::vector<double> in;
  for (double c : crossings) {
    if (c >= t0 && c < t1) in.push_back(c);
  }
  EXPECT_GE(in.size(), 4u);
  return (in.back() - in.front()) / static_cast<double>(in.size() - 1);
}

// Finite-time growth rate of the lane 0 - lane 1 distance between t0 and t1.
double growth_rate(const Measured& r, double t0, double t1) {
  const auto at = [&](double t) {
    const auto it = std::find_if(r.times.begin(), r.times.end(),
                                 [&](double s) { return std::abs(s - t) < 1e-6; });
    EXPECT_NE(it, r.times.end()) << t;
    return r.log_distance[static_cast<std::size_t>(it - r.times.begin())];
  };
  return (at(t1) - at(t0)) / (t1 - t0);
}

TEST(ReactionDiffusion2D, UniformOscillationFollowsTheStuartLandauClosedForm) {
  // A uniform state obeys A' = A - (1 + i beta) |A|^2 A: r^2 = 1 / (1 + c e^{-2t}) with
  // c = 1 / r0^2 - 1 and theta = theta0 - (beta / 2) ln((e^{2t} + c) / (1 + c)) (closed form:
  // the Stuart-Landau oscillator r' = r - r^3, theta' = -beta r^2). Generic RK4 on the rhs.
  const double beta = 1.3, r0 = 0.3, theta0 = 0.4;
  const ReactionDiffusion2D s(with({{"nx", 8}, {"ny", 8}, {"beta", beta}}));
  const std::size_t n = s.dimension(), points = s.grid().points();
  std::vector<double> x(n), work(5 * n);
  for (std::size_t p = 0; p < points; ++p) {
    x[p] = r0 * std::cos(theta0);
    x[points + p] = r0 * std::sin(theta0);
  }
  const double dt = 0.005;
  for (std::size_t k = 0; k < 1000; ++k) {
    explicit_rk_step<ClassicRk4Tableau>(s, x.data(), k * dt, dt, work.data(), n);
  }
  const double t = 5.0, c = 1.0 / (r0 * r0) - 1.0;
  const double r = 1.0 / std::sqrt(1.0 + c * std::exp(-2.0 * t));
  const double theta = theta0 - beta / 2.0 * std::log((std::exp(2.0 * t) + c) / (1.0 + c));
  for (std::size_t p = 0; p < points; ++p) {
    EXPECT_NEAR(x[p], r * std::cos(theta), 1e-9);
    EXPECT_NEAR(x[points + p], r * std::sin(theta), 1e-9);
  }
}

TEST(ReactionDiffusion2D, SpiralPresetRotatesWithAStablePeriod) {
  // The source's spiral (Rudy et al. 2017: beta = 1, d = 0.1, 20 x 20) settles into rotating
  // spirals: the period of u at a fixed point agrees over two windows to 1%, lies above the
  // uniform oscillation's 2 pi / beta (the emitted waves have frequency beta (1 - q^2)), the
  // four cores (two spirals, two antispirals on the torus) persist, and a small perturbation
  // neither grows nor decays (neutral phase and translation modes): growth rate ~ 0.
  // Independent implementation: `bench/peers/reaction_diffusion_2d_numpy.py --period` (the
  // same scheme on the complex field A in numpy) gives 6.913570 and 6.916711.
  const ReactionDiffusion2D s(default_values(ReactionDiffusion2D::parameters));
  const Measured r = run(s, 100.0);
  const double first = mean_period(r.crossings, 30.0, 65.0);
  const double second = mean_period(r.crossings, 65.0, 100.0);
  EXPECT_NEAR(first / second, 1.0, 0.01) << first << " vs " << second;
  EXPECT_NEAR(second, 6.916711, 1e-4 * 6.916711);
  EXPECT_GT(second, 2.0 * std::numbers::pi);
  EXPECT_LT(second, 1.2 * 2.0 * std::numbers::pi);
  for (std::size_t k = 0; k < r.times.size(); ++k) {
    if (r.times[k] >= 30.0) {
      EXPECT_EQ(r.defect_counts[k], 4) << "t = " << r.times[k];
    }
  }
  EXPECT_LT(std::abs(growth_rate(r, 40.0, 100.0)), 0.02);
}

TEST(ReactionDiffusion2D, ChaosPresetSustainsDefectChaos) {
  // beta = 2.5 (CGL b = 0, c = 2.5, the largest of Cross & Greenside's demonstration values;
  // numpy runs of the same scheme break the spirals up for beta >= 1.75) turns the same
  // spirals into defect chaos: many defects whose number keeps changing, and a small
  // perturbation grows (positive finite-time Lyapunov exponent), unlike the spiral preset.
  const ReactionDiffusion2D s(with({{"preset", 1}}));
  EXPECT_EQ(s.beta(), 2.5);
  const Measured r = run(s, 60.0);
  double mean = 0.0;
  int low = 1 << 30, high = 0;
  for (int count : r.defect_counts) {
    mean += count;
    low = std::min(low, count);
    high = std::max(high, count);
  }
  mean /= static_cast<double>(r.defect_counts.size());
  EXPECT_GT(mean, 10.0);
  EXPECT_GE(high - low, 6);
  EXPECT_GT(r.defect_counts.back(), 4);
  EXPECT_GT(growth_rate(r, 30.0, 60.0), 0.05);
}

TEST(ReactionDiffusion2D, LinearPartIsTheDiffusionOfEachField) {
  const ReactionDiffusion2D s(with({{"d1", 0.3}, {"d2", 0.05}, {"lx", 10.0}}));
  const SpectralGrid& g = s.grid();
  const std::span<const Complex> symbol = s.linear();
  ASSERT_EQ(symbol.size(), 2 * g.modes());
  for (std::size_t q = 0; q < g.modes(); ++q) {
    EXPECT_EQ(symbol[q], Complex(-0.3 * g.k2(q), 0.0));
    EXPECT_EQ(symbol[g.modes() + q], Complex(-0.05 * g.k2(q), 0.0));
  }
}

TEST(ReactionDiffusion2D, CheckDtEnforcesTheReactionLimit) {
  const ReactionDiffusion2D spiral(default_values(ReactionDiffusion2D::parameters));
  const ReactionDiffusion2D chaos(with({{"preset", 1}}));
  // 4 / (1 + 2 sqrt(1 + beta^2)); ETDRK4 runs of the chaos preset blow up from dt = 0.7 on.
  EXPECT_NEAR(spiral.stability_limit(), 4.0 / (1.0 + 2.0 * std::sqrt(2.0)), 1e-15);
  EXPECT_NEAR(chaos.stability_limit(), 4.0 / (1.0 + 2.0 * std::sqrt(7.25)), 1e-15);
  EXPECT_NO_THROW(chaos.check_dt(ReactionDiffusion2D::default_dt));
  EXPECT_NO_THROW(spiral.check_dt(0.8));
  try {
    chaos.check_dt(0.8);
    ADD_FAILURE() << "dt = 0.8 accepted for beta = 2.5";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("integrator.dt:", 0), 0u) << e.what();
  }
}

TEST(ReactionDiffusion2D, RejectsParametersItCannotRun) {
  const auto rejects = [](std::initializer_list<std::pair<std::string_view, double>> p,
                          std::string_view key) {
    try {
      ReactionDiffusion2D s(with(p));
      ADD_FAILURE() << "accepted " << key;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("system." + std::string(key) + ":", 0), 0u) << e.what();
    }
  };
  rejects({{"nx", 7}}, "nx");
  rejects({{"ny", 6}}, "ny");
  rejects({{"ly", 0.0}}, "ly");
  rejects({{"d1", -0.1}}, "d1");
  rejects({{"d2", -1e-3}}, "d2");
  rejects({{"preset", 2}}, "preset");
  rejects({{"preset", 1}, {"beta", 2.0}}, "beta");
  EXPECT_NO_THROW(ReactionDiffusion2D(with({{"beta", 2.0}})));
}

// Taylor test (as tests/systems/conformance_test.cpp): the remainder of the linearisation
// of the rhs, ||f(x + eps v) - f(x) - eps J v||, must fall as eps^2.
TEST(ReactionDiffusion2D, ConformsToTheSystemContract) {
  for (double preset : {0.0, 1.0}) {
    SCOPED_TRACE(preset);
    const ReactionDiffusion2D s(with({{"preset", preset}, {"nx", 32}, {"ny", 32}}));
    const std::size_t n = s.dimension();
    std::vector<double> x(n), work(5 * n);
    s.default_state(x);
    for (std::size_t k = 0; k < 40; ++k) {  // a short run of the generic path
      explicit_rk_step<ClassicRk4Tableau>(s, x.data(), k * 0.05, 0.05, work.data(), n);
    }
    for (double value : x) ASSERT_TRUE(std::isfinite(value));
    std::vector<double> weights(n);
    s.norm_weights(weights);  // integral of u^2 + v^2: weights sum to twice the area
    double area = 0.0;
    for (double w : weights) area += w;
    EXPECT_NEAR(area, 2.0 * 400.0, 1e-10);

    std::vector<double> v(n), f0(n), jv(n), f1(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(1.7 * static_cast<double>(i + 1) + 0.3);
    jvp(s, x, v, 0.0, f0, jv);
    std::vector<double> remainders;
    for (double eps : {1e-2, 1e-3, 1e-4}) {
      std::vector<double> xe = x;
      for (std::size_t i = 0; i < n; ++i) xe[i] += eps * v[i];
      s.rhs(xe.data(), f1.data(), 0.0);
      double r = 0;
      for (std::size_t i = 0; i < n; ++i) r += std::pow(f1[i] - f0[i] - eps * jv[i], 2);
      remainders.push_back(std::sqrt(r));
    }
    EXPECT_NEAR(std::log10(remainders[0] / remainders[1]), 2.0, 0.1);
    EXPECT_NEAR(std::log10(remainders[1] / remainders[2]), 2.0, 0.2);

    // Pack lanes: four different states at once give each state's double rhs bit for bit.
    std::vector<Pack> xp(n), fp(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t l = 0; l < kPackWidth; ++l) xp[i][l] = x[i] + 0.1 * l * v[i];
    }
    s.rhs(xp.data(), fp.data(), 0.0);
    for (std::size_t l = 0; l < kPackWidth; ++l) {
      std::vector<double> xl(n), fl(n);
      for (std::size_t i = 0; i < n; ++i) xl[i] = xp[i][l];
      s.rhs(xl.data(), fl.data(), 0.0);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(fp[i][l], fl[i]) << "lane " << l;
    }
  }
}

}  // namespace
}  // namespace butterfly
