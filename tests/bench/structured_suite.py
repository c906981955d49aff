"""Structured output over the JSON Schema corpus (issue 7, item 5).

Every schema of tests/data/json_schemas/gen_*.json (the converter's own
real-world-shaped corpus) is sent as response_format json_schema to SmolLM2
at temperature 0.7 with several seeds, through one `wick api --turns`
process (one engine, so the vocabulary index is built once). Each answer
that ends with finish "stop" must parse and validate with Python
`jsonschema`; answers cut by max_tokens are counted apart (the constraint
cannot make a model stop early). Prints the counts and the speed.

Usage: python3 structured_suite.py WICK MODEL [N_SCHEMAS] [SEEDS] [MAX_TOKENS]
"""
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import jsonschema

WICK, MODEL = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 10**9
SEEDS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
MAXT = int(sys.argv[5]) if len(sys.argv) > 5 else 800
ROOT = Path(__file__).resolve().parents[2]
paths = sorted((ROOT / "tests/data/json_schemas").glob("gen_*.json"))[:N]
jobs, lines = [], []
for p in paths:
    schema = json.loads(p.read_text())
    for seed in range(1, SEEDS + 1):
        jobs.append((p.name, seed, schema))
        lines.append(json.dumps({
            "messages": [{"role": "user", "content": "Produce an example JSON document."}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}},
            "temperature": 0.7, "seed": seed, "max_tokens": MAXT}))
t0 = time.time()
proc = subprocess.Popen(["stdbuf", "-oL", WICK, "api", "-m", MODEL, "-t", "2", "--turns"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True)
threading.Thread(target=lambda: (proc.stdin.write("\n".join(lines) + "\n"), proc.stdin.close()), daemon=True).start()
ok = cut = bad = refused = 0
tokens = 0
decode_s = 0.0
outs = []
for (name, seed, schema) in jobs:
    out = proc.stdout.readline()
    if not out:
        break
    outs.append(out)
    r = json.loads(out)
    if "error" in r:
        refused += 1
        print(f"REFUSED {name}: {r['error']['message'][:200]}", flush=True)
        continue
    c = r["choices"][0]
    tokens += r["usage"]["completion_tokens"]
    if r["usage"]["extra"]["decode_tokens_per_s"] > 0:
        decode_s += r["usage"]["completion_tokens"] / r["usage"]["extra"]["decode_tokens_per_s"]
    if c["finish_reason"] == "length":
        cut += 1
    else:
        try:
            jsonschema.validate(json.loads(c["message"]["content"]), schema)
            ok += 1
        except Exception as ex:  # noqa: BLE001
            bad += 1
            print(f"INVALID {name} seed {seed}: {ex}: {c['message']['content'][:300]!r}", flush=True)
    if len(outs) % 10 == 0:
        print(f"  {len(outs)}/{len(jobs)}: {ok} ok, {bad} invalid, {cut} cut, {refused} refused, "
              f"{time.time() - t0:.0f} s", flush=True)
proc.wait()
wall = time.time() - t0
missing = len(jobs) - len(outs)
print(f"structured_suite: {len(paths)} schemas x {SEEDS} seeds = {len(jobs)} requests; "
      f"{ok} parse+validate, {bad} invalid, {cut} cut by max_tokens {MAXT}, {refused} refused, {missing} missing; "
      f"{tokens} tokens, {tokens / decode_s if decode_s else 0:.1f} tok/s decode, {wall:.0f} s wall")
sys.exit(1 if bad or missing else 0)
