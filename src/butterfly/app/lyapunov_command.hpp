// `butterfly lyapunov`: the Lyapunov spectrum of a named system, printed as a
// table or JSON and optionally written to NetCDF.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace butterfly {

struct LyapunovCommandOptions {
  std::string system = "lorenz63";
  std::vector<std::string> overrides;  // "system.KEY=VALUE"
  std::optional<std::int64_t> k;       // unset: the full spectrum
  std::optional<double> dt;            // unset: the system's integrator dt
  std::optional<double> transient;     // unset: 10^4 steps of dt
  std::optional<double> length;        // unset: 10^5 steps of dt
  std::int64_t renormalise_every = 10;
  std::int64_t replicas = 8;
  std::int64_t seed = 1;
  std::size_t threads = 0;  // 0: one per hardware thread
  std::string output;       // empty: no file
  bool finite_time = false;
  bool json = false;
};

// Registers the subcommand and its options on `app`, filling `options`.
CLI::App* add_lyapunov_command(CLI::App& app, LyapunovCommandOptions& options);

// Computes the spectrum, writes the file (if asked) and prints the summary;
// returns the exit status. Throws UsageError for bad input (nothing written).
int lyapunov_command(const LyapunovCommandOptions& options);

}  // namespace butterfly
