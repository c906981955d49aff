#!/usr/bin/env bash
# `wick chat` on SmolLM2 (tests/setup/models.sh), greedy, fed through a
# pipe: the first reply answers the question; the second turn reuses the
# KV cache of the first (prompt + reply are a prefix of the new rendering,
# so "reused N" with N > 0 on stderr, and N equals turn 1's prompt plus its
# generated tokens); /reset brings the reuse count back to 0; stdout holds
# only the replies; after /reset the same question gets turn 1's answer;
# a model without a chat template fails clearly.
set -uo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_BIN:-build/asan/wick}
SMOL=build/models/smollm2-135m-instruct-q4_1.gguf
GEMMA=build/models/gemma3-270m-q4_k_m.gguf
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
for m in "$SMOL" "$GEMMA"; do [ -f "$m" ] || { echo "cli_chat: $m missing (bash tests/setup/models.sh)"; exit 1; }; done

printf 'What is the capital of France?\nAnd of Germany?\n/reset\nWhat is the capital of France?\n' |
    "$WICK" chat -m "$SMOL" --system "You are a helpful assistant." -n 24 -t 2 >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ]; then ok "exit code 0"; else bad "exit code $rc: $(cat "$TMP/err")"; fi
mapfile -t replies <"$TMP/out"
if [ ${#replies[@]} -eq 3 ]; then ok "three replies on stdout"; else bad "expected 3 reply lines, got ${#replies[@]}: $(cat "$TMP/out")"; fi
if grep -q "Paris" <<<"${replies[0]:-}"; then ok "turn 1: ${replies[0]}"; else bad "turn 1 does not mention Paris: ${replies[0]:-}"; fi
if grep -q "Berlin" <<<"${replies[1]:-}"; then ok "turn 2: ${replies[1]}"; else bad "turn 2 does not mention Berlin: ${replies[1]:-}"; fi
# After /reset the same question gets the same greedy answer as turn 1.
if [ -n "${replies[2]:-}" ] && [ "${replies[2]}" = "${replies[0]}" ]; then ok "turn 3 (after /reset) repeats turn 1"; else bad "turn 3 after /reset: '${replies[2]:-}' vs '${replies[0]:-}'"; fi
mapfile -t stats < <(grep "wick chat: reused" "$TMP/err")
if [ ${#stats[@]} -eq 3 ]; then ok "three turn reports on stderr"; else bad "expected 3 turn reports, got ${#stats[@]}: $(cat "$TMP/err")"; fi
# "reused R of P prompt tokens; prefilled F in ..; generated G tokens ..."
read -r r1 p1 g1 < <(sed -E 's/.*reused ([0-9]+) of ([0-9]+) .*generated ([0-9]+) tokens.*/\1 \2 \3/' <<<"${stats[0]:-}")
read -r r2 p2 _ < <(sed -E 's/.*reused ([0-9]+) of ([0-9]+) .*generated ([0-9]+) tokens.*/\1 \2 \3/' <<<"${stats[1]:-}")
read -r r3 _ _ < <(sed -E 's/.*reused ([0-9]+) of ([0-9]+) .*generated ([0-9]+) tokens.*/\1 \2 \3/' <<<"${stats[2]:-}")
if [ "${r1:-x}" = 0 ]; then ok "turn 1 reuses nothing"; else bad "turn 1 reused '${r1:-}'"; fi
if [ -n "${r2:-}" ] && [ "$r2" -gt 0 ] && [ "$r2" -lt "$p2" ] && [ "$r2" -eq $((p1 + g1)) ]; then
    ok "turn 2 reuses $r2 of $p2 prompt tokens (turn 1: $p1 prompt + $g1 generated)"
else
    bad "turn 2 reuse: '${stats[1]:-}' (turn 1: ${stats[0]:-})"
fi
if [ "${r3:-x}" = 0 ]; then ok "after /reset the reuse count is 0"; else bad "after /reset: '${stats[2]:-}'"; fi
if grep -q "conversation reset" "$TMP/err" && ! grep -q "reused\|> " "$TMP/out"; then ok "prompts and reports on stderr only"; else bad "stderr/stdout split"; fi

# The reused cache gives what a fresh decode of the whole conversation
# gives: render [system, user 1, reply 1, user 2] with `wick template` and
# let `wick run` decode it from scratch; its greedy answer must equal turn 2.
python3 - "${replies[0]:-}" >"$TMP/conv.json" <<'PY'
import json, sys
print(json.dumps([
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": sys.argv[1]},
    {"role": "user", "content": "And of Germany?"}]))
PY
if "$WICK" template -m "$SMOL" --messages "$TMP/conv.json" --add-generation-prompt >"$TMP/prompt" 2>"$TMP/err2"; then
    prompt=$(cat "$TMP/prompt"; printf x) # keep the trailing newline
    fresh=$("$WICK" run -m "$SMOL" -p "${prompt%x}" -n 24 -t 2 2>/dev/null)
    if [ -n "$fresh" ] && [ "$fresh" = "${replies[1]:-}" ]; then ok "turn 2 equals a fresh decode of the conversation"; else bad "turn 2 '${replies[1]:-}' vs fresh decode '$fresh'"; fi
else
    bad "wick template: $(cat "$TMP/err2")"
fi

# /exit stops before later lines.
printf '/exit\nWhat is the capital of France?\n' | "$WICK" chat -m "$SMOL" -n 4 >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$TMP/out" ]; then ok "/exit quits"; else bad "/exit (rc $rc): $(cat "$TMP/out")"; fi

# A model without a chat template.
echo "hello" | "$WICK" chat -m "$GEMMA" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "has no chat template" "$TMP/err"; then ok "no template: $(cat "$TMP/err")"; else bad "no template (rc $rc): $(cat "$TMP/err")"; fi

# Bad usage.
"$WICK" chat >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "MODEL is required" "$TMP/err"; then ok "usage error"; else bad "usage (rc $rc): $(cat "$TMP/err")"; fi
exit $fail
