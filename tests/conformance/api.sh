#!/usr/bin/env bash
# `wick api` (OpenAI-style requests through the wick_engine) on SmolLM2
# (tests/setup/models.sh): shapes validated with the official `openai`
# package's pydantic models, semantics (streaming == non-streaming, stop
# strings, seeds, n, prefix reuse, errors) in tests/conformance/api.py.
set -uo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/asan/wick}
SMOL=build/models/smollm2-135m-instruct-q4_1.gguf
[ -f "$SMOL" ] || { echo "api: $SMOL missing (bash tests/setup/models.sh)"; exit 1; }
python3 -c "import openai" 2>/dev/null || { echo "api: the openai package is missing (pip install -r tests/requirements.txt)"; exit 1; }
exec python3 tests/conformance/api.py "$WICK" "$SMOL"
