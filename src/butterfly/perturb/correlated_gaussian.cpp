// Spectrally filtered Gaussian noise, kSpectralLanes members per transform.
#include "butterfly/perturb/correlated_gaussian.hpp"

#include <fmt/format.h>

#include <cmath>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {
constexpr std::size_t L = kSpectralLanes;
}

CorrelatedGaussianPerturbation::CorrelatedGaussianPerturbation(const GaussianPerturbation& law,
                                                               const SpectralGrid& grid,
                                                               std::size_t fields,
                                                               double length_scale)
    : law_(law), grid_(grid), fields_(fields) {
  if (!(length_scale > 0.0) || !std::isfinite(length_scale)) {
    throw UsageError(fmt::format(
        "perturbation.length_scale: must be finite and > 0 for gaussian_correlated, got {}",
        length_scale));
  }
  const std::size_t half = grid.nx() / 2 + 1;
  std::vector<double> w(grid.modes());
  double total = 0.0;  // sum over the full spectrum: interior kx count twice
  for (std::size_t q = 0; q < grid.modes(); ++q) {
    w[q] = std::exp(-0.5 * grid.k2(q) * length_scale * length_scale);
    const std::size_t i = q % half;
    total += (i == 0 || 2 * i == grid.nx()) ? w[q] : 2.0 * w[q];
  }
  const double c = static_cast<double>(grid.points()) / total;
  filter_.resize(w.size());
  for (std::size_t q = 0; q < w.size(); ++q) filter_[q] = std::sqrt(c * w[q]);
}

void CorrelatedGaussianPerturbation::correlate(std::vector<double>& white,
                                               std::vector<Complex>& spectral) const {
  const std::size_t points = grid_.points(), modes = grid_.modes();
  spectral.resize(modes * L);
  for (std::size_t f = 0; f < fields_; ++f) {
    double* field = white.data() + f * points * L;
    grid_.forward(field, spectral.data());
    for (std::size_t q = 0; q < modes; ++q) {
      for (std::size_t l = 0; l < L; ++l) spectral[q * L + l] *= filter_[q];
    }
    grid_.inverse(spectral.data(), field);
  }
}

void CorrelatedGaussianPerturbation::draw_analysis(std::uint32_t start,
                                                   std::span<const double> truth,
                                                   std::span<double> analysis) const {
  const std::size_t n = truth.size();
  std::vector<double> z(n), white(n * L, 0.0);
  std::vector<Complex> spectral;
  CounterRng(law_.seed, 0, Purpose::analysis_error, start).normals(z.data(), n);
  for (std::size_t v = 0; v < n; ++v) white[v * L] = z[v];
  correlate(white, spectral);
  for (std::size_t v = 0; v < n; ++v) analysis[v] = truth[v] + law_.amplitude * white[v * L];
}

void CorrelatedGaussianPerturbation::fill(std::uint32_t start, std::span<const double> analysis,
                                          EnsembleBlock& block) const {
  const std::size_t n = block.variables();
  std::vector<double> z(n), white(n * L);
  std::vector<Complex> spectral;
  for (std::size_t m0 = 0; m0 < block.stride(); m0 += L) {
    for (std::size_t l = 0; l < L; ++l) {
      const std::size_t m = m0 + l;
      if (m >= block.members()) {
        std::fill(z.begin(), z.end(), 0.0);  // padding lanes: the analysis itself
      } else {
        const std::uint64_t id = block.first_member() + m;
        const std::uint64_t stream_id = law_.pairs ? id / 2 : id;
        CounterRng(law_.seed, stream_id, Purpose::member_perturbation, start).normals(z.data(), n);
        if (law_.pairs && id % 2 == 1) {
          for (double& v : z) v = -v;
        }
      }
      for (std::size_t v = 0; v < n; ++v) white[v * L + l] = z[v];
    }
    correlate(white, spectral);
    for (std::size_t v = 0; v < n; ++v) {
      for (std::size_t l = 0; l < L; ++l) {
        block.at(v, m0 + l) = analysis[v] + law_.amplitude * white[v * L + l];
      }
    }
  }
}

}  // namespace butterfly
