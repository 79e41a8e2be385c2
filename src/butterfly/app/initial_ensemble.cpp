// Initial ensemble reader with dimension checks.
#include "butterfly/app/initial_ensemble.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "butterfly/core/error.hpp"
#include "butterfly/io/netcdf_file.hpp"

namespace butterfly {
namespace {

std::vector<std::string> names(const std::vector<std::pair<std::string, std::size_t>>& dims) {
  std::vector<std::string> out;
  for (const auto& d : dims) out.push_back(d.first);
  return out;
}

}  // namespace

InitialEnsemble read_initial_ensemble(const std::string& path, std::size_t variables) {
  if (!std::filesystem::exists(path)) {
    throw UsageError(fmt::format("ensemble.initial: cannot read '{}' (no such file)", path));
  }
  NetcdfFile file = [&] {
    try {
      return NetcdfFile::open(path);
    } catch (const RuntimeError& e) {
      throw UsageError(fmt::format("ensemble.initial: {}", e.what()));
    }
  }();
  for (const char* name : {"members", "truth"}) {
    if (!file.has_variable(name)) {
      throw UsageError(
          fmt::format("{}: no variable '{}'; expected members (start, member, var) "
                      "and truth (start, var)",
                      path, name));
    }
  }
  const auto member_dims = file.variable_dimensions("members");
  const auto truth_dims = file.variable_dimensions("truth");
  const bool with_start =
      names(member_dims) == std::vector<std::string>{"start", "member", "var"} &&
      names(truth_dims) == std::vector<std::string>{"start", "var"};
  const bool single = names(member_dims) == std::vector<std::string>{"member", "var"} &&
                      names(truth_dims) == std::vector<std::string>{"var"};
  if (!with_start && !single) {
    throw UsageError(
        fmt::format("{}: members has dimensions {} and truth {}; expected (start, member, var) and "
                    "(start, var), "
                    "or (member, var) and (var)",
                    path, describe_dimensions(member_dims), describe_dimensions(truth_dims)));
  }
  InitialEnsemble e;
  e.starts = with_start ? member_dims[0].second : 1;
  e.members = member_dims[with_start ? 1 : 0].second;
  const std::size_t n = member_dims.back().second;
  if (n != variables || truth_dims.back().second != variables) {
    throw UsageError(fmt::format("{}: var has length {}, expected {} (the system's dimension)",
                                 path, n, variables));
  }
  if (with_start && truth_dims[0].second != e.starts) {
    throw UsageError(fmt::format("{}: truth has {} starts but members has {}", path,
                                 truth_dims[0].second, e.starts));
  }
  if (e.members < 2) {
    throw UsageError(
        fmt::format("{}: members has {} members, expected at least 2", path, e.members));
  }
  e.members_values = file.read_all_double("members");
  e.truth = file.read_all_double("truth");
  const auto finite = [](double v) { return std::isfinite(v); };
  if (!std::all_of(e.members_values.begin(), e.members_values.end(), finite) ||
      !std::all_of(e.truth.begin(), e.truth.end(), finite)) {
    throw UsageError(fmt::format("{}: members or truth holds non-finite values", path));
  }
  return e;
}

}  // namespace butterfly
