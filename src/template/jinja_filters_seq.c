/* jinja2's filters over sequences and mappings: join, map, select/reject
 * (and their attr forms), sort, unique, dictsort, first/last, min/max,
 * sum, batch/slice, reverse, list, items. Those that are generators in
 * jinja2 return JV_ITER. */
#include "template/jinja_filters.h"

#include <string.h>

bool f_batch(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"linecount", "fill_with"};
    jv s[2];
    int64_t n;
    jlist items;
    if (!jargs_bind(c, pos, "batch", a, P, 2, s)) return false;
    if (!jf_given(&s[0])) return jerr(c, pos, WICK_ERR_TEMPLATE, "batch() missing required argument 'linecount'");
    if (!jf_arg_int(c, pos, &s[0], "linecount", &n) || !jv_iterate(c, pos, v, &items)) return false;
    bool fill = jf_given(&s[1]) && s[1].kind != JV_NONE;
    if (fill && n > (int64_t)(c->max_output / 16)) return jerr(c, pos, WICK_ERR_LIMIT, "batch() size is too large");
    jlist *res = jlist_new(c, pos, items.n + 1);
    if (!res) return false;
    res->n = 0;
    jlist *tmp = NULL;
    /* as jinja2: a full batch is emitted when the next item arrives */
    for (size_t i = 0; i < items.n; i++) {
        if (!tmp || (int64_t)tmp->n == n) {
            if (tmp) res->items[res->n++] = jv_list_of(JV_LIST, tmp);
            size_t left = items.n - i;
            size_t cap = n > 0 && (uint64_t)n < left ? (size_t)n : left;
            if (!(tmp = jlist_new(c, pos, cap))) return false;
            tmp->n = 0;
        }
        tmp->items[tmp->n++] = items.items[i];
    }
    if (tmp && tmp->n) {
        if (fill && (int64_t)tmp->n < n) {
            jlist *g = jlist_new(c, pos, (size_t)n);
            if (!g) return false;
            memcpy(g->items, tmp->items, tmp->n * sizeof(jv));
            for (size_t k = tmp->n; k < (size_t)n; k++) g->items[k] = s[1];
            tmp = g;
        }
        res->items[res->n++] = jv_list_of(JV_LIST, tmp);
    }
    *out = jf_iter(res);
    return true;
}

bool f_dictsort(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"case_sensitive", "by", "reverse"};
    jv s[3];
    if (!jargs_bind(c, pos, "dictsort", a, P, 3, s)) return false;
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    if (v->kind != JV_DICT)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "'%s' object has no attribute 'items'", jv_type_name(v));
    bool cs = jf_given(&s[0]) && jv_truthy(&s[0]), rev = jf_given(&s[2]) && jv_truthy(&s[2]);
    int by = 0;
    if (jf_given(&s[1])) {
        if (s[1].kind == JV_STR && jstr_eq(s[1].u.s, "value")) by = 1;
        else if (!(s[1].kind == JV_STR && jstr_eq(s[1].u.s, "key")))
            return jerr(c, pos, WICK_ERR_TEMPLATE, "You can only sort by either \"key\" or \"value\"");
    }
    const jdict *d = v->u.dict;
    keyed *k = d->n ? jalloc(c, pos, d->n * sizeof *k) : NULL;
    if (d->n && !k) return false;
    for (size_t i = 0; i < d->n; i++) {
        jlist *pair = jlist_new(c, pos, 2);
        if (!pair) return false;
        pair->items[0] = d->keys[i];
        pair->items[1] = d->vals[i];
        k[i].item = jv_list_of(JV_TUPLE, pair);
        bool ok = true;
        k[i].key = cs ? pair->items[by] : jf_lower_if_str(c, pos, &pair->items[by], &ok);
        if (!ok) return false;
    }
    if (!jf_sort_keyed(c, pos, k, d->n, rev)) return false;
    jlist *res = jlist_new(c, pos, d->n);
    if (!res) return false;
    for (size_t i = 0; i < d->n; i++) res->items[i] = k[i].item;
    *out = jv_list_of(JV_LIST, res);
    return true;
}

bool f_first(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    jlist items;
    if (!jv_iterate(c, pos, v, &items)) return false;
    *out = items.n ? items.items[0] : jv_undef_hint(c, "No first item, sequence was empty.", false);
    return true;
}

bool f_last(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    if (v->kind == JV_ITER)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "'generator' object is not reversible");
    jlist items;
    if (!jv_iterate(c, pos, v, &items)) return false;
    *out = items.n ? items.items[items.n - 1] : jv_undef_hint(c, "No last item, sequence was empty.", false);
    return true;
}

