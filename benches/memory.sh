#!/usr/bin/env bash
# Memory benchmark for issue 3: peak RSS of `pimap scan` on a generated 1 GiB mysqldump
# (must stay under 300 MB: dumps are streamed) and on a generated ~200 MB xlsx (reported).
# Usage (from the repo root): bash benches/memory.sh   [DUMP_MB=1024] [XLSX_ROWS=2500000]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/pimap-memory}
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q
dump="$work/dump-${DUMP_MB:-1024}.sql"
[ -s "$dump" ] || python3 benches/gen_dump.py "$dump" "${DUMP_MB:-1024}"
xlsx="$work/orders-${XLSX_ROWS:-2500000}.xlsx"
[ -s "$xlsx" ] || cargo run --release -q --example gen_xlsx -- "$xlsx" "${XLSX_ROWS:-2500000}"
measure() {
  local file=$1
  /usr/bin/time -v target/release/pimap scan "$file" --findings - -q -j 2 > /dev/null 2> "$work/time.txt" || true
  local rss_kb wall
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
  printf '%-50s %8d MB  peak RSS %6d MiB  wall %s\n' "$(basename "$file")" "$(( $(stat -c %s "$file") >> 20 ))" "$(( rss_kb / 1024 ))" "$wall"
}
echo "pimap $(git rev-parse --short HEAD), $(date -u +%FT%TZ)"
measure "$dump"
measure "$xlsx"
