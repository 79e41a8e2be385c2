// Stochastically perturbed parametrised tendencies (SPPT; Buizza, Miller & Palmer 1999,
// QJRMS 125, 2887; Palmer et al. 2009, ECMWF Tech. Memo 598): every step's increment of
// a deterministic stepper is scaled by (1 + r), r a member's own random pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"

namespace butterfly {

struct SpptSettings {
  double sigma = 0.0;      // standard deviation of the unclipped pattern, >= 0; 0: no SPPT
  double tau = 0.05;       // decorrelation time in model time, > 0 (ECMWF: 6 h = 0.05 L96 units)
  double length = 0.0;     // correlation length in sites of a periodic ring, >= 0; 0: none
  std::uint64_t seed = 0;  // key of the pattern draws (Purpose::tendency_noise)
  bool perturb_truth = false;  // false: the truth (advance on a span) runs unperturbed
};

// Throws UsageError naming the config key (model.sppt_sigma, model.sppt_tau,
// model.sppt_length) for a negative or non-finite sigma or length, or tau <= 0.
void check_sppt_settings(const SpptSettings& settings);

// The pattern r_m(n) of member m at global step n (t = n dt), one value per site.
//
//   r_m(n)_i = clip(sigma p_m(n)_i, -1, 1),   p_m(n)_i = sum_k w_k u_m(n)_{(i + k) mod N},
//
// with u_m(n)_i independent (over m and i) unit-variance Gaussian AR(1) sequences of lag-one
// correlation phi = exp(-dt / tau), so Cov(u(n), u(n + l)) = exp(-l dt / tau), and w the
// normalised (sum w^2 = 1) wrapped Gaussian kernel w_k ~ sum_j exp(-(k + jN)^2 / L^2) on
// the ring, whose circular autocorrelation is the spatial correlation of p:
// exp(-d^2 / (2 L^2)) for L << N (spatial_correlation() gives it exactly). length = 0 means
// w = delta (independent sites). Clipping to [-1, 1] keeps 1 + r in [0, 2] (ECMWF; it lowers
// the variance below sigma^2 when sigma is not small).
//
// Statelessness: the wrapper cannot keep a member's pattern between advance() calls, so
// u_m(n) must be computable from (seed, m, n) alone, and with O(1) work per step when
// stepping on. Construction (exact Markov bridge between anchors):
//  - anchors every P steps (n = jP) form the AR(1) chain of coefficient Phi = phi^P, drawn
//    as the moving average u(jP) = c sum_{i<W} Phi^i eta_{j-i}, c = (sum Phi^{2i})^(-1/2), with
//    eta_j = CounterRng(seed, m, tendency_noise, 2^31 | j).normals(N);
//  - between two anchors the steps are the exact discrete OU bridge: given u(n) and the next
//    anchor u(b), with k = b - n - 1,
//      u(n+1) = [phi (1 - phi^{2k}) u(n) + phi^k (1 - phi^2) u(b)] / (1 - phi^{2k+2})
//               + sqrt((1 - phi^2)(1 - phi^{2k}) / (1 - phi^{2k+2})) eps_{n+1},
//    eps_n = CounterRng(seed, m, tendency_noise, n mod 2^31).normals(N).
// Were the anchor chain exactly AR(1), the whole sequence would be exactly AR(1) (Markov
// property: segments are independent bridges given their end points). Truncating the
// moving average at Phi^W <= 1e-4 changes every covariance by at most about 1e-4 (an
// independent exact linear-algebra evaluation of the construction gives <= 4.6e-5 for
// tau/dt from 0.1 to 100). P = ceil(sqrt(2 ln(1e4) tau/dt)) balances the W draws of an anchor
// against the up to P - 1 bridge steps a cursor replays from its anchor. Why not random
// Fourier features (Rahimi & Recht 2007, Lorentzian frequencies): a finite feature sum is
// neither Gaussian nor ergodic within a member (its covariance is exp(-l/tau) only on
// average over members) and costs J cosines per site and step.
// Streams repeat after 2^31 steps.
class SpptPattern {
 public:
  static constexpr double kTruncation = 1e-4;  // Phi^W: the anchor window's cut

