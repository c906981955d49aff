/* The one forward pass for every supported architecture, and the public
 * generation API (wick_context, wick_decode, wick_generate_greedy).
 *
 * Per layer, for a batch of n tokens at positions n_past .. n_past+n-1
 * (x: [n][n_embd] residual stream):
 *   h = rmsnorm(x) * attn_norm
 *   q, k, v = h Wq (+bq), h Wk (+bk), h Wv (+bv)     [n][heads*head_dim]
 *             (fused_qkv: one product h Wqkv, split by rows)
 *   q, k = rmsnorm per head * q_norm / k_norm         (qk_norm archs)
 *   q, k = rope(q, k, pos)                            (NORM or NEOX pairs; angles
 *             divided by LongRoPE / rope_freqs factors when the model has them)
 *   cache k, v (f16); a = softmax(q K^T * scale (softcapped), causal,
 *   sliding window on SWA layers) V                   (GQA: head h reads
 *   kv head h / (n_head / n_head_kv))
 *   o = a Wo; o = rmsnorm(o) * post_attn_norm         (post_norms archs)
 *   x += o
 *   h = rmsnorm(x) * ffn_norm; f = act(h Wgate) * (h Wup); d = f Wdown
 *             (fused_up: h Wup gives [gate; up]; act is SiLU or tanh-GELU)
 *   d = rmsnorm(d) * post_ffw_norm                    (post_norms archs)
 *   x += d
 * then logits = (rmsnorm(x_last) * output_norm) Woutput, softcapped if the
 * architecture says so. Differences between architectures are the flags
 * in arch_desc; there is no per-architecture code path. */
#include "core/status.h"
#include "model/kv_cache.h"
#include "model/weights.h"
#include "ops/matmul.h"
#include "ops/ops.h"
#include "quant/fp16.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct wick_context {
    const wick_model *model;
    model_weights w;
    wick_thread_pool *pool;
    kv_cache kv;
    uint32_t n_ctx, n_batch, n_past;
    int has_logits;
    /* activations for one batch (n_batch rows each) */
    float *x, *h, *q, *k, *v, *attn, *o, *g, *u;
    float *fused;   /* fused qkv / gate+up products before they are split */
    const float *rope_factors; /* per-pair divisors of the RoPE angle, or NULL */
    float *logits;  /* [n_vocab], last token of the last decode */
    float *scratch; /* per thread: a dequantized weight row */
    float *scores;  /* per thread: n_ctx attention scores */
    size_t scratch_per_thread;
    op_exec ex;     /* pool, kernels and buffers for op_matmul */
};

wick_context_params wick_context_default_params(void) {
    wick_context_params p = {0, 0, 1};
    return p;
}

static void *xalloc(size_t n_floats, int *failed) {
    void *p = malloc(n_floats ? n_floats * sizeof(float) : 1);
    if (!p) *failed = 1;
    return p;
}

