// Parsing --set system.KEY=VALUE.
#include "butterfly/app/system_overrides.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "butterfly/core/error.hpp"

namespace butterfly {

ParameterOverrides parse_system_overrides(const std::vector<std::string>& sets, std::string& system,
                                          std::string_view only_system) {
  ParameterOverrides out;
  for (const std::string& o : sets) {
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError(fmt::format("--set {}: expected system.KEY=VALUE", o));
    }
    const std::string key = o.substr(0, eq), value = o.substr(eq + 1);
    if (key.rfind("system.", 0) != 0 || key.size() == 7) {
      throw UsageError(fmt::format("--set {}: {}", o, only_system));
    }
    const std::string name = key.substr(7);
    if (name == "name") {
      system = value;
      continue;
    }
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size()) {
      throw UsageError(fmt::format("{}: expected a number, got '{}'", key, value));
    }
    out.emplace_back(name, number);
  }
  return out;
}

void add_system_options(CLI::App* sub, std::string& system, std::vector<std::string>& overrides) {
  sub->add_option("--system", system, "registered system (see butterfly systems)")
      ->capture_default_str();
  sub->add_option("--set", overrides, "override a system parameter: system.KEY=VALUE")
      ->allow_extra_args(false);
}

std::string parameters_text(const SystemParameters& parameters) {
  std::string out;
  for (const auto& [name, value] : parameters) {
    out += fmt::format("{}{}={:g}", out.empty() ? "" : ", ", name, value);
  }
  return out;
}

SystemFacts system_facts(std::string_view name, const ParameterOverrides& overrides) {
  const SystemInfo info = system_info(name);
  return {std::string(info.name), std::string(info.time_units), std::string(info.default_scheme),
          system_parameters(name, overrides)};
}

std::string scheme_note(const SystemFacts& system, std::string_view used, std::string_view detail) {
  if (system.default_scheme == used) return "";
  return fmt::format("{} runs with {} by default; {}", system.name, system.default_scheme, detail);
}

void write_system_attributes(NetcdfFile& file, const SystemFacts& system) {
  file.set_attribute(NC_GLOBAL, "system", system.name);
  file.set_attribute(NC_GLOBAL, "parameters", parameters_text(system.parameters));
  for (const auto& [name, value] : system.parameters) {
    file.set_attribute(NC_GLOBAL, "system_" + name, value);
  }
  file.set_attribute(NC_GLOBAL, "time_units", system.time_units);
}

}  // namespace butterfly
