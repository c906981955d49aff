/* GGUF v3 writer.
 *
 * Layout written (all integers little-endian):
 *   "GGUF" u32 version=3, u64 n_tensors, u64 n_kv
 *   n_kv x (string key, u32 type, value)
 *   n_tensors x (string name, u32 n_dims, u64 ne[n_dims], u32 type, u64 offset)
 *   zero padding to the alignment
 *   tensor data, each tensor at an aligned offset (relative to the data
 *   section) and zero-padded to the alignment, in the order added
 * A string is u64 length + bytes, no NUL.
 *
 * Metadata values are serialized when set (so a key is one blob), tensors
 * keep a copy of their data. The file is streamed: the header is built in
 * memory, tensor data goes straight from each tensor's copy to the file.
 *
 * Setters return false on bad arguments or allocation failure; the first
 * such failure is remembered and reported, with the key or tensor name, by
 * the write call, so callers may check once. */
#include "gguf/gguf_writer.h"

#include "core/buf.h"
#include "core/status.h"
#include "gguf/ggml_types.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GGUF_MAX_NAME 63 /* ggml's GGML_MAX_NAME (64) includes the NUL */

typedef struct kv_entry {
    char *key;
    size_t key_len;
    wick_buf value; /* u32 type + serialized value */
} kv_entry;

typedef struct tensor_entry {
    char *name;
    uint32_t n_dims, type;
    uint64_t ne[GGUF_MAX_DIMS];
    void *data;
    size_t size;
} tensor_entry;

struct gguf_writer {
    kv_entry *kv;
    size_t n_kv, cap_kv;
    tensor_entry *tensors;
    size_t n_tensors, cap_tensors;
    bool failed;
    char fail_msg[400];
};

gguf_writer *gguf_writer_new(void) { return calloc(1, sizeof(gguf_writer)); }

void gguf_writer_free(gguf_writer *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n_kv; i++) {
        free(w->kv[i].key);
        wick_buf_free(&w->kv[i].value);
    }
    for (size_t i = 0; i < w->n_tensors; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].data);
    }
    free(w->kv);
    free(w->tensors);
    free(w);
}

static bool fail(gguf_writer *w, const char *fmt, ...) WICK_PRINTF(2, 3);
static bool fail(gguf_writer *w, const char *fmt, ...) {
    if (w && !w->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->fail_msg, sizeof w->fail_msg, fmt, ap);
        va_end(ap);
        w->failed = true;
    }
    return false;
}

/* ---- little-endian serialization */

static void put_u32(wick_buf *b, uint32_t v) {
    char c[4] = {(char)v, (char)(v >> 8), (char)(v >> 16), (char)(v >> 24)};
    wick_buf_append(b, c, 4);
}

static void put_u64(wick_buf *b, uint64_t v) {
    char c[8];
    for (int i = 0; i < 8; i++) c[i] = (char)(v >> (8 * i));
    wick_buf_append(b, c, 8);
}

static void put_str(wick_buf *b, const char *s, uint64_t len) {
    put_u64(b, len);
    wick_buf_append(b, s, (size_t)len);
}

static size_t scalar_size(gguf_value_type t) {
    switch (t) {
    case GGUF_TYPE_UINT8:
    case GGUF_TYPE_INT8:
    case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16:
    case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32:
    case GGUF_TYPE_INT32:
    case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64:
    case GGUF_TYPE_INT64:
    case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
    }
}

/* Appends one scalar from native memory `p` in little-endian order. */
static void put_scalar(wick_buf *b, gguf_value_type t, const void *p) {
    switch (scalar_size(t)) {
    case 1: {
        char c = t == GGUF_TYPE_BOOL ? (char)(*(const bool *)p ? 1 : 0) : *(const char *)p;
        wick_buf_putc(b, c);
        break;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        char c[2] = {(char)v, (char)(v >> 8)};
        wick_buf_append(b, c, 2);
        break;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        put_u32(b, v);
        break;
    }
    case 8: {
        uint64_t v;
        memcpy(&v, p, 8);
        put_u64(b, v);
        break;
    }
    default: break;
    }
}

/* ---- metadata */

/* The entry for `key`, emptied for a new value: an existing one (replaced
 * in place, keeping its position) or a new one at the end. */