wick_status wick_context_new(const wick_model *model, const wick_context_params *params,
                             wick_context **out, wick_error *err) {
    *out = NULL;
    if (!model) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_context_new: model is NULL");
    wick_context_params p = params ? *params : wick_context_default_params();
    wick_context *c = calloc(1, sizeof *c);
    if (!c) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    c->model = model;
    wick_status st = weights_bind(model, &c->w, err);
    if (st != WICK_OK) {
        free(c);
        return st;
    }
    const model_hparams *hp = &c->w.hp;
    c->n_ctx = p.n_ctx ? p.n_ctx : (hp->n_ctx_train && hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096);
    c->n_batch = p.n_batch ? p.n_batch : 32;
    if (c->n_ctx > (1u << 20) || c->n_batch > 4096) {
        wick_context_free(c);
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "context of %u tokens / batch of %u is too large",
                              p.n_ctx, p.n_batch);
    }
    st = wick_thread_pool_new(p.n_threads, &c->pool, err);
    if (st == WICK_OK)
        st = kv_cache_init(&c->kv, hp->n_layer, c->n_ctx, hp->n_head_kv * hp->head_dim, err);
    if (st != WICK_OK) {
        wick_context_free(c);
        return st;
    }
    const size_t B = c->n_batch, E = hp->n_embd, Q = (size_t)hp->n_head * hp->head_dim,
                 KV = (size_t)hp->n_head_kv * hp->head_dim, F = hp->n_ff;
    const size_t T = (size_t)wick_thread_pool_size(c->pool);
    size_t widest = E > Q ? E : Q;
    if (F > widest) widest = F;
    c->scratch_per_thread = widest;
    int failed = 0;
    c->x = xalloc(B * E, &failed);
    c->h = xalloc(B * E, &failed);
    c->q = xalloc(B * Q, &failed);
    c->k = xalloc(B * KV, &failed);
    c->v = xalloc(B * KV, &failed);
    c->attn = xalloc(B * Q, &failed);
    c->o = xalloc(B * E, &failed);
    c->g = xalloc(B * F, &failed);
    c->u = xalloc(B * F, &failed);
    c->fused = xalloc(B * (Q + 2 * KV > 2 * F ? Q + 2 * KV : 2 * F), &failed);
    /* LongRoPE: long factors when the context exceeds the original one
     * (as llama.cpp decides per context); llama3-style rope_freqs always. */
    if (c->w.rope_long)
        c->rope_factors = hp->n_ctx_orig && c->n_ctx > hp->n_ctx_orig ? c->w.rope_long : c->w.rope_short;
    else
        c->rope_factors = c->w.rope_freqs;
    c->logits = xalloc(hp->n_vocab, &failed);
    c->scratch = xalloc(T * widest, &failed);
    c->scores = xalloc(T * c->n_ctx, &failed);
    /* quantized activations: f32 rows are the widest format */
    c->ex.act = xalloc(B * widest, &failed);
    c->ex.pool = c->pool;
    /* WICK_KERNELS=scalar|avx2|neon|simd128 picks the kernel table (to
     * compare ISAs on a real model); unknown or unavailable: the best. */
    c->ex.ops = kern_ops_best();
    const char *isa = getenv("WICK_KERNELS");
    for (int i = 0; isa && i < KERN_ISA_COUNT; i++) {
        const kern_ops *o = kern_ops_for((kern_isa)i);
        if (o && strcmp(o->name, isa) == 0) c->ex.ops = o;
    }
    c->ex.scratch = c->scratch;
    if (failed) {
        wick_context_free(c);
        return wick_error_set(err, WICK_ERR_NOMEM, "out of memory (activation buffers)");
    }
    *out = c;
    return WICK_OK;
}

void wick_context_free(wick_context *c) {
    if (!c) return;
    weights_free(&c->w);
    wick_thread_pool_free(c->pool);
    kv_cache_free(&c->kv);
    float *bufs[] = {c->x, c->h, c->q, c->k, c->v, c->attn, c->o, c->g, c->u, c->fused, c->logits, c->scratch, c->scores, c->ex.act};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    free(c);
}

uint32_t wick_context_n_ctx(const wick_context *c) { return c ? c->n_ctx : 0; }
uint32_t wick_context_n_past(const wick_context *c) { return c ? c->n_past : 0; }
void wick_context_reset(wick_context *c) {
    if (!c) return;
    c->n_past = 0;
    c->has_logits = 0;
}

void wick_context_truncate(wick_context *c, uint32_t n_keep) {
    if (!c || n_keep >= c->n_past) return;
    c->n_past = n_keep;
    c->has_logits = 0;
}

const float *wick_get_logits(const wick_context *c, int32_t *n_vocab) {
    if (n_vocab) *n_vocab = c ? (int32_t)c->w.hp.n_vocab : 0;
    return c && c->has_logits ? c->logits : NULL;
}

/* ------------------------------------------------------------ attention */

typedef struct attn_task {
    wick_context *c;
    uint32_t layer, n_tokens, pos0;
    int swa;
} attn_task;

/* One (token, head) pair per work item: scores over the visible cache
 * positions, softmax, weighted sum of values. */
static void attn_worker(void *arg, int ith, int nth) {
    const attn_task *t = arg;
    wick_context *c = t->c;
    const model_hparams *hp = &c->w.hp;
    const uint32_t hd = hp->head_dim, group = hp->n_head / hp->n_head_kv;
    const size_t Q = (size_t)hp->n_head * hd;
    float *scores = c->scores + (size_t)ith * c->n_ctx;
    long long i0, i1;
    wick_split_range((long long)t->n_tokens * hp->n_head, ith, nth, &i0, &i1);
    for (long long item = i0; item < i1; item++) {
        const uint32_t tok = (uint32_t)(item / hp->n_head), head = (uint32_t)(item % hp->n_head);
        const uint32_t pos = t->pos0 + tok, kvh = head / group;
        /* llama.cpp masks key j for query p when p - j >= n_swa */
        uint32_t j0 = 0;
        if (t->swa && pos + 1 > hp->n_swa) j0 = pos + 1 - hp->n_swa;
        const float *qv = c->q + tok * Q + (size_t)head * hd;
        const kern_ops *ops = c->ex.ops;
        const float scale = hp->attn_scale, cap = hp->attn_softcap;
        for (uint32_t j = j0; j <= pos; j++) {
            const uint16_t *kr = kv_cache_k(&c->kv, t->layer, j) + (size_t)kvh * hd;
            float s = ops->dot_f32_f16(hd, qv, kr) * scale;
            if (cap > 0) s = cap * tanhf(s / cap);
            scores[j - j0] = s;
        }
        op_softmax(scores, pos - j0 + 1);
        float *out = c->attn + tok * Q + (size_t)head * hd;
        memset(out, 0, hd * sizeof *out);
        for (uint32_t j = j0; j <= pos; j++)
            ops->axpy_f16(hd, scores[j - j0], kv_cache_v(&c->kv, t->layer, j) + (size_t)kvh * hd, out);
    }
}

