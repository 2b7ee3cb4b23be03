#!/usr/bin/env bash
# tools/fuzz.sh - builds and runs pimap's cargo-fuzz targets (fuzz/, see fuzz/README.md) and
# records the CPU time each run spent in fuzz/runs.tsv.
#
#   tools/fuzz.sh TARGET [SECONDS]   fuzz one target (default 60 s of wall time)
#   tools/fuzz.sh all SECONDS        each target in turn, SECONDS each
#   tools/fuzz.sh loop SECONDS       runs of SECONDS each, always of the target with the least
#                                    CPU time so far in runs.tsv, until stopped: `touch
#                                    fuzz/STOP` ends it after the current run (or kill the
#                                    script's process group: the current run goes unrecorded)
#   tools/fuzz.sh build              build every target
#   tools/fuzz.sh list               the targets
#   tools/fuzz.sh totals             CPU seconds, runs, execs and crashes per target so far
#   tools/fuzz.sh repro TARGET FILE  run one input through a target (a crash, to look at it)
#   tools/fuzz.sh triage TARGET      each artifact of TARGET with the first frame of pimap's or
#                                    a parser crate's code in its stack (to sort known ones out)
#
# Needs: the nightly toolchain (`rustup toolchain install nightly`) and a C++ compiler (for
# libFuzzer). cargo-fuzz is installed from crates.io on first use (`cargo install cargo-fuzz
# --locked`) into $FUZZ_TOOLS (default: <cargo target dir>/fuzz-tools).
#
# Everything runs under `nice -n 19` (builds too): fuzzing takes a core for as long as it
# runs. One libFuzzer process at a time, single-threaded (no -jobs/-workers; the sheet target
# runs in fork mode with one child at a time, below).
#
# Each run: corpus fuzz/corpus/TARGET (grows, not committed); seeds regenerated each run into
# fuzz/corpus/TARGET.seeds from the repo's fixtures/ and fuzz/seeds/TARGET; crashes, hangs
# and OOMs in fuzz/artifacts/TARGET/; the log in fuzz/logs/. Options: -max_len per target,
# -timeout=10 (a hang is an input taking over 10 s), -rss_limit_mb=2048,
# -malloc_limit_mb=2048. The sheet target runs with -fork=1 -ignore_ooms=1 -ignore_crashes=1
# -ignore_timeouts=1: calamine aborts on out-of-memory for hostile xls/ods (known, handled in
# the product by reading workbooks in a child process), and a run must go on past them; its
# artifacts are still written and must be triaged (README.md).
#
# fuzz/runs.tsv gets one line per run: date (UTC), target, CPU seconds (user+sys of the
# fuzzer and its children), wall seconds, executions, corpus files after the run, new
# artifacts (crash/leak/oom/timeout files), libFuzzer's exit status, options.
#
# Environment (optional):
#   CARGO_TARGET_DIR   where everything is built (default: target/ of the repo); the fuzz
#                      build goes to $CARGO_TARGET_DIR/fuzz
#   FUZZ_TOOLS         where cargo-fuzz is installed (default $CARGO_TARGET_DIR/fuzz-tools)
#   FUZZ_NICE          niceness (default 19)
#   FUZZ_ARGS          extra libFuzzer options for every run
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$repo/fuzz"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
tools="${FUZZ_TOOLS:-$target_dir/fuzz-tools}"
fuzz_target_dir="$target_dir/fuzz"
niceness="${FUZZ_NICE:-19}"
triple="x86_64-unknown-linux-gnu"
bin_dir="$fuzz_target_dir/$triple/release"
runs="$fuzz/runs.tsv"

TARGETS=(json_walk sql_walk delimited decode claim archive_members sheet policy inventory)

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

max_len() {
    case "$1" in
        archive_members | sheet) echo 65536 ;;
        inventory) echo 65536 ;;
        policy) echo 8192 ;;
        *) echo 16384 ;;
    esac
}

install_cargo_fuzz() {
    if [[ -x "$tools/bin/cargo-fuzz" ]]; then
        return
    fi
    echo "fuzz.sh: installing cargo-fuzz into $tools" >&2
    nice -n "$niceness" cargo install cargo-fuzz --locked --root "$tools"
}

