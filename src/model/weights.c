/* Tensor binding with shape checks (see weights.h). */
#include "model/weights.h"

#include "core/status.h"
#include "gguf/ggml_types.h"
#include "gguf/gguf_internal.h"
#include "quant/quant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct binder {
    const wick_model *m;
    wick_error *err;
} binder;

/* The tensor and its bytes, in whichever shard holds it. */
static const gguf_tensor_info *find(binder *b, const char *name, bool required,
                                    const uint8_t **data, wick_status *st) {
    const model_shard *s = NULL;
    const gguf_tensor_info *t = model_find_tensor(b->m, name, &s);
    if (!t) {
        if (required)
            *st = wick_error_set(b->err, WICK_ERR_FORMAT, "%s: tensor %s is missing", b->m->path, name);
        return NULL;
    }
    if (t->offset > s->size || t->size > s->size - t->offset) {
        *st = wick_error_set(b->err, WICK_ERR_FORMAT,
                             "%s: tensor %s lies outside the %llu bytes of file data given",
                             s->path, name, (unsigned long long)s->size);
        return NULL;
    }
    *data = s->data + t->offset;
    return t;
}

/* A 2-D matrix of ne = [n_in, n_out] in a type the quant layer dequantizes. */
static wick_status bind_matrix(binder *b, const char *name, uint64_t n_in, uint64_t n_out,
                               bool required, op_weight *w) {
    wick_status st = WICK_OK;
    memset(w, 0, sizeof *w);
    const uint8_t *data = NULL;
    const gguf_tensor_info *t = find(b, name, required, &data, &st);
    if (!t) return st;
    if (t->ne[0] != n_in || t->ne[1] != n_out || t->ne[2] != 1 || t->ne[3] != 1)
        return wick_error_set(b->err, WICK_ERR_FORMAT,
                              "%s: tensor %s has shape [%llu, %llu, %llu, %llu], expected [%llu, %llu]",
                              b->m->path, name, (unsigned long long)t->ne[0],
                              (unsigned long long)t->ne[1], (unsigned long long)t->ne[2],
                              (unsigned long long)t->ne[3], (unsigned long long)n_in,
                              (unsigned long long)n_out);
    uint64_t rb;
    if (!quant_type_supported(t->type) || !ggml_type_row_bytes(t->type, n_in, &rb)) {
        const ggml_type_traits *tr = ggml_type_get(t->type);
        return wick_error_set(b->err, WICK_ERR_UNSUPPORTED,
                              "%s: tensor %s has type %s, which Wick cannot compute with yet",
                              b->m->path, name, tr ? tr->name : "unknown");
    }
    w->data = data;
    w->type = t->type;
    w->n_in = (int64_t)n_in;
    w->n_out = (int64_t)n_out;
    w->row_bytes = (size_t)rb;
    return WICK_OK;
}

/* An f32 vector of n elements. */
static wick_status bind_vector(binder *b, const char *name, uint64_t n, bool required,
                               const float **out) {
    wick_status st = WICK_OK;
    *out = NULL;
    const uint8_t *data = NULL;
    const gguf_tensor_info *t = find(b, name, required, &data, &st);
    if (!t) return st;
    if (t->n_elements != n || t->ne[0] != n)
        return wick_error_set(b->err, WICK_ERR_FORMAT,
                              "%s: tensor %s has %llu elements, expected a vector of %llu",
                              b->m->path, name, (unsigned long long)t->n_elements,
                              (unsigned long long)n);
    if (t->type != GGML_TYPE_F32)
        return wick_error_set(b->err, WICK_ERR_UNSUPPORTED, "%s: tensor %s must be f32", b->m->path,
                              name);
    *out = (const float *)(const void *)data;
    return WICK_OK;
}

