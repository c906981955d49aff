/* Split GGUF models (llama.cpp's gguf-split layout): a tiny model is
 * written in memory, split here into shards as gguf-split does (all
 * metadata in the first, split.no / split.count / split.tensors.count in
 * each, tensors spread in order), and opened from bytes and from files.
 * What is checked: every tensor's bytes and the logits equal the unsplit
 * model's; a missing shard, a wrong split.count or split.no, shards out of
 * order, a tensor in two shards, a wrong split.tensors.count and a lone
 * shard each fail with a message naming the file and the field.
 * That llama.cpp itself loads such shards is tests/conformance/split.sh. */
#include "gguf/ggml_types.h"
#include "gguf/gguf_writer.h"
#include "model/model.h"
#include "quant/quant.h"
#include "test_harness.h"
#include "wick.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { E = 32, NL = 2, NH = 4, NKV = 2, HD = 8, FF = 64, NV = 50 };

static uint64_t rng_state;
static float frand(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng_state >> 40) & 0xffffff) / (float)0xffffff * 2.0f - 1.0f;
}

static void add_t(gguf_writer *w, const char *name, uint64_t n_in, uint64_t n_out, uint32_t type,
                  float offset) {
    const uint64_t n = n_in * n_out;
    float *x = malloc(n * sizeof *x);
    for (uint64_t i = 0; i < n; i++) x[i] = offset + 0.3f * frand();
    uint64_t bytes;
    ggml_type_row_bytes(type, n_in, &bytes);
    uint8_t *q = malloc(bytes * n_out);
    for (uint64_t r = 0; r < n_out; r++) quantize_row(type, x + r * n_in, q + r * bytes, (int64_t)n_in);
    uint64_t ne[2] = {n_in, n_out};
    gguf_writer_add_tensor(w, name, n_out == 1 ? 1 : 2, ne, type, q, bytes * n_out);
    free(x);
    free(q);
}

/* A tiny llama (no tokenizer: contexts work on ids), 21 tensors. */
static uint8_t *tiny_model(size_t *len) {
    rng_state = 7;
    gguf_writer *w = gguf_writer_new();
    gguf_writer_set_str(w, "general.architecture", "llama", 5);
    gguf_writer_set_u32(w, "llama.context_length", 64);
    gguf_writer_set_u32(w, "llama.embedding_length", E);
    gguf_writer_set_u32(w, "llama.block_count", NL);
    gguf_writer_set_u32(w, "llama.feed_forward_length", FF);
    gguf_writer_set_u32(w, "llama.attention.head_count", NH);
    gguf_writer_set_u32(w, "llama.attention.head_count_kv", NKV);
    gguf_writer_set_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    static const int32_t arr[3] = {1, 2, 3}; /* an array value, copied verbatim */
    gguf_writer_set_array(w, "test.array", GGUF_TYPE_INT32, arr, 3);
    add_t(w, "token_embd.weight", E, NV, GGML_TYPE_Q4_0, 0);
    char name[64];
    for (int il = 0; il < NL; il++) {
#define N(s) (snprintf(name, sizeof name, "blk.%d.%s", il, s), name)
        add_t(w, N("attn_norm.weight"), E, 1, GGML_TYPE_F32, 1);
        add_t(w, N("attn_q.weight"), E, NH * HD, GGML_TYPE_Q8_0, 0);
        add_t(w, N("attn_k.weight"), E, NKV * HD, GGML_TYPE_F32, 0);
        add_t(w, N("attn_v.weight"), E, NKV * HD, GGML_TYPE_F16, 0);
        add_t(w, N("attn_output.weight"), NH * HD, E, GGML_TYPE_F32, 0);
        add_t(w, N("ffn_norm.weight"), E, 1, GGML_TYPE_F32, 1);
        add_t(w, N("ffn_gate.weight"), E, FF, GGML_TYPE_Q8_0, 0);
        add_t(w, N("ffn_up.weight"), E, FF, GGML_TYPE_Q4_1, 0);
        add_t(w, N("ffn_down.weight"), FF, E, GGML_TYPE_F32, 0);
#undef N
    }
    add_t(w, "output_norm.weight", E, 1, GGML_TYPE_F32, 1);
    add_t(w, "output.weight", E, NV, GGML_TYPE_Q8_0, 0);
    uint8_t *buf = NULL;
    wick_error err;
    if (gguf_writer_write_buffer(w, &buf, len, &err) != WICK_OK) buf = NULL;
    gguf_writer_free(w);
    return buf;
}

