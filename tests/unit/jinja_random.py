#!/usr/bin/env python3
"""Random templates for differential testing against jinja2: writes a case
file in the format of tests/unit/jinja_cases.json (which test_jinja replays
with WICK_JINJA_CASES=...), with jinja2's output or error for each.

    python3 tests/unit/jinja_random.py --mode expr --seed 1 --count 2000 --out FILE
    python3 tests/unit/jinja_random.py --mode chat --seed 1 --count 1000 --out FILE

  expr: random expressions and statements over mixed values (most raise in
        jinja2; the engine must raise too, and match every output);
  chat: chat-template-shaped loops over messages with random whitespace
        control, trim/lstrip situations, namespaces, macros, tojson.
Seeds make the cases reproducible (tests/conformance/jinja_random.sh).
"""
import argparse
import copy
import json
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jinja_cases import NOW, make_env  # noqa: E402

R = random.Random(1)
warnings.simplefilter("ignore")  # jinja2 compiles literal subscripts Python warns about

# ------------------------------------------------------------------ expr mode
VARS = {"a": 3, "b": -2, "x": 2.5, "s": "Hello wörld", "t": "a,b,,c", "e": "", "l": [3, 1, 2], "m": ["b", "A", "c"],
        "d": {"k": "v", "n": 1, "items": 5}, "z": None, "yes": True, "no": False,
        "p": [{"name": "x", "age": 3}, {"name": "Y", "age": 1}, {"name": "z"}], "u": "ÄßÇ ǆ", "q": "it's \"q\""}
NAMES = list(VARS) + ["undef", "loop"]
STRS = ["'a'", "'x,y'", "\"q'\"", "'Ünï'", "''", "' pad '", "'%s'", "'{}'", "'<t>'", "'\\n'"]
FILTERS = ["upper", "lower", "title", "capitalize", "trim", "length", "first", "last", "list", "sort", "unique|list",
           "reverse|list", "join(',')", "join", "default('D')", "d(0, true)", "int", "float", "string", "abs", "round",
           "round(1)", "tojson", "tojson(indent=2)", "items|list", "dictsort", "sum", "min", "max", "wordcount",
           "replace('a', 'b')", "truncate(5)", "center(9)", "indent(2)", "indent(2, true)", "select('odd')|list",
           "reject('even')|list", "map('string')|list", "map(attribute='name')|list", "selectattr('age')|list",
           "rejectattr('age', 'gt', 2)|list", "batch(2)|list", "slice(2)|list", "e", "count", "format(1)",
           "sort(attribute='age')|list", "unique(attribute='age')|list", "list|length", "dictsort(reverse=true)"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence",
         "odd", "even", "divisibleby 2", "eq 3", "ne 1", "lt 2", "gt 1", "in l", "boolean", "true", "false",
         "callable", "lower", "upper", "sameas none"]
METHODS = ["upper()", "lower()", "strip()", "split(',')", "split()", "rsplit(',', 1)", "startswith('H')",
           "endswith('d')", "replace('l', 'L')", "find('o')", "count('l')", "title()", "capitalize()", "lstrip('H')",
           "rstrip('d')", "splitlines()", "isdigit()", "isalpha()", "center(12, '*')", "zfill(8)",
           "partition(',')", "format(1, 2)", "join(['1', '2'])", "get('k')", "items()|list", "keys()|list",
           "values()|list", "index(1)", "ljust(9)"]

def atom(depth):
    r = R.random()
    if r < 0.3: return R.choice(NAMES)
    if r < 0.45: return str(R.choice([0, 1, 2, -1, 7, 10, 255]))
    if r < 0.5: return R.choice(["0.5", "1.0", "2.25", "1e3", "-0.0"])
    if r < 0.65: return R.choice(STRS)
    if r < 0.7: return R.choice(["true", "false", "none", "True", "None"])
    if r < 0.8: return "[" + ", ".join(expr(depth + 1) for _ in range(R.randint(0, 3))) + "]"
    if r < 0.85: return "(" + expr(depth + 1) + ",)"
    if r < 0.9: return "{" + ", ".join(R.choice(STRS) + ": " + expr(depth + 1) for _ in range(R.randint(0, 2))) + "}"
    return "(" + expr(depth + 1) + ")"

