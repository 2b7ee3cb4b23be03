#!/usr/bin/env bash
# Local-mode check of the Spark job (deploy/spark/pimap_spark.py), for CI and tests/spark.rs:
#
#   bash deploy/spark/test-local.sh [--install-only] PIMAP_BINARY CORPUS_DIR WORKDIR
#
# Makes sure the venv ${PIMAP_SPARK_VENV:-<repo>/target/spark-venv} holds requirements.txt
# (installed again only when requirements.txt changed), then, unless --install-only, runs the
# job with --master local[2] and 3 shards on CORPUS_DIR, runs the one-process scan of the same
# corpus, and compares the two inventories field for field apart from run timings; then the
# same for a refresh (each task against its own part of the first run). Everything the run
# writes goes under WORKDIR. Exits non-zero, saying why, on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() {
  echo "test-local.sh: $*" >&2
  exit 1
}

install_only=false
if [[ ${1:-} == --install-only ]]; then
  install_only=true
  shift
fi
if ! $install_only && [[ $# -ne 3 ]]; then
  die "usage: bash deploy/spark/test-local.sh [--install-only] PIMAP_BINARY CORPUS_DIR WORKDIR"
fi

# ------------------------------------------------------------------------------------------
# The venv: pyspark's sdist is ~317 MB and builds for a while, so install only when the pins
# changed (the hash of requirements.txt is kept in the venv).
venv=${PIMAP_SPARK_VENV:-$repo/target/spark-venv}
requirements=$here/requirements.txt
want_hash=$(sha256sum "$requirements" | cut -d' ' -f1)
mkdir -p "$(dirname "$venv")"
# Two runs at once (CI and a developer's cargo test) must not install into one venv together.
exec 9>"$venv.lock"
flock 9
if [[ ! -x $venv/bin/python || "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want_hash" ]]; then
  echo "test-local.sh: installing $(grep -v '^#' "$requirements" | xargs) into $venv" >&2
  started=$SECONDS
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv" || die "python3 -m venv $venv failed"
  rm -f "$venv/.requirements.sha256"
  "$venv/bin/pip" install --no-input --disable-pip-version-check -q -r "$requirements" ||
    die "pip install -r $requirements failed"
  echo "$want_hash" >"$venv/.requirements.sha256"
  echo "test-local.sh: installed in $((SECONDS - started)) s" >&2
else
  echo "test-local.sh: $venv is up to date with requirements.txt" >&2
fi
flock -u 9
if $install_only; then
  exit 0
fi

# ------------------------------------------------------------------------------------------
# The run.
pimap=$1
corpus=$2
workdir=$3
[[ -x $pimap ]] || die "PIMAP_BINARY $pimap is not an executable file"
[[ -d $corpus ]] || die "CORPUS_DIR $corpus is not a directory"
command -v java >/dev/null || die "java is not on PATH (Spark needs a JRE, 8/11/17)"
mkdir -p "$workdir"
pimap=$(cd "$(dirname "$pimap")" && pwd)/$(basename "$pimap")
corpus=$(cd "$corpus" && pwd)
workdir=$(cd "$workdir" && pwd)

# A fixed test key: the parts and the one-process scan must fingerprint alike.
export PIMAP_KEY=spark-local-test-key-0000000001
# Spark on loopback only, its scratch and Java's and Python's temporary files under WORKDIR.
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_DIRS=$workdir/spark-local
export TMPDIR=$workdir/tmp
export PYSPARK_PYTHON=$venv/bin/python
export PYSPARK_DRIVER_PYTHON=$venv/bin/python
unset SPARK_HOME PYTHONPATH
mkdir -p "$SPARK_LOCAL_DIRS" "$TMPDIR"
rm -rf "$workdir/parts" "$workdir/parts-refresh"
rm -f "$workdir"/merged*.json "$workdir"/one*.json "$workdir"/timings*.json

cd "$workdir"

# spark_job TIMINGS_FILE JOB_OPTION...: the job in local[2] on the corpus, 3 shards.
spark_job() {
  local timings=$1
  shift
  "$venv/bin/spark-submit" \
    --master 'local[2]' \
    --driver-java-options "-Dlog4j2.configurationFile=file:$here/log4j2-quiet.properties -Djava.io.tmpdir=$TMPDIR -XX:-UsePerfData" \
    --conf spark.driver.host=127.0.0.1 \
    --conf spark.driver.bindAddress=127.0.0.1 \
    --conf spark.ui.enabled=false \
    "$here/pimap_spark.py" \
    --pimap "$pimap" --shards 3 --timings "$timings" "$@" -- "$corpus"
}

# A first scan: the merged inventory against the one-process one.
echo "test-local.sh: Spark local[2], 3 shards, on $corpus" >&2
started=$SECONDS
spark_status=0
spark_job "$workdir/timings.json" --out "$workdir/merged.json" --parts-dir "$workdir/parts" ||
  spark_status=$?
# 1: some inputs unreadable, as the one-process scan may say too; the comparison decides.
[[ $spark_status -le 1 ]] || die "the Spark job failed (exit $spark_status)"
[[ -f $workdir/merged.json ]] || die "the Spark job wrote no merged inventory"
echo "test-local.sh: Spark job done in $((SECONDS - started)) s (exit $spark_status)" >&2

one_status=0
"$pimap" scan "$corpus" -o "$workdir/one.json" -q || one_status=$?
[[ $one_status -le 1 ]] || die "the one-process scan failed (exit $one_status)"
[[ $one_status -eq $spark_status ]] ||
  die "exit status differs: Spark job $spark_status, one-process scan $one_status"

"$venv/bin/python" "$here/inventory_equal.py" "$workdir/merged.json" "$workdir/one.json" ||
  die "the merged inventory differs from the one-process inventory (see above)"

# A refresh: each task takes its own part of the first run as baseline (--baseline-dir) and
# the merge the first merged inventory; the one-process refresh takes the first one-process
# inventory. Apart from the baselines' names and times the two must agree, reused files
# included (a task that did not get its baseline would read every file again).
echo "test-local.sh: refresh against the first run's parts" >&2
started=$SECONDS
spark_status=0
spark_job "$workdir/timings-refresh.json" --out "$workdir/merged-refresh.json" \
  --parts-dir "$workdir/parts-refresh" --baseline-dir "$workdir/parts" \
  --merge-baseline "$workdir/merged.json" || spark_status=$?
[[ $spark_status -le 1 ]] || die "the Spark refresh failed (exit $spark_status)"
echo "test-local.sh: Spark refresh done in $((SECONDS - started)) s (exit $spark_status)" >&2
one_status=0
"$pimap" scan "$corpus" --baseline "$workdir/one.json" -o "$workdir/one-refresh.json" -q ||
  one_status=$?
[[ $one_status -le 1 ]] || die "the one-process refresh failed (exit $one_status)"
[[ $one_status -eq $spark_status ]] ||
  die "refresh exit status differs: Spark job $spark_status, one-process scan $one_status"
"$venv/bin/python" "$here/inventory_equal.py" \
  --ignore changes.baseline_file --ignore changes.baseline_scanned_at \
  "$workdir/merged-refresh.json" "$workdir/one-refresh.json" ||
  die "the refreshed merged inventory differs from the one-process refresh (see above)"
