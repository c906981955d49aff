/* The dispatch list of one step: src/model/forward.c's forward pass, op by
 * op, as WGSL dispatches (see the header comment there for the math).
 * Parameter words are laid out as the `P` struct of each kernel's WGSL
 * file; keep the two in step (the layout comments below name the file).
 *
 * A step of n tokens at positions pos0 .. pos0+n-1 (pos0 comes from the
 * Step uniform, so one list serves every position):
 *   embed (per part of token_embd) -> x
 *   per layer: rmsnorm x -> h; q, k, v products (fused_qkv: row ranges of
 *   one weight); q/k head norms; rope q, k; kv_store; attention -> attn;
 *   wo -> o; x += o (or x += rmsnorm(o) * post_attn_norm); rmsnorm x -> h;
 *   gate, up (fused_up: row ranges); glu; down -> o; x += o (or the post
 *   norm); then rmsnorm of the last row -> h[0]; output -> logits;
 *   softcap. */
#include "gpu/gpu_plan_internal.h"

#include "core/status.h"
#include "gguf/ggml_types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WG = 64, MAX_WG_X = 32768 };

typedef struct builder {
    const gpu_plan *p;
    gpu_step *s;
    wick_status st;
    wick_error *err;
} builder;

static uint32_t ceil_div(uint64_t a, uint64_t b) { return (uint32_t)((a + b - 1) / b); }

/* Appends a dispatch of kernel `name`; fills nothing else. */
static gpu_dispatch *emit(builder *b, const char *name, uint32_t wx, uint32_t wy, uint32_t wz) {
    if (b->st != WICK_OK) return NULL;
    const uint32_t k = gpu_kernel_find(b->p, name);
    if (k == GPU_NONE) {
        b->st = wick_error_set(b->err, WICK_ERR_INVALID_ARG, "gpu plan: kernel %s was not planned", name);
        return NULL;
    }
    gpu_step *s = b->s;
    if (s->n == s->cap) {
        size_t c = s->cap ? s->cap * 2 : 64;
        gpu_dispatch *d = realloc(s->d, c * sizeof *d);
        if (!d) {
            b->st = wick_error_set(b->err, WICK_ERR_NOMEM, "gpu plan: out of memory");
            return NULL;
        }
        s->d = d;
        s->cap = c;
    }
    gpu_dispatch *d = &s->d[s->n++];
    memset(d, 0, sizeof *d);
    d->kernel = k;
    d->wg[0] = wx;
    d->wg[1] = wy;
    d->wg[2] = wz;
    return d;
}

static void bind(gpu_dispatch *d, gpu_binding bnd) {
    if (d && d->n_binds < GPU_MAX_BINDS) d->binds[d->n_binds++] = bnd;
}

static void bind_act(builder *b, gpu_dispatch *d, uint32_t binding, int act) {
    bind(d, gpu_act_binding(b->p, binding, b->p->act[act]));
}

static void bind_buf(builder *b, gpu_dispatch *d, uint32_t binding, uint32_t buffer) {
    bind(d, gpu_act_binding(b->p, binding, buffer));
}

static gpu_binding part_binding(const gpu_part *part, uint32_t binding) {
    gpu_binding g = {binding, part->buffer, part->offset, part->size};
    return g;
}

/* A vector weight (one part) */
static void bind_vec(builder *b, gpu_dispatch *d, uint32_t binding, uint32_t tensor) {
    if (tensor == GPU_NONE) {
        bind_act(b, d, binding, ACT_DUMMY);
        return;
    }
    const gpu_tensor *t = &b->p->tensors[tensor];
    bind(d, part_binding(&b->p->parts[t->first_part], binding));
}

static void params(gpu_dispatch *d, const uint32_t *w, uint32_t n) {
    if (!d) return;
    memcpy(d->params, w, n * sizeof *w);
    d->n_params = n;
}

/* Y[t][y_off + r - row_lo] (+)= W[r] . X[t] (+ bias[r - row_lo]) for rows
 * row_lo <= r < row_hi of weight `tensor`, t < n_tok; accumulate: add to
 * Y (the residual add fused in). matvec.wgsl / matmul.wgsl `P`: n_in,
 * row_bytes, w_row0, n_rows, x_off, x_stride, y_off, y_stride, has_bias,
 * bias_off, wg_x, n_tok, accumulate. */
