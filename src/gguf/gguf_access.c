/* Accessors over a parsed GGUF index: typed metadata getters (integers
 * convert when the value fits), arrays at any nesting, tensors, and name
 * lookups by binary search in the sorted name lists the parser built. */
#include "gguf/gguf_internal.h"

#include <stdlib.h>
#include <string.h>

uint32_t gguf_value_size(uint32_t t) {
    static const uint8_t SIZES[GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t < GGUF_TYPE_COUNT ? SIZES[t] : 0;
}

static bool is_int_type(gguf_value_type t) {
    switch (t) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16:
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64:
        return true;
    default:
        return false;
    }
}

/* Reads an integer value; exactly one of *s (signed types) or *u is set. */
static void read_int(gguf_value_type t, const uint8_t *p, bool *is_signed, int64_t *s, uint64_t *u) {
    *is_signed = true;
    switch (t) {
    case GGUF_TYPE_INT8: *s = (int8_t)p[0]; return;
    case GGUF_TYPE_INT16: *s = (int16_t)le16(p); return;
    case GGUF_TYPE_INT32: *s = (int32_t)le32(p); return;
    case GGUF_TYPE_INT64: *s = (int64_t)le64(p); return;
    default: break;
    }
    *is_signed = false;
    switch (t) {
    case GGUF_TYPE_UINT8: *u = p[0]; return;
    case GGUF_TYPE_UINT16: *u = le16(p); return;
    case GGUF_TYPE_UINT32: *u = le32(p); return;
    default: *u = le64(p); return;
    }
}

static bool int_as_i64(gguf_value_type t, const uint8_t *p, int64_t *v) {
    if (!is_int_type(t)) return false;
    bool sgn;
    int64_t s = 0;
    uint64_t u = 0;
    read_int(t, p, &sgn, &s, &u);
    if (!sgn) {
        if (u > (uint64_t)INT64_MAX) return false;
        s = (int64_t)u;
    }
    *v = s;
    return true;
}

static bool float_value(gguf_value_type t, const uint8_t *p, float *v) {
    if (t == GGUF_TYPE_FLOAT32) {
        uint32_t b = le32(p);
        memcpy(v, &b, sizeof *v);
        return true;
    }
    if (t == GGUF_TYPE_FLOAT64) {
        uint64_t b = le64(p);
        double d;
        memcpy(&d, &b, sizeof d);
        *v = (float)d;
        return true;
    }
    return false;
}

static bool str_eq_n(gguf_str a, const char *s, uint64_t n) {
    return a.len == n && (n == 0 || memcmp(a.ptr, s, (size_t)n) == 0);
}

int gguf_name_cmp(gguf_str a, const char *s, uint64_t n) {
    uint64_t m = a.len < n ? a.len : n;
    int c = m ? memcmp(a.ptr, s, (size_t)m) : 0;
    if (c) return c;
    return a.len < n ? -1 : a.len > n;
}

