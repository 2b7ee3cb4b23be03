#!/usr/bin/env bash
# Live databases: how long the default sample (--db-sample 10000) of a ~1 GiB table takes.
# Starts a throw-away PostgreSQL 15 cluster and MariaDB server in a temporary folder on
# loopback (nothing of the system's is used), fills one ~1 GiB table in each on the server side
# (PostgreSQL: INSERT ... SELECT FROM generate_series; MariaDB: the SEQUENCE engine's
# seq_1_to_N), then times `pimap scan URL` with the default sample, and with --db-sample all
# when FULL=1. Both servers are stopped on exit.
#
#   cargo build --release && bash benches/live_db_sample.sh        # ROWS=5000000 (~1 GiB) by default
set -euo pipefail
cd "$(dirname "$0")/.."
PIMAP=${PIMAP:-${CARGO_TARGET_DIR:-target}/release/pimap}
ROWS=${ROWS:-5000000}
PG=/usr/lib/postgresql/15/bin
work=$(mktemp -d /tmp/pimap-bench-db.XXXXXX)
chmod 755 "$work"
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
my_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
my_pid=
cleanup() {
  "${as_pg[@]}" "$PG/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  [ -n "$my_pid" ] && kill "$my_pid" 2>/dev/null && wait "$my_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/pg"
echo benchpw > "$work/pg/pw"
[ "$(id -u)" = 0 ] && chown -R postgres: "$work/pg"
"${as_pg[@]}" "$PG/initdb" -D "$work/pg/data" -U admin --auth=scram-sha-256 --pwfile="$work/pg/pw" -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$PG/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg -c fsync=off -c synchronous_commit=off" start >/dev/null
export PGPASSWORD=benchpw
psql() { command psql -X -q -h 127.0.0.1 -p "$pg_port" -U admin "$@"; }
psql -d postgres -c "CREATE DATABASE shop"
# ~230 bytes a row: a key, a name, a resident-ID-shaped and a phone-shaped column, an address
# and filler text.
time psql -d shop -c "CREATE TABLE orders AS SELECT g AS id, '王' || (g % 1000) AS name,
    '110105' || (1950 + g % 50) || lpad((1 + g % 12)::text, 2, '0') || lpad((1 + g % 28)::text, 2, '0') || lpad((g % 1000)::text, 3, '0') || 'X' AS id_card,
    '138' || lpad((g::bigint * 7919 % 100000000)::text, 8, '0') AS phone,
    '浙江省杭州市西湖区文三路' || (g % 900) || '号' AS address,
    repeat(md5(g::text), 3) AS note
  FROM generate_series(1, $ROWS) g;
  ALTER TABLE orders ADD PRIMARY KEY (id); ANALYZE orders;"
psql -d shop -At -c "SELECT 'postgres table: ' || pg_size_pretty(pg_table_size('orders')) || ', ' || reltuples::bigint || ' rows' FROM pg_class WHERE relname = 'orders'"

mkdir "$work/my"
root=()
[ "$(id -u)" = 0 ] && root=(--user=root)
mariadb-install-db --no-defaults --datadir="$work/my/data" --auth-root-authentication-method=normal --skip-test-db "${root[@]}" >/dev/null
mariadbd --no-defaults --datadir="$work/my/data" --socket="$work/my/sock" --port="$my_port" \
  --bind-address=127.0.0.1 --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=256M \
  --innodb-flush-log-at-trx-commit=0 --character-set-server=utf8mb4 "${root[@]}" >"$work/my/log" 2>&1 &
my_pid=$!
my() { mariadb --no-defaults --default-character-set=utf8mb4 --socket="$work/my/sock" -uroot "$@"; }
for _ in $(seq 100); do my -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
my -e "CREATE DATABASE shop; CREATE USER bench@'%' IDENTIFIED BY 'benchpw'; GRANT SELECT ON shop.* TO bench@'%';"
time my shop -e "CREATE TABLE orders (id int PRIMARY KEY, name varchar(16), id_card varchar(18), phone varchar(11),
    address varchar(64), note varchar(96)) ENGINE=InnoDB;
  INSERT INTO orders SELECT seq, CONCAT('王', seq % 1000),
    CONCAT('110105', 1950 + seq % 50, LPAD(1 + seq % 12, 2, '0'), LPAD(1 + seq % 28, 2, '0'), LPAD(seq % 1000, 3, '0'), 'X'),
    CONCAT('138', LPAD(seq * 7919 % 100000000, 8, '0')), CONCAT('浙江省杭州市西湖区文三路', seq % 900, '号'),
    REPEAT(MD5(seq), 3) FROM seq_1_to_$ROWS; ANALYZE TABLE orders;" >/dev/null
my -N -e "SELECT CONCAT('mariadb table: ', ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576), ' MiB, ', TABLE_ROWS, ' rows (estimate)') FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders'"

run() {
  local label=$1; shift
  local start=$EPOCHREALTIME
  "$PIMAP" scan "$@" -q -o "$work/inv.json" --findings "$work/f.jsonl" || true
  awk -v s="$start" -v e="$EPOCHREALTIME" -v l="$label" -v n="$(wc -l < "$work/f.jsonl")" \
    'BEGIN { printf "%s: %.2f s, %d findings\n", l, e - s, n }'
}
run "postgres, default sample (10,000 rows)" "postgres://admin@127.0.0.1:$pg_port/shop"
MYSQL_PWD=benchpw run "mariadb, default sample (10,000 rows)" "mysql://bench@127.0.0.1:$my_port/shop"
if [ "${FULL:-0}" = 1 ]; then
  run "postgres, --db-sample all" "postgres://admin@127.0.0.1:$pg_port/shop" --db-sample all
  MYSQL_PWD=benchpw run "mariadb, --db-sample all" "mysql://bench@127.0.0.1:$my_port/shop" --db-sample all
fi
