// Elementary functions for every scalar type a right-hand side runs on
// (double, Pack, Dual). Systems call them unqualified from namespace butterfly,
// e.g. sin(x[0]), so one templated rhs serves all three.
#pragma once

#include <cmath>

#include "butterfly/core/dual.hpp"
#include "butterfly/core/simd_pack.hpp"

namespace butterfly {

inline double sin(double x) { return std::sin(x); }
inline double cos(double x) { return std::cos(x); }
inline double exp(double x) { return std::exp(x); }
inline double sqrt(double x) { return std::sqrt(x); }

// Lane by lane: libm per lane keeps every member's bits equal to the scalar path.
inline Pack sin(Pack x) {
  for (std::size_t i = 0; i < kPackWidth; ++i) x[i] = std::sin(x[i]);
  return x;
}
inline Pack cos(Pack x) {
  for (std::size_t i = 0; i < kPackWidth; ++i) x[i] = std::cos(x[i]);
  return x;
}
inline Pack exp(Pack x) {
  for (std::size_t i = 0; i < kPackWidth; ++i) x[i] = std::exp(x[i]);
  return x;
}
inline Pack sqrt(Pack x) {
  for (std::size_t i = 0; i < kPackWidth; ++i) x[i] = std::sqrt(x[i]);
  return x;
}

inline Dual sin(const Dual& x) { return {std::sin(x.value), std::cos(x.value) * x.tangent}; }
inline Dual cos(const Dual& x) { return {std::cos(x.value), -std::sin(x.value) * x.tangent}; }
inline Dual exp(const Dual& x) {
  const double e = std::exp(x.value);
  return {e, e * x.tangent};
}
inline Dual sqrt(const Dual& x) {
  const double s = std::sqrt(x.value);
  return {s, x.tangent / (2.0 * s)};
}

}  // namespace butterfly
