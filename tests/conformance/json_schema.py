#!/usr/bin/env python3
"""JSON Schema -> grammar conformance over tests/data/json_schemas/.

For every schema: the converter (through the json-schema-check tool) must
succeed, or fail with the message in "x-wick-expect-error". For each that
converts, a small instance generator makes documents that follow Wick's
generation policy (json_schema.h: declared property order, closed objects,
anchored patterns, format subsets); each must validate with Python
`jsonschema` (formats checked) AND be accepted by the grammar, written three
ways (json.dumps default, compact, indent=2). Mutations of them (a required
key dropped, a value of the wrong type, an unknown key) that `jsonschema`
rejects must be rejected by the grammar too (the grammar never accepts an
invalid document).

usage: json_schema.py TOOL [SEED]
"""
import copy
import json
import os
import random
import subprocess
import sys

import jsonschema

try:
    import re._parser as sre_parse
    from re._constants import (ANY, AT, BRANCH, CATEGORY, IN, LITERAL, MAX_REPEAT, MIN_REPEAT,
                               NEGATE, NOT_LITERAL, RANGE, SUBPATTERN, CATEGORY_DIGIT,
                               CATEGORY_WORD, CATEGORY_SPACE, MAXREPEAT)
except ImportError:  # Python < 3.11
    import sre_parse
    from sre_constants import (ANY, AT, BRANCH, CATEGORY, IN, LITERAL, MAX_REPEAT, MIN_REPEAT,
                               NEGATE, NOT_LITERAL, RANGE, SUBPATTERN, CATEGORY_DIGIT,
                               CATEGORY_WORD, CATEGORY_SPACE, MAXREPEAT)

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "data", "json_schemas")
CHARS = "abcXYZ019 _-\"\\\n\u00e9\u65e5"


# ---------------------------------------------------------------- regexes
def cat_chars(c):
    return {CATEGORY_DIGIT: "0123456789", CATEGORY_WORD: "abzAZ09_",
            CATEGORY_SPACE: " \t\n"}.get(c, "a")


def sample_in(r, items):
    neg = any(op == NEGATE for op, _ in items)
    pool = set()
    for op, av in items:
        if op == LITERAL:
            pool.add(chr(av))
        elif op == RANGE:
            lo, hi = av
            pool.update(chr(x) for x in range(lo, min(hi, lo + 60) + 1))
            pool.add(chr(hi))
        elif op == CATEGORY:
            pool.update(cat_chars(av))
    if neg:
        cand = [c for c in "aZ5 !~\u00e9#@" if c not in pool]
        return r.choice(cand)
    return r.choice(sorted(pool))


def sample_re(r, parsed):
    out = []
    for op, av in parsed:
        if op == LITERAL:
            out.append(chr(av))
        elif op == NOT_LITERAL:
            out.append("a" if chr(av) != "a" else "b")
        elif op == ANY:
            out.append(r.choice("aZ9 -\u00e9"))
        elif op == IN:
            out.append(sample_in(r, av))
        elif op == BRANCH:
            out.append(sample_re(r, r.choice(av[1])))
        elif op == SUBPATTERN:
            out.append(sample_re(r, av[-1]))
        elif op in (MAX_REPEAT, MIN_REPEAT):
            lo, hi, sub = av
            hi = lo + 3 if hi == MAXREPEAT else hi
            out.extend(sample_re(r, sub) for _ in range(r.randint(lo, min(hi, lo + 3))))
        elif op == AT:
            pass
        elif op == CATEGORY:
            out.append(r.choice(cat_chars(av)))
        else:
            raise ValueError("regex op %s" % op)
    return "".join(out)


def label(r):
    return "".join(r.choice("abcxyz0189") for _ in range(r.randint(1, 8)))


FORMATS = {
    "date": lambda r: "%04d-%02d-%02d" % (r.randint(1900, 2099), r.randint(1, 12), r.randint(1, 28)),
    "time": lambda r: "%02d:%02d:%02d%s" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59),
                                              r.choice(["Z", "+02:00", ".123Z", "-05:30"])),
    "uuid": lambda r: "%08x-%04x-%04x-%04x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(16),
                                                     r.getrandbits(16), r.getrandbits(48)),
    "email": lambda r: "%s.%s@%s.com" % (label(r), label(r), label(r)),
    "hostname": lambda r: "%s.%s" % (label(r), r.choice(["com", "org", "io"])),
    "ipv4": lambda r: ".".join(str(r.randint(0, 255)) for _ in range(4)),
    "ipv6": lambda r: ":".join("%x" % r.getrandbits(16) for _ in range(8)),
    "uri": lambda r: "https://%s.com/%s?q=%s" % (label(r), label(r), label(r)),
}
FORMATS["date-time"] = lambda r: FORMATS["date"](r) + "T" + FORMATS["time"](r)


