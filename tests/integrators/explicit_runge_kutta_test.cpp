// Convergence order of the classic RK4 tableau on problems with known solutions.
#include "butterfly/integrators/explicit_runge_kutta.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <span>
#include <vector>

#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/systems/lorenz63.hpp"

namespace butterfly {
namespace {

// x'' = -x: x = cos t, v = -sin t from (1, 0).
struct HarmonicOscillator {
  template <class T>
  void rhs(const T* x, T* f, double) const {
    f[0] = x[1];
    f[1] = -x[0];
  }
};

// dx/dt = t x (non-autonomous): x = exp(t^2 / 2) from x(0) = 1; checks the stage times c_s.
struct TimeDependentGrowth {
  template <class T>
  void rhs(const T* x, T* f, double t) const {
    f[0] = t * x[0];
  }
};

template <class System>
std::vector<double> integrate(const System& s, std::vector<double> x, double t_end, int steps) {
  std::vector<double> work(x.size() * (ClassicRk4Tableau::stages + 1));
  const double h = t_end / steps;
  for (int k = 0; k < steps; ++k)
    explicit_rk_step<ClassicRk4Tableau>(s, x.data(), k * h, h, work.data(), x.size());
  return x;
}

double observed_order(double coarse_error, double fine_error) {
  return std::log2(coarse_error / fine_error);
}

TEST(ClassicRk4, TableauIsConsistent) {
  // Row sums of a equal c; b sums to 1 (Hairer, Norsett & Wanner, Sec. II.1).
  double b_sum = 0;
  for (std::size_t s = 0; s < ClassicRk4Tableau::stages; ++s) {
    double row = 0;
    for (double a : ClassicRk4Tableau::a[s]) row += a;
    EXPECT_DOUBLE_EQ(row, ClassicRk4Tableau::c[s]);
    b_sum += ClassicRk4Tableau::b[s];
  }
  EXPECT_DOUBLE_EQ(b_sum, 1.0);
}

TEST(ClassicRk4, FourthOrderOnHarmonicOscillator) {
  double previous = 0;
  for (int steps : {10, 20, 40, 80}) {
    const auto x = integrate(HarmonicOscillator{}, {1.0, 0.0}, 2.0, steps);
    const double error = std::hypot(x[0] - std::cos(2.0), x[1] + std::sin(2.0));
    if (previous > 0) {
      EXPECT_NEAR(observed_order(previous, error), 4.0, 0.1);
    }
    previous = error;
  }
}

TEST(ClassicRk4, FourthOrderOnNonAutonomousProblem) {
  double previous = 0;
  for (int steps : {10, 20, 40, 80}) {
    const auto x = integrate(TimeDependentGrowth{}, {1.0}, 1.0, steps);
    const double error = std::abs(x[0] - std::exp(0.5));
    if (previous > 0) {
      EXPECT_NEAR(observed_order(previous, error), 4.0, 0.15);
    }
    previous = error;
  }
}

TEST(ClassicRk4, FourthOrderOnLorenz63ByStepHalving) {
  // Error against dt halving on Lorenz-63 (reference: the same scheme at dt/64).
  const Lorenz63 system(default_values(Lorenz63::parameters));
  const std::vector<double> x0{-5.8, -8.5, 18.9};  // near the attractor
  const double t_end = 0.5;
  const auto reference = integrate(system, x0, t_end, 6400);
  double previous = 0;
  for (int steps : {100, 200, 400}) {
    const auto x = integrate(system, x0, t_end, steps);
    double error = 0;
    for (std::size_t i = 0; i < 3; ++i) error = std::max(error, std::abs(x[i] - reference[i]));
    if (previous > 0) {
      EXPECT_NEAR(observed_order(previous, error), 4.0, 0.2);
    }
    previous = error;
  }
}

}  // namespace
}  // namespace butterfly
