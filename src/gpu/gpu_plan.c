/* Plan construction: weights placed into a few big GPU buffers (each
 * tensor at a 256-byte-aligned offset; a tensor larger than the binding
 * limit is split into runs of whole rows, one binding each), the KV cache,
 * the activation buffers, and the kernels this model needs (one per
 * weight type for the products and the embedding lookup; see
 * src/gpu/wgsl/). The dispatches themselves are gpu_step.c's. */
#include "gpu/gpu_plan_internal.h"

#include "core/status.h"
#include "gguf/ggml_types.h"
#include "model/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/* Grows a plan array by one element; NULL when out of memory. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t elem) {
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void *a = realloc(*arr, c * elem);
        if (!a) return NULL;
        *arr = a;
        *cap = c;
    }
    void *e = (char *)*arr + (*n)++ * elem;
    memset(e, 0, elem);
    return e;
}
#define GROW(p, field) grow((void **)&(p)->field, &(p)->n_##field, &(p)->cap_##field, sizeof *(p)->field)

static uint32_t add_buffer(gpu_plan *p, const char *name, gpu_buffer_kind kind, uint64_t size) {
    gpu_buffer *b = GROW(p, buffers);
    if (!b) return GPU_NONE;
    snprintf(b->name, sizeof b->name, "%s", name);
    b->kind = kind;
    b->size = round_up(size ? size : 4, 4);
    return (uint32_t)(p->n_buffers - 1);
}

/* Room for `bytes` at an aligned offset of the pool's current buffer (a
 * new buffer when it is full). Buffers grow as things are placed. */
static wick_status place(gpu_plan *p, uint32_t *pool, gpu_buffer_kind kind, const char *prefix,
                         uint64_t bytes, uint32_t *buffer, uint64_t *offset, wick_error *err) {
    bytes = round_up(bytes, 4);
    if (bytes > p->max_binding || bytes > p->max_buffer)
        return wick_error_set(err, WICK_ERR_LIMIT,
                              "gpu plan: a binding of %llu bytes exceeds the device's limits "
                              "(maxStorageBufferBindingSize %llu, maxBufferSize %llu)",
                              (unsigned long long)bytes, (unsigned long long)p->max_binding,
                              (unsigned long long)p->max_buffer);
    if (*pool != GPU_NONE) {
        gpu_buffer *b = &p->buffers[*pool];
        const uint64_t at = round_up(b->size, GPU_ALIGN);
        if (at + bytes <= p->max_buffer) {
            b->size = at + bytes;
            *buffer = *pool;
            *offset = at;
            return WICK_OK;
        }
    }
    char name[24];
    snprintf(name, sizeof name, "%s%u", prefix, (unsigned)p->n_buffers);
    *pool = add_buffer(p, name, kind, bytes);
    if (*pool == GPU_NONE) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
    *buffer = *pool;
    *offset = 0;
    return WICK_OK;
}

/* Places a tensor of n_out rows of row_bytes at file_offset: runs of rows
 * that fit one binding, each uploaded from the file as one range. */
