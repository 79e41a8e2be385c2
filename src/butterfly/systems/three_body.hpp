// The planar Newtonian three-body problem (G = 1); its defaults are Burrau's (1913)
// Pythagorean problem, solved by Szebehely & Peters, Astron. J. 72, 876-883 (1967).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "butterfly/core/error.hpp"
#include "butterfly/core/scalar_math.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// State (x1, y1, x2, y2, x3, y3, vx1, vy1, vx2, vy2, vx3, vy3): positions q, then
// VELOCITIES v (not momenta), so that perturbing the state perturbs what an observer
// measures. The equations of motion are
//   dq_i/dt = v_i,   dv_i/dt = sum_{j != i} m_j (q_j - q_i) / |q_j - q_i|^3.
// SeparableHamiltonian hooks in the same variables: positions() = 6, velocity(v) = v,
// force(q) = the accelerations above (the force per unit mass). This is the Hamiltonian
// flow of H = sum_i m_i |v_i|^2 / 2 + V(q), V = -sum_{i<j} m_i m_j / r_ij, written in
// (q, v = p / m); a splitting scheme drifts q with v and kicks v with force(q), which is
// the same map as drifting and kicking (q, p) with p = m v, so it stays symplectic.
//
// Scheme. default_scheme is "dopri5": close encounters (the Pythagorean problem has
// passes at distances ~1e-4) need steps orders of magnitude shorter than the rest of the
// orbit, which a fixed step cannot give. default_dt = 0.01 is then only the unit of the
// output grid (outputs every k dt), not a step size.
class ThreeBody {
 public:
  static constexpr std::string_view name = "three_body";
  static constexpr std::string_view summary =
      "planar Newtonian three-body problem (G = 1); defaults: Burrau's Pythagorean problem "
      "(Szebehely & Peters 1967, Astron. J. 72, 876)";
  static constexpr std::string_view time_units =
      "G = 1: one unit is sqrt(L^3 / (G M)) for the units L of the positions and M of the masses";
  // Masses 3, 4, 5 at rest at the corners of a 3-4-5 right triangle, each opposite the side
  // of its own length (Burrau 1913; Szebehely & Peters 1967); the centre of mass is at 0.
  static constexpr std::array<ParameterSpec, 15> parameters{{
      {"m1", 3.0, "mass of body 1 (must be > 0)", "M", false, 0.0},
      {"m2", 4.0, "mass of body 2 (must be > 0)", "M", false, 0.0},
      {"m3", 5.0, "mass of body 3 (must be > 0)", "M", false, 0.0},
      {"x1", 1.0, "initial x of body 1", "L"},
      {"y1", 3.0, "initial y of body 1", "L"},
      {"x2", -2.0, "initial x of body 2", "L"},
      {"y2", -1.0, "initial y of body 2", "L"},
      {"x3", 1.0, "initial x of body 3", "L"},
      {"y3", -1.0, "initial y of body 3", "L"},
      {"vx1", 0.0, "initial x velocity of body 1", "L/T"},
      {"vy1", 0.0, "initial y velocity of body 1", "L/T"},
      {"vx2", 0.0, "initial x velocity of body 2", "L/T"},
      {"vy2", 0.0, "initial y velocity of body 2", "L/T"},
      {"vx3", 0.0, "initial x velocity of body 3", "L/T"},
      {"vy3", 0.0, "initial y velocity of body 3", "L/T"},
  }};
  static constexpr std::string_view default_scheme = "dopri5";
  static constexpr double default_dt = 0.01;

