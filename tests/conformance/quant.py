#!/usr/bin/env python3
"""Reference quantization vs gguf-py (numpy): for every supported type,
our dequantizer must give the same float32 bits as gguf.quants.dequantize
(on blocks we quantized and on random bytes), and for the types gguf-py can
quantize (F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) our quantized blocks
must equal its bytes. Usage: quant.py WICK_MKMODEL [SEED]"""
import subprocess
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants
from gguf.constants import GGML_QUANT_SIZES

np.seterr(all="ignore")  # random bytes include NaN/inf scales
MK = sys.argv[1]
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 99)

TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"]
PY_QUANTIZES = {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"}
N_BLOCKS_K = 256  # super-blocks (256 values) per type: 65536 values


def run(args, data):
    return subprocess.run([MK, "quant-roundtrip"] + args, input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def test_values(n):
    """Gaussian rows at many scales, plus zero, constant, one-hot and
    outlier blocks (edge cases of the scale search)."""
    x = rng.standard_normal(n).astype(np.float32)
    scales = 10.0 ** rng.uniform(-4, 2, n // 32)
    x *= np.repeat(scales, 32).astype(np.float32)
    x[0:256] = 0
    x[256:512] = 0.125
    x[512:768] = -3.0
    x[768:1024] = 0
    x[800] = 5.0
    x[1024:1280] = np.abs(x[1024:1280])  # all positive (min clamps to 0)
    x[1300] = 1000.0
    return x


def bits_equal(a, b):
    """Per-element equality of float32 bits, NaN equal to NaN."""
    a = np.asarray(a, dtype=np.float32).ravel()
    b = np.asarray(b, dtype=np.float32).ravel()
    same = a.view(np.uint32) == b.view(np.uint32)
    return same | (np.isnan(a) & np.isnan(b))


def ggml_lib():
    """libggml-base from llama-cpp-python, if installed: its reference
    quantizers (quantize_row_*_ref, the path llama-quantize takes without an
    importance matrix) let us check the k-quant quantizers bit for bit."""
    try:
        import ctypes
        import importlib.util
        import os
        spec = importlib.util.find_spec("llama_cpp")
        if spec is None:
            return None
        lib = ctypes.CDLL(os.path.join(os.path.dirname(spec.origin), "lib", "libggml-base.so"))
        return lib
    except OSError:
        return None


GGML = ggml_lib()


def ggml_quantize(name, x, nbytes):
    import ctypes
    out = np.zeros(nbytes, dtype=np.uint8)
    if name == "BF16":
        fn = GGML.ggml_fp32_to_bf16_row_ref
    else:
        fn = getattr(GGML, f"quantize_row_{name.lower().replace('_k', '_K')}_ref")
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    xc = np.ascontiguousarray(x, dtype=np.float32)
    fn(xc.ctypes.data, out.ctypes.data, xc.size)
    return out


total_fail = 0
lines = []
for name in TYPES:
    qt = T[name]
    block, size = GGML_QUANT_SIZES[qt]
    n = N_BLOCKS_K * 256
    x = test_values(n)
    ours = np.frombuffer(run(["--type", name, "--quantize"], x.tobytes()), dtype=np.uint8)
    assert ours.size == n // block * size, (name, ours.size)
    nblocks = n // block

    quant_mismatch = "-"
    ggml_mismatch = "-"
    if GGML is not None and name not in ("F32", "F16"):
        ref = ggml_quantize(name, x, ours.size)
        ggml_mismatch = int((ref.reshape(nblocks, size) != ours.reshape(nblocks, size)).any(axis=1).sum())
        total_fail += ggml_mismatch
    if name in PY_QUANTIZES:
        ref = np.ascontiguousarray(quants.quantize(x.reshape(-1, 256), qt)).view(np.uint8).reshape(-1)
        diff = (ref.reshape(nblocks, size) != ours.reshape(nblocks, size)).any(axis=1)
        quant_mismatch = int(diff.sum())
        total_fail += quant_mismatch

    # dequantize what we quantized
    deq = np.frombuffer(run(["--type", name, "--dequantize"], ours.tobytes()), dtype=np.float32)
    ref_deq = quants.dequantize(ours.reshape(-1, 256 // block * size) if block > 1 else ours, qt)
    m1 = int((~bits_equal(deq, ref_deq)).sum())

    # dequantize random bytes (every scale/level combination; some NaN/inf scales)
    rnd = rng.integers(0, 256, nblocks * size, dtype=np.uint8)
    deq2 = np.frombuffer(run(["--type", name, "--dequantize"], rnd.tobytes()), dtype=np.float32)
    ref2 = quants.dequantize(rnd.reshape(-1, size) if block > 1 else rnd, qt)
    m2 = int((~bits_equal(deq2, ref2)).sum())

    err = deq.astype(np.float64) - x.astype(np.float64)
    rmse = float(np.sqrt(np.mean(err ** 2)) / np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    total_fail += m1 + m2
    lines.append(f"  {name:5s} {nblocks:6d} blocks: quantize mismatches vs gguf-py {quant_mismatch!s:>3}, "
                 f"vs ggml {ggml_mismatch!s:>3}; "
                 f"dequantize mismatches {m1} (our blocks) + {m2} (random bytes) of {n} values, "
                 f"relative RMSE {rmse:.4f}")

print("quant: ours vs gguf.quants (numpy)" + (" and ggml's reference quantizers (llama-cpp-python's libggml-base)"
                                              if GGML is not None else "; ggml comparison skipped (llama-cpp-python not installed)"))
print("\n".join(lines))
print(f"quant: {len(TYPES)} types, {total_fail} mismatches")
sys.exit(1 if total_fail else 0)
