/* Template values with Python semantics: undefined (jinja2's Undefined and
 * its messages), truthiness, ==, <, str()/repr(), len(), `in`, iteration,
 * the sandbox's getattr/getitem, slicing, arithmetic, and conversion from
 * and to JSON. Lists, tuples and dicts are immutable once built (the
 * ImmutableSandboxedEnvironment forbids mutating them), so values share
 * structure freely; only namespaces change. */
#include "template/jinja.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- type names */

const char *jv_type_name(const jv *v) {
    switch (v->kind) {
    case JV_UNDEF: return "Undefined";
    case JV_NONE: return "NoneType";
    case JV_BOOL: return "bool";
    case JV_INT: return "int";
    case JV_FLOAT: return "float";
    case JV_STR: return "str";
    case JV_LIST: return "list";
    case JV_TUPLE: return "tuple";
    case JV_ITER: return v->u.list->view ? v->u.list->view : "generator";
    case JV_RANGE: return "range";
    case JV_VIEW: return v->u.list->view;
    case JV_DICT: return "dict";
    case JV_NS: return v->u.dict->hf_namespace ? "TemplateNamespace" : "Namespace";
    case JV_MACRO: return "Macro";
    case JV_BUILTIN: return "function";
    case JV_METHOD: return "builtin_function_or_method";
    case JV_LOOP: return "LoopContext";
    case JV_CYCLER: return "Cycler";
    case JV_JOINER: return "Joiner";
    case JV_NOARG: return "missing";
    }
    return "object";
}

/* jinja2's object_type_repr: "dict object", "None", "jinja2.utils.Namespace object". */
static void type_repr(wick_buf *b, const jv *v) {
    switch (v->kind) {
    case JV_NONE: wick_buf_puts(b, "None"); return;
    case JV_NS:
        wick_buf_puts(b, v->u.dict->hf_namespace ? "transformers.utils.chat_template_utils.TemplateNamespace object"
                                                 : "jinja2.utils.Namespace object");
        return;
    case JV_MACRO: wick_buf_puts(b, "jinja2.runtime.Macro object"); return;
    case JV_LOOP: wick_buf_puts(b, "jinja2.runtime.LoopContext object"); return;
    case JV_CYCLER: wick_buf_puts(b, "jinja2.utils.Cycler object"); return;
    case JV_JOINER: wick_buf_puts(b, "jinja2.utils.Joiner object"); return;
    default: wick_buf_printf(b, "%s object", jv_type_name(v)); return;
    }
}

/* ------------------------------------------------------- undefined */

static jv make_undef(jctx *c, wick_buf *msg, bool security) {
    jv v;
    v.kind = JV_UNDEF;
    v.u.undef = NULL;
    if (msg->failed || !msg->data) {
        wick_buf_free(msg);
        return v;
    }
    jundef *u = jarena_alloc(c->arena, sizeof *u);
    char *m = jarena_strdup(c->arena, msg->data, msg->len);
    wick_buf_free(msg);
    if (!u || !m) return v; /* degrade to a plain undefined; the arena limit reports later */
    u->msg = m;
    u->security = security;
    v.u.undef = u;
    return v;
}

jv jv_undef_name(jctx *c, jstr name) {
    wick_buf b = {0};
    pystr_repr(&b, name.p, name.n);
    wick_buf_puts(&b, " is undefined");
    return make_undef(c, &b, false);
}

jv jv_undef_attr(jctx *c, const jv *obj, jstr attr) {
    wick_buf b = {0}, t = {0};
    type_repr(&t, obj);
    if (t.data) pystr_repr(&b, t.data, t.len);
    wick_buf_free(&t);
    wick_buf_puts(&b, " has no attribute ");
    pystr_repr(&b, attr.p, attr.n);
    return make_undef(c, &b, false);
}

jv jv_undef_item(jctx *c, const jv *obj, const jv *key) {
    if (key->kind == JV_STR) return jv_undef_attr(c, obj, key->u.s);
    wick_buf b = {0};
    type_repr(&b, obj);
    wick_buf_puts(&b, " has no element ");
    jv_write_repr(c, &b, key);
    return make_undef(c, &b, false);
}

