// Singular vectors of the RK4 tangent-linear propagator against an independent
// SVD (Eigen::JacobiSVD of the propagator built column by column here), a linear
// system with a closed-form SVD, the variational property, and the option checks.
#include "butterfly/perturb/singular_vectors.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/perturb/bred_vectors.hpp"
#include "butterfly/systems/lorenz63.hpp"
#include "butterfly/systems/lorenz96.hpp"
#include "butterfly/tangent/multi_dual.hpp"

namespace butterfly {
namespace {

// M'(x0) over `steps` RK4 steps, column j = M' e_j (propagate_tangents, test only).
template <class S>
Eigen::MatrixXd explicit_propagator(const S& system, const std::vector<double>& x0,
                                    std::size_t steps, double dt) {
  const std::size_t n = x0.size();
  std::vector<double> x = x0, columns(n * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) columns[j * n + j] = 1.0;
  propagate_tangents<ClassicRk4Tableau>(system, std::span<double>(x), std::span<double>(columns),
                                        0.0, steps, dt);
  return Eigen::Map<Eigen::MatrixXd>(columns.data(), Eigen::Index(n), Eigen::Index(n));
}

Eigen::VectorXd row(const std::vector<double>& rows, std::size_t i, std::size_t n) {
  return Eigen::Map<const Eigen::VectorXd>(rows.data() + i * n, Eigen::Index(n));
}

// Unit vectors a / |a| and b / |b| equal up to sign, to `tolerance` in norm
// (about the angle between them).
void expect_same_direction(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double tolerance,
                           const char* what, std::size_t index) {
  const Eigen::VectorXd ua = a / a.norm(), ub = b / b.norm();
  const double sign = ua.dot(ub) < 0.0 ? -1.0 : 1.0;
  EXPECT_LT((ua - sign * ub).norm(), tolerance) << what << " " << index;
}

// The library's k leading triplets against Eigen's JacobiSVD of the explicit
// propagator: values to 1e-8 relative, vectors to 1e-6 in angle.
template <class S>
void expect_matches_jacobi(const S& system, const std::vector<double>& x0, std::size_t k,
                           std::size_t steps, double dt) {
  SingularVectorOptions options;
  options.k = k;
  options.dt = dt;
  options.optimisation_time = double(steps) * dt;
  const SingularVectors sv = singular_vectors(system, x0, options);
  const std::size_t n = x0.size();
  ASSERT_EQ(sv.k(), k);
  EXPECT_TRUE(sv.converged);
  EXPECT_EQ(sv.steps, steps);
  const Eigen::MatrixXd m = explicit_propagator(system, x0, steps, dt);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(m, Eigen::ComputeFullU | Eigen::ComputeFullV);
  for (std::size_t i = 0; i < k; ++i) {
    const auto c = Eigen::Index(i);
    const double sigma = svd.singularValues()(c);
    EXPECT_NEAR(sv.values[i], sigma, 1e-8 * sigma) << "singular value " << i + 1;
    expect_same_direction(row(sv.initial_vectors, i, n), svd.matrixV().col(c), 1e-6,
                          "initial vector", i + 1);
    expect_same_direction(row(sv.final_vectors, i, n), svd.matrixU().col(c), 1e-6, "final vector",
                          i + 1);
    // M' v_i = sigma_i f_i, signs included.
    const Eigen::VectorXd evolved = m * row(sv.initial_vectors, i, n);
    EXPECT_LT((evolved - sv.values[i] * row(sv.final_vectors, i, n)).norm(), 1e-8 * sigma);
  }
}

std::vector<double> on_attractor(const AnySystem& system, double spinup) {
  return spun_up_state(system, spinup, 0.01);
}

// Lorenz (1963), all three singular values over T = 0.5 (the smallest is
// ~1e-3 of the largest: the bidiagonalisation does not square the condition).
TEST(SingularVectors, Lorenz63MatchesJacobiSvdOfTheExplicitPropagator) {
  const AnySystem any = make_system("lorenz63", {});
  const Lorenz63& system = std::get<Lorenz63>(any);
  const std::vector<double> x0 = on_attractor(any, 10.0);
  expect_matches_jacobi(system, x0, 3, 50, 0.01);
  expect_matches_jacobi(system, x0, 1, 50, 0.01);
}

// Lorenz (1996), N = 10, the 4 leading over T = 1 (100 steps of 0.01).
TEST(SingularVectors, Lorenz96MatchesJacobiSvdOfTheExplicitPropagator) {
  const AnySystem any = make_system("lorenz96", {{"n", 10.0}});
  const Lorenz96& system = std::get<Lorenz96>(any);
  const std::vector<double> x0 = on_attractor(any, 10.0);
  expect_matches_jacobi(system, x0, 4, 100, 0.01);
}

// The registered-system overload dispatches to the same computation.
TEST(SingularVectors, RegisteredSystemOverloadAgrees) {
  const AnySystem any = make_system("lorenz96", {{"n", 8.0}});
  const std::vector<double> x0 = on_attractor(any, 5.0);
  SingularVectorOptions options;
  options.k = 2;
  options.optimisation_time = 0.5;
  const SingularVectors a = singular_vectors(any, x0, options);
  const SingularVectors b = singular_vectors(std::get<Lorenz96>(any), x0, options);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.initial_vectors, b.initial_vectors);
  EXPECT_EQ(a.initial_state, x0);
  EXPECT_EQ(a.final_state.size(), 8u);
}

// ||M' x|| / ||x|| over the columns of `vectors` (n x count, column-major).
std::vector<double> growth_factors(const Lorenz96& system, const std::vector<double>& x0,
                                   std::vector<double> vectors, std::size_t steps) {
  const std::size_t n = x0.size(), count = vectors.size() / n;
  std::vector<double> before(count), after(count), x = x0;
  for (std::size_t c = 0; c < count; ++c) before[c] = row(vectors, c, n).norm();
  propagate_tangents<ClassicRk4Tableau>(system, std::span<double>(x), std::span<double>(vectors),
                                        0.0, steps, 0.01);
  for (std::size_t c = 0; c < count; ++c) after[c] = row(vectors, c, n).norm() / before[c];
  return after;
}

// The variational property sigma_1 = max ||M' x|| / ||x|| (Courant-Fischer;
// Lacarra & Talagrand 1988): no perturbation grows faster than the leading
// singular vector over T, neither 256 random ones nor a bred vector
// (perturb/bred_vectors.hpp: Toth & Kalnay, Bull. Amer. Meteor. Soc. 74, 2317
// (1993); 20 cycles of 0.1 with amplitude 1e-6 on the RK4 control run, which
// ends at x0).
TEST(SingularVectors, LeadingVectorGrowsFastestOverTheOptimisationTime) {
  const std::size_t n = 20, steps = 50;
  const AnySystem any = make_system("lorenz96", {{"n", double(n)}});
  const Lorenz96& system = std::get<Lorenz96>(any);
  BreedingOptions breeding;
  breeding.cycles = 20;
  breeding.amplitude = 1e-6;
  const BredVectors bv = breed_vectors(*make_stepper(any, "rk4"), on_attractor(any, 10.0), 0.0,
                                       breeding, std::vector<double>(n, 1.0));
  const std::vector<double> x0 = bv.control, bred = bv.bred;
  SingularVectorOptions options;
  options.k = 1;
  options.optimisation_time = double(steps) * 0.01;
  const SingularVectors sv = singular_vectors(system, x0, options);
  const double sigma = sv.values[0];

  std::vector<double> random(n * 256);
  CounterRng(3, 0, Purpose::test, 2).normals(random.data(), random.size());
  double fastest = 0.0;
  for (double g : growth_factors(system, x0, random, steps)) fastest = std::max(fastest, g);
  EXPECT_LE(fastest, sigma * (1.0 + 1e-12));
  EXPECT_GT(fastest, 1.0) << "the random perturbations do grow (the test can discriminate)";
  const double bred_growth = growth_factors(system, x0, bred, steps)[0];
  EXPECT_LE(bred_growth, sigma * (1.0 + 1e-12));
  EXPECT_GT(bred_growth, 1.0) << "the bred vector does grow";
  // The leading vector itself grows by sigma_1.
  std::vector<double> v1(sv.initial_vectors.begin(), sv.initial_vectors.begin() + long(n));
  EXPECT_NEAR(growth_factors(system, x0, v1, steps)[0], sigma, 1e-10 * sigma);
}

// A linear test system with a closed-form SVD: dx0/dt = c x1, dx1/dt = 0 (a
// shear: A nilpotent, so RK4 is exact and M' = I + T A = [[1, cT], [0, 1]]),
// dx2/dt = d2 x2, dx3/dt = d3 x3 (M'_ii = R(h d_i)^steps with the RK4
// stability polynomial R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24, Hairer & Wanner
// II, sec. IV.2). The shear block's singular values are
// sqrt(1 + a^2 / 4) +- a / 2 with a = cT, right vectors along (a, sigma^2 - 1)
// (eigenvectors of M'^T M' = [[1, a], [a, 1 + a^2]]).
struct LinearShear {
  static constexpr std::string_view name = "linear_shear";
  static constexpr std::string_view summary = "test: a shear and two exponentials";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 3> parameters{{
      {"c", 3.0, "shear rate", "1"},
      {"d2", 0.5, "growth rate of x2", "1"},
      {"d3", -1.0, "growth rate of x3", "1"},
  }};
  explicit LinearShear(const ParameterValues<3>& p) : c(p[0]), d2(p[1]), d3(p[2]) {}
  std::size_t dimension() const { return 4; }
  void default_state(std::span<double> x) const {
    for (double& v : x) v = 1.0;
  }
  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    dxdt[0] = c * x[1];
    dxdt[1] = 0.0 * x[1];
    dxdt[2] = d2 * x[2];
    dxdt[3] = d3 * x[3];
  }
  double c, d2, d3;
};
static_assert(DynamicalSystem<LinearShear> && TangentLinearSystem<LinearShear>);

