/* jinja2's built-in filters (the sequence ones are in jinja_filters_seq.c),
 * with HF's tojson (json.dumps with ensure_ascii=False), and the filter
 * table. Every filter jinja2 has is known here (so that an unknown name
 * is a compile error, as in jinja2); the few that chat
 * templates never use and that depend on randomness or HTML rules
 * (random, pprint, striptags, urlize, wordwrap, xmlattr, urlencode,
 * groupby) fail with an error naming them. Filters that return generators
 * in jinja2 (map, select, reverse, unique, batch ...) return JV_ITER, which
 * behaves as one: always true, no len(). */
#include "template/jinja_filters.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

bool jf_arg_int(jctx *c, uint32_t pos, const jv *v, const char *what, int64_t *out) {
    if (v->kind == JV_INT || v->kind == JV_BOOL) {
        *out = v->kind == JV_INT ? v->u.i : v->u.b;
        return true;
    }
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    return jerr(c, pos, WICK_ERR_TEMPLATE, "%s must be an integer, not '%s'", what, jv_type_name(v));
}

bool jf_str_of(jctx *c, uint32_t pos, const jv *v, jstr *out) { return jv_to_str(c, pos, v, out); }

jlist *jf_copy_list(jctx *c, uint32_t pos, const jlist *src) {
    jlist *l = jlist_new(c, pos, src->n);
    if (l && src->n) memcpy(l->items, src->items, src->n * sizeof(jv));
    return l;
}

bool jf_cost(jctx *c, uint32_t pos, uint64_t units) {
    c->steps += units;
    return jinja_step(c, pos);
}

/* jinja2's make_attrgetter: "a.b.0" walks getitem by parts, digit parts
 * as ints; `deflt` replaces an undefined result at each part. */
bool jf_attr_path(jctx *c, uint32_t pos, const jv *item, const jv *attr, const jv *deflt, jv *out) {
    *out = *item;
    if (attr->kind == JV_NONE || attr->kind == JV_NOARG) return true;
    if (attr->kind != JV_STR) {
        if (!jv_getitem(c, pos, out, attr, out)) return false;
        if (deflt && out->kind == JV_UNDEF) *out = *deflt;
        return true;
    }
    jstr s = attr->u.s;
    size_t start = 0;
    for (size_t i = 0; i <= s.n; i++) {
        if (i < s.n && s.p[i] != '.') continue;
        jstr part = {s.p + start, i - start};
        bool digits = part.n > 0;
        int64_t num = 0;
        for (size_t k = 0; k < part.n && digits; k++) {
            if (part.p[k] < '0' || part.p[k] > '9' || num > INT64_MAX / 10 - 10) digits = false;
            else num = num * 10 + (part.p[k] - '0');
        }
        jv key = digits ? jv_int(num) : jv_str(part.p, part.n);
        if (!jv_getitem(c, pos, out, &key, out)) return false;
        if (deflt && out->kind == JV_UNDEF) *out = *deflt;
        start = i + 1;
    }
    return true;
}

jv jf_lower_if_str(jctx *c, uint32_t pos, const jv *v, bool *ok) {
    if (v->kind != JV_STR) return *v;
    wick_buf b = {0};
    pystr_case(&b, v->u.s.p, v->u.s.n, PYCASE_LOWER);
    return jv_str_from_buf(c, pos, &b, ok);
}

/* Sort keys: items with their key values, stably merge-sorted with
 * Python's `<` (which can fail: unorderable types). */

static bool keyed_lt(jctx *c, uint32_t pos, const keyed *a, const keyed *b, bool reverse, bool *lt) {
    return reverse ? jv_lt(c, pos, &b->key, &a->key, lt) : jv_lt(c, pos, &a->key, &b->key, lt);
}

static bool merge_sort(jctx *c, uint32_t pos, keyed *v, keyed *tmp, size_t n, bool reverse) {
    if (n < 2) return true;
    size_t h = n / 2;
    if (!merge_sort(c, pos, v, tmp, h, reverse) || !merge_sort(c, pos, v + h, tmp, n - h, reverse)) return false;
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        bool lt;
        if (!keyed_lt(c, pos, &v[j], &v[i], reverse, &lt)) return false;
        tmp[k++] = lt ? v[j++] : v[i++];
    }
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
    return jf_cost(c, pos, n / 8);
}

