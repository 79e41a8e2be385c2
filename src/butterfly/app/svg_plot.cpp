// SVG rendering of line, bar and colour-grid charts, and their JSON data.
#include "butterfly/app/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace butterfly {
namespace {

// Plot-area margins in pixels: room for tick labels, axis labels, the title
// and (on the right) the legend or colour bar.
struct Margins {
  double left = 78, right = 220, top = 34, bottom = 50;
};

// matplotlib's viridis sampled at 10 equally spaced points (viridis(np.linspace(0, 1, 10))).
constexpr std::array<std::array<int, 3>, 10> kViridis{{{0x44, 0x01, 0x54},
                                                       {0x48, 0x28, 0x78},
                                                       {0x3e, 0x49, 0x89},
                                                       {0x31, 0x68, 0x8e},
                                                       {0x26, 0x82, 0x8e},
                                                       {0x1f, 0x9e, 0x89},
                                                       {0x35, 0xb7, 0x79},
                                                       {0x6e, 0xce, 0x58},
                                                       {0xb5, 0xde, 0x2b},
                                                       {0xfd, 0xe7, 0x25}}};

constexpr const char* kSvgOpen =
    R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" width="{}" height="{}" )"
    R"(viewBox="0 0 {} {}" role="img" aria-label="{}">)";

// Linear interpolation in kViridis at t in [0, 1].
std::string viridis(double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (kViridis.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), kViridis.size() - 2);
  const double f = t - static_cast<double>(i);
  std::array<int, 3> c{};
  for (std::size_t k = 0; k < 3; ++k) {
    c[k] =
        static_cast<int>(std::lround(kViridis[i][k] + f * (kViridis[i + 1][k] - kViridis[i][k])));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
}

// Heckbert's nice number: 1, 2, 5 or 10 times a power of ten, the nearest to x.
double nice_number(double x) {
  const double exponent = std::floor(std::log10(x));
  const double fraction = x / std::pow(10.0, exponent);
  const double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * std::pow(10.0, exponent);
}

// A tick label with as many decimals as the tick step needs.
std::string tick_label(double value, double step) {
  const double magnitude = std::max(std::abs(value), std::abs(step));
  if (magnitude >= 1e6 || step < 1e-4) return fmt::format("{:.3g}", value);
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.starts_with('-') && s.find_first_not_of("-0.") == std::string::npos) {
    s.erase(0, 1);
  }
  return s;
}

// The range [lo, hi] of the finite values, widened when it is a point.
struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
  void widen_if_flat() {
    if (empty()) {
      lo = 0;
      hi = 1;
    } else if (lo == hi) {
      const double pad = lo == 0 ? 1.0 : 0.1 * std::abs(lo);
      lo -= pad;
      hi += pad;
    }
  }
};

// The smallest positive spacing between consecutive finite x values (1 if none).
double min_spacing(const std::vector<double>& x) {
  double spacing = std::numeric_limits<double>::infinity();
  for (std::size_t i = 1; i < x.size(); ++i) {
    const double d = std::abs(x[i] - x[i - 1]);
    if (std::isfinite(d) && d > 0) spacing = std::min(spacing, d);
  }
  return std::isfinite(spacing) ? spacing : 1.0;
}

// Maps data coordinates to pixels inside the plot area.
struct Frame {
  double left, top, width, height;
  double x0, x1, y0, y1;
  double px(double x) const { return left + (x - x0) / (x1 - x0) * width; }
  double py(double y) const { return top + height - (y - y0) / (y1 - y0) * height; }
};

std::string dash_for(SeriesStyle style) {
  return style == SeriesStyle::kDashed ? R"( stroke-dasharray="6 4")" : "";
}

