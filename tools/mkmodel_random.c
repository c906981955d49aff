/* wick-mkmodel random / vocab: random-weight test models with real
 * vocabularies.
 *
 * The tensors, shapes and metadata are those llama.cpp's loader requires
 * for each architecture (names from llama-arch.cpp, shapes from
 * llama-model.cpp's load_tensors; ne[0] is the fastest dimension, so a
 * weight mapping n_in -> n_out is {n_in, n_out}). A file llama.cpp would
 * reject (a missing or extra tensor, a wrong shape) is a bug here;
 * tests/conformance/mkmodel.sh loads every generated architecture with
 * llama.cpp when llama-cpp-python is installed.
 *
 * Values: each tensor draws from its own stream, seeded by the model seed
 * and the tensor's name, so a tensor does not change when others are added.
 * Gaussian-ish values are Irwin-Hall sums of four uniforms (integer
 * arithmetic and exact float scaling only: identical on every platform). */
#include "tools/mkmodel.h"

#include "core/status.h"
#include "gguf/ggml_types.h"
#include "gguf/gguf_reader.h"
#include "gguf/gguf_writer.h"
#include "tools/mkmodel_arch.h"
#include "tools/tokenizer_import.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIM 65536u
#define MAX_LAYERS 512u
#define MAX_TENSOR_ELEMS (1ull << 31) /* per tensor, keeps allocations sane */

typedef struct mk_params {
    const mk_arch *arch;
    uint32_t type;
    uint64_t n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx, head_dim, swa;
    bool tied;
    uint64_t seed;
    /* Llama 3.1-style RoPE scaling (--rope-scaling llama3): written as the
     * rope_freqs.weight tensor, as llama.cpp's converter does */
    bool rope_llama3;
    float rope_factor, rope_low_freq, rope_high_freq;
    uint64_t rope_orig_ctx;
} mk_params;

