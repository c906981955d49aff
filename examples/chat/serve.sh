#!/usr/bin/env bash
# Builds the browser package (make web) and serves the chat demo with
# tools/web_server.mjs (COOP/COEP headers, so the threaded build works).
#
#   bash examples/chat/serve.sh [--model FILE.gguf] [--port N] [--no-build]
#   WICK_MODEL=FILE.gguf make chat-demo
#
# Without --model the page's default model is SmolLM2-135M-Instruct from the
# Hugging Face hub (needs the network); with --model (or WICK_MODEL) the
# file is served at /local-model/<name> and becomes the page's default.
# --port 0 picks a free port. Stops with Ctrl-C.
set -eu
cd "$(dirname "$0")/../.."
MODEL=${WICK_MODEL:-}
PORT=${PORT:-8080}
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL=${2:?--model needs a path}; shift 2 ;;
        --port) PORT=${2:?--port needs a number}; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "serve.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$BUILD" = 1 ]; then
    if command -v emcc >/dev/null 2>&1; then
        make -s web || { echo "serve.sh: make web failed" >&2; exit 1; }
    else
        echo "serve.sh: emcc not found, serving the existing web/dist/ (make web needs emscripten)" >&2
    fi
fi
[ -f web/dist/index.js ] || { echo "serve.sh: web/dist/index.js is missing: run make web" >&2; exit 1; }

query=""
ALIAS=()
if [ -n "$MODEL" ]; then
    [ -f "$MODEL" ] || { echo "serve.sh: model file $MODEL not found" >&2; exit 1; }
    abs=$(cd "$(dirname "$MODEL")" && pwd)/$(basename "$MODEL")
    name=$(basename "$MODEL")
    ALIAS=(--alias "/local-model/$name=$abs")
    query="?model=/local-model/$name"
fi
# The wasm files normally sit beside web/dist/wasm_core.js (make web copies them).
if [ ! -f web/dist/wick-st.wasm ] && [ -f build/web/wick-st.wasm ]; then
    query="${query:-?}${query:+&}wasm_base=/build/web/"
    query=${query/\?&/?}
fi

out=$(mktemp)
node tools/web_server.mjs --root . --port "$PORT" "${ALIAS[@]}" >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 50); do
    [ -s "$out" ] && break
    kill -0 $pid 2>/dev/null || { echo "serve.sh: the server did not start" >&2; exit 1; }
    sleep 0.1
done
base=$(head -n1 "$out")
echo "${base}examples/chat/${query}"
echo "(Wick chat demo; Ctrl-C stops the server)" >&2
wait $pid
