/* JSON parser (RFC 8259, strict) and tree builders. The writer is in
 * json_write.c.
 *
 * Memory: every value, string, array and member list lives in the doc's
 * arena (a list of malloc'd chunks), so a parse costs O(input) memory and
 * freeing a doc is one walk over its chunks. While parsing, the items of
 * the arrays/objects still open sit on two temporary stacks and are copied
 * into the arena, at their exact size, when the container closes.
 *
 * Objects with many members (tokenizer.json vocabularies have 150k) get an
 * open-addressing hash index so duplicate keys resolve in O(1) while parsing
 * and json_get() is O(1); small objects are scanned. Duplicate keys behave
 * as Python's json.loads: the member keeps the first key's position and
 * takes the last value.
 *
 * Values must come from json_parse or json_new_*: each is allocated inside
 * a json_node that also holds the container's capacity and hash index.
 *
 * Length (~830 lines): the parser, the builders and the hash index share
 * the arena and the json_node layout; keeping them in one file keeps those
 * private. */
#include "json/json.h"

#include "json/json_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 512
#define ARENA_CHUNK (64 * 1024)
#define INDEX_MIN_MEMBERS 16 /* objects up to this size are scanned linearly */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    /* data follows, aligned */
} arena_chunk;

struct json_doc {
    arena_chunk *chunks;
    json_value *root;
};

/* ------------------------------------------------------------ arena */

#define ARENA_ALIGN 16
#define CHUNK_HDR ((sizeof(arena_chunk) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

