#!/usr/bin/env python3
"""Generates src/unicode/unicode_data.c: the Unicode tables behind
src/unicode/unicode.h, as two-stage lookup tables.

Which Unicode versions, and why (checked against the tokenizers wheels
0.22.1 and 0.23.3, the one tests/requirements.txt pins):
  * General categories and White_Space: Unicode 16.0.0. The pre-tokenizer
    regexes run in Oniguruma (onig crate 6.5.1 / 6.5.3 -> onig_sys 69.9.x ->
    the oniguruma submodule at v6.9.9-46, "Update to Unicode 16.0"). An
    exhaustive comparison of \\p{L} \\p{N} \\p{M} \\p{Lu} \\p{P} \\p{S} \\s over
    every code point matched unicodedata2 16.0.0 exactly (and not 15.x/17.0).
    The `Digits` pre-tokenizer uses Rust's char::is_numeric instead, whose
    Unicode version is the toolchain's: 16.0 in 0.22.1, 17.0 in 0.23.3
    (13 more code points; src/tokenizer/pretokenize.c lists them).
  * Normalization (NFC/NFD, canonical combining classes, compositions):
    Unicode 9.0.0. `tokenizers` normalizes with the crate
    unicode-normalization-alignments 0.1.12, whose tables say
    UNICODE_VERSION = (9, 0, 0); NFD/NFC of every single code point
    through tokenizers.normalizers matched unicodedata2 9.0.0 exactly.

Data sources: the PyPI package `unicodedata2`.
  * 16.0.0 installs normally (`pip install unicodedata2==16.0.0`, pinned in
    tests/requirements.txt).
  * 9.0.0.post4 is only an sdist that no longer compiles on Python >= 3.10.
    `--ud9-dir DIR` points at an install of it; `--build-ud9 DIR` makes one
    with pip (download the sdist, patch its two build errors, install into
    DIR).

Usage:
  python3 tools/gen_unicode_tables.py --build-ud9 /tmp/ud9     # once
  python3 tools/gen_unicode_tables.py --ud9-dir /tmp/ud9 [--ud16-dir DIR]
writes src/unicode/unicode_data.c (use --out to write elsewhere, --check to
compare with the committed file instead).
"""

import argparse
import glob
import importlib.util
import os
import subprocess
import sys
import tarfile
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DEFAULT = os.path.join(REPO, "src", "unicode", "unicode_data.c")
MAX_CP = 0x110000

# Must match enum unicode_gc in src/unicode/unicode.h.
GC_NAMES = ["Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No",
            "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So",
            "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"]
GC_INDEX = {n: i for i, n in enumerate(GC_NAMES)}

# White_Space (PropList.txt); unchanged since Unicode 6.3. The generator
# cross-checks it against unicodedata2's str.isspace-independent data below.
WHITE_SPACE = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680] + \
    list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]

S_BASE, L_BASE, V_BASE, T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
L_COUNT, V_COUNT, T_COUNT = 19, 21, 28
N_COUNT = V_COUNT * T_COUNT
S_COUNT = L_COUNT * N_COUNT


def load_module(directory, want_version):
    paths = glob.glob(os.path.join(directory, "unicodedata2*.so")) + \
        glob.glob(os.path.join(directory, "unicodedata2*.pyd"))
    if not paths:
        sys.exit(f"no unicodedata2 extension module in {directory}")
    spec = importlib.util.spec_from_file_location("unicodedata2", paths[0])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if mod.unidata_version != want_version:
        sys.exit(f"{paths[0]} is Unicode {mod.unidata_version}, need {want_version}")
    return mod


