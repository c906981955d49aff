/* GGUF reader tests. Files are built byte by byte in memory (a small
 * builder below, independent of the GGUF writer), then parsed whole, as
 * prefixes, truncated and corrupted. Every parse gets a heap buffer of
 * exactly the bytes it may read, so AddressSanitizer catches any read past
 * the prefix. The last cases parse the two real models in build/models/. */
#include "gguf/ggml_types.h"
#include "gguf/gguf_reader.h"
#include "model/model_info.h"
#include "platform/file_map.h"
#include "tests/unit/test_harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------ the builder */

typedef struct bb {
    uint8_t *d;
    size_t len, cap;
    uint64_t n_keys; /* bb_key calls, to patch the header's kv count */
} bb;

static void bb_raw(bb *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) cap *= 2;
        b->d = realloc(b->d, cap);
        if (!b->d) abort();
        b->cap = cap;
    }
    if (n) memcpy(b->d + b->len, p, n);
    b->len += n;
}
static void bb_u8(bb *b, uint8_t v) { bb_raw(b, &v, 1); }
static void bb_le(bb *b, uint64_t v, int n) {
    for (int i = 0; i < n; i++) bb_u8(b, (uint8_t)(v >> (8 * i)));
}
static void bb_u16(bb *b, uint16_t v) { bb_le(b, v, 2); }
static void bb_u32(bb *b, uint32_t v) { bb_le(b, v, 4); }
static void bb_u64(bb *b, uint64_t v) { bb_le(b, v, 8); }
static void bb_f32(bb *b, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    bb_u32(b, u);
}
static void bb_f64(bb *b, double f) {
    uint64_t u;
    memcpy(&u, &f, 8);
    bb_u64(b, u);
}
static void bb_str(bb *b, const char *s) {
    bb_u64(b, strlen(s));
    bb_raw(b, s, strlen(s));
}
static void bb_hdr(bb *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    bb_raw(b, "GGUF", 4);
    bb_u32(b, version);
    bb_u64(b, n_tensors);
    bb_u64(b, n_kv);
}
static void bb_key(bb *b, const char *key, uint32_t type) {
    b->n_keys++;
    bb_str(b, key);
    bb_u32(b, type);
}
static void bb_kv_u32(bb *b, const char *key, uint32_t v) {
    bb_key(b, key, GGUF_TYPE_UINT32);
    bb_u32(b, v);
}
static void bb_kv_str(bb *b, const char *key, const char *v) {
    bb_key(b, key, GGUF_TYPE_STRING);
    bb_str(b, v);
}
static void bb_arr(bb *b, uint32_t elem_type, uint64_t n) {
    bb_u32(b, elem_type);
    bb_u64(b, n);
}
static void bb_ti(bb *b, const char *name, uint32_t n_dims, const uint64_t *ne, uint32_t type,
                  uint64_t offset) {
    bb_str(b, name);
    bb_u32(b, n_dims);
    for (uint32_t i = 0; i < n_dims; i++) bb_u64(b, ne[i]);
    bb_u32(b, type);
    bb_u64(b, offset);
}
static void bb_pad(bb *b, uint32_t align) {
    while (b->len % align) bb_u8(b, 0);
}
static void bb_fill(bb *b, size_t n, uint8_t v) {
    for (size_t i = 0; i < n; i++) bb_u8(b, v);
}
static void bb_free(bb *b) {
    free(b->d);
    memset(b, 0, sizeof *b);
}

/* Parses `len` bytes of `data`, copied into an exact-size heap block, as a
 * prefix of a `size`-byte file; returns only the status (a parsed file is
 * freed at once, with its bytes). */
static wick_status parse_exact(const uint8_t *data, size_t len, uint64_t size, uint64_t *need,
                               wick_error *err) {
    uint8_t *copy = len ? malloc(len) : NULL;
    if (len) memcpy(copy, data, len);
    err->message[0] = '\0';
    gguf_file *g = NULL;
    wick_status st = gguf_parse(copy, len, size, "t.gguf", &g, need, err);
    gguf_free(g);
    free(copy);
    return st;
}

/* ------------------------------------------------------ the valid files */

enum { N_TENSORS_FULL = 4 };

typedef struct full_file {
    bb b;
    uint64_t header_end; /* end of the tensor infos */
    uint64_t data_offset;
    uint32_t alignment;
    uint64_t n_kv;
    uint64_t tensor_off[N_TENSORS_FULL]; /* relative */
    uint64_t tensor_size[N_TENSORS_FULL];
} full_file;

static uint64_t align_up(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }

/* A file with every value type, nested arrays, model hyperparameters and
 * four tensors. align 0: no general.alignment key (default 32). */
