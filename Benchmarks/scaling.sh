#!/usr/bin/env bash
# Step-time scaling curves of `alip bench step`: batch 64 → 512 at the model's depth, and depth
# (vision and text layers) 1 → 8 at batch 128. Prints a Markdown table per curve with ms/step, ms per
# sample (or per layer) and the ratio to the smallest point's per-unit time (1.00 = exactly linear).
#
#   Benchmarks/scaling.sh [--mode alip|clip] [--steps 5] [--batches "64 128 256 512"] [--depths "1 2 4 8"]
#
# Needs a release build. One JSON line per point is appended to Benchmarks/results/<stamp>-scaling.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=alip steps=5 batches="64 128 256 512" depths="1 2 4 8"
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
for curve, unit in (("batch", "sample"), ("depth", "layer")):
    pts = [r for r in rows if r["curve"] == curve]
    if not pts: continue
    base = pts[0]["result"]["median_ms"] / pts[0]["x"]
    print(f"\n| {curve} | ms/step | ms per {unit} | vs linear | samples/s | GFLOP/s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for p in pts:
        r = p["result"]; per = r["median_ms"] / p["x"]
        print(f"| {p['x']} | {r['median_ms']:.1f} | {per:.2f} | {per / base:.2f} | {r['samples_per_s']:.0f} | {r['gflops']:.1f} | {r['peak_rss_mib']:.0f} |")
PY
