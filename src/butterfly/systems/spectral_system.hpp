// The split contract of spectral PDE systems, u_t = L u + N(u, t) with L diagonal
// in Fourier space, so an exponential integrator (ETDRK4) or an IMEX scheme can
// treat the stiff linear part exactly; and spectral_rhs, the adapter that gives
// such a system the templated rhs of the DynamicalSystem contract.
//
// | member (besides DynamicalSystem's)                          | meaning                    |
// |-------------------------------------------------------------|----------------------------|
// | const SpectralGrid& grid() const                            | the periodic grid          |
// | std::size_t fields() const                                  | fields on the grid         |
// | std::span<const Complex> linear() const                     | symbol of L, [field][mode] |
// | void nonlinear(const Complex* u, Complex* n, double t) const | N(u), [field][mode][lane] |
// | void nonlinear_jvp(const Complex* u, const Complex* v, Complex* n, double t) const | N'(u) v |
//
// The state is the fields on the grid, field-major: x[f * points + p] (p as in
// SpectralGrid), so dimension() = fields() * grid().points() and every generic
// tool (perturbations, scores, NetCDF output with x/y dimensions) sees the
// physical fields. Spectral arrays hold kSpectralLanes independent states,
// value (f, q, lane) at (f * modes + q) * kSpectralLanes + lane, each lane the
// forward transform (SpectralGrid::forward) of that state's fields. N includes
// any dealiasing; L must be diagonal per field (couplings between fields or
// modes belong in N). nonlinear_jvp is the derivative of nonlinear at u in the
// direction v (lane by lane), the tangent-linear model the sensitivity analyses
// use. A system may also give the adjoint of its whole rhs in physical space,
// `void vjp(const double* x, const double* w, double* out, double t) const`
// (out = J(x, t)^T w for the Euclidean inner product of the grid values).
#pragma once

#include <algorithm>
#include <complex>
#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include "butterfly/core/simd_pack.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/spectral_grid.hpp"

namespace butterfly {

template <class S>
concept SpectralSystem = DynamicalSystem<S> &&
    requires(const S& s, const Complex* u, const Complex* v, Complex* n, double t) {
  { s.grid() } -> std::convertible_to<const SpectralGrid&>;
  { s.fields() } -> std::convertible_to<std::size_t>;
  { s.linear() } -> std::convertible_to<std::span<const Complex>>;
  s.nonlinear(u, n, t);
  s.nonlinear_jvp(u, v, n, t);
};

namespace spectral_detail {

// Scalar types of the adapter: double, Pack, Dual (value + one tangent) and
// MultiDual (value + a Pack of tangents). Told apart by their members, since the
// systems room may not include the tangent room's MultiDual.
template <class T>
concept OneTangent = requires(T a) {
  { a.value } -> std::convertible_to<double>;
  { a.tangent } -> std::convertible_to<double>;
};
template <class T>
concept PackTangent = requires(T a) {
  { a.value } -> std::convertible_to<double>;
  { a.tangent } -> std::convertible_to<Pack>;
};

// Lane-interleaved physical values of all fields, lane l from get(i, l).
template <class Get>
void gather(std::size_t n, std::vector<double>& lanes, Get get) {
  lanes.resize(n * kSpectralLanes);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t l = 0; l < kSpectralLanes; ++l) lanes[i * kSpectralLanes + l] = get(i, l);
  }
}

// Forward transforms of every field of lane-interleaved physical values.
template <SpectralSystem S>
void to_spectral(const S& s, const std::vector<double>& physical, std::vector<Complex>& spectral) {
  const SpectralGrid& g = s.grid();
  spectral.resize(s.fields() * g.modes() * kSpectralLanes);
  for (std::size_t f = 0; f < s.fields(); ++f) {
    g.forward(physical.data() + f * g.points() * kSpectralLanes,
              spectral.data() + f * g.modes() * kSpectralLanes);
  }
}

// n += L u, then the inverse transforms of every field into physical values.
template <SpectralSystem S>
void add_linear_and_invert(const S& s, const std::vector<Complex>& u, std::vector<Complex>& n,
                           std::vector<double>& physical) {
  const SpectralGrid& g = s.grid();
  const std::span<const Complex> symbol = s.linear();
  for (std::size_t fq = 0; fq < symbol.size(); ++fq) {
    for (std::size_t l = 0; l < kSpectralLanes; ++l) {
      n[fq * kSpectralLanes + l] += symbol[fq] * u[fq * kSpectralLanes + l];
    }
  }
  physical.resize(s.fields() * g.points() * kSpectralLanes);
  for (std::size_t f = 0; f < s.fields(); ++f) {
    g.inverse(n.data() + f * g.modes() * kSpectralLanes,
              physical.data() + f * g.points() * kSpectralLanes);
  }
}

}  // namespace spectral_detail

// dx/dt = L x + N(x, t) through the transforms, for the scalar types of the
// DynamicalSystem contract: double (one state), Pack (kSpectralLanes states),
// Dual (f(x) and J(x) v) and MultiDual (f(x) and J(x) V for kPackWidth tangents).
// It allocates its work arrays: the generic path (RK4, Dormand-Prince, tangents,
// tests); the spectral integrators call nonlinear() on whole blocks instead.
template <SpectralSystem S, class T>
void spectral_rhs(const S& s, const T* x, T* dxdt, double t) {
  using namespace spectral_detail;
  const std::size_t n = s.dimension();
  std::vector<double> physical;
  std::vector<Complex> u, out;
  const auto evaluate = [&](auto get) {  // f of the lane-interleaved states get(i, l)
    gather(n, physical, get);
    to_spectral(s, physical, u);
    out.assign(u.size(), Complex{});
    s.nonlinear(u.data(), out.data(), t);
    add_linear_and_invert(s, u, out, physical);
  };
  if constexpr (std::same_as<T, double>) {
    evaluate([&](std::size_t i, std::size_t) { return x[i]; });
    for (std::size_t i = 0; i < n; ++i) dxdt[i] = physical[i * kSpectralLanes];
  } else if constexpr (std::same_as<T, Pack>) {
    evaluate([&](std::size_t i, std::size_t l) { return x[i][l]; });
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t l = 0; l < kSpectralLanes; ++l) {
        dxdt[i][l] = physical[i * kSpectralLanes + l];
      }
    }
  } else {
    static_assert(OneTangent<T> || PackTangent<T>, "spectral_rhs: unsupported scalar type");
    // Values: f(x) in every lane. Tangents: N'(x) v + L v, one direction per lane.
    evaluate([&](std::size_t i, std::size_t) { return static_cast<double>(x[i].value); });
    for (std::size_t i = 0; i < n; ++i) dxdt[i].value = physical[i * kSpectralLanes];
    std::vector<Complex> v;
    const auto tangent = [&](std::size_t i, std::size_t l) {
      if constexpr (OneTangent<T>) {
        return l == 0 ? static_cast<double>(x[i].tangent) : 0.0;
      } else {
        return static_cast<double>(x[i].tangent[l]);
      }
    };
    gather(n, physical, tangent);
    to_spectral(s, physical, v);
    out.assign(v.size(), Complex{});
    s.nonlinear_jvp(u.data(), v.data(), out.data(), t);
    add_linear_and_invert(s, v, out, physical);
    for (std::size_t i = 0; i < n; ++i) {
      if constexpr (OneTangent<T>) {
        dxdt[i].tangent = physical[i * kSpectralLanes];
      } else {
        for (std::size_t l = 0; l < kSpectralLanes; ++l) {
          dxdt[i].tangent[l] = physical[i * kSpectralLanes + l];
        }
      }
    }
  }
}

}  // namespace butterfly
