#!/usr/bin/env bash
# The weights are memory-mapped, not copied: peak RSS of `wick run` on the
# two real test models must stay within file size + KV cache + 50 MB
# (tests/bench/rss_check.py; the bench version, rss_check.sh, adds a 1.5B
# model and a longer prompt). Copying the weights would add the whole
# file (94 / 241 MB) and fail. Uses the release build, not WICK_BIN: the
# sanitizer build's shadow memory and quarantine would swamp the numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
WICK=${WICK_RSS_BIN:-build/wick}
[ -n "${WICK_RSS_BIN:-}" ] || make -s build/wick >/dev/null
python3 -c "import gguf" 2>/dev/null || { echo "rss: python gguf missing (pip install -r tests/requirements.txt)"; exit 1; }
models=(build/models/smollm2-135m-instruct-q4_1.gguf build/models/gemma3-270m-q4_k_m.gguf)
for m in "${models[@]}"; do [ -f "$m" ] || { echo "FAIL $m missing (tests/setup/models.sh)"; exit 1; }; done
python3 tests/bench/rss_check.py --ctx 128 --gen 8 "$WICK" "${models[@]}"
