#!/usr/bin/env bash
# A real search engine for the tests and benchmarks: one OpenSearch node
# (version in tests/engine/pom.xml), in-process from Maven Central jars, on
# 127.0.0.1. Installs what is missing first (scripts/lib.sh, ensure_engine).
#
#   scripts/engine.sh [--port N] [--install-only]
#
# Prints `ENGINE_URL=http://127.0.0.1:PORT` once the node answers, then runs
# until SIGTERM/SIGINT or until its standard input closes (so a test that
# spawns it with a pipe stops it by exiting). Run it by hand with stdin open,
# e.g. `scripts/engine.sh < /dev/tty`, or `sleep infinity | scripts/engine.sh`.
# Heap 1 GB (QS_ENGINE_HEAP); data in a temporary directory, removed on exit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port=0
install_only=false
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port="$2"; shift 2 ;;
        --install-only) install_only=true; shift ;;
        *) echo "usage: scripts/engine.sh [--port N] [--install-only]" >&2; exit 2 ;;
    esac
done

ensure_engine
$install_only && exit 0

home="$(mktemp -d "${TMPDIR:-/tmp}/qs-engine.XXXXXX")"
heap="${QS_ENGINE_HEAP:-1g}"
java_pid=""
stop() {
    [ -n "$java_pid" ] && kill -TERM "$java_pid" 2>/dev/null && wait "$java_pid" 2>/dev/null
    rm -rf "$home"
}
trap 'stop; exit 0' TERM INT
trap 'rm -rf "$home"' EXIT

# No Security Manager and no bootstrap checks: the node runs as a library.
java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -Xss1m -XX:-OmitStackTraceInFastThrow \
    -Dfile.encoding=UTF-8 -Djava.awt.headless=true -Djna.nosys=true \
    -Djava.locale.providers=SPI,COMPAT -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true \
    -Dopensearch.set.netty.runtime.available.processors=false \
    -jar "$(engine_build_dir)/engine-1.jar" "$home" "$port" <&0 &
java_pid=$!
wait "$java_pid"
