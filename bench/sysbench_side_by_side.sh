#!/usr/bin/env bash
# The same sysbench on stock MariaDB and on an aurora MySQL writer, in one run, as ratios.
#
# Starts stock MariaDB (Debian's mariadb-server) on a temporary data directory and a free port,
# and an aurora MySQL writer on a six-node storage fleet in a temporary AURORA_HOME (every commit
# durable on 4 of 6 nodes); prepares both with `sysbench oltp_read_write prepare` ($TABLES
# tables of $TABLE_SIZE rows), then runs oltp_read_write and oltp_point_select ($THREADS
# threads, sysbench's default server-side prepared statements) for $DURATION seconds on each,
# alternating, $ROUNDS rounds (each round swaps which side goes first), and prints each
# side's median TPS and the ratio of the medians, aurora / MariaDB. One run each is not
# enough on a shared machine: MariaDB alone has given 44,700 and 62,000 point selects a
# second in two runs on two days. MariaDB keeps its durable defaults
# (innodb_flush_log_at_trx_commit=1: one log flush per commit).
#
#   bench/sysbench_side_by_side.sh      # TABLES=1 TABLE_SIZE=10000 THREADS=4 DURATION=20 ROUNDS=3
#   DURATION=5 TABLE_SIZE=1000 ROUNDS=1 bench/sysbench_side_by_side.sh
#
# Ends with one line: RESULT rw_tps=... mariadb_rw_tps=... rw_ratio=... point_tps=...
# mariadb_point_tps=... point_ratio=... rounds=...  (medians). Everything it started is
# stopped on exit, also on error.
set -euo pipefail

TABLES=${TABLES:-1}
TABLE_SIZE=${TABLE_SIZE:-10000}
THREADS=${THREADS:-4}
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[[ -x $PYTHON ]] || PYTHON=python3
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "Error: ROUNDS must be a positive integer, not '$ROUNDS'" >&2; exit 2; }

log() { printf '%s\n' "$*" >&2; }
die() { log "Error: $*"; exit 1; }