bool jf_sort_keyed(jctx *c, uint32_t pos, keyed *v, size_t n, bool reverse) {
    if (n < 2) return true;
    keyed *tmp = jalloc(c, pos, n * sizeof *tmp);
    return tmp && merge_sort(c, pos, v, tmp, n, reverse);
}

/* ------------------------------------------------------------ filters */

/* ------------------------------------------------------------ filters */

static bool f_unsupported(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);

static bool f_abs(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    if (v->kind == JV_INT || v->kind == JV_BOOL) {
        int64_t i = v->kind == JV_INT ? v->u.i : v->u.b;
        if (i == INT64_MIN) return jerr(c, pos, WICK_ERR_UNSUPPORTED, "integer result does not fit 64 bits");
        *out = jv_int(i < 0 ? -i : i);
        return true;
    }
    if (v->kind == JV_FLOAT) {
        *out = jv_float(fabs(v->u.f));
        return true;
    }
    return jerr(c, pos, WICK_ERR_TEMPLATE, "bad operand type for abs(): '%s'", jv_type_name(v));
}

static bool f_attr(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"name"};
    jv s[1];
    if (!jargs_bind(c, pos, "attr", a, P, 1, s)) return false;
    if (!jf_given(&s[0])) return jerr(c, pos, WICK_ERR_TEMPLATE, "attr() missing required argument 'name'");
    if (s[0].kind != JV_STR) return jerr(c, pos, WICK_ERR_TEMPLATE, "attribute name must be string");
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    bool found = false;
    if (v->kind == JV_NS || v->kind == JV_LOOP) return jv_getattr(c, pos, v, s[0].u.s, out);
    if (!jinja_builtin_attr(c, pos, v, s[0].u.s, out, &found)) return false;
    if (!found) *out = jv_undef_attr(c, v, s[0].u.s);
    return true;
}

