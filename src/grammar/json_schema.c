/* JSON Schema to GBNF: walks the schema tree, one GBNF rule per schema
 * node (named after its property path), and emits the shared primitive
 * rules (ws, string, number, ...) it used. Regexes, formats and number
 * ranges are in json_schema_text.c. Semantics and limits: json_schema.h.
 *
 * Length (~1300 lines): the walker's parts (keyword table, $ref
 * resolution, allOf merging, object/array/scalar emission) share one
 * converter state and recurse into each other. */
#include "grammar/json_schema.h"

#include "core/status.h"
#include "grammar/json_schema_internal.h"
#include "json/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_MAX_RULES 6000
#define JS_MAX_DEPTH 64
#define JS_MAX_VISITS 20000
#define JS_MAX_PREFIX 64
#define JS_MAX_LEN_REPEAT 5000
#define JS_PATH 200

/* ------------------------------------------------------------ primitives */

enum {
    P_WS = 1 << 0, P_CHAR = 1 << 1, P_STRING = 1 << 2, P_NUMBER = 1 << 3, P_INTEGER = 1 << 4,
    P_BOOLEAN = 1 << 5, P_NULL = 1 << 6, P_VALUE = 1 << 7, P_OBJECT = 1 << 8, P_ARRAY = 1 << 9,
    P_COUNT = 10
};

static const struct {
    const char *name, *body;
    unsigned deps;
} prims[P_COUNT] = {
    {"ws", "| \" \" | \"\\n\" [ \\t]{0,20}", 0},
    {"char",
     "[^\\x22\\x5C\\x00-\\x1F] | \"\\\\\" ( [\\x22\\x5C/bfnrt] | \"u\" ( [0-9a-cA-Ce-fE-F] "
     "[0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} ) )",
     0},
    {"string", "\"\\\"\" char* \"\\\"\" ws", P_CHAR | P_WS},
    {"number",
     "\"-\"? ( \"0\" | [1-9] [0-9]{0,15} ) ( \".\" [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,2} )? ws",
     P_WS},
    {"integer", "\"-\"? ( \"0\" | [1-9] [0-9]{0,15} ) ws", P_WS},
    {"boolean", "( \"true\" | \"false\" ) ws", P_WS},
    {"null", "\"null\" ws", P_WS},
    {"value", "object | array | string | number | boolean | null",
     P_OBJECT | P_ARRAY | P_STRING | P_NUMBER | P_BOOLEAN | P_NULL},
    {"object",
     "\"{\" ws ( string \":\" ws value ( \",\" ws string \":\" ws value )* )? \"}\" ws",
     P_STRING | P_VALUE | P_WS},
    {"array", "\"[\" ws ( value ( \",\" ws value )* )? \"]\" ws", P_VALUE | P_WS},
};

/* ------------------------------------------------------------ keywords */

typedef enum kw_cat { K_ANNOT, K_GENERIC, K_COMB, K_OBJ, K_ARR, K_STR, K_NUM } kw_cat;

static const struct {
    const char *name;
    kw_cat cat;
} keywords[] = {
    {"title", K_ANNOT}, {"description", K_ANNOT}, {"$schema", K_ANNOT}, {"$id", K_ANNOT},
    {"id", K_ANNOT}, {"$comment", K_ANNOT}, {"$anchor", K_ANNOT}, {"examples", K_ANNOT},
    {"example", K_ANNOT}, {"default", K_ANNOT}, {"deprecated", K_ANNOT}, {"readOnly", K_ANNOT},
    {"writeOnly", K_ANNOT}, {"contentEncoding", K_ANNOT}, {"contentMediaType", K_ANNOT},
    {"discriminator", K_ANNOT}, {"externalDocs", K_ANNOT}, {"xml", K_ANNOT},
    {"$defs", K_ANNOT}, {"definitions", K_ANNOT},
    {"type", K_GENERIC}, {"nullable", K_GENERIC}, {"const", K_GENERIC}, {"enum", K_GENERIC},
    {"$ref", K_COMB}, {"anyOf", K_COMB}, {"oneOf", K_COMB}, {"allOf", K_COMB},
    {"properties", K_OBJ}, {"required", K_OBJ}, {"additionalProperties", K_OBJ},
    {"minProperties", K_OBJ}, {"maxProperties", K_OBJ},
    {"items", K_ARR}, {"prefixItems", K_ARR}, {"additionalItems", K_ARR}, {"minItems", K_ARR},
    {"maxItems", K_ARR}, {"uniqueItems", K_ARR},
    {"minLength", K_STR}, {"maxLength", K_STR}, {"pattern", K_STR}, {"format", K_STR},
    {"minimum", K_NUM}, {"maximum", K_NUM}, {"exclusiveMinimum", K_NUM},
    {"exclusiveMaximum", K_NUM}, {"multipleOf", K_NUM},
};

static int kw_category(const char *key) {
    if (strncmp(key, "x-", 2) == 0) return K_ANNOT;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (strcmp(keywords[k].name, key) == 0) return (int)keywords[k].cat;
    return -1;
}

static bool is_number_format(const char *f) {
    return !strcmp(f, "int32") || !strcmp(f, "int64") || !strcmp(f, "float") || !strcmp(f, "double");
}

/* ------------------------------------------------------------ converter state */

enum { T_NULL = 1, T_BOOL = 2, T_INT = 4, T_NUM = 8, T_STR = 16, T_ARR = 32, T_OBJ = 64 };
#define T_ALL (T_NULL | T_BOOL | T_NUM | T_STR | T_ARR | T_OBJ)

typedef struct js_rule {
    char *name;
    char *body; /* NULL until built */
} js_rule;

typedef struct js_ref {
    const json_value *target;
    const char *name; /* the rule's name */
    int nest;         /* object/array nesting when the ref was entered */
    bool in_progress;
} js_ref;

typedef struct conv {
    const json_value *root;
    json_doc *scratch; /* merged schemas (allOf, siblings of anyOf/$ref) */
    js_rule *rules;
    size_t n_rules, cap_rules;
    js_ref *refs;
    size_t n_refs, cap_refs;
    unsigned prims_used;
    int depth, nest;
    size_t visits;
    wick_error *err;
} conv;

static wick_status visit(conv *c, const json_value *s, const char *path, const char *hint,
                         size_t into, const char **name);
#define NO_RULE ((size_t)-1)

static const char *prim(conv *c, unsigned p) {
    c->prims_used |= p;
    for (int k = 0; k < P_COUNT; k++)
        if (p == (1u << k)) return prims[k].name;
    return "value";
}

static wick_status nomem(conv *c) {
    return wick_error_set(c->err, WICK_ERR_NOMEM, "json schema: out of memory");
}

static bool name_taken(const conv *c, const char *name) {
    if (!strcmp(name, "root")) return true;
    for (int k = 0; k < P_COUNT; k++)
        if (!strcmp(prims[k].name, name)) return true;
    for (size_t k = 0; k < c->n_rules; k++)
        if (!strcmp(c->rules[k].name, name)) return true;
    return false;
}

/* Reserves a rule named after `hint` (letters, digits and '-'), made
 * unique with a numeric suffix. */
static wick_status new_rule(conv *c, const char *hint, size_t *idx) {
    if (c->n_rules >= JS_MAX_RULES)
        return wick_error_set(c->err, WICK_ERR_LIMIT, "json schema: more than %d grammar rules",
                              JS_MAX_RULES);
    if (c->n_rules == c->cap_rules) {
        size_t cap = c->cap_rules ? c->cap_rules * 2 : 32;
        js_rule *r = realloc(c->rules, cap * sizeof *r);
        if (!r) return nomem(c);
        c->rules = r;
        c->cap_rules = cap;
    }
    char base[56];
    size_t n = 0;
    for (const char *h = hint; *h && n < 40; h++) {
        char ch = *h;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!ok) ch = '-';
        if (ch == '-' && (n == 0 || base[n - 1] == '-')) continue;
        /* never "-<digit>": grammar_compile names its own helper rules
           "<rule>-<k>" (as llama.cpp's json-schema-to-grammar avoids too) */
        if (ch >= '0' && ch <= '9' && n && base[n - 1] == '-') base[n++] = 'n';
        base[n++] = ch;
    }
    while (n && base[n - 1] == '-') n--;
    if (!n) base[n++] = 'r';
    base[n] = '\0';
    char name[80];
    snprintf(name, sizeof name, "%s", base);
    for (size_t k = 1; name_taken(c, name); k++)
        snprintf(name, sizeof name, "%s%zu", base, k);
    char *dup = malloc(strlen(name) + 1);
    if (!dup) return nomem(c);
    strcpy(dup, name);
    c->rules[c->n_rules].name = dup;
    c->rules[c->n_rules].body = NULL;
    *idx = c->n_rules++;
    return WICK_OK;
}

