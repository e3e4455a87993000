#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks, in a folder of its own, reached
# through a Unix socket in that folder (no TCP port, nothing shared with a system cluster).
#
#   scripts/pg-cluster.sh start DIR     initdb (when DIR has no cluster yet) and start; prints the
#                                       ledger URL: postgres://postgres@localhost:5432/postgres?host=DIR
#   scripts/pg-cluster.sh stop DIR      stop (fast shutdown)
#   scripts/pg-cluster.sh restart DIR   stop, then start the same cluster (its data kept)
#   scripts/pg-cluster.sh destroy DIR   stop, and remove DIR
#   scripts/pg-cluster.sh url DIR       print the URL
#
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user that Debian's
# package creates, and DIR is handed to it. Needs Debian's postgresql package
# (scripts/test-tools.sh installs it when missing).
set -euo pipefail

command=${1:?usage: pg-cluster.sh start|stop|restart|destroy|url DIR}
dir=${2:?usage: pg-cluster.sh start|stop|restart|destroy|url DIR}
port=5432

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() { echo "postgres://postgres@localhost:$port/postgres?host=$dir"; }

start() {
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # Unix socket only; enough connections for three service instances and the tests' pools.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c max_connections=200 -c shared_buffers=64MB" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
}

stop() {
    [ -f "$dir/data/postmaster.pid" ] || return 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

case $command in
    start) start; url ;;
    stop) stop ;;
    restart) stop; start; url ;;
    destroy) stop; rm -rf "$dir" ;;
    url) url ;;
    *) echo "pg-cluster: unknown command $command" >&2; exit 64 ;;
esac
