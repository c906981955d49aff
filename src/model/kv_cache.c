/* f16 KV cache (see kv_cache.h). */
#include "model/kv_cache.h"

#include "quant/fp16.h"

#include <stdlib.h>

wick_status kv_cache_init(kv_cache *c, uint32_t n_layer, uint32_t n_ctx, uint32_t row, wick_error *err) {
    const size_t n = (size_t)n_layer * n_ctx * row;
    c->n_layer = n_layer;
    c->n_ctx = n_ctx;
    c->row = row;
    c->k = n ? malloc(n * sizeof *c->k) : NULL;
    c->v = n ? malloc(n * sizeof *c->v) : NULL;
    if (n && (!c->k || !c->v)) {
        kv_cache_free(c);
        return wick_error_set(err, WICK_ERR_NOMEM, "out of memory: the KV cache needs %zu MiB",
                              n * 4 >> 20);
    }
    return WICK_OK;
}

void kv_cache_free(kv_cache *c) {
    free(c->k);
    free(c->v);
    c->k = c->v = NULL;
}

void kv_cache_store(kv_cache *c, uint32_t layer, uint32_t pos, const float *k, const float *v) {
    uint16_t *kd = c->k + ((size_t)layer * c->n_ctx + pos) * c->row;
    uint16_t *vd = c->v + ((size_t)layer * c->n_ctx + pos) * c->row;
    for (uint32_t i = 0; i < c->row; i++) {
        kd[i] = wick_f32_to_f16(k[i]);
        vd[i] = wick_f32_to_f16(v[i]);
    }
}
