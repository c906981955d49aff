#!/usr/bin/env bash
# Tokenizer conformance: Wick against Hugging Face `tokenizers` on
# tests/conformance/tokenizer/corpus.jsonl (2,400 strings) for every
# vocabulary in tests/conformance/tokenizer/vocab_sources.py, plus checks of
# the tokenizer.json importer (tools/tokenizer_import.c).
#
#   1. corpus.jsonl is what gen_corpus.py makes
#   2. the expected ids are what HF makes today (gen_expected.py --check)
#   3. importer cases: small tokenizer.json files, good and malformed
#   4. importer vs llama.cpp's converter on the two real models
#   5. `wick tokenize --batch` per vocabulary vs expected ids, and
#      `wick detokenize` on a sample vs HF decode()
# Extra arguments name runs of step 5 (default: all).
set -uo pipefail
cd "$(dirname "$0")/../.."
export WICK_BIN=${WICK_BIN:-build/asan/wick}
export WICK_MKMODEL=${WICK_MKMODEL:-build/asan/wick-mkmodel}
PY=${PYTHON:-python3}
T=tests/conformance/tokenizer
for b in "$WICK_BIN" "$WICK_MKMODEL"; do
    [ -x "$b" ] || { echo "tokenizer: $b not built (make asan)"; exit 1; }
done

bash tests/setup/vocabs.sh || { echo "tokenizer: building the vocabularies failed"; exit 1; }

failed=()
step() { # name, command...
    local name=$1; shift
    local t0=$SECONDS
    echo "--- $name"
    if "$@"; then echo "    ($((SECONDS - t0))s)"; else failed+=("$name"); echo "    FAILED ($((SECONDS - t0))s)"; fi
}
step "corpus is generated" "$PY" "$T/gen_corpus.py" --check
step "fixtures match HF tokenizers" "$PY" "$T/gen_expected.py" --check
step "importer cases" "$PY" "$T/import_cases.py" "$WICK_MKMODEL"
step "importer vs llama.cpp's GGUFs" "$PY" "$T/check_import.py"
step "tokenize and detokenize vs HF" "$PY" "$T/compare.py" "$WICK_BIN" "$@"

if [ ${#failed[@]} -eq 0 ]; then
    echo "tokenizer: all 5 steps passed"
else
    echo "tokenizer: ${#failed[@]} of 5 steps failed: ${failed[*]}"
    exit 1
fi
