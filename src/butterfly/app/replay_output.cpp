// Definition and writing of the replay file (CF-style, as run_output.cpp).
#include "butterfly/app/replay_output.hpp"

#include <numeric>

namespace butterfly {

ReplayOutputFile::ReplayOutputFile(const std::filesystem::path& path, const RunDescription& d,
                                   std::vector<std::uint64_t> member_ids)
    : description_(d), ids_(std::move(member_ids)), file_(NetcdfFile::create(path)) {
  if (description_.state_shape.empty()) {
    description_.state_shape.push_back({"var", d.variables, {}, "state variable index", "1"});
  }
  NetcdfFile& f = file_;
  f.define_dimension("time", d.times);
  f.define_dimension("start", d.starts);
  f.define_dimension("member", ids_.size());
  std::vector<std::string> field{"time", "start"}, members{"time", "start", "member"};
  for (const StateDimension& s : description_.state_shape) {
    f.define_dimension(s.name, s.length);
    field.push_back(s.name);
    members.push_back(s.name);
  }
  std::tie(time_, start_, start_time_) = define_time_axes(f, d.time_units);
  member_ = f.define_variable("member", NC_INT64, {"member"});
  f.set_attribute(member_, "units", "1");
  f.set_attribute(member_, "long_name", "global member id");
  state_coordinates_ = define_state_coordinates(f, description_.state_shape);
  truth_ = f.define_variable("truth", field, "verifying truth (the hidden twin)", "state units");
  members_ =
      f.define_variable("members", members, "trajectories of the replayed members", "state units");
  f.set_attribute(NC_GLOBAL, "Conventions", "CF-1.8");
  f.set_attribute(NC_GLOBAL, "title", "butterfly member replay: " + d.system);
  f.set_attribute(NC_GLOBAL, "source", std::string("butterfly ") + BUTTERFLY_VERSION);
  f.set_attribute(NC_GLOBAL, "system", d.system);
  f.set_attribute(NC_GLOBAL, "seed", static_cast<std::int64_t>(d.seed));
  f.set_attribute(NC_GLOBAL, "ensemble_members", static_cast<std::int64_t>(d.members));
  f.set_attribute(NC_GLOBAL, "config", d.config_text);
  f.end_definitions();
  buffer_.resize(ids_.size() * d.variables);
}

void ReplayOutputFile::write(std::size_t time_index, std::size_t start,
                             const std::vector<EnsembleBlock>& blocks,
                             std::span<const double> truth) {
  const std::size_t n = description_.variables;
  for (std::size_t i = 0; i < blocks.size(); ++i)
    for (std::size_t v = 0; v < n; ++v) buffer_[i * n + v] = blocks[i].at(v, 0);
  std::vector<std::size_t> first{time_index, start, 0}, count{1, 1, ids_.size()};
  std::vector<std::size_t> truth_first{time_index, start}, truth_count{1, 1};
  for (const StateDimension& s : description_.state_shape) {
    first.push_back(0);
    count.push_back(s.length);
    truth_first.push_back(0);
    truth_count.push_back(s.length);
  }
  file_.write(members_, first, count, buffer_.data());
  file_.write(truth_, truth_first, truth_count, truth.data());
}

void ReplayOutputFile::finish(const TwinExperimentResult& r) {
  NetcdfFile& f = file_;
  std::vector<std::int64_t> starts(r.starts), ids(ids_.begin(), ids_.end());
  std::iota(starts.begin(), starts.end(), 0);
  f.write_all(time_, r.lead_times);
  f.write_all(start_, starts);
  f.write_all(start_time_, r.start_times);
  f.write_all(member_, ids);
  write_state_coordinates(f, description_.state_shape, state_coordinates_);
  f.close();
}

}  // namespace butterfly