/* ---------------------------------------------------------------- layers */

static void rmsnorm_rows(float *y, const float *x, const float *w, uint32_t n_rows, size_t dim, float eps) {
    for (uint32_t r = 0; r < n_rows; r++) op_rmsnorm(y + r * dim, x + r * dim, w, (int64_t)dim, eps);
}

static void forward_layer(wick_context *c, uint32_t il, uint32_t n) {
    const model_hparams *hp = &c->w.hp;
    const arch_desc *a = hp->arch;
    const layer_weights *L = &c->w.layers[il];
    const size_t E = hp->n_embd, hd = hp->head_dim, Q = (size_t)hp->n_head * hd,
                 KV = (size_t)hp->n_head_kv * hd, F = hp->n_ff;
    const int swa = arch_layer_is_swa(hp, il);
    const float base = swa ? hp->rope_base_swa : hp->rope_base;
    const float fscale = swa ? 1.0f : hp->rope_freq_scale;

    rmsnorm_rows(c->h, c->x, L->attn_norm, n, E, hp->rms_eps);
    if (a->fused_qkv) {
        const size_t W3 = Q + 2 * KV;
        op_matmul(&c->ex, &L->wqkv, NULL, c->h, (int64_t)E, n, c->fused, (int64_t)W3);
        for (uint32_t t = 0; t < n; t++) {
            memcpy(c->q + t * Q, c->fused + t * W3, Q * sizeof(float));
            memcpy(c->k + t * KV, c->fused + t * W3 + Q, KV * sizeof(float));
            memcpy(c->v + t * KV, c->fused + t * W3 + Q + KV, KV * sizeof(float));
        }
    } else {
        const op_weight *W[3] = {&L->wq, &L->wk, &L->wv};
        const float *B[3] = {L->bq, L->bk, L->bv};
        float *Y[3] = {c->q, c->k, c->v};
        const int64_t ld[3] = {(int64_t)Q, (int64_t)KV, (int64_t)KV};
        op_matmul_shared(&c->ex, 3, W, B, c->h, (int64_t)E, n, Y, ld);
    }
    for (uint32_t t = 0; t < n; t++) {
        float *q = c->q + t * Q, *k = c->k + t * KV;
        if (a->qk_norm) {
            rmsnorm_rows(q, q, L->q_norm, hp->n_head, hd, hp->rms_eps);
            rmsnorm_rows(k, k, L->k_norm, hp->n_head_kv, hd, hp->rms_eps);
        }
        const int64_t pos = (int64_t)c->n_past + t;
        op_rope(q, hp->n_head, (int64_t)hd, hp->n_rot, a->rope_mode, pos, base, fscale, c->rope_factors,
                hp->rope_attn_factor);
        op_rope(k, hp->n_head_kv, (int64_t)hd, hp->n_rot, a->rope_mode, pos, base, fscale,
                c->rope_factors, hp->rope_attn_factor);
        kv_cache_store(&c->kv, il, c->n_past + t, k, c->v + t * KV);
    }
    attn_task at = {c, il, n, c->n_past, swa};
    wick_thread_pool_run(c->pool, attn_worker, &at);
    op_matmul(&c->ex, &L->wo, NULL, c->attn, (int64_t)Q, n, c->o, (int64_t)E);
    if (L->post_attn_norm) rmsnorm_rows(c->o, c->o, L->post_attn_norm, n, E, hp->rms_eps);
    for (size_t i = 0; i < n * E; i++) c->x[i] += c->o[i];

    rmsnorm_rows(c->h, c->x, L->ffn_norm, n, E, hp->rms_eps);
    if (a->fused_up) {
        op_matmul(&c->ex, &L->up, NULL, c->h, (int64_t)E, n, c->fused, (int64_t)(2 * F));
        for (uint32_t t = 0; t < n; t++) {
            memcpy(c->g + t * F, c->fused + t * 2 * F, F * sizeof(float));
            memcpy(c->u + t * F, c->fused + t * 2 * F + F, F * sizeof(float));
        }
    } else {
        const op_weight *W[2] = {&L->gate, &L->up};
        float *Y[2] = {c->g, c->u};
        const int64_t ld[2] = {(int64_t)F, (int64_t)F};
        op_matmul_shared(&c->ex, 2, W, NULL, c->h, (int64_t)E, n, Y, ld);
    }
    if (a->ffn_act == ARCH_FFN_GELU)
        op_geglu(c->g, c->g, c->u, (int64_t)(n * F));
    else
        op_swiglu(c->g, c->g, c->u, (int64_t)(n * F));
    op_matmul(&c->ex, &L->down, NULL, c->g, (int64_t)F, n, c->o, (int64_t)E);
    if (L->post_ffw_norm) rmsnorm_rows(c->o, c->o, L->post_ffw_norm, n, E, hp->rms_eps);
    for (size_t i = 0; i < n * E; i++) c->x[i] += c->o[i];
}

