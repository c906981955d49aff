#!/usr/bin/env python3
"""Small hand-made tokenizer.json files through `wick-mkmodel vocab`
(tools/tokenizer_import.c): what a good file becomes, field by field, and
the error each malformed one gets (exit status 1, a message naming the file
and the JSON path, no sanitizer report).

    import_cases.py WICK_MKMODEL
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from check_import import load  # noqa: E402

G = "\u0120"  # byte-level alphabet's space
S = "\u2581"  # SentencePiece's space

GPT2_RE = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
LLAMA3_RE = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+"
             "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")


# deepseek-llm-7b-base's Split regexes, ASCII-escaped (the Greek and letterlike
# ranges must keep their exact code points: NFC would turn some into others)
DEEPSEEK_LLM = json.loads(r'''["[\r\n]", "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\ud801\udc00-\ud801\udc4f\ud801\udcb0-\ud801\udcd3\ud801\udcd8-\ud801\udcfb\ud803\udc80-\ud803\udcb2\ud803\udcc0-\ud803\udcf2\ud806\udca0-\ud806\udcdf\ud83a\udd00-\ud83a\udd43]+", "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+", "\\s+$", "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+"]''')
DEEPSEEK_V3 = ["\\p{N}{1,3}", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
               "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
               "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"]


def split(regex):
    return {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": False}


def bytelevel(use_regex):
    return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": use_regex}


def gpt2_tok():
    """ids 0..5 normal, 6 missing (a gap), 7/8 added (special / not)."""
    return {
        "added_tokens": [
            {"id": 7, "content": "<|bos|>", "special": True, "normalized": False},
            {"id": 8, "content": "<tool>", "special": False, "normalized": False},
            {"id": 9, "content": "<|looks_special|>", "special": False, "normalized": False},
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_RE}, "behavior": "Isolated", "invert": False},
            bytelevel(False)]},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {}},
        "decoder": bytelevel(True),
        "model": {"type": "BPE", "byte_fallback": False,
                  "vocab": {"a": 0, "b": 1, G: 2, "ab": 3, G + "ab": 4, "x y": 5},
                  "merges": [["a", "b"], [G, "ab"], "x y"]},
    }


def spm_tok():
    """<unk> <s> </s>, bytes <0x00> <0x41>, pieces; merges rank ▁a+b before a+b."""
    return {
        "added_tokens": [
            {"id": 0, "content": "<unk>", "special": True},
            {"id": 1, "content": "<s>", "special": True},
            {"id": 2, "content": "</s>", "special": True},
            {"id": 11, "content": S + S, "special": False},
        ],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": S}, {"type": "Replace", "pattern": {"String": " "}, "content": S}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {}},
        "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}]},
        "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>",
                  "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x00>": 3, "<0x41>": 4, S: 5, "a": 6,
                            "b": 7, S + "a": 8, "ab": 9, S + "ab": 10, S + S: 11},
                  "merges": [S + " a", S + "a b", "a b", S + " ab", S + " " + S]},
    }


class Runner:
    def __init__(self, mk, tmp):
        self.mk, self.tmp, self.n, self.failed = mk, Path(tmp), 0, []

    def write(self, name, obj):
        p = self.tmp / name
        p.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
        return p

    def mk_vocab(self, tok, cfg=None, pre=None):
        args = [self.mk, "vocab", "--tokenizer", str(tok)]
        if cfg:
            args += ["--tokenizer-config", str(cfg)]
        if pre:
            args += ["--pre", pre]
        out = self.tmp / "out.gguf"
        out.unlink(missing_ok=True)
        p = subprocess.run(args + ["-o", str(out)], capture_output=True, text=True)
        return p, out

    def check(self, name, ok, detail=""):
        self.n += 1
        if not ok:
            self.failed.append(name)
            print(f"  FAIL {name}: {detail}")

    def error_case(self, name, tok_obj, want, cfg_obj=None, pre=None, tok_name="tokenizer.json"):
        tok = self.write(tok_name, tok_obj) if tok_obj is not None else self.tmp / "missing.json"
        cfg = self.write("tokenizer_config.json", cfg_obj) if cfg_obj is not None else None
        p, _ = self.mk_vocab(tok, cfg, pre)
        msg = p.stderr
        ok = p.returncode == 1 and all(w in msg for w in want) and "Sanitizer" not in msg
        self.check(name, ok, f"exit {p.returncode}, stderr {msg.strip()[:300]!r}, wanted {want}")


def good_cases(r):
    # byte-level BPE with a config
    tok = r.write("tokenizer.json", gpt2_tok())
    cfg = r.write("tokenizer_config.json", {"bos_token": "<|bos|>", "eos_token": {"content": "<tool>"},
                                            "pad_token": None, "chat_template": "{{ x }}"})
    p, out = r.mk_vocab(tok, cfg)
    r.check("gpt2: imports", p.returncode == 0, p.stderr[-300:])
    if p.returncode == 0:
        g = load(out)
        want_tokens = [b"a", b"b", G.encode(), b"ab", (G + "ab").encode(), b"x y", b"[PAD6]",
                       b"<|bos|>", b"<tool>", b"<|looks_special|>"]
        r.check("gpt2: tokens in id order, gap as [PAD6]", g["tokenizer.ggml.tokens"] == want_tokens,
                g["tokenizer.ggml.tokens"])
        r.check("gpt2: types normal/unused/control/user-defined/looks-special",
                list(g["tokenizer.ggml.token_type"]) == [1, 1, 1, 1, 1, 1, 5, 3, 4, 3],
                list(g["tokenizer.ggml.token_type"]))
        want_merges = [b"a b", (G + " ab").encode(), b"x y"]
        r.check("gpt2: merges as 'a b' from both forms", g["tokenizer.ggml.merges"] == want_merges,
                g["tokenizer.ggml.merges"])
        r.check("gpt2: model gpt2, pre detected llama-bpe",
                (g["tokenizer.ggml.model"], g["tokenizer.ggml.pre"]) == (b"gpt2", b"llama-bpe"),
                (g["tokenizer.ggml.model"], g["tokenizer.ggml.pre"]))
        r.check("gpt2: bos/eos ids from config names", (g.get("tokenizer.ggml.bos_token_id"),
                g.get("tokenizer.ggml.eos_token_id")) == (7, 8), g)
        r.check("gpt2: no pad id for a null pad_token", "tokenizer.ggml.padding_token_id" not in g)
        r.check("gpt2: add_bos from TemplateProcessing, add_eos false",
                (g["tokenizer.ggml.add_bos_token"], g["tokenizer.ggml.add_eos_token"]) == (True, False))
        r.check("gpt2: chat template", g.get("tokenizer.chat_template") == b"{{ x }}")
        r.check("gpt2: no scores", "tokenizer.ggml.scores" not in g)
    # config flags win over the post-processor; --pre overrides detection
    cfg = r.write("tokenizer_config.json", {"bos_token": "<|bos|>", "add_bos_token": False,
                                            "add_eos_token": True, "eos_token": "<|bos|>"})
    p, out = r.mk_vocab(tok, cfg, pre="my-pre")
    r.check("gpt2: config add_*_token and --pre", p.returncode == 0, p.stderr)
    if p.returncode == 0:
        g = load(out)
        r.check("gpt2: add_bos false / add_eos true from config",
                (g["tokenizer.ggml.add_bos_token"], g["tokenizer.ggml.add_eos_token"]) == (False, True))
        r.check("gpt2: --pre written as given", g["tokenizer.ggml.pre"] == b"my-pre")
    # pre-tokenizer detection from structure
    for name, pts in [
        ("gpt2", [bytelevel(True)]),
        ("smollm", [{"type": "Digits", "individual_digits": True}, bytelevel(True)]),
        ("qwen2", [{"type": "Split", "pattern": {"Regex": LLAMA3_RE.replace("{1,3}", "")},
                    "behavior": "Isolated", "invert": False}, bytelevel(False)]),
        ("gpt2", [{"type": "Split", "pattern": {"Regex": GPT2_RE}, "behavior": "Isolated",
                   "invert": False}, bytelevel(False)]),
        ("deepseek-llm", [split(x) for x in DEEPSEEK_LLM]
         + [{"type": "Digits", "individual_digits": True}, bytelevel(False)]),
        ("deepseek-v3", [split(x) for x in DEEPSEEK_V3] + [bytelevel(False)]),
    ]:
        t = gpt2_tok()
        t["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": pts}
        p, out = r.mk_vocab(r.write("tokenizer.json", t))
        got = load(out)["tokenizer.ggml.pre"] if p.returncode == 0 else p.stderr
        r.check(f"pre detection: {name}", got == name.encode(), got)
    # a chat_template.jinja beside a config that has no chat_template
    sub = r.tmp / "jinja"
    sub.mkdir(exist_ok=True)
    (sub / "chat_template.jinja").write_text("J{{ x }}\n", encoding="utf-8")
    (sub / "tokenizer_config.json").write_text(json.dumps({"bos_token": "<|bos|>"}), encoding="utf-8")
    p, out = r.mk_vocab(r.write("tokenizer.json", gpt2_tok()), sub / "tokenizer_config.json")
    r.check("chat_template.jinja beside the config",
            p.returncode == 0 and load(out).get("tokenizer.chat_template") == b"J{{ x }}\n", p.stderr)
    # without a config, TemplateProcessing names still give the BOS id
    p, out = r.mk_vocab(r.write("tokenizer.json", gpt2_tok()))
    r.check("gpt2 without config: bos id from the template",
            p.returncode == 0 and load(out).get("tokenizer.ggml.bos_token_id") == 7, p.stderr)

    # SentencePiece-style BPE
    tok = r.write("tokenizer.json", spm_tok())
    cfg = r.write("tokenizer_config.json", {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                                            "chat_template": [{"name": "default", "template": "D"},
                                                              {"name": "tool use", "template": "T"}]})
    p, out = r.mk_vocab(tok, cfg)
    r.check("spm: imports", p.returncode == 0, p.stderr[-300:])
    if p.returncode == 0:
        g = load(out)
        r.check("spm: model llama, pre default",
                (g["tokenizer.ggml.model"], g["tokenizer.ggml.pre"]) == (b"llama", b"default"))
        r.check("spm: user-defined U+2581 written as spaces", g["tokenizer.ggml.tokens"][11] == b"  ",
                g["tokenizer.ggml.tokens"][11])
        r.check("spm: types control/byte/normal/user-defined",
                list(g["tokenizer.ggml.token_type"]) == [3, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1, 4],
                list(g["tokenizer.ggml.token_type"]))
        # ▁a rank 0, ▁ab rank 1 (first merge forming it), ab rank 2; singles below all merges
        want = [-1000, -1000, -1000, 0, 0, -6, -6, -6, 0, -2, -1, -1000]
        r.check("spm: scores = -rank of the first merge forming the token",
                [float(x) for x in g["tokenizer.ggml.scores"]] == [float(x) for x in want],
                list(g["tokenizer.ggml.scores"]))
        r.check("spm: add_space_prefix from Prepend", g["tokenizer.ggml.add_space_prefix"] is True)
        r.check("spm: bos/eos/unk ids", (g.get("tokenizer.ggml.bos_token_id"),
                g.get("tokenizer.ggml.eos_token_id"), g.get("tokenizer.ggml.unknown_token_id")) == (1, 2, 0))
        r.check("spm: no merges", "tokenizer.ggml.merges" not in g)
        r.check("spm: chat templates by name", (g.get("tokenizer.chat_template"),
                g.get("tokenizer.chat_template.tool_use"), g.get("tokenizer.chat_templates")) ==
                (b"D", b"T", [b"tool_use"]), g.get("tokenizer.chat_templates"))


def error_cases(r):
    t = gpt2_tok
    r.error_case("missing file", None, ["missing.json", "cannot open"])
    r.error_case("not JSON", '{"model": ', ["tokenizer.json", "line 1"])
    r.error_case("top level not an object", "[1]", ["tokenizer.json", "expected a JSON object"])
    r.error_case("no model", {"added_tokens": []}, ["tokenizer.json: model: expected an object"])
    x = t(); x["model"]["type"] = "Unigram"
    r.error_case("unigram", x, ['tokenizer.json: model.type: "Unigram" is not supported'])
    x = t(); x["model"]["vocab"] = []
    r.error_case("vocab not an object", x, ["tokenizer.json: model.vocab: expected an object"])
    x = t(); x["model"]["vocab"]["a"] = "0"
    r.error_case("vocab id a string", x, ['tokenizer.json: model.vocab["a"]: expected a token id'])
    x = t(); x["model"]["vocab"]["a"] = -1
    r.error_case("vocab id negative", x, ['model.vocab["a"]: expected a token id'])
    x = t(); x["model"]["vocab"]["a"] = 1.5
    r.error_case("vocab id fractional", x, ['model.vocab["a"]: expected a token id'])
    x = t(); x["model"]["vocab"]["b"] = 0
    r.error_case("duplicate id", x, ["tokenizer.json: model.vocab: id 0 is given to both"])
    x = t(); x["model"]["vocab"]["zz"] = 2000000000
    r.error_case("huge id", x, ["tokenizer.json", "token id 2000000000 is far beyond"])
    x = t(); x["model"]["vocab"] = {}; x["added_tokens"] = []
    r.error_case("empty vocabulary", x, ["tokenizer.json: model.vocab: the vocabulary is empty"])
    x = t(); x["model"]["merges"][1] = 5
    r.error_case("merge a number", x, ['tokenizer.json: model.merges[1]: expected a string "a b" or a '
                                       '2-element array'])
    x = t(); x["model"]["merges"][2] = "xy"
    r.error_case("merge without a space", x, ["tokenizer.json: model.merges[2]: expected a string"])
    x = t(); x["model"]["merges"][0] = ["a"]
    r.error_case("merge array of one", x, ["tokenizer.json: model.merges[0]: expected a string"])
    x = t(); x["model"]["merges"] = {}
    r.error_case("merges not an array", x, ["tokenizer.json: model.merges: expected an array"])
    x = t(); x["added_tokens"] = {}
    r.error_case("added_tokens not an array", x, ["tokenizer.json: added_tokens: expected an array"])
    x = t(); del x["added_tokens"][1]["content"]
    r.error_case("added token without content", x, ["tokenizer.json: added_tokens[1]: expected an object"])
    x = t(); x["added_tokens"][0]["id"] = "7"
    r.error_case("added token id a string", x, ["tokenizer.json: added_tokens[0].id: expected a token id"])
    x = t(); x["added_tokens"][0]["special"] = "yes"
    r.error_case("added token special a string", x, ["tokenizer.json: added_tokens[0].special"])
    x = t(); x["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+"
    r.error_case("unknown pre-tokenizer regex", x, ["tokenizer.json: pre_tokenizer:", "\\\\w+",
                                                    "pass --pre NAME"])
    x = t(); x["pre_tokenizer"] = {"type": "Whitespace"}; x["decoder"] = {"type": "ByteLevel"}
    r.error_case("unknown pre-tokenizer type", x, ["pre_tokenizer: a Whitespace pre-tokenizer"])
    x = t(); x["pre_tokenizer"] = None; x["decoder"] = None
    r.error_case("neither byte-level nor byte_fallback", x, ["tokenizer.json: model:", "byte_fallback"])
    x = spm_tok(); x["model"]["merges"].append("b " + S)
    r.error_case("spm merge forming an unknown token", x, ["tokenizer.json: model.merges[5]: the merged token",
                                                           "is not in model.vocab"])
    r.error_case("config chat_template a number", gpt2_tok(), ["tokenizer_config.json: chat_template: "
                                                               "expected a string"],
                 cfg_obj={"chat_template": 3})
    r.error_case("config not an object", gpt2_tok(), ["tokenizer_config.json: expected a JSON object"],
                 cfg_obj=[])
    # with --pre, an unknown pre-tokenizer is accepted
    x = t(); x["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+"
    p, _ = r.mk_vocab(r.write("tokenizer.json", x), pre="custom")
    r.check("unknown pre-tokenizer with --pre", p.returncode == 0, p.stderr)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        r = Runner(sys.argv[1], tmp)
        good_cases(r)
        error_cases(r)
    print(f"import cases: {r.n} checks, {len(r.failed)} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
