#!/usr/bin/env bash
# Runs the PostgreSQL 15 and the Kafka broker (KRaft, one combined broker+controller node) that
# the integration and end-to-end tests use. Both listen on 127.0.0.1 only, on free ports.
#
# Usage: scripts/services.sh COMMAND
#   start           start both, fresh (new data, new ports); prints the env lines below.
#                   When both already run, only prints them again.
#   stop            stop both (safe when nothing runs); data and logs stay until the next start
#                   (except a data directory that had to be put under /tmp: see cmd_stop)
#   status          tell what runs; exit 0 when both run, 3 otherwise
#   env             print the env lines of the running pair
#   stop-kafka      stop the broker only, keeping its data and port
#   start-kafka     start the broker again on its data and port
#   stop-postgres   stop the database only, keeping its data and port
#   start-postgres  start the database again on its data and port
#   start-own-kafka start a broker alone (no PostgreSQL), fresh, for a test that may kill it:
#                   use a state directory of its own; prints its bootstrap, then its pid
#
# State lives in $MAILLEDGER_SERVICES_DIR (default: <repo>/.services). `start` writes
# $MAILLEDGER_SERVICES_DIR/env, to be sourced:
#   export MAILLEDGER_TEST_POSTGRES_URL=postgresql://mailledger:mailledger@127.0.0.1:PORT/mailledger
#   export MAILLEDGER_TEST_KAFKA_BOOTSTRAP=127.0.0.1:PORT
# Progress goes to stderr, the env lines to stdout: `eval "$(scripts/services.sh start)"` works.
set -euo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "$0")/_common.sh"

STATE_DIR="${MAILLEDGER_SERVICES_DIR:-$MAILLEDGER_ROOT/.services}"
KAFKA_POM="$MAILLEDGER_ROOT/ci/kafka/pom.xml"
KAFKA_START_TIMEOUT="${MAILLEDGER_KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT=30
PG_START_TIMEOUT=60
PG_USER=mailledger
PG_PASSWORD=mailledger
PG_DATABASE=mailledger

PG_STATE="$STATE_DIR/postgres"   # port, root (the directory holding data/ and postgres.log)
KAFKA_STATE="$STATE_DIR/kafka"   # ports, pid, server.properties, data/, logs/
# Resolved broker jars, kept across starts; a test's own broker reuses those of the suite.
KAFKA_LIB="${MAILLEDGER_KAFKA_LIB:-$STATE_DIR/kafka-lib}"

log() { echo "services: $*" >&2; }
die() {
    echo "services: ERROR: $*" >&2
    exit 1
}

# Three distinct free TCP ports on 127.0.0.1, one per line.
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
    s.close()
PY
}

# Runs a command as the postgres OS user when we are root (initdb and postgres refuse root).
as_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_root() { cat "$PG_STATE/root" 2>/dev/null || true; }
pg_port() { cat "$PG_STATE/port" 2>/dev/null || true; }
pg_log() { echo "$(pg_root)/postgres.log"; }

pg_running() {
    local root bindir
    root="$(pg_root)"
    bindir="$(pg_bindir)"
    [[ -n "$root" && -n "$bindir" && -f "$root/data/PG_VERSION" ]] || return 1
    as_pg "$bindir/pg_ctl" status -D "$root/data" >/dev/null 2>&1
}

