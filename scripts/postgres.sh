#!/usr/bin/env bash
# A PostgreSQL server for the tests, in a temporary folder, on a free loopback port:
#
#   scripts/postgres.sh start     # prints two lines: the admin URL, the server's folder
#   scripts/postgres.sh stop DIR  # stops the server started in DIR and removes DIR
#
# Debian's server binaries (`initdb`, `pg_ctl`; the `postgresql` package is installed when
# missing, apt-get update at most once). `initdb` refuses to run as root, so as root the
# server runs as the `postgres` user (via `runuser`). It trusts local connections and listens
# only on 127.0.0.1; fsync is off (a test server: speed, not durability). Each test makes its
# own database in it. Everything but the two lines goes to stderr.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    if [ -z "$(bin_dir)" ] || [ ! -x "$(bin_dir)/initdb" ]; then
        # The package's own cluster is not used: a policy (unless the machine has one) keeps
        # the install from starting its service.
        local sudo="" policy=/usr/sbin/policy-rc.d made_policy=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        if [ ! -e "$policy" ]; then
            # Removed however the install ends.
            trap '$sudo rm -f "$policy"' EXIT
            printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy"
            made_policy=1
        fi
        # shellcheck source=lib/apt.sh
        source "$(dirname "$0")/lib/apt.sh"
        apt_install postgres.sh postgresql
        [ -z "$made_policy" ] || { $sudo rm -f "$policy"; trap - EXIT; }
    fi
    local bin dir port
    bin=$(bin_dir)
    # A folder without spaces (it goes into the server's options).
    dir=$(mktemp -d /tmp/cutline-postgres.XXXXXX)
    trap 'rm -rf "$dir"' EXIT
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_server_user "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
    trap - EXIT
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    echo "$dir"
}

stop() {
    local dir=$1
    [ -d "$dir/data" ] || return 0
    as_server_user "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:?the folder start printed}" ;;
    *) log "usage: scripts/postgres.sh start | stop DIR"; exit 2 ;;
esac