static void make_full(full_file *f, uint32_t version, uint32_t align) {
    memset(f, 0, sizeof *f);
    bb *b = &f->b;
    bb_hdr(b, version, N_TENSORS_FULL, 0); /* kv count patched below */
    bb_kv_str(b, "general.architecture", "llama");
    bb_kv_str(b, "general.name", "tiny \xc3\xa9");
    bb_key(b, "t.u8", GGUF_TYPE_UINT8), bb_u8(b, 200);
    bb_key(b, "t.i8", GGUF_TYPE_INT8), bb_u8(b, (uint8_t)-5);
    bb_key(b, "t.u16", GGUF_TYPE_UINT16), bb_u16(b, 60000);
    bb_key(b, "t.i16", GGUF_TYPE_INT16), bb_u16(b, (uint16_t)-300);
    bb_key(b, "t.u32", GGUF_TYPE_UINT32), bb_u32(b, 4000000000u);
    bb_key(b, "t.i32", GGUF_TYPE_INT32), bb_u32(b, (uint32_t)-70000);
    bb_key(b, "t.f32", GGUF_TYPE_FLOAT32), bb_f32(b, 1.5f);
    bb_key(b, "t.bool", GGUF_TYPE_BOOL), bb_u8(b, 1);
    bb_key(b, "t.u64", GGUF_TYPE_UINT64), bb_u64(b, (1ull << 63) + 5);
    bb_key(b, "t.i64", GGUF_TYPE_INT64), bb_u64(b, (uint64_t)-(int64_t)(1ll << 40));
    bb_key(b, "t.f64", GGUF_TYPE_FLOAT64), bb_f64(b, 0.25);
    bb_key(b, "t.u64small", GGUF_TYPE_UINT64), bb_u64(b, 7);
    /* arrays of every element type */
    bb_key(b, "a.u8", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_UINT8, 3);
    bb_u8(b, 1), bb_u8(b, 2), bb_u8(b, 255);
    bb_key(b, "a.i8", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_INT8, 2), bb_u8(b, (uint8_t)-1), bb_u8(b, 2);
    bb_key(b, "a.u16", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_UINT16, 1), bb_u16(b, 65535);
    bb_key(b, "a.i16", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_INT16, 1), bb_u16(b, (uint16_t)-2);
    bb_key(b, "a.u32", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_UINT32, 2), bb_u32(b, 3), bb_u32(b, 4);
    bb_key(b, "a.i32", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_INT32, 2), bb_u32(b, 9), bb_u32(b, (uint32_t)-7);
    bb_key(b, "a.f32", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_FLOAT32, 2), bb_f32(b, 0.5f), bb_f32(b, -2.0f);
    bb_key(b, "a.bool", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_BOOL, 3), bb_u8(b, 1), bb_u8(b, 0), bb_u8(b, 1);
    bb_key(b, "a.str", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_STRING, 3);
    bb_str(b, "a"), bb_str(b, ""), bb_str(b, "ccc");
    bb_key(b, "a.u64", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_UINT64, 2), bb_u64(b, UINT64_MAX), bb_u64(b, 12);
    bb_key(b, "a.i64", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_INT64, 1), bb_u64(b, (uint64_t)-1);
    bb_key(b, "a.f64", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_FLOAT64, 1), bb_f64(b, 1.25);
    bb_key(b, "a.empty", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_UINT32, 0);
    /* [[1,2,3],[],[7]] of int32 */
    bb_key(b, "a.nested", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_ARRAY, 3);
    bb_arr(b, GGUF_TYPE_INT32, 3), bb_u32(b, 1), bb_u32(b, 2), bb_u32(b, 3);
    bb_arr(b, GGUF_TYPE_INT32, 0);
    bb_arr(b, GGUF_TYPE_INT32, 1), bb_u32(b, 7);
    /* [["x","yy"],["zzz"]] */
    bb_key(b, "a.nested_str", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_ARRAY, 2);
    bb_arr(b, GGUF_TYPE_STRING, 2), bb_str(b, "x"), bb_str(b, "yy");
    bb_arr(b, GGUF_TYPE_STRING, 1), bb_str(b, "zzz");
    /* [[[5.5]]] */
    bb_key(b, "a.deep", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_ARRAY, 1);
    bb_arr(b, GGUF_TYPE_ARRAY, 1), bb_arr(b, GGUF_TYPE_FLOAT32, 1), bb_f32(b, 5.5f);
    /* hyperparameters for model_info */
    bb_kv_u32(b, "llama.block_count", 2);
    bb_kv_u32(b, "llama.embedding_length", 64);
    bb_kv_u32(b, "llama.attention.head_count", 4);
    bb_kv_u32(b, "llama.attention.head_count_kv", 2);
    bb_kv_u32(b, "llama.context_length", 256);
    bb_key(b, "tokenizer.ggml.tokens", GGUF_TYPE_ARRAY), bb_arr(b, GGUF_TYPE_STRING, 3);
    bb_str(b, "<s>"), bb_str(b, "a"), bb_str(b, "b");
    if (align) bb_kv_u32(b, "general.alignment", align);
    f->n_kv = b->n_keys;
    for (int i = 0; i < 8; i++) b->d[16 + i] = (uint8_t)(f->n_kv >> (8 * i));
    f->alignment = align ? align : 32;

    /* tensors: q4_0 [64,3], f32 [5], f16 [2,3,4,5], i32 [7,1,1] */
    static const uint64_t ne0[] = {64, 3}, ne1[] = {5}, ne2[] = {2, 3, 4, 5}, ne3[] = {7, 1, 1};
    f->tensor_size[0] = 2 * 18 * 3;
    f->tensor_size[1] = 5 * 4;
    f->tensor_size[2] = 120 * 2;
    f->tensor_size[3] = 7 * 4;
    uint64_t off = 0;
    for (int i = 0; i < N_TENSORS_FULL; i++) {
        f->tensor_off[i] = off;
        off = align_up(off + f->tensor_size[i], f->alignment);
    }
    bb_ti(b, "tok_embd.weight", 2, ne0, GGML_TYPE_Q4_0, f->tensor_off[0]);
    bb_ti(b, "norm.weight", 1, ne1, GGML_TYPE_F32, f->tensor_off[1]);
    bb_ti(b, "t.4d", 4, ne2, GGML_TYPE_F16, f->tensor_off[2]);
    bb_ti(b, "idx", 3, ne3, GGML_TYPE_I32, f->tensor_off[3]);
    f->header_end = b->len;
    bb_pad(b, f->alignment);
    f->data_offset = b->len;
    bb_fill(b, f->tensor_off[3] + f->tensor_size[3], 0xab);
}

/* ------------------------------------------------------------- checks */

static int64_t key(const gguf_file *g, const char *k) { return gguf_find_key(g, k); }

