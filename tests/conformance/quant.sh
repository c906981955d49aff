#!/usr/bin/env bash
# Reference quantizers/dequantizers vs gguf-py (see quant.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
[ -x "$MK" ] || { echo "quant: $MK not built (make asan)"; exit 1; }
python3 tests/conformance/quant.py "$MK" "${QUANT_SEED:-99}"
