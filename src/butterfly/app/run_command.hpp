// `butterfly run`: a twin experiment from a TOML config, written to NetCDF.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "butterfly/core/communicator.hpp"

namespace butterfly {

struct RunOptions {
  std::string config_path;             // empty: the built-in default experiment
  std::vector<std::string> overrides;  // "section.key=value"
  std::string output = "butterfly_run.nc";
  std::size_t threads = 0;  // 0: one per hardware thread
  bool json = false;
  bool resume = false;           // continue from the run's checkpoint
  bool replay = false;           // --members given: replay only these members
  std::string members;           // their ids, "17,4242,100-103"
  std::string memory;            // --memory: budget such as "4G"; empty: the machine's default
  Communicator* comm = nullptr;  // the MPI processes of the run; null: one process
};

// Runs the experiment and prints its summary; returns the exit status.
int run_command(const RunOptions& options);

}  // namespace butterfly
