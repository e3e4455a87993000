#!/usr/bin/env bash
# Installs what the tests drive besides the build (only when missing; non-interactive):
#   msmtp     (Debian) the sendmail-compatible program the e-mail notice tests send through
#   aiosmtpd  (PyPI)   the SMTP server those tests receive the messages with
#   postgresql (Debian) the server of the PostgreSQL ledger tests (scripts/pg-cluster.sh runs a
#             throwaway cluster of it; the Debian package's own cluster is not used)
# schemathesis (PyPI) is installed by scripts/schemathesis.sh, which alone uses it.
set -euo pipefail

# apt_install PACKAGE: installs a Debian package, as root or through sudo.
apt_install() {
    echo "test-tools: installing $1" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "test-tools: need root or sudo to install $1" >&2; exit 1; }
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

command -v msmtp >/dev/null 2>&1 || apt_install msmtp
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql

if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "test-tools: installing aiosmtpd (pip)" >&2
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet aiosmtpd
fi
