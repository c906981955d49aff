#!/usr/bin/env bash
# Runs the kernel unit test (tests/unit/test_kernels.c) cross-compiled for
# arm64 under qemu-user, so the NEON kernels are checked against the
# scalar ones and the float reference as AVX2 is natively. Needs clang-19
# with lld and the Debian packages qemu-user-static, libc6-dev-arm64-cross
# and libgcc-12-dev-arm64-cross; without them it says so and skips.
set -euo pipefail
cd "$(dirname "$0")/../.."
have_lld=0
{ command -v ld.lld-19 || command -v ld.lld; } >/dev/null && have_lld=1
if ! command -v qemu-aarch64-static >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] ||
    [ "$have_lld" = 0 ]; then
    echo "kernels_neon: SKIPPED (apt-get install qemu-user-static libc6-dev-arm64-cross libgcc-12-dev-arm64-cross)"
    exit 0
fi
out=build/kernels-neon
mkdir -p "$out"
clang-19 --target=aarch64-linux-gnu -fuse-ld=lld -std=c11 -D_POSIX_C_SOURCE=200809L \
    -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -Iinclude -Isrc -I. -O2 \
    -o "$out/test_kernels" tests/unit/test_kernels.c src/kernels/*.c src/quant/quantize.c \
    src/gguf/ggml_types.c -lm
WICK_KERNELS_NO_BENCH=1 qemu-aarch64-static -L /usr/aarch64-linux-gnu "$out/test_kernels" | tee "$out/log.txt"
grep -q "ISAs here: scalar neon" "$out/log.txt" || { echo "kernels_neon: NEON table not used" >&2; exit 1; }