jv jv_undef_hint(jctx *c, const char *msg, bool security) {
    wick_buf b = {0};
    wick_buf_puts(&b, msg);
    return make_undef(c, &b, security);
}

/* ---------------------------------------------------- truth, equality */

bool jv_truthy(const jv *v) {
    switch (v->kind) {
    case JV_UNDEF:
    case JV_NONE:
    case JV_NOARG: return false;
    case JV_BOOL: return v->u.b;
    case JV_INT: return v->u.i != 0;
    case JV_FLOAT: return v->u.f != 0.0;
    case JV_STR: return v->u.s.n != 0;
    case JV_LIST:
    case JV_TUPLE:
    case JV_RANGE:
    case JV_VIEW: return v->u.list->n != 0;
    case JV_DICT: return v->u.dict->n != 0;
    default: return true; /* generators, namespaces, callables */
    }
}

static bool list_eq(const jlist *a, const jlist *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (!jv_eq(&a->items[i], &b->items[i])) return false;
    return true;
}

bool jv_eq(const jv *a, const jv *b) {
    if (jv_is_num(a) && jv_is_num(b)) {
        if (a->kind == JV_FLOAT || b->kind == JV_FLOAT) return jv_as_float(a) == jv_as_float(b);
        return jv_as_int(a) == jv_as_int(b);
    }
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case JV_UNDEF:
    case JV_NONE: return true;
    case JV_STR: return a->u.s.n == b->u.s.n && memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0;
    case JV_LIST:
    case JV_TUPLE:
    case JV_RANGE: return a->u.list == b->u.list || list_eq(a->u.list, b->u.list);
    case JV_DICT: {
        const jdict *x = a->u.dict, *y = b->u.dict;
        if (x->n != y->n) return false;
        for (size_t i = 0; i < x->n; i++) {
            const jv *o = jdict_get(y, &x->keys[i]);
            if (!o || !jv_eq(&x->vals[i], o)) return false;
        }
        return true;
    }
    case JV_BUILTIN: return a->u.builtin == b->u.builtin;
    case JV_METHOD:
        return a->u.method->id == b->u.method->id && jv_eq(&a->u.method->self, &b->u.method->self);
    default: return a->u.list == b->u.list; /* identity (same union slot size) */
    }
}

bool jv_hashable(const jv *v) {
    switch (v->kind) {
    case JV_LIST:
    case JV_DICT:
    case JV_VIEW: return false;
    case JV_TUPLE:
        for (size_t i = 0; i < v->u.list->n; i++)
            if (!jv_hashable(&v->u.list->items[i])) return false;
        return true;
    default: return true;
    }
}

