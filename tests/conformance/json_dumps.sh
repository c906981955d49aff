#!/usr/bin/env bash
# json_write vs Python json.dumps, byte for byte (see json_dumps.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
[ -x "$MK" ] || { echo "json_dumps: $MK not built (make asan)"; exit 1; }
python3 tests/conformance/json_dumps.py "$MK" "${JSON_SEED:-1234}"
