// SPPT: the stateless AR(1)-bridge pattern and the stepper that scales each step's
// increment by (1 + r).
#include "butterfly/perturb/sppt_stepper.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

constexpr std::uint32_t kAnchorStreams = 0x80000000u;  // high bit: anchor draws
constexpr std::uint32_t kStreamMask = 0x7FFFFFFFu;

std::uint32_t step_stream(std::int64_t step) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(step)) & kStreamMask;
}

std::uint32_t anchor_stream(std::int64_t j) {
  return kAnchorStreams | (static_cast<std::uint32_t>(static_cast<std::uint64_t>(j)) & kStreamMask);
}

}  // namespace

void check_sppt_settings(const SpptSettings& s) {
  if (!std::isfinite(s.sigma) || s.sigma < 0.0) {
    throw UsageError(
        fmt::format("model.sppt_sigma: must be a finite number >= 0, got {}", s.sigma));
  }
  if (!std::isfinite(s.tau) || s.tau <= 0.0) {
    throw UsageError(fmt::format("model.sppt_tau: must be a finite number > 0, got {}", s.tau));
  }
  if (!std::isfinite(s.length) || s.length < 0.0) {
    throw UsageError(
        fmt::format("model.sppt_length: must be a finite number >= 0, got {}", s.length));
  }
}

SpptPattern::SpptPattern(const SpptSettings& settings, std::size_t sites, double dt)
    : sigma_(settings.sigma), seed_(settings.seed), sites_(sites) {
  check_sppt_settings(settings);
  if (!(dt > 0.0) || !std::isfinite(dt)) {
    throw UsageError(fmt::format("integrator.dt: must be > 0 for SPPT, got {}", dt));
  }
  const double ratio = settings.tau / dt;  // tau in steps
  if (ratio > 1e8) {
    throw UsageError(
        fmt::format("model.sppt_tau: tau / integrator.dt must be at most 1e8, got {:g}", ratio));
  }
  const double log_cut = -std::log(kTruncation);
  spacing_ = static_cast<std::size_t>(std::max(1.0, std::ceil(std::sqrt(2.0 * log_cut * ratio))));
  const double anchor_gap = static_cast<double>(spacing_) / ratio;  // P dt / tau
  const auto window = static_cast<std::size_t>(std::max(1.0, std::ceil(log_cut / anchor_gap)));
  double norm = 0.0;
  for (std::size_t i = 0; i < window; ++i) {
    window_.push_back(std::exp(-static_cast<double>(i) * anchor_gap));  // Phi^i
    norm += window_.back() * window_.back();
  }
  for (double& w : window_) w /= std::sqrt(norm);

  // Bridge coefficients for offsets i = n - jP = 0 .. P-2, with k = P - 1 - i steps left
  // after n + 1; 1 - phi^(2q) as -expm1 keeps them accurate when phi is close to 1.
  const double phi = std::exp(-1.0 / ratio);
  const double one_minus_phi2 = -std::expm1(-2.0 / ratio);
  for (std::size_t i = 0; i + 1 < spacing_; ++i) {
    const double k = static_cast<double>(spacing_ - 1 - i);
    const double one_minus_phi2k = -std::expm1(-2.0 * k / ratio);
    const double denominator = -std::expm1(-2.0 * (k + 1.0) / ratio);
    alpha_.push_back(phi * one_minus_phi2k / denominator);
    beta_.push_back(std::exp(-k / ratio) * one_minus_phi2 / denominator);
    gamma_.push_back(std::sqrt(one_minus_phi2 * one_minus_phi2k / denominator));
  }

  if (settings.length > 0.0 && sites_ > 0) {
    const double n = static_cast<double>(sites_);
    const double l2 = settings.length * settings.length;
    const int images = static_cast<int>(std::ceil(8.0 * settings.length / n)) + 1;
    weights_.assign(sites_, 0.0);
    double sum2 = 0.0;
    for (std::size_t k = 0; k < sites_; ++k) {
      for (int j = -images; j <= images; ++j) {
        const double d = static_cast<double>(k) + j * n;
        weights_[k] += std::exp(-d * d / l2);
      }
      sum2 += weights_[k] * weights_[k];
    }
    const double largest = *std::max_element(weights_.begin(), weights_.end());
    for (std::size_t k = 0; k < sites_; ++k) {
      if (weights_[k] < 1e-12 * largest) weights_[k] = 0.0;
    }
    sum2 = 0.0;
    for (double w : weights_) sum2 += w * w;
    for (std::size_t k = 0; k < sites_; ++k) {
      weights_[k] /= std::sqrt(sum2);
      if (weights_[k] != 0.0) kernel_.emplace_back(k, weights_[k]);
    }
  }
}