static void matmul(builder *b, uint32_t tensor, uint32_t row_lo, uint32_t row_hi, int x_act,
                   uint32_t x_off, uint32_t x_stride, uint32_t y_buf, uint32_t y_off, uint32_t y_stride,
                   uint32_t bias, uint32_t n_tok, bool accumulate) {
    if (b->st != WICK_OK) return;
    const gpu_plan *p = b->p;
    const gpu_tensor *t = &p->tensors[tensor];
    gpu_mm_choice c;
    gpu_matmul_choose(p, t->type, t->n_in, n_tok, &c);
    for (uint32_t i = 0; i < t->n_parts; i++) {
        const gpu_part *part = &p->parts[t->first_part + i];
        const uint32_t a = row_lo > part->row0 ? row_lo : part->row0;
        const uint32_t e = row_hi < part->row0 + part->rows ? row_hi : part->row0 + part->rows;
        if (a >= e) continue;
        const uint32_t n_rows = e - a, groups = ceil_div(n_rows, c.rows_per_wg);
        const uint32_t wx = groups < MAX_WG_X ? groups : MAX_WG_X;
        gpu_dispatch *d = emit(b, c.name, wx, ceil_div(groups, wx), ceil_div(n_tok, c.tokens_per_wg));
        bind(d, part_binding(part, 2));
        bind_act(b, d, 3, x_act);
        bind_buf(b, d, 4, y_buf);
        bind_vec(b, d, 5, bias);
        const uint32_t w[13] = {t->n_in, (uint32_t)t->row_bytes, a - part->row0, n_rows, x_off, x_stride,
                                y_off + (a - row_lo), y_stride, bias != GPU_NONE, a - row_lo, wx, n_tok,
                                accumulate};
        params(d, w, 13);
    }
}

/* gpu_norm.wgsl `P`: dim, n_rows, x_off, x_stride, y_off, y_stride, eps.
 * kind: "rmsnorm" (y = norm(x) * w), "rmsnorm_add" (y += norm(x) * w),
 * "rmsnorm_inplace" (y = norm(y) * w; x_act ignored). */
static void rmsnorm(builder *b, const char *kind, int x_act, uint32_t x_off, int y_act, uint32_t y_off,
                    uint32_t weight, uint32_t dim, uint32_t n_rows, uint32_t stride) {
    gpu_dispatch *d = emit(b, kind, n_rows, 1, 1);
    if (strcmp(kind, "rmsnorm_inplace") != 0) bind_act(b, d, 2, x_act);
    bind_vec(b, d, 3, weight);
    bind_act(b, d, 4, y_act);
    const uint32_t w[7] = {dim, n_rows, x_off, stride, y_off, stride, gpu_f32_bits(b->p->hp.rms_eps)};
    params(d, w, 7);
}

/* rope.wgsl rope_qkv: q/k head norms, RoPE, K and V into the caches.
 * `P`: n_head, n_head_kv, head_dim, n_rot, theta_scale, freq_scale,
 * mscale, kv_row, eps. */
static void rope_qkv(builder *b, const gpu_layer *L, uint32_t n_tok, int swa) {
    const gpu_plan *p = b->p;
    const model_hparams *hp = &p->hp;
    const float base = swa ? hp->rope_base_swa : hp->rope_base;
    const float fscale = swa ? 1.0f : hp->rope_freq_scale;
    gpu_dispatch *d = emit(b, "rope_qkv", hp->n_head + 2 * hp->n_head_kv, n_tok, 1);
    bind_act(b, d, 2, ACT_Q);
    bind_act(b, d, 3, ACT_K);
    bind_act(b, d, 4, ACT_V);
    bind(d, (gpu_binding){5, L->kc.buffer, L->kc.offset, L->kc.size});
    bind(d, (gpu_binding){6, L->vc.buffer, L->vc.offset, L->vc.size});
    bind_vec(b, d, 7, p->rope_factors_t);
    bind_vec(b, d, 8, L->q_norm);
    bind_vec(b, d, 9, L->k_norm);
    const uint32_t w[9] = {hp->n_head, hp->n_head_kv, hp->head_dim, hp->n_rot,
                           gpu_f32_bits(powf(base, -2.0f / (float)hp->n_rot)), gpu_f32_bits(fscale),
                           gpu_f32_bits(hp->rope_attn_factor), hp->n_head_kv * hp->head_dim,
                           gpu_f32_bits(hp->rms_eps)};
    params(d, w, 9);
}

/* elementwise.wgsl `P` for glu: n, (cap), row (threads per grid row). */
static void elementwise(builder *b, const char *kind, int a_act, int b_act, uint32_t n) {
    const uint32_t groups = ceil_div(n, WG), wx = groups < MAX_WG_X ? groups : MAX_WG_X;
    gpu_dispatch *d = emit(b, kind, wx, ceil_div(groups, wx), 1);
    bind_act(b, d, 2, a_act);
    bind_act(b, d, 3, b_act);
    const uint32_t w[3] = {n, 0, wx * WG};
    params(d, w, 3);
}