bool f_items(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    if (v->kind == JV_UNDEF) {
        *out = jf_iter(jlist_new(c, pos, 0));
        return out->u.list != NULL;
    }
    if (v->kind != JV_DICT) return jerr(c, pos, WICK_ERR_TEMPLATE, "Can only get item pairs from a mapping.");
    const jdict *d = v->u.dict;
    jlist *l = jlist_new(c, pos, d->n);
    if (!l) return false;
    for (size_t i = 0; i < d->n; i++) {
        jlist *pair = jlist_new(c, pos, 2);
        if (!pair) return false;
        pair->items[0] = d->keys[i];
        pair->items[1] = d->vals[i];
        l->items[i] = jv_list_of(JV_TUPLE, pair);
    }
    *out = jf_iter(l);
    return true;
}

bool f_join(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"d", "attribute"};
    jv s[2];
    jlist items;
    jstr sep = {"", 0};
    if (!jargs_bind(c, pos, "join", a, P, 2, s) || !jv_iterate(c, pos, v, &items)) return false;
    if (jf_given(&s[0]) && !jf_str_of(c, pos, &s[0], &sep)) return false;
    wick_buf b = {0};
    for (size_t i = 0; i < items.n; i++) {
        jv item = items.items[i];
        if (jf_given(&s[1]) && !jf_attr_path(c, pos, &items.items[i], &s[1], NULL, &item)) {
            wick_buf_free(&b);
            return false;
        }
        if (i) wick_buf_append(&b, sep.p, sep.n);
        jv_write_str(c, &b, &item);
        if (b.len > c->max_output) break;
    }
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

bool f_list(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    jlist items;
    if (!jv_iterate(c, pos, v, &items)) return false;
    jlist *l = jf_copy_list(c, pos, &items);
    if (!l) return false;
    *out = jv_list_of(JV_LIST, l);
    return true;
}

bool f_map(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    jlist items = {0};
    if (jv_truthy(v) && !jv_iterate(c, pos, v, &items)) return false;
    jlist *res = jlist_new(c, pos, items.n);
    if (!res) return false;
    if (!a->npos && a->nkw && jstr_eq(a->kwnames[0], "attribute")) {
        static const char *const P[] = {"attribute", "default"};
        jv s[2];
        if (!jargs_bind(c, pos, "map", a, P, 2, s)) return false;
        for (size_t i = 0; i < items.n; i++)
            if (!jf_attr_path(c, pos, &items.items[i], &s[0], jf_given(&s[1]) && s[1].kind != JV_NONE ? &s[1] : NULL,
                           &res->items[i]))
                return false;
    } else if (items.n) {
        if (!a->npos) return jerr(c, pos, WICK_ERR_TEMPLATE, "map requires a filter argument");
        int id;
        if (!jinja_filter_by_name(c, pos, &a->pos[0], &id)) return false;
        jargs rest = *a;
        rest.pos++;
        rest.npos--;
        for (size_t i = 0; i < items.n; i++)
            if (!jinja_call_filter(c, pos, id, &items.items[i], &rest, &res->items[i])) return false;
    }
    *out = jf_iter(res);
    return true;
}

static bool min_max(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out, bool want_max) {
    static const char *const P[] = {"case_sensitive", "attribute"};
    jv s[2];
    jlist items;
    if (!jargs_bind(c, pos, want_max ? "max" : "min", a, P, 2, s) || !jv_iterate(c, pos, v, &items)) return false;
    if (!items.n) {
        *out = jv_undef_hint(c, "No aggregated item, sequence was empty.", false);
        return true;
    }
    bool cs = jf_given(&s[0]) && jv_truthy(&s[0]);
    jv best = items.items[0], best_key;
    bool ok = true;
    for (size_t i = 0; i < items.n; i++) {
        jv key;
        if (!jf_attr_path(c, pos, &items.items[i], &s[1], NULL, &key)) return false;
        if (!cs) key = jf_lower_if_str(c, pos, &key, &ok);
        if (!ok) return false;
        if (i == 0) {
            best_key = key;
            continue;
        }
        bool lt;
        if (!(want_max ? jv_lt(c, pos, &best_key, &key, &lt) : jv_lt(c, pos, &key, &best_key, &lt))) return false;
        if (lt) {
            best = items.items[i];
            best_key = key;
        }
    }
    *out = best;
    return true;
}

bool f_max(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) { return min_max(c, pos, v, a, out, true); }

bool f_min(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) { return min_max(c, pos, v, a, out, false); }

