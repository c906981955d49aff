/* The plan as JSON for the JS executor (web/src/gpu/): docs/gpu.md lists
 * the fields. Integers only (f32 parameters travel as their bit
 * patterns), so nothing is lost in JSON numbers. */
#include "gpu/gpu_plan_internal.h"

#include "core/status.h"

static const char *kind_name(gpu_buffer_kind k) {
    switch (k) {
    case GPU_BUF_WEIGHTS: return "weights";
    case GPU_BUF_KV: return "kv";
    case GPU_BUF_ACT: return "act";
    case GPU_BUF_TOKENS: return "tokens";
    case GPU_BUF_LOGITS: return "logits";
    }
    return "?";
}

wick_status gpu_plan_json(const gpu_plan *p, wick_buf *b, wick_error *err) {
    if (!p) return wick_error_set(err, WICK_ERR_INVALID_ARG, "gpu_plan_json: plan is NULL");
    const model_hparams *hp = &p->hp;
    wick_buf_printf(b,
                    "{\"version\":1,\"arch\":\"%s\",\"n_vocab\":%u,\"n_embd\":%u,\"n_layer\":%u,"
                    "\"n_head\":%u,\"n_head_kv\":%u,\"head_dim\":%u,\"n_ff\":%u,\"n_ctx\":%u,\"n_batch\":%u,"
                    "\"tokens_buffer\":%u,\"logits_buffer\":%u,\"step_uniform_bytes\":16,"
                    "\"param_slot_bytes\":%u,\"buffers\":[",
                    hp->arch->name, hp->n_vocab, hp->n_embd, hp->n_layer, hp->n_head, hp->n_head_kv,
                    hp->head_dim, hp->n_ff, p->n_ctx, p->n_batch, p->tokens, p->logits, GPU_ALIGN);
    for (size_t i = 0; i < p->n_buffers; i++)
        wick_buf_printf(b, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"size\":%llu}", i ? "," : "",
                        p->buffers[i].name, kind_name(p->buffers[i].kind),
                        (unsigned long long)p->buffers[i].size);
    wick_buf_puts(b, "],\"uploads\":[");
    for (size_t i = 0; i < p->n_uploads; i++) {
        const gpu_upload *u = &p->uploads[i];
        wick_buf_printf(b, "%s[%u,%llu,%llu,%u,%llu]", i ? "," : "", u->shard, (unsigned long long)u->file_offset,
                        (unsigned long long)u->bytes, u->buffer, (unsigned long long)u->offset);
    }
    wick_buf_puts(b, "],\"kernels\":[");
    for (size_t i = 0; i < p->n_kernels; i++) {
        const gpu_kernel *k = &p->kernels[i];
        wick_buf_printf(b, "%s{\"name\":\"%s\",\"sources\":[\"%s\"", i ? "," : "", k->name, k->sources[0]);
        for (int j = 1; j < 6 && k->sources[j]; j++) wick_buf_printf(b, ",\"%s\"", k->sources[j]);
        wick_buf_printf(b, "],\"entry\":\"%s\",\"constants\":{", k->entry);
        for (uint32_t c = 0; c < k->n_consts; c++)
            wick_buf_printf(b, "%s\"%s\":%.17g", c ? "," : "", k->const_names[c], k->const_values[c]);
        wick_buf_puts(b, "}}");
    }
    wick_buf_puts(b, "]}");
    if (b->failed) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory (JSON)");
    return WICK_OK;
}

wick_status gpu_step_json(const gpu_plan *p, const gpu_step *s, wick_buf *b, wick_error *err) {
    if (!p || !s) return wick_error_set(err, WICK_ERR_INVALID_ARG, "gpu_step_json: plan or step is NULL");
    wick_buf_printf(b, "{\"n_tokens\":%u,\"dispatches\":[", s->n_tokens);
    for (size_t i = 0; i < s->n; i++) {
        const gpu_dispatch *d = &s->d[i];
        wick_buf_printf(b, "%s{\"k\":%u,\"b\":[", i ? "," : "", d->kernel);
        for (uint32_t j = 0; j < d->n_binds; j++) {
            const gpu_binding *g = &d->binds[j];
            wick_buf_printf(b, "%s[%u,%u,%llu,%llu]", j ? "," : "", g->binding, g->buffer,
                            (unsigned long long)g->offset, (unsigned long long)g->size);
        }
        wick_buf_puts(b, "],\"p\":[");
        for (uint32_t j = 0; j < d->n_params; j++) wick_buf_printf(b, "%s%u", j ? "," : "", d->params[j]);
        wick_buf_printf(b, "],\"wg\":[%u,%u,%u]}", d->wg[0], d->wg[1], d->wg[2]);
    }
    wick_buf_puts(b, "]}");
    if (b->failed) return wick_error_set(err, WICK_ERR_NOMEM, "gpu plan: out of memory (JSON)");
    return WICK_OK;
}
