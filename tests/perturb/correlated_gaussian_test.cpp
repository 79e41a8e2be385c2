// Correlated Gaussian perturbations: pointwise variance and the Gaussian
// covariance exp(-r^2 / (2 l^2)) (Gaspari & Cohn 1999, QJRMS 125, 723, sec. 2),
// checked by Monte Carlo over members; block-layout independence (invariant 3).
#include "butterfly/perturb/correlated_gaussian.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

std::vector<double> draw_members(const CorrelatedGaussianPerturbation& p, std::size_t n,
                                 std::size_t members, std::size_t block_size) {
  std::vector<double> analysis(n, 1.0), out(members * n);
  for (std::size_t first = 0; first < members; first += block_size) {
    const std::size_t count = std::min(block_size, members - first);
    EnsembleBlock block(n, count, first);
    p.fill(3, analysis, block);
    for (std::size_t m = 0; m < count; ++m) {
      for (std::size_t v = 0; v < n; ++v) out[(first + m) * n + v] = block.at(v, m) - 1.0;
    }
  }
  return out;
}

TEST(CorrelatedGaussian, VarianceAndCovarianceFollowTheGaussianModel) {
  // 1-D grid of 128 points on [0, 64): l = 2 is small against the domain.
  const SpectralGrid grid(128, 1, 64.0, 1.0);
  const double amplitude = 0.5, l = 2.0, dx = 0.5;
  const CorrelatedGaussianPerturbation p({amplitude, false, 7}, grid, 1, l);
  const std::size_t members = 4000, n = 128;
  const std::vector<double> d = draw_members(p, n, members, 256);
  // Statistics over members and (by stationarity) over points.
  for (std::size_t lag : {0u, 2u, 4u, 8u}) {
    double sum = 0.0;
    for (std::size_t m = 0; m < members; ++m) {
      for (std::size_t i = 0; i < n; ++i) sum += d[m * n + i] * d[m * n + (i + lag) % n];
    }
    const double covariance = sum / static_cast<double>(members * n);
    const double r = static_cast<double>(lag) * dx;
    const double expected = amplitude * amplitude * std::exp(-r * r / (2.0 * l * l));
    // Monte Carlo: about members * n / (correlation length in points) independent
    // samples, so a relative error of a few 1e-3 of the variance; 0.02 is generous.
    EXPECT_NEAR(covariance, expected, 0.02 * amplitude * amplitude) << "lag " << lag;
  }
}

TEST(CorrelatedGaussian, TwoDimensionalFieldsHaveThePointwiseVariance) {
  const SpectralGrid grid(32, 16, 1.0, 0.5);
  const CorrelatedGaussianPerturbation p({2.0, false, 1}, grid, 2, 0.05);
  const std::size_t n = 2 * 32 * 16, members = 400;
  const std::vector<double> d = draw_members(p, n, members, 64);
  double sum = 0.0;
  for (double v : d) sum += v * v;
  EXPECT_NEAR(sum / static_cast<double>(d.size()), 4.0, 0.1);
}

TEST(CorrelatedGaussian, MembersDoNotDependOnTheBlockLayoutAndPairsAreMirrored) {
  const SpectralGrid grid(16, 8, 1.0, 1.0);
  const CorrelatedGaussianPerturbation p({0.1, true, 3}, grid, 1, 0.1);
  const std::vector<double> a = draw_members(p, 128, 22, 1);
  const std::vector<double> b = draw_members(p, 128, 22, 7);
  const std::vector<double> c = draw_members(p, 128, 22, 64);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  // Mirrored draws, up to the rounding of (analysis + d) - analysis.
  for (std::size_t v = 0; v < 128; ++v) EXPECT_NEAR(a[2 * 128 + v], -a[3 * 128 + v], 1e-15);
}

TEST(CorrelatedGaussian, RejectsANonPositiveLengthScale) {
  const SpectralGrid grid(16, 1, 1.0, 1.0);
  EXPECT_THROW(CorrelatedGaussianPerturbation({0.1, false, 1}, grid, 1, 0.0), UsageError);
}

}  // namespace
}  // namespace butterfly
