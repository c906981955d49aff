#!/usr/bin/env bash
# Runs every test: unit tests (sanitizer build), conformance suites, fuzz
# smoke runs and the wasm32 compile check. Called by `make test`.
# FUZZ_SECONDS (default 60) bounds each fuzz target's run.
set -u
cd "$(dirname "$0")/.."
failed=()
run() { # name, command...
    local name=$1; shift
    echo "=== $name"
    if "$@"; then echo "--- ok: $name"; else echo "--- FAILED: $name"; failed+=("$name"); fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export WICK_BIN=${WICK_BIN:-build/asan/wick}
export WICK_MKMODEL=${WICK_MKMODEL:-build/asan/wick-mkmodel}

run "models (download and verify the real test models)" bash tests/setup/models.sh

for t in build/asan/tests/test_*; do
    [ -x "$t" ] && run "unit $(basename "$t")" "$t"
done

for s in tests/conformance/*.sh; do
    [ -f "$s" ] && run "conformance $(basename "$s" .sh)" bash "$s"
done

if make -s fuzz >/dev/null 2>&1 || make fuzz; then
    for f in build/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        name=$(basename "$f")
        corpus=build/fuzz-corpus/$name
        mkdir -p "$corpus"
        seeds=tests/fuzz/seeds/${name#fuzz_}
        run "fuzz $name (${FUZZ_SECONDS:-60}s)" "$f" -max_total_time="${FUZZ_SECONDS:-60}" \
            -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            "$corpus" $( [ -d "$seeds" ] && echo "$seeds" )
    done
else
    failed+=("fuzz build")
fi

run "wasm32 compile check" make -s wasm-check

echo
if [ ${#failed[@]} -eq 0 ]; then
    echo "ALL TESTS PASSED"
else
    echo "FAILED: ${#failed[@]}"; printf '  %s\n' "${failed[@]}"; exit 1
fi
