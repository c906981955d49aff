/* The wasm exports the TypeScript binding (web/src/wasm_core.ts) calls:
 * flat integer/pointer arguments only. Every fallible export takes a
 * wick_error the caller allocated (wick_wasm_error_new) and reads back
 * (code, message); nothing here keeps state between calls.
 *
 * Model bytes: JS allocates one buffer of the file's size
 * (wick_wasm_buf_alloc), writes fetched chunks straight into it, checks the
 * header on a prefix (wick_wasm_check_header) and opens it
 * (wick_wasm_model_open), which hands the buffer to the returned
 * wick_wasm_model; wick_wasm_model_close frees both. */
#include "web/c/wick_wasm.h"

#include "core/status.h"
#include "gguf/gguf_reader.h"
#include "kernels/kernels.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ errors */

EMSCRIPTEN_KEEPALIVE wick_error *wick_wasm_error_new(void) {
    wick_error *e = calloc(1, sizeof *e);
    return e;
}
EMSCRIPTEN_KEEPALIVE void wick_wasm_error_free(wick_error *e) { free(e); }
EMSCRIPTEN_KEEPALIVE int wick_wasm_error_code(const wick_error *e) { return e ? (int)e->code : 0; }
EMSCRIPTEN_KEEPALIVE const char *wick_wasm_error_message(const wick_error *e) {
    return e ? e->message : "";
}
EMSCRIPTEN_KEEPALIVE const char *wick_wasm_status_name(int code) {
    return wick_status_name((wick_status)code);
}

/* --------------------------------------------------------------- misc */

EMSCRIPTEN_KEEPALIVE const char *wick_wasm_isa(void) { return kern_ops_best()->name; }
EMSCRIPTEN_KEEPALIVE void *wick_wasm_malloc(size_t n) { return malloc(n ? n : 1); }
EMSCRIPTEN_KEEPALIVE void wick_wasm_free(void *p) { free(p); }

/* ------------------------------------------------------- model bytes */

/* NULL when the memory cannot grow that far (JS reports LIMIT).
 * emscripten's dlmalloc refuses to grow the heap by 2 GiB or more in one
 * step (HALF_MAX_SIZE_T), so a larger buffer is made room for by growing
 * the heap in 512 MiB steps first: those blocks are contiguous at the top
 * of the heap and, freed, merge into the top chunk the buffer is cut from
 * (emscripten's heap is never trimmed). */
EMSCRIPTEN_KEEPALIVE uint8_t *wick_wasm_buf_alloc(size_t size) {
    uint8_t *p = malloc(size ? size : 1);
    if (p || size < ((size_t)1 << 30)) return p;
    enum { STEP = 512u << 20, MAX_STEPS = 8 };
    void *steps[MAX_STEPS];
    int n = 0;
    for (size_t got = 0; got < size && n < MAX_STEPS; got += STEP) {
        steps[n] = malloc(STEP);
        if (!steps[n]) break;
        n++;
    }
    while (n > 0) free(steps[--n]);
    return malloc(size);
}

/* Checks the GGUF header in the first `prefix_len` bytes of a file of
 * `file_size` bytes. Returns 0 when the header and tensor index are
 * complete and valid, the number of prefix bytes needed when they are not
 * all there yet, or -1 with `err` set when the file is not a valid GGUF (or
 * is shorter than its own header says). A double, not an i64: JS numbers. */
EMSCRIPTEN_KEEPALIVE double wick_wasm_check_header(const uint8_t *buf, size_t prefix_len,
                                                   size_t file_size, wick_error *err) {
    if (prefix_len > file_size) {
        wick_error_set(err, WICK_ERR_INVALID_ARG,
                       "check_header: prefix of %zu bytes is longer than the file (%zu bytes)",
                       prefix_len, file_size);
        return -1;
    }
    gguf_file *g = NULL;
    uint64_t need = 0;
    wick_status st = gguf_parse(buf, prefix_len, file_size, "<model>", &g, &need, err);
    gguf_free(g);
    if (st == WICK_OK) return 0;
    if (st != WICK_ERR_NEED_MORE_DATA) return -1;
    if (need > file_size) {
        wick_error_set(err, WICK_ERR_FORMAT,
                       "<model>: truncated file: the GGUF header needs %llu bytes but the file has "
                       "only %zu",
                       (unsigned long long)need, file_size);
        return -1;
    }
    return (double)need;
}

/* Opens the whole file in `buf` (size bytes, from wick_wasm_buf_alloc).
 * On success the returned handle owns `buf`; on failure the caller still
 * does. */
EMSCRIPTEN_KEEPALIVE wick_wasm_model *wick_wasm_model_open(uint8_t *buf, size_t size, wick_error *err) {
    wick_wasm_model *h = calloc(1, sizeof *h);
    if (!h) {
        wick_error_set(err, WICK_ERR_NOMEM, "out of memory (model handle)");
        return NULL;
    }
    if (wick_model_open_bytes(buf, size, size, &h->model, err) != WICK_OK) {
        free(h);
        return NULL;
    }
    h->bytes = buf;
    h->size = size;
    return h;
}

/* Opens a split model from its n shards (bufs[i]: sizes[i] bytes, each from
 * wick_wasm_buf_alloc, in order). On success the handle owns every buffer
 * (not the two arrays); on failure the caller still does. */
