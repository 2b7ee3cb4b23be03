#!/usr/bin/env bash
# benches/formats.sh - issue 11's two questions: how fast is each input format per core, and
# how does one big file scale from -j1 to -j2 (and does -j2 give the same results)?
# Writes a small record to benches/runs/<YYYY-MM-DD>-<MACHINE_TAG>-formats/README.md.
#
#   bash benches/formats.sh                               # from the repository root
#   BIN_BEFORE=/tmp/pimap-before bash benches/formats.sh  # before/after columns, speed-up
#   SIZE_MB=16 CORPUS=/tmp/corpus16 BIG_MB=32 XLSX_ROWS=20000 REPEAT=1 bash benches/formats.sh
#
# 1. Per-format CPU throughput: `pimap scan DIR -j1` on each part of the gen-corpus tree
#    (exports = CSV, events = JSON/NDJSON, db = SQL dumps, chat, logs) and on one generated
#    xlsx workbook; MB/s per core = input bytes / (user + sys) CPU seconds, median of REPEAT.
# 2. One big file: a ~BIG_MB CSV (exports files of one header, concatenated) and a ~DUMP_MB
#    mysqldump (benches/gen_dump.py), each scanned with -j1 and -j2 (REPEAT times each,
#    alternating); speed-up = median -j1 wall / median -j2 wall; every run's findings file
#    and inventory (timing fields removed) must equal the first -j1 run's: IDENTICAL or
#    DIFFERENT with the first difference.
#
# Environment (all optional):
#   CORPUS       the 1 GiB gen-corpus tree (default /tmp/corpus1g; generated when missing,
#                as perf.sh does, with the same stamp file beside it)
#   SIZE_MB      corpus size in MiB when generating (default 1024)   SEED  (default 1)
#   SHARED       the shared directory (default ../shared, relative to the repo root)
#   BIN          pimap binary to measure (default: `cargo build --release`, honouring
#                CARGO_TARGET_DIR); it is copied before measuring
#   BIN_BEFORE   a second binary, measured in the same run, alternating with BIN
#   FORMATS      subset of "exports events db chat logs xlsx documents" (default: all)
#   DOCS_MB      size of the generated documents folder (benches/gen_documents.py: PDF,
#                DOCX, PPTX and RTF, a quarter each) in MiB (default 64)
#   XLSX_ROWS    rows of the generated workbook (default 1000000, ~75 MB)
#   BIG_MB       size of the big CSV in MiB (default 1024)
#   DUMP_MB      size of the big SQL dump in MiB (default BIG_MB)
#   BIG_HEADER   the big CSV concatenates the exports files whose header line is the same
#                as that of the largest group whose header contains this text
#                (default 联系手机: Taobao-style orders with mobile, landline, address)
#   WORK         where generated inputs are cached between runs (default /tmp/pimap-bench-formats)
#   REPEAT       timed runs per row, medians count (default 3)
#   SKIP_FORMATS=1, SKIP_BIG=1  leave out part 1 or part 2
#   FINDINGS_TMP where the temporary directory goes (default /tmp): it holds two or three
#                findings files of a big file at once (~5 GB each for the 1 GiB dump)
#   KEEP_TMP=1   keep the temporary directory (binaries, findings, inventories)
#   MACHINE_TAG  machine name in the run directory (default: hostname -s)
#   RUN_DIR      where to write the record (default benches/runs/<date>-<MACHINE_TAG>-formats;
#                an existing default directory gets a -2, -3, ... suffix instead)
#   WAIT_IDLE, MAX_NEIGHBOUR, ATTEMPTS   as in perf.sh: wait up to WAIT_IDLE s (default 120,
#                0 = never) for others to use < 0.25 core before each row; a run during which
#                others used more than MAX_NEIGHBOUR cores (default 0.15) is repeated, up to
#                ATTEMPTS (default 3) times in all
#
# Needs: bash 5 ($EPOCHREALTIME), python3, and cargo unless BIN is given and the xlsx is
# cached. Every run uses a fixed fingerprint key (--key-file), so inventories compare.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED=${SHARED:-../shared}
CORPUS=${CORPUS:-/tmp/corpus1g}
SIZE_MB=${SIZE_MB:-1024}
SEED=${SEED:-1}
FORMATS=${FORMATS:-exports events db chat logs xlsx documents}
DOCS_MB=${DOCS_MB:-64}
XLSX_ROWS=${XLSX_ROWS:-1000000}
BIG_MB=${BIG_MB:-1024}
DUMP_MB=${DUMP_MB:-$BIG_MB}
BIG_HEADER=${BIG_HEADER:-联系手机}
WORK=${WORK:-/tmp/pimap-bench-formats}
REPEAT=${REPEAT:-3}
SKIP_FORMATS=${SKIP_FORMATS:-0}
SKIP_BIG=${SKIP_BIG:-0}
KEEP_TMP=${KEEP_TMP:-0}
WAIT_IDLE=${WAIT_IDLE:-120}
MAX_NEIGHBOUR=${MAX_NEIGHBOUR:-0.15}
ATTEMPTS=${ATTEMPTS:-3}
MACHINE_TAG=${MACHINE_TAG:-$(hostname -s 2>/dev/null || hostname)}
GEN=$SHARED/bench/gen-corpus
HZ=$(getconf CLK_TCK)

