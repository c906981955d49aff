#!/usr/bin/env python3
"""Checks tools/tokenizer_import.c against llama.cpp's converter, using the
two real models: the GGUF our importer made from a tokenizer.json must carry
the same tokenizer.ggml.* data as the GGUF llama.cpp made for that model.

  smollm2  (tokenizer.json rebuilt from the real GGUF): everything equal.
  gemma3   (npm tokenizer.json; llama.cpp converted tokenizer.model, with an
           older tokenizer_config): tokens equal; the differences listed in
           GEMMA3_KNOWN and nothing else; the same merge priority (scores
           ordering the normal tokens identically).

    check_import.py   (after tests/setup/vocabs.sh)
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import vocab_sources  # noqa: E402

# Differences from the real Gemma 3 file, each explained:
GEMMA3_KNOWN = {
    # tokenizer.json lists <image_soft_token> as id 262144; the model's
    # vocab_size (which llama.cpp's converter pads or cuts to) is 262144.
    "extra_tokens": [b"<image_soft_token>"],
    # special in tokenizer.json / this tokenizer_config; the config llama.cpp
    # converted from marked them non-special (user-defined).
    "types": {255999: (4, 3), 256000: (4, 3)},
    # this tokenizer_config's eos_token is <end_of_turn>; the real file's <eos>.
    "ids": {"tokenizer.ggml.eos_token_id": (1, 106)},
}


_SCALAR = {0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "<u1",
           10: "<u8", 11: "<i8", 12: "<f8"}


def load(path):
    """tokenizer.* metadata of a GGUF (v2/v3): a small reader, much faster
    than gguf.GGUFReader on 262k-entry arrays."""
    import mmap
    import struct
    import numpy as np
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("<Q")
        pos += n
        return bytes(buf[pos - n:pos])

    def value(t):
        nonlocal pos
        if t == 8:
            return string()
        if t == 9:
            et, n = take("<I"), take("<Q")
            if et == 8:
                return [string() for _ in range(n)]
            dt = np.dtype(_SCALAR[et])
            a = np.frombuffer(buf, dtype=dt, count=n, offset=pos).copy()
            pos += n * dt.itemsize
            return a
        dt = np.dtype(_SCALAR[t])
        v = np.frombuffer(buf, dtype=dt, count=1, offset=pos)[0].item()
        pos += dt.itemsize
        return bool(v) if t == 7 else v

    assert buf[:4] == b"GGUF", f"{path}: not a GGUF file"
    pos = 4
    take("<I")
    take("<Q")
    n_kv = take("<Q")
    out = {}
    for _ in range(n_kv):
        key = string().decode()
        v = value(take("<I"))
        if key.startswith("tokenizer."):
            out[key] = v
    return out


def same(a, b):
    import numpy as np
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return len(a) == len(b) and bool(np.all(np.asarray(a) == np.asarray(b)))
    return a == b


def check_smollm2():
    real = load(vocab_sources.RUNS["smollm2"][1])
    ours = load(vocab_sources.RUNS["smollm2-imported"][1])
    problems = []
    for k in sorted(set(real) | set(ours)):
        if k not in ours:
            problems.append(f"{k}: missing from ours")
        elif k not in real:
            # we always write add_bos/add_eos; llama.cpp's default for gpt2 is false
            if not (k in ("tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token")
                    and ours[k] is False):
                problems.append(f"{k}: only in ours")
        elif not same(real[k], ours[k]):
            problems.append(f"{k}: differs")
    print(f"import smollm2: {len(real)} keys in the real GGUF, {len(problems)} differences"
          + "".join(f"\n  {p}" for p in problems))
    return not problems


def check_gemma3():
    import numpy as np
    real = load(vocab_sources.RUNS["gemma3"][1])
    ours = load(vocab_sources.RUNS["gemma3-imported"][1])
    problems = []
    rt, ot = real["tokenizer.ggml.tokens"], ours["tokenizer.ggml.tokens"]
    n = len(rt)
    if ot[:n] != rt:
        bad = [i for i in range(min(n, len(ot))) if ot[i] != rt[i]]
        problems.append(f"tokens: {len(bad)} differ, first at id {bad[0] if bad else n}")
    if ot[n:] != GEMMA3_KNOWN["extra_tokens"]:
        problems.append(f"tokens: extra tokens {ot[n:][:5]}")
    ry, oy = real["tokenizer.ggml.token_type"], ours["tokenizer.ggml.token_type"]
    type_diffs = {i: (int(ry[i]), int(oy[i])) for i in np.nonzero(ry != oy[:n])[0]}
    if type_diffs != GEMMA3_KNOWN["types"]:
        problems.append(f"token_type: differences {dict(list(type_diffs.items())[:8])} "
                        f"(known: {GEMMA3_KNOWN['types']})")
    # Merge priority: sorting normal tokens by our score must sort them by the real score.
    rs, os_ = real["tokenizer.ggml.scores"], ours["tokenizer.ggml.scores"][:n]
    normal = np.nonzero(ry == 1)[0]
    order = normal[np.lexsort((normal, -os_[normal]))]
    inversions = int(np.sum(np.diff(rs[order]) > 0))
    if inversions:
        problems.append(f"scores: {inversions} normal tokens out of the real file's order")
    byte_ok = bool(np.all(os_[ry == 6] == 0)) and bool(np.all(rs[ry == 6] == 0))
    if not byte_ok:
        problems.append("scores: byte tokens should score 0")
    for key in ("tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.bos_token_id",
                "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
                "tokenizer.ggml.padding_token_id", "tokenizer.ggml.add_bos_token",
                "tokenizer.ggml.add_eos_token", "tokenizer.ggml.add_space_prefix"):
        if real.get(key) != ours.get(key) and GEMMA3_KNOWN["ids"].get(key) != (real.get(key), ours.get(key)):
            problems.append(f"{key}: real {real.get(key)!r}, ours {ours.get(key)!r}")
    print(f"import gemma3: {n} tokens, {len(normal)} normal tokens ordered, "
          f"{len(problems)} unexpected differences" + "".join(f"\n  {p}" for p in problems))
    return not problems


def main():
    ok = check_smollm2()
    ok = check_gemma3() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
