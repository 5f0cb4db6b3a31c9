#!/usr/bin/env bash
# Installs the Debian packages the tests need, and only those that are missing:
#   postgresql-15            the database the event store and projections run on
#   openjdk-17-jre-headless  the Kafka broker (resolved from Maven Central, see ci/kafka/pom.xml)
#   maven                    resolves the Kafka broker jars
#   python3-venv             creates .venv (only when .venv is absent)
#   kcat                     a librdkafka producer, as services in other languages produce
#   chromium                 the browser the browser tests drive (tests/browser/); never a
#                            browser build of Playwright's own
#   fonts-dejavu-core        text in the browser tests' screenshots
# Runs `apt-get update` once before installing. Does nothing when everything is present.
set -euo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "$0")/_common.sh"

missing=()
if [[ -z "$(pg_bindir)" ]]; then
    missing+=("postgresql-${MAILLEDGER_PG_MAJOR}")
fi
if ! command -v psql >/dev/null || ! command -v pg_isready >/dev/null; then
    missing+=("postgresql-client-${MAILLEDGER_PG_MAJOR}")
fi
if [[ -z "$(find_java)" ]]; then
    missing+=("openjdk-${MAILLEDGER_JAVA_MIN}-jre-headless")
fi
if ! command -v mvn >/dev/null; then
    missing+=(maven)
fi
if ! command -v kcat >/dev/null; then
    missing+=(kcat)
fi
if [[ ! -x "$MAILLEDGER_CHROMIUM" ]]; then
    missing+=(chromium)
fi
if [[ ! -d /usr/share/fonts/truetype/dejavu ]]; then
    missing+=(fonts-dejavu-core)
fi
if ! command -v python3 >/dev/null; then
    missing+=(python3 python3-venv)
elif [[ ! -x "$MAILLEDGER_ROOT/.venv/bin/python" ]] &&
    ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "install-deps: installing missing Debian packages: ${missing[*]}" >&2
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        SUDO=(sudo)
    else
        echo "install-deps: ERROR: not root and no sudo; install these packages: ${missing[*]}" >&2
        exit 1
    fi
else
    SUDO=()
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Check that what was asked for is now really there.
if [[ -z "$(pg_bindir)" ]]; then
    echo "install-deps: ERROR: PostgreSQL ${MAILLEDGER_PG_MAJOR} binaries still missing" >&2
    exit 1
fi
if [[ -z "$(find_java)" ]]; then
    echo "install-deps: ERROR: no Java >= ${MAILLEDGER_JAVA_MIN} after installing" >&2
    exit 1
fi
command -v mvn >/dev/null || { echo "install-deps: ERROR: mvn still missing" >&2; exit 1; }
command -v kcat >/dev/null || { echo "install-deps: ERROR: kcat still missing" >&2; exit 1; }
[[ -x "$MAILLEDGER_CHROMIUM" ]] ||
    { echo "install-deps: ERROR: $MAILLEDGER_CHROMIUM still missing" >&2; exit 1; }
