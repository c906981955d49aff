#!/usr/bin/env python3
"""Writes tests/conformance/tokenizer/corpus.jsonl: the strings every vocabulary
is tokenized with (one JSON string per line).

Deterministic: the hand-written cases below come first, then generated mixes
from a fixed seed (Python's random.Random is stable across versions for the
calls used here: random(), randrange(), choice()). Re-running rewrites the
same file byte for byte; `--check` exits 1 if the committed file differs.

Every string is valid Unicode without surrogates, so it is valid UTF-8 (HF
tokenizers take str). Invalid UTF-8 input is a unit-test concern instead.
"""
import json
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "corpus.jsonl"
SEED = 20261125
TARGET = 2400  # total strings (hand-written + generated)

# ---------------------------------------------------------------- hand-written

PROSE_EN = [
    "Hello world",
    "Hello, world!",
    "hello world",
    " Hello world",
    "Hello world ",
    "The quick brown fox jumps over the lazy dog.",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!",
    "It was the best of times, it was the worst of times, it was the age of wisdom, "
    "it was the age of foolishness...",
    "Call me Ishmael. Some years ago—never mind how long precisely—having little or no "
    "money in my purse, and nothing particular to interest me on shore, I thought I "
    "would sail about a little and see the watery part of the world.",
    "In 1492, Columbus sailed the ocean blue.",
    "She said, \"I'm not sure,\" and left.",
    "Mr. and Mrs. Dursley, of number four, Privet Drive, were proud to say that they "
    "were perfectly normal, thank you very much.",
    "e.g. i.e. etc. vs. U.S.A. Ph.D.",
    "Wait... what?! No way!!!",
    "(parentheses) [brackets] {braces} <angles>",
    "email: someone@example.com, url: https://example.org/path?q=1&r=2#frag",
    "C'est la vie — naïve café façade résumé coöperate",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "A\nB\nC",
    "Line one.\nLine two.\n\nParagraph two.",
    "tab\tseparated\tvalues",
    "CamelCaseIdentifier snake_case_identifier kebab-case-identifier SCREAMING_CASE",
    "iPhone iPad macOS YouTube McDonald's O'Neill",
    "Dr. Who? 50% off! $19.99 #hashtag @mention ~tilde ^caret &amp;",
]

CONTRACTIONS = [
    "don't", "DON'T", "Don't", "we'll", "We'LL", "'s", "it's", "It'S", "I'm", "I'M",
    "you're", "YOU'RE", "they've", "THEY'VE", "she'd", "SHE'D", "can't won't shouldn't",
    "'t 're 've 'm 'll 'd", "'S 'T 'RE 'VE 'M 'LL 'D", "rock 'n' roll", "'twas",
    "the dog's bone", "the dogs' bones", "ma'am", "o'clock", "y'all'd've",
    "I'd've", "''''", "'", "''", "' s", "'s'", "don’t (curly)", "it’s",
    "We'Ve a'lL 'Re", "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, "
    "'D you like some tea? We'Ve a'lL",
]

