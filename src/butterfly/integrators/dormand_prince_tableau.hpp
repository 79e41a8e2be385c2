// The Dormand-Prince 5(4) pair (DOPRI5) as data: Butcher tableau, embedded weights and the
// coefficients of its continuous extension. Dormand & Prince, J. Comput. Appl. Math. 6,
// 19-26 (1980); Hairer, Norsett & Wanner, Solving ODEs I, 2nd ed., Table II.5.2 and Sec. II.6.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace butterfly {

// Seven stages; the last row of a equals b and c_7 = 1, so the seventh stage
// f(t + h, y1) is the first stage of the next step (FSAL: six right-hand sides per step).
// b gives the 5th-order solution that is propagated (local extrapolation); b_hat the
// embedded 4th-order one; e = b - b_hat the weights of the error estimate
//   err = h sum_i e_i k_i
// (the values are Hairer's E1..E7 in dopri5.f, exact rationals rather than a rounded
// difference). dense holds d_1..d_7 of Shampine's (1986) continuous extension
// (HNW Sec. II.6; Hairer's D1..D7 in dopri5.f, the last column of scipy's RK45.P):
//   y(t + theta h) = y0 + theta (y1 - y0) + theta (1 - theta) (h k_1 - (y1 - y0))
//                    + theta^2 (1 - theta) (2 (y1 - y0) - h k_1 - h k_7)
//                    + theta^2 (1 - theta)^2 h sum_i d_i k_i,
// which is of order 4 uniformly in theta in [0, 1].
struct DormandPrince54Tableau {
  static constexpr std::string_view name = "dopri5";
  static constexpr int order = 5;           // of b
  static constexpr int embedded_order = 4;  // of b_hat
  static constexpr int dense_order = 4;     // of the continuous extension
  static constexpr std::size_t stages = 7;
  static constexpr std::array<std::array<double, 7>, 7> a{{
      {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
      {1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
      {3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0, 0.0},
      {44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0, 0.0},
      {19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0, 0.0, 0.0},
      {9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0, 0.0, 0.0},
      {35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0},
  }};
  static constexpr std::array<double, 7> b{
      35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0};
  static constexpr std::array<double, 7> b_hat{
      5179.0 / 57600.0, 0.0,       7571.0 / 16695.0, 393.0 / 640.0, -92097.0 / 339200.0,
      187.0 / 2100.0,   1.0 / 40.0};
  static constexpr std::array<double, 7> e{
      71.0 / 57600.0,      0.0,          -71.0 / 16695.0, 71.0 / 1920.0,
      -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0};
  static constexpr std::array<double, 7> c{0.0,       1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0,
                                           8.0 / 9.0, 1.0,       1.0};
  static constexpr std::array<double, 7> dense{
      -12715105075.0 / 11282082432.0,  0.0,
      87487479700.0 / 32700410799.0,   -10690763975.0 / 1880347072.0,
      701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0,
      69997945.0 / 29380423.0};
};

// Step-size control constants of Hairer, Norsett & Wanner, Sec. II.4, Eq. (4.13):
//   h_new = h min(fac_max, max(fac_min, safety err^(-1/(q+1)))),   q = min(5, 4) = 4,
// with fac_max = 1 for the step right after a rejection (HNW p. 168). The same values are
// the defaults of dopri5.f (WORK(2..4)) and of scipy's RK45.
struct DormandPrinceControl {
  static constexpr double safety = 0.9;
  static constexpr double fac_min = 0.2;
  static constexpr double fac_max = 10.0;
  static constexpr double exponent = 1.0 / 5.0;  // 1 / (q + 1)
};

}  // namespace butterfly