build() {
    install_cargo_fuzz
    cargo +nightly --version >/dev/null 2>&1 || die "the nightly toolchain is missing: rustup toolchain install nightly"
    # Default cargo-fuzz build: optimised, debug assertions and overflow checks on, ASan.
    (cd "$repo" && PATH="$tools/bin:$PATH" nice -n "$niceness" \
        cargo +nightly fuzz build --target-dir "$fuzz_target_dir" "$@")
}

# Seeds for TARGET in $1.seeds: the text targets' inputs start with a selector byte (reading
# conditions; see fuzz/src/lib.rs), so fixtures get one prepended (0x00: default chunk;
# 0x0A: 64-byte chunks, short reads).
seed() {
    local t="$1" out="$fuzz/corpus/$1.seeds"
    rm -rf "$out"
    mkdir -p "$out"
    local prefixed=()
    case "$t" in
        json_walk) prefixed=("$repo"/fixtures/json/* "$repo"/fixtures/ndjson/*) ;;
        sql_walk) prefixed=("$repo"/fixtures/sql/*) ;;
        delimited) prefixed=("$repo"/fixtures/csv/*) ;;
        decode) prefixed=("$repo"/fixtures/*/*) ;;
        claim)
            local f
            for f in "$repo"/fixtures/*/* "$fuzz"/seeds/archive_members/* "$fuzz"/seeds/sheet/*; do
                [[ -f "$f" && "$f" != *.expect.jsonl ]] || continue
                { printf '%s\0' "$(basename "$f")"; head -c 16384 "$f"; } >"$out/$(basename "$f")"
            done
            ;;
        policy)
            cp "$repo/examples/pimap-policy.toml" "$out/"
            ;;
    esac
    local f n=0
    for f in "${prefixed[@]}"; do
        [[ -f "$f" && "$f" != *.expect.jsonl ]] || continue
        n=$((n + 1))
        { printf '\x00'; cat "$f"; } >"$out/$n-a-$(basename "$f")"
        { printf '\x0a'; cat "$f"; } >"$out/$n-b-$(basename "$f")"
    done
    if [[ -d "$fuzz/seeds/$t" ]]; then
        cp "$fuzz/seeds/$t"/* "$out/" 2>/dev/null || true
    fi
}

artifacts_count() {
    find "$fuzz/artifacts/$1" -maxdepth 1 -type f \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) 2>/dev/null | wc -l
}

run_one() {
    local t="$1" seconds="$2"
    [[ -x "$bin_dir/$t" ]] || die "$t is not built (tools/fuzz.sh build)"
    mkdir -p "$fuzz/corpus/$t" "$fuzz/artifacts/$t" "$fuzz/logs"
    seed "$t"
    local stamp log opts before after status cpu wall execs corpus
    stamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    log="$fuzz/logs/$t-$(date -u +%Y%m%dT%H%M%SZ).log"
    opts=(-max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048
        -max_total_time="$seconds" -print_final_stats=1)
    if [[ "$t" == sheet ]]; then
        opts+=(-fork=1 -ignore_ooms=1 -ignore_crashes=1 -ignore_timeouts=1)
    fi
    # shellcheck disable=SC2206
    opts+=(${FUZZ_ARGS:-})
    before="$(artifacts_count "$t")"
    echo "fuzz.sh: $t for ${seconds}s (log: ${log#"$repo"/})" >&2
    local timefile
    timefile="$(mktemp)"
    set +e
    (cd "$fuzz" && nice -n "$niceness" /usr/bin/time -f '%U %S %e' -o "$timefile" \
        "$bin_dir/$t" "${opts[@]}" -artifact_prefix="artifacts/$t/" \
        "corpus/$t" "corpus/$t.seeds") >"$log" 2>&1
    status=$?
    set -e
    # GNU time writes "Command exited with non-zero status N" first when the fuzzer fails.
    read -r user sys wall < <(tail -n 1 "$timefile") || true
    rm -f "$timefile"
    cpu="$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.0f", u + s }')"
    wall="$(awk -v w="${wall:-0}" 'BEGIN { printf "%.0f", w }')"
    execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -n 1 | awk '{print $2}' || true)"
    if [[ -z "$execs" ]]; then
        # Fork mode prints no final stats: its last status line counts the executions.
        execs="$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#' || true)"
    fi
    corpus="$(find "$fuzz/corpus/$t" -maxdepth 1 -type f | wc -l)"
    after="$(artifacts_count "$t")"
    [[ -f "$runs" ]] || printf 'date\ttarget\tcpu_s\twall_s\texecs\tcorpus\tnew_artifacts\tstatus\toptions\n' >"$runs"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stamp" "$t" "$cpu" "$wall" "${execs:-0}" "$corpus" \
        "$((after - before))" "$status" "${opts[*]}" >>"$runs"
    echo "fuzz.sh: $t: ${cpu}s CPU, ${execs:-0} execs, corpus $corpus, new artifacts $((after - before)), exit $status" >&2
    if ((after > before)); then
        echo "fuzz.sh: $t: new artifacts in fuzz/artifacts/$t/ (see $log)" >&2
    fi
}

totals() {
    [[ -f "$runs" ]] || die "no runs yet ($runs)"
    printf '%s\n' "${TARGETS[@]}" | awk -F'\t' '
        NR == FNR { order[++targets] = $1; next }
        FNR > 1 { cpu[$2] += $3; n[$2]++; ex[$2] += $5; art[$2] += $7 }
        END {
            printf "%-16s %8s %5s %12s %10s\n", "target", "cpu_s", "runs", "execs", "artifacts"
            for (i = 1; i <= targets; i++) {
                t = order[i]
                printf "%-16s %8d %5d %12d %10d\n", t, cpu[t], n[t], ex[t], art[t]
                all += cpu[t]
            }
            printf "%-16s %8d\n", "all", all
        }' - "$runs"
}

# The target with the least CPU time in runs.tsv (the first in TARGETS on a tie): a loop
# evens out the time each target gets, whatever the others on the machine take.
least_fuzzed() {
    printf '%s\n' "${TARGETS[@]}" | awk -F'\t' '
        NR == FNR { order[++targets] = $1; next }
        FNR > 1 { cpu[$2] += $3 }
        END {
            best = order[1]
            for (i = 2; i <= targets; i++) if (cpu[order[i]] + 0 < cpu[best] + 0) best = order[i]
            print best
        }' - "${runs}" 2>/dev/null || echo "${TARGETS[0]}"
}

known() {
    local t
    for t in "${TARGETS[@]}"; do [[ "$t" == "$1" ]] && return 0; done
    return 1
}

case "${1:-}" in
    "" | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
    list) printf '%s\n' "${TARGETS[@]}" ;;
    build) build ;;
    totals) totals ;;
    repro)
        [[ $# -eq 3 ]] || die "usage: tools/fuzz.sh repro TARGET FILE"
        known "$2" || die "unknown target $2"
        build "$2"
        nice -n "$niceness" "$bin_dir/$2" -runs=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 "$3"
        ;;
    triage)
        [[ $# -eq 2 ]] || die "usage: tools/fuzz.sh triage TARGET"
        known "$2" || die "unknown target $2"
        for f in "$fuzz/artifacts/$2"/*; do
            [[ -f "$f" ]] || continue
            frame="$(nice -n "$niceness" "$bin_dir/$2" -runs=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 "$f" 2>&1 |
                grep -E '^ +#[0-9]+ .* in ' | grep -E 'pimap|calamine|zip::|tar::|flate2|csv_core|encoding_rs|toml|serde_json' |
                grep -vE ' in <?(pimap_fuzz|libfuzzer_sys|fuzzer|alloc|core|std)::' | head -n 1 |
                sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //; s| /[^ ]*/([^/ ]+/src/[^ ]*)| \1|' || true)"
            printf '%s\t%s\n' "${f#"$fuzz"/}" "${frame:-(no frame of a parser: see tools/fuzz.sh repro)}"
        done
        ;;
    all)
        seconds="${2:?usage: tools/fuzz.sh all SECONDS}"
        build
        for t in "${TARGETS[@]}"; do run_one "$t" "$seconds"; done
        ;;
    loop)
        seconds="${2:?usage: tools/fuzz.sh loop SECONDS}"
        build
        rm -f "$fuzz/STOP"
        while [[ ! -e "$fuzz/STOP" ]]; do run_one "$(least_fuzzed)" "$seconds"; done
        rm -f "$fuzz/STOP"
        echo "fuzz.sh: stopped (fuzz/STOP)" >&2
        ;;
    *)
        known "$1" || die "unknown target $1 (tools/fuzz.sh list)"
        build "$1"
        run_one "$1" "${2:-60}"
        ;;
esac
