/* Forward pass, ops and thread pool. Tiny models are written in memory
 * with the GGUF writer (no tokenizer needed: the context works on ids).
 * What is checked: per-row ops against closed forms; batched prefill,
 * chunked prefill, token-by-token decoding and any thread count give the
 * same logits; sliding-window masking hides exactly the tokens outside
 * the window; greedy generation is the argmax loop; and bad models or
 * inputs fail with messages naming the problem. Numerical agreement with
 * llama.cpp is tests/conformance/parity.sh. */
#include "gguf/ggml_types.h"
#include "gguf/gguf_writer.h"
#include "ops/ops.h"
#include "platform/thread_pool.h"
#include "quant/quant.h"
#include "test_harness.h"
#include "wick.h"

#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------- ops */

static void test_rmsnorm(test_state *ts) {
    float x[4] = {1, 2, 3, 4}, w[4] = {1, 1, 2, 0.5f}, y[4];
    op_rmsnorm(y, x, w, 4, 0.0f);
    const float r = sqrtf((1 + 4 + 9 + 16) / 4.0f);
    CHECK(ts, fabsf(y[0] - 1 / r) < 1e-6f && fabsf(y[2] - 6 / r) < 1e-6f && fabsf(y[3] - 2 / r) < 1e-6f);
}

static void test_rope(test_state *ts) {
    /* one head of 4 dims: NORM rotates (0,1),(2,3); NEOX (0,2),(1,3);
     * pair i turns by pos * base^(-2i/4). */
    float a[4] = {1, 0, 1, 0}, b[4] = {1, 0, 1, 0};
    op_rope(a, 1, 4, 4, OP_ROPE_NORM, 1, 100.0f, 1.0f, NULL, 1.0f);
    CHECK(ts, fabsf(a[0] - cosf(1)) < 1e-6f && fabsf(a[1] - sinf(1)) < 1e-6f);
    CHECK(ts, fabsf(a[2] - cosf(0.1f)) < 1e-6f && fabsf(a[3] - sinf(0.1f)) < 1e-6f);
    op_rope(b, 1, 4, 4, OP_ROPE_NEOX, 1, 100.0f, 1.0f, NULL, 1.0f);
    /* (x0, x2) = (1, 1) turned by 1 rad; (x1, x3) = (0, 0) stays */
    CHECK(ts, fabsf(b[0] - (cosf(1) - sinf(1))) < 1e-6f && fabsf(b[2] - (sinf(1) + cosf(1))) < 1e-6f);
    CHECK(ts, b[1] == 0 && b[3] == 0);
    float c[4] = {0.3f, -2, 5, 1};
    op_rope(c, 1, 4, 4, OP_ROPE_NORM, 0, 10000.0f, 1.0f, NULL, 1.0f);
    CHECK(ts, c[0] == 0.3f && c[1] == -2 && c[2] == 5 && c[3] == 1); /* position 0: identity */
    /* partial rotation leaves the tail alone; factors divide the angle */
    float d[4] = {1, 0, 7, 8}, f[1] = {2.0f};
    op_rope(d, 1, 4, 2, OP_ROPE_NEOX, 3, 10000.0f, 1.0f, f, 1.0f);
    CHECK(ts, fabsf(d[0] - cosf(1.5f)) < 1e-6f && fabsf(d[1] - sinf(1.5f)) < 1e-6f && d[2] == 7 && d[3] == 8);
}

static void test_softmax_act(test_state *ts) {
    float x[4] = {1, 2, -INFINITY, 3};
    op_softmax(x, 4);
    const float e = 1 + expf(1) + expf(2);
    CHECK(ts, fabsf(x[3] - expf(2) / e) < 1e-6f && x[2] == 0.0f);
    CHECK(ts, fabsf(op_gelu_tanh(1.0f) - 0.841192f) < 1e-5f && fabsf(op_gelu_tanh(-3.0f) + 0.00363739f) < 1e-6f);
    float g[1] = {2.0f}, u[1] = {3.0f}, y[1];
    op_swiglu(y, g, u, 1);
    CHECK(ts, fabsf(y[0] - 2.0f / (1 + expf(-2.0f)) * 3) < 1e-5f);
    float s[1] = {100.0f};
    op_softcap(s, 1, 30.0f);
    CHECK(ts, fabsf(s[0] - 30 * tanhf(100.0f / 30)) < 1e-4f);
}

/* ----------------------------------------------------------- thread pool */

typedef struct sum_task {
    long long n;
    long long partial[8];
} sum_task;

static void sum_worker(void *arg, int ith, int nth) {
    sum_task *t = arg;
    long long r0, r1, s = 0;
    wick_split_range(t->n, ith, nth, &r0, &r1);
    for (long long i = r0; i < r1; i++) s += i;
    t->partial[ith] = s;
}

