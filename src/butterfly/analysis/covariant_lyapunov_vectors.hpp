// Covariant Lyapunov vectors by the dynamical algorithm of Ginelli et al.: a forward
// Benettin/QR run stores Q and R, a backward sweep of an upper-triangular C through
// C_{n-1} ~ R_n^{-1} C_n gives the CLVs Q_n C_n, their local growth rates and angles.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "butterfly/analysis/lyapunov_spectrum.hpp"
#include "butterfly/core/counter_rng.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/systems/registry.hpp"
#include "butterfly/tangent/multi_dual.hpp"

namespace butterfly {

// What to compute. As in lyapunov_spectrum, the state and the tangent vectors step
// with classic RK4 at dt (the CLVs are those of the RK4 map, converging as dt^4).
// Timeline, in renormalisation intervals of renormalise_every * dt:
//   [forward transient | window: `length`, CLVs kept | backward transient]
// The forward transient aligns the QR frame with the backward Lyapunov vectors;
// the backward transient (run forward, swept backwards) converges C.
struct ClvOptions {
  std::size_t vectors = 0;             // k leading CLVs; 0: all (the dimension)
  double dt = 0.01;                    // RK4 step, > 0
  double transient = 100.0;            // forward transient, a whole number of steps
  double length = 100.0;               // the window, whole intervals
  double backward_transient = 100.0;   // whole intervals, >= 0
  std::size_t renormalise_every = 10;  // steps per interval, >= 1
  std::size_t keep_every = 1;          // intervals between kept CLVs, 1 <= keep_every <= window
  std::uint64_t seed = 1;              // key of the first frame and of the last C
};

// Step counts resolved from ClvOptions (see check_clv_options).
struct ClvPlan {
  LyapunovPlan lyapunov;  // dimension, k, dt, transient_steps, every, window intervals
  std::size_t backward_intervals = 0;
  std::size_t keep_every = 1;
  std::size_t kept = 0;  // window intervals / keep_every
  std::uint64_t seed = 1;
};

// The CLVs over the window. Interval w (0-based, w < intervals) runs from
// start + w * interval to start + (w + 1) * interval; kept CLV m lies at the end of
// interval (m + 1) * keep_every - 1.
struct CovariantLyapunovVectors {
  std::size_t dimension = 0;  // n
  std::size_t k = 0;          // vectors
  std::size_t intervals = 0;  // window intervals
  std::size_t keep_every = 1;
  double dt = 0.0;
  double interval = 0.0;       // model time per interval
  double start = 0.0;          // model time at the window's start
  std::vector<double> times;   // kept: model time of each kept CLV set
  std::vector<double> states;  // kept x n: the trajectory there
  // kept x k x n: CLV j at kept time m is vectors[(m k + j) n, (m k + j + 1) n), unit
  // Euclidean norm, its sign fixed by the sweep (a CLV is a line, not an arrow).
  std::vector<double> vectors;
  // intervals x k: the local growth rate of CLV j over interval w,
  //   log(|M_w v_j| / |v_j|) / interval = -log |R_w^{-1} c_j| / interval,
  // with c_j the unit column of C at the interval's end (Ginelli et al. 2013).
  std::vector<double> growth_rates;
  std::vector<double> exponents;  // k: mean of growth_rates over the window

