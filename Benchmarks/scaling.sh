#!/usr/bin/env bash
# Step-time scaling curves of `alip bench step`: batch 64 → 512 at the model's depth, and depth
# (vision and text layers) 1 → 8 at batch 128. Prints a Markdown table per curve: ms per sample relative
# to the smallest batch, and ms per added layer relative to the first (1.00 everywhere = exactly linear).
#
#   Benchmarks/scaling.sh [--mode alip|clip] [--steps 8] [--batches "64 128 256 512"] [--depths "1 2 4 8"]
#
# Needs a release build. One JSON line per point is appended to Benchmarks/results/<stamp>-scaling.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=alip steps=8 batches="64 128 256 512" depths="1 2 4 8"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --depths) depths=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
alip=.build/release/alip
[[ -x $alip ]] || { echo "build first: swift build -c release --product alip" >&2; exit 1; }
mkdir -p Benchmarks/results
out=Benchmarks/results/$(date +%Y%m%d-%H%M%S)-scaling.jsonl
echo "mode $mode, $steps timed steps per point; load: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
for b in $batches; do
  echo "{\"curve\":\"batch\",\"x\":$b,\"result\":$("$alip" bench step --mode "$mode" --batch "$b" --steps "$steps" --warmup 1 --no-profile --json)}" >> "$out"
done
for d in $depths; do
  echo "{\"curve\":\"depth\",\"x\":$d,\"result\":$("$alip" bench step --mode "$mode" --batch 128 --layers "$d" --steps "$steps" --warmup 1 --no-profile --json)}" >> "$out"
done
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
# Batch: time per sample relative to the smallest batch. Depth: the step has a fixed part (patch and
# token embedding, loss, optimizer), so the curve shows the cost of each added layer (the slope from
# the previous point) relative to the first slope.
pts = [r for r in rows if r["curve"] == "batch"]
if pts:
    base = pts[0]["result"]["median_ms"] / pts[0]["x"]
    print("\n| batch | ms/step | ms per sample | vs linear | samples/s | GFLOP/s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for p in pts:
        r = p["result"]; per = r["median_ms"] / p["x"]
        print(f"| {p['x']} | {r['median_ms']:.1f} | {per:.2f} | {per / base:.2f} | {r['samples_per_s']:.0f} | {r['gflops']:.1f} | {r['peak_rss_mib']:.0f} |")
pts = [r for r in rows if r["curve"] == "depth"]
if pts:
    print("\n| layers | ms/step | ms per added layer | vs first slope | GFLOP/s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    first = None
    for i, p in enumerate(pts):
        r = p["result"]
        slope = "–" if i == 0 else (r["median_ms"] - pts[i - 1]["result"]["median_ms"]) / (p["x"] - pts[i - 1]["x"])
        if i == 1: first = slope
        rel = "–" if i == 0 else f"{slope / first:.2f}"
        s = slope if isinstance(slope, str) else f"{slope:.1f}"
        print(f"| {p['x']} | {r['median_ms']:.1f} | {s} | {rel} | {r['gflops']:.1f} | {r['peak_rss_mib']:.0f} |")
PY