static bool case_filter(jctx *c, uint32_t pos, const jv *v, pycase mode, jv *out) {
    jstr s;
    if (!jf_str_of(c, pos, v, &s)) return false;
    wick_buf b = {0};
    pystr_case(&b, s.p, s.n, mode);
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

static bool f_capitalize(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    return case_filter(c, pos, v, PYCASE_CAPITALIZE, out);
}
static bool f_lower(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    return case_filter(c, pos, v, PYCASE_LOWER, out);
}
static bool f_upper(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    return case_filter(c, pos, v, PYCASE_UPPER, out);
}

/* jinja2's title: split on runs of [-\s({[<], capitalize the first letter
 * of each piece (upper) and lowercase the rest. */
static bool f_title(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    jstr s;
    if (!jf_str_of(c, pos, v, &s)) return false;
    wick_buf b = {0};
    size_t i = 0;
    bool at_start = true;
    while (i < s.n) {
        uint32_t cp;
        size_t len = pystr_decode(s.p + i, s.n - i, &cp);
        bool sep = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || pystr_isspace(cp);
        if (sep) {
            wick_buf_append(&b, s.p + i, len);
            at_start = true;
        } else {
            pystr_case(&b, s.p + i, len, at_start ? PYCASE_UPPER : PYCASE_LOWER);
            at_start = false;
        }
        i += len;
    }
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

/* str.center(width, fill) */
bool jinja_center(jctx *c, uint32_t pos, jstr s, int64_t width, jstr fill, jv *out) {
    int64_t len = (int64_t)pystr_len(s.p, s.n);
    if (width <= len) {
        *out = jv_str(s.p, s.n);
        return true;
    }
    if (width > (int64_t)(c->max_output / 4)) return jerr(c, pos, WICK_ERR_LIMIT, "center() width is too large");
    int64_t marg = width - len, left = marg / 2 + (marg & width & 1);
    wick_buf b = {0};
    for (int64_t i = 0; i < left; i++) wick_buf_append(&b, fill.p, fill.n);
    wick_buf_append(&b, s.p, s.n);
    for (int64_t i = 0; i < marg - left; i++) wick_buf_append(&b, fill.p, fill.n);
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

static bool f_center(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"width"};
    jv s[1];
    jstr str;
    int64_t w = 80;
    if (!jargs_bind(c, pos, "center", a, P, 1, s) || !jf_str_of(c, pos, v, &str)) return false;
    if (jf_given(&s[0]) && !jf_arg_int(c, pos, &s[0], "width", &w)) return false;
    jstr sp = {" ", 1};
    return jinja_center(c, pos, str, w, sp, out);
}

static bool f_length(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    int64_t n;
    if (!jv_len(c, pos, v, &n)) return false;
    *out = jv_int(n);
    return true;
}

static bool f_default(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"default_value", "boolean"};
    jv s[2];
    if (!jargs_bind(c, pos, "default", a, P, 2, s)) return false;
    bool boolean = jf_given(&s[1]) && jv_truthy(&s[1]);
    if (v->kind == JV_UNDEF || (boolean && !jv_truthy(v))) *out = jf_given(&s[0]) ? s[0] : jv_str("", 0);
    else *out = *v;
    return true;
}

static bool f_escape(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    jstr s;
    if (!jf_str_of(c, pos, v, &s)) return false;
    wick_buf b = {0};
    pystr_escape_html(&b, s.p, s.n);
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

static bool f_filesizeformat(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"binary"};
    static const char *const dec[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    static const char *const bin[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
    jv s[1];
    if (!jargs_bind(c, pos, "filesizeformat", a, P, 1, s)) return false;
    bool binary = jf_given(&s[0]) && jv_truthy(&s[0]);
    double bytes;
    if (v->kind == JV_INT || v->kind == JV_BOOL) bytes = (double)(v->kind == JV_INT ? v->u.i : v->u.b);
    else if (v->kind == JV_FLOAT) bytes = v->u.f;
    else return jerr(c, pos, WICK_ERR_UNSUPPORTED, "filesizeformat of a '%s' is not supported", jv_type_name(v));
    double base = binary ? 1024 : 1000;
    wick_buf b = {0};
    if (bytes == 1) {
        wick_buf_puts(&b, "1 Byte");
    } else if (bytes < base) {
        wick_buf_printf(&b, "%lld Bytes", (long long)bytes);
    } else {
        double unit = base;
        int i;
        for (i = 0; i < 8; i++) {
            unit *= base;
            if (bytes < unit) break;
        }
        if (i == 8) i = 7;
        wick_buf_printf(&b, "%.1f %s", base * bytes / unit, binary ? bin[i] : dec[i]);
    }
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

/* Python float(str): optional whitespace/sign, digits with single
 * underscores, inf/nan. */
bool jinja_parse_float(jstr s, double *out) {
    jstr t = pystr_strip(s, NULL, true, true);
    if (t.n == 0 || t.n > 400) return false;
    char buf[512];
    size_t w = 0;
    for (size_t i = 0; i < t.n; i++) {
        char ch = t.p[i];
        if (ch == '_') {
            if (i == 0 || i + 1 == t.n || !(t.p[i - 1] >= '0' && t.p[i - 1] <= '9') ||
                !(t.p[i + 1] >= '0' && t.p[i + 1] <= '9'))
                return false;
            continue;
        }
        if ((unsigned char)ch >= 0x80) return false;
        buf[w++] = ch;
    }
    buf[w] = '\0';
    const char *p = buf;
    if (*p == '+' || *p == '-') p++;
    /* strtod accepts hex floats and "infinity"/"nan(...)"; Python accepts
     * inf/infinity/nan only */
    if ((p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) || strchr(p, '(')) return false;
    char *end;
    double d = strtod(buf, &end);
    if (end == buf || *end) return false;
    *out = d;
    return true;
}

/* Python int(str, base). */
bool jinja_parse_int(jstr s, int base, int64_t *out) {
    jstr t = pystr_strip(s, NULL, true, true);
    size_t i = 0;
    bool neg = false;
    if (i < t.n && (t.p[i] == '+' || t.p[i] == '-')) neg = t.p[i++] == '-';
    if (i + 1 < t.n && t.p[i] == '0') {
        char p = t.p[i + 1];
        int pb = (p == 'x' || p == 'X') ? 16 : (p == 'o' || p == 'O') ? 8 : (p == 'b' || p == 'B') ? 2 : 0;
        if (pb && (base == 0 || base == pb)) {
            base = pb;
            i += 2;
            if (i < t.n && t.p[i] == '_') i++;
        }
    }
    if (base == 0) base = 10;
    if (base < 2 || base > 36 || i >= t.n) return false;
    uint64_t acc = 0;
    bool any = false;
    for (; i < t.n; i++) {
        char ch = t.p[i];
        if (ch == '_') {
            if (!any || i + 1 >= t.n || t.p[i + 1] == '_') return false;
            continue;
        }
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'z' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'Z' ? ch - 'A' + 10 : 99;
        if (d >= base) return false;
        if (acc > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
        acc = acc * (uint64_t)base + (uint64_t)d;
        any = true;
    }
    if (!any || acc > (uint64_t)INT64_MAX + (neg ? 1 : 0)) return false;
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

static bool f_float(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"default"};
    jv s[1];
    if (!jargs_bind(c, pos, "float", a, P, 1, s)) return false;
    jv deflt = jf_given(&s[0]) ? s[0] : jv_float(0.0);
    double d;
    switch (v->kind) {
    case JV_UNDEF: return jerr_undef(c, pos, v);
    case JV_FLOAT: *out = *v; return true;
    case JV_INT: *out = jv_float((double)v->u.i); return true;
    case JV_BOOL: *out = jv_float(v->u.b); return true;
    case JV_STR: *out = jinja_parse_float(v->u.s, &d) ? jv_float(d) : deflt; return true;
    default: *out = deflt; return true;
    }
}

static bool f_int(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"default", "base"};
    jv s[2];
    int64_t base = 10, i;
    double d;
    if (!jargs_bind(c, pos, "int", a, P, 2, s)) return false;
    if (jf_given(&s[1]) && !jf_arg_int(c, pos, &s[1], "base", &base)) return false;
    jv deflt = jf_given(&s[0]) ? s[0] : jv_int(0);
    switch (v->kind) {
    case JV_UNDEF: return jerr_undef(c, pos, v);
    case JV_INT: *out = *v; return true;
    case JV_BOOL: *out = jv_int(v->u.b); return true;
    case JV_FLOAT:
        if (isnan(v->u.f) || isinf(v->u.f))
            return jerr(c, pos, WICK_ERR_TEMPLATE, "cannot convert float %s to integer", isnan(v->u.f) ? "NaN" : "infinity");
        if (fabs(v->u.f) >= 9.2e18) return jerr(c, pos, WICK_ERR_UNSUPPORTED, "integer result does not fit 64 bits");
        *out = jv_int((int64_t)v->u.f);
        return true;
    case JV_STR:
        if (jinja_parse_int(v->u.s, (int)base, &i)) *out = jv_int(i);
        else if (jinja_parse_float(v->u.s, &d) && !isnan(d) && !isinf(d) && fabs(d) < 9.2e18)
            *out = jv_int((int64_t)d);
        else *out = deflt;
        return true;
    default: *out = deflt; return true;
    }
}

static bool f_replace(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"old", "new", "count"};
    jv sl[3];
    jstr s, old, nw;
    int64_t count = -1;
    if (!jargs_bind(c, pos, "replace", a, P, 3, sl)) return false;
    if (!jf_given(&sl[0]) || !jf_given(&sl[1]))
        return jerr(c, pos, WICK_ERR_TEMPLATE, "replace() missing required arguments 'old' and 'new'");
    if (!jf_str_of(c, pos, v, &s) || !jf_str_of(c, pos, &sl[0], &old) || !jf_str_of(c, pos, &sl[1], &nw)) return false;
    if (jf_given(&sl[2]) && sl[2].kind != JV_NONE && !jf_arg_int(c, pos, &sl[2], "count", &count)) return false;
    return jinja_str_replace(c, pos, s, old, nw, count, out);
}

/* Python's round(x, n): correctly rounded, half to even. */
static double py_round(double x, int64_t nd) {
    if (isnan(x) || isinf(x)) return x;
    if (nd > 22) return x;
    if (nd < -22) return 0.0 * x;
    if (nd >= 0) {
        char buf[400];
        snprintf(buf, sizeof buf, "%.*f", (int)nd, x); /* exact decimal, ties to even */
        return strtod(buf, NULL);
    }
    double p = pow(10.0, (double)-nd), y = x / p, r = nearbyint(y);
    if (fabs(y - trunc(y)) == 0.5) r = 2.0 * nearbyint(y / 2.0);
    return r * p;
}

static bool f_round(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"precision", "method"};
    jv s[2];
    int64_t prec = 0;
    if (!jargs_bind(c, pos, "round", a, P, 2, s)) return false;
    if (jf_given(&s[0]) && !jf_arg_int(c, pos, &s[0], "precision", &prec)) return false;
    int method = 0;
    if (jf_given(&s[1])) {
        jstr m = s[1].kind == JV_STR ? s[1].u.s : (jstr){"", 0};
        if (jstr_eq(m, "ceil")) method = 1;
        else if (jstr_eq(m, "floor")) method = 2;
        else if (!jstr_eq(m, "common")) return jerr(c, pos, WICK_ERR_TEMPLATE, "method must be common, ceil or floor");
    }
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    if (!jv_is_num(v))
        return jerr(c, pos, WICK_ERR_TEMPLATE, "type %s doesn't define __round__ method", jv_type_name(v));
    if (method == 0 && v->kind != JV_FLOAT) {
        /* round(int, n) stays an int; n < 0 rounds to tens, hundreds ... half to even */
        int64_t x = v->kind == JV_INT ? v->u.i : v->u.b;
        if (prec < 0) {
            int64_t p = 1;
            for (int64_t k = 0; k < -prec && p <= INT64_MAX / 10; k++) p *= 10;
            if (-prec > 18) {
                x = 0;
            } else {
                int64_t q = x / p, r = x % p;
                if (r < 0) r += p, q--;
                if (2 * r > p || (2 * r == p && (q & 1))) q++;
                if (__builtin_mul_overflow(q, p, &x))
                    return jerr(c, pos, WICK_ERR_UNSUPPORTED, "integer result does not fit 64 bits");
            }
        }
        *out = jv_int(x);
        return true;
    }
    double x = v->kind == JV_FLOAT ? v->u.f : v->kind == JV_INT ? (double)v->u.i : v->u.b;
    if (method == 0) {
        *out = jv_float(py_round(x, prec));
        return true;
    }
    double p = pow(10.0, (double)prec), y = method == 1 ? ceil(x * p) : floor(x * p);
    *out = jv_float(y / p);
    return true;
}

static bool f_safe(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    jstr s;
    if (!jf_str_of(c, pos, v, &s)) return false;
    *out = jv_str(s.p, s.n);
    return true;
}

static bool f_string(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    jstr s;
    if (!jf_str_of(c, pos, v, &s)) return false;
    *out = jv_str(s.p, s.n);
    return true;
}

static bool f_tojson(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"ensure_ascii", "indent", "separators", "sort_keys"};
    jv s[4];
    if (!jargs_bind(c, pos, "tojson", a, P, 4, s)) return false;
    bool ascii = jf_given(&s[0]) && jv_truthy(&s[0]), sort = jf_given(&s[3]) && jv_truthy(&s[3]);
    int64_t indent = -1;
    if (jf_given(&s[1]) && s[1].kind != JV_NONE) {
        if (s[1].kind == JV_STR)
            return jerr(c, pos, WICK_ERR_UNSUPPORTED, "tojson: a string indent is not supported");
        if (!jf_arg_int(c, pos, &s[1], "indent", &indent)) return false;
        if (indent < 0) indent = 0; /* json.dumps: negative indent means newlines only */
        if (indent > 64) return jerr(c, pos, WICK_ERR_LIMIT, "tojson: indent over 64 is not supported");
    }
    const char *item_sep = NULL, *key_sep = NULL;
    if (jf_given(&s[2]) && s[2].kind != JV_NONE) {
        const jv *sep = &s[2];
        if ((sep->kind != JV_LIST && sep->kind != JV_TUPLE) || sep->u.list->n != 2 ||
            sep->u.list->items[0].kind != JV_STR || sep->u.list->items[1].kind != JV_STR)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "tojson: separators must be a pair of strings");
        jstr is = sep->u.list->items[0].u.s, ks = sep->u.list->items[1].u.s;
        item_sep = jarena_strdup(c->arena, is.p, is.n);
        key_sep = jarena_strdup(c->arena, ks.p, ks.n);
        if (!item_sep || !key_sep) return jerr(c, pos, WICK_ERR_NOMEM, "out of memory");
    }
    return jv_tojson(c, pos, v, (int)indent, ascii, item_sep, key_sep, sort, out);
}

