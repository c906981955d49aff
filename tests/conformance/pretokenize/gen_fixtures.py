#!/usr/bin/env python3
"""Writes the pre-tokenizer and normalization fixtures that
tests/unit/test_pretokenize.c and tests/unit/test_unicode.c compare against.

The expected splits come from Hugging Face `tokenizers` (the version pinned
in tests/requirements.txt), running each family's pre_tokenizer as the
model's tokenizer.json declares it; the expected NFC/NFD from
tokenizers.normalizers (cross-checked against unicodedata2 9.0.0 when
--ud9-dir is given: see tools/gen_unicode_tables.py --build-ud9).

Files (in this directory):
  corpus.txt   one test string per line, escaped (see escape())
  <kind>.txt   per corpus line: the byte lengths of the pieces, in order
  norm.txt     per line: input <TAB> NFC <TAB> NFD, escaped

The corpus is deterministic (fixed seed, fixed tables). Usage:
  python3 tests/conformance/pretokenize/gen_fixtures.py [--out DIR] [--ud9-dir DIR]
"""

import argparse
import glob
import importlib.util
import os
import random
import sys
import unicodedata

import tokenizers
from tokenizers import Regex, normalizers
from tokenizers import pre_tokenizers as pt

HERE = os.path.dirname(os.path.abspath(__file__))
PINNED_TOKENIZERS = "0.23.3"
SEED = 20250611

# ---------------------------------------------------------------- regexes
# As they appear in the models' tokenizer.json files (JSON-decoded).
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
          r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
         r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN35 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}"
          r"| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
TEKKEN = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
          r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
          r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
GPT4O = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
         r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
         r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
# DeepSeek-V3 (three Splits, then ByteLevel without regex).
DS3 = [r"\p{N}{1,3}",
       "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
       "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
       "|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*"
       "|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"]
# DeepSeek LLM (deepseek-llm-7b, DeepSeek-V2): five Splits, Digits, ByteLevel.
# The letter class is written with escapes: llama.cpp's copy of it was
# NFC-normalized, which changed six of its code points.
DS_LETTERS = ("A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf"
              "\u01c4-\u0293\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f"
              "\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481"
              "\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd"
              "\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a"
              "\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57"
              "\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe"
              "\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec"
              "\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d"
              "\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f"
              "\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee"
              "\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787"
              "\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a"
              "\uff41-\uff5a\U00010400-\U0001044f\U000104b0-\U000104d3"
              "\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-\U00010cf2"
              "\U000118a0-\U000118df\U0001e900-\U0001e943")
DS_LLM = ["[\r\n]",
          "\\s?[" + DS_LETTERS + "]+",
          "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+",
          "\\s+$",
          "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+"]


def split(rx):
    return pt.Split(Regex(rx), behavior="isolated", invert=False)


def bytelevel(use_regex):
    return pt.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=use_regex)


KINDS = {
    # GPT-2 family: ByteLevel with its built-in regex.
    "gpt2": pt.Sequence([bytelevel(True)]),
    "llama3": pt.Sequence([split(LLAMA3), bytelevel(False)]),
    "qwen2": pt.Sequence([split(QWEN2), bytelevel(False)]),
    "qwen35": pt.Sequence([split(QWEN35), bytelevel(False)]),
    # SmolLM / SmolLM2 tokenizer.json: Digits(individual), ByteLevel(regex).
    "smollm": pt.Sequence([pt.Digits(individual_digits=True), bytelevel(True)]),
    "deepseek_llm": pt.Sequence([split(r) for r in DS_LLM] +
                                [pt.Digits(individual_digits=True), bytelevel(False)]),
    "deepseek3": pt.Sequence([split(r) for r in DS3] + [bytelevel(False)]),
    "tekken": pt.Sequence([split(TEKKEN), bytelevel(False)]),
    "gpt4o": pt.Sequence([split(GPT4O), bytelevel(False)]),
}
# The regex itself also holds for the byte-level kinds; check it agrees.
assert GPT2