static wick_status set_body(conv *c, size_t idx, wick_buf *body) {
    if (body->failed) {
        wick_buf_free(body);
        return nomem(c);
    }
    size_t len;
    char *text = wick_buf_take(body, &len);
    if (!text) return nomem(c);
    free(c->rules[idx].body);
    c->rules[idx].body = text;
    return WICK_OK;
}

static wick_status schema_err(conv *c, wick_status code, const char *path, const char *what) {
    return wick_error_set(c->err, code, "schema at %s: %s", path, what);
}

static void sub_path(char *out, const char *path, const char *fmt, const char *key) {
    int n = snprintf(out, JS_PATH, "%s", path);
    if (n < 0 || n >= JS_PATH) n = JS_PATH - 1;
    snprintf(out + n, (size_t)(JS_PATH - n), fmt, key);
}

static void sub_hint(char *out, size_t cap, const char *hint, const char *key) {
    if (!strcmp(hint, "root")) snprintf(out, cap, "%s", key);
    else snprintf(out, cap, "%s-%s", hint, key);
}

/* ------------------------------------------------------------ JSON helpers */

static bool json_equal(const json_value *a, const json_value *b) {
    if (a->type != b->type) return false;
    switch (a->type) {
    case JSON_NULL: return true;
    case JSON_BOOL: return a->u.boolean == b->u.boolean;
    case JSON_NUMBER: return a->u.number.f == b->u.number.f;
    case JSON_STRING:
        return a->u.string.len == b->u.string.len &&
               memcmp(a->u.string.ptr, b->u.string.ptr, a->u.string.len) == 0;
    case JSON_ARRAY:
        if (a->u.array.len != b->u.array.len) return false;
        for (size_t i = 0; i < a->u.array.len; i++)
            if (!json_equal(a->u.array.items[i], b->u.array.items[i])) return false;
        return true;
    case JSON_OBJECT:
        if (a->u.object.len != b->u.object.len) return false;
        for (size_t i = 0; i < a->u.object.len; i++) {
            const json_member *m = &a->u.object.members[i], *f = NULL;
            for (size_t j = 0; j < b->u.object.len && !f; j++)
                if (b->u.object.members[j].key_len == m->key_len &&
                    !memcmp(b->u.object.members[j].key, m->key, m->key_len))
                    f = &b->u.object.members[j];
            if (!f || !json_equal(m->value, f->value)) return false;
        }
        return true;
    }
    return false;
}

static const json_value *member(const json_value *obj, const char *key, size_t key_len) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (obj->u.object.members[i].key_len == key_len &&
            !memcmp(obj->u.object.members[i].key, key, key_len))
            return obj->u.object.members[i].value;
    return NULL;
}

static bool has_siblings(const json_value *s, const char *except) {
    for (size_t i = 0; i < s->u.object.len; i++) {
        const char *k = s->u.object.members[i].key;
        if (!strcmp(k, except) || kw_category(k) == K_ANNOT) continue;
        return true;
    }
    return false;
}

/* A non-negative integer keyword (5 or 5.0); *v untouched when absent. */
static wick_status get_count(conv *c, const json_value *s, const char *key, const char *path,
                             uint64_t *v) {
    const json_value *x = json_get(s, key);
    if (!x) return WICK_OK;
    double f = x->type == JSON_NUMBER ? x->u.number.f : -1;
    if (x->type != JSON_NUMBER || f < 0 || f != floor(f)) {
        return wick_error_set(c->err, WICK_ERR_FORMAT,
                              "schema at %s: '%s' must be a non-negative integer", path, key);
    }
    *v = f >= 1e15 ? JS_UNBOUNDED - 1 : (uint64_t)f;
    return WICK_OK;
}

/* ------------------------------------------------------------ $ref */

static wick_status resolve_ref(conv *c, const json_value *ref, const char *path,
                               const json_value **target, char *ref_path, char *hint) {
    if (ref->type != JSON_STRING) return schema_err(c, WICK_ERR_FORMAT, path, "'$ref' must be a string");
    const char *p = ref->u.string.ptr;
    size_t n = ref->u.string.len;
    if (n == 0 || p[0] != '#')
        return wick_error_set(c->err, WICK_ERR_UNSUPPORTED,
                              "schema at %s: unsupported $ref '%.100s' (only local refs '#/...')", path, p);
    const json_value *v = c->root;
    snprintf(ref_path, JS_PATH, "$");
    snprintf(hint, 48, "ref");
    size_t i = 1;
    if (i < n && p[i] != '/')
        return wick_error_set(c->err, WICK_ERR_UNSUPPORTED,
                              "schema at %s: unsupported $ref '%.100s' (anchors and $id refs)", path, p);
    while (i < n) {
        i++; /* '/' */
        char seg[128];
        size_t sl = 0;
        while (i < n && p[i] != '/') {
            char ch = p[i++];
            if (ch == '~' && i < n && (p[i] == '0' || p[i] == '1')) ch = p[i++] == '0' ? '~' : '/';
            else if (ch == '%' && i + 1 < n) {
                int hi = p[i] >= 'a' ? p[i] - 'a' + 10 : p[i] >= 'A' ? p[i] - 'A' + 10 : p[i] - '0';
                int lo = p[i + 1] >= 'a' ? p[i + 1] - 'a' + 10 : p[i + 1] >= 'A' ? p[i + 1] - 'A' + 10 : p[i + 1] - '0';
                if (hi >= 0 && hi < 16 && lo >= 0 && lo < 16) {
                    ch = (char)(hi * 16 + lo);
                    i += 2;
                }
            }
            if (sl >= sizeof seg - 1)
                return schema_err(c, WICK_ERR_LIMIT, path, "$ref segment longer than 127 bytes");
            seg[sl++] = ch;
        }
        seg[sl] = '\0';
        const json_value *next = NULL;
        if (v->type == JSON_OBJECT) {
            next = member(v, seg, sl);
        } else if (v->type == JSON_ARRAY && sl > 0 && sl < 10 && strspn(seg, "0123456789") == sl) {
            size_t idx = (size_t)strtoul(seg, NULL, 10);
            if (idx < v->u.array.len) next = v->u.array.items[idx];
        }
        if (!next)
            return wick_error_set(c->err, WICK_ERR_FORMAT,
                                  "schema at %s: $ref '%.100s' points to nothing", path, p);
        v = next;
        size_t pl = strlen(ref_path);
        if (pl < JS_PATH - 1) snprintf(ref_path + pl, JS_PATH - pl, ".%s", seg);
        snprintf(hint, 48, "%s", seg);
    }
    *target = v;
    return WICK_OK;
}