static void test_thread_pool(test_state *ts) {
    for (int nth = 1; nth <= 4; nth++) {
        wick_thread_pool *p;
        wick_error err;
        CHECK(ts, wick_thread_pool_new(nth, &p, &err) == WICK_OK);
        for (int rep = 0; rep < 50; rep++) {
            sum_task t = {1000 + rep, {0}};
            wick_thread_pool_run(p, sum_worker, &t);
            long long s = 0;
            for (int i = 0; i < wick_thread_pool_size(p); i++) s += t.partial[i];
            CHECK(ts, s == t.n * (t.n - 1) / 2);
        }
        wick_thread_pool_free(p);
    }
}

/* ------------------------------------------------------------ tiny models */

enum { E = 32, NL = 2, NH = 4, NKV = 2, HD = 8, FF = 64, NV = 50 };

typedef struct tiny_opts {
    const char *arch;
    const char *skip;         /* tensor left out */
    const char *bad_shape;    /* tensor written with n_out + 1 rows */
    uint32_t swa;             /* attention.sliding_window (gemma3) */
    uint32_t ctx;
} tiny_opts;

static uint64_t rng_state;
static float frand(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng_state >> 40) & 0xffffff) / (float)0xffffff * 2.0f - 1.0f;
}

static void add_t(gguf_writer *w, const tiny_opts *o, const char *name, uint64_t n_in, uint64_t n_out,
                  uint32_t type, float scale, float offset) {
    if (o->skip && !strcmp(name, o->skip)) return;
    if (o->bad_shape && !strcmp(name, o->bad_shape)) n_out++;
    const uint64_t n = n_in * n_out;
    float *x = malloc(n * sizeof *x);
    for (uint64_t i = 0; i < n; i++) x[i] = offset + scale * frand();
    uint64_t bytes;
    ggml_type_row_bytes(type, n_in, &bytes);
    uint8_t *q = malloc(bytes * n_out);
    for (uint64_t r = 0; r < n_out; r++) quantize_row(type, x + r * n_in, q + r * bytes, (int64_t)n_in);
    uint64_t ne[2] = {n_in, n_out};
    gguf_writer_add_tensor(w, name, n_out == 1 ? 1 : 2, ne, type, q, bytes * n_out);
    free(x);
    free(q);
}

static uint8_t *tiny_model(const tiny_opts *o, size_t *len) {
    rng_state = 42;
    gguf_writer *w = gguf_writer_new();
    const char *a = o->arch ? o->arch : "llama";
    char k[96];
    gguf_writer_set_str(w, "general.architecture", a, strlen(a));
#define U(key, v) (snprintf(k, sizeof k, "%s.%s", a, key), gguf_writer_set_u32(w, k, v))
    U("context_length", o->ctx ? o->ctx : 64);
    U("embedding_length", E);
    U("block_count", NL);
    U("feed_forward_length", FF);
    U("attention.head_count", NH);
    U("attention.head_count_kv", NKV);
    U("attention.key_length", HD);
    U("attention.value_length", HD);
    if (o->swa) U("attention.sliding_window", o->swa);
#undef U
    snprintf(k, sizeof k, "%s.attention.layer_norm_rms_epsilon", a);
    gguf_writer_set_f32(w, k, 1e-5f);
    const int gemma = !strcmp(a, "gemma3");
    add_t(w, o, "token_embd.weight", E, NV, GGML_TYPE_Q4_0, 1.0f, 0);
    char name[64];
    for (int il = 0; il < NL; il++) {
#define N(s) (snprintf(name, sizeof name, "blk.%d.%s", il, s), name)
        add_t(w, o, N("attn_norm.weight"), E, 1, GGML_TYPE_F32, 0.1f, 1);
        add_t(w, o, N("attn_q.weight"), E, NH * HD, GGML_TYPE_Q8_0, 0.3f, 0);
        add_t(w, o, N("attn_k.weight"), E, NKV * HD, GGML_TYPE_F32, 0.3f, 0);
        add_t(w, o, N("attn_v.weight"), E, NKV * HD, GGML_TYPE_F16, 0.3f, 0);
        add_t(w, o, N("attn_output.weight"), NH * HD, E, GGML_TYPE_F32, 0.2f, 0);
        if (gemma) {
            add_t(w, o, N("attn_q_norm.weight"), HD, 1, GGML_TYPE_F32, 0.1f, 1);
            add_t(w, o, N("attn_k_norm.weight"), HD, 1, GGML_TYPE_F32, 0.1f, 1);
            add_t(w, o, N("post_attention_norm.weight"), E, 1, GGML_TYPE_F32, 0.1f, 1);
            add_t(w, o, N("post_ffw_norm.weight"), E, 1, GGML_TYPE_F32, 0.1f, 1);
        }
        add_t(w, o, N("ffn_norm.weight"), E, 1, GGML_TYPE_F32, 0.1f, 1);
        add_t(w, o, N("ffn_gate.weight"), E, FF, GGML_TYPE_Q8_0, 0.3f, 0);
        add_t(w, o, N("ffn_up.weight"), E, FF, GGML_TYPE_Q4_1, 0.3f, 0);
        add_t(w, o, N("ffn_down.weight"), FF, E, GGML_TYPE_F32, 0.2f, 0);
#undef N
    }
    add_t(w, o, "output_norm.weight", E, 1, GGML_TYPE_F32, 0.1f, 1);
    uint8_t *buf = NULL;
    wick_error err;
    if (gguf_writer_write_buffer(w, &buf, len, &err) != WICK_OK) buf = NULL;
    gguf_writer_free(w);
    return buf;
}

