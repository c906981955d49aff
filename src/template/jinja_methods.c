/* Methods that templates call on values: Python's str methods (strip,
 * split, startswith, replace, format ...), dict.items/keys/values/get,
 * list.index/count, loop.cycle/changed, cycler.next/reset. The sandbox
 * rules of ImmutableSandboxedEnvironment hold: attributes that mutate a
 * list or dict (append, pop, update ...) are "unsafe" undefined values
 * whose use raises, and Python attributes Wick does not implement are
 * methods whose call fails with an error naming them.
 *
 * (About 850 lines: one table-driven file for every built-in method; its
 * length is the list of Python methods.) */
#include "template/jinja.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef bool (*method_fn)(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out);

enum { MC_STR, MC_DICT, MC_LIST, MC_TUPLE, MC_LOOP, MC_CYCLER, MC_RANGE, MC_NUM, MC_DICT_TYPE };
enum { M_OK, M_UNSAFE, M_UNSUPPORTED };

typedef struct method_def {
    uint8_t cls, kind;
    const char *name;
    method_fn fn;
} method_def;

/* ------------------------------------------------------------ helpers */

static bool want_str_arg(jctx *c, uint32_t pos, const jv *v, const char *what, jstr *out) {
    if (v->kind == JV_STR) {
        *out = v->u.s;
        return true;
    }
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    return jerr(c, pos, WICK_ERR_TEMPLATE, "%s must be str, not %s", what, jv_type_name(v));
}

static bool want_int_arg(jctx *c, uint32_t pos, const jv *v, int64_t *out) {
    if (v->kind == JV_INT || v->kind == JV_BOOL) {
        *out = v->kind == JV_INT ? v->u.i : v->u.b;
        return true;
    }
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    return jerr(c, pos, WICK_ERR_TEMPLATE, "'%s' object cannot be interpreted as an integer", jv_type_name(v));
}

static bool nargs(jctx *c, uint32_t pos, const char *name, const jargs *a, size_t lo, size_t hi) {
    if (a->nkw) return jerr(c, pos, WICK_ERR_TEMPLATE, "%s() takes no keyword arguments", name);
    if (a->npos < lo || a->npos > hi)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "%s() takes %zu to %zu arguments (%zu given)", name, lo, hi, a->npos);
    return true;
}

static bool str_result(jctx *c, uint32_t pos, wick_buf *b, jv *out) {
    bool ok;
    *out = jv_str_from_buf(c, pos, b, &ok);
    return ok;
}

/* Python's optional start/end for find/count/startswith: the code point
 * range [start, end) of s, as a byte range; *cp_base = start in code points. */
static bool sub_range(jctx *c, uint32_t pos, jstr s, const jargs *a, size_t first, jstr *out, int64_t *cp_base) {
    int64_t len = (int64_t)pystr_len(s.p, s.n), start = 0, end = len;
    if (a->npos > first && a->pos[first].kind != JV_NONE && !want_int_arg(c, pos, &a->pos[first], &start)) return false;
    if (a->npos > first + 1 && a->pos[first + 1].kind != JV_NONE && !want_int_arg(c, pos, &a->pos[first + 1], &end))
        return false;
    if (start < 0) start = start + len < 0 ? 0 : start + len;
    if (end < 0) end = end + len < 0 ? 0 : end + len;
    if (start > len) start = len + 1; /* empty, and "" is not found past the end */
    if (end > len) end = len;
    *cp_base = start;
    if (start > end || start > len) {
        out->p = NULL;
        out->n = 0;
        return true;
    }
    size_t b0 = pystr_offset(s.p, s.n, (size_t)start), b1 = pystr_offset(s.p, s.n, (size_t)end);
    out->p = s.p + b0;
    out->n = b1 - b0;
    return true;
}

/* --------------------------------------------------------- str methods */

static bool m_case(jctx *c, uint32_t pos, const jv *self, const jargs *a, pycase mode, const char *name, jv *out) {
    if (!nargs(c, pos, name, a, 0, 0)) return false;
    wick_buf b = {0};
    pystr_case(&b, self->u.s.p, self->u.s.n, mode);
    return str_result(c, pos, &b, out);
}

static bool m_upper(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_case(c, pos, s, a, PYCASE_UPPER, "upper", o); }
static bool m_lower(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_case(c, pos, s, a, PYCASE_LOWER, "lower", o); }
static bool m_title(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_case(c, pos, s, a, PYCASE_TITLE, "title", o); }
static bool m_capitalize(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_case(c, pos, s, a, PYCASE_CAPITALIZE, "capitalize", o); }
static bool m_swapcase(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_case(c, pos, s, a, PYCASE_SWAP, "swapcase", o); }

