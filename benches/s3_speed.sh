#!/usr/bin/env bash
# Object storage: how much slower is a bucket than the disk? Starts a throw-away S3 server
# (moto's server mode, `pip install 'moto[server]'`) on a free port of 127.0.0.1 in a temporary
# folder, uploads ../shared/eval-dev/corpus to s3://bench/corpus with boto3
# (tests/object_storage/s3_fixture.py), then times, best of RUNS (default 5):
#   pimap scan CORPUS -q -o X            and            pimap scan s3://bench/corpus -q -o Y
# and prints both and the ratio s3 / disk (target: <= 2). moto is stopped on exit.
#
#   cargo build --release && bash benches/s3_speed.sh
#   CORPUS=/some/tree RUNS=3 bash benches/s3_speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PIMAP=${PIMAP:-${CARGO_TARGET_DIR:-target}/release/pimap}
CORPUS=${CORPUS:-../shared/eval-dev/corpus}
RUNS=${RUNS:-5}
[ -x "$PIMAP" ] || { echo "no $PIMAP: cargo build --release first" >&2; exit 2; }
python3 -c 'import moto.server, boto3' 2>/dev/null || {
  echo "moto's S3 server is not installed: pip install 'moto[server]'" >&2; exit 2; }

work=$(mktemp -d /tmp/pimap-bench-s3.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_pid=
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && exec python3 -m moto.server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1) &
moto_pid=$!
for _ in $(seq 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$moto_pid" 2>/dev/null || { cat "$work/moto.log" >&2; exit 1; }
  sleep 0.1
done

# Dummy credentials (moto accepts any); nothing from ~/.aws.
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=bench-key-id \
  AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
  AWS_SHARED_CREDENTIALS_FILE=$work/no-credentials AWS_CONFIG_FILE=$work/no-config
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION
fixture=tests/object_storage/s3_fixture.py
python3 "$fixture" mkbucket bench
n=$(python3 "$fixture" upload bench corpus "$CORPUS")
echo "uploaded $n files ($(du -sh "$CORPUS" | cut -f1)) to s3://bench/corpus on $AWS_ENDPOINT_URL"

# best_of LABEL ARGS...: the shortest wall time of RUNS scans, in seconds.
best_of() {
  local best= t start status
  for _ in $(seq "$RUNS"); do
    start=$EPOCHREALTIME
    status=0
    "$PIMAP" scan "$@" -q -o "$work/inv.json" >/dev/null || status=$?
    t=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }')
    [ "$status" -le 1 ] || { echo "pimap scan $* failed ($status)" >&2; exit 1; }
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
  done
  echo "$best"
}

disk=$(best_of "$CORPUS")
files_disk=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["files"])' "$work/inv.json")
s3=$(best_of s3://bench/corpus)
files_s3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["files"])' "$work/inv.json")
echo "disk: ${disk} s ($files_disk files), best of $RUNS"
echo "s3:   ${s3} s ($files_s3 files), best of $RUNS"
awk -v d="$disk" -v s="$s3" 'BEGIN { r = s / d; printf "ratio s3/disk: %.2f (target <= 2)%s\n", r, (r <= 2 ? "" : "  OVER TARGET") }'