static wick_status place_tensor(gpu_plan *p, uint32_t type, uint64_t n_in, uint64_t n_out,
                                uint64_t row_bytes, const void *data, uint32_t *id, wick_error *err) {
    /* which shard's bytes hold it, and where */
    uint32_t shard = 0;
    uint64_t file_offset = 0;
    const uint8_t *d = data;
    for (; shard < p->model->n_shards; shard++) {
        const model_shard *s = &p->model->shards[shard];
        if (d >= s->data && d < s->data + s->size) {
            file_offset = (uint64_t)(d - s->data);
            break;
        }
    }
    if (shard == p->model->n_shards)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "gpu plan: a weight lies outside the model's files");
    for (size_t i = 0; i < p->n_tensors; i++)
        if (p->tensors[i].shard == shard && p->tensors[i].file_offset == file_offset &&
            p->tensors[i].row_bytes == row_bytes &&
            p->tensors[i].n_out == n_out) {
            *id = (uint32_t)i; /* tied output: the embedding's placement */
            return WICK_OK;
        }
    const uint64_t limit = p->max_binding < p->max_buffer ? p->max_binding : p->max_buffer;
    uint64_t rows_per = (limit - 3) / row_bytes;
    if (rows_per == 0)
        return wick_error_set(err, WICK_ERR_LIMIT,
                              "gpu plan: one row of %llu bytes exceeds maxStorageBufferBindingSize %llu",
                              (unsigned long long)row_bytes, (unsigned long long)limit);
    gpu_tensor *t = GROW(p, tensors);
    if (!t) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
    t->type = type;
    t->n_in = (uint32_t)n_in;
    t->n_out = (uint32_t)n_out;
    t->row_bytes = row_bytes;
    t->shard = shard;
    t->file_offset = file_offset;
    t->first_part = (uint32_t)p->n_parts;
    *id = (uint32_t)(p->n_tensors - 1);
    for (uint64_t r = 0; r < n_out; r += rows_per) {
        const uint64_t rows = n_out - r < rows_per ? n_out - r : rows_per;
        uint32_t buffer;
        uint64_t offset;
        wick_status st = place(p, &p->weights_pool, GPU_BUF_WEIGHTS, "weights", rows * row_bytes,
                               &buffer, &offset, err);
        if (st != WICK_OK) return st;
        gpu_part *part = GROW(p, parts);
        gpu_upload *u = GROW(p, uploads);
        if (!part || !u) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
        part->buffer = buffer;
        part->offset = offset;
        part->size = round_up(rows * row_bytes, 4);
        part->row0 = (uint32_t)r;
        part->rows = (uint32_t)rows;
        u->shard = shard;
        u->file_offset = file_offset + r * row_bytes;
        u->bytes = rows * row_bytes;
        u->buffer = buffer;
        u->offset = offset;
        p->tensors[*id].n_parts++;
    }
    return WICK_OK;
}

static wick_status place_matrix(gpu_plan *p, const op_weight *w, uint32_t *id, wick_error *err) {
    *id = GPU_NONE;
    if (!w->data) return WICK_OK;
    return place_tensor(p, w->type, (uint64_t)w->n_in, (uint64_t)w->n_out, w->row_bytes, w->data, id, err);
}

static wick_status place_vector(gpu_plan *p, const float *v, uint64_t n, uint32_t *id, wick_error *err) {
    *id = GPU_NONE;
    if (!v) return WICK_OK;
    return place_tensor(p, GGML_TYPE_F32, n, 1, n * 4, v, id, err);
}

uint32_t gpu_kernel_find(const gpu_plan *p, const char *name) {
    for (size_t i = 0; i < p->n_kernels; i++)
        if (!strcmp(p->kernels[i].name, name)) return (uint32_t)i;
    return GPU_NONE;
}

/* Registers a kernel once (by name). srcs: up to 6 families, NULL-terminated. */
static wick_status add_kernel(gpu_plan *p, const char *name, const char *const *srcs, const char *entry,
                              uint32_t n_consts, const char *const *names, const double *values,
                              wick_error *err) {
    if (gpu_kernel_find(p, name) != GPU_NONE) return WICK_OK;
    gpu_kernel *k = GROW(p, kernels);
    if (!k) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
    snprintf(k->name, sizeof k->name, "%s", name);
    for (int i = 0; i < 6 && srcs[i]; i++) k->sources[i] = srcs[i];
    k->entry = entry;
    k->n_consts = n_consts;
    for (uint32_t i = 0; i < n_consts; i++) {
        k->const_names[i] = names[i];
        k->const_values[i] = values[i];
    }
    return WICK_OK;
}

/* A kernel of one family. */
static wick_status add_simple(gpu_plan *p, const char *name, const char *src, const char *entry,
                              uint32_t n_consts, const char *const *names, const double *values,
                              wick_error *err) {
    const char *srcs[2] = {src, NULL};
    return add_kernel(p, name, srcs, entry, n_consts, names, values, err);
}

