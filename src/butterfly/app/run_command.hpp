// `butterfly run`: a twin experiment from a TOML config, written to NetCDF.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace butterfly {

struct RunOptions {
  std::string config_path;             // empty: the built-in default experiment
  std::vector<std::string> overrides;  // "section.key=value"
  std::string output = "butterfly_run.nc";
  std::size_t threads = 0;  // 0: one per hardware thread
  bool json = false;
};

// Runs the experiment and prints its summary; returns the exit status.
int run_command(const RunOptions& options);

}  // namespace butterfly
