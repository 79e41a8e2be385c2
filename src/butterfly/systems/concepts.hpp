// The contract every dynamical system satisfies (the systems room's one
// extension point). A new system is one header plus one line in registry.hpp.
//
// | member                                   | meaning                                           |
// |------------------------------------------|---------------------------------------------------|
// | static constexpr std::string_view name    | registry name, e.g. "lorenz96"                    |
// | static constexpr std::string_view summary | one line: what it is and its reference            |
// | static constexpr std::string_view time_units | what one model time unit means                 |
// | static constexpr std::array<ParameterSpec,N> parameters | names, defaults, meaning, units    |
// | explicit S(const ParameterValues<N>&)     | validated parameter values in table order         |
// | std::size_t dimension() const             | number of state variables                         |
// | void default_state(std::span<double>) const | a state from which spin-up reaches the attractor|
// | template <class T> void rhs(const T* x, T* dxdt, double t) const | dx/dt = f(x, t)            |
//
// rhs is a template over the scalar type T so the same code runs on double,
// on Pack (one ensemble member per SIMD lane) and on dual numbers (tangent
// linear); see DESIGN invariant 2. It must use only + - * / and constants.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

#include "butterfly/core/simd_pack.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

template <class S>
concept DynamicalSystem = requires(const S& s, std::span<double> state, const double* x,
                                   double* dxdt, const Pack* xp, Pack* dxdtp, double t) {
  { S::name } -> std::convertible_to<std::string_view>;
  { S::summary } -> std::convertible_to<std::string_view>;
  { S::time_units } -> std::convertible_to<std::string_view>;
  S::parameters.size();
  S(default_values(S::parameters));
  { s.dimension() } -> std::convertible_to<std::size_t>;
  s.default_state(state);
  s.rhs(x, dxdt, t);
  s.rhs(xp, dxdtp, t);
};

}  // namespace butterfly