static kv_entry *kv_slot(gguf_writer *w, const char *key) {
    if (!w) return NULL;
    if (!key || !*key) return fail(w, "gguf_writer: empty metadata key"), NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < w->n_kv; i++) {
        if (w->kv[i].key_len == len && memcmp(w->kv[i].key, key, len) == 0) {
            wick_buf_free(&w->kv[i].value);
            return &w->kv[i];
        }
    }
    if (w->n_kv == w->cap_kv) {
        size_t cap = w->cap_kv ? w->cap_kv * 2 : 32;
        kv_entry *kv = realloc(w->kv, cap * sizeof *kv);
        if (!kv) return fail(w, "gguf_writer: out of memory adding key %s", key), NULL;
        w->kv = kv;
        w->cap_kv = cap;
    }
    char *k = malloc(len + 1);
    if (!k) return fail(w, "gguf_writer: out of memory adding key %s", key), NULL;
    memcpy(k, key, len + 1);
    kv_entry *e = &w->kv[w->n_kv++];
    e->key = k;
    e->key_len = len;
    memset(&e->value, 0, sizeof e->value);
    return e;
}

static bool kv_done(gguf_writer *w, kv_entry *e) {
    if (e->value.failed) return fail(w, "gguf_writer: out of memory setting key %s", e->key);
    return true;
}

static bool set_scalar(gguf_writer *w, const char *key, gguf_value_type t, const void *v) {
    kv_entry *e = kv_slot(w, key);
    if (!e) return false;
    put_u32(&e->value, t);
    put_scalar(&e->value, t, v);
    return kv_done(w, e);
}

bool gguf_writer_set_u16(gguf_writer *w, const char *key, uint16_t v) {
    return set_scalar(w, key, GGUF_TYPE_UINT16, &v);
}
bool gguf_writer_set_raw(gguf_writer *w, const char *key, gguf_value_type type, const void *value,
                         size_t len) {
    if (!w) return false;
    if ((unsigned)type >= GGUF_TYPE_COUNT || (!value && len))
        return fail(w, "gguf_writer: key %s: bad raw value (type %u)", key ? key : "", (unsigned)type);
    kv_entry *e = kv_slot(w, key);
    if (!e) return false;
    put_u32(&e->value, type);
    wick_buf_append(&e->value, (const char *)value, len);
    return kv_done(w, e);
}
bool gguf_writer_set_u32(gguf_writer *w, const char *key, uint32_t v) {
    return set_scalar(w, key, GGUF_TYPE_UINT32, &v);
}
bool gguf_writer_set_i32(gguf_writer *w, const char *key, int32_t v) {
    return set_scalar(w, key, GGUF_TYPE_INT32, &v);
}
bool gguf_writer_set_u64(gguf_writer *w, const char *key, uint64_t v) {
    return set_scalar(w, key, GGUF_TYPE_UINT64, &v);
}
bool gguf_writer_set_f32(gguf_writer *w, const char *key, float v) {
    return set_scalar(w, key, GGUF_TYPE_FLOAT32, &v);
}
bool gguf_writer_set_bool(gguf_writer *w, const char *key, bool v) {
    return set_scalar(w, key, GGUF_TYPE_BOOL, &v);
}

bool gguf_writer_set_str(gguf_writer *w, const char *key, const char *s, size_t len) {
    if (w && !s && len) return fail(w, "gguf_writer: key %s: string is NULL", key ? key : "");
    kv_entry *e = kv_slot(w, key);
    if (!e) return false;
    put_u32(&e->value, GGUF_TYPE_STRING);
    put_str(&e->value, s ? s : "", len);
    return kv_done(w, e);
}

bool gguf_writer_set_array(gguf_writer *w, const char *key, gguf_value_type elem_type,
                           const void *data, uint64_t n) {
    if (!w) return false;
    size_t es = scalar_size(elem_type);
    if (!es)
        return fail(w, "gguf_writer: key %s: element type %d is not a scalar type (use "
                       "gguf_writer_set_str_array for strings)",
                    key ? key : "", (int)elem_type);
    if (n && !data) return fail(w, "gguf_writer: key %s: array data is NULL", key ? key : "");
    if (n > SIZE_MAX / es) return fail(w, "gguf_writer: key %s: array too large", key ? key : "");
    kv_entry *e = kv_slot(w, key);
    if (!e) return false;
    put_u32(&e->value, GGUF_TYPE_ARRAY);
    put_u32(&e->value, elem_type);
    put_u64(&e->value, n);
    const char *p = data;
    for (uint64_t i = 0; i < n && !e->value.failed; i++) put_scalar(&e->value, elem_type, p + i * es);
    return kv_done(w, e);
}

