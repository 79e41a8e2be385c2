// Tangent-linear model from the templated right-hand side: running rhs on Dual
// numbers x + eps v gives f(x) and J(x) v in one pass (DESIGN invariant 2).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "butterfly/core/dual.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/systems/concepts.hpp"

namespace butterfly {

// Writes f(x, t) to f and the directional derivative J(x, t) v to jv, where J
// is the Jacobian of the right-hand side at x.
template <DynamicalSystem System>
void jvp(const System& system, std::span<const double> x, std::span<const double> v, double t,
         std::span<double> f, std::span<double> jv) {
  const std::size_t n = x.size();
  std::vector<Dual> xd(n), fd(n);
  for (std::size_t i = 0; i < n; ++i) xd[i] = Dual(x[i], v[i]);
  system.rhs(static_cast<const Dual*>(xd.data()), fd.data(), t);
  for (std::size_t i = 0; i < n; ++i) {
    f[i] = fd[i].value;
    jv[i] = fd[i].tangent;
  }
}

// Propagates a state and a tangent vector together through `steps` steps of
// an explicit Runge-Kutta scheme (Tableau): afterwards x holds M(x) and v
// holds M'(x) v, the tangent-linear propagator of the discrete scheme.
template <class Tableau, DynamicalSystem System>
void propagate_tangent(const System& system, std::span<double> x, std::span<double> v, double t0,
                       std::size_t steps, double dt) {
  const std::size_t n = x.size();
  std::vector<Dual> xd(n), work(n * (Tableau::stages + 1));
  for (std::size_t i = 0; i < n; ++i) xd[i] = Dual(x[i], v[i]);
  for (std::size_t k = 0; k < steps; ++k) {
    explicit_rk_step<Tableau>(system, xd.data(), t0 + static_cast<double>(k) * dt, dt, work.data(),
                              n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = xd[i].value;
    v[i] = xd[i].tangent;
  }
}

}  // namespace butterfly
