#!/bin/bash
# Peak memory of a scores-only Lorenz-96 run with 10^6 members (one start, no rank histogram,
# no saved members), measured with GNU time -v, against the size of one ensemble state:
# 10^6 members x 40 variables x 8 bytes = 320 MB. Members are stepped block by block and only
# the statistics are kept, so the peak should stay within a small multiple of that state.
#
# Usage: bench/memory_1e6.sh [BUTTERFLY]   (default: build/butterfly, or $BUTTERFLY)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
butterfly="${1:-${BUTTERFLY:-$root/build/butterfly}}"
threads="${THREADS:-2}"

if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (package 'time')" >&2
  apt-get install -y -qq time >/dev/null
fi

tmp="$(mktemp -d /tmp/butterfly-mem.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

/usr/bin/time -v -o "$tmp/time.txt" "$butterfly" run \
  --set system.name=lorenz96 --set system.n=40 \
  --set ensemble.members=1000000 --set ensemble.starts=1 \
  --set run.spinup=1 --set run.length=0.5 --set output.every=0.5 \
  --set output.rank_histogram=false --threads "$threads" --json -o "$tmp/run.nc" \
  >"$tmp/summary.json"

/usr/bin/python3 - "$tmp/time.txt" "$tmp/summary.json" "$tmp/run.nc" <<'PY'
import json, os, re, sys
time_txt, summary = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_txt).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", time_txt).group(1)
state = 10**6 * 40 * 8
rss = rss_kib * 1024
print(f"members 10^6, Lorenz-96 N=40, 1 start, 50 RK4 steps, scores only, "
      f"{summary['member_steps_per_second']:.3g} member-steps/s, wall {wall}")
print(f"peak RSS: {rss_kib} KiB = {rss / 1e6:.0f} MB")
print(f"one ensemble state: 10^6 x 40 x 8 bytes = {state / 1e6:.0f} MB")
print(f"peak RSS / state: {rss / state:.2f}")
print(f"output file: {os.path.getsize(sys.argv[3]) / 1e3:.0f} kB")
PY
