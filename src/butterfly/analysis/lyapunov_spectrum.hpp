// Lyapunov spectra by the Benettin/QR method: the state steps with classic RK4 (ETDRK4
// for spectral systems) while k tangent vectors step with that scheme's tangent-linear
// propagator and are re-orthonormalised by Householder QR; replicas give the error bars.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/etdrk4_stepper.hpp"
#include "butterfly/systems/registry.hpp"
#include "butterfly/systems/spectral_system.hpp"
#include "butterfly/tangent/etdrk4_tangent.hpp"
#include "butterfly/tangent/multi_dual.hpp"

namespace butterfly {

// What to compute. Every system runs with classic RK4 at step dt here, whatever
// its default scheme (henon_heiles: yoshida4, three_body: dopri5), except the
// spectral systems, which run with ETDRK4 (their stiff linear part would need a
// tiny RK4 step): the exponents are those of the RK4 (ETDRK4) map, which converge
// to the flow's as dt^4 (see lyapunov_scheme).
struct LyapunovOptions {
  std::size_t exponents = 0;           // k leading exponents; 0: all (the dimension)
  double dt = 0.01;                    // RK4 (ETDRK4) step, > 0
  double transient = 100.0;            // model time discarded first, a whole number of steps
  double length = 1000.0;              // model time averaged over, whole intervals
  std::size_t renormalise_every = 10;  // steps between QR re-orthonormalisations, >= 1
  std::size_t replicas = 8;            // independent runs, >= 1
  std::uint64_t seed = 1;              // key of the replicas' start perturbations and frames
  double perturbation = 1e-6;          // start perturbation, relative to the state's rms
  bool finite_time = false;            // keep every interval's finite-time exponents
};

// Step counts resolved from LyapunovOptions (see check_lyapunov_options).
struct LyapunovPlan {
  std::size_t dimension = 0;  // n
  std::size_t exponents = 0;  // k
  double dt = 0.0;
  std::size_t transient_steps = 0;  // transient / dt
  std::size_t every = 0;            // steps per renormalisation interval
  std::size_t intervals = 0;        // length / (every dt)
  bool finite_time = false;
};

// One replica's exponents (k, in QR order) and, when planned, its finite-time
// exponents log|R_ii| / (every dt), intervals x k row-major.
struct LyapunovReplica {
  std::vector<double> exponents;
  std::vector<double> finite_time;
};

struct LyapunovSpectrum {
  std::size_t dimension = 0;
  std::size_t replicas = 0;
  std::size_t intervals = 0;
  double dt = 0.0;
  double interval = 0.0;  // model time between re-orthonormalisations
  double transient = 0.0;
  double length = 0.0;
  std::vector<double> exponents;        // k: mean over replicas
  std::vector<double> standard_error;   // k: sample std (ddof = 1) / sqrt(replicas); NaN for 1
  std::vector<double> by_replica;       // replicas x k, row-major
  double kaplan_yorke_dimension = 0.0;  // of the mean spectrum
  double kaplan_yorke_dimension_error = 0.0;  // standard error over replicas (NaN for 1)
  double ks_entropy = 0.0;                    // of the mean spectrum
  double ks_entropy_error = 0.0;              // standard error over replicas (NaN for 1)
  std::vector<double> finite_time;            // replicas x intervals x k when options.finite_time
  std::string_view scheme = "rk4";            // the scheme of the map: lyapunov_scheme<System>()

