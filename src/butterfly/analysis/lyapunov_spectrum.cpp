// Lyapunov spectra: option checks, the QR step, the replica driver and the
// Kaplan-Yorke and Kolmogorov-Sinai formulas.
#include "butterfly/analysis/lyapunov_spectrum.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <variant>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// Sample standard deviation (ddof = 1) over sqrt(count); NaN for one value.
double standard_error(std::span<const double> values) {
  const std::size_t m = values.size();
  if (m < 2) return std::nan("");
  double mean = 0.0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(m);
  double squares = 0.0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(m - 1) / static_cast<double>(m));
}

double root_mean_square(std::span<const double> x) {
  double s = 0.0;
  for (double v : x) s += v * v;
  return std::sqrt(s / static_cast<double>(x.size()));
}

template <class System>
LyapunovSpectrum spectrum_of(const System& system, const LyapunovOptions& options,
                             ThreadPool& pool) {
  const std::size_t n = system.dimension();
  const LyapunovPlan plan = check_lyapunov_options(options, n);
  const std::size_t k = plan.exponents, replicas = options.replicas;

  // The shared start: the default state carried onto the attractor.
  std::vector<double> base(n);
  system.default_state(base);
  detail::LyapunovPropagator<System>(system, plan.dt)(std::span<double>(base), std::span<double>(),
                                                      0.0, plan.transient_steps);
  if (!std::all_of(base.begin(), base.end(), [](double v) { return std::isfinite(v); })) {
    throw RuntimeError(fmt::format(
        "lyapunov: the default state of {} became non-finite (NaN/Inf) during the transient of "
        "{} steps of --dt {}; try a smaller --dt",
        System::name, plan.transient_steps, plan.dt));
  }
  const double rms = root_mean_square(base);
  const double amplitude = options.perturbation * (rms > 0.0 ? rms : 1.0);
  const double t0 = static_cast<double>(plan.transient_steps) * plan.dt;

  std::vector<LyapunovReplica> results(replicas);
  pool.parallel_for(replicas, [&](std::size_t r, std::size_t /*worker*/) {
    std::vector<double> x(base), z(n);
    CounterRng(options.seed, r, Purpose::member_perturbation, kLyapunovStartStream)
        .normals(z.data(), n);
    for (std::size_t i = 0; i < n; ++i) x[i] += amplitude * z[i];
    if constexpr (ConstrainedSystem<System>) system.constrain(x);
    std::vector<double> frame(n * k), log_r(k);
    CounterRng(options.seed, r, Purpose::member_perturbation, kLyapunovFrameStream)
        .normals(frame.data(), frame.size());
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(n, k);
    orthonormalise(frame, n, log_r, qr);
    results[r] =
        lyapunov_replica(system, std::span<double>(x), std::span<double>(frame), t0, plan, r);
  });

  LyapunovSpectrum out;
  out.dimension = n;
  out.replicas = replicas;
  out.intervals = plan.intervals;
  out.dt = plan.dt;
  out.scheme = lyapunov_scheme<System>();
  out.interval = static_cast<double>(plan.every) * plan.dt;
  out.transient = t0;
  out.length = static_cast<double>(plan.intervals) * out.interval;
  out.exponents.assign(k, 0.0);
  out.standard_error.assign(k, 0.0);
  std::vector<double> column(replicas), ky(replicas), ks(replicas);
  for (std::size_t r = 0; r < replicas; ++r) {
    const std::vector<double>& e = results[r].exponents;
    out.by_replica.insert(out.by_replica.end(), e.begin(), e.end());
    ky[r] = kaplan_yorke_dimension(e, k == n);
    ks[r] = kolmogorov_sinai_entropy(e);
    if (plan.finite_time) {
      out.finite_time.insert(out.finite_time.end(), results[r].finite_time.begin(),
                             results[r].finite_time.end());
    }
  }
  for (std::size_t j = 0; j < k; ++j) {
    double sum = 0.0;
    for (std::size_t r = 0; r < replicas; ++r) {
      column[r] = out.by_replica[r * k + j];
      sum += column[r];
    }
    out.exponents[j] = sum / static_cast<double>(replicas);
    out.standard_error[j] = standard_error(column);
  }
  out.kaplan_yorke_dimension = kaplan_yorke_dimension(out.exponents, k == n);
  out.kaplan_yorke_dimension_error = standard_error(ky);
  out.ks_entropy = kolmogorov_sinai_entropy(out.exponents);
  out.ks_entropy_error = standard_error(ks);
  return out;
}

}  // namespace

namespace detail {
void throw_lyapunov_breakdown(std::size_t replica, double t) {
  throw RuntimeError(fmt::format(
      "lyapunov: replica {} became non-finite (NaN/Inf state or a singular QR factor) by t = {}; "
      "try a smaller --dt or --renormalise-every",
      replica, t));
}
}  // namespace detail