/* How split_model spoils its output, for the error tests. */
typedef struct split_faults {
    int count_delta_shard; /* this shard (1-based) says split.count + 1; 0: none */
    int dup_into_last;     /* the last shard also holds the first tensor */
    int tensors_delta;     /* added to split.tensors.count */
} split_faults;

/* Splits `whole` into shards of at most `per` tensors, as gguf-split does. */
static int split_model(const uint8_t *whole, size_t len, uint32_t per, const split_faults *f,
                       uint8_t **shards, size_t *lens, int max) {
    gguf_file *g = NULL;
    uint64_t hdr;
    wick_error err;
    if (gguf_parse(whole, len, len, "whole", &g, &hdr, &err) != WICK_OK) return -1;
    const int64_t nt = gguf_tensor_count(g);
    int n = (int)((nt + per - 1) / per), rc = 0;
    if (n > max) return -1;
    for (int s = 0; s < n; s++) {
        gguf_writer *w = gguf_writer_new();
        for (int64_t k = 0; s == 0 && k < gguf_kv_count(g); k++) {
            gguf_str key = gguf_kv_key(g, k);
            char kname[128];
            snprintf(kname, sizeof kname, "%.*s", (int)key.len, key.ptr);
            const uint8_t *v;
            uint64_t vl;
            if (gguf_kv_raw_value(g, k, &v, &vl)) gguf_writer_set_raw(w, kname, gguf_kv_type(g, k), v, vl);
        }
        gguf_writer_set_u16(w, "split.no", (uint16_t)s);
        gguf_writer_set_u16(w, "split.count", (uint16_t)(n + (f && f->count_delta_shard == s + 1)));
        gguf_writer_set_i32(w, "split.tensors.count", (int32_t)nt + (f ? f->tensors_delta : 0));
        for (int64_t i = (int64_t)s * per; i < nt && i < (int64_t)(s + 1) * per; i++) {
            const gguf_tensor_info *t = gguf_tensor(g, i);
            char tname[128];
            snprintf(tname, sizeof tname, "%.*s", (int)t->name.len, t->name.ptr);
            gguf_writer_add_tensor(w, tname, t->n_dims, t->ne, t->type, whole + t->offset, t->size);
        }
        if (f && f->dup_into_last && s == n - 1) {
            const gguf_tensor_info *t = gguf_tensor(g, 0);
            char tname[128];
            snprintf(tname, sizeof tname, "%.*s", (int)t->name.len, t->name.ptr);
            gguf_writer_add_tensor(w, tname, t->n_dims, t->ne, t->type, whole + t->offset, t->size);
        }
        shards[s] = NULL;
        if (gguf_writer_write_buffer(w, &shards[s], &lens[s], &err) != WICK_OK) rc = -1;
        gguf_writer_free(w);
    }
    gguf_free(g);
    return rc ? rc : n;
}

static void free_shards(uint8_t **s, int n) {
    for (int i = 0; i < n; i++) free(s[i]);
}

/* Logits after a fixed prompt. */
static int logits_of(const wick_model *m, float *out) {
    static const int32_t toks[6] = {1, 7, 3, 49, 0, 12};
    wick_context *ctx = NULL;
    wick_error err;
    wick_context_params p = wick_context_default_params();
    if (wick_context_new(m, &p, &ctx, &err) != WICK_OK) return -1;
    int n = -1;
    if (wick_decode(ctx, toks, 6, &err) == WICK_OK) {
        int32_t nv = 0;
        const float *l = wick_get_logits(ctx, &nv);
        memcpy(out, l, sizeof(float) * NV);
        n = nv;
    }
    wick_context_free(ctx);
    return n;
}

