#!/usr/bin/env bash
# Browser tests of Wick's public engine API (web/src/engine.ts, web_worker.ts,
# service_worker.ts, openai_fetch.ts) in headless Chromium:
#   1. fake core (tests/web/fake_core.mjs): routing, streaming, abort,
#      interrupt, queueing, errors, Web/Service Worker engines, engine.fetch
#      and the `openai` npm client, against answers known in advance;
#   2. the real wasm core with SmolLM2 (when the wasm build exists): its
#      greedy outputs (run in Node) must equal native `wick api`'s for the
#      same requests or diverge only at a near tie (tests/web/near_tie.mjs),
#      and every page, worker and service-worker output must equal them.
# Compiles web/src/*.ts with tsc into build/web-engine-test/ (a stub stands
# in for wasm_core.ts until that file exists; the real mode then is skipped).
set -u
cd "$(dirname "$0")/../.."
WICK_BIN=${WICK_BIN:-build/wick}
MODEL=build/models/smollm2-135m-instruct-q4_1.gguf
OUT=build/web-engine-test

[ -x /usr/bin/chromium ] || { echo "web_engine: /usr/bin/chromium is missing (apt-get install chromium)"; exit 1; }
[ -x node_modules/.bin/tsc ] && [ -d node_modules/playwright-core ] && [ -d node_modules/openai ] ||
    { echo "web_engine: npm dev dependencies missing (npm ci)"; exit 1; }

real=1
[ -f web/src/wasm_core.ts ] || real=0
if [ $real = 1 ] && command -v emcc >/dev/null 2>&1; then
    make -s web || { echo "web_engine: make web failed"; exit 1; }
fi
ls build/web/*.wasm >/dev/null 2>&1 || real=0

rm -rf "$OUT" && mkdir -p "$OUT/src" || exit 1
cp web/src/*.ts "$OUT/src/"
if [ ! -f "$OUT/src/wasm_core.ts" ]; then
    cat > "$OUT/src/wasm_core.ts" <<'TS'
import type { CoreLoadOptions, WickCore } from './core_types.js';
export async function loadWickCore(_opts: CoreLoadOptions = {}): Promise<WickCore> {
  throw new Error('web/src/wasm_core.ts does not exist yet (stub from tests/conformance/web_engine.sh)');
}
TS
fi
node_modules/.bin/tsc --strict --target es2022 --module es2022 --moduleResolution bundler \
    --lib es2022,dom,dom.iterable --noUnusedLocals --noUnusedParameters --skipLibCheck \
    --outDir "$OUT" "$OUT"/src/*.ts || { echo "web_engine: tsc failed"; exit 1; }
# A 12-byte "model" the fake core accepts (GGUF magic, version 3).
printf 'GGUF\003\000\000\000\000\000\000\000' > "$OUT/fake-a.gguf"

# Node 20: the wasm glue and build/web-engine-test/*.js are ES modules in
# .js files (the real mode runs the wasm core in Node too).
node_flags=()
node --experimental-detect-module -e 0 2>/dev/null && node_flags+=(--experimental-detect-module)
node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON -e 0 2>/dev/null &&
    node_flags+=(--disable-warning=MODULE_TYPELESS_PACKAGE_JSON)
# Each test runs in the background so that a signal reaches it: the Node
# process closes its Chromium and its server when it ends.
child=
trap '[ -n "$child" ] && kill "$child" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
run_node() { node "${node_flags[@]}" "$@" & child=$!; wait "$child"; local rc=$?; child=; return $rc; }

status=0
run_node tests/web/engine.test.mjs --mode fake || status=1
if [ $real = 1 ]; then
    [ -f "$MODEL" ] || bash tests/setup/models.sh >/dev/null || { echo "web_engine: no $MODEL"; exit 1; }
    [ -x "$WICK_BIN" ] || { echo "web_engine: $WICK_BIN (the native reference) is not built"; exit 1; }
    run_node tests/web/engine.test.mjs --mode real --model "$MODEL" --wick-bin "$WICK_BIN" || status=1
    # A page without COOP/COEP: the single-thread fallback, its console note, still an answer.
    run_node tests/web/isolation.test.mjs --model "$MODEL" || status=1
else
    echo "web_engine: real-core tests skipped (no web/src/wasm_core.ts or build/web/*.wasm yet)"
fi
exit $status
