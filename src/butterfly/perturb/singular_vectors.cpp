// Singular vectors: option checks, the Golub-Kahan-Lanczos core, the registered
// system dispatch and the spin-up of the start state.
#include "butterfly/perturb/singular_vectors.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <limits>
#include <type_traits>
#include <variant>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/tangent/multi_dual.hpp"

namespace butterfly {
namespace {

// A vector drops below this fraction of the largest bidiagonal entry so far:
// the Krylov space is invariant (or A is singular on it) and the recursion
// continues from a fresh random direction.
constexpr double kBreakdown = 1e-13;

// Classical Gram-Schmidt against the columns of q, twice ("twice is enough":
// Giraud, Langou & Rozloznik, Comput. Math. Appl. 50, 1069 (2005)).
void reorthogonalise(Eigen::Ref<Eigen::VectorXd> x, const Eigen::Ref<const Eigen::MatrixXd>& q) {
  if (q.cols() == 0) return;
  for (int pass = 0; pass < 2; ++pass) x -= q * (q.transpose() * x);
}

// A unit random vector orthogonal to the columns of q (q.cols() < n).
Eigen::VectorXd random_orthogonal(std::size_t n, const Eigen::Ref<const Eigen::MatrixXd>& q,
                                  std::uint64_t seed, std::size_t draw) {
  Eigen::VectorXd x(static_cast<Eigen::Index>(n));
  CounterRng(seed, draw, Purpose::member_perturbation, kSingularVectorStream).normals(x.data(), n);
  reorthogonalise(x, q);
  x /= x.norm();
  return x;
}

bool finite(const Eigen::VectorXd& x) { return x.allFinite(); }

}  // namespace

SingularVectorNorm parse_singular_vector_norm(const std::string& name) {
  if (name == "euclidean") return SingularVectorNorm::euclidean;
  if (name == "energy") return SingularVectorNorm::energy;
  throw UsageError(fmt::format("--norm: expected euclidean or energy, got '{}'", name));
}

const char* singular_vector_norm_name(SingularVectorNorm norm) {
  return norm == SingularVectorNorm::energy ? "energy" : "euclidean";
}

SingularVectorPlan check_singular_vector_options(const SingularVectorOptions& o,
                                                 std::size_t dimension) {
  SingularVectorPlan plan;
  plan.dimension = dimension;
  if (o.k < 1 || o.k > dimension) {
    throw UsageError(fmt::format("--k: must be between 1 and the system's dimension {}, got {}",
                                 dimension, o.k));
  }
  plan.k = o.k;
  if (!(std::isfinite(o.dt) && o.dt > 0.0)) {
    throw UsageError(fmt::format("--dt: must be a finite step > 0, got {}", o.dt));
  }
  // At most 1e9 steps: more would run for days, and the count must fit the conversion.
  const double ratio = o.optimisation_time / o.dt;
  const double rounded = std::round(ratio);
  if (!(std::isfinite(o.optimisation_time) && o.optimisation_time > 0.0 && rounded >= 1.0 &&
        ratio <= 1e9 && std::abs(ratio - rounded) <= 1e-9 * std::max(1.0, ratio))) {
    throw UsageError(fmt::format(
        "--optimisation-time: must be a positive whole number of --dt = {} steps, got {}", o.dt,
        o.optimisation_time));
  }
  plan.steps = static_cast<std::size_t>(rounded);
  if (!(o.tolerance > 0.0 && o.tolerance < 1.0)) {
    throw UsageError(fmt::format("--tolerance: must be in (0, 1), got {}", o.tolerance));
  }
  if (o.max_iterations != 0 && o.max_iterations < o.k) {
    throw UsageError(
        fmt::format("--max-iterations: must be at least --k = {}, got {}", o.k, o.max_iterations));
  }
  plan.max_iterations = o.max_iterations == 0 ? dimension : std::min(o.max_iterations, dimension);
  return plan;
}

LanczosSvdResult lanczos_svd(std::size_t n, std::size_t k, const LinearMap& forward,
                             const LinearMap& transpose, double tolerance,
                             std::size_t max_iterations, std::uint64_t seed) {
  if (k < 1 || k > n) {
    throw UsageError(fmt::format("--k: must be between 1 and the dimension {}, got {}", n, k));
  }
  const auto rows = static_cast<Eigen::Index>(n);
  const std::size_t limit = std::clamp(max_iterations == 0 ? n : max_iterations, k, n);
  Eigen::MatrixXd v_basis(rows, static_cast<Eigen::Index>(limit));
  Eigen::MatrixXd u_basis(rows, static_cast<Eigen::Index>(limit));
  std::vector<double> alpha, beta{0.0};  // beta[j] couples v_j with u_{j-1}
  Eigen::VectorXd v = random_orthogonal(n, v_basis.leftCols(0), seed, 0);
  Eigen::VectorXd p(rows), r(rows);
  std::size_t draws = 1;
  double scale = 0.0;
  LanczosSvdResult out;

  for (std::size_t m = 0; m < limit; ++m) {
    const auto j = static_cast<Eigen::Index>(m);
    v_basis.col(j) = v;
    // alpha_m u_m = A v_m - beta_m u_{m-1}.
    forward(std::span<const double>(v.data(), n), std::span<double>(p.data(), n));
    if (m > 0) p -= beta[m] * u_basis.col(j - 1);
    reorthogonalise(p, u_basis.leftCols(j));
    double a = p.norm();
    if (!std::isfinite(a)) {
      throw RuntimeError(fmt::format(
          "singular vectors: a tangent-linear product became non-finite at Lanczos step {}",
          m + 1));
    }
    scale = std::max(scale, a);
    if (a <= kBreakdown * scale) {
      a = 0.0;
      p = random_orthogonal(n, u_basis.leftCols(j), seed, draws++);
    } else {
      p /= a;
    }
    u_basis.col(j) = p;
    alpha.push_back(a);
    // beta_{m+1} v_{m+1} = A^T u_m - alpha_m v_m.
    transpose(std::span<const double>(p.data(), n), std::span<double>(r.data(), n));
    r -= a * v;
    reorthogonalise(r, v_basis.leftCols(j + 1));
    double b = r.norm();
    if (!finite(r)) {
      throw RuntimeError(fmt::format(
          "singular vectors: an adjoint product became non-finite at Lanczos step {}", m + 1));
    }
    scale = std::max(scale, b);

    const std::size_t size = m + 1;
    const bool last = size == limit;
    if (size >= k) {
      Eigen::MatrixXd bidiagonal = Eigen::MatrixXd::Zero(j + 1, j + 1);
      for (Eigen::Index i = 0; i <= j; ++i) {
        bidiagonal(i, i) = alpha[static_cast<std::size_t>(i)];
        if (i > 0) bidiagonal(i - 1, i) = beta[static_cast<std::size_t>(i)];
      }
      const Eigen::JacobiSVD<Eigen::MatrixXd> svd(bidiagonal,
                                                  Eigen::ComputeFullU | Eigen::ComputeFullV);
      bool converged = true;
      std::vector<double> residuals(k);
      for (std::size_t i = 0; i < k; ++i) {
        const auto c = static_cast<Eigen::Index>(i);
        const double sigma = svd.singularValues()(c);
        const double residual = b * std::abs(svd.matrixU()(j, c));
        residuals[i] = sigma > 0.0 ? residual / sigma : std::numeric_limits<double>::infinity();
        converged = converged && residual <= tolerance * sigma;
      }
      if (converged || last) {
        out.iterations = size;
        // With the whole space spanned, beta_{n+1} is rounding: the triplets are exact.
        out.converged = converged || size == n;
        out.residuals = residuals;
        const Eigen::MatrixXd right =
            v_basis.leftCols(j + 1) * svd.matrixV().leftCols(static_cast<Eigen::Index>(k));
        const Eigen::MatrixXd left =
            u_basis.leftCols(j + 1) * svd.matrixU().leftCols(static_cast<Eigen::Index>(k));
        out.values.resize(k);
        out.right.resize(k * n);
        out.left.resize(k * n);
        for (std::size_t i = 0; i < k; ++i) {
          const auto c = static_cast<Eigen::Index>(i);
          Eigen::Index largest = 0;
          right.col(c).cwiseAbs().maxCoeff(&largest);
          const double sign = right(largest, c) < 0.0 ? -1.0 : 1.0;
          out.values[i] = svd.singularValues()(c);
          for (std::size_t e = 0; e < n; ++e) {
            out.right[i * n + e] = sign * right(static_cast<Eigen::Index>(e), c);
            out.left[i * n + e] = sign * left(static_cast<Eigen::Index>(e), c);
          }
        }
        return out;
      }
    }
    if (b <= kBreakdown * scale) {
      // An invariant subspace: continue in its orthogonal complement.
      b = 0.0;
      v = random_orthogonal(n, v_basis.leftCols(j + 1), seed, draws++);
    } else {
      v = r / b;
    }
    beta.push_back(b);
  }
  return out;  // not reached: the last step returns
}

namespace detail {

void throw_singular_vector_breakdown(std::string_view system, const char* what) {
  throw RuntimeError(fmt::format(
      "singular vectors: the {} of {} from the start state became non-finite (NaN/Inf); try a "
      "smaller --dt or a shorter --optimisation-time",
      what, system));
}

void check_norm_weights(std::string_view system, std::span<const double> weights) {
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(std::isfinite(weights[i]) && weights[i] > 0.0)) {
      throw RuntimeError(fmt::format(
          "{}: norm_weights gave {} for variable {}; every weight must be finite and > 0", system,
          weights[i], i));
    }
  }
}

