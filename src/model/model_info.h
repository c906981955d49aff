/* Model summaries from GGUF metadata (what `wick info` prints). Works on a
 * parsed gguf_file alone, so it needs no tokenizer. */
#ifndef WICK_MODEL_MODEL_INFO_H
#define WICK_MODEL_MODEL_INFO_H

#include "gguf/gguf_reader.h"
#include "wick.h"

/* Fills `info` from `g`. Keys that are absent leave their field 0 / "";
 * keys present with the wrong type are an error naming the key.
 * `source_name` (may be NULL) prefixes messages. */
wick_status model_info_from_gguf(const gguf_file *g, const char *source_name,
                                 wick_model_info *info, wick_error *err);

/* llama.cpp's label for a general.file_type value ("Q4_K - Medium"), or
 * NULL if unknown. */
const char *model_file_type_name(uint32_t file_type);

#endif