  // Throws UsageError for bad settings (check_sppt_settings), dt <= 0 or
  // tau / dt > 1e8 (model.sppt_tau).
  SpptPattern(const SpptSettings& settings, std::size_t sites, double dt);

  std::size_t sites() const { return sites_; }
  std::size_t anchor_spacing() const { return spacing_; }       // P
  std::size_t anchor_window() const { return window_.size(); }  // W
  // Correlation of p between sites d apart (before clipping): sum_k w_k w_{(k + d) mod N}.
  double spatial_correlation(std::size_t distance) const;

  // r_m(n) into r[0..sites()); stateless (replays at most P - 1 bridge steps).
  void values(std::uint64_t member, std::int64_t step, double* r) const;

  // Walks one member's pattern step by step: O(N) per step plus an anchor every P steps.
  class Cursor {
   public:
    Cursor(const SpptPattern& pattern, std::uint64_t member, std::int64_t step);
    std::int64_t step() const { return step_; }
    const double* values() const { return r_.data(); }  // r_m(step())
    void next();                                        // to step() + 1

   private:
    void bridge_step();
    const SpptPattern* pattern_;
    std::uint64_t member_;
    std::int64_t step_;
    std::vector<double> u_, anchor_, r_, scratch_;
  };

 private:
  std::int64_t anchor_index(std::int64_t step) const;
  void anchor(std::uint64_t member, std::int64_t j, double* u, double* scratch) const;
  void finish(const double* u, double* r) const;

  double sigma_;
  std::uint64_t seed_;
  std::size_t sites_;
  std::size_t spacing_;
  std::vector<double> window_;                // c Phi^i, i < W
  std::vector<double> alpha_, beta_, gamma_;  // bridge coefficients by offset n - jP < P - 1
  std::vector<double> weights_;               // w_k, k < N (empty: independent sites)
  std::vector<std::pair<std::size_t, double>> kernel_;  // the non-negligible (k, w_k)
};

// EnsembleStepper that applies SPPT to an inner deterministic stepper M (any make_stepper
// stepper): x_{n+1} = M(x_n) + r_m(n) (M(x_n) - x_n), i.e. x_n + (1 + r) (M(x_n) - x_n), for
// global member m = block.first_member() + lane and step n = llround(t_n / dt). A member's
// path is thus a pure function of (seed, m, n): the same bits for any block size, lane,
// thread count or split of a run into advance() calls. With sigma = 0 it is the inner
// stepper itself (same bits). The truth runs the inner stepper unperturbed unless
// perturb_truth, when its pattern is that of member kTruthMember. Padding lanes, never
// scored, take the inner step unperturbed (no pattern is drawn for them).
class SpptStepper final : public EnsembleStepper {
 public:
  SpptStepper(std::unique_ptr<EnsembleStepper> inner, const SpptSettings& settings);

  std::size_t dimension() const override { return inner_->dimension(); }
  void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const override;
  void advance(std::span<double> state, double t0, std::size_t steps, double dt) const override;
  void constrain(EnsembleBlock& block) const override { inner_->constrain(block); }
  void constrain(std::span<double> state) const override { inner_->constrain(state); }
  StepperStatistics statistics() const override { return inner_->statistics(); }

  const SpptSettings& settings() const { return settings_; }

 private:
  // The pattern tables for dt, built once per dt (thread-safe).
  std::shared_ptr<const SpptPattern> pattern(double dt) const;

  std::unique_ptr<EnsembleStepper> inner_;
  SpptSettings settings_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const SpptPattern> pattern_;
  mutable double pattern_dt_ = 0.0;
};

}  // namespace butterfly