double SpptPattern::spatial_correlation(std::size_t distance) const {
  if (weights_.empty()) return distance % std::max<std::size_t>(sites_, 1) == 0 ? 1.0 : 0.0;
  double c = 0.0;
  for (std::size_t k = 0; k < sites_; ++k) c += weights_[k] * weights_[(k + distance) % sites_];
  return c;
}

std::int64_t SpptPattern::anchor_index(std::int64_t step) const {
  const auto p = static_cast<std::int64_t>(spacing_);
  return step >= 0 ? step / p : -((-step + p - 1) / p);
}

// u(jP) = sum_i window_i eta_{j-i}, summed in the fixed order i = 0, 1, ...
void SpptPattern::anchor(std::uint64_t member, std::int64_t j, double* u, double* scratch) const {
  std::fill(u, u + sites_, 0.0);
  for (std::size_t i = 0; i < window_.size(); ++i) {
    CounterRng(seed_, member, Purpose::tendency_noise,
               anchor_stream(j - static_cast<std::int64_t>(i)))
        .normals(scratch, sites_);
    for (std::size_t v = 0; v < sites_; ++v) u[v] += window_[i] * scratch[v];
  }
}

void SpptPattern::finish(const double* u, double* r) const {
  if (kernel_.empty()) {
    for (std::size_t i = 0; i < sites_; ++i) r[i] = std::clamp(sigma_ * u[i], -1.0, 1.0);
    return;
  }
  for (std::size_t i = 0; i < sites_; ++i) {
    double p = 0.0;
    for (const auto& [k, w] : kernel_) {
      const std::size_t site = i + k < sites_ ? i + k : i + k - sites_;
      p += w * u[site];
    }
    r[i] = std::clamp(sigma_ * p, -1.0, 1.0);
  }
}

void SpptPattern::values(std::uint64_t member, std::int64_t step, double* r) const {
  const Cursor cursor(*this, member, step);
  std::memcpy(r, cursor.values(), sites_ * sizeof(double));
}

SpptPattern::Cursor::Cursor(const SpptPattern& pattern, std::uint64_t member, std::int64_t step)
    : pattern_(&pattern),
      member_(member),
      u_(pattern.sites_),
      anchor_(pattern.sites_),
      r_(pattern.sites_),
      scratch_(pattern.sites_) {
  const std::int64_t j = pattern.anchor_index(step);
  pattern.anchor(member, j, u_.data(), scratch_.data());
  pattern.anchor(member, j + 1, anchor_.data(), scratch_.data());
  step_ = j * static_cast<std::int64_t>(pattern.spacing_);
  while (step_ < step) bridge_step();
  pattern.finish(u_.data(), r_.data());
}

// u(step) -> u(step + 1) inside the current anchor interval (never onto the anchor).
void SpptPattern::Cursor::bridge_step() {
  const SpptPattern& p = *pattern_;
  const auto offset = static_cast<std::size_t>(step_ - p.anchor_index(step_) *
                                                           static_cast<std::int64_t>(p.spacing_));
  ++step_;
  CounterRng(p.seed_, member_, Purpose::tendency_noise, step_stream(step_))
      .normals(scratch_.data(), p.sites_);
  const double a = p.alpha_[offset], b = p.beta_[offset], g = p.gamma_[offset];
  for (std::size_t v = 0; v < p.sites_; ++v) {
    u_[v] = a * u_[v] + b * anchor_[v] + g * scratch_[v];
  }
}