static wick_status visit_ref(conv *c, const json_value *ref, const char *path, const char **name) {
    const json_value *target;
    char ref_path[JS_PATH], hint[48];
    wick_status st = resolve_ref(c, ref, path, &target, ref_path, hint);
    if (st) return st;
    for (size_t k = 0; k < c->n_refs; k++) {
        if (c->refs[k].target != target) continue;
        if (c->refs[k].in_progress && c->refs[k].nest == c->nest)
            return wick_error_set(c->err, WICK_ERR_UNSUPPORTED,
                                  "schema at %s: $ref '%.100s' refers back to itself without an "
                                  "object or array in between (left recursion)",
                                  path, ref->u.string.ptr);
        *name = c->refs[k].name;
        return WICK_OK;
    }
    if (c->n_refs == c->cap_refs) {
        size_t cap = c->cap_refs ? c->cap_refs * 2 : 16;
        js_ref *r = realloc(c->refs, cap * sizeof *r);
        if (!r) return nomem(c);
        c->refs = r;
        c->cap_refs = cap;
    }
    size_t idx;
    if ((st = new_rule(c, hint, &idx))) return st;
    size_t slot = c->n_refs++;
    c->refs[slot] = (js_ref){target, c->rules[idx].name, c->nest, true};
    const char *inner;
    st = visit(c, target, ref_path, c->rules[idx].name, idx, &inner);
    c->refs[slot].in_progress = false;
    if (st) return st;
    if (!c->rules[idx].body) { /* the target was itself a ref or a primitive: alias it */
        wick_buf b = {0};
        wick_buf_puts(&b, inner);
        if ((st = set_body(c, idx, &b))) return st;
    }
    *name = c->rules[idx].name;
    return WICK_OK;
}

/* ------------------------------------------------------------ allOf merging */

typedef struct merge_state {
    json_value *out;
    int parts, parts_with_props, depth;
    bool closed; /* some part has additionalProperties other than true */
} merge_state;

static wick_status merge_part(conv *c, merge_state *ms, const json_value *p, const char *path) {
    if (++ms->parts > 64 || ms->depth > 16)
        return schema_err(c, WICK_ERR_LIMIT, path, "allOf/$ref expansion over 64 parts (or cyclic)");
    if (p->type == JSON_BOOL) {
        if (p->u.boolean) return WICK_OK;
        return schema_err(c, WICK_ERR_UNSUPPORTED, path, "allOf with a 'false' schema allows nothing");
    }
    if (p->type != JSON_OBJECT) return schema_err(c, WICK_ERR_FORMAT, path, "expected a schema object");
    json_doc *d = c->scratch;
    if (json_get(p, "properties")) ms->parts_with_props++;
    const json_value *ap = json_get(p, "additionalProperties");
    if (ap && !(ap->type == JSON_BOOL && ap->u.boolean)) ms->closed = true;
    for (size_t i = 0; i < p->u.object.len; i++) {
        const json_member *m = &p->u.object.members[i];
        const char *k = m->key;
        int cat = kw_category(k);
        if (cat == K_ANNOT) continue;
        wick_status st;
        if (!strcmp(k, "$ref")) {
            const json_value *target;
            char ref_path[JS_PATH], hint[48];
            if ((st = resolve_ref(c, m->value, path, &target, ref_path, hint))) return st;
            ms->depth++;
            st = merge_part(c, ms, target, ref_path);
            ms->depth--;
            if (st) return st;
            continue;
        }
        if (!strcmp(k, "allOf")) {
            if (m->value->type != JSON_ARRAY || m->value->u.array.len == 0)
                return schema_err(c, WICK_ERR_FORMAT, path, "'allOf' must be a non-empty array");
            for (size_t j = 0; j < m->value->u.array.len; j++) {
                char sp[JS_PATH], idx[24];
                snprintf(idx, sizeof idx, "%zu", j);
                sub_path(sp, path, ".allOf[%s]", idx);
                ms->depth++;
                st = merge_part(c, ms, m->value->u.array.items[j], sp);
                ms->depth--;
                if (st) return st;
            }
            continue;
        }
        const json_value *have = json_get(ms->out, k);
        if (!strcmp(k, "properties")) {
            if (m->value->type != JSON_OBJECT)
                return schema_err(c, WICK_ERR_FORMAT, path, "'properties' must be an object");
            json_value *props = (json_value *)have;
            if (!props) {
                props = json_new_object(d);
                if (!props || !json_object_set(d, ms->out, "properties", 10, props)) return nomem(c);
            }
            for (size_t j = 0; j < m->value->u.object.len; j++) {
                const json_member *pm = &m->value->u.object.members[j];
                const json_value *old = member(props, pm->key, pm->key_len);
                if (old && !json_equal(old, pm->value))
                    return wick_error_set(c->err, WICK_ERR_UNSUPPORTED,
                                          "schema at %s: allOf parts define property '%s' differently",
                                          path, pm->key);
                if (!old && !json_object_set(d, props, pm->key, pm->key_len, pm->value)) return nomem(c);
            }
        } else if (!strcmp(k, "required")) {
            if (m->value->type != JSON_ARRAY)
                return schema_err(c, WICK_ERR_FORMAT, path, "'required' must be an array");
            json_value *req = (json_value *)have;
            if (!req) {
                req = json_new_array(d);
                if (!req || !json_object_set(d, ms->out, "required", 8, req)) return nomem(c);
            }
            for (size_t j = 0; j < m->value->u.array.len; j++) {
                const json_value *name = m->value->u.array.items[j];
                bool dup = false;
                for (size_t q = 0; q < req->u.array.len && !dup; q++)
                    dup = json_equal(req->u.array.items[q], name);
                if (!dup && !json_array_push(d, req, (json_value *)name)) return nomem(c);
            }
        } else if (!strcmp(k, "type") && have && !json_equal(have, m->value)) {
            /* integer and number: integer */
            bool hi = have->type == JSON_STRING && !strcmp(have->u.string.ptr, "integer");
            bool hn = have->type == JSON_STRING && !strcmp(have->u.string.ptr, "number");
            bool mi = m->value->type == JSON_STRING && !strcmp(m->value->u.string.ptr, "integer");
            bool mn = m->value->type == JSON_STRING && !strcmp(m->value->u.string.ptr, "number");
            if ((hi && mn) || (hn && mi)) {
                json_value *t = json_new_string(d, "integer", 7);
                if (!t || !json_object_set(d, ms->out, "type", 4, t)) return nomem(c);
            } else {
                return schema_err(c, WICK_ERR_UNSUPPORTED, path, "allOf parts have conflicting 'type'");
            }
        } else if (have) {
            if (!json_equal(have, m->value))
                return wick_error_set(c->err, WICK_ERR_UNSUPPORTED,
                                      "schema at %s: keyword '%s' appears in more than one allOf part "
                                      "(or beside a $ref) with different values", path, k);
        } else if (!json_object_set(d, ms->out, k, m->key_len, m->value)) {
            return nomem(c);
        }
    }
    return WICK_OK;
}

/* Merges the parts (each may hold $ref and allOf) into one schema. */
static wick_status merge_schemas(conv *c, const json_value *const *parts, size_t n,
                                 const char *path, const json_value **out) {
    merge_state ms = {json_new_object(c->scratch), 0, 0, 0, false};
    if (!ms.out) return nomem(c);
    for (size_t k = 0; k < n; k++) {
        wick_status st = merge_part(c, &ms, parts[k], path);
        if (st) return st;
    }
    if (ms.closed && ms.parts_with_props > 1)
        return schema_err(c, WICK_ERR_UNSUPPORTED, path,
                          "allOf: 'additionalProperties' in one part with 'properties' in another "
                          "cannot be combined");
    *out = ms.out;
    return WICK_OK;
}

/* ------------------------------------------------------------ types, literals */

