#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for development and CI, without Docker.
#
#   ops/pg/pg.sh up       create it if needed, start it (idempotent), wait until it answers
#   ops/pg/pg.sh down     stop it and delete it
#   ops/pg/pg.sh status   exit 0 and print the DSN if it answers
#   ops/pg/pg.sh restart  stop it and start it again on the same port and data (what
#                         clients see of a database restart); exit 1 if it was not running
#
# Uses Debian's PostgreSQL server binaries (apt-get install -y postgresql if initdb is
# missing). The cluster listens on 127.0.0.1 only, with trust authentication, and has
# a superuser and a database both named "antrian". State, under .cache/pg (git-ignored):
# data/, postgres.log, port and dsn (one line, postgresql://antrian@127.0.0.1:PORT/antrian).
#
# PostgreSQL refuses to run as root: when run as root, the server runs as the system
# user "postgres" (created if missing; ANTRIAN_PG_OS_USER to choose another), which
# then owns .cache/pg. If that user cannot reach .cache/pg (e.g. a checkout under
# /root), the cluster lives in a folder under ${TMPDIR:-/tmp} instead.
#
# Environment:
#   ANTRIAN_PG_PORT      port (default: the last one used if free, else a free one)
#   ANTRIAN_PG_TIMEOUT   seconds to wait for the server to answer (default 60)
#   ANTRIAN_PG_HOME      state folder (default <repo>/.cache/pg)
#   ANTRIAN_PG_OS_USER   system user that runs the server when invoked as root (default postgres)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
STATE="${ANTRIAN_PG_HOME:-$ROOT/.cache/pg}"
PORTFILE="$STATE/port"
DSNFILE="$STATE/dsn"
DATADIR_FILE="$STATE/datadir"
TIMEOUT="${ANTRIAN_PG_TIMEOUT:-60}"
DB=antrian
DBUSER=antrian

say() { printf 'pg: %s\n' "$*" >&2; }
die() { printf 'pg: ERROR: %s\n' "$*" >&2; exit 1; }

# --- binaries ---

PGBIN=""
find_pgbin() {
    local initdb=""
    if initdb="$(command -v initdb)"; then
        PGBIN="$(dirname "$(readlink -f "$initdb")")"
        return 0
    fi
    # Debian keeps the server binaries off PATH, one folder per major version: take the newest.
    initdb="$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)"
    [[ -n "$initdb" ]] || return 1
    PGBIN="$(dirname "$initdb")"
}

ensure_binaries() {
    find_pgbin && return 0
    if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null; then
        die "PostgreSQL server binaries (initdb) not found; install them (Debian: apt-get install -y postgresql)"
    fi
    say "initdb not found: apt-get install -y postgresql"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
        || die "could not install postgresql"
    find_pgbin || die "postgresql installed but initdb still not found"
}

# --- who runs the server ---

OS_USER=""
as_user() { # run a command as the server's user, from a folder it can enter
    if [[ -n "$OS_USER" ]]; then
        (cd / && runuser -u "$OS_USER" -- "$@")
    else
        "$@"
    fi
}

choose_user() {
    [[ "$(id -u)" -eq 0 ]] || return 0
    OS_USER="${ANTRIAN_PG_OS_USER:-postgres}"
    if ! id -u "$OS_USER" >/dev/null 2>&1; then
        say "creating system user $OS_USER to run PostgreSQL (it refuses to run as root)"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$OS_USER" || die "could not create user $OS_USER"
    fi
}

# Folder holding data/ and postgres.log: .cache/pg when the server's user can write there.
HOME_DIR=""
choose_home() {
    if [[ -s "$DATADIR_FILE" ]]; then
        HOME_DIR="$(cat "$DATADIR_FILE")"
        mkdir -p "$HOME_DIR"
        [[ -z "$OS_USER" ]] || chown "$OS_USER:" "$HOME_DIR"
        return 0
    fi
    HOME_DIR="$STATE"
    if [[ -n "$OS_USER" ]]; then
        chown "$OS_USER:" "$STATE"
        if ! as_user test -w "$STATE" -a -x "$STATE"; then
            HOME_DIR="${TMPDIR:-/tmp}/antrian-pg-$(printf '%s' "$STATE" | sha256sum | cut -c1-12)"
            say "$OS_USER cannot reach $STATE; keeping the cluster in $HOME_DIR"
            mkdir -p "$HOME_DIR"
            chmod 700 "$HOME_DIR"
            chown "$OS_USER:" "$HOME_DIR"
        fi
    fi
    echo "$HOME_DIR" >"$DATADIR_FILE"
}

# --- helpers ---

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_free() {
    python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

ready() { # ready PORT: does the server accept connections?
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" -d postgres -U "$DBUSER" -t 2
}

server_running() {
    # pg_ctl status alone takes a killed postmaster that is still a zombie for a live one.
    [[ -f "$DATA/PG_VERSION" && -f "$DATA/postmaster.pid" ]] || return 1
    local pid state
    pid="$(head -n1 "$DATA/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z* ]] || return 1
    as_user "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

log_tail() {
    if [[ -s "$LOG" ]]; then
        printf -- '----- last lines of %s -----\n' "$LOG" >&2
        tail -n "${1:-30}" "$LOG" >&2
        printf -- '-----\n' >&2
    fi
}

dsn_for() { echo "postgresql://$DBUSER@127.0.0.1:$1/$DB"; }

