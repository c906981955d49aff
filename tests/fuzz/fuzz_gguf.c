/* libFuzzer target for the GGUF reader. Each input is parsed as a whole
 * file and as a prefix of a larger one; whatever parses is walked through
 * every accessor and checked against the reader's promises (need_bytes in
 * range, tensors aligned, inside the file and disjoint, lookups consistent,
 * prefix parses equal to whole parses). Violations abort. */
#include "gguf/ggml_types.h"
#include "gguf/gguf_reader.h"
#include "model/model_info.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)                                                                        \
    do {                                                                                     \
        if (!(cond)) __builtin_trap();                                                       \
    } while (0)

static uint64_t walk_array(const gguf_array *a, int depth) {
    REQUIRE(depth <= 16);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < a->len; i++) {
        int64_t iv;
        float fv;
        gguf_str s;
        gguf_array sub;
        if (gguf_array_get_i64(a, i, &iv)) sum += (uint64_t)iv;
        if (gguf_array_get_f32(a, i, &fv)) sum += fv == fv;
        if (gguf_array_get_str(a, i, &s)) {
            REQUIRE(a->elem_type == GGUF_TYPE_STRING);
            if (s.len) sum += (uint8_t)s.ptr[s.len - 1]; /* touches the last byte */
        }
        if (gguf_array_get_array(a, i, &sub)) sum += walk_array(&sub, depth + 1);
    }
    int64_t iv;
    REQUIRE(!gguf_array_get_i64(a, a->len, &iv));
    return sum;
}

/* Bytes [lo, hi) of the file must lie in the data we were given. */
static void check_inside(const uint8_t *data, size_t len, const void *p, uint64_t n) {
    const uint8_t *q = p;
    REQUIRE(q >= data && (uint64_t)(q - data) <= len && n <= len - (uint64_t)(q - data));
}

static void walk(const gguf_file *g, const uint8_t *data, size_t len, uint64_t file_size) {
    REQUIRE(gguf_version(g) == 2 || gguf_version(g) == 3);
    uint32_t al = gguf_alignment(g);
    REQUIRE(al && (al & (al - 1)) == 0);
    REQUIRE(gguf_data_offset(g) % al == 0);
    REQUIRE(gguf_file_size(g) == file_size);
    char name[256];
    uint64_t sink = 0;
    for (int64_t k = 0; k < gguf_kv_count(g); k++) {
        gguf_str key = gguf_kv_key(g, k);
        check_inside(data, len, key.ptr, key.len);
        gguf_value_type t = gguf_kv_type(g, k);
        REQUIRE(t < GGUF_TYPE_COUNT);
        uint32_t u32;
        int64_t i64;
        uint64_t u64;
        float f;
        bool b;
        gguf_str s;
        gguf_array a;
        sink += gguf_kv_get_u32(g, k, &u32) + gguf_kv_get_i64(g, k, &i64) +
                gguf_kv_get_u64(g, k, &u64) + gguf_kv_get_f32(g, k, &f) + gguf_kv_get_bool(g, k, &b);
        if (gguf_kv_get_str(g, k, &s)) check_inside(data, len, s.ptr, s.len);
        if (gguf_kv_get_array(g, k, &a)) sink += walk_array(&a, 1);
        REQUIRE(gguf_kv_get_array(g, k, &a) == (t == GGUF_TYPE_ARRAY));
        /* lookup by name finds this key (names with NUL bytes cannot be asked for) */
        if (key.len < sizeof name && !memchr(key.ptr, 0, key.len)) {
            memcpy(name, key.ptr, key.len);
            name[key.len] = '\0';
            REQUIRE(gguf_find_key(g, name) == k);
        }
    }
    REQUIRE(gguf_kv_type(g, gguf_kv_count(g)) == GGUF_TYPE_COUNT);
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const gguf_tensor_info *t = gguf_tensor(g, i);
        REQUIRE(t && t->name.len > 0 && t->n_dims >= 1 && t->n_dims <= GGUF_MAX_DIMS);
        check_inside(data, len, t->name.ptr, t->name.len);
        uint64_t n = 1;
        for (int d = 0; d < GGUF_MAX_DIMS; d++) {
            REQUIRE(t->ne[d] >= 1);
            REQUIRE(n <= (uint64_t)INT64_MAX / t->ne[d]);
            n *= t->ne[d];
        }
        REQUIRE(n == t->n_elements);
        uint64_t row;
        REQUIRE(ggml_type_row_bytes(t->type, t->ne[0], &row));
        REQUIRE(t->size == row * (n / t->ne[0]));
        REQUIRE(t->offset % al == 0 && t->offset >= gguf_data_offset(g));
        REQUIRE(t->offset <= file_size && t->size <= file_size - t->offset);
        for (int64_t j = 0; j < i && j < 64; j++) { /* pairwise disjoint (bounded work) */
            const gguf_tensor_info *u = gguf_tensor(g, j);
            REQUIRE(u->offset + u->size <= t->offset || t->offset + t->size <= u->offset);
        }
        if (t->name.len < sizeof name && !memchr(t->name.ptr, 0, t->name.len)) {
            memcpy(name, t->name.ptr, t->name.len);
            name[t->name.len] = '\0';
            REQUIRE(gguf_find_tensor(g, name) == i);
        }
    }
    wick_model_info info;
    wick_error err;
    if (model_info_from_gguf(g, "fuzz", &info, &err) == WICK_OK)
        REQUIRE(info.n_tensors == (uint32_t)gguf_tensor_count(g));
    else
        REQUIRE(err.message[0]);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* an exact-size copy so reads past the end are caught */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);

    gguf_file *g = NULL;
    uint64_t need = 0;
    wick_error err;
    wick_status st = gguf_parse(buf, size, size, "fuzz", &g, &need, &err);
    REQUIRE(st != WICK_ERR_NEED_MORE_DATA); /* the whole file is there */
    if (st == WICK_OK) {
        walk(g, buf, size, size);
        /* a prefix that ends where the header does parses the same */
        uint64_t header = need;
        REQUIRE(header <= size);
        gguf_file *h = NULL;
        uint64_t need2 = 0;
        wick_status st2 = gguf_parse(buf, (size_t)header, size, "fuzz", &h, &need2, &err);
        REQUIRE(st2 == WICK_OK && need2 == header);
        REQUIRE(gguf_kv_count(h) == gguf_kv_count(g) && gguf_tensor_count(h) == gguf_tensor_count(g));
        REQUIRE(gguf_data_offset(h) == gguf_data_offset(g));
        gguf_free(h);
        gguf_free(g);
    } else {
        REQUIRE(err.code == st && err.message[0]);
    }

    /* the same bytes as the start of a file 1 MiB longer */
    uint64_t big = (uint64_t)size + (1u << 20);
    st = gguf_parse(buf, size, big, "fuzz", &g, &need, &err);
    if (st == WICK_ERR_NEED_MORE_DATA) {
        REQUIRE(need > size && need <= big);
    } else if (st == WICK_OK) {
        walk(g, buf, size, big);
        gguf_free(g);
    }
    free(buf);
    return 0;
}
