// The system part of the analysis subcommands (lyapunov, breed, svd): their
// --system and --set system.KEY=VALUE options ("system.name=NAME" selects the
// system, other keys are its parameters), and how they report the system.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "butterfly/io/netcdf_file.hpp"
#include "butterfly/systems/registry.hpp"

namespace butterfly {

// Throws UsageError "--set X: expected system.KEY=VALUE", "--set X: <only_system>"
// for a key outside [system], or "system.K: expected a number, got 'V'".
// `only_system` says what the command takes instead, e.g. "butterfly svd takes
// only system.KEY=VALUE (the analysis has its own options: --k, ...)".
ParameterOverrides parse_system_overrides(const std::vector<std::string>& sets, std::string& system,
                                          std::string_view only_system);

// Adds --system NAME and --set system.KEY=VALUE to a subcommand.
void add_system_options(CLI::App* sub, std::string& system, std::vector<std::string>& overrides);

using SystemParameters = std::vector<std::pair<std::string, double>>;

// "n=40, forcing=8": the parameters as summaries print them.
std::string parameters_text(const SystemParameters& parameters);

// The system an analysis ran on, as its summary and file report it.
struct SystemFacts {
  std::string name, time_units, default_scheme;
  SystemParameters parameters;  // every parameter, overrides applied
};
SystemFacts system_facts(std::string_view name, const ParameterOverrides& overrides);

// "" when the analysis stepped with the system's default scheme; otherwise
// "NAME runs with DEFAULT by default; DETAIL" (DETAIL says what `used` means here).
std::string scheme_note(const SystemFacts& system, std::string_view used, std::string_view detail);

// The global attributes naming the system: system, parameters (as text),
// system_NAME for each parameter, time_units.
void write_system_attributes(NetcdfFile& file, const SystemFacts& system);

}  // namespace butterfly
