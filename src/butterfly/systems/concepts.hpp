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
// on Pack (one ensemble member per SIMD lane) and on Dual (tangent linear); see
// DESIGN invariant 2. It uses + - * / and the functions of
// core/scalar_math.hpp (sin, cos, exp, sqrt), called unqualified.
//
// Optional members, detected by the concepts below:
// | static constexpr std::string_view default_scheme | scheme when integrator.scheme is unset
// ("rk4") | | static constexpr double default_dt           | step when integrator.dt is unset | |
// void constrain(std::span<double> x) const    | projects a drawn state onto a constraint surface |
// | double invariant(std::span<const double>) const | a conserved quantity (energy), for tests | |
// SeparableHamiltonian: std::size_t positions() const; state = (q, p) with |   template <class T>
// void velocity(const T* p, T* dqdt) const   (dH/dp) |   template <class T> void force(const T* q,
// T* dpdt) const      (-dV/dq) | StochasticSystem: template <class T> void diffusion(const T* x, T*
// g, double t) const |   diagonal noise: dx = f(x, t) dt + g(x, t) dW, one Wiener process per
// variable
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

// Systems that can be stepped by a symplectic splitting scheme.
template <class S>
concept SeparableHamiltonian = DynamicalSystem<S> &&
    requires(const S& s, const double* q, double* d, const Pack* qp, Pack* dp) {
  { s.positions() } -> std::convertible_to<std::size_t>;
  s.velocity(q, d);
  s.force(q, d);
  s.velocity(qp, dp);
  s.force(qp, dp);
};

// Systems with diagonal stochastic forcing (SDE schemes apply).
template <class S>
concept StochasticSystem = DynamicalSystem<S> &&
    requires(const S& s, const double* x, double* g, const Pack* xp, Pack* gp, double t) {
  s.diffusion(x, g, t);
  s.diffusion(xp, gp, t);
};

template <class S>
concept ConstrainedSystem = requires(const S& s, std::span<double> x) {
  s.constrain(x);
};

// The scheme a system runs with when the config does not name one.
template <class S>
constexpr std::string_view default_scheme() {
  if constexpr (requires { S::default_scheme; }) {
    return S::default_scheme;
  } else {
    return "rk4";
  }
}

// The step a system runs with when the config does not give one.
template <class S>
constexpr double default_dt() {
  if constexpr (requires { S::default_dt; }) {
    return S::default_dt;
  } else {
    return 0.01;
  }
}

}  // namespace butterfly