OTHER_LANGS = [
    # German
    "Größenwahn und Straßenbahn: Über die Schönheit der Ärzte.",
    "Donaudampfschifffahrtsgesellschaftskapitän",
    "Die Würde des Menschen ist unantastbar.",
    # French
    "Où est la bibliothèque ? Je ne sais pas, mon ami.",
    "L'État, c'est moi. Qu'est-ce que c'est ?",
    "Ça va très bien, merci ! « Bonjour » dit-il.",
    # Russian
    "Привет, мир! Как дела?",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "ПРОПИСНЫЕ БУКВЫ и строчные буквы",
    # Greek
    "Γειά σου Κόσμε! Καλημέρα.",
    "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    # Hindi
    "नमस्ते दुनिया! आप कैसे हैं?",
    "हिन्दी भारत की राजभाषा है।",
    # Arabic
    "مرحبا بالعالم! كيف حالك؟",
    "اللغة العربية جميلة جداً.",
    # Hebrew
    "שלום עולם! מה שלומך?",
    "עברית נכתבת מימין לשמאל.",
    # Chinese
    "你好，世界！今天天气很好。",
    "我想在apple工作1314151天～",
    "中华人民共和国成立于1949年。",
    "繁體中文與简体中文",
    # Japanese
    "こんにちは世界！お元気ですか？",
    "日本語のテキストとカタカナ、ひらがな、漢字。",
    "ｶﾀｶﾅ ﾊﾝｶｸ 半角カナ",
    # Korean
    "안녕하세요 세계! 반갑습니다.",
    "한국어는 한글로 씁니다.",
    # Thai
    "สวัสดีชาวโลก! สบายดีไหม",
    "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ",
    # Vietnamese
    "Xin chào thế giới! Bạn có khỏe không?",
    "Tiếng Việt có nhiều dấu: ắ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ",
    # Mixed / others
    "Ελληνικά, Русский, العربية, עברית, 中文, 日本語, 한국어, ไทย, हिन्दी",
    "កាន់តែពិសេសអាច😁",
    "нещо на Български",
    "Türkçe: İstanbul'da ığdır, şehir, çiçek",
    "Polski: Zażółć gęślą jaźń",
    "Čeština: Příliš žluťoučký kůň úpěl ďábelské ódy",
    "Ελληνικά με τόνους: ά έ ή ί ό ύ ώ ΐ ΰ",
    "Ukrainian: Їжак ґедзь є",
    "Armenian: Բարեւ աշխարհ",
    "Georgian: გამარჯობა მსოფლიო",
    "Amharic: ሰላም ልዑል",
    "Tamil: வணக்கம் உலகம்",
    "Bengali: হ্যালো বিশ্ব",
]

CODE = [
    "def hello(name):\n    print(f\"Hello, {name}!\")\n    return None\n",
    "class Foo(Bar):\n    \"\"\"Docstring.\"\"\"\n\n    def __init__(self, x: int = 0) -> None:\n"
    "        self.x = x\n        self._y = [i ** 2 for i in range(10) if i % 2 == 0]\n",
    "if __name__ == \"__main__\":\n\tmain()\n",
    "#include <stdio.h>\n\nint main(int argc, char **argv) {\n\tprintf(\"%d\\n\", argc);\n"
    "\treturn 0;\n}\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "static const uint8_t table[256] = {0x00, 0x01, 0xFF};",
    "x<<=2; y>>=3; z&=~mask; p->next = NULL; a[i]++; --b;",
    "const add = (a, b) => a + b;\nconsole.log(`sum: ${add(1, 2)}`);\n",
    "function foo() {\n  return { a: 1, b: [2, 3], c: null };\n}\n",
    "async function f() { await Promise.all([p1, p2]); }  // comment",
    "{\"name\": \"wick\", \"version\": \"0.1.0\", \"deps\": [], \"ok\": true, \"n\": null}",
    "{\n  \"a\": 1,\n  \"b\": [\n    1.5,\n    -2e10\n  ]\n}",
    "<!DOCTYPE html>\n<html>\n<head><title>Test</title></head>\n<body>\n  <p class=\"x\">Hi"
    " &amp; bye</p>\n</body>\n</html>\n",
    "<div id=\"main\"><span style=\"color:red\">text</span></div>",
    "#!/bin/bash\nset -euo pipefail\nfor f in *.txt; do\n  echo \"$f\" | wc -c\ndone\n",
    "ls -la | grep -v '^d' | awk '{print $9}' > out.txt 2>&1 &",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC LIMIT 10;",
    "fn main() {\n    let v: Vec<u32> = (0..10).collect();\n    println!(\"{:?}\", v);\n}\n",
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
    "    indented with four spaces\n        and eight\n\t\tand two tabs\n",
    "        return x  # trailing comment   ",
    "a = b if c else d  ;  e = [f for g in h]",
    "regex: ^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
    "path/to/file.c:123:45: error: expected ';' before '}' token",
    "0x1F600 0b1010 0o777 1e-9 6.02e23 -0.0 +inf NaN",
    "```python\nprint('hi')\n```",
    "<?php echo $x; ?>",
    "\\documentclass{article}\n\\begin{document}\n$E = mc^2$\n\\end{document}",
    "diff --git a/x b/x\n@@ -1,3 +1,3 @@\n-old\n+new\n",
]

