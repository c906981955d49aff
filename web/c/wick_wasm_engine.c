/* Exports wrapping the OpenAI-request engine (include/wick_api.h) with flat
 * arguments. Strings returned by step/abort/response/error_json are owned
 * by the engine (valid until its next call); their lengths go to `*len`
 * (a size_t the caller allocated). */
#include "web/c/wick_wasm.h"

#include "wick_api.h"

#include <stdlib.h>

/* n_ctx, n_batch, n_threads: 0 / < 1 for the defaults; model_id may be NULL. */
EMSCRIPTEN_KEEPALIVE wick_engine *wick_wasm_engine_new(const wick_wasm_model *h, uint32_t n_ctx,
                                                       uint32_t n_batch, int n_threads,
                                                       const char *model_id, wick_error *err) {
    wick_engine_params p;
    wick_engine_params_default(&p);
    if (n_ctx) p.n_ctx = n_ctx;
    if (n_batch) p.n_batch = n_batch;
    if (n_threads > 0) p.n_threads = n_threads;
    if (model_id) p.model_id = model_id;
    wick_engine *e = NULL;
    if (wick_engine_new(h ? h->model : NULL, &p, &e, err) != WICK_OK) return NULL;
    return e;
}

EMSCRIPTEN_KEEPALIVE void wick_wasm_engine_free(wick_engine *e) { wick_engine_free(e); }

/* kind: 0 chat, 1 completion. `created` is unix seconds (a double: JS
 * numbers); id may be NULL. Returns the wick_status (0: started). */
EMSCRIPTEN_KEEPALIVE int wick_wasm_engine_start(wick_engine *e, int kind, const char *json,
                                                size_t len, double created, const char *id,
                                                wick_error *err) {
    wick_request_opts o = {(int64_t)created, id};
    return (int)wick_engine_start(e, kind == 1 ? WICK_REQ_COMPLETION : WICK_REQ_CHAT, json, len, &o,
                                  err);
}

/* The JSON array of chunks, or NULL with err set; *done as in wick_api.h. */
EMSCRIPTEN_KEEPALIVE const char *wick_wasm_engine_step(wick_engine *e, size_t *len, int *done,
                                                       wick_error *err) {
    const char *out = NULL;
    if (wick_engine_step(e, &out, len, done, err) != WICK_OK) return NULL;
    return out;
}

EMSCRIPTEN_KEEPALIVE const char *wick_wasm_engine_abort(wick_engine *e, size_t *len, wick_error *err) {
    const char *out = NULL;
    if (wick_engine_abort(e, &out, len, err) != WICK_OK) return NULL;
    return out;
}

EMSCRIPTEN_KEEPALIVE const char *wick_wasm_engine_response(const wick_engine *e, size_t *len) {
    *len = 0;
    return wick_engine_response(e, len);
}

EMSCRIPTEN_KEEPALIVE const char *wick_wasm_engine_error_json(const wick_engine *e, size_t *len) {
    *len = 0;
    return wick_engine_error_json(e, len);
}

EMSCRIPTEN_KEEPALIVE void wick_wasm_engine_reset(wick_engine *e) { wick_engine_reset(e); }
