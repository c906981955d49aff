/* wick_model_get_info: a summary of a model from its GGUF metadata and
 * tensor index: architecture, size, quantization mix, attention shape and
 * the f16 KV-cache size it implies. */
#include "model/model_info.h"

#include "core/status.h"
#include "model/model.h"

#include <stdio.h>
#include <string.h>

typedef struct info_ctx {
    const gguf_file *g;
    const char *src; /* prefixes messages; may be NULL */
    wick_error *err;
} info_ctx;

static const char *value_type_label(gguf_value_type t) {
    static const char *const NAMES[GGUF_TYPE_COUNT] = {
        "uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
        "bool",  "string", "array",  "uint64", "int64",  "float64"};
    return (unsigned)t < GGUF_TYPE_COUNT ? NAMES[t] : "unknown";
}

static wick_status wrong_type(const info_ctx *c, const char *key, int64_t kv, const char *expected) {
    return wick_error_set(c->err, WICK_ERR_FORMAT, "%s%smetadata key %s: expected %s, got %s",
                          c->src ? c->src : "", c->src ? ": " : "", key, expected,
                          value_type_label(gguf_kv_type(c->g, kv)));
}

/* Copies a string value (truncated to fit, NUL-terminated); absent -> "". */
static wick_status get_str(const info_ctx *c, const char *key, char *out, size_t cap) {
    out[0] = '\0';
    int64_t kv = gguf_find_key(c->g, key);
    if (kv < 0) return WICK_OK;
    gguf_str s;
    if (!gguf_kv_get_str(c->g, kv, &s)) return wrong_type(c, key, kv, "a string");
    size_t n = s.len < cap - 1 ? (size_t)s.len : cap - 1;
    memcpy(out, s.ptr, n);
    out[n] = '\0';
    return WICK_OK;
}

/* A uint32 value under "<arch>.<suffix>"; absent -> 0. */
static wick_status get_arch_u32(const info_ctx *c, const char *arch, const char *suffix,
                                uint32_t *v) {
    char key[160];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    *v = 0;
    int64_t kv = gguf_find_key(c->g, key);
    if (kv >= 0 && !gguf_kv_get_u32(c->g, kv, v))
        return wrong_type(c, key, kv, "an unsigned 32-bit integer");
    return WICK_OK;
}

/* A hyperparameter that is either one uint32 for all layers or an array
 * with one integer per layer (e.g. head_count_kv in OpenELM). */
typedef struct per_layer {
    bool present, is_array;
    uint32_t scalar;
    gguf_array arr;
    uint32_t max;
} per_layer;

static wick_status get_per_layer(const info_ctx *c, const char *arch, const char *suffix,
                                 uint32_t n_layers, per_layer *p) {
    char key[160];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    memset(p, 0, sizeof *p);
    int64_t kv = gguf_find_key(c->g, key);
    if (kv < 0) return WICK_OK;
    p->present = true;
    if (gguf_kv_get_u32(c->g, kv, &p->scalar)) {
        p->max = p->scalar;
        return WICK_OK;
    }
    if (!gguf_kv_get_array(c->g, kv, &p->arr))
        return wrong_type(c, key, kv, "an unsigned 32-bit integer or an array of them");
    p->is_array = true;
    if (p->arr.len != n_layers)
        return wick_error_set(c->err, WICK_ERR_FORMAT,
                              "%s%smetadata key %s: %llu entries, expected one per layer (%u)",
                              c->src ? c->src : "", c->src ? ": " : "", key,
                              (unsigned long long)p->arr.len, n_layers);
    for (uint64_t i = 0; i < p->arr.len; i++) {
        int64_t v;
        if (!gguf_array_get_i64(&p->arr, i, &v) || v < 0 || v > (int64_t)UINT32_MAX)
            return wick_error_set(c->err, WICK_ERR_FORMAT,
                                  "%s%smetadata key %s: element %llu is not an unsigned 32-bit "
                                  "integer",
                                  c->src ? c->src : "", c->src ? ": " : "", key,
                                  (unsigned long long)i);
        if ((uint32_t)v > p->max) p->max = (uint32_t)v;
    }
    return WICK_OK;
}