# ---------------------------------------------------------------- corpus

PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! How's it going? I'm fine, you're great, we've won, they'll see, he'd go.",
    "DON'T SHOUT: IT'S LOUD, WE'LL HEAR, YOU'VE SAID, I'D KNOW, SHE'S 'RE 'VE 'M 'LL 'D",
    "Mixed 'S 'T 'Re 'rE 'Ve 'LL 'lL 'Ll ' s 's' ''s '' 'x",
    "Numbers: 1 12 123 1234 12345 123456 1,234,567.89 3.14159 -42 +7 1e10 0x1F 007",
    "Dates 2024-06-11, times 23:59:59, phone +1 (555) 123-4567.",
    "  leading spaces", "trailing spaces   ", "  \n\n  x", "\n\n\n", "a\r\nb\r\n\r\nc",
    "tabs\tand\t\ttabs\t", "line one\nline two\n  indented\n\tTabbed\n",
    "emoji 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ ✨", "CJK 中文字符测试，日本語のテキスト、한국어 텍스트입니다.",
    "Русский текст с пунктуацией — «кавычки».", "Ελληνικά: Καλημέρα κόσμε!",
    "العربية: مرحبا بالعالم ١٢٣٤٥", "עברית: שלום עולם", "हिन्दी: नमस्ते दुनिया १२३",
    "ไทย: สวัสดีชาวโลก", "Tiếng Việt: Xin chào thế giới", "français: élève, naïve, Noël, cœur",
    "Deutsch: Straße, Größe, Äpfel, ÜBER", "Español: ¿Qué tal? ¡Muy bien!",
    "combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 \u0301alone x\u20dd",
    "nbsp:\u00a0here\u00a0\u00a0two, ideographic\u3000space, thin\u2009space, \u2028sep\u2029",
    "zero width\u200bjoiner\u200d and bom\ufeff and soft\u00adhyphen",
    "fullwidth ＡＢＣ１２３！？ halfwidth ｶﾀｶﾅ", "math ∑∫√∞ ≤ ≥ ≠ ± × ÷ ² ³ ½ ⅓ Ⅻ ⓵",
    "currency $100 €50 £30 ¥1000 ₹500 ₿", "URL https://example.com/path?q=1&r=2#frag",
    "email someone@example.org, @handle #hashtag", "ǅungla ǈ ǋ ʰʲ ˢ ᵃ ꜰ",
    "long s: ſ 'ſ Hello'ſ", "ＤＯＮ＇Ｔ fullwidth apostrophe", "curly ’s ’re “quotes”",
    "x/y/z a//b ///", "a\u000bb\u000cc\u0085d\u001ce\u001ff", "\u0000nul\u0001\u007f",
]

CODE = [
    "def f(x):\n    return x ** 2  # square\n",
    "int main(void) {\n\tprintf(\"%d\\n\", 42);\n\treturn 0;\n}\n",
    "{\"key\": [1, 2.5, true, null], \"nested\": {\"a\": \"b\"}}",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "    if x != y and not z:\n        pass\n\n\n",
    "SELECT * FROM users WHERE id = 123 AND name LIKE '%bob%';",
    "<html><body class=\"main\">Text &amp; more</body></html>",
    "x=1;y=22;z=333;w=4444;v=55555", "a_b_c __init__ self.__dict__['x']",
    "#!/bin/bash\necho \"$HOME\" | grep -v '^#' >> out.txt 2>&1\n",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
    "λx.x ∘ f :: a -> b", "// TODO: fix\r\n/* block */\r\n",
]

