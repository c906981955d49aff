/* Exports for the WebGPU executor (web/src/gpu/): the plan of
 * src/gpu/gpu_plan.h as JSON, and where the model's file bytes are (the
 * uploads copy from them). Strings are malloc'd; free with wick_wasm_free. */
#include "web/c/wick_wasm.h"

#include "core/buf.h"
#include "gpu/gpu_plan.h"
#include "model/model.h"

#include <stdlib.h>

/* limits: doubles (JS numbers); 0 for WebGPU's defaults. compact: see
 * gpu_plan_opts (software adapters). */
EMSCRIPTEN_KEEPALIVE gpu_plan *wick_wasm_gpu_plan_new(const wick_wasm_model *h, uint32_t n_ctx,
                                                      uint32_t n_batch, double max_binding,
                                                      double max_buffer, uint32_t compact, wick_error *err) {
    gpu_plan_opts o = {n_ctx, n_batch, (uint64_t)max_binding, (uint64_t)max_buffer, compact};
    gpu_plan *p = NULL;
    if (gpu_plan_new(h ? h->model : NULL, &o, &p, err) != WICK_OK) return NULL;
    return p;
}

EMSCRIPTEN_KEEPALIVE void wick_wasm_gpu_plan_free(gpu_plan *p) { gpu_plan_free(p); }

/* The load-time JSON (buffers, uploads, kernels), or NULL with err set. */
EMSCRIPTEN_KEEPALIVE char *wick_wasm_gpu_plan_json(const gpu_plan *p, wick_error *err) {
    wick_buf b = {0};
    if (gpu_plan_json(p, &b, err) != WICK_OK) {
        wick_buf_free(&b);
        return NULL;
    }
    return wick_buf_take(&b, NULL);
}

/* The dispatch list of a step of n_tokens tokens, or NULL with err set. */
EMSCRIPTEN_KEEPALIVE char *wick_wasm_gpu_step_json(const gpu_plan *p, uint32_t n_tokens, wick_error *err) {
    gpu_step s;
    if (gpu_plan_step(p, n_tokens, &s, err) != WICK_OK) return NULL;
    wick_buf b = {0};
    wick_status st = gpu_step_json(p, &s, &b, err);
    gpu_step_free(&s);
    if (st != WICK_OK) {
        wick_buf_free(&b);
        return NULL;
    }
    return wick_buf_take(&b, NULL);
}

/* The bytes of file `shard` of the model in wasm memory (upload offsets
 * are into them), or NULL. */
EMSCRIPTEN_KEEPALIVE const uint8_t *wick_wasm_gpu_shard_bytes(const wick_wasm_model *h, uint32_t shard) {
    if (!h || !h->model || shard >= h->model->n_shards) return NULL;
    return h->model->shards[shard].data;
}