static void check_full(test_state *ts, const gguf_file *g, const full_file *f, uint32_t version) {
    CHECK(ts, gguf_version(g) == version);
    CHECK(ts, gguf_alignment(g) == f->alignment);
    CHECK(ts, gguf_data_offset(g) == f->data_offset);
    CHECK(ts, gguf_data_offset(g) % f->alignment == 0);
    CHECK(ts, gguf_file_size(g) == f->b.len);
    CHECK(ts, gguf_kv_count(g) == (int64_t)f->n_kv);
    CHECK(ts, gguf_tensor_count(g) == N_TENSORS_FULL);

    gguf_str s;
    CHECK(ts, gguf_get_str(g, "general.architecture", &s) && gguf_str_eq(s, "llama"));
    CHECK(ts, gguf_get_str(g, "general.name", &s) && gguf_str_eq(s, "tiny \xc3\xa9"));
    CHECK(ts, key(g, "no.such.key") == -1);
    CHECK(ts, key(g, "t.u") == -1 && key(g, "t.u8x") == -1);
    int64_t k0 = key(g, "general.architecture");
    CHECK(ts, k0 == 0 && gguf_str_eq(gguf_kv_key(g, 0), "general.architecture"));
    CHECK(ts, gguf_kv_type(g, k0) == GGUF_TYPE_STRING);
    CHECK(ts, gguf_kv_type(g, -1) == GGUF_TYPE_COUNT && gguf_kv_type(g, 1000) == GGUF_TYPE_COUNT);
    CHECK(ts, gguf_kv_key(g, 1000).ptr == NULL);

    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    bool bo;
    CHECK(ts, gguf_get_u32(g, "t.u8", &u32) && u32 == 200);
    CHECK(ts, gguf_kv_type(g, key(g, "t.u8")) == GGUF_TYPE_UINT8);
    CHECK(ts, gguf_kv_get_i64(g, key(g, "t.i8"), &i64) && i64 == -5);
    CHECK(ts, !gguf_get_u32(g, "t.i8", &u32));                 /* negative */
    CHECK(ts, !gguf_kv_get_u64(g, key(g, "t.i8"), &u64));
    CHECK(ts, gguf_get_u32(g, "t.u16", &u32) && u32 == 60000);
    CHECK(ts, gguf_kv_get_i64(g, key(g, "t.i16"), &i64) && i64 == -300);
    CHECK(ts, gguf_get_u32(g, "t.u32", &u32) && u32 == 4000000000u);
    CHECK(ts, gguf_kv_get_i64(g, key(g, "t.u32"), &i64) && i64 == 4000000000ll);
    CHECK(ts, gguf_kv_get_i64(g, key(g, "t.i32"), &i64) && i64 == -70000);
    CHECK(ts, gguf_get_f32(g, "t.f32", &f32) && f32 == 1.5f);
    CHECK(ts, !gguf_get_u32(g, "t.f32", &u32));                /* float is not an integer */
    CHECK(ts, gguf_get_bool(g, "t.bool", &bo) && bo);
    CHECK(ts, !gguf_get_u32(g, "t.bool", &u32) && !gguf_get_bool(g, "t.u8", &bo));
    CHECK(ts, gguf_kv_get_u64(g, key(g, "t.u64"), &u64) && u64 == (1ull << 63) + 5);
    CHECK(ts, !gguf_kv_get_i64(g, key(g, "t.u64"), &i64));     /* > INT64_MAX */
    CHECK(ts, !gguf_get_u32(g, "t.u64", &u32));                /* > UINT32_MAX */
    CHECK(ts, gguf_get_u32(g, "t.u64small", &u32) && u32 == 7);
    CHECK(ts, gguf_kv_get_i64(g, key(g, "t.i64"), &i64) && i64 == -(1ll << 40));
    CHECK(ts, gguf_get_f32(g, "t.f64", &f32) && f32 == 0.25f);
    CHECK(ts, !gguf_get_str(g, "t.u8", &s) && !gguf_get_f32(g, "general.name", &f32));

    gguf_array a, sub, sub2;
    CHECK(ts, !gguf_get_array(g, "t.u8", &a));
    CHECK(ts, gguf_get_array(g, "a.u8", &a) && a.elem_type == GGUF_TYPE_UINT8 && a.len == 3);
    CHECK(ts, gguf_array_get_i64(&a, 2, &i64) && i64 == 255 && !gguf_array_get_i64(&a, 3, &i64));
    CHECK(ts, gguf_get_array(g, "a.i8", &a) && gguf_array_get_i64(&a, 0, &i64) && i64 == -1);
    CHECK(ts, gguf_get_array(g, "a.u16", &a) && gguf_array_get_i64(&a, 0, &i64) && i64 == 65535);
    CHECK(ts, gguf_get_array(g, "a.i16", &a) && gguf_array_get_i64(&a, 0, &i64) && i64 == -2);
    CHECK(ts, gguf_get_array(g, "a.u32", &a) && gguf_array_get_i64(&a, 1, &i64) && i64 == 4);
    CHECK(ts, gguf_get_array(g, "a.i32", &a) && gguf_array_get_i64(&a, 1, &i64) && i64 == -7);
    CHECK(ts, !gguf_array_get_f32(&a, 0, &f32) && !gguf_array_get_str(&a, 0, &s));
    CHECK(ts, gguf_get_array(g, "a.f32", &a) && gguf_array_get_f32(&a, 1, &f32) && f32 == -2.0f);
    CHECK(ts, !gguf_array_get_i64(&a, 0, &i64));
    CHECK(ts, gguf_get_array(g, "a.bool", &a) && a.len == 3 && a.elem_type == GGUF_TYPE_BOOL &&
                  a.data[0] == 1 && a.data[1] == 0 && a.data[2] == 1);
    CHECK(ts, gguf_get_array(g, "a.str", &a) && a.elem_type == GGUF_TYPE_STRING && a.len == 3);
    CHECK(ts, gguf_array_get_str(&a, 0, &s) && gguf_str_eq(s, "a"));
    CHECK(ts, gguf_array_get_str(&a, 1, &s) && s.len == 0);
    CHECK(ts, gguf_array_get_str(&a, 2, &s) && gguf_str_eq(s, "ccc"));
    CHECK(ts, !gguf_array_get_str(&a, 3, &s) && !gguf_array_get_i64(&a, 0, &i64));
    CHECK(ts, gguf_get_array(g, "a.u64", &a) && !gguf_array_get_i64(&a, 0, &i64) &&
                  gguf_array_get_i64(&a, 1, &i64) && i64 == 12);
    CHECK(ts, gguf_get_array(g, "a.i64", &a) && gguf_array_get_i64(&a, 0, &i64) && i64 == -1);
    CHECK(ts, gguf_get_array(g, "a.f64", &a) && gguf_array_get_f32(&a, 0, &f32) && f32 == 1.25f);
    CHECK(ts, gguf_get_array(g, "a.empty", &a) && a.len == 0 && !gguf_array_get_i64(&a, 0, &i64));

    CHECK(ts, gguf_get_array(g, "a.nested", &a) && a.elem_type == GGUF_TYPE_ARRAY && a.len == 3);
    CHECK(ts, gguf_array_get_array(&a, 0, &sub) && sub.elem_type == GGUF_TYPE_INT32 && sub.len == 3);
    CHECK(ts, gguf_array_get_i64(&sub, 2, &i64) && i64 == 3);
    CHECK(ts, gguf_array_get_array(&a, 1, &sub) && sub.len == 0);
    CHECK(ts, gguf_array_get_array(&a, 2, &sub) && gguf_array_get_i64(&sub, 0, &i64) && i64 == 7);
    CHECK(ts, !gguf_array_get_array(&a, 3, &sub) && !gguf_array_get_i64(&a, 0, &i64));
    CHECK(ts, gguf_get_array(g, "a.nested_str", &a) && a.len == 2);
    CHECK(ts, gguf_array_get_array(&a, 0, &sub) && gguf_array_get_str(&sub, 1, &s) && gguf_str_eq(s, "yy"));
    CHECK(ts, gguf_array_get_array(&a, 1, &sub) && gguf_array_get_str(&sub, 0, &s) && gguf_str_eq(s, "zzz"));
    CHECK(ts, gguf_get_array(g, "a.deep", &a) && gguf_array_get_array(&a, 0, &sub) &&
                  gguf_array_get_array(&sub, 0, &sub2) && sub2.elem_type == GGUF_TYPE_FLOAT32 &&
                  gguf_array_get_f32(&sub2, 0, &f32) && f32 == 5.5f);

    static const char *const names[N_TENSORS_FULL] = {"tok_embd.weight", "norm.weight", "t.4d", "idx"};
    static const uint32_t types[N_TENSORS_FULL] = {GGML_TYPE_Q4_0, GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_I32};
    static const uint64_t n_el[N_TENSORS_FULL] = {192, 5, 120, 7};
    static const uint32_t dims[N_TENSORS_FULL] = {2, 1, 4, 3};
    for (int i = 0; i < N_TENSORS_FULL; i++) {
        const gguf_tensor_info *t = gguf_tensor(g, i);
        CHECK(ts, t && gguf_str_eq(t->name, names[i]));
        if (!t) continue;
        CHECK(ts, gguf_find_tensor(g, names[i]) == i);
        CHECK(ts, t->type == types[i] && t->n_dims == dims[i] && t->n_elements == n_el[i]);
        CHECK(ts, t->size == f->tensor_size[i]);
        CHECK_MSG(ts, t->offset == f->data_offset + f->tensor_off[i], "tensor %d offset %llu", i,
                  (unsigned long long)t->offset);
    }
    const gguf_tensor_info *t4 = gguf_tensor(g, 2);
    CHECK(ts, t4 && t4->ne[0] == 2 && t4->ne[1] == 3 && t4->ne[2] == 4 && t4->ne[3] == 5);
    const gguf_tensor_info *t1 = gguf_tensor(g, 1);
    CHECK(ts, t1 && t1->ne[1] == 1 && t1->ne[2] == 1 && t1->ne[3] == 1);
    CHECK(ts, gguf_tensor(g, 4) == NULL && gguf_tensor(g, -1) == NULL);
    CHECK(ts, gguf_find_tensor(g, "nope") == -1 && gguf_find_tensor(g, "") == -1);
}

