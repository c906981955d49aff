/* Template values from the JSON inputs (messages, tools, extra
 * variables) and back to JSON for HF's tojson filter (json.dumps with
 * ensure_ascii=False, written by src/json's json_write). */
#include "template/jinja.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ JSON */

jv jv_from_json(jctx *c, const json_value *j, bool *ok) {
    jv v = jv_none();
    if (!j) return v;
    switch (j->type) {
    case JSON_NULL: return v;
    case JSON_BOOL: return jv_bool(j->u.boolean);
    case JSON_NUMBER: return j->u.number.is_int ? jv_int(j->u.number.i) : jv_float(j->u.number.f);
    case JSON_STRING: return jv_str(j->u.string.ptr, j->u.string.len);
    case JSON_ARRAY: {
        jlist *l = jlist_new(c, 0, j->u.array.len);
        if (!l) {
            *ok = false;
            return v;
        }
        for (size_t i = 0; i < j->u.array.len && *ok; i++) l->items[i] = jv_from_json(c, j->u.array.items[i], ok);
        return jv_list_of(JV_LIST, l);
    }
    case JSON_OBJECT: {
        size_t n = j->u.object.len;
        jdict *d = jdict_new(c, 0, n);
        if (!d) {
            *ok = false;
            return v;
        }
        /* keys are distinct (the parser merged duplicates) */
        for (size_t i = 0; i < n && *ok; i++) {
            const json_member *m = &j->u.object.members[i];
            d->keys[i] = jv_str(m->key, m->key_len);
            d->vals[i] = jv_from_json(c, m->value, ok);
        }
        d->n = n;
        if (*ok && !jdict_reindex(c, 0, d)) *ok = false;
        v.kind = JV_DICT;
        v.u.dict = d;
        return v;
    }
    }
    return v;
}

static bool not_serializable(jctx *c, uint32_t pos, const jv *v) {
    return jerr(c, pos, WICK_ERR_TEMPLATE, "Object of type %s is not JSON serializable", jv_type_name(v));
}

static json_value *to_json(jctx *c, uint32_t pos, json_doc *doc, const jv *v, int depth) {
    if (depth > 512) {
        jerr(c, pos, WICK_ERR_LIMIT, "value nests too deeply for tojson");
        return NULL;
    }
    json_value *r = NULL;
    switch (v->kind) {
    case JV_NONE: r = json_new_null(doc); break;
    case JV_BOOL: r = json_new_bool(doc, v->u.b); break;
    case JV_INT: r = json_new_int(doc, v->u.i); break;
    case JV_FLOAT: r = json_new_float(doc, v->u.f); break;
    case JV_STR: r = json_new_string(doc, v->u.s.p, v->u.s.n); break;
    case JV_LIST:
    case JV_TUPLE: {
        if (!(r = json_new_array(doc))) break;
        for (size_t i = 0; i < v->u.list->n; i++) {
            json_value *item = to_json(c, pos, doc, &v->u.list->items[i], depth + 1);
            if (!item) return NULL;
            if (!json_array_push(doc, r, item)) {
                r = NULL;
                break;
            }
        }
        break;
    }
    case JV_DICT: {
        if (!(r = json_new_object(doc))) break;
        const jdict *d = v->u.dict;
        for (size_t i = 0; i < d->n; i++) {
            const jv *k = &d->keys[i];
            char tmp[48];
            const char *kp = tmp;
            size_t kn;
            switch (k->kind) {
            case JV_STR: kp = k->u.s.p; kn = k->u.s.n; break;
            case JV_INT: kn = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)k->u.i); break;
            case JV_BOOL: kp = k->u.b ? "true" : "false"; kn = strlen(kp); break;
            case JV_NONE: kp = "null"; kn = 4; break;
            case JV_FLOAT:
                if (isnan(k->u.f)) kp = "NaN";
                else if (isinf(k->u.f)) kp = k->u.f > 0 ? "Infinity" : "-Infinity";
                else json_format_double(k->u.f, tmp, sizeof tmp);
                kn = strlen(kp);
                break;
            default:
                jerr(c, pos, WICK_ERR_TEMPLATE, "keys must be str, int, float, bool or None, not %s",
                     jv_type_name(k));
                return NULL;
            }
            json_value *item = to_json(c, pos, doc, &d->vals[i], depth + 1);
            if (!item) return NULL;
            if (!json_object_set(doc, r, kp, kn, item)) {
                r = NULL;
                break;
            }
        }
        break;
    }
    default: not_serializable(c, pos, v); return NULL;
    }
    if (!r) jerr(c, pos, WICK_ERR_NOMEM, "out of memory in tojson");
    return r;
}

bool jv_tojson(jctx *c, uint32_t pos, const jv *v, int indent, bool ensure_ascii, const char *item_sep,
               const char *key_sep, bool sort_keys, jv *out) {
    json_doc *doc = json_doc_new();
    if (!doc) return jerr(c, pos, WICK_ERR_NOMEM, "out of memory in tojson");
    json_value *j = to_json(c, pos, doc, v, 0);
    if (!j) {
        json_doc_free(doc);
        return false;
    }
    json_write_opts o = {indent, ensure_ascii, item_sep, key_sep, sort_keys};
    wick_buf b = {0};
    json_write(&b, j, &o);
    json_doc_free(doc);
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}
