// Yoshida's 4th-order symplectic stepper: its coefficient table, convergence order
// against the exact harmonic oscillator, bounded energy error where RK4 drifts,
// time-reversibility, and member bits independent of block and lane.
#include "butterfly/integrators/symplectic_stepper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/ensemble_stepper.hpp"
#include "butterfly/integrators/explicit_rk_stepper.hpp"
#include "butterfly/systems/henon_heiles.hpp"

namespace butterfly {
namespace {

// H = p^2 / 2 + omega^2 q^2 / 2: q = q0 cos(omega t) + (p0 / omega) sin(omega t),
// p = -q0 omega sin(omega t) + p0 cos(omega t) (closed form).
class HarmonicOscillator {
 public:
  static constexpr std::string_view name = "harmonic_oscillator";
  static constexpr std::string_view summary = "harmonic oscillator (test)";
  static constexpr std::string_view time_units = "1";
  static constexpr std::array<ParameterSpec, 1> parameters{{
      {"omega", 1.3, "angular frequency", "1/time", false, 0.0},
  }};
  explicit HarmonicOscillator(const ParameterValues<1>& p) : omega_(p[0]) {}
  std::size_t dimension() const { return 2; }
  std::size_t positions() const { return 1; }
  void default_state(std::span<double> x) const {
    x[0] = 1.0;
    x[1] = 0.5;
  }
  template <class T>
  void rhs(const T* x, T* f, double) const {
    velocity(x + 1, f);
    force(x, f + 1);
  }
  template <class T>
  void velocity(const T* p, T* dqdt) const {
    dqdt[0] = p[0];
  }
  template <class T>
  void force(const T* q, T* dpdt) const {
    dpdt[0] = -(omega_ * omega_) * q[0];
  }

 private:
  double omega_;
};

static_assert(SeparableHamiltonian<HarmonicOscillator>);

const HenonHeiles kHenonHeiles(default_values(HenonHeiles::parameters));

TEST(Yoshida4, CoefficientTableSatisfiesTheOrderConditions) {
  // Yoshida (1990), Phys. Lett. A 150, 262: the triple jump is of order 4 iff
  // 2 w1 + w0 = 1 (consistency) and 2 w1^3 + w0^3 = 0 (the h^3 error cancels).
  EXPECT_NEAR(std::pow(Yoshida4::cube_root_of_two, 3), 2.0, 4e-16);
  EXPECT_NEAR(2.0 * Yoshida4::w1 + Yoshida4::w0, 1.0, 1e-15);
  EXPECT_NEAR(2.0 * std::pow(Yoshida4::w1, 3) + std::pow(Yoshida4::w0, 3), 0.0, 1e-14);
  // The closed forms evaluated in 40-digit decimal arithmetic:
  // w1 = 1.35120719195965763..., w0 = -1.70241438391931526...
  EXPECT_NEAR(Yoshida4::w1, 1.3512071919596576, 1e-15);
  EXPECT_NEAR(Yoshida4::w0, -1.7024143839193153, 1e-15);
  // Drifts and kicks each sum to one whole step, and the scheme is symmetric.
  double drifts = 0, kicks = 0;
  for (double c : Yoshida4::drift) drifts += c;
  for (double d : Yoshida4::kick) kicks += d;
  EXPECT_NEAR(drifts, 1.0, 1e-15);
  EXPECT_NEAR(kicks, 1.0, 1e-15);
  EXPECT_EQ(Yoshida4::drift[0], Yoshida4::drift[3]);
  EXPECT_EQ(Yoshida4::drift[1], Yoshida4::drift[2]);
  EXPECT_EQ(Yoshida4::kick[0], Yoshida4::kick[2]);
}

TEST(SymplecticStepper, FourthOrderOnHarmonicOscillator) {
  // Error at t = 3 against the closed form, halving dt: log2 of the error ratio
  // is the observed order, 4 for Yoshida (1990).
  const double omega = 1.3, t_end = 3.0, q0 = 1.0, p0 = 0.5;
  const HarmonicOscillator system({omega});
  const SymplecticStepper<HarmonicOscillator> stepper(system);
  const double q_exact = q0 * std::cos(omega * t_end) + p0 / omega * std::sin(omega * t_end);
  const double p_exact = -q0 * omega * std::sin(omega * t_end) + p0 * std::cos(omega * t_end);
  double previous = 0;
  for (std::size_t steps : {15, 30, 60, 120}) {
    std::vector<double> x{q0, p0};
    stepper.advance(std::span<double>(x), 0.0, steps, t_end / double(steps));
    const double error = std::hypot(x[0] - q_exact, x[1] - p_exact);
    if (previous > 0) {
      EXPECT_NEAR(std::log2(previous / error), 4.0, 0.1) << steps << " steps";
    }
    previous = error;
  }
}

TEST(SymplecticStepper, EnergyErrorStaysBoundedWhereRk4Drifts) {
  // Henon-Heiles at E = 1/8 (chaotic orbit), dt = 0.1, 10^5 steps. A symplectic
  // scheme conserves a modified Hamiltonian, so its energy error oscillates
  // without secular growth (Hairer, Lubich & Wanner, Geometric Numerical
  // Integration, Thm. IX.8.1); RK4's error grows linearly in time
  // (Gladman, Duncan & Candy 1991, Celest. Mech. 52, 221). Measured: yoshida4
  // max |dH| 3.1e-6 (first half) and 2.6e-6 (second half); RK4 dH -1.9e-4 at
  // the middle and -3.6e-4 at the end.
  const double dt = 0.1;
  const std::size_t chunks = 100, chunk = 1000;
  const SymplecticStepper<HenonHeiles> yoshida(kHenonHeiles);
  const ExplicitRkStepper<HenonHeiles, ClassicRk4Tableau> rk4(kHenonHeiles);
  std::vector<double> xs(4), xr(4);
  kHenonHeiles.default_state(xs);
  kHenonHeiles.default_state(xr);
  const double e0 = kHenonHeiles.invariant(xs);
  double yoshida_first = 0, yoshida_second = 0, rk4_middle = 0, rk4_end = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    yoshida.advance(std::span<double>(xs), 0.0, chunk, dt);
    rk4.advance(std::span<double>(xr), 0.0, chunk, dt);
    const double ey = std::abs(kHenonHeiles.invariant(xs) - e0);
    (c < chunks / 2 ? yoshida_first : yoshida_second) =
        std::max(c < chunks / 2 ? yoshida_first : yoshida_second, ey);
    if (c + 1 == chunks / 2) rk4_middle = std::abs(kHenonHeiles.invariant(xr) - e0);
    if (c + 1 == chunks) rk4_end = std::abs(kHenonHeiles.invariant(xr) - e0);
  }
  EXPECT_LT(yoshida_first, 1e-5);
  EXPECT_LT(yoshida_second, 1.5 * yoshida_first) << "secular drift of the symplectic scheme";
  EXPECT_GT(rk4_end, 1.6 * rk4_middle) << "RK4 should drift about linearly";
  EXPECT_GT(rk4_end, 20.0 * yoshida_second);
}

TEST(SymplecticStepper, StepsBackWithNegativeDt) {
  // The composition is symmetric (Yoshida 1990), so Phi_{-h} = Phi_h^{-1}: 1000
  // steps forward and 1000 with -dt return to the start up to round-off.
  const SymplecticStepper<HenonHeiles> stepper(kHenonHeiles);
  std::vector<double> x(4), start(4);
  kHenonHeiles.default_state(start);
  x = start;
  stepper.advance(std::span<double>(x), 0.0, 1000, 0.01);
  double moved = 0;
  for (std::size_t i = 0; i < 4; ++i) moved = std::max(moved, std::abs(x[i] - start[i]));
  ASSERT_GT(moved, 0.1);
  stepper.advance(std::span<double>(x), 10.0, 1000, -0.01);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(x[i], start[i], 1e-12) << "component " << i;
}

// Members near the default state, each a deterministic, exactly representable shift.
void fill(EnsembleBlock& block) {
  std::vector<double> x(4);
  kHenonHeiles.default_state(x);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    const double shift = double((block.first_member() + m) % 11) / 1024.0;
    for (std::size_t v = 0; v < 4; ++v) block.at(v, m) = x[v] + (v % 2 ? shift : -shift);
  }
}

