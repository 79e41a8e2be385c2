// Sorting doubles in IEEE-754 totalOrder: an LSD radix sort on the bit pattern for large spans
// (ensembles of 10^4..10^6 members), std::sort on the same keys for small ones.
#pragma once

#include <span>

namespace butterfly {

// Sorts `values` ascending in IEEE-754 (2008, section 5.10) totalOrder: -NaN < -inf < ... <
// -0.0 < +0.0 < ... < +inf < +NaN. On non-NaN values this is the usual order with -0.0 placed
// before +0.0, so the result is bit-identical for every permutation of the input. Spans of at
// least 4096 values use a least-significant-digit radix sort on order-preserving 64-bit keys
// (8 passes of 8 bits, passes whose digit is constant are skipped; Knuth, TAOCP vol. 3, 5.2.5)
// with 16 bytes per value of scratch memory; shorter ones use std::sort.
void sort_total_order(std::span<double> values);

}  // namespace butterfly