static bool f_trim(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"chars"};
    jv s[1];
    jstr str, chars;
    if (!jargs_bind(c, pos, "trim", a, P, 1, s) || !jf_str_of(c, pos, v, &str)) return false;
    bool has = jf_given(&s[0]) && s[0].kind != JV_NONE;
    if (has && s[0].kind != JV_STR)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "strip arg must be None or str");
    if (has) chars = s[0].u.s;
    jstr r = pystr_strip(str, has ? &chars : NULL, true, true);
    *out = jv_str(r.p, r.n);
    return true;
}

static bool f_truncate(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"length", "killwords", "end", "leeway"};
    jv s[4];
    jstr str, end = {"...", 3};
    int64_t length = 255, leeway = 5;
    if (!jargs_bind(c, pos, "truncate", a, P, 4, s)) return false;
    if (jf_given(&s[0]) && !jf_arg_int(c, pos, &s[0], "length", &length)) return false;
    if (jf_given(&s[2]) && !jf_str_of(c, pos, &s[2], &end)) return false;
    if (jf_given(&s[3]) && s[3].kind != JV_NONE && !jf_arg_int(c, pos, &s[3], "leeway", &leeway)) return false;
    int64_t end_len = (int64_t)pystr_len(end.p, end.n), len;
    if (length < end_len) return jerr(c, pos, WICK_ERR_TEMPLATE, "expected length >= %lld, got %lld", (long long)end_len, (long long)length);
    if (leeway < 0) return jerr(c, pos, WICK_ERR_TEMPLATE, "expected leeway >= 0, got %lld", (long long)leeway);
    /* jinja2 takes len(s) of whatever it gets and returns it unchanged when short */
    if (!jv_len(c, pos, v, &len)) return false;
    if (len <= length + leeway) {
        *out = *v;
        return true;
    }
    if (v->kind != JV_STR)
        return jerr(c, pos, WICK_ERR_UNSUPPORTED, "truncate of a long '%s' is not supported", jv_type_name(v));
    str = v->u.s;
    size_t cut = pystr_offset(str.p, str.n, (size_t)(length - end_len));
    jstr head = {str.p, cut};
    if (!(jf_given(&s[1]) && jv_truthy(&s[1]))) {
        jstr sp = {" ", 1};
        long long at = pystr_find(head, sp, true);
        if (at >= 0) head.n = (size_t)at;
    }
    wick_buf b = {0};
    wick_buf_append(&b, head.p, head.n);
    wick_buf_append(&b, end.p, end.n);
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