static wick_status type_mask(conv *c, const json_value *s, const char *path, unsigned *mask) {
    const json_value *t = json_get(s, "type");
    unsigned m = 0;
    if (t) {
        size_t n = t->type == JSON_ARRAY ? t->u.array.len : 1;
        if (t->type == JSON_ARRAY && n == 0)
            return schema_err(c, WICK_ERR_FORMAT, path, "'type' is an empty array");
        for (size_t i = 0; i < n; i++) {
            const json_value *e = t->type == JSON_ARRAY ? t->u.array.items[i] : t;
            const char *name = e->type == JSON_STRING ? e->u.string.ptr : "";
            if (!strcmp(name, "null")) m |= T_NULL;
            else if (!strcmp(name, "boolean")) m |= T_BOOL;
            else if (!strcmp(name, "integer")) m |= T_INT;
            else if (!strcmp(name, "number")) m |= T_NUM;
            else if (!strcmp(name, "string")) m |= T_STR;
            else if (!strcmp(name, "array")) m |= T_ARR;
            else if (!strcmp(name, "object")) m |= T_OBJ;
            else
                return wick_error_set(c->err, WICK_ERR_FORMAT,
                                      "schema at %s: unknown type '%.60s'", path, name);
        }
    } else if (json_get(s, "const") || json_get(s, "enum")) {
        m = T_ALL;
    } else {
        for (size_t i = 0; i < s->u.object.len; i++) {
            const json_member *mb = &s->u.object.members[i];
            switch (kw_category(mb->key)) {
            case K_OBJ: m |= T_OBJ; break;
            case K_ARR: m |= T_ARR; break;
            case K_NUM: m |= T_NUM; break;
            case K_STR:
                if (!strcmp(mb->key, "format") && mb->value->type == JSON_STRING &&
                    is_number_format(mb->value->u.string.ptr))
                    m |= T_NUM;
                else
                    m |= T_STR;
                break;
            default: break;
            }
        }
        if (!m) m = T_ALL;
    }
    const json_value *nl = json_get(s, "nullable");
    if (nl) {
        if (nl->type != JSON_BOOL) return schema_err(c, WICK_ERR_FORMAT, path, "'nullable' must be a boolean");
        if (nl->u.boolean) m |= T_NULL;
    }
    if ((m & T_INT) && (m & T_NUM)) m &= ~(unsigned)T_INT;
    *mask = m;
    return WICK_OK;
}

static bool value_in_mask(const json_value *v, unsigned m) {
    switch (v->type) {
    case JSON_NULL: return m & T_NULL;
    case JSON_BOOL: return m & T_BOOL;
    case JSON_NUMBER:
        return (m & T_NUM) || ((m & T_INT) && isfinite(v->u.number.f) && v->u.number.f == floor(v->u.number.f));
    case JSON_STRING: return m & T_STR;
    case JSON_ARRAY: return m & T_ARR;
    case JSON_OBJECT: return m & T_OBJ;
    }
    return false;
}

static void emit_json_literal(conv *c, wick_buf *out, const json_value *v) {
    json_write_opts o = {-1, false, ",", ":", false};
    wick_buf text = {0};
    json_write(&text, v, &o);
    js_gbnf_literal(out, text.data ? text.data : "", text.len);
    wick_buf_puts(out, " ");
    wick_buf_puts(out, prim(c, P_WS));
    if (text.failed) out->failed = true;
    wick_buf_free(&text);
}

/* ------------------------------------------------------------ objects */

/* Keys that are none of `names`: a trie over their code points, one rule
 * per node. A key may leave the trie only with a raw character that no
 * name continues with (never an escape), so no spelling of a declared
 * name gets through. Returns the rule name of the quoted key + ws. */
typedef struct trie_node {
    uint32_t cp;
    size_t first_child, next_sibling; /* 0 = none (node 0 is the root) */
    bool terminal;
} trie_node;

static uint32_t utf8_next(const char *s, size_t n, size_t *i) {
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = n - *i;
    uint32_t c = p[0];
    size_t len = 1;
    if (c >= 0xF0 && left >= 4) c = ((c & 7u) << 18) | ((p[1] & 63u) << 12) | ((p[2] & 63u) << 6) | (p[3] & 63u), len = 4;
    else if (c >= 0xE0 && left >= 3) c = ((c & 15u) << 12) | ((p[1] & 63u) << 6) | (p[2] & 63u), len = 3;
    else if (c >= 0xC0 && left >= 2) c = ((c & 31u) << 6) | (p[1] & 63u), len = 2;
    *i += len;
    return c;
}

static void put_cp_json_literal(wick_buf *out, uint32_t cp) {
    /* the JSON text of one code point, as a GBNF literal */
    char u8[8];
    size_t n = 0;
    if (cp == '"' || cp == '\\') {
        u8[n++] = '\\';
        u8[n++] = (char)cp;
    } else if (cp < 0x20) {
        n = (size_t)snprintf(u8, sizeof u8, "\\u%04x", (unsigned)cp);
    } else if (cp < 0x80) {
        u8[n++] = (char)cp;
    } else if (cp < 0x800) {
        u8[n++] = (char)(0xC0 | (cp >> 6));
        u8[n++] = (char)(0x80 | (cp & 63));
    } else if (cp < 0x10000) {
        u8[n++] = (char)(0xE0 | (cp >> 12));
        u8[n++] = (char)(0x80 | ((cp >> 6) & 63));
        u8[n++] = (char)(0x80 | (cp & 63));
    } else {
        u8[n++] = (char)(0xF0 | (cp >> 18));
        u8[n++] = (char)(0x80 | ((cp >> 12) & 63));
        u8[n++] = (char)(0x80 | ((cp >> 6) & 63));
        u8[n++] = (char)(0x80 | (cp & 63));
    }
    js_gbnf_literal(out, u8, n);
}

static void put_class_cp(wick_buf *out, uint32_t cp) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
        wick_buf_putc(out, (char)cp);
    else if (cp < 0x100) wick_buf_printf(out, "\\x%02X", (unsigned)cp);
    else if (cp < 0x10000) wick_buf_printf(out, "\\u%04X", (unsigned)cp);
    else wick_buf_printf(out, "\\U%08X", (unsigned)cp);
}

static wick_status key_excluding(conv *c, const json_member *const *names, size_t n_names,
                                 const char *hint, const char **name) {
    if (n_names == 0) {
        *name = prim(c, P_STRING);
        return WICK_OK;
    }
    size_t total = 1;
    for (size_t k = 0; k < n_names; k++) total += names[k]->key_len;
    if (total > 4000) return wick_error_set(c->err, WICK_ERR_LIMIT, "json schema: property names too long in total");
    trie_node *t = calloc(total, sizeof *t);
    size_t *rule_of = calloc(total, sizeof *rule_of);
    if (!t || !rule_of) {
        free(t);
        free(rule_of);
        return nomem(c);
    }
    size_t nn = 1;
    for (size_t k = 0; k < n_names; k++) {
        size_t node = 0, i = 0;
        while (i < names[k]->key_len) {
            uint32_t cp = utf8_next(names[k]->key, names[k]->key_len, &i);
            size_t ch = t[node].first_child;
            while (ch && t[ch].cp != cp) ch = t[ch].next_sibling;
            if (!ch) {
                ch = nn++;
                t[ch].cp = cp;
                t[ch].next_sibling = t[node].first_child;
                t[node].first_child = ch;
            }
            node = ch;
        }
        t[node].terminal = true;
    }
    wick_status st = WICK_OK;
    char h[64];
    snprintf(h, sizeof h, "%s-key", hint);
    size_t top;
    if ((st = new_rule(c, h, &top))) goto done;
    for (size_t k = 0; k < nn && !st; k++) {
        snprintf(h, sizeof h, "%s-key-%zu", hint, k);
        st = new_rule(c, h, &rule_of[k]);
    }
    const char *chr = prim(c, P_CHAR), *ws = prim(c, P_WS);
    for (size_t k = 0; k < nn && !st; k++) {
        wick_buf b = {0};
        wick_buf_puts(&b, "[^\\x22\\x5C\\x00-\\x1F");
        for (size_t ch = t[k].first_child; ch; ch = t[ch].next_sibling) put_class_cp(&b, t[ch].cp);
        wick_buf_printf(&b, "] %s* \"\\\"\" %s", chr, ws);
        for (size_t ch = t[k].first_child; ch; ch = t[ch].next_sibling) {
            wick_buf_puts(&b, " | ");
            put_cp_json_literal(&b, t[ch].cp);
            wick_buf_printf(&b, " %s", c->rules[rule_of[ch]].name);
        }
        if (!t[k].terminal) wick_buf_printf(&b, " | \"\\\"\" %s", ws);
        st = set_body(c, rule_of[k], &b);
    }
    if (!st) {
        wick_buf b = {0};
        wick_buf_printf(&b, "\"\\\"\" %s", c->rules[rule_of[0]].name);
        st = set_body(c, top, &b);
        *name = c->rules[top].name;
    }
done:
    free(t);
    free(rule_of);
    return st;
}

