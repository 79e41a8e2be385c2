// Builders of the perturbation kinds.
#include "butterfly/app/perturbation_kinds.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "butterfly/analysis/lyapunov_spectrum.hpp"
#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/perturb/bred_vectors.hpp"
#include "butterfly/perturb/correlated_gaussian.hpp"
#include "butterfly/perturb/singular_vectors.hpp"
#include "butterfly/systems/spectral_system.hpp"

namespace butterfly {

namespace {

// The truth's trajectory again, advanced on demand to each start's time.
class TruthShadow {
 public:
  TruthShadow(const EnsembleStepper& stepper, std::span<const double> default_state, double dt)
      : stepper_(stepper), state_(default_state.begin(), default_state.end()), dt_(dt) {}
  // Advances to model time t (a whole number of steps ahead) and returns the state.
  std::span<const double> at(double t) {
    const auto steps = static_cast<std::size_t>(std::llround((t - time_) / dt_));
    if (steps > 0) stepper_.advance(std::span<double>(state_), time_, steps, dt_);
    time_ += static_cast<double>(steps) * dt_;
    return state_;
  }

 private:
  const EnsembleStepper& stepper_;
  std::vector<double> state_;
  double time_ = 0.0, dt_;
};

// Backward Lyapunov vectors at each start: the Benettin QR frame carried along
// the truth over the lead-in (Legras & Vautard 1996, ECMWF seminar on
// predictability: the backward vectors are the limit of this iteration).
PerturbationBasis lyapunov_basis(const ExperimentConfig& c, const AnySystem& system,
                                 const EnsembleStepper& stepper,
                                 std::span<const double> default_state, double lead,
                                 std::size_t every) {
  auto shadow = std::make_shared<TruthShadow>(stepper, default_state, c.dt);
  const std::size_t n = default_state.size(), k = c.vectors;
  return [=, &system](std::uint32_t start, std::span<const double>, double time,
                      std::vector<double>& basis) {
    const std::span<const double> truth = shadow->at(time - lead);
    std::vector<double> x(truth.begin(), truth.end());
    // A fresh random frame per start: after the lead-in it no longer matters.
    basis.resize(n * k);
    CounterRng(c.seed, start, Purpose::member_perturbation, 0x424C5600)
        .normals(basis.data(), basis.size());
    LyapunovPlan plan;
    plan.dimension = n;
    plan.exponents = k;
    plan.dt = c.dt;
    plan.every = every;
    plan.intervals = c.cycles;
    std::visit(
        [&](const auto& s) {
          std::vector<double> log_r(k);
          Eigen::HouseholderQR<Eigen::MatrixXd> qr(n, k);
          orthonormalise(basis, n, log_r, qr);
          lyapunov_replica(s, std::span<double>(x), std::span<double>(basis), time - lead, plan,
                           start);
        },
        system);
  };
}

// Bred vectors at each start (Toth & Kalnay 1993, BAMS 74, 2317): `vectors`
// independent breeding cycles along the truth over the lead-in, rescaled to the
// perturbation amplitude (rms norm) after every cycle, then orthonormalised
// (their span is the basis; breeding makes them nearly parallel to the leading
// Lyapunov vector when the lead-in is long).
PerturbationBasis bred_basis(const ExperimentConfig& c, const EnsembleStepper& stepper,
                             std::span<const double> default_state, double lead, double interval) {
  auto shadow = std::make_shared<TruthShadow>(stepper, default_state, c.dt);
  const std::size_t n = default_state.size(), k = c.vectors;
  return [=, &stepper](std::uint32_t start, std::span<const double>, double time,
                       std::vector<double>& basis) {
    const std::span<const double> control = shadow->at(time - lead);
    BreedingOptions options;
    options.cycles = c.cycles;
    options.cycle_length = interval;
    options.dt = c.dt;
    options.amplitude = c.amplitude > 0 ? c.amplitude : 1e-3;
    options.vectors = k;
    options.seed = c.seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(start) + 1);
    const std::vector<double> rms(n, 1.0 / static_cast<double>(n));
    const BredVectors bred = breed_vectors(stepper, control, time - lead, options, rms);
    basis.assign(n * k, 0.0);
    for (std::size_t j = 0; j < k; ++j) {
      for (std::size_t v = 0; v < n; ++v) basis[j * n + v] = bred.bred[j * n + v];
    }
    std::vector<double> log_r(k);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(n, k);
    orthonormalise(basis, n, log_r, qr);
  };
}

// The leading singular vectors of the RK4 tangent-linear propagator from the
// analysis over the optimisation time (Buizza & Palmer 1995, JAS 52, 1434;
// Molteni et al. 1996): Lanczos with TLM and adjoint products (perturb/singular_vectors.hpp).
PerturbationBasis singular_basis(const ExperimentConfig& c, const AnySystem& system,
                                 double optimisation_time) {
  return [=, &system](std::uint32_t start, std::span<const double> analysis, double time,
                      std::vector<double>& basis) {
    SingularVectorOptions options;
    options.k = c.vectors;
    options.dt = c.dt;
    options.optimisation_time = optimisation_time;
    options.seed = c.seed + start;
    options.start_time = time;
    const SingularVectors sv = singular_vectors(system, analysis, options);
    basis = sv.initial_vectors;  // k x n rows: the n x k column-major layout of the basis
  };
}

}  // namespace

