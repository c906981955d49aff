/* Pre-tokenizer facts from a tokenizer.json, for tools/tokenizer_import.c:
 * which tokenizer.ggml.pre a byte-level BPE's pre_tokenizer is (matched on
 * its structure and regexes, since llama.cpp's way, hashing an HF encoding
 * of a test string, needs an HF tokenizer), whether it is byte-level at all,
 * and whether a SentencePiece-style one adds a dummy prefix space. */
#ifndef WICK_TOOLS_TOKENIZER_IMPORT_PRE_H
#define WICK_TOOLS_TOKENIZER_IMPORT_PRE_H

#include "json/json.h"
#include "wick.h"

#include <stdbool.h>
#include <stddef.h>

/* *name: "gpt2", "smollm", "llama-bpe", "qwen2", "deepseek-llm" or
 * "deepseek-v3"; anything else is WICK_ERR_UNSUPPORTED with a message that
 * names `path`, the unrecognised part and --pre. */
wick_status tokimp_detect_pre(const json_value *root, const char *path, const char **name,
                              wick_error *err);

/* A ByteLevel step in pre_tokenizer, or a ByteLevel decoder. */
bool tokimp_has_byte_level(const json_value *root);

/* A Prepend("\u2581") normalizer, or a Metaspace pre-tokenizer that prepends. */
bool tokimp_space_prefix(const json_value *root);

/* `s` quoted for a message into buf[cap] (cap >= 16): JSON-style escapes for
 * '"' and '\\', control bytes as \xNN, cut at a character boundary. */
const char *tokimp_quote(const char *s, size_t n, char *buf, size_t cap);

#endif
