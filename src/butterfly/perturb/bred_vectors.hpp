// Bred vectors (Toth & Kalnay 1993, 1997): perturbed copies of a control run are
// advanced one cycle with the nonlinear model, their differences from the control are
// rescaled to a fixed amplitude and added back to the control, cycle after cycle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

// The norm a bred vector is rescaled under: ||d||^2 = sum_i w_i d_i^2.
enum class BreedingNorm {
  euclidean,  // w_i = 1
  rms,        // w_i = 1 / n: the root mean square over the variables
  energy,     // w_i from the system's optional hook
              // `void norm_weights(std::span<double> w) const` (as `butterfly svd` uses)
};

// "euclidean", "rms" or "energy"; UsageError naming --norm otherwise.
BreedingNorm parse_breeding_norm(std::string_view name);
std::string_view breeding_norm_name(BreedingNorm norm);

// The weights w of `norm` for a registered system. UsageError naming --norm when the
// energy norm is asked of a system without a norm_weights hook, or the hook gives a
// negative or non-finite weight or all zeros.
std::vector<double> breeding_norm_weights(const AnySystem& system, BreedingNorm norm);

struct BreedingOptions {
  std::size_t cycles = 100;   // breeding cycles, >= 1
  double cycle_length = 0.1;  // model time per cycle, a whole number of steps
  double dt = 0.01;           // the stepper's step
  double amplitude = 0.01;    // ||d|| after each rescaling (in the norm's units), > 0
  std::size_t vectors = 1;    // independent bred vectors (seeds), >= 1
  bool pairs = false;         // breed +d and -d around the control; d = (x+ - x-) / 2
  std::uint64_t seed = 1;     // key of the first perturbations
};

// Bred vectors after the last cycle and the growth of every vector in every cycle.
struct BredVectors {
  std::size_t dimension = 0;
  std::size_t vectors = 0;
  std::size_t cycles = 0;
  bool pairs = false;
  double amplitude = 0.0;
  double cycle_length = 0.0;
  double start = 0.0;  // model time of the first cycle's start
  // vectors x n: each bred vector rescaled to `amplitude`, valid at the end time.
  std::vector<double> bred;
  // vectors x cycles: log(||d_c|| / amplitude) / cycle_length, d_c the difference at
  // the end of cycle c (before rescaling); it approaches the leading Lyapunov
  // exponent for small amplitudes once the vector has aligned.
  std::vector<double> growth_rates;
  std::vector<double> control;  // n: the control state at the end time
  std::vector<double> times;    // cycles: model time at the end of each cycle

  double end_time() const { return times.empty() ? start : times.back(); }
};

// Steps per cycle after checking options (UsageError naming --cycles, --cycle-length,
// --dt, --amplitude or --vectors).
std::size_t check_breeding_options(const BreedingOptions& options);

// The breeding cycle on the control trajectory from `control` at time t0, with the
// model handed in as `stepper` (fixed-step schemes step exactly dt):
//   d_j^0 = amplitude z_j / ||z_j||, z_j ~ N(0, I) from
//     CounterRng(seed, j, Purpose::member_perturbation, kBreedingStream);
//   each cycle c: members x_j = control + d_j (and control - d_j with pairs) and the
//     control advance together by cycle_length (the members as one EnsembleBlock);
//     d = x_j - control at the same time (pairs: (x_j+ - x_j-) / 2);
//     growth_c = log(||d|| / amplitude) / cycle_length; d_j = amplitude d / ||d||.
// Toth & Kalnay, Bull. Amer. Meteor. Soc. 74, 2317 (1993); Mon. Wea. Rev. 125, 3297
// (1997); Kalnay, Atmospheric Modeling, Data Assimilation and Predictability (CUP
// 2003), Sec. 6.5. Constrained systems have their members projected by the stepper.
// `weights` are the norm's (breeding_norm_weights), n values. RuntimeError naming the
// vector and cycle if a member or the control turns non-finite or a difference vanishes.
BredVectors breed_vectors(const EnsembleStepper& stepper, std::span<const double> control,
                          double t0, const BreedingOptions& options,
                          std::span<const double> weights);

// The norm sqrt(sum_i w_i d_i^2).
double weighted_norm(std::span<const double> d, std::span<const double> weights);

// Counter-RNG stream of the first perturbations (Purpose::member_perturbation).
inline constexpr std::uint32_t kBreedingStream = 0x42524544;  // "BRED"

}  // namespace butterfly
