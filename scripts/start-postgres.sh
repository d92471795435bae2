#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the store tests, and print how to reach it.
#
#   eval "$(bash scripts/start-postgres.sh)"     # exports SPINLENS_TEST_PG and SPINLENS_TEST_PG_DIR
#   pytest tests/test_store.py tests/test_batch.py
#   bash scripts/start-postgres.sh stop          # stops the server in $SPINLENS_TEST_PG_DIR, removes it
#
# The server lives in a new temporary folder (initdb, trust authentication on loopback only, fsync off:
# test data only). As root it runs as the `postgres` user; Debian's `postgresql` package is installed
# first when no server binaries are found. Settings: SPINLENS_PG_PORT (default: a free port),
# SPINLENS_PG_DB (default spinlens_test). Messages go to stderr; stdout carries only the export lines.
set -euo pipefail

log() { echo "start-postgres: $*" >&2; }

if [[ "${1:-}" == "stop" ]]; then
    dir="${SPINLENS_TEST_PG_DIR:?set SPINLENS_TEST_PG_DIR (printed when the server started)}"
    bin="$(cat "$dir/.bindir")"
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
    else
        "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
    fi
    rm -rf "$dir"
    exit 0
fi

find_bindir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

bindir="$(find_bindir)"
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        log "PostgreSQL is not installed; run as root, or: sudo apt-get install -y postgresql"
        exit 1
    fi
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bindir="$(find_bindir)"
fi

port="${SPINLENS_PG_PORT:-}"
if [[ -z "$port" ]]; then
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
db="${SPINLENS_PG_DB:-spinlens_test}"
dir="$(mktemp -d "${TMPDIR:-/tmp}/spinlens-pg.XXXXXX")"
echo "$bindir" > "$dir/.bindir"
chmod 755 "$dir"

as_server() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/false postgres
    install -d -o postgres -g postgres -m 700 "$dir/data"
    chown postgres "$dir"
else
    install -d -m 700 "$dir/data"
fi

as_server "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
cat > "$dir/data/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
as_server "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"

url="postgresql://postgres@127.0.0.1:$port/$db"
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir"
export SPINLENS_TEST_PG="$url" SPINLENS_TEST_PG_DIR="$dir"
echo "export SPINLENS_TEST_PG=$url"
echo "export SPINLENS_TEST_PG_DIR=$dir"
