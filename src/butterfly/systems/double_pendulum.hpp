// Double pendulum: two point masses on rigid massless rods, the second hung from
// the first, in a uniform gravity field. Equations of motion from the Lagrangian
// of Landau & Lifshitz, Mechanics, 3rd ed., Sec. 5, Problem 1.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string_view>

#include "butterfly/core/error.hpp"
#include "butterfly/core/scalar_math.hpp"
#include "butterfly/systems/concepts.hpp"
#include "butterfly/systems/parameter_spec.hpp"

namespace butterfly {

// State (theta1, theta2, omega1, omega2): the rods' angles from the downward
// vertical and their rates. With d = theta1 - theta2, s = sin d, c = cos d,
// D = m1 + m2 s^2 (> 0), the Euler-Lagrange equations of
//   T = (m1 + m2) l1^2 w1^2 / 2 + m2 l2^2 w2^2 / 2 + m2 l1 l2 w1 w2 c,
//   V = -(m1 + m2) g l1 cos theta1 - m2 g l2 cos theta2
// solved for the angular accelerations are
//   dw1/dt = [m2 g sin th2 c - m2 s (l1 w1^2 c + l2 w2^2) - (m1 + m2) g sin th1] / (l1 D)
//   dw2/dt = [(m1 + m2) (l1 w1^2 s - g sin th2 + g sin th1 c) + m2 l2 w2^2 s c] / (l2 D),
// the form of C. Hill, "The double pendulum" (scipython.com, from "Learning
// Scientific Programming with Python"); it equals the myPhysicsLab form
// (E. Neumann, myphysicslab.com/pendulum/double-pendulum-en.html), whose
// denominators 2 m1 + m2 - m2 cos 2d = 2 D, as the tests check.
class DoublePendulum {
 public:
  static constexpr std::string_view name = "double_pendulum";
  static constexpr std::string_view summary =
      "double pendulum: two point masses on rigid massless rods (Lagrangian mechanics)";
  static constexpr std::string_view time_units = "seconds, with g in m/s^2 and lengths in m";
  static constexpr std::array<ParameterSpec, 5> parameters{{
      {"m1", 1.0, "mass of the upper bob", "kg", false, 1e-9},
      {"m2", 1.0, "mass of the lower bob", "kg", false, 1e-9},
      {"l1", 1.0, "length of the upper rod (pivot to upper bob)", "m", false, 1e-9},
      {"l2", 1.0, "length of the lower rod (upper bob to lower bob)", "m", false, 1e-9},
      {"g", 9.81, "gravitational acceleration", "m/s^2", false, 0.0},
  }};
  // Not separable (T depends on theta1 - theta2), so no symplectic splitting.
  static constexpr std::string_view default_scheme = "rk4";
  // RK4 at 1 ms keeps the energy of the default state to 6e-10 (relative, measured)
  // over 10 s (small-oscillation period 2 pi / sqrt(g (2 + sqrt 2) / l) = 1.1 s).
  static constexpr double default_dt = 0.001;

  // Throws UsageError for a mass or length that is not positive (constructing
  // directly bypasses the table's minimum).
  explicit DoublePendulum(const ParameterValues<5>& p)
      : m1_(p[0]), m2_(p[1]), l1_(p[2]), l2_(p[3]), g_(p[4]) {
    for (std::size_t i = 0; i < 4; ++i) {
      if (!(p[i] > 0.0)) {
        throw UsageError(fmt::format("system.{}: must be positive ({}), got {}", parameters[i].name,
                                     parameters[i].meaning, p[i]));
      }
    }
  }

  std::size_t dimension() const { return 4; }

  // Both rods at 120 degrees from the downward vertical, at rest: (2 pi/3, 2 pi/3,
  // 0, 0), energy (m1 + m2) g l1 / 2 + m2 g l2 / 2 (enough for the lower bob to
  // flip over). Chaotic: a 1e-9 offset of theta2 grows to O(1) within about 15 s.
  void default_state(std::span<double> x) const {
    x[0] = 2.0 * std::numbers::pi / 3.0;
    x[1] = 2.0 * std::numbers::pi / 3.0;
    x[2] = 0.0;
    x[3] = 0.0;
  }

  template <class T>
  void rhs(const T* x, T* dxdt, double /*t*/) const {
    const T sin1 = sin(x[0]);
    const T sin2 = sin(x[1]);
    const T d = x[0] - x[1];
    const T s = sin(d);
    const T c = cos(d);
    const T w1 = x[2];
    const T w2 = x[3];
    const T denominator = m1_ + m2_ * s * s;
    dxdt[0] = w1;
    dxdt[1] = w2;
    dxdt[2] = (m2_ * g_ * sin2 * c - m2_ * s * (l1_ * w1 * w1 * c + l2_ * w2 * w2) -
               (m1_ + m2_) * g_ * sin1) /
              (l1_ * denominator);
    dxdt[3] = ((m1_ + m2_) * (l1_ * w1 * w1 * s - g_ * sin2 + g_ * sin1 * c) +
               m2_ * l2_ * w2 * w2 * s * c) /
              (l2_ * denominator);
  }

  // Total energy T + V (zero of V at the pivot's height), conserved by the flow.
  double invariant(std::span<const double> x) const {
    const double w1 = x[2], w2 = x[3];
    const double kinetic = 0.5 * (m1_ + m2_) * l1_ * l1_ * w1 * w1 +
                           0.5 * m2_ * l2_ * l2_ * w2 * w2 +
                           m2_ * l1_ * l2_ * w1 * w2 * std::cos(x[0] - x[1]);
    const double potential =
        -(m1_ + m2_) * g_ * l1_ * std::cos(x[0]) - m2_ * g_ * l2_ * std::cos(x[1]);
    return kinetic + potential;
  }

 private:
  double m1_, m2_, l1_, l2_, g_;
};

static_assert(DynamicalSystem<DoublePendulum>);

}  // namespace butterfly
