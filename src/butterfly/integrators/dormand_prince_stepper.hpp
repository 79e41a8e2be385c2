// Adaptive Dormand-Prince 5(4) (DOPRI5) with per-member error control and dense output:
// the single step, the error norm, the starting step, the continuous extension, the
// integration of one member over an output interval, and the EnsembleStepper over blocks.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "butterfly/integrators/dormand_prince_tableau.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/concepts.hpp"

namespace butterfly {

namespace dormand_prince_detail {

// sum_j Row[j] k[j n + i] over j < Count, skipping the zero entries of Row at compile time.
template <const auto& Row, std::size_t Count, class T>
inline T weighted_sum(const T* k, std::size_t i, std::size_t n) {
  T sum = Row[0] * k[i];
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    ((Row[J + 1] != 0.0 ? (sum += Row[J + 1] * k[(J + 1) * n + i], 0) : 0), ...);
  }
  (std::make_index_sequence<Count - 1>());
  return sum;
}

}  // namespace dormand_prince_detail

// One DOPRI5 step from (t, y0) with step h (Dormand & Prince 1980; HNW Table II.5.2):
//   k_s = f(t + c_s h, y0 + h sum_{j<s} a_sj k_j),  s = 1..7,
//   y1 = y0 + h sum_s b_s k_s  (5th order),   err = h sum_s e_s k_s  (y1 minus the
//   embedded 4th-order solution).
// k holds 7 n values (stage s at k + s n); on entry k[0..n) must be f(t, y0), on exit
// k[6n..7n) = f(t + h, y1), the first stage of the next step (FSAL). stage holds n
// values of scratch. Six right-hand sides per step. T is double or Pack.
template <class System, class T>
void dormand_prince_step(const System& system, const T* y0, double t, double h, T* k, T* y1, T* err,
                         T* stage, std::size_t n) {
  using Tab = DormandPrince54Tableau;
  using dormand_prince_detail::weighted_sum;
  [&]<std::size_t... S>(std::index_sequence<S...>) {
    (
        [&] {
          constexpr std::size_t s = S + 1;
          for (std::size_t i = 0; i < n; ++i) {
            stage[i] = y0[i] + h * weighted_sum<Tab::a[s], s>(k, i, n);
          }
          system.rhs(static_cast<const T*>(stage), k + s * n, t + Tab::c[s] * h);
        }(),
        ...);
  }
  (std::make_index_sequence<5>());  // stages 2..6
  for (std::size_t i = 0; i < n; ++i) y1[i] = y0[i] + h * weighted_sum<Tab::b, 6>(k, i, n);
  system.rhs(static_cast<const T*>(y1), k + 6 * n, t + h);
  for (std::size_t i = 0; i < n; ++i) err[i] = h * weighted_sum<Tab::e, 7>(k, i, n);
}

// The error norm of HNW Sec. II.4, Eq. (4.11):
//   err = sqrt( (1/n) sum_i ( err_i / (atol + rtol max(|y0_i|, |y1_i|)) )^2 );
// a step is accepted when err <= 1. NaN when the trial state or estimate is not finite.
inline double dormand_prince_error_norm(const double* y0, const double* y1, const double* err,
                                        std::size_t n, double rtol, double atol) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double scale = atol + rtol * std::max(std::abs(y0[i]), std::abs(y1[i]));
    const double r = err[i] / scale;
    sum += r * r;
  }
  return std::sqrt(sum / static_cast<double>(n));
}

// The automatic starting step of HNW Sec. II.4 (p. 169), with the RMS norm ||.|| of
// Eq. (4.11) scaled by sc_i = atol + rtol |y0_i| (as scipy's select_initial_step; Hairer's
// HINIT in dopri5.f is the same algorithm):
//   d0 = ||y0||, d1 = ||f0||; h0 = 0.01 d0 / d1, or 1e-6 if d0 < 1e-5 or d1 < 1e-5;
//   d2 = ||f(t + h0, y0 + h0 f0) - f0|| / h0;
//   h1 = (0.01 / max(d1, d2))^(1/5), or max(1e-6, 1e-3 h0) if max(d1, d2) <= 1e-15;
//   h = min(100 h0, h1).
// Returns |h| for integration in direction (+1 or -1). f0 = f(t, y0); scratch holds 2 n.
template <class System>
double dormand_prince_initial_step(const System& system, const double* y0, const double* f0,
                                   double t, double direction, std::size_t n, double rtol,
                                   double atol, double* scratch) {
  double sum_y = 0.0, sum_f = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double scale = atol + rtol * std::abs(y0[i]);
    sum_y += (y0[i] / scale) * (y0[i] / scale);
    sum_f += (f0[i] / scale) * (f0[i] / scale);
  }
  const double d0 = std::sqrt(sum_y / static_cast<double>(n));
  const double d1 = std::sqrt(sum_f / static_cast<double>(n));
  const double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  double* y1 = scratch;
  double* f1 = scratch + n;
  for (std::size_t i = 0; i < n; ++i) y1[i] = y0[i] + h0 * direction * f0[i];
  system.rhs(static_cast<const double*>(y1), f1, t + h0 * direction);
  double sum_d = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = (f1[i] - f0[i]) / (atol + rtol * std::abs(y0[i]));
    sum_d += r * r;
  }
  const double d2 = std::sqrt(sum_d / static_cast<double>(n)) / h0;
  const double d12 = std::max(d1, d2);
  const double h1 = d12 > 1e-15 ? std::pow(0.01 / d12, DormandPrinceControl::exponent)
                                : std::max(1e-6, h0 * 1e-3);
  return std::min(100.0 * h0, h1);
}