uint32_t gpu_matmul_tpr(uint32_t n_in) {
    uint32_t t = 1;
    while (t < 64 && t * 2 * 256 <= n_in) t *= 2;
    return t;
}

/* Types with a whole-word unit reader (qunit.wgsl). */
static bool gpu_type_has_unit(uint32_t t) {
    switch (t) {
    case GGML_TYPE_F32: case GGML_TYPE_F16: case GGML_TYPE_BF16: case GGML_TYPE_Q8_0:
    case GGML_TYPE_Q4_0: case GGML_TYPE_Q4_1: case GGML_TYPE_Q5_0: case GGML_TYPE_Q5_1:
    case GGML_TYPE_Q4_K: case GGML_TYPE_Q5_K: case GGML_TYPE_Q6_K:
        return true;
    default:
        return false;
    }
}

/* The file of qunit.wgsl's sub4 for a type. */
static const char *gpu_qunit_source(uint32_t t) {
    switch (t) {
    case GGML_TYPE_Q4_0: return "qunit_q4_0";
    case GGML_TYPE_Q4_1: return "qunit_q4_1";
    case GGML_TYPE_Q8_0: return "qunit_q8_0";
    case GGML_TYPE_Q4_K: return "qunit_q4_K";
    case GGML_TYPE_Q6_K: return "qunit_q6_K";
    default: return "qunit_any";
    }
}

void gpu_matmul_choose(const gpu_plan *p, uint32_t type, uint32_t n_in, uint32_t n_tok, gpu_mm_choice *c) {
    const ggml_type_traits *tr = ggml_type_get(type);
    memset(c, 0, sizeof *c);
    /* rows under 256 elements (tiny test models only) take the generic
     * kernel: mv1/mm's wide workgroups cost software adapters dearly there */
    const bool fast = !p->compact && n_in % 32 == 0 && n_in >= 256 && gpu_type_has_unit(type);
    if (fast && n_tok == 1) {
        /* matvec.wgsl mv1: 8 lanes per unit; TPR / 8 units of a row at a
         * time, each lane group taking >= 4 (one unrolled trip) */
        const uint32_t units = n_in / 32;
        uint32_t g = 1;
        while (g * 2 * 4 <= units && g * 2 * 8 <= GPU_MV1_WG) g *= 2;
        const uint32_t t = 8 * g;
        c->matvec = true;
        c->decode = true;
        c->tpr = t;
        c->tokens_per_wg = 1;
        c->rows_per_wg = GPU_MV1_WG / t;
        snprintf(c->name, sizeof c->name, "mv1_%s_t%u", tr ? tr->name : "?", t);
    } else if (fast) {
        /* matvec.wgsl mm: tiles of 64 rows x 32 tokens */
        c->matvec = true;
        c->tpr = 0;
        c->tokens_per_wg = GPU_MM_TOKS;
        c->rows_per_wg = GPU_MM_ROWS;
        snprintf(c->name, sizeof c->name, "mm_%s", tr ? tr->name : "?");
    } else {
        c->tpr = gpu_matmul_tpr(n_in);
        c->tokens_per_wg = 8;
        c->rows_per_wg = 64 / c->tpr;
        snprintf(c->name, sizeof c->name, "matmul_%s_t%u", tr ? tr->name : "?", c->tpr);
    }
}

/* The product of a weight type and row length for steps of n_tok tokens
 * (gpu_matmul_choose), or the embedding lookup (embed_<type>). */
