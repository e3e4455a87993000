#!/usr/bin/env bash
# Installs the system packages the build needs (libjansson-dev, pkg-config, and libsqlite3-dev
# for the decision ledger) when they are missing. Non-interactive; uses sudo only when not already root.
set -euo pipefail

missing=()
pkg-config --version >/dev/null 2>&1 || missing+=(pkg-config)
if ! { pkg-config --exists jansson 2>/dev/null || [ -f /usr/include/jansson.h ]; }; then
    missing+=(libjansson-dev)
fi
if ! { pkg-config --exists sqlite3 2>/dev/null || [ -f /usr/include/sqlite3.h ]; }; then
    missing+=(libsqlite3-dev)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