// The continuous extension of the step (t, y0) -> (t + h, y1) at t + theta h (see
// DormandPrince54Tableau::dense; HNW Sec. II.6, Shampine 1986), in the nested form of
// Hairer's CONTD5:
//   out = y0 + theta (D + (1 - theta) (B + theta (C + (1 - theta) E))),
//   D = y1 - y0, B = h k_1 - D, C = 2 D - h k_1 - h k_7, E = h sum_i d_i k_i.
// k holds the 7 stages of the step. Order 4 uniformly in theta in [0, 1].
template <class T>
void dormand_prince_dense(const T* y0, const T* y1, const T* k, double h, double theta, T* out,
                          std::size_t n) {
  using dormand_prince_detail::weighted_sum;
  const double theta1 = 1.0 - theta;
  for (std::size_t i = 0; i < n; ++i) {
    const T d = y1[i] - y0[i];
    const T b = h * k[i] - d;
    const T c = d - h * k[6 * n + i] - b;
    const T e = h * weighted_sum<DormandPrince54Tableau::dense, 7>(k, i, n);
    out[i] = y0[i] + theta * (d + theta1 * (b + theta * (c + theta1 * e)));
  }
}

// What integrating one member did.
struct DormandPrinceCounts {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  bool failed = false;  // step below dt_min or a non-finite result: the state is set to NaN
};

// Doubles of workspace dormand_prince_integrate needs for n variables.
constexpr std::size_t dormand_prince_work_size(std::size_t n) { return 10 * n; }

// Integrates y (n values) from t0 to t1 with DOPRI5 under the tolerances of options:
// the starting step of dormand_prince_initial_step, then steps accepted when
// dormand_prince_error_norm <= 1, each next step
//   h_new = h min(fac_max, max(fac_min, 0.9 err^(-1/5)))   (HNW Sec. II.4, Eq. (4.13)),
// with fac_max = 1 right after a rejection and fac_min for a non-finite estimate. The step
// sequence is never shortened to hit t1: the step that passes t1 is accepted as the
// controller chose it and y(t1) is taken from the continuous extension
// (dormand_prince_dense). A member already non-finite at t0 is left as it is and not
// counted (it failed before). A member whose step would fall below options.dt_min (or
// below the resolution of t), or whose result is not finite, is set to NaN and reported
// failed. work holds dormand_prince_work_size(n) doubles.
template <class System>
DormandPrinceCounts dormand_prince_integrate(const System& system, double* y, double t0, double t1,
                                             const StepperOptions& options, std::size_t n,
                                             double* work) {
  using Control = DormandPrinceControl;
  DormandPrinceCounts counts;
  if (t1 == t0) return counts;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(y[i])) return counts;
  }
  double* k = work;  // 7 n
  double* y1 = work + 7 * n;
  double* err = work + 8 * n;
  double* stage = work + 9 * n;
  const auto fail = [&] {
    for (std::size_t i = 0; i < n; ++i) y[i] = std::numeric_limits<double>::quiet_NaN();
    counts.failed = true;
    return counts;
  };

  const double direction = t1 > t0 ? 1.0 : -1.0;
  system.rhs(static_cast<const double*>(y), k, t0);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(k[i])) return fail();
  }
  double h_abs = dormand_prince_initial_step(system, y, k, t0, direction, n, options.rtol,
                                             options.atol, err);  // err, stage as scratch
  double t = t0;
  bool rejected_before = false;
  for (;;) {
    const double h = direction * h_abs;
    if (!(h_abs >= options.dt_min) || t + h == t) return fail();
    dormand_prince_step(system, static_cast<const double*>(y), t, h, k, y1, err, stage, n);
    const double norm = dormand_prince_error_norm(y, y1, err, n, options.rtol, options.atol);
    if (norm <= 1.0) {
      ++counts.accepted;
      double factor = norm == 0.0 ? Control::fac_max
                                  : std::min(Control::fac_max,
                                             Control::safety * std::pow(norm, -Control::exponent));
      if (rejected_before) factor = std::min(1.0, factor);
      const double t_new = t + h;
      if (direction * (t_new - t1) >= 0.0) {
        const double theta = (t1 - t) / h;
        if (theta == 1.0) {
          std::copy(y1, y1 + n, y);
        } else {
          dormand_prince_dense(static_cast<const double*>(y), static_cast<const double*>(y1),
                               static_cast<const double*>(k), h, theta, stage, n);
          std::copy(stage, stage + n, y);
        }
        for (std::size_t i = 0; i < n; ++i) {
          if (!std::isfinite(y[i])) return fail();
        }
        return counts;
      }
      std::copy(y1, y1 + n, y);
      std::copy(k + 6 * n, k + 7 * n, k);  // FSAL
      t = t_new;
      h_abs *= factor;
      rejected_before = false;
    } else {
      ++counts.rejected;
      h_abs *= std::isfinite(norm) ? std::max(Control::fac_min,
                                              Control::safety * std::pow(norm, -Control::exponent))
                                   : Control::fac_min;
      rejected_before = true;
    }
  }
}

