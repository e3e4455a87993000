#!/usr/bin/env bash
# Property-based tests of the decision service (`approvalctl serve`) against the OpenAPI document
# it serves (Sources/ApprovalService/openapi.json), with schemathesis 4: schema examples, boundary
# cases and random valid and invalid requests for every operation, each response checked with
# every built-in check (no 5xx, documented status codes, content types, headers and response
# schemas, invalid input rejected, valid input accepted, 405 for other methods, 401 without the
# token), plus one for the NDJSON lines of /v1/decisions/batch, which no schema covers.
#
# Usage: scripts/schemathesis.sh BASE_URL [MAX_EXAMPLES]
#   BASE_URL       the running server, e.g. http://127.0.0.1:8080
#   MAX_EXAMPLES   test cases per operation and phase (default 25)
# Environment:
#   APPROVAL_SERVICE_TOKEN  sent as `Authorization: Bearer ...` when set (and then requests without
#                           it must get 401); unset for a server started without a token
#   SCHEMATHESIS_SEED       random seed (default 20250601): the same cases on every run
#   SCHEMATHESIS_WORKERS    concurrent workers (default 1: more gain little on 2 cores shared with
#                           the server, and with 2 workers on CPython 3.11.7 Hypothesis crashed once
#                           in `ast` ("AST constructor recursion depth mismatch"))
#   SCHEMATHESIS_TIMEOUT    seconds before the run is interrupted (default 110)
#
# Start the server with --allow-clock-override: the document says `now` is a valid parameter, and
# without the flag the server answers it with 400, which would count as valid data rejected (the
# script notices, says so, and accepts that 400 for the two operations that take `now`).
# POST /v1/tasks/{task_id}/decision is kept: without an approvals API behind the server it answers
# its documented 503 `api_not_configured` (502/504 when the API fails), which is accepted for that
# operation only; every other 5xx anywhere is a failure.
#
# Why the bounds: MAX_EXAMPLES caps the cases per operation and phase, so a run is a few hundred
# requests and ends in well under a minute on a 2-core machine; the timeout (SIGINT, so schemathesis
# still prints its summary; SIGKILL 5 s later) keeps a hung server or a slow phase from stalling CI.
# A fixed seed and no example database make two runs send the same requests.
#
# Exit status: 0 when schemathesis reports no failure and no error; otherwise non-zero
# (schemathesis' own status, 124 when the time bound cut the run short, 2 for bad usage or an
# unreachable server).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    echo "usage: $0 BASE_URL [MAX_EXAMPLES]" >&2
    exit 2
fi
base=${1%/}
max_examples=${2:-25}
case $max_examples in
    '' | *[!0-9]* | 0) echo "$0: MAX_EXAMPLES must be a positive integer" >&2; exit 2 ;;
esac
seed=${SCHEMATHESIS_SEED:-20250601}
workers=${SCHEMATHESIS_WORKERS:-1}
time_bound=${SCHEMATHESIS_TIMEOUT:-110}

if ! python3 -c 'import schemathesis' 2>/dev/null; then
    echo "installing schemathesis (pip)..." >&2
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet schemathesis
fi

# The status code of one request to the server (000 when it cannot be reached).
status_of() { # METHOD PATH [JSON_BODY]
    python3 - "$base" "$@" <<'PY'
import os, sys, urllib.error, urllib.request
base, method, path = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
request = urllib.request.Request(base + path, data=body, method=method)
if body is not None:
    request.add_header("Content-Type", "application/json")
if os.environ.get("APPROVAL_SERVICE_TOKEN"):
    request.add_header("Authorization", "Bearer " + os.environ["APPROVAL_SERVICE_TOKEN"])
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
except Exception:
    print("000")
PY
}

if [ "$(status_of GET /healthz)" != 200 ]; then
    echo "$0: no healthy server at $base (GET /healthz)" >&2
    exit 2
fi
if [ "$(status_of GET /openapi.json)" = 401 ]; then
    echo "$0: GET /openapi.json answered 401: set APPROVAL_SERVICE_TOKEN to the server's token" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# NDJSON is text: send the generated string as it is; check each line of a batch's answer.
cat >"$work/hooks.py" <<'PY'
import json

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")

