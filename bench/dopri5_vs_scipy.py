#!/usr/bin/python3
"""DOPRI5 in butterfly against scipy's solve_ivp(method="RK45") (the same Dormand-Prince 5(4)
pair, error norm, starting step and step-size controller) on Lorenz-63, t in [0, 20],
rtol 1e-6, atol 1e-9, from the same initial states.

butterfly: bench_dopri5_vs_scipy integrates 10^4 members in blocks (DormandPrinceStepper,
per-member step control) and reports seconds per trajectory; scipy is called once per
trajectory, as a scientist would, for the first --sample members. Also timed, for
comparison: scipy with vectorized=True (no help for explicit methods: it only changes how
finite-difference Jacobians are taken) and scipy on the whole ensemble stacked into one
3M-variable system (vectorised numpy rhs, but ONE step sequence shared by all members, with
the RMS error norm over all of them: not per-member control). Prints the speed ratios, the
step counts side by side and the final-state agreement; --json prints the numbers as JSON."""
import argparse
import json
import os
import subprocess
import time

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def lorenz(t, y):
    # Works on one state (3,) and on columns (3, k) (vectorized=True).
    return np.array([SIGMA * (y[1] - y[0]), y[0] * (RHO - y[2]) - y[1], y[0] * y[1] - BETA * y[2]])


def lorenz_stacked(t, y):
    x = y.reshape(-1, 3)  # (members, 3)
    f = np.empty_like(x)
    f[:, 0] = SIGMA * (x[:, 1] - x[:, 0])
    f[:, 1] = x[:, 0] * (RHO - x[:, 2]) - x[:, 1]
    f[:, 2] = x[:, 0] * x[:, 1] - BETA * x[:, 2]
    return f.reshape(-1)


def counts(sol):
    # RK45 evaluates f twice for the starting step and 6 times per attempted step (FSAL).
    accepted = len(sol.t) - 1
    return accepted, (sol.nfev - 2) // 6 - accepted


