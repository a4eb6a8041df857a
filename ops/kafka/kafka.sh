#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft) broker for development and CI, without Docker.
#
#   ops/kafka/kafka.sh up       start it (idempotent) and wait until it answers
#   ops/kafka/kafka.sh down     stop it and delete its data
#   ops/kafka/kafka.sh status   exit 0 and print the bootstrap address if it answers
#   ops/kafka/kafka.sh restart  stop it and start it again on the same ports, data kept
#                               (topics, offsets, groups): what clients see of a broker bounce
#   ops/kafka/kafka.sh tool CLASS [ARGS...]
#                               run one of Kafka's command-line tools from the same jars (the
#                               kafka-tools artifact); ops/kafka/kafka-topics and
#                               ops/kafka/kafka-consumer-groups are the usual two
#
# The broker jars come from Maven Central through ops/kafka/pom.xml into
# .cache/kafka/libs (git-ignored; Maven's own ~/.m2 cache makes later copies quick).
# State, all under .cache/kafka: server.properties, data/, server.log, kafka.pid and
# bootstrap (one line, "127.0.0.1:PORT", what clients should use).
#
# Environment:
#   ANTRIAN_KAFKA_PORT             client port (default: a free one)
#   ANTRIAN_KAFKA_CONTROLLER_PORT  KRaft controller port (default: a free one)
#   ANTRIAN_KAFKA_TIMEOUT          seconds to wait for the broker to answer (default 120)
#   ANTRIAN_KAFKA_HEAP             JVM heap flags (default "-Xmx512m -Xms512m")
#   ANTRIAN_KAFKA_HOME             state folder (default <repo>/.cache/kafka)
#   PYTHON                         interpreter for the readiness check (default: the repo's .venv)
#   JAVA_HOME / JAVA               which java to run (needs 17 or newer)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
STATE="${ANTRIAN_KAFKA_HOME:-$ROOT/.cache/kafka}"
LIBS="$STATE/libs"
DATA="$STATE/data"
PROPS="$STATE/server.properties"
LOG="$STATE/server.log"
PIDFILE="$STATE/kafka.pid"
BOOTFILE="$STATE/bootstrap"
POM="$HERE/pom.xml"
TIMEOUT="${ANTRIAN_KAFKA_TIMEOUT:-120}"
HEAP="${ANTRIAN_KAFKA_HEAP:--Xmx512m -Xms512m}"

say() { printf 'kafka: %s\n' "$*" >&2; }
die() { printf 'kafka: ERROR: %s\n' "$*" >&2; exit 1; }

pick_python() {
    if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"
    elif [[ -x "$ROOT/.venv/bin/python" ]]; then echo "$ROOT/.venv/bin/python"
    else command -v python3 || die "no python3 found for the readiness check"
    fi
}
PY="$(pick_python)"

log_tail() {
    if [[ -s "$LOG" ]]; then
        printf -- '----- last lines of %s -----\n' "$LOG" >&2
        tail -n "${1:-40}" "$LOG" >&2
        printf -- '-----\n' >&2
    fi
}

# --- prerequisites: Java 17+ and Maven, installed from Debian's packages if missing ---

apt_install() {
    if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null; then
        die "$1 is missing; install it (Debian: apt-get install -y $2)"
    fi
    say "$1 is missing: apt-get install -y $2"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } \
        || die "could not install $2"
}

java_bin() {
    if [[ -n "${JAVA:-}" ]]; then echo "$JAVA"
    elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"
    else command -v java || true
    fi
}

JAVA_CMD=""
ensure_java() {
    JAVA_CMD="$(java_bin)"
    if [[ -z "$JAVA_CMD" ]]; then
        apt_install "java" "openjdk-17-jre-headless"
        JAVA_CMD="$(java_bin)"
    fi
    local version major
    version="$("$JAVA_CMD" -version 2>&1)" || die "cannot run '$JAVA_CMD -version': $version"
    major="$(printf '%s\n' "$version" | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
    [[ -n "$major" && "$major" -ge 17 ]] || die "Kafka 4 needs Java 17 or newer; $JAVA_CMD is version '${major:-unknown}'"
}

