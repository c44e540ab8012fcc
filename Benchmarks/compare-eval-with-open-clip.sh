#!/usr/bin/env bash
# Runs `alip bench eval` and the open_clip loop of Benchmarks/eval_openclip.py over the same 10,000-scene
# manifest, alternating, each run in its own process, and prints the medians and the ratio of medians.
#
#   Benchmarks/compare-eval-with-open-clip.sh [--rounds 3] [--images 10000] [--python PY]
#
# Needs a release build and a Python with torch, torchvision and open_clip_torch (see compare-with-pytorch.sh).
# Results (one JSON line per run) are appended to Benchmarks/results/<stamp>-eval.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 images=10000 py=${PYTHON:-python3}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --images) images=$2; shift 2 ;;
    --python) py=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
alip=.build/release/alip
[[ -x $alip ]] || { echo "build first: swift build -c release --product alip" >&2; exit 1; }
cache=.cache/digit-scenes-$images
manifest=$cache/test.tsv
mkdir -p Benchmarks/results
out=Benchmarks/results/$(date +%Y%m%d-%H%M%S)-eval.jsonl
"$alip" bench eval --cache "$cache" --images "$images" --repeats 1 --json > /dev/null   # generates the manifest once
echo "eval of $images scenes, $rounds alternating rounds; load: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
for r in $(seq 1 "$rounds"); do
  ours=$("$alip" bench eval --manifest "$manifest" --json)
  echo "{\"who\":\"alip-swift\",\"round\":$r,\"result\":$ours}" >> "$out"
  theirs=$("$py" Benchmarks/eval_openclip.py "$manifest" | tail -1)
  echo "{\"who\":\"open_clip\",\"round\":$r,\"result\":$theirs}" >> "$out"
  "$py" - "$ours" "$theirs" "$r" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"round {sys.argv[3]}: alip-swift images {o['encode_images_s']:.2f} s, texts {o['encode_texts_s']:.2f} s, "
      f"retrieval {o['retrieval_s']:.3f} s | open_clip images {t['encode_images_s']:.2f} s, texts {t['encode_texts_s']:.2f} s, "
      f"retrieval {t['retrieval_s']:.3f} s | total ratio {t['total_s'] / o['total_s']:.2f}x")
PY
done
"$py" - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(who, key): return statistics.median(r["result"][key] for r in rows if r["who"] == who)
for key in ("encode_images_s", "encode_texts_s", "retrieval_s", "total_s", "peak_rss_mib"):
    o, t = med("alip-swift", key), med("open_clip", key)
    print(f"{key:16} alip-swift {o:8.3f}  open_clip {t:8.3f}  ratio {t / o:5.2f}x")
PY