static bool m_strip_any(jctx *c, uint32_t pos, const jv *self, const jargs *a, bool l, bool r, const char *name, jv *out) {
    if (!nargs(c, pos, name, a, 0, 1)) return false;
    jstr chars;
    bool has = a->npos && a->pos[0].kind != JV_NONE;
    if (has && !want_str_arg(c, pos, &a->pos[0], "strip arg", &chars)) return false;
    jstr res = pystr_strip(self->u.s, has ? &chars : NULL, l, r);
    *out = jv_str(res.p, res.n);
    return true;
}

static bool m_strip(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_strip_any(c, pos, s, a, true, true, "strip", o); }
static bool m_lstrip(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_strip_any(c, pos, s, a, true, false, "lstrip", o); }
static bool m_rstrip(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_strip_any(c, pos, s, a, false, true, "rstrip", o); }

static bool split_args(jctx *c, uint32_t pos, const jargs *a, const char *name, bool *has_sep, jstr *sep, int64_t *maxsplit) {
    static const char *const P[] = {"sep", "maxsplit"};
    jv s[2];
    if (!jargs_bind(c, pos, name, a, P, 2, s)) return false;
    *has_sep = s[0].kind != JV_NOARG && s[0].kind != JV_NONE;
    *maxsplit = -1;
    if (*has_sep && !want_str_arg(c, pos, &s[0], "separator", sep)) return false;
    if (*has_sep && sep->n == 0) return jerr(c, pos, WICK_ERR_TEMPLATE, "empty separator");
    if (s[1].kind != JV_NOARG && !want_int_arg(c, pos, &s[1], maxsplit)) return false;
    return true;
}

static bool push_part(jctx *c, uint32_t pos, jlist *l, const char *p, size_t n) {
    (void)c;
    (void)pos;
    l->items[l->n++] = jv_str(p, n);
    return true;
}

static size_t ws_len_at(jstr s, size_t i) {
    uint32_t cp;
    size_t len = pystr_decode(s.p + i, s.n - i, &cp);
    return pystr_isspace(cp) ? len : 0;
}

/* Byte length of the whitespace character ending at s[..end), or 0. */
static size_t ws_len_before(jstr s, size_t end) {
    size_t k = end - 1;
    while (k > 0 && ((unsigned char)s.p[k] & 0xC0) == 0x80) k--;
    uint32_t cp;
    pystr_decode(s.p + k, end - k, &cp);
    return pystr_isspace(cp) ? end - k : 0;
}

static bool m_split_impl(jctx *c, uint32_t pos, const jv *self, const jargs *a, bool reverse, jv *out) {
    bool has_sep;
    jstr sep, s = self->u.s;
    int64_t maxsplit;
    if (!split_args(c, pos, a, reverse ? "rsplit" : "split", &has_sep, &sep, &maxsplit)) return false;
    jlist *l = jlist_new(c, pos, s.n + 1);
    if (!l) return false;
    l->n = 0;
    if (has_sep) {
        if (!reverse) {
            size_t start = 0;
            while (maxsplit < 0 || (int64_t)l->n < maxsplit) {
                jstr rest = {s.p + start, s.n - start};
                long long at = pystr_find(rest, sep, false);
                if (at < 0) break;
                push_part(c, pos, l, rest.p, (size_t)at);
                start += (size_t)at + sep.n;
            }
            push_part(c, pos, l, s.p + start, s.n - start);
        } else {
            size_t end = s.n;
            while (maxsplit < 0 || (int64_t)l->n < maxsplit) {
                jstr rest = {s.p, end};
                long long at = pystr_find(rest, sep, true);
                if (at < 0) break;
                push_part(c, pos, l, s.p + at + sep.n, end - (size_t)at - sep.n);
                end = (size_t)at;
            }
            push_part(c, pos, l, s.p, end);
            for (size_t i = 0; i < l->n / 2; i++) {
                jv t = l->items[i];
                l->items[i] = l->items[l->n - 1 - i];
                l->items[l->n - 1 - i] = t;
            }
        }
    } else if (!reverse) {
        size_t i = 0, w;
        for (;;) {
            while (i < s.n && (w = ws_len_at(s, i))) i += w;
            if (i >= s.n) break;
            if (maxsplit >= 0 && (int64_t)l->n >= maxsplit) {
                push_part(c, pos, l, s.p + i, s.n - i);
                break;
            }
            size_t start = i;
            while (i < s.n && !ws_len_at(s, i)) {
                uint32_t cp;
                i += pystr_decode(s.p + i, s.n - i, &cp);
            }
            push_part(c, pos, l, s.p + start, i - start);
        }
    } else {
        size_t end = s.n, w;
        for (;;) {
            while (end > 0 && (w = ws_len_before(s, end))) end -= w;
            if (end == 0) break;
            if (maxsplit >= 0 && (int64_t)l->n >= maxsplit) {
                push_part(c, pos, l, s.p, end);
                break;
            }
            size_t stop = end;
            while (end > 0 && !ws_len_before(s, end)) {
                end--;
                while (end > 0 && ((unsigned char)s.p[end] & 0xC0) == 0x80) end--;
            }
            push_part(c, pos, l, s.p + end, stop - end);
        }
        for (size_t i = 0; i < l->n / 2; i++) {
            jv t = l->items[i];
            l->items[i] = l->items[l->n - 1 - i];
            l->items[l->n - 1 - i] = t;
        }
    }
    *out = jv_list_of(JV_LIST, l);
    return jinja_step(c, pos);
}