/* ------------------------------------------------------------- values */

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t stream_seed(uint64_t seed, const char *name) {
    uint64_t h = 1469598103934665603ull ^ seed;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* Approximately N(0, 1): (sum of 4 uniforms in [0,1) - 2) * sqrt(3). */
static float gaussish(uint64_t *s) {
    uint64_t r = splitmix64(s);
    uint32_t sum = (uint32_t)(r & 0xFFFF) + (uint32_t)(r >> 16 & 0xFFFF) + (uint32_t)(r >> 32 & 0xFFFF) +
                   (uint32_t)(r >> 48);
    return ((float)sum / 65536.0f - 2.0f) * 1.7320508f;
}

typedef enum value_kind {
    V_WEIGHT, /* N(0, 0.02^2) */
    V_NORM,   /* 1 + N(0, 0.1^2): RMS norm gains */
    V_BIAS,   /* N(0, 0.02^2) */
    V_ROPE_SHORT, /* LongRoPE factors for short contexts: near 1 */
    V_ROPE_LONG   /* ... for long contexts: rising from 1 to ~8 over the dimensions */
} value_kind;

static void fill(float *x, uint64_t n, value_kind kind, uint64_t seed, const char *name) {
    uint64_t s = stream_seed(seed, name);
    for (uint64_t i = 0; i < n; i++) {
        float g = gaussish(&s);
        switch (kind) {
        case V_WEIGHT:
        case V_BIAS: x[i] = 0.02f * g; break;
        case V_NORM: x[i] = 1.0f + 0.1f * g; break;
        case V_ROPE_SHORT: x[i] = 1.0f + 0.05f * fabsf(g); break;
        case V_ROPE_LONG: x[i] = 1.0f + 7.0f * (float)i / (float)(n > 1 ? n - 1 : 1) + 0.1f * fabsf(g); break;
        }
    }
}

/* ------------------------------------------------------------ tensors */

typedef struct mk_ctx {
    gguf_writer *w;
    const mk_params *p;
    uint64_t n_tensors, n_fallback, bytes;
    wick_error *err;
} mk_ctx;

/* A 1-D F32 tensor. */
static wick_status add_vector(mk_ctx *c, const char *name, uint64_t n, value_kind kind) {
    float *x = malloc(n * sizeof *x);
    if (!x) return wick_error_set(c->err, WICK_ERR_NOMEM, "%s: out of memory", name);
    fill(x, n, kind, c->p->seed, name);
    uint64_t ne[1] = {n};
    bool ok = gguf_writer_add_tensor(c->w, name, 1, ne, GGML_TYPE_F32, x, n * sizeof *x);
    free(x);
    c->n_tensors++;
    c->bytes += n * 4;
    return ok ? WICK_OK : wick_error_set(c->err, WICK_ERR_NOMEM, "%s: could not add the tensor", name);
}

/* A weight matrix {n_in, n_out} in the requested type, or in llama.cpp's
 * fallback type when n_in is not a multiple of its block size. */
static wick_status add_matrix(mk_ctx *c, const char *name, uint64_t n_in, uint64_t n_out) {
    if (n_in * n_out > MAX_TENSOR_ELEMS)
        return wick_error_set(c->err, WICK_ERR_LIMIT, "%s: %llu x %llu elements is over the %llu limit",
                              name, (unsigned long long)n_in, (unsigned long long)n_out,
                              (unsigned long long)MAX_TENSOR_ELEMS);
    uint32_t type = quant_fallback_type(c->p->type, (int64_t)n_in);
    if (type != c->p->type) c->n_fallback++;
    uint64_t row_bytes;
    if (!ggml_type_row_bytes(type, n_in, &row_bytes))
        return wick_error_set(c->err, WICK_ERR_INVALID_ARG, "%s: no type fits rows of %llu", name,
                              (unsigned long long)n_in);
    float *x = malloc(n_in * n_out * sizeof *x);
    uint8_t *q = malloc(row_bytes * n_out);
    if (!x || !q) {
        free(x);
        free(q);
        return wick_error_set(c->err, WICK_ERR_NOMEM, "%s: out of memory", name);
    }
    fill(x, n_in * n_out, V_WEIGHT, c->p->seed, name);
    bool ok = true;
    for (uint64_t r = 0; r < n_out && ok; r++)
        ok = quantize_row(type, x + r * n_in, q + r * row_bytes, (int64_t)n_in);
    uint64_t ne[2] = {n_in, n_out};
    ok = ok && gguf_writer_add_tensor(c->w, name, 2, ne, type, q, row_bytes * n_out);
    free(x);
    free(q);
    c->n_tensors++;
    c->bytes += row_bytes * n_out;
    return ok ? WICK_OK : wick_error_set(c->err, WICK_ERR_NOMEM, "%s: could not add the tensor", name);
}

/* rope_freqs.weight [head_dim / 2]: the per-pair divisors of the RoPE
 * angle for Llama 3.1 / 3.2 "llama3" scaling, computed as llama.cpp's
 * convert_hf_to_gguf.py (LlamaModel.generate_extra_tensors) does, in f32:
 * a pair whose wavelength 2 pi / freq is shorter than orig_ctx / high_freq
 * keeps its angle (1), one longer than orig_ctx / low_freq is slowed by
 * `factor`, and those in between interpolate smoothly. */
static wick_status add_rope_freqs(mk_ctx *c) {
    const mk_params *p = c->p;
    const uint64_t n = p->head_dim / 2;
    float *x = malloc(n * sizeof *x);
    if (!x) return wick_error_set(c->err, WICK_ERR_NOMEM, "rope_freqs.weight: out of memory");
    const double low_wavelen = (double)p->rope_orig_ctx / p->rope_low_freq;
    const double high_wavelen = (double)p->rope_orig_ctx / p->rope_high_freq;
    for (uint64_t i = 0; i < n; i++) {
        float freq = 1.0f / powf(p->arch->rope_base, (float)(2 * i) / (float)p->head_dim);
        float wavelen = (float)(2.0 * 3.14159265358979323846) / freq;
        if (wavelen < high_wavelen) {
            x[i] = 1.0f;
        } else if (wavelen > low_wavelen) {
            x[i] = p->rope_factor;
        } else {
            float smooth = ((float)p->rope_orig_ctx / wavelen - p->rope_low_freq) /
                           (p->rope_high_freq - p->rope_low_freq);
            x[i] = 1.0f / ((1.0f - smooth) / p->rope_factor + smooth);
        }
    }
    uint64_t ne[1] = {n};
    bool ok = gguf_writer_add_tensor(c->w, "rope_freqs.weight", 1, ne, GGML_TYPE_F32, x, n * sizeof *x);
    free(x);
    c->n_tensors++;
    c->bytes += n * 4;
    return ok ? WICK_OK : wick_error_set(c->err, WICK_ERR_NOMEM, "rope_freqs.weight: could not add the tensor");
}

static wick_status add_tensors(mk_ctx *c) {
    const mk_params *p = c->p;
    const unsigned f = p->arch->flags;
    const uint64_t q_dim = p->n_head * p->head_dim, kv_dim = p->n_head_kv * p->head_dim;
    char name[64];
    wick_status st = add_matrix(c, "token_embd.weight", p->n_embd, p->n_vocab);
    if (st == WICK_OK && (f & MK_ROPE_FACTORS)) {
        st = add_vector(c, "rope_factors_long.weight", p->head_dim / 2, V_ROPE_LONG);
        if (st == WICK_OK) st = add_vector(c, "rope_factors_short.weight", p->head_dim / 2, V_ROPE_SHORT);
    }
    if (st == WICK_OK && p->rope_llama3) st = add_rope_freqs(c);
    for (uint64_t l = 0; l < p->n_layer && st == WICK_OK; l++) {
#define BLK(suffix) (snprintf(name, sizeof name, "blk.%llu.%s", (unsigned long long)l, suffix), name)
        st = add_vector(c, BLK("attn_norm.weight"), p->n_embd, V_NORM);
        if (st != WICK_OK) break;
        if (f & MK_FUSED_QKV) {
            st = add_matrix(c, BLK("attn_qkv.weight"), p->n_embd, q_dim + 2 * kv_dim);
        } else {
            st = add_matrix(c, BLK("attn_q.weight"), p->n_embd, q_dim);
            if (st == WICK_OK) st = add_matrix(c, BLK("attn_k.weight"), p->n_embd, kv_dim);
            if (st == WICK_OK) st = add_matrix(c, BLK("attn_v.weight"), p->n_embd, kv_dim);
        }
        if (st == WICK_OK && (f & MK_QKV_BIAS)) {
            st = add_vector(c, BLK("attn_q.bias"), q_dim, V_BIAS);
            if (st == WICK_OK) st = add_vector(c, BLK("attn_k.bias"), kv_dim, V_BIAS);
            if (st == WICK_OK) st = add_vector(c, BLK("attn_v.bias"), kv_dim, V_BIAS);
        }
        if (st == WICK_OK && (f & MK_QK_NORM)) {
            st = add_vector(c, BLK("attn_q_norm.weight"), p->head_dim, V_NORM);
            if (st == WICK_OK) st = add_vector(c, BLK("attn_k_norm.weight"), p->head_dim, V_NORM);
        }
        if (st == WICK_OK) st = add_matrix(c, BLK("attn_output.weight"), q_dim, p->n_embd);
        if (st == WICK_OK && (f & MK_POST_NORMS))
            st = add_vector(c, BLK("post_attention_norm.weight"), p->n_embd, V_NORM);
        if (st == WICK_OK) st = add_vector(c, BLK("ffn_norm.weight"), p->n_embd, V_NORM);
        if (st == WICK_OK) {
            if (f & MK_FUSED_UP) {
                st = add_matrix(c, BLK("ffn_up.weight"), p->n_embd, 2 * p->n_ff);
            } else {
                st = add_matrix(c, BLK("ffn_gate.weight"), p->n_embd, p->n_ff);
                if (st == WICK_OK) st = add_matrix(c, BLK("ffn_up.weight"), p->n_embd, p->n_ff);
            }
        }
        if (st == WICK_OK) st = add_matrix(c, BLK("ffn_down.weight"), p->n_ff, p->n_embd);
        if (st == WICK_OK && (f & MK_POST_NORMS))
            st = add_vector(c, BLK("post_ffw_norm.weight"), p->n_embd, V_NORM);
#undef BLK
    }
    if (st == WICK_OK) st = add_vector(c, "output_norm.weight", p->n_embd, V_NORM);
    if (st == WICK_OK && !p->tied) st = add_matrix(c, "output.weight", p->n_embd, p->n_vocab);
    return st;
}

/* ----------------------------------------------------------- metadata */

/* llama_ftype for a model whose matrices are mostly `type`. */
static uint32_t file_type_of(uint32_t type) {
    switch (type) {
    case GGML_TYPE_F32: return 0;
    case GGML_TYPE_F16: return 1;
    case GGML_TYPE_Q4_0: return 2;
    case GGML_TYPE_Q4_1: return 3;
    case GGML_TYPE_Q8_0: return 7;
    case GGML_TYPE_Q5_0: return 8;
    case GGML_TYPE_Q5_1: return 9;
    case GGML_TYPE_Q4_K: return 14; /* Q4_K_S */
    case GGML_TYPE_Q5_K: return 16; /* Q5_K_S */
    case GGML_TYPE_Q6_K: return 18;
    case GGML_TYPE_BF16: return 32;
    default: return 0;
    }
}

static bool set_arch_u32(gguf_writer *w, const char *arch, const char *key, uint64_t v) {
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    return gguf_writer_set_u32(w, k, (uint32_t)v);
}

static bool set_arch_f32(gguf_writer *w, const char *arch, const char *key, float v) {
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    return gguf_writer_set_f32(w, k, v);
}

/* The hyperparameter keys llama.cpp reads for the architecture. */
static bool set_hparams(gguf_writer *w, const mk_params *p) {
    const char *a = p->arch->name;
    const unsigned f = p->arch->flags;
    bool ok = set_arch_u32(w, a, "context_length", p->n_ctx);
    ok = ok && set_arch_u32(w, a, "embedding_length", p->n_embd);
    ok = ok && set_arch_u32(w, a, "block_count", p->n_layer);
    ok = ok && set_arch_u32(w, a, "feed_forward_length", p->n_ff);
    ok = ok && set_arch_u32(w, a, "attention.head_count", p->n_head);
    ok = ok && set_arch_u32(w, a, "attention.head_count_kv", p->n_head_kv);
    ok = ok && set_arch_f32(w, a, "attention.layer_norm_rms_epsilon", p->arch->rms_eps);
    ok = ok && set_arch_f32(w, a, "rope.freq_base", p->arch->rope_base);
    if ((f & MK_HEAD_DIM_KEYS) || p->head_dim * p->n_head != p->n_embd) {
        ok = ok && set_arch_u32(w, a, "attention.key_length", p->head_dim);
        ok = ok && set_arch_u32(w, a, "attention.value_length", p->head_dim);
    }
    if (f & MK_ROPE_DIM_KEY) ok = ok && set_arch_u32(w, a, "rope.dimension_count", p->head_dim);
    if (f & MK_SWA) ok = ok && set_arch_u32(w, a, "attention.sliding_window", p->swa);
    if (f & MK_SOFTCAP) {
        ok = ok && set_arch_f32(w, a, "attn_logit_softcapping", 50.0f);
        ok = ok && set_arch_f32(w, a, "final_logit_softcapping", 30.0f);
    }
    if (f & MK_ROPE_FACTORS) {
        /* LongRoPE: trained for n_ctx, originally for a quarter of it; the
         * attention factor is what Phi-3's converter derives from the ratio. */
        uint64_t orig = p->n_ctx / 4 ? p->n_ctx / 4 : 1;
        double scale = (double)p->n_ctx / (double)orig;
        float attn_factor = orig > 1 ? (float)sqrt(1.0 + log(scale) / log((double)orig)) : 1.0f;
        ok = ok && set_arch_u32(w, a, "rope.scaling.original_context_length", orig);
        ok = ok && set_arch_f32(w, a, "rope.scaling.attn_factor", attn_factor);
    }
    return ok;
}

/* Number of tokens tokenizer_import wrote: serialize what the writer has
 * (metadata only so far) and read the array back. */
static wick_status vocab_count(gguf_writer *w, uint64_t *n, wick_error *err) {
    uint8_t *buf;
    size_t len;
    wick_status st = gguf_writer_write_buffer(w, &buf, &len, err);
    if (st != WICK_OK) return st;
    gguf_file *g = NULL;
    uint64_t need;
    st = gguf_parse(buf, len, len, "vocabulary", &g, &need, err);
    gguf_array arr;
    if (st == WICK_OK && !gguf_get_array(g, "tokenizer.ggml.tokens", &arr))
        st = wick_error_set(err, WICK_ERR_FORMAT, "the tokenizer import wrote no tokenizer.ggml.tokens");
    if (st == WICK_OK) *n = arr.len;
    gguf_free(g);
    free(buf);
    return st;
}

/* ------------------------------------------------------------ the CLI */

typedef struct mk_args {
    const char *arch, *type, *tokenizer, *config, *pre, *size, *out, *name;
    const char *n_embd, *n_layer, *n_head, *n_head_kv, *n_ff, *ctx, *head_dim, *swa, *seed;
    const char *rope_scaling, *rope_factor, *rope_low, *rope_high, *rope_orig;
    int tied; /* -1 default, 0 untied, 1 tied */
} mk_args;

static int usage_error(const char *cmd, const char *fmt, const char *arg) {
    fprintf(stderr, "wick-mkmodel %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'wick-mkmodel --help' for usage)\n");
    return 2;
}

/* Parses --opt VALUE pairs into `a`; `random` says which options exist. */
static int parse_args(int argc, char **argv, bool random, mk_args *a) {
    const char *cmd = argv[0];
    memset(a, 0, sizeof *a);
    a->tied = -1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            mkmodel_usage(stdout);
            return -1;
        }
        if (random && !strcmp(o, "--tied")) {
            a->tied = 1;
            continue;
        }
        if (random && !strcmp(o, "--untied")) {
            a->tied = 0;
            continue;
        }
        const char **slot = NULL;
        if (!strcmp(o, "--tokenizer")) slot = &a->tokenizer;
        else if (!strcmp(o, "--tokenizer-config")) slot = &a->config;
        else if (!strcmp(o, "--pre")) slot = &a->pre;
        else if (!strcmp(o, "--name")) slot = &a->name;
        else if (!strcmp(o, "-o") || !strcmp(o, "--output")) slot = &a->out;
        else if (random && !strcmp(o, "--arch")) slot = &a->arch;
        else if (random && !strcmp(o, "--type")) slot = &a->type;
        else if (random && !strcmp(o, "--size")) slot = &a->size;
        else if (random && !strcmp(o, "--n-embd")) slot = &a->n_embd;
        else if (random && !strcmp(o, "--n-layer")) slot = &a->n_layer;
        else if (random && !strcmp(o, "--n-head")) slot = &a->n_head;
        else if (random && !strcmp(o, "--n-head-kv")) slot = &a->n_head_kv;
        else if (random && !strcmp(o, "--n-ff")) slot = &a->n_ff;
        else if (random && !strcmp(o, "--ctx")) slot = &a->ctx;
        else if (random && !strcmp(o, "--head-dim")) slot = &a->head_dim;
        else if (random && !strcmp(o, "--sliding-window")) slot = &a->swa;
        else if (random && !strcmp(o, "--seed")) slot = &a->seed;
        else if (random && !strcmp(o, "--rope-scaling")) slot = &a->rope_scaling;
        else if (random && !strcmp(o, "--rope-factor")) slot = &a->rope_factor;
        else if (random && !strcmp(o, "--rope-low-freq-factor")) slot = &a->rope_low;
        else if (random && !strcmp(o, "--rope-high-freq-factor")) slot = &a->rope_high;
        else if (random && !strcmp(o, "--rope-orig-ctx")) slot = &a->rope_orig;
        if (!slot) return usage_error(cmd, "unknown option '%s'", o);
        if (i + 1 >= argc) return usage_error(cmd, "option %s needs a value", o);
        *slot = argv[++i];
    }
    if (!a->tokenizer) return usage_error(cmd, "%s", "--tokenizer tokenizer.json is required");
    if (!a->out) return usage_error(cmd, "%s", "-o OUT.gguf is required");
    return 0;
}