typedef struct kv_entry {
    char *text; /* "\"key\"" ws ":" ws value-rule */
    bool required, star;
} kv_entry;

static wick_status emit_object(conv *c, const json_value *s, const char *path, const char *hint,
                               wick_buf *out) {
    const json_value *props = json_get(s, "properties"), *req = json_get(s, "required");
    const json_value *addl = json_get(s, "additionalProperties");
    if (props && props->type != JSON_OBJECT) return schema_err(c, WICK_ERR_FORMAT, path, "'properties' must be an object");
    if (req && req->type != JSON_ARRAY) return schema_err(c, WICK_ERR_FORMAT, path, "'required' must be an array");
    if (addl && addl->type != JSON_BOOL && addl->type != JSON_OBJECT)
        return schema_err(c, WICK_ERR_FORMAT, path, "'additionalProperties' must be a boolean or a schema");
    size_t n_props = props ? props->u.object.len : 0, n_req = req ? req->u.array.len : 0;
    for (size_t i = 0; i < n_req; i++)
        if (req->u.array.items[i]->type != JSON_STRING)
            return schema_err(c, WICK_ERR_FORMAT, path, "'required' must hold strings");
    if (!props && !req && !addl && !json_get(s, "minProperties") && !json_get(s, "maxProperties")) {
        wick_buf_puts(out, prim(c, P_OBJECT)); /* {"type":"object"}: any object */
        return WICK_OK;
    }
    bool open = addl && !(addl->type == JSON_BOOL && !addl->u.boolean);
    bool addl_false = addl && addl->type == JSON_BOOL && !addl->u.boolean;

    size_t cap = n_props + n_req + 1;
    kv_entry *e = calloc(cap, sizeof *e);
    const json_member **declared = calloc(cap, sizeof *declared);
    json_member *extra_req = calloc(n_req + 1, sizeof *extra_req);
    if (!e || !declared || !extra_req) {
        free(e);
        free(declared);
        free(extra_req);
        return nomem(c);
    }
    size_t n = 0, n_declared = 0, n_extra = 0;
    wick_status st = WICK_OK;
    const char *ws = prim(c, P_WS);
    c->nest++;
    /* declared properties, and required names they do not declare */
    for (size_t i = 0; i < n_props + n_req && !st; i++) {
        const json_member *m;
        const json_value *schema;
        char sp[JS_PATH], sh[64];
        if (i < n_props) {
            m = &props->u.object.members[i];
            schema = m->value;
            sub_path(sp, path, ".properties.%s", m->key);
        } else {
            const json_value *r = req->u.array.items[i - n_props];
            if (member(props, r->u.string.ptr, r->u.string.len)) continue;
            bool dup = false;
            for (size_t q = 0; q < n_extra && !dup; q++)
                dup = extra_req[q].key_len == r->u.string.len && !memcmp(extra_req[q].key, r->u.string.ptr, r->u.string.len);
            if (dup) continue;
            if (addl_false) {
                st = wick_error_set(c->err, WICK_ERR_UNSUPPORTED,
                                    "schema at %s: required property '%s' is not in 'properties' and "
                                    "additionalProperties is false", path, r->u.string.ptr);
                break;
            }
            extra_req[n_extra] = (json_member){r->u.string.ptr, r->u.string.len, (json_value *)r};
            m = &extra_req[n_extra++];
            schema = addl && addl->type == JSON_OBJECT ? addl : NULL;
            sub_path(sp, path, ".additionalProperties(%s)", m->key);
        }
        declared[n_declared++] = m;
        sub_hint(sh, sizeof sh, hint, m->key);
        const char *vname;
        if (schema) st = visit(c, schema, sp, sh, NO_RULE, &vname);
        else vname = prim(c, P_VALUE);
        if (st) break;
        bool is_req = i >= n_props;
        for (size_t q = 0; q < n_req && !is_req; q++)
            is_req = req->u.array.items[q]->u.string.len == m->key_len &&
                     !memcmp(req->u.array.items[q]->u.string.ptr, m->key, m->key_len);
        wick_buf t = {0}, key = {0};
        json_value kv = {.type = JSON_STRING};
        kv.u.string.ptr = (char *)m->key;
        kv.u.string.len = m->key_len;
        json_write_opts o = {-1, false, NULL, NULL, false};
        json_write(&key, &kv, &o);
        js_gbnf_literal(&t, key.data ? key.data : "", key.len);
        wick_buf_printf(&t, " %s \":\" %s %s", ws, ws, vname);
        wick_buf_free(&key);
        if (t.failed) {
            wick_buf_free(&t);
            st = nomem(c);
            break;
        }
        e[n].text = wick_buf_take(&t, NULL);
        e[n].required = is_req;
        n++;
    }
    if (!st && open) {
        const char *vname, *kname;
        char sp[JS_PATH], sh[64];
        sub_path(sp, path, ".additionalProperties%s", "");
        sub_hint(sh, sizeof sh, hint, "additional");
        if (addl->type == JSON_OBJECT) st = visit(c, addl, sp, sh, NO_RULE, &vname);
        else vname = prim(c, P_VALUE);
        if (!st) st = key_excluding(c, declared, n_declared, strcmp(hint, "root") ? hint : "additional", &kname);
        if (!st) {
            wick_buf t = {0};
            wick_buf_printf(&t, "%s \":\" %s %s", kname, ws, vname);
            if (t.failed) st = nomem(c);
            else e[n].text = wick_buf_take(&t, NULL), e[n].star = true, n++;
        }
    }
    c->nest--;
    /* minProperties / maxProperties: only where already implied */
    uint64_t min_p = 0, max_p = JS_UNBOUNDED;
    size_t n_required = 0;
    for (size_t k = 0; k < n; k++) n_required += e[k].required;
    if (!st) st = get_count(c, s, "minProperties", path, &min_p);
    if (!st) st = get_count(c, s, "maxProperties", path, &max_p);
    if (!st && (min_p > n_required || (max_p != JS_UNBOUNDED && (open || max_p < n))))
        st = schema_err(c, WICK_ERR_UNSUPPORTED, path,
                        "unsupported keyword 'minProperties'/'maxProperties' (only where 'required' "
                        "or a closed property list already implies it)");

    if (!st) {
        /* required first (declared order), then optional ones, then the rest */
        size_t *order = calloc(n + 1, sizeof *order), m_opt = 0, k_req = 0;
        if (!order) st = nomem(c);
        for (size_t k = 0; k < n && order; k++)
            if (e[k].required) order[k_req++] = k;
        for (size_t k = 0; k < n && order; k++)
            if (!e[k].required) order[k_req + m_opt++] = k;
        wick_buf_printf(out, "\"{\" %s", ws);
        for (size_t k = 0; k < k_req; k++) {
            if (k) wick_buf_printf(out, " \",\" %s", ws);
            wick_buf_printf(out, " %s", e[order[k]].text);
        }
        if (m_opt && !st) {
            /* rest[j] ::= ( "," ws O_j )? rest[j+1]; the additional entry repeats */
            const char **rest = calloc(m_opt + 1, sizeof *rest);
            if (!rest) st = nomem(c);
            for (size_t j = m_opt; j-- > 1 && !st;) {
                const kv_entry *o = &e[order[k_req + j]];
                char rh[64];
                size_t idx;
                snprintf(rh, sizeof rh, "%s-rest", hint);
                if ((st = new_rule(c, rh, &idx))) break;
                wick_buf b = {0};
                if (o->star) wick_buf_printf(&b, "( \",\" %s %s )*", ws, o->text);
                else wick_buf_printf(&b, "( \",\" %s %s )?", ws, o->text);
                if (rest[j + 1]) wick_buf_printf(&b, " %s", rest[j + 1]);
                if ((st = set_body(c, idx, &b))) break;
                rest[j] = c->rules[idx].name;
            }
            if (!st) {
                wick_buf_puts(out, k_req ? " ( \",\" " : " ( ");
                if (k_req) wick_buf_printf(out, "%s ( ", ws);
                for (size_t j = 0; j < m_opt; j++) {
                    const kv_entry *o = &e[order[k_req + j]];
                    if (j) wick_buf_puts(out, " | ");
                    wick_buf_puts(out, o->text);
                    if (o->star) wick_buf_printf(out, " ( \",\" %s %s )*", ws, o->text);
                    else if (rest[j + 1]) wick_buf_printf(out, " %s", rest[j + 1]);
                }
                wick_buf_puts(out, k_req ? " ) )?" : " )?");
            }
            free(rest);
        }
        wick_buf_printf(out, " \"}\" %s", ws);
        free(order);
    }
    for (size_t k = 0; k < n; k++) free(e[k].text);
    free(e);
    free(declared);
    free(extra_req);
    return st;
}

