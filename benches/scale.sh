#!/usr/bin/env bash
# benches/scale.sh - fleet scale (issue 12): pimap over many stores, split into shards, run by
# Spark in local mode, and merged. Writes a dated record benches/runs/<date>-<tag>-scale/
# (README.md with the tables, summary.json, runs.csv, raw/). Not for CI: it takes ~15-20 min
# with the defaults on a 2-core machine (plus ~1 min to generate the fleet the first time) and
# does nothing when CI is set.
#
#   bash benches/scale.sh                                   # from the repository root
#   STORES=4 STORE_MB=4 MERGE_PARTS="10 100" SPARK_SHARDS=4 TINY_SHARDS="1 4" SERIES_STORES=2 \
#     SERIES_PARTS=10 MANY_STORES=2 WALK_FILES=20000 REPEAT=1 SPARK_REPEAT=1 MERGE_REPEAT=1 \
#     bash benches/scale.sh                                   # smoke, ~2 min
#
# Phases (each command's wall, user+sys CPU and peak RSS are taken with wait4 by
# benches/scale_fleet.py, with the CPU other processes used meanwhile):
#   1. fleet      STORES stores of STORE_MB MiB from ../shared/bench/gen-corpus, seeds 1..STORES,
#                 one folder each under $SCALE_DIR/fleet (kept and reused: a stamp beside it
#                 records the parameters, gen-corpus's checksum and every file's name and size)
#   2. scan       `pimap scan STORE1 ... STOREn -o X -q` at -j1 and -j2, REPEAT runs each,
#                 alternating; one --fingerprints scan (-j2) as the reference for merges
#   2b. walk      `pimap scan TREE --shard 1/1000 -j1` on WALK_FILES empty files: what each
#                 shard pays to walk the tree it mostly does not read
#   3. merge      for N in MERGE_PARTS, without and with --fingerprints: N parts made by real
#                 runs (`--shard k/N -j1`, PARALLEL at a time), then `pimap merge` MERGE_REPEAT
#                 times; the merged inventory is compared with the single scan's. Then the
#                 distinct-value series: --fingerprints parts (SERIES_PARTS of them) of the first
#                 S stores for S in SERIES_STORES (the whole fleet is the last point). Then the
#                 same, with and without --fingerprints, for N in MANY_PARTS, on the first
#                 MANY_STORES stores cut into files of MANY_CHUNK bytes (~45,000 files): parts
#                 heavy enough (~100-200 MB) for merge's cost per MB and per part to show
#   3b. refresh   `pimap scan ROOTS --fingerprints --baseline <the single scan> -j1` of the unchanged
#                 fleet and many-files tree, REPEAT runs: the cost of a file taken over
#   4. spark      deploy/spark/pimap_spark.py with --master local[E] for E in SPARK_EXECUTORS and
#                 N in SPARK_SHARDS shards, SPARK_REPEAT runs each, with --timings; and TINY_SHARDS
#                 shards over the "hollow" fleet (same tree, every file empty): fixed cost per
#                 task. The merged inventory of each first run is compared with the single scan's
#   5. report     benches/scale_fleet.py report
#
# Environment (all optional):
#   SCALE_DIR      work directory (default /tmp/pimap-scale): fleet, parts, outputs, Spark scratch
#   STORES         stores in the fleet (default 20)       STORE_MB  MiB per store (default 25)
#   REPEAT         -j1/-j2 runs of the one-process scan (default 3)
#   MERGE_PARTS    part counts (default "10 100 1000")    MERGE_REPEAT  merges per case (default 3)
#   SERIES_STORES  fleet prefixes for the distinct-value series (default "5 10"; "" = none)
#   SERIES_PARTS   parts per series point (default 100)
#   WALK_FILES     files of the empty tree timed with --shard 1/1000 (default 100000; 0 = skip):
#                  the walk every shard repeats
#   MANY_STORES    stores cut into small files for the heavy merges (default 8; 0 = skip)
#   MANY_CHUNK     their size in bytes (default 4096)   MANY_PARTS  part counts (default "10 100")
#   PARALLEL       part-making scans run at once (default: nproc)
#   SPARK_EXECUTORS  local[E] values (default "1 2")     SPARK_SHARDS  (default "8 20")
#   SPARK_REPEAT   runs per Spark case (default 3)
#   TINY_SHARDS    shard counts over the hollow fleet (default "1 20": the first task's cost and
#                  the cost of each further one; "" = skip)
#   SKIP_SPARK=1   no Spark phase (recorded as not measured)
#   SPARK_VENV     venv with pyspark (default target/spark-venv, made by
#                  deploy/spark/test-local.sh --install-only; installed here when missing
#                  unless SPARK_INSTALL=0)
#   NICE           niceness of every measured command (default 10: the machine is shared)
#   BIN            pimap binary to measure (default: cargo build --release, honouring
#                  CARGO_TARGET_DIR); copied to $SCALE_DIR/bin first. BIN_SOURCE says (in the
#                  record) what it was built from
#   FROM_HEAD=1    build the committed HEAD (git archive into $SCALE_DIR/src) instead of the
#                  working tree, so others' uncommitted changes are not measured
#   SHARED         the shared directory (default ../shared)
#   MACHINE_TAG    (default hostname -s)   RUN_DIR (default benches/runs/<date>-<tag>-scale)
#   KEEP_PARTS=1   keep the parts under $SCALE_DIR/parts (default: removed after their merge)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
if [ -n "${CI:-}" ] && [ -z "${SCALE_IN_CI:-}" ]; then
  echo "scale.sh: not run in CI (CI is set; SCALE_IN_CI=1 to force)" >&2
  exit 0
