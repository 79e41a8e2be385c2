// Tests of sort_total_order against std::sort with an IEEE totalOrder comparator, on both the
// std::sort and the vectorised-sort (VQSort) sizes.
#include "butterfly/stats/total_order_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace butterfly {
namespace {

// Reference: IEEE 754-2008, 5.10 totalOrder, written directly on sign and magnitude.
bool total_order_less(double a, double b) {
  const bool sa = std::signbit(a), sb = std::signbit(b);
  if (sa != sb) return sa;
  const auto ma = std::bit_cast<std::uint64_t>(std::fabs(a));
  const auto mb = std::bit_cast<std::uint64_t>(std::fabs(b));
  return sa ? ma > mb : ma < mb;
}

std::vector<std::uint64_t> bits(const std::vector<double>& v) {
  std::vector<std::uint64_t> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(),
                 [](double x) { return std::bit_cast<std::uint64_t>(x); });
  return out;
}

std::vector<double> reference_sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end(), total_order_less);
  return v;
}

// Values that exercise every byte of the key: mixed signs and exponents, signed zeros,
// subnormals, infinities, duplicates.
std::vector<double> awkward_values(std::size_t n, std::mt19937_64& rng, bool with_nan) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_int_distribution<int> exponent(-1070, 1000);
  std::vector<double> v(n);
  for (double& x : v) {
    switch (kind(rng)) {
      case 0:
        x = std::ldexp(normal(rng), exponent(rng));
        break;
      case 1:
        x = normal(rng) > 0 ? 0.0 : -0.0;
        break;
      case 2:
        x = std::round(normal(rng) * 4);
        break;
      case 3:
        x = std::numeric_limits<double>::denorm_min() * std::round(normal(rng) * 100);
        break;
      case 4:
        x = (normal(rng) > 0 ? 1 : -1) * std::numeric_limits<double>::infinity();
        break;
      default:
        x = normal(rng) * 1e3;
        break;
    }
  }
  if (with_nan && n > 2) {
    v[0] = std::numeric_limits<double>::quiet_NaN();
    v[1] = -std::numeric_limits<double>::quiet_NaN();
  }
  return v;
}

TEST(TotalOrderSort, MatchesTotalOrderReference) {
  std::mt19937_64 rng(5);
  for (std::size_t n : {0, 1, 2, 3, 100, 1023, 1024, 1025, 4096, 20000, 100000}) {
    for (bool with_nan : {false, true}) {
      std::vector<double> v = awkward_values(n, rng, with_nan);
      const std::vector<double> expected = reference_sorted(v);
      sort_total_order(v);
      EXPECT_EQ(bits(v), bits(expected)) << "n = " << n << (with_nan ? " with NaN" : "");
    }
  }
}

// Degenerate data: constant values, and values that differ only in the lowest or only in
// the highest byte of their bit pattern.
TEST(TotalOrderSort, DegenerateData) {
  std::mt19937_64 rng(11);
  const std::size_t n = 10000;
  std::vector<double> constant(n, 280.15);
  std::vector<double> low_byte(n), high_byte(n);
  for (std::size_t i = 0; i < n; ++i) {
    low_byte[i] = std::bit_cast<double>(std::bit_cast<std::uint64_t>(1.0) | (rng() & 0xff));
    high_byte[i] = (rng() & 1) ? -1.0 : 1.0;
  }
  for (std::vector<double>* v : {&constant, &low_byte, &high_byte}) {
    const std::vector<double> expected = reference_sorted(*v);
    sort_total_order(*v);
    EXPECT_EQ(bits(*v), bits(expected));
  }
}

TEST(TotalOrderSort, PermutationsGiveIdenticalBits) {
  std::mt19937_64 rng(17);
  for (std::size_t n : {50, 10000}) {
    std::vector<double> v = awkward_values(n, rng, false);
    std::vector<double> w = v;
    std::shuffle(w.begin(), w.end(), rng);
    sort_total_order(v);
    sort_total_order(w);
    EXPECT_EQ(bits(v), bits(w)) << "n = " << n;
  }
}

}  // namespace
}  // namespace butterfly
