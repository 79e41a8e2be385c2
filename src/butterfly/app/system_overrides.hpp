// The --set system.KEY=VALUE options of the analysis subcommands (lyapunov,
// breed, svd): "system.name=NAME" selects the system, other keys are its
// parameters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "butterfly/systems/registry.hpp"

namespace butterfly {

// Throws UsageError "--set X: expected system.KEY=VALUE", "--set X: <only_system>"
// for a key outside [system], or "system.K: expected a number, got 'V'".
// `only_system` says what the command takes instead, e.g. "butterfly svd takes
// only system.KEY=VALUE (the analysis has its own options: --k, ...)".
ParameterOverrides parse_system_overrides(const std::vector<std::string>& sets, std::string& system,
                                          std::string_view only_system);

}  // namespace butterfly
