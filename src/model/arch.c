/* Architecture table and hyperparameter loading (see arch.h). Constants
 * not stored in GGUF (Gemma 3's local RoPE base 10000 and its 5:1
 * local/global layer pattern) are the ones llama.cpp hard-codes. */
#include "model/arch.h"

#include "core/status.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const arch_desc ARCHS[] = {
    /* name    rope          act            bias   qknorm post   escale tied   fqkv   fup
       swa  swa_base */
    {"llama", OP_ROPE_NORM, ARCH_FFN_SILU, false, false, false, false, false, false, false, 0, 0.0f},
    {"qwen2", OP_ROPE_NEOX, ARCH_FFN_SILU, true, false, false, false, false, false, false, 0, 0.0f},
    {"qwen3", OP_ROPE_NEOX, ARCH_FFN_SILU, false, true, false, false, false, false, false, 0, 0.0f},
    {"phi3", OP_ROPE_NEOX, ARCH_FFN_SILU, false, false, false, false, false, true, true, 0, 0.0f},
    {"gemma2", OP_ROPE_NEOX, ARCH_FFN_GELU, false, false, true, true, true, false, false, 2, 0.0f},
    {"gemma3", OP_ROPE_NEOX, ARCH_FFN_GELU, false, true, true, true, true, false, false, 6, 10000.0f},
};

const arch_desc *arch_find(const char *name, uint64_t len) {
    for (size_t i = 0; i < sizeof ARCHS / sizeof ARCHS[0]; i++)
        if (strlen(ARCHS[i].name) == len && !memcmp(ARCHS[i].name, name, len)) return &ARCHS[i];
    return NULL;
}

const char *arch_supported_list(void) { return "llama, qwen2, qwen3, phi3, gemma2, gemma3"; }

bool arch_layer_is_swa(const model_hparams *hp, uint32_t il) {
    const uint32_t p = hp->arch->swa_pattern;
    return p && hp->n_swa && il % p != p - 1;
}

/* Reads <arch>.<key> as u32; `required` makes absence an error. */
static wick_status get_u32(const gguf_file *g, const char *src, const char *arch, const char *key,
                           bool required, uint32_t *v, wick_error *err) {
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    int64_t kv = gguf_find_key(g, k);
    if (kv < 0) {
        if (!required) return WICK_OK;
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key %s is missing", src, k);
    }
    if (!gguf_kv_get_u32(g, kv, v))
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key %s: expected an unsigned integer",
                              src, k);
    return WICK_OK;
}

static wick_status get_f32(const gguf_file *g, const char *src, const char *arch, const char *key,
                           bool required, float *v, wick_error *err) {
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    int64_t kv = gguf_find_key(g, k);
    if (kv < 0) {
        if (!required) return WICK_OK;
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key %s is missing", src, k);
    }
    if (!gguf_kv_get_f32(g, kv, v))
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key %s: expected a number", src, k);
    return WICK_OK;
}

wick_status arch_read_hparams(const gguf_file *g, const char *src, model_hparams *hp,
                              wick_error *err) {
    memset(hp, 0, sizeof *hp);
    gguf_str an;
    if (!gguf_get_str(g, "general.architecture", &an))
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key general.architecture is missing",
                              src);
    hp->arch = arch_find(an.ptr, an.len);
    if (!hp->arch)
        return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                              "%s: architecture '%.*s' is not supported (supported: %s)", src,
                              (int)(an.len > 64 ? 64 : an.len), an.ptr, arch_supported_list());
    const char *a = hp->arch->name;
    wick_status st = WICK_OK;
#define U32(key, req, field) \
    if (st == WICK_OK) st = get_u32(g, src, a, key, req, &hp->field, err)
