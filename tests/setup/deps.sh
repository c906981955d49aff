#!/usr/bin/env bash
# Installs what the tests need, when it is missing: clang-19 (sanitizers,
# libFuzzer), wasi-libc, qemu-user + arm64 cross libc (the NEON kernels
# run under qemu), emscripten (the browser build) and chromium (browser
# tests, through playwright-core) from apt, the Python references from
# tests/requirements.txt, the npm vocabularies from package-lock.json.
# Run by `make test` before it builds; quiet when everything is there.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_pkgs=()
for p in clang-19 lld-19 libclang-rt-19-dev wasi-libc qemu-user-static libc6-dev-arm64-cross libgcc-12-dev-arm64-cross emscripten chromium; do
    dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
command -v python3 >/dev/null || need_pkgs+=(python3 python3-pip)
command -v npm >/dev/null || need_pkgs+=(nodejs npm)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "deps.sh: missing Debian packages: ${need_pkgs[*]} (run as root, or install them)" >&2
        exit 1
    fi
    echo "deps.sh: apt-get install ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! python3 - <<'PY' 2>/dev/null
import importlib.metadata as m
for line in open('tests/requirements.txt'):
    req = line.split('#')[0].strip()
    if not req: continue
    name, _, ver = req.partition('==')
    if m.version(name) != (ver or m.version(name)): raise SystemExit(1)
PY
then
    echo "deps.sh: pip install -r tests/requirements.txt"
    python3 -m pip install -q -r tests/requirements.txt
fi

if [ -f package.json ] && ! npm ls --depth=0 >/dev/null 2>&1; then
    echo "deps.sh: npm ci"
    npm ci --no-audit --no-fund
fi
