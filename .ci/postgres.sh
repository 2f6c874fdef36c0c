#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests.
#
#   pg_env=$(bash .ci/postgres.sh start) && eval "$pg_env"
#   bash .ci/postgres.sh stop "$PG_TEST_DIR"
#
# Installs the distribution's PostgreSQL server when no initdb is found (Debian/Ubuntu: apt-get,
# without creating the packaged "main" cluster). The cluster runs as an unprivileged user (the
# packaged `postgres` user when this script runs as root), listens on 127.0.0.1 only, on a free
# port, trusts local connections, and lives in a temporary directory that `stop` removes.
#
# It also serves TLS, with a certificate for 127.0.0.1 from a throwaway CA, so the client's
# certificate checks can be tested. The exports:
#   APPOINTMENT_SYNC_TEST_PG      the server in clear (sslmode=disable), for the store tests
#   APPOINTMENT_SYNC_TEST_PG_TLS  the same server with sslmode=require
#   APPOINTMENT_SYNC_TEST_PG_CA   the CA that signed its certificate
#   PG_TEST_DIR                   what `stop` removes
set -euo pipefail

find_bindir() {
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return
        fi
    done
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

install_server() {
    echo "postgres.sh: installing the PostgreSQL server from the distribution's packages" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql openssl >&2
}

# A throwaway CA and a server certificate for 127.0.0.1 signed by it (valid two days).
make_certificates() {
    local tls="$1"
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=appointment-sync test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tls/ext.cnf"
    openssl x509 -req -days 2 -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
        -extfile "$tls/ext.cnf" -out "$tls/server.crt" 2>/dev/null
    chmod 600 "$tls/server.key"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local bindir
    bindir="$(find_bindir)"
    if [ -z "$bindir" ] || ! command -v openssl >/dev/null 2>&1; then
        install_server
        bindir="$(find_bindir)"
    fi
    [ -n "$bindir" ] || { echo "postgres.sh: no initdb after installing PostgreSQL" >&2; exit 1; }
    local dir port as=()
    dir="$(mktemp -d /tmp/appointment-sync-pg.XXXXXX)"
    port="$(free_port)"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$dir"
        as=(runuser -u postgres --)
    fi
    "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    make_certificates "$dir/tls"
    [ "${#as[@]}" -eq 0 ] || chown -R postgres "$dir/tls"
    "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off -c max_connections=400 \
            -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key" >&2 ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "export APPOINTMENT_SYNC_TEST_PG='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
    echo "export APPOINTMENT_SYNC_TEST_PG_TLS='postgres://postgres@127.0.0.1:$port/postgres?sslmode=require'"
    echo "export APPOINTMENT_SYNC_TEST_PG_CA='$dir/tls/ca.pem'"
    echo "export PG_TEST_DIR='$dir'"
    echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
}

stop() {
    local dir="${1:?usage: postgres.sh stop DIR}" bindir as=()
    bindir="$(find_bindir)"
    [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
    if [ -n "$bindir" ] && [ -d "$dir/data" ]; then
        "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in /tmp/appointment-sync-pg.*) rm -rf "$dir" ;; esac
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: postgres.sh start | stop DIR" >&2; exit 2 ;;
esac
