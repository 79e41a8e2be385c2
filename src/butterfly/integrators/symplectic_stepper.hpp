// EnsembleStepper for separable Hamiltonians H = T(p) + V(q): Yoshida's (1990)
// 4th-order symplectic composition of leapfrog, as drift-kick-drift steps with the
// coefficients in a table. Pack-wide columns of a block are stepped in L1 as in
// ExplicitRkStepper, so a member's bits do not depend on its block or lane.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/simd_pack.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/systems/concepts.hpp"

namespace butterfly {

// Yoshida (1990), "Construction of higher order symplectic integrators", Phys.
// Lett. A 150, 262: the symmetric "triple jump" S(w1 h) S(w0 h) S(w1 h) of the
// 2nd-order leapfrog S, with
//   w1 = 1 / (2 - 2^{1/3}),   w0 = -2^{1/3} w1   (so 2 w1 + w0 = 1),
// is of order 4. Written out as alternating drifts q += c_i h dH/dp and kicks
// p += d_i h (-dV/dq), neighbouring half-drifts of the leapfrogs merge:
//   c = (w1/2, (w0 + w1)/2, (w0 + w1)/2, w1/2),   d = (w1, w0, w1).
// Symmetric (c reversed is c, d reversed is d), hence time-reversible.
struct Yoshida4 {
  static constexpr std::string_view name = "yoshida4";
  static constexpr int order = 4;
  // 2^{1/3} to 36 digits (std::cbrt is not constexpr in C++20).
  static constexpr double cube_root_of_two = 1.25992104989487316476721060727822835;
  static constexpr double w1 = 1.0 / (2.0 - cube_root_of_two);
  static constexpr double w0 = -cube_root_of_two * w1;
  static constexpr std::size_t kicks = 3;
  static constexpr std::array<double, kicks + 1> drift{w1 / 2.0, (w0 + w1) / 2.0, (w0 + w1) / 2.0,
                                                       w1 / 2.0};
  static constexpr std::array<double, kicks> kick{w1, w0, w1};
};

// One step of the scheme from time t to t + h of x = (q, p), q = the first m =
// system.positions() values and p the remaining n - m, for T = double or Pack:
//   for i = 0..kicks-1:  q += (c_i h) velocity(p);  p += (d_i h) force(q)
//   then                  q += (c_last h) velocity(p).
// work holds max(m, n - m) values. The same operations in the same order run
// on every lane, so Pack lanes equal the scalar path bit for bit.
template <class Scheme = Yoshida4, class System, class T>
void symplectic_step(const System& system, T* x, double h, T* work, std::size_t m, std::size_t n) {
  T* q = x;
  T* p = x + m;
  const std::size_t k = n - m;
  for (std::size_t i = 0; i < Scheme::kicks; ++i) {
    const double ch = Scheme::drift[i] * h;
    system.velocity(static_cast<const T*>(p), work);
    for (std::size_t j = 0; j < m; ++j) q[j] += ch * work[j];
    const double dh = Scheme::kick[i] * h;
    system.force(static_cast<const T*>(q), work);
    for (std::size_t j = 0; j < k; ++j) p[j] += dh * work[j];
  }
  const double ch = Scheme::drift[Scheme::kicks] * h;
  system.velocity(static_cast<const T*>(p), work);
  for (std::size_t j = 0; j < m; ++j) q[j] += ch * work[j];
}

// Steps a SeparableHamiltonian with Yoshida4. A negative dt runs the flow
// backwards (the scheme is symmetric, so forward then backward returns to the
// start up to round-off). The system is autonomous: t0 is not used.
template <SeparableHamiltonian System>
class SymplecticStepper final : public EnsembleStepper {
 public:
  using Scheme = Yoshida4;

  explicit SymplecticStepper(const System& system) : system_(system) {}

  std::size_t dimension() const override { return system_.dimension(); }

  void advance(EnsembleBlock& block, double /*t0*/, std::size_t steps, double dt) const override {
    const std::size_t n = system_.dimension();
    const std::size_t m = system_.positions();
    std::vector<Pack> scratch(n + std::max(m, n - m));
    Pack* x = scratch.data();
    Pack* work = x + n;
    for (std::size_t pack = 0; pack < block.packs(); ++pack) {
      for (std::size_t v = 0; v < n; ++v) {
        std::memcpy(&x[v], block.row(v) + pack * kPackWidth, sizeof(Pack));
      }
      for (std::size_t k = 0; k < steps; ++k) symplectic_step<Scheme>(system_, x, dt, work, m, n);
      for (std::size_t v = 0; v < n; ++v) {
        std::memcpy(block.row(v) + pack * kPackWidth, &x[v], sizeof(Pack));
      }
    }
  }

  void advance(std::span<double> state, double /*t0*/, std::size_t steps,
               double dt) const override {
    const std::size_t n = system_.dimension();
    const std::size_t m = system_.positions();
    std::vector<double> work(std::max(m, n - m));
    for (std::size_t k = 0; k < steps; ++k) {
      symplectic_step<Scheme>(system_, state.data(), dt, work.data(), m, n);
    }
  }

 private:
  System system_;
};

}  // namespace butterfly