static void forward_layer(builder *b, uint32_t il, uint32_t n) {
    const gpu_plan *p = b->p;
    const model_hparams *hp = &p->hp;
    const arch_desc *a = hp->arch;
    const gpu_layer *L = &p->layers[il];
    const uint32_t E = hp->n_embd, hd = hp->head_dim, Q = hp->n_head * hd, KV = hp->n_head_kv * hd,
                   F = hp->n_ff;
    const int swa = arch_layer_is_swa(hp, il);

    rmsnorm(b, "rmsnorm", ACT_X, 0, ACT_H, 0, L->attn_norm, E, n, E);
    if (a->fused_qkv) {
        matmul(b, L->wqkv, 0, Q, ACT_H, 0, E, p->act[ACT_Q], 0, Q, GPU_NONE, n, false);
        matmul(b, L->wqkv, Q, Q + KV, ACT_H, 0, E, p->act[ACT_K], 0, KV, GPU_NONE, n, false);
        matmul(b, L->wqkv, Q + KV, Q + 2 * KV, ACT_H, 0, E, p->act[ACT_V], 0, KV, GPU_NONE, n, false);
    } else {
        matmul(b, L->wq, 0, Q, ACT_H, 0, E, p->act[ACT_Q], 0, Q, L->bq, n, false);
        matmul(b, L->wk, 0, KV, ACT_H, 0, E, p->act[ACT_K], 0, KV, L->bk, n, false);
        matmul(b, L->wv, 0, KV, ACT_H, 0, E, p->act[ACT_V], 0, KV, L->bv, n, false);
    }
    rope_qkv(b, L, n, swa);

    /* attention.wgsl `P`: n_head, group, head_dim, kv_row, n_swa, scale,
     * softcap, chunk, n_split */
    const uint32_t chunk = gpu_attn_chunk(p, n), n_split = ceil_div(p->n_ctx, chunk);
    const uint32_t aw[9] = {hp->n_head, hp->n_head / hp->n_head_kv, hd, KV, swa ? hp->n_swa : 0,
                            gpu_f32_bits(hp->attn_scale), gpu_f32_bits(hp->attn_softcap), chunk, n_split};
    gpu_dispatch *d = emit(b, "attn_split", hp->n_head, n, n_split);
    bind_act(b, d, 2, ACT_Q);
    bind(d, (gpu_binding){3, L->kc.buffer, L->kc.offset, L->kc.size});
    bind(d, (gpu_binding){4, L->vc.buffer, L->vc.offset, L->vc.size});
    bind_act(b, d, 6, ACT_PART);
    params(d, aw, 9);
    d = emit(b, "attn_combine", hp->n_head, n, 1);
    bind_act(b, d, 5, ACT_ATTN);
    bind_act(b, d, 6, ACT_PART);
    params(d, aw, 9);

    if (L->post_attn_norm != GPU_NONE) {
        matmul(b, L->wo, 0, E, ACT_ATTN, 0, Q, p->act[ACT_O], 0, E, GPU_NONE, n, false);
        rmsnorm(b, "rmsnorm_add", ACT_O, 0, ACT_X, 0, L->post_attn_norm, E, n, E);
    } else {
        matmul(b, L->wo, 0, E, ACT_ATTN, 0, Q, p->act[ACT_X], 0, E, GPU_NONE, n, true); /* x += wo attn */
    }

    rmsnorm(b, "rmsnorm", ACT_X, 0, ACT_H, 0, L->ffn_norm, E, n, E);
    if (a->fused_up) {
        matmul(b, L->up, 0, F, ACT_H, 0, E, p->act[ACT_G], 0, F, GPU_NONE, n, false);
        matmul(b, L->up, F, 2 * F, ACT_H, 0, E, p->act[ACT_U], 0, F, GPU_NONE, n, false);
    } else {
        matmul(b, L->gate, 0, F, ACT_H, 0, E, p->act[ACT_G], 0, F, GPU_NONE, n, false);
        matmul(b, L->up, 0, F, ACT_H, 0, E, p->act[ACT_U], 0, F, GPU_NONE, n, false);
    }
    elementwise(b, "glu", ACT_G, ACT_U, n * F);
    if (L->post_ffw_norm != GPU_NONE) {
        matmul(b, L->down, 0, E, ACT_G, 0, F, p->act[ACT_O], 0, E, GPU_NONE, n, false);
        rmsnorm(b, "rmsnorm_add", ACT_O, 0, ACT_X, 0, L->post_ffw_norm, E, n, E);
    } else {
        matmul(b, L->down, 0, E, ACT_G, 0, F, p->act[ACT_X], 0, E, GPU_NONE, n, true); /* x += down g */
    }
}