static int bytes_cmp(jstr a, jstr b) {
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0; /* UTF-8 byte order is code point order */
    if (c) return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

bool jv_lt(jctx *c, uint32_t pos, const jv *a, const jv *b, bool *lt) {
    if (a->kind == JV_UNDEF) return jerr_undef(c, pos, a);
    if (b->kind == JV_UNDEF) return jerr_undef(c, pos, b);
    if (jv_is_num(a) && jv_is_num(b)) {
        if (a->kind == JV_FLOAT || b->kind == JV_FLOAT) *lt = jv_as_float(a) < jv_as_float(b);
        else *lt = jv_as_int(a) < jv_as_int(b);
        return true;
    }
    if (a->kind == JV_STR && b->kind == JV_STR) {
        *lt = bytes_cmp(a->u.s, b->u.s) < 0;
        return true;
    }
    if (a->kind == b->kind && (a->kind == JV_LIST || a->kind == JV_TUPLE)) {
        const jlist *x = a->u.list, *y = b->u.list;
        for (size_t i = 0; i < x->n && i < y->n; i++) {
            if (jv_eq(&x->items[i], &y->items[i])) continue;
            return jv_lt(c, pos, &x->items[i], &y->items[i], lt);
        }
        *lt = x->n < y->n;
        return true;
    }
    return jerr(c, pos, WICK_ERR_TEMPLATE, "'<' not supported between instances of '%s' and '%s'",
                jv_type_name(a), jv_type_name(b));
}

/* ----------------------------------------------------- containers */

jlist *jlist_new(jctx *c, uint32_t pos, size_t n) {
    if (n > SIZE_MAX / sizeof(jv) / 2) {
        jerr(c, pos, WICK_ERR_LIMIT, "a list of %zu items is too large", n);
        return NULL;
    }
    jlist *l = jalloc(c, pos, sizeof *l);
    if (!l) return NULL;
    if (n && !(l->items = jalloc(c, pos, n * sizeof(jv)))) return NULL;
    l->n = n;
    return l;
}

jv jv_list_of(jv_kind kind, jlist *l) {
    jv v;
    v.kind = kind;
    v.u.list = l;
    return v;
}

jdict *jdict_new(jctx *c, uint32_t pos, size_t cap) {
    jdict *d = jalloc(c, pos, sizeof *d);
    if (!d) return NULL;
    if (cap) {
        d->keys = jalloc(c, pos, cap * sizeof(jv));
        d->vals = jalloc(c, pos, cap * sizeof(jv));
        if (!d->keys || !d->vals) return NULL;
        d->cap = cap;
    }
    return d;
}

/* Dicts up to this size are scanned; bigger ones get an open-addressing
 * index (slot = entry index + 1) so that building and probing a dict of
 * 100k keys (dict.fromkeys(range(99999))) stays linear. */
#define DICT_SCAN_MAX 8

static uint64_t hash_bytes(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* A hash consistent with jv_eq: 1, 1.0 and True hash alike. */
static uint64_t jv_hash(const jv *v, int depth) {
    switch (v->kind) {
    case JV_STR: return hash_bytes(v->u.s.p, v->u.s.n);
    case JV_BOOL:
    case JV_INT: return (uint64_t)jv_as_int(v) * 0x9E3779B97F4A7C15ull;
    case JV_FLOAT: {
        double f = v->u.f;
        if (f == f && f >= -9.2e18 && f <= 9.2e18 && (double)(int64_t)f == f)
            return (uint64_t)(int64_t)f * 0x9E3779B97F4A7C15ull;
        uint64_t bits;
        memcpy(&bits, &f, sizeof bits);
        return bits * 0xC2B2AE3D27D4EB4Full;
    }
    case JV_NONE: return 0x1234567ull;
    case JV_UNDEF: return 0x7654321ull;
    case JV_TUPLE:
    case JV_RANGE: {
        uint64_t h = 0x345678ull + v->u.list->n;
        for (size_t i = 0; i < v->u.list->n && depth < 32; i++) h = (h ^ jv_hash(&v->u.list->items[i], depth + 1)) * 1000003ull;
        return h;
    }
    case JV_BUILTIN: return (uint64_t)v->u.builtin + 0x55ull;
    case JV_METHOD: return (uint64_t)v->u.method->id + 0x77ull;
    default: return (uint64_t)(uintptr_t)v->u.list * 0x9E3779B97F4A7C15ull; /* identity */
    }
}

static bool key_is_str(const jv *k, const char *p, size_t n) {
    return k->kind == JV_STR && k->u.s.n == n && memcmp(k->u.s.p, p, n) == 0;
}

/* Index of `key` in d, or -1. */
static long dict_find(const jdict *d, const jv *key) {
    if (d->index) {
        size_t mask = d->icap - 1, i = (size_t)jv_hash(key, 0) & mask;
        while (d->index[i]) {
            size_t e = d->index[i] - 1;
            if (key->kind == JV_STR ? key_is_str(&d->keys[e], key->u.s.p, key->u.s.n) : jv_eq(&d->keys[e], key))
                return (long)e;
            i = (i + 1) & mask;
        }
        return -1;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (key->kind == JV_STR ? key_is_str(&d->keys[i], key->u.s.p, key->u.s.n) : jv_eq(&d->keys[i], key))
            return (long)i;
    }
    return -1;
}

static void index_put(jdict *d, size_t e) {
    size_t mask = d->icap - 1, i = (size_t)jv_hash(&d->keys[e], 0) & mask;
    while (d->index[i]) i = (i + 1) & mask;
    d->index[i] = (uint32_t)e + 1;
}

bool jdict_reindex(jctx *c, uint32_t pos, jdict *d) {
    d->index = NULL;
    d->icap = 0;
    if (d->n <= DICT_SCAN_MAX) return true;
    if (d->n >= UINT32_MAX / 4) return jerr(c, pos, WICK_ERR_LIMIT, "a dict of %zu keys is too large", d->n);
    size_t icap = 16;
    while (icap < d->cap * 2 || icap < d->n * 2) icap *= 2;
    uint32_t *index = jalloc(c, pos, icap * sizeof *index);
    if (!index) return false;
    d->index = index;
    d->icap = icap;
    for (size_t e = 0; e < d->n; e++) index_put(d, e);
    return true;
}

const jv *jdict_get_str(const jdict *d, const char *key, size_t n) {
    jv k = jv_str(key, n);
    long e = dict_find(d, &k);
    return e < 0 ? NULL : &d->vals[e];
}

const jv *jdict_get(const jdict *d, const jv *key) {
    long e = dict_find(d, key);
    return e < 0 ? NULL : &d->vals[e];
}

bool jdict_set(jctx *c, uint32_t pos, jdict *d, const jv *key, const jv *val) {
    if (!jv_hashable(key))
        return jerr(c, pos, WICK_ERR_TEMPLATE, "unhashable type: '%s'", jv_type_name(key));
    long e = dict_find(d, key);
    if (e >= 0) {
        d->vals[e] = *val; /* Python keeps the first key and its position */
        return true;
    }
    bool grew = false;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4;
        jv *k = jalloc(c, pos, cap * sizeof(jv)), *v = jalloc(c, pos, cap * sizeof(jv));
        if (!k || !v) return false;
        if (d->n) {
            memcpy(k, d->keys, d->n * sizeof(jv));
            memcpy(v, d->vals, d->n * sizeof(jv));
        }
        d->keys = k;
        d->vals = v;
        d->cap = cap;
        grew = true;
    }
    d->keys[d->n] = *key;
    d->vals[d->n] = *val;
    d->n++;
    if (d->index && !grew) index_put(d, d->n - 1);
    else if (d->n > DICT_SCAN_MAX && (grew || !d->index)) return jdict_reindex(c, pos, d);
    return true;
}

/* --------------------------------------------------------- printing */

static void write_float(wick_buf *b, double f) {
    char tmp[48];
    json_format_double(f, tmp, sizeof tmp);
    wick_buf_puts(b, tmp);
}

void jv_write_repr(jctx *c, wick_buf *b, const jv *v) {
    switch (v->kind) {
    case JV_STR: pystr_repr(b, v->u.s.p, v->u.s.n); return;
    case JV_UNDEF: wick_buf_puts(b, "Undefined"); return;
    case JV_LIST:
    case JV_TUPLE:
    case JV_VIEW: {
        const jlist *l = v->u.list;
        if (v->kind == JV_VIEW) wick_buf_printf(b, "%s(", l->view);
        wick_buf_putc(b, v->kind == JV_TUPLE ? '(' : '[');
        for (size_t i = 0; i < l->n && !b->failed; i++) {
            if (i) wick_buf_puts(b, ", ");
            jv_write_repr(c, b, &l->items[i]);
        }
        if (v->kind == JV_TUPLE && l->n == 1) wick_buf_putc(b, ',');
        wick_buf_putc(b, v->kind == JV_TUPLE ? ')' : ']');
        if (v->kind == JV_VIEW) wick_buf_putc(b, ')');
        return;
    }
    case JV_RANGE: {
        const int64_t *r = v->u.list->range;
        if (r[2] == 1) wick_buf_printf(b, "range(%lld, %lld)", (long long)r[0], (long long)r[1]);
        else wick_buf_printf(b, "range(%lld, %lld, %lld)", (long long)r[0], (long long)r[1], (long long)r[2]);
        return;
    }
    case JV_DICT:
    case JV_NS: {
        const jdict *d = v->u.dict;
        if (v->kind == JV_NS) wick_buf_puts(b, "<Namespace ");
        wick_buf_putc(b, '{');
        for (size_t i = 0; i < d->n && !b->failed; i++) {
            if (i) wick_buf_puts(b, ", ");
            jv_write_repr(c, b, &d->keys[i]);
            wick_buf_puts(b, ": ");
            jv_write_repr(c, b, &d->vals[i]);
        }
        wick_buf_putc(b, '}');
        if (v->kind == JV_NS) wick_buf_putc(b, '>');
        return;
    }
    default: jv_write_str(c, b, v); return;
    }
}

void jv_write_str(jctx *c, wick_buf *b, const jv *v) {
    switch (v->kind) {
    case JV_UNDEF:
    case JV_NOARG: return;
    case JV_NONE: wick_buf_puts(b, "None"); return;
    case JV_BOOL: wick_buf_puts(b, v->u.b ? "True" : "False"); return;
    case JV_INT: wick_buf_printf(b, "%lld", (long long)v->u.i); return;
    case JV_FLOAT: write_float(b, v->u.f); return;
    case JV_STR: wick_buf_append(b, v->u.s.p, v->u.s.n); return;
    case JV_ITER: wick_buf_puts(b, "<generator object>"); return;
    case JV_MACRO:
        wick_buf_puts(b, "<Macro ");
        pystr_repr(b, v->u.macro->name.p, v->u.macro->name.n);
        wick_buf_putc(b, '>');
        return;
    case JV_BUILTIN: wick_buf_printf(b, "<function %s>", jinja_builtin_name(v->u.builtin)); return;
    case JV_METHOD:
        wick_buf_printf(b, "<built-in method %s of %s object>", jinja_method_name(v->u.method->id),
                        jv_type_name(&v->u.method->self));
        return;
    case JV_LOOP:
        wick_buf_printf(b, "<LoopContext %zu/%zu>", v->u.loop->index0 + 1, v->u.loop->items.n);
        return;
    case JV_CYCLER: wick_buf_puts(b, "<jinja2.utils.Cycler object>"); return;
    case JV_JOINER: wick_buf_puts(b, "<jinja2.utils.Joiner object>"); return;
    default: jv_write_repr(c, b, v); return;
    }
}

jv jv_str_from_buf(jctx *c, uint32_t pos, wick_buf *b, bool *ok) {
    jv r = jv_str("", 0);
    *ok = true;
    if (b->failed) {
        *ok = jerr(c, pos, WICK_ERR_NOMEM, "out of memory building a string");
    } else if (b->len > c->max_output) {
        *ok = jerr(c, pos, WICK_ERR_LIMIT, "a string of %zu bytes is over the output limit", b->len);
    } else if (b->len) {
        char *p = jalloc(c, pos, b->len + 1);
        if (p) {
            memcpy(p, b->data, b->len);
            p[b->len] = '\0';
            r = jv_str(p, b->len);
        } else {
            *ok = false;
        }
    }
    wick_buf_free(b);
    return r;
}

bool jv_to_str(jctx *c, uint32_t pos, const jv *v, jstr *out) {
    if (v->kind == JV_STR) {
        *out = v->u.s;
        return true;
    }
    wick_buf b = {0};
    jv_write_str(c, &b, v);
    bool ok;
    jv s = jv_str_from_buf(c, pos, &b, &ok);
    *out = s.u.s;
    return ok;
}

/* ------------------------------------------------- len, in, iterate */

bool jv_len(jctx *c, uint32_t pos, const jv *v, int64_t *n) {
    switch (v->kind) {
    case JV_UNDEF: *n = 0; return true;
    case JV_STR: *n = (int64_t)pystr_len(v->u.s.p, v->u.s.n); return true;
    case JV_LIST:
    case JV_TUPLE:
    case JV_RANGE:
    case JV_VIEW: *n = (int64_t)v->u.list->n; return true;
    case JV_DICT: *n = (int64_t)v->u.dict->n; return true;
    case JV_LOOP: *n = (int64_t)v->u.loop->items.n; return true;
    default:
        return jerr(c, pos, WICK_ERR_TEMPLATE, "object of type '%s' has no len()", jv_type_name(v));
    }
}

bool jv_iterate(jctx *c, uint32_t pos, const jv *v, jlist *out) {
    switch (v->kind) {
    case JV_UNDEF:
        out->n = 0;
        out->items = NULL;
        return true;
    case JV_LIST:
    case JV_TUPLE:
    case JV_ITER:
    case JV_RANGE:
    case JV_VIEW: *out = *v->u.list; return true;
    case JV_DICT:
        out->n = v->u.dict->n;
        out->items = v->u.dict->keys;
        return true;
    case JV_STR: {
        size_t n = pystr_len(v->u.s.p, v->u.s.n);
        out->n = n;
        out->items = NULL;
        if (!n) return true;
        jv *items = jalloc(c, pos, n * sizeof(jv));
        if (!items) return false;
        size_t i = 0, k = 0;
        while (i < v->u.s.n) {
            uint32_t cp;
            size_t len = pystr_decode(v->u.s.p + i, v->u.s.n - i, &cp);
            items[k++] = jv_str(v->u.s.p + i, len);
            i += len;
        }
        out->items = items;
        return true;
    }
    default:
        return jerr(c, pos, WICK_ERR_TEMPLATE, "'%s' object is not iterable", jv_type_name(v));
    }
}

bool jv_contains(jctx *c, uint32_t pos, const jv *hay, const jv *needle, bool *res) {
    switch (hay->kind) {
    case JV_STR:
        if (needle->kind == JV_UNDEF) return jerr_undef(c, pos, needle);
        if (needle->kind != JV_STR)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "'in <string>' requires string as left operand, not %s",
                        jv_type_name(needle));
        *res = pystr_find(hay->u.s, needle->u.s, false) >= 0;
        c->steps += hay->u.s.n / 256;
        return jinja_step(c, pos);
    case JV_DICT:
        if (!jv_hashable(needle))
            return jerr(c, pos, WICK_ERR_TEMPLATE, "unhashable type: '%s'", jv_type_name(needle));
        *res = jdict_get(hay->u.dict, needle) != NULL;
        return true;
    case JV_UNDEF:
    case JV_LIST:
    case JV_TUPLE:
    case JV_ITER:
    case JV_RANGE:
    case JV_VIEW: {
        *res = false;
        if (hay->kind == JV_UNDEF) return true;
        const jlist *l = hay->u.list;
        c->steps += l->n / 16; /* `x in big_list` inside loops must not run unbounded */
        if (!jinja_step(c, pos)) return false;
        for (size_t i = 0; i < l->n; i++) {
            if (jv_eq(&l->items[i], needle)) {
                *res = true;
                break;
            }
        }
        return true;
    }
    default:
        return jerr(c, pos, WICK_ERR_TEMPLATE, "argument of type '%s' is not iterable", jv_type_name(hay));
    }
}