RECOMMENDATIONS = {"approve", "request_changes", "hold", "reject"}
DECISION_KEYS = {"task_id", "rule_set", "recommendation", "fired_rules", "escalations", "data_problems", "warnings"}


@schemathesis.deserializer("application/x-ndjson")
def ndjson_text(ctx, response):
    return response.text  # the documented schema is a string


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Drop "invalid data accepted" (ST201) when the only invalid part is a body the service reads
    as documented without rejecting it: any NDJSON text is a batch (bad lines get error lines), and
    a snapshot or rule document that is not an object gets a 200 reporting it (a data problem, a
    diagnostic). Invalid query and path parameters must still be rejected."""
    if getattr(failure, "code", None) != "ST201" or case.meta is None:
        return True
    if case.operation.path not in ("/v1/decisions", "/v1/decisions/batch", "/v1/rule-sets/validate"):
        return True
    negative = {location for location, part in case.meta.components.items() if part.mode.is_negative}
    return negative != {"body"}


@schemathesis.check
def batch_ndjson_lines(ctx, response, case):
    """Each line of a 200 from /v1/decisions/batch is a Decision or {"line": n, "error": {code, message, ...}}."""
    if case.operation.path != "/v1/decisions/batch" or response.status_code != 200:
        return None
    for number, line in enumerate(response.text.splitlines(), 1):
        try:
            item = json.loads(line)
        except ValueError as error:
            raise AssertionError(f"answer line {number} is not JSON ({error}): {line[:200]!r}") from None
        if not isinstance(item, dict):
            raise AssertionError(f"answer line {number} is not an object: {line[:200]!r}")
        if "error" in item:
            error = item["error"]
            if not (isinstance(item.get("line"), int) and item["line"] >= 1 and isinstance(error, dict)
                    and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
                raise AssertionError(f'answer line {number} is not {{"line": n, "error": {{code, message}}}}: {line[:200]!r}')
        elif not DECISION_KEYS <= item.keys() or item["recommendation"] not in RECOMMENDATIONS:
            raise AssertionError(f"answer line {number} is neither a decision nor a line error: {line[:200]!r}")
    return None
PY

{
    echo "hooks = \"$work/hooks.py\""
    # The token stays in the environment: not in argv (ps), not in this file.
    if [ -n "${APPROVAL_SERVICE_TOKEN:-}" ]; then
        echo 'headers = { Authorization = "Bearer ${APPROVAL_SERVICE_TOKEN}" }'
    fi
} >"$work/schemathesis.toml"
cat >>"$work/schemathesis.toml" <<'EOF'

# The approvals API's state, documented (503 api_not_configured, 502, 504): not a server error.
[[operations]]
include-operation-id = "decideTask"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "502", "503", "504"]
EOF

# `?now=` is a 400 unless the server was started with --allow-clock-override.
if [ "$(status_of POST '/v1/decisions?now=2025-06-01T00:00:00Z' '{}')" = 400 ]; then
    echo "note: the server was started without --allow-clock-override: a valid ?now= gets 400;" \
        "accepting that 400 for decide and decideBatch" >&2
    cat >>"$work/schemathesis.toml" <<'EOF'

[[operations]]
include-operation-id = ["decide", "decideBatch"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
EOF
fi

args=(
    run "$base/openapi.json" --url "$base"
    --checks all
    --max-examples "$max_examples"
    --seed "$seed"
    --generation-database none
    --workers "$workers"
    --request-timeout 10
    --no-color
)
if [ -z "${APPROVAL_SERVICE_TOKEN:-}" ]; then
    # A server without a token rightly answers without one: nothing for `ignored_auth` to find,
    # and no Authorization header to generate or leave out.
    args+=(--exclude-checks ignored_auth --generation-with-security-parameters false)
fi

# Run from the scratch folder, so nothing (reports, caches) lands in the work tree.
cd "$work"
status=0
timeout --signal=INT --kill-after=5 "$time_bound" \
    python3 -m schemathesis.cli --config-file "$work/schemathesis.toml" "${args[@]}" || status=$?
if [ "$status" -eq 124 ]; then
    echo "$0: stopped after ${time_bound}s (SCHEMATHESIS_TIMEOUT); the run is incomplete" >&2
fi
exit "$status"