static bool m_split(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_split_impl(c, pos, s, a, false, o); }
static bool m_rsplit(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return m_split_impl(c, pos, s, a, true, o); }

/* Python's str.splitlines line boundaries. */
static size_t line_break_at(jstr s, size_t i) {
    unsigned char ch = (unsigned char)s.p[i];
    if (ch == '\r') return (i + 1 < s.n && s.p[i + 1] == '\n') ? 2 : 1;
    if (ch == '\n' || ch == 0x0B || ch == 0x0C || ch == 0x1C || ch == 0x1D || ch == 0x1E) return 1;
    if (ch >= 0x80) {
        uint32_t cp;
        size_t len = pystr_decode(s.p + i, s.n - i, &cp);
        if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) return len;
    }
    return 0;
}

static bool splitlines(jctx *c, uint32_t pos, jstr s, bool keepends, jlist **out) {
    jlist *l = jlist_new(c, pos, s.n + 1);
    if (!l) return false;
    l->n = 0;
    size_t start = 0, i = 0;
    while (i < s.n) {
        size_t br = line_break_at(s, i);
        if (br) {
            l->items[l->n++] = jv_str(s.p + start, (keepends ? i + br : i) - start);
            i += br;
            start = i;
        } else {
            i++;
        }
    }
    if (start < s.n) l->items[l->n++] = jv_str(s.p + start, s.n - start);
    *out = l;
    return true;
}

static bool m_splitlines(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    static const char *const P[] = {"keepends"};
    jv s[1];
    jlist *l;
    if (!jargs_bind(c, pos, "splitlines", a, P, 1, s)) return false;
    if (!splitlines(c, pos, self->u.s, s[0].kind != JV_NOARG && jv_truthy(&s[0]), &l)) return false;
    *out = jv_list_of(JV_LIST, l);
    return true;
}

/* jinja2's indent filter (which splits with str.splitlines). */
bool jinja_indent(jctx *c, uint32_t pos, jstr s, jstr ind, bool first, bool blank, jv *out) {
    wick_buf tmp = {0};
    wick_buf_append(&tmp, s.p, s.n);
    wick_buf_putc(&tmp, '\n');
    jv whole;
    if (!str_result(c, pos, &tmp, &whole)) return false;
    jlist *lines;
    if (!splitlines(c, pos, whole.u.s, false, &lines)) return false;
    wick_buf b = {0};
    if (first) wick_buf_append(&b, ind.p, ind.n);
    for (size_t i = 0; i < lines->n; i++) {
        jstr line = lines->items[i].u.s;
        if (i) {
            wick_buf_putc(&b, '\n');
            if (blank || line.n) wick_buf_append(&b, ind.p, ind.n);
        }
        wick_buf_append(&b, line.p, line.n);
    }
    return str_result(c, pos, &b, out);
}

static bool prefix_test(jctx *c, uint32_t pos, const jv *self, const jargs *a, bool suffix, jv *out) {
    const char *name = suffix ? "endswith" : "startswith";
    if (!nargs(c, pos, name, a, 1, 3)) return false;
    jstr s;
    int64_t base;
    if (!sub_range(c, pos, self->u.s, a, 1, &s, &base)) return false;
    const jv *arg = &a->pos[0];
    size_t n = 1;
    const jv *cands = arg;
    if (arg->kind == JV_TUPLE) {
        n = arg->u.list->n;
        cands = arg->u.list->items;
    } else if (arg->kind != JV_STR) {
        return jerr(c, pos, WICK_ERR_TEMPLATE, "%s first arg must be str or a tuple of str, not %s", name,
                    jv_type_name(arg));
    }
    bool r = false;
    for (size_t i = 0; i < n && !r; i++) {
        jstr p;
        if (!want_str_arg(c, pos, &cands[i], "tuple item", &p)) return false;
        if (!s.p) continue;
        if (p.n <= s.n) r = memcmp(suffix ? s.p + s.n - p.n : s.p, p.p, p.n) == 0;
    }
    *out = jv_bool(r);
    return true;
}

static bool m_startswith(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return prefix_test(c, pos, s, a, false, o); }
static bool m_endswith(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return prefix_test(c, pos, s, a, true, o); }

