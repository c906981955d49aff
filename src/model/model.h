/* The wick_model handle: an opened GGUF file with its tokenizer and chat
 * template. Internal layers reach the parsed file and vocab through here. */
#ifndef WICK_MODEL_MODEL_H
#define WICK_MODEL_MODEL_H

#include "gguf/gguf_reader.h"
#include "platform/file_map.h"
#include "tokenizer/vocab.h"
#include "wick.h"

struct wick_model {
    wick_file_map map;       /* owned when opened from a path */
    gguf_file *gguf;
    wick_vocab *vocab;       /* NULL when the file has no tokenizer metadata */
    char *chat_template;     /* NUL-terminated copy, or NULL */
    char path[512];          /* for error messages */
};

/* Fails with a message naming the model when it has no tokenizer. */
wick_status model_require_vocab(const wick_model *m, const wick_vocab **out, wick_error *err);

#endif