/* ------------------------------------------------ getattr / getitem */

static bool loop_attr(jctx *c, const jloop *l, jstr name, jv *out, bool *found) {
    size_t n = l->items.n, i = l->index0;
    *found = true;
    if (jstr_eq(name, "index")) *out = jv_int((int64_t)i + 1);
    else if (jstr_eq(name, "index0")) *out = jv_int((int64_t)i);
    else if (jstr_eq(name, "revindex")) *out = jv_int((int64_t)(n - i));
    else if (jstr_eq(name, "revindex0")) *out = jv_int((int64_t)(n - i - 1));
    else if (jstr_eq(name, "first")) *out = jv_bool(i == 0);
    else if (jstr_eq(name, "last")) *out = jv_bool(i + 1 == n);
    else if (jstr_eq(name, "length")) *out = jv_int((int64_t)n);
    else if (jstr_eq(name, "depth")) *out = jv_int(l->depth0 + 1);
    else if (jstr_eq(name, "depth0")) *out = jv_int(l->depth0);
    else if (jstr_eq(name, "previtem"))
        *out = i > 0 ? l->items.items[i - 1] : jv_undef_hint(c, "there is no previous item", false);
    else if (jstr_eq(name, "nextitem"))
        *out = i + 1 < n ? l->items.items[i + 1] : jv_undef_hint(c, "there is no next item", false);
    else *found = false;
    return true;
}

