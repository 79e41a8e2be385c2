// Covariant Lyapunov vectors: option checks, the QR step with its full R factor, the
// backward sweep of Ginelli et al. and the angles between vectors.
#include "butterfly/analysis/covariant_lyapunov_vectors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {

ClvPlan check_clv_options(const ClvOptions& o, std::size_t dimension) {
  LyapunovOptions lyapunov;
  lyapunov.exponents = o.vectors;
  lyapunov.dt = o.dt;
  lyapunov.transient = o.transient;
  lyapunov.length = o.length;
  lyapunov.renormalise_every = o.renormalise_every;
  lyapunov.replicas = 1;
  lyapunov.seed = o.seed;
  ClvPlan plan;
  plan.lyapunov = check_lyapunov_options(lyapunov, dimension);
  plan.seed = o.seed;
  const double interval = static_cast<double>(o.renormalise_every) * o.dt;
  if (!(std::isfinite(o.backward_transient) && o.backward_transient >= 0.0)) {
    throw UsageError(fmt::format("--backward-transient: must be a finite time >= 0, got {}",
                                 o.backward_transient));
  }
  plan.backward_intervals =
      o.backward_transient == 0.0
          ? 0
          : whole_steps(o.backward_transient, interval, "--backward-transient",
                        "the renormalisation interval (--renormalise-every x --dt)");
  const std::size_t window = plan.lyapunov.intervals;
  if (o.keep_every < 1 || o.keep_every > window) {
    throw UsageError(
        fmt::format("--keep-every: must be between 1 and the window's {} intervals, got {}", window,
                    o.keep_every));
  }
  plan.keep_every = o.keep_every;
  plan.kept = window / o.keep_every;
  // Everything is held in memory: refuse more than 2^28 values (2 GiB).
  const double n = static_cast<double>(dimension), k = static_cast<double>(plan.lyapunov.exponents);
  const double values = static_cast<double>(plan.kept) * (2.0 * n * k + n) +
                        static_cast<double>(window + plan.backward_intervals) * k * k;
  if (values > static_cast<double>(std::size_t{1} << 28)) {
    throw UsageError(fmt::format(
        "--length: {:.3g} stored values (kept vectors and R factors) would not fit; raise "
        "--keep-every or --renormalise-every, or shorten --length or --backward-transient",
        values));
  }
  return plan;
}

std::vector<double> clv_angles(const CovariantLyapunovVectors& clvs, std::size_t i, std::size_t j) {
  if (i >= clvs.k || j >= clvs.k) {
    throw UsageError(
        fmt::format("clv_angles: vectors {} and {} must be below k = {}", i, j, clvs.k));
  }
  std::vector<double> out(clvs.kept());
  for (std::size_t m = 0; m < clvs.kept(); ++m) {
    const std::span<const double> a = clvs.vector(m, i), b = clvs.vector(m, j);
    double dot = 0.0;
    for (std::size_t v = 0; v < clvs.dimension; ++v) dot += a[v] * b[v];
    out[m] = std::acos(std::min(1.0, std::abs(dot)));
  }
  return out;
}