  std::size_t k() const { return exponents.size(); }
};

// Kaplan & Yorke (1979) dimension of a spectrum (sorted descending first):
//   D_KY = j + (lambda_1 + ... + lambda_j) / |lambda_{j+1}|,
// j the largest index with lambda_1 + ... + lambda_j >= 0; 0 when lambda_1 < 0.
// When every partial sum is >= 0 the formula needs an exponent it does not have:
// the result is the number of exponents if they are the complete spectrum
// (as in ChaosTools.jl), NaN otherwise.
double kaplan_yorke_dimension(std::span<const double> exponents, bool complete = true);

// Kolmogorov-Sinai entropy estimate by Pesin's identity (Pesin 1977; an upper
// bound in general, equal for SRB measures): h_KS = sum of the positive exponents.
double kolmogorov_sinai_entropy(std::span<const double> exponents);

// Validates options for a system of `dimension` variables and resolves the step
// counts. Throws UsageError with one line naming the option (as the command's
// flag): k outside [1, dimension] (--k), dt not finite and positive (--dt), a
// negative transient or one that is not a whole number of steps (--transient),
// renormalise_every < 1 (--renormalise-every), a length not longer than one
// interval or not a whole number of intervals (--length), replicas < 1
// (--replicas), a perturbation not finite and positive.
LyapunovPlan check_lyapunov_options(const LyapunovOptions& options, std::size_t dimension);

// The scheme whose map the exponents are of: "etdrk4" for spectral systems
// (propagate_tangents_etdrk4), "rk4" for the others (propagate_tangents<ClassicRk4Tableau>).
template <DynamicalSystem System>
constexpr std::string_view lyapunov_scheme() {
  return SpectralSystem<System> ? Etdrk4::name : ClassicRk4Tableau::name;
}

// The reusable core for one replica (Benettin et al. 1980; Shimada & Nagashima
// 1979): x (n values) and the orthonormal frame Q (n x k, column-major) step
// together with the tangent-linear propagator of lyapunov_scheme from time t0; every
// `every` steps M'(x) Q = Q' R by Householder QR (Eigen::HouseholderQR) with
// diag R > 0, and after the transient
//   lambda_i = sum over intervals of log R_ii / (intervals * every * dt).
// The frame is re-orthonormalised during the transient too (the alignment with
// the leading Lyapunov vectors). On return x and frame hold the final state and
// vectors. Throws RuntimeError naming `replica` and the time if the state or R
// turns non-finite or R singular.
template <DynamicalSystem System>
LyapunovReplica lyapunov_replica(const System& system, std::span<double> x, std::span<double> frame,
                                 double t0, const LyapunovPlan& plan, std::size_t replica);

// The k leading exponents of a registered system from `replicas` independent
// runs on the pool (one task per replica, so each replica's numbers do not
// depend on the thread count). Replica r starts from the system's default
// state integrated over the transient (lyapunov_scheme, state only), plus
// perturbation * rms(state) * z with z ~ N(0, I) drawn from
// CounterRng(seed, r, Purpose::member_perturbation, kLyapunovStartStream),
// projected onto the system's constraint where it has one; its first frame is
// the Q factor of a Gaussian n x k matrix from stream kLyapunovFrameStream. It
// then runs lyapunov_replica: transient, then length. Throws UsageError for
// bad options and RuntimeError for a replica that blows up.
LyapunovSpectrum lyapunov_spectrum(const AnySystem& system, const LyapunovOptions& options,
                                   ThreadPool& pool);

// Counter-RNG streams of the replicas' draws (Purpose::member_perturbation).
inline constexpr std::uint32_t kLyapunovStartStream = 0x4C594150;  // "LYAP"
inline constexpr std::uint32_t kLyapunovFrameStream = 0x4C594151;

// Replaces the n x k column-major matrix a by its Q factor with diag R > 0 and
// writes log R_ii to log_r (k values): the Householder QR step of the method.
void orthonormalise(std::span<double> a, std::size_t n, std::span<double> log_r,
                    Eigen::HouseholderQR<Eigen::MatrixXd>& qr);

// ---------------------------------------------------------------------------

namespace detail {
// RuntimeError "lyapunov: replica R became non-finite (NaN/Inf) by t = T; ...".
[[noreturn]] void throw_lyapunov_breakdown(std::size_t replica, double t);

// Steps a state and a frame (possibly empty) with lyapunov_scheme<System>() at step dt;
// the ETDRK4 coefficients are computed once, here.
template <DynamicalSystem System>
class LyapunovPropagator {
 public:
  LyapunovPropagator(const System& system, double dt) : system_(system), dt_(dt) {
    if constexpr (SpectralSystem<System>) coefficients_ = etdrk4_coefficients(system.linear(), dt);
  }
  void operator()(std::span<double> x, std::span<double> frame, double t0,
                  std::size_t steps) const {
    if constexpr (SpectralSystem<System>) {
      propagate_tangents_etdrk4(system_, coefficients_, x, frame, t0, steps);
    } else {
      propagate_tangents<ClassicRk4Tableau>(system_, x, frame, t0, steps, dt_);
    }
  }

 private:
  const System& system_;
  double dt_;
  Etdrk4Coefficients coefficients_;  // spectral systems only
};
}  // namespace detail

template <DynamicalSystem System>
LyapunovReplica lyapunov_replica(const System& system, std::span<double> x, std::span<double> frame,
                                 double t0, const LyapunovPlan& plan, std::size_t replica) {
  const std::size_t n = plan.dimension, k = plan.exponents;
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(n, k);
  std::vector<double> log_r(k);
  LyapunovReplica out;
  out.exponents.assign(k, 0.0);
  if (plan.finite_time) out.finite_time.reserve(plan.intervals * k);

  const detail::LyapunovPropagator<System> propagate(system, plan.dt);
  std::size_t step = 0;
  const auto advance = [&](std::size_t steps) {
    propagate(x, frame, t0 + static_cast<double>(step) * plan.dt, steps);
    step += steps;
    orthonormalise(frame, n, log_r, qr);
    bool finite = true;
    for (double v : x) finite = finite && std::isfinite(v);
    for (double v : log_r) finite = finite && std::isfinite(v);
    if (!finite)
      detail::throw_lyapunov_breakdown(replica, t0 + static_cast<double>(step) * plan.dt);
  };

  for (std::size_t done = 0; done < plan.transient_steps; done += plan.every) {
    advance(std::min(plan.every, plan.transient_steps - done));
  }
  const double interval = static_cast<double>(plan.every) * plan.dt;
  for (std::size_t i = 0; i < plan.intervals; ++i) {
    advance(plan.every);
    for (std::size_t j = 0; j < k; ++j) out.exponents[j] += log_r[j];
    if (plan.finite_time) {
      for (std::size_t j = 0; j < k; ++j) out.finite_time.push_back(log_r[j] / interval);
    }
  }
  const double total = static_cast<double>(plan.intervals) * interval;
  for (double& e : out.exponents) e /= total;
  return out;
}

}  // namespace butterfly
