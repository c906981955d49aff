"""CPU speed table, Wick vs llama.cpp (llama-cpp-python), same GGUF files.

Run through tests/bench/cpu_bench.sh. For each NAME=PATH model:
  wick:      `wick bench -m PATH -p PP -n TG -t THREADS -r REPS`, its
             markdown table parsed (tokens/s mean and stddev per test);
  llama.cpp: Llama(PATH, n_threads=THREADS, n_batch=512); pp = one eval()
             of PP pseudo-random valid ids from an empty cache, timed; tg =
             a one-token prompt, then TG single-token eval() calls, timed.
             One untimed warm-up of each.
The REPS timed runs are interleaved (wick run 1, llama.cpp run 1, wick run
2, ...: `wick bench -r 1` per run, which warms up first), so a change in
the machine's load hits both engines alike.
Prints one markdown table: model, test, wick t/s, llama.cpp t/s, ratio.
"""
import argparse
import random
import re
import statistics
import subprocess
import sys
import time


def wick_bench(wick, path, a):
    """One `wick bench -r 1` run: {test: tokens/s}."""
    cmd = [wick, "bench", "-m", path, "-p", str(a.pp), "-n", str(a.tg), "-t", str(a.threads), "-r", "1"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"(pp|tg)\d+", cells[4]):
            m = re.fullmatch(r"([\d.]+) ± ([\d.]+)", cells[5])
            if m:
                res[cells[4]] = float(m.group(1))
    if not res:
        sys.exit(f"cpu_bench: could not parse `{' '.join(cmd)}` output:\n{out}")
    return res


def mean_sd(xs):
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def llama_bench(path, a):
    """Returns run() -> {test: tokens/s} for one timed run (after one warm-up
    of each test here), and close()."""
    from llama_cpp import Llama

    n_ctx = max(a.pp, a.tg + 1, 64)
    llm = Llama(model_path=path, n_ctx=n_ctx, n_batch=512, n_ubatch=512, n_threads=a.threads,
                n_threads_batch=a.threads, verbose=False)
    rng = random.Random(1)
    ids = [rng.randrange(llm.n_vocab()) for _ in range(max(a.pp, a.tg + 1))]

    def pp():
        llm.reset()
        llm._ctx.kv_cache_clear()
        t0 = time.perf_counter()
        llm.eval(ids[:a.pp])
        return a.pp / (time.perf_counter() - t0)

    def tg():
        llm.reset()
        llm._ctx.kv_cache_clear()
        llm.eval(ids[:1])
        t0 = time.perf_counter()
        for i in range(a.tg):
            llm.eval(ids[1 + i:2 + i])
        return a.tg / (time.perf_counter() - t0)

    tests = [(f"{name}{n}", fn) for name, n, fn in (("pp", a.pp, pp), ("tg", a.tg, tg)) if n > 0]
    for _, fn in tests:
        fn()  # warm-up

    def run():
        return {name: fn() for name, fn in tests}

    return run, llm.close


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wick", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--pp", type=int, default=512)
    ap.add_argument("--tg", type=int, default=128)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("models", nargs="+", help="NAME=PATH")
    a = ap.parse_args()
    rows = []
    for spec in a.models:
        name, path = spec.split("=", 1)
        print(f"cpu_bench: {name} ...", file=sys.stderr, flush=True)
        llama_run, llama_close = llama_bench(path, a)
        wr, lr = {}, {}
        for _ in range(a.reps):
            for t, v in wick_bench(a.wick, path, a).items():
                wr.setdefault(t, []).append(v)
            for t, v in llama_run().items():
                lr.setdefault(t, []).append(v)
        llama_close()
        for test in wr:
            wm, ws = mean_sd(wr[test])
            lm, ls = mean_sd(lr[test]) if test in lr else (float("nan"), 0.0)
            rows.append((name, test, f"{wm:.2f} ± {ws:.2f}", f"{lm:.2f} ± {ls:.2f}", f"{wm / lm:.2f}"))
    hdr = ("model", "test", "wick t/s", "llama.cpp t/s", "wick/llama.cpp")
    widths = [max(len(r[i]) for r in rows + [hdr]) for i in range(5)]
    print(f"threads: {a.threads}; pp = one batched prefill (n_batch 512), tg = single-token decodes; "
          f"mean ± stddev over {a.reps} interleaved runs after a warm-up")
    print("| " + " | ".join(h.ljust(wd) for h, wd in zip(hdr, widths)) + " |")
    print("| " + " | ".join("-" * wd for wd in widths) + " |")
    for r in rows:
        print("| " + " | ".join(c.ljust(wd) for c, wd in zip(r, widths)) + " |")


if __name__ == "__main__":
    main()
