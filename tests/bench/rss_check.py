#!/usr/bin/env python3
"""Resident memory of `wick run` against what it must hold: the weights are
memory-mapped, not copied, so peak RSS should be about the file size plus
the KV cache plus a little (the binary, activation buffers, the
vocabulary): under LIMIT_MB (50) of overhead.

usage: rss_check.py [--limit MB] [--ctx N] [--gen N] WICK_BIN MODEL.gguf...

For each model: runs `wick run -m MODEL -c CTX -n GEN --ignore-eos` (greedy,
so every weight page is read and, with a prompt of ~CTX-GEN tokens, nearly
every KV row is written), reads the peak RSS from the kernel (ru_maxrss,
through /usr/bin/time), and samples /proc/PID/status
(RssAnon, RssFile) every 10 ms to show which part is anonymous memory
(malloc: KV cache, buffers) and which the mapped file. Budget:
  file size + KV bytes (n_layer * n_ctx * 2 (K and V) * n_kv_heads * head_dim * 2 (f16))
Prints one line per model; exit status 1 if any overhead is >= the limit.
"""
import os
import subprocess
import sys
import tempfile
import time

import gguf

LIMIT_MB = 50.0


def kv_bytes(path, n_ctx):
    r = gguf.GGUFReader(path)
    f = {k: v.contents() for k, v in r.fields.items() if not k.startswith("tokenizer.")}
    a = f["general.architecture"]
    n_layer = int(f[f"{a}.block_count"])
    n_head = int(f[f"{a}.attention.head_count"])
    n_kv = int(f.get(f"{a}.attention.head_count_kv", n_head))
    head_dim = int(f.get(f"{a}.attention.key_length", int(f[f"{a}.embedding_length"]) // n_head))
    return n_layer * n_ctx * 2 * n_kv * head_dim * 2, (n_layer, n_kv, head_dim)


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(wick, model, n_ctx, n_gen):
    # a prompt of about n_ctx - n_gen - 8 tokens: 'the ' is one token in these vocabularies
    prompt = "the " * max(1, n_ctx - n_gen - 8)
    # /usr/bin/time, not wait4 here: a child forked from this Python (which
    # has read the GGUF metadata) starts with Python's RSS in its ru_maxrss
    with tempfile.NamedTemporaryFile("r") as tf:
        p = subprocess.Popen(["/usr/bin/time", "-o", tf.name, "-f", "%M", wick, "run", "-m", model, "-p", prompt,
                              "-n", str(n_gen), "-c", str(n_ctx), "--ignore-eos", "-t", "2"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        anon = filed = 0
        child = None
        while p.poll() is None:
            if child is None:
                try:
                    with open(f"/proc/{p.pid}/task/{p.pid}/children") as fh:
                        child = int(fh.read().split()[0])
                except (OSError, ValueError, IndexError):
                    pass
            if child is not None:
                anon = max(anon, status_kb(child, "RssAnon"))
                filed = max(filed, status_kb(child, "RssFile"))
            time.sleep(0.01)
        err = p.stderr.read().decode(errors="replace").strip()
        lines = tf.read().split()
        peak = int(lines[-1]) * 1024 if lines and lines[-1].isdigit() else 0
    return p.returncode, err, peak, anon * 1024, filed * 1024


def main():
    args = sys.argv[1:]
    limit, n_ctx, n_gen = LIMIT_MB, 512, 16
    for opt in ("--limit", "--ctx", "--gen"):
        if opt in args:
            i = args.index(opt)
            v = args[i + 1]
            del args[i:i + 2]
            if opt == "--limit":
                limit = float(v)
            elif opt == "--ctx":
                n_ctx = int(v)
            else:
                n_gen = int(v)
    wick, models = args[0], args[1:]
    mb = 1 << 20
    fail = 0
    print(f"{'model':<36} {'file MB':>8} {'KV MB':>6} {'peak RSS':>9} {'anon':>6} {'file-bk':>7} "
          f"{'overhead':>9} {'limit':>5}  result")
    for m in models:
        size = os.path.getsize(m)
        kv, (nl, nkv, hd) = kv_bytes(m, n_ctx)
        code, err, peak, anon, filed = measure(wick, m, n_ctx, n_gen)
        name = os.path.basename(m)
        if code != 0:
            print(f"{name:<36} FAIL: wick run exited {code}: {err[-300:]}")
            fail = 1
            continue
        over = (peak - size - kv) / mb
        ok = over < limit
        fail |= not ok
        print(f"{name:<36} {size / mb:>8.1f} {kv / mb:>6.1f} {peak / mb:>9.1f} {anon / mb:>6.1f} "
              f"{filed / mb:>7.1f} {over:>+9.1f} {limit:>5.0f}  {'PASS' if ok else 'FAIL'}")
    print(f"(n_ctx {n_ctx}, prompt ~{n_ctx - n_gen - 8} tokens + {n_gen} generated; KV = n_layer * n_ctx * 2 * "
          f"n_kv * head_dim * 2 bytes; anon / file-bk: peaks of RssAnon / RssFile sampled every 10 ms; "
          f"overhead = peak RSS - file - KV)")
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