SingularVectors assemble_singular_vectors(const LanczosSvdResult& lanczos,
                                          const SingularVectorPlan& plan,
                                          const SingularVectorOptions& options,
                                          std::span<const double> x0,
                                          std::span<const double> final_state,
                                          std::vector<double> weights) {
  const std::size_t n = plan.dimension, k = plan.k;
  SingularVectors out;
  out.dimension = n;
  out.steps = plan.steps;
  out.dt = options.dt;
  out.optimisation_time = static_cast<double>(plan.steps) * options.dt;
  out.norm = options.norm;
  out.values = lanczos.values;
  out.residuals = lanczos.residuals;
  out.iterations = lanczos.iterations;
  out.converged = lanczos.converged;
  out.initial_vectors.resize(k * n);
  out.final_vectors.resize(k * n);
  // v_i = W^{-1/2} z_i and f_i = W^{-1/2} u_i.
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t e = 0; e < n; ++e) {
      const double inverse_root = 1.0 / std::sqrt(weights[e]);
      out.initial_vectors[i * n + e] = inverse_root * lanczos.right[i * n + e];
      out.final_vectors[i * n + e] = inverse_root * lanczos.left[i * n + e];
    }
  }
  out.initial_state.assign(x0.begin(), x0.end());
  out.final_state.assign(final_state.begin(), final_state.end());
  out.weights = std::move(weights);
  return out;
}

}  // namespace detail