log() { printf '[formats.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

[ -n "${EPOCHREALTIME:-}" ] || die "bash 5 or later is needed (\$EPOCHREALTIME)"
command -v python3 >/dev/null || die "python3 is needed (inputs, inventories)"
for n in REPEAT XLSX_ROWS BIG_MB DUMP_MB ATTEMPTS WAIT_IDLE; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, not '${!n}'"
done
{ [ "$REPEAT" -ge 1 ] && [ "$ATTEMPTS" -ge 1 ]; } || die "REPEAT and ATTEMPTS must be at least 1"
for f in $FORMATS; do
  case $f in exports | events | db | chat | logs | xlsx | documents) ;; *) die "unknown format '$f' in FORMATS" ;; esac
done
[ "$SKIP_FORMATS" = 1 ] && [ "$SKIP_BIG" = 1 ] && die "SKIP_FORMATS=1 and SKIP_BIG=1: nothing to do"

TMP=$(mktemp -d "${FINDINGS_TMP:-/tmp}/pimap-formats.XXXXXX")
cleanup() {
  if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf -- "$TMP"; fi
}
trap cleanup EXIT
mkdir -p "$WORK"

# ---- run directory ----------------------------------------------------------------------
DAY=$(date +%F)
if [ -z "${RUN_DIR:-}" ]; then
  RUN_DIR=benches/runs/$DAY-$MACHINE_TAG-formats
  n=2
  while [ -e "$RUN_DIR" ]; do RUN_DIR=benches/runs/$DAY-$MACHINE_TAG-formats-$n; n=$((n + 1)); done
fi
log "record: $RUN_DIR (written at the end)"

# ---- binaries ---------------------------------------------------------------------------
# Pinned copies: someone may rebuild the tree while this runs. Each keeps the name `pimap`
# (workbooks are parsed in a child process that is pimap itself).
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
BIN_GIVEN=${BIN:-}
if [ -n "$BIN_GIVEN" ]; then
  [ -x "$BIN" ] || die "BIN=$BIN is not an executable file"
  built_from="$BIN (given with BIN=)"
else
  TARGET_DIR=${CARGO_TARGET_DIR:-target}
  BIN=$TARGET_DIR/release/pimap
  command -v cargo >/dev/null || die "cargo is needed (or give a binary with BIN=)"
  log "cargo build --release"
  cargo build --release >&2
  [ -x "$BIN" ] || die "$BIN was not built"
  src_paths=(src detectors data build.rs Cargo.toml Cargo.lock)
  dirty=$(git status --porcelain -- "${src_paths[@]}" 2>/dev/null | wc -l)
  built_from="$BIN, built from $commit$([ "$dirty" -gt 0 ] && echo " + $dirty uncommitted changes" || echo " (clean)")"
fi
LABELS=(pimap)
declare -A PIMAP FROM
if [ -n "${BIN_BEFORE:-}" ]; then
  [ -x "$BIN_BEFORE" ] || die "BIN_BEFORE=$BIN_BEFORE is not an executable file"
  LABELS=(before after)
  mkdir -p "$TMP/before"
  cp -- "$BIN_BEFORE" "$TMP/before/pimap"
  PIMAP[before]=$TMP/before/pimap
  FROM[before]="$BIN_BEFORE (given with BIN_BEFORE=)"
fi
after=${LABELS[-1]}
mkdir -p "$TMP/$after"
cp -- "$BIN" "$TMP/$after/pimap"
PIMAP[$after]=$TMP/$after/pimap
FROM[$after]=$built_from
KEY=$TMP/key
(umask 077 && echo "pimap-formats-benchmark-key-0001" >"$KEY")

