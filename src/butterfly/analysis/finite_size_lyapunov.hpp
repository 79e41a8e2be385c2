// Finite-size Lyapunov exponents (Aurell et al. 1997; Boffetta et al. 2002): the mean
// time a separation takes to grow from delta to r delta over an ensemble of perturbed
// members, and from the same run the ensemble's error-growth curve and horizon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

struct FiniteSizeOptions {
  double dt = 0.01;                  // the stepper's step, > 0
  double spinup = 100.0;             // AnySystem overload: default state to the first start
  double delta_min = 1e-6;           // delta_0, the smallest threshold (Euclidean norm), > 0
  double ratio = 2.0;                // r > 1: delta_n = delta_0 r^n
  std::size_t thresholds = 20;       // N >= 2 thresholds, N - 1 exponents
  double initial_fraction = 0.01;    // start separation = initial_fraction * delta_0, in (0, 1)
  std::size_t members = 256;         // perturbed members, each with its own control, >= 2
  double start_interval = 1.0;       // control time between the members' starts, whole steps
  double length = 30.0;              // lead time every member runs, whole output intervals
  double output_every = 0.1;         // error-curve interval, whole steps
  double saturation_fraction = 0.5;  // horizon: rms error = fraction x saturation, in (0, 1]
  std::uint64_t seed = 1;            // key of the perturbation directions
  std::size_t block_size = 64;       // members per block handed to a thread, >= 1
};

struct FiniteSizeLyapunov {
  std::size_t members = 0;
  double ratio = 0.0;
  std::vector<double> delta;  // N thresholds delta_n = delta_0 r^n
  // N - 1 values for n = 0 .. N-2, from the members that reached delta_{n+1}:
  std::vector<double> mean_time;       // <T(delta_n)>, the mean time from delta_n to delta_{n+1}
  std::vector<double> exponent;        // lambda(delta_n) = ln r / <T(delta_n)>; NaN if none
  std::vector<std::size_t> reached;    // members that reached delta_{n+1} within `length`
  std::vector<double> leads;           // error curve: 0, output_every, ..., length
  std::vector<double> rms_error;       // sqrt(<|x'_m - x_m|^2>) over members at each lead
  std::vector<double> mean_log_error;  // <log |x'_m - x_m|> at each lead
  double saturation = 0.0;             // sqrt(2 sum_i var(x_i)) over the controls at all leads
  std::optional<double> horizon;       // first lead with rms_error = fraction x saturation
};

// Checks options for a system of `dimension` variables; UsageError naming the option
// (--dt, --delta-min, --ratio, --thresholds, --initial-fraction, --members,
// --start-interval, --length, --output-every, --saturation-fraction, --block-size,
// --spinup). Returns the steps per output interval.
std::size_t check_finite_size_options(const FiniteSizeOptions& options, std::size_t dimension);

// Finite-size Lyapunov exponents (Aurell, Boffetta, Crisanti, Paladin & Vulpiani,
// J. Phys. A 30, 1 (1997); Boffetta, Cencini, Falcioni & Vulpiani, Phys. Rep. 356,
// 367 (2002)):
//   lambda(delta) = ln r / <T_r(delta)>,
// T_r(delta_n) the time a separation takes from first reaching delta_n to first
// reaching delta_{n+1} = r delta_n, averaged over members. Member m's control starts
// at the control trajectory from `start` after m * start_interval, its perturbed
// copy at distance initial_fraction * delta_0 along a direction z_m ~ N(0, I) from
// CounterRng(seed, m, Purpose::member_perturbation, kFiniteSizeStream); the margin
// below delta_0 lets the separation align with the most unstable direction before
// the first threshold. Both run `length` with `stepper` (members in blocks of
// block_size on the pool, no rescaling); crossing times are interpolated linearly in
// log |dx| within a step. For small delta, lambda(delta) tends to the maximal
// Lyapunov exponent; near the attractor's size it drops towards 0. Sums are exact
// (ExactSum), so results do not depend on the block size or thread count. The
// error-growth curve, its saturation and the horizon (predictability_horizon) come
// from the same run. RuntimeError naming the member if a state turns non-finite.
FiniteSizeLyapunov finite_size_lyapunov(const EnsembleStepper& stepper,
                                        std::span<const double> start,
                                        const FiniteSizeOptions& options, ThreadPool& pool);

// The same for a registered system with classic RK4 from its default state carried
// over options.spinup.
FiniteSizeLyapunov finite_size_lyapunov(const AnySystem& system, const FiniteSizeOptions& options,
                                        ThreadPool& pool);

// Counter-RNG stream of the perturbation directions (Purpose::member_perturbation).
inline constexpr std::uint32_t kFiniteSizeStream = 0x46534C45;  // "FSLE"

}  // namespace butterfly
