#!/usr/bin/env bash
# The browser model loader (web/src/model_loader.ts, download.ts,
# model_cache.ts, model_source.ts) in headless Chromium against
# tools/web_server.mjs: progress, parallel ranges, Cache API and OPFS caches,
# damaged cache entries, dropped connections, errors, local files, abort,
# split GGUF models (tests/web/split.test.mjs).
# First with a JS stand-in for the wasm core (tests/web/fake_loader_core.mjs,
# which checks every byte against the file's SHA-256), then with the real
# wasm core (built here with `make web` when emscripten is installed).
set -eu
cd "$(dirname "$0")/../.."
MODEL=${WICK_WEB_MODEL:-build/models/smollm2-135m-instruct-q4_1.gguf}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
TSC=node_modules/.bin/tsc
for need in node "$CHROMIUM" "$TSC" node_modules/playwright-core/package.json "$MODEL"; do
    if ! command -v "$need" >/dev/null 2>&1 && [ ! -e "$need" ]; then
        echo "web_loader: $need is missing (apt-get install chromium nodejs; npm ci; bash tests/setup/models.sh)" >&2
        exit 1
    fi
done

# The real core: built here when emscripten is installed (make web is a
# no-op when up to date), else the stand-in core only (below).
if command -v emcc >/dev/null 2>&1; then
    make -s web || { echo "web_loader: make web failed" >&2; exit 1; }
fi
node_flags=()
node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON -e 0 2>/dev/null &&
    node_flags+=(--disable-warning=MODULE_TYPELESS_PACKAGE_JSON)
# Each test runs in the background so that a signal reaches it: the Node
# process closes its Chromium and its server when it ends.
child=
trap '[ -n "$child" ] && kill "$child" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
run_node() { node "${node_flags[@]}" "$@" & child=$!; wait "$child"; local rc=$?; child=; return $rc; }

# The loader alone, compiled from the current sources (independent of `make web`).
OUT=build/web-test/loader
rm -rf "$OUT"
"$TSC" --outDir "$OUT" --rootDir web/src --target es2022 --module es2022 --moduleResolution bundler \
    --lib es2022,dom,dom.iterable,dom.asynciterable --strict --noUnusedLocals --skipLibCheck \
    web/src/model_loader.ts

run_node tests/web/loader.test.mjs --core fake --model "$MODEL" --loader "/$OUT/model_loader.js"
# Split GGUF (name-00001-of-0000N.gguf): a random model split by wick-mkmodel.
run_node tests/web/split.test.mjs --core fake --loader "/$OUT/model_loader.js"

if [ -f web/dist/wasm_core.js ] && { [ -f web/dist/wick-st.wasm ] || [ -f build/web/wick-st.wasm ]; }; then
    run_node tests/web/loader.test.mjs --core real --model "$MODEL" --loader "/$OUT/model_loader.js"
    run_node tests/web/split.test.mjs --core real --loader "/$OUT/model_loader.js"
else
    echo "web_loader: no wasm core built (make web); tested with the stand-in core only"
fi
