// Tangent-linear model of the ETDRK4 map of a spectral system: the same scheme applied to
// (u, V), with the system's nonlinear_jvp taken at the primal stages.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "butterfly/integrators/etdrk4_stepper.hpp"
#include "butterfly/systems/spectral_system.hpp"

namespace butterfly {

// Propagates a state x (n = dimension values) and k = frame.size() / n tangent vectors
// (column-major: vector j is frame[j n, (j + 1) n)) through `steps` ETDRK4 steps with the
// step of `coefficients` from t0: afterwards x holds M(x), the ETDRK4 map (bit for bit what
// Etdrk4Stepper gives), and each vector v_j holds M'(x) v_j, its exact derivative. Each step
// differentiates the scheme of etdrk4_step: with primal stages u_s in (v, a, b, c),
//   a' = e2 V + q N'(v) V,   b' = e2 V + q N'(a) a',   c' = e2 a' + q (2 N'(b) b' - N'(v) V),
//   V <- e V + f1 N'(v) V + 2 f2 (N'(a) a' + N'(b) b') + f3 N'(c) c',
// N'(u) w = system.nonlinear_jvp(u, w). The primal steps once in chunks of steps while its
// stage states are kept; the vectors then follow kSpectralLanes at a time (one per lane).
// With k = 0 only x moves.
template <SpectralSystem System>
void propagate_tangents_etdrk4(const System& system, const Etdrk4Coefficients& coefficients,
                               std::span<double> x, std::span<double> frame, double t0,
                               std::size_t steps) {
  constexpr std::size_t lanes = kSpectralLanes;
  const std::size_t n = system.dimension();
  const std::size_t k = frame.size() / n;
  const std::size_t size = system.fields() * system.grid().modes() * lanes;
  const double h = coefficients.h;

  // The primal in every lane (so its bits are those of a member) and in spectral space.
  std::vector<double> physical(n * lanes);
  for (std::size_t i = 0; i < n; ++i) std::fill_n(&physical[i * lanes], lanes, x[i]);
  std::vector<Complex> u(size);
  etdrk4_to_spectral(system, physical.data(), u.data());

  // The vectors, kSpectralLanes per group, in spectral space for the whole call.
  const std::size_t groups = (k + lanes - 1) / lanes;
  std::vector<Complex> tangents(groups * size);
  for (std::size_t g = 0; g < groups; ++g) {
    std::fill(physical.begin(), physical.end(), 0.0);
    for (std::size_t l = 0; l < lanes && g * lanes + l < k; ++l) {
      for (std::size_t i = 0; i < n; ++i) physical[i * lanes + l] = frame[(g * lanes + l) * n + i];
    }
    etdrk4_to_spectral(system, physical.data(), tangents.data() + g * size);
  }

  constexpr std::size_t kChunk = 32;  // steps whose primal stages are kept at a time
  std::vector<Complex> stages(k > 0 ? kChunk * 4 * size : 0);
  Etdrk4Work work(size);
  for (std::size_t done = 0; done < steps; done += kChunk) {
    const std::size_t count = std::min(kChunk, steps - done);
    const double start = t0 + static_cast<double>(done) * h;
    for (std::size_t s = 0; s < count; ++s) {
      etdrk4_step(coefficients, u.data(), start + static_cast<double>(s) * h, work,
                  [&](std::size_t stage, const Complex* in, Complex* out, double t) {
                    if (k > 0) std::copy_n(in, size, &stages[(s * 4 + stage) * size]);
                    std::fill_n(out, size, Complex{});
                    system.nonlinear(in, out, t);
                  });
    }
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t s = 0; s < count; ++s) {
        etdrk4_step(coefficients, tangents.data() + g * size, start + static_cast<double>(s) * h,
                    work, [&](std::size_t stage, const Complex* in, Complex* out, double t) {
                      std::fill_n(out, size, Complex{});
                      system.nonlinear_jvp(&stages[(s * 4 + stage) * size], in, out, t);
                    });
      }
    }
  }

  etdrk4_to_physical(system, u.data(), physical.data());
  for (std::size_t i = 0; i < n; ++i) x[i] = physical[i * lanes];
  for (std::size_t g = 0; g < groups; ++g) {
    etdrk4_to_physical(system, tangents.data() + g * size, physical.data());
    for (std::size_t l = 0; l < lanes && g * lanes + l < k; ++l) {
      for (std::size_t i = 0; i < n; ++i) frame[(g * lanes + l) * n + i] = physical[i * lanes + l];
    }
  }
}

// The same with the coefficients of step dt computed here (etdrk4_coefficients).
template <SpectralSystem System>
void propagate_tangents_etdrk4(const System& system, std::span<double> x, std::span<double> frame,
                               double t0, std::size_t steps, double dt) {
  propagate_tangents_etdrk4(system, etdrk4_coefficients(system.linear(), dt), x, frame, t0, steps);
}

}  // namespace butterfly
