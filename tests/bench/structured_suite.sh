#!/usr/bin/env bash
# Constrained JSON generation over the whole JSON Schema corpus (200 schemas
# x 3 seeds on SmolLM2 at temperature 0.7; too slow for CI: tests/conformance
# /api_tools.sh runs a sample). N_SCHEMAS, SEEDS, MAX_TOKENS override.
set -uo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/wick}
SMOL=build/models/smollm2-135m-instruct-q4_1.gguf
[ -x "$WICK" ] || { echo "structured_suite: $WICK not built (make)"; exit 1; }
[ -f "$SMOL" ] || { echo "structured_suite: $SMOL missing (bash tests/setup/models.sh)"; exit 1; }
exec python3 tests/bench/structured_suite.py "$WICK" "$SMOL" "${N_SCHEMAS:-1000}" "${SEEDS:-3}" "${MAX_TOKENS:-800}"
