#!/usr/bin/env python3
"""Parity of Wick's forward pass with llama.cpp (llama-cpp-python).

usage: parity.py [--tol REL] [--ctx N] WICK_BIN MODEL.gguf PROMPT N_GEN

--ctx (default 512) is the context both engines get; it matters for
LongRoPE (phi3), whose long factors apply when it exceeds the original
training context.

Runs `wick run --ids --print-prompt-ids --ignore-eos --logits-out` and feeds
the very same prompt token ids to llama.cpp (Llama.eval), then compares:
  1. the logits after the prompt: max |wick - llama.cpp| must be at most
     REL * max|llama.cpp logit| (llama.cpp multiplies by activations
     quantized to 8 bits, Wick by f32 activations, so equal math differs a
     little);
  2. the greedy continuation of N_GEN tokens (EOS ignored): identical, or
     if it diverges, llama.cpp's own top-2 margin at that step must be a
     near tie, under twice the logit difference measured in (1): a flip
     that small is within the noise of 8-bit activations and says nothing
     about the math.
Prints one summary line; exit status 1 on failure.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    args = sys.argv[1:]
    tol = 0.01
    if "--tol" in args:
        i = args.index("--tol")
        tol = float(args[i + 1])
        del args[i:i + 2]
    n_ctx = 512
    if "--ctx" in args:
        i = args.index("--ctx")
        n_ctx = int(args[i + 1])
        del args[i:i + 2]
    wick, model, prompt, n_gen = args[0], args[1], args[2], int(args[3])
    name = os.path.basename(model)

    with tempfile.TemporaryDirectory() as td:
        lpath = os.path.join(td, "logits.f32")
        r = subprocess.run([wick, "run", "-m", model, "-p", prompt, "-n", str(n_gen), "--ids",
                            "--print-prompt-ids", "--ignore-eos", "--logits-out", lpath, "-c", str(n_ctx),
                            "-t", "2"], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL {name}: wick run exited {r.returncode}: {r.stderr.strip()}")
            return 1
        prompt_ids = [int(t) for t in r.stderr.splitlines()[0].split()]
        wick_gen = [int(t) for t in r.stdout.split()]
        wick_logits = np.fromfile(lpath, dtype=np.float32)

    from llama_cpp import Llama
    llm = Llama(model_path=model, n_ctx=n_ctx, logits_all=True, n_threads=2, seed=0, verbose=False)
    llm.eval(prompt_ids)
    ref = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    if ref.shape != wick_logits.shape:
        print(f"FAIL {name}: logits shape wick {wick_logits.shape} vs llama.cpp {ref.shape}")
        return 1
    scale = float(np.max(np.abs(ref)))
    diff = float(np.max(np.abs(ref - wick_logits)))
    ok = diff <= tol * max(scale, 1e-6)

    ref_gen, margins = [], []
    for i in range(n_gen):
        logits = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        top2 = np.sort(logits)[-2:]
        tok = int(np.argmax(logits))
        ref_gen.append(tok)
        margins.append(float(top2[1] - top2[0]))
        if i + 1 < n_gen:
            llm.eval([tok])
    same = 0
    while same < min(len(ref_gen), len(wick_gen)) and ref_gen[same] == wick_gen[same]:
        same += 1
    gen_note = f"greedy {same}/{n_gen} identical"
    if same < n_gen:
        if same < len(ref_gen) and same < len(wick_gen) and margins[same] <= 2 * diff:
            gen_note += f" (diverges at a near-tie: llama.cpp top-2 margin {margins[same]:.4g})"
        else:
            m = margins[same] if same < len(margins) else float("nan")
            gen_note += f" (DIVERGES at step {same}, llama.cpp margin {m:.4g})"
            ok = False
    print(f"{'ok' if ok else 'FAIL'} {name}: {len(prompt_ids)} prompt tokens, max|dlogit| {diff:.4g} "
          f"(logit scale {scale:.3g}, rel {diff / max(scale, 1e-6):.2e}, tol {tol}); {gen_note}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
