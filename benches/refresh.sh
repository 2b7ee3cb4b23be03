#!/usr/bin/env bash
# benches/refresh.sh - the scheduled-refresh benchmark (issue 5): a re-scan of an unchanged
# tree with `--baseline` must take under 10% of the first scan.
#
#   bash benches/refresh.sh                     # 1 GiB gen-corpus corpus, from the repo root
#   SIZE_MB=64 bash benches/refresh.sh          # quick smoke run
#
# Environment (all optional):
#   CORPUS    corpus directory   (default /tmp/pimap-corpus-1g; generated when missing)
#   SIZE_MB   corpus size in MiB (default 1024)      SEED  gen-corpus seed (default 1)
#   SHARED    the shared directory (default ../shared)
#   REPEAT    timed runs per phase, the median counts (default 3)
#   RUN_DIR   where to write the record (default benches/runs/<date>-<host>-refresh)
#
# Phases, each with a warm page cache (a scheduled scan of a share that did not change):
#   first     full scan, writes the baseline (with --fingerprints, the heaviest inventory)
#   refresh   same tree, --baseline: every file is taken over (stat + 16 KiB of samples each)
#   touched   one file rewritten: it alone is read again
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED=${SHARED:-../shared}
CORPUS=${CORPUS:-/tmp/pimap-corpus-1g}
SIZE_MB=${SIZE_MB:-1024}
SEED=${SEED:-1}
REPEAT=${REPEAT:-3}
HOST=$(hostname -s 2>/dev/null || hostname)
RUN_DIR=${RUN_DIR:-benches/runs/$(date +%F)-$HOST-refresh}

log() { printf '[refresh.sh %s] %s\n' "$(date +%T)" "$*" >&2; }

cargo build --release --locked -q
TMP=$(mktemp -d /tmp/pimap-refresh.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp target/release/pimap "$TMP/pimap"
BIN=$TMP/pimap

if [ ! -d "$CORPUS" ]; then
    log "generating a $SIZE_MB MiB corpus in $CORPUS"
    python3 "$SHARED/bench/gen-corpus" --out "$CORPUS" --size-mb "$SIZE_MB" --seed "$SEED" >/dev/null
fi
# The bench's own key: refresh needs a stable one.
export PIMAP_KEY=pimap-refresh-benchmark-key-0001

# Seconds of one run (wall clock), with the command's status checked.
timed() {
    local start=$EPOCHREALTIME
    "$@" || { local rc=$?; [ "$rc" -eq 1 ] || { log "failed ($rc): $*"; exit 2; }; }
    python3 -c "print(f'{$EPOCHREALTIME - $start:.3f}')"
}

median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }

log "warming the page cache"
find "$CORPUS" -type f -exec cat {} + >/dev/null

first=()
for _ in $(seq "$REPEAT"); do
    first+=("$(timed "$BIN" scan -q "$CORPUS" --fingerprints -o "$TMP/base.json")")
done
refresh=()
for _ in $(seq "$REPEAT"); do
    refresh+=("$(timed "$BIN" scan -q "$CORPUS" --fingerprints --baseline "$TMP/base.json" -o "$TMP/refresh.json")")
done

# One file rewritten (a copy of the tree would double the disk use: restore it afterwards).
victim=$(find "$CORPUS" -type f -name '*.csv' | sort | head -1)
cp -p "$victim" "$TMP/victim.bak"
printf '\n13800000000\n' >>"$victim"
touched=$(timed "$BIN" scan -q "$CORPUS" --fingerprints --baseline "$TMP/base.json" -o "$TMP/touched.json")
cp -p "$TMP/victim.bak" "$victim"

read -r files bytes reused_refresh rescanned_refresh inv_mb < <(python3 - "$TMP" <<'EOF'
import json, os, sys
tmp = sys.argv[1]
base = json.load(open(f"{tmp}/base.json"))
ref = json.load(open(f"{tmp}/refresh.json"))
c = ref["changes"]
print(base["totals"]["files"], base["totals"]["bytes"], c["reused"], c["rescanned"],
      f'{os.path.getsize(f"{tmp}/base.json") / 1e6:.1f}')
EOF
)
read -r reused_touched rescanned_touched < <(python3 -c "
import json; c = json.load(open('$TMP/touched.json'))['changes']; print(c['reused'], c['rescanned'])")

first_m=$(median "${first[@]}")
refresh_m=$(median "${refresh[@]}")
ratio=$(python3 -c "print(f'{$refresh_m / $first_m * 100:.1f}')")
mkdir -p "$RUN_DIR"
cat >"$RUN_DIR/README.md" <<EOF
# Refresh benchmark, $(date +%F) on $HOST

\`bash benches/refresh.sh\` (commit $(git rev-parse --short HEAD)), corpus \`$CORPUS\`
($files files, $((bytes / 1048576)) MiB), $(nproc) cores, warm page cache, median of $REPEAT runs.

| phase | wall seconds | files read | files reused |
|---|---|---|---|
| first scan (--fingerprints) | $first_m (runs: ${first[*]}) | $files | 0 |
| refresh, nothing changed | $refresh_m (runs: ${refresh[*]}) | $rescanned_refresh | $reused_refresh |
| refresh, one file rewritten | $touched | $rescanned_touched | $reused_touched |

**Refresh / first scan: $ratio %** (target: under 10 %). Inventory with fingerprints: $inv_mb MB.
EOF
cat "$RUN_DIR/README.md"
