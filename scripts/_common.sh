# shellcheck shell=bash
# Helpers shared by scripts/test, scripts/services.sh and scripts/install-deps.sh.
# Sourced, never run: callers set `set -euo pipefail` themselves.

# Repository root, computed from this file's location (scripts/..).
MAILLEDGER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# PostgreSQL major version the project is tested against (Debian package postgresql-15).
MAILLEDGER_PG_MAJOR=15
# Oldest Java the Kafka 4.x broker runs on.
MAILLEDGER_JAVA_MIN=17
# Debian's chromium, which the browser tests drive (tests/browser/conftest.py names it too).
MAILLEDGER_CHROMIUM=/usr/bin/chromium

# Directory holding initdb, pg_ctl, postgres for the tested major version ("" if absent).
pg_bindir() {
    local dir="/usr/lib/postgresql/${MAILLEDGER_PG_MAJOR}/bin"
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
        echo "$dir"
    fi
}

# Major version of a java binary (e.g. 17), or 0 when it cannot be run.
java_major() {
    local out
    out="$("$1" -version 2>&1 | head -n 1)" || { echo 0; return; }
    # 'openjdk version "17.0.15" ...' or 'openjdk version "1.8.0_392" ...'
    out="${out#*\"}"
    out="${out%%\"*}"
    if [[ "$out" == 1.* ]]; then
        out="${out#1.}"
    fi
    out="${out%%[.+-]*}"
    if [[ "$out" =~ ^[0-9]+$ ]]; then echo "$out"; else echo 0; fi
}

# Path of a java binary new enough for Kafka ("" if none).
find_java() {
    local candidate
    for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" \
        /usr/lib/jvm/java-*-openjdk-*/bin/java; do
        if [[ -n "$candidate" && -x "$candidate" ]] &&
            (( $(java_major "$candidate") >= MAILLEDGER_JAVA_MIN )); then
            echo "$candidate"
            return
        fi
    done
}

# Python used by the helper scripts: the project's virtualenv when present, else python3.
helper_python() {
    if [[ -x "$MAILLEDGER_ROOT/.venv/bin/python" ]]; then
        echo "$MAILLEDGER_ROOT/.venv/bin/python"
    else
        command -v python3
    fi
}

# Seconds since the epoch with sub-second precision.
now() {
    echo "${EPOCHREALTIME:-$(date +%s.%N)}"
}

# Seconds elapsed since a value returned by now(), formatted like 12.3.
elapsed_since() {
    awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1f", end - start }'
}
