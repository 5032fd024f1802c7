#!/usr/bin/env bash
# Fuzzes a running AI Tracker's /graphql with schemathesis for a bounded time:
#
#   tests/schemathesis/run.sh BASE_URL SECONDS [more schemathesis options...]
#   e.g. tests/schemathesis/run.sh http://127.0.0.1:8000 600 -H 'Authorization: Bearer …'
#
# Every query and mutation field of the published schema gets generated documents and arguments
# (positive and negative), POSTed as `application/json` bodies. The one check is `no_server_error`
# (checks.py): a 5xx, an error coded INTERNAL, an error without a code, or a body that is not a
# GraphQL response. Refusals by design (BAD_USER_INPUT, UNAUTHENTICATED, RATE_LIMITED, ...) pass.
# Exits non-zero on any failure or on any request the server did not answer. Each operation goes on
# after its first failure (--continue-on-failure), so that one run lists every distinct error.
#
# Settings (environment): SCHEMATHESIS_VENV (default tests/schemathesis/.venv), WORKERS
# (concurrent workers, default 2), SEED (a fixed seed, to repeat a run), REPORT_DIR (default
# tests/schemathesis/report: the JUnit report, and the server errors as curl commands).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ $# -lt 2 ]; then
  echo "usage: $0 BASE_URL SECONDS [schemathesis options...]" >&2
  exit 2
fi
base_url="${1%/}"
seconds="$2"
shift 2

venv="$(realpath -m "${SCHEMATHESIS_VENV:-$here/.venv}")"
pinned="$(grep -E '^schemathesis==' "$here/requirements.txt" | cut -d= -f3)"
if [ "$("$venv/bin/st" --version 2>/dev/null | awk '{print $3}')" != "$pinned" ]; then
  echo "installing schemathesis $pinned into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi

report_dir="$(realpath -m "${REPORT_DIR:-$here/report}")"
mkdir -p "$report_dir"
# Hypothesis and schemathesis leave folders in the working directory: not in the checkout.
cd "$report_dir"
junit="$report_dir/junit-$(date +%s)-$$.xml"
seed_option=()
[ -n "${SEED:-}" ] && seed_option=(--seed "$SEED")

# The server's own request timeout is 30 s: a request still unanswered after 35 s is a failure.
status=0
SCHEMATHESIS_HOOKS="$here/checks.py" "$venv/bin/st" --config-file "$here/schemathesis.toml" run "$base_url/graphql" \
  --checks no_server_error \
  --continue-on-failure \
  --max-time "$seconds" \
  --workers "${WORKERS:-2}" \
  --request-timeout 35 \
  --generation-database none \
  --suppress-health-check all \
  --no-color \
  --report junit --report-junit-path "$junit" \
  "${seed_option[@]}" "$@" || status=$?

# The closing line, read from the JUnit report: cases are schemathesis' operations (fields).
python3 - "$junit" "$status" <<'PY'
import sys
import xml.etree.ElementTree as ET

path, status = sys.argv[1], int(sys.argv[2])
try:
    suite = ET.parse(path).getroot()
    cases = suite.iter("testcase")
    operations = failed = errored = 0
    for case in cases:
        operations += 1
        failed += case.find("failure") is not None
        errored += case.find("error") is not None
    print(f"schemathesis: {operations} operations fuzzed, {failed} with server errors, {errored} with errors (exit {status})")
except (OSError, ET.ParseError) as error:
    print(f"schemathesis: no report ({error}) (exit {status})")
PY
exit "$status"
