#!/usr/bin/env bash
# `wick info --json` against the gguf Python package's GGUFReader, for both
# real models and a small file written by gguf-py itself; then the error
# paths: missing file, not a GGUF file, truncated header, truncated data.
set -u
cd "$(dirname "$0")/../.."
WICK_BIN=${WICK_BIN:-build/asan/wick}
PY=${PYTHON:-python3}
fail=0

models=()
for m in build/models/smollm2-135m-instruct-q4_1.gguf build/models/gemma3-270m-q4_k_m.gguf; do
    if [ -f "$m" ]; then models+=("$m")
    elif [ -d build/models ]; then echo "gguf_info: $m is missing"; fail=1
    else echo "gguf_info: SKIP $m (build/models/ is absent; run tests/setup/models.sh)"; fi
done
"$PY" tests/conformance/gguf_info_check.py "$WICK_BIN" "${models[@]}" \
    tests/fuzz/seeds/gguf/gguf_py_writer.gguf || fail=1

# Bad inputs: exit code 1 and a message that says what is wrong.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'hello, not a model\n' > "$tmp/text.gguf"
cases=0 bad=0
expect_error() { # description, expected substring, file
    cases=$((cases + 1))
    out=$("$WICK_BIN" info "$3" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 1 ] && grep -qF -- "$2" <<<"$out"; then
        echo "  ok   $1: $out"
    else
        echo "  FAIL $1: exit $rc, stderr: $out (wanted '$2')"; bad=$((bad + 1))
    fi
}
expect_error "missing file" "cannot open" "$tmp/none.gguf"
expect_error "directory" "not a regular file" "$tmp"
expect_error "text file" "not a GGUF file" "$tmp/text.gguf"
if [ ${#models[@]} -gt 0 ]; then
    head -c 100000 "${models[0]}" > "$tmp/head.gguf"
    expect_error "truncated in the vocabulary" "exceeds the remaining" "$tmp/head.gguf"
    head -c 3000000 "${models[0]}" > "$tmp/data.gguf"
    expect_error "truncated in the tensor data" "extends past the end of the file" "$tmp/data.gguf"
fi
echo "gguf_info: $cases error cases, $bad wrong"
[ $bad -eq 0 ] || fail=1
exit $fail
