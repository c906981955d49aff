/* GGUF writer: exact bytes of a small file, alignment and padding, and a
 * round trip of every value type and many tensors through gguf_parse. */
#include "gguf/gguf_writer.h"

#include "gguf/ggml_types.h"
#include "test_harness.h"

#include <stdlib.h>

static uint64_t rd64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* One u32 key and one 1-D f32 tensor, checked byte by byte. */
static void test_exact_bytes(test_state *ts) {
    gguf_writer *w = gguf_writer_new();
    CHECK(ts, gguf_writer_set_u32(w, "a", 7));
    float data[3] = {1, 2, 3};
    uint64_t ne[1] = {3};
    CHECK(ts, gguf_writer_add_tensor(w, "t", 1, ne, GGML_TYPE_F32, data, sizeof data));
    uint8_t *buf;
    size_t len;
    wick_error err = {0};
    CHECK(ts, gguf_writer_write_buffer(w, &buf, &len, &err) == WICK_OK);
    static const uint8_t want_hdr[] = {
        'G', 'G', 'U', 'F', 3, 0, 0, 0,          /* magic, version */
        1, 0, 0, 0, 0, 0, 0, 0,                  /* n_tensors */
        1, 0, 0, 0, 0, 0, 0, 0,                  /* n_kv */
        1, 0, 0, 0, 0, 0, 0, 0, 'a',             /* key */
        4, 0, 0, 0, 7, 0, 0, 0,                  /* u32 7 */
        1, 0, 0, 0, 0, 0, 0, 0, 't',             /* tensor name */
        1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,      /* n_dims, ne[0] */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,      /* type f32, offset 0 */
    };
    /* header is 74 bytes, padded to 96; data 12 bytes padded to 32 */
    CHECK_MSG(ts, len == 96 + 32, "len %zu", len);
    CHECK(ts, sizeof want_hdr == 74 && memcmp(buf, want_hdr, sizeof want_hdr) == 0);
    CHECK(ts, memcmp(buf + 96, data, 12) == 0);
    int nonzero = 0;
    for (size_t i = 74; i < 96; i++) nonzero += buf[i] != 0;
    for (size_t i = 108; i < len; i++) nonzero += buf[i] != 0;
    CHECK(ts, nonzero == 0);
    free(buf);
    gguf_writer_free(w);
}

