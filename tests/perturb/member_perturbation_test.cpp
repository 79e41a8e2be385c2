// Members in the span of given vectors: E|d|^2 = n amplitude^2, members stay in
// the span, pairs are mirrored, bits independent of the block layout.
#include "butterfly/perturb/member_perturbation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// Two orthonormal vectors of R^4.
void basis(std::uint32_t, std::span<const double>, double, std::vector<double>& v) {
  const double h = 1.0 / std::sqrt(2.0);
  v = {h, h, 0.0, 0.0, 0.0, 0.0, h, -h};
}

TEST(BasisMemberPerturbation, MembersLieInTheSpanWithTheGaussianLawsSize) {
  BasisMemberPerturbation p({0.3, false, 5}, 2, basis);
  const std::vector<double> analysis{1.0, 2.0, 3.0, 4.0};
  p.prepare(0, analysis, 0.0);
  const std::size_t members = 20000;
  EnsembleBlock block(4, members, 0);
  p.fill(0, analysis, block);
  double squared = 0.0;
  for (std::size_t m = 0; m < members; ++m) {
    std::vector<double> d(4);
    for (std::size_t v = 0; v < 4; ++v) d[v] = block.at(v, m) - analysis[v];
    // In the span of (1, 1, 0, 0) and (0, 0, 1, -1).
    EXPECT_NEAR(d[0], d[1], 1e-12);
    EXPECT_NEAR(d[2], -d[3], 1e-12);
    for (double x : d) squared += x * x;
  }
  // E|d|^2 = n amplitude^2 = 4 * 0.09; Monte Carlo sd about 0.36 * sqrt(2/20000) * ...
  EXPECT_NEAR(squared / members, 0.36, 0.36 * 0.03);
}

TEST(BasisMemberPerturbation, PairsMirrorAndBlocksDoNotMatter) {
  BasisMemberPerturbation p({0.3, true, 5}, 2, basis);
  const std::vector<double> analysis{1.0, 2.0, 3.0, 4.0};
  p.prepare(1, analysis, 0.0);
  EnsembleBlock whole(4, 10, 0), part(4, 3, 7);
  p.fill(1, analysis, whole);
  p.fill(1, analysis, part);
  for (std::size_t v = 0; v < 4; ++v) {
    EXPECT_EQ(whole.at(v, 8), part.at(v, 1));
    EXPECT_NEAR(whole.at(v, 2) - analysis[v], -(whole.at(v, 3) - analysis[v]), 1e-15);
  }
}

TEST(BasisMemberPerturbation, RejectsABasisOfTheWrongSizeOrWithNaN) {
  BasisMemberPerturbation wrong({0.3, false, 5}, 3, basis);
  const std::vector<double> analysis{1.0, 2.0, 3.0, 4.0};
  EXPECT_THROW(wrong.prepare(0, analysis, 0.0), RuntimeError);
  BasisMemberPerturbation nan(
      {0.3, false, 5}, 1,
      [](std::uint32_t, std::span<const double>, double, std::vector<double>& v) {
        v = {NAN, 0.0, 0.0, 0.0};
      });
  EXPECT_THROW(nan.prepare(0, analysis, 0.0), RuntimeError);
  EXPECT_THROW(BasisMemberPerturbation({0.3, false, 5}, 0, basis), UsageError);
}

}  // namespace
}  // namespace butterfly
