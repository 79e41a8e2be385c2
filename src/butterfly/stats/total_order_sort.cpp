// Total-order sort: Highway's VQSort for large spans, std::sort for small ones,
// and a key comparator when NaN is present.
#include "butterfly/stats/total_order_sort.hpp"

#include <hwy/contrib/sort/vqsort.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace butterfly {
namespace {

constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
// Below this VQSort's setup costs more than it saves (measured: equal at ~1000).
constexpr std::size_t kVectorSortThreshold = 1024;

// Maps a double to an unsigned key whose integer order is the IEEE totalOrder: flip every bit
// of negatives (larger magnitude sorts first), set the sign bit of non-negatives.
std::uint64_t to_key(double x) {
  const auto u = std::bit_cast<std::uint64_t>(x);
  return (u & kSignBit) ? ~u : (u | kSignBit);
}

}  // namespace

void sort_total_order(std::span<double> values) {
  if (std::any_of(values.begin(), values.end(), [](double x) { return std::isnan(x); })) {
    std::sort(values.begin(), values.end(),
              [](double a, double b) { return to_key(a) < to_key(b); });
    return;
  }
  // Counted before sorting: VQSort's min/max networks may turn -0.0 into +0.0
  // (min and max of equal operands return the same one), losing zero signs.
  const auto negative = std::count_if(values.begin(), values.end(),
                                      [](double z) { return z == 0.0 && std::signbit(z); });
  // Highway 1.0.3's VQSort may turn +inf into the largest finite double (its
  // padding sentinel), so only finite spans take the fast path.
  const bool finite =
      std::all_of(values.begin(), values.end(), [](double x) { return std::isfinite(x); });
  if (values.size() < kVectorSortThreshold || !finite) {
    std::sort(values.begin(), values.end());
  } else {
    // One sorter per thread: it owns scratch memory that is reused across calls.
    thread_local hwy::Sorter sorter;
    sorter(values.data(), values.size(), hwy::SortAscending());
  }
  // Without NaN, operator< orders everything but -0.0 and +0.0, which compare equal: rewrite
  // the run of zeros with the negative ones first.
  const auto [first, last] = std::equal_range(values.begin(), values.end(), 0.0);
  std::fill(first, first + negative, -0.0);
  std::fill(first + negative, last, 0.0);
}

}  // namespace butterfly