static wick_status add_weight_kernels(gpu_plan *p, uint32_t type, uint32_t n_in, uint32_t n_tok, bool embed,
                                      wick_error *err) {
    const ggml_type_traits *tr = ggml_type_get(type);
    if (embed) {
        char name[40];
        const char *cn[1] = {"WTYPE"};
        const double cv[1] = {(double)type};
        const char *srcs[3] = {"quant", "embed", NULL};
        snprintf(name, sizeof name, "embed_%s", tr ? tr->name : "?");
        return add_kernel(p, name, srcs, "embed", 1, cn, cv, err);
    }
    gpu_mm_choice c;
    gpu_matmul_choose(p, type, n_in, n_tok, &c);
    const char *srcs[6] = {"quant", "qunit", gpu_qunit_source(type), "reduce", "matvec", NULL};
    if (c.decode) {
        const char *cn[4] = {"WTYPE", "TPR", "WG", "SG"};
        const double cv[4] = {(double)type, (double)c.tpr, GPU_MV1_WG, 1};
        return add_kernel(p, c.name, srcs, "mv1", 4, cn, cv, err);
    }
    if (c.matvec) {
        const char *cn[1] = {"WTYPE"};
        const double cv[1] = {(double)type};
        return add_kernel(p, c.name, srcs, "mm", 1, cn, cv, err);
    }
    const char *cn[2] = {"WTYPE", "TPR"};
    const double cv[2] = {(double)type, (double)c.tpr};
    const char *msrcs[3] = {"quant", "matmul", NULL};
    return add_kernel(p, c.name, msrcs, "matmul", 2, cn, cv, err);
}

static bool gpu_type_supported(uint32_t t) {
    switch (t) {
    case GGML_TYPE_F32: case GGML_TYPE_F16: case GGML_TYPE_BF16: case GGML_TYPE_Q8_0:
    case GGML_TYPE_Q4_0: case GGML_TYPE_Q4_1: case GGML_TYPE_Q5_0: case GGML_TYPE_Q5_1:
    case GGML_TYPE_Q4_K: case GGML_TYPE_Q5_K: case GGML_TYPE_Q6_K:
        return true;
    default:
        return false;
    }
}

static wick_status plan_kernels(gpu_plan *p, wick_error *err) {
    const arch_desc *a = p->hp.arch;
    wick_status st = WICK_OK;
    for (size_t i = 0; i < p->n_tensors && st == WICK_OK; i++) {
        const gpu_tensor *t = &p->tensors[i];
        if (!gpu_type_supported(t->type)) {
            const ggml_type_traits *tr = ggml_type_get(t->type);
            return wick_error_set(err, WICK_ERR_UNSUPPORTED, "gpu plan: weight type %s has no WGSL kernel",
                                  tr ? tr->name : "?");
        }
        if (t->n_out > 1 || i == p->output) st = add_weight_kernels(p, t->type, t->n_in, 1, false, err);
        /* prefill chunks: every matrix but the output (logits of one token) */
        if (st == WICK_OK && t->n_out > 1 && i != p->output && p->n_batch > 1)
            st = add_weight_kernels(p, t->type, t->n_in, p->n_batch, false, err);
    }
    if (st == WICK_OK) st = add_weight_kernels(p, p->tensors[p->tok_embd].type, 0, 1, true, err);
    const char *none[1] = {NULL};
    const double zero[1] = {0};
    if (st == WICK_OK) st = add_simple(p, "rmsnorm", "norm", "rmsnorm", 0, none, zero, err);
    if (st == WICK_OK) st = add_simple(p, "rmsnorm_add", "norm", "rmsnorm_add", 0, none, zero, err);
    {
        const char *cn[3] = {"NEOX", "HAS_FACTORS", "QK_NORM"};
        const double cv[3] = {a->rope_mode == OP_ROPE_NEOX ? 1 : 0, p->rope_factors ? 1 : 0, a->qk_norm ? 1 : 0};
        if (st == WICK_OK) st = add_simple(p, "rope_qkv", "rope", "rope_qkv", 3, cn, cv, err);
    }
    if (st == WICK_OK) st = add_simple(p, "attn_split", "attention", "attn_split", 0, none, zero, err);
    if (st == WICK_OK) st = add_simple(p, "attn_combine", "attention", "attn_combine", 0, none, zero, err);
    {
        const char *cn[1] = {"GELU"};
        const double cv[1] = {a->ffn_act == ARCH_FFN_GELU ? 1 : 0};
        if (st == WICK_OK) st = add_simple(p, "glu", "elementwise", "glu", 1, cn, cv, err);
    }
    if (st == WICK_OK && p->hp.final_softcap > 0)
        st = add_simple(p, "softcap", "elementwise", "softcap", 0, none, zero, err);
    return st;
}