// The same with an energy norm W = diag(4, 1, 0.25, 9).
struct WeightedShear : LinearShear {
  using LinearShear::LinearShear;
  void norm_weights(std::span<double> w) const {
    w[0] = 4.0;
    w[1] = 1.0;
    w[2] = 0.25;
    w[3] = 9.0;
  }
};
static_assert(NormWeightedSystem<WeightedShear> && !NormWeightedSystem<LinearShear>);

double rk4_factor(double z, std::size_t steps) {
  const double r = 1 + z + z * z / 2 + z * z * z / 6 + z * z * z * z / 24;
  return std::pow(r, double(steps));
}

Eigen::MatrixXd shear_propagator(std::size_t steps, double dt) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(4, 4);
  m(0, 0) = m(1, 1) = 1.0;
  m(0, 1) = 3.0 * double(steps) * dt;
  m(2, 2) = rk4_factor(0.5 * dt, steps);
  m(3, 3) = rk4_factor(-1.0 * dt, steps);
  return m;
}

TEST(SingularVectors, LinearSystemHasTheClosedFormSvd) {
  const LinearShear system(default_values(LinearShear::parameters));
  SingularVectorOptions options;
  options.k = 4;
  options.optimisation_time = 1.0;
  const SingularVectors sv = singular_vectors(system, std::vector<double>(4, 1.0), options);
  const double a = 3.0, root = std::sqrt(1.0 + a * a / 4.0);
  const double grow = rk4_factor(0.005, 100), decay = rk4_factor(-0.01, 100);
  const std::array<double, 4> expected{root + a / 2, grow, decay, root - a / 2};
  EXPECT_NEAR(grow, std::exp(0.5), 1e-9) << "R(h d)^steps is exp(d T) to O(h^4)";
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(sv.values[i], expected[i], 1e-12 * expected[0]) << i;
  }
  const auto shear_vector = [&](double sigma) {
    Eigen::VectorXd v = Eigen::VectorXd::Zero(4);
    v(0) = a;
    v(1) = sigma * sigma - 1.0;
    return v;
  };
  expect_same_direction(row(sv.initial_vectors, 0, 4), shear_vector(expected[0]), 1e-8, "v", 1);
  expect_same_direction(row(sv.initial_vectors, 1, 4), Eigen::Vector4d(0, 0, 1, 0), 1e-8, "v", 2);
  expect_same_direction(row(sv.initial_vectors, 2, 4), Eigen::Vector4d(0, 0, 0, 1), 1e-8, "v", 3);
  expect_same_direction(row(sv.initial_vectors, 3, 4), shear_vector(expected[3]), 1e-8, "v", 4);
  // The left vectors: M' v / sigma.
  const Eigen::MatrixXd m = shear_propagator(100, 0.01);
  for (std::size_t i = 0; i < 4; ++i) {
    const Eigen::VectorXd f = m * row(sv.initial_vectors, i, 4) / expected[i];
    expect_same_direction(row(sv.final_vectors, i, 4), f, 1e-8, "f", i + 1);
  }
}

