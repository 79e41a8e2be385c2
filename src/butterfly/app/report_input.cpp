// Checking and reading a run's NetCDF output for the report.
#include "butterfly/app/report_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// The variables every report plots, with their dimensions (app/run_output.cpp).
struct RequiredVariable {
  const char* name;
  std::array<const char*, 3> dims;
  std::size_t rank;
};
constexpr std::array<RequiredVariable, 7> kRequired{{
    {"time", {"time"}, 1},
    {"rmse", {"time"}, 1},
    {"spread", {"time"}, 1},
    {"ssr", {"time"}, 1},
    {"crps", {"time"}, 1},
    {"crps_fair", {"time"}, 1},
    {"outlier_rate", {"time"}, 1},
}};

NetcdfFile open_netcdf(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw UsageError(fmt::format("{}: cannot read the run output (no such file)", path));
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError(fmt::format("{}: expected a NetCDF file, found a directory", path));
  }
  try {
    return NetcdfFile::open(path);
  } catch (const RuntimeError& e) {
    // e.what() is "PATH: cannot open: REASON": keep what follows the path.
    std::string reason = e.what();
    if (reason.starts_with(path + ": ")) reason.erase(0, path.size() + 2);
    throw UsageError(fmt::format("{}: not a NetCDF file ({})", path, reason));
  }
}

}  // namespace

ReportInput::ReportInput(const std::string& path) : path_(path), file_(open_netcdf(path)) {
  for (const RequiredVariable& v : kRequired) {
    if (!file_.has_variable(v.name)) {
      reject(fmt::format("not a butterfly run output: no variable '{}' (the report needs {})",
                         v.name,
                         "time, truth, ens_mean, rmse, spread, ssr, crps, crps_fair and "
                         "outlier_rate"));
    }
    require_dimensions(v.name, std::vector<std::string>(v.dims.begin(), v.dims.begin() + v.rank));
  }
  // The state's own dimensions follow (time, start): "var" for ODEs, or the
  // spatial ones ("field", "y", "x", in that order) of a spectral system.
  for (const char* name : {"truth", "ens_mean"}) {
    if (!file_.has_variable(name)) {
      reject(fmt::format("not a butterfly run output: no variable '{}' (the report needs {})", name,
                         "time, truth, ens_mean and the scores over time"));
    }
  }
  std::vector<std::string> state_dims;
  for (const auto& [dim, length] : file_.variable_dimensions("truth")) {
    if (dim != "time" && dim != "start") {
      state_dims.push_back(dim);
      state_shape_.push_back(length);
    }
  }
  const std::vector<std::string> order{"field", "y", "x"};
  std::vector<std::ptrdiff_t> positions;
  for (const std::string& d : state_dims) {
    positions.push_back(std::find(order.begin(), order.end(), d) - order.begin());
  }
  const bool spatial = !state_dims.empty() &&
                       std::adjacent_find(positions.begin(), positions.end(),
                                          std::greater_equal<>{}) == positions.end() &&
                       positions.back() < 3;
  if (state_dims != std::vector<std::string>{"var"} && !spatial) state_dims = {"var"};
  std::vector<std::string> field_dims{"time", "start"};
  field_dims.insert(field_dims.end(), state_dims.begin(), state_dims.end());
  require_dimensions("truth", field_dims);
  require_dimensions("ens_mean", field_dims);
  if (file_.has_variable("rank_histogram")) require_dimensions("rank_histogram", {"time", "rank"});
  if (file_.has_variable("members")) {
    std::vector<std::string> dims{"time", "start", "member"};
    dims.insert(dims.end(), state_dims.begin(), state_dims.end());
    require_dimensions("members", dims);
    members_saved_ = file_.dimension_length("member");
  }
  starts_ = file_.dimension_length("start");
  variables_ = 1;
  for (std::size_t length : state_shape_) variables_ *= length;
  lead_times_ = file_.read_all_double("time");
  if (lead_times_.empty() || starts_ == 0 || variables_ == 0) {
    reject(fmt::format("no data to plot (time={}, start={}, var={})", lead_times_.size(), starts_,
                       variables_));
  }
  const std::optional<double> members = number_attribute("ensemble_members");
  if (!members) {
    reject("not a butterfly run output: no numeric global attribute 'ensemble_members'");
  }
  if (!(*members >= 1)) reject(fmt::format("global attribute ensemble_members = {}", *members));
  ensemble_members_ = static_cast<std::size_t>(*members);
  if (file_.has_variable("rank_histogram") &&
      file_.dimension_length("rank") != ensemble_members_ + 1) {
    reject(fmt::format("dimension 'rank' has {} bins, expected ensemble_members + 1 = {}",
                       file_.dimension_length("rank"), ensemble_members_ + 1));
  }
}

void ReportInput::reject(const std::string& message) const {
  throw UsageError(fmt::format("{}: {}", path_, message));
}

void ReportInput::require_dimensions(const std::string& name,
                                     const std::vector<std::string>& expected) const {
  const auto dims = file_.variable_dimensions(name);
  bool same = dims.size() == expected.size();
  for (std::size_t i = 0; same && i < dims.size(); ++i) same = dims[i].first == expected[i];
  if (!same) {
    reject(fmt::format("variable '{}' has dimensions {}, expected ({})", name,
                       describe_dimensions(dims), fmt::join(expected, ", ")));
  }
  const nc_type type = file_.variable_type(name);
  if (type == NC_CHAR || type == NC_STRING) {
    reject(fmt::format("variable '{}' holds text, expected numbers", name));
  }
}