/* ------------------------------------------------------------ arrays */

static void put_repeat(wick_buf *out, uint64_t lo, uint64_t hi) {
    if (lo == 0 && hi == 1) wick_buf_puts(out, "?");
    else if (lo == 0 && hi == JS_UNBOUNDED) wick_buf_puts(out, "*");
    else if (lo == 1 && hi == JS_UNBOUNDED) wick_buf_puts(out, "+");
    else if (hi == JS_UNBOUNDED) wick_buf_printf(out, "{%llu,}", (unsigned long long)lo);
    else if (lo == hi) wick_buf_printf(out, "{%llu}", (unsigned long long)lo);
    else wick_buf_printf(out, "{%llu,%llu}", (unsigned long long)lo, (unsigned long long)hi);
}

static wick_status emit_array(conv *c, const json_value *s, const char *path, const char *hint,
                              wick_buf *out) {
    const json_value *items = json_get(s, "items"), *prefix = json_get(s, "prefixItems");
    const json_value *more = json_get(s, "additionalItems"), *tail;
    if (more && more->type != JSON_BOOL && more->type != JSON_OBJECT)
        return schema_err(c, WICK_ERR_FORMAT, path, "'additionalItems' must be a boolean or a schema");
    uint64_t mn = 0, mx = JS_UNBOUNDED;
    wick_status st;
    if ((st = get_count(c, s, "minItems", path, &mn)) || (st = get_count(c, s, "maxItems", path, &mx)))
        return st;
    if (prefix && prefix->type != JSON_ARRAY) return schema_err(c, WICK_ERR_FORMAT, path, "'prefixItems' must be an array");
    if (items && items->type == JSON_ARRAY) {
        if (prefix) return schema_err(c, WICK_ERR_FORMAT, path, "'items' array beside 'prefixItems'");
        prefix = items; /* draft 4-7 tuple form */
        tail = more;
    } else {
        /* additionalItems without a tuple has no effect; no items: anything */
        static const json_value any_schema = {.type = JSON_BOOL, .u.boolean = true};
        tail = prefix ? items : (items ? items : &any_schema);
    }
    if (tail && tail->type == JSON_BOOL && !tail->u.boolean) tail = NULL;
    const json_value *uq = json_get(s, "uniqueItems");
    if (uq && uq->type != JSON_BOOL) return schema_err(c, WICK_ERR_FORMAT, path, "'uniqueItems' must be a boolean");
    if (uq && uq->u.boolean && mx > 1)
        return schema_err(c, WICK_ERR_UNSUPPORTED, path, "unsupported keyword 'uniqueItems' (true, with maxItems over 1)");
    if (mn > mx) return schema_err(c, WICK_ERR_UNSUPPORTED, path, "minItems > maxItems: no array is valid");
    if (mn > JS_MAX_LEN_REPEAT || (mx != JS_UNBOUNDED && mx > JS_MAX_LEN_REPEAT))
        mx = mx > JS_MAX_LEN_REPEAT ? JS_UNBOUNDED : mx;
    if (mn > JS_MAX_LEN_REPEAT) return schema_err(c, WICK_ERR_LIMIT, path, "minItems over 5000");
    size_t p = prefix ? prefix->u.array.len : 0;
    if (p > JS_MAX_PREFIX) return schema_err(c, WICK_ERR_LIMIT, path, "more than 64 prefixItems");
    if (!tail && mn > p) return schema_err(c, WICK_ERR_UNSUPPORTED, path, "minItems exceeds the items allowed: no array is valid");

    const char *pn[JS_MAX_PREFIX], *tn = NULL, *ws = prim(c, P_WS);
    c->nest++;
    st = WICK_OK;
    for (size_t i = 0; i < p && !st; i++) {
        char sp[JS_PATH], sh[64], idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        sub_path(sp, path, prefix == items ? ".items[%s]" : ".prefixItems[%s]", idx);
        sub_hint(sh, sizeof sh, hint, idx);
        st = visit(c, prefix->u.array.items[i], sp, sh, NO_RULE, &pn[i]);
    }
    if (!st && tail) {
        char sp[JS_PATH], sh[64];
        sub_path(sp, path, prefix == items ? ".additionalItems%s" : ".items%s", "");
        sub_hint(sh, sizeof sh, hint, "item");
        st = visit(c, tail, sp, sh, NO_RULE, &tn);
    }
    c->nest--;
    if (st) return st;

    size_t eff = p < mx ? p : (size_t)mx;
    wick_buf_printf(out, "\"[\" %s ", ws);
    if (eff == 0) {
        if (tn && mx > 0) {
            uint64_t lo = mn ? mn - 1 : 0, hi = mx == JS_UNBOUNDED ? mx : mx - 1;
            wick_buf_printf(out, "%s%s", mn == 0 ? "( " : "", tn);
            if (hi > 0) {
                wick_buf_printf(out, " ( \",\" %s %s )", ws, tn);
                put_repeat(out, lo, hi);
            }
            if (mn == 0) wick_buf_puts(out, " )?");
            wick_buf_puts(out, " ");
        }
    } else {
        /* p0 ( "," ws p1 ( ... tail )? )?  - element i optional from index mn */
        size_t closes = 0;
        if (mn == 0) {
            wick_buf_puts(out, "( ");
            closes++;
        }
        for (size_t i = 0; i < eff; i++) {
            if (i) {
                if (i >= mn) {
                    wick_buf_printf(out, "( \",\" %s ", ws);
                    closes++;
                } else {
                    wick_buf_printf(out, "\",\" %s ", ws);
                }
            }
            wick_buf_printf(out, "%s ", pn[i]);
        }
        if (tn && mx > p) {
            uint64_t lo = mn > p ? mn - p : 0, hi = mx == JS_UNBOUNDED ? mx : mx - p;
            wick_buf_printf(out, "( \",\" %s %s )", ws, tn);
            put_repeat(out, lo, hi);
            wick_buf_puts(out, " ");
        }
        while (closes--) wick_buf_puts(out, ")? ");
    }
    wick_buf_printf(out, "\"]\" %s", ws);
    return WICK_OK;
}

/* ------------------------------------------------------------ scalars */

