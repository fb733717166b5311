# Shared by scripts/run.sh, scripts/test.sh and scripts/bench.sh: install what a
# fresh machine lacks, skip what is already there. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${QS_TOOLS:-$HOME/.local/share/quantumstate}"
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132"
OSMEM_VERSION="0.1.6"
AXE_VERSION="4.14.1"
LIGHTHOUSE_VERSION="13.5.0"
TERSER_VERSION="5.51.4"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n==> %s\n' "$*" >&2; }

# The wasm-bindgen version the app links against, from Cargo.lock.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_build_tools() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
    if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
        say "installing trunk $TRUNK_VERSION (about 10 minutes on 2 cores, once)"
        cargo install trunk --version "$TRUNK_VERSION" --locked
    fi
    local wbg
    wbg="$(wasm_bindgen_version)"
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg"; then
        say "installing wasm-bindgen-cli $wbg (matches Cargo.lock, once)"
        # Not --locked: its lock file pins a crate version the registry lacks.
        cargo install wasm-bindgen-cli --version "$wbg" --force
    fi
    if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
        say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION) into $TOOLS"
        mkdir -p "$TOOLS"
        npm install --prefix "$TOOLS" --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >&2
    fi
    # terser minifies the JS glue after each release build (Trunk.toml's post_build hook).
    if ! terser --version 2>/dev/null | grep -qx "terser $TERSER_VERSION"; then
        say "installing terser $TERSER_VERSION (npm) into $TOOLS"
        mkdir -p "$TOOLS"
        npm install --prefix "$TOOLS" --no-audit --no-fund "terser@$TERSER_VERSION" >&2
    fi
}

ensure_test_tools() {
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        say "installing Chromium and ChromeDriver (Debian packages)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
    fi
    if ! python3 -c "import osmem_server" 2>/dev/null \
        || [ "$(python3 -c 'import importlib.metadata as m; print(m.version("osmem-server"))')" != "$OSMEM_VERSION" ]; then
        say "installing osmem-server $OSMEM_VERSION (Elasticsearch-compatible test server)"
        python3 -m pip install --quiet --disable-pip-version-check "osmem-server==$OSMEM_VERSION" >&2
    fi
    # axe-core, injected into the page by the accessibility tests (crates/server/tests/ux.rs).
    if ! grep -qs "\"version\": \"$AXE_VERSION\"" "$TOOLS/node_modules/axe-core/package.json"; then
        say "installing axe-core $AXE_VERSION (npm) into $TOOLS"
        mkdir -p "$TOOLS"
        npm install --prefix "$TOOLS" --no-audit --no-fund "axe-core@$AXE_VERSION" >&2
    fi
    export AXE_CORE="$TOOLS/node_modules/axe-core/axe.min.js"
}

# Lighthouse (npm), for scripts/lighthouse.sh; it drives Debian's Chromium.
ensure_lighthouse() {
    if ! lighthouse --version 2>/dev/null | grep -qx "$LIGHTHOUSE_VERSION"; then
        say "installing lighthouse $LIGHTHOUSE_VERSION (npm) into $TOOLS"
        mkdir -p "$TOOLS"
        npm install --prefix "$TOOLS" --no-audit --no-fund "lighthouse@$LIGHTHOUSE_VERSION" >&2
    fi
    export CHROME_PATH="${CHROME_PATH:-$(command -v chromium)}"
}

build_app() {
    say "building the app (trunk build --release)"
    (cd "$ROOT" && trunk build --release "$@")
}

# The real search engine of the tests and benchmarks: OpenSearch, in-process
# from Maven Central jars (tests/engine/, started by scripts/engine.sh).
ENGINE_OPENSEARCH_VERSION="$(sed -n 's|.*<opensearch.version>\(.*\)</opensearch.version>.*|\1|p' "$ROOT/tests/engine/pom.xml")"
NOIDA_VERSION="0.2.3"

# Where the engine's build lives: one directory per version of its sources.
engine_build_dir() {
    local stamp
    stamp="$(cat "$ROOT/tests/engine/pom.xml" "$ROOT"/tests/engine/src/main/java/qs/*.java \
        "$ROOT/tests/engine/src/main/resources/log4j2.properties" | sha256sum | cut -c1-12)"
    printf '%s/engine/%s-%s\n' "$TOOLS" "$ENGINE_OPENSEARCH_VERSION" "$stamp"
}

ensure_engine() {
    if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
        say "installing Java 17 and Maven (Debian packages)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >&2
    fi
    local dir
    dir="$(engine_build_dir)"
    if [ ! -f "$dir/engine-1.jar" ]; then
        say "building the test engine: OpenSearch $ENGINE_OPENSEARCH_VERSION from Maven Central (about 100 MB, once)"
        mkdir -p "$dir"
        mvn -q -B -f "$ROOT/tests/engine/pom.xml" -Dengine.build="$dir.tmp" package >&2
        rm -rf "$dir" && mv "$dir.tmp" "$dir"
    fi
    if ! python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("noida-db") != sys.argv[1])' \
        "$NOIDA_VERSION" 2>/dev/null; then
        say "installing noida-db $NOIDA_VERSION (an Elasticsearch 8 persona among others)"
        python3 -m pip install --quiet --disable-pip-version-check "noida-db==$NOIDA_VERSION" >&2
    fi
}
