#!/usr/bin/env python3
"""Tokenizer conformance: Wick's token ids against Hugging Face's, for every
corpus string and every run in vocab_sources.RUNS, plus a decode check.

    compare.py WICK_BIN [RUN ...]

For each run: `WICK_BIN tokenize -m GGUF --batch corpus.jsonl` (one line of
ids per string) is compared line by line with expected/<source>.txt; then a
sample of expected/<source>.decode.jsonl is decoded with
`WICK_BIN detokenize -m GGUF ID...` and compared with HF's decode().
Prints per-run counts and the first mismatches (ids and their pieces), and
exits 1 on any mismatch, stale fixture or failed command.

Environment: TOKENIZER_SHOW (mismatches shown per run, default 3),
TOKENIZER_DECODE_SAMPLES (decode samples per run, default 20 of the 60 in
the fixture: each is one `wick detokenize` process, which loads the vocabulary).
"""
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import vocab_sources  # noqa: E402

CORPUS = HERE / "corpus.jsonl"
EXPECTED = HERE / "expected"
SHOW = int(os.environ.get("TOKENIZER_SHOW", "3"))
DECODE_SAMPLES = int(os.environ.get("TOKENIZER_DECODE_SAMPLES", "20"))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_manifest(runs):
    """Fixtures must come from this corpus and these tokenizer.json files."""
    m = json.loads((EXPECTED / "manifest.json").read_text())
    problems = []
    if m["corpus_sha256"] != sha256(CORPUS):
        problems.append("corpus.jsonl changed since the fixtures were made")
    for src in sorted({vocab_sources.RUNS[r][0] for r in runs}):
        tj = vocab_sources.SOURCES[src][0]
        if not tj.exists():
            problems.append(f"{src}: {tj} is missing (run tests/setup/vocabs.sh)")
        elif m["sources"].get(src) != sha256(tj):
            problems.append(f"{src}: {tj} is not the file the fixtures were made from")
    for p in problems:
        print(f"FIXTURES: {p}; rerun tests/conformance/tokenizer/gen_expected.py")
    return not problems


class Pieces:
    """Token id -> text, from the HF tokenizer.json (ids are shared with the GGUF)."""

    def __init__(self, src):
        self.src = src
        self.tk = None

    def __call__(self, ids):
        if self.tk is None:
            try:
                from tokenizers import Tokenizer
                self.tk = Tokenizer.from_file(str(vocab_sources.SOURCES[self.src][0]))
            except Exception:  # pieces are only decoration
                return "?"
        return " ".join(repr(self.tk.id_to_token(i)) if i >= 0 else "?" for i in ids)


def short(s, n=100):
    r = repr(s)
    return r if len(r) <= n else r[:n] + "...'"


def show_ids(ids, limit=40):
    s = " ".join(map(str, ids[:limit]))
    return s + (f" ... ({len(ids)} ids)" if len(ids) > limit else "")


def run_tokenize(wick, run, corpus):
    src, gguf, _, _ = vocab_sources.RUNS[run]
    expected = (EXPECTED / f"{src}.txt").read_text(encoding="utf-8").split("\n")[:-1]
    if len(expected) != len(corpus):
        print(f"{run}: expected/{src}.txt has {len(expected)} lines for {len(corpus)} strings")
        return 1
    t0 = time.time()
    p = subprocess.run([wick, "tokenize", "-m", str(gguf), "--batch", str(CORPUS)],
                       capture_output=True)
    dt = time.time() - t0
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        print(f"{run}: {len(corpus)} strings, tokenize FAILED (exit {p.returncode}, {dt:.1f}s): "
              f"{' | '.join(err[-5:])}")
        return 1
    got = p.stdout.decode("utf-8", "replace").split("\n")
    if got and got[-1] == "":
        got.pop()
    pieces = Pieces(src)
    bad = []
    for i, s in enumerate(corpus):
        g = got[i] if i < len(got) else None
        if g != expected[i]:
            bad.append(i)
    print(f"{run}: {len(corpus)} strings, {len(bad)} mismatches ({dt:.1f}s, {gguf.name})")
    if len(got) != len(corpus):
        print(f"  wick printed {len(got)} lines for {len(corpus)} strings")
    for i in bad[:SHOW]:
        e = [int(x) for x in expected[i].split()]
        g = [int(x) for x in got[i].split()] if i < len(got) and got[i].strip() else []
        k = next((j for j in range(min(len(e), len(g))) if e[j] != g[j]), min(len(e), len(g)))
        lo = max(0, k - 3)
        print(f"  line {i + 1}: {short(corpus[i])}")
        print(f"    expected {show_ids(e)}")
        print(f"    got      {show_ids(g)}")
        print(f"    first difference at index {k}: expected {pieces(e[lo:k + 4])}")
        print(f"    {' ' * 29}got      {pieces(g[lo:k + 4])}")
    return 1 if bad or len(got) != len(corpus) else 0


def run_decode(wick, run):
    src, gguf, _, _ = vocab_sources.RUNS[run]
    samples = [json.loads(x) for x in (EXPECTED / f"{src}.decode.jsonl").read_text(
        encoding="utf-8").splitlines()][:DECODE_SAMPLES]
    bad, skipped, failed = [], 0, 0
    t0 = time.time()
    for smp in samples:
        if not smp["ids"]:
            skipped += 1
            continue
        p = subprocess.run([wick, "detokenize", "-m", str(gguf)] + [str(i) for i in smp["ids"]],
                           capture_output=True)
        if p.returncode != 0:
            failed += 1
            bad.append((smp, "exit %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")
                                              .strip()[-200:])))
            continue
        out = p.stdout.decode("utf-8", "replace")
        out = out[:-1] if out.endswith("\n") else out
        if out != smp["text"]:
            bad.append((smp, out))
    dt = time.time() - t0
    print(f"{run} decode: {len(samples) - skipped} samples, {len(bad)} mismatches ({dt:.1f}s)")
    for smp, out in bad[:SHOW]:
        print(f"  line {smp['line']}: ids {show_ids(smp['ids'], 20)}")
        print(f"    expected {short(smp['text'])}")
        print(f"    got      {short(out)}")
    return 1 if bad else 0


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    wick = sys.argv[1]
    runs = sys.argv[2:] or list(vocab_sources.RUNS)
    unknown = [r for r in runs if r not in vocab_sources.RUNS]
    if unknown:
        sys.exit(f"unknown run(s): {unknown}; known: {list(vocab_sources.RUNS)}")
    corpus = [json.loads(x) for x in CORPUS.read_text(encoding="utf-8").splitlines()]
    fixtures_ok = check_manifest(runs)
    failed = 0
    for run in runs:
        gguf = vocab_sources.RUNS[run][1]
        if not gguf.exists():
            print(f"{run}: {gguf} is missing (run tests/setup/vocabs.sh)")
            failed += 1
            continue
        rc = run_tokenize(wick, run, corpus)
        rc |= run_decode(wick, run)
        failed += rc
    print(f"tokenizer conformance ({len(corpus)} strings per run, fixtures "
          f"{'ok' if fixtures_ok else 'STALE'}):")
    print(f"runs: {len(runs) - failed} passed, {failed} failed")
    return 1 if failed or not fixtures_ok else 0


if __name__ == "__main__":
    sys.exit(main())
