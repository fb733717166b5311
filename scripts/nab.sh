#!/usr/bin/env bash
# Score `quantumstate detect` on the Numenta Anomaly Benchmark with NAB's own
# scorer (defaults: thresholds optimised per profile, then normalised), on all
# 58 files and on the operations subset (realAWSCloudwatch + realKnownCause,
# thresholds re-optimised on the subset). Not part of the tests.
#
#   scripts/nab.sh [NAB checkout]     # default: $NAB_DIR or ~/NAB (cloned if missing)
#
# NAB is read from its checkout and written to a scratch copy; nothing of it
# enters this repository. Needs python3 with pandas 1.x (NAB's labeler writes
# into arrays that pandas 2 makes read-only) and simplejson: installed with
# `pip install --user` if missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
NAB="${1:-${NAB_DIR:-$HOME/NAB}}"
if [ ! -d "$NAB/data" ]; then
  git clone --depth 1 https://github.com/numenta/NAB "$NAB"
fi
python3 -c 'import pandas, simplejson; assert pandas.__version__.startswith("1.")' 2>/dev/null \
  || pip install --user "pandas==1.5.3" "numpy<2" simplejson
cd "$ROOT"
cargo build --release -p quantumstate-server
BIN="$ROOT/target/release/quantumstate"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# One scratch copy of NAB per run: all files, and the operations subset.
prepare() { # $1: target dir, $2..: categories (none: all)
  local dir="$1"; shift
  mkdir -p "$dir"
  cp -r "$NAB/nab" "$NAB/run.py" "$NAB/config" "$dir/"
  mkdir -p "$dir/labels" "$dir/data" "$dir/results/null"
  if [ $# -eq 0 ]; then
    cp -r "$NAB/data/." "$dir/data/"
  else
    for c in "$@"; do cp -r "$NAB/data/$c" "$dir/data/"; done
  fi
  python3 - "$NAB/labels/combined_windows.json" "$dir/labels/combined_windows.json" "$@" <<'PY'
import json, sys
windows = json.load(open(sys.argv[1]))
keep = sys.argv[3:]
json.dump({k: v for k, v in windows.items() if not keep or k.split("/")[0] in keep}, open(sys.argv[2], "w"), indent=2)
PY
  echo '{}' > "$dir/config/thresholds.json"
}

score() { # $1: scratch dir
  local dir="$1" started files
  started=$(date +%s.%N)
  files=0
  while IFS= read -r f; do
    rel="${f#"$dir/data/"}"
    out="$dir/results/quantumstate/$(dirname "$rel")/quantumstate_$(basename "$rel")"
    mkdir -p "$(dirname "$out")"
    # NAB's scorer reads timestamp and anomaly_score, plus a label column.
    "$BIN" detect --csv "$f" 2>/dev/null | awk -F, 'NR==1 {print $0",label"; next} {print $0",0"}' > "$out"
    files=$((files + 1))
  done < <(find "$dir/data" -name '*.csv' | sort)
  echo "scored $files files in $(echo "$(date +%s.%N) - $started" | bc) s"
  (cd "$dir" && python3 run.py -d null --detect --optimize --score --skipConfirmation >/dev/null \
     && python3 run.py -d quantumstate --optimize --score --normalize --skipConfirmation | grep -A 8 "Final score")
}

say "NAB, all files"
prepare "$WORK/all"
score "$WORK/all"
say "NAB, realAWSCloudwatch + realKnownCause"
prepare "$WORK/ops" realAWSCloudwatch realKnownCause
score "$WORK/ops"
