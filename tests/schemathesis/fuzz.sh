#!/usr/bin/env bash
# Starts AI Tracker on a fresh database and fuzzes it with schemathesis (run.sh), first as an
# anonymous client and then as a signed-in editor, so that mutations get past UNAUTHENTICATED:
#
#   tests/schemathesis/fuzz.sh sqlite|postgres SECONDS [debug|release] [schemathesis options...]
#
# SECONDS is the whole run, split evenly between the two clients (600 for issue 21's ten
# minutes). The anonymous client sends `Accept: application/json` (errors come with 200); the
# editor sends `Accept: application/graphql-response+json` (request errors come with 400).
# Postgres: a new database on 127.0.0.1:5432 (role postgres, trust), dropped afterwards.
# The binary is built (debug by default) unless AI_TRACKER_BIN names one. PORT (default 18090)
# is where the service listens. Exits non-zero when schemathesis finds a server error, when a
# request goes unanswered, when the process dies, or when its log has a panic or an ERROR line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

backend="${1:-}"
seconds="${2:-}"
profile="${3:-debug}"
shift $(( $# < 3 ? $# : 3 ))
if [[ ! "$backend" =~ ^(sqlite|postgres)$ || ! "$seconds" =~ ^[0-9]+$ || ! "$profile" =~ ^(debug|release)$ ]]; then
  echo "usage: $0 sqlite|postgres SECONDS [debug|release] [schemathesis options...]" >&2
  exit 2
fi
port="${PORT:-18090}"
base_url="http://127.0.0.1:$port"

if [ -n "${AI_TRACKER_BIN:-}" ]; then
  bin="$AI_TRACKER_BIN"
else
  build=(cargo build --locked --bin ai-tracker --manifest-path "$root/Cargo.toml")
  [ "$profile" = release ] && build+=(--release)
  "${build[@]}"
  bin="$root/target/$profile/ai-tracker"
fi

work="$(mktemp -d)"
server=""
database_name=""
# Keeps the script's exit status: the service's own status on SIGTERM is not the run's.
cleanup() {
  local status=$?
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ -n "$database_name" ]; then
    dropdb -h 127.0.0.1 -U postgres --force --if-exists "$database_name" || true
  fi
  exit "$status"
}
trap cleanup EXIT
if curl -s -o /dev/null "$base_url/healthz"; then
  echo "something already listens on port $port: choose another with PORT=..." >&2
  exit 2
fi

case "$backend" in
  sqlite) database_url="sqlite://$work/fuzz.db?mode=rwc" ;;
  postgres)
    database_name="ai_tracker_fuzz_$$"
    createdb -h 127.0.0.1 -U postgres "$database_name"
    database_url="postgres://postgres@127.0.0.1:5432/$database_name"
    ;;
esac
export DATABASE_URL="$database_url"
export AI_TRACKER_ADDR="127.0.0.1:$port"
export AI_TRACKER_JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export RUST_LOG="${RUST_LOG:-warn}"

"$bin" migrate > "$work/migrate.log" 2>&1
password="fuzz-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$password" | "$bin" editor add --email fuzz@example.org --name "Fuzz editor" --password-stdin > /dev/null
log="$work/server.log"
"$bin" serve > "$log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "$base_url/readyz" > /dev/null && break; sleep 0.2; done
if ! kill -0 "$server" 2>/dev/null || ! curl -sf "$base_url/readyz" > /dev/null; then
  echo "the service did not get ready:"
  cat "$log"
  exit 1
fi

login=$(printf '{"query":"mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}","variables":{"e":"fuzz@example.org","p":"%s"}}' "$password")
token=$(curl -sf "$base_url/graphql" -H 'content-type: application/json' -d "$login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["login"]["token"])')

echo "fuzzing $backend ($profile build, $bin) at $base_url for ${seconds}s; server log: $log"
half=$(( seconds / 2 > 1 ? seconds / 2 : 1 ))
failed=0
echo "=== anonymous, application/json, ${half}s"
"$here/run.sh" "$base_url" "$half" -H 'Accept: application/json' "$@" || failed=1
echo "=== editor, application/graphql-response+json, ${half}s"
"$here/run.sh" "$base_url" "$half" -H 'Accept: application/graphql-response+json' \
  -H "Authorization: Bearer $token" "$@" || failed=1

echo "=== the service afterwards"
if kill -0 "$server" 2>/dev/null && curl -sf "$base_url/healthz" > /dev/null; then
  echo "still answering /healthz"
else
  echo "the service is down"
  failed=1
fi
# Log lines without colors and timestamps, so that repeats count as one.
if sed -E 's/\x1b\[[0-9;]*m//g; s/^[0-9T:.Z-]+ +//' "$log" | grep -E 'panicked|^ERROR ' | sort | uniq -c | sort -rn |
  head -20 | grep .; then
  echo "the server log has the errors above ($log)"
  failed=1
fi
[ "$failed" = 0 ] && echo "fuzz $backend: 0 server errors" || echo "fuzz $backend: FAILED"
exit "$failed"