static int num_arg(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                   uint64_t *v) {
    if (!s) return 0;
    if (!mkmodel_parse_u64(s, max, v) || *v < min) {
        fprintf(stderr, "wick-mkmodel %s: %s '%s' is not a whole number in %llu..%llu\n", cmd, opt, s,
                (unsigned long long)min, (unsigned long long)max);
        return 2;
    }
    return 0;
}

static int float_arg(const char *cmd, const char *opt, const char *s, float *v) {
    if (!s) return 0;
    char *end;
    float f = strtof(s, &end);
    if (!*s || *end || !(f > 0.0f) || f > 1e6f) {
        fprintf(stderr, "wick-mkmodel %s: %s '%s' is not a positive number\n", cmd, opt, s);
        return 2;
    }
    *v = f;
    return 0;
}

/* --rope-scaling and its parameters (defaults: Llama 3.1's config.json). */
static int resolve_rope_scaling(const char *cmd, const mk_args *a, mk_params *p) {
    if (!a->rope_scaling) {
        if (a->rope_factor || a->rope_low || a->rope_high || a->rope_orig)
            return usage_error(cmd, "%s", "--rope-factor, --rope-*-freq-factor and --rope-orig-ctx "
                                          "need --rope-scaling llama3");
        return 0;
    }
    if (strcmp(a->rope_scaling, "llama3"))
        return usage_error(cmd, "unknown --rope-scaling '%s' (supported: llama3)", a->rope_scaling);
    if (strcmp(p->arch->name, "llama"))
        return usage_error(cmd, "--rope-scaling llama3: llama.cpp loads rope_freqs.weight for llama "
                                "only, not %s", p->arch->name);
    p->rope_llama3 = true;
    p->rope_factor = 8.0f, p->rope_low_freq = 1.0f, p->rope_high_freq = 4.0f, p->rope_orig_ctx = 8192;
    int rc = float_arg(cmd, "--rope-factor", a->rope_factor, &p->rope_factor);
    rc = rc ? rc : float_arg(cmd, "--rope-low-freq-factor", a->rope_low, &p->rope_low_freq);
    rc = rc ? rc : float_arg(cmd, "--rope-high-freq-factor", a->rope_high, &p->rope_high_freq);
    rc = rc ? rc : num_arg(cmd, "--rope-orig-ctx", a->rope_orig, 1, 1u << 24, &p->rope_orig_ctx);
    if (rc) return rc;
    if (p->rope_low_freq >= p->rope_high_freq)
        return usage_error(cmd, "%s", "--rope-low-freq-factor must be below --rope-high-freq-factor "
                                      "(the converter asserts distinct wavelengths)");
    return 0;
}

