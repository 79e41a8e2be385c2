// Adjoint models: the vector-Jacobian product J(x, t)^T w of a system's right-hand
// side, and the discrete adjoint of an explicit Runge-Kutta propagator (the exact
// transpose of propagate_tangent in jvp.hpp) with sqrt(steps) checkpointing.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "butterfly/core/dual.hpp"
#include "butterfly/integrators/explicit_runge_kutta.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/tangent/multi_dual.hpp"

namespace butterfly {

// Optional system hook: a hand-written adjoint of the right-hand side,
//   void vjp(const double* x, const double* w, double* out, double t) const,
// writing out = J(x, t)^T w (n values, overwritten, not accumulated), where
// J = df/dx is the Jacobian of rhs at x. It must be the transpose of the
// tangent-linear model that rhs on Dual gives, to rounding (the dot-product
// test of tests/tangent/adjoint_test.cpp checks every registered system).
template <class S>
concept HandWrittenVjp = requires(const S& s, const double* x, const double* w, double* out,
                                  double t) {
  s.vjp(x, w, out, t);
};

// Right-hand sides that run on the dual numbers of the tangent-linear models.
template <class S>
concept RhsOnDual = requires(const S& s, const Dual* x, Dual* f, double t) {
  s.rhs(x, f, t);
};
template <class S>
concept RhsOnMultiDual = requires(const S& s, const MultiDual* x, MultiDual* f, double t) {
  s.rhs(x, f, t);
};

// Systems with a tangent-linear model (rhs runs on Dual) and an adjoint (a
// vjp hook, or rhs on MultiDual to build it from forward-mode columns).
template <class S>
concept TangentLinearSystem = DynamicalSystem<S> && RhsOnDual<S> &&
    (HandWrittenVjp<S> || RhsOnMultiDual<S>);

// J(x, t)^T w with reusable work space, for callers that apply it many times
// (the Runge-Kutta adjoint calls it once per stage and step).
template <TangentLinearSystem System>
class RhsAdjoint {
 public:
  RhsAdjoint(const System& system, std::size_t n) : system_(system), n_(n) {
    if constexpr (!HandWrittenVjp<System>) {
      state_.resize(n);
      rates_.resize(n);
    }
  }

  // out = J(x, t)^T w (n values each). With the system's vjp hook this is one
  // call of it. Otherwise it is built from the forward-mode tangent-linear
  // model, (J^T w)_j = w . (J e_j), kPackWidth Jacobian columns per pass of rhs
  // on MultiDual: ceil(n / kPackWidth) passes, i.e. O(n) right-hand sides per
  // product (a reverse-mode tape would need O(1); a system that needs speed
  // supplies vjp).
  void apply(const double* x, const double* w, double* out, double t) {
    if constexpr (HandWrittenVjp<System>) {
      system_.vjp(x, w, out, t);
    } else {
      for (std::size_t first = 0; first < n_; first += MultiDual::width) {
        const std::size_t count = std::min(MultiDual::width, n_ - first);
        for (std::size_t i = 0; i < n_; ++i) state_[i] = MultiDual(x[i]);
        for (std::size_t l = 0; l < count; ++l) state_[first + l].tangent[l] = 1.0;
        system_.rhs(static_cast<const MultiDual*>(state_.data()), rates_.data(), t);
        Pack sum = {};
        for (std::size_t i = 0; i < n_; ++i) sum += w[i] * rates_[i].tangent;
        for (std::size_t l = 0; l < count; ++l) out[first + l] = sum[l];
      }
    }
  }

