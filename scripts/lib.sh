# Shared by scripts/demo and scripts/test: installs what is missing and runs the local broker.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
NOIDA_VERSION="0.2.3"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Debian packages the build, the tests and the demo need (prometheus: promtool, for the monitoring checks).
ensure_system_packages() {
    # chromium and a CJK font: the console's end-to-end test drives a real headless browser.
    local wanted=(librdkafka-dev libsqlite3-dev pkg-config kcat curl python3-venv docker-compose prometheus chromium fonts-wqy-microhei)
    local missing=()
    for package in "${wanted[@]}"; do
        [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$package")
    done
    if ((${#missing[@]})); then
        log "Installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# The local Kafka-protocol broker, in a venv under the repo.
ensure_broker() {
    local installed=""
    [ -x "$VENV/bin/pip" ] && installed="$("$VENV/bin/pip" show noida-db 2>/dev/null || true)"
    if [ ! -x "$VENV/bin/noida-db" ] || ! grep -q "^Version: $NOIDA_VERSION$" <<<"$installed"; then
        log "Installing noida-db $NOIDA_VERSION into $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q "noida-db==$NOIDA_VERSION"
    fi
}

# start_broker DATA_DIR PORT: starts the broker and waits until it answers.
start_broker() {
    local dir="$1" port="$2"
    mkdir -p "$dir"
    "$VENV/bin/noida-db" up --data-dir "$dir" --only kafka --kafka-port "$port" --host 127.0.0.1 >"$dir/up.log" 2>&1 || {
        cat "$dir/up.log" >&2
        return 1
    }
    for _ in $(seq 1 100); do
        kcat -L -b "127.0.0.1:$port" -m 2 >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "broker on port $port did not answer" >&2
    return 1
}

stop_broker() {
    "$VENV/bin/noida-db" down --data-dir "$1" >/dev/null 2>&1 || true
}

# A TCP port nobody listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
