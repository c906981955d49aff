#!/usr/bin/env bash
# Builds the kit the device machine needs for `make bench-gpu` (see README.md
# beside this file) under build/gpu-kit/ (ignored: build/ is in .gitignore):
#
#   build/gpu-kit/x1/, x2/, x3/   one folder per transfer (each well under the
#                                 device tool's 64 MiB per call): the parts of
#                                 chromium.tar.xz (this machine's Chromium plus
#                                 every non-glibc library it links), x1 also
#                                 the Vulkan/EGL loader debs (debs/)
#   build/gpu-kit/app/            models.tar.xz: the GGUF headers the device
#                                 expands into random-weight models (see
#                                 gguf_random.py); web.tar: what the page
#                                 loads that git ignores (web/dist/, wllama's
#                                 index.js, wllama.wasm, package.json), a
#                                 snapshot taken now
#   build/gpu-kit/real/           (REAL_MODELS=1) the real GGUFs, split into
#                                 50 MiB parts r1/, r2/, ... for extra calls
#
# Idempotent: parts are rebuilt only when their inputs changed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
KIT=build/gpu-kit
PART=${PART_MB:-50}M
mkdir -p "$KIT"
say() { echo "bench-gpu kit: $*"; }

# ---- Chromium -------------------------------------------------------------
CHROME=/usr/lib/chromium
if [ ! -x "$CHROME/chromium" ]; then
  say "needs this machine's Chromium ($CHROME/chromium): apt-get install chromium"; exit 1
fi
stamp="$(stat -c %Y "$CHROME/chromium")-v1"
if [ "$(cat "$KIT/chromium.stamp" 2>/dev/null)" != "$stamp" ]; then
  say "packing Chromium $("$CHROME/chromium" --version 2>/dev/null | head -1) (xz -9, a few minutes)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/chromium/lib" "$tmp/chromium/locales"
  for f in chromium chrome_crashpad_handler chrome_100_percent.pak chrome_200_percent.pak \
           resources.pak icudtl.dat snapshot_blob.bin v8_context_snapshot.bin libEGL.so \
           libGLESv2.so libvk_swiftshader.so libvulkan.so.1 vk_swiftshader_icd.json; do
    cp -L "$CHROME/$f" "$tmp/chromium/"
  done
  cp -L "$CHROME/locales/en-US.pak" "$tmp/chromium/locales/"
  # Every library ldd resolves except glibc's own (the device brings its own).
  ldd "$CHROME/chromium" | awk '/=> \//{print $3}' | sort -u | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libresolv.so*) ;;
      *) cp -L "$lib" "$tmp/chromium/lib/" ;;
    esac
  done
  tar -C "$tmp" -cf - chromium | xz -9 -T2 > "$tmp/chromium.tar.xz"
  rm -rf "$KIT"/x[0-9]*
  (cd "$tmp" && split -b "$PART" -d -a 1 chromium.tar.xz chromium.tar.xz.)
  n=0
  for p in "$tmp"/chromium.tar.xz.*; do
    n=$((n + 1)); mkdir -p "$KIT/x$n"; mv "$p" "$KIT/x$n/"
  done
  sha256sum "$tmp/chromium.tar.xz" | awk '{print $1}' > "$KIT/x$n/chromium.sha256"
  echo "$n" > "$KIT/x$n/chromium.nparts"
  rm -rf "$tmp"; trap - EXIT
  echo "$stamp" > "$KIT/chromium.stamp"
fi

# ---- Vulkan / EGL loaders (Debian debs, unpacked with dpkg -x there) -------
if ! ls "$KIT"/x1/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  say "downloading the loader debs"
  mkdir -p "$KIT/x1/debs" /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd "$KIT/x1/debs" && apt-get $o download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

# ---- Models: headers here, random weights generated there ------------------
bash tests/setup/models.sh >/dev/null
mkdir -p "$KIT/app"
python3 tests/bench/gpu/gguf_random.py kit --out "$KIT/app/models.tar.xz"

# ---- What the page imports that git ignores --------------------------------
W=node_modules/@wllama/wllama
for f in web/dist/index.js web/dist/wasm_core.js web/dist/wick-st.wasm web/dist/wick-mt.wasm \
         $W/esm/index.js $W/esm/wasm/wllama.wasm $W/package.json; do
  [ -f "$f" ] || { say "$f is missing: run 'make web' and 'npm ci' first"; exit 1; }
done
tar -cf "$KIT/app/web.tar" web/dist $W/package.json $W/esm/index.js $W/esm/wasm/wllama.wasm

# ---- Optional: the real model files, for extra transfers -------------------
if [ "${REAL_MODELS:-0}" = 1 ]; then
  if [ ! -f "$KIT/real/done" ]; then
    rm -rf "$KIT/real"; mkdir -p "$KIT/real"
    tmp=$(mktemp -d)
    tar -C build/models -cf "$tmp/real.tar" smollm2-135m-instruct-q4_1.gguf gemma3-270m-q4_k_m.gguf
    (cd "$tmp" && split -b "$PART" -d -a 1 real.tar real.tar.)
    n=0; for p in "$tmp"/real.tar.*; do n=$((n + 1)); mkdir -p "$KIT/real/r$n"; mv "$p" "$KIT/real/r$n/"; done
    echo "$n" > "$KIT/real/r$n/real.nparts"
    rm -rf "$tmp"; touch "$KIT/real/done"
  fi
fi

say "ready:"
{ du -sh "$KIT"/x* "$KIT"/app "$KIT"/real/r* 2>/dev/null || true; } | sed 's/^/  /'