WHITESPACE = [
    " ", "  ", "   ", "    ", "     ", "        ", " " * 16, " " * 33,
    "\t", "\t\t", "\t\t\t", "\n", "\n\n", "\n\n\n", "\n\n\n\n\n\n\n\n", "\r\n", "\r\n\r\n",
    "\r", "\r\r\n", " \n", "\n ", " \n ", "\t\n", "\n\t", " \t \t ",
    "word ", "word  ", "word   ", " word", "  word", "   word", "\tword", "\nword",
    "word\n", "word\n\n", "word \n", "a b", "a  b", "a   b", "a    b", "a\tb", "a\t\tb",
    "a\nb", "a\n\nb", "a\n\n\nb", "a\r\nb", "a \r\n b", "a \n\n b",
    "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n",
    "a\u00a0b", "\u00a0", "\u00a0\u00a0x", "x\u00a0", "a\u3000b", "\u3000", "全角\u3000空白",
    "a\u2002b\u2003c\u2009d\u200ae", "a\u200bb", "zero\u200bwidth\u200cjoin\u200dend",
    "a\u2028b", "a\u2029b", "a\u0085b", "a\u000bb", "a\u000cb", "\u000b\u000c",
    "trailing spaces   ", "   leading spaces", "   both   ", "mid    dle",
    "   \n   \n", "x\n    y\n        z",
]

NUMBERS = [
    "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
    "1234567890", "3.14159", "3.14159265358979323846", "1,000,000", "1.000.000,50",
    "-42", "+1", "0", "00", "007", "0.5", ".5", "5.", "1e10", "1E-5", "2^10", "10%",
    "$1,234.56", "€99,99", "¥1000", "£5", "₹500", "1/2", "3:45pm", "12:00:00",
    "2026-11-25", "25/11/2026", "+1 (555) 123-4567", "555-0100", "+44 20 7946 0958",
    "+81-3-1234-5678", "192.168.0.1", "v1.2.3", "1st 2nd 3rd 4th", "3 33 333 3333 33333",
    "3.3 3..3 3...3", "١٢٣٤٥ (Arabic-Indic)", "१२३ (Devanagari)", "一二三 123",
    "①②③ ⅠⅡⅢ ½ ¾ ²³", "１２３４５ (fullwidth)", "9" * 40, "0" * 25,
    "3.141592653589793238462643383279502884197169399375105820974944592307816406286",
    "x1y22z333w4444", "abc123def", "123abc", "R2-D2 C-3PO", "H2O CO2 C6H12O6",
]

EMOJI = [
    "😀", "😀😃😄😁", "I ❤️ Unicode", "👍🏽", "👍🏻👍🏼👍🏽👍🏾👍🏿", "👨‍👩‍👧‍👦",
    "👩‍💻 🧑‍🚀 🏳️‍🌈 🏴‍☠️", "🇺🇸 🇯🇵 🇩🇪 🇫🇷 🇬🇧", "🇺🇸🇯🇵", "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅ 🦙🦙",
    "emoji at end 🎉", "🎉 emoji at start", "mid🎉dle", "🙂🙃", "☺", "✌️", "❤", "❤️",
    "1️⃣ 2️⃣ #️⃣ *️⃣", "🫠🫡🫶", "🧑🏿‍🤝‍🧑🏻", "👁️‍🗨️", "🐈‍⬛",
]

