// ETDRK4, the fourth-order exponential time-differencing Runge-Kutta scheme of Cox &
// Matthews (2002) for spectral systems u_t = L u + N(u, t) with L diagonal: the linear part
// is integrated exactly, its coefficients come from the contour integrals of Kassam &
// Trefethen (2005). Members step kSpectralLanes at a time, in spectral space.
#pragma once

#include <algorithm>
#include <complex>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "butterfly/core/error.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/spectral_system.hpp"

namespace butterfly {

// The scheme: its registry name and the points of the contour means.
struct Etdrk4 {
  static constexpr std::string_view name = "etdrk4";
  static constexpr std::size_t contour_points = 32;
};

// The coefficients of one step h for every (field, mode) of a diagonal symbol L.
struct Etdrk4Coefficients {
  struct Mode {
    Complex e, e2, q, f1, f2, f3;
  };
  double h = 0.0;
  std::vector<Mode> modes;  // [field][mode], as SpectralSystem::linear()
  bool real = false;        // every coefficient is real (L is real): the faster kernel applies
};

// ETDRK4 coefficients of the step h for the symbol L (Cox & Matthews 2002, their ETD4RK;
// Kassam & Trefethen 2005, eq. (2.5)), with z = L h:
//   e = exp(z),  e2 = exp(z / 2),  q = h (exp(z/2) - 1) / z,
//   f1 = h (-4 - z + exp(z) (4 - 3 z + z^2)) / z^3,
//   f2 = h (2 + z + exp(z) (z - 2)) / z^3,
//   f3 = h (-4 - 3 z - z^2 + exp(z) (4 - z)) / z^3.
// The quotients are the means of their values at `contour_points` points
// z + exp(2 pi i (j + 1/2) / M) of the circle of radius 1 around z (Kassam & Trefethen 2005,
// section 2 and their kursiv.m), which removes the cancellation near z = 0 (at z = 0 they are
// 1/2, 1/6, 1/6, 1/6 times h). Real where L is real. Throws UsageError naming integrator.dt
// for a step that is not finite and positive or for which exp(L h) overflows.
Etdrk4Coefficients etdrk4_coefficients(std::span<const Complex> symbol, double h,
                                       std::size_t contour_points = Etdrk4::contour_points);

// Stage arrays of one ETDRK4 step over `size` lane-interleaved spectral values.
struct Etdrk4Work {
  explicit Etdrk4Work(std::size_t size)
      : nv(size), a(size), na(size), b(size), nb(size), c(size), nc(size) {}
  std::vector<Complex> nv, a, na, b, nb, c, nc;
};

namespace etdrk4_detail {
// a b by the textbook formula (std::complex's operator* adds NaN recovery we do not need).
inline Complex mul(Complex a, Complex b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// The combinations of etdrk4_step for real coefficients: every mode's 2 kSpectralLanes doubles
// (real and imaginary parts of its lanes) scale by the same real numbers, a loop the compiler
// vectorises. std::complex<double> arrays may be read as double arrays ([complex.numbers]).
template <class Evaluate>
void step_real(const Etdrk4Coefficients& coefficients, Complex* v, double t, Etdrk4Work& w,
               Evaluate& evaluate) {
  constexpr std::size_t width = 2 * kSpectralLanes;
  const std::size_t count = coefficients.modes.size();
  const double h = coefficients.h;
  const auto doubles = [](std::vector<Complex>& a) { return reinterpret_cast<double*>(a.data()); };
  double *x = reinterpret_cast<double*>(v), *nv = doubles(w.nv), *a = doubles(w.a);
  double *na = doubles(w.na), *b = doubles(w.b), *nb = doubles(w.nb), *c = doubles(w.c);
  double* nc = doubles(w.nc);
  evaluate(std::size_t{0}, static_cast<const Complex*>(v), w.nv.data(), t);
  for (std::size_t m = 0; m < count; ++m) {
    const double e2 = coefficients.modes[m].e2.real(), q = coefficients.modes[m].q.real();
    for (std::size_t i = m * width; i < (m + 1) * width; ++i) a[i] = e2 * x[i] + q * nv[i];
  }
  evaluate(std::size_t{1}, static_cast<const Complex*>(w.a.data()), w.na.data(), t + 0.5 * h);
  for (std::size_t m = 0; m < count; ++m) {
    const double e2 = coefficients.modes[m].e2.real(), q = coefficients.modes[m].q.real();
    for (std::size_t i = m * width; i < (m + 1) * width; ++i) b[i] = e2 * x[i] + q * na[i];
  }
  evaluate(std::size_t{2}, static_cast<const Complex*>(w.b.data()), w.nb.data(), t + 0.5 * h);
  for (std::size_t m = 0; m < count; ++m) {
    const double e2 = coefficients.modes[m].e2.real(), q = coefficients.modes[m].q.real();
    for (std::size_t i = m * width; i < (m + 1) * width; ++i) {
      c[i] = e2 * a[i] + q * (2.0 * nb[i] - nv[i]);
    }
  }
  evaluate(std::size_t{3}, static_cast<const Complex*>(w.c.data()), w.nc.data(), t + h);
  for (std::size_t m = 0; m < count; ++m) {
    const Etdrk4Coefficients::Mode& k = coefficients.modes[m];
    const double e = k.e.real(), f1 = k.f1.real(), f2 = k.f2.real(), f3 = k.f3.real();
    for (std::size_t i = m * width; i < (m + 1) * width; ++i) {
      x[i] = e * x[i] + f1 * nv[i] + f2 * (2.0 * (na[i] + nb[i])) + f3 * nc[i];
    }
  }
}
}  // namespace etdrk4_detail

// One ETDRK4 step of v from t to t + h (h = coefficients.h), in place. v holds kSpectralLanes
// states, value (f, q, lane) at (f * modes + q) * kSpectralLanes + lane. evaluate(stage, u, n,
// tau) writes N(u, tau) to n for the stages 0..3 (u = v, a, b, c):
//   a = e2 v + q N(v, t),          b = e2 v + q N(a, t + h/2),
//   c = e2 a + q (2 N(b, t + h/2) - N(v, t)),
//   v <- e v + f1 N(v, t) + 2 f2 (N(a) + N(b)) + f3 N(c, t + h)
// (Cox & Matthews 2002, ETD4RK; Kassam & Trefethen 2005, eq. (2.5) and kursiv.m). Every lane goes
// through the same operations, so a state's bits do not depend on its lane.
template <class Evaluate>
void etdrk4_step(const Etdrk4Coefficients& coefficients, Complex* v, double t, Etdrk4Work& w,
                 Evaluate&& evaluate) {
  using etdrk4_detail::mul;
  if (coefficients.real) {
    etdrk4_detail::step_real(coefficients, v, t, w, evaluate);
    return;
  }
  constexpr std::size_t lanes = kSpectralLanes;
  const std::size_t count = coefficients.modes.size();
  const double h = coefficients.h;
  Complex *nv = w.nv.data(), *a = w.a.data(), *na = w.na.data(), *b = w.b.data();
  Complex *nb = w.nb.data(), *c = w.c.data(), *nc = w.nc.data();
  evaluate(std::size_t{0}, static_cast<const Complex*>(v), nv, t);
  for (std::size_t m = 0; m < count; ++m) {
    const Etdrk4Coefficients::Mode& k = coefficients.modes[m];
    for (std::size_t i = m * lanes; i < (m + 1) * lanes; ++i) {
      a[i] = mul(k.e2, v[i]) + mul(k.q, nv[i]);
    }
  }
  evaluate(std::size_t{1}, static_cast<const Complex*>(a), na, t + 0.5 * h);
  for (std::size_t m = 0; m < count; ++m) {
    const Etdrk4Coefficients::Mode& k = coefficients.modes[m];
    for (std::size_t i = m * lanes; i < (m + 1) * lanes; ++i) {
      b[i] = mul(k.e2, v[i]) + mul(k.q, na[i]);
    }
  }
  evaluate(std::size_t{2}, static_cast<const Complex*>(b), nb, t + 0.5 * h);
  for (std::size_t m = 0; m < count; ++m) {
    const Etdrk4Coefficients::Mode& k = coefficients.modes[m];
    for (std::size_t i = m * lanes; i < (m + 1) * lanes; ++i) {
      c[i] = mul(k.e2, a[i]) + mul(k.q, 2.0 * nb[i] - nv[i]);
    }
  }
  evaluate(std::size_t{3}, static_cast<const Complex*>(c), nc, t + h);
  for (std::size_t m = 0; m < count; ++m) {
    const Etdrk4Coefficients::Mode& k = coefficients.modes[m];
    for (std::size_t i = m * lanes; i < (m + 1) * lanes; ++i) {
      v[i] =
          mul(k.e, v[i]) + mul(k.f1, nv[i]) + mul(k.f2, 2.0 * (na[i] + nb[i])) + mul(k.f3, nc[i]);
    }
  }
}

// Forward transforms of every field of lane-interleaved physical values into `spectral`
// (fields x modes x lanes), and back (the inverse overwrites `spectral`).
template <SpectralSystem System>
void etdrk4_to_spectral(const System& system, const double* physical, Complex* spectral) {
  const SpectralGrid& g = system.grid();
  for (std::size_t f = 0; f < system.fields(); ++f) {
    g.forward(physical + f * g.points() * kSpectralLanes,
              spectral + f * g.modes() * kSpectralLanes);
  }
}
template <SpectralSystem System>
void etdrk4_to_physical(const System& system, Complex* spectral, double* physical) {
  const SpectralGrid& g = system.grid();
  for (std::size_t f = 0; f < system.fields(); ++f) {
    g.inverse(spectral + f * g.modes() * kSpectralLanes,
              physical + f * g.points() * kSpectralLanes);
  }
}

// Work arrays of etdrk4_advance_lanes: the spectral state and the stages, `size` values each.
struct Etdrk4LaneWork {
  explicit Etdrk4LaneWork(std::size_t size) : v(size), stages(size) {}
  std::vector<Complex> v;
  Etdrk4Work stages;
};

// `steps` ETDRK4 steps of kSpectralLanes states given as lane-interleaved physical values
// (physical[i * kSpectralLanes + lane], i < dimension), from t0 with the step of
// `coefficients`: one forward transform, the steps in spectral space calling
// system.nonlinear() on all lanes at once, one inverse transform. work holds
// fields * modes * kSpectralLanes values.
template <SpectralSystem System>
void etdrk4_advance_lanes(const System& system, const Etdrk4Coefficients& coefficients,
                          double* physical, double t0, std::size_t steps, Etdrk4LaneWork& work) {
  const std::size_t size = work.v.size();
  etdrk4_to_spectral(system, physical, work.v.data());
  const auto nonlinear = [&](std::size_t, const Complex* u, Complex* n, double t) {
    std::fill(n, n + size, Complex{});
    system.nonlinear(u, n, t);
  };
  for (std::size_t k = 0; k < steps; ++k) {
    etdrk4_step(coefficients, work.v.data(), t0 + static_cast<double>(k) * coefficients.h,
                work.stages, nonlinear);
  }
  etdrk4_to_physical(system, work.v.data(), physical);
}

// EnsembleStepper of ETDRK4 over any SpectralSystem: each Pack of a block is gathered into
// lane-interleaved physical arrays (members are lanes), transformed once, stepped in spectral
// space and transformed back once. The truth (one state) runs in every lane of a Pack, so it
// gets the bits of a member with the same state. SpectralGrid's transforms are
// lane-independent, so a member's bits depend on neither its block size, nor its lane, nor
// the thread (DESIGN invariant 3). Coefficients are computed once per distinct dt (the
// system's default dt at construction) and shared by every thread.
template <SpectralSystem System>
class Etdrk4Stepper final : public EnsembleStepper {
 public:
  static constexpr std::string_view name = Etdrk4::name;
  static_assert(kSpectralLanes == kPackWidth, "a Pack of members fills the spectral lanes");

