// Diagnosis of output failures from the file system's state.
#include "butterfly/app/output_failure.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include "butterfly/app/memory_budget.hpp"

namespace butterfly {

std::optional<std::string> explain_output_failure(const std::filesystem::path& final_path) {
  const std::filesystem::path directory =
      final_path.has_parent_path() ? final_path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    return fmt::format("{}: cannot write output (directory '{}' vanished during the run)",
                       final_path.string(), directory.string());
  }
  // Called while the failed temporary still exists, so a full disk is still full.
  struct statvfs fs {};
  constexpr double kNearlyFull = 1 << 20;  // less than one NetCDF chunk's worth
  if (::statvfs(directory.c_str(), &fs) == 0) {
    const double free = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
    if (free < kNearlyFull) {
      return fmt::format("{}: cannot write output (the file system of '{}' is full: {} free)",
                         final_path.string(), directory.string(), format_bytes(free));
    }
  }
  return std::nullopt;
}

}  // namespace butterfly