def build_ud9(target):
    """pip-downloads the unicodedata2 9.0.0.post4 sdist, fixes the two spots
    that newer CPython headers break, and installs it into `target`."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps",
                               "--no-binary", ":all:", "-d", tmp, "unicodedata2==9.0.0.post4"])
        sdist = glob.glob(os.path.join(tmp, "unicodedata2-9.0.0.post4.tar.gz"))[0]
        with tarfile.open(sdist) as tf:
            tf.extractall(tmp)
        src = os.path.join(tmp, "unicodedata2-9.0.0.post4")
        py3 = os.path.join(src, "unicodedata2", "py3")
        # ucnhash.h left CPython's public headers in 3.10.
        with open(os.path.join(py3, "ucnhash.h"), "w") as f:
            f.write("typedef struct {\n    int size;\n"
                    "    int (*getname)(PyObject *self, Py_UCS4 code, char *buffer, int buflen,"
                    " int with_alias_and_seq);\n"
                    "    int (*getcode)(PyObject *self, const char *name, int namelen,"
                    " Py_UCS4 *code, int with_named_seq);\n} _PyUnicode_Name_CAPI;\n")
        cfile = os.path.join(py3, "unicodedata.c")
        with open(cfile) as f:
            text = f.read()
        # Py_TYPE() stopped being an lvalue in 3.10.
        text = text.replace("Py_TYPE(&UCD_Type) = &PyType_Type;",
                            "Py_SET_TYPE(&UCD_Type, &PyType_Type);")
        with open(cfile, "w") as f:
            f.write(text)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--no-deps",
                               "--target", target, src])


# ------------------------------------------------------------ properties


def category_bytes(u16):
    """One byte per code point: gc (5 bits) | White_Space << 5."""
    ws = set(WHITE_SPACE)
    out = bytearray(MAX_CP)
    for cp in range(MAX_CP):
        gc = GC_INDEX[u16.category(chr(cp))]
        out[cp] = gc | (0x20 if cp in ws else 0)
    # Cross-check White_Space against the bidi classes that define it
    # (WS/S/B plus the few ON/BN controls), so a typo above cannot hide.
    for cp in range(MAX_CP):
        bidi = u16.bidirectional(chr(cp))
        if bidi in ("WS", "S", "B") and cp not in ws and cp != 0x1C and cp != 0x1D \
                and cp != 0x1E and cp != 0x1F:
            sys.exit(f"U+{cp:04X} bidi {bidi} but not in WHITE_SPACE")
    return out


def norm_data(u9):
    """Per code point: ccc, full canonical decomposition (non-Hangul), and
    the NFC quick-check value; plus the primary composite pairs."""
    ccc = [0] * MAX_CP
    decomp = {}
    raw = {}
    for cp in range(MAX_CP):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        ccc[cp] = u9.combining(ch)
        d = u9.decomposition(ch)
        if d and not d.startswith("<"):
            raw[cp] = [int(x, 16) for x in d.split()]
    for cp in raw:
        if S_BASE <= cp < S_BASE + S_COUNT:
            continue
        full = [ord(c) for c in u9.normalize("NFD", chr(cp))]
        decomp[cp] = full
    # Primary composites: canonical decompositions of two code points that
    # NFC recomposes (everything not in Full_Composition_Exclusion).
    pairs = {}
    for cp, d in raw.items():
        if len(d) != 2:
            continue
        if u9.normalize("NFC", chr(d[0]) + chr(d[1])) == chr(cp):
            pairs[(d[0], d[1])] = cp
    seconds = {b for (_, b) in pairs}
    qc = [0] * MAX_CP  # 0 yes, 1 maybe, 2 no
    for cp in range(MAX_CP):
        if 0xD800 <= cp < 0xE000:
            continue
        if u9.normalize("NFC", chr(cp)) != chr(cp):
            qc[cp] = 2
        elif cp in seconds or (V_BASE <= cp < V_BASE + V_COUNT) or \
                (T_BASE < cp < T_BASE + T_COUNT):
            qc[cp] = 1
    # Sanity: a quick-check "yes" starter that decomposes starts with a
    # starter that never composes backwards, so a chunk boundary before it
    # is safe (unicode.c relies on this).
    for cp, d in decomp.items():
        if qc[cp] == 0 and ccc[cp] == 0:
            assert ccc[d[0]] == 0 and qc[d[0]] == 0, hex(cp)
    return ccc, decomp, pairs, qc


# ------------------------------------------------------------ table packing


def two_stage(values, shift):
    """Splits `values` into blocks of 1 << shift, deduplicates them."""
    size = 1 << shift
    blocks = {}
    stage1 = []
    stage2 = []
    for start in range(0, len(values), size):
        block = tuple(values[start:start + size])
        idx = blocks.get(block)
        if idx is None:
            idx = len(blocks)
            blocks[block] = idx
            stage2.extend(block)
        stage1.append(idx)
    return stage1, stage2


def best_three_stage(values, elem_bytes):
    """Three levels: the two-stage index array is itself split in two.
    value(cp) = data[(mid[(top[cp >> (lo + hi)] << hi) + ((cp >> lo) & HMASK)] << lo)
                     + (cp & LMASK)]"""
    best = None
    for lo in range(3, 9):
        s1, data = two_stage(values, lo)
        for hi in range(2, 9):
            top, mid = two_stage(s1, hi)
            total = len(top) * 2 + len(mid) * 2 + len(data) * elem_bytes
            if best is None or total < best[0]:
                best = (total, lo, hi, top, mid, data)
    return best


def emit_three_stage(out, prefix, values, elem_bytes, data_type, fmt="{}", per_line=16):
    total, lo, hi, top, mid, data = best_three_stage(values, elem_bytes)
    out.append(f"\n/* {prefix}: {len(top)} + {len(mid)} + {len(data)} entries, {total} bytes */")
    out.append(f"const unsigned {prefix}_lo = {lo}, {prefix}_hi = {hi};")
    out.append(c_array("uint16_t", f"{prefix}_top", top))
    out.append(c_array("uint16_t", f"{prefix}_mid", mid))
    out.append(c_array(data_type, f"{prefix}_data", data, per_line, fmt))
    return total, lo, hi


def c_array(ctype, name, values, per_line=16, fmt="{}"):
    lines = [f"const {ctype} {name}[{len(values)}] = {{"]
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(fmt.format(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def generate(u16, u9):
    out = []
    out.append("/* Generated by tools/gen_unicode_tables.py; do not edit.\n"
               f" * General categories and White_Space: Unicode {u16.unidata_version} (what\n"
               " * Oniguruma in HF tokenizers uses); normalization: Unicode "
               f"{u9.unidata_version} (what\n"
               " * unicode-normalization-alignments in HF tokenizers uses).\n"
               " * Layout: three-stage tables, see best_three_stage() in the generator. */\n")
    out.append('#include "unicode/unicode.h"\n#include "unicode/unicode_tables.h"\n')
    out.append(f'const char UNICODE_VERSION_STRING[] = "{u16.unidata_version}";')
    out.append(f'const char UNICODE_NORM_VERSION_STRING[] = "{u9.unidata_version}";\n')

    cat = category_bytes(u16)
    total, lo, hi = emit_three_stage(out, "unicode_gc", list(cat), 1, "uint8_t", per_line=32)
    stats = [f"categories {total} bytes (shifts {lo}/{hi})"]

    ccc, decomp, pairs, qc = norm_data(u9)
    # Per code point, 16 bits: ccc | qc << 8 | has_decomposition << 10.
    # Decompositions themselves are few (about 2000): a sorted list, binary
    # searched only for code points whose bit says they have one.
    props = [ccc[cp] | (qc[cp] << 8) | ((1 << 10) if cp in decomp else 0)
             for cp in range(MAX_CP)]
    total, lo, hi = emit_three_stage(out, "unicode_norm", props, 2, "uint16_t", "0x{:03X}", 12)
    pool = []
    pool_index = {}
    entries = []
    for cp in sorted(decomp):
        key = tuple(decomp[cp])
        if key not in pool_index:
            pool_index[key] = len(pool)
            pool.extend(key)
        entries.append((cp, pool_index[key], len(key)))
    assert len(pool) < 65536 and max(e[2] for e in entries) < 256
    out.append(f"const unsigned unicode_decomp_count = {len(entries)};")
    out.append(f"const unicode_decomp_entry unicode_decomp_entries[{len(entries)}] = {{")
    for i in range(0, len(entries), 4):
        out.append("    " + " ".join("{0x%04X, %d, %d}," % e for e in entries[i:i + 4]))
    out.append("};")
    out.append(c_array("uint32_t", "unicode_decomp_pool", pool, 8, "0x{:04X}"))
    comp = sorted(pairs.items())
    out.append(f"const unsigned unicode_comp_count = {len(comp)};")
    out.append(f"const unicode_comp_pair unicode_comp_pairs[{len(comp)}] = {{")
    for (a, b), c in comp:
        out.append(f"    {{0x{a:04X}, 0x{b:04X}, 0x{c:04X}}},")
    out.append("};")
    nbytes = total + len(entries) * 8 + len(pool) * 4 + len(comp) * 12
    stats.append(f"normalization {nbytes} bytes (shifts {lo}/{hi}, {len(entries)} decompositions "
                 f"into {len(pool)} code points, {len(comp)} compositions)")
    return "\n".join(out) + "\n", stats


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ud9-dir", help="directory holding unicodedata2 9.0.0 (see --build-ud9)")
    ap.add_argument("--ud16-dir", help="directory holding unicodedata2 16.0.0 "
                    "(default: the installed unicodedata2)")
    ap.add_argument("--build-ud9", metavar="DIR", help="build unicodedata2 9.0.0 into DIR and exit")
    ap.add_argument("--out", default=OUT_DEFAULT)
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing")
    args = ap.parse_args()
    if args.build_ud9:
        build_ud9(args.build_ud9)
        return
    if not args.ud9_dir:
        ap.error("--ud9-dir is required (make one with --build-ud9 DIR)")
    if args.ud16_dir:
        u16 = load_module(args.ud16_dir, "16.0.0")
    else:
        import unicodedata2 as u16  # noqa: E402
        if u16.unidata_version != "16.0.0":
            sys.exit(f"installed unicodedata2 is {u16.unidata_version}; need 16.0.0")
    u9 = load_module(args.ud9_dir, "9.0.0")
    text, stats = generate(u16, u9)
    for s in stats:
        print(s)
    if args.check:
        with open(args.out) as f:
            same = f.read() == text
        print("unchanged" if same else f"DIFFERS from {args.out}")
        sys.exit(0 if same else 1)
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