static bool f_wordcount(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)a;
    jstr s;
    if (!jf_str_of(c, pos, v, &s)) return false;
    int64_t n = 0;
    bool in_word = false;
    size_t i = 0;
    while (i < s.n) {
        uint32_t cp;
        size_t len = pystr_decode(s.p + i, s.n - i, &cp);
        char tmp[4];
        size_t tl = pystr_encode(cp, tmp);
        bool w = cp == '_' || pystr_is(tmp, tl, "isalnum");
        if (w && !in_word) n++;
        in_word = w;
        i += len;
    }
    *out = jv_int(n);
    return true;
}

static bool f_format(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    jstr fmt;
    if (!jf_str_of(c, pos, v, &fmt)) return false;
    if (a->npos && a->nkw)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "can't handle positional and keyword arguments at the same time");
    jv arg;
    if (a->nkw) {
        jdict *d = jdict_new(c, pos, a->nkw);
        if (!d) return false;
        for (size_t i = 0; i < a->nkw; i++) {
            jv k = jv_str(a->kwnames[i].p, a->kwnames[i].n);
            if (!jdict_set(c, pos, d, &k, &a->kwvals[i])) return false;
        }
        arg.kind = JV_DICT;
        arg.u.dict = d;
    } else {
        jlist *l = jlist_new(c, pos, a->npos);
        if (!l) return false;
        if (a->npos) memcpy(l->items, a->pos, a->npos * sizeof(jv));
        arg = jv_list_of(JV_TUPLE, l);
    }
    return jinja_percent_format(c, pos, fmt, &arg, out);
}