typedef struct tiny {
    uint8_t *buf;
    wick_model *model;
    wick_context *ctx;
} tiny;

static wick_status tiny_open(const tiny_opts *o, uint32_t n_batch, int n_threads, tiny *t, wick_error *err) {
    size_t len = 0;
    memset(t, 0, sizeof *t);
    t->buf = tiny_model(o, &len);
    if (!t->buf) return WICK_ERR_NOMEM;
    wick_status st = wick_model_open_bytes(t->buf, len, len, &t->model, err);
    if (st != WICK_OK) return st;
    wick_context_params p = wick_context_default_params();
    p.n_batch = n_batch;
    p.n_threads = n_threads;
    return wick_context_new(t->model, &p, &t->ctx, err);
}

static void tiny_close(tiny *t) {
    wick_context_free(t->ctx);
    wick_model_close(t->model);
    free(t->buf);
}

static float max_diff(const float *a, const float *b, int n) {
    float m = 0;
    for (int i = 0; i < n; i++) m = fmaxf(m, fabsf(a[i] - b[i]));
    return m;
}

static void test_batch_equals_stepwise(test_state *ts) {
    static const int32_t toks[11] = {1, 7, 3, 49, 0, 12, 12, 5, 30, 2, 8};
    const tiny_opts o = {0};
    float ref[NV];
    tiny a;
    wick_error err;
    CHECK(ts, tiny_open(&o, 1, 1, &a, &err) == WICK_OK);
    for (int i = 0; i < 11; i++) CHECK(ts, wick_decode(a.ctx, &toks[i], 1, &err) == WICK_OK);
    int32_t nv;
    const float *l = wick_get_logits(a.ctx, &nv);
    CHECK(ts, nv == NV && l);
    if (!l) return;
    memcpy(ref, l, sizeof ref);
    float scale = 0;
    for (int i = 0; i < NV; i++) scale = fmaxf(scale, fabsf(ref[i]));
    CHECK_MSG(ts, scale > 0.1f && scale < 1e3f, "logit scale %g", scale);
    tiny_close(&a);
    /* whole prompt at once, chunks of 4 with 3 threads, one chunk with 2 */
    const uint32_t batches[3] = {32, 4, 11};
    const int threads[3] = {1, 3, 2};
    for (int v = 0; v < 3; v++) {
        tiny b;
        CHECK(ts, tiny_open(&o, batches[v], threads[v], &b, &err) == WICK_OK);
        CHECK(ts, wick_decode(b.ctx, toks, 11, &err) == WICK_OK);
        const float *lb = wick_get_logits(b.ctx, NULL);
        CHECK_MSG(ts, lb && max_diff(ref, lb, NV) < 1e-4f * scale, "variant %d: diff %g", v,
                  lb ? max_diff(ref, lb, NV) : -1.0f);
        CHECK(ts, wick_context_n_past(b.ctx) == 11);
        /* reset and decode again: the same */
        wick_context_reset(b.ctx);
        CHECK(ts, wick_get_logits(b.ctx, NULL) == NULL);
        CHECK(ts, wick_decode(b.ctx, toks, 11, &err) == WICK_OK);
        lb = wick_get_logits(b.ctx, NULL);
        CHECK(ts, lb && max_diff(ref, lb, NV) < 1e-4f * scale);
        tiny_close(&b);
    }
}

static int collect(int32_t tok, void *user) {
    int32_t *out = user;
    out[++out[0]] = tok;
    return 0;
}

static void test_greedy(test_state *ts) {
    const tiny_opts o = {0};
    static const int32_t prompt[3] = {4, 9, 2};
    tiny a;
    wick_error err;
    CHECK(ts, tiny_open(&o, 8, 2, &a, &err) == WICK_OK);
    int32_t got[16] = {0};
    size_t n = 0;
    CHECK(ts, wick_generate_greedy(a.ctx, prompt, 3, 10, collect, got, &n, &err) == WICK_OK);
    CHECK(ts, n == 10 && got[0] == 10);
    /* the same by hand */
    wick_context_reset(a.ctx);
    CHECK(ts, wick_decode(a.ctx, prompt, 3, &err) == WICK_OK);
    for (int i = 1; i <= 10; i++) {
        int32_t nv;
        int32_t t = wick_argmax(wick_get_logits(a.ctx, &nv), nv);
        CHECK_MSG(ts, t == got[i], "step %d: %d vs %d", i, t, got[i]);
        CHECK(ts, wick_decode(a.ctx, &t, 1, &err) == WICK_OK);
    }
    tiny_close(&a);
}