#define F32(key, req, field) \
    if (st == WICK_OK) st = get_f32(g, src, a, key, req, &hp->field, err)
    U32("context_length", true, n_ctx_train);
    U32("embedding_length", true, n_embd);
    U32("block_count", true, n_layer);
    U32("feed_forward_length", true, n_ff);
    U32("attention.head_count", true, n_head);
    hp->n_head_kv = hp->n_head;
    U32("attention.head_count_kv", false, n_head_kv);
    F32("attention.layer_norm_rms_epsilon", true, rms_eps);
    hp->rope_base = 10000.0f;
    F32("rope.freq_base", false, rope_base);
    if (st != WICK_OK) return st;
    if (!hp->n_embd || !hp->n_layer || !hp->n_ff || !hp->n_head || !hp->n_head_kv ||
        hp->n_head % hp->n_head_kv || hp->n_layer > 4096 || hp->n_head > 4096)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: inconsistent hyperparameters (n_embd %u, n_layer %u, n_ff %u, "
                              "n_head %u, n_head_kv %u)",
                              src, hp->n_embd, hp->n_layer, hp->n_ff, hp->n_head, hp->n_head_kv);
    hp->head_dim = hp->n_embd / hp->n_head;
    U32("attention.key_length", false, head_dim);
    uint32_t hd_v = hp->head_dim;
    {
        char k[128];
        snprintf(k, sizeof k, "%s.attention.value_length", a);
        if (st == WICK_OK && gguf_find_key(g, k) >= 0 && !gguf_get_u32(g, k, &hd_v))
            st = wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key %s: expected an unsigned integer",
                                src, k);
    }
    hp->n_rot = hp->head_dim;
    U32("rope.dimension_count", false, n_rot);
    if (st != WICK_OK) return st;
    if (!hp->head_dim || hp->head_dim > 1024 || hd_v != hp->head_dim || !hp->n_rot ||
        hp->n_rot > hp->head_dim || hp->n_rot % 2)
        return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                              "%s: head sizes key %u / value %u with %u rotated dims are not supported",
                              src, hp->head_dim, hd_v, hp->n_rot);

    /* RoPE scaling, as llama.cpp reads it: rope.scaling.type defaults to
     * linear, and rope.scaling.factor F (older files: rope.scale_linear),
     * if present and non-zero, divides every angle by F; type none never
     * scales. YaRN and the other types change the angles or
     * the attention in ways Wick does not implement: refused, never run
     * silently wrong. Llama 3.1-style ("llama3") scaling has no type here;
     * converters write it as the rope_freqs.weight tensor, and LongRoPE
     * (phi3) as rope_factors_{long,short}.weight, both applied from the
     * tensors (weights.c, forward.c). */
    hp->rope_freq_scale = 1.0f;
    {
        char k[128];
        gguf_str type;
        bool linear = true; /* the type llama.cpp assumes when the key is absent */
        snprintf(k, sizeof k, "%s.rope.scaling.type", a);
        if (gguf_find_key(g, k) >= 0) {
            if (!gguf_get_str(g, k, &type))
                return wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key %s: expected a string",
                                      src, k);
            if (!gguf_str_eq(type, "none") && !gguf_str_eq(type, "linear"))
                return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                                      "%s: metadata key %s is '%.*s', which Wick does not implement "
                                      "(supported: none, linear; llama3-style scaling as a "
                                      "rope_freqs.weight tensor, LongRoPE as rope_factors_long/short)",
                                      src, k, (int)(type.len > 32 ? 32 : type.len), type.ptr);
            linear = gguf_str_eq(type, "linear");
        }
        if (linear) {
            float factor = 0.0f;
            snprintf(k, sizeof k, "%s.rope.scaling.factor", a);
            if (gguf_find_key(g, k) < 0) { /* the older key, as llama.cpp falls back to it */
                snprintf(k, sizeof k, "%s.rope.scale_linear", a);
                if (st == WICK_OK) st = get_f32(g, src, a, "rope.scale_linear", false, &factor, err);
            } else if (st == WICK_OK) {
                st = get_f32(g, src, a, "rope.scaling.factor", false, &factor, err);
            }
            if (st != WICK_OK) return st;
            if (!(factor >= 0.0f) || factor > 1e6f)
                return wick_error_set(err, WICK_ERR_FORMAT, "%s: metadata key %s is %g, expected a "
                                      "positive factor", src, k, (double)factor);
            hp->rope_freq_scale = factor > 0.0f ? 1.0f / factor : 1.0f;
        }
    }
    hp->rope_base_swa = hp->arch->swa_rope_base > 0 ? hp->arch->swa_rope_base : hp->rope_base;
    if (hp->arch->swa_pattern) U32("attention.sliding_window", false, n_swa);
    hp->rope_attn_factor = 1.0f;
    U32("rope.scaling.original_context_length", false, n_ctx_orig);
    F32("rope.scaling.attn_factor", false, rope_attn_factor);
    F32("attn_logit_softcapping", false, attn_softcap);
    F32("final_logit_softcapping", false, final_softcap);
    if (st != WICK_OK) return st;
    hp->attn_scale = 1.0f / sqrtf((float)hp->head_dim);
    return WICK_OK;
#undef U32
#undef F32
}
