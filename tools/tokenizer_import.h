/* Imports a Hugging Face tokenizer.json (and optionally its
 * tokenizer_config.json) into GGUF tokenizer.ggml.* metadata, the way
 * llama.cpp's converter (convert_hf_to_gguf.py / gguf-py vocab.py) does, so
 * test models carry real vocabularies. */
#ifndef WICK_TOOLS_TOKENIZER_IMPORT_H
#define WICK_TOOLS_TOKENIZER_IMPORT_H

#include "gguf/gguf_writer.h"
#include "wick.h"

typedef struct tokenizer_import_opts {
    const char *tokenizer_json;   /* path, required */
    const char *config_json;      /* tokenizer_config.json path, or NULL */
    const char *pre_override;     /* tokenizer.ggml.pre to write, or NULL to detect */
} tokenizer_import_opts;

/* Writes tokenizer.ggml.model, .pre, .tokens, .token_type, .scores or
 * .merges, special token ids, add_bos/add_eos/add_space_prefix and
 * tokenizer.chat_template (from the config, when present). Errors name the
 * file and the JSON path that is missing or malformed. */
wick_status tokenizer_import(gguf_writer *w, const tokenizer_import_opts *opts, wick_error *err);

#endif
