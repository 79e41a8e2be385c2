// ExactSum: Shewchuk's non-overlapping partials with correctly rounded read-out (as math.fsum).
#include "butterfly/stats/exact_sum.hpp"

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

#include "butterfly/core/byte_stream.hpp"

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

namespace {
constexpr std::uint32_t kExactSumTag = byte_tag("ESUM");
}  // namespace

void ExactSum::save(ByteWriter& out) const {
  out.put(kExactSumTag);
  out.put_vector(partials_);
  out.put(special_);
}

void ExactSum::load(ByteReader& in) {
  expect_tag(in, kExactSumTag, "ExactSum");
  std::vector<double> partials = in.get_vector<double>();
  const auto special = in.get<double>();
  for (std::size_t i = 0; i < partials.size(); ++i) {
    if (!std::isfinite(partials[i]) || partials[i] == 0.0) {
      throw_inconsistent("ExactSum", "partial " + std::to_string(i) + " is zero or not finite");
    }
    if (i > 0 && !(std::fabs(partials[i - 1]) < std::fabs(partials[i]))) {
      throw_inconsistent("ExactSum", "partials " + std::to_string(i - 1) + " and " +
                                         std::to_string(i) + " are not increasing in magnitude");
    }
  }
  if (std::isfinite(special) && special != 0.0) {
    throw_inconsistent("ExactSum", "the sum of non-finite terms is finite and non-zero");
  }
  partials_ = std::move(partials);
  special_ = special;
}

}  // namespace butterfly