static bool find_impl(jctx *c, uint32_t pos, const jv *self, const jargs *a, bool reverse, bool raise, jv *out) {
    const char *name = raise ? (reverse ? "rindex" : "index") : (reverse ? "rfind" : "find");
    if (!nargs(c, pos, name, a, 1, 3)) return false;
    jstr sub, s;
    int64_t base;
    if (!want_str_arg(c, pos, &a->pos[0], "substring", &sub) || !sub_range(c, pos, self->u.s, a, 1, &s, &base))
        return false;
    long long at = s.p ? pystr_find(s, sub, reverse) : -1;
    if (at < 0) {
        if (raise) return jerr(c, pos, WICK_ERR_TEMPLATE, "substring not found");
        *out = jv_int(-1);
        return true;
    }
    *out = jv_int(base + (int64_t)pystr_len(s.p, (size_t)at));
    return true;
}

static bool m_find(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return find_impl(c, pos, s, a, false, false, o); }
static bool m_rfind(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return find_impl(c, pos, s, a, true, false, o); }
static bool m_index(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return find_impl(c, pos, s, a, false, true, o); }
static bool m_rindex(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return find_impl(c, pos, s, a, true, true, o); }

static bool m_count(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "count", a, 1, 3)) return false;
    jstr sub, s;
    int64_t base;
    if (!want_str_arg(c, pos, &a->pos[0], "substring", &sub) || !sub_range(c, pos, self->u.s, a, 1, &s, &base))
        return false;
    int64_t n = 0;
    if (s.p) {
        if (sub.n == 0) {
            n = (int64_t)pystr_len(s.p, s.n) + 1;
        } else {
            size_t i = 0;
            for (;;) {
                jstr rest = {s.p + i, s.n - i};
                long long at = pystr_find(rest, sub, false);
                if (at < 0) break;
                n++;
                i += (size_t)at + sub.n;
            }
        }
    }
    *out = jv_int(n);
    return true;
}

bool jinja_str_replace(jctx *c, uint32_t pos, jstr s, jstr old, jstr nw, int64_t count, jv *out) {
    wick_buf b = {0};
    if (old.n == 0) {
        /* Python inserts `new` before every character and at the end */
        size_t i = 0;
        int64_t done = 0;
        while (count < 0 || done < count) {
            wick_buf_append(&b, nw.p, nw.n);
            done++;
            if (i >= s.n) break;
            uint32_t cp;
            size_t len = pystr_decode(s.p + i, s.n - i, &cp);
            wick_buf_append(&b, s.p + i, len);
            i += len;
            if (b.len > c->max_output) break;
        }
        if (i < s.n) wick_buf_append(&b, s.p + i, s.n - i);
        return str_result(c, pos, &b, out);
    }
    size_t i = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
        jstr rest = {s.p + i, s.n - i};
        long long at = pystr_find(rest, old, false);
        if (at < 0) break;
        wick_buf_append(&b, rest.p, (size_t)at);
        wick_buf_append(&b, nw.p, nw.n);
        i += (size_t)at + old.n;
        done++;
        if (b.len > c->max_output) break;
    }
    if (done == 0) {
        wick_buf_free(&b);
        *out = jv_str(s.p, s.n);
        return true;
    }
    wick_buf_append(&b, s.p + i, s.n - i);
    return str_result(c, pos, &b, out);
}

static bool m_replace(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "replace", a, 2, 3)) return false;
    jstr old, nw;
    int64_t count = -1;
    if (!want_str_arg(c, pos, &a->pos[0], "replace() argument 1", &old) ||
        !want_str_arg(c, pos, &a->pos[1], "replace() argument 2", &nw))
        return false;
    if (a->npos == 3 && !want_int_arg(c, pos, &a->pos[2], &count)) return false;
    return jinja_str_replace(c, pos, self->u.s, old, nw, count, out);
}

static bool m_join(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "join", a, 1, 1)) return false;
    jlist items;
    if (!jv_iterate(c, pos, &a->pos[0], &items)) return false;
    wick_buf b = {0};
    for (size_t i = 0; i < items.n; i++) {
        if (items.items[i].kind != JV_STR) {
            wick_buf_free(&b);
            return jerr(c, pos, WICK_ERR_TEMPLATE, "sequence item %zu: expected str instance, %s found", i,
                        jv_type_name(&items.items[i]));
        }
        if (i) wick_buf_append(&b, self->u.s.p, self->u.s.n);
        wick_buf_append(&b, items.items[i].u.s.p, items.items[i].u.s.n);
        if (b.len > c->max_output) break;
    }
    return str_result(c, pos, &b, out);
}

static bool pad_args(jctx *c, uint32_t pos, const char *name, const jargs *a, int64_t *width, jstr *fill) {
    if (!nargs(c, pos, name, a, 1, 2) || !want_int_arg(c, pos, &a->pos[0], width)) return false;
    fill->p = " ";
    fill->n = 1;
    if (a->npos == 2) {
        if (!want_str_arg(c, pos, &a->pos[1], "fill character", fill)) return false;
        if (pystr_len(fill->p, fill->n) != 1)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "The fill character must be exactly one character long");
    }
    if (*width > (int64_t)(c->max_output / 4)) return jerr(c, pos, WICK_ERR_LIMIT, "%s() width is too large", name);
    return true;
}

