#!/usr/bin/env bash
# Device-machine side of `make bench-gpu` (README.md beside this file).
#   device.sh stage     a transfer-only call: says which kit parts arrived
#   device.sh run [run_bench.py options]
#                       joins and unpacks Chromium, installs the Vulkan/EGL
#                       loaders (dpkg -x into /), expands the models
#                       (MODELS="name ..."; default: all of gguf_random.py's
#                       list, plus the real files if their parts came), runs
#                       run_bench.py on the H100 through Vulkan, results in $OUT
# Everything unpacked goes to /tmp/wick-gpu, which lives as long as the
# machine is held, so a second `run` on a warm machine skips the unpacking.
set -uo pipefail
cd "$(dirname "$0")/../../.."
KIT=build/gpu-kit
W=/tmp/wick-gpu
OUT=${OUT:-$W/out}
mkdir -p "$W" "$OUT"
t0=$(date +%s)
say() { echo "[device.sh +$(( $(date +%s) - t0 ))s] $*"; }

say "kit parts here: $(ls -d $KIT/x* $KIT/app $KIT/real/r* 2>/dev/null | tr '\n' ' ')"
if [ "${1:-}" = stage ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv,noheader 2>&1
  ls /usr/local/nvidia/share/vulkan/icd.d/ 2>&1; nproc; python3 --version; df -h /tmp | tail -1
  exit 0
fi
[ "${1:-}" = run ] && shift

# ---- Chromium
if [ ! -x $W/chromium/chromium ]; then
  last=$(ls -d $KIT/x* | sort -V | tail -1)
  n=$(cat "$last/chromium.nparts" 2>/dev/null) || { say "no chromium.nparts in $last: transfer every xN part first"; exit 2; }
  parts=$(ls $KIT/x*/chromium.tar.xz.* | sort -V)
  [ "$(echo "$parts" | wc -l)" = "$n" ] || { say "have $(echo "$parts" | wc -l) of $n Chromium parts: $parts"; exit 2; }
  # shellcheck disable=SC2086
  cat $parts > $W/chromium.tar.xz
  echo "$(cat "$last/chromium.sha256")  $W/chromium.tar.xz" | sha256sum -c --quiet || { say "Chromium parts corrupt"; exit 2; }
  tar -C $W -xJf $W/chromium.tar.xz && rm -f $W/chromium.tar.xz
  say "Chromium unpacked"
fi
# ---- loaders
# (only on a machine with the NVIDIA driver: dpkg -x writes into /)
if [ -e /usr/local/nvidia ] && ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in $KIT/x1/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
  say "loader debs unpacked"
fi
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export VK_ICD_FILENAMES=$VK_DRIVER_FILES
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$VK_DRIVER_FILES" ] || say "warning: $VK_DRIVER_FILES is missing (Chromium will fall back to SwiftShader)"
export LD_LIBRARY_PATH=$W/chromium/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
$W/chromium/chromium --version 2>&1 | head -1

# ---- page files (web/dist, wllama) and models
tar -xf $KIT/app/web.tar || { say "no $KIT/app/web.tar"; exit 2; }
mkdir -p $W/kit $W/models
tar -C $W/kit -xJf $KIT/app/models.tar.xz
names=${MODELS:-}
if ls $KIT/real/r*/real.tar.* >/dev/null 2>&1 && [ ! -f $W/models/real.ok ]; then
  # shellcheck disable=SC2046
  cat $(ls $KIT/real/r*/real.tar.* | sort -V) | tar -C $W/models -xf - && touch $W/models/real.ok
  mv $W/models/smollm2-135m-instruct-q4_1.gguf $W/models/smollm2-135m-q4_1.gguf 2>/dev/null
  for m in smollm2-135m-q4_1 gemma3-270m-q4_k_m; do
    python3 tests/bench/gpu/gguf_random.py vocab $W/models/$m.gguf $W/models/$m.vocab.gguf
  done
fi
gen=""
for m in ${names:-smollm2-135m-q4_1-clone gemma3-270m-q4_k_m-clone qwen2.5-1.5b-q4_0 qwen2.5-1.5b-q4_k_m llama3.1-8b-q4_0 llama3.1-8b-q4_k_m}; do
  case $m in *-clone|qwen*|llama*) gen="$gen $m";; esac
done
# shellcheck disable=SC2086
[ -n "$gen" ] && { python3 tests/bench/gpu/gguf_random.py make --kit $W/kit --out $W/models $gen || exit 2; }
all=$(cd $W/models && ls *.gguf | grep -v '\.vocab\.gguf$' | sed 's/\.gguf$//' | tr '\n' ' ')
say "models ready: $all"

nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv,noheader 2>&1
left=$(( ${CALL_BUDGET_S:-570} - ($(date +%s) - t0) ))
# shellcheck disable=SC2086
PYTHONUNBUFFERED=1 python3 tests/bench/gpu/run_bench.py --chromium $W/chromium/chromium --vulkan \
  --models $W/models --model-names ${names:-$all} --out "$OUT" --total-timeout "$left" "$@"
rc=$?
say "done (rc $rc)"
exit $rc
