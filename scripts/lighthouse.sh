#!/usr/bin/env bash
# Lighthouse on the built app (dist/), served by `quantumstate serve`: three
# runs each of the desktop and mobile presets, the median of each category.
# Part of scripts/bench.sh, not of the tests. Reports under target/lighthouse/.
# Usage: scripts/lighthouse.sh [RUNS] [REPORT.md]   (needs dist/; QS_BIN overrides the server binary)
# With REPORT.md, its "## Lighthouse" section is replaced by (or gets) the table.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_lighthouse
RUNS="${1:-3}"
REPORT="${2:-}"
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
python3 - "$OUT" "$RUNS" "$REPORT" <<'PY'
import datetime, json, statistics, sys
out, runs, report = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cats = ["performance", "accessibility", "best-practices", "seo"]
# Issue 16: mobile Performance >= 90, desktop >= 98, cumulative layout shift < 0.05.
target = {"desktop": 98, "mobile": 90}
lines = ["| preset | " + " | ".join(cats) + " | CLS | FCP | LCP | TBT | target | | failed audits (any run) |",
         "|---|" + "---:|" * (len(cats) + 4) + "---|---|---|"]
for preset in ["desktop", "mobile"]:
    reports = [json.load(open(f"{out}/{preset}-{i}.json")) for i in range(1, runs + 1)]
    med = [statistics.median(round(r["categories"][c]["score"] * 100) for r in reports) for c in cats]
    num = lambda a: statistics.median(r["audits"][a]["numericValue"] for r in reports)
    cls = num("cumulative-layout-shift")
    met = med[0] >= target[preset] and cls < 0.05
    failed = sorted({a for r in reports for c in cats[1:] for ref in r["categories"][c]["auditRefs"]
                     for a in [ref["id"]] if ref["weight"] > 0 and (r["audits"][a]["score"] or 0) < 1})
    lines.append(f"| {preset} | " + " | ".join(f"{m:g}" for m in med)
                 + f" | {cls:.3f} | {num('first-contentful-paint'):.0f} ms | {num('largest-contentful-paint'):.0f} ms"
                 + f" | {num('total-blocking-time'):.0f} ms | performance ≥ {target[preset]}, CLS < 0.05 | "
                 + ("met" if met else "**missed**") + " | " + (", ".join(failed) or "none") + " |")
table = "\n".join(lines)
print(table)
if report:
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = (f"## Lighthouse\n\nnpm `lighthouse` with Debian's Chromium on `quantumstate serve`, {when}: "
               f"the median of {runs} runs of each preset (simulated throttling: mobile is a slow 4G phone).\n\n"
               + table + "\n")
    try:
        text = open(report).read()
    except FileNotFoundError:
        text = ""
    head, sep, rest = text.partition("## Lighthouse\n")
    tail = rest[rest.find("\n## "):] if sep and "\n## " in rest else ""
    open(report, "w").write(head.rstrip("\n") + "\n\n" + section + tail)
PY
