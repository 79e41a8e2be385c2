// Verification of an external ensemble: the same per-point scores and the
// same accumulation order as `run` (points in the file's order within each
// time), so a run's saved members reproduce its in-run scores exactly.
#include "butterfly/app/verify_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include "butterfly/app/score_variables.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/io/atomic_output.hpp"
#include "butterfly/io/netcdf_file.hpp"
#include "butterfly/stats/point_scores.hpp"
#include "butterfly/stats/score_accumulator.hpp"

namespace butterfly {
namespace {

using Dims = std::vector<std::pair<std::string, std::size_t>>;

NetcdfFile open_input(const std::string& path, const char* role) {
  if (!std::filesystem::exists(path)) {
    throw UsageError(fmt::format("{}: cannot read {} file (no such file)", path, role));
  }
  try {
    return NetcdfFile::open(path);
  } catch (const RuntimeError& e) {
    throw UsageError(fmt::format("{}: not a readable NetCDF file ({})", path, e.what()));
  }
}

std::string json_number(double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : "null"; }

}  // namespace

int verify_command(const VerifyOptions& o) {
  const std::string truth_var = o.truth_var.empty() ? o.var : o.truth_var;
  NetcdfFile forecast = open_input(o.forecast, "forecast");
  NetcdfFile truth_file = open_input(o.truth, "truth");
  if (!forecast.has_variable(o.var)) {
    throw UsageError(fmt::format("{}: no variable '{}'", o.forecast, o.var));
  }
  if (!truth_file.has_variable(truth_var)) {
    throw UsageError(fmt::format("{}: no variable '{}'", o.truth, truth_var));
  }
  const Dims fdims = forecast.variable_dimensions(o.var);
  const auto member_it =
      std::find_if(fdims.begin(), fdims.end(), [](const auto& d) { return d.first == "member"; });
  if (member_it == fdims.end()) {
    throw UsageError(
        fmt::format("{}: variable '{}' has dimensions {}, expected a 'member' dimension",
                    o.forecast, o.var, describe_dimensions(fdims)));
  }
  const std::size_t member_axis = static_cast<std::size_t>(member_it - fdims.begin());
  const std::size_t members = member_it->second;
  Dims expected = fdims;
  expected.erase(expected.begin() + static_cast<std::ptrdiff_t>(member_axis));
  const Dims tdims = truth_file.variable_dimensions(truth_var);
  if (tdims != expected) {
    throw UsageError(fmt::format(
        "{}: variable '{}' has dimensions {}, expected {} (the forecast's without 'member')",
        o.truth, truth_var, describe_dimensions(tdims), describe_dimensions(expected)));
  }
  if (members < 2) {
    throw UsageError(
        fmt::format("{}: '{}' has {} members, expected at least 2", o.forecast, o.var, members));
  }

  // Strides of the forecast in element units, and the truth axis -> forecast axis map.
  std::vector<std::size_t> fstride(fdims.size(), 1);
  for (std::size_t a = fdims.size(); a-- > 1;) fstride[a - 1] = fstride[a] * fdims[a].second;
  std::vector<std::size_t> taxis;
  for (std::size_t a = 0; a < fdims.size(); ++a) {
    if (a != member_axis) taxis.push_back(a);
  }
  std::optional<std::size_t> time_axis;
  for (std::size_t a = 0; a < tdims.size(); ++a) {
    if (tdims[a].first == "time") time_axis = a;
  }
  const std::size_t times = time_axis ? tdims[*time_axis].second : 1;

  const std::vector<double> fvalues = forecast.read_all_double(o.var);
  const std::vector<double> tvalues = truth_file.read_all_double(truth_var);
  const std::size_t points = tvalues.size();

  const std::size_t threads =
      o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  ThreadPool pool(threads);
  std::vector<PointScores> scores(points);
  std::vector<std::size_t> left_out(points, 0);
  std::vector<std::size_t> time_of(points, 0);
  const std::size_t chunk = 1024;
  pool.parallel_for((points + chunk - 1) / chunk, [&](std::size_t c, std::size_t) {
    std::vector<double> values(members);
    std::vector<std::size_t> index(tdims.size());
    for (std::size_t p = c * chunk; p < std::min(points, (c + 1) * chunk); ++p) {
      std::size_t rest = p, offset = 0;
      for (std::size_t a = tdims.size(); a-- > 0;) {
        index[a] = rest % tdims[a].second;
        rest /= tdims[a].second;
        offset += index[a] * fstride[taxis[a]];
      }
      if (time_axis) time_of[p] = index[*time_axis];
      if (!std::isfinite(tvalues[p])) {
        throw UsageError(fmt::format("{}: '{}' holds a non-finite value at flat index {}", o.truth,
                                     truth_var, p));
      }
      std::size_t count = 0;
      for (std::size_t m = 0; m < members; ++m) {
        const double x = fvalues[offset + m * fstride[member_axis]];
        if (std::isfinite(x)) values[count++] = x;
      }
      left_out[p] = members - count;
      if (count < 2) {
        throw UsageError(
            fmt::format("{}: '{}' has fewer than 2 finite members at flat truth index {}",
                        o.forecast, o.var, p));
      }
      scores[p] = score_point(std::span<double>(values.data(), count), tvalues[p]);
    }
  });
  std::vector<ScoreAccumulator> by_time(times, ScoreAccumulator(members));
  std::size_t non_finite = 0;
  for (std::size_t p = 0; p < points; ++p) {
    by_time[time_of[p]].add(scores[p]);
    non_finite += left_out[p];
  }

  if (!o.output.empty()) {
    AtomicOutput output(o.output);
    NetcdfFile out = NetcdfFile::create(output.temp_path());
    std::vector<std::string> score_dims;
    int time_var = -1;
    if (time_axis) {
      out.define_dimension("time", times);
      score_dims.push_back("time");
      time_var = out.define_variable("time", NC_DOUBLE, {"time"});
      out.set_attribute(time_var, "long_name", "time of the verified fields");
    }
    out.define_dimension("rank", members + 1);
    ScoreVariables variables;
    variables.define(out, score_dims, "", "all points", true);
    int mean = -1, spread = -1, crps = -1, crps_fair = -1;
    if (o.per_point) {
      std::vector<std::string> point_dims;
      for (const auto& [name, length] : tdims) {
        if (name != "time") out.define_dimension(name, length);
        point_dims.push_back(name);
      }
      mean = out.define_variable("ens_mean", NC_DOUBLE, point_dims);
      out.set_attribute(mean, "long_name", "ensemble mean");
      spread = out.define_variable("ens_spread", NC_DOUBLE, point_dims);
      out.set_attribute(spread, "long_name", "ensemble standard deviation (ddof=1)");
      crps = out.define_variable("crps_point", NC_DOUBLE, point_dims);
      out.set_attribute(crps, "long_name", "CRPS of the empirical CDF at each point");
      crps_fair = out.define_variable("crps_fair_point", NC_DOUBLE, point_dims);
      out.set_attribute(crps_fair, "long_name", "fair CRPS (Ferro 2014) at each point");
    }
    out.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
    out.set_attribute(NC_GLOBAL, "title", "butterfly verify: " + o.var + " in " + o.forecast);
    out.set_attribute(NC_GLOBAL, "butterfly_version", BUTTERFLY_VERSION);
    out.set_attribute(NC_GLOBAL, "forecast", o.forecast);
    out.set_attribute(NC_GLOBAL, "truth", o.truth);
    out.set_attribute(NC_GLOBAL, "ensemble_members", static_cast<std::int64_t>(members));
    out.set_attribute(NC_GLOBAL, "non_finite_members_left_out",
                      static_cast<std::int64_t>(non_finite));
    out.end_definitions();
    if (time_var >= 0) {
      std::vector<double> t(times);
      for (std::size_t k = 0; k < times; ++k) t[k] = static_cast<double>(k);
      for (NetcdfFile* source : {&truth_file, &forecast}) {
        if (source->has_variable("time") &&
            source->variable_dimensions("time") == Dims{{"time", times}}) {
          t = source->read_all_double("time");
          break;
        }
      }
      out.write_all(time_var, t);
    }
    variables.write(out, by_time);
    if (o.per_point) {
      const auto field = [&](auto get) {
        std::vector<double> v(points);
        for (std::size_t p = 0; p < points; ++p) v[p] = get(scores[p]);
        return v;
      };
      out.write_all(mean, field([](const PointScores& s) { return s.mean; }));
      out.write_all(spread, field([](const PointScores& s) { return std::sqrt(s.variance); }));
      out.write_all(crps, field([](const PointScores& s) { return s.crps; }));
      out.write_all(crps_fair, field([](const PointScores& s) { return s.crps_fair; }));
    }
    out.close();
    output.commit();
  }

  std::string text;
  if (o.json) {
    const auto series = [&](auto get) {
      std::string s = "[";
      for (std::size_t k = 0; k < times; ++k) s += (k ? ", " : "") + json_number(get(by_time[k]));
      return s + "]";
    };
    text = fmt::format(
        "{{\"forecast\": \"{}\", \"var\": \"{}\", \"members\": {}, \"points\": {}, \"times\": {}, "
        "\"rmse\": {}, \"spread\": {}, \"ssr\": {}, \"crps\": {}, \"crps_fair\": {}, "
        "\"outlier_rate\": {}, "
        "\"expected_outlier_rate\": {}, \"non_finite_members_left_out\": {}}}\n",
        o.forecast, o.var, members, points, times,
        series([](const ScoreAccumulator& s) { return s.rmse(); }),
        series([](const ScoreAccumulator& s) { return s.spread(); }),
        series([](const ScoreAccumulator& s) { return s.ssr(); }),
        series([](const ScoreAccumulator& s) { return s.crps(); }),
        series([](const ScoreAccumulator& s) { return s.crps_fair(); }),
        series([](const ScoreAccumulator& s) { return s.outlier_rate(); }),
        json_number(2.0 / (static_cast<double>(members) + 1.0)), non_finite);
  } else {
    text = fmt::format("butterfly verify: '{}' in {} ({} members, {} points, {} times)\n", o.var,
                       o.forecast, members, points / times, times);
    text += fmt::format("{:>6} {:>10} {:>10} {:>7} {:>10} {:>10} {:>9}\n", "time", "rmse", "spread",
                        "ssr", "crps", "crps_fair", "outliers");
    for (std::size_t k = 0; k < times; ++k) {
      const ScoreAccumulator& s = by_time[k];
      text += fmt::format("{:>6} {:>10.4g} {:>10.4g} {:>7.3f} {:>10.4g} {:>10.4g} {:>9.4f}\n", k,
                          s.rmse(), s.spread(), s.ssr(), s.crps(), s.crps_fair(), s.outlier_rate());
    }
    if (non_finite > 0) text += fmt::format("non-finite member values left out: {}\n", non_finite);
    if (!o.output.empty()) text += fmt::format("wrote {}\n", o.output);
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace butterfly