fi

SHARED=${SHARED:-../shared}
SCALE_DIR=${SCALE_DIR:-/tmp/pimap-scale}
STORES=${STORES:-20}
STORE_MB=${STORE_MB:-25}
REPEAT=${REPEAT:-3}
MERGE_PARTS=${MERGE_PARTS:-10 100 1000}
MERGE_REPEAT=${MERGE_REPEAT:-3}
SERIES_STORES=${SERIES_STORES-5 10}
SERIES_PARTS=${SERIES_PARTS:-100}
PARALLEL=${PARALLEL:-$(nproc)}
SPARK_EXECUTORS=${SPARK_EXECUTORS:-1 2}
SPARK_SHARDS=${SPARK_SHARDS:-8 20}
SPARK_REPEAT=${SPARK_REPEAT:-3}
TINY_SHARDS=${TINY_SHARDS-1 20}
FROM_HEAD=${FROM_HEAD:-0}
WALK_FILES=${WALK_FILES:-100000}
MANY_STORES=${MANY_STORES:-8}
MANY_CHUNK=${MANY_CHUNK:-4096}
MANY_PARTS=${MANY_PARTS-10 100}
SKIP_SPARK=${SKIP_SPARK:-0}
SPARK_VENV=${SPARK_VENV:-$REPO/target/spark-venv}
SPARK_INSTALL=${SPARK_INSTALL:-1}
NICE=${NICE:-10}
MACHINE_TAG=${MACHINE_TAG:-$(hostname -s 2>/dev/null || hostname)}
RUN_DIR=${RUN_DIR:-benches/runs/$(date +%F)-$MACHINE_TAG-scale}
GEN=$SHARED/bench/gen-corpus
HELPER=$REPO/benches/scale_fleet.py
KEY=pimap-scale-benchmark-key-000001   # a fixed key: parts must fingerprint alike

log() { printf '[scale.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 2; }
[ -f "$GEN" ] || die "$GEN not found (set SHARED=)"
command -v python3 >/dev/null || die "python3 is needed"
started=$SECONDS

mkdir -p "$RUN_DIR/raw" "$SCALE_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
RAW=$RUN_DIR/raw
SCALE_DIR=$(cd "$SCALE_DIR" && pwd)
: >"$RAW/runs.jsonl"
: >"$RAW/checks.jsonl"
OUT=$SCALE_DIR/out
rm -rf "$OUT" "$SCALE_DIR/parts" "$SCALE_DIR/spark"
mkdir -p "$OUT" "$SCALE_DIR/bin" "$SCALE_DIR/parts"
{
  echo "invocation: $(for v in SCALE_DIR STORES STORE_MB REPEAT MERGE_PARTS MERGE_REPEAT SERIES_STORES \
    SERIES_PARTS WALK_FILES MANY_STORES MANY_CHUNK MANY_PARTS PARALLEL SPARK_EXECUTORS SPARK_SHARDS SPARK_REPEAT TINY_SHARDS SKIP_SPARK NICE FROM_HEAD; do
    printf '%s=%q ' "$v" "${!v}"; done)bash benches/scale.sh"
} >"$RAW/params.txt"

