#!/usr/bin/env bash
# Tokenizer throughput, Wick vs Hugging Face tokenizers (SmolLM2 vocab, 1 MB
# of English prose). Builds the release CLI, makes sure the model is there,
# prints both speeds. Usage: bash tests/bench/tokenize_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s build/wick
bash tests/setup/models.sh >/dev/null
python3 tests/bench/tokenize_bench.py build/wick build/models/smollm2-135m-instruct-q4_1.gguf build/bench
