#!/usr/bin/env bash
# Memory check: `wick run` memory-maps the weights, so its peak RSS must be
# about file size + KV cache, with under 50 MB of overhead (rss_check.py
# says how it is measured). Runs SmolLM2-135M and Gemma 3 270M (512-token
# context, ~490-token prompt) and, if tests/bench/cpu_bench.sh made it, the
# random 1.5B llama in build/bench/llama1b-q4_0.gguf (128-token context,
# to keep its prefill short). Prints a table; exit status 1 on a FAIL.
# tests/conformance/rss.sh is the quick CI version (real models only).
#
# Usage: bash tests/bench/rss_check.sh   (env: WICK_RSS_BIN, default build/wick:
#   never a sanitizer build, whose shadow memory would swamp the numbers)
set -euo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_RSS_BIN:-build/wick}
[ -n "${WICK_RSS_BIN:-}" ] || make -s build/wick
bash tests/setup/models.sh >/dev/null
fail=0
python3 tests/bench/rss_check.py --ctx 512 --gen 16 "$WICK" build/models/smollm2-135m-instruct-q4_1.gguf \
    build/models/gemma3-270m-q4_k_m.gguf || fail=1
if [ -f build/bench/llama1b-q4_0.gguf ]; then
    python3 tests/bench/rss_check.py --ctx 128 --gen 8 "$WICK" build/bench/llama1b-q4_0.gguf || fail=1
else
    echo "(build/bench/llama1b-q4_0.gguf absent: run tests/bench/cpu_bench.sh once to make it)"
fi
exit $fail