static void test_valid_roundtrip(test_state *ts) {
    static const uint32_t versions[] = {2, 3};
    static const uint32_t aligns[] = {0, 1, 8, 64, 4096};
    int files = 0;
    for (size_t v = 0; v < 2; v++)
        for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++) {
            full_file f;
            make_full(&f, versions[v], aligns[a]);
            gguf_file *g = NULL;
            uint64_t need = 0;
            wick_error err;
            /* exact-size bytes first (ASan), then the builder's buffer to inspect */
            wick_status st = parse_exact(f.b.d, f.b.len, f.b.len, &need, &err);
            CHECK_MSG(ts, st == WICK_OK, "v%u align %u: %s", versions[v], aligns[a], err.message);
            if (st == WICK_OK) st = gguf_parse(f.b.d, f.b.len, f.b.len, "t.gguf", &g, &need, &err);
            if (st == WICK_OK) {
                CHECK(ts, need == f.data_offset);
                check_full(ts, g, &f, versions[v]);
                gguf_free(g);
            }
            files++;
            bb_free(&f.b);
        }
    printf("  valid files (v2/v3 x 5 alignments) round-tripped: %d\n", files);
}

/* gguf_parse keeps pointers into the bytes and parse_exact frees its copy,
 * so parses whose results are inspected use the builder's buffer. */
static wick_status parse_direct(const bb *b, size_t len, uint64_t size, gguf_file **g,
                                uint64_t *need, wick_error *err) {
    return gguf_parse(b->d, len, size, "t.gguf", g, need, err);
}

static void test_truncated_every_offset(test_state *ts) {
    full_file f;
    make_full(&f, 3, 0);
    size_t n_need = 0, n_format = 0, bad = 0;
    for (size_t cut = 0; cut < f.header_end; cut++) {
        uint64_t need = 0;
        wick_error err;
        /* a prefix of the full file: ask for more */
        wick_status st = parse_exact(f.b.d, cut, f.b.len, &need, &err);
        if (st == WICK_ERR_NEED_MORE_DATA && need > cut && need <= f.b.len) {
            n_need++;
        } else {
            bad++;
            CHECK_MSG(ts, 0, "prefix %zu of %zu: status %d need %llu: %s", cut, f.b.len, st,
                      (unsigned long long)need, err.message);
        }
        /* a file that really ends there: malformed */
        st = parse_exact(f.b.d, cut, cut, &need, &err);
        if (st == WICK_ERR_FORMAT && strstr(err.message, "t.gguf: ")) {
            n_format++;
        } else {
            bad++;
            CHECK_MSG(ts, 0, "file truncated at %zu: status %d: %s", cut, st, err.message);
        }
    }
    /* between the header end and the end of the last tensor: the tensor data
     * no longer fits */
    size_t n_data = 0;
    for (size_t cut = f.header_end; cut < f.b.len; cut += 7) {
        uint64_t need;
        wick_error err;
        wick_status st = parse_exact(f.b.d, cut, cut, &need, &err);
        CHECK_MSG(ts, st == WICK_ERR_FORMAT && strstr(err.message, "extends past the end of the file"),
                  "cut %zu: %s", cut, err.message);
        n_data++;
    }
    /* any prefix that covers the header gives the same result as the whole
     * file (exact-size copies, alive while the index is inspected) */
    size_t n_same = 0;
    for (size_t cut = f.header_end; cut <= f.b.len; cut++) {
        uint8_t *copy = malloc(cut);
        memcpy(copy, f.b.d, cut);
        gguf_file *g = NULL;
        uint64_t need;
        wick_error err;
        wick_status st = gguf_parse(copy, cut, f.b.len, "t.gguf", &g, &need, &err);
        CHECK_MSG(ts, st == WICK_OK, "prefix %zu: %s", cut, err.message);
        if (st == WICK_OK) {
            check_full(ts, g, &f, 3);
            n_same++;
            gguf_free(g);
        }
        free(copy);
    }
    printf("  header of %llu bytes truncated at every offset: %zu NEED_MORE_DATA, %zu FORMAT, %zu "
           "wrong; %zu data truncations rejected; %zu header-covering prefixes equal the whole file\n",
           (unsigned long long)f.header_end, n_need, n_format, bad, n_data, n_same);
    bb_free(&f.b);
}

/* Follows *need_bytes from an empty prefix; returns the rounds, 0 on failure. */
static int grow_rounds(test_state *ts, const uint8_t *data, uint64_t size, const char *what,
                       uint64_t start) {
    uint64_t len = start;
    for (int round = 1; round < 64; round++) {
        gguf_file *g = NULL;
        uint64_t need = 0;
        wick_error err;
        wick_status st = gguf_parse(data, (size_t)len, size, what, &g, &need, &err);
        if (st == WICK_OK) {
            gguf_free(g);
            return round;
        }
        if (st != WICK_ERR_NEED_MORE_DATA || need <= len || need > size) {
            CHECK_MSG(ts, 0, "%s: round %d at %llu: status %d need %llu: %s", what, round,
                      (unsigned long long)len, st, (unsigned long long)need, err.message);
            return 0;
        }
        len = need;
    }
    CHECK_MSG(ts, 0, "%s: no progress after 64 rounds", what);
    return 0;
}

static void test_incremental(test_state *ts) {
    full_file f;
    make_full(&f, 3, 0);
    int rounds = grow_rounds(ts, f.b.d, f.b.len, "small file", 0);
    CHECK(ts, rounds >= 1);
    printf("  small file (%zu bytes): WICK_OK after %d rounds from an empty prefix\n", f.b.len, rounds);
    bb_free(&f.b);

    /* A vocabulary-sized header: 100000 strings, then 2 tensors. Starting
     * from 4 KiB, following need_bytes should take only a few rounds. */
    bb b = {0};
    bb_hdr(&b, 3, 2, 3);
    bb_kv_str(&b, "general.architecture", "llama");
    bb_key(&b, "tokenizer.ggml.tokens", GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_STRING, 100000);
    char tok[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(tok, sizeof tok, "tok%d", i * 7919 % 100003);
        bb_str(&b, tok);
    }
    bb_key(&b, "tokenizer.ggml.scores", GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_FLOAT32, 100000);
    for (int i = 0; i < 100000; i++) bb_f32(&b, (float)-i);
    static const uint64_t ne[] = {32, 1000};
    bb_ti(&b, "a", 2, ne, GGML_TYPE_F32, 0);
    bb_ti(&b, "b", 2, ne, GGML_TYPE_F32, 128000);
    uint64_t header = b.len;
    bb_pad(&b, 32);
    bb_fill(&b, 256000, 0);
    rounds = grow_rounds(ts, b.d, b.len, "vocab file", 4096);
    CHECK_MSG(ts, rounds >= 1 && rounds <= 5, "rounds %d", rounds);
    printf("  vocab file (header %llu bytes, file %zu): WICK_OK after %d rounds from 4 KiB\n",
           (unsigned long long)header, b.len, rounds);
    bb_free(&b);
}

/* ---------------------------------------------------- malformed inputs */

typedef struct bad_case {
    int n, ok;
} bad_case;

