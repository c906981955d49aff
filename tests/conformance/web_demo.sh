#!/usr/bin/env bash
# The chat demo (examples/chat/) end to end in headless Chromium with the
# real wasm core and SmolLM2 from the local server: load with progress,
# a streamed answer that must name Paris, Stop, tokens/s; saves
# build/web-test/demo.png. Needs `make web` (run here when emcc exists).
set -eu
cd "$(dirname "$0")/../.."
MODEL=${WICK_WEB_MODEL:-build/models/smollm2-135m-instruct-q4_1.gguf}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
for need in node "$CHROMIUM" node_modules/playwright-core/package.json "$MODEL"; do
    if ! command -v "$need" >/dev/null 2>&1 && [ ! -e "$need" ]; then
        echo "web_demo: $need is missing (apt-get install chromium nodejs; npm ci; bash tests/setup/models.sh)" >&2
        exit 1
    fi
done
if command -v emcc >/dev/null 2>&1; then
    make -s web || { echo "web_demo: make web failed" >&2; exit 1; }
fi
if [ ! -f web/dist/index.js ] || { [ ! -f web/dist/wick-st.wasm ] && [ ! -f build/web/wick-st.wasm ]; }; then
    echo "web_demo: web/dist/ or the wasm core is missing (make web needs emscripten)" >&2
    exit 1
fi
# In the background so that a signal reaches it: the Node process closes
# its Chromium and its server when it ends.
child=
trap '[ -n "$child" ] && kill "$child" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
node tests/web/demo.test.mjs --model "$MODEL" &
child=$!
rc=0
wait "$child" || rc=$?
child=
exit $rc
