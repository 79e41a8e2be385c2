// Butcher tableaus of explicit Runge-Kutta schemes, as data (Hairer, Norsett &
// Wanner, Solving ODEs I, 2nd ed., Table II.1.2).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace butterfly {

// The classic 4th-order Runge-Kutta scheme (Kutta 1901).
struct ClassicRk4Tableau {
  static constexpr std::string_view name = "rk4";
  static constexpr int order = 4;
  static constexpr std::size_t stages = 4;
  static constexpr std::array<std::array<double, 4>, 4> a{{
      {0.0, 0.0, 0.0, 0.0},
      {0.5, 0.0, 0.0, 0.0},
      {0.0, 0.5, 0.0, 0.0},
      {0.0, 0.0, 1.0, 0.0},
  }};
  static constexpr std::array<double, 4> b{1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
  static constexpr std::array<double, 4> c{0.0, 0.5, 0.5, 1.0};
};

}  // namespace butterfly