static wick_status emit_string(conv *c, const json_value *s, const char *path, wick_buf *out) {
    uint64_t mn = 0, mx = JS_UNBOUNDED;
    wick_status st;
    if ((st = get_count(c, s, "minLength", path, &mn)) || (st = get_count(c, s, "maxLength", path, &mx)))
        return st;
    if (mn > mx) return schema_err(c, WICK_ERR_UNSUPPORTED, path, "minLength > maxLength: no string is valid");
    const json_value *pat = json_get(s, "pattern"), *fmt = json_get(s, "format");
    if (pat && pat->type != JSON_STRING) return schema_err(c, WICK_ERR_FORMAT, path, "'pattern' must be a string");
    if (fmt && fmt->type != JSON_STRING) return schema_err(c, WICK_ERR_FORMAT, path, "'format' must be a string");
    const char *re = pat ? pat->u.string.ptr : NULL;
    size_t re_len = pat ? pat->u.string.len : 0;
    if (fmt && !is_number_format(fmt->u.string.ptr)) {
        const char *fre = js_format_regex(fmt->u.string.ptr);
        if (!fre)
            return wick_error_set(c->err, WICK_ERR_UNSUPPORTED, "schema at %s: unsupported format '%.60s'",
                                  path, fmt->u.string.ptr);
        if (re) return schema_err(c, WICK_ERR_UNSUPPORTED, path, "'format' together with 'pattern' is unsupported");
        re = fre;
        re_len = strlen(fre);
    }
    if (re) {
        wick_buf_puts(out, "\"\\\"\" ");
        if ((st = js_regex_gbnf(re, re_len, mn, mx, out, path, c->err))) return st;
        wick_buf_printf(out, " \"\\\"\" %s", prim(c, P_WS));
        return WICK_OK;
    }
    if (mn == 0 && mx == JS_UNBOUNDED) {
        wick_buf_puts(out, prim(c, P_STRING));
        return WICK_OK;
    }
    if (mn > JS_MAX_LEN_REPEAT) return schema_err(c, WICK_ERR_LIMIT, path, "minLength over 5000");
    if (mx != JS_UNBOUNDED && mx > JS_MAX_LEN_REPEAT) mx = JS_UNBOUNDED; /* beyond any generation */
    wick_buf_printf(out, "\"\\\"\" %s", prim(c, P_CHAR));
    put_repeat(out, mn, mx);
    wick_buf_printf(out, " \"\\\"\" %s", prim(c, P_WS));
    return WICK_OK;
}

/* Reads minimum/maximum/exclusive* into bounds (draft 4 booleans too). */
typedef struct num_bounds {
    bool has_lo, lo_excl, has_hi, hi_excl;
    double lo, hi;
} num_bounds;

static wick_status read_bounds(conv *c, const json_value *s, const char *path, num_bounds *b) {
    const json_value *mi = json_get(s, "minimum"), *ma = json_get(s, "maximum");
    const json_value *emi = json_get(s, "exclusiveMinimum"), *ema = json_get(s, "exclusiveMaximum");
    *b = (num_bounds){false, false, false, false, 0, 0};
    if ((mi && mi->type != JSON_NUMBER) || (ma && ma->type != JSON_NUMBER) ||
        (emi && emi->type != JSON_NUMBER && emi->type != JSON_BOOL) ||
        (ema && ema->type != JSON_NUMBER && ema->type != JSON_BOOL))
        return schema_err(c, WICK_ERR_FORMAT, path, "minimum/maximum/exclusive* must be numbers");
    if (mi) b->has_lo = true, b->lo = mi->u.number.f, b->lo_excl = emi && emi->type == JSON_BOOL && emi->u.boolean;
    if (ma) b->has_hi = true, b->hi = ma->u.number.f, b->hi_excl = ema && ema->type == JSON_BOOL && ema->u.boolean;
    if (emi && emi->type == JSON_NUMBER && (!b->has_lo || emi->u.number.f >= b->lo))
        b->has_lo = true, b->lo = emi->u.number.f, b->lo_excl = true;
    if (ema && ema->type == JSON_NUMBER && (!b->has_hi || ema->u.number.f <= b->hi))
        b->has_hi = true, b->hi = ema->u.number.f, b->hi_excl = true;
    const json_value *mo = json_get(s, "multipleOf");
    if (mo && !(mo->type == JSON_NUMBER && mo->u.number.f == 1.0))
        return schema_err(c, WICK_ERR_UNSUPPORTED, path, "unsupported keyword 'multipleOf' (only 1, on integers)");
    return WICK_OK;
}

static int64_t clamp_i64(double v) {
    if (!(v >= (double)-JS_INT_MAX)) return -JS_INT_MAX - 1;
    if (!(v <= (double)JS_INT_MAX)) return JS_INT_MAX + 1;
    return (int64_t)v;
}

static wick_status emit_number(conv *c, const json_value *s, const char *path, bool integer,
                               wick_buf *out) {
    num_bounds b;
    wick_status st = read_bounds(c, s, path, &b);
    if (st) return st;
    if (!integer && json_get(s, "multipleOf"))
        return schema_err(c, WICK_ERR_UNSUPPORTED, path, "unsupported keyword 'multipleOf' on a number");
    if (!b.has_lo && !b.has_hi) {
        wick_buf_puts(out, prim(c, integer ? P_INTEGER : P_NUMBER));
        return WICK_OK;
    }
    if (integer) {
        int64_t lo = -JS_INT_MAX, hi = JS_INT_MAX;
        if (b.has_lo) lo = clamp_i64(b.lo_excl && b.lo == floor(b.lo) ? b.lo + 1 : ceil(b.lo));
        if (b.has_hi) hi = clamp_i64(b.hi_excl && b.hi == floor(b.hi) ? b.hi - 1 : floor(b.hi));
        if (lo < -JS_INT_MAX) lo = -JS_INT_MAX;
        if (hi > JS_INT_MAX) hi = JS_INT_MAX;
        if (lo > hi) return schema_err(c, WICK_ERR_UNSUPPORTED, path, "no integer lies within minimum/maximum");
        js_int_range_gbnf(out, lo, hi);
    } else {
        /* non-integer bounds are rounded inwards (sound, a subset) */
        int64_t lo = 0, hi = 0;
        bool lo_excl = b.lo_excl, hi_excl = b.hi_excl;
        if (b.has_lo) {
            if (b.lo != floor(b.lo)) lo_excl = false;
            lo = clamp_i64(ceil(b.lo));
        }
        if (b.has_hi) {
            if (b.hi != floor(b.hi)) hi_excl = false;
            hi = clamp_i64(floor(b.hi));
        }
        if (!js_number_range_gbnf(out, b.has_lo, lo, lo_excl, b.has_hi, hi, hi_excl))
            return schema_err(c, WICK_ERR_UNSUPPORTED, path,
                              "no number lies within minimum/maximum (non-integer bounds round inwards)");
    }
    wick_buf_printf(out, " %s", prim(c, P_WS));
    return WICK_OK;
}

/* ------------------------------------------------------------ schema nodes */

static wick_status visit_plain(conv *c, const json_value *s, const char *path, const char *hint,
                               size_t into, const char **name) {
    for (size_t i = 0; i < s->u.object.len; i++)
        if (kw_category(s->u.object.members[i].key) < 0)
            return wick_error_set(c->err, WICK_ERR_UNSUPPORTED, "schema at %s: unsupported keyword '%.60s'",
                                  path, s->u.object.members[i].key);
    unsigned mask;
    wick_status st = type_mask(c, s, path, &mask);
    if (st) return st;
    size_t idx = into;
    if (idx == NO_RULE && (st = new_rule(c, hint, &idx))) return st;
    const char *rule_name = c->rules[idx].name;
    wick_buf body = {0};
    const json_value *cv = json_get(s, "const"), *ev = json_get(s, "enum");
    if (cv || ev) {
        size_t n = cv ? 1 : (ev->type == JSON_ARRAY ? ev->u.array.len : 0);
        int alts = 0;
        if (ev && ev->type != JSON_ARRAY) st = schema_err(c, WICK_ERR_FORMAT, path, "'enum' must be an array");
        for (size_t i = 0; i < n && !st; i++) {
            const json_value *v = cv ? cv : ev->u.array.items[i];
            if (ev && cv && !json_equal(v, cv)) continue;
            if (!value_in_mask(v, mask)) continue;
            if (alts++) wick_buf_puts(&body, " | ");
            emit_json_literal(c, &body, v);
        }
        if (!st && !alts)
            st = schema_err(c, WICK_ERR_UNSUPPORTED, path, "no 'const'/'enum' value matches the schema's type");
    } else {
        int alts = 0;
        static const unsigned order[] = {T_OBJ, T_ARR, T_STR, T_NUM, T_INT, T_BOOL, T_NULL};
        for (size_t k = 0; k < sizeof order / sizeof order[0] && !st; k++) {
            unsigned t = order[k];
            if (!(mask & t)) continue;
            if (alts++) wick_buf_puts(&body, " | ");
            switch (t) {
            case T_OBJ: st = emit_object(c, s, path, rule_name, &body); break;
            case T_ARR: st = emit_array(c, s, path, rule_name, &body); break;
            case T_STR: st = emit_string(c, s, path, &body); break;
            case T_NUM: st = emit_number(c, s, path, false, &body); break;
            case T_INT: st = emit_number(c, s, path, true, &body); break;
            case T_BOOL: wick_buf_puts(&body, prim(c, P_BOOLEAN)); break;
            default: wick_buf_puts(&body, prim(c, P_NULL)); break;
            }
        }
    }
    if (st) {
        wick_buf_free(&body);
        return st;
    }
    if ((st = set_body(c, idx, &body))) return st;
    *name = c->rules[idx].name;
    return WICK_OK;
}

