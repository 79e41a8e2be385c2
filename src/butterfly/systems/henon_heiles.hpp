// Henon-Heiles galactic potential: H = (px^2 + py^2)/2 + (x^2 + y^2)/2 + x^2 y - y^3/3.
// Henon & Heiles, "The applicability of the third integral of motion: some
// numerical experiments", Astron. J. 69, 73-79 (1964).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/core/error.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// State (x, y, px, py); a separable Hamiltonian with q = (x, y), p = (px, py):
//   dx/dt = px,  dy/dt = py,  dpx/dt = -x - 2 x y,  dpy/dt = -y - x^2 + y^2.
// Orbits with H < 1/6 (the energy of the three saddles (0, 1), (+-sqrt(3)/2, -1/2))
// that start inside the triangle joining the saddles stay bounded; there
// 1/6 - V = (2y + 1) ((1 - y)^2 - 3 x^2) / 6 > 0.
class HenonHeiles {
 public:
  static constexpr std::string_view name = "henon_heiles";
  static constexpr std::string_view summary =
      "Henon & Heiles (1964) star in a galactic potential, 2 degrees of freedom (Astron. J. 69, "
      "73)";
  static constexpr std::string_view time_units =
      "dimensionless time; a small oscillation about the centre takes 2 pi";
  static constexpr std::array<ParameterSpec, 4> parameters{{
      {"energy", 0.125, "total energy H; below 1/6 (the escape energy) for bounded orbits", "1",
       false, 0.0},
      {"x0", 0.0, "default state: position x on the energy surface", "1"},
      {"y0", -0.2, "default state: position y (with x0 = py0 = 0, chaotic at E = 1/8)", "1"},
      {"py0", 0.0, "default state: momentum py; px >= 0 then follows from the energy", "1"},
  }};
  static constexpr std::string_view default_scheme = "yoshida4";
  static constexpr double default_dt = 0.01;
  // The saddle energy above which orbits escape (Henon & Heiles 1964).
  static constexpr double escape_energy = 1.0 / 6.0;

  // Throws UsageError for energy >= 1/6, for (x0, y0) outside the bounded
  // triangle, and for V(x0, y0) + py0^2/2 > energy (no real px0).
  explicit HenonHeiles(const ParameterValues<4>& p)
      : energy_(p[0]), x0_(p[1]), y0_(p[2]), py0_(p[3]) {
    if (!(energy_ < escape_energy)) {
      throw UsageError(fmt::format(
          "system.energy: must be in [0, 1/6) (1/6 is the escape energy) for bounded orbits, "
          "got {}",
          energy_));
    }
    if (!inside_triangle(x0_, y0_)) {
      throw UsageError(
          fmt::format("system.x0, system.y0: ({}, {}) lies outside the bounded triangle 2 y > -1, "
                      "3 x^2 < (1 - y)^2 joining the escape saddles",
                      x0_, y0_));
    }
    const double kinetic = energy_ - potential(x0_, y0_) - 0.5 * py0_ * py0_;
    if (kinetic < 0.0) {
      throw UsageError(fmt::format(
          "system.py0: V(x0, y0) + py0^2/2 = {} exceeds system.energy = {}, so no real px0 "
          "exists; lower |py0| or move (x0, y0) towards the origin",
          energy_ - kinetic, energy_));
    }
    px0_ = std::sqrt(2.0 * kinetic);
  }

  std::size_t dimension() const { return 4; }
  std::size_t positions() const { return 2; }
  double energy() const { return energy_; }

  // (x0, y0, px0, py0) with px0 = +sqrt(2 (E - V(x0, y0)) - py0^2), on H = E.
  void default_state(std::span<double> s) const {
    s[0] = x0_;
    s[1] = y0_;
    s[2] = px0_;
    s[3] = py0_;
  }

  template <class T>
  void rhs(const T* s, T* dsdt, double /*t*/) const {
    velocity(s + 2, dsdt);
    force(s, dsdt + 2);
  }

  // dq/dt = dH/dp = p.
  template <class T>
  void velocity(const T* p, T* dqdt) const {
    dqdt[0] = p[0];
    dqdt[1] = p[1];
  }

  // dp/dt = -grad V = (-x - 2 x y, -y - x^2 + y^2).
  template <class T>
  void force(const T* q, T* dpdt) const {
    const T x = q[0];
    const T y = q[1];
    dpdt[0] = -x - 2.0 * x * y;
    dpdt[1] = -y - x * x + y * y;
  }

  // V(x, y) = (x^2 + y^2)/2 + x^2 y - y^3/3.
  static double potential(double x, double y) {
    return 0.5 * (x * x + y * y) + x * x * y - y * y * y / 3.0;
  }

  // H(x, y, px, py) = (px^2 + py^2)/2 + V(x, y).
  double invariant(std::span<const double> s) const {
    return 0.5 * (s[2] * s[2] + s[3] * s[3]) + potential(s[0], s[1]);
  }

  // Projects a drawn state onto the energy surface H = energy:
  // 1. If the position (x, y) is outside the bounded triangle or V(x, y) > E,
  //    it is pulled back along the ray to the origin to s (x, y), s the largest
  //    in [0, 1] (bisection to round-off) with s (x, y) inside and V <= E.
  //    Along such a ray V(s q) = a s^2 + b s^3 rises monotonically until it
  //    reaches 1/6 on the triangle's edge, so that s is unique.
  // 2. The momenta are rescaled to kinetic energy K = E - V(x, y) >= 0, keeping
  //    their direction; a zero momentum becomes (sqrt(2 K), 0).
  void constrain(std::span<double> s) const {
    double x = s[0];
    double y = s[1];
    if (!fits(x, y)) {
      double lo = 0.0, hi = 1.0;  // fits(lo x, lo y) holds, fits(hi x, hi y) does not
      for (int i = 0; i < 200 && lo < hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        (fits(mid * x, mid * y) ? lo : hi) = mid;
      }
      x *= lo;
      y *= lo;
    }
    const double kinetic = std::max(0.0, energy_ - potential(x, y));
    const double p2 = s[2] * s[2] + s[3] * s[3];
    s[0] = x;
    s[1] = y;
    if (p2 > 0.0) {
      const double scale = std::sqrt(2.0 * kinetic / p2);
      s[2] *= scale;
      s[3] *= scale;
    } else {
      s[2] = std::sqrt(2.0 * kinetic);
      s[3] = 0.0;
    }
  }

 private:
  // Inside the triangle joining the saddles: 2 y + 1 > 0 and 3 x^2 < (1 - y)^2, y < 1.
  static bool inside_triangle(double x, double y) {
    return 2.0 * y + 1.0 > 0.0 && y < 1.0 && 3.0 * x * x < (1.0 - y) * (1.0 - y);
  }
  bool fits(double x, double y) const {
    return inside_triangle(x, y) && potential(x, y) <= energy_;
  }

  double energy_, x0_, y0_, py0_;
  double px0_ = 0.0;
};

static_assert(DynamicalSystem<HenonHeiles>);
static_assert(SeparableHamiltonian<HenonHeiles>);
static_assert(ConstrainedSystem<HenonHeiles>);

}  // namespace butterfly