static bool m_center(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    int64_t w;
    jstr fill;
    return pad_args(c, pos, "center", a, &w, &fill) && jinja_center(c, pos, self->u.s, w, fill, out);
}

static bool just(jctx *c, uint32_t pos, const jv *self, const jargs *a, bool left, jv *out) {
    int64_t w;
    jstr fill;
    if (!pad_args(c, pos, left ? "ljust" : "rjust", a, &w, &fill)) return false;
    int64_t len = (int64_t)pystr_len(self->u.s.p, self->u.s.n);
    if (w <= len) {
        *out = *self;
        return true;
    }
    wick_buf b = {0};
    if (left) wick_buf_append(&b, self->u.s.p, self->u.s.n);
    for (int64_t i = len; i < w; i++) wick_buf_append(&b, fill.p, fill.n);
    if (!left) wick_buf_append(&b, self->u.s.p, self->u.s.n);
    return str_result(c, pos, &b, out);
}

static bool m_ljust(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return just(c, pos, s, a, true, o); }
static bool m_rjust(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return just(c, pos, s, a, false, o); }

static bool m_zfill(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    int64_t w;
    if (!nargs(c, pos, "zfill", a, 1, 1) || !want_int_arg(c, pos, &a->pos[0], &w)) return false;
    if (w > (int64_t)(c->max_output / 4)) return jerr(c, pos, WICK_ERR_LIMIT, "zfill() width is too large");
    jstr s = self->u.s;
    int64_t len = (int64_t)pystr_len(s.p, s.n);
    if (w <= len) {
        *out = *self;
        return true;
    }
    wick_buf b = {0};
    size_t sign = s.n && (s.p[0] == '+' || s.p[0] == '-') ? 1 : 0;
    wick_buf_append(&b, s.p, sign);
    for (int64_t i = len; i < w; i++) wick_buf_putc(&b, '0');
    wick_buf_append(&b, s.p + sign, s.n - sign);
    return str_result(c, pos, &b, out);
}

static bool partition(jctx *c, uint32_t pos, const jv *self, const jargs *a, bool reverse, jv *out) {
    jstr sep, s = self->u.s;
    if (!nargs(c, pos, reverse ? "rpartition" : "partition", a, 1, 1) ||
        !want_str_arg(c, pos, &a->pos[0], "separator", &sep))
        return false;
    if (!sep.n) return jerr(c, pos, WICK_ERR_TEMPLATE, "empty separator");
    jlist *l = jlist_new(c, pos, 3);
    if (!l) return false;
    long long at = pystr_find(s, sep, reverse);
    if (at < 0) {
        l->items[0] = reverse ? jv_str("", 0) : *self;
        l->items[1] = jv_str("", 0);
        l->items[2] = reverse ? *self : jv_str("", 0);
    } else {
        l->items[0] = jv_str(s.p, (size_t)at);
        l->items[1] = jv_str(sep.p, sep.n);
        l->items[2] = jv_str(s.p + at + sep.n, s.n - (size_t)at - sep.n);
    }
    *out = jv_list_of(JV_TUPLE, l);
    return true;
}

static bool m_partition(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return partition(c, pos, s, a, false, o); }
static bool m_rpartition(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return partition(c, pos, s, a, true, o); }

static bool remove_affix(jctx *c, uint32_t pos, const jv *self, const jargs *a, bool suffix, jv *out) {
    jstr p, s = self->u.s;
    if (!nargs(c, pos, suffix ? "removesuffix" : "removeprefix", a, 1, 1) ||
        !want_str_arg(c, pos, &a->pos[0], "argument", &p))
        return false;
    *out = *self;
    if (p.n && p.n <= s.n && memcmp(suffix ? s.p + s.n - p.n : s.p, p.p, p.n) == 0)
        *out = jv_str(suffix ? s.p : s.p + p.n, s.n - p.n);
    return true;
}

static bool m_removeprefix(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return remove_affix(c, pos, s, a, false, o); }
static bool m_removesuffix(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return remove_affix(c, pos, s, a, true, o); }

static bool is_method(jctx *c, uint32_t pos, const jv *self, const jargs *a, const char *name, jv *out) {
    if (!nargs(c, pos, name, a, 0, 0)) return false;
    *out = jv_bool(pystr_is(self->u.s.p, self->u.s.n, name));
    return true;
}

#define IS_METHOD(fn, name) \
    static bool fn(jctx *c, uint32_t pos, const jv *s, const jargs *a, jv *o) { return is_method(c, pos, s, a, name, o); }