bool jv_getattr(jctx *c, uint32_t pos, const jv *obj, jstr name, jv *out) {
    if (obj->kind == JV_UNDEF) return jerr_undef(c, pos, obj);
    bool found = false;
    if (obj->kind == JV_NS) {
        const jv *v = jdict_get_str(obj->u.dict, name.p, name.n);
        *out = v ? *v : jv_undef_attr(c, obj, name);
        return true;
    }
    if (obj->kind == JV_LOOP) {
        loop_attr(c, obj->u.loop, name, out, &found);
        if (found) return true;
    }
    if (name.n && name.p[0] == '_') {
        /* the sandbox hides every _attribute; dicts still fall back to keys */
        if (obj->kind == JV_DICT) {
            const jv *v = jdict_get_str(obj->u.dict, name.p, name.n);
            if (v) {
                *out = *v;
                return true;
            }
        }
        if (name.n > 1 && name.p[1] == '_') {
            wick_buf b = {0};
            wick_buf_puts(&b, "access to attribute ");
            pystr_repr(&b, name.p, name.n);
            wick_buf_printf(&b, " of '%s' object is unsafe.", jv_type_name(obj));
            *out = make_undef(c, &b, true);
            return true;
        }
        *out = jv_undef_attr(c, obj, name);
        return true;
    }
    if (!jinja_builtin_attr(c, pos, obj, name, out, &found)) return false;
    if (found) return true;
    if (obj->kind == JV_DICT) {
        const jv *v = jdict_get_str(obj->u.dict, name.p, name.n);
        if (v) {
            *out = *v;
            return true;
        }
    }
    *out = jv_undef_attr(c, obj, name);
    return true;
}

