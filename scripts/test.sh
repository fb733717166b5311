#!/usr/bin/env bash
# Run every test: formatting and lints, native unit/property/integration tests,
# in-browser wasm tests, and end-to-end tests in headless Chromium.
# Installs what is missing first.
source "$(dirname "$0")/lib.sh"
ensure_build_tools
ensure_test_tools
ensure_engine
cd "$ROOT"

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (native and wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p quantumstate-app --target wasm32-unknown-unknown --all-targets -- -D warnings

build_app
say "building the app for a sub-path (/quantumstate/), as a static host would serve it"
trunk build --release --public-url /quantumstate/ --dist "$ROOT/dist-subpath"

LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

say "native tests (core, server, end-to-end in headless Chromium)"
export QS_DIST="$ROOT/dist" QS_DIST_SUBPATH="$ROOT/dist-subpath"
mkdir -p "$ROOT/target/screenshots"
cargo test --workspace -- --include-ignored 2>&1 | tee -a "$LOG"

say "in-browser tests (wasm-bindgen-test in headless Chromium)"
export CHROMEDRIVER="$(command -v chromedriver)"
# The runner gives each WebDriver request 5 s by default; on 2 busy cores a
# page's first script call can take longer (a timeout, not a wait).
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-60}"
cargo test -p quantumstate-app --target wasm32-unknown-unknown --lib --tests 2>&1 | tee -a "$LOG"

# One closing line for the whole run (pipefail has already stopped us on a failure).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\n%d passed, %d failed\n", p, f }' "$LOG"