static uint64_t sat_mul(uint64_t a, uint64_t b) {
    return (b && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}
static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* Sum over layers of the per-layer value (scalar: n_layers * value). */
static uint64_t per_layer_sum(const per_layer *p, uint32_t n_layers) {
    if (!p->is_array) return sat_mul(n_layers, p->scalar);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < p->arr.len; i++) {
        int64_t v = 0;
        gguf_array_get_i64(&p->arr, i, &v); /* validated in get_per_layer */
        sum += (uint64_t)v;
    }
    return sum;
}

#define TRY(expr)                                                                            \
    do {                                                                                     \
        wick_status st_ = (expr);                                                            \
        if (st_ != WICK_OK) return st_;                                                      \
    } while (0)

wick_status model_info_from_gguf(const gguf_file *g, const char *source_name,
                                 wick_model_info *info, wick_error *err) {
    if (!g || !info) return wick_error_set(err, WICK_ERR_INVALID_ARG, "model_info: NULL argument");
    memset(info, 0, sizeof *info);
    info_ctx c = {g, source_name, err};

    TRY(get_str(&c, "general.architecture", info->architecture, sizeof info->architecture));
    TRY(get_str(&c, "general.name", info->name, sizeof info->name));
    const char *arch = info->architecture;

    int64_t n_tensors = gguf_tensor_count(g);
    info->n_tensors = n_tensors > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)n_tensors;
    for (int64_t i = 0; i < n_tensors; i++) {
        const gguf_tensor_info *t = gguf_tensor(g, i);
        info->n_params = sat_add(info->n_params, t->n_elements);
        info->weight_bytes = sat_add(info->weight_bytes, t->size);
        if (t->type < 64) { /* the reader only accepts known ggml ids, all < 64 */
            info->tensors_per_type[t->type]++;
            info->bytes_per_type[t->type] = sat_add(info->bytes_per_type[t->type], t->size);
        }
    }

    if (arch[0]) {
        TRY(get_arch_u32(&c, arch, "context_length", &info->context_length));
        TRY(get_arch_u32(&c, arch, "block_count", &info->n_layers));
        TRY(get_arch_u32(&c, arch, "embedding_length", &info->n_embd));
        per_layer heads, heads_kv;
        TRY(get_per_layer(&c, arch, "attention.head_count", info->n_layers, &heads));
        TRY(get_per_layer(&c, arch, "attention.head_count_kv", info->n_layers, &heads_kv));
        if (!heads_kv.present) heads_kv = heads; /* no GQA: as many KV heads as query heads */
        info->n_head = heads.max;
        info->n_head_kv = heads_kv.max;
        TRY(get_arch_u32(&c, arch, "attention.key_length", &info->head_dim_k));
        TRY(get_arch_u32(&c, arch, "attention.value_length", &info->head_dim_v));
        uint32_t head_dim = info->n_head ? info->n_embd / info->n_head : 0;
        if (!info->head_dim_k) info->head_dim_k = head_dim;
        if (!info->head_dim_v) info->head_dim_v = head_dim;
        /* f16 K and V for 1024 positions: sum over layers of
         * n_head_kv * (head_dim_k + head_dim_v) elements * 2 bytes * 1024 */
        uint64_t kv_heads_total = per_layer_sum(&heads_kv, info->n_layers);
        uint64_t dims = (uint64_t)info->head_dim_k + info->head_dim_v;
        info->kv_bytes_per_1k = sat_mul(sat_mul(kv_heads_total, dims), 2 * 1024);
    }

    int64_t kv = gguf_find_key(g, "tokenizer.ggml.tokens");
    if (kv >= 0) {
        gguf_array tokens;
        if (!gguf_kv_get_array(g, kv, &tokens) || tokens.elem_type != GGUF_TYPE_STRING)
            return wrong_type(&c, "tokenizer.ggml.tokens", kv, "an array of strings");
        if (tokens.len > (uint64_t)INT32_MAX)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "%s%smetadata key tokenizer.ggml.tokens: %llu tokens is more "
                                  "than token ids (int32) can address",
                                  source_name ? source_name : "", source_name ? ": " : "",
                                  (unsigned long long)tokens.len);
        info->vocab_size = (uint32_t)tokens.len;
    }
    TRY(get_str(&c, "tokenizer.ggml.model", info->vocab_type, sizeof info->vocab_type));
    TRY(get_str(&c, "tokenizer.ggml.pre", info->pre_tokenizer, sizeof info->pre_tokenizer));
    kv = gguf_find_key(g, "tokenizer.chat_template");
    if (kv >= 0) {
        gguf_str s;
        if (!gguf_kv_get_str(g, kv, &s)) return wrong_type(&c, "tokenizer.chat_template", kv, "a string");
        info->has_chat_template = 1;
    }
    return WICK_OK;
}

