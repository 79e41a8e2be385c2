#!/usr/bin/python3
"""Threads against MPI ranks for one `butterfly run`, and the bits they give.

One Lorenz-96 experiment (N=40, RK4 dt=0.01, default 10^5 members x 1 start, 10 time units =
1000 steps, an output every time unit, 16 members saved so the comparison covers states too),
run four ways on this machine:
  1 process x 1 thread, 1 process x 2 threads,
  mpirun -n 2 x 1 thread (every rank integrates half the members; rank 0 gathers all of them at
  each output time and scores them with its threads), and
  mpirun -n 2 x 2 threads (4 threads on the 2-core machine: oversubscribed, for information).
Prints the run-loop seconds (`seconds` of the --json summary, rank 0) and the process wall time
(mpirun start-up included), the best of --repeat runs of each, the speed-ups and efficiencies:
  2 threads vs 1 thread: speed-up t(1x1)/t(1x2), efficiency = speed-up / 2;
  2 ranks vs 1 thread:   t(1x1)/t(2x1), efficiency = speed-up / 2;
  2 ranks vs 2 threads:  t(1x2)/t(2x1) (above 1: ranks are faster on the same cores);
and the peak RSS (largest single process: os.wait4 on mpirun covers the ranks it waited for).
Then checks that every output is bit-identical to the 1-thread run: every variable read raw with
netCDF4 (read_all from tests/cli/test_run_reproducibility.py), same dtype, shape and bytes, and the
run-derived global attributes; exits 1 if any differs. No timing is asserted.

Usage: /usr/bin/python3 bench/scale_parallel.py [--butterfly build/butterfly] [--quick]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
from scale_members import DEFAULT_BUTTERFLY, MIB, butterfly_run, experiment, load_average  # noqa: E402
from test_run_reproducibility import read_all  # noqa: E402

# (label, ranks, threads per rank)
CONFIGS = [("1 rank x 1 thread", 1, 1), ("1 rank x 2 threads", 1, 2),
           ("2 ranks x 1 thread", 2, 1), ("2 ranks x 2 threads (oversubscribed)", 2, 2)]


def differences(reference, other):
    """Names of the variables and attributes of `other` that are not bit-identical."""
    ref_vars, ref_attrs = reference
    vars_, attrs = other
    bad = sorted(set(ref_vars) ^ set(vars_))
    for name in set(ref_vars) & set(vars_):
        a, b = ref_vars[name], vars_[name]
        if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
            bad.append(name)
    for name in set(ref_attrs) | set(attrs):
        if name not in ref_attrs or name not in attrs or (
                np.float64(ref_attrs[name]).tobytes() != np.float64(attrs[name]).tobytes()):
            bad.append("@" + name)
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--butterfly", default=DEFAULT_BUTTERFLY,
                        help="the butterfly executable (default: $BUTTERFLY or build/butterfly)")
    parser.add_argument("--quick", action="store_true", help="10^4 members, 2 time units")
    parser.add_argument("--members", type=int, default=None, help="default 1e5 (1e4 --quick)")
    parser.add_argument("--length", type=float, default=None, help="default 10 (2 --quick)")
    parser.add_argument("--repeat", type=int, default=None, help="runs of each; the best counts "
                        "(default 2; 1 with --quick)")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args()
    members = args.members or (10 ** 4 if args.quick else 10 ** 5)
    length = args.length or (2.0 if args.quick else 10.0)
    repeat = args.repeat or (1 if args.quick else 2)
    exp = experiment(members, length, 1.0, saved=16)
    have_mpirun = shutil.which("mpirun") is not None

    print(f"binary: {args.butterfly}; {len(os.sched_getaffinity(0))} cores; load average "
          f"{load_average():.2f} at start")
    print(f"Lorenz-96 N=40, RK4 dt=0.01, {members} members x 1 start, {length:g} time units "
          f"({int(round(length / 0.01))} steps), output every 1, 16 members saved; best of "
          f"{repeat}")
    results, outputs = {}, {}
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        for label, ranks, threads in CONFIGS:
            if ranks > 1 and not have_mpirun:
                print(f"{label}: skipped (no mpirun)")
                continue
            out = os.path.join(tmp, f"r{ranks}t{threads}.nc")
            best = None
            for _ in range(repeat):
                r = butterfly_run(args.butterfly, exp, out, threads, ranks)
                if best is None or r["summary"]["seconds"] < best["summary"]["seconds"]:
                    best = r
            results[label] = {"ranks": ranks, "threads": threads,
                              "run_seconds": best["summary"]["seconds"],
                              "wall_seconds": best["wall"],
                              "member_steps_per_second": best["summary"]["member_steps_per_second"],
                              "peak_rss_mib": best["maxrss_kib"] * 1024 / MIB}
            outputs[label] = read_all(out)

    print(f"{'configuration':<38} {'run s':>7} {'wall s':>7} {'member-steps/s':>15} "
          f"{'max RSS MiB':>11} {'identical':>9}")
    reference = outputs[CONFIGS[0][0]]
    mismatches = {}
    for label, w in results.items():
        bad = differences(reference, outputs[label])
        if bad:
            mismatches[label] = bad
        w["identical"] = not bad
        print(f"{label:<38} {w['run_seconds']:>7.2f} {w['wall_seconds']:>7.2f} "
              f"{w['member_steps_per_second']:>15.3g} {w['peak_rss_mib']:>11.0f} "
              f"{'yes' if not bad else 'NO':>9}")

    def t(label, key="run_seconds"):
        return results[label][key] if label in results else float("nan")

    one, two, mpi, mpi2 = (c[0] for c in CONFIGS)
    for key, what in (("run_seconds", "run loop"), ("wall_seconds", "wall")):
        s_threads = t(one, key) / t(two, key)
        s_ranks = t(one, key) / t(mpi, key)
        print(f"{what}: 2 threads vs 1: speed-up {s_threads:.2f}, efficiency "
              f"{100 * s_threads / 2:.0f} %; 2 ranks vs 1 thread: speed-up {s_ranks:.2f}, "
              f"efficiency {100 * s_ranks / 2:.0f} %; 2 ranks vs 2 threads: "
              f"{t(two, key) / t(mpi, key):.2f}; 2x2 oversubscribed vs 2 threads: "
              f"{t(two, key) / t(mpi2, key):.2f}")
    print(f"load average {load_average():.2f} at end")
    if args.json:
        print(json.dumps(results))
    for label, bad in mismatches.items():
        print(f"NOT bit-identical to '{one}': {label}: {', '.join(bad)}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
