// `butterfly report`: one self-contained HTML page (inline SVG and CSS, no
// scripts, nothing fetched) with the plots of a run's NetCDF output.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace butterfly {

struct ReportOptions {
  std::string input;          // a `butterfly run` output
  std::string output;         // empty: the input's name with extension .html
  std::size_t var = 0;        // state variable of the spaghetti plot
  std::size_t start = 0;      // forecast start of the spaghetti and Hovmoller plots
  std::vector<double> leads;  // rank-histogram leads (nearest output time); empty: 4 spread out
};

// Writes the report atomically (AtomicOutput) and prints where it went.
// UsageError "FILE: ..." for input that is not a butterfly run output, a
// missing variable, or --var/--start/--lead out of range; nothing is written.
int report_command(const ReportOptions& options);

}  // namespace butterfly