static bool f_indent(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    static const char *const P[] = {"width", "first", "blank"};
    jv s[3];
    jstr str;
    if (!jargs_bind(c, pos, "indent", a, P, 3, s)) return false;
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    if (v->kind != JV_STR)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "unsupported operand type(s) for +=: '%s' and 'str'", jv_type_name(v));
    str = v->u.s;
    char spaces[65];
    jstr ind = {spaces, 4};
    memset(spaces, ' ', sizeof spaces);
    if (jf_given(&s[0])) {
        if (s[0].kind == JV_STR) {
            ind = s[0].u.s;
        } else {
            int64_t w;
            if (!jf_arg_int(c, pos, &s[0], "width", &w)) return false;
            if (w > 64) return jerr(c, pos, WICK_ERR_LIMIT, "indent width over 64 is not supported");
            ind.n = w < 0 ? 0 : (size_t)w;
        }
    }
    return jinja_indent(c, pos, str, ind, jf_given(&s[1]) && jv_truthy(&s[1]), jf_given(&s[2]) && jv_truthy(&s[2]), out);
}

static bool f_unsupported(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out) {
    (void)v;
    (void)a;
    (void)out;
    return jerr(c, pos, WICK_ERR_UNSUPPORTED, "this jinja2 filter is not supported by Wick");
}