/* Partial records: decode splits the context into chunks of 64; a step of
 * n tokens takes longer chunks (up to 1024) while n * splits exceeds the
 * budget of max(4 n_batch, n_ctx / 64) records per head (or fewer when
 * every step fits in fewer). */
static uint64_t attn_budget(const gpu_plan *p) {
    const uint64_t splits = (p->n_ctx + 63) / 64, all = p->n_batch * splits;
    const uint64_t a = 4ull * p->n_batch < all ? 4ull * p->n_batch : all;
    return a > splits ? a : splits;
}

uint32_t gpu_attn_chunk(const gpu_plan *p, uint32_t n_tok) {
    uint32_t c = 64;
    /* (attn_combine weighs at most 1024 records of a head in workgroup memory) */
    while (c < GPU_ATTN_MAX_CHUNK &&
           ((uint64_t)n_tok * ((p->n_ctx + c - 1) / c) > attn_budget(p) || (p->n_ctx + c - 1) / c > 1024))
        c *= 2;
    return c;
}

uint64_t gpu_attn_records(const gpu_plan *p) {
    const uint64_t a = attn_budget(p),
                   b = (uint64_t)p->n_batch * ((p->n_ctx + GPU_ATTN_MAX_CHUNK - 1) / GPU_ATTN_MAX_CHUNK);
    return a > b ? a : b;
}

gpu_binding gpu_act_binding(const gpu_plan *p, uint32_t binding, uint32_t buffer) {
    gpu_binding b = {binding, buffer, 0, p->buffers[buffer].size};
    return b;
}

static wick_status plan_weights(gpu_plan *p, wick_error *err) {
    const model_weights *w = &p->w;
    const model_hparams *hp = &p->hp;
    const uint64_t E = hp->n_embd, hd = hp->head_dim, Q = (uint64_t)hp->n_head * hd,
                   KV = (uint64_t)hp->n_head_kv * hd;
    wick_status st = place_matrix(p, &w->tok_embd, &p->tok_embd, err);
    if (st == WICK_OK) st = place_matrix(p, &w->output, &p->output, err);
    if (st == WICK_OK) st = place_vector(p, w->output_norm, E, &p->output_norm, err);
    if (st == WICK_OK) st = place_vector(p, p->rope_factors, hp->n_rot / 2, &p->rope_factors_t, err);
    p->layers = calloc(hp->n_layer, sizeof *p->layers);
    if (!p->layers) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
    for (uint32_t il = 0; il < hp->n_layer && st == WICK_OK; il++) {
        const layer_weights *L = &w->layers[il];
        gpu_layer *G = &p->layers[il];
        st = place_vector(p, L->attn_norm, E, &G->attn_norm, err);
        if (st == WICK_OK) st = place_vector(p, L->ffn_norm, E, &G->ffn_norm, err);
        if (st == WICK_OK) st = place_vector(p, L->post_attn_norm, E, &G->post_attn_norm, err);
        if (st == WICK_OK) st = place_vector(p, L->post_ffw_norm, E, &G->post_ffw_norm, err);
        if (st == WICK_OK) st = place_vector(p, L->q_norm, hd, &G->q_norm, err);
        if (st == WICK_OK) st = place_vector(p, L->k_norm, hd, &G->k_norm, err);
        if (st == WICK_OK) st = place_vector(p, L->bq, Q, &G->bq, err);
        if (st == WICK_OK) st = place_vector(p, L->bk, KV, &G->bk, err);
        if (st == WICK_OK) st = place_vector(p, L->bv, KV, &G->bv, err);
        if (st == WICK_OK) st = place_matrix(p, &L->wq, &G->wq, err);
        if (st == WICK_OK) st = place_matrix(p, &L->wk, &G->wk, err);
        if (st == WICK_OK) st = place_matrix(p, &L->wv, &G->wv, err);
        if (st == WICK_OK) st = place_matrix(p, &L->wqkv, &G->wqkv, err);
        if (st == WICK_OK) st = place_matrix(p, &L->wo, &G->wo, err);
        if (st == WICK_OK) st = place_matrix(p, &L->gate, &G->gate, err);
        if (st == WICK_OK) st = place_matrix(p, &L->up, &G->up, err);
        if (st == WICK_OK) st = place_matrix(p, &L->down, &G->down, err);
    }
    return st;
}