/* One batch of n <= n_batch tokens, already validated. */
static void forward_batch(wick_context *c, const int32_t *tokens, uint32_t n) {
    const model_hparams *hp = &c->w.hp;
    const size_t E = hp->n_embd;
    const float escale = hp->arch->embd_scale ? sqrtf((float)E) : 1.0f;
    for (uint32_t t = 0; t < n; t++) {
        op_weight_row(&c->w.tok_embd, tokens[t], c->x + t * E);
        if (escale != 1.0f)
            for (size_t i = 0; i < E; i++) c->x[t * E + i] *= escale;
    }
    for (uint32_t il = 0; il < hp->n_layer; il++) forward_layer(c, il, n);
    /* logits of the last token only */
    op_rmsnorm(c->h, c->x + (size_t)(n - 1) * E, c->w.output_norm, (int64_t)E, hp->rms_eps);
    op_matvec_logits(&c->ex, &c->w.output, c->h, c->logits);
    if (hp->final_softcap > 0) op_softcap(c->logits, hp->n_vocab, hp->final_softcap);
    c->n_past += n;
    c->has_logits = 1;
}

wick_status wick_decode(wick_context *c, const int32_t *tokens, size_t n_tokens, wick_error *err) {
    if (!c) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_decode: context is NULL");
    if (n_tokens == 0) return WICK_OK;
    if (!tokens) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_decode: tokens is NULL");
    if (n_tokens > c->n_ctx - c->n_past)
        return wick_error_set(err, WICK_ERR_LIMIT,
                              "%zu tokens do not fit: the context holds %u and %u are used "
                              "(use a larger context or a shorter prompt)",
                              n_tokens, c->n_ctx, c->n_past);
    for (size_t i = 0; i < n_tokens; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= c->w.hp.n_vocab)
            return wick_error_set(err, WICK_ERR_INVALID_ARG,
                                  "token %zu has id %d, outside the model's %u embeddings", i,
                                  tokens[i], c->w.hp.n_vocab);
    for (size_t i = 0; i < n_tokens; i += c->n_batch) {
        size_t n = n_tokens - i < c->n_batch ? n_tokens - i : c->n_batch;
        forward_batch(c, tokens + i, (uint32_t)n);
    }
    return WICK_OK;
}

int32_t wick_argmax(const float *logits, int32_t n) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
        if (logits[i] > logits[best]) best = i;
    return n > 0 ? best : -1;
}

wick_status wick_generate_greedy(wick_context *c, const int32_t *prompt, size_t n_prompt,
                                 size_t max_tokens, wick_token_callback cb, void *user,
                                 size_t *n_generated, wick_error *err) {
    if (n_generated) *n_generated = 0;
    if (!c) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_generate_greedy: context is NULL");
    wick_status st = wick_decode(c, prompt, n_prompt, err);
    if (st != WICK_OK) return st;
    if (!c->has_logits)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_generate_greedy: no prompt to continue");
    for (size_t i = 0; i < max_tokens; i++) {
        int32_t tok = wick_argmax(c->logits, (int32_t)c->w.hp.n_vocab);
        if (wick_token_is_eog(c->model, tok)) break;
        if (n_generated) *n_generated = i + 1;
        if (cb && cb(tok, user)) break;
        if (i + 1 == max_tokens) break;
        if (c->n_past >= c->n_ctx) break; /* context full: stop, the caller sees the count */
        st = wick_decode(c, &tok, 1, err);
        if (st != WICK_OK) return st;
    }
    return WICK_OK;
}
