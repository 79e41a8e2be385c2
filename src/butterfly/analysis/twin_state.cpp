// Serialisation of the twin driver's state, in one fixed field order.
#include "butterfly/analysis/twin_state.hpp"

#include <fmt/format.h>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// Bumped whenever the field order below changes.
constexpr std::uint32_t kTwinStateVersion = 1;

template <class T>
void put(ByteWriter& out, const std::vector<T>& v) {
  out.put_vector(std::span<const T>(v));
}

void require(bool ok, const char* what) {
  if (!ok) throw RuntimeError(fmt::format("checkpoint: inconsistent twin state ({})", what));
}

void check_count(const char* what, std::size_t saved, std::size_t expected) {
  if (saved != expected) {
    throw RuntimeError(fmt::format(
        "checkpoint: written for {} {} but this run has {}; resume with the same experiment", saved,
        what, expected));
  }
}

}  // namespace

std::size_t twin_state_bytes_estimate(const TwinStateView& s) {
  const TwinExperimentResult& r = *s.result;
  const std::size_t fields = 5 * r.truth.size() + r.lead_times.size() + r.start_times.size();
  // Members, fields and vectors of doubles, plus the accumulators (a few hundred bytes each).
  return 8 * (r.members * r.variables + fields + 5 * r.variables) + r.members +
         512 * (r.scores_by_start.size() + r.scores.size()) + 24 * r.diverged.size() + 4096;
}

void save_twin_state(const TwinStateView& s, ByteWriter& out) {
  const TwinExperimentResult& r = *s.result;
  out.put(kTwinStateVersion);
  for (std::size_t v : {r.variables, r.members, r.starts, r.times, s.start, s.output})
    out.put(static_cast<std::uint64_t>(v));
  out.put(s.truth_time);
  out.put_vector(s.start_state);
  out.put_vector(s.truth);
  out.put_vector(s.climatology_sum);
  out.put_vector(s.climatology_sum_sq);
  out.put(static_cast<std::uint64_t>(s.climatology_samples));
  out.put_vector(s.diverged);
  // Every member's state, [member][variable], block by block (blocks are [variable][lane]).
  const std::size_t n = r.variables;
  out.put(static_cast<std::uint64_t>(r.members * n));
  std::vector<double> rows;
  for (const EnsembleBlock& b : *s.blocks) {
    rows.resize(b.members() * n);
    for (std::size_t m = 0; m < b.members(); ++m)
      for (std::size_t v = 0; v < n; ++v) rows[m * n + v] = b.at(v, m);
    out.put_raw(std::span<const double>(rows));
  }
  put(out, r.lead_times);
  put(out, r.start_times);
  for (const std::vector<double>* f :
       {&r.truth, &r.ens_mean, &r.ens_spread, &r.ens_min, &r.ens_max})
    put(out, *f);
  for (const ScoreAccumulator& a : r.scores_by_start) a.save(out);
  for (const ScoreAccumulator& a : r.scores) a.save(out);
  out.put(static_cast<std::uint64_t>(r.diverged.size()));
  for (const DivergedMember& d : r.diverged) {
    out.put(static_cast<std::uint64_t>(d.start));
    out.put(d.member);
    out.put(d.lead);
  }
  std::vector<std::uint64_t> by_start(r.diverged_by_start.begin(), r.diverged_by_start.end());
  put(out, by_start);
  out.put(r.steps);
}

TwinState load_twin_state(ByteReader& in, std::size_t variables, std::size_t members,
                          std::size_t starts, std::size_t times) {
  const auto version = in.get<std::uint32_t>();
  if (version != kTwinStateVersion) {
    throw RuntimeError(fmt::format("checkpoint: twin state version {}, this butterfly reads {}",
                                   version, kTwinStateVersion));
  }
  TwinState s;
  TwinExperimentResult& r = s.result;
  r.variables = in.get<std::uint64_t>();
  r.members = in.get<std::uint64_t>();
  r.starts = in.get<std::uint64_t>();
  r.times = in.get<std::uint64_t>();
  check_count("variables", r.variables, variables);
  check_count("members", r.members, members);
  check_count("starts", r.starts, starts);
  check_count("output times", r.times, times);
  s.start = in.get<std::uint64_t>();
  s.output = in.get<std::uint64_t>();
  require(s.start < starts && s.output < times, "position beyond the run");
  s.truth_time = in.get<double>();
  s.start_state = in.get_vector<double>();
  s.truth = in.get_vector<double>();
  s.climatology_sum = in.get_vector<double>();
  s.climatology_sum_sq = in.get_vector<double>();
  s.climatology_samples = in.get<std::uint64_t>();
  s.diverged = in.get_vector<char>();
  s.members = in.get_vector<double>();
  require(s.start_state.size() == variables && s.truth.size() == variables &&
              s.climatology_sum.size() == variables && s.climatology_sum_sq.size() == variables,
          "truth size");
  require(s.diverged.size() == members && s.members.size() == members * variables,
          "member states size");
  r.lead_times = in.get_vector<double>();
  r.start_times = in.get_vector<double>();
  require(r.lead_times.size() == times && r.start_times.size() == s.start + 1, "time axes");
  const std::size_t fields = times * starts * variables;
  for (std::vector<double>* f : {&r.truth, &r.ens_mean, &r.ens_spread, &r.ens_min, &r.ens_max}) {
    *f = in.get_vector<double>();
    require(f->size() == fields, "field size");
  }
  r.scores_by_start.assign(times * starts, ScoreAccumulator(members));
  for (ScoreAccumulator& a : r.scores_by_start) a.load(in);
  r.scores.assign(times, ScoreAccumulator(members));
  for (ScoreAccumulator& a : r.scores) a.load(in);
  const auto diverged = in.get<std::uint64_t>();
  require(diverged <= members * starts, "diverged member count");
  for (std::uint64_t i = 0; i < diverged; ++i) {
    DivergedMember d;
    d.start = in.get<std::uint64_t>();
    d.member = in.get<std::uint64_t>();
    d.lead = in.get<double>();
    require(d.start < starts && d.member < members, "diverged member id");
    r.diverged.push_back(d);
  }
  const std::vector<std::uint64_t> by_start = in.get_vector<std::uint64_t>();
  require(by_start.size() == starts, "diverged counts");
  r.diverged_by_start.assign(by_start.begin(), by_start.end());
  r.steps = in.get<StepperStatistics>();
  return s;
}

}  // namespace butterfly