def postfix(e, depth):
    r = R.random()
    if r < 0.1: return e + "." + R.choice(["k", "n", "name", "items", "0", "upper", "x"])
    if r < 0.2: return e + "[" + R.choice(["0", "-1", "1", "'k'", "'name'", "5"]) + "]"
    if r < 0.28: return e + "[" + R.choice(["1:", ":2", "::-1", "1:-1", "::2", "-2:"]) + "]"
    if r < 0.4: return e + "." + R.choice(METHODS)
    return e

def expr(depth=0):
    if depth > 3: return atom(depth)
    r = R.random()
    if r < 0.35: return postfix(atom(depth), depth)
    if r < 0.5: return expr(depth + 1) + "|" + R.choice(FILTERS)
    if r < 0.6: return expr(depth + 1) + " is " + R.choice(["", "not "]) + R.choice(TESTS)
    if r < 0.75: return expr(depth + 1) + " " + R.choice(["+", "-", "*", "/", "//", "%", "~", "**", "==", "!=", "<", ">=", "in", "not in", "and", "or"]) + " " + expr(depth + 1)
    if r < 0.8: return "not " + expr(depth + 1)
    if r < 0.85: return "-" + atom(depth + 1)
    if r < 0.92: return expr(depth + 1) + " if " + expr(depth + 1) + (" else " + expr(depth + 1) if R.random() < 0.7 else "")
    return "(" + expr(depth + 1) + ")"

def stmt(depth=0):
    r = R.random()
    ws = R.choice(["", "-"])
    ws2 = R.choice(["", "-"])
    nl = R.choice(["", "\n", "\n  ", " "])
    if depth > 2 or r < 0.4: return "{{%s %s %s}}%s" % (ws, expr(), ws2, nl)
    if r < 0.55: return "{%%%s if %s %s%%}%s%s{%% else %%}%s{%% endif %%}%s" % (ws, expr(), ws2, nl, body(depth + 1), body(depth + 1), nl)
    if r < 0.7:
        v = R.choice(["i", "k, v"])
        it = R.choice(["l", "m", "p", "d.items()", "s", "range(3)", expr()])
        return "{%% for %s in %s %%}%s{{ loop.index }}%s{%% endfor %%}%s" % (v, it, nl, body(depth + 1), nl)
    if r < 0.8: return "{%% set %s = %s %%}%s" % (R.choice(["a", "w", "s"]), expr(), nl)
    if r < 0.85: return "{%% set ns = namespace(c=0) %%}{%% for i in l %%}{%% set ns.c = ns.c + i %%}{%% endfor %%}{{ ns.c }}%s" % nl
    if r < 0.9: return "{%% macro mm(p, q=2) %%}[{{ p }}{{ q }}]{%% endmacro %%}{{ mm(%s) }}%s" % (expr(), nl)
    return "  {# c #}" + nl

def body(depth):
    return "".join(stmt(depth) for _ in range(R.randint(1, 3)))


# ------------------------------------------------------------------ chat mode
MSGS = [{"role": "system", "content": "  Sys prompt.\n"}, {"role": "user", "content": "Hi <b>there</b> ünï 😀"},
        {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nHello!", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"x": 1, "y": [1.5, None, "s"]}}}]},
        {"role": "tool", "content": "{\"r\": 2}"}, {"role": "user", "content": "Again?"}]
TOOLS = [{"type": "function", "function": {"name": "f", "description": "Does f", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "array"}}, "required": ["x"]}}}]
CHAT_VARS = {"messages": MSGS, "tools": TOOLS, "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>", "enable_thinking": False}
WS = ["", " ", "  ", "\n", "\n\n", " \n", "\n  ", "\t", "\n\t ", "x", "\u00a0", " y\n"]
def ws(): return R.choice(WS)
def o(kind):  # opening delimiter
    return {"b": "{%", "v": "{{", "c": "{#"}[kind] + R.choice(["", "", "-", "+"] if kind != "v" else ["", "", "-"]) + " "
def cl(kind):
    return " " + R.choice(["", "", "-"] + (["+"] if kind == "b" else [])) + {"b": "%}", "v": "}}", "c": "#}"}[kind]
