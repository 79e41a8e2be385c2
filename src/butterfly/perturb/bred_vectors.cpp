// Bred vectors: norms, option checks and the breeding cycle over an EnsembleStepper.
#include "butterfly/perturb/bred_vectors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <variant>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// The norms by name, in the order --norm lists them.
constexpr std::pair<std::string_view, BreedingNorm> kNorms[] = {
    {"euclidean", BreedingNorm::euclidean},
    {"rms", BreedingNorm::rms},
    {"energy", BreedingNorm::energy},
};

bool all_finite(std::span<const double> x) {
  for (double v : x) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace

BreedingNorm parse_breeding_norm(std::string_view name) {
  for (const auto& [known, norm] : kNorms) {
    if (name == known) return norm;
  }
  throw UsageError(
      fmt::format("--norm: unknown norm '{}'; expected euclidean, rms or energy", name));
}

std::string_view breeding_norm_name(BreedingNorm norm) {
  for (const auto& [known, value] : kNorms) {
    if (value == norm) return known;
  }
  return "unknown";
}

std::vector<double> breeding_norm_weights(const AnySystem& system, BreedingNorm norm) {
  return std::visit(
      [&](const auto& s) {
        using S = std::decay_t<decltype(s)>;
        const std::size_t n = s.dimension();
        if (norm == BreedingNorm::euclidean) return std::vector<double>(n, 1.0);
        if (norm == BreedingNorm::rms) return std::vector<double>(n, 1.0 / static_cast<double>(n));
        if constexpr (requires(std::span<double> w) { s.norm_weights(w); }) {
          std::vector<double> w(n, 0.0);
          s.norm_weights(std::span<double>(w));
          double total = 0.0;
          for (double v : w) {
            if (!(std::isfinite(v) && v >= 0.0)) {
              throw UsageError(fmt::format(
                  "--norm energy: {}'s norm_weights gave {}; expected finite weights >= 0", S::name,
                  v));
            }
            total += v;
          }
          if (total == 0.0) {
            throw UsageError(fmt::format("--norm energy: {}'s norm_weights are all zero", S::name));
          }
          return w;
        } else {
          throw UsageError(
              fmt::format("--norm energy: {} defines no energy norm (no norm_weights hook); use "
                          "euclidean or rms",
                          S::name));
        }
      },
      system);
}

double weighted_norm(std::span<const double> d, std::span<const double> weights) {
  double s = 0.0;
  for (std::size_t i = 0; i < d.size(); ++i) s += weights[i] * d[i] * d[i];
  return std::sqrt(s);
}

std::size_t check_breeding_options(const BreedingOptions& o) {
  if (o.cycles < 1) throw UsageError(fmt::format("--cycles: must be at least 1, got {}", o.cycles));
  if (!(std::isfinite(o.dt) && o.dt > 0.0)) {
    throw UsageError(fmt::format("--dt: must be a finite step > 0, got {}", o.dt));
  }
  if (!(std::isfinite(o.cycle_length) && o.cycle_length > 0.0)) {
    throw UsageError(
        fmt::format("--cycle-length: must be a finite time > 0, got {}", o.cycle_length));
  }
  const double ratio = o.cycle_length / o.dt, steps = std::round(ratio);
  if (!(steps >= 1.0 && steps <= 1e12 && std::abs(ratio - steps) <= 1e-9 * std::max(1.0, ratio))) {
    throw UsageError(
        fmt::format("--cycle-length: {} is not a whole multiple of --dt {}", o.cycle_length, o.dt));
  }
  if (!(std::isfinite(o.amplitude) && o.amplitude > 0.0)) {
    throw UsageError(fmt::format("--amplitude: must be finite and > 0, got {}", o.amplitude));
  }
  if (o.vectors < 1) {
    throw UsageError(fmt::format("--vectors: must be at least 1, got {}", o.vectors));
  }
  return static_cast<std::size_t>(steps);
}

BredVectors breed_vectors(const EnsembleStepper& stepper, std::span<const double> control,
                          double t0, const BreedingOptions& options,
                          std::span<const double> weights) {
  const std::size_t steps = check_breeding_options(options);
  const std::size_t n = stepper.dimension(), k = options.vectors, cycles = options.cycles;
  if (control.size() != n || weights.size() != n) {
    throw UsageError(
        fmt::format("breed: the control state and the norm weights need {} values", n));
  }
  const double amplitude = options.amplitude, length = options.cycle_length;
  const std::size_t copies = options.pairs ? 2 : 1;

  BredVectors out;
  out.dimension = n;
  out.vectors = k;
  out.cycles = cycles;
  out.pairs = options.pairs;
  out.amplitude = amplitude;
  out.cycle_length = length;
  out.start = t0;
  out.growth_rates.assign(k * cycles, 0.0);
  out.times.resize(cycles);
  out.control.assign(control.begin(), control.end());

  // The first perturbations, rescaled to the amplitude.
  std::vector<double> d(k * n), diff(n);
  for (std::size_t j = 0; j < k; ++j) {
    double* dj = d.data() + j * n;
    CounterRng(options.seed, j, Purpose::member_perturbation, kBreedingStream).normals(dj, n);
    const double norm = weighted_norm(std::span<const double>(dj, n), weights);
    if (!(norm > 0.0)) {
      throw UsageError("--norm: the norm's weights see none of the perturbation");
    }
    for (std::size_t v = 0; v < n; ++v) dj[v] *= amplitude / norm;
  }

  std::vector<double>& ctl = out.control;
  EnsembleBlock block(n, k * copies, 0);
  for (std::size_t c = 0; c < cycles; ++c) {
    const double t = t0 + static_cast<double>(c * steps) * options.dt;
    for (std::size_t v = 0; v < n; ++v) {
      double* row = block.row(v);
      for (std::size_t j = 0; j < k; ++j) {
        row[copies * j] = ctl[v] + d[j * n + v];
        if (options.pairs) row[copies * j + 1] = ctl[v] - d[j * n + v];
      }
      for (std::size_t m = k * copies; m < block.stride(); ++m) row[m] = ctl[v];  // padding
    }
    stepper.constrain(block);
    stepper.advance(block, t, steps, options.dt);
    stepper.advance(std::span<double>(ctl), t, steps, options.dt);
    out.times[c] = t0 + static_cast<double>((c + 1) * steps) * options.dt;
    if (!all_finite(ctl)) {
      throw RuntimeError(fmt::format(
          "breed: the control run became non-finite (NaN/Inf) by t = {}; try a smaller --dt",
          out.times[c]));
    }
    for (std::size_t j = 0; j < k; ++j) {
      for (std::size_t v = 0; v < n; ++v) {
        const double* row = block.row(v);
        diff[v] = options.pairs ? 0.5 * (row[2 * j] - row[2 * j + 1]) : row[j] - ctl[v];
      }
      const double norm = weighted_norm(diff, weights);
      if (!(std::isfinite(norm) && norm > 0.0)) {
        throw RuntimeError(fmt::format(
            "breed: bred vector {} became {} in cycle {} (t = {}); try a smaller --amplitude, "
            "--cycle-length or --dt",
            j, std::isfinite(norm) ? "zero" : "non-finite (NaN/Inf)", c, out.times[c]));
      }
      out.growth_rates[j * cycles + c] = std::log(norm / amplitude) / length;
      for (std::size_t v = 0; v < n; ++v) d[j * n + v] = amplitude * diff[v] / norm;
    }
  }
  out.bred = std::move(d);
  return out;
}

}  // namespace butterfly