static void *arena_alloc(json_doc *doc, size_t n) {
    if (n > SIZE_MAX - 2 * ARENA_ALIGN - CHUNK_HDR) return NULL;
    n = (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    arena_chunk *c = doc->chunks;
    if (!c || c->cap - c->used < n) {
        /* Big requests get a chunk of their own, placed behind the current
         * one so the current chunk's free space is not abandoned. */
        size_t cap = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
        arena_chunk *nc = malloc(CHUNK_HDR + cap);
        if (!nc) return NULL;
        nc->used = 0;
        nc->cap = cap;
        if (c && cap == n) {
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            doc->chunks = nc;
        }
        c = nc;
    }
    void *p = (char *)c + CHUNK_HDR + c->used;
    c->used += n;
    return p;
}

json_doc *json_doc_new(void) {
    json_doc *doc = calloc(1, sizeof *doc);
    return doc;
}

void json_doc_free(json_doc *doc) {
    if (!doc) return;
    arena_chunk *c = doc->chunks;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(doc);
}

const json_value *json_doc_root(const json_doc *doc) { return doc ? doc->root : NULL; }

void json_doc_set_root(json_doc *doc, json_value *root) {
    if (doc) doc->root = root;
}

/* ------------------------------------------------------------ nodes */

static json_node *node_of(const json_value *v) { return (json_node *)(uintptr_t)v; }

static json_value *new_node(json_doc *doc, json_type type) {
    json_node *n = arena_alloc(doc, sizeof *n);
    if (!n) return NULL;
    memset(n, 0, sizeof *n);
    n->v.type = type;
    return &n->v;
}

json_value *json_new_null(json_doc *doc) { return doc ? new_node(doc, JSON_NULL) : NULL; }

json_value *json_new_bool(json_doc *doc, bool b) {
    json_value *v = doc ? new_node(doc, JSON_BOOL) : NULL;
    if (v) v->u.boolean = b;
    return v;
}

json_value *json_new_int(json_doc *doc, int64_t i) {
    json_value *v = doc ? new_node(doc, JSON_NUMBER) : NULL;
    if (v) {
        v->u.number.i = i;
        v->u.number.f = (double)i;
        v->u.number.is_int = true;
    }
    return v;
}

json_value *json_new_float(json_doc *doc, double f) {
    json_value *v = doc ? new_node(doc, JSON_NUMBER) : NULL;
    if (v) v->u.number.f = f;
    return v;
}

static char *arena_strdup(json_doc *doc, const char *s, size_t len) {
    if (len == SIZE_MAX) return NULL;
    char *p = arena_alloc(doc, len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

json_value *json_new_string(json_doc *doc, const char *s, size_t len) {
    if (!doc || (!s && len)) return NULL;
    char *p = arena_strdup(doc, s ? s : "", len);
    if (!p) return NULL;
    json_value *v = new_node(doc, JSON_STRING);
    if (!v) return NULL;
    v->u.string.ptr = p;
    v->u.string.len = len;
    return v;
}

json_value *json_new_array(json_doc *doc) { return doc ? new_node(doc, JSON_ARRAY) : NULL; }
json_value *json_new_object(json_doc *doc) { return doc ? new_node(doc, JSON_OBJECT) : NULL; }

bool json_array_push(json_doc *doc, json_value *arr, json_value *item) {
    if (!doc || !arr || !item || arr->type != JSON_ARRAY) return false;
    json_node *n = node_of(arr);
    if (arr->u.array.len == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 4;
        if (cap > SIZE_MAX / sizeof(json_value *)) return false;
        json_value **items = arena_alloc(doc, cap * sizeof *items);
        if (!items) return false;
        if (arr->u.array.len) memcpy(items, arr->u.array.items, arr->u.array.len * sizeof *items);
        arr->u.array.items = items;
        n->cap = cap;
    }
    arr->u.array.items[arr->u.array.len++] = item;
    return true;
}

/* ------------------------------------------------------- hash index */

static uint64_t hash_key(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Slot for `key` in an index of `cap` (power of two) slots holding member
 * index + 1 (0 = empty): the slot that holds it, or the empty slot where it
 * would go. */
static size_t index_slot(const uint32_t *index, size_t cap, const json_member *members,
                         const char *key, size_t key_len) {
    size_t mask = cap - 1, i = (size_t)hash_key(key, key_len) & mask;
    while (index[i]) {
        const json_member *m = &members[index[i] - 1];
        if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0) return i;
        i = (i + 1) & mask;
    }
    return i;
}

/* Builds an index with room for `want_members` (load <= 1/2) over the
 * object's current members (which must have distinct keys). */
static bool index_build(json_doc *doc, json_value *obj, size_t want_members) {
    json_node *n = node_of(obj);
    size_t cap = 64;
    while (cap / 2 < want_members) {
        if (cap > SIZE_MAX / 4 / sizeof(uint32_t)) return false;
        cap *= 2;
    }
    if (want_members >= UINT32_MAX) return false;
    uint32_t *index = arena_alloc(doc, cap * sizeof *index);
    if (!index) return false;
    memset(index, 0, cap * sizeof *index);
    for (size_t k = 0; k < obj->u.object.len; k++) {
        const json_member *m = &obj->u.object.members[k];
        index[index_slot(index, cap, obj->u.object.members, m->key, m->key_len)] = (uint32_t)k + 1;
    }
    n->index = index;
    n->index_cap = cap;
    return true;
}

static const json_member *find_member(const json_value *obj, const char *key, size_t key_len,
                                      size_t *pos) {
    const json_node *n = node_of(obj);
    const json_member *m = obj->u.object.members;
    if (n->index) {
        size_t s = index_slot(n->index, n->index_cap, m, key, key_len);
        if (!n->index[s]) return NULL;
        if (pos) *pos = n->index[s] - 1;
        return &m[n->index[s] - 1];
    }
    for (size_t k = 0; k < obj->u.object.len; k++) {
        if (m[k].key_len == key_len && memcmp(m[k].key, key, key_len) == 0) {
            if (pos) *pos = k;
            return &m[k];
        }
    }
    return NULL;
}

const json_value *json_get(const json_value *obj, const char *key) {
    if (!obj || !key || obj->type != JSON_OBJECT) return NULL;
    const json_member *m = find_member(obj, key, strlen(key), NULL);
    return m ? m->value : NULL;
}

bool json_object_set(json_doc *doc, json_value *obj, const char *key, size_t key_len,
                     json_value *value) {
    if (!doc || !obj || !value || (!key && key_len) || obj->type != JSON_OBJECT) return false;
    if (!key) key = "";
    size_t pos;
    json_member *members = obj->u.object.members;
    if (find_member(obj, key, key_len, &pos)) {
        members[pos].value = value; /* as a Python dict: keeps its position */
        return true;
    }
    json_node *n = node_of(obj);
    size_t len = obj->u.object.len;
    if (len == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 4;
        if (cap > SIZE_MAX / sizeof(json_member)) return false;
        json_member *grown = arena_alloc(doc, cap * sizeof *grown);
        if (!grown) return false;
        if (len) memcpy(grown, members, len * sizeof *grown);
        obj->u.object.members = members = grown;
        n->cap = cap;
    }
    char *k = arena_strdup(doc, key, key_len);
    if (!k) return false;
    members[len].key = k;
    members[len].key_len = key_len;
    members[len].value = value;
    obj->u.object.len = len + 1;
    if (n->index && (len + 1) <= n->index_cap / 2) {
        n->index[index_slot(n->index, n->index_cap, members, k, key_len)] = (uint32_t)len + 1;
    } else if (len + 1 > INDEX_MIN_MEMBERS) {
        if (!index_build(doc, obj, (len + 1) * 2)) {
            n->index = NULL; /* fall back to scanning; the member is in place */
            n->index_cap = 0;
        }
    }
    return true;
}

/* ------------------------------------------------------------ parser */

typedef struct parser {
    const unsigned char *s;
    size_t len, pos;
    const char *source;
    json_doc *doc;
    wick_error *err;
    /* open containers' items, copied into the arena on close */
    json_value **vals;
    size_t nvals, capvals;
    json_member *mems;
    size_t nmems, capmems;
} parser;

/* Line and column (1-based, column in code points) of byte offset `at`. */
static void line_col(const parser *p, size_t at, size_t *line, size_t *col) {
    size_t l = 1, c = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->s[i] == '\n') {
            l++;
            c = 1;
        } else if ((p->s[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void describe_byte(const parser *p, size_t at, char *out, size_t cap) {
    if (at >= p->len) {
        snprintf(out, cap, "end of input");
        return;
    }
    unsigned char c = p->s[at];
    if (c >= 0x21 && c < 0x7F)
        snprintf(out, cap, "'%c'", c);
    else
        snprintf(out, cap, "byte 0x%02X", c);
}

static wick_status perr(parser *p, size_t at, wick_status code, const char *fmt, ...)
    WICK_PRINTF(4, 5);
static wick_status perr(parser *p, size_t at, wick_status code, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t line, col;
    line_col(p, at, &line, &col);
    return wick_error_set(p->err, code, "%s%sline %zu, column %zu (byte %zu): %s",
                          p->source ? p->source : "", p->source ? ": " : "", line, col, at, what);
}

static wick_status expected(parser *p, const char *what) {
    char found[32];
    describe_byte(p, p->pos, found, sizeof found);
    return perr(p, p->pos, WICK_ERR_FORMAT, "expected %s, found %s", what, found);
}

static wick_status oom(parser *p) {
    return perr(p, p->pos, WICK_ERR_NOMEM, "out of memory");
}

static void skip_ws(parser *p) {
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static bool push_val(parser *p, json_value *v) {
    if (p->nvals == p->capvals) {
        size_t cap = p->capvals ? p->capvals * 2 : 64;
        json_value **nv = realloc(p->vals, cap * sizeof *nv);
        if (!nv) return false;
        p->vals = nv;
        p->capvals = cap;
    }
    p->vals[p->nvals++] = v;
    return true;
}

static bool push_mem(parser *p, const json_member *m) {
    if (p->nmems == p->capmems) {
        size_t cap = p->capmems ? p->capmems * 2 : 64;
        json_member *nm = realloc(p->mems, cap * sizeof *nm);
        if (!nm) return false;
        p->mems = nm;
        p->capmems = cap;
    }
    p->mems[p->nmems++] = *m;
    return true;
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(const parser *p, size_t at, uint32_t *out) {
    if (p->len - at < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p->s[at + (size_t)i]);
        if (h < 0) return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

static size_t put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at s[0..n) (shortest form, no
 * surrogates, <= U+10FFFF), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need) return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return need;
}

/* Parses the string starting at the opening quote into arena memory. */
static wick_status parse_string(parser *p, char **out, size_t *out_len) {
    size_t start = ++p->pos; /* after '"' */
    /* First pass: find the closing quote, validating as we go, so the
     * decoded copy (never longer than the source) is allocated once. */
    size_t i = start;
    for (;;) {
        if (i >= p->len) {
            p->pos = i;
            return perr(p, start - 1, WICK_ERR_FORMAT, "unterminated string (no closing '\"')");
        }
        unsigned char c = p->s[i];
        if (c == '"') break;
        if (c < 0x20) {
            p->pos = i;
            return perr(p, i, WICK_ERR_FORMAT,
                        "control character 0x%02X in string (must be escaped as \\u%04X)", c, c);
        }
        if (c == '\\') {
            if (i + 1 >= p->len) {
                p->pos = i + 1;
                return perr(p, i + 1, WICK_ERR_FORMAT, "unterminated string (no closing '\"')");
            }
            unsigned char e = p->s[i + 1];
            if (e == 'u') {
                uint32_t u;
                if (!read_hex4(p, i + 2, &u))
                    return perr(p, i, WICK_ERR_FORMAT, "expected 4 hex digits after \\u");
                if (u >= 0xD800 && u <= 0xDBFF) {
                    uint32_t lo;
                    if (i + 7 >= p->len || p->s[i + 6] != '\\' || p->s[i + 7] != 'u' ||
                        !read_hex4(p, i + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                        return perr(p, i, WICK_ERR_FORMAT,
                                    "lone high surrogate \\u%04X (expected a following \\uDC00-\\uDFFF)",
                                    (unsigned)u);
                    i += 12;
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    return perr(p, i, WICK_ERR_FORMAT, "lone low surrogate \\u%04X", (unsigned)u);
                } else {
                    i += 6;
                }
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                       e == 'r' || e == 't') {
                i += 2;
            } else {
                p->pos = i + 1;
                return expected(p, "an escape character (one of \" \\ / b f n r t u)");
            }
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_seq_len(p->s + i, p->len - i);
        if (!n) return perr(p, i, WICK_ERR_FORMAT, "invalid UTF-8 (byte 0x%02X) in string", c);
        i += n;
    }
    size_t end = i;
    char *o = arena_alloc(p->doc, end - start + 1);
    if (!o) return oom(p);
    size_t w = 0;
    for (i = start; i < end;) {
        unsigned char c = p->s[i];
        if (c != '\\') {
            o[w++] = (char)c;
            i++;
            continue;
        }
        unsigned char e = p->s[i + 1];
        i += 2;
        switch (e) {
        case 'b': o[w++] = '\b'; break;
        case 'f': o[w++] = '\f'; break;
        case 'n': o[w++] = '\n'; break;
        case 'r': o[w++] = '\r'; break;
        case 't': o[w++] = '\t'; break;
        case 'u': {
            uint32_t u, lo;
            read_hex4(p, i, &u);
            i += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                read_hex4(p, i + 2, &lo);
                i += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            w += put_utf8(o + w, u);
            break;
        }
        default: o[w++] = (char)e; break; /* " \ / */
        }
    }
    o[w] = '\0';
    p->pos = end + 1;
    *out = o;
    *out_len = w;
    return WICK_OK;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static wick_status parse_number(parser *p, json_value **out) {
    size_t start = p->pos, i = p->pos;
    bool neg = false, integral = true;
    if (i < p->len && p->s[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= p->len || !is_digit(p->s[i])) {
        p->pos = i;
        return expected(p, "a digit");
    }
    if (p->s[i] == '0') {
        i++;
    } else {
        while (i < p->len && is_digit(p->s[i])) i++;
    }
    size_t int_end = i;
    if (i < p->len && p->s[i] == '.') {
        integral = false;
        i++;
        if (i >= p->len || !is_digit(p->s[i])) {
            p->pos = i;
            return expected(p, "a digit after the decimal point");
        }
        while (i < p->len && is_digit(p->s[i])) i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        integral = false;
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
        if (i >= p->len || !is_digit(p->s[i])) {
            p->pos = i;
            return expected(p, "a digit in the exponent");
        }
        while (i < p->len && is_digit(p->s[i])) i++;
    }
    json_value *v = new_node(p->doc, JSON_NUMBER);
    if (!v) return oom(p);
    p->pos = i;
    *out = v;
    if (integral) {
        /* magnitude as uint64, detecting overflow */
        uint64_t mag = 0;
        bool fits = true;
        for (size_t k = start + (neg ? 1 : 0); k < int_end; k++) {
            unsigned d = p->s[k] - '0';
            if (mag > (UINT64_MAX - d) / 10) {
                fits = false;
                break;
            }
            mag = mag * 10 + d;
        }
        if (fits && (neg ? mag <= (uint64_t)INT64_MAX + 1 : mag <= (uint64_t)INT64_MAX)) {
            int64_t iv = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag)
                             : (int64_t)mag;
            v->u.number.i = iv;
            v->u.number.f = (double)iv;
            v->u.number.is_int = true;
            return WICK_OK;
        }
    }
    /* strtod needs a NUL-terminated copy; the grammar above already
     * checked the syntax, and strtod is correctly rounded (glibc, musl). */
    size_t n = i - start;
    char small[128];
    char *tmp = n < sizeof small ? small : malloc(n + 1);
    if (!tmp) return oom(p);
    memcpy(tmp, p->s + start, n);
    tmp[n] = '\0';
    v->u.number.f = strtod(tmp, NULL); /* overflow gives +-inf, as Python */
    if (tmp != small) free(tmp);
    return WICK_OK;
}

static bool match_lit(parser *p, const char *lit) {
    size_t n = strlen(lit);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n) != 0) return false;
    p->pos += n;
    return true;
}

static wick_status parse_value(parser *p, int depth, json_value **out);

static wick_status parse_array(parser *p, int depth, json_value **out) {
    size_t open = p->pos++;
    size_t base = p->nvals;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
    } else {
        for (;;) {
            json_value *item;
            wick_status st = parse_value(p, depth + 1, &item);
            if (st != WICK_OK) return st;
            if (!push_val(p, item)) return oom(p);
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                skip_ws(p);
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == ']') {
                p->pos++;
                break;
            }
            if (p->pos >= p->len)
                return perr(p, p->pos, WICK_ERR_FORMAT,
                            "expected ',' or ']' (the array opened at byte %zu), found end of input",
                            open);
            return expected(p, "',' or ']' after an array element");
        }
    }
    json_value *v = new_node(p->doc, JSON_ARRAY);
    if (!v) return oom(p);
    size_t n = p->nvals - base;
    if (n) {
        json_value **items = arena_alloc(p->doc, n * sizeof *items);
        if (!items) return oom(p);
        memcpy(items, p->vals + base, n * sizeof *items);
        v->u.array.items = items;
        v->u.array.len = n;
        node_of(v)->cap = n;
    }
    p->nvals = base;
    *out = v;
    return WICK_OK;
}

/* Copies members [base, nmems) into `obj`, merging duplicate keys. */
static wick_status finish_object(parser *p, size_t base, json_value *obj) {
    size_t n = p->nmems - base;
    if (!n) return WICK_OK;
    json_member *members = arena_alloc(p->doc, n * sizeof *members);
    if (!members) return oom(p);
    obj->u.object.members = members;
    node_of(obj)->cap = n;
    if (n > INDEX_MIN_MEMBERS && !index_build(p->doc, obj, n)) return oom(p);
    json_node *node = node_of(obj);
    size_t len = 0;
    for (size_t k = base; k < p->nmems; k++) {
        const json_member *m = &p->mems[k];
        size_t pos;
        bool dup;
        if (node->index) {
            size_t s = index_slot(node->index, node->index_cap, members, m->key, m->key_len);
            dup = node->index[s] != 0;
            if (dup)
                pos = node->index[s] - 1;
            else
                node->index[s] = (uint32_t)len + 1;
        } else {
            obj->u.object.len = len;
            dup = find_member(obj, m->key, m->key_len, &pos) != NULL;
        }
        if (dup) {
            members[pos].value = m->value;
        } else {
            members[len++] = *m;
        }
    }
    obj->u.object.len = len;
    return WICK_OK;
}

static wick_status parse_object(parser *p, int depth, json_value **out) {
    size_t open = p->pos++;
    size_t base = p->nmems;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
    } else {
        for (;;) {
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return expected(p, "'\"' (an object key)");
            json_member m;
            wick_status st = parse_string(p, &m.key, &m.key_len);
            if (st != WICK_OK) return st;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':')
                return expected(p, "':' after an object key");
            p->pos++;
            st = parse_value(p, depth + 1, &m.value);
            if (st != WICK_OK) return st;
            if (!push_mem(p, &m)) return oom(p);
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                skip_ws(p);
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == '}') {
                p->pos++;
                break;
            }
            if (p->pos >= p->len)
                return perr(p, p->pos, WICK_ERR_FORMAT,
                            "expected ',' or '}' (the object opened at byte %zu), found end of input",
                            open);
            return expected(p, "',' or '}' after an object member");
        }
    }
    json_value *v = new_node(p->doc, JSON_OBJECT);
    if (!v) return oom(p);
    wick_status st = finish_object(p, base, v);
    if (st != WICK_OK) return st;
    p->nmems = base;
    *out = v;
    return WICK_OK;
}

static wick_status parse_value(parser *p, int depth, json_value **out) {
    skip_ws(p);
    if (p->pos >= p->len) return expected(p, "a value");
    unsigned char c = p->s[p->pos];
    if ((c == '[' || c == '{') && depth >= JSON_MAX_DEPTH)
        return perr(p, p->pos, WICK_ERR_LIMIT, "nesting deeper than %d levels", JSON_MAX_DEPTH);
    switch (c) {
    case '{': return parse_object(p, depth, out);
    case '[': return parse_array(p, depth, out);
    case '"': {
        char *s;
        size_t n;
        wick_status st = parse_string(p, &s, &n);
        if (st != WICK_OK) return st;
        json_value *v = new_node(p->doc, JSON_STRING);
        if (!v) return oom(p);
        v->u.string.ptr = s;
        v->u.string.len = n;
        *out = v;
        return WICK_OK;
    }
    case 't':
    case 'f':
    case 'n': {
        json_type t = c == 'n' ? JSON_NULL : JSON_BOOL;
        if (!match_lit(p, c == 't' ? "true" : c == 'f' ? "false" : "null"))
            return expected(p, "a value (true, false, null, a number, a string, '[' or '{')");
        json_value *v = new_node(p->doc, t);
        if (!v) return oom(p);
        if (t == JSON_BOOL) v->u.boolean = c == 't';
        *out = v;
        return WICK_OK;
    }
    default:
        if (c == '-' || is_digit(c)) return parse_number(p, out);
        return expected(p, "a value (true, false, null, a number, a string, '[' or '{')");
    }
}

wick_status json_parse(const char *text, size_t len, const char *source_name, json_doc **out,
                       wick_error *err) {
    if (!out) return wick_error_set(err, WICK_ERR_INVALID_ARG, "json_parse: out is NULL");
    *out = NULL;
    if (!text && len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "json_parse: text is NULL");
    parser p = {0};
    p.s = (const unsigned char *)(text ? text : "");
    p.len = len;
    p.source = source_name;
    p.err = err;
    p.doc = json_doc_new();
    if (!p.doc) return wick_error_set(err, WICK_ERR_NOMEM, "json_parse: out of memory");
    /* A UTF-8 byte order mark is ignored (RFC 8259 section 8.1 allows it). */
    if (len >= 3 && memcmp(p.s, "\xEF\xBB\xBF", 3) == 0) p.pos = 3;
    json_value *root = NULL;
    wick_status st = parse_value(&p, 0, &root);
    if (st == WICK_OK) {
        skip_ws(&p);
        if (p.pos < p.len) st = expected(&p, "end of input after the top-level value");
    }
    free(p.vals);
    free(p.mems);
    if (st != WICK_OK) {
        json_doc_free(p.doc);
        return st;
    }
    p.doc->root = root;
    *out = p.doc;
    return WICK_OK;
}
