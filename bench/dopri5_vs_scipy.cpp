// Lorenz-63 ensemble under DOPRI5 (DormandPrinceStepper), timed, for bench/dopri5_vs_scipy.py:
// prints one JSON object with the seconds per trajectory, the step counts and, for the
// first few members, their initial and final states and their own accepted/rejected steps.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "butterfly/core/thread_pool.hpp"
#include "butterfly/integrators/dormand_prince_stepper.hpp"
#include "butterfly/systems/lorenz63.hpp"

namespace {

using butterfly::DormandPrinceStepper;
using butterfly::EnsembleBlock;
using butterfly::Lorenz63;

struct Args {
  std::size_t members = 10000;
  std::size_t block = 256;
  std::size_t threads = 1;  // 0 = one per hardware thread
  std::size_t sample = 10;  // members whose states and own step counts are printed
  double t_end = 20.0;
  double every = 20.0;  // output interval: one advance() per interval (a restart each)
  double dt = 0.01;     // output grid unit
  double rtol = 1e-6;
  double atol = 1e-9;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--members") {
      a.members = std::strtoull(value, nullptr, 10);
    } else if (key == "--block") {
      a.block = std::strtoull(value, nullptr, 10);
    } else if (key == "--threads") {
      a.threads = std::strtoull(value, nullptr, 10);
    } else if (key == "--sample") {
      a.sample = std::strtoull(value, nullptr, 10);
    } else if (key == "--t-end") {
      a.t_end = std::strtod(value, nullptr);
    } else if (key == "--every") {
      a.every = std::strtod(value, nullptr);
    } else if (key == "--rtol") {
      a.rtol = std::strtod(value, nullptr);
    } else if (key == "--atol") {
      a.atol = std::strtod(value, nullptr);
    } else {
      std::fprintf(stderr, "bench_dopri5_vs_scipy: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return a;
}

// Member j starts near (1, 1, 1) (Lorenz-63's default state), displaced by up to 0.1.
void initial_state(std::size_t j, double* x) {
  const double s = static_cast<double>(j) + 1.0;
  x[0] = 1.0 + 0.1 * std::sin(s);
  x[1] = 1.0 + 0.1 * std::cos(s);
  x[2] = 1.0 + 0.1 * std::sin(2.0 * s);
}

void print_array(const double* x, std::size_t n) {
  std::printf("[");
  for (std::size_t i = 0; i < n; ++i) std::printf("%s%.17g", i ? ", " : "", x[i]);
  std::printf("]");
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const Lorenz63 system(butterfly::default_values(Lorenz63::parameters));
  butterfly::StepperOptions options;
  options.rtol = args.rtol;
  options.atol = args.atol;
  const DormandPrinceStepper<Lorenz63> stepper(system, options);

  std::vector<EnsembleBlock> blocks;
  for (std::size_t first = 0; first < args.members; first += args.block) {
    blocks.emplace_back(3, std::min(args.block, args.members - first), first);
    EnsembleBlock& b = blocks.back();
    for (std::size_t m = 0; m < b.stride(); ++m) {
      double x[3];
      initial_state(first + std::min(m, b.members() - 1), x);
      for (std::size_t v = 0; v < 3; ++v) b.at(v, m) = x[v];
    }
  }
  const auto steps_per_output = static_cast<std::size_t>(std::llround(args.every / args.dt));
  const auto outputs = static_cast<std::size_t>(std::llround(args.t_end / args.every));

  butterfly::ThreadPool pool(args.threads);
  const auto begin = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < outputs; ++k) {
    const double t0 = static_cast<double>(k * steps_per_output) * args.dt;
    pool.parallel_for(blocks.size(), [&](std::size_t b, std::size_t) {
      stepper.advance(blocks[b], t0, steps_per_output, args.dt);
    });
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const butterfly::StepperStatistics stats = stepper.statistics();

  std::printf("{\"system\": \"lorenz63\", \"scheme\": \"dopri5\", \"members\": %zu, ",
              args.members);
  std::printf("\"threads\": %zu, \"block\": %zu, \"t_end\": %g, \"every\": %g, ", pool.size(),
              args.block, args.t_end, args.every);
  std::printf("\"rtol\": %g, \"atol\": %g, \"seconds\": %.6g, ", args.rtol, args.atol, seconds);
  std::printf("\"seconds_per_trajectory\": %.6g, ", seconds / static_cast<double>(args.members));
  std::printf("\"accepted_steps\": %llu, \"rejected_steps\": %llu, \"failed_members\": %llu, ",
              static_cast<unsigned long long>(stats.accepted_steps),
              static_cast<unsigned long long>(stats.rejected_steps),
              static_cast<unsigned long long>(stats.failed_members));
  std::printf("\"trajectories\": [");
  // The sampled members again, one at a time, for their own step counts: the same code
  // path as in the blocks, so the final states are the blocks' bits (checked below).
  std::vector<double> work(butterfly::dormand_prince_work_size(3));
  for (std::size_t j = 0; j < std::min(args.sample, args.members); ++j) {
    double x0[3], x[3];
    initial_state(j, x0);
    std::memcpy(x, x0, sizeof x);
    butterfly::DormandPrinceCounts total;
    for (std::size_t k = 0; k < outputs; ++k) {
      const double t0 = static_cast<double>(k * steps_per_output) * args.dt;
      const double t1 = static_cast<double>((k + 1) * steps_per_output) * args.dt;
      const butterfly::DormandPrinceCounts c =
          butterfly::dormand_prince_integrate(system, x, t0, t1, options, 3, work.data());
      total.accepted += c.accepted;
      total.rejected += c.rejected;
    }
    const EnsembleBlock& b = blocks[j / args.block];
    bool same = true;
    for (std::size_t v = 0; v < 3; ++v) same = same && b.at(v, j % args.block) == x[v];
    std::printf("%s{\"member\": %zu, \"accepted\": %llu, \"rejected\": %llu, ", j ? ", " : "", j,
                static_cast<unsigned long long>(total.accepted),
                static_cast<unsigned long long>(total.rejected));
    std::printf("\"same_bits_as_block\": %s, \"x0\": ", same ? "true" : "false");
    print_array(x0, 3);
    std::printf(", \"final\": ");
    print_array(x, 3);
    std::printf("}");
  }
  std::printf("]}\n");
  return 0;
}
