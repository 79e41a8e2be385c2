// Two-layer QG ensemble (pyqg's QGModel setup, 64^2 x 2 layers) advanced by RK4 on the generic
// path (ExplicitRkStepper) or by ETDRK4 (Etdrk4Stepper) on one thread, for bench/qg_vs_numpy.py:
// prints one JSON object with member-steps per second (wall and process CPU time: on a shared
// machine the CPU time is the steadier measure) and the share of the time spent in FFTs.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/integrators/butcher_tableau.hpp"
#include "butterfly/integrators/etdrk4_stepper.hpp"
#include "butterfly/integrators/explicit_rk_stepper.hpp"
#include "butterfly/systems/qg_two_layer.hpp"

namespace {

using butterfly::Complex;
using butterfly::EnsembleBlock;
using butterfly::kSpectralLanes;
using butterfly::QgTwoLayer;

struct Args {
  std::size_t members = 64;
  std::size_t steps = 20;
  std::size_t nx = 64;
  std::string scheme = "rk4";  // or "etdrk4"
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--members") {
      a.members = std::strtoull(value, nullptr, 10);
    } else if (key == "--steps") {
      a.steps = std::strtoull(value, nullptr, 10);
    } else if (key == "--nx") {
      a.nx = std::strtoull(value, nullptr, 10);
    } else if (key == "--scheme") {
      a.scheme = value;
    } else {
      std::fprintf(stderr, "bench_qg_throughput: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  if (a.scheme != "rk4" && a.scheme != "etdrk4") {
    std::fprintf(stderr, "bench_qg_throughput: --scheme must be rk4 or etdrk4\n");
    std::exit(2);
  }
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds_since(std::clock_t start) {
  return double(std::clock() - start) / CLOCKS_PER_SEC;
}

// Seconds per one forward plus one inverse transform of one field of kSpectralLanes members,
// the unit every FFT of the model is made of (process CPU time, best of 5 timings of `reps`
// pairs).
double transform_pair_seconds(const QgTwoLayer& system, std::size_t reps) {
  const butterfly::SpectralGrid& g = system.grid();
  std::vector<double> physical(g.points() * kSpectralLanes);
  std::vector<Complex> spectral(g.modes() * kSpectralLanes);
  for (std::size_t i = 0; i < physical.size(); ++i) physical[i] = std::sin(0.1 * double(i));
  double best = 1e300;
  for (int trial = 0; trial < 5; ++trial) {
    const std::clock_t start = std::clock();
    for (std::size_t r = 0; r < reps; ++r) {
      g.forward(physical.data(), spectral.data());
      g.inverse(spectral.data(), physical.data());
    }
    best = std::min(best, cpu_seconds_since(start) / double(reps));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  auto p = butterfly::default_values(QgTwoLayer::parameters);
  p[0] = double(args.nx);
  const QgTwoLayer system(p);
  const std::size_t n = system.dimension();

  // Members: the default state with a member-dependent amplitude, so no two are equal.
  std::vector<double> x0(n);
  system.default_state(x0);
  EnsembleBlock block(n, args.members, 0);
  for (std::size_t m = 0; m < block.stride(); ++m) {
    for (std::size_t i = 0; i < n; ++i) block.at(i, m) = x0[i] * (1.0 + 0.01 * double(m));
  }
  std::unique_ptr<butterfly::EnsembleStepper> stepper;
  // Transforms per Pack of members per step. RK4 on the generic path: 4 right-hand sides of
  // spectral_rhs, each 2 forward + 2 inverse (state in, tendency out) and nonlinear()'s 6
  // inverse + 4 forward. ETDRK4: 4 nonlinear() per step (plus 2 + 2 per advance() call).
  double pairs_per_pack_step = 0.0;
  if (args.scheme == "rk4") {
    stepper =
        std::make_unique<butterfly::ExplicitRkStepper<QgTwoLayer, butterfly::ClassicRk4Tableau>>(
            system);
    pairs_per_pack_step = 4.0 * 14.0 / 2.0;
  } else {
    stepper = std::make_unique<butterfly::Etdrk4Stepper<QgTwoLayer>>(system);
    pairs_per_pack_step = 4.0 * 10.0 / 2.0 + 2.0 / double(args.steps);
  }
  const double dt = QgTwoLayer::default_dt;
  stepper->advance(block, 0.0, 1, dt);  // warm-up (scratch arrays, coefficients)
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  stepper->advance(block, dt, args.steps, dt);
  const double cpu_seconds = cpu_seconds_since(cpu_start);
  const double seconds = seconds_since(start);
  bool finite = true;
  for (std::size_t i = 0; i < n; ++i) finite = finite && std::isfinite(block.at(i, 0));

  const double pair = transform_pair_seconds(system, 200);
  const double packs = double(block.packs()), member_steps = double(args.members * args.steps);
  const double fft_seconds = pair * pairs_per_pack_step * packs * double(args.steps);
  std::printf(
      "{\"system\": \"qg_two_layer\", \"scheme\": \"%s\", \"nx\": %zu, \"members\": %zu, "
      "\"steps\": %zu, \"seconds\": %.6g, \"member_steps_per_second\": %.6g, "
      "\"cpu_seconds\": %.6g, \"member_steps_per_cpu_second\": %.6g, "
      "\"transform_pair_seconds\": %.6g, \"fft_share\": %.4f, \"finite\": %s}\n",
      args.scheme.c_str(), args.nx, args.members, args.steps, seconds, member_steps / seconds,
      cpu_seconds, member_steps / cpu_seconds, pair, fft_seconds / cpu_seconds,
      finite ? "true" : "false");
  return finite ? 0 : 1;
}