 private:
  const System& system_;
  std::size_t n_;
  std::vector<MultiDual> state_, rates_;
};

// Writes J(x, t)^T w to out, J the Jacobian of the system's right-hand side at
// x: the adjoint of jvp() in jvp.hpp. Uses the system's vjp hook when it has
// one, else ceil(n / kPackWidth) forward-mode passes (see RhsAdjoint::apply).
template <TangentLinearSystem System>
void vjp(const System& system, std::span<const double> x, std::span<const double> w, double t,
         std::span<double> out) {
  RhsAdjoint<System>(system, x.size()).apply(x.data(), w.data(), out.data(), t);
}

// The discrete adjoint of `steps` steps of the explicit Runge-Kutta scheme
// Tableau from x0 at t0 with step dt: apply(w) replaces w by M'(x0)^T w, where
// M' is the tangent-linear propagator that propagate_tangent<Tableau> applies.
// It is the exact transpose of that computation (discretise-then-differentiate;
// Hager, Numer. Math. 87, 247 (2000); Sandu, LNCS 3994, 789 (2006)): for one
// step with stages Y_s = x + h sum_{j<s} a_sj k_j, k_s = f(Y_s, t + c_s h),
// x' = x + h sum_s b_s k_s, the adjoint of the step maps lambda to
//   mu_s = h b_s lambda;  for s = S-1 .. 0:  nu_s = J(Y_s)^T mu_s,
//   lambda += nu_s,  mu_j += h a_sj nu_s (j < s),
// taken over the steps in reverse order.
//
// Checkpointing (Griewank, Optim. Methods Softw. 1, 35 (1992), the two-level
// scheme): the constructor runs the forward sweep once and keeps the state
// every c = ceil(sqrt(steps)) steps; apply() recomputes each segment of c
// states from its checkpoint, last segment first, and each step's stages from
// its state. Memory: (ceil(steps / c) + c) n <= (2 sqrt(steps) + 2) n doubles
// of states, plus (2 S + 2) n of stage work (S = Tableau::stages), instead of
// steps * S * n for storing every stage. Cost of apply(): two forward sweeps
// of plain doubles (segments and stages) plus S * steps adjoint products of
// the right-hand side (RhsAdjoint::apply).
template <class Tableau, TangentLinearSystem System>
class RungeKuttaAdjoint {
 public:
  RungeKuttaAdjoint(const System& system, std::span<const double> x0, double t0, std::size_t steps,
                    double dt)
      : system_(system),
        n_(x0.size()),
        t0_(t0),
        steps_(steps),
        dt_(dt),
        every_(interval_for(steps)),
        rhs_adjoint_(system, x0.size()),
        stage_work_((Tableau::stages + 1) * x0.size()),
        stage_states_(Tableau::stages * x0.size()),
        mu_(Tableau::stages * x0.size()),
        nu_(x0.size()) {
    const std::size_t n = n_;
    checkpoints_.reserve(((steps + every_ - 1) / every_) * n);
    std::vector<double> x(x0.begin(), x0.end());
    for (std::size_t s = 0; s < steps; ++s) {
      if (s % every_ == 0) checkpoints_.insert(checkpoints_.end(), x.begin(), x.end());
      explicit_rk_step<Tableau>(system_, x.data(), time(s), dt_, stage_work_.data(), n);
    }
    final_state_ = std::move(x);
    segment_.resize(std::min(every_, std::max<std::size_t>(steps, 1)) * n);
  }

  std::size_t dimension() const { return n_; }
  std::size_t steps() const { return steps_; }
  // Steps between checkpoints, ceil(sqrt(steps)).
  std::size_t checkpoint_interval() const { return every_; }
  // Doubles held for states: checkpoints plus one segment.
  std::size_t stored_states() const { return (checkpoints_.size() + segment_.size()) / n_; }
  // M(x0), the state after the steps.
  std::span<const double> final_state() const { return final_state_; }