/* Same tensors (bytes and all) and the same logits as the whole model. */
static void check_same(test_state *ts, const wick_model *whole, const wick_model *split) {
    CHECK(ts, split->n_shards > 1);
    for (int64_t i = 0; i < gguf_tensor_count(whole->gguf); i++) {
        const gguf_tensor_info *a = gguf_tensor(whole->gguf, i);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)a->name.len, a->name.ptr);
        const model_shard *s = NULL;
        const gguf_tensor_info *b = model_find_tensor(split, name, &s);
        CHECK_MSG(ts, b && b->type == a->type && b->size == a->size &&
                          memcmp(whole->shards[0].data + a->offset, s->data + b->offset, a->size) == 0,
                  "tensor %s", name);
    }
    wick_model_info ia, ib;
    wick_error err;
    CHECK(ts, wick_model_get_info(whole, &ia, &err) == WICK_OK && wick_model_get_info(split, &ib, &err) == WICK_OK);
    CHECK(ts, ia.n_tensors == ib.n_tensors && ia.n_params == ib.n_params && ia.weight_bytes == ib.weight_bytes);
    float la[NV], lb[NV];
    CHECK(ts, logits_of(whole, la) == NV && logits_of(split, lb) == NV);
    CHECK(ts, memcmp(la, lb, sizeof la) == 0);
}

static void test_bytes_equal_whole(test_state *ts) {
    size_t len;
    uint8_t *whole = tiny_model(&len);
    wick_model *mw = NULL, *ms = NULL;
    wick_error err;
    CHECK(ts, whole && wick_model_open_bytes(whole, len, len, &mw, &err) == WICK_OK);
    for (uint32_t per = 1; per <= 13 && mw; per += 6) { /* 21, 4 and 2 shards */
        uint8_t *sh[32];
        size_t sl[32];
        int n = split_model(whole, len, per, NULL, sh, sl, 32);
        CHECK(ts, n > 1);
        wick_status st = wick_model_open_shards_bytes((const uint8_t *const *)sh, sl, (size_t)n, &ms, &err);
        CHECK_MSG(ts, st == WICK_OK, "%u per shard: %s", per, err.message);
        if (st == WICK_OK) check_same(ts, mw, ms);
        /* metadata comes from the first shard, array values intact */
        gguf_array arr;
        int64_t v = 0;
        CHECK(ts, ms && gguf_get_array(ms->gguf, "test.array", &arr) && arr.len == 3 &&
                      gguf_array_get_i64(&arr, 2, &v) && v == 3);
        wick_model_close(ms);
        ms = NULL;
        free_shards(sh, n);
    }
    wick_model_close(mw);
    free(whole);
}

static void expect_error(test_state *ts, const split_faults *f, int drop_shard, int swap,
                         const char *need1, const char *need2) {
    size_t len;
    uint8_t *whole = tiny_model(&len);
    uint8_t *sh[8];
    size_t sl[8];
    int n = split_model(whole, len, 8, f, sh, sl, 8); /* 21 tensors: 3 shards */
    CHECK(ts, n == 3);
    const uint8_t *use[8];
    size_t ul[8];
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (i + 1 == drop_shard) continue;
        use[m] = sh[i];
        ul[m++] = sl[i];
    }
    if (swap) {
        const uint8_t *t = use[1];
        use[1] = use[2];
        use[2] = t;
        size_t tl = ul[1];
        ul[1] = ul[2];
        ul[2] = tl;
    }
    wick_model *model = NULL;
    wick_error err = {WICK_OK, ""};
    wick_status st = wick_model_open_shards_bytes(use, ul, (size_t)m, &model, &err);
    CHECK_MSG(ts, st == WICK_ERR_FORMAT && !model, "status %d", (int)st);
    CHECK_MSG(ts, strstr(err.message, need1) && strstr(err.message, need2), "message: %s", err.message);
    wick_model_close(model);
    free_shards(sh, n);
    free(whole);
}

