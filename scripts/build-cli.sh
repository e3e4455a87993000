#!/usr/bin/env bash
# Builds the release CLI and installs it in one folder (default .build/cli):
#   approvalctl       one fully static executable (`-static-executable`: Swift runtime, jansson
#                     and glibc linked in, no dynamic loader at start-up), so a per-task call
#                     starts in about half the time of a `--static-swift-stdlib` build;
#   approvalctl-live  the companion that talks to the approvals API (`--static-swift-stdlib`,
#                     glibc linked dynamically: it resolves host names through NSS), which
#                     approvalctl runs from its own folder.
# Each is built in its own SwiftPM scratch folder ($SCRATCH, default .build, and $SCRATCH-static),
# so neither's flags make the other rebuild the modules they share.
#
# Usage: scripts/build-cli.sh [--no-live] [OUT]
#   --no-live   build and install approvalctl only (what the benchmarks time)
# Environment: SWIFT (default swift), SCRATCH (default .build).
# When the static link fails (no libjansson.a, say), approvalctl is installed from the
# `--static-swift-stdlib` build instead, with a warning on stderr.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

live=1
if [ "${1:-}" = --no-live ]; then
    live=0
    shift
fi
out=${1:-.build/cli}
swift=${SWIFT:-swift}
scratch=${SCRATCH:-.build}
release=(-c release --static-swift-stdlib)

# install_built SCRATCH PRODUCT [FLAGS...]: builds PRODUCT in SCRATCH and installs it in $out.
install_built() {
    local scratch=$1 product=$2
    shift 2
    "$swift" build "${release[@]}" --scratch-path "$scratch" "$@" --product "$product" >&2 || return 1
    install -m 755 "$("$swift" build "${release[@]}" --scratch-path "$scratch" --show-bin-path)/$product" "$out/$product"
}

mkdir -p "$out"
if ! install_built "$scratch-static" approvalctl -Xswiftc -static-executable; then
    echo "build-cli: the fully static link of approvalctl failed (see above);" \
        "installing the --static-swift-stdlib build, which starts slower" >&2
    install_built "$scratch" approvalctl
fi
if [ "$live" = 1 ]; then
    install_built "$scratch" approvalctl-live
fi