static wick_status visit_union(conv *c, const json_value *s, const char *key, const char *path,
                               const char *hint, size_t into, const char **name) {
    const json_value *arr = json_get(s, key);
    if (arr->type != JSON_ARRAY || arr->u.array.len == 0)
        return wick_error_set(c->err, WICK_ERR_FORMAT, "schema at %s: '%s' must be a non-empty array", path, key);
    /* sibling keywords apply to every branch: merge them in */
    json_value *sib = NULL;
    if (has_siblings(s, key)) {
        sib = json_new_object(c->scratch);
        if (!sib) return nomem(c);
        for (size_t i = 0; i < s->u.object.len; i++) {
            const json_member *m = &s->u.object.members[i];
            if (!strcmp(m->key, key)) continue;
            if (!json_object_set(c->scratch, sib, m->key, m->key_len, m->value)) return nomem(c);
        }
    }
    size_t idx = into;
    wick_status st;
    if (idx == NO_RULE && (st = new_rule(c, hint, &idx))) return st;
    wick_buf body = {0};
    st = WICK_OK;
    for (size_t i = 0; i < arr->u.array.len && !st; i++) {
        char sp[JS_PATH], sh[64], n[24];
        snprintf(n, sizeof n, "%zu", i);
        snprintf(sp, sizeof sp, "%.150s.%s[%zu]", path, key, i);
        sub_hint(sh, sizeof sh, c->rules[idx].name, n);
        const json_value *branch = arr->u.array.items[i];
        if (sib) {
            const json_value *parts[2] = {sib, branch};
            st = merge_schemas(c, parts, 2, sp, &branch);
        }
        const char *bn;
        if (!st) st = visit(c, branch, sp, sh, NO_RULE, &bn);
        if (!st) wick_buf_printf(&body, "%s%s", i ? " | " : "", bn);
    }
    if (st) {
        wick_buf_free(&body);
        return st;
    }
    if ((st = set_body(c, idx, &body))) return st;
    *name = c->rules[idx].name;
    return WICK_OK;
}

static wick_status visit_inner(conv *c, const json_value *s, const char *path, const char *hint,
                               size_t into, const char **name) {
    if (s->type == JSON_BOOL) {
        if (!s->u.boolean) return schema_err(c, WICK_ERR_UNSUPPORTED, path, "the schema 'false' allows nothing");
        *name = prim(c, P_VALUE);
        return WICK_OK;
    }
    if (s->type != JSON_OBJECT) return schema_err(c, WICK_ERR_FORMAT, path, "expected a schema (an object or a boolean)");
    const json_value *ref = json_get(s, "$ref"), *all = json_get(s, "allOf");
    bool any = json_get(s, "anyOf") != NULL, one = json_get(s, "oneOf") != NULL;
    if (any && one) return schema_err(c, WICK_ERR_UNSUPPORTED, path, "'anyOf' together with 'oneOf' is unsupported");
    if (ref && !has_siblings(s, "$ref")) return visit_ref(c, ref, path, name);
    if (all && !ref && !has_siblings(s, "allOf") && all->type == JSON_ARRAY && all->u.array.len == 1) {
        char sp[JS_PATH];
        sub_path(sp, path, ".allOf[0]%s", "");
        return visit(c, all->u.array.items[0], sp, hint, into, name);
    }
    if (ref || all) {
        const json_value *merged;
        wick_status st = merge_schemas(c, &s, 1, path, &merged);
        if (st) return st;
        return visit(c, merged, path, hint, into, name);
    }
    if (any || one) return visit_union(c, s, any ? "anyOf" : "oneOf", path, hint, into, name);
    return visit_plain(c, s, path, hint, into, name);
}

static wick_status visit(conv *c, const json_value *s, const char *path, const char *hint,
                         size_t into, const char **name) {
    if (++c->visits > JS_MAX_VISITS)
        return wick_error_set(c->err, WICK_ERR_LIMIT, "schema at %s: schema expands to over %d nodes", path,
                              JS_MAX_VISITS);
    if (c->depth >= JS_MAX_DEPTH)
        return wick_error_set(c->err, WICK_ERR_LIMIT, "schema at %s: nested deeper than %d", path, JS_MAX_DEPTH);
    c->depth++;
    wick_status st = visit_inner(c, s, path, hint, into, name);
    c->depth--;
    return st;
}

/* ------------------------------------------------------------ output */

static void conv_free(conv *c) {
    for (size_t k = 0; k < c->n_rules; k++) {
        free(c->rules[k].name);
        free(c->rules[k].body);
    }
    free(c->rules);
    free(c->refs);
    json_doc_free(c->scratch);
}

static wick_status write_grammar(conv *c, wick_buf *out) {
    for (size_t k = 0; k < c->n_rules; k++)
        wick_buf_printf(out, "%s ::= %s\n", c->rules[k].name, c->rules[k].body ? c->rules[k].body : "\"\"");
    unsigned used = c->prims_used;
    for (int round = 0; round < P_COUNT; round++) /* close over dependencies */
        for (int k = 0; k < P_COUNT; k++)
            if (used & (1u << k)) used |= prims[k].deps;
    for (int k = 0; k < P_COUNT; k++)
        if (used & (1u << k)) wick_buf_printf(out, "%s ::= %s\n", prims[k].name, prims[k].body);
    if (out->failed) return nomem(c);
    return WICK_OK;
}

wick_status json_schema_to_gbnf(const char *schema, size_t len, wick_buf *out, wick_error *err) {
    json_doc *doc = NULL;
    wick_status st = json_parse(schema, len, "json schema", &doc, err);
    if (st) return st;
    conv c;
    memset(&c, 0, sizeof c);
    c.root = json_doc_root(doc);
    c.err = err;
    c.scratch = json_doc_new();
    if (!c.scratch) {
        json_doc_free(doc);
        return wick_error_set(err, WICK_ERR_NOMEM, "json schema: out of memory");
    }
    size_t root_idx = 0;
    c.rules = calloc(32, sizeof *c.rules);
    c.cap_rules = c.rules ? 32 : 0;
    char *root_name = malloc(5);
    if (!c.rules || !root_name) {
        free(root_name);
        st = nomem(&c);
    } else {
        strcpy(root_name, "root");
        c.rules[0] = (js_rule){root_name, NULL};
        c.n_rules = 1;
        /* "#" refers to the root: register it so recursion finds rule 0 */
        c.refs = malloc(16 * sizeof *c.refs);
        if (!c.refs) st = nomem(&c);
        else {
            c.cap_refs = 16;
            c.refs[c.n_refs++] = (js_ref){c.root, "root", 0, true};
        }
    }
    const char *name = NULL;
    if (!st) st = visit(&c, c.root, "$", "root", root_idx, &name);
    if (!st && !c.rules[0].body) {
        wick_buf b = {0};
        wick_buf_puts(&b, name);
        st = set_body(&c, 0, &b);
    }
    if (!st) st = write_grammar(&c, out);
    conv_free(&c);
    json_doc_free(doc);
    return st;
}

wick_status json_object_gbnf(wick_buf *out, wick_error *err) {
    (void)err;
    wick_buf_puts(out, "root ::= object\n");
    for (int k = 0; k < P_COUNT; k++) wick_buf_printf(out, "%s ::= %s\n", prims[k].name, prims[k].body);
    if (out->failed) return wick_error_set(err, WICK_ERR_NOMEM, "json schema: out of memory");
    return WICK_OK;
}