/* Parses the whole of `b` and expects `code` with every substring present. */
static void expect_fail(test_state *ts, bad_case *bc, const char *what, bb *b, wick_status code,
                        const char *sub1, const char *sub2) {
    uint64_t need = 0;
    wick_error err;
    wick_status st = parse_exact(b->d, b->len, b->len, &need, &err);
    bool good = st == code && (!sub1 || strstr(err.message, sub1)) && (!sub2 || strstr(err.message, sub2));
    CHECK_MSG(ts, good, "%s: status %d (want %d), message: %s [want '%s' '%s']", what, st, code,
              err.message, sub1 ? sub1 : "", sub2 ? sub2 : "");
    /* the same bytes as a prefix of a much larger file must fail the same way
     * unless the failure was only that the file ended */
    if (st == code && !strstr(err.message, "the file ends") && !strstr(err.message, "exceeds the remaining") &&
        !strstr(err.message, "extends past the end") && !strstr(err.message, "needs at least") &&
        !strstr(err.message, "too short")) {
        wick_error err2;
        wick_status st2 = parse_exact(b->d, b->len, (uint64_t)b->len + 1000000, &need, &err2);
        CHECK_MSG(ts, st2 == code, "%s as a prefix: status %d: %s", what, st2, err2.message);
    }
    printf("    %-34s -> %s\n", what, err.message);
    bc->n++;
    bc->ok += good;
    bb_free(b);
}

/* A file with one kv "k" whose value the caller writes, then nothing. */
static void one_kv(bb *b, uint32_t type) {
    bb_hdr(b, 3, 0, 1);
    bb_key(b, "k", type);
}

static void test_bad_header(test_state *ts) {
    bad_case bc = {0, 0};
    bb b = {0};
    bb_raw(&b, "GGUX", 4), bb_u32(&b, 3), bb_u64(&b, 0), bb_u64(&b, 0);
    expect_fail(ts, &bc, "bad magic", &b, WICK_ERR_FORMAT, "not a GGUF file", NULL);
    bb_hdr(&b, 1, 0, 0);
    expect_fail(ts, &bc, "version 1", &b, WICK_ERR_UNSUPPORTED, "version 1", NULL);
    bb_raw(&b, "GGUF", 4), bb_u32(&b, 0x03000000), bb_u64(&b, 0), bb_u64(&b, 0);
    expect_fail(ts, &bc, "big-endian v3", &b, WICK_ERR_UNSUPPORTED, "big-endian", NULL);
    bb_raw(&b, "GGUF", 4), bb_u32(&b, 0x02000000), bb_u64(&b, 0), bb_u64(&b, 0);
    expect_fail(ts, &bc, "big-endian v2", &b, WICK_ERR_UNSUPPORTED, "big-endian", NULL);
    bb_hdr(&b, 4, 0, 0);
    expect_fail(ts, &bc, "version 4", &b, WICK_ERR_UNSUPPORTED, "version 4", NULL);
    bb_raw(&b, "GG", 2);
    expect_fail(ts, &bc, "2-byte file", &b, WICK_ERR_FORMAT, "too short", NULL);

    /* giant counts, refused before any allocation */
    bb_hdr(&b, 3, 0, UINT64_MAX);
    expect_fail(ts, &bc, "kv count 2^64-1", &b, WICK_ERR_FORMAT, "metadata key count 18446744073709551615", "byte 16");
    bb_hdr(&b, 3, UINT64_MAX / 2, 0);
    expect_fail(ts, &bc, "tensor count 2^63", &b, WICK_ERR_FORMAT, "tensor count", "byte 8");
    bb_hdr(&b, 3, 2, 1), bb_fill(&b, 12 + 47, 0); /* room for the kv and 1 tensor, not 2 */
    expect_fail(ts, &bc, "tensor count vs remaining bytes", &b, WICK_ERR_FORMAT, "tensor count 2", NULL);
    bb_hdr(&b, 3, 0, 1), bb_u64(&b, UINT64_MAX), bb_fill(&b, 400, 'x');
    expect_fail(ts, &bc, "key length 2^64-1", &b, WICK_ERR_FORMAT, "key length 18446744073709551615 exceeds the remaining 400 bytes", "metadata key 0 at byte 24");
    one_kv(&b, GGUF_TYPE_STRING), bb_u64(&b, 1ull << 40), bb_fill(&b, 10, 'x');
    expect_fail(ts, &bc, "string value length 2^40", &b, WICK_ERR_FORMAT, "string value length 1099511627776", "metadata key 0 (\"k\")");
    one_kv(&b, GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_UINT8, UINT64_MAX);
    expect_fail(ts, &bc, "u8 array count 2^64-1", &b, WICK_ERR_FORMAT, "array of 18446744073709551615 uint8", NULL);
    one_kv(&b, GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_STRING, 1000), bb_fill(&b, 7999, 0);
    expect_fail(ts, &bc, "string array count > bytes/8", &b, WICK_ERR_FORMAT, "array of 1000 string", NULL);
    one_kv(&b, GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_ARRAY, 1), bb_arr(&b, GGUF_TYPE_UINT64, 1ull << 61);
    expect_fail(ts, &bc, "nested array count 2^61", &b, WICK_ERR_FORMAT, "element 0 at byte", "array of 2305843009213693952 uint64");
    one_kv(&b, GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_STRING, 2), bb_str(&b, "ok"), bb_u64(&b, 1ull << 50);
    expect_fail(ts, &bc, "string element length 2^50", &b, WICK_ERR_FORMAT, "element 1 at byte 59", "string length 1125899906842624");

    /* bad value types */
    one_kv(&b, 13), bb_u32(&b, 0);
    expect_fail(ts, &bc, "value type 13", &b, WICK_ERR_FORMAT, "value type 13 at byte 33", NULL);
    one_kv(&b, 0xffffffffu), bb_u32(&b, 0);
    expect_fail(ts, &bc, "value type 2^32-1", &b, WICK_ERR_FORMAT, "value type 4294967295", NULL);
    one_kv(&b, GGUF_TYPE_ARRAY), bb_arr(&b, 99, 0);
    expect_fail(ts, &bc, "array element type 99", &b, WICK_ERR_FORMAT, "array element type 99", NULL);
    one_kv(&b, GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_ARRAY, 2), bb_arr(&b, GGUF_TYPE_UINT8, 0), bb_arr(&b, 13, 0);
    expect_fail(ts, &bc, "nested element type 13", &b, WICK_ERR_FORMAT, "element 1 at byte", "nested array element type 13");
    one_kv(&b, GGUF_TYPE_BOOL), bb_u8(&b, 2);
    expect_fail(ts, &bc, "bool value 2", &b, WICK_ERR_FORMAT, "bool value 2", NULL);
    one_kv(&b, GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_BOOL, 3), bb_u8(&b, 1), bb_u8(&b, 0), bb_u8(&b, 7);
    expect_fail(ts, &bc, "bool array value 7", &b, WICK_ERR_FORMAT, "bool value 7", NULL);
    /* nesting depth: 16 levels are fine, 17 are not */
    for (int depth = 16; depth <= 17; depth++) {
        one_kv(&b, GGUF_TYPE_ARRAY);
        for (int i = 1; i < depth; i++) bb_arr(&b, GGUF_TYPE_ARRAY, 1);
        bb_arr(&b, GGUF_TYPE_UINT8, 1), bb_u8(&b, 9);
        if (depth == 16) {
            gguf_file *g;
            uint64_t need;
            wick_error err;
            wick_status st = parse_direct(&b, b.len, b.len, &g, &need, &err);
            CHECK_MSG(ts, st == WICK_OK, "16 levels: %s", err.message);
            if (st == WICK_OK) {
                gguf_array a;
                bool walk = gguf_get_array(g, "k", &a);
                for (int i = 1; i < depth && walk; i++) walk = gguf_array_get_array(&a, 0, &a);
                int64_t v = 0;
                CHECK(ts, walk && gguf_array_get_i64(&a, 0, &v) && v == 9);
                gguf_free(g);
            }
            bb_free(&b);
        } else {
            expect_fail(ts, &bc, "arrays nested 17 deep", &b, WICK_ERR_FORMAT, "nested deeper than 16", NULL);
        }
    }

    /* duplicate keys */
    bb_hdr(&b, 3, 0, 3), bb_kv_u32(&b, "a", 1), bb_kv_u32(&b, "b", 2), bb_kv_str(&b, "a", "x");
    expect_fail(ts, &bc, "duplicate key", &b, WICK_ERR_FORMAT, "metadata key 2 (\"a\") at byte 58", "first defined by metadata key 0 at byte 24");

    /* general.alignment */
    static const uint32_t bad_aligns[] = {0, 3, 48, 0x80000001u};
    for (size_t i = 0; i < 4; i++) {
        bb_hdr(&b, 3, 0, 1), bb_kv_u32(&b, "general.alignment", bad_aligns[i]);
        char what[64];
        snprintf(what, sizeof what, "alignment %u", bad_aligns[i]);
        expect_fail(ts, &bc, what, &b, WICK_ERR_FORMAT, "general.alignment", "not a non-zero power of two");
    }
    bb_hdr(&b, 3, 0, 1), bb_key(&b, "general.alignment", GGUF_TYPE_UINT64), bb_u64(&b, 32);
    expect_fail(ts, &bc, "alignment as uint64", &b, WICK_ERR_FORMAT, "general.alignment", "expected a uint32, got uint64");
    bb_hdr(&b, 3, 0, 1), bb_key(&b, "general.alignment", GGUF_TYPE_INT32), bb_u32(&b, 32);
    expect_fail(ts, &bc, "alignment as int32", &b, WICK_ERR_FORMAT, "general.alignment", "got int32");

    printf("  malformed headers and metadata: %d cases, %d rejected as expected\n", bc.n, bc.ok);
}

