#!/usr/bin/env python3
"""Live cross-check of Wick's pre-tokenizers and normalizers against the
installed HF `tokenizers`, on a fresh corpus (another seed than the
committed fixtures), through the test programs' stdin modes:
  live_check.py TEST_PRETOKENIZE TEST_UNICODE [--seed N]
Prints counts; exits 1 on any mismatch.

Wick's Digits stage is \\p{N} (Unicode 16, Oniguruma's) plus the 13
numerics Unicode 17 added (RUST_EXTRA), as the pinned tokenizers' Rust
char::is_numeric has it. If another tokenizers is installed, code points
where its Digits disagrees with that are measured, and strings holding them
are left out (and said so)."""

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as g  # noqa: E402
import tokenizers  # noqa: E402
from tokenizers import Regex, normalizers  # noqa: E402
from tokenizers import pre_tokenizers as pt  # noqa: E402


RUST_EXTRA = {chr(c) for c in list(range(0x11DE0, 0x11DEA)) + list(range(0x16FF4, 0x16FF7))}


def version_skew():
    """Code points that the installed Digits and Wick's Digits disagree on."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and c != 0x61]
    text = "a".join(chars)
    digits = {p for p, _ in pt.Digits(individual_digits=True).pre_tokenize_str(text) if len(p) == 1}
    pn = {p for p, _ in pt.Split(Regex(r"\p{N}"), behavior="isolated").pre_tokenize_str(text)
          if len(p) == 1}
    return digits ^ (pn | RUST_EXTRA)


def run(binary, args, lines):
    out = subprocess.run([binary] + args, input="\n".join(lines) + "\n", capture_output=True,
                         text=True, encoding="utf-8")
    if out.returncode != 0:
        sys.exit(f"{binary} {' '.join(args)} failed ({out.returncode}): {out.stderr[:500]}")
    return out.stdout.split("\n")[:len(lines)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("test_pretokenize")
    ap.add_argument("test_unicode")
    ap.add_argument("--seed", type=int, default=777)
    args = ap.parse_args()
    corpus = g.make_corpus(args.seed)
    skew = version_skew()
    if skew and tokenizers.__version__ == g.PINNED_TOKENIZERS:
        print(f"Digits of the pinned tokenizers disagrees with Wick's on "
              f"{sorted(hex(ord(c)) for c in skew)}")
        sys.exit(1)
    if skew:
        before = len(corpus)
        corpus = [s for s in corpus if not any(ch in skew for ch in s)]
        print(f"tokenizers {tokenizers.__version__} (pinned {g.PINNED_TOKENIZERS}): its Digits and "
              f"Wick disagree on {len(skew)} code points; left out {before - len(corpus)} "
              f"strings holding them")
    esc = [g.escape(s) for s in corpus]
    failed = 0
    for kind, pre in g.KINDS.items():
        want = [" ".join(map(str, g.piece_lengths(pre, s))) for s in corpus]
        got = run(args.test_pretokenize, ["--split", kind], esc)
        bad = [i for i in range(len(corpus)) if want[i] != got[i]]
        print(f"  live {kind:13s} {len(corpus)} strings, {len(bad)} mismatches")
        for i in bad[:3]:
            print(f"    {esc[i]!r}\n      want {want[i]}\n      got  {got[i]}")
        failed += len(bad)
    rng = g.random.Random(args.seed + 1)
    cases = g.norm_cases(rng)
    cesc = [g.escape(s) for s in cases]
    for form, hf in (("nfc", normalizers.NFC()), ("nfd", normalizers.NFD())):
        want = [g.escape(hf.normalize_str(s)) for s in cases]
        got = run(args.test_unicode, ["--normalize", form], cesc)
        bad = [i for i in range(len(cases)) if want[i] != got[i]]
        print(f"  live {form} {len(cases)} strings, {len(bad)} mismatches")
        for i in bad[:3]:
            print(f"    {cesc[i]!r}: want {want[i]!r} got {got[i]!r}")
        failed += len(bad)
    print(f"live check with tokenizers {tokenizers.__version__}: {failed} mismatches")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