  // w <- M'(x0)^T w.
  void apply(std::span<double> w) {
    const std::size_t n = n_;
    const std::size_t segments = checkpoints_.size() / n;
    for (std::size_t g = segments; g-- > 0;) {
      const std::size_t first = g * every_;
      const std::size_t count = std::min(every_, steps_ - first);
      // The segment's states x_first .. x_{first+count-1}, recomputed.
      std::copy_n(checkpoints_.begin() + static_cast<std::ptrdiff_t>(g * n), n, segment_.begin());
      for (std::size_t s = 1; s < count; ++s) {
        std::copy_n(segment_.begin() + static_cast<std::ptrdiff_t>((s - 1) * n), n,
                    segment_.begin() + static_cast<std::ptrdiff_t>(s * n));
        explicit_rk_step<Tableau>(system_, segment_.data() + s * n, time(first + s - 1), dt_,
                                  stage_work_.data(), n);
      }
      for (std::size_t s = count; s-- > 0;) {
        adjoint_step(segment_.data() + s * n, time(first + s), w.data());
      }
    }
  }

 private:
  static std::size_t interval_for(std::size_t steps) {
    auto c = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(steps))));
    while (c * c < steps) ++c;  // guard the rounding of sqrt
    return std::max<std::size_t>(c, 1);
  }

  double time(std::size_t step) const { return t0_ + static_cast<double>(step) * dt_; }

  // The stage states Y_s of the step from x at t, with the arithmetic of
  // explicit_rk_step (same order, zero entries skipped), so they are the
  // values the tangent-linear model was linearised at.
  void stages(const double* x, double t) {
    const std::size_t n = n_;
    double* k = stage_work_.data();
    for (std::size_t s = 0; s < Tableau::stages; ++s) {
      double* y = stage_states_.data() + s * n;
      for (std::size_t i = 0; i < n; ++i) {
        double value = x[i];
        for (std::size_t j = 0; j < s; ++j) {
          if (Tableau::a[s][j] != 0.0) value += (dt_ * Tableau::a[s][j]) * k[j * n + i];
        }
        y[i] = value;
      }
      system_.rhs(static_cast<const double*>(y), k + s * n, t + Tableau::c[s] * dt_);
    }
  }

  // lambda <- (d x' / d x)^T lambda for the step from x at t.
  void adjoint_step(const double* x, double t, double* lambda) {
    const std::size_t n = n_;
    stages(x, t);
    for (std::size_t s = 0; s < Tableau::stages; ++s) {
      for (std::size_t i = 0; i < n; ++i) mu_[s * n + i] = Tableau::b[s] * (dt_ * lambda[i]);
    }
    for (std::size_t s = Tableau::stages; s-- > 0;) {
      rhs_adjoint_.apply(stage_states_.data() + s * n, mu_.data() + s * n, nu_.data(),
                         t + Tableau::c[s] * dt_);
      for (std::size_t i = 0; i < n; ++i) lambda[i] += nu_[i];
      for (std::size_t j = 0; j < s; ++j) {
        if (Tableau::a[s][j] == 0.0) continue;
        const double weight = dt_ * Tableau::a[s][j];
        for (std::size_t i = 0; i < n; ++i) mu_[j * n + i] += weight * nu_[i];
      }
    }
  }

  const System& system_;
  std::size_t n_;
  double t0_;
  std::size_t steps_;
  double dt_;
  std::size_t every_;
  RhsAdjoint<System> rhs_adjoint_;
  std::vector<double> checkpoints_, segment_, final_state_;
  std::vector<double> stage_work_, stage_states_, mu_, nu_;
};

// Replaces w by M'(x0)^T w, the adjoint of `steps` steps of the explicit
// Runge-Kutta scheme Tableau from x0 at t0 with step dt: the transpose of
// propagate_tangent<Tableau>(system, x0, v, t0, steps, dt), so that
// <M' v, w> = <v, M'^T w> to rounding. One forward sweep with checkpoints and
// one reverse sweep (RungeKuttaAdjoint: memory about 2 sqrt(steps) n doubles).
template <class Tableau, TangentLinearSystem System>
void propagate_adjoint(const System& system, std::span<const double> x0, std::span<double> w,
                       double t0, std::size_t steps, double dt) {
  RungeKuttaAdjoint<Tableau, System>(system, x0, t0, steps, dt).apply(w);
}

}  // namespace butterfly
