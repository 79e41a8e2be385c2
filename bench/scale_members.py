#!/usr/bin/python3
"""Time per member-step and peak memory of `butterfly run` from 10^3 to 10^6 members.

Lorenz-96 (N=40, RK4, dt=0.01), one start, scores only (output.members_saved=0, rank histogram
on as by default), an output every time unit (100 steps), and a run length chosen so that every
run does about the same number of member-steps (--member-steps, default 2e8: 10^6 members x 200
steps ... 10^3 members x 200000 steps), so a flat ns per member-step means a cost linear in the
member count. For each member count it prints:
  - ns per member-step over the run loop (the `seconds` of `butterfly run --json`: truth,
    integration, gathering and scoring of every output, member writing) and over the whole
    process (start-up, result fields, NetCDF commit with fsync included);
  - the peak RSS of the process (ru_maxrss from os.wait4 on the child: this process's own
    maximum, never another child's) and the run's own memory estimate (src/butterfly/app/
    memory_budget.hpp), read from the refusal `butterfly run ... --memory 1K` prints before it
    starts: "the run needs X on rank 0 (...)";
  - the numpy baseline, bench/peers/lorenz96_numpy.py (DAPPER-style np.roll RK4 over a
    (members, 40) array, one core, no scoring, no I/O), at the same member counts with about
    --numpy-member-steps member-steps each, its ns per member-step and peak RSS, and the ratio.
butterfly runs --threads threads (default: every core); numpy's element-wise operations use one
core, so divide the ratio by the thread count for a per-core comparison. Nothing is asserted.

The helpers (run_measured, butterfly_run, memory_estimate) are imported by scale_parallel.py and
output_throughput.py.

Usage: /usr/bin/python3 bench/scale_members.py [--butterfly build/butterfly] [--quick] [--json]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_BUTTERFLY = os.environ.get("BUTTERFLY", os.path.join(ROOT, "build", "butterfly"))
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
          "--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "none"]
N = 40            # Lorenz-96 variables (the default experiment)
DT = 0.01         # its RK4 step
MIB = 2.0 ** 20
UNITS = {"B": 1, "KiB": 2 ** 10, "MiB": 2 ** 20, "GiB": 2 ** 30, "TiB": 2 ** 40}


def experiment(members, length, every, starts=1, saved=0, extra=()):
    """`--set` arguments of a Lorenz-96 twin experiment (spin-up 5, the default seed)."""
    sets = [f"ensemble.members={members}", f"ensemble.starts={starts}", f"run.length={length:g}",
            "run.spinup=5", f"output.every={every:g}", f"output.members_saved={saved}"]
    sets += list(extra)
    return [a for s in sets for a in ("--set", s)]


def run_measured(cmd, stdout_path=None):
    """Runs cmd; returns returncode, wall seconds, the child's peak RSS (KiB, from os.wait4:
    for mpirun, the largest of mpirun and the ranks it waited for), stdout and stderr.
    Output goes through files, so a long JSON summary cannot fill a pipe."""
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        out_path = stdout_path or os.path.join(tmp, "stdout")
        err_path = os.path.join(tmp, "stderr")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            begin = time.perf_counter()
            child = subprocess.Popen(cmd, stdout=out, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - begin
            child.returncode = os.waitstatus_to_exitcode(status)
        with open(out_path) as f:
            stdout = f.read()
        with open(err_path) as f:
            stderr = f.read()
    return {"returncode": child.returncode, "wall": wall, "maxrss_kib": usage.ru_maxrss,
            "stdout": stdout, "stderr": stderr}


def launcher(ranks):
    return MPIRUN + ["-n", str(ranks)] if ranks > 1 else []


def butterfly_run(butterfly, args, output, threads, ranks=1):
    """`butterfly run ARGS --threads T --json -o OUTPUT` (under mpirun when ranks > 1): the
    run_measured record plus 'summary' (rank 0's JSON). Exits on failure."""
    cmd = launcher(ranks) + [butterfly, "run"] + list(args) + [
        "--threads", str(threads), "--json", "-o", output]
    r = run_measured(cmd)
    if r["returncode"] != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r['returncode']}): {r['stderr'][-2000:]}")
    summaries = [line for line in r["stdout"].splitlines() if line.startswith("{")]
    if len(summaries) != 1:
        sys.exit(f"{' '.join(cmd)}: expected one JSON summary, got {len(summaries)} "
                 "(a binary built without MPI prints one per process)")
    r["summary"] = json.loads(summaries[0])
    return r


def memory_estimate(butterfly, args, threads, ranks=1):
    """Bytes the run's memory model gives rank 0, parsed from the refusal with --memory 1K."""
    cmd = [butterfly, "run"] + list(args) + ["--threads", str(threads), "--memory", "1K",
                                              "-o", os.path.join("/tmp", "never-written.nc")]
    if ranks > 1:
        cmd = launcher(ranks) + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    found = re.search(r"the run needs ([0-9.]+) (B|KiB|MiB|GiB|TiB) on rank 0", r.stderr)
    if r.returncode == 0 or not found:
        sys.exit(f"{' '.join(cmd)}: expected a refusal naming the estimate, got "
                 f"({r.returncode}) {r.stderr.strip()[:500]}")
    return float(found.group(1)) * UNITS[found.group(2)]


