#!/usr/bin/env bash
# Runs the kernel unit test (tests/unit/test_kernels.c) compiled for
# wasm32-wasi with simd128 under Node's WASI, so the simd128 kernels are
# checked against the scalar ones and the float reference the same way the
# native build checks AVX2. Needs clang-19, wasm-ld-19, wasi-libc and node.
#
# Debian's clang ships no wasm32 compiler-rt, so we link against an empty
# builtins archive plus the one helper the sources need (__multi3, the
# 128-bit multiply behind ggml_types.c's overflow checks).
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in clang-19 wasm-ld-19 node; do
    command -v "$tool" >/dev/null || { echo "kernels_wasm: $tool missing" >&2; exit 1; }
done
[ -f /usr/lib/wasm32-wasi/libc.a ] || { echo "kernels_wasm: wasi-libc missing" >&2; exit 1; }

out=build/kernels-wasm
mkdir -p "$out/rt/lib/wasm32-unknown-wasi"
rm -rf "$out/rt/include"
cp -r "$(clang-19 -print-resource-dir)/include" "$out/rt/include"
ar rc "$out/rt/lib/wasm32-unknown-wasi/libclang_rt.builtins.a"
cat > "$out/multi3.c" <<'C'
/* low 128 bits of a 128-bit product, from 32-bit limbs */
typedef unsigned long long u64;
__int128 __multi3(__int128 a, __int128 b);
__int128 __multi3(__int128 a, __int128 b) {
    u64 al = (u64)a, ah = (u64)((unsigned __int128)a >> 64);
    u64 bl = (u64)b, bh = (u64)((unsigned __int128)b >> 64);
    u64 a0 = al & 0xffffffff, a1 = al >> 32, b0 = bl & 0xffffffff, b1 = bl >> 32;
    u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    u64 mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
    u64 lo = (p00 & 0xffffffff) | (mid << 32);
    u64 hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32) + al * bh + ah * bl;
    return (__int128)(((unsigned __int128)hi << 64) | lo);
}
C
cat > "$out/run.mjs" <<'JS'
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const wasi = new WASI({ version: 'preview1', args: ['test_kernels', ...process.argv.slice(3)], env: {} });
const mod = await WebAssembly.compile(await readFile(process.argv[2]));
process.exitCode = wasi.start(await WebAssembly.instantiate(mod, wasi.getImportObject()));
JS
clang-19 --target=wasm32-wasi -resource-dir "$out/rt" -msimd128 -std=c11 -D_POSIX_C_SOURCE=200809L \
    -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -Iinclude -Isrc -I. -O2 \
    -o "$out/test_kernels.wasm" tests/unit/test_kernels.c src/kernels/*.c src/quant/quantize.c \
    src/gguf/ggml_types.c "$out/multi3.c" -lm
node --no-warnings "$out/run.mjs" "$out/test_kernels.wasm" | tee "$out/log.txt"
grep -q "ISAs here: scalar simd128" "$out/log.txt" || { echo "kernels_wasm: simd128 table not used" >&2; exit 1; }
