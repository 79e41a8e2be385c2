// The readable summary of a run (a table at a few lead times and the
// predictability horizon), as text or as JSON.
#pragma once

#include <optional>
#include <string>

#include "butterfly/analysis/twin_experiment.hpp"
#include "butterfly/app/run_output.hpp"

namespace butterfly {

struct RunFacts {
  RunDescription description;
  std::string scheme;
  double dt = 0.0;
  std::string output_path;
  double seconds = 0.0;
  double member_steps = 0.0;
  std::size_t threads = 1;  // per process
  std::size_t ranks = 1;    // MPI processes
  StepperStatistics steps;  // adaptive schemes' accepted/rejected steps
};

std::string run_summary_text(const RunFacts& facts, const TwinExperimentResult& result,
                             std::optional<double> half_saturation_lead);
std::string run_summary_json(const RunFacts& facts, const TwinExperimentResult& result,
                             std::optional<double> half_saturation_lead);

}  // namespace butterfly