  // Throws UsageError for a mass that is not positive or two bodies starting at the same
  // point (where the potential is singular).
  explicit ThreeBody(const ParameterValues<15>& p) {
    for (std::size_t i = 0; i < 3; ++i) {
      if (!(p[i] > 0.0)) {
        throw UsageError("system.m" + std::to_string(i + 1) + ": must be positive, got " +
                         std::to_string(p[i]));
      }
      mass_[i] = p[i];
    }
    for (std::size_t i = 0; i < 12; ++i) initial_[i] = p[3 + i];
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = i + 1; j < 3; ++j) {
        if (initial_[2 * i] == initial_[2 * j] && initial_[2 * i + 1] == initial_[2 * j + 1]) {
          throw UsageError("system.x" + std::to_string(j + 1) + ": bodies " +
                           std::to_string(i + 1) + " and " + std::to_string(j + 1) +
                           " start at the same point, where the potential is singular");
        }
      }
    }
  }

  std::size_t dimension() const { return 12; }
  std::size_t positions() const { return 6; }
  double mass(std::size_t body) const { return mass_[body]; }

  // The initial positions and velocities of the parameters (the Pythagorean problem).
  void default_state(std::span<double> x) const {
    for (std::size_t i = 0; i < 12; ++i) x[i] = initial_[i];
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    velocity(x + 6, dxdt);
    force(x, dxdt + 6);
  }

  // dq/dt = v.
  template <class T>
  void velocity(const T* v, T* dqdt) const {
    for (std::size_t i = 0; i < 6; ++i) dqdt[i] = v[i];
  }

  // dv_i/dt = sum_{j != i} m_j (q_j - q_i) / r_ij^3, pair by pair (Newton's third law).
  template <class T>
  void force(const T* q, T* dvdt) const {
    for (std::size_t i = 0; i < 6; ++i) dvdt[i] = T{};
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = i + 1; j < 3; ++j) {
        const T dx = q[2 * j] - q[2 * i];
        const T dy = q[2 * j + 1] - q[2 * i + 1];
        const T r2 = dx * dx + dy * dy;
        const T inverse_r3 = 1.0 / (r2 * sqrt(r2));
        dvdt[2 * i] += (mass_[j] * inverse_r3) * dx;
        dvdt[2 * i + 1] += (mass_[j] * inverse_r3) * dy;
        dvdt[2 * j] -= (mass_[i] * inverse_r3) * dx;
        dvdt[2 * j + 1] -= (mass_[i] * inverse_r3) * dy;
      }
    }
  }

  // Total energy E = sum_i m_i |v_i|^2 / 2 - sum_{i<j} m_i m_j / r_ij (conserved).
  double invariant(std::span<const double> x) const { return energy(x); }
  double energy(std::span<const double> x) const {
    double e = 0.0;
    for (std::size_t i = 0; i < 3; ++i) {
      e += 0.5 * mass_[i] * (x[6 + 2 * i] * x[6 + 2 * i] + x[7 + 2 * i] * x[7 + 2 * i]);
      for (std::size_t j = i + 1; j < 3; ++j) {
        e -= mass_[i] * mass_[j] / std::hypot(x[2 * j] - x[2 * i], x[2 * j + 1] - x[2 * i + 1]);
      }
    }
    return e;
  }
  // Angular momentum about the origin, L = sum_i m_i (x_i vy_i - y_i vx_i) (conserved).
  double angular_momentum(std::span<const double> x) const {
    double l = 0.0;
    for (std::size_t i = 0; i < 3; ++i) {
      l += mass_[i] * (x[2 * i] * x[7 + 2 * i] - x[2 * i + 1] * x[6 + 2 * i]);
    }
    return l;
  }
  // Total linear momentum sum_i m_i v_i (conserved).
  std::array<double, 2> momentum(std::span<const double> x) const {
    std::array<double, 2> p{0.0, 0.0};
    for (std::size_t i = 0; i < 3; ++i) {
      p[0] += mass_[i] * x[6 + 2 * i];
      p[1] += mass_[i] * x[7 + 2 * i];
    }
    return p;
  }

 private:
  std::array<double, 3> mass_{};
  std::array<double, 12> initial_{};
};

static_assert(DynamicalSystem<ThreeBody>);
static_assert(SeparableHamiltonian<ThreeBody>);

}  // namespace butterfly