# ---------------------------------------------------------------- instances
class Gen:
    def __init__(self, root, r):
        self.root, self.r = root, r

    def resolve(self, ref):
        node = self.root
        for seg in ref[2:].split("/") if ref != "#" else []:
            seg = seg.replace("~1", "/").replace("~0", "~")
            node = node[int(seg)] if isinstance(node, list) else node[seg]
        return node

    def flatten(self, s):
        """$ref and allOf folded in (Wick's merge), annotations kept."""
        if s is True or s == {}:
            return {}
        s = dict(s)
        if "$ref" in s:
            t = self.flatten(self.resolve(s.pop("$ref")))
            s = merge(t, s)
        if "allOf" in s:
            parts = s.pop("allOf")
            for p in parts:
                s = merge(s, self.flatten(p))
        return s

    def gen(self, s, depth=0):
        r = self.r
        s = self.flatten(s)
        for key in ("anyOf", "oneOf"):
            if key in s:
                branches = s[key]
                sib = {k: v for k, v in s.items() if k != key}
                if depth > 3:  # prefer branches that end recursion
                    flat = [b for b in branches if "$ref" not in json.dumps(b)]
                    branches = flat or branches
                return self.gen(merge(sib, self.flatten(r.choice(branches))), depth + 1)
        if "const" in s:
            return s["const"]
        if "enum" in s:
            t = s.get("type")
            vals = [v for v in s["enum"] if t is None or type_ok(v, t)]
            return copy.deepcopy(r.choice(vals))
        t = s.get("type")
        types = t if isinstance(t, list) else [t] if t else infer(s)
        # "nullable" (OpenAPI) is not JSON Schema: jsonschema would reject
        # the null that Wick allows, so the generator never makes it
        if "number" in types and "integer" in types:
            types = [x for x in types if x != "integer"] + ["number"]
        t = r.choice(types)
        if t == "null":
            return None
        if t == "boolean":
            return r.random() < 0.5
        if t == "integer":
            lo, hi = bounds(s, True)
            return r.randint(lo, hi)
        if t == "number":
            lo, hi = bounds(s, False)
            v = round(r.uniform(lo, hi), r.choice([0, 1, 3]))
            if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"] or v < lo:
                v = float(hi)
            return int(v) if r.random() < 0.3 and v == int(v) else v
        if t == "string":
            if "pattern" in s:
                return sample_re(r, sre_parse.parse(s["pattern"]))
            if s.get("format") in FORMATS:
                return FORMATS[s["format"]](r)
            lo = s.get("minLength", 0)
            hi = min(s.get("maxLength", lo + 12), lo + 12)
            return "".join(r.choice(CHARS) for _ in range(r.randint(lo, hi)))
        if t == "array":
            return self.gen_array(s, depth)
        if t == "object":
            return self.gen_object(s, depth)
        return self.gen({"type": r.choice(["integer", "string", "boolean", "null"])}, depth)

    def gen_array(self, s, depth):
        r = self.r
        prefix = s.get("prefixItems")
        tail = s.get("items", None if prefix else {})
        if isinstance(s.get("items"), list):
            prefix, tail = s["items"], s.get("additionalItems")
        prefix = prefix or []
        if tail is False:
            tail = None
        lo = s.get("minItems", 0)
        hi = s.get("maxItems", lo + 3)
        if tail is None:
            hi = min(hi, len(prefix))
        if depth > 3:
            hi = lo
        n = r.randint(lo, min(hi, lo + 3))
        return [self.gen(prefix[i] if i < len(prefix) else tail, depth + 1) for i in range(n)]

    def gen_object(self, s, depth):
        r = self.r
        props = s.get("properties", {})
        req = s.get("required", [])
        addl = s.get("additionalProperties")
        if not props and not req and addl is None:
            addl = True
        out = {}
        for k in list(props) + [k for k in req if k not in props]:
            if k in req:
                out[k] = self.gen(props.get(k, addl if isinstance(addl, dict) else {}), depth + 1)
        for k in props:
            if k not in req and r.random() < (0.6 if depth < 3 else 0.0):
                out[k] = self.gen(props[k], depth + 1)
        if addl is not None and addl is not False and depth < 3:
            for _ in range(r.randint(0, 2)):
                k = "extra_" + label(r)
                if k not in props:
                    out[k] = self.gen(addl if isinstance(addl, dict) else {"type": "integer"}, depth + 1)
        return out


def merge(a, b):
    out = dict(a)
    for k, v in b.items():
        if k == "properties":
            out["properties"] = dict(out.get("properties", {}), **v)
        elif k == "required":
            out["required"] = list(dict.fromkeys(out.get("required", []) + v))
        elif k == "type" and k in out and out[k] != v:
            out[k] = "integer"
        else:
            out[k] = v
    return out


