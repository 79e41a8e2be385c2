#!/usr/bin/python3
"""The full Lorenz-96 spectrum (N = 40, F = 8) by Benettin/QR: `butterfly lyapunov` against the
numpy peer peers/lyapunov96_numpy.py, with the same dt, transient, length and renormalisation
interval and one replica each (butterfly: --replicas 1 --threads 1; numpy with
OPENBLAS_NUM_THREADS=1 etc., since a 40 x 40 matmul gains nothing from threads). Both run the
same schedule: the default state carried over the transient, the frame aligned over the
transient, then the length averaged. Prints each side's leading exponents, number of positive
exponents, Kaplan-Yorke dimension, wall and CPU time, and the time ratios numpy / butterfly
(the CPU ratio is the one to trust on a loaded machine; butterfly's CPU time is that of the whole
process, start-up included; its wall time the command's own `seconds`).

Published values for N = 40, F = 8: lambda_1 about 1.7 and D_KY about 27 (Karimi & Paul,
"Extensive chaos in the Lorenz-96 model", Chaos 20, 043105 (2010), arXiv:0906.3496).

Usage: /usr/bin/python3 bench/lyapunov_vs_numpy.py [--butterfly build/butterfly]
           [--length 500] [--transient 50] [--dt 0.01] [--every 10] [--repeat 3]
"""
import argparse
import json
import os
import resource
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def kaplan_yorke(exponents):
    """D_KY = j + (l_1 + ... + l_j) / |l_{j+1}| (Kaplan & Yorke 1979), exponents descending."""
    partial = 0.0
    for j, e in enumerate(exponents):
        if partial + e < 0.0:
            return j + partial / abs(e)
        partial += e
    return float(len(exponents))


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_butterfly(args):
    cpu_begin = children_cpu_seconds()
    out = subprocess.run(
        [args.butterfly, "lyapunov", "--system", "lorenz96", "--dt", repr(args.dt),
         "--transient", repr(args.transient), "--length", repr(args.length),
         "--renormalise-every", str(args.every), "--replicas", "1", "--threads", "1", "--json"],
        check=True, capture_output=True, text=True).stdout
    cpu = children_cpu_seconds() - cpu_begin  # the whole process, start-up included
    result = json.loads(out)
    return sorted(result["exponents"], reverse=True), result["seconds"], cpu


def run_numpy(args):
    env = dict(os.environ, **SINGLE_THREAD)
    out = subprocess.run(
        ["/usr/bin/python3", os.path.join(HERE, "peers", "lyapunov96_numpy.py"), "--dt",
         repr(args.dt), "--transient", repr(args.transient), "--length", repr(args.length),
         "--every", str(args.every)],
        check=True, capture_output=True, text=True, env=env).stdout
    result = json.loads(out)
    return result["exponents"], result["seconds"], result["cpu_seconds"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--butterfly", default=os.path.join(HERE, "..", "build", "butterfly"))
    parser.add_argument("--length", type=float, default=500.0)
    parser.add_argument("--transient", type=float, default=50.0)
    parser.add_argument("--dt", type=float, default=0.01)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="butterfly runs (best time kept)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args()

    runs = [run_butterfly(args) for _ in range(args.repeat)]
    ours = runs[0][0]
    ours_seconds = min(run[1] for run in runs)
    ours_cpu = min(run[2] for run in runs)
    theirs, theirs_seconds, theirs_cpu = run_numpy(args)
    rows = {}
    for name, exps, seconds, cpu in (("butterfly", ours, ours_seconds, ours_cpu),
                                     ("numpy", theirs, theirs_seconds, theirs_cpu)):
        rows[name] = {"leading": exps[:3], "positive": sum(e > 0 for e in exps),
                      "kaplan_yorke": kaplan_yorke(exps), "sum": sum(exps), "seconds": seconds,
                      "cpu_seconds": cpu}
    ratio, cpu_ratio = theirs_seconds / ours_seconds, theirs_cpu / ours_cpu
    if args.json:
        print(json.dumps({"dt": args.dt, "transient": args.transient, "length": args.length,
                          "every": args.every, "results": rows, "ratio": ratio,
                          "cpu_ratio": cpu_ratio}))
        return
    print(f"Lorenz-96 N=40 F=8, RK4 dt={args.dt:g}, transient {args.transient:g}, "
          f"length {args.length:g}, QR every {args.every} steps, one replica")
    print(f"{'':<10} {'lambda_1':>9} {'lambda_2':>9} {'lambda_3':>9} {'positive':>9} "
          f"{'D_KY':>7} {'sum':>9} {'seconds':>9} {'cpu s':>9}")
    for name, r in rows.items():
        l1, l2, l3 = r["leading"]
        print(f"{name:<10} {l1:>9.4f} {l2:>9.4f} {l3:>9.4f} {r['positive']:>9d} "
              f"{r['kaplan_yorke']:>7.3f} {r['sum']:>9.4f} {r['seconds']:>9.3f} "
              f"{r['cpu_seconds']:>9.3f}")
    print(f"time ratio numpy / butterfly: {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU")


if __name__ == "__main__":
    main()
