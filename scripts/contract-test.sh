#!/usr/bin/env bash
# Contract tests of the decision service: starts `approvalctl serve` (the given build) on a free
# loopback port, runs schemathesis against it with the OpenAPI document it serves
# (scripts/schemathesis.sh installs schemathesis from PyPI when it is missing), and stops it.
#
# Usage: scripts/contract-test.sh [APPROVALCTL] [MAX_EXAMPLES]   (default .build/debug/approvalctl, 25)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ctl=${1:-.build/debug/approvalctl}
examples=${2:-25}
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
        kill -TERM "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# With a ledger, so that the decisions' `record` is checked against the document too.
"$ctl" serve --rules rules/default.rules.json --port 0 --allow-clock-override --ledger "$work/contract.ledger" \
    > "$work/out" 2> "$work/err" &
pid=$!
url=""
for _ in $(seq 300); do
    url=$(sed -n 's/^listening on //p' "$work/out" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "contract-test: the service did not start:" >&2
    cat "$work/err" >&2
    exit 1
fi
echo "contract-test: schemathesis against $url ($examples examples per operation)" >&2
status=0
./scripts/schemathesis.sh "$url" "$examples" || status=$?
if ! kill -0 "$pid" 2> /dev/null; then
    echo "contract-test: the service died during the run; its last log lines:" >&2
    tail -n 40 "$work/err" >&2
    status=1
fi
exit "$status"
