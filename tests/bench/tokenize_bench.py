#!/usr/bin/env python3
"""Tokenizer throughput: Wick vs Hugging Face `tokenizers` on 1 MB of English
prose with SmolLM2's vocabulary. Called by tokenize_bench.sh.

The prose is the docstrings of Python's standard library (modules and
submodules in sorted order; module, class, method and function
documentation, each docstring once), cut to 1,000,000 bytes at a character
boundary: real English technical prose, deterministic for a given Python.

HF side: SmolLM2's tokenizer.json structure rebuilt from the GGUF (see
tests/data/tokenizer/gen_fixtures.py), `encode` on the whole text (one
sequence: HF runs it on one thread), best of 3; and, for reference,
`encode_batch` over the text's lines, which HF spreads over all cores. Wick side: `wick tokenize` on the file
from stdin, best of 3, minus the best of 3 runs on an empty input (model
open and vocab load), so both sides time tokenization alone. The ids of the
two are compared too.
"""
import importlib
import inspect
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests/data/tokenizer"))

SIZE = 1_000_000
SKIP = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "pydoc_data"}


def stdlib_modules():
    """Standard-library modules and their submodules, sorted by name."""
    import pkgutil

    names = []
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in SKIP:
            continue
        try:
            mod = importlib.import_module(name)
        except Exception:
            continue
        names.append(mod)
        for info in sorted(pkgutil.iter_modules(getattr(mod, "__path__", []) or []), key=lambda i: i.name):
            if info.name.startswith("_") or info.name in SKIP:
                continue
            try:
                names.append(importlib.import_module(f"{name}.{info.name}"))
            except Exception:
                pass
    return names


def prose() -> str:
    out, seen, size = [], set(), 0
    for mod in stdlib_modules():
        objs = [mod]
        for a in sorted(dir(mod)):
            obj = getattr(mod, a, None) if not a.startswith("_") else None
            if inspect.isclass(obj) or inspect.isfunction(obj):
                objs.append(obj)
                if inspect.isclass(obj):
                    objs += [m for k, m in sorted(vars(obj).items()) if not k.startswith("_") and inspect.isfunction(m)]
        for obj in objs:
            doc = inspect.getdoc(obj)
            if doc and doc not in seen:
                seen.add(doc)
                out.append(doc)
                size += len(doc.encode())
        if size > SIZE * 1.2:
            break
    data = "\n\n".join(out).encode()[:SIZE]
    return data.decode("utf-8", "ignore")


def best_of(n, fn):
    best = None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best, result


def main():
    wick = sys.argv[1]
    model = sys.argv[2]
    work = Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    text = prose()
    path = work / "prose.txt"
    path.write_text(text, encoding="utf-8")
    nbytes = len(text.encode())
    print(f"corpus: {nbytes} bytes of Python standard-library docstrings, {text.count(chr(10))} lines")

    from gen_fixtures import smollm2_tokenizer  # noqa: E402

    tok = smollm2_tokenizer(model)
    hf_t, enc = best_of(3, lambda: tok.encode(text, add_special_tokens=False))
    hf_ids = enc.ids
    lines = text.split("\n")
    batch_t, _ = best_of(3, lambda: tok.encode_batch(lines, add_special_tokens=False))

    def run(inp):
        r = subprocess.run([wick, "tokenize", "-m", model, "--no-special", "-"], input=inp,
                           capture_output=True)
        if r.returncode != 0:
            sys.exit(f"wick failed: {r.stderr.decode()[:500]}")
        return r.stdout

    empty_t, _ = best_of(3, lambda: run(b""))
    full_t, out = best_of(3, lambda: run(text.encode()))
    wick_ids = [int(x) for x in out.split()]
    native_t = max(full_t - empty_t, 1e-9)

    mb = nbytes / 1e6
    diff = next((i for i, (a, b) in enumerate(zip(wick_ids, hf_ids)) if a != b), None)
    same = wick_ids == hf_ids
    print(f"tokens: HF {len(hf_ids)}, Wick {len(wick_ids)}; identical: {same}"
          + ("" if same else f" (first difference at token {diff})"))
    print(f"HF tokenizers encode, 1 thread:        {hf_t * 1000:8.1f} ms  {mb / hf_t:7.2f} MB/s")
    print(f"HF tokenizers encode_batch, {os.cpu_count()} cores:  {batch_t * 1000:8.1f} ms  {mb / batch_t:7.2f} MB/s "
          f"({len(lines)} lines)")
    print(f"Wick tokenize, 1 thread:                {native_t * 1000:8.1f} ms  {mb / native_t:7.2f} MB/s "
          f"(process {full_t * 1000:.1f} ms, of which open+load {empty_t * 1000:.1f} ms)")
    print(f"Wick / HF single-thread speed: {hf_t / native_t:.2f}x")
    print(json.dumps({"bytes": nbytes, "hf_mb_s": mb / hf_t, "hf_batch_mb_s": mb / batch_t,
                      "wick_mb_s": mb / native_t, "identical": same}))


if __name__ == "__main__":
    main()