// Under ||x||_W the singular values are those of W^{1/2} M' W^{-1/2}
// (JacobiSVD of the explicit matrix), the initial vectors are W-orthonormal
// and M' v_i = sigma_i f_i with ||f_i||_W = 1.
TEST(SingularVectors, EnergyNormUsesTheSystemWeights) {
  const WeightedShear system(default_values(LinearShear::parameters));
  SingularVectorOptions options;
  options.k = 3;
  options.optimisation_time = 1.0;
  options.norm = SingularVectorNorm::energy;
  const SingularVectors sv = singular_vectors(system, std::vector<double>(4, 1.0), options);
  const Eigen::Vector4d w(4.0, 1.0, 0.25, 9.0);
  const Eigen::MatrixXd m = shear_propagator(100, 0.01);
  const Eigen::MatrixXd b =
      w.cwiseSqrt().asDiagonal() * m * w.cwiseSqrt().cwiseInverse().asDiagonal();
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(b);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(sv.values[i], svd.singularValues()(Eigen::Index(i)), 1e-12 * sv.values[0]);
    const Eigen::VectorXd v = row(sv.initial_vectors, i, 4), f = row(sv.final_vectors, i, 4);
    for (std::size_t j = 0; j < 3; ++j) {
      const double inner = v.dot(w.asDiagonal() * row(sv.initial_vectors, j, 4));
      EXPECT_NEAR(inner, i == j ? 1.0 : 0.0, 1e-12);
    }
    EXPECT_NEAR(f.dot(w.asDiagonal() * f), 1.0, 1e-12);
    EXPECT_LT((m * v - sv.values[i] * f).norm(), 1e-12 * sv.values[0]);
  }
  EXPECT_EQ(sv.weights, std::vector<double>({4.0, 1.0, 0.25, 9.0}));
  // The Euclidean singular values differ (the test can tell the norms apart).
  options.norm = SingularVectorNorm::euclidean;
  EXPECT_GT(std::abs(singular_vectors(system, std::vector<double>(4, 1.0), options).values[0] -
                     sv.values[0]),
            0.1);
}