// Axes, grid, tick labels, axis labels and title of a frame.
void draw_axes(std::string& out, const Frame& f, const std::vector<double>& x_ticks,
               const std::vector<double>& y_ticks, const std::string& title,
               const std::string& x_label, const std::string& y_label, int total_width, bool grid) {
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1.0;
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1.0;
  out += grid ? R"(<g class="grid" stroke="#e3e3e3" stroke-width="1">)" : R"(<g class="grid">)";
  for (double t : x_ticks) {
    if (!grid || t < f.x0 || t > f.x1) continue;
    out += fmt::format(R"(<line x1="{0:.2f}" y1="{1:.2f}" x2="{0:.2f}" y2="{2:.2f}"/>)", f.px(t),
                       f.top, f.top + f.height);
  }
  for (double t : y_ticks) {
    if (!grid || t < f.y0 || t > f.y1) continue;
    out += fmt::format(R"(<line x1="{0:.2f}" y1="{1:.2f}" x2="{2:.2f}" y2="{1:.2f}"/>)", f.left,
                       f.py(t), f.left + f.width);
  }
  out += "</g>";
  out += fmt::format(
      R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="none" stroke="#333"/>)",
      f.left, f.top, f.width, f.height);
  out += R"(<g class="ticks" font-size="11" fill="#333">)";
  for (double t : x_ticks) {
    if (t < f.x0 || t > f.x1) continue;
    out +=
        fmt::format(R"(<line x1="{0:.2f}" y1="{1:.2f}" x2="{0:.2f}" y2="{2:.2f}" stroke="#333"/>)"
                    R"(<text x="{0:.2f}" y="{3:.2f}" text-anchor="middle">{4}</text>)",
                    f.px(t), f.top + f.height, f.top + f.height + 5, f.top + f.height + 18,
                    tick_label(t, x_step));
  }
  for (double t : y_ticks) {
    if (t < f.y0 || t > f.y1) continue;
    out +=
        fmt::format(R"(<line x1="{0:.2f}" y1="{1:.2f}" x2="{2:.2f}" y2="{1:.2f}" stroke="#333"/>)"
                    R"(<text x="{3:.2f}" y="{4:.2f}" text-anchor="end">{5}</text>)",
                    f.left - 5, f.py(t), f.left, f.left - 8, f.py(t) + 4, tick_label(t, y_step));
  }
  out += "</g>";
  out += fmt::format(R"(<text class="title" x="{:.2f}" y="20" text-anchor="middle" font-size="14" )"
                     R"(font-weight="bold">{}</text>)",
                     total_width / 2.0, html_escape(title));
  out += fmt::format(
      R"(<text class="x-label" x="{:.2f}" y="{:.2f}" text-anchor="middle" font-size="12">{}</text>)",
      f.left + f.width / 2, f.top + f.height + 40, html_escape(x_label));
  out +=
      fmt::format(R"svg(<text class="y-label" transform="translate({:.2f},{:.2f}) rotate(-90)" )svg"
                  R"(text-anchor="middle" font-size="12">{}</text>)",
                  18.0, f.top + f.height / 2, html_escape(y_label));
}

void draw_series(std::string& out, const Frame& f, const PlotSeries& s, double bar_width) {
  out += fmt::format(R"(<g class="series" data-key="{}" opacity="{}">)", html_escape(s.key),
                     s.opacity);
  const std::size_t n = std::min(s.x.size(), s.y.size());
  if (s.style == SeriesStyle::kBars) {
    const double base = f.py(std::clamp(0.0, f.y0, f.y1));
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const double top = f.py(s.y[i]);
      out +=
          fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"/>)",
                      f.px(s.x[i]) - bar_width / 2, std::min(top, base), bar_width,
                      std::abs(base - top), s.colour);
    }
    out += "</g>";
    return;
  }
  // A polyline per run of finite points.
  std::string points;
  const auto flush = [&] {
    if (!points.empty()) {
      out += fmt::format(
          R"(<polyline fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round"{} )"
          R"(points="{}"/>)",
          s.colour, s.style == SeriesStyle::kMarkers ? 1.0 : s.width, dash_for(s.style), points);
      points.clear();
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
      flush();
      continue;
    }
    points += fmt::format("{}{:.2f},{:.2f}", points.empty() ? "" : " ", f.px(s.x[i]), f.py(s.y[i]));
  }
  flush();
  if (s.style == SeriesStyle::kMarkers) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      out += fmt::format(R"(<circle cx="{:.2f}" cy="{:.2f}" r="{}" fill="{}"/>)", f.px(s.x[i]),
                         f.py(s.y[i]), s.width + 1.5, s.colour);
    }
  }
  out += "</g>";
}

