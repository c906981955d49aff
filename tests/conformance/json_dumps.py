#!/usr/bin/env python3
"""Compares json_write (through `wick-mkmodel json-roundtrip`) with Python's
json.dumps(json.loads(line), ...) on random documents, many doubles (random
bit patterns, powers of two, short decimals) and hand-written edge cases,
under several option sets. Also checks that malformed documents are
rejected. Usage: json_dumps.py WICK_MKMODEL [SEED]"""
import json
import math
import random
import struct
import subprocess
import sys

MK = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 1234
rng = random.Random(SEED)


def rand_char():
    r = rng.random()
    if r < 0.5:
        return chr(rng.randint(0x20, 0x7E))
    if r < 0.6:
        return rng.choice('"\\/\b\f\n\r\t\x00\x01\x1f\x7f')
    if r < 0.8:
        return chr(rng.randint(0x80, 0x7FF))
    if r < 0.9:
        c = rng.randint(0x800, 0xFFFD)
        return chr(c) if not 0xD800 <= c <= 0xDFFF else "x"
    return chr(rng.randint(0x10000, 0x10FFFF))


def rand_str():
    return "".join(rand_char() for _ in range(rng.randint(0, 12)))


def rand_double():
    r = rng.random()
    if r < 0.4:  # any bit pattern
        while True:
            f = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
            if math.isfinite(f):
                return f
    if r < 0.6:
        return rng.uniform(-1e6, 1e6)
    if r < 0.8:
        return float(f"{rng.randint(0, 99999)}e{rng.randint(-30, 30)}")
    return rng.choice([0.0, -0.0, 1.0, 0.1, 1e-5, 1e16, 1e15, 123456789012345.0, 5e-324,
                       1.7976931348623157e308, 2.2250738585072014e-308, 0.0001, 9.999999999999999e22])


def rand_int():
    r = rng.random()
    if r < 0.5:
        return rng.randint(-1000, 1000)
    if r < 0.9:
        return rng.randint(-(2**63), 2**63 - 1)
    return rng.choice([0, -(2**63), 2**63 - 1])


def rand_value(depth=0):
    r = rng.random()
    if depth > 4 or r < 0.5:
        leaf = [lambda: None, lambda: True, lambda: False, rand_int, rand_double, rand_str, rand_str]
        return rng.choice(leaf)()
    if r < 0.75:
        return [rand_value(depth + 1) for _ in range(rng.randint(0, 5))]
    return {rand_str(): rand_value(depth + 1) for _ in range(rng.randint(0, 5))}


lines = []
for _ in range(3000):
    lines.append(json.dumps(rand_value(), ensure_ascii=rng.random() < 0.5))
# doubles, 200 per line
for _ in range(100):
    lines.append(json.dumps([rand_double() for _ in range(200)]))
lines.append(json.dumps([2.0**e for e in range(-1074, 1024)]))
lines.append(json.dumps([-(2.0**e) * 3 for e in range(-1074, 1022)]))
# hand-written input forms (Python reads them; we must print what dumps prints)
lines += [
    '1e400', '-1e400', '1e-400', '-1e-400', '-0', '0', '-0.0', '1E2', '1e+2', '1.5E-3',
    '9223372036854775807', '-9223372036854775808', '123456789012345678', '2.50',
    '"\\u00e9\\ud83d\\ude00\\/\\u0000"', '  {"a" : [ ] , "b" : { } }  ', '"\x7f"',
    '{"a":1,"a":2,"b":3,"a":4}', '[[[[[[]]]]]]', '0.1', '100000000000000000000.0',
    '0.30000000000000004', '1.7976931348623157e308', '4.9e-324', '2.4703282292062328e-324',
]
bad = [
    '', ' ', '[1,]', '{"a":1,}', '[1 2]', '{"a"}', '{1:2}', "'a'", '01', '-', '1.', '.5',
    '1e', '+1', '"\\x"', '"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '"a\tb"', 'tru', 'nul',
    'NaN', 'Infinity', '[1]x', '"abc', '[' * 600 + ']' * 600, '"\\u12"', '{"a":1 "b":2}',
]

option_sets = [
    dict(indent=None, ensure_ascii=True),
    dict(indent=None, ensure_ascii=False),
    dict(indent=2, ensure_ascii=True),
    dict(indent=0, ensure_ascii=False),
    dict(indent=4, ensure_ascii=True, sort_keys=True),
    dict(indent=None, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
    dict(indent=1, ensure_ascii=True, separators=(", ", " = ")),
]

failures = 0
cases = 0
for opts in option_sets:
    args = [MK, "json-roundtrip"]
    if opts.get("indent") is not None:
        args += ["--indent", str(opts["indent"])]
    args += ["--ensure-ascii", "1" if opts["ensure_ascii"] else "0"]
    if opts.get("sort_keys"):
        args.append("--sort-keys")
    if "separators" in opts:
        args += ["--item-sep", opts["separators"][0], "--key-sep", opts["separators"][1]]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    out = subprocess.run(args, input=data, stdout=subprocess.PIPE, check=True).stdout.decode("utf-8")
    expected = "".join(json.dumps(json.loads(l), **opts) + "\n" for l in lines)
    cases += len(lines)
    if out != expected:
        # Find the differing documents (outputs may span lines when indented).
        got_docs = [json.dumps(json.loads(l), **opts) for l in lines]
        pos = 0
        shown = 0
        for i, exp in enumerate(got_docs):
            seg = out[pos:pos + len(exp) + 1]
            if seg != exp + "\n":
                failures += 1
                if shown < 5:
                    print(f"MISMATCH opts={opts} line {i + 1}:\n  input    {lines[i][:300]!r}\n"
                          f"  expected {exp[:300]!r}\n  got      {seg[:300]!r}")
                    shown += 1
                break  # later documents cannot be lined up reliably
            pos += len(exp) + 1

# malformed documents must be rejected, with line and column
data = ("\n".join(bad) + "\n").encode("utf-8")
out = subprocess.run([MK, "json-roundtrip"], input=data, stdout=subprocess.PIPE, check=True).stdout.decode()
got = out.split("\n")[:-1]
bad_fail = 0
for src, res in zip(bad, got):
    if not res.startswith("ERROR: ") or "line " not in res or "column " not in res:
        bad_fail += 1
        print(f"NOT REJECTED: {src[:60]!r} -> {res[:200]!r}")
if len(got) != len(bad):
    bad_fail += 1
    print(f"expected {len(bad)} result lines for malformed input, got {len(got)}")

n_doubles = 100 * 200 + 2 * 2100
print(f"json_dumps: {cases} document comparisons ({len(lines)} documents x {len(option_sets)} option sets, "
      f"~{n_doubles} doubles), {failures} option sets with mismatches; "
      f"{len(bad)} malformed documents, {bad_fail} not rejected")
sys.exit(1 if failures or bad_fail else 0)