# ---- inputs -----------------------------------------------------------------------------
need_corpus=0
if [ "$SKIP_BIG" != 1 ]; then need_corpus=1; fi
for f in $FORMATS; do [ "$SKIP_FORMATS" = 1 ] || [ "$f" = xlsx ] || [ "$f" = documents ] || need_corpus=1; done
corpus_note="not used"
if [ "$need_corpus" = 1 ]; then
  if [ ! -d "$CORPUS" ]; then
    # As perf.sh: generate beside, stamp, rename (perf.sh then reuses it).
    [ -f "$GEN" ] || die "$CORPUS is missing and $GEN is not there to make it (set SHARED= or CORPUS=)"
    log "generating a $SIZE_MB MiB corpus (seed $SEED) into $CORPUS"
    rm -rf -- "$CORPUS.partial" "$CORPUS.stamp"
    python3 "$GEN" --out "$CORPUS.partial" --size-mb "$SIZE_MB" --seed "$SEED" >&2
    mv -- "$CORPUS.partial" "$CORPUS"
    listing=$(cd "$CORPUS" && find . -type f -printf '%P %s\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
    echo "size_mb=$SIZE_MB seed=$SEED gen=$(sha256sum "$GEN" | cut -d' ' -f1) listing=$listing" >"$CORPUS.stamp"
  fi
  for d in exports events db chat logs; do
    [ -d "$CORPUS/$d" ] || die "$CORPUS/$d is missing: is $CORPUS a gen-corpus tree? (set CORPUS=)"
  done
  corpus_note="$CORPUS, $(find "$CORPUS" -type f | wc -l) files, $(du -sb "$CORPUS" | cut -f1) bytes"
  if [ -f "$CORPUS.stamp" ]; then
    corpus_note="$corpus_note; stamp: $(cut -c1-60 "$CORPUS.stamp")..."
  else
    corpus_note="$corpus_note; no stamp file (made by hand?)"
  fi
fi

XLSX=$WORK/orders-$XLSX_ROWS.xlsx
make_xlsx() {
  [ -s "$XLSX" ] && return 0
  command -v cargo >/dev/null || die "cargo is needed to generate $XLSX"
  log "generating $XLSX ($XLSX_ROWS rows): cargo run --release --example gen_xlsx"
  rm -f -- "$WORK/orders-$XLSX_ROWS.partial.xlsx"
  cargo run --release -q --example gen_xlsx -- "$WORK/orders-$XLSX_ROWS.partial.xlsx" "$XLSX_ROWS" >&2
  mv -- "$WORK/orders-$XLSX_ROWS.partial.xlsx" "$XLSX"
}

# The big CSV: the exports files are grouped by their exact header line (bytes: encoding,
# BOM and quoting included; file names do not tell the schema). The largest group whose
# header contains BIG_HEADER is concatenated, the first file whole and the others without
# their header line, round and round, until BIG_MB MiB. Its name carries a checksum of the
# sources' names and sizes, so another corpus makes another file.
big_csv_plan() { # -> "checksum<TAB>header (decoded)<TAB>why this group<TAB>files" of the chosen group
  python3 - "$CORPUS/exports" "$BIG_HEADER" <<'PY'
import hashlib, os, sys
d, want = sys.argv[1], sys.argv[2]
groups = {}
for name in sorted(os.listdir(d)):
    p = os.path.join(d, name)
    if not name.endswith(".csv") or not os.path.isfile(p):
        continue
    with open(p, "rb") as f:
        head = f.readline()
    groups.setdefault(head, []).append((name, os.path.getsize(p)))
def text(h):
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return h.decode(enc).strip()
        except UnicodeDecodeError:
            pass
    return repr(h)
order = sorted(groups.items(), key=lambda kv: -sum(s for _, s in kv[1]))
pick = next((kv for kv in order if want in text(kv[0])), None)
n_files = sum(len(v) for v in groups.values())
if pick is None:
    print("no header contains %r; using the largest group" % want, file=sys.stderr)
    pick = order[0]
    why = "no header contains '%s': the largest of %d header groups (%d files)" % (want, len(groups), n_files)
else:
    why = "the largest of %d header groups (%d files) whose header contains '%s'" % (len(groups), n_files, want)
head, files = pick
sum_ = hashlib.sha256(repr(files).encode()).hexdigest()[:12]
print("%s\t%s\t%s\t%s" % (sum_, text(head)[:60], why, " ".join(n for n, _ in files)))
PY
}
make_big_csv() { # out files...
  local out=$1
  shift
  [ -s "$out" ] && return 0
  log "building $out ($BIG_MB MiB from $# exports files of one header)"
  python3 - "$out.partial" "$((BIG_MB << 20))" "$CORPUS/exports" "$@" <<'PY'
import os, sys
out, target, d, names = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
written = rounds = 0
with open(out, "wb") as w:
    while written < target:
        rounds += 1
        for i, name in enumerate(names):
            with open(os.path.join(d, name), "rb") as f:
                head = f.readline()
                if written == 0:
                    w.write(head)
                    written += len(head)
                data = f.read()
            if data and not data.endswith(b"\n"):
                data += head[len(head.rstrip(b"\r\n")):] or b"\n"
            w.write(data)
            written += len(data)
            if written >= target:
                break
print("%d bytes, %d rounds over %d files" % (written, rounds, len(names)), file=sys.stderr)
PY
  mv -- "$out.partial" "$out"
}
DUMP=$WORK/dump-$DUMP_MB.sql
make_dump() {
  [ -s "$DUMP" ] && return 0
  log "generating $DUMP: python3 benches/gen_dump.py $DUMP $DUMP_MB"
  python3 benches/gen_dump.py "$DUMP" "$DUMP_MB"
}

# ---- environment ------------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(hostname) (tag $MACHINE_TAG)"
  echo "kernel: $(uname -srm)"
  echo "cpu: $cpu; $(nproc) cores; memory $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "repository: $commit"
  for l in "${LABELS[@]}"; do
    echo "$l: ${FROM[$l]}, sha256 $(sha256sum "${PIMAP[$l]}" | cut -c1-16)... ($("${PIMAP[$l]}" --version 2>&1 | sed -n 1p))"
  done
  echo "corpus: $corpus_note"
  echo "python3: $(python3 -V 2>&1)"
} >"$TMP/env.txt"
cat "$TMP/env.txt" >&2