COMBINING = [
    "e\u0301", "cafe\u0301", "caf\u00e9", "n\u0303", "a\u0308\u0304", "o\u0302\u0301",
    "Vie\u0323\u0302t Nam", "Vi\u1ec7t Nam", "\u1ec7\u1ebf\u1ec1",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a"
    "\u032f\u031e\u0320\u034dA\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354L\u0368\u0367"
    "\u0369\u0358\u0320G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354"
    "\u0339O\u0342\u030c\u030c\u0358\u0328\u0335\u0339\u033b\u031d\u0333",
    "\u0301 leading combining", "x\u20dd", "\u00c5 vs A\u030a vs \u212b",
    "\ufb01 ligature \ufb02", "\u1100\u1161\u11a8 (conjoining jamo)", "\uac01",
    "\u0928\u093f\u0930\u094d\u092e\u093e\u0923",
    "ﬃ ﬄ Ⅻ ㎏ ㍿ ℃ ™",
]

CONTROL_TOKENS = [
    # ChatML (Qwen, SmolLM)
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
    "<|im_start|>assistant\n",
    "<|im_start|><|im_end|>",
    "<|endoftext|>",
    "text<|endoftext|>more text",
    " <|endoftext|> ",
    "<|im_start|>",
    "<|im_start",
    "<|im_start|",
    "im_start|>",
    "<<|im_start|>>",
    "<|IM_START|>",
    "<|im_start|> user",
    "<think>\nreasoning\n</think>\n\nanswer",
    "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>",
    "<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>",
    "<|repo_name|>wick<|file_sep|>main.c",
    "<|vision_start|><|image_pad|><|vision_end|>",
    "<repo_name>x<file_sep>y<filename>z<gh_stars>5",
    # Llama 2 / Mistral
    "<s>[INST] x [/INST]",
    "<s>[INST] <<SYS>>\nsys\n<</SYS>>\n\nhello [/INST] hi </s><s>[INST] again [/INST]",
    "<s>",
    "</s>",
    "<unk>",
    "a</s>b",
    "<s> leading",
    "[INST]",
    # Llama 3
    "<|begin_of_text|>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|python_tag|>print(1)<|eom_id|>",
    "<|finetune_right_pad_id|>",
    # Gemma
    "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
    "<start_of_turn>",
    "<end_of_turn>",
    "<bos>",
    "<eos>",
    "<pad>",
    "<mask>",
    "[multimodal]",
    "<unused0>",
    "<unused99>",
    "<start_of_image>",
    "<bos><start_of_turn>user\nDescribe<start_of_image><end_of_turn>",
    # Phi-3
    "<|user|>",
    "<|user|>\nhello<|end|>\n<|assistant|>\n",
    "<|system|>\nYou are a bot.<|end|>\n<|user|>\nQ?<|end|>\n<|assistant|>",
    "<|user|>   spaced   <|end|>   ",
    "<|assistant|>\n\n\nanswer",
    "<|end|>",
    "<|placeholder1|>",
    "</s> after",
    "<|endoftext|>\n\nnext",
    # tokens glued to text and whitespace
    "x<|im_end|>y",
    "hello <|user|> world",
    "<s><s></s></s>",
    "<|im_end|>\n<|im_end|>\n",
    "<|eot_id|> <|eot_id|>",
    "<end_of_turn><eos>",
    "< s >",
    "<|>",
    "<|endoftext|><|endoftext|>",
]

ODD = [
    "",
    "\u0000",
    "a\u0000b",
    "\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008",
    "\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b"
    "\u001c\u001d\u001e\u001f",
    "\u007f",
    "DEL\u007fDEL",
    "\u0080\u0081\u009f",
    "\ufffd",
    "replacement \ufffd char",
    "\ufeff",
    "\ufeffBOM at start",
    "BOM\ufeffin middle",
    "\ue000\ue001\uf8ff",
    "private \ue000 use",
    "\U000f0000\U0010fffd",
    "\U0001d400\U0001d401\U0001d402 math bold",
    "\U00010348 gothic \U00010400 deseret",
    "\U0001f600\U0001f47e\U0001f916",
    "\U00020000\U0002a6d6 CJK ext B",
    "\U000e0041\U000e0042 tags",
    "\ufff9\ufffa\ufffb",
    "\ufffe\uffff",
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e",
    "RTL \u202eoverride\u202c end",
    "\u00ad soft hyphen",
    "\u034f\u180e\u2060\u2061",
    "a\u0300\u0300\u0300\u0300\u0300\u0300\u0300\u0300\u0300\u0300",
    "\u2581",
    "\u2581\u2581",
    "a\u2581b",
    "\u2581hello",
    "\u0120 G-dot \u010a",
    "<0x0A>",
    "<0xFF>",
    "[PAD0]",
    "\u00ff\u00fe\u00fd",
    "\u0100\u0101\u017f",
    "\u2400\u2401\u241f",
    "\\u0000 \\n \\t (escaped text)",
]

