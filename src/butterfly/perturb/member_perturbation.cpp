// Members in the span of flow-dependent vectors.
#include "butterfly/perturb/member_perturbation.hpp"

#include <fmt/format.h>

#include <cmath>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {

BasisMemberPerturbation::BasisMemberPerturbation(const GaussianPerturbation& law,
                                                 std::size_t vectors, PerturbationBasis basis)
    : law_(law), k_(vectors), basis_(std::move(basis)) {
  if (k_ == 0) throw UsageError("perturbation.vectors: must be at least 1, got 0");
}

void BasisMemberPerturbation::prepare(std::uint32_t start, std::span<const double> analysis,
                                      double time) {
  basis_(start, analysis, time, vectors_);
  if (vectors_.size() != analysis.size() * k_) {
    throw RuntimeError(fmt::format("perturbation: expected {} vectors of {} values, got {} values",
                                   k_, analysis.size(), vectors_.size()));
  }
  for (double v : vectors_) {
    if (!std::isfinite(v)) {
      throw RuntimeError(
          fmt::format("perturbation: the vectors of start {} are not finite (NaN/Inf)", start));
    }
  }
}

void BasisMemberPerturbation::fill(std::uint32_t start, std::span<const double> analysis,
                                   EnsembleBlock& block) const {
  const std::size_t n = block.variables();
  const double scale = law_.amplitude * std::sqrt(static_cast<double>(n) / static_cast<double>(k_));
  std::vector<double> z(k_);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    for (std::size_t v = 0; v < n; ++v) block.at(v, m) = analysis[v];
    if (m >= block.members()) continue;
    const std::uint64_t id = block.first_member() + m;
    const std::uint64_t stream_id = law_.pairs ? id / 2 : id;
    const double sign = (law_.pairs && id % 2 == 1) ? -1.0 : 1.0;
    CounterRng(law_.seed, stream_id, Purpose::member_perturbation, start).normals(z.data(), k_);
    for (std::size_t j = 0; j < k_; ++j) {
      const double c = sign * scale * z[j];
      const double* column = vectors_.data() + j * n;
      for (std::size_t v = 0; v < n; ++v) block.at(v, m) += c * column[v];
    }
  }
}

}  // namespace butterfly