IS_METHOD(m_isalnum, "isalnum")
IS_METHOD(m_isalpha, "isalpha")
IS_METHOD(m_isascii, "isascii")
IS_METHOD(m_isdecimal, "isdecimal")
IS_METHOD(m_isdigit, "isdigit")
IS_METHOD(m_islower, "islower")
IS_METHOD(m_isnumeric, "isnumeric")
IS_METHOD(m_isspace, "isspace")
IS_METHOD(m_isupper, "isupper")

static bool m_format(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    return jinja_str_format(c, pos, self->u.s, a, out);
}

/* ------------------------------------------------- dict / list methods */

static bool make_view(jctx *c, uint32_t pos, const jdict *d, int which, jv *out) {
    static const char *const names[] = {"dict_items", "dict_keys", "dict_values"};
    jlist *l = jlist_new(c, pos, d->n);
    if (!l) return false;
    for (size_t i = 0; i < d->n; i++) {
        if (which == 0) {
            jlist *pair = jlist_new(c, pos, 2);
            if (!pair) return false;
            pair->items[0] = d->keys[i];
            pair->items[1] = d->vals[i];
            l->items[i] = jv_list_of(JV_TUPLE, pair);
        } else {
            l->items[i] = which == 1 ? d->keys[i] : d->vals[i];
        }
    }
    l->view = names[which];
    *out = jv_list_of(JV_VIEW, l);
    return true;
}

static bool m_items(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    return nargs(c, pos, "items", a, 0, 0) && make_view(c, pos, self->u.dict, 0, out);
}
static bool m_keys(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    return nargs(c, pos, "keys", a, 0, 0) && make_view(c, pos, self->u.dict, 1, out);
}
static bool m_values(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    return nargs(c, pos, "values", a, 0, 0) && make_view(c, pos, self->u.dict, 2, out);
}

static bool m_get(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "get", a, 1, 2)) return false;
    if (!jv_hashable(&a->pos[0]))
        return jerr(c, pos, WICK_ERR_TEMPLATE, "unhashable type: '%s'", jv_type_name(&a->pos[0]));
    const jv *v = jdict_get(self->u.dict, &a->pos[0]);
    *out = v ? *v : a->npos == 2 ? a->pos[1] : jv_none();
    return true;
}

static bool m_copy(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "copy", a, 0, 0)) return false;
    if (self->kind == JV_DICT) {
        const jdict *d = self->u.dict;
        jdict *n = jdict_new(c, pos, d->n);
        if (!n) return false;
        if (d->n) {
            memcpy(n->keys, d->keys, d->n * sizeof(jv));
            memcpy(n->vals, d->vals, d->n * sizeof(jv));
        }
        n->n = d->n;
        if (!jdict_reindex(c, pos, n)) return false;
        out->kind = JV_DICT;
        out->u.dict = n;
        return true;
    }
    jlist *l = jlist_new(c, pos, self->u.list->n);
    if (!l) return false;
    if (l->n) memcpy(l->items, self->u.list->items, l->n * sizeof(jv));
    *out = jv_list_of(JV_LIST, l);
    return true;
}

static bool m_list_index(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "index", a, 1, 1)) return false;
    const jlist *l = self->u.list;
    c->steps += l->n / 16;
    if (!jinja_step(c, pos)) return false;
    for (size_t i = 0; i < l->n; i++) {
        if (jv_eq(&l->items[i], &a->pos[0])) {
            *out = jv_int((int64_t)i);
            return true;
        }
    }
    return jerr(c, pos, WICK_ERR_TEMPLATE, "value is not in %s", self->kind == JV_TUPLE ? "tuple" : "list");
}

static bool m_list_count(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "count", a, 1, 1)) return false;
    int64_t n = 0;
    const jlist *l = self->u.list;
    c->steps += l->n / 16;
    if (!jinja_step(c, pos)) return false;
    for (size_t i = 0; i < l->n; i++) n += jv_eq(&l->items[i], &a->pos[0]);
    *out = jv_int(n);
    return true;
}

/* dict.fromkeys(iterable, value=None) on the `dict` global */
static bool m_fromkeys(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    (void)self;
    if (!nargs(c, pos, "fromkeys", a, 1, 2)) return false;
    jlist keys;
    if (!jv_iterate(c, pos, &a->pos[0], &keys)) return false;
    jv value = a->npos == 2 ? a->pos[1] : jv_none();
    jdict *d = jdict_new(c, pos, keys.n);
    if (!d) return false;
    for (size_t i = 0; i < keys.n; i++)
        if (!jdict_set(c, pos, d, &keys.items[i], &value)) return false;
    out->kind = JV_DICT;
    out->u.dict = d;
    return true;
}

/* ---------------------------------------------- loop / cycler methods */