ensure_libs() {
    local want have=""
    want="$(sha256sum "$POM" | cut -d' ' -f1)"
    [[ -f "$LIBS/.pom.sha256" ]] && have="$(cat "$LIBS/.pom.sha256")"
    if [[ "$want" == "$have" ]] && compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null; then
        return 0
    fi
    command -v mvn >/dev/null || apt_install "mvn" "maven"
    say "fetching broker jars with Maven into $LIBS (first time only)"
    rm -rf "$LIBS"
    mkdir -p "$LIBS"
    if ! mvn -B -q -Dstyle.color=never -f "$POM" package -Dkafka.libs.dir="$LIBS" >"$STATE/maven.log" 2>&1; then
        tail -n 40 "$STATE/maven.log" >&2
        die "Maven could not fetch the broker jars (full log: $STATE/maven.log)"
    fi
    echo "$want" >"$LIBS/.pom.sha256"
}

# --- process bookkeeping ---

running_pid() {
    # Prints the broker's pid if the pid file names a live broker of this folder.
    [[ -f "$PIDFILE" ]] || return 1
    local pid args
    pid="$(cat "$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    args="$(ps -ww -o args= -p "$pid" 2>/dev/null)" || return 1
    [[ "$args" == *kafka.Kafka* && "$args" == *"$PROPS"* ]] || return 1
    echo "$pid"
}

answers() { # answers BOOTSTRAP TIMEOUT [PID]
    "$PY" "$HERE/ready.py" "$1" --timeout "$2" ${3:+--pid "$3"}
}