double kaplan_yorke_dimension(std::span<const double> exponents, bool complete) {
  std::vector<double> sorted(exponents.begin(), exponents.end());
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  double partial = 0.0;
  for (std::size_t j = 0; j < sorted.size(); ++j) {
    if (std::isnan(sorted[j])) return std::nan("");
    if (partial + sorted[j] < 0.0) {
      // lambda_1 + ... + lambda_j >= 0 > lambda_1 + ... + lambda_{j+1}, so lambda_{j+1} < 0.
      return static_cast<double>(j) + partial / std::abs(sorted[j]);
    }
    partial += sorted[j];
  }
  return complete ? static_cast<double>(sorted.size()) : std::nan("");
}

double kolmogorov_sinai_entropy(std::span<const double> exponents) {
  double h = 0.0;
  for (double e : exponents) {
    if (e > 0.0) h += e;
  }
  return h;
}

LyapunovPlan check_lyapunov_options(const LyapunovOptions& o, std::size_t dimension) {
  LyapunovPlan plan;
  plan.dimension = dimension;
  plan.exponents = o.exponents == 0 ? dimension : o.exponents;
  if (plan.exponents > dimension) {
    throw UsageError(fmt::format("--k: must be between 1 and the system's dimension {}, got {}",
                                 dimension, o.exponents));
  }
  if (!(std::isfinite(o.dt) && o.dt > 0.0)) {
    throw UsageError(fmt::format("--dt: must be a finite step > 0, got {}", o.dt));
  }
  plan.dt = o.dt;
  if (!(std::isfinite(o.transient) && o.transient >= 0.0)) {
    throw UsageError(fmt::format("--transient: must be a finite time >= 0, got {}", o.transient));
  }
  plan.transient_steps = whole_steps(o.transient, o.dt, "--transient", "--dt");
  if (o.renormalise_every < 1) {
    throw UsageError(
        fmt::format("--renormalise-every: must be at least 1 step, got {}", o.renormalise_every));
  }
  plan.every = o.renormalise_every;
  const double interval = static_cast<double>(o.renormalise_every) * o.dt;
  if (!(std::isfinite(o.length) && o.length > interval)) {
    throw UsageError(fmt::format(
        "--length: must be longer than one renormalisation interval (--renormalise-every {} x "
        "--dt {} = {}), got {}",
        o.renormalise_every, o.dt, interval, o.length));
  }
  plan.intervals = whole_steps(o.length, interval, "--length",
                               "the renormalisation interval (--renormalise-every x --dt)");
  if (o.replicas < 1) {
    throw UsageError(fmt::format("--replicas: must be at least 1, got {}", o.replicas));
  }
  if (!(std::isfinite(o.perturbation) && o.perturbation > 0.0)) {
    throw UsageError(
        fmt::format("lyapunov perturbation: must be finite and > 0, got {}", o.perturbation));
  }
  plan.finite_time = o.finite_time;
  // Finite-time exponents are kept in memory: refuse more than 2^28 values (2 GiB).
  const double kept = static_cast<double>(o.replicas) * static_cast<double>(plan.intervals) *
                      static_cast<double>(plan.exponents);
  if (o.finite_time && kept > static_cast<double>(std::size_t{1} << 28)) {
    throw UsageError(fmt::format(
        "--finite-time: {:.3g} values (replicas x intervals x exponents) would not fit; raise "
        "--renormalise-every or shorten --length",
        kept));
  }
  return plan;
}

void orthonormalise(std::span<double> a, std::size_t n, std::span<double> log_r,
                    Eigen::HouseholderQR<Eigen::MatrixXd>& qr) {
  const auto rows = static_cast<Eigen::Index>(n);
  const auto cols = static_cast<Eigen::Index>(a.size() / n);
  Eigen::Map<Eigen::MatrixXd> m(a.data(), rows, cols);
  qr.compute(m);
  // The thin Q: the first k columns of H_1 ... H_k.
  m.setIdentity();
  m.applyOnTheLeft(qr.householderQ());
  for (Eigen::Index j = 0; j < cols; ++j) {
    const double r = qr.matrixQR()(j, j);
    log_r[static_cast<std::size_t>(j)] = std::log(std::abs(r));
    if (r < 0.0) m.col(j) = -m.col(j);
  }
}

LyapunovSpectrum lyapunov_spectrum(const AnySystem& system, const LyapunovOptions& options,
                                   ThreadPool& pool) {
  return std::visit([&](const auto& s) { return spectrum_of(s, options, pool); }, system);
}

}  // namespace butterfly
