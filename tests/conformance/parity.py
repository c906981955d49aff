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

compare() is the machinery, also used by the full matrix
(tests/bench/parity_matrix.py): it returns a dict instead of printing, and
reports a model llama.cpp refuses to load as status "SKIP" with the reason.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np


def compare(wick, model, prompt, n_gen, tol=0.01, n_ctx=512, n_threads=2, follow=False):
    """One parity cell. Returns a dict: status ("ok", "FAIL" or "SKIP"),
    reason (for FAIL before comparing / SKIP), n_prompt, diff, scale, rel,
    tol, same (identical greedy tokens), n_gen, near_tie (bool),
    div_step / div_margin (None when identical), note (the text summary).

    follow=True (the matrix) also checks the tokens after a near-tie
    divergence: llama.cpp re-reads the prompt plus Wick's own continuation,
    and at every step Wick's token must be llama.cpp's argmax or within the
    same near-tie margin of it (2x the measured logit difference); sets
    follow_ties (steps that were near-ties) and follow_gap (the largest
    shortfall of Wick's token below llama.cpp's best)."""
    name = os.path.basename(model)
    res = {"name": name, "status": "FAIL", "reason": "", "tol": tol, "n_gen": n_gen, "n_prompt": 0,
           "diff": float("nan"), "scale": float("nan"), "rel": float("nan"), "same": 0,
           "near_tie": False, "div_step": None, "div_margin": None, "note": ""}
    with tempfile.TemporaryDirectory() as td:
        lpath = os.path.join(td, "logits.f32")
        r = subprocess.run([wick, "run", "-m", model, "-p", prompt, "-n", str(n_gen), "--ids",
                            "--print-prompt-ids", "--ignore-eos", "--logits-out", lpath, "-c", str(n_ctx),
                            "-t", str(n_threads)], capture_output=True, text=True)
        if r.returncode != 0:
            res["reason"] = f"wick run exited {r.returncode}: {r.stderr.strip()}"
            res["note"] = f"FAIL {name}: {res['reason']}"
            return res
        prompt_ids = [int(t) for t in r.stderr.splitlines()[0].split()]
        wick_gen = [int(t) for t in r.stdout.split()]
        wick_logits = np.fromfile(lpath, dtype=np.float32)
    res["n_prompt"] = len(prompt_ids)

    from llama_cpp import Llama
    try:
        llm = Llama(model_path=model, n_ctx=n_ctx, logits_all=True, n_threads=n_threads, seed=0,
                    verbose=False)
    except Exception as e:  # llama.cpp refuses the file (type, shape): not Wick's to judge
        res["status"] = "SKIP"
        res["reason"] = f"llama.cpp cannot load it: {e}"
        res["note"] = f"SKIP {name}: {res['reason']}"
        return res
    llm.eval(prompt_ids)
    ref = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    if ref.shape != wick_logits.shape:
        res["reason"] = f"logits shape wick {wick_logits.shape} vs llama.cpp {ref.shape}"
        res["note"] = f"FAIL {name}: {res['reason']}"
        return res
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
        m = margins[same] if same < len(margins) else float("nan")
        res["div_step"], res["div_margin"] = same, m
        if same < len(ref_gen) and same < len(wick_gen) and margins[same] <= 2 * diff:
            res["near_tie"] = True
            gen_note += f" (diverges at a near-tie: llama.cpp top-2 margin {margins[same]:.4g})"
        else:
            gen_note += f" (DIVERGES at step {same}, llama.cpp margin {m:.4g})"
            ok = False
    if follow and res["near_tie"]:
        llm.reset()
        llm.eval(prompt_ids)
        ties, worst = 0, 0.0
        for i, tok in enumerate(wick_gen):
            logits = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
            gap = float(np.max(logits) - logits[tok])
            if gap > 0:
                ties += 1
                worst = max(worst, gap)
            if gap > 2 * diff:
                gen_note += f"; then Wick's token at step {i} is {gap:.4g} below llama.cpp's best (FAIL)"
                ok = False
                break
            if i + 1 < len(wick_gen):
                llm.eval([tok])
        res["follow_ties"], res["follow_gap"] = ties, worst
        if ok:
            gen_note += f"; Wick's own {len(wick_gen)} tokens: {ties} near-ties, worst gap {worst:.3g}"
    res.update(status="ok" if ok else "FAIL", diff=diff, scale=scale, rel=diff / max(scale, 1e-6),
               same=same)
    res["note"] = (f"{'ok' if ok else 'FAIL'} {name}: {len(prompt_ids)} prompt tokens, max|dlogit| {diff:.4g} "
                   f"(logit scale {scale:.3g}, rel {diff / max(scale, 1e-6):.2e}, tol {tol}); {gen_note}")
    return res


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
    res = compare(wick, model, prompt, n_gen, tol, n_ctx)
    if res["status"] == "SKIP":  # a conformance check has no skips: the file must load
        res["status"] = "FAIL"
        res["note"] = "FAIL" + res["note"][4:]
    print(res["note"])
    return 0 if res["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