SINGLE_CHARS = list(
    "aZ09 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\t\n"
) + [
    "é", "ß", "ñ", "ø", "Ω", "я", "Ж", "א", "ب", "中", "の", "한", "ก", "ễ", "€", "™", "∑",
    "→", "♥", "★", "☃", "𝄞", "😀", "🦙", "\u2581", "\u00a0", "\u3000", "·", "…", "–", "—",
    "«", "»", "„", "“", "”", "‘", "’", "¿", "¡", "§", "¶", "°", "±", "×", "÷", "µ",
]

LONG = [
    "a" * 1000,
    "ab" * 500,
    "abc" * 300,
    "x" * 2048,
    "The " * 200,
    "\n" * 100,
    " " * 300,
    "\t" * 64,
    "😀" * 100,
    "中" * 300,
    "á" * 200,
    "9" * 500,
    "-" * 200,
    "=" * 100 + "\n" + "-" * 100,
    "." * 150,
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. " * 12,
    "http://" + "a" * 60 + ".com/" + "b/" * 40,
    "".join(chr(0x4e00 + (i * 7919) % 20000) for i in range(400)),
    "".join(chr(0x0400 + i % 256) for i in range(512)),
    "nospaceverylongword" * 50,
    "------======= \'\'\'\'\'\'```````\"\"\"\"......!!!!!!??????",
]

HAND = (PROSE_EN + CONTRACTIONS + OTHER_LANGS + CODE + WHITESPACE + NUMBERS + EMOJI
        + COMBINING + CONTROL_TOKENS + ODD + SINGLE_CHARS + LONG)

# ---------------------------------------------------------------- generated

WORDS = {
    "en": "the of and to in is that for it with as was on be by this are from at or an "
          "which but not have has had were been their they we you he she his her its our "
          "token model engine browser memory kernel matrix vector quantization inference "
          "Hello World Apple Google OpenAI Llama Gemma Qwen Phi SmolLM GPU CPU WebGPU WASM "
          "running jumped happily quickly unbelievable internationalization".split(),
    "de": "und der die das ist nicht mit für Straße Größe schön Übung Mädchen Häuser "
          "Fußball Brötchen".split(),
    "fr": "le la les et est une dans pour être où ça très élève garçon français naïve".split(),
    "ru": "и в не на я что он с как это по но они к у же вы за бы мир привет Москва "
          "ЗДРАВСТВУЙТЕ съешь ещё".split(),
    "el": "και το της η ο να του με στο για Αθήνα καλημέρα ψυχή ΕΛΛΑΔΑ".split(),
    "hi": "और के है में की एक को से यह भारत नमस्ते हिन्दी".split(),
    "ar": "في من على إلى أن هذا التي كان عن مرحبا العربية كتاب".split(),
    "he": "של את על זה לא עם הוא כי שלום עברית ספר".split(),
    "zh": "的 一 是 不 了 人 我 在 有 他 这 中国 北京 计算机 模型 你好 世界".split(),
    "ja": "の に は を た が で て と し れ さ 東京 日本語 ありがとう カタカナ".split(),
    "ko": "이 그 저 것 수 등 한국 서울 안녕하세요 감사합니다 컴퓨터".split(),
    "th": "ที่ และ ใน การ เป็น ของ ไทย กรุงเทพ สวัสดี ขอบคุณ".split(),
    "vi": "và của là có không được người Việt Nam xin chào cảm ơn những".split(),
}
PUNCT = list(".,;:!?-—–()[]{}\"'`~@#$%^&*_+=|\\/<>…«»¿¡")
WS = [" ", " ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "   ", "\u00a0", "\u3000", " \n"]
EMOJI_POOL = ["😀", "🎉", "👍🏽", "👨‍👩‍👧", "🇯🇵", "❤️", "🦙", "🚀", "✅", "🤖", "😶‍🌫️", "🏳️‍🌈"]
SPECIAL_POOL = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<s>", "</s>", "<unk>", "[INST]", "[/INST]",
    "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
    "<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<|user|>", "<|assistant|>",
    "<|end|>", "<|system|>", "<think>", "</think>", "<tool_call>", "<pad>", "<mask>",
]
CODE_BITS = [
    "def ", "return ", "if (", ") {", "}", "    ", "\t", "x = ", "[i]", "++", "->", "::",
    "==", "!=", "<=", ">=", "&&", "||", "/* c */", "// c", "# c", "\"str\"", "'c'", "0x1f",
    "self.", "import os", "#include <x.h>", "<div>", "</div>", "{\"k\": ", "null", "true",
    "fn(", "=>", "...", "$HOME", "| grep", "2>&1", ";\n",
]


