#!/usr/bin/env bash
# Lighthouse on the built app (dist/), served by `quantumstate serve`: three
# runs each of the desktop and mobile presets, the median of each category.
# Part of scripts/bench.sh, not of the tests. Reports under target/lighthouse/.
# Usage: scripts/lighthouse.sh [RUNS]   (needs dist/; QS_BIN overrides the server binary)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_lighthouse
RUNS="${1:-3}"
OUT="$ROOT/target/lighthouse"
mkdir -p "$OUT"
BIN="${QS_BIN:-$ROOT/target/release/quantumstate}"
[ -x "$BIN" ] || cargo build --release -p quantumstate-server
LOG="$(mktemp)"
"$BIN" serve --bind 127.0.0.1:0 --dist "$ROOT/dist" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; rm -f "$LOG"' EXIT
# It precompresses the bundle first (brotli 11): seconds in release, longer in debug.
for _ in $(seq 1 1200); do grep -q "listening on" "$LOG" && break; sleep 0.1; done
URL="$(sed -n 's/^QuantumState listening on //p' "$LOG" | head -1)"
[ -n "$URL" ] || { echo "the server did not start" >&2; exit 1; }
for preset in desktop mobile; do
    for run in $(seq 1 "$RUNS"); do
        say "lighthouse $preset run $run on $URL"
        args=(--quiet --output=json --output-path="$OUT/$preset-$run.json"
              --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage")
        [ "$preset" = desktop ] && args+=(--preset=desktop)
        lighthouse "$URL" "${args[@]}"
    done
done
python3 - "$OUT" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
cats = ["performance", "accessibility", "best-practices", "seo"]
print("| preset | " + " | ".join(cats) + " | failed audits (any run) |")
print("|---|" + "---:|" * len(cats) + "---|")
for preset in ["desktop", "mobile"]:
    reports = [json.load(open(f"{out}/{preset}-{i}.json")) for i in range(1, runs + 1)]
    med = [statistics.median(round(r["categories"][c]["score"] * 100) for r in reports) for c in cats]
    failed = sorted({a for r in reports for c in cats[1:] for ref in r["categories"][c]["auditRefs"]
                     for a in [ref["id"]] if ref["weight"] > 0 and (r["audits"][a]["score"] or 0) < 1})
    print(f"| {preset} | " + " | ".join(f"{m:g}" for m in med) + " | " + (", ".join(failed) or "none") + " |")
PY