need=()
command -v sysbench >/dev/null 2>&1 || need+=(sysbench)
command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || need+=(mariadb-server)
if ((${#need[@]})); then
    log "installing ${need[*]} with apt-get..."
    if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
INSTALL_DB=$(command -v mariadb-install-db || command -v mysql_install_db) || die "mariadb-install-db not found"

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sysbench-side-by-side.XXXXXX")
MARIA_DIR=$WORK/mariadb
AURORA_DIR=$WORK/aurora-home
MARIA_PID=
AURORA_STARTED=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $MARIA_PID ]]; then
        kill "$MARIA_PID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$MARIA_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$MARIA_PID" 2>/dev/null || true
    fi
    if [[ $AURORA_STARTED -eq 1 ]]; then
        "$PYTHON" "$ROOT/bench/aurora_instance.py" stop "$AURORA_DIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- start both ----------------------------------------------------------------------------
MARIA_PORT=$(free_port)
log "stock MariaDB ($MARIADBD) on port $MARIA_PORT..."
mkdir -p "$MARIA_DIR"
"$INSTALL_DB" --no-defaults --user="$(id -un)" --datadir="$MARIA_DIR/data" \
    --auth-root-authentication-method=normal >"$WORK/install-db.log" 2>&1 \
    || { cat "$WORK/install-db.log" >&2; die "mariadb-install-db failed"; }
"$MARIADBD" --no-defaults --user="$(id -un)" --datadir="$MARIA_DIR/data" --port="$MARIA_PORT" \
    --bind-address=127.0.0.1 --socket="$MARIA_DIR/mysqld.sock" --pid-file="$MARIA_DIR/mysqld.pid" \
    --innodb-buffer-pool-size=256M --max-connections=200 --skip-name-resolve \
    --log-error="$MARIA_DIR/error.log" &
MARIA_PID=$!
for _ in $(seq 300); do
    mysql --no-defaults -S "$MARIA_DIR/mysqld.sock" -u root -e 'SELECT 1' >/dev/null 2>&1 && break
    kill -0 "$MARIA_PID" 2>/dev/null || { cat "$MARIA_DIR/error.log" >&2; die "MariaDB exited"; }
    sleep 0.1
done
mysql --no-defaults -S "$MARIA_DIR/mysqld.sock" -u root -e \
    "CREATE DATABASE sbtest; CREATE USER 'sb'@'%' IDENTIFIED BY 'sb-password'; GRANT ALL ON sbtest.* TO 'sb'@'%';" \
    || die "cannot create the sbtest database on MariaDB"

log "aurora MySQL writer on a six-node fleet..."
AURORA_STARTED=1
read -r AURORA_PORT AURORA_PASSWORD_FILE < <("$PYTHON" "$ROOT/bench/aurora_instance.py" start "$AURORA_DIR" \
    --engine mysql --database sbtest) || die "the aurora instance did not start (logs under $AURORA_DIR)"
[[ -n ${AURORA_PORT:-} ]] || die "the aurora instance did not start"
AURORA_PASSWORD=$(cat "$AURORA_PASSWORD_FILE")

sb() {  # sb mariadb|aurora TEST ARGS...: run sysbench against one side
    local side=$1 test=$2; shift 2
    local port=$MARIA_PORT user=sb password=sb-password
    if [[ $side == aurora ]]; then port=$AURORA_PORT user=admin password=$AURORA_PASSWORD; fi
    sysbench "$test" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" \
        --mysql-user="$user" --mysql-password="$password" --mysql-db=sbtest --mysql-ssl=off \
        --tables="$TABLES" --table-size="$TABLE_SIZE" "$@"
}

tps_of() {  # tps_of mariadb|aurora TEST: run, check no errors stopped it, print TPS
    local side=$1 test=$2 out
    out=$(sb "$side" "$test" --threads="$THREADS" --time="$DURATION" --report-interval=0 run 2>&1) \
        || { log "$out"; die "sysbench $test failed on $side"; }
    sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' <<<"$out"
}

ratio() { "$PYTHON" -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b else 'nan')" "$1" "$2"; }
median() { "$PYTHON" -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }

for side in mariadb aurora; do
    log "sysbench oltp_read_write prepare on $side ($TABLES x $TABLE_SIZE rows)..."
    out=$(sb "$side" oltp_read_write prepare 2>&1) || { log "$out"; die "sysbench prepare failed on $side"; }
done

declare -A TPS  # "side test" -> the rounds' TPS, space-separated
for round in $(seq "$ROUNDS"); do
    order=(mariadb aurora)
    ((round % 2)) || order=(aurora mariadb)
    for test in oltp_read_write oltp_point_select; do
        for side in "${order[@]}"; do
            log "round $round/$ROUNDS: $test on $side, $THREADS threads, $DURATION s..."
            tps=$(tps_of "$side" "$test")
            [[ -n $tps ]] || die "sysbench $test printed no TPS on $side"
            log "    $tps tps"
            TPS["$side $test"]+="$tps "
        done
    done
done

# shellcheck disable=SC2086 # the lists are meant to split
{
    MARIA_RW=$(median ${TPS["mariadb oltp_read_write"]})
    RW=$(median ${TPS["aurora oltp_read_write"]})
    MARIA_POINT=$(median ${TPS["mariadb oltp_point_select"]})
    POINT=$(median ${TPS["aurora oltp_point_select"]})
}
RW_RATIO=$(ratio "$RW" "$MARIA_RW")
POINT_RATIO=$(ratio "$POINT" "$MARIA_POINT")
printf '%-34s %12s %12s %8s\n' "median of $ROUNDS ($TABLES x $TABLE_SIZE rows)" aurora mariadb ratio
printf '%-34s %12.1f %12.1f %8s\n' "oltp_read_write tps" "$RW" "$MARIA_RW" "$RW_RATIO"
printf '%-34s %12.1f %12.1f %8s\n' "oltp_point_select tps" "$POINT" "$MARIA_POINT" "$POINT_RATIO"
echo "RESULT rw_tps=$RW mariadb_rw_tps=$MARIA_RW rw_ratio=$RW_RATIO point_tps=$POINT mariadb_point_tps=$MARIA_POINT point_ratio=$POINT_RATIO rounds=$ROUNDS"
