#!/usr/bin/env bash
# Instructions per request of one benchmark query, counted by callgrind: repeatable for the
# same binary, data and query whatever else the machine does, unlike requests per second.
#
#   bench/callgrind.sh QUERY [REQUESTS]     e.g. bench/callgrind.sh model_detail 200
#
# Runs the server (BENCH_BIN, else target/release/ai-tracker) under valgrind on the benchmark
# database (BENCH_DB, ai_tracker_bench; made by run.sh), with the response cache and the query
# budget off as in run.sh, sends the query 30 times to warm it, zeroes the counters, sends it
# REQUESTS (100) times, and prints the server's instructions per request. The profile is kept
# ($BENCH_CALLGRIND_OUT, /tmp/ai-tracker-callgrind.out.1) for callgrind_annotate, e.g.
#   callgrind_annotate --inclusive=yes /tmp/ai-tracker-callgrind.out.1 | less
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
QUERY=${1:?usage: bench/callgrind.sh QUERY [REQUESTS]}
REQUESTS=${2:-100}
BIN=${BENCH_BIN:-$ROOT/target/release/ai-tracker}
DB=${BENCH_DB:-ai_tracker_bench}
PORT=${BENCH_PORT:-18250}
OUT=${BENCH_CALLGRIND_OUT:-/tmp/ai-tracker-callgrind.out}
FILE=$BENCH/queries/$QUERY.graphql
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release, or set BENCH_BIN)" >&2; exit 1; }
[ -f "$FILE" ] || { echo "no query $FILE" >&2; exit 1; }

rm -f "$OUT" "$OUT".*
DATABASE_URL="postgres://${PGUSER:-postgres}@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$DB?sslmode=disable" \
  AI_TRACKER_ADDR=127.0.0.1:$PORT RUST_LOG=warn AI_TRACKER_RESPONSE_CACHE_BYTES=0 AI_TRACKER_QUERY_BUDGET_ANONYMOUS=0 \
  valgrind --tool=callgrind --callgrind-out-file="$OUT" "$BIN" serve --no-seed >"$OUT.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz" && break
  kill -0 $PID 2>/dev/null || { tail -20 "$OUT.log" >&2; exit 1; }
  sleep 0.5
done
BODY=$(python3 "$BENCH/lib/gql.py" body "$FILE")
send() { for _ in $(seq 1 "$1"); do curl -s -o /dev/null -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/graphql"; done; }
send 30
callgrind_control -z $PID >/dev/null
send "$REQUESTS"
callgrind_control -d $PID >/dev/null
sleep 1
TOTAL=$(callgrind_annotate "$OUT.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
echo "$QUERY: $((TOTAL / REQUESTS)) instructions per request ($REQUESTS requests, $BIN; profile $OUT.1)"