static wick_status plan_kv_and_acts(gpu_plan *p, wick_error *err) {
    const model_hparams *hp = &p->hp;
    const uint64_t B = p->n_batch, E = hp->n_embd, hd = hp->head_dim, Q = (uint64_t)hp->n_head * hd,
                   KV = (uint64_t)hp->n_head_kv * hd, F = hp->n_ff;
    const uint64_t kv_bytes = (uint64_t)p->n_ctx * KV * 4;
    wick_status st = WICK_OK;
    p->kv_pool = GPU_NONE;
    for (uint32_t il = 0; il < hp->n_layer && st == WICK_OK; il++) {
        gpu_layer *G = &p->layers[il];
        G->kc.size = G->vc.size = kv_bytes;
        st = place(p, &p->kv_pool, GPU_BUF_KV, "kv", kv_bytes, &G->kc.buffer, &G->kc.offset, err);
        if (st == WICK_OK)
            st = place(p, &p->kv_pool, GPU_BUF_KV, "kv", kv_bytes, &G->vc.buffer, &G->vc.offset, err);
    }
    if (st != WICK_OK) {
        wick_error_prefix(err, "KV cache of %u positions: ", p->n_ctx);
        return st;
    }
    static const char *names[ACT_COUNT] = {"x", "h", "q", "k", "v", "attn", "o", "g", "u", "attn_part", "dummy"};
    const uint64_t sizes[ACT_COUNT] = {B * E, B * E, B * Q, B * KV, B * KV, B * Q, B * E, B * F, B * F,
                                       gpu_attn_records(p) * hp->n_head * (hd + 2), 4};
    for (int i = 0; i < ACT_COUNT; i++) {
        if (sizes[i] * 4 > p->max_binding)
            return wick_error_set(err, WICK_ERR_LIMIT,
                                  "gpu plan: activation buffer %s needs %llu bytes, more than "
                                  "maxStorageBufferBindingSize %llu (use a smaller batch or context)",
                                  names[i], (unsigned long long)sizes[i] * 4,
                                  (unsigned long long)p->max_binding);
        p->act[i] = add_buffer(p, names[i], GPU_BUF_ACT, sizes[i] * 4);
        if (p->act[i] == GPU_NONE) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
    }
    p->tokens = add_buffer(p, "tokens", GPU_BUF_TOKENS, B * 4);
    p->logits = add_buffer(p, "logits", GPU_BUF_LOGITS, (uint64_t)hp->n_vocab * 4);
    if (p->tokens == GPU_NONE || p->logits == GPU_NONE)
        return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
    return WICK_OK;
}

