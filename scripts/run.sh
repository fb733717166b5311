#!/usr/bin/env bash
# Build and start QuantumState on http://127.0.0.1:8080/ (embedded store).
# Installs what is missing first. Extra arguments go to `quantumstate serve`
# (e.g. --bind 0.0.0.0:8080).
source "$(dirname "$0")/lib.sh"
ensure_build_tools
build_app
say "starting the server"
cd "$ROOT"
cargo build --release -p quantumstate-server
exec "$ROOT/target/release/quantumstate" serve --dist "$ROOT/dist" "$@"
