#!/usr/bin/python3
"""Kuramoto-Sivashinsky (N = 128, L = 32 pi, ETDRK4 at dt = 1/4) ensemble throughput at 10^3
members: butterfly against the numpy peer in peers/kuramoto_sivashinsky_numpy.py (ETDRK4 batched
over members: numpy.fft.rfft over axis -1 of a (members, N) array, Kassam-Trefethen
coefficients, 2/3 dealiasing: the same scheme, model and step).

Runs, in one go:
  1. bench_ks_throughput (bench/ks_throughput.cpp, the Etdrk4Stepper alone on blocks of 256
     members, no driver): member-steps/s on 1 and on --threads threads, and the share of the
     single-thread time spent in FFTW's transforms (the same transforms timed alone);
  2. `butterfly run --set system.name=kuramoto_sivashinsky` with 10^3 members, one start, no
     spin-up, scores only (output.members_saved = 0), one output at the end, --run-steps steps:
     its member_steps_per_second (driver, truth, scoring and NetCDF output included; also the
     truth's climatology stretch of analysis/twin_experiment.cpp, 2000 x 100 steps of the
     truth whatever the run length, which a short run does not amortise);
  3. the numpy peer at the same member count (one process; numpy's FFTs use one core);
then prints the rates and the ratios butterfly / numpy (stepper alone and whole run).

Usage: /usr/bin/python3 bench/ks_vs_numpy.py [--butterfly build/butterfly]
           [--bench build/bench/bench_ks_throughput] [--threads 2] [--steps 400]
           [--run-steps 2000] [--repeat 3] [--json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DT = 0.25


def run_json(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


def stepper_rate(bench, members, steps, threads, repeat):
    return run_json([bench, "--members", str(members), "--steps", str(steps), "--threads",
                     str(threads), "--repeat", str(repeat)])


def butterfly_rate(exe, members, steps, threads, repeat):
    length = steps * DT
    best = 0.0
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        for _ in range(repeat):
            out = run_json([exe, "run", "--set", "system.name=kuramoto_sivashinsky",
                            "--set", f"ensemble.members={members}", "--set", "ensemble.starts=1",
                            "--set", "run.spinup=0", "--set", f"integrator.dt={DT}",
                            "--set", f"run.length={length!r}", "--set", f"output.every={length!r}",
                            "--set", "output.members_saved=0",
                            "--set", "output.rank_histogram=false", "--threads", str(threads),
                            "--json", "-o", os.path.join(tmp, "run.nc")])
            best = max(best, out["member_steps_per_second"])
    return best


def numpy_rate(members, steps, repeat):
    peer = os.path.join(HERE, "peers", "kuramoto_sivashinsky_numpy.py")
    return max(run_json(["/usr/bin/python3", peer, "--members", str(members), "--steps",
                         str(steps), "--dt", str(DT)])["member_steps_per_second"]
               for _ in range(repeat))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--butterfly", default=os.path.join(ROOT, "build", "butterfly"))
    parser.add_argument("--bench", default=os.path.join(ROOT, "build", "bench",
                                                        "bench_ks_throughput"))
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--run-steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    one = stepper_rate(args.bench, args.members, args.steps, 1, args.repeat)
    many = stepper_rate(args.bench, args.members, args.steps, args.threads, args.repeat)
    run = butterfly_rate(args.butterfly, args.members, args.run_steps, args.threads, 1)
    peer = numpy_rate(args.members, max(20, args.steps // 10), args.repeat)
    result = {
        "members": args.members, "steps": args.steps, "run_steps": args.run_steps,
        "threads": args.threads,
        "stepper_1_thread": one["member_steps_per_second"],
        "stepper_threads": many["member_steps_per_second"],
        "butterfly_run_threads": run,
        "numpy": peer,
        "ratio_stepper_1_thread": one["member_steps_per_second"] / peer,
        "ratio_stepper_threads": many["member_steps_per_second"] / peer,
        "ratio_run_threads": run / peer,
        "fft_share_1_thread": one["fft_share"],
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"KS N=128 L=32pi ETDRK4 dt={DT}, {args.members} members, member-steps/s")
    print(f"  stepper alone, 1 thread      {result['stepper_1_thread']:12.4g}"
          f"   ({result['ratio_stepper_1_thread']:.1f} x numpy;"
          f" FFT share {100 * result['fft_share_1_thread']:.0f} %)")
    print(f"  stepper alone, {args.threads} threads     {result['stepper_threads']:12.4g}"
          f"   ({result['ratio_stepper_threads']:.1f} x numpy)")
    print(f"  butterfly run, {args.threads} threads     {run:12.4g}"
          f"   ({args.run_steps} steps)"
          f"   ({result['ratio_run_threads']:.1f} x numpy)")
    print(f"  numpy peer (1 core)          {peer:12.4g}")


if __name__ == "__main__":
    main()