// The Lanczos core alone on explicit matrices: a graded random one (values to
// 1e-10 against JacobiSVD, fewer steps than n for the 3 leading ones) and a
// rank-3 one, whose missing singular values come out as zeros.
TEST(LanczosSvd, ExplicitMatricesMatchJacobiSvd) {
  const std::size_t n = 60;
  std::vector<double> z(n * n);
  CounterRng(5, 0, Purpose::test, 3).normals(z.data(), z.size());
  Eigen::MatrixXd a = Eigen::Map<Eigen::MatrixXd>(z.data(), Eigen::Index(n), Eigen::Index(n));
  for (Eigen::Index j = 0; j < a.cols(); ++j) a.col(j) *= std::pow(0.8, double(j));
  const auto forward = [&](std::span<const double> in, std::span<double> out) {
    Eigen::Map<Eigen::VectorXd>(out.data(), Eigen::Index(n)) =
        a * Eigen::Map<const Eigen::VectorXd>(in.data(), Eigen::Index(n));
  };
  const auto transpose = [&](std::span<const double> in, std::span<double> out) {
    Eigen::Map<Eigen::VectorXd>(out.data(), Eigen::Index(n)) =
        a.transpose() * Eigen::Map<const Eigen::VectorXd>(in.data(), Eigen::Index(n));
  };
  const LanczosSvdResult r = lanczos_svd(n, 3, forward, transpose, 1e-10, 0, 1);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(a);
  EXPECT_TRUE(r.converged);
  EXPECT_LT(r.iterations, n);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(r.values[i], svd.singularValues()(Eigen::Index(i)), 1e-10 * r.values[0]);
    EXPECT_LE(r.residuals[i], 1e-10);
  }

  const std::size_t m = 10;
  Eigen::MatrixXd low =
      a.topLeftCorner(Eigen::Index(m), 3) * a.block(10, 0, 3, Eigen::Index(m));  // rank 3
  const auto low_forward = [&](std::span<const double> in, std::span<double> out) {
    Eigen::Map<Eigen::VectorXd>(out.data(), Eigen::Index(m)) =
        low * Eigen::Map<const Eigen::VectorXd>(in.data(), Eigen::Index(m));
  };
  const auto low_transpose = [&](std::span<const double> in, std::span<double> out) {
    Eigen::Map<Eigen::VectorXd>(out.data(), Eigen::Index(m)) =
        low.transpose() * Eigen::Map<const Eigen::VectorXd>(in.data(), Eigen::Index(m));
  };
  const LanczosSvdResult rank3 = lanczos_svd(m, 5, low_forward, low_transpose, 1e-10, 0, 2);
  const Eigen::JacobiSVD<Eigen::MatrixXd> low_svd(low);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(rank3.values[i], low_svd.singularValues()(Eigen::Index(i)),
                1e-10 * rank3.values[0]);
  }
  EXPECT_LT(rank3.values[3], 1e-12 * rank3.values[0]);
  EXPECT_LT(rank3.values[4], 1e-12 * rank3.values[0]);
}