/* Fills p from the arguments and checks that the shapes are consistent. */
static int resolve_params(const char *cmd, const mk_args *a, mk_params *p) {
    memset(p, 0, sizeof *p);
    if (!a->arch) return usage_error(cmd, "--arch is required (one of: %s)", mk_arch_list());
    p->arch = mk_arch_find(a->arch);
    if (!p->arch) {
        fprintf(stderr, "wick-mkmodel %s: unknown architecture '%s' (supported: %s)\n", cmd, a->arch,
                mk_arch_list());
        return 2;
    }
    if (!a->type) {
        fprintf(stderr, "wick-mkmodel %s: --type is required (one of: ", cmd);
        mkmodel_list_types(stderr);
        fprintf(stderr, ")\n");
        return 2;
    }
    if (!mkmodel_parse_type(a->type, &p->type)) {
        fprintf(stderr, "wick-mkmodel %s: unknown type '%s' (supported: ", cmd, a->type);
        mkmodel_list_types(stderr);
        fprintf(stderr, ")\n");
        return 2;
    }
    /* presets: tiny rows (64) make k-quants fall back; small rows (256) do not */
    const char *size = a->size ? a->size : "tiny";
    if (!strcmp(size, "tiny")) {
        p->n_embd = 64, p->n_layer = 2, p->n_head = 4, p->n_head_kv = 2, p->n_ff = 128, p->n_ctx = 512;
    } else if (!strcmp(size, "small")) {
        p->n_embd = 256, p->n_layer = 4, p->n_head = 4, p->n_head_kv = 2, p->n_ff = 512, p->n_ctx = 2048;
    } else {
        return usage_error(cmd, "unknown --size '%s' (tiny or small)", size);
    }
    int rc = 0;
    rc = rc ? rc : num_arg(cmd, "--n-embd", a->n_embd, 1, MAX_DIM, &p->n_embd);
    rc = rc ? rc : num_arg(cmd, "--n-layer", a->n_layer, 1, MAX_LAYERS, &p->n_layer);
    rc = rc ? rc : num_arg(cmd, "--n-head", a->n_head, 1, MAX_DIM, &p->n_head);
    rc = rc ? rc : num_arg(cmd, "--n-head-kv", a->n_head_kv, 1, MAX_DIM, &p->n_head_kv);
    rc = rc ? rc : num_arg(cmd, "--n-ff", a->n_ff, 1, 16 * MAX_DIM, &p->n_ff);
    rc = rc ? rc : num_arg(cmd, "--ctx", a->ctx, 1, 1u << 24, &p->n_ctx);
    rc = rc ? rc : num_arg(cmd, "--seed", a->seed, 0, UINT64_MAX, &p->seed);
    if (rc) return rc;
    if (!a->n_head_kv && p->n_head_kv > p->n_head) p->n_head_kv = p->n_head;
    if (p->n_embd % p->n_head)
        return fprintf(stderr, "wick-mkmodel %s: --n-embd %llu is not divisible by --n-head %llu\n", cmd,
                       (unsigned long long)p->n_embd, (unsigned long long)p->n_head), 2;
    if (p->n_head % p->n_head_kv)
        return fprintf(stderr,
                       "wick-mkmodel %s: --n-head %llu is not a multiple of --n-head-kv %llu "
                       "(each key/value head serves a whole group of query heads)\n",
                       cmd, (unsigned long long)p->n_head, (unsigned long long)p->n_head_kv), 2;
    p->head_dim = p->arch->head_dim_mult * (p->n_embd / p->n_head);
    rc = num_arg(cmd, "--head-dim", a->head_dim, 2, MAX_DIM, &p->head_dim);
    if (rc) return rc;
    if (p->head_dim % 2)
        return fprintf(stderr, "wick-mkmodel %s: head dim %llu must be even (RoPE rotates pairs)\n", cmd,
                       (unsigned long long)p->head_dim), 2;
    if ((p->arch->flags & MK_HEAD_DIM_FIXED) && p->head_dim * p->n_head != p->n_embd)
        return fprintf(stderr, "wick-mkmodel %s: %s needs head dim = n_embd / n_head = %llu\n", cmd,
                       p->arch->name, (unsigned long long)(p->n_embd / p->n_head)), 2;
    p->swa = p->n_ctx / 16 >= 16 ? p->n_ctx / 16 : p->n_ctx;
    rc = num_arg(cmd, "--sliding-window", a->swa, 1, 1u << 24, &p->swa);
    if (rc) return rc;
    if (a->swa && !(p->arch->flags & MK_SWA))
        return usage_error(cmd, "--sliding-window: %s has no sliding-window attention", p->arch->name);
    p->tied = a->tied < 0 ? p->arch->tied_default : a->tied == 1;
    if (!p->tied && (p->arch->flags & MK_ALWAYS_TIED))
        return usage_error(cmd, "--untied: %s always shares token_embd with the output (llama.cpp "
                                "loads no output.weight for it)", p->arch->name);
    if (p->tied && (p->arch->flags & MK_NEVER_TIED))
        return usage_error(cmd, "--tied: %s needs its own output.weight", p->arch->name);
    return resolve_rope_scaling(cmd, a, p);
}

