#!/usr/bin/env bash
# Differential test of the chat-template engine against Python jinja2 on
# random templates (tests/unit/jinja_random.py, fixed seeds): 2000 random
# expression/statement templates over mixed values (most of them raise in
# jinja2, and must fail in Wick too) and 1000 chat-shaped templates with
# random whitespace control. jinja2 renders each case; test_jinja replays
# them (WICK_JINJA_CASES) and prints counts; any mismatch fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${WICK_TEST_JINJA:-build/asan/tests/test_jinja}
[ -x "$bin" ] || make -s "$bin"
out=build/jinja_random
mkdir -p "$out"
python3 tests/unit/jinja_random.py --mode expr --seed 11 --count 2000 --out "$out/expr.json"
python3 tests/unit/jinja_random.py --mode chat --seed 12 --count 1000 --out "$out/chat.json"
status=0
for f in "$out/expr.json" "$out/chat.json"; do
    WICK_JINJA_CASES="$f" "$bin" test_jinja2_fixture || status=1
done
exit $status