# ---- measuring helpers (as perf.sh) -----------------------------------------------------
# All of these run in this shell (never in $(...)): `times` must see the children. The CPU
# of a run includes pimap's own children (workbooks are parsed in a child process).
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
children_cpu() { # user and sys CPU seconds of this shell's finished children -> C_USER C_SYS
  times >"$TMP/times"
  C_USER=$(awk 'NR == 2 { split($1, u, "m"); printf "%.3f", u[1] * 60 + u[2] }' "$TMP/times")
  C_SYS=$(awk 'NR == 2 { split($2, s, "m"); printf "%.3f", s[1] * 60 + s[2] }' "$TMP/times")
}
mark() {
  children_cpu; m_user=$C_USER; m_sys=$C_SYS
  m_busy=$(busy_ticks)
  m_t0=$EPOCHREALTIME
}
span() { # sets WALL, USER, SYS, CPU (ours) and NEIGHBOUR (CPU seconds of everything else)
  local t1=$EPOCHREALTIME b1
  b1=$(busy_ticks)
  children_cpu
  WALL=$(awk -v a="$m_t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  USER=$(awk -v a="$m_user" -v b="$C_USER" 'BEGIN { printf "%.3f", b - a }')
  SYS=$(awk -v a="$m_sys" -v b="$C_SYS" 'BEGIN { printf "%.3f", b - a }')
  CPU=$(awk -v u="$USER" -v s="$SYS" 'BEGIN { printf "%.3f", u + s }')
  NEIGHBOUR=$(awk -v a="$m_busy" -v b="$b1" -v hz="$HZ" -v c="$CPU" 'BEGIN { n = (b - a) / hz - c; printf "%.2f", n < 0 ? 0 : n }')
}
wait_idle() { # what: wait (up to WAIT_IDLE s) until others use < 0.25 core
  [ "$WAIT_IDLE" -gt 0 ] || return 0
  local deadline=$((SECONDS + WAIT_IDLE)) b0 b1 busy
  while :; do
    b0=$(busy_ticks); sleep 2; b1=$(busy_ticks)
    busy=$(awk -v a="$b0" -v b="$b1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz / 2 }')
    awk -v x="$busy" 'BEGIN { exit !(x < 0.25) }' && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$1: machine still busy ($busy cores used by others); measuring anyway"
      echo "$1: started while others used $busy cores (waited ${WAIT_IDLE}s)" >>"$TMP/busy.txt"
      return 0
    fi
    log "$1: waiting for the machine to go quiet ($busy cores used by others)"
    sleep 8
  done
}
quiet_enough() {
  awk -v n="$NEIGHBOUR" -v w="$WALL" -v m="$MAX_NEIGHBOUR" 'BEGIN { exit !(w > 0 && n / w <= m) }'
}
: >"$TMP/busy.txt"
printf 'section\titem\tbinary\tthreads\trun\twall_s\tuser_s\tsys_s\tcpu_s\tneighbour_cpu_s\tfindings\texit\n' >"$TMP/runs.tsv"

inv_summary() { # inventory -> "findings errors skipped error-kinds"
  python3 - "$1" <<'PY'
import collections, json, sys
inv = json.load(open(sys.argv[1]))
t = inv["totals"]
kinds = collections.Counter(e.get("kind", "?") for e in inv.get("errors", []))
print(t["findings"], t.get("errors", 0), t.get("skipped", 0),
      ",".join("%s:%d" % kv for kv in sorted(kinds.items())) or "-")
PY
}
# measure SECTION ITEM LABEL THREADS RUN FINDINGS INVENTORY ROOT: one kept run, repeated
# while a neighbour was busy (up to ATTEMPTS); appends a row to runs.tsv; sets the globals
# of span() and FOUND, ERRS, SKIPS, KINDS.
measure() {
  local section=$1 item=$2 label=$3 j=$4 run=$5 findings=$6 inv=$7 root=$8 attempt rc
  for attempt in $(seq 1 "$ATTEMPTS"); do
    rc=0
    mark
    "${PIMAP[$label]}" scan "$root" -q -j "$j" --key-file "$KEY" --findings "$findings" -o "$inv" \
      >/dev/null 2>"$TMP/stderr" || rc=$?
    span
    [ "$rc" -le 1 ] || { cat "$TMP/stderr" >&2; die "$label scan $root -j$j exited $rc"; }
    quiet_enough && break
    if [ "$attempt" -lt "$ATTEMPTS" ]; then
      log "$item $label -j$j: others used $NEIGHBOUR CPU s in ${WALL}s; again"
      wait_idle "$item $label -j$j run $run"
    else
      echo "$item $label -j$j run $run: others used $NEIGHBOUR CPU s in ${WALL} s (last of $ATTEMPTS attempts)" >>"$TMP/busy.txt"
    fi
  done
  local summary
  summary=$(inv_summary "$inv")   # not < <(...): that child could be reaped inside the next span
  read -r FOUND ERRS SKIPS KINDS <<<"$summary"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$item" "$label" "$j" "$run" \
    "$WALL" "$USER" "$SYS" "$CPU" "$NEIGHBOUR" "$FOUND" "$rc" >>"$TMP/runs.tsv"
  log "$item $label -j$j run $run: wall ${WALL}s, cpu ${USER}+${SYS}s, $FOUND findings"
}
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
med() { # section item label threads column -> median of that column over the kept runs
  awk -F'\t' -v s="$1" -v i="$2" -v l="$3" -v j="$4" -v c="$5" \
    'NR == 1 { for (k = 1; k <= NF; k++) col[$k] = k; next }
     $1 == s && $2 == i && $3 == l && $4 == j { print $col[c] }' "$TMP/runs.tsv" | median
}
findings_of() { # section item label threads -> findings, or "a/b/..." when runs differ
  awk -F'\t' -v s="$1" -v i="$2" -v l="$3" -v j="$4" \
    '$1 == s && $2 == i && $3 == l && (j == "" || $4 == j) && !seen[$11]++ { out = out (out ? "/" : "") $11 }
     END { print out }' "$TMP/runs.tsv"
}
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", (t > 0 ? b / 1e6 / t : 0) }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

# ---- 1. per-format CPU throughput -------------------------------------------------------
declare -A IN_BYTES IN_ROOT NOTES
ITEMS=()
if [ "$SKIP_FORMATS" != 1 ]; then
  for fmt in $FORMATS; do
    if [ "$fmt" = xlsx ]; then
      make_xlsx
      IN_ROOT[$fmt]=$XLSX
    elif [ "$fmt" = documents ]; then
      DOCS=$WORK/documents-$DOCS_MB
      if [ ! -d "$DOCS" ]; then
        log "generating $DOCS: python3 benches/gen_documents.py"
        rm -rf -- "$DOCS.partial"
        python3 benches/gen_documents.py "$DOCS.partial" "$DOCS_MB" "$SEED" >&2
        mv -- "$DOCS.partial" "$DOCS"
      fi
      IN_ROOT[$fmt]=$DOCS
    else
      IN_ROOT[$fmt]=$CORPUS/$fmt
    fi
    IN_BYTES[$fmt]=$(find "${IN_ROOT[$fmt]}" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
    ITEMS+=("$fmt")
  done
  for fmt in "${ITEMS[@]}"; do
    find "${IN_ROOT[$fmt]}" -type f -exec cat {} + >/dev/null   # warm the page cache
    wait_idle "$fmt"
    NOTES[$fmt]=""
    for i in $(seq 1 "$REPEAT"); do
      order=("${LABELS[@]}")
      if [ $((i % 2)) -eq 0 ] && [ "${#LABELS[@]}" -eq 2 ]; then order=("${LABELS[1]}" "${LABELS[0]}"); fi
      for label in "${order[@]}"; do
        measure formats "$fmt" "$label" 1 "$i" - "$TMP/inventory.json" "${IN_ROOT[$fmt]}"
        if [ "$ERRS" != 0 ] || [ "$SKIPS" != 0 ]; then
          note="$label: $ERRS errors ($KINDS), $SKIPS skipped"
          case ${NOTES[$fmt]} in *"$note"*) ;; *) NOTES[$fmt]="${NOTES[$fmt]:+${NOTES[$fmt]}; }$note" ;; esac
        fi
      done
    done
  done
fi

# ---- 2. one big file, -j1 against -j2 ---------------------------------------------------
# compare_run REF_FINDINGS REF_INV FINDINGS INV -> "" when equal, else the first difference
strip_inventory() { # inventory out: the inventory without timing fields, canonical JSON;
  # the names of the fields removed go to $TMP/stripped.txt
  python3 - "$1" "$2" "$TMP/stripped.txt" <<'PY'
import json, sys
TIMING = ("elapsed", "duration", "seconds", "_at", "_ms", "time")
gone = set()
def strip(o, path):
    if isinstance(o, dict):
        out = {}
        for k, v in o.items():
            if any(t in k.lower() for t in TIMING):
                gone.add(path + k)
            else:
                out[k] = strip(v, path + k + ".")
        return out
    if isinstance(o, list):
        return [strip(v, path) for v in o]
    return o
json.dump(strip(json.load(open(sys.argv[1])), ""), open(sys.argv[2], "w"), sort_keys=True, indent=0, ensure_ascii=False)
open(sys.argv[3], "w").write(", ".join(sorted(gone)) + "\n")
PY
}
first_json_difference() { # a b: path of the first difference between two JSON files
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def first(x, y, path):
    if type(x) is not type(y):
        return path, x, y
    if isinstance(x, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                return path + "/" + k, x.get(k, "(absent)"), y.get(k, "(absent)")
            r = first(x[k], y[k], path + "/" + k)
            if r:
                return r
        return None
    if isinstance(x, list):
        for i, (p, q) in enumerate(zip(x, y)):
            r = first(p, q, "%s/%d" % (path, i))
            if r:
                return r
        return (path + "/length", len(x), len(y)) if len(x) != len(y) else None
    return None if x == y else (path, x, y)
r = first(a, b, "")
short = lambda v: json.dumps(v, ensure_ascii=False)[:100]
print("inventory %s: %s vs %s" % (r[0], short(r[1]), short(r[2])) if r else "")
PY
}
first_line_difference() { # a b: the first differing line of two findings files, around
  # the first character that differs (masked values only: the runs have no --reveal)
  python3 - "$1" "$2" <<'PY'
import itertools, sys
with open(sys.argv[1], "rb") as fa, open(sys.argv[2], "rb") as fb:
    for n, (x, y) in enumerate(itertools.zip_longest(fa, fb), 1):
        if x == y:
            continue
        if x is None or y is None:
            print("findings line %d: only the %s file has it" % (n, "first" if y is None else "second"))
            break
        x, y = x.decode("utf-8", "replace").rstrip("\n"), y.decode("utf-8", "replace").rstrip("\n")
        i = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
        lo = max(0, i - 60)
        cut = lambda t: ("..." if lo else "") + t[lo:i + 60] + ("..." if len(t) > i + 60 else "")
        print("findings line %d, character %d: %s vs %s" % (n, i + 1, cut(x), cut(y)))
        break
PY
}
declare -A BIG_FILE BIG_BYTES BIG_DESC SAME
BIG_ITEMS=()
if [ "$SKIP_BIG" != 1 ]; then
  plan=$(big_csv_plan)
  IFS=$'\t' read -r plan_sum plan_head plan_groups plan_files <<<"$plan"
  read -ra plan_names <<<"$plan_files"
  BIG_FILE[csv]=$WORK/big-$BIG_MB-$plan_sum.csv
  make_big_csv "${BIG_FILE[csv]}" "${plan_names[@]}"
  BIG_DESC[csv]="the ${#plan_names[@]} exports files whose first line is \`$plan_head...\` ($plan_groups), concatenated (one header line) to $BIG_MB MiB"
  make_dump
  BIG_FILE[sql]=$DUMP
  BIG_DESC[sql]="\`python3 benches/gen_dump.py $(basename "$DUMP") $DUMP_MB\` (mysqldump extended INSERTs, ~1 MiB lines)"
  BIG_ITEMS=(csv sql)
  mkdir -p "$TMP/big"
  for item in "${BIG_ITEMS[@]}"; do
    file=${BIG_FILE[$item]}
    BIG_BYTES[$item]=$(stat -c %s "$file")
    cat -- "$file" >/dev/null   # warm the page cache
    wait_idle "big $item"
    for label in "${LABELS[@]}"; do SAME[$item.$label]=IDENTICAL; done
    for i in $(seq 1 "$REPEAT"); do
      for label in "${LABELS[@]}"; do
        for j in 1 2; do
          cur=$TMP/big/$label.cur
          measure big "$item" "$label" "$j" "$i" "$cur.jsonl" "$cur.json" "$file"
          strip_inventory "$cur.json" "$cur.stripped.json"
          ref=$TMP/big/$label.ref
          if [ ! -e "$ref.jsonl" ]; then
            mv -- "$cur.jsonl" "$ref.jsonl"
            mv -- "$cur.stripped.json" "$ref.stripped.json"
            continue
          fi
          if [ "${SAME[$item.$label]}" = IDENTICAL ]; then
            diff=""
            cmp -s -- "$ref.jsonl" "$cur.jsonl" || diff=$(first_line_difference "$ref.jsonl" "$cur.jsonl")
            if [ -z "$diff" ] && ! cmp -s -- "$ref.stripped.json" "$cur.stripped.json"; then
              diff=$(first_json_difference "$ref.stripped.json" "$cur.stripped.json")
            fi
            if [ -n "$diff" ]; then
              SAME[$item.$label]="DIFFERENT: -j$j run $i against -j1 run 1: $diff"
              log "$item $label: ${SAME[$item.$label]}"
            fi
          fi
          rm -f -- "$cur.jsonl" "$cur.stripped.json"
        done
      done
    done
    rm -f -- "$TMP"/big/*.ref.* "$TMP"/big/*.cur.*
  done
fi

# ---- record -----------------------------------------------------------------------------
fmt_cpu() { # section item label threads -> "total (user + sys)"
  printf '%s (%s + %s)' "$(med "$@" cpu_s)" "$(med "$@" user_s)" "$(med "$@" sys_s)"
}
mkdir -p "$RUN_DIR"
neighbour_max=$(awk -F'\t' 'NR > 1 && $6 > 0 { r = $10 / $6; if (r > m) m = r } END { printf "%.2f", m }' "$TMP/runs.tsv")
{
  echo "# pimap per-format and big-file benchmark, $DAY, $MACHINE_TAG"
  echo
  echo "Written by \`benches/formats.sh\` (issue 11). How to read it: [benches/README.md](../../README.md#per-format-and-big-file-benchesformatssh)."
  echo
  echo '```'
  cat "$TMP/env.txt"
  echo "runs per row: $REPEAT (medians); MB = 10^6 bytes; warm page cache; fixed --key-file"
  echo '```'
  if [ "${#ITEMS[@]}" -gt 0 ]; then
    echo
    echo "## Per-format CPU throughput (-j1)"
    echo
    echo "\`pimap scan ROOT -j 1 -q --findings - -o inventory.json --key-file KEY >/dev/null\`; MB/s per core = input MB / (user + sys) CPU s; findings from the inventory's totals."
    echo
    if [ "${#LABELS[@]}" -eq 1 ]; then
      echo "| format | input | input MB | CPU s (user + sys) | wall s | MB/s per core | findings |"
      echo "|---|---|---|---|---|---|---|"
      for fmt in "${ITEMS[@]}"; do
        # shellcheck disable=SC2016 # the backquotes are markdown
        printf '| %s | `%s` | %s | %s | %s | **%s** | %s |\n' "$fmt" "${IN_ROOT[$fmt]}" "$(mb "${IN_BYTES[$fmt]}")" \
          "$(fmt_cpu formats "$fmt" pimap 1)" "$(med formats "$fmt" pimap 1 wall_s)" \
          "$(mbs "${IN_BYTES[$fmt]}" "$(med formats "$fmt" pimap 1 cpu_s)")" "$(findings_of formats "$fmt" pimap 1)"
      done
    else
      echo "| format | input MB | before CPU s (user + sys) | after CPU s (user + sys) | before wall s | after wall s | before MB/s per core | after MB/s per core | speed-up | findings before / after |"
      echo "|---|---|---|---|---|---|---|---|---|---|"
      for fmt in "${ITEMS[@]}"; do
        bc=$(med formats "$fmt" before 1 cpu_s); ac=$(med formats "$fmt" after 1 cpu_s)
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | **%sx** | %s / %s |\n' "$fmt" "$(mb "${IN_BYTES[$fmt]}")" \
          "$(fmt_cpu formats "$fmt" before 1)" "$(fmt_cpu formats "$fmt" after 1)" \
          "$(med formats "$fmt" before 1 wall_s)" "$(med formats "$fmt" after 1 wall_s)" \
          "$(mbs "${IN_BYTES[$fmt]}" "$bc")" "$(mbs "${IN_BYTES[$fmt]}" "$ac")" \
          "$(awk -v b="$bc" -v a="$ac" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')" \
          "$(findings_of formats "$fmt" before 1)" "$(findings_of formats "$fmt" after 1)"
      done
      echo
      echo "Speed-up = before CPU s / after CPU s (above 1: the after binary is faster)."
    fi
    for fmt in "${ITEMS[@]}"; do
      [ -z "${NOTES[$fmt]}" ] || echo "- $fmt: ${NOTES[$fmt]}"
    done
    echo
    echo "Inputs: \`exports\` CSV, \`events\` JSON/NDJSON, \`db\` SQL dumps, \`chat\` chat transcripts, \`logs\` application logs (parts of the gen-corpus tree); \`xlsx\` = \`cargo run --release --example gen_xlsx -- $(basename "$XLSX") $XLSX_ROWS\` (one workbook; its MB are compressed bytes); \`documents\` = \`python3 benches/gen_documents.py DIR $DOCS_MB $SEED\` (PDF, DOCX, PPTX, RTF; MB are file bytes)."
  fi
  if [ "${#BIG_ITEMS[@]}" -gt 0 ]; then
    echo
    echo "## One big file: -j1 against -j2"
    echo
    echo "\`pimap scan FILE -j N -q --findings F.jsonl -o inventory.json --key-file KEY\`, N = 1 and 2 alternating; speed-up = median -j1 wall / median -j2 wall. Every run's findings file must be byte-identical to the first -j1 run's, and its inventory equal once timing fields (\`scanned_at\`, \`elapsed_seconds\`, ...) are removed."
    echo
    echo "Timing fields removed before comparing: $(cat "$TMP/stripped.txt" 2>/dev/null || echo none)."
    echo
    echo "| file | MB | binary | -j1 wall s | -j2 wall s | speed-up | -j1 CPU s (user + sys) | -j2 CPU s (user + sys) | findings | -j1 vs -j2 |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for item in "${BIG_ITEMS[@]}"; do
      for label in "${LABELS[@]}"; do
        w1=$(med big "$item" "$label" 1 wall_s); w2=$(med big "$item" "$label" 2 wall_s)
        printf '| %s | %s | %s | %s | %s | **%sx** | %s | %s | %s | %s |\n' "$item" "$(mb "${BIG_BYTES[$item]}")" "$label" "$w1" "$w2" \
          "$(awk -v a="$w1" -v b="$w2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
          "$(fmt_cpu big "$item" "$label" 1)" "$(fmt_cpu big "$item" "$label" 2)" \
          "$(findings_of big "$item" "$label" "")" "${SAME[$item.$label]%%:*}"
      done
    done
    echo
    for item in "${BIG_ITEMS[@]}"; do
      echo "- $item: \`${BIG_FILE[$item]}\`, ${BIG_BYTES[$item]} bytes: ${BIG_DESC[$item]}."
      for label in "${LABELS[@]}"; do
        case ${SAME[$item.$label]} in DIFFERENT*) echo "  - $label: ${SAME[$item.$label]}" ;; esac
      done
    done
  fi
  echo
  echo "Neighbour load: other processes used at most $neighbour_max cores on average during a kept run."
  if [ -s "$TMP/busy.txt" ]; then
    echo
    echo "**The machine was busy** (treat the timings as upper bounds):"
    echo
    sed -n 's/^/- /; 1,12p' "$TMP/busy.txt"
    busy=$(wc -l <"$TMP/busy.txt")
    [ "$busy" -le 12 ] || echo "- ... and $((busy - 12)) more"
  fi
  echo
  echo "<details><summary>Every kept run</summary>"
  echo
  echo "| section | item | binary | -j | run | wall s | user s | sys s | neighbour CPU s | findings | exit |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $10, $11, $12 }' "$TMP/runs.tsv"
  echo
  echo "</details>"
  echo
  echo "Re-run: \`$([ -z "$BIN_GIVEN" ] || printf 'BIN=%q ' "$BIN_GIVEN")$(
    for v in CORPUS BIN_BEFORE FORMATS XLSX_ROWS BIG_MB DUMP_MB REPEAT SKIP_FORMATS SKIP_BIG; do
      [ -n "${!v:-}" ] && [ "${!v}" != 0 ] && printf '%s=%q ' "$v" "${!v}"
    done)bash benches/formats.sh\`"
} >"$RUN_DIR/README.md"

log "done: $RUN_DIR/README.md"
sed -n '/^## /,/^<details>/{/^<details>/!p}' "$RUN_DIR/README.md"   # the tables, on stdout
