// Spatially correlated Gaussian perturbations for systems on a periodic grid:
// white noise filtered in Fourier space to a Gaussian covariance with a length
// scale, as ensemble and data-assimilation systems draw their background errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "butterfly/perturb/member_perturbation.hpp"
#include "butterfly/systems/spectral_grid.hpp"

namespace butterfly {

// Each of the `fields` fields on `grid` gets an independent draw
//   d = amplitude * IFFT( sqrt(w_k) FFT(z) ),  z white N(0, 1) on the grid,
//   w_k = c exp(-|k|^2 l^2 / 2),  c such that (1/N) sum_k w_k = 1 (full spectrum),
// a stationary field with pointwise variance amplitude^2 (exactly, in
// expectation) and covariance proportional to exp(-r^2 / (2 l^2)) when l is
// small against the domain (the periodic images add the rest): the Gaussian
// covariance model (e.g. Gaspari & Cohn 1999, QJRMS 125, 723, section 2).
// The analysis error of each start is drawn with the same law, so the truth
// stays exchangeable with the members (DESIGN invariant 5). Member m's noise is
// keyed by (seed, m or its pair, start): independent of blocks and threads.
class CorrelatedGaussianPerturbation : public MemberPerturbation {
 public:
  // Throws UsageError naming perturbation.length_scale unless it is finite and > 0.
  CorrelatedGaussianPerturbation(const GaussianPerturbation& law, const SpectralGrid& grid,
                                 std::size_t fields, double length_scale);

  void draw_analysis(std::uint32_t start, std::span<const double> truth,
                     std::span<double> analysis) const override;
  void fill(std::uint32_t start, std::span<const double> analysis,
            EnsembleBlock& block) const override;

  // The filter sqrt(w_q) on the half spectrum (for tests).
  const std::vector<double>& filter() const { return filter_; }

 private:
  // Correlated draws of kSpectralLanes states: white noise `white` (lane-
  // interleaved, fields x points x lanes) is filtered in place.
  void correlate(std::vector<double>& white, std::vector<Complex>& spectral) const;

  GaussianPerturbation law_;
  SpectralGrid grid_;
  std::size_t fields_;
  std::vector<double> filter_;
};

}  // namespace butterfly
