// Registry lookups over the AnySystem variant's alternatives.
#include "butterfly/systems/registry.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

template <class S>
SystemInfo info_of() {
  return {S::name,
          S::summary,
          S::time_units,
          std::span<const ParameterSpec>(S::parameters),
          default_scheme<S>(),
          default_dt<S>()};
}

template <std::size_t... I>
std::vector<SystemInfo> all_infos(std::index_sequence<I...>) {
  return {info_of<std::variant_alternative_t<I, AnySystem>>()...};
}

// Applies overrides to S's defaults, validating each.
template <class S>
auto resolved_values(const ParameterOverrides& overrides) {
  auto values = default_values(S::parameters);
  for (const auto& [key, value] : overrides) {
    std::optional<std::size_t> index;
    for (std::size_t i = 0; i < S::parameters.size(); ++i) {
      if (S::parameters[i].name == key) index = i;
    }
    if (!index) {
      std::string valid;
      for (const auto& p : S::parameters)
        valid += (valid.empty() ? "" : ", ") + std::string(p.name);
      throw UsageError(fmt::format("system.{}: unknown parameter of {}; expected one of {}", key,
                                   S::name, valid));
    }
    const ParameterSpec& spec = S::parameters[*index];
    if (!std::isfinite(value)) {
      throw UsageError(fmt::format("system.{}: must be finite, got {}", key, value));
    }
    if (spec.integer && value != std::round(value)) {
      throw UsageError(fmt::format("system.{}: must be an integer, got {}", key, value));
    }
    if (value < spec.minimum) {
      throw UsageError(
          fmt::format("system.{}: must be at least {}, got {}", key, spec.minimum, value));
    }
    if (value > spec.maximum) {
      throw UsageError(
          fmt::format("system.{}: must be at most {:g}, got {:g}", key, spec.maximum, value));
    }
    values[*index] = value;
  }
  return values;
}

template <std::size_t I = 0>
AnySystem make_by_name(std::string_view name, const ParameterOverrides& overrides) {
  if constexpr (I == std::variant_size_v<AnySystem>) {
    std::string valid;
    for (const auto& info : registered_systems()) {
      valid += (valid.empty() ? "" : ", ") + std::string(info.name);
    }
    throw UsageError(
        fmt::format("system.name: unknown system '{}'; expected one of {}", name, valid));
  } else {
    using S = std::variant_alternative_t<I, AnySystem>;
    if (S::name == name) return AnySystem(std::in_place_index<I>, resolved_values<S>(overrides));
    return make_by_name<I + 1>(name, overrides);
  }
}

}  // namespace

std::vector<SystemInfo> registered_systems() {
  return all_infos(std::make_index_sequence<std::variant_size_v<AnySystem>>());
}

SystemInfo system_info(std::string_view name) {
  for (const SystemInfo& info : registered_systems()) {
    if (info.name == name) return info;
  }
  make_system(name, {});  // throws the unknown-system error
  return {};
}

AnySystem make_system(std::string_view name, const ParameterOverrides& overrides) {
  return make_by_name(name, overrides);
}

std::string_view system_name(const AnySystem& system) {
  return std::visit([](const auto& s) { return std::string_view(std::decay_t<decltype(s)>::name); },
                    system);
}

std::size_t system_dimension(const AnySystem& system) {
  return std::visit([](const auto& s) { return s.dimension(); }, system);
}

std::vector<std::pair<std::string, double>> system_parameters(std::string_view name,
                                                              const ParameterOverrides& overrides) {
  const AnySystem system = make_system(name, overrides);  // validates
  return std::visit(
      [&](const auto& s) {
        using S = std::decay_t<decltype(s)>;
        const auto values = resolved_values<S>(overrides);
        std::vector<std::pair<std::string, double>> out;
        for (std::size_t i = 0; i < S::parameters.size(); ++i) {
          out.emplace_back(std::string(S::parameters[i].name), values[i]);
        }
        return out;
      },
      system);
}

}  // namespace butterfly
