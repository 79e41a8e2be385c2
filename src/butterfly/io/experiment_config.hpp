// The experiment config: a TOML file plus "section.key=value" overrides,
// checked against a fixed schema and filled with defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace butterfly {

// One [parameters.NAME] table: how members draw the system parameter NAME.
// The perturb room checks the law and its numbers (perturb/parameter_perturbation.hpp).
struct ParameterLawConfig {
  std::string parameter;
  std::string law;  // point, normal, uniform, lognormal or list
  // The law's numbers by key (value, mean, sd, low, high, median, sigma_log).
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<double> values;  // list
};

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
  // Model time of ensemble integration between checkpoints, counted over every
  // start; a multiple of output.every; 0: never checkpoint.
  double checkpoint_every = 0.0;
  std::string checkpoint;  // checkpoint file; empty: the output path + ".checkpoint"
  // [ensemble]
  std::size_t members = 1000;    // >= 2 (even with perturbation.pairs)
  std::size_t starts = 20;       // forecast start times, >= 1
  double start_interval = 10.0;  // model time between starts, > 0 when starts > 1
  std::string initial;           // NetCDF path of initial states, or empty
  // [perturbation]
  // key perturbation.kind: gaussian, gaussian_correlated (spatial systems),
  // bred, singular or lyapunov (members in the span of `vectors` such vectors)
  std::string perturbation = "gaussian";
  double amplitude = 0.01;         // >= 0: standard deviation per variable
  bool pairs = false;              // +/- pairs of perturbations
  double length_scale = 0.0;       // gaussian_correlated: > 0, in the grid's length units
  std::size_t vectors = 4;         // bred, singular, lyapunov: vectors combined, >= 1
  std::size_t cycles = 20;         // bred: breeding cycles before each start, >= 1
  double cycle_length = 0.0;       // bred: model time per cycle; lyapunov: per QR; 0: output.every
  double optimisation_time = 0.0;  // singular: optimisation time; 0: output.every
  // [model]: stochastically perturbed tendencies (SPPT); sigma 0 is off
  double sppt_sigma = 0.0;   // standard deviation of the multiplicative pattern, >= 0
  double sppt_tau = 0.0;     // decorrelation time, > 0 when sppt_sigma > 0
  double sppt_length = 0.0;  // spatial correlation length (spatial systems), >= 0
  bool sppt_truth = false;   // also perturb the truth's tendencies (exchangeable truth)
  // [parameters.NAME] tables, by parameter name: perturbed model parameters.
  std::vector<ParameterLawConfig> parameter_laws;
  // [integrator]
  std::string scheme;  // key integrator.scheme; empty: the system's default
  double dt = 0.0;     // > 0; 0 (unset): the system's default
  double rtol = 1e-6;  // adaptive schemes: relative tolerance, > 0
  double atol = 1e-9;  // adaptive schemes: absolute tolerance, > 0
  // [output]
  double every = 0.1;             // an integer multiple of integrator.dt
  std::size_t members_saved = 0;  // <= ensemble.members
  // Extremes diagnostics: ens_min / ens_max fields, tail counts, standardized
  // quantiles, best-member skill by ensemble size, energy score, and for each
  // threshold the Brier score (with its decomposition) and the ROC area.
  bool extremes = false;
  std::vector<double> thresholds;  // event thresholds (state units), with extremes
  bool rank_histogram = true;      // write the (time, rank) histogram: M+1 bins per time
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