def tag(body): return o("b") + body + cl("b")
def out(e): return o("v") + e + cl("v")
EXPRS = ["message.role", "message.content", "message.content|trim", "message.content.split('</think>')[-1].lstrip('\\n')",
         "loop.index", "loop.index0", "loop.first", "loop.last", "loop.length", "loop.revindex", "(loop.previtem or {}).role",
         "message.tool_calls|length if message.tool_calls is defined else 0", "message.content.startswith('<')",
         "message.content|replace('\\n', ' ')", "message['role']|upper", "message.content|length",
         "message|tojson", "message.content|tojson", "message.tool_calls[0].function.arguments|tojson if message.tool_calls else ''",
         "ns.count", "ns.text[-10:]", "loop.cycle('a', 'b')", "message.role ~ ':' ~ loop.index",
         "message.content.split()|join('_')", "message.content[:5]", "message.content|wordcount",
         "(message.content|lower).count('h')", "message.get('tool_calls', [])|length", "messages|selectattr('role', 'equalto', message.role)|list|length"]
CONDS = ["message.role == 'user'", "message.role == 'assistant'", "loop.first", "loop.last", "not loop.first",
         "message.tool_calls is defined", "'<think>' in message.content", "message.content|length > 10",
         "loop.index is even", "add_generation_prompt", "enable_thinking is defined and enable_thinking is false",
         "message.role in ['system', 'tool']", "tools and loop.first"]
def block(depth):
    parts = []
    for _ in range(R.randint(1, 4)):
        r = R.random()
        parts.append(ws())
        if r < 0.35 or depth > 2:
            parts.append(out(R.choice(EXPRS)))
        elif r < 0.55:
            parts.append(tag("if " + R.choice(CONDS)) + block(depth + 1) + (tag("elif " + R.choice(CONDS)) + block(depth + 1) if R.random() < 0.3 else "") + (tag("else") + block(depth + 1) if R.random() < 0.5 else "") + tag("endif"))
        elif r < 0.65:
            parts.append(tag("set ns.count = ns.count + 1"))
        elif r < 0.72:
            parts.append(tag("set ns.text = ns.text ~ message.role"))
        elif r < 0.8:
            parts.append(tag("set local = " + R.choice(EXPRS)) + out("local"))
        elif r < 0.88:
            parts.append(o("c") + "note" + ws() + cl("c"))
        elif r < 0.94:
            parts.append(tag("for tc in message.tool_calls if message.tool_calls is defined") + out("tc.function.name") + out("tc.function.arguments|tojson(indent=" + R.choice(["None", "2", "0"]) + ")") + tag("endfor"))
        else:
            parts.append(out("m(message.role" + R.choice(["", ", 'X'", ", sep='|'"]) + ")"))
        parts.append(R.choice(["", "text ", "\n", "  "]))
    return "".join(parts)
def template():
    t = tag("set ns = namespace(count=0, text='')") + ws()
    t += tag("macro m(a, b='-', sep=':')") + ws() + out("a ~ sep ~ b") + ws() + tag("endmacro") + ws()
    if R.random() < 0.5: t += out("bos_token") + ws()
    loop_if = R.choice(["", "", " if message.role != 'system'", " if not loop.first" if False else ""])
    t += tag("for message in messages" + loop_if) + block(0) + tag("else") + "none" + tag("endfor") + ws()
    t += out("ns.count") + ws() + out("ns.text") + ws()
    t += tag("if add_generation_prompt") + ws() + "<|assistant|>" + ws() + tag("endif") + R.choice(["", "\n", "\n\n"])
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["expr", "chat"], default="expr")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    R.seed(args.seed)
    env = make_env()
    variables = VARS if args.mode == "expr" else CHAT_VARS
    cases = []
    for i in range(args.count):
        tpl = body(0) if args.mode == "expr" else template()
        entry = {"name": "%s%d-%05d" % (args.mode, args.seed, i), "template": tpl}
        try:
            entry["expect"] = env.from_string(tpl).render(**copy.deepcopy(variables))
        except RecursionError:
            continue
        except Exception as e:  # the engine must fail too
            entry["error"] = str(e)
            entry["error_type"] = type(e).__name__
            entry["same_msg"] = False
        # outputs that print object identities or Markup reprs cannot match
        if "expect" in entry and ("<generator" in entry["expect"] or " at 0x" in entry["expect"] or
                                  "Markup(" in entry["expect"]):
            continue
        cases.append(entry)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"now": NOW, "default_vars": variables, "cases": cases}, f, ensure_ascii=False)
    print("%s: %d %s cases (%d expected errors)" % (args.out, len(cases), args.mode,
                                                   sum("error" in c for c in cases)))


if __name__ == "__main__":
    main()