  explicit Etdrk4Stepper(const System& system) : system_(system) {
    try {
      coefficients(default_dt<System>());
    } catch (const UsageError&) {
      // No usable default step: advance() reports the step it is given instead.
    }
  }

  std::size_t dimension() const override { return system_.dimension(); }

  void advance(EnsembleBlock& block, double t0, std::size_t steps, double dt) const override {
    const std::shared_ptr<const Etdrk4Coefficients> c = coefficients(dt);
    const std::size_t n = system_.dimension();
    std::vector<double> physical(n * kSpectralLanes);
    Etdrk4LaneWork work(spectral_size());
    for (std::size_t p = 0; p < block.packs(); ++p) {
      for (std::size_t i = 0; i < n; ++i) {
        std::memcpy(&physical[i * kSpectralLanes], block.row(i) + p * kPackWidth, sizeof(Pack));
      }
      etdrk4_advance_lanes(system_, *c, physical.data(), t0, steps, work);
      for (std::size_t i = 0; i < n; ++i) {
        std::memcpy(block.row(i) + p * kPackWidth, &physical[i * kSpectralLanes], sizeof(Pack));
      }
    }
  }

  void advance(std::span<double> state, double t0, std::size_t steps, double dt) const override {
    const std::shared_ptr<const Etdrk4Coefficients> c = coefficients(dt);
    const std::size_t n = system_.dimension();
    std::vector<double> physical(n * kSpectralLanes);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t l = 0; l < kSpectralLanes; ++l) physical[i * kSpectralLanes + l] = state[i];
    }
    Etdrk4LaneWork work(spectral_size());
    etdrk4_advance_lanes(system_, *c, physical.data(), t0, steps, work);
    for (std::size_t i = 0; i < n; ++i) state[i] = physical[i * kSpectralLanes];
  }

 private:
  std::size_t spectral_size() const {
    return system_.fields() * system_.grid().modes() * kSpectralLanes;
  }

  // The coefficients of step dt: from the cache, else computed and cached (at most
  // kCached steps are kept; a caller still holding an evicted set keeps it alive).
  std::shared_ptr<const Etdrk4Coefficients> coefficients(double dt) const {
    std::lock_guard lock(mutex_);
    for (const auto& [h, c] : cache_) {
      if (h == dt) return c;
    }
    auto c = std::make_shared<const Etdrk4Coefficients>(etdrk4_coefficients(system_.linear(), dt));
    if (cache_.size() >= kCached) cache_.erase(cache_.begin());
    cache_.emplace_back(dt, c);
    return c;
  }

  static constexpr std::size_t kCached = 8;
  System system_;
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<double, std::shared_ptr<const Etdrk4Coefficients>>> cache_;
};

}  // namespace butterfly