void draw_legend(std::string& out, const LineChart& chart, const Frame& f) {
  double y = f.top + 8;
  double x = f.left + f.width + 16;
  out += R"(<g class="legend" font-size="12">)";
  if (chart.legend_inside) {
    // About 7 px per character at 12 px: a white box behind the entries.
    std::size_t chars = 0, entries = 0;
    for (const PlotSeries& s : chart.series) {
      if (s.label.empty()) continue;
      chars = std::max(chars, s.label.size());
      ++entries;
    }
    const double box = 40 + 7.0 * static_cast<double>(chars);
    x = f.left + f.width - box;
    out += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="#fff" )"
                       R"(fill-opacity="0.85" stroke="#ccc"/>)",
                       x - 6, f.top + 2, box, 18.0 * static_cast<double>(entries) + 4);
    y = f.top + 12;
  }
  for (const PlotSeries& s : chart.series) {
    if (s.label.empty()) continue;
    if (s.style == SeriesStyle::kBars) {
      out += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="22" height="10" fill="{}"/>)", x,
                         y - 5, s.colour);
    } else {
      out += fmt::format(R"(<line x1="{:.2f}" y1="{:.2f}" x2="{:.2f}" y2="{:.2f}" stroke="{}" )"
                         R"(stroke-width="{}"{}/>)",
                         x, y, x + 22, y, s.colour, std::max(s.width, 1.5), dash_for(s.style));
      if (s.style == SeriesStyle::kMarkers) {
        out += fmt::format(R"(<circle cx="{:.2f}" cy="{:.2f}" r="3" fill="{}"/>)", x + 11, y,
                           s.colour);
      }
    }
    out += fmt::format(R"(<text x="{:.2f}" y="{:.2f}">{}</text>)", x + 28, y + 4,
                       html_escape(s.label));
    y += 18;
  }
  out += "</g>";
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Shortest round-trip decimal form (fmt's default), or null.
void append_json_array(std::string& out, const std::vector<double>& values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::isfinite(values[i]) ? fmt::format("{}", values[i]) : "null";
  }
  out += ']';
}

