// A system parameter's name, default, meaning and units: systems declare theirs
// as a constexpr table, which `butterfly systems` prints and configs override.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace butterfly {

struct ParameterSpec {
  std::string_view name;
  double default_value;
  std::string_view meaning;
  std::string_view units;
  bool integer = false;     // e.g. a number of variables
  double minimum = -1e300;  // smallest allowed value (inclusive)
  double maximum = 1e300;   // largest allowed value (inclusive)
};

// Parameter values in the order of a system's ParameterSpec table.
template <std::size_t N>
using ParameterValues = std::array<double, N>;

template <std::size_t N>
constexpr ParameterValues<N> default_values(const std::array<ParameterSpec, N>& specs) {
  ParameterValues<N> values{};
  for (std::size_t i = 0; i < N; ++i) values[i] = specs[i].default_value;
  return values;
}

}  // namespace butterfly
