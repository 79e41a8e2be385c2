// Singular vectors of the tangent-linear RK4 propagator M' over an optimisation
// time: the initial perturbations that grow most, under the Euclidean norm or a
// system's own (energy) norm, by Golub-Kahan-Lanczos with TLM and adjoint products.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/systems/registry.hpp"
#include "butterfly/tangent/adjoint.hpp"
#include "butterfly/tangent/jvp.hpp"

namespace butterfly {

// Optional system hook: a diagonal norm ||x||_W^2 = sum_i W_i x_i^2 (e.g. a
// total-energy norm), `void norm_weights(std::span<double> w) const` writing
// the n weights W_i > 0.
template <class S>
concept NormWeightedSystem = requires(const S& s, std::span<double> w) {
  s.norm_weights(w);
};

enum class SingularVectorNorm {
  euclidean,  // W = I
  energy,     // the system's norm_weights (UsageError if it has none)
};

// "euclidean" or "energy" -> the enum; UsageError naming --norm otherwise.
SingularVectorNorm parse_singular_vector_norm(const std::string& name);
const char* singular_vector_norm_name(SingularVectorNorm norm);

struct SingularVectorOptions {
  std::size_t k = 3;               // leading singular vectors, in [1, n]
  double dt = 0.01;                // RK4 step, > 0
  double optimisation_time = 1.0;  // T, a positive whole number of steps of dt
  SingularVectorNorm norm = SingularVectorNorm::euclidean;
  double tolerance = 1e-10;        // converged when ||B^T u - sigma z|| <= tolerance sigma
  std::size_t max_iterations = 0;  // Lanczos steps; 0: the dimension n (the whole space)
  std::uint64_t seed = 1;          // key of the start vector (and of restarts)
  double start_time = 0.0;         // t of the start state, for non-autonomous systems
};

// Options resolved against a system of `dimension` variables.
struct SingularVectorPlan {
  std::size_t dimension = 0;
  std::size_t k = 0;
  std::size_t steps = 0;           // optimisation_time / dt
  std::size_t max_iterations = 0;  // in [k, n]
};

// Validates options for n = dimension; one-line UsageError naming the flag:
// k outside [1, n] (--k), dt not finite and > 0 (--dt), an optimisation time
// that is not a positive whole number of dt steps (--optimisation-time), a
// tolerance outside (0, 1) (--tolerance), max_iterations in [1, k) (--max-iterations).
SingularVectorPlan check_singular_vector_options(const SingularVectorOptions& options,
                                                 std::size_t dimension);

// The k leading singular triplets of a matrix A (n x n) given only as the
// products y = A x (forward) and y = A^T x (transpose), never formed:
// Golub-Kahan-Lanczos bidiagonalisation (Golub & Kahan, SIAM J. Numer. Anal. B
// 2, 205 (1965); Templates for the Solution of Algebraic Eigenvalue Problems,
// SIAM 2000, sec. 6.3.3) with full reorthogonalisation of both bases
// (classical Gram-Schmidt applied twice), A V_m = U_m B_m,
// A^T U_m = V_m B_m^T + beta_{m+1} v_{m+1} e_m^T with B_m upper bidiagonal.
// The Ritz triplets of B_m = P S Q^T (Eigen::JacobiSVD) are sigma_i = S_ii,
// z_i = V_m q_i, u_i = U_m p_i with A z_i = sigma_i u_i exactly and
// ||A^T u_i - sigma_i z_i|| = beta_{m+1} |P_{m,i}|; it stops when that residual
// is <= tolerance * sigma_i for the k leading ones, or after max_iterations
// (<= n) steps (at n the space is exhausted and the result is exact to
// rounding). Unlike Lanczos on A^T A it never squares A, so small singular
// values keep their relative accuracy. An invariant subspace found early
// (beta ~ 0) is continued from a fresh random vector orthogonal to the basis.
struct LanczosSvdResult {
  std::vector<double> values;     // k, descending
  std::vector<double> right;      // k x n row-major: z_i, orthonormal
  std::vector<double> left;       // k x n row-major: u_i, orthonormal, A z_i = sigma_i u_i
  std::vector<double> residuals;  // k: ||A^T u_i - sigma_i z_i|| / sigma_i (Inf if sigma_i = 0)
  std::size_t iterations = 0;     // m: products with A, and with A^T
  bool converged = false;         // every residual <= tolerance, or the whole space spanned
};
using LinearMap = std::function<void(std::span<const double> in, std::span<double> out)>;
// Start vector and restarts: standard normal draws keyed by
// (seed, restart index, Purpose::member_perturbation, kSingularVectorStream).
// Each z_i's sign makes its largest-magnitude entry positive (u_i follows).
LanczosSvdResult lanczos_svd(std::size_t n, std::size_t k, const LinearMap& forward,
                             const LinearMap& transpose, double tolerance,
                             std::size_t max_iterations, std::uint64_t seed);

inline constexpr std::uint32_t kSingularVectorStream = 0x53564543;  // "SVEC"

// Singular vectors of the RK4 tangent-linear propagator M' = M'(x0) over
// `steps` steps of dt from the state x0 (Lacarra & Talagrand, Tellus 40A, 81
// (1988); Buizza & Palmer, J. Atmos. Sci. 52, 1434 (1995)): with the norm
// ||x||_W^2 = x^T W x (W = I, or the system's norm_weights), the initial
// vectors v_i maximise ||M' v||_W / ||v||_W, v_i W-orthogonal to v_1 .. v_{i-1};
// they are v_i = W^{-1/2} z_i for the right singular vectors z_i of
// B = W^{1/2} M' W^{-1/2}, and M' v_i = sigma_i f_i with final vectors
// f_i = W^{-1/2} u_i (the left ones). B and B^T are applied as
// propagate_tangent and RungeKuttaAdjoint (checkpointed, the trajectory
// computed once), one each per Lanczos step.
struct SingularVectors {
  std::size_t dimension = 0;
  std::size_t steps = 0;
  double dt = 0.0;
  double optimisation_time = 0.0;  // steps * dt
  SingularVectorNorm norm = SingularVectorNorm::euclidean;
  std::vector<double> values;           // k singular values (growth factors), descending
  std::vector<double> initial_vectors;  // k x n row-major: v_i, ||v_i||_W = 1
  std::vector<double> final_vectors;    // k x n row-major: f_i, ||f_i||_W = 1, M' v_i = sigma_i f_i
  std::vector<double> residuals;        // k: relative Lanczos residuals (see LanczosSvdResult)
  std::size_t iterations = 0;           // Lanczos steps = TLM products = adjoint products
  bool converged = false;
  std::vector<double> initial_state;  // x0
  std::vector<double> final_state;    // M(x0), the RK4 trajectory's end
  std::vector<double> weights;        // the W_i used (all 1 for euclidean)

