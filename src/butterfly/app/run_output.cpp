// Definition and writing of the run's NetCDF file (CF-style attributes, read by
// xarray.open_dataset as is).
#include "butterfly/app/run_output.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace butterfly {

std::vector<int> define_state_coordinates(NetcdfFile& f, const std::vector<StateDimension>& shape) {
  std::vector<int> ids;
  for (const StateDimension& s : shape) {
    const int id = s.coordinates.empty()
                       ? f.define_variable(s.name, NC_INT64, {s.name})
                       : f.define_variable(s.name, {s.name}, s.long_name, s.units);
    if (s.coordinates.empty()) {
      f.set_attribute(id, "units", s.units);
      f.set_attribute(id, "long_name", s.long_name);
    }
    if (s.name == "x" || s.name == "y") f.set_attribute(id, "axis", s.name == "x" ? "X" : "Y");
    ids.push_back(id);
  }
  return ids;
}

void write_state_coordinates(NetcdfFile& f, const std::vector<StateDimension>& shape,
                             const std::vector<int>& ids) {
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const StateDimension& s = shape[i];
    if (s.coordinates.empty()) {
      std::vector<std::int64_t> index(s.length);
      std::iota(index.begin(), index.end(), 0);
      f.write_all(ids[i], index);
    } else {
      f.write_all(ids[i], s.coordinates);
    }
  }
}

std::tuple<int, int, int> define_time_axes(NetcdfFile& f, const std::string& time_units) {
  const int time = f.define_variable("time", {"time"}, "forecast lead time", "1");
  f.set_attribute(time, "description", "model time units (" + time_units + ")");
  f.set_attribute(time, "axis", "T");
  const int start = f.define_variable("start", NC_INT64, {"start"});
  f.set_attribute(start, "units", "1");
  f.set_attribute(start, "long_name", "forecast start index");
  const int start_time =
      f.define_variable("start_time", {"start"}, "truth time of each forecast start", "1");
  return {time, start, start_time};
}

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

  std::tie(time_, start_, start_time_) = define_time_axes(f, d.time_units);
  state_coordinates_ = define_state_coordinates(f, description_.state_shape);
  std::vector<std::string> state_dims;
  for (const StateDimension& s : description_.state_shape) state_dims.push_back(s.name);
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

  if (d.extremes) define_extremes(d);

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

std::span<const double> RunOutputFile::write_members(std::size_t time_index, std::size_t start,
                                                     const std::vector<EnsembleBlock>& blocks) {
  const std::size_t k = description_.members_saved, n = description_.variables;
  if (k == 0) return {};
  for (const EnsembleBlock& block : blocks) {
    for (std::size_t m = 0; m < block.members() && block.first_member() + m < k; ++m) {
      for (std::size_t v = 0; v < n; ++v)
        member_buffer_[(block.first_member() + m) * n + v] = block.at(v, m);
    }
  }
  write_member_slab(time_index, start, member_buffer_);
  return member_buffer_;
}

void RunOutputFile::write_member_slab(std::size_t time_index, std::size_t start,
                                      std::span<const double> values) {
  std::vector<std::size_t> first{time_index, start, 0}, count{1, 1, description_.members_saved};
  for (const StateDimension& s : description_.state_shape) {
    first.push_back(0);
    count.push_back(s.length);
  }
  file_.write(members_, first, count, values.data());
}

