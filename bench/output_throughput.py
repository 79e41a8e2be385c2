#!/usr/bin/python3
"""NetCDF write throughput of saved members, and the cost of checkpoints, in `butterfly run`.

Part 1, saved members: Lorenz-96 (N=40, RK4 dt=0.01), default 10^4 members x 1 start, 10 time
units with an output every 0.1 (101 output times), 2 threads, with output.members_saved = 0,
1000 and 10000. Each saved member adds 40 x 101 doubles to the file (uncompressed, chunked one
(time, start) slab at a time). Printed per run: file size, wall time of the process (NetCDF
commit with fsync included), the saved-member rate = (size - size without members) / (wall -
wall without members) in MB/s (10^6 B), and size / wall.

Part 2, checkpoints: default 10^5 members x 1 start, 2 time units with an output every 0.1
(21 output times, 20 checkpoints at most: none after the last output), no saved members, with
run.checkpoint_every off, = 1 (every 10 outputs: 2 checkpoints) and = 0.1 (every output: 20).
Printed: wall time, overhead % against no checkpoints, seconds and MB/s per checkpoint. The
checkpoint is deleted after a successful run, so its size is measured from the same run
stopped with SIGTERM once the first checkpoint exists (butterfly writes one more checkpoint and
exits 130), against the memory model's "checkpoint image" (memory_budget.hpp): (members x 40 +
5 fields x times x starts x 40 + saved x 40 x times x starts) x 8 B.

Every run is the best (shortest wall) of --repeat. Peak RSS (os.wait4) is printed with the
run's memory estimate. Nothing is asserted.

Usage: /usr/bin/python3 bench/output_throughput.py [--butterfly build/butterfly] [--quick]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from scale_members import (DEFAULT_BUTTERFLY, MIB, N, butterfly_run, experiment,  # noqa: E402
                           load_average, memory_estimate)

MB = 1e6


def best_run(butterfly, exp, output, threads, repeat):
    best = None
    for _ in range(repeat):
        r = butterfly_run(butterfly, exp, output, threads)
        r["size"] = os.path.getsize(output)
        if best is None or r["wall"] < best["wall"]:
            best = r
    return best


def checkpoint_size(butterfly, exp, output, threads):
    """Size of the checkpoint a run writes when stopped by SIGTERM, or None if the run ended
    before the first checkpoint appeared."""
    path = output + ".checkpoint"
    child = subprocess.Popen([butterfly, "run"] + exp + ["--threads", str(threads), "-o", output],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while child.poll() is None and not os.path.exists(path):
        time.sleep(0.005)
    if child.poll() is not None:
        return None
    child.send_signal(signal.SIGTERM)
    code = child.wait()
    size = os.path.getsize(path) if code == 130 and os.path.exists(path) else None
    if os.path.exists(path):
        os.remove(path)
    return size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--butterfly", default=DEFAULT_BUTTERFLY,
                        help="the butterfly executable (default: $BUTTERFLY or build/butterfly)")
    parser.add_argument("--quick", action="store_true",
                        help="2000 members (part 1) and 2x10^4 (part 2), one run each")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    members1 = 2000 if args.quick else 10 ** 4
    length1, every = (2.0 if args.quick else 10.0), 0.1
    members2, length2 = (2 * 10 ** 4 if args.quick else 10 ** 5), 2.0
    saved_counts = [0, members1 // 10, members1]
    times1, times2 = int(round(length1 / every)) + 1, int(round(length2 / every)) + 1
    print(f"binary: {args.butterfly}; {args.threads} threads; load average "
          f"{load_average():.2f} at start; best of {repeat}")
    report = {"saved": [], "checkpoint": []}

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        out = os.path.join(tmp, "run.nc")
        print(f"\n1. saved members: Lorenz-96 N={N}, {members1} members x 1 start, "
              f"{length1:g} time units, output every {every:g} ({times1} times)")
        print(f"{'saved':>6} {'saved MB':>9} {'file MB':>9} {'run s':>7} {'wall s':>7} "
              f"{'extra s':>7} {'saved MB/s':>10} {'file/wall MB/s':>14} {'RSS MiB':>8} "
              f"{'est MiB':>8}")
        base = None
        for saved in saved_counts:
            exp = experiment(members1, length1, every, saved=saved)
            r = best_run(args.butterfly, exp, out, args.threads, repeat)
            estimate = memory_estimate(args.butterfly, exp, args.threads)
            volume = saved * N * times1 * 8
            base = base or r
            extra = r["wall"] - base["wall"]
            rate = (r["size"] - base["size"]) / extra / MB if saved and extra > 0 else None
            row = {"saved": saved, "saved_bytes": volume, "file_bytes": r["size"],
                   "run_seconds": r["summary"]["seconds"], "wall_seconds": r["wall"],
                   "extra_seconds": extra, "saved_mb_per_s": rate,
                   "file_mb_per_s": r["size"] / r["wall"] / MB,
                   "peak_rss_mib": r["maxrss_kib"] * 1024 / MIB, "estimate_mib": estimate / MIB}
            report["saved"].append(row)
            rate_text = f"{rate:>10.0f}" if rate else f"{'-' if not saved else 'noise':>10}"
            print(f"{saved:>6} {volume / MB:>9.1f} {r['size'] / MB:>9.1f} "
                  f"{row['run_seconds']:>7.2f} {r['wall']:>7.2f} {extra:>7.2f} {rate_text} "
                  f"{row['file_mb_per_s']:>14.0f} {row['peak_rss_mib']:>8.0f} "
                  f"{row['estimate_mib']:>8.1f}")

        outputs = times2 - 1  # output times after lead 0; no checkpoint after the last one
        print(f"\n2. checkpoints: {members2} members x 1 start, {length2:g} time units, output "
              f"every {every:g} ({times2} times), no saved members")
        size = checkpoint_size(args.butterfly,
                               experiment(members2, length2, every,
                                          extra=[f"run.checkpoint_every={every:g}"]),
                               out, args.threads)
        model = (members2 * N + 5 * times2 * N) * 8
        print(f"checkpoint size (SIGTERM): "
              + (f"{size / MB:.2f} MB" if size else "not measured (run ended first)")
              + f"; model (members x 40 + 5 x {times2} x 40) x 8 B = {model / MB:.2f} MB"
              + (f"; measured / model = {size / model:.3f}" if size else ""))
        print(f"{'checkpoint_every':>16} {'count':>5} {'run s':>7} {'wall s':>7} "
              f"{'overhead':>8} {'s each':>7} {'MB/s':>6} {'RSS MiB':>8} {'est MiB':>8}")
        base = None
        for ck_every in (None, 10 * every, every):
            extra_sets = [f"run.checkpoint_every={ck_every:g}"] if ck_every else []
            exp = experiment(members2, length2, every, extra=extra_sets)
            r = best_run(args.butterfly, exp, out, args.threads, repeat)
            estimate = memory_estimate(args.butterfly, exp, args.threads)
            count = int(round(outputs * every / ck_every)) if ck_every else 0
            base = base or r
            extra = r["wall"] - base["wall"]
            each = extra / count if count else None
            written = (size or model) * count
            row = {"checkpoint_every": ck_every, "count": count,
                   "run_seconds": r["summary"]["seconds"], "wall_seconds": r["wall"],
                   "overhead": extra / base["wall"], "seconds_each": each,
                   "mb_per_s": written / extra / MB if count and extra > 0 else None,
                   "peak_rss_mib": r["maxrss_kib"] * 1024 / MIB, "estimate_mib": estimate / MIB,
                   "checkpoint_bytes": size, "checkpoint_model_bytes": model}
            report["checkpoint"].append(row)
            label = f"{ck_every:g}" if ck_every else "off"
            print(f"{label:>16} {count:>5} {row['run_seconds']:>7.2f} {r['wall']:>7.2f} "
                  f"{100 * row['overhead']:>7.1f}% "
                  + (f"{each:>7.3f} " if each is not None else f"{'-':>7} ")
                  + (f"{row['mb_per_s']:>6.0f} " if row["mb_per_s"] else f"{'-':>6} ")
                  + f"{row['peak_rss_mib']:>8.0f} {row['estimate_mib']:>8.1f}")

    last = report["saved"][-1]
    if last["saved_mb_per_s"]:
        print(f"\nsaved-member writing: {last['saved_mb_per_s']:.0f} MB/s "
              f"({last['saved']} members, {last['saved_bytes'] / MB:.0f} MB); whole file / wall: "
              f"{last['file_mb_per_s']:.0f} MB/s")
    every_out = report["checkpoint"][-1]
    print(f"checkpoint every output: {100 * every_out['overhead']:.1f} % overhead; every 10 "
          f"outputs: {100 * report['checkpoint'][1]['overhead']:.1f} %")
    print(f"load average {load_average():.2f} at end")
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