// EnsembleStepper "dopri5": every member integrated by dormand_prince_integrate with its
// own step sequence.
//
// Why one member at a time on the scalar (double) path, not Pack lanes with per-lane
// steps and masks: members with their own step sequences are at different times, while a
// system's rhs(x, dxdt, t) takes one time for all lanes, so lanes could only share steps
// (one member's step imposed on another) for non-autonomous systems; and lanes would idle
// until the slowest member of their Pack finishes. The scalar path gives exact per-member
// control, and a member's bits are a function of its own state only: identical whatever
// its block, lane, thread, or the other members (DESIGN invariant 3).
//
// Output intervals: advance(t0, steps, dt) integrates to t1 = t0 + steps dt from the
// state at t0 alone, starting with the automatic starting step (2 right-hand sides, one of
// them the first stage). No state is kept between calls, so results do not depend on
// which other advance() calls ran before or concurrently (other starts, bred or perturbed
// copies with the same member ids, a resumed checkpoint), at the price of one extra
// right-hand side, a new step-size ramp and the discarded part of the last step per call
// (Lorenz-63, rtol 1e-6, outputs every 0.1 over [0, 20]: 27% more accepted steps and 50%
// more time than one call; bench/dopri5_vs_scipy.py). A trajectory therefore depends on
// the output interval (each output restarts from the interpolated state), deterministically.
//
// Padding lanes of a block are not integrated (they are never scored or written; an
// adaptive integration of them would cost time and could count as a failure). The truth
// path advance(span) runs the same code. Constraints are not this stepper's business (the
// ConstrainedStepper wrapper adds them). statistics() sums accepted and rejected steps and
// failed members (the truth included) over every call, from any thread.
template <DynamicalSystem System>
class DormandPrinceStepper final : public EnsembleStepper {
 public:
  DormandPrinceStepper(const System& system, const StepperOptions& options)
      : system_(system), options_(options) {}

  std::size_t dimension() const override { return system_.dimension(); }

  void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const override {
    const std::size_t n = system_.dimension();
    const double t1 = t0 + static_cast<double>(steps) * dt;
    std::vector<double> y(n), work(dormand_prince_work_size(n));
    DormandPrinceCounts total;
    std::uint64_t failed = 0;
    for (std::size_t m = 0; m < block.members(); ++m) {
      for (std::size_t v = 0; v < n; ++v) y[v] = block.at(v, m);
      const DormandPrinceCounts c =
          dormand_prince_integrate(system_, y.data(), t0, t1, options_, n, work.data());
      for (std::size_t v = 0; v < n; ++v) block.at(v, m) = y[v];
      total.accepted += c.accepted;
      total.rejected += c.rejected;
      failed += c.failed ? 1 : 0;
    }
    record(total, failed);
  }

  void advance(std::span<double> state, double t0, std::size_t steps, double dt) const override {
    const std::size_t n = system_.dimension();
    std::vector<double> work(dormand_prince_work_size(n));
    const DormandPrinceCounts c = dormand_prince_integrate(
        system_, state.data(), t0, t0 + static_cast<double>(steps) * dt, options_, n, work.data());
    record(c, c.failed ? 1 : 0);
  }

  StepperStatistics statistics() const override {
    return {accepted_.load(std::memory_order_relaxed), rejected_.load(std::memory_order_relaxed),
            failed_.load(std::memory_order_relaxed)};
  }

  const StepperOptions& options() const { return options_; }

 private:
  void record(const DormandPrinceCounts& c, std::uint64_t failed) const {
    accepted_.fetch_add(c.accepted, std::memory_order_relaxed);
    rejected_.fetch_add(c.rejected, std::memory_order_relaxed);
    failed_.fetch_add(failed, std::memory_order_relaxed);
  }

  System system_;
  StepperOptions options_;
  mutable std::atomic<std::uint64_t> accepted_{0};
  mutable std::atomic<std::uint64_t> rejected_{0};
  mutable std::atomic<std::uint64_t> failed_{0};
};

}  // namespace butterfly
