#!/usr/bin/env python3
"""Chat template conformance: `wick template` against jinja2 with Hugging Face
apply_chat_template semantics.

    python3 suite.py generate   # (re)write expected/ from cases.json with jinja2
    python3 suite.py check      # expected/ still equals what jinja2 renders now
    python3 suite.py crosscheck # expected/ equals real transformers' apply_chat_template
    python3 suite.py run        # check (and crosscheck if transformers is installed),
                                # then run $WICK_BIN on every case

cases.json lists, per template, its bos/eos text (null: read from the model
file) and the cases: a conversation file, add_generation_prompt ("gen") and
extra template variables. A conversation file is a JSON array of messages or
an object {"messages", "tools", <other keys: template variables>}, the same
input `wick template --messages` takes.

Expected results, one file per case under expected/<template>/:
  <case>.out    the rendered prompt, byte for byte
  <case>.raise  the template called raise_exception(msg): the file holds msg;
                wick must exit 1 and print msg on stderr
  <case>.error  jinja2 failed otherwise (a TypeError for None + str ...): the
                file holds Python's error for reference; wick must exit 1 with
                a message on stderr and nothing on stdout

The rendering reproduces transformers 5.24's apply_chat_template(...,
tokenize=False) (utils/chat_template_utils.py and tokenization_utils_base.py):
  - environment: ImmutableSandboxedEnvironment(trim_blocks=True,
    lstrip_blocks=True) with loopcontrols and a {% generation %} block tag;
    tojson = json.dumps(x, ensure_ascii=False, indent=, separators=,
    sort_keys=) (no HTML escaping); raise_exception(msg) raises
    TemplateError(msg); strftime_now(fmt); `dict` (call and fromkeys only);
    `namespace` refusing underscore-prefixed names;
  - inputs: an empty conversation is an error; in every message the keys
    whose value is None are dropped (so content=None reads as undefined);
    reasoning_content/thinking/reasoning are copied to both "thinking" and
    "reasoning_content";
  - render(messages=, tools= (None when absent), documents= (None when
    absent), add_generation_prompt=, bos_token=, eos_token= (the tokenizer's
    special tokens), **extra variables).
`suite.py crosscheck` renders every case with the real transformers (when it
is installed) and requires the same results.

strftime_now is pinned to cases.json's fixed_time (UTC); for templates that
call it, the suite runs wick with WICK_FIXED_TIME set to the same Unix time
(and TZ=UTC), which `wick template` hands to the engine as its clock.
"""

import concurrent.futures
import datetime
import difflib
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EXPECTED = os.path.join(HERE, "expected")
KINDS = ("out", "raise", "error")


# ------------------------------------------------------------------ jinja2 side

class RaisedByTemplate(Exception):
    """Marks errors that come from the template's own raise_exception()."""


