#!/usr/bin/env bash
# What the query budget costs on the catalog page, measured in pairs (issue 24's goal: under
# 5 % of throughput). Two release servers on the bench database: one with the budget off, one
# charging every request against a budget too large to run out (4e9 points an hour, leases on).
# Each round loads one and then the other (the order alternates), so a change in the machine's
# load falls on both alike; the script prints each round's ratio and the total over all rounds.
#
#   cargo build --release && BENCH_ROUNDS=8 BENCH_SECONDS=10 bench/budget_ab.sh
#
# It uses the bench database run.sh loads, and loads it the same way when it is missing.
#
# Settings: BENCH_ROUNDS (8), BENCH_SECONDS (10), BENCH_CONNECTIONS (64), BENCH_QUERY
# (catalog_page), BENCH_DB (ai_tracker_bench), BENCH_PORT (18301; the budget server the next),
# BENCH_BIN (target/release/ai-tracker),
# BENCH_MANY (0; 1 sends each request from one of 1,000 client addresses).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
BIN=${BENCH_BIN:-$ROOT/target/release/ai-tracker}
ROUNDS=${BENCH_ROUNDS:-8}
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
QUERY=${BENCH_QUERY:-catalog_page}
DB=${BENCH_DB:-ai_tracker_bench}
PORT=${BENCH_PORT:-18301}
SCRIPT=$BENCH/lib/post.lua
[ "${BENCH_MANY:-0}" = 1 ] && SCRIPT=$BENCH/lib/post_many.lua
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB?sslmode=disable"

[ -x "$BIN" ] || { echo "build the release binary first: cargo build --release" >&2; exit 1; }
if ! psql -d "$DB" -tAc "select count(*) from model" >/dev/null 2>&1; then
  echo "loading the bench database $DB" >&2
  psql -d postgres -qc "create database $DB"
  DATABASE_URL=$DATABASE_URL "$BIN" migrate >/dev/null
  python3 "$BENCH/generate.py" | psql -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null
fi

WORK=$(mktemp -d /tmp/ai-tracker-budget-ab.XXXXXX)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT

start() { # port budget
  DATABASE_URL=$DATABASE_URL AI_TRACKER_ADDR=127.0.0.1:$1 RUST_LOG=warn AI_TRACKER_RESPONSE_CACHE_BYTES=0 \
    AI_TRACKER_QUERY_BUDGET_ANONYMOUS=$2 AI_TRACKER_TRUSTED_PROXIES=127.0.0.1 \
    "$BIN" serve --no-seed >"$WORK/server-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.1; done
  echo "the server on port $1 did not start: $WORK/server-$1.log" >&2
  exit 1
}
start "$PORT" 0
start $((PORT + 1)) 4000000000
python3 "$BENCH/lib/gql.py" body "$BENCH/queries/$QUERY.graphql" >"$WORK/body.json"

load() { # port -> requests/s
  BODY_FILE=$WORK/body.json BENCH_LIB=$BENCH/lib wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --timeout 10s \
    -s "$SCRIPT" "http://127.0.0.1:$1/graphql" | sed -n 's/^RESULT //p' | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["non2xx"] == 0 and r["graphql_errors"] == 0 and r["socket_errors"] == 0, r
print(r["rps"])'
}

# One warm-up each, not counted.
load "$PORT" >/dev/null
load $((PORT + 1)) >/dev/null
echo "round  off_rps  budget_rps  budget/off  load_average"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then
    off=$(load "$PORT"); on=$(load $((PORT + 1)))
  else
    on=$(load $((PORT + 1))); off=$(load "$PORT")
  fi
  echo "$round $off $on $(cut -d' ' -f1 /proc/loadavg)" | awk '{printf "%5d  %7.1f  %10.1f  %10.3f  %12s\n", $1, $2, $3, $3 / $2, $4}'
  echo "$off $on" >>"$WORK/rounds"
done
python3 - "$WORK/rounds" <<'EOF'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
off = sum(r[0] for r in rows); on = sum(r[1] for r in rows)
ratios = [r[1] / r[0] for r in rows]
print(f"total: budget/off = {on / off:.3f} ({(1 - on / off) * 100:.1f} % of throughput lost); "
      f"median round {statistics.median(ratios):.3f}, range {min(ratios):.3f}-{max(ratios):.3f}")
EOF
