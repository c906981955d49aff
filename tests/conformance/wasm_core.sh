#!/usr/bin/env bash
# The browser build of the C core (make web: build/web/wick-{st,mt}.wasm and
# the TypeScript binding web/dist/wasm_core.js) run in Node against the
# native CLI (WICK_BIN): model streaming and header checks, model info,
# prompt and 32 greedy token ids, and the request engine (completion, chat,
# refusal, abort) — single-threaded build with 1 thread, then the pthreads
# build with 2 (tests/web/wasm_core_node.mjs). Prints wasm decode tokens/s
# as information. Skips when emscripten or the npm typescript is absent.
set -u
cd "$(dirname "$0")/../.."
WICK_BIN=${WICK_BIN:-build/asan/wick}
export WICK_BIN
model=build/models/smollm2-135m-instruct-q4_1.gguf

command -v emcc >/dev/null || { echo "wasm_core: SKIP (emcc not installed: apt-get install emscripten)"; exit 0; }
[ -x node_modules/.bin/tsc ] || { echo "wasm_core: SKIP (node_modules/.bin/tsc missing: npm ci)"; exit 0; }
if [ ! -f "$model" ]; then
    if [ -d build/models ]; then echo "wasm_core: $model is missing"; exit 1; fi
    echo "wasm_core: SKIP ($model absent; run tests/setup/models.sh)"; exit 0
fi
[ -x "$WICK_BIN" ] || { echo "wasm_core: $WICK_BIN is not built"; exit 1; }

log=$(mktemp)
child=
# On exit or a signal: stop the Node test (its wasm threads go with it).
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; rm -f "$log"' EXIT
trap 'exit 130' INT TERM
if ! make -s web >"$log" 2>&1; then
    cat "$log"; echo "wasm_core: make web failed"; exit 1
fi

# Node 20 needs --experimental-detect-module: web/dist/*.js and wick-*.js are
# ES modules while wick-mt.worker.js is a classic script, with no
# package.json "type" to tell them apart (the default from Node 22.7).
node_flags=()
node --experimental-detect-module -e 0 2>/dev/null && node_flags+=(--experimental-detect-module)
node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON -e 0 2>/dev/null &&
    node_flags+=(--disable-warning=MODULE_TYPELESS_PACKAGE_JSON)
fail=0
for threads in 1 2; do
    echo "--- $([ $threads = 1 ] && echo st || echo mt) build, $threads thread(s)"
    node "${node_flags[@]}" tests/web/wasm_core_node.mjs --threads $threads --model "$model" 2>&1 &
    child=$!
    wait "$child" || fail=1
    child=
done
exit $fail
