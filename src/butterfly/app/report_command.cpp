// Assembly of the report page: one section per plot, each figure an inline
// SVG followed by its data as <script type="application/json"> (not executed).
#include "butterfly/app/report_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string_view>

#include "butterfly/app/report_input.hpp"
#include "butterfly/app/svg_plot.hpp"
#include "butterfly/core/error.hpp"
#include "butterfly/io/atomic_output.hpp"

namespace butterfly {
namespace {

// Line colours (matplotlib's "tab10").
constexpr std::array<const char*, 10> kColours{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                               "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                               "#bcbd22", "#17becf"};
constexpr const char* kBlue = kColours[0];
constexpr const char* kOrange = kColours[1];
constexpr const char* kGreen = kColours[2];
constexpr const char* kRed = kColours[3];
constexpr const char* kGrey = kColours[7];

// Systems whose state is one field on a 1D grid (a Hovmoller diagram makes
// sense): extend when such a system is registered.
constexpr std::array<std::string_view, 2> kOneDimensionalFields{"lorenz96", "lorenz96_two_scale"};

// Rank histograms shown when --lead is not given: spread evenly over the leads.
constexpr std::size_t kDefaultRankHistogramLeads = 4;
// A Hovmoller grid shows at most this many cells along each axis (strided).
constexpr std::size_t kMaxGridTimes = 300, kMaxGridVariables = 160;

constexpr const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 960px; margin: 1.5em auto; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
.subtitle { color: #555; margin-top: 0; }
figure { margin: 0.8em 0; }
figcaption { font-size: 0.9em; color: #555; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
.row { display: flex; flex-wrap: wrap; gap: 0 16px; }
.row figure { flex: 0 1 440px; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5em 0.8em; }
details { margin: 0.6em 0; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
table.facts { border-collapse: collapse; font-size: 0.9em; }
table.facts td { padding: 0.15em 0.8em 0.15em 0; vertical-align: top; }
table.facts td:first-child { color: #555; }
footer { margin-top: 2em; font-size: 0.8em; color: #777; }
)";

// "NAME [UNITS]", or NAME alone for dimensionless ("1"), missing or repeated units.
std::string axis_label(const std::string& name, const std::string& units) {
  return units.empty() || units == "1" || units == name ? name
                                                        : fmt::format("{} [{}]", name, units);
}

std::string figure(const std::string& svg, const std::string& id, const std::string& json,
                   const std::string& caption) {
  return fmt::format(
      "<figure class=\"plot\" id=\"figure-{0}\">{1}\n<script type=\"application/json\" "
      "class=\"plot-data\" data-plot=\"{0}\">{2}</script>\n<figcaption>{3}</figcaption>"
      "</figure>\n",
      html_escape(id), svg, json, caption);
}

std::string figure(const LineChart& chart, const std::string& caption) {
  return figure(render_svg(chart), chart.id, chart_data_json(chart), caption);
}

std::string figure(const ColourGrid& grid, const std::string& caption) {
  return figure(render_svg(grid), grid.id, chart_data_json(grid), caption);
}

std::string section(const std::string& id, const std::string& heading, const std::string& body) {
  return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", id, html_escape(heading),
                     body);
}

std::string note(const std::string& text) {
  return fmt::format("<p class=\"note\">{}</p>\n", html_escape(text));
}

// A horizontal reference line across the lead times.
PlotSeries level(std::string key, std::string label, const std::vector<double>& x, double y,
                 const char* colour) {
  PlotSeries s{std::move(key), std::move(label), {x.front(), x.back()}, {y, y}, colour};
  s.style = SeriesStyle::kDashed;
  s.width = 1.2;
  return s;
}

PlotSeries line(std::string key, std::string label, const std::vector<double>& x,
                std::vector<double> y, const char* colour) {
  return PlotSeries{std::move(key), std::move(label), x, std::move(y), colour};
}

// Everything the sections share: the input and the labels derived from it.
struct Context {
  const ReportInput& in;
  const ReportOptions& options;
  std::string lead_label;
  std::string state_units;
};

std::string spaghetti_section(const Context& c) {
  if (c.in.members_saved() == 0) {
    return section("spaghetti", "Ensemble trajectories",
                   note("This file has no saved member trajectories (variable 'members'); run "
                        "with output.members_saved > 0 to see them."));
  }
  const std::vector<double>& t = c.in.lead_times();
  LineChart chart{
      "spaghetti",
      fmt::format("Saved members and truth: variable {}, start {}", c.options.var, c.options.start),
      c.lead_label, axis_label(fmt::format("x[{}]", c.options.var), c.state_units)};
  const auto members = c.in.member_trajectories(c.options.start, c.options.var);
  for (std::size_t m = 0; m < members.size(); ++m) {
    PlotSeries s = line(
        fmt::format("member_{}", m),
        m == 0 ? fmt::format("members ({} of {})", members.size(), c.in.ensemble_members()) : "", t,
        members[m], "#6a9fd4");
    s.width = 1.0;
    s.opacity = 0.7;
    chart.series.push_back(std::move(s));
  }
  PlotSeries mean = line("ens_mean", fmt::format("ensemble mean (all {})", c.in.ensemble_members()),
                         t, c.in.trajectory("ens_mean", c.options.start, c.options.var), kOrange);
  mean.style = SeriesStyle::kDashed;
  mean.width = 2.0;
  chart.series.push_back(std::move(mean));
  PlotSeries truth =
      line("truth", "truth", t, c.in.trajectory("truth", c.options.start, c.options.var), "#000");
  truth.width = 2.2;
  chart.series.push_back(std::move(truth));
  return section(
      "spaghetti", "Ensemble trajectories",
      figure(chart,
             fmt::format("The first {} members (thin), the mean of all {} members and the "
                         "verifying truth, for state variable {} from forecast start {} "
                         "(--var, --start).",
                         members.size(), c.in.ensemble_members(), c.options.var, c.options.start)));
}

std::string error_spread_section(const Context& c) {
  const std::vector<double>& t = c.in.lead_times();
  LineChart errors{"rmse-spread", "Error of the ensemble mean and ensemble spread", c.lead_label,
                   axis_label("rmse, spread", c.in.variable_attribute("rmse", "units"))};
  errors.include_zero = true;
  errors.series.push_back(line("rmse", "rmse of the mean", t, c.in.lead_series("rmse"), kBlue));
  errors.series.push_back(line("spread", "spread", t, c.in.lead_series("spread"), kOrange));
  if (const auto saturation = c.in.number_attribute("saturation_rmse")) {
    errors.series.push_back(level("saturation_rmse", fmt::format("saturation {:.4g}", *saturation),
                                  t, *saturation, kGrey));
  }
  LineChart ratio{"ssr", "Spread-skill ratio", c.lead_label,
                  axis_label("spread / rmse", c.in.variable_attribute("ssr", "units"))};
  ratio.include_zero = true;
  ratio.height = 260;
  ratio.series.push_back(line("ssr", "spread-skill ratio", t, c.in.lead_series("ssr"), kGreen));
  ratio.series.push_back(level("ssr_consistent", "consistent: 1", t, 1.0, kGrey));
  return section(
      "rmse-spread", "Error and spread",
      figure(errors,
             "Root-mean-square error of the ensemble mean against the truth and the ensemble "
             "spread, over all starts and variables; the dashed line is the error of a forecast "
             "with no skill.") +
          figure(ratio,
                 "Spread-skill ratio sqrt((M+1)/M) spread / rmse (Fortin et al. 2014): near 1 for "
                 "a consistent ensemble, below 1 when it is over-confident."));
}

std::string crps_section(const Context& c) {
  const std::vector<double>& t = c.in.lead_times();
  LineChart chart{"crps", "Continuous ranked probability score", c.lead_label,
                  axis_label("CRPS", c.in.variable_attribute("crps", "units"))};
  chart.include_zero = true;
  chart.series.push_back(line("crps", "CRPS", t, c.in.lead_series("crps"), kBlue));
  PlotSeries fair = line("crps_fair", "fair CRPS", t, c.in.lead_series("crps_fair"), kRed);
  fair.style = SeriesStyle::kDashed;
  chart.series.push_back(std::move(fair));
  return section("crps", "CRPS",
                 figure(chart,
                        "CRPS of the ensemble's empirical distribution and the fair CRPS for a "
                        "finite ensemble (Ferro 2014), mean over starts and variables; lower is "
                        "better."));
}

// Output-time indices of the rank histograms, ascending and distinct: the
// nearest to each --lead, or kDefaultRankHistogramLeads spread evenly from
// the first to the last lead.
std::vector<std::size_t> rank_histogram_indices(const Context& c) {
  const std::vector<double>& t = c.in.lead_times();
  std::vector<std::size_t> indices;
  if (c.options.leads.empty()) {
    const std::size_t n = std::min(kDefaultRankHistogramLeads, t.size());
    for (std::size_t k = 0; k < n; ++k) {
      indices.push_back(n == 1 ? 0 : (k * (t.size() - 1) + (n - 1) / 2) / (n - 1));
    }
  } else {
    const auto [lo, hi] = std::minmax_element(t.begin(), t.end());
    for (double lead : c.options.leads) {
      if (!(lead >= *lo && lead <= *hi)) {
        throw UsageError(fmt::format("--lead {}: outside the output lead times of {} ({} to {})",
                                     lead, c.in.path(), *lo, *hi));
      }
      std::size_t best = 0;
      for (std::size_t i = 1; i < t.size(); ++i) {
        if (std::abs(t[i] - lead) < std::abs(t[best] - lead)) best = i;
      }
      indices.push_back(best);
    }
  }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  return indices;
}

std::string rank_histogram_section(const Context& c) {
  if (!c.in.has_variable("rank_histogram")) {
    return section("rank-histograms", "Rank histograms",
                   note("This file has no rank histograms (variable 'rank_histogram'); run with "
                        "output.rank_histogram = true to see them."));
  }
  const std::size_t m = c.in.ensemble_members();
  std::vector<double> ranks(m + 1);
  std::iota(ranks.begin(), ranks.end(), 0.0);
  std::string figures = "<div class=\"row\">\n";
  for (const std::size_t i : rank_histogram_indices(c)) {
    const double lead = c.in.lead_times()[i];
    std::vector<double> counts = c.in.rank_histogram(i);
    const double flat =
        std::accumulate(counts.begin(), counts.end(), 0.0) / static_cast<double>(m + 1);
    LineChart chart{fmt::format("rank-histogram-{}", i),
                    fmt::format("Rank histogram at lead {:g}", lead),
                    fmt::format("rank of the truth among the {} members", m),
                    axis_label("count", c.in.variable_attribute("rank_histogram", "units"))};
    chart.width = 440;
    chart.height = 270;
    chart.legend_inside = true;
    PlotSeries bars{"rank_histogram", "counts", ranks, std::move(counts), kBlue};
    bars.style = SeriesStyle::kBars;
    chart.series.push_back(std::move(bars));
    PlotSeries expected{
        "flat", "flat: N/(M+1)", {-0.5, static_cast<double>(m) + 0.5}, {flat, flat}, kRed};
    expected.style = SeriesStyle::kDashed;
    chart.series.push_back(std::move(expected));
    figures += figure(chart, fmt::format("Lead {:g} (output time index {}): counts of the truth's "
                                         "rank; the dashed line is the flat histogram of a "
                                         "consistent ensemble, {:.6g} per bin.",
                                         lead, i, flat));
  }
  figures += "</div>\n";
  return section("rank-histograms", "Rank histograms", figures);
}

std::string outlier_section(const Context& c) {
  const std::vector<double>& t = c.in.lead_times();
  const double m = static_cast<double>(c.in.ensemble_members());
  const double expected = c.in.number_attribute("expected_outlier_rate").value_or(2.0 / (m + 1.0));
  LineChart chart{"outlier-rate", "Outlier rate", c.lead_label,
                  axis_label("outlier rate", c.in.variable_attribute("outlier_rate", "units"))};
  chart.include_zero = true;
  chart.series.push_back(
      line("outlier_rate", "outlier rate", t, c.in.lead_series("outlier_rate"), kBlue));
  chart.series.push_back(level("expected_outlier_rate",
                               fmt::format("consistent 2/(M+1) = {:.3g}", expected), t, expected,
                               kRed));
  return section("outlier-rate", "Outlier rate",
                 figure(chart,
                        "Fraction of points whose truth lies outside the range of the "
                        "members; a consistent ensemble of M members has 2/(M+1)."));
}

std::string lyapunov_section(const Context& c) {
  const std::vector<double> exponents = c.in.lyapunov_exponents();
  if (exponents.empty()) return "";
  std::vector<double> index(exponents.size());
  std::iota(index.begin(), index.end(), 1.0);
  LineChart chart{"lyapunov", "Lyapunov spectrum", "exponent index i",
                  axis_label("exponent", c.in.variable_attribute("exponents", "units"))};
  chart.include_zero = true;
  PlotSeries s{"exponents", "Lyapunov exponents", index, exponents, kBlue};
  s.style = SeriesStyle::kMarkers;
  chart.series.push_back(std::move(s));
  chart.series.push_back(level("zero", "0", index, 0.0, kGrey));
  return section("lyapunov", "Lyapunov spectrum",
                 figure(chart,
                        "The Lyapunov exponents, largest first (variable 'exponents'; the "
                        "last entry of any leading dimension)."));
}

// A (time, var) field at one start, strided to at most kMaxGridTimes x kMaxGridVariables cells.
ColourGrid hovmoller_grid(const Context& c, const std::string& name, const std::string& title) {
  const std::vector<double> field = c.in.field(name, c.options.start);
  const std::size_t nt = c.in.times(), nv = c.in.variables();
  const std::size_t st = (nt + kMaxGridTimes - 1) / kMaxGridTimes;
  const std::size_t sv = (nv + kMaxGridVariables - 1) / kMaxGridVariables;
  ColourGrid g{"hovmoller-" + name, title, c.lead_label, "variable index",
               axis_label(name, c.in.variable_attribute(name, "units"))};
  for (std::size_t j = 0; j < nv; j += sv) g.y.push_back(static_cast<double>(j));
  for (std::size_t i = 0; i < nt; i += st) {
    g.x.push_back(c.in.lead_times()[i]);
    for (std::size_t j = 0; j < nv; j += sv) g.z.push_back(field[i * nv + j]);
  }
  return g;
}

std::string hovmoller_section(const Context& c) {
  const std::string system = c.in.text_attribute("system").value_or("");
  if (std::find(kOneDimensionalFields.begin(), kOneDimensionalFields.end(), system) ==
      kOneDimensionalFields.end()) {
    return "";
  }
  ColourGrid truth = hovmoller_grid(c, "truth", fmt::format("Truth, start {}", c.options.start));
  ColourGrid mean =
      hovmoller_grid(c, "ens_mean", fmt::format("Ensemble mean, start {}", c.options.start));
  // One colour scale for both, so they can be compared cell by cell.
  double lo = INFINITY, hi = -INFINITY;
  for (const ColourGrid* g : {&truth, &mean}) {
    for (double v : g->z) {
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  if (lo <= hi) {
    for (ColourGrid* g : {&truth, &mean}) {
      g->z_min = lo;
      g->z_max = hi;
    }
  }
  return section("hovmoller", "Hovmöller diagrams",
                 figure(truth, "The verifying truth over lead time and position.") +
                     figure(mean,
                            "The ensemble mean: it loses the truth's pattern as the "
                            "perturbations grow, and fades towards the climatological "
                            "mean."));
}

// "lorenz96 (n = 40, forcing = 8)" from the global attributes system and system_*.
std::string system_title(const ReportInput& in) {
  std::string parameters;
  for (const auto& [name, value] : in.global_attributes()) {
    if (!name.starts_with("system_")) continue;
    parameters += fmt::format("{}{} = {}", parameters.empty() ? "" : ", ", name.substr(7), value);
  }
  const std::string system = in.text_attribute("system").value_or("unknown system");
  return parameters.empty() ? system : fmt::format("{} ({})", system, parameters);
}

std::string header(const Context& c) {
  const ReportInput& in = c.in;
  std::string facts;
  const auto row = [&](const std::string& name, const std::string& value) {
    facts += fmt::format("<tr><td>{}</td><td>{}</td></tr>", html_escape(name), html_escape(value));
  };
  row("ensemble", fmt::format("{} members x {} starts, {} state variables", in.ensemble_members(),
                              in.starts(), in.variables()));
  row("lead times", fmt::format("{:g} to {:g}, {} outputs", in.lead_times().front(),
                                in.lead_times().back(), in.times()));
  const std::string time_note = in.variable_attribute("time", "description");
  if (!time_note.empty()) row("time units", time_note);
  for (const char* name :
       {"seed", "saturation_rmse", "half_saturation_lead", "climatological_std"}) {
    if (const auto v = in.number_attribute(name)) row(name, fmt::format("{:.6g}", *v));
  }
  if (in.has_variable("diverged_members")) {
    const std::vector<double> diverged = in.lead_series("diverged_members");
    row("diverged members",
        fmt::format("{:g}", std::accumulate(diverged.begin(), diverged.end(), 0.0)));
  }
  row("file", in.path());
  std::string attributes;
  for (const auto& [name, value] : in.global_attributes()) {
    if (name == "config") continue;
    attributes +=
        fmt::format("<tr><td>{}</td><td>{}</td></tr>", html_escape(name), html_escape(value));
  }
  const std::string config = in.text_attribute("config").value_or("");
  return fmt::format(
      "<header>\n<h1>butterfly report: {}</h1>\n<p class=\"subtitle\">{}</p>\n"
      "<table class=\"facts\">{}</table>\n"
      "<details id=\"config\"><summary>Experiment config</summary>\n<pre>{}</pre></details>\n"
      "<details id=\"attributes\"><summary>All global attributes</summary>\n"
      "<table class=\"facts\">{}</table></details>\n</header>\n",
      html_escape(system_title(in)),
      html_escape(in.text_attribute("title").value_or("butterfly run")), facts,
      config.empty() ? "(no config attribute in this file)" : html_escape(config), attributes);
}

std::string page(const ReportInput& in, const ReportOptions& options) {
  if (options.var >= in.variables()) {
    throw UsageError(fmt::format("--var {}: {} has {} state variables (0 to {})", options.var,
                                 in.path(), in.variables(), in.variables() - 1));
  }
  if (options.start >= in.starts()) {
    throw UsageError(fmt::format("--start {}: {} has {} forecast starts (0 to {})", options.start,
                                 in.path(), in.starts(), in.starts() - 1));
  }
  const std::string time_units = in.variable_attribute("time", "description").empty()
                                     ? in.variable_attribute("time", "units")
                                     : in.variable_attribute("time", "description");
  const Context c{in, options, axis_label("lead time", time_units),
                  in.variable_attribute("truth", "units")};
  std::string body = header(c);
  body += spaghetti_section(c);
  body += error_spread_section(c);
  body += crps_section(c);
  body += rank_histogram_section(c);
  body += outlier_section(c);
  body += lyapunov_section(c);
  body += hovmoller_section(c);
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>butterfly report: {}</title>\n<link rel=\"icon\" href=\"data:,\">\n"
      "<style>{}</style>\n</head>\n<body>\n{}<footer>Written by butterfly {} from {}. Each "
      "figure's data follows it as JSON.</footer>\n</body>\n</html>\n",
      html_escape(system_title(in)), kStyle, body, BUTTERFLY_VERSION, html_escape(in.path()));
}

}  // namespace

int report_command(const ReportOptions& options) {
  std::filesystem::path output = options.output;
  if (output.empty()) output = std::filesystem::path(options.input).replace_extension(".html");
  const ReportInput in(options.input);
  std::error_code ec;
  if (std::filesystem::equivalent(options.input, output, ec)) {
    throw UsageError(fmt::format("{}: the report would overwrite its input; choose another -o",
                                 output.string()));
  }
  const std::string html = page(in, options);

  AtomicOutput atomic(output);
  {
    std::ofstream file(atomic.temp_path(), std::ios::binary);
    file << html;
    file.close();
    if (!file) throw RuntimeError(fmt::format("{}: cannot write the report", output.string()));
  }
  atomic.commit();
  std::printf("wrote %s (%zu kB)\n", output.string().c_str(), (html.size() + 1023) / 1024);
  return 0;
}

}  // namespace butterfly