# ---- binary -----------------------------------------------------------------------------
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain -- src detectors data build.rs Cargo.toml Cargo.lock 2>/dev/null | wc -l)
if [ -n "${BIN:-}" ]; then
  source_state="BIN given (${BIN_SOURCE:-its source not stated; set BIN_SOURCE=}); tree at $commit"
elif [ "$FROM_HEAD" = 1 ]; then
  # The committed HEAD, whatever else the working tree holds (git archive only reads).
  log "cargo build --release of HEAD ($commit) from git archive in $SCALE_DIR/src"
  rm -rf "$SCALE_DIR/src"
  mkdir -p "$SCALE_DIR/src"
  git archive HEAD | tar -x -C "$SCALE_DIR/src"
  (cd "$SCALE_DIR/src" && nice -n "$NICE" cargo build --release --locked -q)
  BIN=${CARGO_TARGET_DIR:-$SCALE_DIR/src/target}/release/pimap
  source_state="$commit (built from git archive HEAD: committed sources only)"
else
  log "cargo build --release"
  nice -n "$NICE" cargo build --release --locked -q
  BIN=${CARGO_TARGET_DIR:-target}/release/pimap
  source_state="$commit ($([ "$dirty" -eq 0 ] && echo clean || echo "working tree with $dirty uncommitted source changes"))"
fi
[ -x "$BIN" ] || die "BIN=$BIN is not executable"
cp -- "$BIN" "$SCALE_DIR/bin/pimap"
PIMAP=$SCALE_DIR/bin/pimap
export PIMAP_KEY=$KEY

