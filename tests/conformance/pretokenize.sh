#!/usr/bin/env bash
# Pre-tokenizers and Unicode tables vs their references (see
# tests/conformance/pretokenize/gen_fixtures.py and live_check.py):
#   1. the committed fixtures (splits and NFC/NFD made by HF tokenizers)
#      through the unit-test programs, with counts;
#   2. every code point's category and White_Space vs unicodedata2 16.0.0;
#   3. a fresh corpus (another seed) through the installed tokenizers;
#   4. the fixtures regenerate byte for byte (only with the pinned
#      tokenizers and Python's Unicode 14.0 unicodedata, which the corpus
#      draws code points from).
set -u
cd "$(dirname "$0")/../.."
BIN=${WICK_TEST_BIN:-build/asan/tests}
TP=$BIN/test_pretokenize
TU=$BIN/test_unicode
for b in "$TP" "$TU"; do
    [ -x "$b" ] || { echo "pretokenize: $b not built (make asan)"; exit 1; }
done
fail=0

echo "-- fixtures"
"$TP" test_fixtures || fail=1
"$TU" test_norm_fixture || fail=1

echo "-- categories vs unicodedata2"
if python3 -c 'import unicodedata2, sys; sys.exit(unicodedata2.unidata_version != "16.0.0")' 2>/dev/null; then
    "$TU" --dump-categories | python3 -c '
import sys, unicodedata2 as u
ws = {9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
      0x202F, 0x205F, 0x3000}
lines = sys.stdin.read().split("\n")
bad = 0
for cp in range(0x110000):
    want = u.category(chr(cp)) + (" w" if cp in ws else "")
    if lines[cp] != want:
        bad += 1
        if bad <= 5:
            print("  U+%04X: %r, unicodedata2 %r" % (cp, lines[cp], want))
print("  %d code points, %d category/White_Space mismatches (Unicode %s)" % (0x110000, bad, u.unidata_version))
sys.exit(1 if bad else 0)' || fail=1
else
    echo "  unicodedata2==16.0.0 not installed (pip install -r tests/requirements.txt)"
    fail=1
fi

echo "-- live check against the installed tokenizers"
if python3 -c 'import tokenizers' 2>/dev/null; then
    python3 tests/conformance/pretokenize/live_check.py "$TP" "$TU" --seed "${PRETOK_SEED:-777}" || fail=1
else
    echo "  tokenizers not installed (pip install -r tests/requirements.txt)"
    fail=1
fi

echo "-- fixtures regenerate"
if python3 -c '
import sys, unicodedata, tokenizers
sys.path.insert(0, "tests/conformance/pretokenize")
import gen_fixtures as g
sys.exit(not (tokenizers.__version__ == g.PINNED_TOKENIZERS and unicodedata.unidata_version == "14.0.0"))' 2>/dev/null; then
    tmp=$(mktemp -d)
    if python3 tests/conformance/pretokenize/gen_fixtures.py --out "$tmp" >/dev/null; then
        same=0 differ=0
        for f in "$tmp"/*.txt; do
            if cmp -s "$f" "tests/conformance/pretokenize/$(basename "$f")"; then
                same=$((same + 1))
            else
                differ=$((differ + 1)); echo "  $(basename "$f") differs from the committed file"
            fi
        done
        echo "  $same fixture files identical, $differ differ"
        [ "$differ" -eq 0 ] || fail=1
    else
        fail=1
    fi
    rm -rf "$tmp"
else
    echo "  skipped: needs tokenizers $(python3 -c 'import sys; sys.path.insert(0, "tests/conformance/pretokenize"); import gen_fixtures as g; print(g.PINNED_TOKENIZERS)' 2>/dev/null) and Python's Unicode 14.0 unicodedata"
fi

exit $fail