std::string ReportInput::variable_attribute(const std::string& name,
                                            const std::string& attribute) const {
  if (!file_.has_variable(name)) return "";
  const int id = file_.variable_id(name);
  nc_type type = NC_NAT;
  if (nc_inq_atttype(file_.ncid(), id, attribute.c_str(), &type) != NC_NOERR) return "";
  if (type != NC_CHAR && type != NC_STRING) return "";
  return file_.text_attribute(id, attribute).value_or("");
}

std::optional<std::string> ReportInput::text_attribute(const std::string& name) const {
  nc_type type = NC_NAT;
  if (nc_inq_atttype(file_.ncid(), NC_GLOBAL, name.c_str(), &type) != NC_NOERR) return std::nullopt;
  if (type != NC_CHAR && type != NC_STRING) return std::nullopt;
  return file_.text_attribute(NC_GLOBAL, name);
}

std::optional<double> ReportInput::number_attribute(const std::string& name) const {
  nc_type type = NC_NAT;
  if (nc_inq_atttype(file_.ncid(), NC_GLOBAL, name.c_str(), &type) != NC_NOERR) return std::nullopt;
  if (type == NC_CHAR || type == NC_STRING) return std::nullopt;
  const auto values = file_.numeric_attribute(NC_GLOBAL, name);
  if (!values || values->size() != 1) return std::nullopt;
  return values->front();
}

std::vector<std::pair<std::string, std::string>> ReportInput::global_attributes() const {
  int count = 0;
  if (nc_inq_natts(file_.ncid(), &count) != NC_NOERR) return {};
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < count; ++i) {
    char name[NC_MAX_NAME + 1] = {};
    nc_type type = NC_NAT;
    if (nc_inq_attname(file_.ncid(), NC_GLOBAL, i, name) != NC_NOERR) continue;
    if (nc_inq_atttype(file_.ncid(), NC_GLOBAL, name, &type) != NC_NOERR) continue;
    if (type == NC_CHAR || type == NC_STRING) {
      out.emplace_back(name, file_.text_attribute(NC_GLOBAL, name).value_or(""));
    } else {
      const auto values = file_.numeric_attribute(NC_GLOBAL, name).value_or(std::vector<double>{});
      std::string text;
      for (double v : values) text += fmt::format("{}{:.10g}", text.empty() ? "" : ", ", v);
      out.emplace_back(name, text);
    }
  }
  return out;
}

std::vector<double> ReportInput::lead_series(const std::string& name) const {
  return file_.read_all_double(name);
}

void ReportInput::append_state_index(std::size_t var, std::vector<std::size_t>& first,
                                     std::vector<std::size_t>& count) const {
  std::vector<std::size_t> index(state_shape_.size());
  for (std::size_t i = state_shape_.size(); i-- > 0;) {  // row-major unravel
    index[i] = var % state_shape_[i];
    var /= state_shape_[i];
  }
  first.insert(first.end(), index.begin(), index.end());
  count.insert(count.end(), state_shape_.size(), 1);
}

std::vector<double> ReportInput::trajectory(const std::string& name, std::size_t start,
                                            std::size_t var) const {
  std::vector<double> out(times());
  std::vector<std::size_t> first{0, start}, count{times(), 1};
  append_state_index(var, first, count);
  file_.read(file_.variable_id(name), first, count, out.data());
  return out;
}

std::vector<std::vector<double>> ReportInput::member_trajectories(std::size_t start,
                                                                  std::size_t var) const {
  if (members_saved_ == 0) return {};
  const std::size_t k = members_saved_;
  std::vector<double> slab(times() * k);
  std::vector<std::size_t> first{0, start, 0}, count{times(), 1, k};
  append_state_index(var, first, count);
  file_.read(file_.variable_id("members"), first, count, slab.data());
  std::vector<std::vector<double>> out(k, std::vector<double>(times()));
  for (std::size_t t = 0; t < times(); ++t) {
    for (std::size_t m = 0; m < k; ++m) out[m][t] = slab[t * k + m];
  }
  return out;
}

std::vector<double> ReportInput::field(const std::string& name, std::size_t start) const {
  std::vector<double> out(times() * variables_);
  std::vector<std::size_t> first{0, start}, count{times(), 1};
  first.insert(first.end(), state_shape_.size(), 0);
  count.insert(count.end(), state_shape_.begin(), state_shape_.end());
  file_.read(file_.variable_id(name), first, count, out.data());
  return out;
}

std::vector<double> ReportInput::rank_histogram(std::size_t time_index) const {
  if (!file_.has_variable("rank_histogram")) return {};
  std::vector<double> out(ensemble_members_ + 1);
  file_.read(file_.variable_id("rank_histogram"), {time_index, 0}, {1, out.size()}, out.data());
  return out;
}

std::vector<double> ReportInput::lyapunov_exponents() const {
  if (!file_.has_variable("exponents")) return {};
  const nc_type type = file_.variable_type("exponents");
  if (type == NC_CHAR || type == NC_STRING) return {};
  const auto dims = file_.variable_dimensions("exponents");
  if (dims.empty()) return file_.read_all_double("exponents");
  std::vector<std::size_t> start, count;
  for (std::size_t i = 0; i + 1 < dims.size(); ++i) {
    if (dims[i].second == 0) return {};
    start.push_back(dims[i].second - 1);
    count.push_back(1);
  }
  start.push_back(0);
  count.push_back(dims.back().second);
  std::vector<double> out(dims.back().second);
  if (!out.empty()) file_.read(file_.variable_id("exponents"), start, count, out.data());
  return out;
}

}  // namespace butterfly
