#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml): minify the JS glue of a release build
# with terser, then renew the sub-resource integrity hashes index.html gives
# for it. Trunk's own minifier cannot parse wasm-bindgen's glue. Without
# terser (scripts/lib.sh installs it) the build keeps the glue as it is.
set -euo pipefail
[ "${TRUNK_PROFILE:-}" = release ] || exit 0
dir="${TRUNK_STAGING_DIR:?run by trunk build}"
# Both or neither: a minified file under its old integrity hash would not load.
for tool in terser openssl; do
    if ! command -v "$tool" >/dev/null; then
        echo "minify-js: $tool not found, the JS glue stays unminified (scripts/lib.sh installs terser)" >&2
        exit 0
    fi
done
sri() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | base64 -w0)"; }
for js in "$dir"/*.js; do
    # The app's glue is an ES module; the worker's glue and loader are classic
    # scripts whose top-level names (wasm_bindgen) other scripts call.
    if grep -q '^export ' "$js"; then module=(--module); else module=(); fi
    before="$(sri "$js")"
    terser "$js" "${module[@]}" -c -m -o "$js.min"
    mv "$js.min" "$js"
    sed -i "s|$before|$(sri "$js")|g" "$dir/index.html"
done