def numpy_peer(members, member_steps):
    """bench/peers/lorenz96_numpy.py with about member_steps member-steps: its JSON and the
    process's peak RSS."""
    steps = max(3, int(round(member_steps / members)))
    cmd = [sys.executable, os.path.join(HERE, "peers", "lorenz96_numpy.py"),
           "--members", str(members), "--n", str(N), "--steps", str(steps)]
    r = run_measured(cmd)
    if r["returncode"] != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r['returncode']}): {r['stderr'][-2000:]}")
    summary = json.loads(r["stdout"])
    summary["maxrss_kib"] = r["maxrss_kib"]
    return summary


def load_average():
    return os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--butterfly", default=DEFAULT_BUTTERFLY,
                        help="the butterfly executable (default: $BUTTERFLY or build/butterfly)")
    parser.add_argument("--quick", action="store_true",
                        help="10^3..10^5 members, 1e7 member-steps each (about 20 s)")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--member-steps", type=float, default=None,
                        help="member-steps per butterfly run (default 2e8; 1e7 with --quick)")
    parser.add_argument("--numpy-member-steps", type=float, default=None,
                        help="member-steps per numpy run (default 3e6; 1e6 with --quick)")
    parser.add_argument("--numpy-max-members", type=int, default=10 ** 6,
                        help="largest member count given to the numpy peer")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()
    sizes = [10 ** 3, 10 ** 4, 10 ** 5] if args.quick else [10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6]
    member_steps = args.member_steps or (1e7 if args.quick else 2e8)
    numpy_steps = args.numpy_member_steps or (1e6 if args.quick else 3e6)
    every = 1.0

    print(f"binary: {args.butterfly}; {args.threads} threads; load average "
          f"{load_average():.2f} at start")
    print(f"Lorenz-96 N={N}, RK4 dt={DT}, 1 start, output every {every:g} "
          f"({int(round(every / DT))} steps), scores only; about {member_steps:.3g} member-steps "
          f"per run")
    rows = []
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        for members in sizes:
            length = max(every, round(member_steps / (members * round(every / DT))) * every)
            exp = experiment(members, length, every)
            estimate = memory_estimate(args.butterfly, exp, args.threads)
            r = butterfly_run(args.butterfly, exp, os.path.join(tmp, "run.nc"), args.threads)
            steps = int(round(length / DT))
            done = members * steps
            row = {"members": members, "length": length, "steps": steps, "member_steps": done,
                   "run_seconds": r["summary"]["seconds"], "wall_seconds": r["wall"],
                   "ns_per_member_step_run": 1e9 * r["summary"]["seconds"] / done,
                   "ns_per_member_step_wall": 1e9 * r["wall"] / done,
                   "peak_rss_mib": r["maxrss_kib"] * 1024 / MIB,
                   "estimate_mib": estimate / MIB,
                   "state_mib": members * N * 8 / MIB}
            if members <= args.numpy_max_members:
                peer = numpy_peer(members, numpy_steps)
                row["numpy_ns_per_member_step"] = 1e9 / peer["member_steps_per_second"]
                row["numpy_peak_rss_mib"] = peer["maxrss_kib"] * 1024 / MIB
                row["ratio"] = row["numpy_ns_per_member_step"] / row["ns_per_member_step_run"]
            rows.append(row)

    print(f"{'members':>9} {'steps':>7} {'run s':>7} {'wall s':>7} {'ns/ms run':>10} "
          f"{'ns/ms wall':>10} {'RSS MiB':>8} {'est MiB':>8} {'RSS/est':>7} {'state MiB':>9} "
          f"{'numpy ns/ms':>11} {'numpy MiB':>9} {'ratio':>6}")
    for w in rows:
        numpy = (f"{w['numpy_ns_per_member_step']:>11.1f} {w['numpy_peak_rss_mib']:>9.0f} "
                 f"{w['ratio']:>6.1f}" if "ratio" in w else f"{'-':>11} {'-':>9} {'-':>6}")
        print(f"{w['members']:>9} {w['steps']:>7} {w['run_seconds']:>7.2f} "
              f"{w['wall_seconds']:>7.2f} {w['ns_per_member_step_run']:>10.2f} "
              f"{w['ns_per_member_step_wall']:>10.2f} {w['peak_rss_mib']:>8.0f} "
              f"{w['estimate_mib']:>8.1f} {w['peak_rss_mib'] / w['estimate_mib']:>7.2f} "
              f"{w['state_mib']:>9.1f} {numpy}")
    ns = [w["ns_per_member_step_run"] for w in rows]
    print(f"ns per member-step (run loop), {rows[0]['members']:.0e} -> {rows[-1]['members']:.0e}"
          f" members: {ns[0]:.2f} -> {ns[-1]:.2f} (largest / smallest = {max(ns) / min(ns):.2f};"
          f" 1 = cost linear in members)")
    big = [w for w in rows if w["members"] >= 10 ** 5]
    if big:
        print("peak RSS / estimate at >= 1e5 members: " + ", ".join(
            f"{w['members']:.0e}: {w['peak_rss_mib'] / w['estimate_mib']:.2f}" for w in big))
    ratios = [w["ratio"] for w in rows if "ratio" in w]
    if ratios:
        print(f"butterfly ({args.threads} threads) / numpy (1 core): {min(ratios):.1f} - "
              f"{max(ratios):.1f} x")
    print(f"load average {load_average():.2f} at end")
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
