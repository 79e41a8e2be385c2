// Says in one line why writing a run's output failed when the cause is the
// place it goes: its directory vanished or its file system is full (the
// NetCDF library itself only says "HDF error").
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace butterfly {

// "OUT: cannot write output (directory 'D' vanished during the run)" or
// "OUT: cannot write output (the file system of 'D' is full: 0 B free)";
// nullopt when the directory exists and has room (the error was something else).
std::optional<std::string> explain_output_failure(const std::filesystem::path& final_path);

}  // namespace butterfly