typedef struct filter_def {
    const char *name;
    filter_fn fn;
} filter_def;

static const filter_def FILTERS[] = {
    {"abs", f_abs},           {"attr", f_attr},         {"batch", f_batch},
    {"capitalize", f_capitalize}, {"center", f_center}, {"count", f_length},
    {"d", f_default},         {"default", f_default},   {"dictsort", f_dictsort},
    {"e", f_escape},          {"escape", f_escape},     {"filesizeformat", f_filesizeformat},
    {"first", f_first},       {"float", f_float},       {"forceescape", f_escape},
    {"format", f_format},     {"groupby", f_unsupported}, {"indent", f_indent},
    {"int", f_int},           {"items", f_items},       {"join", f_join},
    {"last", f_last},         {"length", f_length},     {"list", f_list},
    {"lower", f_lower},       {"map", f_map},           {"max", f_max},
    {"min", f_min},           {"pprint", f_unsupported}, {"random", f_unsupported},
    {"reject", f_reject},     {"rejectattr", f_rejectattr}, {"replace", f_replace},
    {"reverse", f_reverse},   {"round", f_round},       {"safe", f_safe},
    {"select", f_select},     {"selectattr", f_selectattr}, {"slice", f_slice},
    {"sort", f_sort},         {"string", f_string},     {"striptags", f_unsupported},
    {"sum", f_sum},           {"title", f_title},       {"tojson", f_tojson},
    {"trim", f_trim},         {"truncate", f_truncate}, {"unique", f_unique},
    {"upper", f_upper},       {"urlencode", f_unsupported}, {"urlize", f_unsupported},
    {"wordcount", f_wordcount}, {"wordwrap", f_unsupported}, {"xmlattr", f_unsupported},
};

#define NFILTERS (sizeof FILTERS / sizeof FILTERS[0])

int jinja_filter_id(jstr name) {
    for (size_t i = 0; i < NFILTERS; i++)
        if (jstr_eq(name, FILTERS[i].name)) return (int)i;
    return -1;
}

bool jinja_call_filter(jctx *c, uint32_t pos, int id, const jv *value, const jargs *args, jv *out) {
    if (id < 0 || (size_t)id >= NFILTERS) return jerr(c, pos, WICK_ERR_TEMPLATE, "No such filter.");
    if (FILTERS[id].fn == f_unsupported)
        return jerr(c, pos, WICK_ERR_UNSUPPORTED, "the '%s' filter is not supported by Wick", FILTERS[id].name);
    if (!jinja_step(c, pos)) return false;
    return FILTERS[id].fn(c, pos, value, args, out);
}

bool jinja_filter_by_name(jctx *c, uint32_t pos, const jv *name, int *id) {
    if (name->kind != JV_STR) return jerr(c, pos, WICK_ERR_TEMPLATE, "filter name must be a string");
    *id = jinja_filter_id(name->u.s);
    if (*id < 0)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "No filter named '%.*s'.", (int)(name->u.s.n > 60 ? 60 : name->u.s.n),
                    name->u.s.p);
    return true;
}
