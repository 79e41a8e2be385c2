// Definition and writing of the run's NetCDF file (CF-style attributes, read by
// xarray.open_dataset as is).
#include "butterfly/app/run_output.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace butterfly {
RunOutputFile::RunOutputFile(const std::filesystem::path& path, const RunDescription& d)
    : description_(d), file_(NetcdfFile::create(path)) {
  if (description_.state_shape.empty()) {
    description_.state_shape.push_back({"var", d.variables, {}, "state variable index", "1"});
  }
  NetcdfFile& f = file_;
  f.define_dimension("time", d.times);
  f.define_dimension("start", d.starts);
  for (const StateDimension& s : description_.state_shape) f.define_dimension(s.name, s.length);
  if (d.rank_histogram) f.define_dimension("rank", d.members + 1);
  if (d.members_saved > 0) f.define_dimension("member", d.members_saved);
  f.define_dimension("diverged", 0);
  if (!d.perturbed_parameters.empty()) f.define_dimension("ensemble_member", d.members);

  const std::string time_units = "model time units (" + d.time_units + ")";
  time_ = f.define_variable("time", {"time"}, "forecast lead time", "1");
  f.set_attribute(time_, "description", time_units);
  f.set_attribute(time_, "axis", "T");
  start_ = f.define_variable("start", NC_INT64, {"start"});
  f.set_attribute(start_, "units", "1");
  f.set_attribute(start_, "long_name", "forecast start index");
  start_time_ =
      f.define_variable("start_time", {"start"}, "truth time of each forecast start", "1");
  std::vector<std::string> state_dims;
  for (const StateDimension& s : description_.state_shape) {
    const int id = s.coordinates.empty()
                       ? f.define_variable(s.name, NC_INT64, {s.name})
                       : f.define_variable(s.name, {s.name}, s.long_name, s.units);
    if (s.coordinates.empty()) {
      f.set_attribute(id, "units", s.units);
      f.set_attribute(id, "long_name", s.long_name);
    }
    if (s.name == "x" || s.name == "y") f.set_attribute(id, "axis", s.name == "x" ? "X" : "Y");
    state_coordinates_.push_back(id);
    state_dims.push_back(s.name);
  }
  if (d.rank_histogram) {
    rank_ = f.define_variable("rank", NC_INT64, {"rank"});
    f.set_attribute(rank_, "units", "1");
    f.set_attribute(rank_, "long_name", "number of members below the truth");
  }
  if (d.members_saved > 0) {
    member_ = f.define_variable("member", NC_INT64, {"member"});
    f.set_attribute(member_, "units", "1");
    f.set_attribute(member_, "long_name", "global member id");
  }

  std::vector<std::string> field{"time", "start"};
  field.insert(field.end(), state_dims.begin(), state_dims.end());
  truth_ = f.define_variable("truth", field, "verifying truth (the hidden twin)", "state units");
  ens_mean_ = f.define_variable("ens_mean", field, "ensemble mean", "state units");
  ens_spread_ =
      f.define_variable("ens_spread", field, "ensemble standard deviation (ddof=1)", "state units");
  if (d.extremes) {
    ens_min_ = f.define_variable("ens_min", field, "ensemble minimum", "state units");
    ens_max_ = f.define_variable("ens_max", field, "ensemble maximum", "state units");
  }
  if (d.members_saved > 0) {
    std::vector<std::string> dims{"time", "start", "member"};
    dims.insert(dims.end(), state_dims.begin(), state_dims.end());
    members_ =
        f.define_variable("members", dims, "trajectories of the first members", "state units");
    std::vector<std::size_t> chunk{1, 1, d.members_saved};
    for (const StateDimension& s : description_.state_shape) chunk.push_back(s.length);
    f.set_chunking(members_, chunk);
  }
  scores_.define(f, {"time"}, "", "starts and variables", d.rank_histogram);
  // Per-start rank histograms would cost starts x (M+1) values per time: left out.
  scores_by_start_.define(f, {"time", "start"}, "_by_start", "variables", false);

  diverged_members_ = f.define_variable("diverged_members", NC_INT64, {"start"});
  f.set_attribute(diverged_members_, "units", "1");
  f.set_attribute(diverged_members_, "long_name",
                  "members whose state became NaN/Inf, left out of the scores");
  diverged_member_id_ = f.define_variable("diverged_member_id", NC_INT64, {"diverged"});
  f.set_attribute(diverged_member_id_, "units", "1");
  f.set_attribute(diverged_member_id_, "long_name", "global id of a diverged member");
  diverged_start_ = f.define_variable("diverged_start", NC_INT64, {"diverged"});
  f.set_attribute(diverged_start_, "units", "1");
  f.set_attribute(diverged_start_, "long_name", "start of a diverged member");
  diverged_lead_ = f.define_variable("diverged_lead", {"diverged"},
                                     "first output lead at which the member was non-finite", "1");

  for (const std::string& name : d.perturbed_parameters) {
    parameter_variables_.push_back(f.define_variable(
        "parameter_" + name, {"ensemble_member"},
        "perturbed system parameter " + name + " of each member (by global id)", "1"));
  }

  f.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
  f.set_attribute(NC_GLOBAL, "title", "butterfly twin experiment: " + d.system);
  f.set_attribute(NC_GLOBAL, "source", std::string("butterfly ") + BUTTERFLY_VERSION);
  f.set_attribute(NC_GLOBAL, "butterfly_version", BUTTERFLY_VERSION);
  f.set_attribute(NC_GLOBAL, "system", d.system);
  for (const auto& [name, value] : d.parameters) {
    f.set_attribute(NC_GLOBAL, "system_" + name, value);
  }
  f.set_attribute(NC_GLOBAL, "seed", static_cast<std::int64_t>(d.seed));
  f.set_attribute(NC_GLOBAL, "ensemble_members", static_cast<std::int64_t>(d.members));
  f.set_attribute(NC_GLOBAL, "expected_outlier_rate", 2.0 / (static_cast<double>(d.members) + 1.0));
  f.set_attribute(NC_GLOBAL, "config", d.config_text);
  f.end_definitions();
  member_buffer_.resize(d.members_saved * d.variables);
}

