// `butterfly ews`: CSV or NetCDF series -> early_warning_signals -> NetCDF (under a temporary
// name, renamed when complete) -> text table or JSON; --roc: Kendall taus of many forced and
// null series -> ROC curves and areas (Boettiger & Hastings 2012).
#include "butterfly/app/ews_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <optional>
#include <span>
#include <thread>
#include <utility>

#include "butterfly/analysis/early_warning.hpp"
#include "butterfly/analysis/indicator_roc.hpp"
#include "butterfly/app/json_text.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/io/atomic_output.hpp"
#include "butterfly/io/netcdf_file.hpp"

namespace butterfly {
namespace {

using Dims = std::vector<std::pair<std::string, std::size_t>>;

// Names a series dimension may have in --roc mode.
constexpr std::string_view kSeriesDimensions[] = {"member", "series", "ensemble", "realization",
                                                  "sample"};

// What each indicator means in each convention, for the file's description attributes.
std::string describe(EwsIndicator indicator, EwsConvention convention) {
  const bool ewstools = convention == EwsConvention::ewstools;
  switch (indicator) {
    case EwsIndicator::variance:
      return "sample variance of the window's residuals (ddof = 1)";
    case EwsIndicator::std:
      return "sample standard deviation of the window's residuals (ddof = 1)";
    case EwsIndicator::autocorrelation:
      return ewstools ? "Pearson correlation of x[:-1] and x[1:] in the window (pandas "
                        "Series.autocorr(lag=1), as ewstools compute_auto)"
                      : "lag-1 autocorrelation sum (x_i - m)(x_{i+1} - m) / sum (x_i - m)^2 "
                        "(R acf, as earlywarnings generic_ews acf1)";
    case EwsIndicator::ar1:
      return "OLS AR(1) coefficient of the demeaned window without intercept (R ar.ols, as "
             "earlywarnings generic_ews ar1)";
    case EwsIndicator::skewness:
      return ewstools ? "bias-corrected skewness G1 (pandas rolling skew, as ewstools)"
                      : "absolute population skewness |g1| (abs(moments::skewness), as "
                        "earlywarnings generic_ews)";
    case EwsIndicator::kurtosis:
      return ewstools ? "bias-corrected excess kurtosis G2 (pandas rolling kurt, as ewstools)"
                      : "population kurtosis b2, not excess (moments::kurtosis, as "
                        "earlywarnings generic_ews)";
    case EwsIndicator::cv:
      return ewstools ? "std of the residuals / mean of the series (ewstools compute_cv)"
                      : "std / mean of the residuals (earlywarnings generic_ews cv)";
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Input.

// A series and what the file says about it.
struct Series {
  std::vector<double> values;
  std::vector<double> time;  // the time coordinate (the sample index if the file has none)
  bool time_is_index = true;
  std::string time_name = "time";
  std::string time_units;
  std::string time_calendar;
  std::string units;
  std::string long_name;
  std::string source;  // "column x" or "variable x"
};

bool is_netcdf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  const std::string_view head(magic, static_cast<std::size_t>(in.gcount()));
  return head.starts_with("CDF\x01") || head.starts_with("CDF\x02") ||
         head.starts_with("CDF\x05") || head.starts_with("\x89HDF\r\n\x1a\n");
}

void require_file(const std::string& option, const std::string& path) {
  if (path.empty()) throw UsageError(fmt::format("{}: required", option));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw UsageError(fmt::format("{} {}: cannot read (no such file)", option, path));
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// Splits a CSV line at its commas into `out` (reused between lines: no allocation per line).
void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    out.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

// One CSV field as a finite number; UsageError naming the option, line and file otherwise.
double parse_field(std::string_view field, const std::string& option, std::size_t line,
                   const std::string& path) {
  if (field.empty()) {
    throw UsageError(
        fmt::format("{}: line {} of {} is empty; expected a number (missing "
                    "values are not allowed)",
                    option, line, path));
  }
  double value = 0.0;
  const char* begin = field.data();
  if (*begin == '+') ++begin;
  const auto [end, ec] = std::from_chars(begin, field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size()) {
    throw UsageError(fmt::format("{}: line {} of {}: '{}' is not a number", option, line, path,
                                 std::string(field)));
  }
  if (!std::isfinite(value)) {
    throw UsageError(fmt::format("{}: line {} of {} holds a non-finite value '{}'", option, line,
                                 path, std::string(field)));
  }
  return value;
}

Series read_csv(const EwsCommandOptions& o) {
  if (o.column.empty()) {
    throw UsageError(fmt::format("--column: required with the CSV file {}", o.input));
  }
  if (!o.var.empty() || !o.select.empty()) {
    throw UsageError(fmt::format(
        "--var: {} is a CSV file; name its column with --column (--var and --select are for "
        "NetCDF)",
        o.input));
  }
  std::ifstream in(o.input, std::ios::binary | std::ios::ate);
  std::string text(static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  std::string_view rest(text);
  auto next_line = [&rest]() {
    const std::size_t eol = rest.find('\n');
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    return line;
  };
  std::vector<std::string_view> header, fields;
  split_fields(next_line(), header);
  auto find_column = [&](const std::string& name, const char* option) {
    const auto it = std::find(header.begin(), header.end(), std::string_view(name));
    if (it == header.end()) {
      std::string names;
      for (std::string_view h : header) names += (names.empty() ? "" : ", ") + std::string(h);
      throw UsageError(fmt::format("{} {}: no such column in the header of {} (columns: {})",
                                   option, name, o.input, names));
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t column = find_column(o.column, "--column");
  const bool has_time = !o.time_column.empty();
  const std::size_t time_column = has_time ? find_column(o.time_column, "--time-column") : 0;
  Series s;
  s.source = "column " + o.column;
  s.long_name = o.column;
  if (has_time) {
    s.time_name = o.time_column;
    s.time_is_index = false;
  }
  const std::string column_option = "--column " + o.column;
  const std::string time_option = "--time-column " + o.time_column;
  std::size_t line_number = 1;
  while (!rest.empty()) {
    const std::string_view line = next_line();
    ++line_number;
    if (trim(line).empty()) continue;
    split_fields(line, fields);
    if (fields.size() != header.size()) {
      throw UsageError(fmt::format("--input {}: line {} has {} fields, the header {}", o.input,
                                   line_number, fields.size(), header.size()));
    }
    s.values.push_back(parse_field(fields[column], column_option, line_number, o.input));
    if (has_time) {
      s.time.push_back(parse_field(fields[time_column], time_option, line_number, o.input));
    }
  }
  if (!has_time) {
    s.time.resize(s.values.size());
    std::iota(s.time.begin(), s.time.end(), 0.0);
  }
  return s;
}

NetcdfFile open_netcdf(const std::string& option, const std::string& path) {
  try {
    return NetcdfFile::open(path);
  } catch (const RuntimeError& e) {
    throw UsageError(fmt::format("{} {}: not a readable NetCDF file ({})", option, path, e.what()));
  }
}

// A NetCDF variable with every dimension but `free` ones fixed by --select DIM=INDEX.
struct Selection {
  std::vector<std::size_t> start, count;
  std::vector<std::size_t> free_axes;  // in file order
  Dims dims;
  std::string text;  // "member=3, start=0"
};

Selection select_axes(const NetcdfFile& file, const std::string& option, const std::string& path,
                      const std::string& var, const std::vector<std::string>& select,
                      std::size_t free) {
  if (var.empty()) throw UsageError(fmt::format("--var: required with the NetCDF file {}", path));
  if (!file.has_variable(var)) {
    std::string names;
    for (const std::string& v : file.variable_names()) names += (names.empty() ? "" : ", ") + v;
    throw UsageError(
        fmt::format("--var {}: no such variable in {} (variables: {})", var, path, names));
  }
  Selection sel;
  sel.dims = file.variable_dimensions(var);
  sel.start.assign(sel.dims.size(), 0);
  sel.count.resize(sel.dims.size());
  for (std::size_t a = 0; a < sel.dims.size(); ++a) sel.count[a] = sel.dims[a].second;
  std::vector<bool> fixed(sel.dims.size(), false);
  for (const std::string& item : select) {
    const auto eq = item.find('=');
    const std::string dim = item.substr(0, eq);
    const auto it = std::find_if(sel.dims.begin(), sel.dims.end(),
                                 [&](const auto& d) { return d.first == dim; });
    if (eq == std::string::npos || eq == 0 || it == sel.dims.end()) {
      throw UsageError(
          fmt::format("--select {}: expected DIM=INDEX with DIM a dimension of '{}' {}", item, var,
                      describe_dimensions(sel.dims)));
    }
    const std::size_t axis = static_cast<std::size_t>(it - sel.dims.begin());
    if (fixed[axis])
      throw UsageError(fmt::format("--select {}: '{}' is selected twice", item, dim));
    const std::string number = item.substr(eq + 1);
    std::size_t index = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
        index >= it->second) {
      throw UsageError(fmt::format("--select {}: index must be a whole number from 0 to {}", item,
                                   it->second - 1));
    }
    fixed[axis] = true;
    sel.start[axis] = index;
    sel.count[axis] = 1;
    sel.text += (sel.text.empty() ? "" : ", ") + fmt::format("{}={}", dim, index);
  }
  Dims rest;
  for (std::size_t a = 0; a < sel.dims.size(); ++a) {
    if (!fixed[a]) {
      sel.free_axes.push_back(a);
      rest.push_back(sel.dims[a]);
    }
  }
  if (sel.free_axes.size() != free) {
    const std::string what = free == 1 ? "the time dimension" : "a series dimension and time";
    throw UsageError(fmt::format(
        "{} {}: '{}' has {} dimension{} left unselected {}; expected {} (fix the others with "
        "--select DIM=INDEX)",
        option, path, var, rest.size(), rest.size() == 1 ? "" : "s", describe_dimensions(rest),
        what));
  }
  return sel;
}

// Values of the selected hyperslab, with CF packing (scale_factor, add_offset) undone and
// _FillValue / missing_value entries set to NaN.
std::vector<double> read_selection(const NetcdfFile& file, const std::string& var,
                                   const Selection& sel) {
  std::size_t size = 1;
  for (std::size_t c : sel.count) size *= c;
  std::vector<double> values(size);
  const int id = file.variable_id(var);
  if (size > 0) file.read(id, sel.start, sel.count, values.data());
  for (const char* name : {"_FillValue", "missing_value"}) {
    if (const auto fill = file.numeric_attribute(id, name)) {
      for (double& v : values) {
        if (std::find(fill->begin(), fill->end(), v) != fill->end()) v = NAN;
      }
    }
  }
  const auto scale = file.numeric_attribute(id, "scale_factor");
  const auto offset = file.numeric_attribute(id, "add_offset");
  if (scale || offset) {
    const double a = scale && !scale->empty() ? scale->front() : 1.0;
    const double b = offset && !offset->empty() ? offset->front() : 0.0;
    for (double& v : values) v = v * a + b;
  }
  return values;
}

// The time coordinate of dimension `dim` (a 1-D variable of the same name), or the index.
void read_time(const NetcdfFile& file, const std::string& dim, std::size_t length, Series& s) {
  s.time_name = dim;
  s.time.resize(length);
  std::iota(s.time.begin(), s.time.end(), 0.0);
  if (!file.has_variable(dim)) return;
  const Dims d = file.variable_dimensions(dim);
  if (d.size() != 1 || d[0].first != dim) return;
  s.time = file.read_all_double(dim);
  s.time_is_index = false;
  const int id = file.variable_id(dim);
  s.time_units = file.text_attribute(id, "units").value_or("");
  s.time_calendar = file.text_attribute(id, "calendar").value_or("");
}

std::string text_attribute_or(const NetcdfFile& file, const std::string& var,
                              const std::string& name, const std::string& fallback) {
  try {
    return file.text_attribute(file.variable_id(var), name).value_or(fallback);
  } catch (const RuntimeError&) {
    return fallback;  // present but not text
  }
}

Series read_netcdf_series(const EwsCommandOptions& o) {
  if (!o.column.empty() || !o.time_column.empty()) {
    throw UsageError(fmt::format(
        "--column: {} is a NetCDF file; name its variable with --var (--column is for CSV)",
        o.input));
  }
  const NetcdfFile file = open_netcdf("--input", o.input);
  const Selection sel = select_axes(file, "--input", o.input, o.var, o.select, 1);
  Series s;
  s.values = read_selection(file, o.var, sel);
  const auto& [dim, length] = sel.dims[sel.free_axes[0]];
  for (std::size_t i = 0; i < s.values.size(); ++i) {
    if (!std::isfinite(s.values[i])) {
      throw UsageError(fmt::format(
          "--var {}: value {} along '{}' in {} is missing or not finite ({}); the series must "
          "be complete",
          o.var, i, dim, o.input, s.values[i]));
    }
  }
  read_time(file, dim, length, s);
  s.units = text_attribute_or(file, o.var, "units", "");
  s.long_name = text_attribute_or(file, o.var, "long_name", o.var);
  s.source = "variable " + o.var + (sel.text.empty() ? "" : " (" + sel.text + ")");
  return s;
}

// ---------------------------------------------------------------------------------------------
// Options.

EwsOptions library_options(const EwsCommandOptions& o) {
  EwsOptions options;
  options.convention = parse_ews_convention(o.convention);
  options.detrend = parse_ews_detrend(o.detrend);
  options.bandwidth = o.bandwidth;
  options.window = o.window;
  for (const std::string& name : o.indicators) {
    options.indicators.push_back(parse_ews_indicator(name));
  }
  return options;
}

std::size_t thread_count(const EwsCommandOptions& o) {
  return o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
}

std::string units_power(const std::string& units, int power) {
  if (power == 0) return "1";
  if (units.empty()) return "";
  if (power == 1 || units == "1") return units;
  return fmt::format("({})^{}", units, power);
}

std::string plan_text(const EwsPlan& p) {
  std::string out;
  switch (p.detrend) {
    case EwsDetrend::none:
      out = "no detrending";
      break;
    case EwsDetrend::gaussian:
      out = fmt::format("gaussian detrending (bandwidth {:g} points, kernel sd {:.4g} points)",
                        p.bandwidth, p.kernel_sigma);
      break;
    case EwsDetrend::moving_mean:
      out = fmt::format("moving-mean detrending ({} points)", p.moving_mean_width);
      break;
  }
  return out + fmt::format(", rolling window {} points", p.window);
}

void set_plan_attributes(NetcdfFile& file, const EwsPlan& p) {
  file.set_attribute(NC_GLOBAL, "convention", std::string(ews_convention_name(p.convention)));
  file.set_attribute(NC_GLOBAL, "detrend", std::string(ews_detrend_name(p.detrend)));
  if (p.detrend != EwsDetrend::none) file.set_attribute(NC_GLOBAL, "bandwidth_points", p.bandwidth);
  if (p.detrend == EwsDetrend::gaussian) {
    file.set_attribute(NC_GLOBAL, "kernel_sd_points", p.kernel_sigma);
  }
  file.set_attribute(NC_GLOBAL, "window_points", p.window);
  file.set_attribute(NC_GLOBAL, "window_alignment",
                     "right: the value at time index i is that of the window ending at i");
}

// ---------------------------------------------------------------------------------------------
// One series.

void write_series_netcdf(const std::filesystem::path& path, const EwsCommandOptions& o,
                         const Series& s, const EwsResult& r) {
  NetcdfFile file = NetcdfFile::create(path);
  const std::string t = s.time_name;
  file.define_dimension(t, s.values.size());
  const int time = file.define_variable(t, NC_DOUBLE, {t});
  if (s.time_is_index) {
    file.set_attribute(time, "long_name", "sample index");
    file.set_attribute(time, "units", "1");
  } else {
    file.set_attribute(time, "long_name", "time");
    if (!s.time_units.empty()) file.set_attribute(time, "units", s.time_units);
    if (!s.time_calendar.empty()) file.set_attribute(time, "calendar", s.time_calendar);
  }
  auto define = [&](const std::string& name, const std::string& long_name,
                    const std::string& units) {
    const int id = file.define_variable(name, NC_DOUBLE, {t});
    file.set_attribute(id, "long_name", long_name);
    if (!units.empty()) file.set_attribute(id, "units", units);
    return id;
  };
  const int state = define("state", s.long_name, s.units);
  const bool detrended = !r.trend.empty();
  int trend = -1, residuals = -1;
  if (detrended) {
    trend = define("trend", "trend removed before the rolling statistics", s.units);
    residuals = define("residuals", "state - trend", s.units);
  }
  std::vector<int> ids;
  for (std::size_t i = 0; i < r.plan.indicators.size(); ++i) {
    const EwsIndicatorInfo& info = ews_indicator_info(r.plan.indicators[i]);
    const int id = define(std::string(info.name), std::string(info.long_name),
                          units_power(s.units, info.units_power));
    file.set_attribute(id, "description", describe(info.indicator, r.plan.convention));
    file.set_attribute(id, "kendall_tau", r.kendall[i].tau);
    file.set_attribute(id, "kendall_tau_p_value", r.kendall[i].p_value);
    file.set_attribute(id, "kendall_tau_count", r.kendall[i].count);
    ids.push_back(id);
  }
  file.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
  file.set_attribute(NC_GLOBAL, "title", "butterfly early-warning indicators");
  file.set_attribute(NC_GLOBAL, "source", std::string("butterfly ") + BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "butterfly_version", BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "input", o.input);
  file.set_attribute(NC_GLOBAL, "input_series", s.source);
  file.set_attribute(NC_GLOBAL, "kendall_tau",
                     "Kendall tau-b of each indicator against time over its finite values, "
                     "p-value as scipy.stats.kendalltau");
  set_plan_attributes(file, r.plan);
  file.end_definitions();
  file.write_all(time, s.time);
  file.write_all(state, s.values);
  if (detrended) {
    file.write_all(trend, r.trend);
    file.write_all(residuals, r.residuals);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) file.write_all(ids[i], r.values[i]);
  file.close();
}

std::string series_summary(const EwsCommandOptions& o, const Series& s, const EwsResult& r,
                           double seconds) {
  const EwsPlan& p = r.plan;
  if (o.json) {
    std::string out =
        "{\"input\": " + json_quoted(o.input) + ", \"series\": " + json_quoted(s.source);
    out += fmt::format(", \"points\": {}", p.length);
    out += ", \"convention\": " + json_quoted(std::string(ews_convention_name(p.convention)));
    out += ", \"detrend\": " + json_quoted(std::string(ews_detrend_name(p.detrend)));
    out += ", \"bandwidth_points\": " + json_number_exact(p.bandwidth);
    out += ", \"kernel_sd_points\": " + json_number_exact(p.kernel_sigma);
    out += fmt::format(", \"window_points\": {}", p.window);
    out += ", \"indicators\": {";
    for (std::size_t i = 0; i < p.indicators.size(); ++i) {
      out += (i ? ", " : "") + json_quoted(std::string(ews_indicator_info(p.indicators[i]).name));
      out += ": {\"kendall_tau\": " + json_number_exact(r.kendall[i].tau) +
             ", \"p_value\": " + json_number_exact(r.kendall[i].p_value) +
             fmt::format(", \"count\": {}}}", r.kendall[i].count);
    }
    out += "}, \"output\": " + (o.output.empty() ? std::string("null") : json_quoted(o.output));
    return out + ", \"seconds\": " + json_number_exact(seconds) + "}\n";
  }
  std::string out = fmt::format("butterfly ews: {} ({}), {} points, {} convention\n", o.input,
                                s.source, p.length, ews_convention_name(p.convention));
  out += plan_text(p) + "\n";
  out += fmt::format("{:<16} {:>12} {:>12}\n", "indicator", "kendall_tau", "p_value");
  for (std::size_t i = 0; i < p.indicators.size(); ++i) {
    out += fmt::format("{:<16} {:>12.4f} {:>12.3g}\n", ews_indicator_info(p.indicators[i]).name,
                       r.kendall[i].tau, r.kendall[i].p_value);
  }
  if (!o.output.empty()) out += fmt::format("wrote {}\n", o.output);
  return out + fmt::format("computed in {:.3f} s\n", seconds);
}

int series_command(const EwsCommandOptions& o, const EwsOptions& options) {
  if (!o.forced.empty() || !o.null_input.empty()) {
    throw UsageError("--forced/--null: only with --roc");
  }
  require_file("--input", o.input);
  const auto begin = std::chrono::steady_clock::now();
  const Series s = is_netcdf(o.input) ? read_netcdf_series(o) : read_csv(o);
  if (s.values.size() < 4) {
    throw UsageError(fmt::format("--input {}: the series ({}) has {} points; expected at least 4",
                                 o.input, s.source, s.values.size()));
  }
  plan_early_warning(s.values.size(), options);  // every usage error before any file exists
  std::optional<AtomicOutput> output;
  if (!o.output.empty()) output.emplace(o.output);
  ThreadPool pool(thread_count(o));
  const EwsResult r = early_warning_signals(s.values, options, &pool);
  if (output) {
    write_series_netcdf(output->temp_path(), o, s, r);
    output->commit();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::fputs(series_summary(o, s, r, seconds).c_str(), stdout);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// ROC.

// Many series of one file: rows of `time` values.
struct SeriesSet {
  std::size_t series = 0, time = 0;
  std::string series_dim, time_dim;
  std::vector<double> values;  // series x time, row-major
};

SeriesSet read_series_set(const EwsCommandOptions& o, const std::string& option,
                          const std::string& path) {
  require_file(option, path);
  if (!is_netcdf(path)) {
    throw UsageError(fmt::format("{} {}: expected a NetCDF file of many series", option, path));
  }
  const NetcdfFile file = open_netcdf(option, path);
  const Selection sel = select_axes(file, option, path, o.var, o.select, 2);
  const auto is_series = [](const std::string& name) {
    return std::find(std::begin(kSeriesDimensions), std::end(kSeriesDimensions), name) !=
           std::end(kSeriesDimensions);
  };
  const auto& a = sel.dims[sel.free_axes[0]];
  const auto& b = sel.dims[sel.free_axes[1]];
  if (is_series(a.first) == is_series(b.first)) {
    throw UsageError(fmt::format(
        "{} {}: '{}' has the free dimensions ({}={}, {}={}); expected one series dimension "
        "(member, series, ensemble, realization or sample) and one time dimension",
        option, path, o.var, a.first, a.second, b.first, b.second));
  }
  const bool series_first = is_series(a.first);
  SeriesSet set;
  set.series = series_first ? a.second : b.second;
  set.time = series_first ? b.second : a.second;
  set.series_dim = series_first ? a.first : b.first;
  set.time_dim = series_first ? b.first : a.first;
  const std::vector<double> raw = read_selection(file, o.var, sel);
  set.values.resize(raw.size());
  for (std::size_t k = 0; k < set.series; ++k) {
    for (std::size_t t = 0; t < set.time; ++t) {
      const double v = series_first ? raw[k * set.time + t] : raw[t * set.series + k];
      if (!std::isfinite(v)) {
        throw UsageError(
            fmt::format("{} {}: series {} of '{}' is missing or not finite at {} index {}", option,
                        path, k, o.var, set.time_dim, t));
      }
      set.values[k * set.time + t] = v;
    }
  }
  if (set.series == 0) {
    throw UsageError(fmt::format("{} {}: '{}' holds no series", option, path, o.var));
  }
  return set;
}

// Kendall taus, indicator x series (NaN where undefined).
std::vector<std::vector<double>> taus(const SeriesSet& set, const EwsOptions& options,
                                      std::size_t indicators, ThreadPool& pool) {
  std::vector<std::vector<double>> out(indicators, std::vector<double>(set.series, NAN));
  pool.parallel_for(set.series, [&](std::size_t k, std::size_t) {
    const std::span<const double> row(set.values.data() + k * set.time, set.time);
    const EwsResult r = early_warning_signals(row, options);
    for (std::size_t i = 0; i < indicators; ++i) out[i][k] = r.kendall[i].tau;
  });
  return out;
}

std::vector<double> finite_only(const std::vector<double>& v) {
  std::vector<double> out;
  std::copy_if(v.begin(), v.end(), std::back_inserter(out),
               [](double x) { return std::isfinite(x); });
  return out;
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

struct RocRow {
  EwsIndicator indicator;
  std::vector<double> forced_tau, null_tau;  // every series, NaN where undefined
  std::size_t forced_used = 0, null_used = 0;
  double forced_mean = NAN, null_mean = NAN;
  RocCurve curve;
};

void write_roc_netcdf(const std::filesystem::path& path, const EwsCommandOptions& o,
                      const EwsPlan& plan, const SeriesSet& forced, const SeriesSet& null,
                      const std::vector<RocRow>& rows) {
  NetcdfFile file = NetcdfFile::create(path);
  file.define_dimension("forced_series", forced.series);
  file.define_dimension("null_series", null.series);
  struct Ids {
    int forced, null, threshold, fpr, tpr;
  };
  std::vector<Ids> ids;
  for (const RocRow& row : rows) {
    const std::string name(ews_indicator_info(row.indicator).name);
    const std::string point = "roc_point_" + name;
    file.define_dimension(point, row.curve.threshold.size());
    Ids id{};
    id.forced =
        file.define_variable("tau_forced_" + name, {"forced_series"},
                             "Kendall tau of " + name + " against time, forced series", "1");
    id.null = file.define_variable("tau_null_" + name, {"null_series"},
                                   "Kendall tau of " + name + " against time, null series", "1");
    id.threshold = file.define_variable("roc_threshold_" + name, {point},
                                        "warn when the Kendall tau is >= this threshold", "1");
    id.fpr = file.define_variable("roc_false_positive_rate_" + name, {point},
                                  "fraction of null series that warn", "1");
    id.tpr = file.define_variable("roc_true_positive_rate_" + name, {point},
                                  "fraction of forced series that warn", "1");
    file.set_attribute(id.tpr, "roc_area", row.curve.area);
    file.set_attribute(NC_GLOBAL, "roc_area_" + name, row.curve.area);
    ids.push_back(id);
  }
  file.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
  file.set_attribute(NC_GLOBAL, "title", "butterfly early-warning indicator ROC curves");
  file.set_attribute(NC_GLOBAL, "source", std::string("butterfly ") + BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "butterfly_version", BUTTERFLY_VERSION);
  file.set_attribute(NC_GLOBAL, "forced", o.forced);
  file.set_attribute(NC_GLOBAL, "null", o.null_input);
  file.set_attribute(NC_GLOBAL, "variable", o.var);
  file.set_attribute(NC_GLOBAL, "method",
                     "Boettiger & Hastings (2012), Proc. R. Soc. B 279, 4734: ROC curve of the "
                     "Kendall tau over forced and null series; area = Mann-Whitney U / (n1 n2), "
                     "series whose tau is undefined left out");
  set_plan_attributes(file, plan);
  file.end_definitions();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    file.write_all(ids[i].forced, rows[i].forced_tau);
    file.write_all(ids[i].null, rows[i].null_tau);
    file.write_all(ids[i].threshold, rows[i].curve.threshold);
    file.write_all(ids[i].fpr, rows[i].curve.false_positive_rate);
    file.write_all(ids[i].tpr, rows[i].curve.true_positive_rate);
  }
  file.close();
}

int roc_command(const EwsCommandOptions& o, const EwsOptions& options) {
  if (!o.input.empty()) throw UsageError("--input: not with --roc (use --forced and --null)");
  if (!o.column.empty()) throw UsageError("--column: not with --roc (the inputs are NetCDF)");
  const auto begin = std::chrono::steady_clock::now();
  const SeriesSet forced = read_series_set(o, "--forced", o.forced);
  const SeriesSet null = read_series_set(o, "--null", o.null_input);
  for (const SeriesSet* set : {&forced, &null}) {
    if (set->time < 4) {
      throw UsageError(fmt::format("{}: series of {} points; expected at least 4",
                                   set == &forced ? "--forced" : "--null", set->time));
    }
  }
  const EwsPlan plan = plan_early_warning(forced.time, options);
  plan_early_warning(null.time, options);
  std::optional<AtomicOutput> output;
  if (!o.output.empty()) output.emplace(o.output);
  ThreadPool pool(thread_count(o));
  const std::size_t count = plan.indicators.size();
  std::vector<std::vector<double>> tf = taus(forced, options, count, pool);
  std::vector<std::vector<double>> tn = taus(null, options, count, pool);
  std::vector<RocRow> rows(count);
  for (std::size_t i = 0; i < count; ++i) {
    RocRow& row = rows[i];
    row.indicator = plan.indicators[i];
    row.forced_tau = std::move(tf[i]);
    row.null_tau = std::move(tn[i]);
    const std::vector<double> f = finite_only(row.forced_tau), g = finite_only(row.null_tau);
    row.forced_used = f.size();
    row.null_used = g.size();
    row.forced_mean = mean_of(f);
    row.null_mean = mean_of(g);
    if (!f.empty() && !g.empty()) row.curve = roc_curve(f, g);
  }
  if (output) {
    write_roc_netcdf(output->temp_path(), o, plan, forced, null, rows);
    output->commit();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::string out;
  if (o.json) {
    out = "{\"forced\": " + json_quoted(o.forced) + ", \"null\": " + json_quoted(o.null_input) +
          ", \"var\": " + json_quoted(o.var);
    out += fmt::format(", \"forced_series\": {}, \"null_series\": {}", forced.series, null.series);
    out += ", \"convention\": " + json_quoted(std::string(ews_convention_name(plan.convention)));
    out += ", \"detrend\": " + json_quoted(std::string(ews_detrend_name(plan.detrend)));
    out += fmt::format(", \"window_points\": {}", plan.window);
    out += ", \"indicators\": {";
    for (std::size_t i = 0; i < count; ++i) {
      const RocRow& row = rows[i];
      out += (i ? ", " : "") + json_quoted(std::string(ews_indicator_info(row.indicator).name));
      out +=
          ": {\"roc_area\": " + json_number_exact(row.curve.area) +
          ", \"mean_tau_forced\": " + json_number_exact(row.forced_mean) +
          ", \"mean_tau_null\": " + json_number_exact(row.null_mean) +
          fmt::format(", \"forced_used\": {}, \"null_used\": {}}}", row.forced_used, row.null_used);
    }
    out += "}, \"output\": " + (o.output.empty() ? std::string("null") : json_quoted(o.output));
    out += ", \"seconds\": " + json_number_exact(seconds) + "}\n";
  } else {
    out = fmt::format("butterfly ews --roc: '{}', {} forced series ({}), {} null series ({})\n",
                      o.var, forced.series, o.forced, null.series, o.null_input);
    out +=
        fmt::format("{} convention, {}\n", ews_convention_name(plan.convention), plan_text(plan));
    out += fmt::format("{:<16} {:>9} {:>16} {:>14} {:>10}\n", "indicator", "roc_area",
                       "mean_tau_forced", "mean_tau_null", "used");
    for (const RocRow& row : rows) {
      out += fmt::format("{:<16} {:>9.4f} {:>16.4f} {:>14.4f} {:>4}/{:<4}\n",
                         ews_indicator_info(row.indicator).name, row.curve.area, row.forced_mean,
                         row.null_mean, row.forced_used, row.null_used);
    }
    if (!o.output.empty()) out += fmt::format("wrote {}\n", o.output);
    out += fmt::format("computed in {:.3f} s\n", seconds);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

CLI::App* add_ews_command(CLI::App& app, EwsCommandOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "ews", "Early-warning indicators (rolling variance, autocorrelation, ...) and Kendall tau");
  sub->add_option("--input", o.input, "series file: CSV with a header line, or NetCDF");
  sub->add_option("--column", o.column, "CSV: column of the series");
  sub->add_option("--time-column", o.time_column, "CSV: column of the time coordinate");
  sub->add_option("--var", o.var, "NetCDF: variable of the series");
  sub->add_option("--select", o.select,
                  "NetCDF: DIM=INDEX fixing a dimension other than time (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--convention", o.convention, "ewstools (Python) or earlywarnings (R)")
      ->capture_default_str();
  sub->add_option("--detrend", o.detrend, "gaussian, moving_mean or none")->capture_default_str();
  sub->add_option_function<double>(
      "--bandwidth", [&o](const double& v) { o.bandwidth = v; },
      "detrending bandwidth: fraction of the series in (0, 1] or points (default: the "
      "convention's)");
  sub->add_option_function<double>(
      "--window", [&o](const double& v) { o.window = v; },
      "rolling window: fraction of the series in (0, 1] or points >= 2 (default 0.25 ewstools, "
      "0.5 earlywarnings)");
  sub->add_option("--indicators", o.indicators,
                  "subset of variance,std,autocorrelation,ar1,skewness,kurtosis,cv")
      ->delimiter(',')
      ->allow_extra_args(false);
  sub->add_option("-o,--output", o.output, "write the indicators (or ROC curves) to NetCDF");
  sub->add_flag("--json", o.json, "print the summary as JSON");
  sub->add_flag("--roc", o.roc, "ROC of each indicator's tau over --forced and --null series");
  sub->add_option("--forced", o.forced, "--roc: NetCDF file of series approaching a transition");
  sub->add_option("--null", o.null_input, "--roc: NetCDF file of series that do not");
  sub->add_option("--threads", o.threads, "worker threads (default: all cores)")
      ->check(CLI::PositiveNumber);
  return sub;
}

int ews_command(const EwsCommandOptions& o) {
  const EwsOptions options = library_options(o);
  return o.roc ? roc_command(o, options) : series_command(o, options);
}

}  // namespace butterfly