// A system whose rhs runs only on double and Pack: no tangent-linear model.
struct NoTangentSystem {
  static constexpr std::string_view name = "no_tangent";
  static constexpr std::string_view summary = "test: rhs on double and Pack only";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 0> parameters{};
  explicit NoTangentSystem(const ParameterValues<0>&) {}
  std::size_t dimension() const { return 2; }
  void default_state(std::span<double> x) const { x[0] = x[1] = 1.0; }
  void rhs(const double* x, double* dxdt, double) const {
    dxdt[0] = -x[0];
    dxdt[1] = -x[1];
  }
  void rhs(const Pack* x, Pack* dxdt, double) const {
    dxdt[0] = -x[0];
    dxdt[1] = -x[1];
  }
};
static_assert(DynamicalSystem<NoTangentSystem> && !TangentLinearSystem<NoTangentSystem>);

// Every bad option is one line naming its flag.
TEST(SingularVectors, BadOptionsAreOneLineUsageErrorsNamingTheFlag) {
  const AnySystem any = make_system("lorenz96", {{"n", 8.0}});
  const std::vector<double> x0(8, 1.0);
  const auto expect_usage = [&](SingularVectorOptions o, const std::string& flag) {
    try {
      singular_vectors(any, x0, o);
      ADD_FAILURE() << "no UsageError for " << flag;
    } catch (const UsageError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(flag, 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  };
  SingularVectorOptions o;
  o.k = 0;
  expect_usage(o, "--k");
  o.k = 9;
  expect_usage(o, "--k");
  o = {};
  o.dt = 0.0;
  expect_usage(o, "--dt");
  o = {};
  o.optimisation_time = 0.015;  // 1.5 steps
  expect_usage(o, "--optimisation-time");
  o.optimisation_time = 0.0;
  expect_usage(o, "--optimisation-time");
  o.optimisation_time = -1.0;
  expect_usage(o, "--optimisation-time");
  o = {};
  o.norm = SingularVectorNorm::energy;  // Lorenz-96 defines no norm_weights
  expect_usage(o, "--norm");
  o = {};
  o.max_iterations = 2;  // < k = 3
  expect_usage(o, "--max-iterations");
  o = {};
  o.tolerance = 0.0;
  expect_usage(o, "--tolerance");

  const NoTangentSystem plain(ParameterValues<0>{});
  try {
    singular_vectors(plain, std::vector<double>(2, 1.0), SingularVectorOptions{.k = 1});
    ADD_FAILURE() << "no UsageError for a system without a tangent-linear model";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--system: no_tangent", 0), 0u) << e.what();
  }
  EXPECT_THROW(parse_singular_vector_norm("l2"), UsageError);
  EXPECT_EQ(parse_singular_vector_norm("energy"), SingularVectorNorm::energy);
  EXPECT_THROW(spun_up_state(any, 0.015, 0.01), UsageError);
  EXPECT_THROW(spun_up_state(any, -1.0, 0.01), UsageError);
}

}  // namespace
}  // namespace butterfly
