// Covariant Lyapunov vectors (Ginelli et al.) against closed forms: the eigenvectors and
// eigenvalues of a constant linear flow, the flow direction of an autonomous system, the
// covariance M V_n = V_{n+1} D checked by propagating the vectors independently, and the
// published Lorenz-63 spectrum.
#include "butterfly/analysis/covariant_lyapunov_vectors.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// dx/dt = A x with A = V diag(lambda) V^{-1}, V = [e1, e1 + e2, e1 + e2 + e3] (columns),
// lambda = (0.5, -0.2, -1.0). By hand: V^{-1} = [[1, -1, 0], [0, 1, -1], [0, 0, 1]], so
// A = [[l1, l2 - l1, l3 - l2], [0, l2, l3 - l2], [0, 0, l3]]. Test only.
constexpr std::array<double, 3> kLinearEigenvalues{0.5, -0.2, -1.0};
constexpr std::array<std::array<double, 3>, 3> kLinearMatrix{{
    {0.5, -0.7, -0.8},
    {0.0, -0.2, -0.8},
    {0.0, 0.0, -1.0},
}};
constexpr std::array<std::array<double, 3>, 3> kLinearEigenvectors{{
    {1.0, 0.0, 0.0},
    {1.0, 1.0, 0.0},
    {1.0, 1.0, 1.0},
}};

class LinearTestSystem {
 public:
  static constexpr std::string_view name = "linear_test";
  static constexpr std::string_view summary = "dx/dt = A x with a constant 3 x 3 matrix A";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 0> parameters{};

  explicit LinearTestSystem(const ParameterValues<0>& /*p*/) {}
  std::size_t dimension() const { return 3; }
  // The fixed point x = 0: the tangent dynamics is A everywhere anyway.
  void default_state(std::span<double> x) const {
    for (double& v : x) v = 0.0;
  }
  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    for (std::size_t i = 0; i < 3; ++i) {
      dxdt[i] =
          kLinearMatrix[i][0] * x[0] + kLinearMatrix[i][1] * x[1] + kLinearMatrix[i][2] * x[2];
    }
  }
};
static_assert(DynamicalSystem<LinearTestSystem>);

double abs_cosine(std::span<const double> a, std::span<const double> b) {
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return std::abs(ab) / std::sqrt(aa * bb);
}

double angle(std::span<const double> a, std::span<const double> b) {
  return std::acos(std::min(1.0, abs_cosine(a, b)));
}

TEST(CovariantLyapunovVectors, LinearFlowGivesTheEigenvectorsAndEigenvalues) {
  // The closed form's own check: A v_j = lambda_j v_j.
  for (std::size_t j = 0; j < 3; ++j) {
    for (std::size_t i = 0; i < 3; ++i) {
      double av = 0.0;
      for (std::size_t l = 0; l < 3; ++l) av += kLinearMatrix[i][l] * kLinearEigenvectors[j][l];
      ASSERT_DOUBLE_EQ(av, kLinearEigenvalues[j] * kLinearEigenvectors[j][i]);
    }
  }
  // For constant A the covariant Lyapunov vectors are A's eigenvectors and the
  // exponents the real parts of its eigenvalues (Ginelli et al. 2013: the
  // Oseledets splitting of a constant linear flow is its eigenspace splitting). The
  // RK4 map is the polynomial P(dt A), P(z) = 1 + z + z^2/2 + z^3/6 + z^4/24: same
  // eigenvectors, growth rates log P(dt lambda) / dt exactly in every interval.
  const LinearTestSystem system(default_values(LinearTestSystem::parameters));
  ClvOptions o;
  o.dt = 0.01;
  o.transient = 50.0;  // the slowest convergence is exp(-0.7 t): 1e-15 after 50
  o.length = 5.0;
  o.backward_transient = 50.0;
  o.renormalise_every = 10;
  const std::vector<double> start(3, 0.0);
  const CovariantLyapunovVectors clvs = covariant_lyapunov_vectors(system, start, 0.0, o);
  ASSERT_EQ(clvs.k, 3u);
  ASSERT_EQ(clvs.kept(), 50u);
  EXPECT_NEAR(clvs.start, 50.0, 1e-12);
  EXPECT_NEAR(clvs.times.back(), 55.0, 1e-12);
  for (std::size_t j = 0; j < 3; ++j) {
    const double z = o.dt * kLinearEigenvalues[j];
    const double rk4 =
        std::log(1.0 + z + z * z / 2.0 + z * z * z / 6.0 + z * z * z * z / 24.0) / o.dt;
    for (std::size_t m = 0; m < clvs.kept(); ++m) {
      EXPECT_GT(abs_cosine(clvs.vector(m, j), kLinearEigenvectors[j]), 1.0 - 1e-12)
          << "vector " << j << " at " << m;
      EXPECT_NEAR(clvs.growth_rates[m * 3 + j], rk4, 1e-10);
    }
    EXPECT_NEAR(clvs.exponents[j], rk4, 1e-10);
    EXPECT_NEAR(clvs.exponents[j], kLinearEigenvalues[j], 1e-8);  // the flow's, to O(dt^4)
  }
  // The eigenvectors are not orthogonal (unlike the QR frame): angle(v1, v2) = pi/4,
  // angle(v1, v3) = acos(1 / sqrt 3), angle(v2, v3) = acos(sqrt(2/3)).
  const std::vector<double> a12 = clv_angles(clvs, 0, 1), a13 = clv_angles(clvs, 0, 2),
                            a23 = clv_angles(clvs, 1, 2);
  ASSERT_EQ(a12.size(), clvs.kept());
  for (std::size_t m = 0; m < clvs.kept(); ++m) {
    EXPECT_NEAR(a12[m], std::numbers::pi / 4.0, 1e-9);
    EXPECT_NEAR(a13[m], std::acos(1.0 / std::sqrt(3.0)), 1e-9);
    EXPECT_NEAR(a23[m], std::acos(std::sqrt(2.0 / 3.0)), 1e-9);
  }
}

