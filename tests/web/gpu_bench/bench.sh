#!/usr/bin/env bash
# Wick's WebGPU path on the device machine's GPU (Chromium, Vulkan):
# decode / prefill tok/s, load time, dispatches per token, read bandwidth.
#   bash tests/web/gpu_bench/bench.sh build    here: build/gpu-bench/ (plan_dump,
#                                                  the model headers); needs
#                                                  `make web` and `make bench-gpu`
#   bash tests/web/gpu_bench/bench.sh device   there, through the device tool:
#     run(command="bash tests/web/gpu_bench/bench.sh device",
#         carry=["build/gpu-bench", "web/dist/gpu", "build/gpu-kit/x3"])
# Chromium: /tmp/wick-gpu/chromium (unpacked by tests/bench/gpu/device.sh on
# the same warm machine) or the joined kit parts build/gpu-kit/x*/ (carry
# x1 and x2 in earlier calls). Models (tests/bench/gpu/gguf_random.py):
# MODELS="qwen2.5-1.5b-q4_0 llama3.1-8b-q4_0" by default; PP=512 TG=128.
# Results: $OUT/gpu_bench.json and the printed table.
set -uo pipefail
cd "$(dirname "$0")/../../.."
B=build/gpu-bench
case "${1:-}" in
build)
    mkdir -p $B
    ${CC:-clang-19} -std=c11 -Wall -Wextra -Werror -Iinclude -Isrc -I. -O2 -o $B/plan_dump \
        tests/web/gpu_bench/plan_dump.c build/libwick.a -lm || exit 1
    cp build/gpu-kit/app/models.tar.xz $B/ || { echo "no build/gpu-kit/app/models.tar.xz: make bench-gpu"; exit 1; }
    [ -f web/dist/gpu/gpu_model.js ] || { echo "no web/dist/gpu: make web"; exit 1; }
    du -sh $B web/dist/gpu
    exit 0;;
device) ;;
*) echo "usage: bench.sh build|device"; exit 2;;
esac

W=/tmp/wick-gpu
OUT=${OUT:-/tmp/wick-gpu-bench-out}
mkdir -p $W $OUT /tmp/wgb
t0=$(date +%s)
say() { echo "[bench.sh +$(( $(date +%s) - t0 ))s] $*"; }
if [ ! -x $W/chromium/chromium ]; then
    parts=$(ls build/gpu-kit/x*/chromium.tar.xz.* 2>/dev/null | sort -V)
    last=$(ls -d build/gpu-kit/x* 2>/dev/null | sort -V | tail -1)
    n=$(cat "$last/chromium.nparts" 2>/dev/null)
    [ -n "$n" ] && [ "$(echo "$parts" | wc -l)" = "$n" ] || { say "Chromium is not here: have parts [$parts]"; exit 2; }
    # shellcheck disable=SC2086
    cat $parts | tar -C $W -xJf - || { say "Chromium parts corrupt"; exit 2; }
    say "Chromium unpacked"
fi
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
    for f in build/gpu-kit/x1/debs/*.deb .gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
    ldconfig
fi
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export VK_ICD_FILENAMES=$VK_DRIVER_FILES
export LD_LIBRARY_PATH=$W/chromium/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

mkdir -p $W/kit $W/models
[ -f $W/kit/.ok ] || { tar -C $W/kit -xJf $B/models.tar.xz && touch $W/kit/.ok; }
MODELS=${MODELS:-qwen2.5-1.5b-q4_0 llama3.1-8b-q4_0}
need=""
for m in $MODELS; do [ -f $W/models/$m.gguf ] || need="$need $m"; done
# shellcheck disable=SC2086
[ -z "$need" ] || python3 tests/bench/gpu/gguf_random.py make --kit $W/kit --out $W/models $need >/dev/null || exit 2
say "models: $MODELS"
PP=${PP:-512}
TG=${TG:-128}
cases=""
for m in $MODELS; do
    mkdir -p /tmp/wgb/plans/$m
    $B/plan_dump $W/models/$m.gguf /tmp/wgb/plans/$m $((PP + 2 * TG + 64)) $PP 2147483644 4294967292 || exit 2
    cases="$cases{\"name\":\"$m\",\"model\":\"$W/models/$m.gguf\",\"plan_dir\":\"/tmp/wgb/plans/$m\"},"
done
echo "{\"pp\":$PP,\"tg\":$TG,\"cases\":[${cases%,}]}" > /tmp/wgb/config.json
port=8765
python3 tests/web/gpu_bench/serve.py . $port /tmp/wgb/config.json $OUT/gpu_bench.json > $OUT/serve.log 2>&1 &
srv=$!
sleep 1
$W/chromium/chromium --headless=new --no-sandbox --enable-unsafe-webgpu --enable-features=Vulkan \
    --disable-vulkan-surface --use-vulkan=native --use-angle=vulkan --disable-gpu-compositing \
    --ignore-gpu-blocklist --disable-gpu-sandbox --disable-background-networking --disable-component-update \
    --no-first-run --disable-sync --enable-webgpu-developer-features --user-data-dir=/tmp/wgb/profile \
    "http://127.0.0.1:$port/tests/web/gpu_bench/bench.html${QUERY:-}" > $OUT/chromium.log 2>&1 &
cr=$!
for _ in $(seq 1 ${TIMEOUT_S:-420}); do kill -0 $srv 2>/dev/null || break; sleep 1; done
kill $cr 2>/dev/null
kill $srv 2>/dev/null
cat $OUT/serve.log
say "done"