static bool select_reject(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out, bool select, bool by_attr) {
    jlist items = {0};
    if (jv_truthy(v) && !jv_iterate(c, pos, v, &items)) return false;
    jlist *res = jlist_new(c, pos, items.n);
    if (!res) return false;
    res->n = 0;
    if (items.n) {
        size_t off = 0;
        jv attr = jv_none();
        if (by_attr) {
            if (!a->npos) return jerr(c, pos, WICK_ERR_TEMPLATE, "Missing parameter for attribute name");
            attr = a->pos[0];
            off = 1;
        }
        int test = -1;
        jargs rest = *a;
        if (a->npos > off) {
            if (!jinja_test_by_name(c, pos, &a->pos[off], &test)) return false;
            rest.pos = a->pos + off + 1;
            rest.npos = a->npos - off - 1;
        }
        for (size_t i = 0; i < items.n; i++) {
            jv val = items.items[i];
            if (by_attr && !jf_attr_path(c, pos, &items.items[i], &attr, NULL, &val)) return false;
            bool r;
            if (test < 0) r = jv_truthy(&val);
            else if (!jinja_call_test(c, pos, test, &val, &rest, &r)) return false;
            if (r == select) res->items[res->n++] = items.items[i];
        }
    }
    *out = jf_iter(res);
    return true;
}

bool f_select(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) { return select_reject(c, pos, v, a, out, true, false); }

bool f_reject(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) { return select_reject(c, pos, v, a, out, false, false); }

bool f_selectattr(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) { return select_reject(c, pos, v, a, out, true, true); }

bool f_rejectattr(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) { return select_reject(c, pos, v, a, out, false, true); }

bool f_reverse(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    if (v->kind == JV_STR) {
        jv none = jv_none(), step = jv_int(-1);
        return jv_slice(c, pos, v, &none, &none, &step, out);
    }
    jlist items;
    bool iterable = v->kind == JV_UNDEF || v->kind == JV_DICT || jv_is_seq(v);
    if (!iterable) return jerr(c, pos, WICK_ERR_TEMPLATE, "argument must be iterable");
    if (!jv_iterate(c, pos, v, &items)) return false;
    jlist *l = jlist_new(c, pos, items.n);
    if (!l) return false;
    for (size_t i = 0; i < items.n; i++) l->items[i] = items.items[items.n - 1 - i];
    /* reversed() is an iterator; a generator has no reversed() and becomes a list */
    l->view = v->kind == JV_LIST ? "list_reverseiterator" : v->kind == JV_RANGE ? "range_iterator"
              : v->kind == JV_DICT ? "dict_reversekeyiterator" : "reversed";
    *out = jv_list_of(v->kind == JV_ITER ? JV_LIST : JV_ITER, l);
    return true;
}

bool f_slice(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"slices", "fill_with"};
    jv s[2];
    int64_t slices;
    jlist items;
    if (!jargs_bind(c, pos, "slice", a, P, 2, s)) return false;
    if (!jf_given(&s[0])) return jerr(c, pos, WICK_ERR_TEMPLATE, "slice() missing required argument 'slices'");
    if (!jf_arg_int(c, pos, &s[0], "slices", &slices) || !jv_iterate(c, pos, v, &items)) return false;
    if (slices <= 0) {
        if (slices == 0 && items.n) return jerr(c, pos, WICK_ERR_TEMPLATE, "integer division or modulo by zero");
        *out = jf_iter(jlist_new(c, pos, 0));
        return out->u.list != NULL;
    }
    if (slices > 100000) return jerr(c, pos, WICK_ERR_LIMIT, "slice() count is too large");
    bool fill = jf_given(&s[1]) && s[1].kind != JV_NONE;
    int64_t len = (int64_t)items.n, per = len / slices, extra = len % slices, offset = 0;
    jlist *res = jlist_new(c, pos, (size_t)slices);
    if (!res) return false;
    for (int64_t k = 0; k < slices; k++) {
        int64_t start = offset + k * per;
        if (k < extra) offset++;
        int64_t end = offset + (k + 1) * per;
        bool add = fill && k >= extra;
        jlist *part = jlist_new(c, pos, (size_t)(end - start) + (add ? 1 : 0));
        if (!part) return false;
        for (int64_t i = start; i < end; i++) part->items[i - start] = items.items[i];
        if (add) part->items[end - start] = s[1];
        res->items[k] = jv_list_of(JV_LIST, part);
    }
    *out = jf_iter(res);
    return true;
}

/* Sort keys for sort/unique: "a,b" gives a list of keys (compared as a
 * Python list), lowercased unless case_sensitive. jinja2's sort always
 * compares lists of keys (make_multi_attrgetter), so equal undefined
 * keys compare fine; unique uses the bare key (make_attrgetter). */
