// ExactSum: Shewchuk's non-overlapping partials with correctly rounded read-out (as math.fsum).
#include "butterfly/stats/exact_sum.hpp"

#include <cmath>
#include <cstddef>
#include <utility>

namespace butterfly {

void ExactSum::add(double x) {
  if (!std::isfinite(x)) {
    special_ += x;
    return;
  }
  // Two-sum of x with each partial, smallest first: hi + lo == x + y exactly; the non-zero
  // low parts become the new partials and the running high part moves on.
  std::size_t kept = 0;
  for (double y : partials_) {
    if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
    const double hi = x + y;
    const double lo = y - (hi - x);
    if (lo != 0.0) partials_[kept++] = lo;
    x = hi;
  }
  partials_.resize(kept);
  if (!std::isfinite(x)) {
    // Finite terms overflowed: the sum is beyond double range, keep only its sign.
    special_ += x;
    partials_.clear();
  } else if (x != 0.0) {
    partials_.push_back(x);
  }
}

void ExactSum::merge(const ExactSum& other) {
  const std::vector<double> terms = other.partials_;  // a copy, so other may be *this
  const double special = other.special_;
  for (double t : terms) add(t);
  special_ += special;
}

double ExactSum::value() const {
  if (special_ != 0.0 || std::isnan(special_)) return special_;
  std::size_t n = partials_.size();
  if (n == 0) return 0.0;
  // Add from the largest partial down until the sum becomes inexact.
  double hi = partials_[--n];
  double lo = 0.0;
  while (n > 0) {
    const double x = hi;
    const double y = partials_[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0.0) break;
  }
  // hi is then rounded to nearest unless lo sits exactly half an ulp away and the partials
  // below push the true value past the half-way point: round away in that case.
  if (n > 0 && ((lo < 0.0 && partials_[n - 1] < 0.0) || (lo > 0.0 && partials_[n - 1] > 0.0))) {
    const double y = lo * 2.0;
    const double x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

}  // namespace butterfly