  std::size_t k() const { return values.size(); }
  // Finite-time growth rate log(sigma_i) / T.
  double growth_rate(std::size_t i) const { return std::log(values[i]) / optimisation_time; }
};

// UsageError "--system: NAME has no tangent-linear model ..." for a system
// whose rhs does not run on dual numbers, "--norm: NAME defines no energy
// norm ..." for an energy norm it does not define (no norm_weights).
template <DynamicalSystem System>
void check_singular_vector_system(SingularVectorNorm norm);
void check_singular_vector_system(const AnySystem& system, SingularVectorNorm norm);

// For one system type: validates (check_singular_vector_options; UsageError
// "--system: ... no tangent-linear model" for a system whose rhs does not run
// on dual numbers; "--norm: ..." for an energy norm the system does not
// define; RuntimeError for a non-positive weight or a trajectory or vector
// that turns non-finite) and computes.
template <DynamicalSystem System>
SingularVectors singular_vectors(const System& system, std::span<const double> x0,
                                 const SingularVectorOptions& options);

// The same for a registered system.
SingularVectors singular_vectors(const AnySystem& system, std::span<const double> x0,
                                 const SingularVectorOptions& options);

// The system's default state advanced by spinup / dt classic RK4 steps (the
// scheme of the propagator): UsageError "--spinup: ..." if spinup is negative,
// not finite or not a whole number of steps; RuntimeError if the state turns
// non-finite.
std::vector<double> spun_up_state(const AnySystem& system, double spinup, double dt);

// ---------------------------------------------------------------------------

namespace detail {
// RuntimeError "singular vectors: the WHAT of SYSTEM from the start state became non-finite ...".
[[noreturn]] void throw_singular_vector_breakdown(std::string_view system, const char* what);
void check_norm_weights(std::string_view system, std::span<const double> weights);
SingularVectors assemble_singular_vectors(const LanczosSvdResult& lanczos,
                                          const SingularVectorPlan& plan,
                                          const SingularVectorOptions& options,
                                          std::span<const double> x0,
                                          std::span<const double> final_state,
                                          std::vector<double> weights);
}  // namespace detail

template <DynamicalSystem System>
void check_singular_vector_system(SingularVectorNorm norm) {
  if constexpr (!TangentLinearSystem<System>) {
    throw UsageError(std::string("--system: ") + std::string(System::name) +
                     " has no tangent-linear model (its rhs does not run on dual numbers); "
                     "singular vectors need one");
  }
  if (norm == SingularVectorNorm::energy && !NormWeightedSystem<System>) {
    throw UsageError(std::string("--norm: ") + std::string(System::name) +
                     " defines no energy norm (no norm_weights); use --norm euclidean");
  }
}

template <DynamicalSystem System>
SingularVectors singular_vectors(const System& system, std::span<const double> x0,
                                 const SingularVectorOptions& options) {
  const std::size_t n = system.dimension();
  const SingularVectorPlan plan = check_singular_vector_options(options, n);
  if (x0.size() != n) {
    throw UsageError(std::string("singular vectors: the start state has ") +
                     std::to_string(x0.size()) + " values, expected " + std::to_string(n));
  }
  check_singular_vector_system<System>(options.norm);
  if constexpr (!TangentLinearSystem<System>) {
    return {};  // not reached: the check threw
  } else {
    std::vector<double> weights(n, 1.0);
    if constexpr (NormWeightedSystem<System>) {
      if (options.norm == SingularVectorNorm::energy) {
        system.norm_weights(std::span<double>(weights));
        detail::check_norm_weights(System::name, weights);
      }
    }
    std::vector<double> root(n), inverse_root(n);
    for (std::size_t i = 0; i < n; ++i) {
      root[i] = std::sqrt(weights[i]);
      inverse_root[i] = 1.0 / root[i];
    }
    RungeKuttaAdjoint<ClassicRk4Tableau, System> adjoint(system, x0, options.start_time, plan.steps,
                                                         options.dt);
    for (double v : adjoint.final_state()) {
      if (!std::isfinite(v)) detail::throw_singular_vector_breakdown(System::name, "trajectory");
    }
    std::vector<double> state(n);
    // B z = W^{1/2} M' W^{-1/2} z and B^T u = W^{-1/2} M'^T W^{1/2} u.
    const LinearMap forward = [&](std::span<const double> in, std::span<double> out) {
      for (std::size_t i = 0; i < n; ++i) out[i] = inverse_root[i] * in[i];
      std::copy(x0.begin(), x0.end(), state.begin());
      propagate_tangent<ClassicRk4Tableau>(system, std::span<double>(state), out,
                                           options.start_time, plan.steps, options.dt);
      for (std::size_t i = 0; i < n; ++i) out[i] *= root[i];
    };
    const LinearMap transpose = [&](std::span<const double> in, std::span<double> out) {
      for (std::size_t i = 0; i < n; ++i) out[i] = root[i] * in[i];
      adjoint.apply(out);
      for (std::size_t i = 0; i < n; ++i) out[i] *= inverse_root[i];
    };
    const LanczosSvdResult lanczos = lanczos_svd(n, plan.k, forward, transpose, options.tolerance,
                                                 plan.max_iterations, options.seed);
    return detail::assemble_singular_vectors(lanczos, plan, options, x0, adjoint.final_state(),
                                             std::move(weights));
  }
}

}  // namespace butterfly
