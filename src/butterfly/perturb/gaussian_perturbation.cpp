// Gaussian perturbations drawn from the counter RNG, one stream per member.
#include "butterfly/perturb/gaussian_perturbation.hpp"

#include <vector>

#include "butterfly/core/counter_rng.hpp"

namespace butterfly {

void draw_analysis(const GaussianPerturbation& law, std::uint32_t start,
                   std::span<const double> truth, std::span<double> analysis) {
  std::vector<double> z(truth.size());
  CounterRng(law.seed, 0, Purpose::analysis_error, start).normals(z.data(), z.size());
  for (std::size_t v = 0; v < truth.size(); ++v) analysis[v] = truth[v] + law.amplitude * z[v];
}

void fill_members(const GaussianPerturbation& law, std::uint32_t start,
                  std::span<const double> analysis, EnsembleBlock& block) {
  const std::size_t n = block.variables();
  std::vector<double> z(n);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    if (m >= block.members()) {
      for (std::size_t v = 0; v < n; ++v) block.at(v, m) = analysis[v];
      continue;
    }
    const std::uint64_t id = block.first_member() + m;
    const std::uint64_t stream_id = law.pairs ? id / 2 : id;
    const double sign = (law.pairs && id % 2 == 1) ? -1.0 : 1.0;
    CounterRng(law.seed, stream_id, Purpose::member_perturbation, start).normals(z.data(), n);
    for (std::size_t v = 0; v < n; ++v) block.at(v, m) = analysis[v] + sign * law.amplitude * z[v];
  }
}

}  // namespace butterfly
