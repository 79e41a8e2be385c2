// The output of a `butterfly run` opened for the report: checked once against
// the layout the report needs (app/run_output.cpp), then read slice by slice.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "butterfly/io/netcdf_file.hpp"

namespace butterfly {

class ReportInput {
 public:
  // Opens `path` and checks it: a NetCDF file with the variables
  //   time (time); truth, ens_mean (time, start, STATE) where STATE is var, or
  //   the spatial dimensions of a spectral system (field, y, x: any in that order);
  //   rmse, spread, ssr, crps, crps_fair, outlier_rate (time),
  // numeric, at least one lead time, and the global attribute
  // ensemble_members; optional rank_histogram (time, rank) and members
  // (time, start, member, STATE) are checked when present. Throws UsageError
  // "PATH: ..." naming the first thing missing or malformed.
  explicit ReportInput(const std::string& path);

  const std::string& path() const { return path_; }
  std::size_t times() const { return lead_times_.size(); }
  std::size_t starts() const { return starts_; }
  std::size_t variables() const { return variables_; }
  // Members of the ensemble (global attribute ensemble_members).
  std::size_t ensemble_members() const { return ensemble_members_; }
  // Saved member trajectories (dimension `member`); 0 without `members`.
  std::size_t members_saved() const { return members_saved_; }
  const std::vector<double>& lead_times() const { return lead_times_; }

  bool has_variable(const std::string& name) const { return file_.has_variable(name); }
  // A text attribute of a variable, e.g. its `units` ("" when the variable
  // or the attribute is absent, or the attribute is not text).
  std::string variable_attribute(const std::string& name, const std::string& attribute) const;
  // A text or numeric global attribute; nullopt when absent or of the other kind.
  std::optional<std::string> text_attribute(const std::string& name) const;
  std::optional<double> number_attribute(const std::string& name) const;
  // Every global attribute as (name, value as text), in file order; numbers
  // with 10 significant digits, arrays joined with ", ".
  std::vector<std::pair<std::string, std::string>> global_attributes() const;

  // A score over lead time: one of the (time) variables checked above.
  std::vector<double> lead_series(const std::string& name) const;
  // truth or ens_mean at one start and variable, over lead time.
  std::vector<double> trajectory(const std::string& name, std::size_t start, std::size_t var) const;
  // The saved members at one start and variable: [member][time].
  std::vector<std::vector<double>> member_trajectories(std::size_t start, std::size_t var) const;
  // truth or ens_mean at one start, row-major over (time, var).
  std::vector<double> field(const std::string& name, std::size_t start) const;
  // The rank histogram (M+1 counts) at one lead; empty without rank_histogram.
  std::vector<double> rank_histogram(std::size_t time_index) const;
  // The Lyapunov spectrum: `exponents` along its last dimension (at the last
  // index of any leading dimension, e.g. the converged value); empty if absent.
  std::vector<double> lyapunov_exponents() const;

 private:
  // UsageError "PATH: MESSAGE".
  [[noreturn]] void reject(const std::string& message) const;
  void require_dimensions(const std::string& name, const std::vector<std::string>& dims) const;

  std::string path_;
  NetcdfFile file_;
  std::vector<double> lead_times_;
  // Appends the multi-index of flat state index `var` (count 1 each) to a slab.
  void append_state_index(std::size_t var, std::vector<std::size_t>& first,
                          std::vector<std::size_t>& count) const;

  std::size_t starts_ = 0, variables_ = 0, ensemble_members_ = 0, members_saved_ = 0;
  std::vector<std::size_t> state_shape_;  // lengths of the state's dimensions
};

}  // namespace butterfly
