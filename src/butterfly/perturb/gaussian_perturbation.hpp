// Gaussian initial-error law of a twin experiment: the analysis is the truth
// plus one draw, and member j is the analysis plus its own independent draw,
// so the truth is statistically one more member (DESIGN invariant 5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "butterfly/core/ensemble_block.hpp"

namespace butterfly {

struct GaussianPerturbation {
  double amplitude = 0.0;  // standard deviation per variable
  bool pairs = false;      // members 2k and 2k+1 get +d_k and -d_k (centred pairs)
  std::uint64_t seed = 0;
};

// analysis = truth + amplitude * z, with z keyed by (seed, start, analysis purpose).
void draw_analysis(const GaussianPerturbation& law, std::uint32_t start,
                   std::span<const double> truth, std::span<double> analysis);

// Fills every member of the block (global ids block.first_member() + m) with
// analysis + amplitude * z_j, z_j keyed by (seed, member id or pair id, start);
// padding lanes get the analysis itself. Independent of the block layout.
void fill_members(const GaussianPerturbation& law, std::uint32_t start,
                  std::span<const double> analysis, EnsembleBlock& block);

}  // namespace butterfly