def hf_environment(fixed_time):
    import jinja2
    import jinja2.ext
    import jinja2.nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class GenerationBlock(jinja2.ext.Extension):
        # transformers' AssistantTracker: {% generation %}...{% endgeneration %}
        # renders its body unchanged unless assistant masks are requested.
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_render_body"), [], [], body).set_lineno(lineno)

        def _render_body(self, caller):
            return caller()

    class TemplateRaise(jinja2.exceptions.TemplateError):
        pass

    def raise_exception(message):
        raise TemplateRaise(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    now = datetime.datetime.fromtimestamp(fixed_time, tz=datetime.timezone.utc).replace(tzinfo=None)

    def strftime_now(fmt):
        return now.strftime(fmt)

    class TemplateDict:
        # `dict` global: dict(...) and dict.fromkeys(...), nothing else reachable
        def __call__(self, *args, **kwargs):
            return dict(*args, **kwargs)

        def fromkeys(self, *args, **kwargs):
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(jinja2.utils.Namespace):
        # `namespace` global: refuses underscore-prefixed attribute names
        def __init__(*args, **kwargs):
            self, args = args[0], args[1:]
            for name in dict(*args, **kwargs):
                TemplateNamespace._check(name)
            jinja2.utils.Namespace.__init__(self, *args, **kwargs)

        def __setitem__(self, name, value):
            TemplateNamespace._check(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check(name):
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(
                    "Chat templates cannot store underscore-prefixed attributes on a namespace, but got %r. "
                    "Please rename the attribute." % name)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationBlock, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env, TemplateRaise


def read_text(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def gguf_special_tokens(path):
    """(bos text, eos text) from a GGUF's tokenizer metadata. A small reader of
    its own: gguf.GGUFReader takes ~30 s on Gemma's 262k-token vocabulary."""
    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
              10: "<Q", 11: "<q", 12: "<d"}
    with open(path, "rb") as f:
        data = f.read(64 << 20)  # metadata sits at the start; 64 MiB is plenty
    pos = 0

    def take(fmt):
        nonlocal pos
        (v,) = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v

    def string():
        nonlocal pos
        n = take("<Q")
        pos += n
        return data[pos - n:pos]

    def value(vtype):
        if vtype == 8:
            return string()
        if vtype == 9:
            etype, n = take("<I"), take("<Q")
            return [value(etype) for _ in range(n)]
        return take(scalar[vtype])

    if data[:4] != b"GGUF":
        raise ValueError("%s: not a GGUF file" % path)
    pos = 8
    take("<Q")  # tensor count
    kv = {}
    for _ in range(take("<Q")):
        key = string().decode("utf-8")
        kv[key] = value(take("<I"))
    tokens = kv["tokenizer.ggml.tokens"]

    def text(key):
        return tokens[kv[key]].decode("utf-8") if key in kv else ""

    return text("tokenizer.ggml.bos_token_id"), text("tokenizer.ggml.eos_token_id")


def load_manifest():
    with open(os.path.join(HERE, "cases.json"), encoding="utf-8") as f:
        return json.load(f)


def case_id(index, case):
    parts = ["%02d" % index, case["conv"]]
    if case.get("gen"):
        parts.append("gen")
    for k, v in (case.get("extra") or {}).items():
        parts.append(k if isinstance(v, (dict, list)) else "%s=%s" % (k, json.dumps(v).strip('"')))
    name = "-".join(parts)
    return "".join(ch if ch.isalnum() or ch in "._=+-" else "_" for ch in name)


def iter_cases(manifest):
    for tname, t in manifest["templates"].items():
        for i, case in enumerate(t["cases"]):
            yield tname, t, case_id(i, case), case


def tokens_for(t):
    if t.get("bos") is not None:
        return t["bos"], t["eos"]
    return gguf_special_tokens(os.path.join(ROOT, t["model"]))


REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")


def normalize_messages(messages):
    """What apply_chat_template does to messages before rendering: drops each
    message's keys whose value is None (content=None, tool_calls=None ...),
    then copies the first non-None of reasoning_content/thinking/reasoning to
    "thinking" (placed first unless present) and "reasoning_content"."""
    out = []
    for message in messages:
        if not isinstance(message, dict):
            raise TypeError("Chat messages should be dicts, dataclasses or pydantic models, but got %r." % message)
        message = {k: v for k, v in message.items() if v is not None}
        reasoning = next((message[k] for k in REASONING_FIELDS if message.get(k) is not None), None)
        if reasoning is not None:
            message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        out.append(message)
    return out


def render_reference(env, raise_type, t, case, token_cache):
    """Returns (kind, text): kind is 'out', 'raise' or 'error'."""
    tname = t["template"]
    if tname not in token_cache:
        token_cache[tname] = tokens_for(t)
    bos, eos = token_cache[tname]
    conv = json.loads(read_text(os.path.join(HERE, "conversations", case["conv"] + ".json")))
    variables = {}
    tools = None
    gen = bool(case.get("gen"))
    if isinstance(conv, dict):
        messages = conv["messages"]
        tools = conv.get("tools")
        gen = gen or bool(conv.get("add_generation_prompt", False))
        variables = {k: v for k, v in conv.items() if k not in ("messages", "tools", "add_generation_prompt")}
    else:
        messages = conv
    variables.update(case.get("extra") or {})
    documents = variables.pop("documents", None)
    if not messages:
        return "error", ("ValueError: Cannot apply chat template to an empty conversation. "
                         "Provide at least one message.")
    try:
        messages = normalize_messages(messages)
    except TypeError as e:
        return "error", "TypeError: %s" % e
    # apply_chat_template: {**special_tokens_map, **kwargs}
    kwargs = {"bos_token": bos, "eos_token": eos}
    kwargs.update(variables)
    try:
        key = ("compiled", tname)
        if key not in token_cache:
            token_cache[key] = env.from_string(read_text(os.path.join(HERE, t["template"])))
        template = token_cache[key]
        out = template.render(messages=messages, tools=tools, documents=documents,
                              add_generation_prompt=gen, **kwargs)
        return "out", out
    except raise_type as e:
        return "raise", str(e)
    except Exception as e:  # what Python raised instead of rendering
        return "error", "%s: %s" % (type(e).__name__, e)


def expected_path(tname, cid, kind):
    return os.path.join(EXPECTED, tname, "%s.%s" % (cid, kind))


def read_expected(tname, cid):
    for kind in KINDS:
        p = expected_path(tname, cid, kind)
        if os.path.exists(p):
            return kind, read_text(p)
    return None, None


def generate(manifest):
    env, raise_type = hf_environment(manifest["fixed_time"])
    if os.path.isdir(EXPECTED):
        shutil.rmtree(EXPECTED)
    counts = {k: 0 for k in KINDS}
    cache = {}
    for tname, t, cid, case in iter_cases(manifest):
        kind, text = render_reference(env, raise_type, t, case, cache)
        os.makedirs(os.path.join(EXPECTED, tname), exist_ok=True)
        with open(expected_path(tname, cid, kind), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        counts[kind] += 1
    print("generated %d cases for %d templates: %d outputs, %d raise_exception, %d other errors"
          % (sum(counts.values()), len(manifest["templates"]), counts["out"], counts["raise"], counts["error"]))


def check(manifest):
    """Expected files must equal what jinja2 renders now (no stale or edited ones)."""
    env, raise_type = hf_environment(manifest["fixed_time"])
    cache = {}
    problems = []
    seen = set()
    for tname, t, cid, case in iter_cases(manifest):
        kind, text = render_reference(env, raise_type, t, case, cache)
        ekind, etext = read_expected(tname, cid)
        seen.add(os.path.join(tname, "%s.%s" % (cid, ekind)))
        if (ekind, etext) != (kind, text):
            problems.append("%s/%s: expected file is %s, jinja2 now gives %s" % (tname, cid, ekind, kind))
    for d, _, files in os.walk(EXPECTED):
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), EXPECTED)
            if rel not in seen:
                problems.append("%s: not a case of cases.json" % rel)
    return problems


def crosscheck(manifest):
    """Renders every case with transformers' own apply_chat_template and
    compares with expected/. Returns (problems, None) or (None, why-skipped)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no "PyTorch was not found" notice
    try:
        import transformers
        import transformers.utils.chat_template_utils as ctu
        from tokenizers import Tokenizer
        from tokenizers.models import WordLevel
        from transformers import PreTrainedTokenizerFast
    except ImportError as e:
        return None, "transformers is not installed (%s)" % e
    fixed = datetime.datetime.fromtimestamp(manifest["fixed_time"], tz=datetime.timezone.utc).replace(tzinfo=None)

    class FixedClock(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed

    ctu.datetime = FixedClock  # strftime_now reads datetime.now() from that module
    problems = []
    tokenizers = {}
    for tname, t, cid, case in iter_cases(manifest):
        if tname not in tokenizers:
            bos, eos = tokens_for(t)
            tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]")),
                                          bos_token=bos or None, eos_token=eos or None)
            tok.chat_template = read_text(os.path.join(HERE, t["template"]))
            tokenizers[tname] = tok
        conv = json.loads(read_text(os.path.join(HERE, "conversations", case["conv"] + ".json")))
        kwargs, tools = {}, None
        if isinstance(conv, dict):
            messages, tools = conv["messages"], conv.get("tools")
            kwargs = {k: v for k, v in conv.items() if k not in ("messages", "tools", "add_generation_prompt")}
        else:
            messages = conv
        kwargs.update(case.get("extra") or {})
        try:
            got = "out", tokenizers[tname].apply_chat_template(
                messages, tools=tools, add_generation_prompt=bool(case.get("gen")), tokenize=False, **kwargs)
        except Exception as e:
            got = "exception", "%s: %s" % (type(e).__name__, e)
        kind, want = read_expected(tname, cid)
        if kind == "out":
            same = got == ("out", want)
        elif kind == "raise":
            same = got == ("exception", "TemplateError: " + want)
        else:
            same = got == ("exception", want)
        if not same:
            problems.append("%s/%s: expected %s %r, transformers %s gives %s %r"
                            % (tname, cid, kind, want[:120], transformers.__version__, got[0], got[1][:120]))
    return problems, None


# -------------------------------------------------------------------- wick side

def visible(text):
    """Text with control characters escaped, one entry per line (for diffs)."""
    lines = []
    for line in text.splitlines(keepends=True):
        out = []
        for ch in line:
            if ch == "\n":
                out.append("\\n")
            elif ch == "\t":
                out.append("\\t")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\\":
                out.append("\\\\")
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append("\\x%02x" % ord(ch))
            else:
                out.append(ch)
        lines.append("".join(out) + "\n")
    if lines and not text.endswith("\n"):
        lines[-1] = lines[-1][:-1] + "\u2400(no newline at end)\n"
    return lines


def wick_argv(wick, t, case):
    argv = [wick, "template"]
    if t.get("model"):
        argv += ["-m", os.path.join(ROOT, t["model"])]
    if not t.get("template_from_model"):
        argv += ["--template", os.path.join(HERE, t["template"])]
    argv += ["--messages", os.path.join(HERE, "conversations", case["conv"] + ".json")]
    if case.get("gen"):
        argv.append("--add-generation-prompt")
    if case.get("extra"):
        argv += ["--extra", json.dumps(case["extra"], ensure_ascii=False)]
    if not t.get("model"):
        argv += ["--bos", t["bos"], "--eos", t["eos"]]
    return argv


def run(manifest):
    wick = os.environ.get("WICK_BIN", os.path.join(ROOT, "build", "asan", "wick"))
    if not os.path.isabs(wick):
        wick = os.path.join(ROOT, wick)
    if not os.access(wick, os.X_OK):
        print("chat_template: %s is not an executable (build it, or set WICK_BIN)" % wick)
        return 1
    for t in manifest["templates"].values():
        if t.get("model") and not os.path.exists(os.path.join(ROOT, t["model"])):
            print("chat_template: %s is missing (run tests/setup/models.sh)" % t["model"])
            return 1

    started = time.time()
    problems = check(manifest)
    for p in problems:
        print("STALE " + p)
    cross, skipped = crosscheck(manifest)
    if skipped:
        print("chat_template: crosscheck with transformers skipped: " + skipped)
    for p in cross or []:
        print("DIFFERS " + p)
    problems += cross or []

    # The clock is pinned only for templates that read it, so the others (the
    # two GGUF models among them) take the public wick_chat_template_apply path.
    base_env = {k: v for k, v in os.environ.items() if k != "WICK_FIXED_TIME"}
    clock_env = dict(base_env, WICK_FIXED_TIME=str(manifest["fixed_time"]), TZ="UTC")
    cases = list(iter_cases(manifest))

    def launch(item):
        tname, t, cid, case = item
        argv = wick_argv(wick, t, case)
        uses_clock = "strftime_now" in read_text(os.path.join(HERE, t["template"]))
        try:
            return argv, subprocess.run(argv, capture_output=True, env=clock_env if uses_clock else base_env,
                                        timeout=60)
        except subprocess.TimeoutExpired:
            return argv, None
        except OSError as e:  # e.g. the binary being relinked meanwhile
            return argv, subprocess.CompletedProcess(argv, 127, b"", ("cannot run: %s" % e).encode())

    jobs = max(1, int(os.environ.get("CHAT_TEMPLATE_JOBS", "2")))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(launch, cases))

    failures = []
    counts = {k: 0 for k in KINDS}
    per_template = {}
    for (tname, t, cid, case), (argv, p) in zip(cases, results):
        kind, want = read_expected(tname, cid)
        if kind is None:
            failures.append((tname, cid, "no expected file (run suite.py generate)", None, None))
            continue
        counts[kind] += 1
        if p is None:
            failures.append((tname, cid, "timed out after 60 s", argv, None))
            per_template.setdefault(tname, [0, 0])[1] += 1
            continue
        stdout, stderr = p.stdout, p.stderr.decode("utf-8", "replace")
        why = None
        if kind == "out":
            if p.returncode != 0:
                why = "exit %d, expected 0; stderr: %s" % (p.returncode, stderr.strip()[:600])
            elif stdout != want.encode("utf-8"):
                why = "output differs"
        elif kind == "raise":
            if p.returncode != 1:
                why = "exit %d, expected 1 (template raises: %s)" % (p.returncode, want)
            elif want not in stderr:
                why = "stderr lacks the template's message %r; stderr: %s" % (want, stderr.strip()[:600])
            elif stdout:
                why = "printed output although the template raised"
        else:
            if p.returncode != 1:
                why = "exit %d, expected 1 (jinja2: %s)" % (p.returncode, want)
            elif not stderr.strip() or stdout:
                why = "expected an error message on stderr and no output (jinja2: %s)" % want
        ok = why is None
        per_template.setdefault(tname, [0, 0])[0 if ok else 1] += 1
        if not ok:
            failures.append((tname, cid, why, argv, (want, stdout.decode("utf-8", "replace"))
                             if kind == "out" and p.returncode == 0 else None))

    n_cases = sum(counts.values())
    shown = int(os.environ.get("CHAT_TEMPLATE_SHOW", "5"))
    for i, (tname, cid, why, argv, texts) in enumerate(failures):
        print("MISMATCH %s/%s: %s" % (tname, cid, why))
        if i >= shown:
            continue
        if argv:
            print("  command: " + " ".join(shlex.quote(os.path.relpath(a, ROOT) if a.startswith(ROOT + os.sep) else a)
                                           for a in argv))
        if texts:
            diff = difflib.unified_diff(visible(texts[0]), visible(texts[1]), "expected (jinja2)", "wick",
                                        n=2)
            sys.stdout.writelines("  " + line for line in list(diff)[:60])
    print()
    print("per template (passed/failed):")
    for tname, (ok, bad) in per_template.items():
        print("  %-34s %3d / %d" % (tname, ok, bad))
    print("chat_template: %d templates, %d cases (%d outputs, %d raise_exception, %d other errors), "
          "%d mismatches, %d stale expected files (jinja2 reproduction%s), %.1f s"
          % (len(manifest["templates"]), n_cases, counts["out"], counts["raise"], counts["error"],
             len(failures), len(problems), "" if skipped else " and transformers " + sys.modules["transformers"].__version__,
             time.time() - started))
    print("%d passed, %d failed" % (n_cases - len(failures), len(failures) + len(problems)))
    return 1 if failures or problems else 0


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "run"
    manifest = load_manifest()
    if cmd == "generate":
        generate(manifest)
        return 0
    if cmd == "check":
        problems = check(manifest)
        for p in problems:
            print("STALE " + p)
        print("check: %d cases, %d stale" % (sum(len(t["cases"]) for t in manifest["templates"].values()),
                                              len(problems)))
        return 1 if problems else 0
    if cmd == "crosscheck":
        problems, skipped = crosscheck(manifest)
        if skipped:
            print("crosscheck: skipped: " + skipped)
            return 1
        for p in problems:
            print("DIFFERS " + p)
        print("crosscheck: %d cases, %d differ from transformers"
              % (sum(len(t["cases"]) for t in manifest["templates"].values()), len(problems)))
        return 1 if problems else 0
    if cmd == "run":
        return run(manifest)
    print("usage: suite.py generate|check|crosscheck|run")
    return 2


if __name__ == "__main__":
    sys.exit(main())
