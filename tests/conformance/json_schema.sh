#!/usr/bin/env bash
# JSON Schema -> grammar over the corpus tests/data/json_schemas/ (see
# json_schema.py): the corpus matches its generator, every schema converts
# (or fails as intended), generated valid documents are accepted and
# invalid ones rejected.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOL=${WICK_JSON_SCHEMA_CHECK:-build/asan/json-schema-check}
[ -x "$TOOL" ] || make -s "$TOOL"
python3 tools/gen_json_schemas.py --check
python3 tests/conformance/json_schema.py "$TOOL" "${JSON_SCHEMA_SEED:-1}"
