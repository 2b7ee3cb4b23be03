#!/usr/bin/env bash
# benches/perf.sh - pimap's end-to-end benchmark: speed against ripgrep, peak memory,
# thread scaling, what was found, and where the time goes, on the 1 GiB gen-corpus corpus.
# Writes a dated record to benches/runs/<YYYY-MM-DD>-<machine>/ (README.md + raw/).
#
#   bash benches/perf.sh                        # from the repository root
#   SIZE_MB=64 bash benches/perf.sh             # quick smoke run on a small corpus
#
# Environment (all optional):
#   CORPUS       corpus directory        (default /tmp/pimap-corpus-1g; kept between runs)
#   SIZE_MB      corpus size in MiB      (default 1024)
#   SEED         gen-corpus seed         (default 1)
#   SHARED       the shared directory    (default ../shared, relative to the repo root)
#   MACHINE_TAG  name of the machine in the run directory (default: hostname -s)
#   RUN_DIR      where to write the record (default benches/runs/<date>-<MACHINE_TAG>;
#                an existing default directory gets a -2, -3, ... suffix instead)
#   PAIRS        pimap/rg pairs for perf-ratio (default 3)
#   REPEAT       runs per thread count for the -j1/-j2 figure (default 3)
#   WAIT_IDLE    before each measured phase, wait up to this many seconds for the machine
#                to go quiet (other processes using < 0.25 core); default 120, 0 = never
#   MAX_NEIGHBOUR  a timed run (or the whole perf-ratio) during which other processes used
#                more than this many cores on average is repeated (default 0.15) ...
#   ATTEMPTS     ... at most this many times in all (default 3); the last attempt counts
#   PROFILE      1 = perf call-graph profile of one -j1 run (default 1 if perf works)
#   FINDINGS_TMP where the one --findings run writes (default /tmp; ~0.6 GB per GiB)
#   KEEP         a directory to keep the measured binary and perf.data in (for perf report)
#
# Needs: bash 5 ($EPOCHREALTIME), cargo, python3; installs ripgrep and GNU time with
# apt-get when they are missing (as root, or through sudo). The built binary is copied
# before measuring, so a rebuild in the same tree during the run cannot change what is
# measured. Every timed phase also records how much CPU other processes used meanwhile
# ("neighbour CPU"): figures taken next to a busy neighbour are not comparable.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED=${SHARED:-../shared}
CORPUS=${CORPUS:-/tmp/pimap-corpus-1g}
SIZE_MB=${SIZE_MB:-1024}
SEED=${SEED:-1}
PAIRS=${PAIRS:-3}
REPEAT=${REPEAT:-3}
WAIT_IDLE=${WAIT_IDLE:-120}
FINDINGS_TMP=${FINDINGS_TMP:-/tmp}
MAX_NEIGHBOUR=${MAX_NEIGHBOUR:-0.15}
ATTEMPTS=${ATTEMPTS:-3}
MACHINE_TAG=${MACHINE_TAG:-$(hostname -s 2>/dev/null || hostname)}
GEN=$SHARED/bench/gen-corpus
RATIO=$SHARED/bench/perf-ratio
HZ=$(getconf CLK_TCK)

