// Forward-mode dual numbers with a block of tangent directions, x + sum_l v_l eps_l
// (eps_l eps_m = 0): one pass of a templated right-hand side gives f(x) and J(x) V
// for kPackWidth directions at once, the tangent-linear model of a frame of vectors.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "butterfly/core/simd_pack.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/systems/concepts.hpp"

namespace butterfly {

// A value and one Pack of tangents (kPackWidth directions). The arithmetic is
// Dual's (core/dual.hpp) lane by lane, so each direction gets Dual's numbers up
// to rounding; the value part never reads a tangent, so it follows the plain
// double computation bit for bit. (Two or four Packs per value were measured
// 4-8x slower per direction with GCC 12 on AVX2: the Pack arrays spill.)
struct MultiDual {
  static constexpr std::size_t width = kPackWidth;

  double value = 0.0;
  Pack tangent = {};

  MultiDual() = default;
  MultiDual(double v) : value(v) {}  // NOLINT: constants promote implicitly
  MultiDual(double v, Pack t) : value(v), tangent(t) {}

  MultiDual& operator+=(const MultiDual& o) { return *this = *this + o; }
  MultiDual& operator-=(const MultiDual& o) { return *this = *this - o; }
  MultiDual& operator*=(const MultiDual& o) { return *this = *this * o; }
  MultiDual& operator/=(const MultiDual& o) { return *this = *this / o; }
  MultiDual& operator+=(double s) { return *this = *this + s; }
  MultiDual& operator-=(double s) { return *this = *this - s; }
  MultiDual& operator*=(double s) { return *this = *this * s; }
  MultiDual& operator/=(double s) { return *this = *this / s; }

  friend MultiDual operator+(const MultiDual& a, const MultiDual& b) {
    return {a.value + b.value, a.tangent + b.tangent};
  }
  friend MultiDual operator-(const MultiDual& a, const MultiDual& b) {
    return {a.value - b.value, a.tangent - b.tangent};
  }
  friend MultiDual operator+(const MultiDual& a, double s) { return {a.value + s, a.tangent}; }
  friend MultiDual operator+(double s, const MultiDual& a) { return {s + a.value, a.tangent}; }
  friend MultiDual operator-(const MultiDual& a, double s) { return {a.value - s, a.tangent}; }
  friend MultiDual operator-(double s, const MultiDual& a) { return {s - a.value, -a.tangent}; }
  friend MultiDual operator-(const MultiDual& a) { return {-a.value, -a.tangent}; }
  // (a b)' = a' b + a b'.
  friend MultiDual operator*(const MultiDual& a, const MultiDual& b) {
    return {a.value * b.value, a.tangent * b.value + a.value * b.tangent};
  }
  friend MultiDual operator*(const MultiDual& a, double s) { return {a.value * s, a.tangent * s}; }
  friend MultiDual operator*(double s, const MultiDual& a) { return {s * a.value, s * a.tangent}; }
  // (a / b)' = (a' b - a b') / b^2.
  friend MultiDual operator/(const MultiDual& a, const MultiDual& b) {
    return {a.value / b.value, (a.tangent * b.value - a.value * b.tangent) / (b.value * b.value)};
  }
  friend MultiDual operator/(const MultiDual& a, double s) { return {a.value / s, a.tangent / s}; }
  friend MultiDual operator/(double s, const MultiDual& b) {
    return {s / b.value, -(s * b.tangent) / (b.value * b.value)};
  }
};

// The elementary functions of core/scalar_math.hpp, found by argument-dependent
// lookup from a system's rhs.
inline MultiDual sin(const MultiDual& x) {
  return {std::sin(x.value), std::cos(x.value) * x.tangent};
}
inline MultiDual cos(const MultiDual& x) {
  return {std::cos(x.value), -std::sin(x.value) * x.tangent};
}
inline MultiDual exp(const MultiDual& x) {
  const double e = std::exp(x.value);
  return {e, e * x.tangent};
}
inline MultiDual sqrt(const MultiDual& x) {
  const double s = std::sqrt(x.value);
  return {s, x.tangent / (2.0 * s)};
}

// Propagates a state x (n values) and k = vectors.size() / n tangent vectors
// (column-major: vector j is vectors[j n, (j + 1) n)) through `steps` steps of
// the explicit Runge-Kutta scheme Tableau: afterwards x holds M(x) and each
// vector v_j holds M'(x) v_j, the tangent-linear propagator of the discrete
// scheme (what k passes of propagate_tangent in jvp.hpp give). The vectors go
// through the right-hand side kPackWidth at a time on MultiDual; every pass
// starts from the same x and computes the same values. With k = 0 only x moves.
template <class Tableau, DynamicalSystem System>
void propagate_tangents(const System& system, std::span<double> x, std::span<double> vectors,
                        double t0, std::size_t steps, double dt) {
  const std::size_t n = x.size();
  const std::size_t k = vectors.size() / n;
  if (k == 0) {
    std::vector<double> work(n * (Tableau::stages + 1));
    for (std::size_t s = 0; s < steps; ++s) {
      explicit_rk_step<Tableau>(system, x.data(), t0 + static_cast<double>(s) * dt, dt, work.data(),
                                n);
    }
    return;
  }
  std::vector<MultiDual> state(n), work(n * (Tableau::stages + 1));
  const std::vector<double> start(x.begin(), x.end());
  for (std::size_t first = 0; first < k; first += MultiDual::width) {
    const std::size_t count = std::min(MultiDual::width, k - first);
    for (std::size_t i = 0; i < n; ++i) {
      state[i] = MultiDual(start[i]);
      for (std::size_t l = 0; l < count; ++l) state[i].tangent[l] = vectors[(first + l) * n + i];
    }
    for (std::size_t s = 0; s < steps; ++s) {
      explicit_rk_step<Tableau>(system, state.data(), t0 + static_cast<double>(s) * dt, dt,
                                work.data(), n);
    }
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = state[i].value;
      for (std::size_t l = 0; l < count; ++l) vectors[(first + l) * n + i] = state[i].tangent[l];
    }
  }
}

}  // namespace butterfly