  std::size_t kept() const { return times.size(); }
  std::span<const double> vector(std::size_t m, std::size_t j) const {
    return std::span<const double>(vectors).subspan((m * k + j) * dimension, dimension);
  }
};

// Validates options for a system of `dimension` variables: the checks of
// check_lyapunov_options (UsageError naming --k, --dt, --transient, --length,
// --renormalise-every), plus --backward-transient (finite, >= 0, whole intervals),
// --keep-every (1 to the window's intervals) and a memory bound on the kept vectors.
ClvPlan check_clv_options(const ClvOptions& options, std::size_t dimension);

// The angle in [0, pi/2] between CLVs i and j at each kept time, acos |v_i . v_j|
// (both unit): its distribution near 0 measures how close the dynamics comes to
// tangencies of the unstable and stable directions (Ginelli et al. 2007).
std::vector<double> clv_angles(const CovariantLyapunovVectors& clvs, std::size_t i, std::size_t j);

// The k leading CLVs along the trajectory from `start` at time t0 (Ginelli et al.,
// PRL 99, 130601, 2007; J. Phys. A 46, 254005, 2013, the "dynamical" algorithm):
//  1. forward: x and an orthonormal frame (Gaussian n x k from
//     CounterRng(seed, 0, member_perturbation, kClvFrameStream), QR'd) step with
//     propagate_tangents<ClassicRk4Tableau>; every interval M_n Q_{n-1} = Q_n R_n
//     (Householder QR, diag R > 0). After the forward transient, R_n is stored for
//     every window and backward-transient interval, Q_n and x_n at kept times.
//  2. backward: C starts as a generic upper-triangular matrix (Gaussian, from stream
//     kClvCoefficientStream) with unit columns at the end of the backward transient;
//     C_{n-1} = R_n^{-1} C_n D_n with D_n normalising the columns; in the window
//     V_n = Q_n C_n (the CLVs: M_n V_{n-1} = V_n D_n^{-1}) and the growth over
//     interval n is 1 / |R_n^{-1} c_{n,j}|.
// Throws UsageError for bad options, RuntimeError if the state or R turns
// non-finite or R singular.
template <DynamicalSystem System>
CovariantLyapunovVectors covariant_lyapunov_vectors(const System& system,
                                                    std::span<const double> start, double t0,
                                                    const ClvOptions& options);

// The same for a registered system from its default state carried onto the
// attractor over options.transient (RK4, state only, as lyapunov_spectrum does);
// the forward transient of the frame follows, from t0 = transient.
CovariantLyapunovVectors covariant_lyapunov_vectors(const AnySystem& system,
                                                    const ClvOptions& options);

// Counter-RNG streams (Purpose::member_perturbation) of the first frame and last C.
inline constexpr std::uint32_t kClvFrameStream = 0x434C5601;  // "CLV"
inline constexpr std::uint32_t kClvCoefficientStream = 0x434C5602;

// ---------------------------------------------------------------------------

namespace detail {

// What the forward phase stores for the backward sweep.
struct ClvForwardRecord {
  std::vector<double> r;       // (window + backward) x k x k, each column-major upper triangular
  std::vector<double> q;       // kept x n x k, column-major frames
  std::vector<double> states;  // kept x n
  double start = 0.0;          // model time at the window's start
};

// Replaces the n x k column-major frame a by its Q factor with diag R > 0 and writes
// R (k x k, column-major, upper triangular) to r. RuntimeError naming the time t if
// a or R is not finite or R is singular.
void clv_qr_step(std::span<double> a, std::size_t n, std::span<double> r,
                 Eigen::HouseholderQR<Eigen::MatrixXd>& qr, double t);

// RuntimeError "covariant Lyapunov vectors: the state became non-finite by t = T ...".
[[noreturn]] void throw_clv_breakdown(double t);

// The backward sweep of step 2 over a finished forward record.
CovariantLyapunovVectors clv_backward_sweep(const ClvPlan& plan, const ClvForwardRecord& record);

}  // namespace detail

template <DynamicalSystem System>
CovariantLyapunovVectors covariant_lyapunov_vectors(const System& system,
                                                    std::span<const double> start, double t0,
                                                    const ClvOptions& options) {
  const std::size_t n = system.dimension();
  const ClvPlan plan = check_clv_options(options, n);
  const LyapunovPlan& lp = plan.lyapunov;
  const std::size_t k = lp.exponents, window = lp.intervals;
  const std::size_t total = window + plan.backward_intervals;

  std::vector<double> x(start.begin(), start.end()), frame(n * k), r(k * k);
  CounterRng(plan.seed, 0, Purpose::member_perturbation, kClvFrameStream)
      .normals(frame.data(), frame.size());
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(n, k);
  detail::clv_qr_step(frame, n, r, qr, t0);

  std::size_t step = 0;
  const auto time = [&] { return t0 + static_cast<double>(step) * lp.dt; };
  const auto advance = [&](std::size_t steps) {
    propagate_tangents<ClassicRk4Tableau>(system, std::span<double>(x), std::span<double>(frame),
                                          time(), steps, lp.dt);
    step += steps;
    for (double v : x) {
      if (!std::isfinite(v)) detail::throw_clv_breakdown(time());
    }
    detail::clv_qr_step(frame, n, r, qr, time());
  };
  for (std::size_t done = 0; done < lp.transient_steps; done += lp.every) {
    advance(std::min(lp.every, lp.transient_steps - done));
  }

  detail::ClvForwardRecord record;
  record.start = time();
  record.r.resize(total * k * k);
  record.q.reserve(plan.kept * n * k);
  record.states.reserve(plan.kept * n);
  for (std::size_t w = 0; w < total; ++w) {
    advance(lp.every);
    std::copy(r.begin(), r.end(), record.r.begin() + static_cast<std::ptrdiff_t>(w * k * k));
    if (w < window && (w + 1) % plan.keep_every == 0) {
      record.q.insert(record.q.end(), frame.begin(), frame.end());
      record.states.insert(record.states.end(), x.begin(), x.end());
    }
  }
  return detail::clv_backward_sweep(plan, record);
}

}  // namespace butterfly
