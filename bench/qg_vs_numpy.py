#!/usr/bin/python3
"""Member-steps per second of the two-layer QG model (pyqg's QGModel setup, 64^2 x 2 layers,
dt = 7200 s) on one core: butterfly's bench_qg_throughput (RK4 on the generic path through
ExplicitRkStepper, and ETDRK4, the system's default scheme) against the numpy peer
bench/peers/qg_two_layer_numpy.py (RK4 on the spectral state, vectorised over members with
numpy.fft.rfft2). Prints both rates, the share of butterfly's time spent in FFTs and the ratios,
by process CPU time (steady on a shared machine; both sides run on one core) and by wall time.
Build first: cmake -S . -B build -G Ninja -DBUTTERFLY_BUILD_BENCHMARKS=ON &&
ninja -C build bench_qg_throughput."""
import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def ours(exe, scheme, members, steps, nx):
    return json.loads(subprocess.run(
        [exe, "--scheme", scheme, "--members", str(members), "--steps", str(steps),
         "--nx", str(nx)], check=True, capture_output=True, text=True).stdout)


def theirs(members, steps, nx):
    return json.loads(subprocess.run(
        ["/usr/bin/python3", os.path.join(HERE, "peers", "qg_two_layer_numpy.py"),
         "--members", str(members), "--steps", str(steps), "--nx", str(nx)],
        check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=os.path.join(HERE, "..", "build", "bench_qg_throughput"))
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--nx", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    def best(runs):
        return max(runs, key=lambda r: r["member_steps_per_cpu_second"])

    numpy_run = best([theirs(args.members, args.steps, args.nx) for _ in range(args.repeat)])
    rows = {"numpy_rk4": numpy_run}
    for scheme in ("rk4", "etdrk4"):
        rows[scheme] = best([ours(args.bench, scheme, args.members, args.steps, args.nx)
                             for _ in range(args.repeat)])
    cpu_base = numpy_run["member_steps_per_cpu_second"]
    wall_base = numpy_run["member_steps_per_second"]
    if args.json:
        print(json.dumps({name: dict(run,
                                     ratio_to_numpy=run["member_steps_per_cpu_second"] / cpu_base,
                                     wall_ratio_to_numpy=run["member_steps_per_second"] / wall_base)
                          for name, run in rows.items()}))
        return
    print(f"{'run':<12} {'member-steps/cpu-s':>19} {'FFT share':>10} {'ratio':>7} "
          f"{'member-steps/s':>15} {'wall ratio':>11}")
    for name, run in rows.items():
        share = f"{run['fft_share']:.0%}" if "fft_share" in run else "-"
        print(f"{name:<12} {run['member_steps_per_cpu_second']:>19.4g} {share:>10} "
              f"{run['member_steps_per_cpu_second'] / cpu_base:>7.2f} "
              f"{run['member_steps_per_second']:>15.4g} "
              f"{run['member_steps_per_second'] / wall_base:>11.2f}")


if __name__ == "__main__":
    main()
