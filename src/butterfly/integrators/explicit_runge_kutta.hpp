// One step of an explicit Runge-Kutta scheme given by its Butcher tableau, on a
// state of any scalar type (double, Pack, dual numbers).
#pragma once

#include <cstddef>
#include <utility>

namespace butterfly {

// Advances x (n values) from t to t + h in place:
//   k_s = f(x + h sum_{j<s} a_sj k_j, t + c_s h),   x <- x + h sum_s b_s k_s.
// work holds (stages + 1) * n values. Zero tableau entries are skipped at
// compile time, so the classic RK4 costs exactly its four right-hand sides
// plus 3n + 4n fused updates.
template <class Tableau, class System, class T>
void explicit_rk_step(const System& system, T* x, double t, double h, T* work, std::size_t n) {
  constexpr std::size_t stages = Tableau::stages;
  T* stage_state = work + stages * n;
  [&]<std::size_t... S>(std::index_sequence<S...>) {
    (
        [&] {
          constexpr std::size_t s = S;
          T* k_s = work + s * n;
          if constexpr (s == 0) {
            system.rhs(x, k_s, t);
          } else {
            for (std::size_t i = 0; i < n; ++i) {
              T y = x[i];
              [&]<std::size_t... J>(std::index_sequence<J...>) {
                ((Tableau::a[s][J] != 0.0 ? (y += (h * Tableau::a[s][J]) * work[J * n + i], 0) : 0),
                 ...);
              }
              (std::make_index_sequence<s>());
              stage_state[i] = y;
            }
            system.rhs(static_cast<const T*>(stage_state), k_s, t + Tableau::c[s] * h);
          }
        }(),
        ...);
  }
  (std::make_index_sequence<stages>());

  for (std::size_t i = 0; i < n; ++i) {
    T increment = Tableau::b[0] * work[i];
    [&]<std::size_t... S>(std::index_sequence<S...>) {
      ((increment += Tableau::b[S + 1] * work[(S + 1) * n + i]), ...);
    }
    (std::make_index_sequence<stages - 1>());
    x[i] += h * increment;
  }
}

}  // namespace butterfly