def rand_number(r: random.Random) -> str:
    k = r.randrange(8)
    if k == 0:
        return str(r.randrange(10))
    if k == 1:
        return str(r.randrange(10 ** r.randrange(1, 12)))
    if k == 2:
        return f"{r.randrange(1000)}.{r.randrange(100000)}"
    if k == 3:
        return f"{r.randrange(1, 999)},{r.randrange(1000):03d},{r.randrange(1000):03d}"
    if k == 4:
        return f"+{r.randrange(1, 99)} ({r.randrange(100, 999)}) {r.randrange(100, 999)}-" \
               f"{r.randrange(1000, 9999)}"
    if k == 5:
        return "-" + str(r.randrange(100000))
    if k == 6:
        return f"{r.randrange(1, 31)}/{r.randrange(1, 12)}/{r.randrange(1900, 2100)}"
    return "".join(r.choice("0123456789") for _ in range(r.randrange(1, 30)))


def rand_unicode_char(r: random.Random) -> str:
    """A random scalar value from blocks that are mostly assigned, never a surrogate."""
    ranges = [(0x20, 0x7e), (0xa0, 0x24f), (0x370, 0x3ff), (0x400, 0x4ff), (0x590, 0x5ff),
              (0x600, 0x6ff), (0x900, 0x97f), (0xe00, 0xe7f), (0x1e00, 0x1eff),
              (0x2000, 0x206f), (0x2190, 0x23ff), (0x3040, 0x30ff), (0x4e00, 0x9fff),
              (0xac00, 0xd7a3), (0xff00, 0xffef), (0x1f300, 0x1faff), (0x0, 0x1f),
              (0x300, 0x36f), (0xe000, 0xe0ff), (0x10000, 0x1007f), (0x20000, 0x2a6df)]
    lo, hi = r.choice(ranges)
    return chr(r.randrange(lo, hi + 1))


