// Feeding and merging the extremes reducers.
#include "butterfly/app/extremes_collector.hpp"

#include <algorithm>

#include "butterfly/core/error.hpp"

namespace butterfly {

ExtremesCollector::ExtremesCollector(std::size_t members, std::size_t times, std::size_t workers,
                                     std::vector<double> thresholds)
    : members_(members), times_(times), workers_(workers), thresholds_(std::move(thresholds)) {
  for (std::size_t i = 0; i < times * workers; ++i) {
    if (!thresholds_.empty()) exceedance_.emplace_back(members, thresholds_);
    tails_.emplace_back();
    best_.emplace_back(members);
  }
  energy_.assign(times, EnergyScoreAccumulator());
}

void ExtremesCollector::add_to(TwinObservers& observers) {
  observers.points = [this](const PointView& p) { observe_point(p); };
  observers.members_with_truth = [this](std::size_t k, std::size_t, const auto& blocks,
                                        std::span<const double> truth, const auto& diverged) {
    observe_members(k, blocks, truth, diverged);
  };
}

void ExtremesCollector::observe_point(const PointView& p) {
  const std::size_t i = p.time_index * workers_ + p.worker;
  if (!exceedance_.empty()) exceedance_[i].add(p.values, p.truth);
  tails_[i].add(p.values);
  best_[i].add(p.values, p.truth);
}

void ExtremesCollector::observe_members(std::size_t k, const std::vector<EnsembleBlock>& blocks,
                                        std::span<const double> truth,
                                        const std::vector<char>& diverged) {
  const std::size_t n = truth.size();
  std::size_t finite = 0;
  for (char d : diverged) finite += d == 0;
  scratch_.resize(n * finite);
  std::size_t m = 0;
  for (const EnsembleBlock& block : blocks) {
    for (std::size_t j = 0; j < block.members(); ++j) {
      if (diverged[block.first_member() + j]) continue;
      for (std::size_t v = 0; v < n; ++v) scratch_[v * finite + m] = block.at(v, j);
      ++m;
    }
  }
  energy_[k].add(scratch_, truth);
}

template <class A>
std::vector<A> ExtremesCollector::merged(const std::vector<A>& partials) const {
  std::vector<A> out;
  for (std::size_t k = 0; k < times_ && !partials.empty(); ++k) {
    A total = partials[k * workers_];
    for (std::size_t w = 1; w < workers_; ++w) total.merge(partials[k * workers_ + w]);
    out.push_back(std::move(total));
  }
  return out;
}

std::vector<ExceedanceAccumulator> ExtremesCollector::exceedance() const {
  return merged(exceedance_);
}
void ExtremesCollector::save(ByteWriter& out) const {
  out.put(static_cast<std::uint64_t>(times_));
  for (const ExceedanceAccumulator& a : exceedance()) a.save(out);
  for (const TailAccumulator& a : tails()) a.save(out);
  for (const BestMemberAccumulator& a : best_member()) a.save(out);
  for (const EnergyScoreAccumulator& a : energy_) a.save(out);
}

void ExtremesCollector::load(ByteReader& in) {
  if (in.get<std::uint64_t>() != times_) {
    throw RuntimeError("checkpoint: the extremes diagnostics have another number of output times");
  }
  // Each time's merged partial goes to worker 0; merging is exact, so the
  // worker count of the resumed run does not matter (DESIGN invariant 4).
  for (std::size_t k = 0; k < times_ && !exceedance_.empty(); ++k)
    exceedance_[k * workers_].load(in);
  for (std::size_t k = 0; k < times_; ++k) tails_[k * workers_].load(in);
  for (std::size_t k = 0; k < times_; ++k) best_[k * workers_].load(in);
  for (EnergyScoreAccumulator& a : energy_) a.load(in);
}

std::vector<TailAccumulator> ExtremesCollector::tails() const { return merged(tails_); }
std::vector<BestMemberAccumulator> ExtremesCollector::best_member() const { return merged(best_); }

}  // namespace butterfly