static bool set_general(gguf_writer *w, const char *arch, const char *name) {
    return gguf_writer_set_str(w, "general.architecture", arch, strlen(arch)) &&
           gguf_writer_set_str(w, "general.name", name, strlen(name)) &&
           gguf_writer_set_u32(w, "general.alignment", GGUF_DEFAULT_ALIGNMENT);
}

static int fail(const char *cmd, const wick_error *err) {
    fprintf(stderr, "wick-mkmodel %s: %s\n", cmd, err->message);
    return 1;
}

int mkmodel_random(int argc, char **argv) {
    const char *cmd = argv[0];
    mk_args a;
    mk_params p;
    int rc = parse_args(argc, argv, true, &a);
    if (rc < 0) return 0; /* --help */
    if (!rc) rc = resolve_params(cmd, &a, &p);
    if (rc) return rc;

    wick_error err = {0};
    gguf_writer *w = gguf_writer_new();
    if (!w) return fprintf(stderr, "wick-mkmodel %s: out of memory\n", cmd), 1;
    /* general.name must not mention the architecture: llama.cpp applies
     * vocabulary hacks by model name (a name containing "phi3" makes it look
     * up Phi-3's own special tokens, which other vocabularies lack). */
    char name[96];
    snprintf(name, sizeof name, "wick-mkmodel random %s", ggml_type_get(p.type)->name);
    bool ok = set_general(w, p.arch->name, a.name ? a.name : name) && set_hparams(w, &p);
    ok = ok && gguf_writer_set_u32(w, "general.file_type", file_type_of(p.type));
    if (ok && p.type != GGML_TYPE_F32 && p.type != GGML_TYPE_F16 && p.type != GGML_TYPE_BF16)
        ok = gguf_writer_set_u32(w, "general.quantization_version", 2);
    if (!ok) {
        gguf_writer_free(w);
        return fprintf(stderr, "wick-mkmodel %s: out of memory\n", cmd), 1;
    }
    tokenizer_import_opts topts = {a.tokenizer, a.config, a.pre};
    wick_status st = tokenizer_import(w, &topts, &err);
    if (st == WICK_OK) st = vocab_count(w, &p.n_vocab, &err);
    if (st == WICK_OK && p.n_vocab == 0)
        st = wick_error_set(&err, WICK_ERR_FORMAT, "%s: the vocabulary is empty", a.tokenizer);
    mk_ctx c = {w, &p, 0, 0, 0, &err};
    if (st == WICK_OK) st = add_tensors(&c);
    if (st == WICK_OK) st = gguf_writer_write_file(w, a.out, &err);
    gguf_writer_free(w);
    if (st != WICK_OK) return fail(cmd, &err);
    printf("%s: %s, %llu tensors (%llu matrices in a fallback type), vocab %llu, n_embd %llu, "
           "%llu layers, %llu/%llu heads of %llu, n_ff %llu, %s, %.1f MiB of weights\n",
           a.out, p.arch->name, (unsigned long long)c.n_tensors, (unsigned long long)c.n_fallback,
           (unsigned long long)p.n_vocab, (unsigned long long)p.n_embd, (unsigned long long)p.n_layer,
           (unsigned long long)p.n_head, (unsigned long long)p.n_head_kv, (unsigned long long)p.head_dim,
           (unsigned long long)p.n_ff, ggml_type_get(p.type)->name, (double)c.bytes / (1024.0 * 1024.0));
    return 0;
}

