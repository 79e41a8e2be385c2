#!/usr/bin/python3
"""butterfly against the numpy baseline (peers/lorenz96_numpy.py), Lorenz-96 N=40, RK4, 10^4 members.

Runs, in one go:
  1. `butterfly run` with 10^4 members x 2 starts, 10 time units (1000 RK4 steps of dt=0.01)
     and an output every 1 time unit (11 outputs), --json; its member_steps_per_second
     (members x starts x length/dt over the run's wall time, scoring and NetCDF output
     included);
  2. the same with an output every 0.1 time units (101 outputs: ten times the scoring and I/O);
  3. peers/lorenz96_numpy.py at the same member count (DAPPER-style numpy RK4, no scoring, no I/O);
then prints the rates, the butterfly/numpy ratio and the fraction of the machine's
double-precision peak that the butterfly run reaches -- with everything included, and for the
kernel alone, estimated by extrapolating the wall times of runs 1 and 2 (11 and 101 outputs)
linearly to zero outputs.

Flops per member-step, counted by hand from the code (a fused multiply-add counts 2):
  src/butterfly/systems/lorenz96.hpp, rhs: dxdt_i = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F
      1 sub + 1 mul + 1 sub + 1 add                        =  4 flops per variable per rhs
      4 rhs evaluations per RK4 step                       = 16 N
  src/butterfly/integrators/explicit_runge_kutta.hpp, stage states y = x + (h a_sj) k_j:
      stages 2..4 each have one nonzero a_sj (h a_sj is a scalar, hoisted): 1 FMA = 2 flops
      per variable and stage                               =  6 N
  final combination: increment = b_0 k_0 (1 mul) + b_1 k_1 + b_2 k_2 + b_3 k_3 (3 FMA = 6),
      x += h increment (1 FMA = 2)                         =  9 N
  total                                                    = 31 N = 1240 flops for N = 40
(the stage times t + c_s h are per step, not per variable, and are not counted).
Peak = cores x GHz x 16 (AVX2 + FMA: 2 FMA units x 4 doubles x 2 flops per cycle), with the
GHz read from /proc/cpuinfo 'cpu MHz' (the nominal clock the kernel reports, not the turbo
clock, so the fraction can overstate what the hardware allowed).

Usage: /usr/bin/python3 bench/compare_numpy.py [--butterfly build/butterfly] [--repeat 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

N = 40
FLOPS_PER_VARIABLE = 16 + 6 + 9            # rhs x 4, stage updates, final combination
FLOPS_PER_MEMBER_STEP = FLOPS_PER_VARIABLE * N
FLOPS_PER_CYCLE_PER_CORE = 16               # AVX2 + FMA: 2 units x 4 doubles x 2 flops


def cpu_info():
    model, mhz = "unknown", []
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name":
                model = value.strip()
            elif key == "cpu MHz":
                mhz.append(float(value))
    cores = len(os.sched_getaffinity(0))
    return model, cores, (max(mhz) if mhz else float("nan"))


def run_butterfly(butterfly, members, every, threads, repeat):
    """Best member_steps_per_second of `repeat` runs (and that run's JSON)."""
    best = None
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        out = os.path.join(tmp, "bench.nc")
        for _ in range(repeat):
            cmd = [butterfly, "run", "--set", "system.name=lorenz96", "--set", f"system.n={N}",
                   "--set", f"ensemble.members={members}", "--set", "ensemble.starts=2",
                   "--set", "run.spinup=1", "--set", "run.length=10",
                   "--set", f"output.every={every}", "--threads", str(threads), "--json",
                   "-o", out]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr}")
            summary = json.loads(r.stdout)
            if best is None or summary["member_steps_per_second"] > best["member_steps_per_second"]:
                best = summary
    return best