static void test_roundtrip(test_state *ts) {
    gguf_writer *w = gguf_writer_new();
    CHECK(ts, gguf_writer_set_str(w, "general.architecture", "llama", 5));
    CHECK(ts, gguf_writer_set_u32(w, "general.alignment", 64));
    CHECK(ts, gguf_writer_set_i32(w, "k.i32", -5));
    CHECK(ts, gguf_writer_set_u64(w, "k.u64", 1ull << 40));
    CHECK(ts, gguf_writer_set_f32(w, "k.f32", 0.25f));
    CHECK(ts, gguf_writer_set_bool(w, "k.bool", true));
    CHECK(ts, gguf_writer_set_str(w, "k.str", "x\0y", 3));
    CHECK(ts, gguf_writer_set_u32(w, "k.replaced", 1));
    CHECK(ts, gguf_writer_set_u32(w, "k.replaced", 2)); /* keeps its position */
    int32_t ints[5] = {1, -2, 3, -4, 5};
    CHECK(ts, gguf_writer_set_array(w, "k.arr_i32", GGUF_TYPE_INT32, ints, 5));
    float fl[3] = {0.5f, -1.5f, 2.0f};
    CHECK(ts, gguf_writer_set_array(w, "k.arr_f32", GGUF_TYPE_FLOAT32, fl, 3));
    bool bs[3] = {true, false, true};
    CHECK(ts, gguf_writer_set_array(w, "k.arr_bool", GGUF_TYPE_BOOL, bs, 3));
    const char *strs[3] = {"hello", "", "w\xc3\xb6rld"};
    CHECK(ts, gguf_writer_set_str_array(w, "k.arr_str", strs, NULL, 3));
    CHECK(ts, gguf_writer_set_array(w, "k.empty", GGUF_TYPE_UINT8, NULL, 0));

    /* tensors of several types and shapes */
    enum { NT = 20 };
    uint8_t *payloads[NT];
    size_t sizes[NT];
    static const uint32_t types[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_Q4_0, GGML_TYPE_Q8_0,
                                     GGML_TYPE_Q4_K, GGML_TYPE_Q6_K, GGML_TYPE_BF16};
    for (int i = 0; i < NT; i++) {
        uint32_t type = types[i % 7];
        const ggml_type_traits *tt = ggml_type_get(type);
        uint64_t ne[3] = {tt->block_size * (uint64_t)(1 + i % 3), (uint64_t)(1 + i % 4), 2};
        uint32_t nd = 1 + (uint32_t)(i % 3);
        uint64_t row;
        ggml_type_row_bytes(type, ne[0], &row);
        uint64_t rows = 1;
        for (uint32_t d = 1; d < nd; d++) rows *= ne[d];
        sizes[i] = (size_t)(row * rows);
        payloads[i] = malloc(sizes[i]);
        for (size_t k = 0; k < sizes[i]; k++) payloads[i][k] = (uint8_t)(k * 31 + (size_t)i);
        char name[32];
        snprintf(name, sizeof name, "blk.%d.weight", i);
        CHECK(ts, gguf_writer_add_tensor(w, name, nd, ne, type, payloads[i], sizes[i]));
    }
    uint8_t *buf;
    size_t len;
    wick_error err = {0};
    CHECK_MSG(ts, gguf_writer_write_buffer(w, &buf, &len, &err) == WICK_OK, "%s", err.message);

    /* the file and the buffer must be identical */
    const char *path = "build/tests/test_gguf_writer.tmp.gguf";
    FILE *probe = fopen("build/tests", "r");
    if (!probe) path = "test_gguf_writer.tmp.gguf";
    else fclose(probe);
    CHECK_MSG(ts, gguf_writer_write_file(w, path, &err) == WICK_OK, "%s", err.message);
    FILE *f = fopen(path, "rb");
    CHECK(ts, f != NULL);
    if (f) {
        uint8_t *fb = malloc(len + 1);
        size_t got = fread(fb, 1, len + 1, f);
        fclose(f);
        CHECK_MSG(ts, got == len && memcmp(fb, buf, len) == 0, "file differs from buffer (%zu vs %zu)", got, len);
        free(fb);
    }
    remove(path);
    gguf_writer_free(w);

    gguf_file *g = NULL;
    uint64_t need = 0;
    wick_status st = gguf_parse(buf, len, len, "roundtrip", &g, &need, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st == WICK_OK) {
        CHECK(ts, gguf_version(g) == 3);
        CHECK(ts, gguf_alignment(g) == 64);
        CHECK(ts, gguf_data_offset(g) % 64 == 0);
        CHECK(ts, gguf_kv_count(g) == 13);
        /* keys in call order; the replaced key kept its slot */
        CHECK(ts, gguf_str_eq(gguf_kv_key(g, 0), "general.architecture"));
        CHECK(ts, gguf_str_eq(gguf_kv_key(g, 7), "k.replaced"));
        CHECK(ts, gguf_str_eq(gguf_kv_key(g, 12), "k.empty"));
        uint32_t u;
        int64_t i64;
        uint64_t u64;
        float fv;
        bool bv;
        gguf_str s;
        CHECK(ts, gguf_get_u32(g, "k.replaced", &u) && u == 2);
        CHECK(ts, gguf_kv_get_i64(g, gguf_find_key(g, "k.i32"), &i64) && i64 == -5);
        CHECK(ts, gguf_kv_type(g, gguf_find_key(g, "k.i32")) == GGUF_TYPE_INT32);
        CHECK(ts, gguf_kv_get_u64(g, gguf_find_key(g, "k.u64"), &u64) && u64 == 1ull << 40);
        CHECK(ts, gguf_get_f32(g, "k.f32", &fv) && fv == 0.25f);
        CHECK(ts, gguf_get_bool(g, "k.bool", &bv) && bv);
        CHECK(ts, gguf_get_str(g, "k.str", &s) && s.len == 3 && memcmp(s.ptr, "x\0y", 3) == 0);
        CHECK(ts, gguf_get_str(g, "general.architecture", &s) && gguf_str_eq(s, "llama"));
        gguf_array a;
        CHECK(ts, gguf_get_array(g, "k.arr_i32", &a) && a.elem_type == GGUF_TYPE_INT32 && a.len == 5);
        for (uint64_t k = 0; k < 5; k++) CHECK(ts, gguf_array_get_i64(&a, k, &i64) && i64 == ints[k]);
        CHECK(ts, gguf_get_array(g, "k.arr_f32", &a) && a.len == 3);
        for (uint64_t k = 0; k < 3; k++) CHECK(ts, gguf_array_get_f32(&a, k, &fv) && fv == fl[k]);
        CHECK(ts, gguf_get_array(g, "k.arr_bool", &a) && a.elem_type == GGUF_TYPE_BOOL && a.len == 3);
        CHECK(ts, a.data[0] == 1 && a.data[1] == 0 && a.data[2] == 1);
        CHECK(ts, gguf_get_array(g, "k.arr_str", &a) && a.elem_type == GGUF_TYPE_STRING && a.len == 3);
        for (uint64_t k = 0; k < 3; k++)
            CHECK(ts, gguf_array_get_str(&a, k, &s) && gguf_str_eq(s, strs[k]));
        CHECK(ts, gguf_get_array(g, "k.empty", &a) && a.len == 0);
        CHECK(ts, gguf_tensor_count(g) == NT);
        int bad = 0;
        for (int i = 0; i < NT; i++) {
            char name[32];
            snprintf(name, sizeof name, "blk.%d.weight", i);
            int64_t ti = gguf_find_tensor(g, name);
            const gguf_tensor_info *t = ti >= 0 ? gguf_tensor(g, ti) : NULL;
            if (!t || t->type != types[i % 7] || t->size != sizes[i] || t->offset % 64 != 0 ||
                t->n_dims != 1 + (uint32_t)(i % 3) || memcmp(buf + t->offset, payloads[i], sizes[i]) != 0)
                bad++;
        }
        CHECK_MSG(ts, bad == 0, "%d of %d tensors differ", bad, NT);
        printf("round trip: 13 keys, %d tensors, %zu bytes, %d tensor mismatches\n", NT, len, bad);
        gguf_free(g);
    }
    for (int i = 0; i < NT; i++) free(payloads[i]);
    free(buf);
}