def gen_mix(r: random.Random) -> str:
    n = r.randrange(1, 24)
    lang = r.choice(list(WORDS))
    parts = []
    for _ in range(n):
        k = r.random()
        if k < 0.50:
            if r.random() < 0.15:
                lang = r.choice(list(WORDS))
            w = r.choice(WORDS[lang])
            c = r.random()
            if c < 0.08:
                w = w.upper()
            elif c < 0.16:
                w = w.capitalize()
            parts.append(w)
        elif k < 0.62:
            parts.append(r.choice(PUNCT) * r.choice([1, 1, 1, 2, 3]))
        elif k < 0.72:
            parts.append(rand_number(r))
        elif k < 0.78:
            parts.append(r.choice(EMOJI_POOL))
        elif k < 0.83:
            parts.append(r.choice(SPECIAL_POOL))
        elif k < 0.90:
            parts.append(r.choice(CODE_BITS))
        elif k < 0.95:
            parts.append("".join(rand_unicode_char(r) for _ in range(r.randrange(1, 6))))
        else:
            parts.append(r.choice(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL"]))
        # separator
        s = r.random()
        if s < 0.70:
            parts.append(" ")
        elif s < 0.85:
            parts.append(r.choice(WS))
        # else glue
    out = "".join(parts)
    c = r.random()
    if c < 0.1:
        out = out.strip()
    elif c < 0.15:
        out = r.choice(WS) + out
    return out


def gen_sentence(r: random.Random) -> str:
    lang = r.choice(list(WORDS))
    words = [r.choice(WORDS[lang]) for _ in range(r.randrange(3, 16))]
    sep = "" if lang in ("zh", "ja", "th") and r.random() < 0.7 else " "
    s = sep.join(words)
    s = s[:1].upper() + s[1:]
    return s + r.choice([".", "!", "?", "。", "", "...", "?!", "\n"])


def gen_code(r: random.Random) -> str:
    lines = []
    indent = 0
    for _ in range(r.randrange(1, 9)):
        ind = r.choice(["    ", "\t", "  "]) * indent
        body = "".join(r.choice(CODE_BITS) for _ in range(r.randrange(1, 6)))
        lines.append(ind + body + r.choice(["", "", " ", "  "]))
        indent = max(0, min(4, indent + r.choice([-1, 0, 0, 1])))
    return r.choice(["\n", "\r\n"]).join(lines) + r.choice(["", "\n"])


def gen_whitespace(r: random.Random) -> str:
    out = []
    for _ in range(r.randrange(1, 10)):
        if r.random() < 0.5:
            out.append(r.choice(WS) * r.randrange(1, 5))
        else:
            out.append(r.choice(["a", "b", "x", "1", ".", "é", "中", "🦙", "'s"]))
    return "".join(out)


def gen_unicode_soup(r: random.Random) -> str:
    return "".join(rand_unicode_char(r) for _ in range(r.randrange(1, 40)))


def gen_word_with_digits(r: random.Random) -> str:
    w = r.choice(WORDS["en"])
    return r.choice([w + rand_number(r), rand_number(r) + w, w + " " + rand_number(r),
                     rand_number(r) + " " + rand_number(r), rand_number(r) + "." + w])


GENERATORS = [
    (gen_mix, 0.40),
    (gen_sentence, 0.15),
    (gen_code, 0.12),
    (gen_whitespace, 0.10),
    (gen_unicode_soup, 0.10),
    (gen_word_with_digits, 0.08),
    (lambda r: r.choice(SPECIAL_POOL) + gen_sentence(r) + r.choice(SPECIAL_POOL), 0.05),
]


def encode_line(s: str) -> str:
    # Readable UTF-8, but every character a line reader might treat as a line
    # break (and the C1 controls) is escaped, so one string is one line.
    line = json.dumps(s, ensure_ascii=False)
    out = []
    for ch in line:
        cp = ord(ch)
        if cp in (0x85, 0x2028, 0x2029) or 0x7f <= cp <= 0x9f:
            out.append(f"\\u{cp:04x}")
        else:
            out.append(ch)
    return "".join(out)


def build() -> list:
    r = random.Random(SEED)
    seen = set()
    strings = []
    for s in HAND:
        if s not in seen:
            seen.add(s)
            strings.append(s)
    weights = [w for _, w in GENERATORS]
    fns = [f for f, _ in GENERATORS]
    while len(strings) < TARGET:
        fn = r.choices(fns, weights)[0]
        s = fn(r)
        if s not in seen:
            seen.add(s)
            strings.append(s)
    return strings


def main() -> int:
    text = "".join(encode_line(s) + "\n" for s in build())
    if "--check" in sys.argv[1:]:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(f"corpus.jsonl {'is' if same else 'is NOT'} up to date")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10))} strings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
