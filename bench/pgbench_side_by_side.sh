#!/usr/bin/env bash
# The same pgbench on stock PostgreSQL and on an aurora writer, in one run, as ratios.
#
# Starts stock PostgreSQL on a temporary data directory and a free port, and an aurora writer
# on a six-node storage fleet in a temporary AURORA_HOME (every commit durable on 4 of 6
# nodes); initialises both with `pgbench -i -s $SCALE`, then runs TPC-B (`-c 4 -j 2`) and
# select-only (`-S -M prepared -c 4`) for $DURATION seconds on each, alternating, $ROUNDS
# rounds (each round swaps which side goes first), and prints each side's median TPS and the
# ratio of the medians, aurora / PostgreSQL. Both sides are asked for plain TCP (PGSSLMODE=disable):
# a fresh initdb has no TLS, aurora offers it, so a default client would only encrypt one side.
#
#   bench/pgbench_side_by_side.sh              # SCALE=10 DURATION=30 ROUNDS=3
#   SCALE=2 DURATION=5 ROUNDS=1 bench/pgbench_side_by_side.sh
#
# Ends with one line: RESULT tpcb_tps=... pg_tpcb_tps=... tpcb_ratio=... select_tps=...
# pg_select_tps=... select_ratio=... rounds=...  (medians). Everything it started is stopped
# on exit, also on error.
set -euo pipefail

SCALE=${SCALE:-10}
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[[ -x $PYTHON ]] || PYTHON=python3
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "Error: ROUNDS must be a positive integer, not '$ROUNDS'" >&2; exit 2; }
export PGSSLMODE=disable PGCONNECT_TIMEOUT=10

log() { printf '%s\n' "$*" >&2; }
die() { log "Error: $*"; exit 1; }

# --- stock PostgreSQL binaries -------------------------------------------------------------
pg_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return 0; }
    done
    return 1
}
PGBIN=$(pg_bindir || true)
if [[ -z $PGBIN ]]; then
    log "PostgreSQL is not installed; installing the Debian package postgresql..."
    if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(pg_bindir) || die "no initdb/pg_ctl under /usr/lib/postgresql/*/bin after installing"
fi
PGBENCH=$(command -v pgbench || echo "$PGBIN/pgbench")
PSQL=$(command -v psql || echo "$PGBIN/psql")
[[ -x $PGBENCH ]] || die "pgbench not found"

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# PostgreSQL refuses to run as root: run its server as the postgres user then.
if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user for the server"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgbench-side-by-side.XXXXXX")
chmod 755 "$WORK"
PGDATA_DIR=$WORK/pgdata
AURORA_DIR=$WORK/aurora-home
PG_STARTED=0
AURORA_STARTED=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ $PG_STARTED -eq 1 ]]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
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
PG_PORT=$(free_port)
log "stock PostgreSQL ($PGBIN) on port $PG_PORT..."
mkdir -p "$PGDATA_DIR"
[[ $(id -u) -eq 0 ]] && chown postgres: "$PGDATA_DIR"
as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres -A trust --no-sync >/dev/null
PG_STARTED=1
as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1" start >/dev/null

log "aurora writer on a six-node fleet..."
AURORA_STARTED=1
read -r AURORA_PORT AURORA_PASSWORD_FILE < <("$PYTHON" "$ROOT/bench/aurora_instance.py" start "$AURORA_DIR") \
    || die "the aurora instance did not start (logs under $AURORA_DIR)"
[[ -n ${AURORA_PORT:-} ]] || die "the aurora instance did not start"
AURORA_PASSWORD=$(cat "$AURORA_PASSWORD_FILE")

pgb() {  # pgb pg|aurora ARGS...: run pgbench against one side
    local side=$1; shift
    if [[ $side == pg ]]; then
        "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@" postgres
    else
        PGPASSWORD=$AURORA_PASSWORD "$PGBENCH" -h 127.0.0.1 -p "$AURORA_PORT" -U postgres "$@" postgres
    fi
}

tps_of() {  # tps_of pg|aurora ARGS...: run, check no failures, print TPS
    local side=$1; shift
    local out
    out=$(pgb "$side" "$@" 2>&1) || { log "$out"; die "pgbench $* failed on $side"; }
    local failed
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
    [[ ${failed:-0} -eq 0 ]] || { log "$out"; die "$failed failed transactions on $side"; }
    sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out"
}

ratio() { "$PYTHON" -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b else 'nan')" "$1" "$2"; }
median() { "$PYTHON" -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }

for side in pg aurora; do
    log "pgbench -i -s $SCALE on $side..."
    pgb "$side" -i -s "$SCALE" -q >/dev/null 2>&1 || die "pgbench -i failed on $side"
done

declare -A TPS  # "side workload" -> the rounds' TPS, space-separated
for round in $(seq "$ROUNDS"); do
    order=(pg aurora)
    ((round % 2)) || order=(aurora pg)
    for side in "${order[@]}"; do
        log "round $round/$ROUNDS: TPC-B on $side, -c 4 -j 2 -T $DURATION..."
        tps=$(tps_of "$side" -c 4 -j 2 -T "$DURATION")
        [[ -n $tps ]] || die "pgbench TPC-B printed no TPS on $side"
        log "    $tps tps"
        TPS["$side tpcb"]+="$tps "
    done
    for side in "${order[@]}"; do
        log "round $round/$ROUNDS: select-only on $side, -S -M prepared -c 4 -T $DURATION..."
        tps=$(tps_of "$side" -S -M prepared -c 4 -T "$DURATION")
        [[ -n $tps ]] || die "pgbench select-only printed no TPS on $side"
        log "    $tps tps"
        TPS["$side select"]+="$tps "
    done
done

# shellcheck disable=SC2086 # the lists are meant to split
{
    PG_TPCB=$(median ${TPS["pg tpcb"]})
    TPCB=$(median ${TPS["aurora tpcb"]})
    PG_SELECT=$(median ${TPS["pg select"]})
    SELECT=$(median ${TPS["aurora select"]})
}
TPCB_RATIO=$(ratio "$TPCB" "$PG_TPCB")
SELECT_RATIO=$(ratio "$SELECT" "$PG_SELECT")
printf '%-28s %12s %12s %8s\n' "median of $ROUNDS (scale $SCALE)" aurora postgresql ratio
printf '%-28s %12.1f %12.1f %8s\n' "TPC-B tps" "$TPCB" "$PG_TPCB" "$TPCB_RATIO"
printf '%-28s %12.1f %12.1f %8s\n' "select-only tps" "$SELECT" "$PG_SELECT" "$SELECT_RATIO"
echo "RESULT tpcb_tps=$TPCB pg_tpcb_tps=$PG_TPCB tpcb_ratio=$TPCB_RATIO select_tps=$SELECT pg_select_tps=$PG_SELECT select_ratio=$SELECT_RATIO rounds=$ROUNDS"