# Code points the regexes treat specially, and a sample of each category.
TRICKY = [" ", "  ", "\t", "\n", "\r", "\r\n", "\u000b", "\u000c", "\u0085", "\u00a0",
          "\u1680", "\u2000", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
          "\u180e", "\u200b", "\ufeff", "'", "'s", "'S", "'t", "'re", "'RE", "'ve", "'m",
          "'ll", "'LL", "'d", "'D", "'\u017f", "\u017f", "s", "S", "l", "L", "e", "E",
          "a", "Z", "\u01c5", "\u02b0", "\u4e2d", "\u3042", "\u30a2", "\u30fc", "\u30fb",
          "\u0301", "\u0308", "\u093f", "\u20dd", "1", "9", "\u0663", "\u00b2", "\u2162",
          "\u00bd", "\u3007", "!", "?", ".", ",", "-", "_", "/", "\\", "$", "+", "<",
          "^", "`", "|", "~", "@", "#", "%", "&", "*", "(", ")", "[", "]", "{", "}",
          "\"", ":", ";", "\u00bf", "\u2014", "\u201c", "\u2019", "\uff01", "\uff0c",
          "\u3001", "\u3002", "\u00a9", "\u20ac", "\U0001f600", "\U0001f3fd", "\u200d",
          "\ufe0f", "\u0000", "\u0001", "\u007f", "\u00ad", "\ue000", "\U000f0000",
          "\u0378", "\U0001e900", "\u1f7d", "\u1fbe", "\u2126", "\u212a", "\u0800",
          "\uac00", "\ud7ff", "\u9fa5", "\u9fa6", "\uff21", "\u13a0", "\U00010400",
          "\u0e01", "\u0e31", "\u05d0", "\u0627", "\u064b", "\u0915", "\u094d",
          "\U00011de0", "\U00016ff4", "A1", "a1b2", "123", "1234567", "ab12cd"]


def all_assigned():
    import unicodedata as ud
    return [c for c in range(0x110000)
            if not 0xD800 <= c < 0xE000 and ud.category(chr(c)) != "Cn"]


BLOCKS = [(0x20, 0x7E), (0xA0, 0x24F), (0x250, 0x2FF), (0x300, 0x36F), (0x370, 0x3FF),
          (0x400, 0x4FF), (0x530, 0x58F), (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F),
          (0x980, 0x9FF), (0xE00, 0xE7F), (0x10A0, 0x10FF), (0x1100, 0x11FF),
          (0x1AB0, 0x1AFF), (0x1D00, 0x1DFF), (0x1E00, 0x1FFF), (0x2000, 0x206F),
          (0x2070, 0x209F), (0x20A0, 0x20FF), (0x2100, 0x218F), (0x2190, 0x23FF),
          (0x2460, 0x24FF), (0x2500, 0x27BF), (0x2C00, 0x2DFF), (0x3000, 0x30FF),
          (0x3130, 0x318F), (0x3200, 0x33FF), (0x4E00, 0x9FFF), (0xA640, 0xA7FF),
          (0xAB30, 0xABFF), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFB00, 0xFB4F),
          (0xFE00, 0xFE6F), (0xFF00, 0xFFEF), (0x10000, 0x1007F), (0x10400, 0x104FF),
          (0x10C80, 0x10CFF), (0x11000, 0x1107F), (0x118A0, 0x118FF), (0x11D00, 0x11DFF),
          (0x16F00, 0x16FFF), (0x1D400, 0x1D7FF), (0x1E900, 0x1E95F), (0x1F000, 0x1FAFF),
          (0x20000, 0x2A6DF), (0xE0000, 0xE007F), (0xF0000, 0xF00FF)]


