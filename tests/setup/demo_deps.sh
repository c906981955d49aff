#!/usr/bin/env bash
# What `make demo` needs, installed when missing: a C compiler, Node and npm
# (the TypeScript build), emscripten (the wasm build) from apt, and the npm
# packages of package-lock.json (typescript among them). Lighter than
# deps.sh, which adds the test references (llama-cpp-python, ...).
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v cc >/dev/null || command -v clang-19 >/dev/null || need+=(build-essential)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v emcc >/dev/null || need+=(emscripten)
command -v python3 >/dev/null || need+=(python3 python3-pip)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "demo_deps.sh: missing Debian packages: ${need[*]} (run as root, or install them)" >&2
        exit 1
    fi
    echo "demo_deps.sh: apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -x node_modules/.bin/tsc ]; then
    echo "demo_deps.sh: npm ci"
    npm ci --no-audit --no-fund
fi