static bool index_of(const jv *key, int64_t n, int64_t *idx) {
    if (key->kind != JV_INT && key->kind != JV_BOOL) return false;
    int64_t i = jv_as_int(key);
    if (i < 0) i += n;
    if (i < 0 || i >= n) return false;
    *idx = i;
    return true;
}

bool jv_getitem(jctx *c, uint32_t pos, const jv *obj, const jv *key, jv *out) {
    if (obj->kind == JV_UNDEF) return jerr_undef(c, pos, obj);
    int64_t idx;
    switch (obj->kind) {
    case JV_DICT:
        if (jv_hashable(key)) {
            const jv *v = jdict_get(obj->u.dict, key);
            if (v) {
                *out = *v;
                return true;
            }
        }
        break;
    case JV_LIST:
    case JV_TUPLE:
    case JV_RANGE:
        if (index_of(key, (int64_t)obj->u.list->n, &idx)) {
            *out = obj->u.list->items[idx];
            return true;
        }
        break;
    case JV_STR:
        if (key->kind == JV_INT || key->kind == JV_BOOL) {
            jstr s = obj->u.s;
            if (index_of(key, (int64_t)pystr_len(s.p, s.n), &idx)) {
                size_t off = pystr_offset(s.p, s.n, (size_t)idx);
                uint32_t cp;
                *out = jv_str(s.p + off, pystr_decode(s.p + off, s.n - off, &cp));
                return true;
            }
        }
        break;
    default: break;
    }
    /* jinja2: a failed lookup with a string key tries the attribute */
    if (key->kind == JV_STR) {
        if (!jv_getattr(c, pos, obj, key->u.s, out)) return false;
        return true;
    }
    *out = jv_undef_item(c, obj, key);
    return true;
}