TEST(SymplecticStepper, LanesEqualTheScalarPathBitwise) {
  const SymplecticStepper<HenonHeiles> stepper(kHenonHeiles);
  EnsembleBlock whole(4, 13, 0);
  fill(whole);
  std::vector<std::vector<double>> scalar(13, std::vector<double>(4));
  for (std::size_t m = 0; m < 13; ++m) {
    for (std::size_t v = 0; v < 4; ++v) scalar[m][v] = whole.at(v, m);
  }
  EnsembleBlock part(4, 6, 5);  // members 5..10 in other lanes
  fill(part);
  stepper.advance(whole, 0.0, 500, 0.01);
  stepper.advance(part, 0.0, 500, 0.01);
  for (std::size_t m = 0; m < 13; ++m) {
    stepper.advance(std::span<double>(scalar[m]), 0.0, 500, 0.01);
    for (std::size_t v = 0; v < 4; ++v) ASSERT_EQ(whole.at(v, m), scalar[m][v]) << "member " << m;
  }
  for (std::size_t m = 0; m < 6; ++m) {
    for (std::size_t v = 0; v < 4; ++v) ASSERT_EQ(part.at(v, m), whole.at(v, m + 5));
  }
}

TEST(SymplecticStepper, BoundStepperConstrainsToTheEnergySurface) {
  // Henon-Heiles has constrain(): the stepper make_stepper binds to yoshida4
  // projects every lane onto H = energy (through ConstrainedStepper).
  const auto stepper = make_stepper(AnySystem(kHenonHeiles), "yoshida4");
  EnsembleBlock block(4, 7, 0);
  fill(block);
  stepper->constrain(block);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    const std::array<double, 4> s{block.at(0, m), block.at(1, m), block.at(2, m), block.at(3, m)};
    EXPECT_NEAR(kHenonHeiles.invariant(s), kHenonHeiles.energy(), 1e-15) << "member " << m;
  }
}

}  // namespace
}  // namespace butterfly
