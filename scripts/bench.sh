#!/usr/bin/env bash
# The benchmark command (README.md, "Benchmarks"). Not part of the tests.
# Installs what is missing (as scripts/test.sh does), builds the app and the
# server in release mode, runs the criterion benches, then quantumstate-bench,
# which measures in headless Chromium and against osmem-server, prints one
# table and writes it to docs/benchmarks.md. Arguments go to quantumstate-bench
# (`scripts/bench.sh --help` lists them).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if [ "${1:-}" = "--help" ]; then
    cargo run --quiet --release -p quantumstate-bench -- --help
    exit 0
fi

ensure_build_tools
ensure_test_tools
case " $* " in
    *" --only-footprint "*) ;;
    *) ensure_engine ;;
esac
build_app
say "building the server and the benchmark harness (release)"
cargo build --release -p quantumstate-server -p quantumstate-bench
case " $* " in
    *" --only-breakdown "* | *" --only-ingest "* | *" --only-footprint "*) ;;
    *)
        say "criterion: generation and the whole pipeline (about a minute)"
        cargo bench -p quantumstate-core --bench pipeline -- --noplot
        ;;
esac
say "measuring the app (a few minutes)"
"$ROOT/target/release/quantumstate-bench" "$@"
case " $* " in
    *" --only-breakdown "* | *" --only-ingest "*) ;;
    *)
        say "Lighthouse, desktop and mobile, median of 3 (a few minutes)"
        "$ROOT/scripts/lighthouse.sh" 3 "$ROOT/docs/benchmarks.md"
        ;;
esac
