// `butterfly breed`: bred vectors (Toth & Kalnay) of a named system, printed as a
// table or JSON and optionally written to NetCDF.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace butterfly {

struct BreedCommandOptions {
  std::string system = "lorenz96";
  std::vector<std::string> overrides;  // "system.KEY=VALUE"
  std::int64_t cycles = 100;
  std::optional<double> cycle_length;  // unset: 10 steps of dt
  double amplitude = 0.01;             // in the units of --norm
  std::string norm = "euclidean";      // euclidean | rms | energy
  std::int64_t vectors = 1;
  bool pairs = false;
  std::int64_t seed = 1;
  std::optional<double> dt;      // unset: the system's integrator dt
  std::optional<double> spinup;  // unset: 10^4 steps of dt
  std::string output;            // empty: no file
  bool json = false;
};

// Registers the subcommand and its options on `app`, filling `options`.
CLI::App* add_breed_command(CLI::App& app, BreedCommandOptions& options);

// Breeds the vectors, writes the file (if asked) and prints the summary; returns the
// exit status. Throws UsageError for bad input (before any work, nothing written).
int breed_command(const BreedCommandOptions& options);

}  // namespace butterfly
