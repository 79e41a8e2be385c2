// `butterfly ews`: early-warning indicators of a time series read from CSV or NetCDF (rolling
// variance, autocorrelation, ... and their Kendall tau), or with --roc the ROC area of each
// indicator's tau over many forced and many null series.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace butterfly {

struct EwsCommandOptions {
  std::string input;                // CSV (header line) or NetCDF, told apart by content
  std::string column;               // CSV: the series' column
  std::string time_column;          // CSV: optional time coordinate column
  std::string var;                  // NetCDF: the variable
  std::vector<std::string> select;  // NetCDF: "DIM=INDEX" for every dimension but time (and
                                    // the series dimension with --roc)
  std::string convention = "ewstools";
  std::string detrend = "none";
  std::optional<double> bandwidth;      // fraction in (0, 1] or points; see EwsOptions
  std::optional<double> window;         // fraction in (0, 1] or points >= 2
  std::vector<std::string> indicators;  // empty: all
  std::string output;                   // -o: NetCDF file; empty: none
  bool json = false;
  bool roc = false;
  std::string forced;       // --roc: NetCDF file of series approaching a transition
  std::string null_input;   // --roc: NetCDF file of null series
  std::size_t threads = 0;  // 0: one per hardware thread
};

// Registers the subcommand and its options on `app`, filling `options`.
CLI::App* add_ews_command(CLI::App& app, EwsCommandOptions& options);

// Reads the input, computes, writes the file (if asked) and prints the summary; returns the
// exit status. Throws UsageError for bad input before anything is written.
int ews_command(const EwsCommandOptions& options);

}  // namespace butterfly
