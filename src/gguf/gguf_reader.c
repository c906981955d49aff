/* GGUF v2/v3 reader: one sequential pass over the header that validates
 * every field before it is used and builds an index of views into the
 * caller's bytes.
 *
 * Layout (little-endian throughout):
 *   magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
 *   n_kv x      { string key | u32 value type | value }
 *   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 type | u64 offset }
 *   padding to `general.alignment` (default 32) | tensor data
 * A string is u64 length + bytes; an array is u32 element type + u64 count +
 * elements (arrays may hold arrays).
 *
 * Bounds are checked against two limits: `size` (the whole file) decides
 * whether something is malformed (WICK_ERR_FORMAT), `len` (the prefix we
 * were given) whether we must ask for more (WICK_ERR_NEED_MORE_DATA). Every
 * count is checked against the bytes its items need at minimum before any
 * loop or allocation, and the index grows only as items are actually
 * parsed, so memory is proportional to the header, never to a count. */
#include "gguf/gguf_internal.h"

#include "core/status.h"
#include "gguf/ggml_types.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GGUF_MAX_NESTING 16        /* arrays inside arrays, levels */
#define GGUF_KV_MIN_BYTES 12       /* u64 key length + u32 type (empty key, empty value) */
#define GGUF_TENSOR_MIN_BYTES 24   /* u64 name length + u32 n_dims + u32 type + u64 offset */
#define GGUF_MIN_FETCH (64 * 1024) /* asking for less than this saves no round trip */

/* --------------------------------------------------------------- helpers */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b) {
    return (b && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}

/* The fewest bytes one value of type t can take in the file. */
static uint64_t value_min_size(uint32_t t) {
    if (t == GGUF_TYPE_STRING) return 8;
    if (t == GGUF_TYPE_ARRAY) return 12;
    return gguf_value_size(t);
}

static const char *value_type_name(uint32_t t) {
    static const char *const NAMES[GGUF_TYPE_COUNT] = {
        "uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
        "bool",  "string", "array",  "uint64", "int64",  "float64"};
    return t < GGUF_TYPE_COUNT ? NAMES[t] : "unknown";
}

#define ARENA_HDR ((sizeof(arena_blk) + 15) & ~(size_t)15) /* keeps blocks 16-aligned */
#define ARENA_BLOCK 16384

static void *arena_alloc(gguf_file *g, size_t n) {
    n = (n + 15) & ~(size_t)15;
    arena_blk *b = g->arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        if (cap > SIZE_MAX - ARENA_HDR) return NULL;
        b = malloc(ARENA_HDR + cap);
        if (!b) return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = g->arena;
        g->arena = b;
    }
    void *p = (uint8_t *)b + ARENA_HDR + b->used;
    b->used += n;
    return p;
}

/* Returns `arr` (of *cap elements of `size` bytes) grown to hold n
 * elements, or NULL (arr untouched) when memory runs out. Doubling keeps
 * the index proportional to what was actually parsed. */
static void *grow(void *arr, uint64_t *cap, uint64_t n, size_t size) {
    if (n <= *cap) return arr;
    uint64_t c = *cap ? *cap * 2 : 16;
    if (c < n) c = n;
    if (c > SIZE_MAX / size) return NULL;
    void *p = realloc(arr, (size_t)c * size);
    if (p) *cap = c;
    return p;
}

/* Sorts names[0..n) for lookups. *dup receives the lowest index whose name
 * repeats an earlier one (and *first that earlier index), or -1. */
static bool sort_names(name_ref **out, const gguf_str *(*name_at)(const gguf_file *, uint64_t),
                       const gguf_file *g, uint64_t n, int64_t *dup, int64_t *first) {
    *dup = *first = -1;
    if (n == 0) return true;
    if (n > SIZE_MAX / sizeof(name_ref)) return false;
    name_ref *v = malloc((size_t)n * sizeof *v);
    if (!v) return false;
    for (uint64_t i = 0; i < n; i++) {
        v[i].name = *name_at(g, i);
        v[i].index = i;
    }
    gguf_sort_names(v, n);
    /* equal names are adjacent, in index order: v[i] repeats the group's first */
    uint64_t group = 0;
    for (uint64_t i = 1; i < n; i++) {
        if (gguf_name_cmp(v[i].name, v[group].name.ptr, v[group].name.len) != 0) {
            group = i;
        } else if (*dup < 0 || v[i].index < (uint64_t)*dup) {
            *dup = (int64_t)v[i].index;
            *first = (int64_t)v[group].index;
        }
    }
    *out = v;
    return true;
}