wick_status wick_model_get_info(const wick_model *model, wick_model_info *info, wick_error *err) {
    if (!model || !info)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_model_get_info: NULL argument");
    wick_status st = model_info_from_gguf(model->gguf, model->path, info, err);
    /* A split model: the other shards' tensors count too. */
    for (uint32_t s = 1; st == WICK_OK && s < model->n_shards; s++) {
        const gguf_file *g = model->shards[s].gguf;
        for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
            const gguf_tensor_info *t = gguf_tensor(g, i);
            info->n_tensors = info->n_tensors == UINT32_MAX ? UINT32_MAX : info->n_tensors + 1;
            info->n_params = sat_add(info->n_params, t->n_elements);
            info->weight_bytes = sat_add(info->weight_bytes, t->size);
            if (t->type < 64) {
                info->tensors_per_type[t->type]++;
                info->bytes_per_type[t->type] = sat_add(info->bytes_per_type[t->type], t->size);
            }
        }
    }
    return st;
}

const char *model_file_type_name(uint32_t ft) {
    /* llama_ftype values as llama.cpp labels them (llama-model-loader.cpp) */
    switch (ft) {
    case 0: return "all F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 7: return "Q8_0";
    case 8: return "Q5_0";
    case 9: return "Q5_1";
    case 10: return "Q2_K - Medium";
    case 11: return "Q3_K - Small";
    case 12: return "Q3_K - Medium";
    case 13: return "Q3_K - Large";
    case 14: return "Q4_K - Small";
    case 15: return "Q4_K - Medium";
    case 16: return "Q5_K - Small";
    case 17: return "Q5_K - Medium";
    case 18: return "Q6_K";
    case 19: return "IQ2_XXS - 2.0625 bpw";
    case 20: return "IQ2_XS - 2.3125 bpw";
    case 21: return "Q2_K - Small";
    case 22: return "IQ3_XS - 3.3 bpw";
    case 23: return "IQ3_XXS - 3.0625 bpw";
    case 24: return "IQ1_S - 1.5625 bpw";
    case 25: return "IQ4_NL - 4.5 bpw";
    case 26: return "IQ3_S - 3.4375 bpw";
    case 27: return "IQ3_S mix - 3.66 bpw";
    case 28: return "IQ2_S - 2.5 bpw";
    case 29: return "IQ2_M - 2.7 bpw";
    case 30: return "IQ4_XS - 4.25 bpw";
    case 31: return "IQ1_M - 1.75 bpw";
    case 32: return "BF16";
    case 36: return "TQ1_0 - 1.69 bpw ternary";
    case 37: return "TQ2_0 - 2.06 bpw ternary";
    case 38: return "MXFP4 MoE";
    case 39: return "NVFP4";
    case 40: return "Q1_0";
    default: return NULL;
    }
}