int mkmodel_vocab(int argc, char **argv) {
    const char *cmd = argv[0];
    mk_args a;
    int rc = parse_args(argc, argv, false, &a);
    if (rc) return rc < 0 ? 0 : rc;
    wick_error err = {0};
    gguf_writer *w = gguf_writer_new();
    if (!w) return fprintf(stderr, "wick-mkmodel %s: out of memory\n", cmd), 1;
    /* llama.cpp reads these hyperparameters even with vocab_only, as in
     * its own ggml-vocab-*.gguf files */
    mk_params p = {0};
    p.arch = mk_arch_find("llama");
    p.n_embd = 64, p.n_layer = 1, p.n_head = 1, p.n_head_kv = 1, p.n_ff = 64, p.n_ctx = 4096;
    p.head_dim = 64;
    bool ok = set_general(w, "llama", a.name ? a.name : "wick-mkmodel vocab") && set_hparams(w, &p) &&
              gguf_writer_set_u32(w, "general.file_type", 0);
    if (!ok) {
        gguf_writer_free(w);
        return fprintf(stderr, "wick-mkmodel %s: out of memory\n", cmd), 1;
    }
    tokenizer_import_opts topts = {a.tokenizer, a.config, a.pre};
    uint64_t n_vocab = 0;
    wick_status st = tokenizer_import(w, &topts, &err);
    if (st == WICK_OK) st = vocab_count(w, &n_vocab, &err);
    if (st == WICK_OK) st = gguf_writer_write_file(w, a.out, &err);
    gguf_writer_free(w);
    if (st != WICK_OK) return fail(cmd, &err);
    printf("%s: vocab-only, %llu tokens\n", a.out, (unsigned long long)n_vocab);
    return 0;
}