wick_status gpu_plan_step(const gpu_plan *p, uint32_t n, gpu_step *out, wick_error *err) {
    memset(out, 0, sizeof *out);
    if (!p) return wick_error_set(err, WICK_ERR_INVALID_ARG, "gpu_plan_step: plan is NULL");
    if (n == 0 || n > p->n_batch)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "gpu_plan_step: a step takes 1 to %u tokens (the plan's batch), not %u",
                              p->n_batch, n);
    out->n_tokens = n;
    builder b = {p, out, WICK_OK, err};
    const model_hparams *hp = &p->hp;
    const uint32_t E = hp->n_embd;

    /* gpu_embed.wgsl `P`: n_embd, row_bytes, row0, n_rows, scale, n_tok */
    const gpu_tensor *te = &p->tensors[p->tok_embd];
    const ggml_type_traits *tr = ggml_type_get(te->type);
    char name[40];
    snprintf(name, sizeof name, "embed_%s", tr ? tr->name : "?");
    const float escale = hp->arch->embd_scale ? sqrtf((float)E) : 1.0f;
    for (uint32_t i = 0; i < te->n_parts; i++) {
        const gpu_part *part = &p->parts[te->first_part + i];
        gpu_dispatch *d = emit(&b, name, ceil_div(E, WG), n, 1);
        bind(d, part_binding(part, 2));
        bind_buf(&b, d, 3, p->tokens);
        bind_act(&b, d, 4, ACT_X);
        const uint32_t w[6] = {E, (uint32_t)te->row_bytes, part->row0, part->rows, gpu_f32_bits(escale), n};
        params(d, w, 6);
    }
    for (uint32_t il = 0; il < hp->n_layer; il++) forward_layer(&b, il, n);
    /* logits of the last token only */
    rmsnorm(&b, "rmsnorm", ACT_X, (n - 1) * E, ACT_H, 0, p->output_norm, E, 1, E);
    matmul(&b, p->output, 0, hp->n_vocab, ACT_H, 0, E, p->logits, 0, hp->n_vocab, GPU_NONE, 1, false);
    if (hp->final_softcap > 0) {
        gpu_dispatch *d = emit(&b, "softcap", ceil_div(hp->n_vocab, WG), 1, 1);
        bind_buf(&b, d, 2, p->logits);
        const uint32_t w[2] = {hp->n_vocab, gpu_f32_bits(hp->final_softcap)};
        params(d, w, 2);
    }
    if (b.st == WICK_OK) b.st = gpu_step_check(p, out, err);
    if (b.st != WICK_OK) gpu_step_free(out);
    return b.st;
}

void gpu_step_free(gpu_step *s) {
    if (!s) return;
    free(s->d);
    memset(s, 0, sizeof *s);
}

wick_status gpu_step_check(const gpu_plan *p, const gpu_step *s, wick_error *err) {
    for (size_t i = 0; i < s->n; i++) {
        const gpu_dispatch *d = &s->d[i];
        if (d->kernel >= p->n_kernels)
            return wick_error_set(err, WICK_ERR_INVALID_ARG, "gpu plan: dispatch %zu: kernel id %u out of range",
                                  i, d->kernel);
        const char *kn = p->kernels[d->kernel].name;
        for (int k = 0; k < 3; k++)
            if (d->wg[k] == 0 || d->wg[k] > 65535)
                return wick_error_set(err, WICK_ERR_LIMIT,
                                      "gpu plan: dispatch %zu (%s): %u workgroups in dimension %d (1..65535)",
                                      i, kn, d->wg[k], k);
        for (uint32_t j = 0; j < d->n_binds; j++) {
            const gpu_binding *g = &d->binds[j];
            if (g->buffer >= p->n_buffers || g->offset % GPU_ALIGN || g->size % 4 || g->size == 0 ||
                g->size > p->max_binding || g->offset + g->size > p->buffers[g->buffer].size ||
                g->binding < 2)
                return wick_error_set(err, WICK_ERR_INVALID_ARG,
                                      "gpu plan: dispatch %zu (%s): binding %u (buffer %u, offset %llu, "
                                      "size %llu) is not a valid binding of that buffer",
                                      i, kn, g->binding, g->buffer, (unsigned long long)g->offset,
                                      (unsigned long long)g->size);
            /* WebGPU refuses overlapping ranges of one buffer in a dispatch
             * (one writable); the plans never overlap but for the dummy */
            for (uint32_t k = 0; k < j; k++) {
                const gpu_binding *h = &d->binds[k];
                /* (the dummy buffer only stands in for absent read-only vectors) */
                const int overlap = h->buffer == g->buffer && h->offset < g->offset + g->size &&
                                    g->offset < h->offset + h->size && g->buffer != p->act[ACT_DUMMY];
                if (h->binding == g->binding || overlap)
                    return wick_error_set(err, WICK_ERR_INVALID_ARG,
                                          "gpu plan: dispatch %zu (%s): bindings %u and %u %s", i, kn,
                                          h->binding, g->binding,
                                          overlap ? "overlap in one buffer" : "share an index");
            }
        }
    }
    return WICK_OK;
}