def butterfly(exe, members, threads, sample, every, args):
    out = subprocess.run(
        [exe, "--members", str(members), "--threads", str(threads), "--sample", str(sample),
         "--t-end", repr(args.t_end), "--every", repr(every), "--rtol", repr(args.rtol),
         "--atol", repr(args.atol)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", default=os.path.join(HERE, "..", "build", "bench",
                                                      "bench_dopri5_vs_scipy"))
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=0, help="butterfly threads (0 = all)")
    parser.add_argument("--sample", type=int, default=10, help="trajectories run in scipy")
    parser.add_argument("--stacked", type=int, default=1000, help="members of the stacked run")
    parser.add_argument("--t-end", type=float, default=20.0)
    parser.add_argument("--rtol", type=float, default=1e-6)
    parser.add_argument("--atol", type=float, default=1e-9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    span = (0.0, args.t_end)

    ours_1 = butterfly(args.exe, args.members, 1, args.sample, args.t_end, args)
    ours_n = butterfly(args.exe, args.members, args.threads, 0, args.t_end, args)
    ours_out = butterfly(args.exe, args.members, 1, 0, 0.1, args)  # output (restart) every 0.1
    rows = []
    scipy_seconds, vectorized_seconds = 0.0, 0.0
    for traj in ours_1["trajectories"]:
        x0 = np.array(traj["x0"])
        begin = time.perf_counter()
        sol = solve_ivp(lorenz, span, x0, method="RK45", rtol=args.rtol, atol=args.atol)
        scipy_seconds += time.perf_counter() - begin
        begin = time.perf_counter()
        solve_ivp(lorenz, span, x0, method="RK45", rtol=args.rtol, atol=args.atol,
                  vectorized=True)
        vectorized_seconds += time.perf_counter() - begin
        reference = solve_ivp(lorenz, span, x0, method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
        accepted, rejected = counts(sol)
        ours, theirs = np.array(traj["final"]), sol.y[:, -1]
        rows.append({"member": traj["member"], "butterfly_accepted": traj["accepted"],
                     "butterfly_rejected": traj["rejected"], "scipy_accepted": accepted,
                     "scipy_rejected": rejected, "scipy_nfev": int(sol.nfev),
                     "max_abs_difference": float(np.max(np.abs(ours - theirs))),
                     "butterfly_error": float(np.max(np.abs(ours - reference))),
                     "scipy_error": float(np.max(np.abs(theirs - reference)))})
    n = len(rows)

    # The stacked ensemble: the first --stacked members of the same initial states.
    j = np.arange(args.stacked) + 1.0
    stacked0 = np.stack([1 + 0.1 * np.sin(j), 1 + 0.1 * np.cos(j), 1 + 0.1 * np.sin(2 * j)], 1)
    begin = time.perf_counter()
    stacked = solve_ivp(lorenz_stacked, span, stacked0.reshape(-1), method="RK45",
                        rtol=args.rtol, atol=args.atol)
    stacked_seconds = time.perf_counter() - begin
    stacked_accepted, stacked_rejected = counts(stacked)

    result = {
        "butterfly_1_thread_s_per_traj": ours_1["seconds_per_trajectory"],
        "butterfly_threads": ours_n["threads"],
        "butterfly_all_threads_s_per_traj": ours_n["seconds_per_trajectory"],
        "butterfly_output_every_0.1_s_per_traj": ours_out["seconds_per_trajectory"],
        "butterfly_mean_accepted": ours_1["accepted_steps"] / ours_1["members"],
        "butterfly_mean_rejected": ours_1["rejected_steps"] / ours_1["members"],
        "butterfly_every_0.1_mean_accepted": ours_out["accepted_steps"] / ours_out["members"],
        "scipy_s_per_traj": scipy_seconds / n,
        "scipy_vectorized_s_per_traj": vectorized_seconds / n,
        "scipy_stacked_s_per_traj": stacked_seconds / args.stacked,
        "scipy_stacked_members": args.stacked,
        "scipy_stacked_accepted": stacked_accepted,
        "scipy_stacked_rejected": stacked_rejected,
        "trajectories": rows,
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return

    b1 = result["butterfly_1_thread_s_per_traj"]
    bn = result["butterfly_all_threads_s_per_traj"]
    print(f"Lorenz-63, t in [0, {args.t_end:g}], rtol {args.rtol:g}, atol {args.atol:g}; "
          f"butterfly {args.members} members, scipy {n} trajectories")
    print(f"{'':34} {'s/trajectory':>13} {'butterfly(1 thread) speed-up':>30}")
    print(f"{'butterfly DOPRI5, 1 thread':34} {b1:>13.3e} {1.0:>30.1f}")
    print(f"{'butterfly DOPRI5, %d threads' % ours_n['threads']:34} {bn:>13.3e} {b1 / bn:>30.2f}")
    print(f"{'butterfly, output every 0.1':34} {result['butterfly_output_every_0.1_s_per_traj']:>13.3e}"
          f" {b1 / result['butterfly_output_every_0.1_s_per_traj']:>30.2f}")
    for name, key in [("scipy RK45, one call per traj.", "scipy_s_per_traj"),
                      ("scipy RK45, vectorized=True", "scipy_vectorized_s_per_traj"),
                      (f"scipy RK45, {args.stacked} stacked", "scipy_stacked_s_per_traj")]:
        print(f"{name:34} {result[key]:>13.3e} {result[key] / b1:>30.0f}")
    print(f"mean steps per member: butterfly {result['butterfly_mean_accepted']:.1f} accepted, "
          f"{result['butterfly_mean_rejected']:.1f} rejected (output every 0.1: "
          f"{result['butterfly_every_0.1_mean_accepted']:.1f} accepted); scipy stacked: "
          f"{stacked_accepted} accepted, {stacked_rejected} rejected (shared by all members)")
    print(f"{'member':>6} {'acc (b/s)':>12} {'rej (b/s)':>10} {'|b - s|':>10} "
          f"{'b error':>10} {'s error':>10}   (error: against DOP853 at 1e-13)")
    for r in rows:
        print(f"{r['member']:>6} {r['butterfly_accepted']:>5}/{r['scipy_accepted']:<6} "
              f"{r['butterfly_rejected']:>4}/{r['scipy_rejected']:<5} "
              f"{r['max_abs_difference']:>10.2e} {r['butterfly_error']:>10.2e} "
              f"{r['scipy_error']:>10.2e}")


if __name__ == "__main__":
    main()
