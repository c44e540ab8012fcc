#!/usr/bin/env bash
# Runs our training-step benchmark and the PyTorch/open_clip reference (../shared/bench/alip_step.py)
# side by side, alternating, each run in its own process, and prints the medians and the ratio of medians.
#
#   Benchmarks/compare-with-pytorch.sh [--mode alip|clip] [--batch 128] [--rounds 5] [--python PY]
#
# Needs a release build (swift build -c release --product alip) and a Python with torch, open_clip_torch,
# numpy (for example a venv: python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install torch
# open_clip_torch h5py). Results (one JSON line per run) are appended to Benchmarks/results/<stamp>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=alip batch=128 rounds=5 py=${PYTHON:-python3} steps=20
ref=${ALIP_BENCH_REFERENCE:-../shared/bench/alip_step.py}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --python) py=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
alip=.build/release/alip
[[ -x $alip ]] || { echo "build first: swift build -c release --product alip" >&2; exit 1; }
[[ -f $ref ]] || { echo "reference script not found at $ref (set ALIP_BENCH_REFERENCE)" >&2; exit 1; }
mkdir -p Benchmarks/results
out=Benchmarks/results/$(date +%Y%m%d-%H%M%S)-$mode-b$batch.jsonl
echo "mode $mode, batch $batch, $rounds alternating rounds; load: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
for r in $(seq 1 "$rounds"); do
  ours=$("$alip" bench step --mode "$mode" --batch "$batch" --steps "$steps" --no-profile --json)
  echo "{\"who\":\"alip-swift\",\"round\":$r,\"result\":$ours}" >> "$out"
  theirs=$("$py" "$ref" --mode "$mode" --batch "$batch" --steps "$steps" --threads 2 | tail -1)
  echo "{\"who\":\"pytorch\",\"round\":$r,\"result\":$theirs}" >> "$out"
  "$py" - "$ours" "$theirs" "$r" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"round {sys.argv[3]}: alip-swift {o['median_ms']:.1f} ms ({o['samples_per_s']:.0f}/s, {o['peak_rss_mib']:.0f} MiB)"
      f" | pytorch {t['median_ms']:.1f} ms ({t['samples_per_s']:.0f}/s, {t['peak_rss_mib']:.0f} MiB)"
      f" | ratio {t['median_ms'] / o['median_ms']:.2f}x")
PY
done
"$py" - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(who, key): return statistics.median(r["result"][key] for r in rows if r["who"] == who)
o, t = med("alip-swift", "median_ms"), med("pytorch", "median_ms")
print(f"median of medians: alip-swift {o:.1f} ms/step, pytorch {t:.1f} ms/step -> alip-swift is {t / o:.2f}x faster "
      f"(samples/s {med('alip-swift', 'samples_per_s'):.0f} vs {med('pytorch', 'samples_per_s'):.0f}); "
      f"GFLOP/s {med('alip-swift', 'gflops'):.0f} vs {med('pytorch', 'achieved_gflops'):.0f}; "
      f"peak RSS {med('alip-swift', 'peak_rss_mib'):.0f} vs {med('pytorch', 'peak_rss_mib'):.0f} MiB "
      f"(ratio {med('alip-swift', 'peak_rss_mib') / med('pytorch', 'peak_rss_mib'):.2f})")
PY