wick_status gpu_plan_new(const wick_model *model, const gpu_plan_opts *opts, gpu_plan **out,
                         wick_error *err) {
    if (!out) return wick_error_set(err, WICK_ERR_INVALID_ARG, "gpu_plan_new: out is NULL");
    *out = NULL;
    if (!model) return wick_error_set(err, WICK_ERR_INVALID_ARG, "gpu_plan_new: model is NULL");
    gpu_plan_opts o = {0, 0, 0, 0, 0};
    if (opts) o = *opts;
    gpu_plan *p = calloc(1, sizeof *p);
    if (!p) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory");
    wick_status st = weights_bind(model, &p->w, err);
    if (st != WICK_OK) {
        free(p);
        return st;
    }
    p->hp = p->w.hp;
    const model_hparams *hp = &p->hp;
    p->model = model;
    /* n_ctx and n_batch as wick_context_new chooses them */
    p->n_ctx = o.n_ctx ? o.n_ctx : (hp->n_ctx_train && hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096);
    p->n_batch = o.n_batch ? o.n_batch : 32;
    p->max_binding = o.max_binding ? o.max_binding : 128ull << 20;
    p->max_buffer = o.max_buffer ? o.max_buffer : 256ull << 20;
    p->max_binding &= ~3ull;
    p->compact = o.compact != 0;
    p->weights_pool = p->kv_pool = GPU_NONE;
    if (p->n_ctx > (1u << 20) || p->n_batch > 4096 || p->max_binding < 1024) {
        st = wick_error_set(err, WICK_ERR_INVALID_ARG,
                            "gpu plan: context of %u / batch of %u / binding limit of %llu bytes is out of range",
                            p->n_ctx, p->n_batch, (unsigned long long)p->max_binding);
        gpu_plan_free(p);
        return st;
    }
    if (p->w.rope_long)
        p->rope_factors = hp->n_ctx_orig && p->n_ctx > hp->n_ctx_orig ? p->w.rope_long : p->w.rope_short;
    else
        p->rope_factors = p->w.rope_freqs;
    st = plan_weights(p, err);
    if (st == WICK_OK && (hp->head_dim % 16 || hp->head_dim > GPU_ATTN_MAX_HD || hp->head_dim == 0))
        st = wick_error_set(err, WICK_ERR_UNSUPPORTED,
                            "gpu plan: head_dim %u is not supported (a multiple of 16 up to %u)", hp->head_dim,
                            GPU_ATTN_MAX_HD);
    if (st == WICK_OK) st = plan_kv_and_acts(p, err);
    if (st == WICK_OK) st = plan_kernels(p, err);
    if (st == WICK_OK) {
        /* every step shape must check out: build the two extremes now */
        gpu_step s;
        st = gpu_plan_step(p, 1, &s, err);
        gpu_step_free(&s);
        if (st == WICK_OK && p->n_batch > 1) {
            st = gpu_plan_step(p, p->n_batch, &s, err);
            gpu_step_free(&s);
        }
    }
    if (st != WICK_OK) {
        gpu_plan_free(p);
        return st;
    }
    *out = p;
    return WICK_OK;
}

void gpu_plan_free(gpu_plan *p) {
    if (!p) return;
    weights_free(&p->w);
    free(p->buffers);
    free(p->uploads);
    free(p->kernels);
    free(p->parts);
    free(p->tensors);
    free(p->layers);
    free(p);
}

uint32_t gpu_plan_n_ctx(const gpu_plan *p) { return p ? p->n_ctx : 0; }
uint32_t gpu_plan_n_batch(const gpu_plan *p) { return p ? p->n_batch : 0; }
uint32_t gpu_plan_n_vocab(const gpu_plan *p) { return p ? p->hp.n_vocab : 0; }
uint32_t gpu_plan_tokens_buffer(const gpu_plan *p) { return p->tokens; }
uint32_t gpu_plan_logits_buffer(const gpu_plan *p) { return p->logits; }
const gpu_buffer *gpu_plan_buffers(const gpu_plan *p, size_t *n) {
    *n = p->n_buffers;
    return p->buffers;
}
const gpu_upload *gpu_plan_uploads(const gpu_plan *p, size_t *n) {
    *n = p->n_uploads;
    return p->uploads;
}
const gpu_kernel *gpu_plan_kernels(const gpu_plan *p, size_t *n) {
    *n = p->n_kernels;
    return p->kernels;
}