static const gguf_str *kv_name_at(const gguf_file *g, uint64_t i) { return &g->kvs[i].key; }
static const gguf_str *tensor_name_at(const gguf_file *g, uint64_t i) { return &g->tensors[i].name; }

/* ---------------------------------------------------------------- reader */

typedef struct arr_frame {
    uint64_t start, count, index; /* where the elements begin; element being read */
    uint64_t min_elem;
} arr_frame;

typedef struct reader {
    const uint8_t *data;
    uint64_t len;  /* bytes available */
    uint64_t size; /* bytes in the file */
    uint64_t pos;
    const char *src;
    wick_error *err;
    gguf_file *g;
    /* What is being read, for messages ("metadata key 3 (\"x\") at byte 120");
     * formatted only when something fails. kind NULL: nothing specific. */
    const char *ctx_kind;
    uint64_t ctx_index, ctx_at;
    gguf_str ctx_name; /* ptr NULL: not read yet */
    bool ctx_item;     /* false: ctx_kind alone ("header") */
    /* for estimating the header's end when the prefix runs out */
    arr_frame frames[GGUF_MAX_NESTING + 1];
    int depth;
    uint64_t kv_left, tensors_left, tensors_start, tensors_done;
    uint64_t need;
} reader;

/* Appends a printable, truncated rendering of a name from the file. */
static void quote_name(char *out, size_t cap, gguf_str s) {
    size_t o = 0;
    if (cap < 8) return;
    out[o++] = '"';
    for (uint64_t i = 0; i < s.len && o + 6 < cap; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (i >= 64) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out[o++] = (char)c;
        } else {
            snprintf(out + o, cap - o, "\\x%02x", c);
            o += 4;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

static wick_status fail(reader *r, wick_status code, const char *fmt, ...) WICK_PRINTF(3, 4);
static wick_status fail(reader *r, wick_status code, const char *fmt, ...) {
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *src = r->src ? r->src : "";
    const char *sep = r->src ? ": " : "";
    if (!r->ctx_kind) return wick_error_set(r->err, code, "%s%s%s", src, sep, msg);
    char q[96] = "";
    if (r->ctx_name.ptr) quote_name(q, sizeof q, r->ctx_name);
    if (!r->ctx_item)
        return wick_error_set(r->err, code, "%s%s%s: %s", src, sep, r->ctx_kind, msg);
    return wick_error_set(r->err, code, "%s%s%s %llu%s%s%s at byte %llu: %s", src, sep, r->ctx_kind,
                          (unsigned long long)r->ctx_index, q[0] ? " (" : "", q, q[0] ? ")" : "",
                          (unsigned long long)r->ctx_at, msg);
}

/* Describes the array element being read, for messages: "element 5 at byte 900: " */
static void element_path(const reader *r, char *out, size_t cap) {
    out[0] = '\0';
    if (r->depth == 0) return;
    size_t o = (size_t)snprintf(out, cap, "element ");
    for (int d = 0; d < r->depth && o < cap; d++)
        o += (size_t)snprintf(out + o, cap - o, "%s%llu", d ? "." : "",
                              (unsigned long long)r->frames[d].index);
    if (o < cap) snprintf(out + o, cap - o, " at byte %llu: ", (unsigned long long)r->pos);
}

/* Where the header probably ends, from what has been read so far. */
static uint64_t estimate_header_end(const reader *r, uint64_t atom_end) {
    uint64_t est = atom_end;
    for (int d = r->depth - 1; d >= 0; d--) {
        const arr_frame *f = &r->frames[d];
        uint64_t avg = f->min_elem;
        if (f->index > 0 && (r->pos - f->start) / f->index > avg) avg = (r->pos - f->start) / f->index;
        est = sat_add(est, sat_mul(f->count - f->index - 1, avg));
    }
    est = sat_add(est, sat_mul(r->kv_left, GGUF_KV_MIN_BYTES));
    uint64_t tavg = GGUF_TENSOR_MIN_BYTES;
    if (r->tensors_done > 0 && (r->pos - r->tensors_start) / r->tensors_done > tavg)
        tavg = (r->pos - r->tensors_start) / r->tensors_done;
    return sat_add(est, sat_mul(r->tensors_left, tavg));
}

/* Ensures n bytes at r->pos: FORMAT past the end of the file, NEED_MORE_DATA
 * past the end of the prefix (with r->need set to a useful prefix length). */
static wick_status require(reader *r, uint64_t n, const char *what) {
    if (n <= r->len - r->pos) return WICK_OK;
    if (n > r->size - r->pos) {
        char path[96];
        element_path(r, path, sizeof path);
        return fail(r, WICK_ERR_FORMAT,
                    "%s%s at byte %llu needs %llu bytes, but the file ends at byte %llu", path,
                    what, (unsigned long long)r->pos, (unsigned long long)n,
                    (unsigned long long)r->size);
    }
    uint64_t atom_end = r->pos + n;
    uint64_t est = estimate_header_end(r, atom_end);
    /* Some slack so an estimate that is a little short does not cost a round trip. */
    uint64_t need = sat_add(est, (est - r->len) / 8);
    if (need < atom_end) need = atom_end;
    /* Never grow by less than GGUF_MIN_FETCH or than doubling: the rounds stay
     * logarithmic even when the estimate is poor. Fetching past the header
     * wastes nothing, as the tensor data follows it. */
    if (need < sat_add(r->len, GGUF_MIN_FETCH)) need = sat_add(r->len, GGUF_MIN_FETCH);
    if (need < sat_mul(r->len, 2)) need = sat_mul(r->len, 2);
    if (need > r->size) need = r->size;
    r->need = need;
    return WICK_ERR_NEED_MORE_DATA;
}

#define TRY(expr)                                                                            \
    do {                                                                                     \
        wick_status st_ = (expr);                                                            \
        if (st_ != WICK_OK) return st_;                                                      \
    } while (0)

static wick_status read_u32(reader *r, uint32_t *v, const char *what) {
    TRY(require(r, 4, what));
    *v = le32(r->data + r->pos);
    r->pos += 4;
    return WICK_OK;
}

static wick_status read_u64(reader *r, uint64_t *v, const char *what) {
    TRY(require(r, 8, what));
    *v = le64(r->data + r->pos);
    r->pos += 8;
    return WICK_OK;
}

/* A u64 length and that many bytes. `len_what` names the length field. */
static wick_status read_string(reader *r, gguf_str *s, const char *what, const char *len_what) {
    uint64_t at = r->pos;
    uint64_t n;
    TRY(read_u64(r, &n, len_what));
    if (n > r->size - r->pos) {
        char path[96];
        r->pos = at;
        element_path(r, path, sizeof path);
        return fail(r, WICK_ERR_FORMAT, "%s%s length %llu exceeds the remaining %llu bytes", path,
                    what, (unsigned long long)n, (unsigned long long)(r->size - at - 8));
    }
    TRY(require(r, n, what));
    s->ptr = (const char *)r->data + r->pos;
    s->len = n;
    r->pos += n;
    return WICK_OK;
}

static wick_status check_value_type(reader *r, uint32_t t, const char *what) {
    if (t >= GGUF_TYPE_COUNT) {
        char path[96];
        r->pos -= 4;
        element_path(r, path, sizeof path);
        return fail(r, WICK_ERR_FORMAT, "%s%s %u at byte %llu is not a GGUF value type (0..12)",
                    path, what, t, (unsigned long long)r->pos);
    }
    return WICK_OK;
}

/* Checks that `count` elements of type t fit in the rest of the file. */
static wick_status check_count(reader *r, uint32_t t, uint64_t count) {
    uint64_t min = value_min_size(t);
    if (count > (r->size - r->pos) / min) {
        char path[96];
        element_path(r, path, sizeof path);
        return fail(r, WICK_ERR_FORMAT,
                    "%sarray of %llu %s elements (at least %llu bytes each) exceeds the remaining "
                    "%llu bytes",
                    path, (unsigned long long)count, value_type_name(t), (unsigned long long)min,
                    (unsigned long long)(r->size - r->pos));
    }
    return WICK_OK;
}

static wick_status check_bools(reader *r, const uint8_t *p, uint64_t n) {
    for (uint64_t i = 0; i < n; i++)
        if (p[i] > 1) {
            char path[96];
            uint64_t save = r->pos;
            r->pos = (uint64_t)(p + i - r->data);
            element_path(r, path, sizeof path);
            wick_status st = fail(r, WICK_ERR_FORMAT, "%sbool value %u at byte %llu (expected 0 or 1)",
                                  path, p[i], (unsigned long long)(p + i - r->data));
            r->pos = save;
            return st;
        }
    return WICK_OK;
}

/* Pass 1: validates `count` elements of type t starting at r->pos and moves
 * past them. Allocates nothing. `level` is 1 for a metadata value's array,
 * 2 for arrays inside it, ... */
static wick_status scan_array(reader *r, uint32_t t, uint64_t count, int level) {
    if (level > GGUF_MAX_NESTING) {
        char path[96];
        element_path(r, path, sizeof path);
        return fail(r, WICK_ERR_FORMAT, "%sarrays nested deeper than %d levels", path,
                    GGUF_MAX_NESTING);
    }
    TRY(check_count(r, t, count));
    uint32_t esize = gguf_value_size(t);
    if (esize) {
        TRY(require(r, count * esize, "array data"));
        if (t == GGUF_TYPE_BOOL) TRY(check_bools(r, r->data + r->pos, count));
        r->pos += count * esize;
        return WICK_OK;
    }
    arr_frame *f = &r->frames[r->depth++];
    f->start = r->pos;
    f->count = count;
    f->min_elem = value_min_size(t);
    f->index = 0;
    if (t == GGUF_TYPE_STRING) {
        /* Fast path (vocabularies have 10^5 strings): while whole strings fit
         * in the prefix; read_string below reports whatever stops it. */
        uint64_t p = r->pos, avail = r->len;
        for (; f->index < count && avail - p >= 8; f->index++) {
            uint64_t n = le64(r->data + p);
            if (n > avail - p - 8) break;
            p += 8 + n;
        }
        r->pos = p;
    }
    for (; f->index < count; f->index++) {
        if (t == GGUF_TYPE_STRING) {
            gguf_str s;
            TRY(read_string(r, &s, "string", "string length"));
        } else {
            uint32_t et;
            uint64_t n;
            TRY(read_u32(r, &et, "nested array element type"));
            TRY(check_value_type(r, et, "nested array element type"));
            TRY(read_u64(r, &n, "nested array length"));
            TRY(scan_array(r, et, n, level + 1));
        }
    }
    r->depth--;
    return WICK_OK;
}

/* Pass 2 (after scan_array succeeded on the same bytes): fills `node` and
 * returns the offset just past the array. */
static wick_status build_array(reader *r, arr_node *node, uint32_t t, uint64_t count, uint64_t at,
                               uint64_t *end) {
    node->elem_type = (gguf_value_type)t;
    node->len = count;
    node->data = r->data + at;
    node->str_offsets = NULL;
    node->children = NULL;
    uint32_t esize = gguf_value_size(t);
    if (esize) {
        *end = at + count * esize;
        return WICK_OK;
    }
    if (count == 0) {
        *end = at;
        return WICK_OK;
    }
    size_t item = t == GGUF_TYPE_STRING ? sizeof(uint64_t) : sizeof(arr_node);
    if (count > SIZE_MAX / item) return fail(r, WICK_ERR_NOMEM, "array index too large");
    void *mem = arena_alloc(r->g, (size_t)count * item);
    if (!mem) return fail(r, WICK_ERR_NOMEM, "out of memory for an array of %llu elements",
                          (unsigned long long)count);
    uint64_t p = at;
    if (t == GGUF_TYPE_STRING) {
        uint64_t *offs = mem;
        for (uint64_t i = 0; i < count; i++) {
            offs[i] = p - at;
            p += 8 + le64(r->data + p);
        }
        node->str_offsets = offs;
    } else {
        arr_node *kids = mem;
        for (uint64_t i = 0; i < count; i++) {
            uint32_t et = le32(r->data + p);
            uint64_t n = le64(r->data + p + 4);
            TRY(build_array(r, &kids[i], et, n, p + 12, &p));
        }
        node->children = kids;
    }
    *end = p;
    return WICK_OK;
}

/* ------------------------------------------------------------ the header */

static wick_status parse_preamble(reader *r, uint64_t *n_tensors, uint64_t *n_kv) {
    r->ctx_kind = "header";
    r->ctx_item = false;
    if (r->size < 4)
        return fail(r, WICK_ERR_FORMAT, "the file is %llu bytes, too short to be a GGUF file",
                    (unsigned long long)r->size);
    TRY(require(r, 4, "the magic number"));
    const uint8_t *m = r->data;
    if (memcmp(m, "GGUF", 4) != 0) {
        if (!memcmp(m, "lmgg", 4) || !memcmp(m, "fmgg", 4) || !memcmp(m, "tjgg", 4))
            return fail(r, WICK_ERR_UNSUPPORTED,
                        "a legacy GGML/GGJT file, not GGUF; convert it with llama.cpp");
        return fail(r, WICK_ERR_FORMAT,
                    "not a GGUF file: the first 4 bytes are %02x %02x %02x %02x (expected \"GGUF\")",
                    m[0], m[1], m[2], m[3]);
    }
    r->pos = 4;
    uint32_t version;
    TRY(read_u32(r, &version, "the version"));
    if (version != 2 && version != 3) {
        uint32_t swapped = (version >> 24) | ((version >> 8) & 0xff00) | ((version << 8) & 0xff0000) |
                           (version << 24);
        if ((version & 0xffff) == 0 && swapped >= 1 && swapped <= 3)
            return fail(r, WICK_ERR_UNSUPPORTED,
                        "a big-endian GGUF file (version %u byte-swapped); only little-endian "
                        "files are supported",
                        swapped);
        if (version == 1)
            return fail(r, WICK_ERR_UNSUPPORTED,
                        "GGUF version 1 is not supported (it used 32-bit counts); convert the "
                        "file again with a current llama.cpp");
        return fail(r, WICK_ERR_UNSUPPORTED,
                    "GGUF version %u at byte 4 is not supported (expected 2 or 3)", version);
    }
    r->g->version = version;
    TRY(read_u64(r, n_tensors, "the tensor count"));
    TRY(read_u64(r, n_kv, "the metadata key count"));
    uint64_t rest = r->size - r->pos;
    if (*n_kv > rest / GGUF_KV_MIN_BYTES)
        return fail(r, WICK_ERR_FORMAT,
                    "metadata key count %llu at byte 16 needs at least %llu bytes, but only %llu "
                    "remain in the file",
                    (unsigned long long)*n_kv,
                    (unsigned long long)sat_mul(*n_kv, GGUF_KV_MIN_BYTES), (unsigned long long)rest);
    rest -= *n_kv * GGUF_KV_MIN_BYTES;
    if (*n_tensors > rest / GGUF_TENSOR_MIN_BYTES)
        return fail(r, WICK_ERR_FORMAT,
                    "tensor count %llu at byte 8 needs at least %llu bytes of tensor infos, but "
                    "only %llu remain in the file after the metadata",
                    (unsigned long long)*n_tensors,
                    (unsigned long long)sat_mul(*n_tensors, GGUF_TENSOR_MIN_BYTES),
                    (unsigned long long)rest);
    return WICK_OK;
}

static void set_item_ctx(reader *r, const char *kind, uint64_t i, const gguf_str *name, uint64_t at) {
    r->ctx_kind = kind;
    r->ctx_item = true;
    r->ctx_index = i;
    r->ctx_at = at;
    r->ctx_name.ptr = name ? name->ptr : NULL;
    r->ctx_name.len = name ? name->len : 0;
}

static wick_status parse_kv(reader *r, uint64_t i) {
    gguf_file *g = r->g;
    uint64_t at = r->pos;
    r->depth = 0;
    set_item_ctx(r, "metadata key", i, NULL, at);
    gguf_str key;
    TRY(read_string(r, &key, "key", "key length"));
    set_item_ctx(r, "metadata key", i, &key, at);
    uint32_t type;
    TRY(read_u32(r, &type, "value type"));
    TRY(check_value_type(r, type, "value type"));

    kv_entry e = {key, (gguf_value_type)type, at, r->data + r->pos, {0}};
    uint32_t esize = gguf_value_size(type);
    if (esize) {
        TRY(require(r, esize, value_type_name(type)));
        if (type == GGUF_TYPE_BOOL) TRY(check_bools(r, r->data + r->pos, 1));
        r->pos += esize;
    } else if (type == GGUF_TYPE_STRING) {
        gguf_str s;
        TRY(read_string(r, &s, "string value", "string length"));
    } else {
        uint32_t et;
        uint64_t n;
        TRY(read_u32(r, &et, "array element type"));
        TRY(check_value_type(r, et, "array element type"));
        TRY(read_u64(r, &n, "array length"));
        uint64_t start = r->pos, end;
        TRY(scan_array(r, et, n, 1));
        TRY(build_array(r, &e.arr, et, n, start, &end));
    }

    kv_entry *kvs = grow(g->kvs, &g->kv_cap, g->n_kv + 1, sizeof *g->kvs);
    if (!kvs) return fail(r, WICK_ERR_NOMEM, "out of memory");
    g->kvs = kvs;
    g->kvs[g->n_kv++] = e;
    return WICK_OK;
}

static wick_status read_alignment(reader *r) {
    gguf_file *g = r->g;
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    int64_t k = gguf_find_key(g, "general.alignment");
    if (k < 0) return WICK_OK;
    const kv_entry *e = &g->kvs[k];
    set_item_ctx(r, "metadata key", (uint64_t)k, &e->key, e->offset);
    if (e->type != GGUF_TYPE_UINT32)
        return fail(r, WICK_ERR_FORMAT, "expected a uint32, got %s", value_type_name(e->type));
    uint32_t a = le32(e->val);
    if (a == 0 || (a & (a - 1)) != 0)
        return fail(r, WICK_ERR_FORMAT, "alignment %u is not a non-zero power of two", a);
    g->alignment = a;
    return WICK_OK;
}

static wick_status parse_tensor_info(reader *r, uint64_t i) {
    gguf_file *g = r->g;
    uint64_t at = r->pos;
    r->depth = 0;
    set_item_ctx(r, "tensor", i, NULL, at);
    gguf_tensor_info t;
    memset(&t, 0, sizeof t);
    TRY(read_string(r, &t.name, "name", "name length"));
    set_item_ctx(r, "tensor", i, &t.name, at);
    if (t.name.len == 0) return fail(r, WICK_ERR_FORMAT, "empty tensor name");

    uint64_t dims_at = r->pos;
    TRY(read_u32(r, &t.n_dims, "n_dims"));
    if (t.n_dims == 0 || t.n_dims > GGUF_MAX_DIMS)
        return fail(r, WICK_ERR_FORMAT, "n_dims %u at byte %llu is out of range (1..%d)", t.n_dims,
                    (unsigned long long)dims_at, GGUF_MAX_DIMS);
    TRY(require(r, 8ull * t.n_dims, "dimensions"));
    uint64_t n_el = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        t.ne[d] = 1;
        if (d >= t.n_dims) continue;
        uint64_t ne = le64(r->data + r->pos + 8ull * d);
        if (ne == 0 || ne > (uint64_t)INT64_MAX)
            return fail(r, WICK_ERR_FORMAT, "ne[%u] = %llu at byte %llu (expected 1..2^63-1)", d,
                        (unsigned long long)ne, (unsigned long long)(r->pos + 8ull * d));
        if (n_el > (uint64_t)INT64_MAX / ne)
            return fail(r, WICK_ERR_FORMAT, "the element count overflows int64 at ne[%u] = %llu", d,
                        (unsigned long long)ne);
        n_el *= ne;
        t.ne[d] = ne;
    }
    r->pos += 8ull * t.n_dims;
    t.n_elements = n_el;

    uint64_t type_at = r->pos;
    TRY(read_u32(r, &t.type, "type"));
    const ggml_type_traits *tt = ggml_type_get(t.type);
    if (!tt)
        return fail(r, WICK_ERR_FORMAT,
                    "type id %u at byte %llu is not a known ggml type (retired, or newer than Wick)",
                    t.type, (unsigned long long)type_at);
    if (t.ne[0] % tt->block_size != 0)
        return fail(r, WICK_ERR_FORMAT, "ne[0] = %llu is not a multiple of the %s block size %u",
                    (unsigned long long)t.ne[0], tt->name, tt->block_size);
    uint64_t row;
    if (!ggml_type_row_bytes(t.type, t.ne[0], &row) || (n_el / t.ne[0]) > UINT64_MAX / row)
        return fail(r, WICK_ERR_FORMAT, "the data size overflows 64 bits");
    t.size = row * (n_el / t.ne[0]);

    uint64_t off_at = r->pos;
    TRY(read_u64(r, &t.offset, "data offset"));
    if (t.offset % g->alignment != 0)
        return fail(r, WICK_ERR_FORMAT, "data offset %llu at byte %llu is not a multiple of the alignment %u",
                    (unsigned long long)t.offset, (unsigned long long)off_at, g->alignment);

    gguf_tensor_info *ts = grow(g->tensors, &g->tensor_cap, g->n_tensors + 1, sizeof *g->tensors);
    if (!ts) return fail(r, WICK_ERR_NOMEM, "out of memory");
    g->tensors = ts;
    g->tensors[g->n_tensors++] = t; /* offset is relative until the data section is known */
    return WICK_OK;
}

static int cmp_by_offset(const void *a, const void *b) {
    const gguf_tensor_info *x = *(const gguf_tensor_info *const *)a;
    const gguf_tensor_info *y = *(const gguf_tensor_info *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Tensor data: inside the file and no two tensors overlapping. */
static wick_status place_tensors(reader *r) {
    gguf_file *g = r->g;
    r->ctx_kind = NULL;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        gguf_tensor_info *t = &g->tensors[i];
        char q[96];
        quote_name(q, sizeof q, t->name);
        uint64_t rel = t->offset;
        if (rel > UINT64_MAX - g->data_offset || t->size > UINT64_MAX - (g->data_offset + rel) ||
            g->data_offset + rel + t->size > g->file_size)
            return fail(r, WICK_ERR_FORMAT,
                        "tensor %llu (%s): data [offset %llu, %llu bytes] extends past the end of "
                        "the file (%llu bytes)",
                        (unsigned long long)i, q, (unsigned long long)sat_add(g->data_offset, rel),
                        (unsigned long long)t->size, (unsigned long long)g->file_size);
        t->offset = g->data_offset + rel;
    }
    if (g->n_tensors < 2) return WICK_OK;
    gguf_tensor_info **order = malloc((size_t)g->n_tensors * sizeof *order);
    if (!order) return fail(r, WICK_ERR_NOMEM, "out of memory");
    for (uint64_t i = 0; i < g->n_tensors; i++) order[i] = &g->tensors[i];
    qsort(order, (size_t)g->n_tensors, sizeof *order, cmp_by_offset);
    wick_status st = WICK_OK;
    for (uint64_t i = 1; i < g->n_tensors; i++) {
        const gguf_tensor_info *a = order[i - 1], *b = order[i];
        if (a->offset + a->size > b->offset) {
            /* name the later one in file order */
            if (a > b) {
                const gguf_tensor_info *tmp = a;
                a = b;
                b = tmp;
            }
            char qa[96], qb[96];
            quote_name(qa, sizeof qa, a->name);
            quote_name(qb, sizeof qb, b->name);
            st = fail(r, WICK_ERR_FORMAT,
                      "tensor %llu (%s): data [offset %llu, %llu bytes] overlaps tensor %llu (%s) "
                      "[offset %llu, %llu bytes]",
                      (unsigned long long)(b - g->tensors), qb, (unsigned long long)b->offset,
                      (unsigned long long)b->size, (unsigned long long)(a - g->tensors), qa,
                      (unsigned long long)a->offset, (unsigned long long)a->size);
            break;
        }
    }
    free(order);
    return st;
}

static wick_status parse_all(reader *r) {
    gguf_file *g = r->g;
    uint64_t n_tensors, n_kv;
    TRY(parse_preamble(r, &n_tensors, &n_kv));
    r->tensors_left = n_tensors;
    for (uint64_t i = 0; i < n_kv; i++) {
        r->kv_left = n_kv - i - 1;
        TRY(parse_kv(r, i));
    }
    int64_t dup, first;
    if (!sort_names(&g->kv_sorted, kv_name_at, g, g->n_kv, &dup, &first))
        return fail(r, WICK_ERR_NOMEM, "out of memory");
    if (dup >= 0) {
        const kv_entry *e = &g->kvs[dup];
        set_item_ctx(r, "metadata key", (uint64_t)dup, &e->key, e->offset);
        return fail(r, WICK_ERR_FORMAT, "duplicate key (first defined by metadata key %lld at byte %llu)",
                    (long long)first, (unsigned long long)g->kvs[first].offset);
    }
    TRY(read_alignment(r));
    r->tensors_start = r->pos;
    g->tensor_infos_offset = r->pos;
    for (uint64_t i = 0; i < n_tensors; i++) {
        r->tensors_done = i;
        r->tensors_left = n_tensors - i - 1;
        TRY(parse_tensor_info(r, i));
    }
    if (!sort_names(&g->tensor_sorted, tensor_name_at, g, g->n_tensors, &dup, &first))
        return fail(r, WICK_ERR_NOMEM, "out of memory");
    if (dup >= 0) {
        const gguf_tensor_info *t = &g->tensors[dup];
        /* a tensor info starts with its name's u64 length */
        set_item_ctx(r, "tensor", (uint64_t)dup, &t->name, (uint64_t)((const uint8_t *)t->name.ptr - r->data) - 8);
        return fail(r, WICK_ERR_FORMAT, "duplicate tensor name (first used by tensor %lld)", (long long)first);
    }
    /* The data section starts at the next multiple of the alignment. */
    uint64_t pad = (g->alignment - r->pos % g->alignment) % g->alignment;
    if (pad > UINT64_MAX - r->pos) {
        r->ctx_kind = NULL;
        return fail(r, WICK_ERR_FORMAT, "data section offset overflows");
    }
    g->data_offset = r->pos + pad;
    return place_tensors(r);
}

wick_status gguf_parse(const uint8_t *data, size_t len, uint64_t file_size, const char *source_name,
                       gguf_file **out, uint64_t *need_bytes, wick_error *err) {
    if (out) *out = NULL;
    if (need_bytes) *need_bytes = 0;
    if (!out) return wick_error_set(err, WICK_ERR_INVALID_ARG, "gguf_parse: out is NULL");
    if (!data && len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "gguf_parse: data is NULL");
    if ((uint64_t)len > file_size)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "gguf_parse: %zu bytes given but the file is only %llu bytes", len,
                              (unsigned long long)file_size);
    gguf_file *g = calloc(1, sizeof *g);
    if (!g) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    g->data = data;
    g->file_size = file_size;
    g->alignment = GGUF_DEFAULT_ALIGNMENT;

    reader r;
    memset(&r, 0, sizeof r);
    r.data = data;
    r.len = len;
    r.size = file_size;
    r.src = source_name;
    r.err = err;
    r.g = g;
    wick_status st = parse_all(&r);
    if (st == WICK_ERR_NEED_MORE_DATA) {
        if (need_bytes) *need_bytes = r.need;
        wick_error_set(err, st, "%s%sthe header continues past the %zu bytes given; %llu needed",
                       source_name ? source_name : "", source_name ? ": " : "", len,
                       (unsigned long long)r.need);
    }
    if (st != WICK_OK) {
        gguf_free(g);
        return st;
    }
    if (need_bytes) *need_bytes = g->data_offset < file_size ? g->data_offset : file_size;
    *out = g;
    return WICK_OK;
}

void gguf_free(gguf_file *g) {
    if (!g) return;
    for (arena_blk *b = g->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(g->kvs);
    free(g->tensors);
    free(g->kv_sorted);
    free(g->tensor_sorted);
    free(g);
}