void SpptPattern::Cursor::next() {
  const SpptPattern& p = *pattern_;
  const std::int64_t j = p.anchor_index(step_ + 1);
  if (j * static_cast<std::int64_t>(p.spacing_) == step_ + 1) {
    // Onto the next anchor: it becomes the state, and the one after is drawn.
    std::swap(u_, anchor_);
    p.anchor(member_, j + 1, anchor_.data(), scratch_.data());
    ++step_;
  } else {
    bridge_step();
  }
  p.finish(u_.data(), r_.data());
}

SpptStepper::SpptStepper(std::unique_ptr<EnsembleStepper> inner, const SpptSettings& settings)
    : inner_(std::move(inner)), settings_(settings) {
  check_sppt_settings(settings_);
}

std::shared_ptr<const SpptPattern> SpptStepper::pattern(double dt) const {
  const std::lock_guard lock(mutex_);
  if (!pattern_ || pattern_dt_ != dt) {
    pattern_ = std::make_shared<const SpptPattern>(settings_, dimension(), dt);
    pattern_dt_ = dt;
  }
  return pattern_;
}

void SpptStepper::advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const {
  if (settings_.sigma == 0.0 || steps == 0) {
    inner_->advance(block, t0, steps, dt);
    return;
  }
  const std::size_t n = dimension();
  const std::size_t stride = block.stride();
  const std::size_t members = block.members();
  const std::shared_ptr<const SpptPattern> shared = this->pattern(dt);
  const SpptPattern& pattern = *shared;
  std::vector<SpptPattern::Cursor> cursors;
  cursors.reserve(members);
  const std::int64_t first_step = std::llround(t0 / dt);
  for (std::size_t m = 0; m < members; ++m) {
    cursors.emplace_back(pattern, block.first_member() + m, first_step);
  }
  std::vector<double> before(n * stride);
  for (std::size_t k = 0; k < steps; ++k) {
    const double t = t0 + static_cast<double>(k) * dt;
    const std::int64_t step = std::llround(t / dt);
    for (std::size_t v = 0; v < n; ++v) {
      std::memcpy(before.data() + v * stride, block.row(v), stride * sizeof(double));
    }
    inner_->advance(block, t, 1, dt);
    for (std::size_t m = 0; m < members; ++m) {
      SpptPattern::Cursor& cursor = cursors[m];
      if (cursor.step() + 1 == step) {
        cursor.next();
      } else if (cursor.step() != step) {
        cursor = SpptPattern::Cursor(pattern, block.first_member() + m, step);
      }
      const double* r = cursor.values();
      for (std::size_t v = 0; v < n; ++v) {
        const double x = before[v * stride + m];
        const double y = block.at(v, m);
        block.at(v, m) = y + r[v] * (y - x);
      }
    }
  }
}

void SpptStepper::advance(std::span<double> state, double t0, std::size_t steps, double dt) const {
  if (settings_.sigma == 0.0 || !settings_.perturb_truth || steps == 0) {
    inner_->advance(state, t0, steps, dt);
    return;
  }
  const std::size_t n = dimension();
  const std::shared_ptr<const SpptPattern> shared = this->pattern(dt);
  const SpptPattern& pattern = *shared;
  SpptPattern::Cursor cursor(pattern, kTruthMember, std::llround(t0 / dt));
  std::vector<double> before(n);
  for (std::size_t k = 0; k < steps; ++k) {
    const double t = t0 + static_cast<double>(k) * dt;
    const std::int64_t step = std::llround(t / dt);
    if (cursor.step() + 1 == step) {
      cursor.next();
    } else if (cursor.step() != step) {
      cursor = SpptPattern::Cursor(pattern, kTruthMember, step);
    }
    std::copy(state.begin(), state.end(), before.begin());
    inner_->advance(state, t, 1, dt);
    const double* r = cursor.values();
    for (std::size_t v = 0; v < n; ++v) state[v] = state[v] + r[v] * (state[v] - before[v]);
  }
}

}  // namespace butterfly