static bool m_loop_cycle(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (a->nkw) return jerr(c, pos, WICK_ERR_TEMPLATE, "cycle() takes no keyword arguments");
    if (!a->npos) return jerr(c, pos, WICK_ERR_TEMPLATE, "no items for cycling given");
    *out = a->pos[self->u.loop->index0 % a->npos];
    return true;
}

static bool m_loop_changed(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (a->nkw) return jerr(c, pos, WICK_ERR_TEMPLATE, "changed() takes no keyword arguments");
    jloop *l = self->u.loop;
    jlist *vals = jlist_new(c, pos, a->npos);
    if (!vals) return false;
    if (a->npos) memcpy(vals->items, a->pos, a->npos * sizeof(jv));
    jv now = jv_list_of(JV_LIST, vals);
    bool changed = !l->changed_used || !jv_eq(&l->last_changed, &now);
    if (changed) {
        l->last_changed = now;
        l->changed_used = true;
    }
    *out = jv_bool(changed);
    return true;
}

static bool m_cycler_next(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "next", a, 0, 0)) return false;
    jcycler *cy = self->u.cycler;
    *out = cy->items.items[cy->pos];
    cy->pos = (cy->pos + 1) % cy->items.n;
    return true;
}

static bool m_cycler_reset(jctx *c, uint32_t pos, const jv *self, const jargs *a, jv *out) {
    if (!nargs(c, pos, "reset", a, 0, 0)) return false;
    self->u.cycler->pos = 0;
    *out = jv_none();
    return true;
}

/* ---------------------------------------------------------- the table */

static const method_def METHODS[] = {
    {MC_STR, M_OK, "capitalize", m_capitalize},
    {MC_STR, M_OK, "casefold", m_lower},
    {MC_STR, M_OK, "center", m_center},
    {MC_STR, M_OK, "count", m_count},
    {MC_STR, M_UNSUPPORTED, "encode", NULL},
    {MC_STR, M_OK, "endswith", m_endswith},
    {MC_STR, M_UNSUPPORTED, "expandtabs", NULL},
    {MC_STR, M_OK, "find", m_find},
    {MC_STR, M_OK, "format", m_format},
    {MC_STR, M_UNSUPPORTED, "format_map", NULL},
    {MC_STR, M_OK, "index", m_index},
    {MC_STR, M_OK, "isalnum", m_isalnum},
    {MC_STR, M_OK, "isalpha", m_isalpha},
    {MC_STR, M_OK, "isascii", m_isascii},
    {MC_STR, M_OK, "isdecimal", m_isdecimal},
    {MC_STR, M_OK, "isdigit", m_isdigit},
    {MC_STR, M_UNSUPPORTED, "isidentifier", NULL},
    {MC_STR, M_OK, "islower", m_islower},
    {MC_STR, M_OK, "isnumeric", m_isnumeric},
    {MC_STR, M_UNSUPPORTED, "isprintable", NULL},
    {MC_STR, M_OK, "isspace", m_isspace},
    {MC_STR, M_UNSUPPORTED, "istitle", NULL},
    {MC_STR, M_OK, "isupper", m_isupper},
    {MC_STR, M_OK, "join", m_join},
    {MC_STR, M_OK, "ljust", m_ljust},
    {MC_STR, M_OK, "lower", m_lower},
    {MC_STR, M_OK, "lstrip", m_lstrip},
    {MC_STR, M_UNSUPPORTED, "maketrans", NULL},
    {MC_STR, M_OK, "partition", m_partition},
    {MC_STR, M_OK, "removeprefix", m_removeprefix},
    {MC_STR, M_OK, "removesuffix", m_removesuffix},
    {MC_STR, M_OK, "replace", m_replace},
    {MC_STR, M_OK, "rfind", m_rfind},
    {MC_STR, M_OK, "rindex", m_rindex},
    {MC_STR, M_OK, "rjust", m_rjust},
    {MC_STR, M_OK, "rpartition", m_rpartition},
    {MC_STR, M_OK, "rsplit", m_rsplit},
    {MC_STR, M_OK, "rstrip", m_rstrip},
    {MC_STR, M_OK, "split", m_split},
    {MC_STR, M_OK, "splitlines", m_splitlines},
    {MC_STR, M_OK, "startswith", m_startswith},
    {MC_STR, M_OK, "strip", m_strip},
    {MC_STR, M_OK, "swapcase", m_swapcase},
    {MC_STR, M_OK, "title", m_title},
    {MC_STR, M_UNSUPPORTED, "translate", NULL},
    {MC_STR, M_OK, "upper", m_upper},
    {MC_STR, M_OK, "zfill", m_zfill},
    {MC_DICT, M_UNSAFE, "clear", NULL},
    {MC_DICT, M_OK, "copy", m_copy},
    {MC_DICT, M_UNSUPPORTED, "fromkeys", NULL},
    {MC_DICT, M_OK, "get", m_get},
    {MC_DICT, M_OK, "items", m_items},
    {MC_DICT, M_OK, "keys", m_keys},
    {MC_DICT, M_UNSAFE, "pop", NULL},
    {MC_DICT, M_UNSAFE, "popitem", NULL},
    {MC_DICT, M_UNSAFE, "setdefault", NULL},
    {MC_DICT, M_UNSAFE, "update", NULL},
    {MC_DICT, M_OK, "values", m_values},
    {MC_LIST, M_UNSAFE, "append", NULL},
    {MC_LIST, M_UNSAFE, "clear", NULL},
    {MC_LIST, M_OK, "copy", m_copy},
    {MC_LIST, M_OK, "count", m_list_count},
    {MC_LIST, M_UNSAFE, "extend", NULL},
    {MC_LIST, M_OK, "index", m_list_index},
    {MC_LIST, M_UNSAFE, "insert", NULL},
    {MC_LIST, M_UNSAFE, "pop", NULL},
    {MC_LIST, M_UNSAFE, "remove", NULL},
    {MC_LIST, M_UNSAFE, "reverse", NULL},
    {MC_LIST, M_UNSAFE, "sort", NULL},
    {MC_TUPLE, M_OK, "count", m_list_count},
    {MC_TUPLE, M_OK, "index", m_list_index},
    {MC_RANGE, M_OK, "count", m_list_count},
    {MC_RANGE, M_OK, "index", m_list_index},
    {MC_LOOP, M_OK, "cycle", m_loop_cycle},
    {MC_LOOP, M_OK, "changed", m_loop_changed},
    {MC_CYCLER, M_OK, "next", m_cycler_next},
    {MC_CYCLER, M_OK, "reset", m_cycler_reset},
    {MC_DICT_TYPE, M_OK, "fromkeys", m_fromkeys},
    {MC_NUM, M_UNSUPPORTED, "real", NULL},
    {MC_NUM, M_UNSUPPORTED, "imag", NULL},
    {MC_NUM, M_UNSUPPORTED, "conjugate", NULL},
    {MC_NUM, M_UNSUPPORTED, "bit_length", NULL},
    {MC_NUM, M_UNSUPPORTED, "is_integer", NULL},
    {MC_NUM, M_UNSUPPORTED, "as_integer_ratio", NULL},
};

