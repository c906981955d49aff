/* The model summary as JSON (`wick info --json`, the browser's modelInfo),
 * built once in the core so the CLI and the wasm shell print the same. */
#ifndef WICK_MODEL_MODEL_INFO_JSON_H
#define WICK_MODEL_MODEL_INFO_JSON_H

#include "core/buf.h"
#include "gguf/gguf_reader.h"
#include "wick.h"

/* Appends the JSON object (2-space indented, ending in "}\n") for the
 * parsed file `g` and its summary `info` to `b`. `path` is the "path"
 * field; `load_error` (may be NULL) the tokenizer/template failure. */
void model_info_json_write(const gguf_file *g, const char *path, const wick_model_info *info,
                           const char *load_error, wick_buf *b);

/* "135.00 M", "1.23 B", "999": the human form of a parameter count. */
void model_info_human_count(uint64_t n, char *buf, size_t cap);

/* The type ids present in `info`, ordered by bytes, largest first; returns
 * how many (at most 64). */
int model_info_sorted_types(const wick_model_info *info, uint32_t ids[64]);

#endif
