// JSON text for the subcommands' --json summaries: numbers (NaN/Inf as null),
// strings with escapes, arrays of numbers.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace butterfly {

// 10 significant digits, as summaries print them; NaN and Inf become null.
std::string json_number(double x);
// The shortest text that reads back as the same double; NaN and Inf become null.
std::string json_number_exact(double x);
// A JSON string: quotes, backslashes and control characters escaped.
std::string json_quoted(std::string_view text);
// [a, b, ...] with json_number (or json_number_exact when exact).
std::string json_numbers(std::span<const double> values, bool exact = false);
// {"name": value, ...} in the given order, with json_number (or json_number_exact).
std::string json_parameters(std::span<const std::pair<std::string, double>> parameters,
                            bool exact = false);

}  // namespace butterfly
