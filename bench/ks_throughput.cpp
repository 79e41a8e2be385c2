// Throughput of the ETDRK4 stepper alone (no driver, no scores, no output) on the
// Kuramoto-Sivashinsky equation: member-steps per second over blocks of members, and the share
// of the single-thread time spent in FFTW, timed separately by repeating exactly the stepper's
// transforms (per Pack: one forward and one inverse per advance, and per step four nonlinear
// terms of one inverse and one forward each) on the same arrays. Prints JSON; used by
// bench/ks_vs_numpy.py.
//   bench_ks_throughput [--members 1000] [--steps 200] [--threads 1] [--nx 128]
//                       [--length 100.53096491487338] [--dt 0.25] [--block 256] [--repeat 3]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

#include "butterfly/core/ensemble_block.hpp"
#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/etdrk4_stepper.hpp"
#include "butterfly/systems/kuramoto_sivashinsky.hpp"

namespace {

using butterfly::Complex;
using butterfly::EnsembleBlock;
using butterfly::kSpectralLanes;
using Clock = std::chrono::steady_clock;

struct Args {
  std::size_t members = 1000, steps = 200, threads = 1, nx = 128, block = 256, repeat = 3;
  double length = 32.0 * std::numbers::pi, dt = 0.25;
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
    } else if (key == "--threads") {
      a.threads = std::strtoull(value, nullptr, 10);
    } else if (key == "--nx") {
      a.nx = std::strtoull(value, nullptr, 10);
    } else if (key == "--block") {
      a.block = std::strtoull(value, nullptr, 10);
    } else if (key == "--repeat") {
      a.repeat = std::strtoull(value, nullptr, 10);
    } else if (key == "--length") {
      a.length = std::strtod(value, nullptr);
    } else if (key == "--dt") {
      a.dt = std::strtod(value, nullptr);
    } else {
      std::fprintf(stderr, "bench_ks_throughput: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  if (a.members < 1 || a.steps < 1 || a.threads < 1 || a.block < 1 || a.repeat < 1) {
    std::fprintf(stderr, "bench_ks_throughput: counts must be at least 1\n");
    std::exit(2);
  }
  return a;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const butterfly::KuramotoSivashinsky ks({static_cast<double>(a.nx), a.length});
  const butterfly::Etdrk4Stepper<butterfly::KuramotoSivashinsky> stepper(ks);
  const std::size_t n = ks.dimension();

  // Members on the attractor: the spun-up default state plus small distinct offsets.
  std::vector<double> x(n);
  ks.default_state(x);
  stepper.advance(std::span<double>(x), 0.0, 400, a.dt);
  std::vector<EnsembleBlock> blocks;
  for (std::size_t first = 0; first < a.members; first += a.block) {
    blocks.emplace_back(n, std::min(a.block, a.members - first), first);
  }
  const auto fill = [&] {
    for (EnsembleBlock& b : blocks) {
      for (std::size_t m = 0; m < b.stride(); ++m) {
        for (std::size_t i = 0; i < n; ++i) {
          b.at(i, m) = x[i] + 1e-3 * std::sin(static_cast<double>(b.first_member() + m + i));
        }
      }
    }
  };
  const auto time_stepper = [&](std::size_t threads) {
    butterfly::ThreadPool pool(threads);
    double best = 1e300;
    for (std::size_t r = 0; r < a.repeat; ++r) {
      fill();
      const Clock::time_point start = Clock::now();
      pool.parallel_for(blocks.size(), [&](std::size_t b, std::size_t) {
        stepper.advance(blocks[b], 0.0, a.steps, a.dt);
      });
      best = std::min(best, seconds_since(start));
    }
    return best;
  };
  const double seconds = time_stepper(a.threads);
  const double seconds_one = a.threads == 1 ? seconds : time_stepper(1);

  // The same transforms alone, on one thread, on a spun-up state's arrays.
  std::size_t packs = 0;
  for (const EnsembleBlock& b : blocks) packs += b.packs();
  const butterfly::SpectralGrid& grid = ks.grid();
  std::vector<double> physical(n * kSpectralLanes);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t l = 0; l < kSpectralLanes; ++l) physical[i * kSpectralLanes + l] = x[i];
  }
  std::vector<Complex> spectral(grid.modes() * kSpectralLanes);
  double fft_seconds = 1e300;
  for (std::size_t r = 0; r < a.repeat; ++r) {
    const Clock::time_point start = Clock::now();
    for (std::size_t p = 0; p < packs; ++p) {
      grid.forward(physical.data(), spectral.data());
      for (std::size_t s = 0; s < 4 * a.steps; ++s) {
        grid.inverse(spectral.data(), physical.data());
        grid.forward(physical.data(), spectral.data());
      }
      grid.inverse(spectral.data(), physical.data());
    }
    fft_seconds = std::min(fft_seconds, seconds_since(start));
  }

  const double member_steps = static_cast<double>(a.members) * static_cast<double>(a.steps);
  std::printf(
      "{\"system\": \"kuramoto_sivashinsky\", \"scheme\": \"etdrk4\", \"nx\": %zu, \"members\": "
      "%zu, \"steps\": %zu, \"threads\": %zu, \"seconds\": %.6g, \"member_steps_per_second\": "
      "%.6g, \"seconds_one_thread\": %.6g, \"fft_seconds_one_thread\": %.6g, \"fft_share\": "
      "%.4f, \"finite\": %s}\n",
      a.nx, a.members, a.steps, a.threads, seconds, member_steps / seconds, seconds_one,
      fft_seconds, fft_seconds / seconds_one,
      std::isfinite(blocks.front().at(0, 0)) ? "true" : "false");
  return 0;
}
