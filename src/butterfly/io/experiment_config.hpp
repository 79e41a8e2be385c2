// The experiment config: a TOML file plus "section.key=value" overrides,
// checked against a fixed schema and filled with defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace butterfly {

// Every setting of an ensemble experiment, with its default. TOML keys are
// "section.member" unless noted.
struct ExperimentConfig {
  // [system]
  std::string system = "lorenz96";  // key system.name
  // Every other key in [system], as numbers, in file order (then overrides'
  // order); the caller validates names against the system registry.
  std::vector<std::pair<std::string, double>> system_parameters;
  // [run]
  double spinup = 20.0;  // model time integrated before the first start, >= 0
  double length = 10.0;  // model time of each forecast, an integer multiple of output.every
  std::uint64_t seed = 1;
  std::size_t block_size = 256;  // members per block, >= 1
  // [ensemble]
  std::size_t members = 1000;    // >= 2 (even with perturbation.pairs)
  std::size_t starts = 20;       // forecast start times, >= 1
  double start_interval = 10.0;  // model time between starts, > 0 when starts > 1
  std::string initial;           // NetCDF path of initial states, or empty
  // [perturbation]
  std::string perturbation = "gaussian";  // key perturbation.kind; only "gaussian" for now
  double amplitude = 0.01;                // >= 0
  bool pairs = false;                     // +/- pairs of perturbations
  // [integrator]
  std::string scheme;  // key integrator.scheme; empty: the system's default
  double dt = 0.0;     // > 0; 0 (unset): the system's default
  double rtol = 1e-6;  // adaptive schemes: relative tolerance, > 0
  double atol = 1e-9;  // adaptive schemes: absolute tolerance, > 0
  // [output]
  double every = 0.1;             // an integer multiple of integrator.dt
  std::size_t members_saved = 0;  // <= ensemble.members
  bool extremes = false;          // add min/max fields
  bool rank_histogram = true;     // write the (time, rank) histogram: M+1 bins per time
  // The effective config (file + overrides + defaults) as TOML, for the
  // output's global attribute; loading it again gives the same settings.
  std::string text;
  // The file name, or "<default>", that messages name.
  std::string source = "<default>";
};

// Loads the TOML file at `path` (none if empty), applies the overrides
// "section.key=value" in order, fills defaults and validates. An override's
// value is parsed as a TOML value; if that fails (or the key holds a string
// and the value is not a TOML string) the raw text is the string, so
// "system.name=lorenz63" needs no quotes. Throws UsageError with one line
// naming the file, key and value: unreadable file ("PATH: cannot read config
// file (REASON)"), malformed TOML ("PATH:LINE:COL: MESSAGE"), a malformed
// override, an unknown section or key, a wrong type, or a value out of range.
ExperimentConfig load_experiment_config(const std::string& path,
                                        const std::vector<std::string>& overrides);

// The settings of `config` (not text or source) as TOML, every section and
// key in schema order, numbers printed so that they parse back exactly.
std::string experiment_config_to_toml(const ExperimentConfig& config);

}  // namespace butterfly