bool gguf_writer_set_str_array(gguf_writer *w, const char *key, const char *const *strs,
                               const size_t *lens, uint64_t n) {
    if (!w) return false;
    if (n && !strs) return fail(w, "gguf_writer: key %s: strings are NULL", key ? key : "");
    kv_entry *e = kv_slot(w, key);
    if (!e) return false;
    put_u32(&e->value, GGUF_TYPE_ARRAY);
    put_u32(&e->value, GGUF_TYPE_STRING);
    put_u64(&e->value, n);
    for (uint64_t i = 0; i < n && !e->value.failed; i++) {
        const char *s = strs[i] ? strs[i] : "";
        put_str(&e->value, s, lens ? lens[i] : strlen(s));
    }
    return kv_done(w, e);
}

/* ---- tensors */

bool gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t n_dims,
                            const uint64_t *ne, uint32_t type, const void *data, size_t size) {
    if (!w) return false;
    if (!name || !*name) return fail(w, "gguf_writer: tensor with an empty name");
    size_t name_len = strlen(name);
    if (name_len > GGUF_MAX_NAME)
        return fail(w, "gguf_writer: tensor name '%s' is longer than %d bytes", name, GGUF_MAX_NAME);
    if (n_dims < 1 || n_dims > GGUF_MAX_DIMS || !ne)
        return fail(w, "gguf_writer: tensor %s: n_dims %u (expected 1..%d)", name, n_dims,
                    GGUF_MAX_DIMS);
    const ggml_type_traits *tt = ggml_type_get(type);
    if (!tt) return fail(w, "gguf_writer: tensor %s: unknown ggml type %u", name, type);
    uint64_t rows = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        if (ne[d] == 0 || ne[d] > INT64_MAX)
            return fail(w, "gguf_writer: tensor %s: ne[%u] = %llu is out of range", name, d,
                        (unsigned long long)ne[d]);
        if (d > 0) {
            if (rows > UINT64_MAX / ne[d]) return fail(w, "gguf_writer: tensor %s: too many elements", name);
            rows *= ne[d];
        }
    }
    uint64_t row_bytes, want;
    if (!ggml_type_row_bytes(type, ne[0], &row_bytes))
        return fail(w, "gguf_writer: tensor %s: row length %llu is not a multiple of %s's block size %u",
                    name, (unsigned long long)ne[0], tt->name, tt->block_size);
    if (rows > UINT64_MAX / row_bytes) return fail(w, "gguf_writer: tensor %s: too large", name);
    want = row_bytes * rows;
    if (want != size)
        return fail(w, "gguf_writer: tensor %s: %zu bytes of data, but %s [%llu x %llu rows] takes %llu",
                    name, size, tt->name, (unsigned long long)ne[0], (unsigned long long)rows,
                    (unsigned long long)want);
    if (!data) return fail(w, "gguf_writer: tensor %s: data is NULL", name);
    for (size_t i = 0; i < w->n_tensors; i++)
        if (!strcmp(w->tensors[i].name, name))
            return fail(w, "gguf_writer: duplicate tensor name %s", name);
    if (w->n_tensors == w->cap_tensors) {
        size_t cap = w->cap_tensors ? w->cap_tensors * 2 : 64;
        tensor_entry *t = realloc(w->tensors, cap * sizeof *t);
        if (!t) return fail(w, "gguf_writer: out of memory adding tensor %s", name);
        w->tensors = t;
        w->cap_tensors = cap;
    }
    tensor_entry t = {0};
    t.name = malloc(name_len + 1);
    t.data = malloc(size);
    if (!t.name || !t.data) {
        free(t.name);
        free(t.data);
        return fail(w, "gguf_writer: out of memory copying tensor %s (%zu bytes)", name, size);
    }
    memcpy(t.name, name, name_len + 1);
    memcpy(t.data, data, size);
    t.n_dims = n_dims;
    t.type = type;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t.ne[d] = d < n_dims ? ne[d] : 1;
    t.size = size;
    w->tensors[w->n_tensors++] = t;
    return true;
}

/* ---- output */

static uint64_t align_up(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }

/* Reads general.alignment back from its serialized value. */
static wick_status get_alignment(const gguf_writer *w, uint32_t *align, wick_error *err) {
    *align = GGUF_DEFAULT_ALIGNMENT;
    for (size_t i = 0; i < w->n_kv; i++) {
        if (strcmp(w->kv[i].key, "general.alignment") != 0) continue;
        const unsigned char *v = (const unsigned char *)w->kv[i].value.data;
        uint32_t type = v[0] | v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
        if (type != GGUF_TYPE_UINT32)
            return wick_error_set(err, WICK_ERR_INVALID_ARG,
                                  "gguf_writer: general.alignment must be a uint32");
        uint32_t a = v[4] | v[5] << 8 | (uint32_t)v[6] << 16 | (uint32_t)v[7] << 24;
        if (a == 0 || (a & (a - 1)) != 0)
            return wick_error_set(err, WICK_ERR_INVALID_ARG,
                                  "gguf_writer: general.alignment %u is not a power of two", a);
        *align = a;
    }
    return WICK_OK;
}

/* Builds everything before the tensor data, padded to the alignment. */
static wick_status build_header(const gguf_writer *w, wick_buf *h, uint32_t *align_out,
                                wick_error *err) {
    if (w->failed) return wick_error_set(err, WICK_ERR_INVALID_ARG, "%s", w->fail_msg);
    uint32_t align;
    wick_status st = get_alignment(w, &align, err);
    if (st != WICK_OK) return st;
    wick_buf_append(h, "GGUF", 4);
    put_u32(h, 3);
    put_u64(h, w->n_tensors);
    put_u64(h, w->n_kv);
    for (size_t i = 0; i < w->n_kv; i++) {
        put_str(h, w->kv[i].key, w->kv[i].key_len);
        wick_buf_append(h, w->kv[i].value.data, w->kv[i].value.len);
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < w->n_tensors; i++) {
        const tensor_entry *t = &w->tensors[i];
        put_str(h, t->name, strlen(t->name));
        put_u32(h, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++) put_u64(h, t->ne[d]);
        put_u32(h, t->type);
        put_u64(h, offset);
        offset = align_up(offset + t->size, align);
    }
    size_t pad = (size_t)(align_up(h->len, align) - h->len);
    for (size_t i = 0; i < pad; i++) wick_buf_putc(h, 0);
    if (h->failed) return wick_error_set(err, WICK_ERR_NOMEM, "gguf_writer: out of memory");
    *align_out = align;
    return WICK_OK;
}

static size_t tensor_pad(const tensor_entry *t, uint32_t align) {
    return (size_t)(align_up(t->size, align) - t->size);
}

wick_status gguf_writer_write_buffer(gguf_writer *w, uint8_t **out, size_t *len, wick_error *err) {
    if (!w || !out || !len)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "gguf_writer_write_buffer: NULL argument");
    *out = NULL;
    *len = 0;
    wick_buf h = {0};
    uint32_t align;
    wick_status st = build_header(w, &h, &align, err);
    for (size_t i = 0; st == WICK_OK && i < w->n_tensors; i++) {
        const tensor_entry *t = &w->tensors[i];
        wick_buf_append(&h, t->data, t->size);
        for (size_t k = tensor_pad(t, align); k > 0; k--) wick_buf_putc(&h, 0);
        if (h.failed) st = wick_error_set(err, WICK_ERR_NOMEM, "gguf_writer: out of memory");
    }
    if (st != WICK_OK) {
        wick_buf_free(&h);
        return st;
    }
    *out = (uint8_t *)wick_buf_take(&h, len);
    if (!*out) return wick_error_set(err, WICK_ERR_NOMEM, "gguf_writer: out of memory");
    return WICK_OK;
}

wick_status gguf_writer_write_file(gguf_writer *w, const char *path, wick_error *err) {
    if (!w || !path)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "gguf_writer_write_file: NULL argument");
    wick_buf h = {0};
    uint32_t align;
    wick_status st = build_header(w, &h, &align, err);
    if (st != WICK_OK) {
        wick_buf_free(&h);
        return st;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        wick_buf_free(&h);
        return wick_error_set(err, WICK_ERR_IO, "%s: cannot create", path);
    }
    static const char zeros[256] = {0};
    bool ok = fwrite(h.data, 1, h.len, f) == h.len;
    wick_buf_free(&h);
    for (size_t i = 0; ok && i < w->n_tensors; i++) {
        const tensor_entry *t = &w->tensors[i];
        ok = fwrite(t->data, 1, t->size, f) == t->size;
        for (size_t pad = tensor_pad(t, align); ok && pad > 0;) {
            size_t n = pad < sizeof zeros ? pad : sizeof zeros;
            ok = fwrite(zeros, 1, n, f) == n;
            pad -= n;
        }
    }
    if (fclose(f) != 0) ok = false;
    if (!ok) {
        remove(path);
        return wick_error_set(err, WICK_ERR_IO, "%s: write failed (disk full?)", path);
    }
    return WICK_OK;
}
