/* The wasm shell's handle for an opened model: the model plus the bytes it
 * was opened from (wick_model_open_bytes borrows them, so they are freed
 * with it). Shared by the export files in web/c/. */
#ifndef WICK_WEB_WASM_H
#define WICK_WEB_WASM_H

#include "wick.h"

#include <emscripten/emscripten.h>

typedef struct wick_wasm_model {
    uint8_t *bytes; /* the whole GGUF file (a split model: its first shard),
                       malloc'd by wick_wasm_buf_alloc */
    size_t size;
    wick_model *model;
    uint8_t **more_shards; /* a split model: shards 2..N (malloc'd), else NULL */
    size_t n_more;
} wick_wasm_model;

#endif