static int cmp_ref(const void *pa, const void *pb) {
    const name_ref *a = pa, *b = pb;
    int c = gguf_name_cmp(a->name, b->name.ptr, b->name.len);
    if (c) return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

void gguf_sort_names(name_ref *v, uint64_t n) {
    if (n > 1) qsort(v, (size_t)n, sizeof *v, cmp_ref);
}

/* Binary search for the first entry named s[0..n). */
static int64_t sorted_find(const name_ref *v, uint64_t count, const char *s, uint64_t n) {
    if (!v) return -1;
    uint64_t lo = 0, hi = count;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (gguf_name_cmp(v[mid].name, s, n) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < count && gguf_name_cmp(v[lo].name, s, n) == 0 ? (int64_t)v[lo].index : -1;
}

int64_t gguf_lookup_kv(const gguf_file *g, const char *s, uint64_t n) {
    return sorted_find(g->kv_sorted, g->n_kv, s, n);
}

int64_t gguf_lookup_tensor(const gguf_file *g, const char *s, uint64_t n) {
    return sorted_find(g->tensor_sorted, g->n_tensors, s, n);
}

uint32_t gguf_version(const gguf_file *g) { return g ? g->version : 0; }
uint32_t gguf_alignment(const gguf_file *g) { return g ? g->alignment : 0; }
uint64_t gguf_data_offset(const gguf_file *g) { return g ? g->data_offset : 0; }
uint64_t gguf_file_size(const gguf_file *g) { return g ? g->file_size : 0; }

int64_t gguf_kv_count(const gguf_file *g) { return g ? (int64_t)g->n_kv : 0; }

int64_t gguf_find_key(const gguf_file *g, const char *key) {
    if (!g || !key) return -1;
    return gguf_lookup_kv(g, key, strlen(key));
}

static const kv_entry *kv_at(const gguf_file *g, int64_t kv) {
    if (!g || kv < 0 || (uint64_t)kv >= g->n_kv) return NULL;
    return &g->kvs[kv];
}

gguf_str gguf_kv_key(const gguf_file *g, int64_t kv) {
    const kv_entry *e = kv_at(g, kv);
    gguf_str none = {NULL, 0};
    return e ? e->key : none;
}

gguf_value_type gguf_kv_type(const gguf_file *g, int64_t kv) {
    const kv_entry *e = kv_at(g, kv);
    return e ? e->type : GGUF_TYPE_COUNT;
}

bool gguf_kv_raw_value(const gguf_file *g, int64_t kv, const uint8_t **bytes, uint64_t *len) {
    const kv_entry *e = kv_at(g, kv);
    if (!e) return false;
    /* A value ends where the next key (or, after the last, the tensor infos) begins. */
    uint64_t start = (uint64_t)(e->val - g->data);
    uint64_t end = (uint64_t)kv + 1 < g->n_kv ? g->kvs[kv + 1].offset : g->tensor_infos_offset;
    if (end < start) return false;
    *bytes = e->val;
    *len = end - start;
    return true;
}

bool gguf_kv_get_i64(const gguf_file *g, int64_t kv, int64_t *v) {
    const kv_entry *e = kv_at(g, kv);
    return e && int_as_i64(e->type, e->val, v);
}

bool gguf_kv_get_u64(const gguf_file *g, int64_t kv, uint64_t *v) {
    const kv_entry *e = kv_at(g, kv);
    if (!e || !is_int_type(e->type)) return false;
    bool sgn;
    int64_t s = 0;
    uint64_t u = 0;
    read_int(e->type, e->val, &sgn, &s, &u);
    if (sgn) {
        if (s < 0) return false;
        u = (uint64_t)s;
    }
    *v = u;
    return true;
}

bool gguf_kv_get_u32(const gguf_file *g, int64_t kv, uint32_t *v) {
    uint64_t u;
    if (!gguf_kv_get_u64(g, kv, &u) || u > UINT32_MAX) return false;
    *v = (uint32_t)u;
    return true;
}

bool gguf_kv_get_f32(const gguf_file *g, int64_t kv, float *v) {
    const kv_entry *e = kv_at(g, kv);
    return e && float_value(e->type, e->val, v);
}

bool gguf_kv_get_bool(const gguf_file *g, int64_t kv, bool *v) {
    const kv_entry *e = kv_at(g, kv);
    if (!e || e->type != GGUF_TYPE_BOOL) return false;
    *v = e->val[0] != 0;
    return true;
}

bool gguf_kv_get_str(const gguf_file *g, int64_t kv, gguf_str *v) {
    const kv_entry *e = kv_at(g, kv);
    if (!e || e->type != GGUF_TYPE_STRING) return false;
    v->len = le64(e->val);
    v->ptr = (const char *)e->val + 8;
    return true;
}

static void array_from_node(const arr_node *n, gguf_array *arr) {
    arr->elem_type = n->elem_type;
    arr->len = n->len;
    arr->data = n->data;
    arr->str_offsets = n->str_offsets;
    arr->nested = n->children;
}

bool gguf_kv_get_array(const gguf_file *g, int64_t kv, gguf_array *arr) {
    const kv_entry *e = kv_at(g, kv);
    if (!e || e->type != GGUF_TYPE_ARRAY) return false;
    array_from_node(&e->arr, arr);
    return true;
}

bool gguf_array_get_str(const gguf_array *arr, uint64_t i, gguf_str *v) {
    if (!arr || arr->elem_type != GGUF_TYPE_STRING || i >= arr->len || !arr->str_offsets) return false;
    const uint8_t *p = arr->data + arr->str_offsets[i];
    v->len = le64(p);
    v->ptr = (const char *)p + 8;
    return true;
}

bool gguf_array_get_i64(const gguf_array *arr, uint64_t i, int64_t *v) {
    if (!arr || i >= arr->len || !is_int_type(arr->elem_type)) return false;
    return int_as_i64(arr->elem_type, arr->data + i * gguf_value_size(arr->elem_type), v);
}

bool gguf_array_get_f32(const gguf_array *arr, uint64_t i, float *v) {
    if (!arr || i >= arr->len) return false;
    uint32_t es = gguf_value_size(arr->elem_type);
    return es && float_value(arr->elem_type, arr->data + i * es, v);
}

bool gguf_array_get_array(const gguf_array *arr, uint64_t i, gguf_array *sub) {
    if (!arr || arr->elem_type != GGUF_TYPE_ARRAY || i >= arr->len || !arr->nested) return false;
    array_from_node(&((const arr_node *)arr->nested)[i], sub);
    return true;
}

bool gguf_get_str(const gguf_file *g, const char *key, gguf_str *v) {
    return gguf_kv_get_str(g, gguf_find_key(g, key), v);
}
bool gguf_get_u32(const gguf_file *g, const char *key, uint32_t *v) {
    return gguf_kv_get_u32(g, gguf_find_key(g, key), v);
}
bool gguf_get_f32(const gguf_file *g, const char *key, float *v) {
    return gguf_kv_get_f32(g, gguf_find_key(g, key), v);
}
bool gguf_get_bool(const gguf_file *g, const char *key, bool *v) {
    return gguf_kv_get_bool(g, gguf_find_key(g, key), v);
}
bool gguf_get_array(const gguf_file *g, const char *key, gguf_array *arr) {
    return gguf_kv_get_array(g, gguf_find_key(g, key), arr);
}

int64_t gguf_tensor_count(const gguf_file *g) { return g ? (int64_t)g->n_tensors : 0; }

int64_t gguf_find_tensor(const gguf_file *g, const char *name) {
    if (!g || !name) return -1;
    return gguf_lookup_tensor(g, name, strlen(name));
}

const gguf_tensor_info *gguf_tensor(const gguf_file *g, int64_t i) {
    if (!g || i < 0 || (uint64_t)i >= g->n_tensors) return NULL;
    return &g->tensors[i];
}

bool gguf_str_eq(gguf_str a, const char *s) { return s && str_eq_n(a, s, strlen(s)); }