/* Gemma 3 (both layers sliding, window 2): the last token's logits depend
 * on the last 3 positions only (2 layers x window 2), so changing the
 * first of 4 tokens changes nothing; with a wide window it does. */
static void test_sliding_window(test_state *ts) {
    static const int32_t s1[4] = {1, 20, 21, 22}, s2[4] = {40, 20, 21, 22};
    for (int wide = 0; wide < 2; wide++) {
        tiny_opts o = {0};
        o.arch = "gemma3";
        o.swa = wide ? 64 : 2;
        float l1[NV];
        tiny a;
        wick_error err;
        CHECK(ts, tiny_open(&o, 8, 1, &a, &err) == WICK_OK);
        CHECK(ts, wick_decode(a.ctx, s1, 4, &err) == WICK_OK);
        memcpy(l1, wick_get_logits(a.ctx, NULL), sizeof l1);
        wick_context_reset(a.ctx);
        CHECK(ts, wick_decode(a.ctx, s2, 4, &err) == WICK_OK);
        const float d = max_diff(l1, wick_get_logits(a.ctx, NULL), NV);
        if (wide)
            CHECK_MSG(ts, d > 1e-3f, "wide window: diff %g", d);
        else
            CHECK_MSG(ts, d == 0.0f, "window 2: diff %g", d);
        tiny_close(&a);
    }
}

static void test_errors(test_state *ts) {
    wick_error err;
    tiny t;
    tiny_opts o = {0};
    o.arch = "mamba";
    CHECK(ts, tiny_open(&o, 0, 1, &t, &err) == WICK_ERR_UNSUPPORTED);
    CHECK(ts, strstr(err.message, "'mamba'") && strstr(err.message, "llama, qwen2"));
    tiny_close(&t);

    memset(&o, 0, sizeof o);
    o.skip = "blk.1.ffn_up.weight";
    CHECK(ts, tiny_open(&o, 0, 1, &t, &err) == WICK_ERR_FORMAT);
    CHECK_MSG(ts, strstr(err.message, "blk.1.ffn_up.weight is missing") != NULL, "%s", err.message);
    tiny_close(&t);

    memset(&o, 0, sizeof o);
    o.bad_shape = "blk.0.attn_k.weight";
    CHECK(ts, tiny_open(&o, 0, 1, &t, &err) == WICK_ERR_FORMAT);
    CHECK_MSG(ts, strstr(err.message, "blk.0.attn_k.weight has shape [32, 17") != NULL, "%s", err.message);
    tiny_close(&t);

    memset(&o, 0, sizeof o);
    o.ctx = 8;
    CHECK(ts, tiny_open(&o, 0, 1, &t, &err) == WICK_OK);
    CHECK(ts, wick_context_n_ctx(t.ctx) == 8);
    int32_t toks[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK(ts, wick_decode(t.ctx, toks, 9, &err) == WICK_ERR_LIMIT);
    CHECK(ts, strstr(err.message, "context holds 8") != NULL);
    CHECK(ts, wick_context_n_past(t.ctx) == 0);
    int32_t bad = NV;
    CHECK(ts, wick_decode(t.ctx, &bad, 1, &err) == WICK_ERR_INVALID_ARG);
    bad = -1;
    CHECK(ts, wick_decode(t.ctx, &bad, 1, &err) == WICK_ERR_INVALID_ARG);
    CHECK(ts, wick_decode(t.ctx, toks, 8, &err) == WICK_OK);
    CHECK(ts, wick_decode(t.ctx, toks, 1, &err) == WICK_ERR_LIMIT);
    /* greedy generation stops at a full context instead of failing */
    wick_context_reset(t.ctx);
    size_t n = 0;
    CHECK(ts, wick_generate_greedy(t.ctx, toks, 6, 100, NULL, NULL, &n, &err) == WICK_OK);
    CHECK_MSG(ts, n == 3, "generated %zu", n);
    tiny_close(&t);
}

TEST_MAIN("forward", {"rmsnorm", test_rmsnorm}, {"rope", test_rope}, {"softmax_act", test_softmax_act},
          {"thread_pool", test_thread_pool}, {"batch_equals_stepwise", test_batch_equals_stepwise},
          {"greedy", test_greedy}, {"sliding_window", test_sliding_window}, {"errors", test_errors})