wait_ready() { # wait_ready PORT
    local deadline=$((SECONDS + TIMEOUT))
    until ready "$1"; do
        if ((SECONDS >= deadline)); then
            log_tail
            die "PostgreSQL did not answer on 127.0.0.1:$1 within ${TIMEOUT}s (log: $LOG)"
        fi
        sleep 0.3
    done
}

setup() {
    mkdir -p "$STATE"
    choose_user
    ensure_binaries
    choose_home
    DATA="$HOME_DIR/data"
    LOG="$HOME_DIR/postgres.log"
}

# --- commands ---

cmd_status() {
    setup
    local port
    port="$(cat "$PORTFILE" 2>/dev/null || true)"
    if server_running && [[ -n "$port" ]] && ready "$port"; then
        dsn_for "$port"
        return 0
    fi
    say "not running"
    return 1
}

cmd_up() {
    setup
    local port started=$SECONDS
    port="$(cat "$PORTFILE" 2>/dev/null || true)"

    if server_running && [[ -n "$port" ]]; then
        wait_ready "$port"
        dsn_for "$port" >"$DSNFILE"
        say "already running: $(cat "$DSNFILE")"
        cat "$DSNFILE"
        return 0
    fi
    rm -f "$DSNFILE"

    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        say "creating a throwaway cluster in $DATA ($("$PGBIN/postgres" --version))"
        rm -rf "$DATA"
        as_user mkdir -p "$DATA"
        chmod 700 "$DATA"
        local out
        if ! out="$(as_user "$PGBIN/initdb" -D "$DATA" -U "$DBUSER" --auth=trust -E UTF8 --locale=C --no-sync 2>&1)"; then
            printf '%s\n' "$out" >&2
            die "initdb failed"
        fi
        # Loopback TCP only; a disposable cluster, so durability is traded for speed.
        cat >>"$DATA/postgresql.conf" <<'EOF'

# --- Antrian development/CI cluster (ops/pg/pg.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
    fi

    if [[ -n "${ANTRIAN_PG_PORT:-}" ]]; then
        port="$ANTRIAN_PG_PORT"
        port_free "$port" || die "ANTRIAN_PG_PORT=$port is already in use on 127.0.0.1"
    elif [[ -z "$port" ]] || ! port_free "$port"; then
        port="$(free_port)"
    fi

    if [[ -f "$DATA/postmaster.pid" ]]; then
        # server_running said no: its postmaster is gone (or a zombie), and would block a start.
        say "removing the stale postmaster.pid of a server that is gone"
        rm -f "$DATA/postmaster.pid"
    fi
    as_user truncate -s 0 "$LOG" 2>/dev/null || as_user touch "$LOG"
    say "starting PostgreSQL on 127.0.0.1:$port, log: $LOG"
    # 9>&-: the server must not inherit (and so hold) our lock.
    if ! as_user "$PGBIN/pg_ctl" start -D "$DATA" -l "$LOG" -o "-p $port" -w -t "$TIMEOUT" -s 9>&-; then
        log_tail
        die "pg_ctl could not start the server (log: $LOG)"
    fi
    echo "$port" >"$PORTFILE"
    wait_ready "$port"

    if [[ "$("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$port" -U "$DBUSER" -d postgres -tAc \
        "select 1 from pg_database where datname = '$DB'")" != 1 ]]; then
        "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U "$DBUSER" "$DB" || die "could not create database $DB"
    fi
    dsn_for "$port" >"$DSNFILE"
    say "ready: $(cat "$DSNFILE") in $((SECONDS - started))s"
    cat "$DSNFILE"
}

cmd_down() {
    setup
    if server_running; then
        say "stopping the server in $DATA"
        if ! as_user "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 30 -s; then
            as_user "$PGBIN/pg_ctl" stop -D "$DATA" -m immediate -w -t 10 -s || true
        fi
        if server_running; then
            local pid
            pid="$(head -n1 "$DATA/postmaster.pid" 2>/dev/null || true)"
            [[ "$pid" =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null || true
        fi
    else
        say "not running"
    fi
    rm -rf "$DATA"
    rm -f "$DSNFILE" "$PORTFILE"
    if [[ "$HOME_DIR" != "$STATE" ]]; then
        rm -rf "$HOME_DIR"
        rm -f "$DATADIR_FILE"
    fi
}

cmd_restart() {
    setup
    local port started=$SECONDS
    port="$(cat "$PORTFILE" 2>/dev/null || true)"
    if ! server_running || [[ -z "$port" ]]; then
        die "not running: nothing to restart (ops/pg/pg.sh up starts it)"
    fi
    say "stopping the server in $DATA (data kept)"
    as_user "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 30 -s || die "pg_ctl could not stop the server"
    say "starting it again on 127.0.0.1:$port"
    # The same port whatever lingers in TIME_WAIT: PostgreSQL listens with SO_REUSEADDR.
    if ! as_user "$PGBIN/pg_ctl" start -D "$DATA" -l "$LOG" -o "-p $port" -w -t "$TIMEOUT" -s 9>&-; then
        log_tail
        die "pg_ctl could not start the server again (log: $LOG)"
    fi
    wait_ready "$port"
    dsn_for "$port" >"$DSNFILE"
    say "ready again: $(cat "$DSNFILE") in $((SECONDS - started))s"
    cat "$DSNFILE"
}

main() {
    local cmd="${1:-}"
    case "$cmd" in
        up | down | status | restart) ;;
        *) echo "usage: $0 up|down|status|restart" >&2; exit 2 ;;
    esac
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 300 9 || die "another pg.sh holds $STATE/.lock"
    "cmd_$cmd"
}

main "$@"
