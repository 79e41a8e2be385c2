// JSON text helpers shared by the subcommands.
#include "butterfly/app/json_text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace butterfly {

std::string json_number(double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : "null"; }

std::string json_number_exact(double x) { return std::isfinite(x) ? fmt::format("{}", x) : "null"; }

std::string json_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_numbers(std::span<const double> values, bool exact) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? ", " : "") + (exact ? json_number_exact(values[i]) : json_number(values[i]));
  }
  return out + "]";
}

std::string json_parameters(std::span<const std::pair<std::string, double>> parameters,
                            bool exact) {
  std::string out = "{";
  for (const auto& [name, value] : parameters) {
    out += (out.size() > 1 ? ", " : "") + json_quoted(name) + ": " +
           (exact ? json_number_exact(value) : json_number(value));
  }
  return out + "}";
}

}  // namespace butterfly