def infer(s):
    found = []
    if any(k in s for k in ("properties", "required", "additionalProperties")):
        found.append("object")
    if any(k in s for k in ("items", "prefixItems", "minItems", "maxItems")):
        found.append("array")
    if any(k in s for k in ("pattern", "minLength", "maxLength")) or (
            "format" in s and s["format"] not in ("int32", "int64", "float", "double")):
        found.append("string")
    if any(k in s for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
        found.append("number")
    return found or ["null", "boolean", "integer", "number", "string", "array", "object"]


def type_ok(v, t):
    ts = t if isinstance(t, list) else [t]
    kind = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string",
            list: "array", dict: "object"}[type(v)]
    return kind in ts or (kind == "integer" and "number" in ts)


def bounds(s, integer):
    lo, hi = -1000, 1000
    if "minimum" in s:
        lo = s["minimum"]
        if s.get("exclusiveMinimum") is True:
            lo += 1
    if "exclusiveMinimum" in s and not isinstance(s["exclusiveMinimum"], bool):
        lo = s["exclusiveMinimum"] + 1
    if "maximum" in s:
        hi = s["maximum"]
        if s.get("exclusiveMaximum") is True:
            hi -= 1
    if "exclusiveMaximum" in s and not isinstance(s["exclusiveMaximum"], bool):
        hi = s["exclusiveMaximum"] - 1
    if "minimum" in s and "maximum" not in s and "exclusiveMaximum" not in s:
        hi = lo + 1000
    if ("maximum" in s or "exclusiveMaximum" in s) and "minimum" not in s and "exclusiveMinimum" not in s:
        lo = hi - 1000
    return (int(lo), int(hi)) if integer else (lo, hi)


# ---------------------------------------------------------------- mutations
def mutations(doc, r):
    out = []
    paths = []

    def walk(v, path):
        paths.append(path)
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, path + [k])
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, path + [i])

    walk(doc, [])
    for _ in range(4):
        d = copy.deepcopy(doc)
        p = r.choice(paths)
        parent, key = None, None
        node = d
        for seg in p:
            parent, key, node = node, seg, node[seg]
        kind = r.randrange(3)
        if kind == 0 and isinstance(node, dict) and node:
            del node[r.choice(list(node))]
        elif kind == 1 and isinstance(node, dict):
            node["zz_unknown"] = 1
        else:
            bad = r.choice([True, "x", 1.5, None, [], {}, 12345678])
            if parent is None:
                d = bad
            else:
                parent[key] = bad
        out.append(d)
    return out


def main():
    tool = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    files = sorted(f for f in os.listdir(CORPUS) if f.endswith(".json"))
    fails, n_pos, n_neg, n_err = [], 0, 0, 0
    for fname in files:
        path = os.path.join(CORPUS, fname)
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        expect = schema.get("x-wick-expect-error") if isinstance(schema, dict) else None
        r = random.Random("%s:%d" % (fname, seed))
        texts, labels = [], []
        if not expect:
            cls = jsonschema.validators.validator_for(schema)
            v = cls(schema, format_checker=cls.FORMAT_CHECKER)
            g = Gen(schema, r)
            for _ in range(6):
                doc = g.gen(schema)
                errs = list(v.iter_errors(doc))
                if errs:
                    fails.append("%s: generated instance does not validate (generator bug?): %s: %s"
                                 % (fname, json.dumps(doc)[:200], errs[0].message[:200]))
                    continue
                for t in (json.dumps(doc, ensure_ascii=False), json.dumps(doc, separators=(",", ":"), ensure_ascii=False),
                          json.dumps(doc, indent=2, ensure_ascii=False)):
                    texts.append(t)
                    labels.append(True)
                for m in mutations(doc, r):
                    if not v.is_valid(m):
                        texts.append(json.dumps(m))
                        labels.append(False)
        res = subprocess.run([tool, path], input=json.dumps(texts), capture_output=True, text=True)
        lines = res.stdout.splitlines()
        if res.returncode != 0 or not lines:
            fails.append("%s: tool failed (rc %d): %s" % (fname, res.returncode, res.stderr[-500:]))
            continue
        if expect:
            n_err += 1
            if not lines[0].startswith("error:") or expect not in lines[0]:
                fails.append("%s: expected an error containing %r, got %r" % (fname, expect, lines[0]))
            continue
        if lines[0] != "ok":
            fails.append("%s: %s" % (fname, lines[0]))
            continue
        for t, want, got in zip(texts, labels, lines[1:]):
            if want:
                n_pos += 1
            else:
                n_neg += 1
            if (got == "1") != want:
                fails.append("%s: %s %s" % (fname, "valid document rejected:" if want else
                                            "INVALID document accepted:", t[:300]))
    for f in fails[:40]:
        print("FAIL " + f)
    print("json_schema: %d schemas (%d expected errors), %d valid texts accepted-checked, "
          "%d invalid texts rejected-checked, %d failures"
          % (len(files), n_err, n_pos, n_neg, len(fails)))
    return 1 if fails or len(files) < 200 else 0


if __name__ == "__main__":
    sys.exit(main())