namespace detail {

void throw_clv_breakdown(double t) {
  throw RuntimeError(fmt::format(
      "covariant Lyapunov vectors: the state or a QR factor became non-finite (NaN/Inf) or "
      "singular by t = {}; try a smaller --dt or --renormalise-every",
      t));
}

void clv_qr_step(std::span<double> a, std::size_t n, std::span<double> r,
                 Eigen::HouseholderQR<Eigen::MatrixXd>& qr, double t) {
  const auto rows = static_cast<Eigen::Index>(n);
  const auto cols = static_cast<Eigen::Index>(a.size() / n);
  Eigen::Map<Eigen::MatrixXd> m(a.data(), rows, cols);
  Eigen::Map<Eigen::MatrixXd> upper(r.data(), cols, cols);
  qr.compute(m);
  upper = qr.matrixQR().topRows(cols).triangularView<Eigen::Upper>();
  m.setIdentity();
  m.applyOnTheLeft(qr.householderQ());
  for (Eigen::Index j = 0; j < cols; ++j) {
    const double d = upper(j, j);
    if (!(std::isfinite(d) && d != 0.0)) throw_clv_breakdown(t);
    if (d < 0.0) {
      // Q D D R with D = diag(sign): flip column j of Q and row j of R.
      m.col(j) = -m.col(j);
      upper.row(j) = -upper.row(j);
    }
  }
  if (!upper.allFinite()) throw_clv_breakdown(t);
}

CovariantLyapunovVectors clv_backward_sweep(const ClvPlan& plan, const ClvForwardRecord& record) {
  const LyapunovPlan& lp = plan.lyapunov;
  const std::size_t n = lp.dimension, k = lp.exponents, window = lp.intervals;
  const std::size_t total = window + plan.backward_intervals;
  const auto kk = static_cast<Eigen::Index>(k);

  CovariantLyapunovVectors out;
  out.dimension = n;
  out.k = k;
  out.intervals = window;
  out.keep_every = plan.keep_every;
  out.dt = lp.dt;
  out.interval = static_cast<double>(lp.every) * lp.dt;
  out.start = record.start;
  out.states = record.states;
  out.vectors.resize(plan.kept * k * n);
  out.growth_rates.resize(window * k);
  out.times.resize(plan.kept);
  for (std::size_t m = 0; m < plan.kept; ++m) {
    out.times[m] = record.start + static_cast<double>((m + 1) * plan.keep_every) * out.interval;
  }

  // A generic upper-triangular C with unit columns at the end of the backward transient.
  Eigen::MatrixXd c(kk, kk);
  CounterRng(plan.seed, 0, Purpose::member_perturbation, kClvCoefficientStream)
      .normals(c.data(), k * k);
  c = Eigen::MatrixXd(c.triangularView<Eigen::Upper>());
  c.colwise().normalize();

  Eigen::MatrixXd x(kk, kk);
  for (std::size_t step = total; step-- > 0;) {
    // c is C at the end of interval `step`.
    if (step < window && (step + 1) % plan.keep_every == 0) {
      const std::size_t m = (step + 1) / plan.keep_every - 1;
      const Eigen::Map<const Eigen::MatrixXd> q(record.q.data() + m * n * k,
                                                static_cast<Eigen::Index>(n), kk);
      Eigen::Map<Eigen::MatrixXd>(out.vectors.data() + m * k * n, static_cast<Eigen::Index>(n),
                                  kk) = q * c;
    }
    const Eigen::Map<const Eigen::MatrixXd> r(record.r.data() + step * k * k, kk, kk);
    x = r.triangularView<Eigen::Upper>().solve(c);
    for (Eigen::Index j = 0; j < kk; ++j) {
      const double norm = x.col(j).norm();
      if (!(std::isfinite(norm) && norm > 0.0)) {
        throw_clv_breakdown(record.start + static_cast<double>(step) * out.interval);
      }
      if (step < window) {
        out.growth_rates[step * k + static_cast<std::size_t>(j)] = -std::log(norm) / out.interval;
      }
      c.col(j) = x.col(j) / norm;
    }
  }

  out.exponents.assign(k, 0.0);
  for (std::size_t w = 0; w < window; ++w) {
    for (std::size_t j = 0; j < k; ++j) out.exponents[j] += out.growth_rates[w * k + j];
  }
  for (double& e : out.exponents) e /= static_cast<double>(window);
  return out;
}

}  // namespace detail

CovariantLyapunovVectors covariant_lyapunov_vectors(const AnySystem& system,
                                                    const ClvOptions& options) {
  return std::visit(
      [&](const auto& s) {
        const std::size_t n = s.dimension();
        const ClvPlan plan = check_clv_options(options, n);
        std::vector<double> start(n);
        s.default_state(start);
        propagate_tangents<ClassicRk4Tableau>(s, std::span<double>(start), std::span<double>(), 0.0,
                                              plan.lyapunov.transient_steps, plan.lyapunov.dt);
        const double t0 = static_cast<double>(plan.lyapunov.transient_steps) * plan.lyapunov.dt;
        if (!std::all_of(start.begin(), start.end(), [](double v) { return std::isfinite(v); })) {
          detail::throw_clv_breakdown(t0);
        }
        return covariant_lyapunov_vectors(s, std::span<const double>(start), t0, options);
      },
      system);
}

}  // namespace butterfly
