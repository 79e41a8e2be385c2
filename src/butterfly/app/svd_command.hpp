// `butterfly svd`: the leading singular vectors of a named system's RK4
// tangent-linear propagator, printed as a table or JSON and optionally
// written to NetCDF.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace butterfly {

struct SvdCommandOptions {
  std::string system = "lorenz96";
  std::vector<std::string> overrides;       // "system.KEY=VALUE"
  std::int64_t k = 3;                       // leading singular vectors
  std::optional<double> optimisation_time;  // unset: 100 steps of dt
  std::optional<double> dt;                 // unset: the system's integrator dt
  std::optional<double> spinup;             // unset: 10^4 steps of dt
  std::string norm = "euclidean";           // euclidean | energy
  double tolerance = 1e-10;                 // relative Lanczos residual
  std::int64_t max_iterations = 0;          // 0: the dimension
  std::int64_t seed = 1;                    // key of the Lanczos start vector
  std::string output;                       // empty: no file
  bool json = false;
};

// Registers the subcommand and its options on `app`, filling `options`.
CLI::App* add_svd_command(CLI::App& app, SvdCommandOptions& options);

// Spins up the start state, computes the singular vectors, writes the file
// (if asked; under a temporary name, renamed when complete) and prints the
// summary; returns the exit status. Throws UsageError for bad input before
// any work (nothing written) and RuntimeError for a run that blows up.
int svd_command(const SvdCommandOptions& options);

}  // namespace butterfly
