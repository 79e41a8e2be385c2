// Forward-mode dual numbers a + b eps (eps^2 = 0): running a templated
// right-hand side on Dual gives f(x) and the directional derivative J(x) v in
// one pass, which is the tangent-linear model "for free" (DESIGN invariant 2).
#pragma once

namespace butterfly {

struct Dual {
  double value = 0.0;
  double tangent = 0.0;

  constexpr Dual() = default;
  constexpr Dual(double v) : value(v) {}  // NOLINT: constants promote implicitly
  constexpr Dual(double v, double t) : value(v), tangent(t) {}

  constexpr Dual& operator+=(const Dual& o) { return *this = *this + o; }
  constexpr Dual& operator-=(const Dual& o) { return *this = *this - o; }
  constexpr Dual& operator*=(const Dual& o) { return *this = *this * o; }
  constexpr Dual& operator/=(const Dual& o) { return *this = *this / o; }

  friend constexpr Dual operator+(const Dual& a, const Dual& b) {
    return {a.value + b.value, a.tangent + b.tangent};
  }
  friend constexpr Dual operator-(const Dual& a, const Dual& b) {
    return {a.value - b.value, a.tangent - b.tangent};
  }
  friend constexpr Dual operator-(const Dual& a) { return {-a.value, -a.tangent}; }
  friend constexpr Dual operator*(const Dual& a, const Dual& b) {
    return {a.value * b.value, a.tangent * b.value + a.value * b.tangent};
  }
  friend constexpr Dual operator/(const Dual& a, const Dual& b) {
    return {a.value / b.value, (a.tangent * b.value - a.value * b.tangent) / (b.value * b.value)};
  }
};

}  // namespace butterfly
