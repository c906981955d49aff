#!/usr/bin/env bash
# Browser CPU-path speed, Wick (make web: web/dist/) vs wllama (npm
# @wllama/wllama, llama.cpp in wasm), in headless Chromium on the same GGUF
# files: prefill and decode tokens/s at 1 and 2 threads, cold start to the
# first token, and a greedy sanity check. Not a test: numbers for
# BENCHMARKS.md (method: tests/bench/web_cpu_bench.md).
#
# Usage: bash tests/bench/web_cpu_bench.sh [--json FILE] [--verbose]
#   env: PP (128), TG (64), REPS (3), THREADS ("1 2"), NCTX (1024), NBATCH (512),
#        MODELS ("smollm2 gemma3"), COLD (1), CHROMIUM (/usr/bin/chromium),
#        WLLAMA_LOAD_PARAMS (JSON), ALLOW_TOKEN_MISMATCH (0)
# Needs: emcc + npm ci (for make web), chromium, node_modules/playwright-core
# and @wllama/wllama. Uses build/web-cpu-bench-profile/ (emptied each run).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null || { echo "web_cpu_bench: chromium is missing (apt-get install chromium)" >&2; exit 2; }
[ -d node_modules/@wllama/wllama ] && [ -d node_modules/playwright-core ] || { echo "web_cpu_bench: run npm ci first" >&2; exit 2; }
make -s web
bash tests/setup/models.sh >/dev/null
exec node tests/bench/web_cpu_bench.mjs "$@"