wick_status weights_bind(const wick_model *m, model_weights *w, wick_error *err) {
    memset(w, 0, sizeof *w);
    if (!m || !m->gguf) return wick_error_set(err, WICK_ERR_INVALID_ARG, "model is NULL");
    binder b = {m, err};
    wick_status st = arch_read_hparams(m->gguf, m->path, &w->hp, err);
    if (st != WICK_OK) return st;
    model_hparams *hp = &w->hp;

    /* The vocabulary size is token_embd's row count. */
    const gguf_tensor_info *te = model_find_tensor(m, "token_embd.weight", NULL);
    if (!te) return wick_error_set(err, WICK_ERR_FORMAT, "%s: tensor token_embd.weight is missing", m->path);
    const uint64_t n_vocab = te->ne[1];
    if (n_vocab == 0 || n_vocab > (1u << 24))
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: token_embd.weight has %llu rows", m->path,
                              (unsigned long long)n_vocab);
    hp->n_vocab = (uint32_t)n_vocab;
    const uint64_t E = hp->n_embd, q_dim = (uint64_t)hp->n_head * hp->head_dim,
                   kv_dim = (uint64_t)hp->n_head_kv * hp->head_dim, F = hp->n_ff;

    st = bind_matrix(&b, "token_embd.weight", E, n_vocab, true, &w->tok_embd);
    if (st == WICK_OK) st = bind_vector(&b, "output_norm.weight", E, true, &w->output_norm);
    if (st == WICK_OK)
        st = bind_matrix(&b, "output.weight", E, n_vocab, false, &w->output);
    if (st != WICK_OK) return st;
    if (!w->output.data) w->output = w->tok_embd; /* tied */
    const uint64_t half_rot = hp->n_rot / 2;
    st = bind_vector(&b, "rope_factors_long.weight", half_rot, false, &w->rope_long);
    if (st == WICK_OK) st = bind_vector(&b, "rope_factors_short.weight", half_rot, false, &w->rope_short);
    if (st == WICK_OK) st = bind_vector(&b, "rope_freqs.weight", half_rot, false, &w->rope_freqs);
    if (st != WICK_OK) return st;
    if (!w->rope_long != !w->rope_short)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: rope_factors_long.weight and rope_factors_short.weight come in pairs",
                              m->path);

    w->layers = calloc(hp->n_layer, sizeof *w->layers);
    if (!w->layers) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory (layers)");
    const arch_desc *a = hp->arch;
    char name[96];
    for (uint32_t il = 0; il < hp->n_layer && st == WICK_OK; il++) {
        layer_weights *L = &w->layers[il];
#define N(s) (snprintf(name, sizeof name, "blk.%u.%s", il, s), name)
        st = bind_vector(&b, N("attn_norm.weight"), E, true, &L->attn_norm);
        if (st == WICK_OK && a->fused_qkv) {
            st = bind_matrix(&b, N("attn_qkv.weight"), E, q_dim + 2 * kv_dim, true, &L->wqkv);
        } else if (st == WICK_OK) {
            st = bind_matrix(&b, N("attn_q.weight"), E, q_dim, true, &L->wq);
            if (st == WICK_OK) st = bind_matrix(&b, N("attn_k.weight"), E, kv_dim, true, &L->wk);
            if (st == WICK_OK) st = bind_matrix(&b, N("attn_v.weight"), E, kv_dim, true, &L->wv);
        }
        if (st == WICK_OK) st = bind_matrix(&b, N("attn_output.weight"), q_dim, E, true, &L->wo);
        if (st == WICK_OK && a->qkv_bias) {
            st = bind_vector(&b, N("attn_q.bias"), q_dim, true, &L->bq);
            if (st == WICK_OK) st = bind_vector(&b, N("attn_k.bias"), kv_dim, true, &L->bk);
            if (st == WICK_OK) st = bind_vector(&b, N("attn_v.bias"), kv_dim, true, &L->bv);
        }
        if (st == WICK_OK && a->qk_norm) {
            st = bind_vector(&b, N("attn_q_norm.weight"), hp->head_dim, true, &L->q_norm);
            if (st == WICK_OK) st = bind_vector(&b, N("attn_k_norm.weight"), hp->head_dim, true, &L->k_norm);
        }
        if (st == WICK_OK && a->post_norms) {
            st = bind_vector(&b, N("post_attention_norm.weight"), E, true, &L->post_attn_norm);
            if (st == WICK_OK) st = bind_vector(&b, N("post_ffw_norm.weight"), E, true, &L->post_ffw_norm);
        }
        if (st == WICK_OK) st = bind_vector(&b, N("ffn_norm.weight"), E, true, &L->ffn_norm);
        if (st == WICK_OK && a->fused_up) {
            st = bind_matrix(&b, N("ffn_up.weight"), E, 2 * F, true, &L->up);
        } else if (st == WICK_OK) {
            st = bind_matrix(&b, N("ffn_gate.weight"), E, F, true, &L->gate);
            if (st == WICK_OK) st = bind_matrix(&b, N("ffn_up.weight"), E, F, true, &L->up);
        }
        if (st == WICK_OK) st = bind_matrix(&b, N("ffn_down.weight"), F, E, true, &L->down);
#undef N
    }
    if (st != WICK_OK) weights_free(w);
    return st;
}

void weights_free(model_weights *w) {
    if (!w) return;
    free(w->layers);
    w->layers = NULL;
}
