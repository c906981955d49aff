/* The wick_model handle: an opened GGUF file with its tokenizer and chat
 * template. Internal layers reach the parsed file and vocab through here. */
#ifndef WICK_MODEL_MODEL_H
#define WICK_MODEL_MODEL_H

#include "gguf/gguf_reader.h"
#include "platform/file_map.h"
#include "tokenizer/vocab.h"
#include "wick.h"

/* One GGUF file of the model: the whole model, or one shard of a split
 * model (llama.cpp's gguf-split: NAME-00001-of-0000N.gguf ... each a GGUF
 * with split.no / split.count; the first also carries all the metadata,
 * the tensors are spread over all of them). */
typedef struct model_shard {
    wick_file_map map;   /* owned when opened from a path */
    const uint8_t *data; /* the shard's bytes (the mapping, or the caller's) */
    uint64_t size;       /* bytes at data (tensor data must lie inside) */
    gguf_file *gguf;
    char path[512];      /* for error messages */
} model_shard;

struct wick_model {
    gguf_file *gguf;         /* shards[0].gguf: the metadata, tokenizer, template */
    model_shard *shards;     /* n_shards (1 unless split) */
    uint32_t n_shards;
    wick_vocab *vocab;       /* NULL when the file has no tokenizer metadata */
    char *chat_template;     /* NUL-terminated copy, or NULL */
    char path[512];          /* for error messages (the first shard's) */
};

/* A tensor by name, in whichever shard holds it (names are unique across
 * shards, checked at open), or NULL. *shard receives that shard. */
const gguf_tensor_info *model_find_tensor(const wick_model *m, const char *name,
                                          const model_shard **shard);

/* Fails with a message naming the model when it has no tokenizer. */
wick_status model_require_vocab(const wick_model *m, const wick_vocab **out, wick_error *err);

#endif
