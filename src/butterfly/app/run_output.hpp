// The NetCDF layout of a `butterfly run` (the public output contract): defined
// once before the run, members streamed while it runs, results at the end.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/app/extremes_collector.hpp"
#include "butterfly/app/score_variables.hpp"
#include "butterfly/io/netcdf_file.hpp"

namespace butterfly {

// One dimension of the state in the output: "var" for ODEs; "field", "y", "x"
// for spatial systems, with coordinates in physical units where they exist.
struct StateDimension {
  std::string name;
  std::size_t length = 0;
  std::vector<double> coordinates;  // empty: an integer index 0 .. length-1
  std::string long_name, units;
};

struct RunDescription {
  std::string system;
  std::string time_units;
  std::vector<std::pair<std::string, double>> parameters;
  std::string config_text;
  std::uint64_t seed = 0;
  std::size_t variables = 0, members = 0, starts = 0, times = 0;
  std::size_t members_saved = 0;
  bool extremes = false;
  bool rank_histogram = true;
  // Row-major shape of one state, product = variables (default: one "var" dimension).
  std::vector<StateDimension> state_shape;
  // Perturbed model parameters: names, and every member's values [member][parameter].
  std::vector<double> thresholds;  // exceedance events, with extremes
  std::vector<std::string> perturbed_parameters;
  std::vector<double> parameter_table;
};

// Defines a coordinate variable for each state dimension (the dimensions
// themselves must exist); returns their ids, which write_state_coordinates fills.
std::vector<int> define_state_coordinates(NetcdfFile& f, const std::vector<StateDimension>& shape);
void write_state_coordinates(NetcdfFile& f, const std::vector<StateDimension>& shape,
                             const std::vector<int>& ids);

// Defines the lead time, start index and start time variables (their
// dimensions must exist); returns their ids (time, start, start_time).
std::tuple<int, int, int> define_time_axes(NetcdfFile& f, const std::string& time_units);

class RunOutputFile {
 public:
  // Creates the file at `path` (a temporary name) and defines every dimension,
  // variable and attribute.
  RunOutputFile(const std::filesystem::path& path, const RunDescription& description);

  // Writes the first members_saved members of one start at one output time;
  // returns what it wrote, [member][variable] (empty when none are saved).
  std::span<const double> write_members(std::size_t time_index, std::size_t start,
                                        const std::vector<EnsembleBlock>& blocks);
  // Writes saved members given as [member][variable] (a resumed run's history).
  void write_member_slab(std::size_t time_index, std::size_t start, std::span<const double> values);

  // Writes coordinates, fields, scores and diverged members, then closes.
  void finish(const TwinExperimentResult& result, std::optional<double> half_saturation_lead,
              const StepperStatistics& steps, const ExtremesCollector* extremes = nullptr);

 private:
  RunDescription description_;
  NetcdfFile file_;
  ScoreVariables scores_, scores_by_start_;
  int time_ = -1, start_ = -1, start_time_ = -1, member_ = -1, rank_ = -1;
  std::vector<int> state_coordinates_;  // one per state dimension
  std::vector<int> parameter_variables_;
  // Extremes diagnostics (output.extremes), by name.
  void define_extremes(const RunDescription& d);
  void write_extremes(const ExtremesCollector& extremes);
  std::map<std::string, int> extremes_;  // parameter_<name> (ensemble_member)
  int truth_ = -1, ens_mean_ = -1, ens_spread_ = -1, ens_min_ = -1, ens_max_ = -1, members_ = -1;
  int diverged_members_ = -1, diverged_member_id_ = -1, diverged_start_ = -1, diverged_lead_ = -1;
  std::vector<double> member_buffer_;
};

}  // namespace butterfly