void RunOutputFile::finish(const TwinExperimentResult& r,
                           std::optional<double> half_saturation_lead,
                           const StepperStatistics& steps, const ExtremesCollector* extremes) {
  NetcdfFile& f = file_;
  const auto iota = [](std::size_t count) {
    std::vector<std::int64_t> v(count);
    std::iota(v.begin(), v.end(), 0);
    return v;
  };
  f.write_all(time_, r.lead_times);
  f.write_all(start_, iota(r.starts));
  f.write_all(start_time_, r.start_times);
  write_state_coordinates(f, description_.state_shape, state_coordinates_);
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
  if (extremes != nullptr && !extremes_.empty()) write_extremes(*extremes);
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

void RunOutputFile::define_extremes(const RunDescription& d) {
  NetcdfFile& f = file_;
  const std::size_t sigmas = TailAccumulator().max_sigma();
  const std::vector<double> probabilities = default_tail_probabilities();
  const std::vector<std::size_t> sizes = default_best_member_sizes(d.members);
  f.define_dimension("sigma", sigmas);
  f.define_dimension("tail_probability", probabilities.size());
  f.define_dimension("size", sizes.size());
  const auto define = [&](const std::string& name, std::vector<std::string> dims,
                          const std::string& long_name, const std::string& units) {
    extremes_[name] = f.define_variable(name, dims, long_name, units);
  };
  define("sigma", {"sigma"}, "distance from the ensemble mean in ensemble standard deviations",
         "1");
  define("tail_probability", {"tail_probability"}, "probability of a member quantile", "1");
  define("size", {"size"}, "ensemble size of the first-n subensemble", "1");
  define("tail_outside_fraction", {"time", "sigma"},
         "fraction of member values more than sigma ensemble sd from the ensemble mean", "1");
  define("gaussian_outside_fraction", {"sigma"}, "the same for a Gaussian ensemble: erfc(k/sqrt 2)",
         "1");
  define("standardized_quantile", {"time", "tail_probability"},
         "member quantile (numpy linear) minus the mean, over the sd, averaged over points", "1");
  define("gaussian_quantile", {"tail_probability"}, "standard normal quantile", "1");
  define("best_member_error", {"time", "size"},
         "mean |best of the first n members - truth| over points", "state units");
  define("best_member_rms_error", {"time", "size"}, "rms of the best-member error", "state units");
  define("subensemble_outlier_rate", {"time", "size"},
         "fraction of points whose truth is outside the first n members", "1");
  define("expected_subensemble_outlier_rate", {"size"}, "2/(n+1) for a reliable ensemble", "1");
  define("energy_score", {"time"}, "energy score (Gneiting & Raftery 2007) over starts",
         "state units");
  define("energy_score_fair", {"time"}, "fair energy score over starts", "state units");
  if (!d.thresholds.empty()) {
    f.define_dimension("threshold", d.thresholds.size());
    define("threshold", {"threshold"}, "event: the truth exceeds this value", "state units");
    define("brier_score", {"time", "threshold"}, "Brier score of the event", "1");
    define("brier_score_fair", {"time", "threshold"}, "fair Brier score (Ferro 2014)", "1");
    define("brier_reliability", {"time", "threshold"}, "Murphy (1973) reliability", "1");
    define("brier_resolution", {"time", "threshold"}, "Murphy (1973) resolution", "1");
    define("brier_uncertainty", {"time", "threshold"}, "Murphy (1973) uncertainty", "1");
    define("event_base_rate", {"time", "threshold"}, "observed frequency of the event", "1");
    define("roc_area", {"time", "threshold"}, "area under the ROC curve", "1");
  }
}

void RunOutputFile::write_extremes(const ExtremesCollector& extremes) {
  NetcdfFile& f = file_;
  const auto id = [&](const char* name) { return extremes_.at(name); };
  const std::vector<TailAccumulator> tails = extremes.tails();
  const std::vector<BestMemberAccumulator> best = extremes.best_member();
  const std::size_t times = tails.size();
  const std::size_t sigmas = tails.front().max_sigma();
  const std::size_t probabilities = tails.front().probabilities().size();
  const std::size_t sizes = best.front().sizes().size();
  std::vector<double> sigma, gaussian, outside, quantile, gauss_q, size, error, rms, rate, expected;
  for (std::size_t k = 1; k <= sigmas; ++k) {
    sigma.push_back(static_cast<double>(k));
    gaussian.push_back(TailAccumulator::gaussian_outside_fraction(k));
  }
  for (std::size_t i = 0; i < probabilities; ++i)
    gauss_q.push_back(tails.front().gaussian_quantile(i));
  for (std::size_t i = 0; i < sizes; ++i) {
    size.push_back(static_cast<double>(best.front().sizes()[i]));
    expected.push_back(best.front().expected_outlier_rate(i));
  }
  for (std::size_t t = 0; t < times; ++t) {
    for (std::size_t k = 1; k <= sigmas; ++k) outside.push_back(tails[t].outside_fraction(k));
    for (std::size_t i = 0; i < probabilities; ++i) {
      quantile.push_back(tails[t].mean_standardized_quantile(i));
    }
    for (std::size_t i = 0; i < sizes; ++i) {
      error.push_back(best[t].mean_best_error(i));
      rms.push_back(best[t].rms_best_error(i));
      rate.push_back(best[t].outlier_rate(i));
    }
  }
  f.write_all(id("sigma"), sigma);
  f.write_all(id("gaussian_outside_fraction"), gaussian);
  f.write_all(id("tail_probability"), tails.front().probabilities());
  f.write_all(id("gaussian_quantile"), gauss_q);
  f.write_all(id("size"), size);
  f.write_all(id("expected_subensemble_outlier_rate"), expected);
  f.write_all(id("tail_outside_fraction"), outside);
  f.write_all(id("standardized_quantile"), quantile);
  f.write_all(id("best_member_error"), error);
  f.write_all(id("best_member_rms_error"), rms);
  f.write_all(id("subensemble_outlier_rate"), rate);
  std::vector<double> energy, energy_fair;
  for (const EnergyScoreAccumulator& e : extremes.energy_score()) {
    energy.push_back(e.energy_score());
    energy_fair.push_back(e.energy_score_fair());
  }
  f.write_all(id("energy_score"), energy);
  f.write_all(id("energy_score_fair"), energy_fair);
  if (extremes.thresholds().empty()) return;
  f.write_all(id("threshold"), extremes.thresholds());
  const std::vector<ExceedanceAccumulator> events = extremes.exceedance();
  const auto per_threshold = [&](const char* name, auto score) {
    std::vector<double> values;
    for (const ExceedanceAccumulator& e : events) {
      for (std::size_t j = 0; j < e.thresholds().size(); ++j) values.push_back(score(e, j));
    }
    f.write_all(id(name), values);
  };
  using E = ExceedanceAccumulator;
  per_threshold("brier_score", [](const E& e, std::size_t j) { return e.brier_score(j); });
  per_threshold("brier_score_fair",
                [](const E& e, std::size_t j) { return e.fair_brier_score(j); });
  per_threshold("brier_reliability", [](const E& e, std::size_t j) { return e.reliability(j); });
  per_threshold("brier_resolution", [](const E& e, std::size_t j) { return e.resolution(j); });
  per_threshold("brier_uncertainty", [](const E& e, std::size_t j) { return e.uncertainty(j); });
  per_threshold("event_base_rate", [](const E& e, std::size_t j) { return e.base_rate(j); });
  per_threshold("roc_area", [](const E& e, std::size_t j) { return e.roc_area(j); });
}

}  // namespace butterfly
