// ExactSum: a floating-point sum kept exactly and rounded once, so partial sums merge to the
// same bits in any order or grouping (what makes the stats reducers reproducible at any scale).
#pragma once

#include <vector>

namespace butterfly {

class ByteWriter;
class ByteReader;

// The exact sum of the doubles added to it, held as a short list of non-overlapping partials
// whose exact total is the sum (Shewchuk, "Adaptive precision floating-point arithmetic and fast
// robust geometric predicates", Discrete Comput. Geom. 18, 305-363, 1997; the algorithm of
// Python's math.fsum). value() rounds that exact total to the nearest double (ties to even), so
// it depends only on the multiset of terms: add() and merge() in any order or grouping give
// bit-identical results. Each add() costs O(number of partials), a handful in practice.
// Non-finite terms are summed apart with IEEE rules and then decide value(); so does a sum that
// overflows, in which case the result is +-inf (order-dependent only in that overflow case).
class ExactSum {
 public:
  void add(double x);
  // Adds every term of `other` (exactly; `other` may be *this).
  void merge(const ExactSum& other);
  // The exact sum rounded to nearest, ties to even; 0 when nothing was added.
  double value() const;

  // Appends the state (partials and non-finite sum, bit for bit) to `out`.
  void save(ByteWriter& out) const;
  // Replaces the state with one written by save(): every later result is bit-identical to the
  // saved object's. RuntimeError on truncated data or data that are not a valid ExactSum
  // (partials not finite, zero or not strictly increasing in magnitude); *this is then unchanged.
  void load(ByteReader& in);

 private:
  std::vector<double> partials_;  // increasing magnitude, non-overlapping, non-zero
  double special_ = 0;            // IEEE sum of non-finite terms and of overflowed partial sums
};

}  // namespace butterfly
