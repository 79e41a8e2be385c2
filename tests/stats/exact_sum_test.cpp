// Tests of ExactSum: correctly rounded sums from CPython's math.fsum test suite, and
// bit-identical results for any order and grouping of add() and merge().
#include "butterfly/stats/exact_sum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace butterfly {
namespace {

double exact_sum(const std::vector<double>& terms) {
  ExactSum s;
  for (double t : terms) s.add(t);
  return s.value();
}

// Source: CPython (github.com/python/cpython), Lib/test/test_math.py, MathTests.test_fsum,
// test_values: (terms, correctly rounded sum).
TEST(ExactSumTest, MatchesCpythonFsumCases) {
  struct Case {
    std::vector<double> terms;
    double expected;
  };
  std::vector<Case> cases = {
      {{}, 0.0},
      {{0.0}, 0.0},
      {{1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50}, 1e-100},
      {{0x1p53, -0.5, -0x1p-54}, 0x1p53 - 1.0},
      {{0x1p53, 1.0, 0x1p-100}, 0x1p53 + 2.0},
      {{0x1p53 + 10.0, 1.0, 0x1p-100}, 0x1p53 + 12.0},
      {{0x1p53 - 4.0, 0.5, 0x1p-54}, 0x1p53 - 3.0},
      {{1e16, 1., 1e-16}, 10000000000000002.0},
      {{1e16 - 2., 1. - 0x1p-53, -(1e16 - 2.), -(1. - 0x1p-53)}, 0.0},
  };
  Case harmonic{{}, 0x1.df11f45f4e61ap+2};      // [1/n for n in range(1, 1001)]
  Case alternating{{}, -0x1.62a2af1bd3624p-1};  // [(-1)**n/n for n in range(1, 1001)]
  for (int n = 1; n <= 1000; ++n) {
    harmonic.terms.push_back(1.0 / n);
    alternating.terms.push_back((n % 2 ? -1.0 : 1.0) / n);
  }
  // Exercises many partials: [2**n - 2**(n+50) + 2**(n+52) for n in range(-1074, 972, 2)]
  // + [-2**1022].
  Case partials{{}, 0x1.5555555555555p+970};
  for (int n = -1074; n < 972; n += 2) {
    partials.terms.push_back(std::ldexp(1.0, n) - std::ldexp(1.0, n + 50) +
                             std::ldexp(1.0, n + 52));
  }
  partials.terms.push_back(-std::ldexp(1.0, 1022));
  cases.push_back(harmonic);
  cases.push_back(alternating);
  cases.push_back(partials);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(exact_sum(cases[i].terms), cases[i].expected) << "case " << i;
  }
}

// The result depends only on the multiset of terms: shuffled order and arbitrary splits into
// merged parts give the same bits (CPython's test_fsum checks the same on random data).
TEST(ExactSumTest, OrderAndGroupingIndependent) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> exponent(-60, 60);
  std::vector<double> terms(5000);
  for (double& t : terms) t = std::ldexp(normal(rng), exponent(rng));
  const double expected = exact_sum(terms);
  for (int trial = 0; trial < 10; ++trial) {
    std::shuffle(terms.begin(), terms.end(), rng);
    std::vector<ExactSum> parts(1 + trial);
    for (std::size_t i = 0; i < terms.size(); ++i) parts[(i * 7919) % parts.size()].add(terms[i]);
    ExactSum total;
    for (const ExactSum& p : parts) total.merge(p);
    EXPECT_EQ(total.value(), expected) << "trial " << trial;
  }
  ExactSum twice;
  for (double t : terms) twice.add(t);
  twice.merge(twice);
  EXPECT_EQ(twice.value(), 2 * expected);
}

TEST(ExactSumTest, NonFiniteTermsFollowIeee) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(exact_sum({1.0, inf, 2.0}), inf);
  EXPECT_EQ(exact_sum({1.0, -inf}), -inf);
  EXPECT_TRUE(std::isnan(exact_sum({inf, -inf})));
  EXPECT_TRUE(std::isnan(exact_sum({1.0, std::numeric_limits<double>::quiet_NaN()})));
  EXPECT_EQ(exact_sum({std::numeric_limits<double>::max(), std::numeric_limits<double>::max()}),
            inf);
}

}  // namespace
}  // namespace butterfly
