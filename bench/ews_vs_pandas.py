#!/usr/bin/python3
"""`butterfly ews` against the pandas code ewstools runs (ewstools/core.py TimeSeries:
compute_var -> rolling().var(), compute_auto -> rolling().apply(lambda v:
pd.Series(v).autocorr(lag=1), raw=True), compute_skew -> rolling().skew(), compute_kurt ->
rolling().kurt(), compute_ktau -> corrwith(time, method='kendall')) on one series of --n points
(default 10^6, an AR(1) whose coefficient rises from 0.1 to 0.9), rolling window --window
(default 0.5), no detrending, both end to end from the same CSV file (--format netcdf: the
same NetCDF file, read by pandas through xarray).

butterfly: `butterfly ews --input x.csv --column x --indicators variance,autocorrelation,
skewness,kurtosis --json`, wall time of the process (best of --repeat). pandas: pd.read_csv,
the four rolling indicators and the four Kendall taus, timed in this process. The rolling
apply of the autocorrelation costs O(window) Python-level work per window (10^6 points,
window 0.5: 5 x 10^5 windows of 5 x 10^5 points, hours), so it is timed on --apply-sample
windows and extrapolated linearly to all windows (every window has the same length, so the
cost per window is constant); the script says which numbers are extrapolated. It also checks
that both give the same Kendall taus. Prints the ratios; --json prints the numbers as JSON.

  /usr/bin/python3 bench/ews_vs_pandas.py [--butterfly build/butterfly] [--n 1000000]
"""
import argparse
import json
import os
import resource
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
INDICATORS = ["variance", "autocorrelation", "skewness", "kurtosis"]


def series(n, seed=1):
    rng = np.random.default_rng(seed)
    phi = np.linspace(0.1, 0.9, n)
    eps = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = eps[0]
    for t in range(1, n):  # plain loop: 10^6 steps take about a second
        x[t] = phi[t] * x[t - 1] + eps[t]
    return x


def run_butterfly(exe, path, window, threads):
    source = ["--var", "x"] if path.endswith(".nc") else ["--column", "x"]
    cmd = [exe, "ews", "--input", path, *source, "--window", repr(window), "--indicators",
           ",".join(INDICATORS), "--json"]
    if threads:
        cmd += ["--threads", str(threads)]
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    begin = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - begin
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    return wall, cpu_seconds, json.loads(out)


class Clock:
    """Wall and CPU seconds of a block (CPU time is the fair measure on a shared machine)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def run_pandas(path, window, sample):
    times = {}  # name -> (wall, cpu) seconds
    with Clock() as c:
        if path.endswith(".nc"):
            import xarray as xr  # only for --format netcdf
            with xr.open_dataset(path) as ds:
                state = ds["x"].to_series().reset_index(drop=True)
        else:
            state = pd.read_csv(path)["x"]
    times["read " + os.path.splitext(path)[1][1:]] = (c.wall, c.cpu)
    n = len(state)
    rw = int(window * n)  # ewstools: int(rolling_window * len)
    ews = pd.DataFrame(index=state.index)
    for name, fn in (("variance", lambda r: r.var()), ("skewness", lambda r: r.skew()),
                     ("kurtosis", lambda r: r.kurt())):
        with Clock() as c:
            ews[name] = fn(state.rolling(window=rw))
        times[name] = (c.wall, c.cpu)
    # Autocorrelation: the first `sample` windows only, then scaled to all n - rw + 1.
    windows = n - rw + 1
    sample = min(sample, windows)
    head = state.iloc[:rw + sample - 1]
    with Clock() as c:
        ac = head.rolling(window=rw).apply(lambda v: pd.Series(v).autocorr(lag=1), raw=True)
    times["autocorrelation (extrapolated)"] = (c.wall * windows / sample,
                                               c.cpu * windows / sample)
    time_values = pd.Series(np.arange(n, dtype=float), index=state.index)
    with Clock() as c:
        ktau = ews.corrwith(time_values, method="kendall")
    times["kendall tau x3"] = (c.wall, c.cpu)
    # ewstools computes a fourth tau (the autocorrelation's): one more of the same cost.
    times["kendall tau (autocorrelation, as the others)"] = (c.wall / 3, c.cpu / 3)
    return rw, times, dict(ktau), ac.values[rw - 1:], sample, windows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--butterfly", default=os.path.join(HERE, "..", "build", "butterfly"))
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--window", type=float, default=0.5)
    parser.add_argument("--apply-sample", type=int, default=100,
                        help="autocorrelation windows timed in pandas before extrapolating")
    parser.add_argument("--threads", type=int, default=0, help="butterfly threads (0 = all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=["csv", "netcdf"], default="csv")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        x = series(args.n)
        if args.format == "csv":
            path = os.path.join(tmp, "x.csv")
            pd.DataFrame({"x": x}).to_csv(path, index=False, float_format="%.17g")
        else:
            import xarray as xr
            path = os.path.join(tmp, "x.nc")
            xr.Dataset({"x": ("time", x)}).to_netcdf(path)
        runs = [run_butterfly(args.butterfly, path, args.window, args.threads)
                for _ in range(args.repeat)]
        summary = runs[0][2]
        rw, times, ktau, ac, sample, windows = run_pandas(path, args.window, args.apply_sample)

    b_wall, b_cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    total = [sum(v[i] for v in times.values()) for i in (0, 1)]
    measured = [sum(v[i] for k, v in times.items() if "extrapolated" not in k and "as the" not in k)
                for i in (0, 1)]
    tau_diff = max(abs(summary["indicators"][k]["kendall_tau"] - ktau[k]) for k in ktau)
    result = {
        "n": args.n, "window_points": rw, "windows": windows,
        "butterfly_wall_seconds": b_wall, "butterfly_cpu_seconds": b_cpu,
        "pandas_seconds": {k: {"wall": v[0], "cpu": v[1]} for k, v in times.items()},
        "pandas_total_wall_seconds": total[0], "pandas_total_cpu_seconds": total[1],
        "ratio_total_wall": total[0] / b_wall, "ratio_total_cpu": total[1] / b_cpu,
        "ratio_without_autocorrelation_wall": measured[0] / b_wall,
        "ratio_without_autocorrelation_cpu": measured[1] / b_cpu,
        "autocorrelation_windows_timed": sample,
        "max_kendall_tau_difference": tau_diff,
        "butterfly_window_points": summary["window_points"],
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"series of {args.n} points ({args.format}), window {rw} points ({windows} windows), "
          "no detrending")
    print(f"{'':<54} {'wall s':>10} {'cpu s':>10}")
    print(f"{'butterfly ews, end to end from the file (best of ' + str(args.repeat) + ')':<54} "
          f"{b_wall:10.3f} {b_cpu:10.3f}")
    for k, v in times.items():
        print(f"  pandas {k:<46} {v[0]:10.3f} {v[1]:10.3f}")
    print(f"{'pandas total (read + 4 indicators + 4 taus)':<54} {total[0]:10.1f} {total[1]:10.1f}"
          f"   ratio {total[0] / b_wall:,.0f}x wall, {total[1] / b_cpu:,.0f}x cpu")
    print(f"{'pandas without the autocorrelation (all measured)':<54} {measured[0]:10.3f} "
          f"{measured[1]:10.3f}   ratio {measured[0] / b_wall:.1f}x wall, "
          f"{measured[1] / b_cpu:.1f}x cpu (butterfly still computes all four)")
    print(f"autocorrelation: {sample} of {windows} windows timed, the rest extrapolated")
    print(f"largest Kendall tau difference (variance, skewness, kurtosis): {tau_diff:.2e}")

if __name__ == "__main__":
    main()
