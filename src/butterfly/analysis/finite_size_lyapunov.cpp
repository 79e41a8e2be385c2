// Finite-size Lyapunov exponents: option checks, the members' threshold crossings
// (per block, on the pool) and the exact merge of their sums.
#include "butterfly/analysis/finite_size_lyapunov.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <variant>

#include "butterfly/analysis/predictability_horizon.hpp"
#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/stats/exact_sum.hpp"

namespace butterfly {
namespace {

// One block's share of the sums, merged exactly afterwards.
struct Partial {
  std::vector<ExactSum> time_sum;          // thresholds - 1
  std::vector<std::size_t> reached;        // thresholds - 1
  std::vector<ExactSum> squared;           // outputs: sum of |dx|^2
  std::vector<ExactSum> log_error;         // outputs: sum of log |dx|
  std::vector<ExactSum> x_sum, x_squared;  // variables: the controls at every output
};

void require_positive(double value, const char* option, const char* what) {
  if (!(std::isfinite(value) && value > 0.0)) {
    throw UsageError(fmt::format("{}: must be {} > 0, got {}", option, what, value));
  }
}

}  // namespace

std::size_t check_finite_size_options(const FiniteSizeOptions& o, std::size_t dimension) {
  require_positive(o.dt, "--dt", "a finite step");
  require_positive(o.delta_min, "--delta-min", "a finite distance");
  if (!(std::isfinite(o.ratio) && o.ratio > 1.0)) {
    throw UsageError(fmt::format("--ratio: must be a finite factor > 1, got {}", o.ratio));
  }
  if (o.thresholds < 2) {
    throw UsageError(fmt::format("--thresholds: must be at least 2, got {}", o.thresholds));
  }
  const double top = o.delta_min * std::pow(o.ratio, static_cast<double>(o.thresholds - 1));
  if (!std::isfinite(top)) {
    throw UsageError(
        fmt::format("--thresholds: {} thresholds from --delta-min {} by --ratio {} overflow",
                    o.thresholds, o.delta_min, o.ratio));
  }
  if (!(o.initial_fraction > 0.0 && o.initial_fraction < 1.0)) {
    throw UsageError(
        fmt::format("--initial-fraction: must be in (0, 1), got {}", o.initial_fraction));
  }
  if (o.members < 2) {
    throw UsageError(fmt::format("--members: must be at least 2, got {}", o.members));
  }
  require_positive(o.start_interval, "--start-interval", "a finite time");
  whole_steps(o.start_interval, o.dt, "--start-interval", "--dt");
  require_positive(o.output_every, "--output-every", "a finite time");
  const std::size_t every = whole_steps(o.output_every, o.dt, "--output-every", "--dt");
  require_positive(o.length, "--length", "a finite time");
  whole_steps(o.length, o.output_every, "--length", "--output-every");
  if (!(o.saturation_fraction > 0.0 && o.saturation_fraction <= 1.0)) {
    throw UsageError(
        fmt::format("--saturation-fraction: must be in (0, 1], got {}", o.saturation_fraction));
  }
  if (o.block_size < 1) {
    throw UsageError(fmt::format("--block-size: must be at least 1, got {}", o.block_size));
  }
  if (!(std::isfinite(o.spinup) && o.spinup >= 0.0)) {
    throw UsageError(fmt::format("--spinup: must be a finite time >= 0, got {}", o.spinup));
  }
  whole_steps(o.spinup, o.dt, "--spinup", "--dt");
  // The control starts are kept in memory: refuse more than 2^28 values (2 GiB).
  if (static_cast<double>(o.members) * static_cast<double>(dimension) >
      static_cast<double>(std::size_t{1} << 28)) {
    throw UsageError(
        fmt::format("--members: {} members of {} variables would not fit", o.members, dimension));
  }
  return every;
}

FiniteSizeLyapunov finite_size_lyapunov(const EnsembleStepper& stepper,
                                        std::span<const double> start, const FiniteSizeOptions& o,
                                        ThreadPool& pool) {
  const std::size_t n = stepper.dimension();
  const std::size_t every = check_finite_size_options(o, n);
  const std::size_t outputs =
      whole_steps(o.length, o.output_every, "--length", "--output-every") + 1;
  const std::size_t total_steps = (outputs - 1) * every;
  const std::size_t start_steps = whole_steps(o.start_interval, o.dt, "--start-interval", "--dt");
  const std::size_t members = o.members, levels = o.thresholds;
  if (start.size() != n) {
    throw UsageError(fmt::format("finite-size Lyapunov: the start state needs {} values", n));
  }

  std::vector<double> log_delta(levels);
  FiniteSizeLyapunov out;
  out.members = members;
  out.ratio = o.ratio;
  out.delta.resize(levels);
  for (std::size_t l = 0; l < levels; ++l) {
    out.delta[l] = o.delta_min * std::pow(o.ratio, static_cast<double>(l));
    log_delta[l] = std::log(out.delta[l]);
  }

  // The members' control starts along one trajectory, start_interval apart.
  std::vector<double> starts(members * n), x(start.begin(), start.end());
  for (std::size_t m = 0; m < members; ++m) {
    std::copy(x.begin(), x.end(), starts.begin() + static_cast<std::ptrdiff_t>(m * n));
    if (m + 1 < members) {
      stepper.advance(std::span<double>(x), static_cast<double>(m * start_steps) * o.dt,
                      start_steps, o.dt);
      if (!std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); })) {
        throw RuntimeError(fmt::format(
            "finite-size Lyapunov: the control run became non-finite (NaN/Inf) before member {}'s "
            "start; try a smaller --dt",
            m + 1));
      }
    }
  }

  const double initial = o.initial_fraction * o.delta_min;
  const std::size_t blocks = (members + o.block_size - 1) / o.block_size;
  std::vector<Partial> partials(blocks);
  pool.parallel_for(blocks, [&](std::size_t b, std::size_t /*worker*/) {
    const std::size_t first = b * o.block_size, count = std::min(o.block_size, members - first);
    Partial& p = partials[b];
    p.time_sum.resize(levels - 1);
    p.reached.assign(levels - 1, 0);
    p.squared.resize(outputs);
    p.log_error.resize(outputs);
    p.x_sum.resize(n);
    p.x_squared.resize(n);

    // Controls in lanes [0, count), perturbed copies in [count, 2 count).
    EnsembleBlock block(n, 2 * count, 2 * first);
    std::vector<double> z(count * n);
    for (std::size_t j = 0; j < count; ++j) {
      double* zj = z.data() + j * n;
      CounterRng(o.seed, first + j, Purpose::member_perturbation, kFiniteSizeStream).normals(zj, n);
      double norm = 0.0;
      for (std::size_t v = 0; v < n; ++v) norm += zj[v] * zj[v];
      norm = std::sqrt(norm);
      for (std::size_t v = 0; v < n; ++v) zj[v] *= initial / norm;
    }
    for (std::size_t v = 0; v < n; ++v) {
      double* row = block.row(v);
      for (std::size_t j = 0; j < count; ++j) {
        row[j] = starts[(first + j) * n + v];
        row[count + j] = row[j] + z[j * n + v];
      }
      for (std::size_t m = 2 * count; m < block.stride(); ++m) row[m] = row[0];  // padding
    }
    stepper.constrain(block);

    std::vector<double> squared(count), log_now(count), log_before(count), crossed_at(count);
    std::vector<std::size_t> next(count, 0);
    std::vector<double> x_sum(n * count, 0.0), x_squared(n * count, 0.0);
    const auto measure = [&](std::size_t step) {
      std::fill(squared.begin(), squared.end(), 0.0);
      for (std::size_t v = 0; v < n; ++v) {
        const double* row = block.row(v);
        for (std::size_t j = 0; j < count; ++j) {
          const double d = row[count + j] - row[j];
          squared[j] += d * d;
        }
      }
      for (std::size_t j = 0; j < count; ++j) {
        if (!std::isfinite(squared[j])) {
          throw RuntimeError(fmt::format(
              "finite-size Lyapunov: member {} became non-finite (NaN/Inf) by lead {}; try a "
              "smaller --dt",
              first + j, static_cast<double>(step) * o.dt));
        }
        log_now[j] = 0.5 * std::log(squared[j]);
      }
      if (step % every == 0) {
        const std::size_t out_index = step / every;
        for (std::size_t j = 0; j < count; ++j) {
          p.squared[out_index].add(squared[j]);
          p.log_error[out_index].add(log_now[j]);
        }
        // Each control's own sums over its outputs, in lead order (independent of the block).
        for (std::size_t v = 0; v < n; ++v) {
          const double* row = block.row(v);
          for (std::size_t j = 0; j < count; ++j) {
            x_sum[v * count + j] += row[j];
            x_squared[v * count + j] += row[j] * row[j];
          }
        }
      }
    };
    // Threshold crossings between the previous step and this one, interpolated in log |dx|.
    const auto cross = [&](std::size_t step) {
      const double t = static_cast<double>(step) * o.dt;
      for (std::size_t j = 0; j < count; ++j) {
        while (next[j] < levels && log_now[j] >= log_delta[next[j]]) {
          const double when = step == 0 ? 0.0
                                        : t - o.dt +
                                              o.dt * (log_delta[next[j]] - log_before[j]) /
                                                  (log_now[j] - log_before[j]);
          if (next[j] > 0) {
            p.time_sum[next[j] - 1].add(when - crossed_at[j]);
            ++p.reached[next[j] - 1];
          }
          crossed_at[j] = when;
          ++next[j];
        }
        log_before[j] = log_now[j];
      }
    };
    measure(0);
    cross(0);
    for (std::size_t step = 1; step <= total_steps; ++step) {
      stepper.advance(block, static_cast<double>(step - 1) * o.dt, 1, o.dt);
      measure(step);
      cross(step);
    }
    for (std::size_t i = 0; i < n * count; ++i) {
      p.x_sum[i / count].add(x_sum[i]);
      p.x_squared[i / count].add(x_squared[i]);
    }
  });

  Partial total;
  total.time_sum.resize(levels - 1);
  total.reached.assign(levels - 1, 0);
  total.squared.resize(outputs);
  total.log_error.resize(outputs);
  total.x_sum.resize(n);
  total.x_squared.resize(n);
  for (const Partial& p : partials) {
    for (std::size_t l = 0; l + 1 < levels; ++l) {
      total.time_sum[l].merge(p.time_sum[l]);
      total.reached[l] += p.reached[l];
    }
    for (std::size_t i = 0; i < outputs; ++i) {
      total.squared[i].merge(p.squared[i]);
      total.log_error[i].merge(p.log_error[i]);
    }
    for (std::size_t v = 0; v < n; ++v) {
      total.x_sum[v].merge(p.x_sum[v]);
      total.x_squared[v].merge(p.x_squared[v]);
    }
  }

  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.reached = total.reached;
  out.mean_time.resize(levels - 1);
  out.exponent.resize(levels - 1);
  for (std::size_t l = 0; l + 1 < levels; ++l) {
    const double mean = total.reached[l] > 0
                            ? total.time_sum[l].value() / static_cast<double>(total.reached[l])
                            : nan;
    out.mean_time[l] = mean;
    out.exponent[l] = std::log(o.ratio) / mean;
  }
  const double m = static_cast<double>(members);
  out.leads.resize(outputs);
  out.rms_error.resize(outputs);
  out.mean_log_error.resize(outputs);
  for (std::size_t i = 0; i < outputs; ++i) {
    out.leads[i] = static_cast<double>(i * every) * o.dt;
    out.rms_error[i] = std::sqrt(total.squared[i].value() / m);
    out.mean_log_error[i] = total.log_error[i].value() / m;
  }
  const double samples = m * static_cast<double>(outputs);
  double variance = 0.0;
  for (std::size_t v = 0; v < n; ++v) {
    const double mean = total.x_sum[v].value() / samples;
    variance += std::max(0.0, total.x_squared[v].value() / samples - mean * mean);
  }
  out.saturation = std::sqrt(2.0 * variance);
  out.horizon =
      predictability_horizon(out.leads, out.rms_error, out.saturation, o.saturation_fraction);
  return out;
}

FiniteSizeLyapunov finite_size_lyapunov(const AnySystem& system, const FiniteSizeOptions& options,
                                        ThreadPool& pool) {
  const std::size_t n = system_dimension(system);
  check_finite_size_options(options, n);
  const std::unique_ptr<EnsembleStepper> stepper = make_stepper(system, "rk4");
  std::vector<double> start(n);
  std::visit([&](const auto& s) { s.default_state(start); }, system);
  stepper->advance(std::span<double>(start), 0.0,
                   whole_steps(options.spinup, options.dt, "--spinup", "--dt"), options.dt);
  if (!std::all_of(start.begin(), start.end(), [](double v) { return std::isfinite(v); })) {
    throw RuntimeError(fmt::format(
        "finite-size Lyapunov: the default state became non-finite (NaN/Inf) during --spinup {}; "
        "try a smaller --dt",
        options.spinup));
  }
  return finite_size_lyapunov(*stepper, start, options, pool);
}

}  // namespace butterfly