log() { printf '[perf.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

[ -n "${EPOCHREALTIME:-}" ] || die "bash 5 or later is needed (\$EPOCHREALTIME)"
[ -f "$GEN" ] || die "$GEN not found (set SHARED=)"
[ -f "$RATIO" ] || die "$RATIO not found (set SHARED=)"
command -v python3 >/dev/null || die "python3 is needed (gen-corpus, counting findings)"
command -v cargo >/dev/null || die "cargo is needed"

TMP=$(mktemp -d /tmp/pimap-perf.XXXXXX)
trap 'rm -rf -- "$TMP"' EXIT

# ---- tools ------------------------------------------------------------------------------
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
apt_updated=0
apt_install() { # package: install it, running apt-get update first if the index is stale
  log "installing $1"
  if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null; then
    [ "$apt_updated" -eq 1 ] && die "apt-get install $1 failed"
    "${SUDO[@]}" apt-get update -q >/dev/null
    apt_updated=1
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null ||
      die "apt-get install $1 failed"
  fi
}
command -v rg >/dev/null || apt_install ripgrep
[ -x /usr/bin/time ] || apt_install time

# ---- run directory ----------------------------------------------------------------------
DAY=$(date +%F)
if [ -z "${RUN_DIR:-}" ]; then
  RUN_DIR=benches/runs/$DAY-$MACHINE_TAG
  n=2
  while [ -e "$RUN_DIR" ]; do RUN_DIR=benches/runs/$DAY-$MACHINE_TAG-$n; n=$((n + 1)); done
fi
mkdir -p "$RUN_DIR/raw"
RAW=$RUN_DIR/raw
log "record: $RUN_DIR"

# ---- build ------------------------------------------------------------------------------
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BUILT=$TARGET_DIR/release/pimap
log "cargo build --release"
cargo build --release 2>&1 | tee "$RAW/build.txt" >&2
[ -x "$BUILT" ] || die "$BUILT was not built"
# Pin what is measured: someone may rebuild the tree while this runs. The copy keeps the
# name `pimap` (perf reports by command name) and sits next to nothing else.
mkdir -p "$TMP/bin"
cp -- "$BUILT" "$TMP/bin/pimap"
PIMAP=$TMP/bin/pimap
bin_sum=$(sha256sum "$PIMAP" | cut -d' ' -f1)
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
src_paths=(src detectors data build.rs Cargo.toml Cargo.lock)
dirty=$(git status --porcelain -- "${src_paths[@]}" 2>/dev/null | wc -l)
if [ "$dirty" -gt 0 ]; then
  git status --porcelain -- "${src_paths[@]}" >"$RAW/source-changes.txt"
  diff_sum=$(git diff HEAD -- "${src_paths[@]}" | sha256sum | cut -c1-16)
  source_state="$commit + $dirty uncommitted changes (diff sha256 $diff_sum..., see raw/source-changes.txt)"
else
  source_state="$commit (clean)"
fi

# ---- corpus -----------------------------------------------------------------------------
# gen-corpus writes no marker, and an interrupted or older run leaves a directory that looks
# fine. So: generate into CORPUS.partial, stamp it (parameters, gen-corpus checksum, and a
# checksum of every file's name and size), then rename. A corpus is reused only if the stamp
# matches the parameters and the files on disk, and the file list is the one gen-corpus
# plans for these parameters.
STAMP=$CORPUS.stamp   # beside the corpus, not in it: it must not be scanned
gen_sum=$(sha256sum "$GEN" | cut -d' ' -f1)
listing_sum() { (cd "$1" && find . -type f -printf '%P %s\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1); }
planned_ok() { # does DIR hold exactly the files gen-corpus plans for SIZE_MB/SEED?
  python3 - "$GEN" "$1" "$SIZE_MB" "$SEED" <<'PY'
import importlib.machinery, importlib.util, os, sys
gen, d, size_mb, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
try:
    loader = importlib.machinery.SourceFileLoader("gen_corpus", gen)
    spec = importlib.util.spec_from_loader("gen_corpus", loader)
    m = importlib.util.module_from_spec(spec)
    loader.exec_module(m)
    want = {job[2] for job in m.plan(int(size_mb * m.MB), seed)}
except Exception as e:  # gen-corpus changed shape: rely on the stamp alone
    print("cannot read gen-corpus plan (%s); trusting the stamp" % e, file=sys.stderr)
    sys.exit(0)
have = {os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs}
if have != want:
    print("corpus has %d files, gen-corpus plans %d (%d missing, %d extra)"
          % (len(have), len(want), len(want - have), len(have - want)), file=sys.stderr)
    sys.exit(1)
PY
}
corpus_ok() {
  [ -d "$CORPUS" ] && [ -f "$STAMP" ] || return 1
  local want
  want="size_mb=$SIZE_MB seed=$SEED gen=$gen_sum listing=$(listing_sum "$CORPUS")"
  [ "$(cat "$STAMP")" = "$want" ] || { log "stamp does not match the corpus or parameters"; return 1; }
  planned_ok "$CORPUS"
}
if corpus_ok; then
  log "reusing corpus $CORPUS (stamp $STAMP matches)"
  echo "reused existing corpus (stamp $STAMP matched: $(cat "$STAMP"))" >"$RAW/gen-corpus.txt"
else
  if [ -e "$CORPUS" ]; then
    # Only ever delete what looks like a gen-corpus directory.
    others=$(find "$CORPUS" -mindepth 1 -maxdepth 1 ! -name exports ! -name logs ! -name chat \
      ! -name events ! -name db | head -5)
    [ -z "$others" ] || die "$CORPUS exists and holds other things ($others); remove it or set CORPUS="
    log "removing stale corpus $CORPUS"
    rm -rf -- "$CORPUS"
  fi
  rm -rf -- "$CORPUS.partial" "$STAMP"
  log "generating $SIZE_MB MiB corpus (seed $SEED) into $CORPUS"
  t0=$EPOCHREALTIME
  python3 "$GEN" --out "$CORPUS.partial" --size-mb "$SIZE_MB" --seed "$SEED" 2>&1 | tee "$RAW/gen-corpus.txt" >&2
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "wall %.1fs\n", b - a }' >>"$RAW/gen-corpus.txt"
  planned_ok "$CORPUS.partial" || die "gen-corpus output does not match its plan"
  mv -- "$CORPUS.partial" "$CORPUS"
  echo "size_mb=$SIZE_MB seed=$SEED gen=$gen_sum listing=$(listing_sum "$CORPUS")" >"$STAMP"
fi
corpus_files=$(find "$CORPUS" -type f | wc -l)
corpus_bytes=$(find "$CORPUS" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
(cd "$CORPUS" && for d in */; do
  printf '%s\t%s\t%s\n' "${d%/}" "$(find "$d" -type f | wc -l)" \
    "$(find "$d" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')"
done) >"$RAW/corpus.tsv"

# ---- environment ------------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'sse4_2|avx|avx2|bmi2|avx512f|avx512bw' | tr '\n' ' ')
{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(hostname) (tag $MACHINE_TAG)"
  echo "kernel: $(uname -srm)"
  echo "cpu: $cpu; $(nproc) cores; flags: $flags"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "pimap source: $source_state"
  echo "pimap binary: $BUILT, sha256 ${bin_sum:0:16}... ($("$PIMAP" --version 2>&1 | sed -n 1p))"
  echo "rustc: $(rustc -V)"
  echo "ripgrep: $(rg --version | sed -n 1p)"
  echo "python3: $(python3 -V 2>&1)"
} >"$RAW/env.txt"
cat "$RAW/env.txt" >&2

# ---- measuring helpers ------------------------------------------------------------------
# All of these run in this shell (never in $(...)): `times` must see the children.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
children_cpu() { # CPU seconds (user + sys) of this shell's finished children -> $REPLY
  times >"$TMP/times"
  REPLY=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$TMP/times")
}
mark() { # start a measured span
  children_cpu; m_cpu=$REPLY
  m_busy=$(busy_ticks)
  m_t0=$EPOCHREALTIME
}
span() { # end it: sets WALL, CPU (ours) and NEIGHBOUR (CPU seconds of everything else)
  local t1=$EPOCHREALTIME b1
  b1=$(busy_ticks)
  children_cpu
  WALL=$(awk -v a="$m_t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  CPU=$(awk -v a="$m_cpu" -v b="$REPLY" 'BEGIN { printf "%.3f", b - a }')
  NEIGHBOUR=$(awk -v a="$m_busy" -v b="$b1" -v hz="$HZ" -v c="$CPU" 'BEGIN { n = (b - a) / hz - c; printf "%.2f", n < 0 ? 0 : n }')
}
run_timed() { # command...: one run, output discarded; pimap may exit 0 or 1
  local rc=0
  mark
  "$@" >/dev/null 2>&1 || rc=$?
  span
  [ "$rc" -le 1 ] || die "$* exited $rc"
}
wait_idle() { # phase name: wait (up to WAIT_IDLE s) until others use < 0.25 core
  [ "$WAIT_IDLE" -gt 0 ] || return 0
  local deadline=$((SECONDS + WAIT_IDLE)) b0 b1 busy
  while :; do
    b0=$(busy_ticks); sleep 2; b1=$(busy_ticks)
    busy=$(awk -v a="$b0" -v b="$b1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz / 2 }')
    awk -v x="$busy" 'BEGIN { exit !(x < 0.25) }' && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$1: machine still busy ($busy cores used by others); measuring anyway"
      echo "$1: started while others used $busy cores (waited ${WAIT_IDLE}s)" >>"$RAW/busy.txt"
      return 0
    fi
    log "$1: waiting for the machine to go quiet ($busy cores used by others)"
    sleep 8
  done
}
quiet_enough() { # did others use less than MAX_NEIGHBOUR cores during the last span?
  awk -v n="$NEIGHBOUR" -v w="$WALL" -v m="$MAX_NEIGHBOUR" 'BEGIN { exit !(w > 0 && n / w <= m) }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
mbs() { awk -v b="$corpus_bytes" -v t="$1" 'BEGIN { printf "%.0f", b / 1e6 / t }'; }
: >"$RAW/busy.txt"
echo "phase	wall_s	own_cpu_s	neighbour_cpu_s" >"$RAW/neighbour.tsv"

# ---- 1. ratio against ripgrep -----------------------------------------------------------
for attempt in $(seq 1 "$ATTEMPTS"); do
  wait_idle perf-ratio
  log "perf-ratio ($PAIRS pairs)"
  mark
  PIMAP=$PIMAP CORPUS=$CORPUS PAIRS=$PAIRS bash "$RATIO" | tee "$RAW/perf-ratio.txt" >&2
  span
  if quiet_enough; then
    printf 'perf-ratio\t%s\t%s\t%s\n' "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/neighbour.tsv"
    break
  fi
  if [ "$attempt" -lt "$ATTEMPTS" ]; then
    printf 'perf-ratio (discarded: busy)\t%s\t%s\t%s\n' "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/neighbour.tsv"
    log "perf-ratio: others used $NEIGHBOUR CPU s meanwhile; again"
  else
    printf 'perf-ratio\t%s\t%s\t%s\n' "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/neighbour.tsv"
    echo "perf-ratio: others used $NEIGHBOUR CPU s during the last of $ATTEMPTS attempts" >>"$RAW/busy.txt"
  fi
done
ratio=$(tail -1 "$RAW/perf-ratio.txt")
pimap_med=$(grep '^pair' "$RAW/perf-ratio.txt" | sed -E 's/.*pimap ([0-9.]+)s.*/\1/' | median)
rg_med=$(grep '^pair' "$RAW/perf-ratio.txt" | sed -E 's/.*rg ([0-9.]+)s.*/\1/' | median)

# ---- 2. peak memory ---------------------------------------------------------------------
wait_idle "peak RSS"
log "peak RSS (/usr/bin/time -v)"
rc=0
mark
/usr/bin/time -v "$PIMAP" scan "$CORPUS" --findings - -q >/dev/null 2>"$RAW/time-v.txt" || rc=$?
span
[ "$rc" -le 1 ] || die "pimap exited $rc under /usr/bin/time (see $RAW/time-v.txt)"
printf 'time-v\t%s\t%s\t%s\n' "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/neighbour.tsv"
tv() { grep -F "$1" "$RAW/time-v.txt" | sed -n 1p | awk -F': ' '{ print $2 }'; }
rss_kb=$(tv 'Maximum resident set size')
rss_mib=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
tv_user=$(tv 'User time'); tv_sys=$(tv 'System time'); tv_cpu=$(tv 'Percent of CPU'); tv_wall=$(tv 'Elapsed (wall clock)')
rc=0
/usr/bin/time -v rg -c --no-messages -e '(?-u)\b1[3-9]\d{9}\b' "$CORPUS" >/dev/null 2>"$TMP/rg-time" || rc=$?
rg_rss_kb=$(grep -F 'Maximum resident set size' "$TMP/rg-time" | awk -F': ' '{ print $2 }')

# ---- 3. thread scaling ------------------------------------------------------------------
wait_idle scaling
log "thread scaling: -j1 and -j2, $REPEAT runs each, alternating"
printf 'run\tthreads\twall_s\tpimap_cpu_s\tneighbour_cpu_s\n' >"$RAW/scaling.tsv"
for i in $(seq 1 "$REPEAT"); do
  for j in 1 2; do
    for attempt in $(seq 1 "$ATTEMPTS"); do
      run_timed "$PIMAP" scan "$CORPUS" --findings - -q -j "$j"
      quiet_enough && break
      if [ "$attempt" -lt "$ATTEMPTS" ]; then
        printf 'scaling run %s -j%s (discarded: busy)\t%s\t%s\t%s\n' "$i" "$j" "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/neighbour.tsv"
        wait_idle "scaling run $i -j$j"
      else
        echo "scaling run $i -j$j: others used $NEIGHBOUR CPU s during the last of $ATTEMPTS attempts" >>"$RAW/busy.txt"
      fi
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$j" "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/scaling.tsv"
    printf 'scaling run %s -j%s\t%s\t%s\t%s\n' "$i" "$j" "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/neighbour.tsv"
  done
done
col_median() { awk -F'\t' -v j="$1" -v c="$2" 'NR > 1 && $2 == j { print $c }' "$RAW/scaling.tsv" | median; }
j1=$(col_median 1 3); j2=$(col_median 2 3)
j1_cpu=$(col_median 1 4); j2_cpu=$(col_median 2 4)
speedup=$(awk -v a="$j1" -v b="$j2" 'BEGIN { printf "%.2f", a / b }')

# ---- 4. what was found ------------------------------------------------------------------
FINDINGS=$(mktemp "$FINDINGS_TMP/pimap-findings.XXXXXX.jsonl")
trap 'rm -rf -- "$TMP" "$FINDINGS"' EXIT
log "one --findings run into $FINDINGS"
run_timed "$PIMAP" scan "$CORPUS" --findings "$FINDINGS" -o "$RAW/inventory.json" -q
printf 'findings run\t%s\t%s\t%s\n' "$WALL" "$CPU" "$NEIGHBOUR" >>"$RAW/neighbour.tsv"
findings_wall=$WALL
findings_bytes=$(stat -c %s "$FINDINGS")
python3 - "$FINDINGS" >"$RAW/findings-count.txt" <<'PY'
import json, sys
from collections import Counter
cat, det, conf = Counter(), Counter(), Counter()
n = bad = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        try:
            o = json.loads(line)
        except ValueError:
            bad += 1
            continue
        n += 1
        cat[o.get("category")] += 1
        det[o.get("detector")] += 1
        conf["%.1f" % (int(o.get("confidence", 0) * 10) / 10)] += 1
print("findings\t%d" % n)
if bad:
    print("unparsable_lines\t%d" % bad)
for k, v in sorted(cat.items(), key=lambda kv: -kv[1]):
    print("category\t%s\t%d" % (k, v))
for k, v in sorted(det.items(), key=lambda kv: -kv[1]):
    print("detector\t%s\t%d" % (k, v))
for k, v in sorted(conf.items()):
    print("confidence\t%s\t%d" % (k, v))
PY
head -n 5 "$FINDINGS" >"$RAW/findings-sample.jsonl"   # masked values only (no --reveal)
rm -f -- "$FINDINGS"
findings_total=$(awk -F'\t' '$1 == "findings" { print $2 }' "$RAW/findings-count.txt")

# ---- 5. profile -------------------------------------------------------------------------
profile_note="not recorded (PROFILE=0, or perf is not usable here)"
if [ "${PROFILE:-1}" = 1 ] && command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
  wait_idle profile
  log "perf record --call-graph dwarf of one -j1 run"
  rc=0
  # cpu-clock: a software timer event, available in VMs without hardware counters.
  perf record -q -e cpu-clock -F 499 --call-graph dwarf,8192 -o "$TMP/perf.data" -- \
    "$PIMAP" scan "$CORPUS" --findings - -q -j 1 >/dev/null 2>"$RAW/perf-record.txt" || rc=$?
  if [ "$rc" -le 1 ]; then
    perf report -i "$TMP/perf.data" --no-children --sort symbol --stdio -g none --percent-limit 0.3 2>/dev/null |
      grep -v '^$' | sed -E -e 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//' -e 's/[[:space:]]*$//' >"$RAW/perf-self.txt" || true
    perf script -i "$TMP/perf.data" -F pid,tid,ip,sym,dso 2>/dev/null >"$TMP/perf.script" || true
    python3 - "$TMP/perf.script" >"$RAW/perf-callers.txt" <<'PY'
# Folds `perf script` call stacks (inlined frames included) into: self time by function,
# inclusive time by pimap function, libc/allocator time by the pimap code that called it.
import re, sys
from collections import Counter
samples, cur = [], None
for line in open(sys.argv[1], errors="replace"):
    line = line.rstrip("\n")
    if not line.strip():
        continue
    head = re.match(r"^\s*(\d+)/\s*(\d+)\s*$", line)   # " 2211/2213" starts a sample
    if head:
        cur = {"tid": head.group(1) + "/" + head.group(2), "frames": []}
        samples.append(cur)
        continue
    m = re.match(r"\s*[0-9a-f]+ (.*) \((.*)\)$", line)
    if m and cur is not None:
        cur["frames"].append((m.group(1), m.group(2)))
samples = [s for s in samples if s["frames"]]
N = max(len(samples), 1)
LIB = ("libc.so", "ld-linux", "[kernel", "[unknown]")
GLUE = ("alloc::", "<alloc::", "core::", "<core::", "hashbrown", "std::collections", "<[", "<usize", "<u8", "<&")
def short(s):
    return re.sub(r"<[^<>]*>", "<>", s)[:110] if len(s) > 110 else s
own, inner, incl, lib = Counter(), Counter(), Counter(), Counter()
for s in samples:
    fr = s["frames"]
    inner[fr[0][0]] += 1
    real = next((f for f in fr if f[1] != "inlined"), fr[0])
    own[real[0]] += 1
    for name in {f[0] for f in fr}:
        if name.startswith(("pimap::", "<pimap::")) or "csv_core" in name or "serde_json" in name:
            incl[name] += 1
    if any(x in real[1] for x in LIB):
        caller = next((f[0] for f in fr if "pimap" in f[1] and not f[0].startswith(GLUE)), "?")
        lib[(real[0], caller)] += 1
def role(t):
    pid, _, tid = t.partition("/")
    return "main thread (walk, writer)" if pid == tid else "thread " + tid
threads = Counter(role(s["tid"]) for s in samples)
print("samples: %d (cpu-clock, 499 Hz)" % len(samples))
print("by thread: " + ", ".join("%s: %.1f%%" % (t, 100.0 * c / N) for t, c in threads.most_common()))
def show(title, c, k):
    print("\n== " + title)
    for name, n in c.most_common(k):
        print("%6.2f%%  %s" % (100.0 * n / N, short(name)))
show("self time by function (inlined callees counted in their caller, as perf report does)", own, 30)
show("self time by innermost frame (inlined code where it runs)", inner, 30)
show("inclusive time, pimap functions", incl, 45)
print("\n== libc, allocator and kernel self time, by the nearest pimap caller")
for (name, caller), n in lib.most_common(25):
    print("%6.2f%%  %-30s <- %s" % (100.0 * n / N, name[:30], short(caller)))
PY
    if [ -n "${KEEP:-}" ]; then
      mkdir -p "$KEEP" && cp -- "$PIMAP" "$TMP/perf.data" "$KEEP/" && log "kept binary and perf.data in $KEEP"
    fi
    profile_note="\`perf record -e cpu-clock -F 499 --call-graph dwarf\` of one \`-j 1\` run (the binary has \`debug = 1\`); self time in [raw/perf-self.txt](raw/perf-self.txt), call-stack folds (inclusive time, who calls malloc/memcmp) in [raw/perf-callers.txt](raw/perf-callers.txt)"
  fi
fi

# ---- record -----------------------------------------------------------------------------
gib=$(awk -v b="$corpus_bytes" 'BEGIN { printf "%.2f", b / 1073741824 }')
neighbour_max=$(awk -F'\t' 'NR > 1 && $2 > 0 && $1 !~ /discarded/ { r = $4 / $2; if (r > m) m = r } END { printf "%.2f", m }' "$RAW/neighbour.tsv")
{
  echo "# pimap end-to-end benchmark, $DAY, $MACHINE_TAG"
  echo
  echo "Written by \`benches/perf.sh\`; raw outputs in [raw/](raw/). How to read it: [benches/README.md](../../README.md)."
  echo
  echo "## Setup"
  echo
  echo '```'
  cat "$RAW/env.txt"
  echo "corpus: $CORPUS, $corpus_files files, $corpus_bytes bytes ($gib GiB), gen-corpus --size-mb $SIZE_MB --seed $SEED, warm page cache"
  echo '```'
  echo
  echo "| corpus part | files | bytes |"
  echo "|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$RAW/corpus.tsv"
  echo
  echo "## Figures"
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| **pimap/rg ratio** (median of $PAIRS pairs, lower is better) | **$ratio** |"
  echo "| pimap wall, default threads (median) | ${pimap_med} s ($(mbs "$pimap_med") MB/s) |"
  echo "| rg union regex wall, default threads (median) | ${rg_med} s ($(mbs "$rg_med") MB/s) |"
  echo "| pimap peak RSS | $rss_mib MiB ($rss_kb KiB) |"
  echo "| rg peak RSS (one pattern, for scale) | $(awk -v k="${rg_rss_kb:-0}" 'BEGIN { printf "%.1f MiB", k / 1024 }') |"
  echo "| pimap under time -v | user ${tv_user} s, sys ${tv_sys} s, ${tv_cpu} CPU, wall ${tv_wall} |"
  echo "| pimap -j1 (median of $REPEAT) | ${j1} s wall ($(mbs "$j1") MB/s), ${j1_cpu} s CPU |"
  echo "| pimap -j2 (median of $REPEAT) | ${j2} s wall ($(mbs "$j2") MB/s), ${j2_cpu} s CPU |"
  echo "| -j1 / -j2 speed-up | ${speedup}x |"
  echo "| findings (one run, to a file, with -o) | $findings_total in ${findings_wall} s; $(awk -v b="$findings_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }') of JSON Lines |"
  echo
  echo "Neighbour load: other processes used at most $neighbour_max cores on average during a measured phase (per phase: [raw/neighbour.tsv](raw/neighbour.tsv))."
  if [ -s "$RAW/busy.txt" ]; then
    echo
    echo "**The machine was busy** (treat the timings as upper bounds):"
    echo
    sed 's/^/- /' "$RAW/busy.txt"
  fi
  echo
  echo "## Findings by category and detector"
  echo
  echo "| kind | name | findings |"
  echo "|---|---|---|"
  awk -F'\t' '$1 == "category" || $1 == "detector" { printf "| %s | %s | %s |\n", $1, $2, $3 }' "$RAW/findings-count.txt"
  echo
  echo "Confidence (bucket: findings): $(awk -F'\t' '$1 == "confidence" { printf "%s: %s; ", $2, $3 }' "$RAW/findings-count.txt")"
  echo
  echo "## perf-ratio output"
  echo
  echo '```'
  cat "$RAW/perf-ratio.txt"
  echo '```'
  echo
  echo "## Profile"
  echo
  echo "$profile_note."
  if [ -s "$RAW/perf-self.txt" ]; then
    echo
    echo '```'
    grep -E '^ +[0-9]' "$RAW/perf-self.txt" | head -25
    echo '```'
  fi
  echo
  echo "## Commands"
  echo
  echo "\`$PIMAP\` below is a copy of \`$BUILT\` taken right after the build."
  echo
  echo '```sh'
  echo "cargo build --release"
  echo "python3 $GEN --out $CORPUS --size-mb $SIZE_MB --seed $SEED   # skipped when $STAMP matches"
  echo "PIMAP=$BUILT CORPUS=$CORPUS PAIRS=$PAIRS $RATIO"
  echo "/usr/bin/time -v $BUILT scan $CORPUS --findings - -q >/dev/null"
  echo "$BUILT scan $CORPUS --findings - -q -j 1 >/dev/null   # and -j 2; $REPEAT each, alternating"
  echo "$BUILT scan $CORPUS --findings FILE -o raw/inventory.json -q   # then counted by category"
  echo "perf record -e cpu-clock -F 499 --call-graph dwarf,8192 -- $BUILT scan $CORPUS --findings - -q -j 1 >/dev/null"
  echo '```'
} >"$RUN_DIR/README.md"

log "done: $RUN_DIR/README.md"
printf 'ratio %s | pimap %ss rg %ss | peak RSS %s MiB | -j1 %ss -j2 %ss (%sx) | %s findings | neighbour <= %s cores\n' \
  "$ratio" "$pimap_med" "$rg_med" "$rss_mib" "$j1" "$j2" "$speedup" "$findings_total" "$neighbour_max"