void append_json_header(std::string& out, const std::string& id, const std::string& title,
                        const std::string& x_label, const std::string& y_label) {
  out += "{\"id\":";
  append_json_string(out, id);
  out += ",\"title\":";
  append_json_string(out, title);
  out += ",\"x_label\":";
  append_json_string(out, x_label);
  out += ",\"y_label\":";
  append_json_string(out, y_label);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) return {lo};
  const double step = nice_number((hi - lo) / std::max(1, target - 1));
  const double first = std::floor(lo / step) * step;
  const double last = std::ceil(hi / step) * step;
  std::vector<double> ticks;
  for (long i = 0;; ++i) {
    // Multiples of the step, snapped so that e.g. 0.30000000000000004 prints as 0.3.
    const double t = std::round((first + static_cast<double>(i) * step) / step) * step;
    ticks.push_back(t);
    if (t >= last - 0.5 * step) break;
  }
  return ticks;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_svg(const LineChart& chart) {
  Range xr, yr;
  bool bars = false;
  double bar_spacing = std::numeric_limits<double>::infinity();
  double markers_spacing = std::numeric_limits<double>::infinity();
  for (const PlotSeries& s : chart.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xr.add(s.x[i]);
      yr.add(s.y[i]);
    }
    if (s.style == SeriesStyle::kBars) {
      bars = true;
      bar_spacing = std::min(bar_spacing, min_spacing(s.x));
    }
    if (s.style == SeriesStyle::kMarkers)
      markers_spacing = std::min(markers_spacing, min_spacing(s.x));
  }
  // Markers stay clear of the frame: half a spacing of room on either side,
  // 5% above and below.
  if (std::isfinite(markers_spacing) && !xr.empty()) {
    xr.lo -= 0.5 * markers_spacing;
    xr.hi += 0.5 * markers_spacing;
    const double pad = 0.05 * (yr.hi - yr.lo);
    yr.lo -= pad;
    yr.hi += pad;
  }
  if (chart.include_zero || bars) yr.add(0.0);
  if (bars && !xr.empty()) {
    xr.lo -= 0.5 * bar_spacing;
    xr.hi += 0.5 * bar_spacing;
  }
  xr.widen_if_flat();
  yr.widen_if_flat();
  // Head room for a legend inside the plot.
  if (chart.legend_inside) yr.hi += 0.3 * (yr.hi - yr.lo);
  const std::vector<double> x_ticks = nice_ticks(xr.lo, xr.hi);
  const std::vector<double> y_ticks = nice_ticks(yr.lo, yr.hi, 5);
  Margins m;
  if (chart.legend_inside) m.right = 16;
  // Bars keep the exact x range (bins are integers); curves snap to ticks.
  Frame f{m.left,
          m.top,
          chart.width - m.left - m.right,
          chart.height - m.top - m.bottom,
          bars ? xr.lo : x_ticks.front(),
          bars ? xr.hi : x_ticks.back(),
          y_ticks.front(),
          y_ticks.back()};
  const double bar_width = bars ? std::max(0.5, 0.85 * bar_spacing / (f.x1 - f.x0) * f.width) : 0.0;

  std::string out = fmt::format(kSvgOpen, html_escape(chart.id), chart.width, chart.height,
                                chart.width, chart.height, html_escape(chart.title));
  out += fmt::format(R"(<rect width="{}" height="{}" fill="#fff"/>)", chart.width, chart.height);
  out += fmt::format(
      R"(<clipPath id="{}-clip"><rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}"/>)"
      R"(</clipPath>)",
      html_escape(chart.id), f.left, f.top, f.width, f.height);
  draw_axes(out, f, x_ticks, y_ticks, chart.title, chart.x_label, chart.y_label, chart.width, true);
  out += fmt::format(R"svg(<g clip-path="url(#{}-clip)">)svg", html_escape(chart.id));
  for (const PlotSeries& s : chart.series) draw_series(out, f, s, bar_width);
  out += "</g>";
  draw_legend(out, chart, f);
  out += "</svg>";
  return out;
}

std::string render_svg(const ColourGrid& g) {
  const std::size_t nx = g.x.size(), ny = g.y.size();
  Range zr;
  for (double v : g.z) zr.add(v);
  if (g.z_min) zr.lo = *g.z_min;
  if (g.z_max) zr.hi = *g.z_max;
  zr.widen_if_flat();
  const double dx = nx > 1 ? min_spacing(g.x) : 1.0, dy = ny > 1 ? min_spacing(g.y) : 1.0;
  Range xr, yr;
  for (double v : g.x) xr.add(v);
  for (double v : g.y) yr.add(v);
  xr.widen_if_flat();
  yr.widen_if_flat();
  const Margins m;
  Frame f{m.left,
          m.top,
          g.width - m.left - m.right,
          g.height - m.top - m.bottom,
          xr.lo - 0.5 * dx,
          xr.hi + 0.5 * dx,
          yr.lo - 0.5 * dy,
          yr.hi + 0.5 * dy};
  std::string out = fmt::format(kSvgOpen, html_escape(g.id), g.width, g.height, g.width, g.height,
                                html_escape(g.title));
  out += fmt::format(R"(<rect width="{}" height="{}" fill="#fff"/>)", g.width, g.height);
  // Cells first, the axes' frame and ticks on top.
  const double cw = dx / (f.x1 - f.x0) * f.width, ch = dy / (f.y1 - f.y0) * f.height;
  out += R"(<g class="cells" shape-rendering="crispEdges">)";
  for (std::size_t i = 0; i < nx; ++i) {
    for (std::size_t j = 0; j < ny && i * ny + j < g.z.size(); ++j) {
      const double v = g.z[i * ny + j];
      out +=
          fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"/>)",
                      f.px(g.x[i]) - cw / 2, f.py(g.y[j]) - ch / 2, cw + 0.5, ch + 0.5,
                      std::isfinite(v) ? viridis((v - zr.lo) / (zr.hi - zr.lo)) : "#ff00ff");
    }
  }
  out += "</g>";
  std::vector<double> x_ticks = nice_ticks(xr.lo, xr.hi), y_ticks = nice_ticks(yr.lo, yr.hi, 5);
  draw_axes(out, f, x_ticks, y_ticks, g.title, g.x_label, g.y_label, g.width, false);

  // The colour bar: 64 bands from zr.lo (bottom) to zr.hi (top), ticks inside the range.
  const double bx = f.left + f.width + 24, bw = 16;
  constexpr int kBands = 64;
  out += R"(<g class="colour-bar" shape-rendering="crispEdges">)";
  for (int k = 0; k < kBands; ++k) {
    const double t = (k + 0.5) / kBands;
    out += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{}" height="{:.2f}" fill="{}"/>)", bx,
                       f.top + f.height * (1.0 - static_cast<double>(k + 1) / kBands), bw,
                       f.height / kBands + 0.5, viridis(t));
  }
  out += fmt::format(
      R"(<rect x="{:.2f}" y="{:.2f}" width="{}" height="{:.2f}" fill="none" stroke="#333"/>)", bx,
      f.top, bw, f.height);
  out += "</g>";
  const std::vector<double> z_ticks = nice_ticks(zr.lo, zr.hi, 5);
  const double z_step = z_ticks.size() > 1 ? z_ticks[1] - z_ticks[0] : 1.0;
  out += R"(<g class="ticks" font-size="11" fill="#333">)";
  for (double t : z_ticks) {
    if (t < zr.lo || t > zr.hi) continue;
    const double y = f.top + f.height * (1.0 - (t - zr.lo) / (zr.hi - zr.lo));
    out +=
        fmt::format(R"(<line x1="{0:.2f}" y1="{1:.2f}" x2="{2:.2f}" y2="{1:.2f}" stroke="#333"/>)"
                    R"(<text x="{3:.2f}" y="{4:.2f}">{5}</text>)",
                    bx + bw, y, bx + bw + 4, bx + bw + 7, y + 4, tick_label(t, z_step));
  }
  out += "</g>";
  out +=
      fmt::format(R"svg(<text class="z-label" transform="translate({:.2f},{:.2f}) rotate(-90)" )svg"
                  R"(text-anchor="middle" font-size="12">{}</text>)",
                  bx + bw + 70, f.top + f.height / 2, html_escape(g.z_label));
  out += "</svg>";
  return out;
}

std::string chart_data_json(const LineChart& chart) {
  std::string out;
  append_json_header(out, chart.id, chart.title, chart.x_label, chart.y_label);
  out += ",\"series\":[";
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const PlotSeries& s = chart.series[k];
    out += k > 0 ? ",{\"key\":" : "{\"key\":";
    append_json_string(out, s.key);
    out += ",\"label\":";
    append_json_string(out, s.label);
    out += ",\"x\":";
    append_json_array(out, s.x);
    out += ",\"y\":";
    append_json_array(out, s.y);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string chart_data_json(const ColourGrid& g) {
  std::string out;
  append_json_header(out, g.id, g.title, g.x_label, g.y_label);
  out += ",\"z_label\":";
  append_json_string(out, g.z_label);
  out += ",\"x\":";
  append_json_array(out, g.x);
  out += ",\"y\":";
  append_json_array(out, g.y);
  out += ",\"z\":";
  append_json_array(out, g.z);
  out += '}';
  return out;
}

}  // namespace butterfly