static void test_errors(test_state *ts) {
    gguf_writer *w = gguf_writer_new();
    float d[32] = {0};
    uint64_t ne[2] = {33, 1};
    /* size mismatch; the first failure is reported by the write call */
    CHECK(ts, !gguf_writer_add_tensor(w, "x", 1, ne, GGML_TYPE_F32, d, sizeof d));
    ne[0] = 16;
    CHECK(ts, !gguf_writer_add_tensor(w, "q", 1, ne, GGML_TYPE_Q4_0, d, 9)); /* 16 % 32 */
    uint8_t *buf;
    size_t len;
    wick_error err = {0};
    CHECK(ts, gguf_writer_write_buffer(w, &buf, &len, &err) == WICK_ERR_INVALID_ARG);
    CHECK_MSG(ts, strstr(err.message, "tensor x") && strstr(err.message, "132"), "%s", err.message);
    gguf_writer_free(w);

    w = gguf_writer_new();
    ne[0] = 32;
    CHECK(ts, gguf_writer_add_tensor(w, "a", 1, ne, GGML_TYPE_F32, d, sizeof d));
    CHECK(ts, !gguf_writer_add_tensor(w, "a", 1, ne, GGML_TYPE_F32, d, sizeof d));
    CHECK(ts, gguf_writer_write_buffer(w, &buf, &len, &err) != WICK_OK);
    CHECK_MSG(ts, strstr(err.message, "duplicate tensor name a") != NULL, "%s", err.message);
    gguf_writer_free(w);

    w = gguf_writer_new();
    char longname[80];
    memset(longname, 'n', 64);
    longname[64] = 0;
    CHECK(ts, !gguf_writer_add_tensor(w, longname, 1, ne, GGML_TYPE_F32, d, sizeof d));
    gguf_writer_free(w);

    w = gguf_writer_new();
    CHECK(ts, gguf_writer_set_u32(w, "general.alignment", 48));
    CHECK(ts, gguf_writer_write_buffer(w, &buf, &len, &err) == WICK_ERR_INVALID_ARG);
    CHECK_MSG(ts, strstr(err.message, "power of two") != NULL, "%s", err.message);
    CHECK(ts, gguf_writer_write_file(w, "/nonexistent-dir/x.gguf", &err) != WICK_OK);
    CHECK(ts, gguf_writer_set_u32(w, "general.alignment", 16));
    CHECK(ts, gguf_writer_write_file(w, "/nonexistent-dir/x.gguf", &err) == WICK_ERR_IO);
    CHECK_MSG(ts, strstr(err.message, "/nonexistent-dir/x.gguf") != NULL, "%s", err.message);
    /* an empty file (no tensors, no keys beyond alignment) still parses */
    CHECK(ts, gguf_writer_write_buffer(w, &buf, &len, &err) == WICK_OK);
    CHECK(ts, len % 16 == 0 && rd64(buf + 8) == 0 && rd64(buf + 16) == 1);
    gguf_file *g = NULL;
    uint64_t need;
    CHECK_MSG(ts, gguf_parse(buf, len, len, "empty", &g, &need, &err) == WICK_OK, "%s", err.message);
    gguf_free(g);
    free(buf);
    CHECK(ts, !gguf_writer_set_array(w, "bad", GGUF_TYPE_STRING, d, 1));
    gguf_writer_free(w);
}

TEST_MAIN("gguf_writer", TEST(test_exact_bytes), TEST(test_roundtrip), TEST(test_errors))
