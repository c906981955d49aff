/* The key/value cache: for every layer, the keys and values of each past
 * position, stored as f16 (as llama.cpp's default cache type), laid out
 * [n_layer][n_ctx][n_head_kv * head_dim]. */
#ifndef WICK_MODEL_KV_CACHE_H
#define WICK_MODEL_KV_CACHE_H

#include "core/status.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kv_cache {
    uint16_t *k, *v;
    uint32_t n_layer, n_ctx, row; /* row = n_head_kv * head_dim */
} kv_cache;

wick_status kv_cache_init(kv_cache *c, uint32_t n_layer, uint32_t n_ctx, uint32_t row, wick_error *err);
void kv_cache_free(kv_cache *c);

/* Stores one position's key and value rows (f32 -> f16). */
void kv_cache_store(kv_cache *c, uint32_t layer, uint32_t pos, const float *k, const float *v);

static inline const uint16_t *kv_cache_k(const kv_cache *c, uint32_t layer, uint32_t pos) {
    return c->k + ((size_t)layer * c->n_ctx + pos) * c->row;
}
static inline const uint16_t *kv_cache_v(const kv_cache *c, uint32_t layer, uint32_t pos) {
    return c->v + ((size_t)layer * c->n_ctx + pos) * c->row;
}

#endif