# ---- fleet ------------------------------------------------------------------------------
FLEET=$SCALE_DIR/fleet
STAMP=$SCALE_DIR/fleet.stamp
gen_sum=$(sha256sum "$GEN" | cut -d' ' -f1)
listing_sum() { (cd "$1" && find . -type f -printf '%P %s\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1); }
store() { printf '%s/store-%02d' "$FLEET" "$1"; }
want_stamp() { echo "stores=$STORES store_mb=$STORE_MB gen=$gen_sum listing=$(listing_sum "$FLEET")"; }
if [ -d "$FLEET" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(want_stamp)" ]; then
  log "reusing fleet $FLEET ($STAMP matches)"
  echo "reused (stamp matched: $(cat "$STAMP"))" >"$RAW/gen-fleet.txt"
else
  log "generating $STORES stores of $STORE_MB MiB into $FLEET"
  rm -rf -- "$FLEET" "$STAMP"
  mkdir -p "$FLEET"
  t0=$SECONDS
  for s in $(seq "$STORES"); do
    nice -n "$NICE" python3 "$GEN" --out "$(store "$s")" --size-mb "$STORE_MB" --seed "$s" >/dev/null
  done
  echo "generated: gen-corpus --out STORE --size-mb $STORE_MB --seed S for S in 1..$STORES, $((SECONDS - t0)) s" \
    >"$RAW/gen-fleet.txt"
  want_stamp >"$STAMP"
fi
ROOTS=()
for s in $(seq "$STORES"); do ROOTS+=("$(store "$s")"); done
python3 "$HELPER" fleet-tsv "${ROOTS[@]}" >"$RAW/fleet.tsv"
fleet_bytes=$(awk -F'\t' '{ s += $3 } END { printf "%d", s }' "$RAW/fleet.tsv")
fleet_files=$(awk -F'\t' '{ s += $2 } END { printf "%d", s }' "$RAW/fleet.tsv")
log "fleet: $STORES stores, $fleet_files files, $fleet_bytes bytes"
log "warming the page cache"
find "$FLEET" -type f -exec cat {} + >/dev/null

# ---- environment ------------------------------------------------------------------------
{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(hostname) (tag $MACHINE_TAG)"
  echo "kernel: $(uname -srm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); nproc $(nproc)"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "pimap source: $source_state"
  echo "pimap binary: $BIN, sha256 $(sha256sum "$PIMAP" | cut -c1-16)... ($("$PIMAP" --version))"
  echo "python3: $(python3 -V 2>&1)"
  echo "java: $(java -version 2>&1 | head -1 || echo none)"
  echo "niceness of measured commands: $NICE"
} >"$RAW/env.txt"
cat "$RAW/env.txt" >&2

# run LABEL META_JSON [--ok CODES] -- CMD...: one measured command (niced) into runs.jsonl.
run() {
  local label=$1 meta=$2
  shift 2
  local ok=(--ok 0)
  if [ "$1" = --ok ]; then ok=(--ok "$2"); shift 2; fi
  shift # --
  python3 "$HELPER" run "$RAW/runs.jsonl" "$label" "$meta" "${ok[@]}" -- nice -n "$NICE" "$@"
}
check() { # WHAT A B: are two inventories equal apart from run timings? -> checks.jsonl
  local result
  result=$(python3 "$HELPER" same "$2" "$3" || true)
  log "check $1: $result"
  python3 -c 'import json, sys; print(json.dumps({"what": sys.argv[1], "result": sys.argv[2]}))' \
    "$1" "$result" >>"$RAW/checks.jsonl"
}

# ---- one process ------------------------------------------------------------------------
for i in $(seq "$REPEAT"); do
  for j in 1 2; do
    run "scan -j$j #$i" "{\"phase\": \"scan\", \"threads\": $j, \"rep\": $i}" -- \
      "$PIMAP" scan "${ROOTS[@]}" -j "$j" -q -o "$OUT/single-j$j.json"
  done
done
check "single scan -j1 vs -j2" "$OUT/single-j1.json" "$OUT/single-j2.json"
run "scan --fingerprints -j2" '{"phase": "scan-fp", "threads": 2}' -- \
  "$PIMAP" scan "${ROOTS[@]}" -j 2 -q --fingerprints -o "$OUT/single-fp.json"

# ---- the walk each shard repeats ---------------------------------------------------------
if [ "$WALK_FILES" -gt 0 ]; then
  WALK=$SCALE_DIR/walk-$WALK_FILES
  if [ ! -f "$WALK.done" ]; then
    log "making a tree of $WALK_FILES empty files in $WALK"
    rm -rf "$WALK"
    python3 "$HELPER" empty-tree "$WALK" "$WALK_FILES"
    touch "$WALK.done"
  fi
  find "$WALK" >/dev/null
  for i in $(seq "$REPEAT"); do
    run "walk $WALK_FILES files #$i" "{\"phase\": \"walk\", \"files\": $WALK_FILES, \"rep\": $i}" -- \
      "$PIMAP" scan "$WALK" --shard 1/1000 -j 1 -q -o "$OUT/walk.json"
  done
fi

# ---- parts and merges -------------------------------------------------------------------
# make_and_merge SERIES N FP ROOT...: N parts by real runs, then MERGE_REPEAT merges, checked
# against the single scan of the same roots.
make_and_merge() {
  local series=$1 n=$2 fp=$3
  shift 3
  local dir=$SCALE_DIR/parts/$series-$n-fp$fp fpflag=() ref
  [ "$fp" = 1 ] && fpflag=(--fingerprints)
  rm -rf "$dir"
  mkdir -p "$dir"
  # Every part is a separate pimap process that walks all the roots and reads its shard.
  # shellcheck disable=SC2016  # the inner script expands its own arguments
  run "make $n parts ($series, fp=$fp)" \
    "{\"phase\": \"parts\", \"series\": \"$series\", \"stores\": $#, \"parts\": $n, \"fingerprints\": $fp}" -- \
    bash -c 'n=$1 dir=$2 par=$3 bin=$4; shift 4
             seq 1 "$n" | xargs -P "$par" -I{} "$bin" scan "$@" --shard "{}/$n" -j 1 -q -o "$dir/part-{}.json"' \
    _ "$n" "$dir" "$PARALLEL" "$PIMAP" "$@" "${fpflag[@]}"
  local parts=() k
  for k in $(seq "$n"); do parts+=("$dir/part-$k.json"); done
  local info
  info=$(python3 - "${parts[@]}" <<'PY'
import json, os, sys
empty = sum(1 for p in sys.argv[1:] if not json.load(open(p))["files"])
print(json.dumps({"parts_bytes": sum(os.path.getsize(p) for p in sys.argv[1:]), "empty_parts": empty}))
PY
)
  # The part-making run's record gets the empty-part count too.
  python3 - "$RAW/runs.jsonl" "$info" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
last = json.loads(lines[-1]); last.update(json.loads(sys.argv[2])); lines[-1] = json.dumps(last, ensure_ascii=False)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
  local i meta
  for i in $(seq "$MERGE_REPEAT"); do
    meta=$(python3 -c 'import json, sys; d = json.loads(sys.argv[1]); d.update(phase="merge", series=sys.argv[2], parts=int(sys.argv[3]), fingerprints=int(sys.argv[4]), rep=int(sys.argv[5])); print(json.dumps(d))' \
      "$info" "$series" "$n" "$fp" "$i")
    run "merge $n parts ($series, fp=$fp) #$i" "$meta" -- \
      "$PIMAP" merge "${parts[@]}" -o "$OUT/merged-$series-$n-fp$fp.json" -q
  done
  python3 - "$RAW/runs.jsonl" "$OUT/merged-$series-$n-fp$fp.json" <<'PY'
import json, os, sys
lines = open(sys.argv[1]).read().splitlines()
size = os.path.getsize(sys.argv[2])
out = []
for line in lines:
    r = json.loads(line)
    if r.get("phase") == "merge" and r["cmd"][-2] == sys.argv[2]:
        r["merged_bytes"] = size
    out.append(json.dumps(r, ensure_ascii=False))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
  ref=$OUT/single-$series-fp$fp.json
  [ "$series" = fleet ] && { [ "$fp" = 1 ] && ref=$OUT/single-fp.json || ref=$OUT/single-j1.json; }
  check "merge $series $n fp=$fp" "$OUT/merged-$series-$n-fp$fp.json" "$ref"
  [ "${KEEP_PARTS:-0}" = 1 ] || rm -rf "$dir"
}

for fp in 0 1; do
  for n in $MERGE_PARTS; do
    log "parts: $n shards of the fleet, fingerprints=$fp"
    make_and_merge fleet "$n" "$fp" "${ROOTS[@]}"
  done
done
for s in $SERIES_STORES; do
  [ "$s" -lt "$STORES" ] || continue
  log "distinct-value series: first $s stores, $SERIES_PARTS parts with --fingerprints"
  run "scan --fingerprints first-$s -j2" "{\"phase\": \"scan-series\", \"stores\": $s}" -- \
    "$PIMAP" scan "${ROOTS[@]:0:$s}" -j 2 -q --fingerprints -o "$OUT/single-first$s-fp1.json"
  make_and_merge "first$s" "$SERIES_PARTS" 1 "${ROOTS[@]:0:$s}"
done

# Many small files: the first MANY_STORES stores cut into files of about MANY_CHUNK bytes, so
# that the parts (and, with --fingerprints, their values) weigh enough for merge to show its
# cost per MB, and the walk per shard is long enough to see.
if [ "$MANY_STORES" -gt 0 ] && [ -n "$MANY_PARTS" ]; then
  [ "$MANY_STORES" -le "$STORES" ] || MANY_STORES=$STORES
  MANY=$SCALE_DIR/many-$MANY_STORES-$MANY_CHUNK
  many_stamp="$(cat "$STAMP") many_stores=$MANY_STORES chunk=$MANY_CHUNK helper=$(sha256sum "$HELPER" | cut -c1-16)"
  if [ ! -f "$MANY.stamp" ] || [ "$(cat "$MANY.stamp")" != "$many_stamp" ]; then
    log "cutting the first $MANY_STORES stores into files of about $MANY_CHUNK bytes in $MANY"
    rm -rf "$MANY" "$MANY.stamp"
    python3 "$HELPER" split "$MANY" "$MANY_CHUNK" "${ROOTS[@]:0:$MANY_STORES}" >/dev/null
    echo "$many_stamp" >"$MANY.stamp"
  fi
  MROOTS=()
  for s in $(seq "$MANY_STORES"); do MROOTS+=("$MANY/$(basename "$(store "$s")")"); done
  python3 "$HELPER" fleet-tsv "${MROOTS[@]}" >"$RAW/many-files.tsv"
  many_files=$(awk -F'\t' '{ s += $2 } END { printf "%d", s }' "$RAW/many-files.tsv")
  many_bytes=$(awk -F'\t' '{ s += $3 } END { printf "%d", s }' "$RAW/many-files.tsv")
  log "many small files: $many_files files, $many_bytes bytes"
  find "$MANY" -type f -exec cat {} + >/dev/null
  for fp in 0 1; do
    fpflag=()
    [ "$fp" = 1 ] && fpflag=(--fingerprints)
    run "scan many files fp=$fp -j2" "{\"phase\": \"scan-many\", \"threads\": 2, \"stores\": $MANY_STORES, \"fingerprints\": $fp, \"files_scanned\": $many_files, \"bytes_scanned\": $many_bytes}" -- \
      "$PIMAP" scan "${MROOTS[@]}" -j 2 -q "${fpflag[@]}" -o "$OUT/single-many-fp$fp.json"
    for n in $MANY_PARTS; do
      log "parts: $n shards of the many-files tree, fingerprints=$fp"
      make_and_merge many "$n" "$fp" "${MROOTS[@]}"
    done
  done
fi

# ---- refresh of an unchanged tree (--baseline): what each unchanged file costs ----------
# refresh SERIES BASELINE FILES ROOT...
refresh() {
  local series=$1 base=$2 files=$3 i
  shift 3
  for i in $(seq "$REPEAT"); do
    run "refresh $series unchanged #$i" "{\"phase\": \"refresh\", \"series\": \"$series\", \"threads\": 1, \"files_scanned\": $files, \"baseline_bytes\": $(stat -c %s "$base"), \"rep\": $i}" -- \
      "$PIMAP" scan "$@" --fingerprints -j 1 -q --baseline "$base" -o "$OUT/refresh-$series.json"
  done
  python3 - "$OUT/refresh-$series.json" "$files" "$RAW/checks.jsonl" "$series" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["changes"]
ok = c["reused"] == int(sys.argv[2]) and c["rescanned"] == 0
result = ("OK" if ok else "FAILED") + f": reused {c['reused']}, rescanned {c['rescanned']} of {sys.argv[2]} files"
print(f"[scale.sh] check refresh {sys.argv[4]}: {result}", file=sys.stderr)
with open(sys.argv[3], "a") as f:
    f.write(json.dumps({"what": f"refresh {sys.argv[4]} reused every file", "result": result}) + "\n")
PY
}
log "refresh of the unchanged fleet against its --fingerprints inventory"
refresh fleet "$OUT/single-fp.json" "$fleet_files" "${ROOTS[@]}"
if [ -f "$OUT/single-many-fp1.json" ]; then
  log "refresh of the unchanged many-files tree"
  refresh many "$OUT/single-many-fp1.json" "$many_files" "${MROOTS[@]}"
fi

# ---- Spark ------------------------------------------------------------------------------
SPARK_JOB=$REPO/deploy/spark/pimap_spark.py
spark_status=""
if [ "$SKIP_SPARK" = 1 ]; then
  spark_status="not measured: SKIP_SPARK=1"
elif [ ! -f "$SPARK_JOB" ]; then
  spark_status="not measured: $SPARK_JOB does not exist"
else
  if [ ! -x "$SPARK_VENV/bin/spark-submit" ] && [ "$SPARK_INSTALL" = 1 ]; then
    log "installing pyspark into $SPARK_VENV (deploy/spark/test-local.sh --install-only)"
    PIMAP_SPARK_VENV=$SPARK_VENV bash deploy/spark/test-local.sh --install-only ||
      spark_status="not measured: deploy/spark/test-local.sh --install-only failed"
  fi
  if [ -z "$spark_status" ] && [ ! -x "$SPARK_VENV/bin/spark-submit" ]; then
    spark_status="not measured: no $SPARK_VENV/bin/spark-submit"
  fi
  command -v java >/dev/null || spark_status="not measured: java is not on PATH"
fi
if [ -z "$spark_status" ]; then
  SW=$SCALE_DIR/spark
  mkdir -p "$SW/local" "$SW/tmp" "$RAW/spark"
  echo "pyspark: $("$SPARK_VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>&1)" >>"$RAW/env.txt"
  # spark LABEL PHASE EXECUTORS SHARDS REP OUT ROOT...
  spark() {
    local label=$1 phase=$2 ex=$3 n=$4 rep=$5 out=$6
    shift 6
    local timings=$RAW/spark/timings-$phase-local$ex-$n-$rep.json
    run "$label" "{\"phase\": \"$phase\", \"master\": \"local[$ex]\", \"executors\": $ex, \"shards\": $n, \"rep\": $rep, \"timings\": \"$timings\"}" -- \
      env SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_DIRS="$SW/local" TMPDIR="$SW/tmp" \
      PYSPARK_PYTHON="$SPARK_VENV/bin/python" PYSPARK_DRIVER_PYTHON="$SPARK_VENV/bin/python" \
      "$SPARK_VENV/bin/spark-submit" --master "local[$ex]" \
      --driver-java-options "-Dlog4j2.configurationFile=file:$REPO/deploy/spark/log4j2-quiet.properties -Djava.io.tmpdir=$SW/tmp -XX:-UsePerfData" \
      --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
      --conf spark.ui.enabled=false \
      "$SPARK_JOB" --pimap "$PIMAP" --shards "$n" --out "$out" --timings "$timings" -- "$@" \
      2>>"$RAW/spark/spark-stderr.txt"
  }
  if ! (
    for rep in $(seq "$SPARK_REPEAT"); do
      for ex in $SPARK_EXECUTORS; do
        for n in $SPARK_SHARDS; do
          log "Spark local[$ex], $n shards, run $rep"
          echo "== local[$ex] $n shards run $rep" >>"$RAW/spark/spark-stderr.txt"
          spark "spark local[$ex] $n shards #$rep" spark "$ex" "$n" "$rep" "$OUT/spark-$ex-$n.json" "${ROOTS[@]}"
          [ "$rep" != 1 ] || check "spark local[$ex] $n shards" "$OUT/spark-$ex-$n.json" "$OUT/single-j1.json"
        done
      done
    done
  ); then
    spark_status="FAILED (see raw/spark/spark-stderr.txt): $(grep -m1 'pimap_spark:' "$RAW/spark/spark-stderr.txt" || tail -1 "$RAW/spark/spark-stderr.txt")"
  fi
  if [ -z "$spark_status" ] && [ -n "$TINY_SHARDS" ]; then
    HOLLOW=$SCALE_DIR/hollow
    rm -rf "$HOLLOW"
    HROOTS=()
    for s in $(seq "$STORES"); do
      python3 "$HELPER" hollow "$(store "$s")" "$HOLLOW/$(basename "$(store "$s")")"
      HROOTS+=("$HOLLOW/$(basename "$(store "$s")")")
    done
    if ! (
      for rep in $(seq "$SPARK_REPEAT"); do
        for ex in $SPARK_EXECUTORS; do
          for n in $TINY_SHARDS; do
            log "Spark local[$ex], $n shards over the hollow fleet, run $rep"
            echo "== hollow local[$ex] $n shards run $rep" >>"$RAW/spark/spark-stderr.txt"
            spark "spark hollow local[$ex] $n shards #$rep" spark-tiny "$ex" "$n" "$rep" \
              "$OUT/spark-hollow-$ex-$n.json" "${HROOTS[@]}"
          done
        done
      done
    ); then
      spark_status="FAILED on the hollow fleet (see raw/spark/spark-stderr.txt)"
    fi
  fi
  [ -n "$spark_status" ] || spark_status="measured (pimap_spark.py $(sha256sum "$SPARK_JOB" | cut -c1-16)..., $(grep -c '' "$RAW/spark/spark-stderr.txt") lines of stderr in raw/spark/spark-stderr.txt)"
fi
echo "$spark_status" >"$RAW/spark-status.txt"
log "Spark: $spark_status"

# ---- report -----------------------------------------------------------------------------
echo "scale.sh took $((SECONDS - started)) s (fleet generation included if it ran)" >>"$RAW/params.txt"
python3 "$HELPER" report "$RUN_DIR" >&2
log "done in $((SECONDS - started)) s: $RUN_DIR/README.md"