def run_numpy(members, repeat):
    best = None
    for _ in range(repeat):
        r = subprocess.run([sys.executable, os.path.join(HERE, "peers", "lorenz96_numpy.py"),
                            "--members", str(members), "--n", str(N)],
                           capture_output=True, text=True, check=True)
        summary = json.loads(r.stdout)
        if best is None or summary["member_steps_per_second"] > best["member_steps_per_second"]:
            best = summary
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--butterfly", default=os.path.join(ROOT, "build", "butterfly"),
                        help="the butterfly executable (default: build/butterfly)")
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args()

    model, cores, mhz = cpu_info()
    ghz = mhz / 1000.0
    peak = cores * ghz * 1e9 * FLOPS_PER_CYCLE_PER_CORE

    b1 = run_butterfly(args.butterfly, args.members, 1, args.threads, args.repeat)
    b01 = run_butterfly(args.butterfly, args.members, 0.1, args.threads, args.repeat)
    npy = run_numpy(args.members, args.repeat)

    rate1, rate01 = b1["member_steps_per_second"], b01["member_steps_per_second"]
    rate_np = npy["member_steps_per_second"]
    flops = rate1 * FLOPS_PER_MEMBER_STEP

    version = subprocess.run([args.butterfly, "--version"], capture_output=True,
                             text=True).stdout.strip()
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(args.butterfly)))
    print(f"machine: {model}, {cores} cores, cpu MHz {mhz:.0f} (from /proc/cpuinfo)")
    print(f"binary: {args.butterfly} ({version}, built {built})")
    print(f"Lorenz-96 N={N}, RK4 dt=0.01, {args.members} members, best of {args.repeat}")
    print(f"butterfly ({args.threads} threads), output every 1   : {rate1:12.4g} member-steps/s"
          f"  ({b1['seconds']:.2f} s for 2 starts x 1000 steps)")
    print(f"butterfly ({args.threads} threads), output every 0.1 : {rate01:12.4g} member-steps/s"
          f"  ({b01['seconds']:.2f} s; {rate01 / rate1:.2f} x the rate above)")
    print(f"numpy peer (1 process, np.roll RK4)        : {rate_np:12.4g} member-steps/s"
          f"  ({npy['steps']} steps)")
    print(f"butterfly / numpy: {rate1 / rate_np:.1f} x (output every 1), "
          f"{rate01 / rate_np:.1f} x (output every 0.1)")
    print(f"flops per member-step (L96 RK4, N={N}, counted by hand, FMA = 2): "
          f"{FLOPS_PER_MEMBER_STEP}")
    print(f"peak: {cores} cores x {ghz:.3f} GHz x {FLOPS_PER_CYCLE_PER_CORE} flops/cycle = "
          f"{peak / 1e9:.1f} GFLOP/s")
    print(f"butterfly (output every 1): {flops / 1e9:.2f} GFLOP/s = {100 * flops / peak:.1f} % "
          f"of peak (a lower bound for the kernel: the rate includes scoring and output)")
    # Kernel alone, by linear extrapolation of the wall time to zero outputs:
    # seconds = kernel + outputs x (scoring + writing one output), with 11 and 101 outputs.
    per_output = (b01["seconds"] - b1["seconds"]) / (101 - 11)
    kernel_seconds = b1["seconds"] - 11 * per_output
    kernel_rate = rate1 * b1["seconds"] / kernel_seconds if kernel_seconds > 0 else float("nan")
    kernel_flops = kernel_rate * FLOPS_PER_MEMBER_STEP
    print(f"kernel alone (extrapolated to no outputs; {1e3 * per_output:.1f} ms per output): "
          f"{kernel_rate:.4g} member-steps/s = {kernel_flops / 1e9:.2f} GFLOP/s = "
          f"{100 * kernel_flops / peak:.1f} % of peak")
    if args.json:
        print(json.dumps({
            "cpu": model, "cores": cores, "cpu_mhz": mhz, "members": args.members,
            "threads": args.threads,
            "butterfly_member_steps_per_second": rate1,
            "butterfly_every_0_1_member_steps_per_second": rate01,
            "numpy_member_steps_per_second": rate_np, "ratio": rate1 / rate_np,
            "flops_per_member_step": FLOPS_PER_MEMBER_STEP, "gflops": flops / 1e9,
            "peak_gflops": peak / 1e9, "fraction_of_peak": flops / peak,
            "kernel_member_steps_per_second": kernel_rate,
            "kernel_fraction_of_peak": kernel_flops / peak,
        }))


if __name__ == "__main__":
    main()
