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

}  // namespace butterfly