static bool sort_key(jctx *c, uint32_t pos, const jv *item, const jv *attr, bool cs, bool as_list, jv *key) {
    bool ok = true;
    if (as_list) {
        size_t parts = 1;
        bool multi = attr->kind == JV_STR;
        if (multi)
            for (size_t i = 0; i < attr->u.s.n; i++) parts += attr->u.s.p[i] == ',';
        jlist *l = jlist_new(c, pos, parts);
        if (!l) return false;
        if (!multi) {
            if (!jf_attr_path(c, pos, item, attr, NULL, &l->items[0])) return false;
            if (!cs) l->items[0] = jf_lower_if_str(c, pos, &l->items[0], &ok);
        } else {
            size_t start = 0, k = 0;
            for (size_t i = 0; i <= attr->u.s.n; i++) {
                if (i < attr->u.s.n && attr->u.s.p[i] != ',') continue;
                jv part = jv_str(attr->u.s.p + start, i - start);
                if (!jf_attr_path(c, pos, item, &part, NULL, &l->items[k])) return false;
                if (!cs) l->items[k] = jf_lower_if_str(c, pos, &l->items[k], &ok);
                k++;
                start = i + 1;
            }
        }
        *key = jv_list_of(JV_LIST, l);
        return ok;
    }
    if (!jf_attr_path(c, pos, item, attr, NULL, key)) return false;
    if (!cs) *key = jf_lower_if_str(c, pos, key, &ok);
    return ok;
}

bool f_sort(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"reverse", "case_sensitive", "attribute"};
    jv s[3];
    jlist items;
    if (!jargs_bind(c, pos, "sort", a, P, 3, s) || !jv_iterate(c, pos, v, &items)) return false;
    bool rev = jf_given(&s[0]) && jv_truthy(&s[0]), cs = jf_given(&s[1]) && jv_truthy(&s[1]);
    jv attr = jf_given(&s[2]) ? s[2] : jv_none();
    keyed *k = items.n ? jalloc(c, pos, items.n * sizeof *k) : NULL;
    if (items.n && !k) return false;
    for (size_t i = 0; i < items.n; i++) {
        k[i].item = items.items[i];
        if (!sort_key(c, pos, &items.items[i], &attr, cs, true, &k[i].key)) return false;
    }
    if (!jf_sort_keyed(c, pos, k, items.n, rev)) return false;
    jlist *res = jlist_new(c, pos, items.n);
    if (!res) return false;
    for (size_t i = 0; i < items.n; i++) res->items[i] = k[i].item;
    *out = jv_list_of(JV_LIST, res);
    return true;
}

bool f_sum(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"attribute", "start"};
    jv s[2];
    jlist items;
    if (!jargs_bind(c, pos, "sum", a, P, 2, s) || !jv_iterate(c, pos, v, &items)) return false;
    jv acc = jf_given(&s[1]) ? s[1] : jv_int(0);
    if (acc.kind == JV_STR) return jerr(c, pos, WICK_ERR_TEMPLATE, "sum() can't sum strings [use ''.join(seq) instead]");
    for (size_t i = 0; i < items.n; i++) {
        jv item = items.items[i];
        if (jf_given(&s[0]) && !jf_attr_path(c, pos, &items.items[i], &s[0], NULL, &item)) return false;
        if (!jv_binop(c, pos, OP_ADD, &acc, &item, &acc) || !jf_cost(c, pos, 0)) return false;
    }
    *out = acc;
    return true;
}

bool f_unique(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"case_sensitive", "attribute"};
    jv s[2];
    jlist items;
    if (!jargs_bind(c, pos, "unique", a, P, 2, s) || !jv_iterate(c, pos, v, &items)) return false;
    bool cs = jf_given(&s[0]) && jv_truthy(&s[0]);
    jv attr = jf_given(&s[1]) ? s[1] : jv_none();
    jlist *res = jlist_new(c, pos, items.n), *seen = jlist_new(c, pos, items.n);
    if (!res || !seen) return false;
    res->n = seen->n = 0;
    for (size_t i = 0; i < items.n; i++) {
        jv key;
        if (!sort_key(c, pos, &items.items[i], &attr, cs, false, &key)) return false;
        if (!jv_hashable(&key)) return jerr(c, pos, WICK_ERR_TEMPLATE, "unhashable type: '%s'", jv_type_name(&key));
        bool dup = false;
        for (size_t k = 0; k < seen->n && !dup; k++) dup = jv_eq(&seen->items[k], &key);
        if (!jf_cost(c, pos, seen->n / 4)) return false;
        if (!dup) {
            seen->items[seen->n++] = key;
            res->items[res->n++] = items.items[i];
        }
    }
    *out = jf_iter(res);
    return true;
}