void RunOutputFile::write_members(std::size_t time_index, std::size_t start,
                                  const std::vector<EnsembleBlock>& blocks) {
  const std::size_t k = description_.members_saved, n = description_.variables;
  if (k == 0) return;
  for (const EnsembleBlock& block : blocks) {
    for (std::size_t m = 0; m < block.members() && block.first_member() + m < k; ++m) {
      for (std::size_t v = 0; v < n; ++v)
        member_buffer_[(block.first_member() + m) * n + v] = block.at(v, m);
    }
  }
  std::vector<std::size_t> first{time_index, start, 0}, count{1, 1, k};
  for (const StateDimension& s : description_.state_shape) {
    first.push_back(0);
    count.push_back(s.length);
  }
  file_.write(members_, first, count, member_buffer_.data());
}

void RunOutputFile::finish(const TwinExperimentResult& r,
                           std::optional<double> half_saturation_lead,
                           const StepperStatistics& steps) {
  NetcdfFile& f = file_;
  const auto iota = [](std::size_t count) {
    std::vector<std::int64_t> v(count);
    std::iota(v.begin(), v.end(), 0);
    return v;
  };
  f.write_all(time_, r.lead_times);
  f.write_all(start_, iota(r.starts));
  f.write_all(start_time_, r.start_times);
  for (std::size_t i = 0; i < description_.state_shape.size(); ++i) {
    const StateDimension& s = description_.state_shape[i];
    if (s.coordinates.empty()) {
      f.write_all(state_coordinates_[i], iota(s.length));
    } else {
      f.write_all(state_coordinates_[i], s.coordinates);
    }
  }
  if (rank_ >= 0) f.write_all(rank_, iota(r.members + 1));
  if (member_ >= 0) f.write_all(member_, iota(description_.members_saved));
  const std::size_t parameters = description_.perturbed_parameters.size();
  for (std::size_t p = 0; p < parameters; ++p) {
    std::vector<double> column(description_.members);
    for (std::size_t m = 0; m < column.size(); ++m) {
      column[m] = description_.parameter_table[m * parameters + p];
    }
    f.write_all(parameter_variables_[p], column);
  }
  f.write_all(truth_, r.truth);
  f.write_all(ens_mean_, r.ens_mean);
  f.write_all(ens_spread_, r.ens_spread);
  if (ens_min_ >= 0) {
    f.write_all(ens_min_, r.ens_min);
    f.write_all(ens_max_, r.ens_max);
  }
  scores_.write(f, r.scores);
  scores_by_start_.write(f, r.scores_by_start);

  std::vector<std::int64_t> counts(r.diverged_by_start.begin(), r.diverged_by_start.end());
  f.write_all(diverged_members_, counts);
  if (!r.diverged.empty()) {
    std::vector<std::int64_t> ids, starts;
    std::vector<double> leads;
    for (const DivergedMember& d : r.diverged) {
      ids.push_back(static_cast<std::int64_t>(d.member));
      starts.push_back(static_cast<std::int64_t>(d.start));
      leads.push_back(d.lead);
    }
    f.write_all(diverged_member_id_, ids);
    f.write_all(diverged_start_, starts);
    f.write_all(diverged_lead_, leads);
  }
  // NetCDF-4 files take new attributes in data mode (the library re-enters
  // define mode itself).
  f.set_attribute(NC_GLOBAL, "climatological_std", r.climatological_std);
  f.set_attribute(NC_GLOBAL, "saturation_rmse", r.saturation_rmse);
  if (steps.accepted_steps > 0) {  // adaptive schemes
    f.set_attribute(NC_GLOBAL, "integrator_accepted_steps",
                    static_cast<std::int64_t>(steps.accepted_steps));
    f.set_attribute(NC_GLOBAL, "integrator_rejected_steps",
                    static_cast<std::int64_t>(steps.rejected_steps));
    f.set_attribute(NC_GLOBAL, "integrator_failed_members",
                    static_cast<std::int64_t>(steps.failed_members));
  }
  if (half_saturation_lead) {
    f.set_attribute(NC_GLOBAL, "half_saturation_lead", *half_saturation_lead);
  }
  f.close();
}

}  // namespace butterfly
