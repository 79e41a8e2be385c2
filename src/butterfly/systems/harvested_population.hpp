// May's (1977) harvested resource: logistic growth grazed through a sigmoid (Holling
// type III) response, with the grazing rate ramped slowly through the fold where the
// resource collapses. May, "Thresholds and breakpoints in ecosystems with a multiplicity of
// stable states", Nature 269, 471 (1977); the model of Dakos et al. 2012 (PLoS ONE 7,
// e41010, Fig. 1).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// dx = [r x (1 - x/K) - c(t) x^2 / (x^2 + h^2)] dt + sigma x dW,   c(t) = c_start + ramp_rate t.
//
// At r = 1, K = 10, h = 1 the high-biomass branch ends at the fold c = 2.6044 (x = 4.78)
// and the collapsed branch at c = 1.7872 (x = 1.14): bistable in between (May 1977, Fig. 3;
// Dakos et al. 2012, Fig. 1A). ramp_rate = 0 is the null system that never tips (the
// convention shared with the early-warning analysis); ramp_rate > 0 drives it through the
// fold, which a slow deterministic ramp crosses with a delay proportional to
// ramp_rate^(-1/3) (the saddle-node law, see saddle_node.hpp).
//
// Noise. Multiplicative (environmental) noise sigma x dW, i.e. a white-noise growth rate:
// it keeps the population positive (x = 0 is an equilibrium of drift and noise alike),
// whereas additive noise pushes the collapsed state (x ~ 0.4 near the fold) across x = 0,
// below which the logistic term drives x to -infinity in finite time (a diverged member).
// Near an equilibrium x* it acts as additive noise of amplitude sigma x*, so the
// early-warning theory (variance sigma^2 x*^2 / (2 |lambda|), lag-1 autocorrelation
// exp(lambda dt)) applies unchanged. g_i depends on x_i only, so Milstein applies.
class HarvestedPopulation {
 public:
  static constexpr std::string_view name = "harvested_population";
  static constexpr std::string_view summary =
      "May (1977) logistic resource with sigmoid harvesting c(t) x^2/(x^2+h^2), c ramped "
      "through the fold, multiplicative noise (Nature 269, 471; Dakos et al. 2012)";
  static constexpr std::string_view time_units =
      "1 unit = 1/r at r = 1 (the resource's growth time)";
  static constexpr std::string_view default_scheme = "euler_maruyama";
  static constexpr double default_dt = 0.01;
  static constexpr std::array<ParameterSpec, 6> parameters{{
      {"r", 1.0, "intrinsic growth rate", "1/time", false, 1e-12},
      {"capacity", 10.0, "carrying capacity K", "biomass", false, 1e-12},
      {"half_saturation", 1.0, "half-saturation biomass h of the harvest", "biomass", false, 1e-12},
      {"c_start", 1.0, "maximal harvest rate c at t = 0 (fold at 2.6044 for the defaults)",
       "biomass/time", false, 0.0},
      {"ramp_rate", 0.01, "dc/dt; 0 keeps c fixed (the null system)", "biomass/time^2"},
      {"sigma", 0.05, "amplitude of the multiplicative noise sigma x dW", "1/sqrt(time)", false,
       0.0},
  }};

  explicit HarvestedPopulation(const ParameterValues<6>& p)
      : r_(p[0]),
        capacity_(p[1]),
        h2_(p[2] * p[2]),
        c_start_(p[3]),
        ramp_rate_(p[4]),
        sigma_(p[5]) {}

  std::size_t dimension() const { return 1; }

  // c(t) = c_start + ramp_rate t.
  double harvest_rate(double t) const { return c_start_ + ramp_rate_ * t; }

  // The largest equilibrium at t = 0 (the high-biomass state below the fold).
  void default_state(std::span<double> x) const { x[0] = largest_equilibrium(c_start_); }

  // The largest positive root of r (1 - x/K)(x^2 + h^2) - c x = 0 (the nonzero equilibria
  // divided by x) for a frozen c: scanned down from K, then bisected. K when c <= 0.
  double largest_equilibrium(double c) const {
    const auto p = [&](double x) { return r_ * (1.0 - x / capacity_) * (x * x + h2_) - c * x; };
    if (c <= 0.0) return capacity_;
    constexpr int kScan = 4096;  // p(K) = -c K < 0 and p(0) = r h^2 > 0: a root exists
    double hi = capacity_, lo = capacity_;
    for (int i = kScan - 1; i >= 0; --i) {
      lo = capacity_ * i / kScan;
      if (p(lo) > 0.0) break;
      hi = lo;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (p(mid) > 0.0 ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double t) const {
    const T x2 = x[0] * x[0];
    dxdt[0] = r_ * x[0] * (1.0 - x[0] / capacity_) - harvest_rate(t) * x2 / (x2 + h2_);
  }

  template <class T>
  void diffusion(const T* x, T* g, double /*t*/) const {
    g[0] = sigma_ * x[0];
  }

 private:
  double r_, capacity_, h2_, c_start_, ramp_rate_, sigma_;
};

static_assert(DynamicalSystem<HarvestedPopulation>);
static_assert(StochasticSystem<HarvestedPopulation>);

}  // namespace butterfly