TEST(CovariantLyapunovVectors, KeepEveryThinsTheStoredVectorsOnly) {
  // Keeping every 5th set stores the same vectors at those times; the growth rates
  // are kept for every interval either way.
  const LinearTestSystem system(default_values(LinearTestSystem::parameters));
  ClvOptions o;
  o.transient = 20.0;
  o.length = 5.0;
  o.backward_transient = 20.0;
  const std::vector<double> start(3, 0.0);
  const CovariantLyapunovVectors all = covariant_lyapunov_vectors(system, start, 0.0, o);
  o.keep_every = 5;
  const CovariantLyapunovVectors thin = covariant_lyapunov_vectors(system, start, 0.0, o);
  ASSERT_EQ(thin.kept(), 10u);
  EXPECT_EQ(thin.growth_rates, all.growth_rates);
  for (std::size_t m = 0; m < thin.kept(); ++m) {
    EXPECT_DOUBLE_EQ(thin.times[m], all.times[5 * m + 4]);
    for (std::size_t j = 0; j < 3; ++j) {
      const auto a = thin.vector(m, j), b = all.vector(5 * m + 4, j);
      EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
    }
  }
}

TEST(CovariantLyapunovVectors, Lorenz63GrowthRatesFlowDirectionAndCovariance) {
  ClvOptions o;
  o.dt = 0.01;
  o.transient = 50.0;
  o.length = 1000.0;
  o.backward_transient = 50.0;
  o.renormalise_every = 10;
  const AnySystem any = make_system("lorenz63", {});
  const Lorenz63& system = std::get<Lorenz63>(any);
  const CovariantLyapunovVectors clvs = covariant_lyapunov_vectors(any, o);
  ASSERT_EQ(clvs.k, 3u);
  ASSERT_EQ(clvs.kept(), 10000u);

  // Independent of the backward sweep: propagate each CLV over one interval with the
  // tangent-linear RK4 (propagate_tangents) and measure its norm growth. Covariance:
  // M_n v_j(t_n) is parallel to v_j(t_{n+1}) (the defining property, Ginelli et al. 2007).
  std::array<double, 3> mean_growth{};
  double worst_covariance = 0.0, worst_rate = 0.0;
  const std::size_t steps = o.renormalise_every, pairs = clvs.kept() - 1;
  for (std::size_t m = 0; m < pairs; ++m) {
    std::vector<double> x(clvs.states.begin() + static_cast<std::ptrdiff_t>(m * 3),
                          clvs.states.begin() + static_cast<std::ptrdiff_t>(m * 3 + 3));
    std::vector<double> v(clvs.vectors.begin() + static_cast<std::ptrdiff_t>(m * 9),
                          clvs.vectors.begin() + static_cast<std::ptrdiff_t>(m * 9 + 9));
    propagate_tangents<ClassicRk4Tableau>(system, std::span<double>(x), std::span<double>(v),
                                          clvs.times[m], steps, o.dt);
    for (std::size_t j = 0; j < 3; ++j) {
      const std::span<const double> mv(v.data() + j * 3, 3);
      const double norm = std::sqrt(mv[0] * mv[0] + mv[1] * mv[1] + mv[2] * mv[2]);
      const double rate = std::log(norm) / clvs.interval;
      mean_growth[j] += rate / static_cast<double>(pairs);
      worst_covariance = std::max(worst_covariance, angle(mv, clvs.vector(m + 1, j)));
      // The sweep's own growth rate of interval m + 1 (from t_m to t_{m+1}).
      worst_rate = std::max(worst_rate, std::abs(rate - clvs.growth_rates[(m + 1) * 3 + j]));
    }
  }
  EXPECT_LT(worst_covariance, 1e-7);
  EXPECT_LT(worst_rate, 1e-7);

  // Sprott, Chaos and Time-Series Analysis (Oxford UP 2003), Appendix A: (0.9056, 0,
  // -14.5723), as in lyapunov_spectrum_test.cpp. A single run of T = 1000 has a
  // finite-time spread of about 0.009 for lambda_1 (8 replicas gave a standard error
  // of 0.003 there): 0.05 is 5 of those. The time average of a CLV's growth differs
  // from the QR exponent only by boundary terms O(1/T). lambda_3 = trace - lambda_1 -
  // lambda_2 inherits the same spread. The neutral CLV's growth telescopes to
  // log(|f(x_T)| / |f(x_0)|) / T: within 0.01 of 0.
  EXPECT_NEAR(mean_growth[0], 0.9056, 0.05);
  EXPECT_NEAR(mean_growth[1], 0.0, 0.01);
  EXPECT_NEAR(mean_growth[2], -14.5723, 0.05);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(clvs.exponents[j], mean_growth[j], 0.01) << "exponent " << j + 1;
  }
  // The exponents sum to the trace -(sigma + 1 + beta) to O(dt^4) plus O(1/T) boundary
  // terms of the CLV growth rates.
  EXPECT_NEAR(clvs.exponents[0] + clvs.exponents[1] + clvs.exponents[2], -(11.0 + 8.0 / 3.0), 0.01);

  // Closed form: for an autonomous flow the CLV of the zero exponent is the flow
  // direction f(x) (M(t) f(x_0) = f(x_t) exactly; the RK4 map's neutral direction is
  // its modified vector field, f + O(dt^4)). Within 1e-3 rad at every kept time.
  double worst_flow = 0.0;
  for (std::size_t m = 0; m < clvs.kept(); ++m) {
    std::array<double, 3> f{};
    system.rhs(clvs.states.data() + m * 3, f.data(), clvs.times[m]);
    worst_flow = std::max(worst_flow, angle(clvs.vector(m, 1), f));
  }
  EXPECT_LT(worst_flow, 1e-3);
  // The unstable CLV is not the flow direction (a broken sweep that returned one
  // vector three times would pass the checks above for j = 1 only).
  const std::vector<double> a12 = clv_angles(clvs, 0, 1);
  double mean_angle = 0.0;
  for (double a : a12) mean_angle += a / static_cast<double>(a12.size());
  EXPECT_GT(mean_angle, 0.1);
}

TEST(ClvOptions, BadInputNamesTheOption) {
  const auto message = [](ClvOptions o) {
    try {
      check_clv_options(o, 3);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ClvOptions o;
  EXPECT_EQ(message(o), "no error");
  o.backward_transient = -1.0;
  EXPECT_NE(message(o).find("--backward-transient"), std::string::npos);
  o = {};
  o.backward_transient = 0.05;  // not whole intervals of 0.1
  EXPECT_NE(message(o).find("--backward-transient"), std::string::npos);
  o = {};
  o.keep_every = 0;
  EXPECT_NE(message(o).find("--keep-every"), std::string::npos);
  o = {};
  o.keep_every = 1001;  // the window has 1000 intervals
  EXPECT_NE(message(o).find("--keep-every"), std::string::npos);
  o = {};
  o.vectors = 4;
  EXPECT_NE(message(o).find("--k"), std::string::npos);
  o = {};
  o.length = 1e9;  // 1e10 intervals of R factors
  EXPECT_NE(message(o).find("--length"), std::string::npos);
}

}  // namespace
}  // namespace butterfly
