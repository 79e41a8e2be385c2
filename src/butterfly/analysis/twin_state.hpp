// The twin driver's whole mutable state between two output times: what a
// checkpoint holds so that a resumed run ends with the same bits as one that
// never stopped (DESIGN invariant 6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/core/byte_stream.hpp"

namespace butterfly {

struct TwinState {
  // The last completed output: output `output` of start `start`.
  std::size_t start = 0, output = 0;
  double truth_time = 0.0;              // model time of the start's truth state
  std::vector<double> start_state;      // the truth at this start's time
  std::vector<double> truth;            // the truth at the completed output
  std::vector<double> climatology_sum;  // per variable, over the truth samples so far
  std::vector<double> climatology_sum_sq;
  std::size_t climatology_samples = 0;
  std::vector<char> diverged;   // [member]: 0 finite, 1 reported as diverged
  std::vector<double> members;  // every member's state, [member][variable]
  TwinExperimentResult result;  // fields and scores up to the completed output
};

// What save_twin_state writes, by reference: the members straight from the
// blocks that hold them, so a checkpoint costs one image, not several copies.
struct TwinStateView {
  std::size_t start = 0, output = 0;
  double truth_time = 0.0;
  std::span<const double> start_state, truth, climatology_sum, climatology_sum_sq;
  std::size_t climatology_samples = 0;
  std::span<const char> diverged;
  const std::vector<EnsembleBlock>* blocks = nullptr;  // every member, in member order
  const TwinExperimentResult* result = nullptr;
};

// The size of what save_twin_state writes, to the byte (to reserve it).
std::size_t twin_state_bytes_estimate(const TwinStateView& state);

// Appends `state` to `out`, in the layout load_twin_state reads.
void save_twin_state(const TwinStateView& state, ByteWriter& out);

// Reads a state saved by save_twin_state and checks it against the run being
// resumed: RuntimeError naming what differs (variables, members, starts,
// output times) or what is inconsistent.
TwinState load_twin_state(ByteReader& in, std::size_t variables, std::size_t members,
                          std::size_t starts, std::size_t times);

}  // namespace butterfly