std::shared_ptr<MemberPerturbation> make_member_perturbation(
    const ExperimentConfig& c, const AnySystem& system, const EnsembleStepper& stepper,
    std::span<const double> default_state) {
  const GaussianPerturbation law{c.amplitude, c.pairs, c.seed};
  const std::string& kind = c.perturbation;
  if (kind == "gaussian") return nullptr;
  if (!c.initial.empty()) {
    throw UsageError(
        fmt::format("perturbation.kind = \"{}\" draws its own members; it cannot be combined with "
                    "ensemble.initial (use kind = \"gaussian\")",
                    kind));
  }
  if (kind == "gaussian_correlated") {
    return std::visit(
        [&](const auto& s) -> std::shared_ptr<MemberPerturbation> {
          using S = std::decay_t<decltype(s)>;
          if constexpr (SpectralSystem<S>) {
            return std::make_shared<CorrelatedGaussianPerturbation>(law, s.grid(), s.fields(),
                                                                    c.length_scale);
          } else {
            throw UsageError(
                fmt::format("perturbation.kind = \"gaussian_correlated\" needs a system on a grid "
                            "(a spectral system such as kuramoto_sivashinsky); {} has none",
                            S::name));
          }
        },
        system);
  }
  const std::size_t n = default_state.size();
  if (c.vectors > n) {
    throw UsageError(fmt::format("perturbation.vectors: must be at most the dimension {}, got {}",
                                 n, c.vectors));
  }
  const double interval = c.cycle_length > 0 ? c.cycle_length : c.every;
  const std::size_t every =
      whole_steps(interval, c.dt, "perturbation.cycle_length", "integrator.dt");
  const double lead = static_cast<double>(c.cycles * every) * c.dt;
  if (kind == "lyapunov" || kind == "bred") {
    if (lead > c.spinup * (1.0 + 1e-12)) {
      throw UsageError(fmt::format(
          "perturbation.cycles x cycle_length = {:g} must not exceed run.spinup = {:g}: the "
          "vectors of the first start are grown along the truth before it",
          lead, c.spinup));
    }
  }
  if (kind == "lyapunov") {
    return std::make_shared<BasisMemberPerturbation>(
        law, c.vectors, lyapunov_basis(c, system, stepper, default_state, lead, every));
  }
  if (kind == "bred") {
    return std::make_shared<BasisMemberPerturbation>(
        law, c.vectors, bred_basis(c, stepper, default_state, lead, interval));
  }
  if (kind == "singular") {
    const double t = c.optimisation_time > 0 ? c.optimisation_time : c.every;
    (void)whole_steps(t, c.dt, "perturbation.optimisation_time", "integrator.dt");
    return std::make_shared<BasisMemberPerturbation>(law, c.vectors, singular_basis(c, system, t));
  }
  throw UsageError(fmt::format("perturbation.kind = \"{}\" is not known", kind));
}

}  // namespace butterfly