/* CPython's PySlice_AdjustIndices. */
static bool slice_bounds(jctx *c, uint32_t pos, const jv *sv, const jv *ev, const jv *stv, int64_t len,
                         int64_t *start, int64_t *step, int64_t *count) {
    int64_t st = 1;
    if (stv && stv->kind != JV_NONE) st = jv_as_int(stv);
    if (st == 0) return jerr(c, pos, WICK_ERR_TEMPLATE, "slice step cannot be zero");
    int64_t s, e;
    if (!sv || sv->kind == JV_NONE) s = st < 0 ? INT64_MAX : 0;
    else s = jv_as_int(sv);
    if (!ev || ev->kind == JV_NONE) e = st < 0 ? INT64_MIN : INT64_MAX;
    else e = jv_as_int(ev);
    if (s < 0) {
        s = s < -len ? (st < 0 ? -1 : 0) : s + len;
    } else if (s >= len) {
        s = st < 0 ? len - 1 : len;
    }
    if (e < 0) {
        e = e < -len ? (st < 0 ? -1 : 0) : e + len;
    } else if (e >= len) {
        e = st < 0 ? len - 1 : len;
    }
    int64_t n = 0;
    if (st < 0) {
        if (e < s) n = (s - e - 1) / (-st) + 1;
    } else if (s < e) {
        n = (e - s - 1) / st + 1;
    }
    *start = s;
    *step = st;
    *count = n;
    return true;
}