free_ports() { # prints two distinct free loopback ports
    "$PY" - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

port_free() {
    "$PY" -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

port_listenable() { # nobody listens on it (connections of a stopped broker may linger in TIME_WAIT;
    # the JVM binds with SO_REUSEADDR, so they do not stop a new broker)
    "$PY" -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()' "$1" 2>/dev/null
}

cluster_id() {
    # Same shape as `kafka.tools.StorageTool random-uuid` (base64url of 16 random bytes),
    # without paying for a JVM start.
    "$PY" -c 'import base64,uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    if not s.startswith("-"):
        print(s); break'
}

stop_pid() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    say "broker $pid ignored SIGTERM for 30s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}

# --- commands ---

cmd_status() {
    local pid
    pid="$(running_pid)" || { say "not running"; return 1; }
    [[ -s "$BOOTFILE" ]] || { say "running (pid $pid) but no bootstrap file"; return 1; }
    if answers "$(cat "$BOOTFILE")" 0 "$pid" 2>/dev/null; then
        cat "$BOOTFILE"
        return 0
    fi
    say "running (pid $pid) but not answering at $(cat "$BOOTFILE")"
    return 1
}

cmd_up() {
    local pid bootstrap port cport started
    started=$SECONDS
    if pid="$(running_pid)" && [[ -s "$BOOTFILE" ]]; then
        bootstrap="$(cat "$BOOTFILE")"
        if answers "$bootstrap" 0 "$pid" 2>/dev/null; then
            say "already running at $bootstrap (pid $pid)"
            echo "$bootstrap"
            return 0
        fi
        say "broker $pid is running but not answering yet; waiting up to ${TIMEOUT}s"
        if answers "$bootstrap" "$TIMEOUT" "$pid"; then
            echo "$bootstrap"
            return 0
        fi
        log_tail
        die "broker $pid at $bootstrap never answered; try: make kafka-down && make kafka-up"
    fi
    if [[ -f "$PIDFILE" ]]; then
        say "removing stale state of a broker that is gone"
    fi
    rm -f "$PIDFILE" "$BOOTFILE"

    ensure_java
    ensure_libs

    if [[ -n "${ANTRIAN_KAFKA_PORT:-}" ]]; then
        port="$ANTRIAN_KAFKA_PORT"
        port_free "$port" || die "ANTRIAN_KAFKA_PORT=$port is already in use on 127.0.0.1"
        cport="${ANTRIAN_KAFKA_CONTROLLER_PORT:-$(free_ports | cut -d' ' -f1)}"
        [[ "$cport" != "$port" ]] || cport="$(free_ports | cut -d' ' -f2)"
    else
        read -r port cport < <(free_ports)
        cport="${ANTRIAN_KAFKA_CONTROLLER_PORT:-$cport}"
    fi

    rm -rf "$DATA"
    mkdir -p "$DATA"
    sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$cport|g" -e "s|@LOG_DIR@|$DATA|g" \
        "$HERE/server.properties.in" >"$PROPS"
    : >"$LOG"

    local cid
    cid="$(cluster_id)"
    if ! "$JAVA_CMD" "${JVM[@]}" kafka.tools.StorageTool format --standalone -t "$cid" -c "$PROPS" >>"$LOG" 2>&1; then
        log_tail
        die "could not format the KRaft storage in $DATA"
    fi

    say "starting Kafka on 127.0.0.1:$port (controller $cport), log: $LOG"
    bootstrap="127.0.0.1:$port"
    start_broker "$bootstrap" "$started"
}

JVM=(-server $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    -Dorg.slf4j.simpleLogger.showDateTime=true
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss,SSS"
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info
    -cp "$LIBS/*")

start_broker() { # start_broker BOOTSTRAP STARTED: run the broker of $PROPS, wait until it answers
    local bootstrap="$1" started="$2" pid
    (exec 9>&-; cd "$STATE" && exec setsid nohup "$JAVA_CMD" "${JVM[@]}" kafka.Kafka "$PROPS" >>"$LOG" 2>&1 </dev/null) &
    pid=$!
    echo "$pid" >"$PIDFILE"
    echo "$bootstrap" >"$BOOTFILE"

    local rc=0
    answers "$bootstrap" "$TIMEOUT" "$pid" || rc=$?
    if [[ $rc -ne 0 ]]; then
        log_tail 60
        kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
        rm -f "$PIDFILE" "$BOOTFILE"
        die "Kafka did not come up at $bootstrap (see $LOG)"
    fi
    say "ready at $bootstrap (pid $pid) in $((SECONDS - started))s"
    echo "$bootstrap"
}

cmd_restart() {
    local pid bootstrap port cport started=$SECONDS
    pid="$(running_pid)" || die "no broker of $STATE is running: nothing to restart (use up)"
    [[ -s "$BOOTFILE" && -s "$PROPS" ]] || die "broker $pid has no $BOOTFILE or $PROPS: cannot restart it"
    bootstrap="$(cat "$BOOTFILE")"
    port="${bootstrap##*:}"
    cport="$(sed -n 's/^controller\.quorum\.bootstrap\.servers=.*:\([0-9]*\)$/\1/p' "$PROPS")"
    [[ -n "$cport" ]] || die "no controller port in $PROPS"
    ensure_java
    say "stopping broker $pid (data kept)"
    stop_pid "$pid"
    ! kill -0 "$pid" 2>/dev/null || die "broker $pid did not stop"
    # Both ports must be free again before the new broker binds them.
    local i
    for ((i = 0; i < 300; i++)); do
        port_listenable "$port" && port_listenable "$cport" && break
        sleep 0.1
    done
    port_listenable "$port" && port_listenable "$cport" \
        || die "port $port or $cport is still taken 30s after broker $pid stopped"
    say "starting Kafka again on $bootstrap, log: $LOG"
    start_broker "$bootstrap" "$started"
}

cmd_down() {
    local pid
    if pid="$(running_pid)"; then
        say "stopping broker $pid"
        stop_pid "$pid"
    else
        say "not running"
    fi
    rm -rf "$DATA"
    rm -f "$PIDFILE" "$BOOTFILE" "$PROPS"
}

cmd_tool() { # cmd_tool CLASS ARGS...: the jars fetched under the lock, the tool run without it
    [[ $# -ge 1 ]] || { echo "usage: $0 tool CLASS [ARGS...]" >&2; exit 2; }
    ensure_java
    ensure_libs
    exec 9>&-
    exec "$JAVA_CMD" -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$LIBS/*" "$@"
}

main() {
    local cmd="${1:-}"
    case "$cmd" in
        up | down | status | restart | tool) ;;
        *) echo "usage: $0 up|down|status|restart|tool" >&2; exit 2 ;;
    esac
    shift
    mkdir -p "$STATE"
    # One caller at a time (parallel test workers, a make target and a test run...).
    exec 9>"$STATE/.lock"
    flock -w 900 9 || die "another kafka.sh holds $STATE/.lock"
    "cmd_$cmd" "$@"
}

main "$@"