void check_singular_vector_system(const AnySystem& system, SingularVectorNorm norm) {
  std::visit([&](const auto& s) { check_singular_vector_system<std::decay_t<decltype(s)>>(norm); },
             system);
}

SingularVectors singular_vectors(const AnySystem& system, std::span<const double> x0,
                                 const SingularVectorOptions& options) {
  return std::visit([&](const auto& s) { return singular_vectors(s, x0, options); }, system);
}

std::vector<double> spun_up_state(const AnySystem& system, double spinup, double dt) {
  if (!(std::isfinite(dt) && dt > 0.0)) {
    throw UsageError(fmt::format("--dt: must be a finite step > 0, got {}", dt));
  }
  const double ratio = spinup / dt;
  const double rounded = std::round(ratio);
  if (!(std::isfinite(spinup) && spinup >= 0.0 && ratio <= 1e12 &&
        std::abs(ratio - rounded) <= 1e-9 * std::max(1.0, ratio))) {
    throw UsageError(fmt::format(
        "--spinup: must be a time >= 0 and a whole number of --dt = {} steps, got {}", dt, spinup));
  }
  const auto steps = static_cast<std::size_t>(rounded);
  return std::visit(
      [&](const auto& s) {
        std::vector<double> x(s.dimension());
        s.default_state(std::span<double>(x));
        propagate_tangents<ClassicRk4Tableau>(s, std::span<double>(x), std::span<double>(), 0.0,
                                              steps, dt);
        if (!std::all_of(x.begin(), x.end(), [](double value) { return std::isfinite(value); })) {
          throw RuntimeError(fmt::format(
              "singular vectors: the default state of {} became non-finite (NaN/Inf) during the "
              "spin-up of {} steps of --dt {}; try a smaller --dt",
              s.name, steps, dt));
        }
        return x;
      },
      system);
}

}  // namespace butterfly
