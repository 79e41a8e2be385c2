// A small SVG chart writer for the HTML report: line and bar charts with axes,
// ticks, labels and a legend, colour-grid (Hovmoller) charts with a colour
// bar, and each chart's data as JSON so a test can check what is drawn.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace butterfly {

enum class SeriesStyle {
  kLine,     // a polyline; non-finite y values break it
  kDashed,   // a dashed polyline (reference values, e.g. a consistent level)
  kMarkers,  // a circle at every point, joined by a thin line
  kBars,     // a bar from 0 to y at every x, one x spacing wide
};

// One data series. `key` names it in the embedded JSON (e.g. "rmse",
// "member_3"); `label` is its legend entry (empty: not in the legend, e.g.
// every spaghetti member after the first).
struct PlotSeries {
  std::string key;
  std::string label;
  std::vector<double> x{}, y{};
  std::string colour = "#1f77b4";
  SeriesStyle style = SeriesStyle::kLine;
  double width = 1.5;
  double opacity = 1.0;
};

// A chart with x and y axes. The axis ranges cover every finite point (and 0
// when include_zero is set), widened to tick values.
struct LineChart {
  std::string id;  // the chart's id in the page and in its JSON block
  std::string title;
  std::string x_label, y_label;  // with units, e.g. "rmse [state units]"
  std::vector<PlotSeries> series{};
  bool include_zero = false;
  // The legend in the plot's top-right corner (for narrow charts) instead of
  // to the right of it.
  bool legend_inside = false;
  int width = 900, height = 320;
};

// A colour grid z(x, y) with a colour bar (viridis), e.g. a field over lead
// time (x) and variable index (y). z is row-major over (x, y): z[i * ny + j].
struct ColourGrid {
  std::string id;
  std::string title;
  std::string x_label, y_label, z_label;
  std::vector<double> x{}, y{}, z{};
  // The colour scale's range (e.g. shared by two grids); default: z's range.
  std::optional<double> z_min{}, z_max{};
  int width = 900, height = 320;
};

// The chart as an inline <svg> element (no external references).
std::string render_svg(const LineChart& chart);
std::string render_svg(const ColourGrid& grid);

// The chart's data as one JSON object {"id", "title", "x_label", "y_label",
// "series": [{"key", "label", "x": [...], "y": [...]}]} (ColourGrid: "x", "y"
// and "z" instead of "series"). Numbers keep all 17 significant digits;
// non-finite values are null; '<' is escaped so the text can sit in a
// <script type="application/json"> element.
std::string chart_data_json(const LineChart& chart);
std::string chart_data_json(const ColourGrid& grid);

// Tick values covering [lo, hi]: multiples of step = nice((hi - lo) / (target
// - 1)), where nice() rounds to 1, 2, 5 or 10 times a power of ten (Heckbert,
// "Nice numbers for graph labels", Graphics Gems, 1990); the first tick is
// <= lo and the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

// Text escaped for HTML/SVG content and attribute values (& < > " ').
std::string html_escape(std::string_view text);

}  // namespace butterfly
