// Tangent-linear ETDRK4: Taylor test against the ETDRK4 map itself, the primal's bits against
// the stepper's, and the independence of a vector from the others in its lane group.
#include "butterfly/tangent/etdrk4_tangent.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "butterfly/systems/kuramoto_sivashinsky.hpp"

namespace butterfly {
namespace {

double norm(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

struct Fixture {
  KuramotoSivashinsky ks{{64.0, 22.0}};
  Etdrk4Stepper<KuramotoSivashinsky> stepper{ks};
  std::vector<double> x = [this] {  // a state on the attractor
    std::vector<double> s(ks.dimension());
    ks.default_state(s);
    stepper.advance(std::span<double>(s), 0.0, 400, 0.25);
    return s;
  }();
  std::vector<double> direction(double seed) const {
    std::vector<double> v(x.size());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(seed * double(i + 1) + 0.3);
    return v;
  }
};

TEST(Etdrk4Tangent, PassesTheTaylorTestAgainstTheEtdrk4Map) {
  // Closed form of a first-order expansion: r(eps) = ||M(x + eps v) - M(x) - eps M'(x) v||
  // = O(eps^2), M the ETDRK4 map over 40 steps of 0.25 (t = 10). The remainder must fall by
  // 100 per decade of eps (order > 1.9) for every one of 5 vectors (two lane groups).
  const Fixture f;
  const std::size_t n = f.x.size(), k = 5, steps = 40;
  std::vector<double> frame;
  for (std::size_t j = 0; j < k; ++j) {
    const std::vector<double> v = f.direction(1.7 + 0.9 * static_cast<double>(j));
    frame.insert(frame.end(), v.begin(), v.end());
  }
  std::vector<double> mx = f.x, tangent = frame;
  propagate_tangents_etdrk4(f.ks, std::span<double>(mx), std::span<double>(tangent), 100.0, steps,
                            0.25);
  const auto map = [&](std::vector<double> y) {
    f.stepper.advance(std::span<double>(y), 100.0, steps, 0.25);
    return y;
  };
  for (std::size_t j = 0; j < k; ++j) {
    std::vector<double> remainders;
    for (double eps : {1e-3, 1e-4, 1e-5}) {
      std::vector<double> y = f.x;
      for (std::size_t i = 0; i < n; ++i) y[i] += eps * frame[j * n + i];
      const std::vector<double> my = map(y);
      std::vector<double> r(n);
      for (std::size_t i = 0; i < n; ++i) r[i] = my[i] - mx[i] - eps * tangent[j * n + i];
      remainders.push_back(norm(r));
    }
    for (std::size_t e = 0; e + 1 < remainders.size(); ++e) {
      EXPECT_GT(std::log10(remainders[e] / remainders[e + 1]), 1.9) << "vector " << j;
    }
  }
}

TEST(Etdrk4Tangent, ThePrimalHasTheStateBitsOfTheStepper) {
  const Fixture f;
  std::vector<double> a = f.x, b = f.x, frame = f.direction(0.4);
  propagate_tangents_etdrk4(f.ks, std::span<double>(a), std::span<double>(frame), 3.0, 70, 0.25);
  f.stepper.advance(std::span<double>(b), 3.0, 70, 0.25);
  EXPECT_EQ(a, b);
  std::vector<double> c = f.x;  // no vectors at all
  propagate_tangents_etdrk4(f.ks, std::span<double>(c), std::span<double>(), 3.0, 70, 0.25);
  EXPECT_EQ(c, b);
}

TEST(Etdrk4Tangent, AVectorDoesNotDependOnItsLaneGroup) {
  // The vectors are lanes of the same transforms: vector 5 (lane 0 of the second group) alone
  // and among six gets the same bits.
  const Fixture f;
  const std::size_t n = f.x.size();
  std::vector<double> frame;
  for (std::size_t j = 0; j < 6; ++j) {
    const std::vector<double> v = f.direction(0.3 + static_cast<double>(j));
    frame.insert(frame.end(), v.begin(), v.end());
  }
  std::vector<double> x6 = f.x, x1 = f.x;
  std::vector<double> one(frame.begin() + 5 * static_cast<long>(n), frame.end());
  propagate_tangents_etdrk4(f.ks, std::span<double>(x6), std::span<double>(frame), 0.0, 50, 0.25);
  propagate_tangents_etdrk4(f.ks, std::span<double>(x1), std::span<double>(one), 0.0, 50, 0.25);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(one[i], frame[5 * n + i]) << i;
  EXPECT_GT(norm(one), 0.0);
}

}  // namespace
}  // namespace butterfly