def make_corpus(seed=SEED):
    rng = random.Random(seed)
    out = []
    out += PROSE + CODE + TRICKY
    out.append("")
    # Every pair and a sample of triples of the tricky strings.
    for a in TRICKY:
        for b in rng.sample(TRICKY, 12):
            out.append(a + b)
    for _ in range(600):
        out.append("".join(rng.choice(TRICKY) for _ in range(rng.randint(3, 12))))
    # Whitespace runs before words, digits, punctuation, ends.
    ws = [" ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2003", "\r\n"]
    tails = ["", "x", "X", "1", "!", "\u4e2d", "\u0301", "'s", " ", "\n"]
    for _ in range(400):
        out.append("".join(rng.choice(ws) for _ in range(rng.randint(1, 6))) +
                   rng.choice(tails) +
                   "".join(rng.choice(ws) for _ in range(rng.randint(0, 4))) +
                   rng.choice(tails))
    # Words and numbers.
    words = ("the of and to in is was he for it with as his on be at by I "
             "don't can't won't it's she's we're they've I'm you'll he'd "
             "AI GPU HTTP iPhone McDonald O'Neill rock'n'roll naïve café résumé").split()
    for _ in range(500):
        parts = []
        for _ in range(rng.randint(1, 12)):
            r = rng.random()
            if r < 0.6:
                w = rng.choice(words)
                w = w.upper() if rng.random() < 0.1 else w
            elif r < 0.8:
                w = str(rng.randint(0, 10 ** rng.randint(1, 9)))
            else:
                w = rng.choice(",.;:!?()[]{}\"'-/—…")
            parts.append(w)
            parts.append(rng.choice([" ", " ", " ", "", "  ", "\n", "\t", ", "]))
        out.append("".join(parts))
    # Random code points from many blocks, and from all assigned ones.
    assigned = all_assigned()
    for _ in range(700):
        s = []
        for _ in range(rng.randint(1, 16)):
            if rng.random() < 0.5:
                lo, hi = rng.choice(BLOCKS)
                c = rng.randint(lo, hi)
            else:
                c = rng.choice(assigned)
            if 0xD800 <= c < 0xE000:
                c = 0x20
            s.append(chr(c))
            if rng.random() < 0.2:
                s.append(rng.choice([" ", "\n", "'", "'s", "1", "a", "\u0301"]))
        out.append("".join(s))
    # Combining sequences: bases with runs of marks.
    marks = [c for c in assigned if unicodedata.category(chr(c)).startswith("M")]
    bases = "aeiouAEIOUnNcCsSzZ\u03b1\u0430\u05d0\u0627\u0915\u0e01\u4e2d1 '!\u3042"
    for _ in range(300):
        s = []
        for _ in range(rng.randint(1, 6)):
            s.append(rng.choice(bases))
            s.extend(chr(rng.choice(marks)) for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.3:
                s.append(rng.choice([" ", "  ", "\n", "'"]))
        out.append("".join(s))
    # Mixed-case runs for the tekken / o200k case splitting.
    cased = ["a", "b", "Z", "Q", "\u01c5", "\u02b0", "\u4e2d", "\u0301", "\u00e9",
             "\u00c9", "\u03a9", "\u03c9", "'", "'s", "'S", " ", "1", "\u2162"]
    for _ in range(400):
        out.append("".join(rng.choice(cased) for _ in range(rng.randint(1, 10))))
    return out


def escape(s):
    """UTF-8, one line: backslash, C0 controls and DEL as \\xHH."""
    r = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            r.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            r.append("\\x%02X" % o)
        else:
            r.append(ch)
    return "".join(r)


def piece_lengths(pre, s):
    # pre_tokenize_str offsets are character offsets into s.
    byte_at = [0]
    for ch in s:
        byte_at.append(byte_at[-1] + len(ch.encode("utf-8")))
    pieces = pre.pre_tokenize_str(s)
    lens = []
    pos = 0
    for _, (a, b) in pieces:
        assert a == pos, (s, pieces)
        lens.append(byte_at[b] - byte_at[a])
        pos = b
    assert pos == len(s), (s, pieces)
    return lens


def load_ud9(directory):
    path = glob.glob(os.path.join(directory, "unicodedata2*.so"))[0]
    spec = importlib.util.spec_from_file_location("unicodedata2", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.unidata_version == "9.0.0", mod.unidata_version
    return mod


def norm_cases(rng):
    """Strings exercising decomposition, reordering and composition."""
    import unicodedata as ud
    interesting = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and
                   (ud.decomposition(chr(c)) and not ud.decomposition(chr(c)).startswith("<")
                    or ud.combining(chr(c)))]
    cases = [chr(c) for c in interesting]
    # Hangul: syllables, jamo sequences (LV, LVT, LV+T, broken ones).
    L = [chr(0x1100 + i) for i in range(19)] + ["\u115f"]
    V = [chr(0x1161 + i) for i in range(21)] + ["\u1160"]
    T = [chr(0x11A7 + i) for i in range(28)]
    for _ in range(400):
        cases.append("".join(rng.choice([rng.choice(L), rng.choice(V), rng.choice(T),
                                         chr(rng.randint(0xAC00, 0xD7A3)), "a", "\u0301"])
                             for _ in range(rng.randint(2, 6))))
    bases = ["a", "e", "o", "u", "A", "E", "O", "U", "n", "c", "s", "\u03b1", "\u03c9",
             "\u0415", "\u0418", "\u3046", "\u30ab", "\u0ccb", "\u0cc6", "\u09c7",
             "\u0b47", "\u0dd9", "\u1025", "\u1b05", "\u0627", "\u05d0", "\u0915", " "]
    marks = [chr(c) for c in interesting if ud.combining(chr(c))]
    for _ in range(3000):
        s = []
        for _ in range(rng.randint(1, 4)):
            s.append(rng.choice(bases + [chr(rng.choice(interesting))]))
            s.extend(rng.choice(marks + ["\u0301", "\u0308", "\u0323", "\u0327", "\u0345",
                                         "\u0cd5", "\u0cc2", "\u09be", "\u09d7", "\u3099"])
                     for _ in range(rng.randint(0, 5)))
        cases.append("".join(s))
    # Long runs of marks (canonical ordering beyond short runs).
    for _ in range(50):
        cases.append("a" + "".join(rng.choice(marks) for _ in range(rng.randint(17, 80))))
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--ud9-dir", help="unicodedata2 9.0.0 install to cross-check NFC/NFD")
    ap.add_argument("--allow-version", action="store_true",
                    help=f"run with a tokenizers other than {PINNED_TOKENIZERS}")
    args = ap.parse_args()
    if tokenizers.__version__ != PINNED_TOKENIZERS and not args.allow_version:
        sys.exit(f"tokenizers {tokenizers.__version__} installed; fixtures are made with "
                 f"{PINNED_TOKENIZERS} (pip install tokenizers=={PINNED_TOKENIZERS})")
    os.makedirs(args.out, exist_ok=True)
    corpus = make_corpus()
    with open(os.path.join(args.out, "corpus.txt"), "w", encoding="utf-8", newline="\n") as f:
        for s in corpus:
            f.write(escape(s) + "\n")
    # The byte-level GPT-2 split must equal its regex split.
    gsplit = split(GPT2)
    for s in corpus:
        assert piece_lengths(gsplit, s) == piece_lengths(KINDS["gpt2"], s), s
    for kind, pre in KINDS.items():
        with open(os.path.join(args.out, kind + ".txt"), "w", newline="\n") as f:
            for s in corpus:
                f.write(" ".join(map(str, piece_lengths(pre, s))) + "\n")
    rng = random.Random(SEED + 1)
    cases = norm_cases(rng)
    nfc, nfd = normalizers.NFC(), normalizers.NFD()
    ud9 = load_ud9(args.ud9_dir) if args.ud9_dir else None
    mismatches = 0
    with open(os.path.join(args.out, "norm.txt"), "w", encoding="utf-8", newline="\n") as f:
        for s in cases:
            c, d = nfc.normalize_str(s), nfd.normalize_str(s)
            if ud9 and (ud9.normalize("NFC", s) != c or ud9.normalize("NFD", s) != d):
                mismatches += 1
            f.write(f"{escape(s)}\t{escape(c)}\t{escape(d)}\n")
    print(f"tokenizers {tokenizers.__version__}: {len(corpus)} pre-tokenizer strings x "
          f"{len(KINDS)} kinds, {len(cases)} normalization cases")
    if ud9:
        print(f"unicodedata2 {ud9.unidata_version} vs tokenizers normalizers: "
              f"{mismatches} mismatches")
        if mismatches:
            sys.exit(1)


if __name__ == "__main__":
    main()