#define NMETHODS (sizeof METHODS / sizeof METHODS[0])

static int class_of(const jv *v) {
    switch (v->kind) {
    case JV_STR: return MC_STR;
    case JV_DICT: return MC_DICT;
    case JV_LIST: return MC_LIST;
    case JV_TUPLE: return MC_TUPLE;
    case JV_RANGE: return MC_RANGE;
    case JV_LOOP: return MC_LOOP;
    case JV_CYCLER: return MC_CYCLER;
    case JV_INT:
    case JV_FLOAT:
    case JV_BOOL: return MC_NUM;
    case JV_BUILTIN: return strcmp(jinja_builtin_name(v->u.builtin), "dict") == 0 ? MC_DICT_TYPE : -1;
    default: return -1;
    }
}

const char *jinja_method_name(int id) { return id >= 0 && (size_t)id < NMETHODS ? METHODS[id].name : "?"; }

bool jinja_builtin_attr(jctx *c, uint32_t pos, const jv *obj, jstr name, jv *out, bool *found) {
    (void)pos;
    *found = false;
    if (obj->kind == JV_CYCLER && jstr_eq(name, "current")) {
        const jcycler *cy = obj->u.cycler;
        *out = cy->items.items[cy->pos];
        *found = true;
        return true;
    }
    int cls = class_of(obj);
    if (cls < 0) return true;
    for (size_t i = 0; i < NMETHODS; i++) {
        if (METHODS[i].cls != cls || !jstr_eq(name, METHODS[i].name)) continue;
        *found = true;
        if (METHODS[i].kind == M_UNSAFE) {
            char msg[160];
            snprintf(msg, sizeof msg, "access to attribute '%s' of '%s' object is unsafe.", METHODS[i].name,
                     jv_type_name(obj));
            *out = jv_undef_hint(c, msg, true);
            return true;
        }
        jmethod *m = jalloc(c, pos, sizeof *m);
        if (!m) return false;
        m->self = *obj;
        m->id = (int)i;
        out->kind = JV_METHOD;
        out->u.method = m;
        return true;
    }
    return true;
}

bool jinja_call_method(jctx *c, uint32_t pos, const jmethod *m, const jargs *args, jv *out) {
    const method_def *d = &METHODS[m->id];
    if (!d->fn)
        return jerr(c, pos, WICK_ERR_UNSUPPORTED, "%s.%s() is not supported by Wick", jv_type_name(&m->self), d->name);
    if (!jinja_step(c, pos)) return false;
    return d->fn(c, pos, &m->self, args, out);
}