static void test_errors(test_state *ts) {
    split_faults none = {0, 0, 0};
    /* shard 3 missing: the first shard says 3 */
    expect_error(ts, &none, 3, 0, "<memory shard 1>", "split.count is 3, expected 2");
    /* a shard that disagrees about the count */
    split_faults wrong_count = {2, 0, 0};
    expect_error(ts, &wrong_count, 0, 0, "<memory shard 2>", "split.count is 4, expected 3");
    /* out of order */
    expect_error(ts, &none, 0, 1, "<memory shard 2>", "split.no is 2, expected 1");
    /* a tensor in two shards */
    split_faults dup = {0, 1, 0};
    expect_error(ts, &dup, 0, 0, "token_embd.weight is in two shards", "<memory shard");
    /* the first shard's tensor total */
    split_faults total = {0, 0, 1};
    expect_error(ts, &total, 0, 0, "<memory shard 1>", "split.tensors.count");
    /* a lone shard through the one-buffer call */
    size_t len;
    uint8_t *whole = tiny_model(&len);
    uint8_t *sh[8];
    size_t sl[8];
    int n = split_model(whole, len, 8, NULL, sh, sl, 8);
    wick_model *m = NULL;
    wick_error err = {WICK_OK, ""};
    CHECK(ts, n == 3 && wick_model_open_bytes(sh[0], sl[0], sl[0], &m, &err) == WICK_ERR_FORMAT && !m);
    CHECK_MSG(ts, strstr(err.message, "split.count 3"), "message: %s", err.message);
    free_shards(sh, n);
    free(whole);
}

static int write_file(const char *path, const uint8_t *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void test_files(test_state *ts) {
    char dir[] = "/tmp/wick_split_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(ts, !"mkdtemp");
        return;
    }
    size_t len;
    uint8_t *whole = tiny_model(&len);
    uint8_t *sh[8];
    size_t sl[8];
    int n = split_model(whole, len, 8, NULL, sh, sl, 8);
    CHECK(ts, n == 3);
    char paths[3][600];
    for (int i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/m-%05d-of-%05d.gguf", dir, i + 1, n);
        CHECK(ts, write_file(paths[i], sh[i], sl[i]) == 0);
    }
    wick_model *mw = NULL, *ms = NULL;
    wick_error err = {WICK_OK, ""};
    CHECK(ts, wick_model_open_bytes(whole, len, len, &mw, &err) == WICK_OK);
    wick_status st = wick_model_open(paths[0], &ms, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st == WICK_OK && mw) check_same(ts, mw, ms);
    wick_model_close(ms);
    ms = NULL;
    const char *list[3] = {paths[0], paths[1], paths[2]};
    CHECK(ts, wick_model_open_shards(list, 3, &ms, &err) == WICK_OK);
    wick_model_close(ms);
    ms = NULL;
    /* not the first shard */
    st = wick_model_open(paths[1], &ms, &err);
    CHECK_MSG(ts, st == WICK_ERR_INVALID_ARG && strstr(err.message, paths[1]) &&
                      strstr(err.message, "split.no is 1"), "%s", err.message);
    /* a missing shard: the message names the file it looked for */
    unlink(paths[2]);
    st = wick_model_open(paths[0], &ms, &err);
    CHECK_MSG(ts, st == WICK_ERR_IO && !ms && strstr(err.message, paths[2]) &&
                      strstr(err.message, "shard 3 of 3"), "%s", err.message);
    /* a first shard not named NAME-00001-of-0000N.gguf */
    char odd[640];
    snprintf(odd, sizeof odd, "%s/renamed.gguf", dir);
    CHECK(ts, rename(paths[0], odd) == 0);
    st = wick_model_open(odd, &ms, &err);
    CHECK_MSG(ts, st == WICK_ERR_FORMAT && strstr(err.message, "-00001-of-00003.gguf") &&
                      strstr(err.message, "split.count"), "%s", err.message);
    unlink(odd);
    unlink(paths[1]);
    rmdir(dir);
    wick_model_close(mw);
    free_shards(sh, n);
    free(whole);
}

TEST_MAIN("model_split", TEST(test_bytes_equal_whole), TEST(test_errors), TEST(test_files))