EMSCRIPTEN_KEEPALIVE wick_wasm_model *wick_wasm_model_open_shards(uint8_t **bufs, const size_t *sizes,
                                                                size_t n, wick_error *err) {
    if (!bufs || !sizes || n == 0) {
        wick_error_set(err, WICK_ERR_INVALID_ARG, "model_open_shards: no shards given");
        return NULL;
    }
    wick_wasm_model *h = calloc(1, sizeof *h);
    uint8_t **more = n > 1 ? malloc((n - 1) * sizeof *more) : NULL;
    if (!h || (n > 1 && !more)) {
        free(h);
        free(more);
        wick_error_set(err, WICK_ERR_NOMEM, "out of memory (model handle)");
        return NULL;
    }
    if (wick_model_open_shards_bytes((const uint8_t *const *)bufs, sizes, n, &h->model, err) != WICK_OK) {
        free(h);
        free(more);
        return NULL;
    }
    h->bytes = bufs[0];
    h->size = sizes[0];
    for (size_t i = 1; i < n; i++) more[i - 1] = bufs[i];
    h->more_shards = more;
    h->n_more = n - 1;
    return h;
}

EMSCRIPTEN_KEEPALIVE void wick_wasm_model_close(wick_wasm_model *h) {
    if (!h) return;
    wick_model_close(h->model);
    free(h->bytes);
    for (size_t i = 0; i < h->n_more; i++) free(h->more_shards[i]);
    free(h->more_shards);
    free(h);
}

/* The `wick info --json` object (malloc'd; wick_wasm_free), or NULL. */
EMSCRIPTEN_KEEPALIVE char *wick_wasm_model_info_json(const wick_wasm_model *h, wick_error *err) {
    char *out = NULL;
    size_t len = 0;
    if (wick_model_info_json(h ? h->model : NULL, "<memory>", &out, &len, err) != WICK_OK) return NULL;
    return out;
}

/* ------------------------------------------- tokens and greedy decoding
 * Below the engine API: for tests and benchmarks of the raw forward pass
 * (the same path as `wick run --ids`). */

/* Tokenizes `text` (ADD_SPECIAL | PARSE_SPECIAL, as `wick run` does) into
 * `out` (capacity ids). Returns the count (may exceed capacity: call again),
 * or -1 with err set. */
EMSCRIPTEN_KEEPALIVE int wick_wasm_tokenize(const wick_wasm_model *h, const char *text, size_t len,
                                            int32_t *out, size_t capacity, wick_error *err) {
    size_t n = 0;
    wick_status st = wick_tokenize(h ? h->model : NULL, text, len,
                                   WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL, out,
                                   capacity, &n, err);
    if (st != WICK_OK && st != WICK_ERR_LIMIT) return -1;
    return (int)n;
}

typedef struct greedy_sink {
    int32_t *ids;
    size_t cap, n;
} greedy_sink;

static int greedy_collect(int32_t token, void *user) {
    greedy_sink *s = user;
    if (s->n < s->cap) s->ids[s->n] = token;
    s->n++;
    return s->n >= s->cap;
}

/* Greedy generation from `prompt` token ids with a fresh context of n_ctx
 * positions (0: the model's, at most 4096) and n_threads threads: writes at
 * most max_tokens ids to `out`. Returns the count, or -1 with err set. */
EMSCRIPTEN_KEEPALIVE int wick_wasm_generate_greedy(const wick_wasm_model *h, const int32_t *prompt,
                                                   size_t n_prompt, uint32_t n_ctx, int n_threads,
                                                   int32_t *out, size_t max_tokens, wick_error *err) {
    wick_context_params p = wick_context_default_params();
    p.n_ctx = n_ctx;
    p.n_threads = n_threads;
    wick_context *ctx = NULL;
    if (wick_context_new(h ? h->model : NULL, &p, &ctx, err) != WICK_OK) return -1;
    greedy_sink sink = {out, max_tokens, 0};
    wick_status st = max_tokens ? wick_generate_greedy(ctx, prompt, n_prompt, max_tokens,
                                                       greedy_collect, &sink, NULL, err)
                                : WICK_OK;
    wick_context_free(ctx);
    return st == WICK_OK ? (int)sink.n : -1;
}

/* Decodes `prompt` in a fresh context (n_batch tokens per step; 0: 32) and
 * copies the next-token logits after its last token to `out` (capacity
 * floats). Returns the vocabulary size, or -1 with err set. For parity
 * checks against the native build. */
EMSCRIPTEN_KEEPALIVE int wick_wasm_prompt_logits(const wick_wasm_model *h, const int32_t *prompt,
                                                 size_t n_prompt, uint32_t n_ctx, uint32_t n_batch,
                                                 int n_threads, float *out, size_t capacity,
                                                 wick_error *err) {
    wick_context_params p = wick_context_default_params();
    p.n_ctx = n_ctx;
    p.n_batch = n_batch;
    p.n_threads = n_threads;
    wick_context *ctx = NULL;
    if (wick_context_new(h ? h->model : NULL, &p, &ctx, err) != WICK_OK) return -1;
    int n = -1;
    if (wick_decode(ctx, prompt, n_prompt, err) == WICK_OK) {
        int32_t n_vocab = 0;
        const float *logits = wick_get_logits(ctx, &n_vocab);
        if (logits && n_vocab > 0) {
            memcpy(out, logits, sizeof(float) * ((size_t)n_vocab < capacity ? (size_t)n_vocab : capacity));
            n = n_vocab;
        }
    }
    wick_context_free(ctx);
    return n;
}
