#!/usr/bin/env bash
# A second accuracy check, on data from another generator than the dev store: a 20 MB
# gen-corpus sample with its truth (`../shared/bench/gen-corpus --truth`), scored by
# `../shared/eval-dev/score.py`. gen-corpus writes one truth line per (file, value) with a
# `count`; score.py counts occurrences, so the counts are expanded first. Not a CI gate:
# gen-corpus counts a value once per record even where two fields of the record hold it
# (`buyer.mobile` and `receiver.phone`), which shows up as false positives in `events/`.
# Usage (from the repo root): bash benches/accuracy-gen.sh [SIZE_MB=20] [SEED=7]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${SIZE_MB:-20}
seed=${SEED:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q
../shared/bench/gen-corpus --out "$work/corpus" --size-mb "$size" --seed "$seed" \
  --truth "$work/truth.jsonl" >/dev/null
python3 - "$work/truth.jsonl" "$work/truth.expanded.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in open(sys.argv[1], encoding="utf-8"):
        d = json.loads(line)
        for _ in range(d.pop("count", 1)):
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
PY
python3 ../shared/eval-dev/score.py --corpus "$work/corpus" --truth "$work/truth.expanded.jsonl" \
  --cmd "target/release/pimap scan {corpus} --findings {findings} --reveal -q"