# Directory owned by the server's OS user that will hold data/ and postgres.log.
pg_make_root() {
    local root="$PG_STATE/server"
    mkdir -p "$root"
    if [[ "$(id -u)" -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (install postgresql-15)"
        chown postgres: "$root"
        # The socket path must stay short (107 bytes) and every parent directory must be
        # traversable by 'postgres'; otherwise use a private directory under /tmp.
        if ((${#root} > 80)) || ! runuser -u postgres -- test -w "$root" 2>/dev/null; then
            rm -rf "$root"
            root="$(mktemp -d "${TMPDIR:-/tmp}/mailledger-pg.XXXXXX")"
            chown postgres: "$root"
        fi
    elif ((${#root} > 80)); then
        rm -rf "$root"
        root="$(mktemp -d "${TMPDIR:-/tmp}/mailledger-pg.XXXXXX")"
    fi
    echo "$root"
}

pg_init() {
    local bindir root port
    bindir="$(pg_bindir)"
    [[ -n "$bindir" ]] || die "PostgreSQL ${MAILLEDGER_PG_MAJOR} not installed (run scripts/install-deps.sh)"
    mkdir -p "$PG_STATE"
    root="$(pg_make_root)"
    port="$(free_ports 1)"
    echo "$root" >"$PG_STATE/root"
    echo "$port" >"$PG_STATE/port"

    printf '%s\n' "$PG_PASSWORD" >"$root/pwfile"
    [[ "$(id -u)" -ne 0 ]] || chown postgres: "$root/pwfile"
    if ! as_pg "$bindir/initdb" -D "$root/data" -U "$PG_USER" --pwfile="$root/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C >"$root/initdb.log" 2>&1; then
        die "initdb failed; see $root/initdb.log"
    fi
    rm -f "$root/pwfile"
    cat >>"$root/data/postgresql.conf" <<EOF

# Added by scripts/services.sh for the tests.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$root/data'
max_connections = 200
EOF
}

pg_start() {
    local bindir root port started
    bindir="$(pg_bindir)"
    root="$(pg_root)"
    port="$(pg_port)"
    [[ -n "$bindir" ]] || die "PostgreSQL ${MAILLEDGER_PG_MAJOR} not installed (run scripts/install-deps.sh)"
    [[ -n "$root" && -f "$root/data/PG_VERSION" ]] ||
        die "no PostgreSQL data directory; run 'scripts/services.sh start' first"
    if pg_running; then
        return 0
    fi
    started="$(now)"
    if ! as_pg "$bindir/pg_ctl" start -D "$root/data" -l "$root/postgres.log" -w \
        -t "$PG_START_TIMEOUT" >/dev/null 2>&1 9>&-; then
        die "PostgreSQL did not start on 127.0.0.1:$port; see $root/postgres.log"
    fi
    local deadline=$((SECONDS + PG_START_TIMEOUT))
    until pg_isready -q -h 127.0.0.1 -p "$port" -d postgres; do
        ((SECONDS < deadline)) || die "PostgreSQL not accepting connections on 127.0.0.1:$port; see $root/postgres.log"
        sleep 0.2 # poll interval of the readiness check
    done
    log "PostgreSQL up on 127.0.0.1:$port in $(elapsed_since "$started")s (log: $root/postgres.log)"
}

pg_create_database() {
    local port
    port="$(pg_port)"
    if ! PGPASSWORD="$PG_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
        -U "$PG_USER" -d postgres \
        -c "CREATE DATABASE $PG_DATABASE OWNER $PG_USER" >"$(pg_root)/createdb.log" 2>&1; then
        die "could not create database $PG_DATABASE; see $(pg_root)/createdb.log and $(pg_log)"
    fi
}

pg_stop() {
    local bindir root
    bindir="$(pg_bindir)"
    root="$(pg_root)"
    pg_running || return 0
    if ! as_pg "$bindir/pg_ctl" stop -D "$root/data" -m fast -w -t 30 >/dev/null 2>&1; then
        log "PostgreSQL did not stop in 30s; stopping it with -m immediate"
        as_pg "$bindir/pg_ctl" stop -D "$root/data" -m immediate -w -t 30 >/dev/null 2>&1 ||
            die "could not stop PostgreSQL; see $root/postgres.log"
    fi
    log "PostgreSQL stopped"
}

pg_url() {
    echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$(pg_port)/$PG_DATABASE"
}

# ---------------------------------------------------------------------------------------------
# Kafka

kafka_port() { cat "$KAFKA_STATE/port" 2>/dev/null || true; }
kafka_pid() { cat "$KAFKA_STATE/pid" 2>/dev/null || true; }
kafka_log() { echo "$KAFKA_STATE/logs/server.log"; }

kafka_running() {
    local pid
    pid="$(kafka_pid)"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

# Copies the broker jars named by ci/kafka/pom.xml into $KAFKA_LIB (skipped when up to date).
kafka_resolve_jars() {
    local stamp started
    stamp="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
    if [[ -f "$KAFKA_LIB/.pom.sha256" && "$(cat "$KAFKA_LIB/.pom.sha256")" == "$stamp" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not installed (run scripts/install-deps.sh)"
    started="$(now)"
    rm -rf "$KAFKA_LIB"
    mkdir -p "$KAFKA_LIB"
    if ! mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies \
        -DoutputDirectory="$KAFKA_LIB" >"$STATE_DIR/kafka-mvn.log" 2>&1; then
        rm -rf "$KAFKA_LIB"
        die "could not resolve the Kafka jars with Maven; see $STATE_DIR/kafka-mvn.log"
    fi
    echo "$stamp" >"$KAFKA_LIB/.pom.sha256"
    log "Kafka jars resolved in $(elapsed_since "$started")s"
}

kafka_java() {
    local java
    java="$(find_java)"
    [[ -n "$java" ]] || die "no Java >= ${MAILLEDGER_JAVA_MIN} (run scripts/install-deps.sh)"
    echo "$java"
}

kafka_init() {
    local java port controller_port cluster_id
    java="$(kafka_java)"
    kafka_resolve_jars
    mkdir -p "$KAFKA_STATE/data" "$KAFKA_STATE/logs"
    read -r port controller_port < <(free_ports 2 | paste -sd' ')
    echo "$port" >"$KAFKA_STATE/port"
    echo "$controller_port" >"$KAFKA_STATE/controller_port"

    cat >"$KAFKA_STATE/server.properties" <<EOF
# Written by scripts/services.sh: one KRaft node that is broker and controller, for the tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_STATE/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
EOF

    cat >"$KAFKA_STATE/log4j2.properties" <<EOF
# Written by scripts/services.sh: broker logs go to $KAFKA_STATE/logs/server.log.
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $KAFKA_STATE/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka-request.name = kafka.request.logger
logger.kafka-request.level = WARN
logger.state-change.name = state.change.logger
logger.state-change.level = WARN
EOF

    # A Kafka cluster id: 16 random bytes, URL-safe base64 without padding.
    cluster_id="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="))')"
    if ! "$java" -Xmx256m -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2.properties" \
        -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format \
        --config "$KAFKA_STATE/server.properties" --cluster-id "$cluster_id" \
        >"$KAFKA_STATE/logs/format.log" 2>&1; then
        die "formatting Kafka storage failed; see $KAFKA_STATE/logs/format.log"
    fi
}

# Starts the broker JVM in the background; kafka_wait waits until it answers.
kafka_launch() {
    local java
    java="$(kafka_java)"
    [[ -f "$KAFKA_STATE/server.properties" && -d "$KAFKA_STATE/data" ]] ||
        die "no Kafka data directory; run 'scripts/services.sh start' first"
    kafka_resolve_jars
    if kafka_running; then
        return 0
    fi
    KAFKA_LAUNCHED_AT="$(now)"
    # setsid: the broker leaves the caller's process group, so a Ctrl-C in the terminal does
    # not kill it half-way; `stop` (run by scripts/test's exit trap) ends it by its pid.
    setsid "$java" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dkafka.logs.dir="$KAFKA_STATE/logs" \
        -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2.properties" \
        -Dlog4j2.shutdownHookEnabled=false \
        -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_STATE/server.properties" \
        </dev/null >>"$KAFKA_STATE/logs/stdout.log" 2>&1 9>&- &
    echo $! >"$KAFKA_STATE/pid"
}

kafka_wait() {
    local port pid python_bin rc=0
    port="$(kafka_port)"
    pid="$(kafka_pid)"
    python_bin="$(helper_python)"
    "$python_bin" "$MAILLEDGER_ROOT/scripts/kafka_probe.py" "127.0.0.1:$port" \
        "$KAFKA_START_TIMEOUT" "$pid" || rc=$?
    case "$rc" in
    0) ;;
    2) die "Kafka exited while starting; see $(kafka_log) and $KAFKA_STATE/logs/stdout.log" ;;
    *) die "Kafka not answering on 127.0.0.1:$port after ${KAFKA_START_TIMEOUT}s; see $(kafka_log)" ;;
    esac
    log "Kafka up on 127.0.0.1:$port in $(elapsed_since "${KAFKA_LAUNCHED_AT:-$(now)}")s (log: $(kafka_log))"
}

kafka_stop() {
    local pid waited=0
    kafka_running || { rm -f "$KAFKA_STATE/pid"; return 0; }
    pid="$(kafka_pid)"
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= KAFKA_STOP_TIMEOUT * 10)); then
            log "Kafka did not stop in ${KAFKA_STOP_TIMEOUT}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1 # poll interval while the broker shuts down
        waited=$((waited + 1))
    done
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$KAFKA_STATE/pid"
    log "Kafka stopped"
}

kafka_bootstrap() { echo "127.0.0.1:$(kafka_port)"; }

# ---------------------------------------------------------------------------------------------

print_env() {
    {
        echo "export MAILLEDGER_TEST_POSTGRES_URL=$(pg_url)"
        echo "export MAILLEDGER_TEST_KAFKA_BOOTSTRAP=$(kafka_bootstrap)"
    } >"$STATE_DIR/env"
    cat "$STATE_DIR/env"
}

# Removes the data of a previous run (not the cached Kafka jars).
wipe_state() {
    local root
    root="$(pg_root)"
    if [[ -n "$root" && -d "$root" ]]; then
        rm -rf "$root"
    fi
    rm -rf "$PG_STATE" "$KAFKA_STATE" "$STATE_DIR/env"
}

stop_all() {
    kafka_stop
    pg_stop
}

# Stops both. A PostgreSQL data directory that had to live outside the state directory (under
# /tmp) is removed too, its log kept as $PG_STATE/postgres.log: nothing is left behind in /tmp.
cmd_stop() {
    local root
    stop_all
    rm -f "$STATE_DIR/env"
    root="$(pg_root)"
    if [[ -n "$root" && "$root" != "$PG_STATE"/* && -d "$root" ]]; then
        cp "$root/postgres.log" "$PG_STATE/postgres.log" 2>/dev/null || true
        rm -rf "$root"
        rm -f "$PG_STATE/root"
    fi
}

cmd_start() {
    if pg_running && kafka_running && [[ -f "$STATE_DIR/env" ]]; then
        log "already running"
        cat "$STATE_DIR/env"
        return 0
    fi
    local started
    started="$(now)"
    stop_all
    wipe_state
    "$MAILLEDGER_ROOT/scripts/install-deps.sh"

    # On any failure below, stop what was started; data and logs stay for a look.
    trap 'rc=$?; if ((rc != 0)); then stop_all || true; fi' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    kafka_init
    kafka_launch # boots in the background while PostgreSQL starts
    pg_init
    pg_start
    pg_create_database
    kafka_wait
    trap - EXIT INT TERM
    log "services ready in $(elapsed_since "$started")s"
    print_env
}

# A broker of its own for a test that kills it: never the suite's, which every test shares.
cmd_start_own_kafka() {
    kafka_running && die "a broker already runs from $STATE_DIR; use a state directory of its own"
    rm -rf "$KAFKA_STATE"
    kafka_init
    kafka_launch
    kafka_wait
    kafka_bootstrap
    kafka_pid
}

cmd_status() {
    local rc=0
    if pg_running; then
        echo "postgres: running on 127.0.0.1:$(pg_port) (data: $(pg_root)/data)"
    else
        echo "postgres: stopped"
        rc=3
    fi
    if kafka_running; then
        echo "kafka: running on $(kafka_bootstrap), pid $(kafka_pid) (log: $(kafka_log))"
    else
        echo "kafka: stopped"
        rc=3
    fi
    return "$rc"
}

main() {
    local command="${1:-}"
    case "$command" in
    start | stop | status | env | stop-kafka | start-kafka | stop-postgres | start-postgres) ;;
    start-own-kafka) ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
        exit 64
        ;;
    esac

    mkdir -p "$STATE_DIR"
    # One command at a time per state directory. The servers must not inherit fd 9 (9>&-).
    exec 9>"$STATE_DIR/.lock"
    flock -w 300 9 || die "another scripts/services.sh holds $STATE_DIR/.lock"

    case "$command" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env)
        if ! { pg_running && kafka_running && [[ -f "$STATE_DIR/env" ]]; }; then
            die "not running; run 'scripts/services.sh start'"
        fi
        cat "$STATE_DIR/env"
        ;;
    stop-kafka) kafka_stop ;;
    start-kafka)
        kafka_launch
        kafka_wait
        ;;
    stop-postgres) pg_stop ;;
    start-postgres) pg_start ;;
    start-own-kafka) cmd_start_own_kafka ;;
    esac
}

main "$@"