static bool slice_index_ok(const jv *v) {
    return !v || v->kind == JV_NONE || v->kind == JV_INT || v->kind == JV_BOOL;
}

bool jv_slice(jctx *c, uint32_t pos, const jv *obj, const jv *start, const jv *stop, const jv *step,
              jv *out) {
    /* jinja2 compiles a[b:c] to a plain Python subscript (no sandbox
     * getitem), so failures raise instead of giving undefined */
    if (obj->kind == JV_UNDEF) return jerr_undef(c, pos, obj);
    bool seq = obj->kind == JV_LIST || obj->kind == JV_TUPLE || obj->kind == JV_RANGE;
    if (obj->kind == JV_DICT) return jerr(c, pos, WICK_ERR_TEMPLATE, "unhashable type: 'slice'");
    if (!seq && obj->kind != JV_STR)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "'%s' object is not subscriptable", jv_type_name(obj));
    if (!slice_index_ok(start) || !slice_index_ok(stop) || !slice_index_ok(step))
        return jerr(c, pos, WICK_ERR_TEMPLATE,
                    "slice indices must be integers or None or have an __index__ method");
    if (seq) {
        const jlist *l = obj->u.list;
        int64_t s, st, n;
        if (!slice_bounds(c, pos, start, stop, step, (int64_t)l->n, &s, &st, &n)) return false;
        jlist *r = jlist_new(c, pos, (size_t)n);
        if (!r) return false;
        for (int64_t i = 0; i < n; i++) r->items[i] = l->items[s + i * st];
        if (obj->kind == JV_RANGE) {
            int64_t rs = l->range[2];
            r->range[0] = l->range[0] + s * rs;
            r->range[2] = rs * st;
            r->range[1] = r->range[0] + n * r->range[2];
        }
        *out = jv_list_of(obj->kind, r);
        return true;
    }
    jstr str = obj->u.s;
    size_t len = pystr_len(str.p, str.n);
    int64_t s, st, n;
    if (!slice_bounds(c, pos, start, stop, step, (int64_t)len, &s, &st, &n)) return false;
    if (len == str.n && st == 1) { /* ASCII, contiguous: share the bytes */
        *out = jv_str(str.p + s, (size_t)n);
        return true;
    }
    /* byte offset of every code point (plus the end) */
    size_t *offs = jalloc(c, pos, (len + 1) * sizeof *offs);
    if (!offs) return false;
    for (size_t i = 0, k = 0; i <= str.n; i++)
        if (i == str.n || ((unsigned char)str.p[i] & 0xC0) != 0x80) offs[k++] = i;
    if (st == 1) {
        *out = jv_str(str.p + offs[s], offs[s + n] - offs[s]);
        return true;
    }
    wick_buf b = {0};
    for (int64_t i = 0; i < n; i++) {
        int64_t k = s + i * st;
        wick_buf_append(&b, str.p + offs[k], offs[k + 1] - offs[k]);
    }
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}