/* A file with one kv (alignment) and the given tensor infos, then `data` bytes. */
typedef struct tdesc {
    const char *name;
    uint32_t n_dims;
    uint64_t ne[5];
    uint32_t type;
    uint64_t offset;
} tdesc;

static void tensors_file(bb *b, uint32_t align, const tdesc *t, int n, size_t data) {
    bb_hdr(b, 3, (uint64_t)n, 1);
    bb_kv_u32(b, "general.alignment", align);
    for (int i = 0; i < n; i++) bb_ti(b, t[i].name, t[i].n_dims, t[i].ne, t[i].type, t[i].offset);
    bb_pad(b, align);
    bb_fill(b, data, 0);
}

static void test_bad_tensors(test_state *ts) {
    bad_case bc = {0, 0};
    bb b = {0};
    const uint64_t big = 1ull << 32;
    struct {
        const char *what;
        tdesc t;
        const char *sub1, *sub2;
    } cases[] = {
        {"n_dims 0", {"x", 0, {4}, GGML_TYPE_F32, 0}, "n_dims 0 at byte", "out of range (1..4)"},
        {"n_dims 5", {"x", 5, {1, 1, 1, 1, 1}, GGML_TYPE_F32, 0}, "n_dims 5", NULL},
        {"ne 0", {"x", 2, {4, 0}, GGML_TYPE_F32, 0}, "ne[1] = 0 at byte", NULL},
        {"ne 2^63 (negative int64)", {"x", 1, {1ull << 63}, GGML_TYPE_F32, 0}, "ne[0] = 9223372036854775808", NULL},
        {"ne product overflows uint64", {"x", 3, {big, big, 2}, GGML_TYPE_F32, 0}, "overflows int64 at ne[1]", NULL},
        {"ne product overflows int64 only", {"x", 2, {big, 1ull << 31}, GGML_TYPE_F32, 0}, "overflows int64 at ne[1]", NULL},
        {"data size overflows", {"x", 2, {1ull << 31, 1ull << 31}, GGML_TYPE_F64, 0}, "data size overflows", NULL},
        {"ne[0] not a block multiple", {"x", 2, {33, 2}, GGML_TYPE_Q4_0, 0}, "ne[0] = 33 is not a multiple of the q4_0 block size 32", NULL},
        {"retired type 4 (q4_2)", {"x", 1, {32}, 4, 0}, "type id 4 at byte", "not a known ggml type"},
        {"type id 40", {"x", 1, {32}, 40, 0}, "type id 40", NULL},
        {"type id 2^32-1", {"x", 1, {32}, 0xffffffffu, 0}, "type id 4294967295", NULL},
        {"misaligned offset", {"x", 1, {8}, GGML_TYPE_F32, 8}, "data offset 8 at byte", "not a multiple of the alignment 32"},
        {"empty name", {"", 1, {8}, GGML_TYPE_F32, 0}, "tensor 0 (\"\") at byte 57", "empty tensor name"},
        {"data past the end", {"x", 1, {64}, GGML_TYPE_F32, 0}, "tensor 0 (\"x\"): data [offset 96, 256 bytes] extends past the end of the file (128 bytes)", NULL},
        {"offset past the end", {"x", 1, {8}, GGML_TYPE_F32, 1ull << 40}, "extends past the end", NULL},
        {"offset + size overflows", {"x", 1, {8}, GGML_TYPE_F32, UINT64_MAX - 31}, "extends past the end", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tensors_file(&b, 32, &cases[i].t, 1, 32);
        expect_fail(ts, &bc, cases[i].what, &b, WICK_ERR_FORMAT, cases[i].sub1, cases[i].sub2);
    }
    /* with a 64-byte alignment, offset 32 is misaligned */
    tdesc m64 = {"x", 1, {8}, GGML_TYPE_F32, 32};
    tensors_file(&b, 64, &m64, 1, 96);
    expect_fail(ts, &bc, "offset 32 with alignment 64", &b, WICK_ERR_FORMAT, "not a multiple of the alignment 64", NULL);

    tdesc dup[2] = {{"w", 1, {8}, GGML_TYPE_F32, 0}, {"w", 1, {8}, GGML_TYPE_F32, 32}};
    tensors_file(&b, 32, dup, 2, 64);
    expect_fail(ts, &bc, "duplicate tensor name", &b, WICK_ERR_FORMAT, "tensor 1 (\"w\")", "first used by tensor 0");
    tdesc same[2] = {{"a", 1, {8}, GGML_TYPE_F32, 0}, {"b", 1, {8}, GGML_TYPE_F32, 0}};
    tensors_file(&b, 32, same, 2, 64);
    expect_fail(ts, &bc, "two tensors at one offset", &b, WICK_ERR_FORMAT, "tensor 1 (\"b\"): data [offset 128, 32 bytes] overlaps tensor 0 (\"a\")", NULL);
    tdesc part[3] = {{"a", 1, {8}, GGML_TYPE_F32, 64}, {"b", 1, {16}, GGML_TYPE_F32, 0}, {"c", 1, {8}, GGML_TYPE_F32, 32}};
    tensors_file(&b, 32, part, 3, 128);
    expect_fail(ts, &bc, "partial overlap", &b, WICK_ERR_FORMAT, "tensor 2 (\"c\")", "overlaps tensor 1 (\"b\") [offset 160, 64 bytes]");

    /* the same placements, valid: adjacent tensors in any order */
    tdesc okay[3] = {{"a", 1, {8}, GGML_TYPE_F32, 64}, {"b", 1, {16}, GGML_TYPE_F32, 0}, {"c", 1, {8}, GGML_TYPE_F32, 96}};
    tensors_file(&b, 32, okay, 3, 128);
    gguf_file *g;
    uint64_t need;
    wick_error err;
    wick_status st = parse_direct(&b, b.len, b.len, &g, &need, &err);
    CHECK_MSG(ts, st == WICK_OK, "adjacent tensors: %s", err.message);
    if (st == WICK_OK) {
        CHECK(ts, gguf_tensor(g, 0)->offset == 160 + 64 && gguf_tensor(g, 1)->offset == 160);
        gguf_free(g);
    }
    bb_free(&b);
    printf("  malformed tensor infos: %d cases, %d rejected as expected\n", bc.n, bc.ok);
}

static double now_ms(void);

/* Lookups over many names, repeated names, and names built to be slow to
 * compare (long shared prefixes) stay fast. */
static void test_many_names(test_state *ts) {
    enum { NK = 3000, NT = 1000 };
    bb b = {0};
    bb_hdr(&b, 3, NT, NK);
    char name[300];
    for (int i = 0; i < NK; i++) {
        snprintf(name, sizeof name, "key.%d", (i * 7 + 3) % NK); /* a permutation */
        bb_kv_u32(&b, name, (uint32_t)i);
    }
    static const uint64_t ne[] = {8};
    for (int i = 0; i < NT; i++) {
        snprintf(name, sizeof name, "blk.%d.w", (i * 13 + 5) % NT);
        bb_ti(&b, name, 1, ne, GGML_TYPE_F32, 32ull * (uint64_t)i);
    }
    bb_pad(&b, 32);
    bb_fill(&b, 32 * NT, 0);
    gguf_file *g;
    uint64_t need;
    wick_error err;
    wick_status st = parse_direct(&b, b.len, b.len, &g, &need, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    int wrong = 0;
    if (st == WICK_OK) {
        for (int i = 0; i < NK; i++) {
            snprintf(name, sizeof name, "key.%d", (i * 7 + 3) % NK);
            uint32_t v;
            int64_t k = gguf_find_key(g, name);
            wrong += !(k == i && gguf_kv_get_u32(g, k, &v) && v == (uint32_t)i);
        }
        for (int i = 0; i < NT; i++) {
            snprintf(name, sizeof name, "blk.%d.w", (i * 13 + 5) % NT);
            wrong += gguf_find_tensor(g, name) != i;
        }
        wrong += gguf_find_key(g, "key.") != -1 || gguf_find_key(g, "key.30000") != -1 ||
                 gguf_find_tensor(g, "blk.1.") != -1 || gguf_find_key(g, "") != -1;
        gguf_free(g);
    }
    CHECK(ts, wrong == 0);
    bb_free(&b);

    /* x y x y x: the first repeat (key 2) is reported */
    bb_hdr(&b, 3, 0, 5);
    const char *names[] = {"x", "y", "x", "y", "x"};
    for (int i = 0; i < 5; i++) bb_kv_u32(&b, names[i], 0);
    st = parse_direct(&b, b.len, b.len, &g, &need, &err);
    CHECK_MSG(ts, st == WICK_ERR_FORMAT && strstr(err.message, "metadata key 2 (\"x\")") &&
                      strstr(err.message, "first defined by metadata key 0"),
              "%s", err.message);
    bb_free(&b);

    /* 20000 keys sharing a 250-byte prefix */
    enum { NS = 20000 };
    bb_hdr(&b, 3, 0, NS);
    memset(name, 'p', 250);
    for (int i = 0; i < NS; i++) {
        snprintf(name + 250, sizeof name - 250, "%d", (i * 7919) % NS);
        bb_kv_u32(&b, name, (uint32_t)i);
    }
    double t0 = now_ms();
    st = parse_direct(&b, b.len, b.len, &g, &need, &err);
    double t1 = now_ms();
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st == WICK_OK) {
        snprintf(name + 250, sizeof name - 250, "%d", (123 * 7919) % NS);
        CHECK(ts, gguf_find_key(g, name) == 123);
        gguf_free(g);
    }
    bb_free(&b);
    printf("  %d keys and %d tensors found by name, %d wrong; %d keys with a 250-byte common "
           "prefix parsed in %.1f ms\n",
           NK, NT, wrong, NS, t1 - t0);
}

/* Error messages from a prefix name the same place as from the whole file. */
static void test_prefix_errors_match(test_state *ts) {
    bb b = {0};
    bb_hdr(&b, 3, 0, 2), bb_kv_str(&b, "a", "hello"), bb_key(&b, "b", 77), bb_fill(&b, 100, 0);
    gguf_file *g;
    uint64_t need;
    wick_error e1, e2;
    wick_status s1 = parse_direct(&b, b.len, b.len, &g, &need, &e1);
    wick_status s2 = parse_direct(&b, 63, b.len, &g, &need, &e2);
    CHECK(ts, s1 == WICK_ERR_FORMAT && s2 == WICK_ERR_FORMAT && !strcmp(e1.message, e2.message));
    wick_status s3 = parse_direct(&b, 40, b.len, &g, &need, &e2);
    CHECK(ts, s3 == WICK_ERR_NEED_MORE_DATA && need > 40 && need <= b.len);
    CHECK(ts, gguf_parse(b.d, b.len, b.len - 1, "x", &g, &need, &e2) == WICK_ERR_INVALID_ARG);
    CHECK(ts, gguf_parse(NULL, 10, 10, "x", &g, &need, &e2) == WICK_ERR_INVALID_ARG);
    CHECK(ts, gguf_parse(NULL, 0, 100, NULL, &g, &need, NULL) == WICK_ERR_NEED_MORE_DATA);
    bb_free(&b);
}

/* ------------------------------------------------------------ model info */

static void test_model_info(test_state *ts) {
    full_file f;
    make_full(&f, 3, 0);
    gguf_file *g;
    uint64_t need;
    wick_error err;
    wick_status st = parse_direct(&f.b, f.b.len, f.b.len, &g, &need, &err);
    CHECK(ts, st == WICK_OK);
    if (st == WICK_OK) {
        wick_model_info in;
        st = model_info_from_gguf(g, "t.gguf", &in, &err);
        CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
        CHECK_STR_EQ(ts, in.architecture, "llama");
        CHECK(ts, in.n_layers == 2 && in.n_embd == 64 && in.n_head == 4 && in.n_head_kv == 2);
        CHECK(ts, in.head_dim_k == 16 && in.head_dim_v == 16 && in.context_length == 256);
        CHECK(ts, in.kv_bytes_per_1k == 2ull * 2 * (16 + 16) * 2 * 1024);
        CHECK(ts, in.n_params == 192 + 5 + 120 + 7 && in.n_tensors == 4 && in.vocab_size == 3);
        CHECK(ts, in.tensors_per_type[GGML_TYPE_Q4_0] == 1 && in.bytes_per_type[GGML_TYPE_F16] == 240);
        CHECK(ts, in.weight_bytes == 108 + 20 + 240 + 28 && !in.has_chat_template);
        gguf_free(g);
    }
    bb_free(&f.b);

    /* per-layer head counts (an array) and explicit head dims */
    bb b = {0};
    bb_hdr(&b, 3, 0, 6);
    bb_kv_str(&b, "general.architecture", "x");
    bb_kv_u32(&b, "x.block_count", 3);
    bb_kv_u32(&b, "x.attention.head_count", 8);
    bb_key(&b, "x.attention.head_count_kv", GGUF_TYPE_ARRAY), bb_arr(&b, GGUF_TYPE_INT32, 3);
    bb_u32(&b, 1), bb_u32(&b, 2), bb_u32(&b, 4);
    bb_kv_u32(&b, "x.attention.key_length", 128);
    bb_kv_str(&b, "tokenizer.chat_template", "{{ x }}");
    st = parse_direct(&b, b.len, b.len, &g, &need, &err);
    CHECK(ts, st == WICK_OK);
    if (st == WICK_OK) {
        wick_model_info in;
        st = model_info_from_gguf(g, NULL, &in, &err);
        CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
        CHECK(ts, in.n_head_kv == 4 && in.head_dim_k == 128 && in.head_dim_v == 0);
        CHECK(ts, in.kv_bytes_per_1k == (1ull + 2 + 4) * (128 + 0) * 2 * 1024);
        CHECK(ts, in.has_chat_template == 1);
        gguf_free(g);
    }
    bb_free(&b);

    /* a key with the wrong type is an error that names it */
    bb_hdr(&b, 3, 0, 2);
    bb_kv_str(&b, "general.architecture", "x");
    bb_kv_str(&b, "x.block_count", "three");
    st = parse_direct(&b, b.len, b.len, &g, &need, &err);
    CHECK(ts, st == WICK_OK);
    if (st == WICK_OK) {
        wick_model_info in;
        st = model_info_from_gguf(g, "m.gguf", &in, &err);
        CHECK_MSG(ts, st == WICK_ERR_FORMAT && strstr(err.message, "m.gguf: metadata key x.block_count: expected"),
                  "%s", err.message);
        gguf_free(g);
    }
    bb_free(&b);
    CHECK(ts, model_file_type_name(15) && !strcmp(model_file_type_name(15), "Q4_K - Medium"));
    CHECK(ts, model_file_type_name(3) && !strcmp(model_file_type_name(3), "Q4_1"));
    CHECK(ts, model_file_type_name(5) == NULL);
}

/* ------------------------------------------------------------ real models */

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void check_real_model(test_state *ts, const char *path, const char *arch, const char *vocab_len_key) {
    wick_file_map map;
    wick_error err;
    if (wick_file_map_open(path, &map, &err) != WICK_OK) {
        struct stat st;
        bool no_dir = stat("build/models", &st) != 0;
        /* skipping is only for a checkout where the models were never fetched */
        if (no_dir) printf("  SKIP %s: build/models/ is absent (run tests/setup/models.sh)\n", path);
        CHECK_MSG(ts, no_dir, "%s", err.message);
        return;
    }
    gguf_file *g = NULL;
    uint64_t need = 0;
    double t0 = now_ms();
    wick_status st = gguf_parse(map.data, (size_t)map.size, map.size, path, &g, &need, &err);
    double t1 = now_ms();
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st != WICK_OK) {
        wick_file_map_close(&map);
        return;
    }
    gguf_str s;
    CHECK(ts, gguf_get_str(g, "general.architecture", &s) && gguf_str_eq(s, arch));
    gguf_array tokens;
    CHECK(ts, gguf_get_array(g, "tokenizer.ggml.tokens", &tokens) && tokens.elem_type == GGUF_TYPE_STRING);
    uint32_t declared = 0;
    if (vocab_len_key) CHECK(ts, gguf_get_u32(g, vocab_len_key, &declared) && declared == tokens.len);
    /* every token is reachable in O(1) and lies inside the header */
    uint64_t bad_tokens = 0;
    for (uint64_t i = 0; i < tokens.len; i++) {
        gguf_str t;
        if (!gguf_array_get_str(&tokens, i, &t) || (const uint8_t *)t.ptr + t.len > map.data + need)
            bad_tokens++;
    }
    CHECK(ts, bad_tokens == 0);
    /* the tensor index: aligned, inside the file, sizes from the type table */
    uint64_t n_params = 0, misplaced = 0;
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const gguf_tensor_info *t = gguf_tensor(g, i);
        n_params += t->n_elements;
        if (t->offset % gguf_alignment(g) || t->offset < gguf_data_offset(g) ||
            t->offset + t->size > map.size || gguf_find_tensor(g, "") >= 0)
            misplaced++;
    }
    CHECK(ts, misplaced == 0 && n_params > 0);
    int64_t token_type = gguf_find_key(g, "tokenizer.ggml.token_type");
    gguf_array tt;
    CHECK(ts, gguf_kv_get_array(g, token_type, &tt) && tt.len == tokens.len);

    /* 150 prefixes spread over the header (each parse rescans from the
     * start, so not every offset), then growing rounds */
    size_t prefixes = 0, prefix_bad = 0;
    for (uint64_t cut = 0; cut < need; cut += need / 150 + (cut % 4099)) {
        gguf_file *h = NULL;
        uint64_t more = 0;
        wick_status ps = gguf_parse(map.data, (size_t)cut, map.size, path, &h, &more, &err);
        prefixes++;
        if (ps != WICK_ERR_NEED_MORE_DATA || more <= cut || more > map.size) prefix_bad++;
        if (ps == WICK_OK) gguf_free(h);
    }
    CHECK(ts, prefix_bad == 0);
    gguf_file *h = NULL;
    uint64_t more;
    st = gguf_parse(map.data, (size_t)need, map.size, path, &h, &more, &err);
    CHECK(ts, st == WICK_OK && more == need && gguf_kv_count(h) == gguf_kv_count(g) &&
                  gguf_tensor_count(h) == gguf_tensor_count(g));
    if (st == WICK_OK) gguf_free(h);
    int rounds = grow_rounds(ts, map.data, map.size, path, 0);
    int rounds64k = grow_rounds(ts, map.data, map.size, path, 65536);

    wick_model_info in;
    st = model_info_from_gguf(g, path, &in, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    CHECK(ts, in.n_params == n_params && in.vocab_size == tokens.len && in.n_layers > 0 &&
                  in.kv_bytes_per_1k == (uint64_t)in.n_layers * in.n_head_kv *
                                            (in.head_dim_k + in.head_dim_v) * 2 * 1024);
    printf("  %s: %lld keys, %lld tensors, %llu params, %llu tokens, header %llu bytes parsed in "
           "%.2f ms; %zu header prefixes -> NEED_MORE_DATA; growing prefixes: %d rounds from 0, "
           "%d from 64 KiB\n",
           path, (long long)gguf_kv_count(g), (long long)gguf_tensor_count(g),
           (unsigned long long)n_params, (unsigned long long)tokens.len, (unsigned long long)need,
           t1 - t0, prefixes, rounds, rounds64k);
    gguf_free(g);
    wick_file_map_close(&map);
}

static void test_real_models(test_state *ts) {
    check_real_model(ts, "build/models/smollm2-135m-instruct-q4_1.gguf", "llama", "llama.vocab_size");
    check_real_model(ts, "build/models/gemma3-270m-q4_k_m.gguf", "gemma3", NULL);
}

TEST_MAIN("gguf", TEST(test_valid_roundtrip), TEST(test_truncated_every_offset),
          TEST(test_incremental), TEST(test_bad_header), TEST(test_bad_tensors),
          TEST(test_many_names), TEST(test_prefix_errors_match), TEST(test_model_info),
          TEST(test_real_models))
