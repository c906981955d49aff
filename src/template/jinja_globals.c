/* Global functions (jinja2's range/dict/namespace/cycler/joiner and
 * Hugging Face's raise_exception/strftime_now) and Python's two string
 * formatting languages: `fmt % args` (and the format filter) and
 * str.format(). */
#include "template/jinja.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BI_RANGE, BI_DICT, BI_NAMESPACE, BI_CYCLER, BI_JOINER, BI_LIPSUM, BI_RAISE, BI_STRFTIME, BI_COUNT };

static const char *const BUILTIN_NAMES[BI_COUNT] = {"range", "dict", "namespace", "cycler",
                                                    "joiner", "lipsum", "raise_exception", "strftime_now"};

const char *jinja_builtin_name(int id) { return id >= 0 && id < BI_COUNT ? BUILTIN_NAMES[id] : "?"; }

bool jinja_global(jctx *c, jstr name, jv *out) {
    for (int i = 0; i < BI_COUNT; i++) {
        if (!jstr_eq(name, BUILTIN_NAMES[i])) continue;
        if ((i == BI_RAISE || i == BI_STRFTIME) && !c->hf_globals) return false;
        out->kind = JV_BUILTIN;
        out->u.builtin = i;
        return true;
    }
    return false;
}

bool jinja_ns_key_ok(jctx *c, uint32_t pos, jstr name) {
    if (!c->hf_globals || !name.n || name.p[0] != '_') return true;
    wick_buf b = {0};
    pystr_repr(&b, name.p, name.n);
    bool r = jerr(c, pos, WICK_ERR_TEMPLATE,
                  "Chat templates cannot store underscore-prefixed attributes on a namespace, but got %.100s. "
                  "Please rename the attribute.",
                  b.data ? b.data : "");
    wick_buf_free(&b);
    return r;
}

static bool int_arg(jctx *c, uint32_t pos, const jv *v, int64_t *out) {
    if (v->kind == JV_INT || v->kind == JV_BOOL) {
        *out = v->kind == JV_INT ? v->u.i : v->u.b;
        return true;
    }
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    return jerr(c, pos, WICK_ERR_TEMPLATE, "'%s' object cannot be interpreted as an integer", jv_type_name(v));
}

static bool g_range(jctx *c, uint32_t pos, const jargs *a, jv *out) {
    if (a->nkw) return jerr(c, pos, WICK_ERR_TEMPLATE, "range() takes no keyword arguments");
    if (a->npos < 1 || a->npos > 3)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "range expected 1 to 3 arguments, got %zu", a->npos);
    int64_t v[3] = {0, 0, 1};
    for (size_t i = 0; i < a->npos; i++)
        if (!int_arg(c, pos, &a->pos[i], &v[a->npos == 1 ? 1 : i])) return false;
    int64_t start = v[0], stop = v[1], step = v[2];
    if (step == 0) return jerr(c, pos, WICK_ERR_TEMPLATE, "range() arg 3 must not be zero");
    /* the count in 128 bits would be exact; doubles are enough to refuse huge ones */
    double span = step > 0 ? ((double)stop - (double)start) : ((double)start - (double)stop);
    double dn = span <= 0 ? 0 : ceil(span / fabs((double)step));
    if (dn > JINJA_MAX_RANGE)
        return jerr(c, pos, WICK_ERR_LIMIT,
                    "Range too big. The sandbox blocks ranges larger than MAX_RANGE (%d).", JINJA_MAX_RANGE);
    size_t n = (size_t)dn;
    jlist *l = jlist_new(c, pos, n);
    if (!l) return false;
    for (size_t i = 0; i < n; i++) l->items[i] = jv_int(start + (int64_t)i * step);
    l->range[0] = start;
    l->range[1] = stop;
    l->range[2] = step;
    *out = jv_list_of(JV_RANGE, l);
    return true;
}

/* dict(mapping_or_pairs?, **kwargs) into a new dict. */
static bool build_dict(jctx *c, uint32_t pos, const jargs *a, const char *name, jdict **out) {
    if (a->npos > 1) return jerr(c, pos, WICK_ERR_TEMPLATE, "%s expected at most 1 argument, got %zu", name, a->npos);
    jdict *d = jdict_new(c, pos, a->nkw + 4);
    if (!d) return false;
    if (a->npos) {
        const jv *src = &a->pos[0];
        if (src->kind == JV_DICT) {
            for (size_t i = 0; i < src->u.dict->n; i++)
                if (!jdict_set(c, pos, d, &src->u.dict->keys[i], &src->u.dict->vals[i])) return false;
        } else {
            jlist items;
            if (!jv_iterate(c, pos, src, &items)) return false;
            for (size_t i = 0; i < items.n; i++) {
                jlist kv;
                const jv *it = &items.items[i];
                if (!(it->kind == JV_STR || jv_is_seq(it)) || !jv_iterate(c, pos, it, &kv) || kv.n != 2) {
                    if (c->failed) return false;
                    return jerr(c, pos, WICK_ERR_TEMPLATE,
                                "dictionary update sequence element #%zu has the wrong length", i);
                }
                if (!jdict_set(c, pos, d, &kv.items[0], &kv.items[1])) return false;
            }
        }
    }
    for (size_t i = 0; i < a->nkw; i++) {
        jv k = jv_str(a->kwnames[i].p, a->kwnames[i].n);
        if (!jdict_set(c, pos, d, &k, &a->kwvals[i])) return false;
    }
    *out = d;
    return true;
}

/* strftime over a UTC time (Python's datetime.now() is local time; Wick
 * has no time zone database and renders in UTC). */
static void civil(int64_t days, int64_t *y, int *m, int *d) {
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool g_strftime(jctx *c, uint32_t pos, const jargs *a, jv *out) {
    static const char *const wd[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static const char *const mo[] = {"January", "February", "March", "April", "May", "June", "July",
                                     "August", "September", "October", "November", "December"};
    static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    if (a->npos != 1 || a->nkw || a->pos[0].kind != JV_STR)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "strftime_now() takes one format string");
    int64_t t = c->now, days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), secs = t - days * 86400;
    int64_t y;
    int m, d;
    civil(days, &y, &m, &d);
    int w = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    int yday = cum[m - 1] + d + (m > 2 && is_leap(y)) - 1;
    int H = (int)(secs / 3600), M = (int)(secs / 60 % 60), S = (int)(secs % 60);
    jstr f = a->pos[0].u.s;
    wick_buf b = {0};
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] != '%' || i + 1 >= f.n) {
            wick_buf_putc(&b, f.p[i]);
            continue;
        }
        char k = f.p[++i];
        switch (k) {
        case 'a': wick_buf_printf(&b, "%.3s", wd[w]); break;
        case 'A': wick_buf_puts(&b, wd[w]); break;
        case 'b':
        case 'h': wick_buf_printf(&b, "%.3s", mo[m - 1]); break;
        case 'B': wick_buf_puts(&b, mo[m - 1]); break;
        case 'd': wick_buf_printf(&b, "%02d", d); break;
        case 'e': wick_buf_printf(&b, "%2d", d); break;
        case 'm': wick_buf_printf(&b, "%02d", m); break;
        case 'y': wick_buf_printf(&b, "%02d", (int)(((y % 100) + 100) % 100)); break;
        case 'Y': wick_buf_printf(&b, "%lld", (long long)y); break;
        case 'H': wick_buf_printf(&b, "%02d", H); break;
        case 'I': wick_buf_printf(&b, "%02d", H % 12 ? H % 12 : 12); break;
        case 'M': wick_buf_printf(&b, "%02d", M); break;
        case 'S': wick_buf_printf(&b, "%02d", S); break;
        case 'p': wick_buf_puts(&b, H < 12 ? "AM" : "PM"); break;
        case 'j': wick_buf_printf(&b, "%03d", yday + 1); break;
        case 'w': wick_buf_printf(&b, "%d", w); break;
        case 'u': wick_buf_printf(&b, "%d", w ? w : 7); break;
        case 'F': wick_buf_printf(&b, "%lld-%02d-%02d", (long long)y, m, d); break;
        case 'D':
        case 'x': wick_buf_printf(&b, "%02d/%02d/%02d", m, d, (int)(((y % 100) + 100) % 100)); break;
        case 'T':
        case 'X': wick_buf_printf(&b, "%02d:%02d:%02d", H, M, S); break;
        case 'R': wick_buf_printf(&b, "%02d:%02d", H, M); break;
        case 'c':
            wick_buf_printf(&b, "%.3s %.3s %2d %02d:%02d:%02d %lld", wd[w], mo[m - 1], d, H, M, S, (long long)y);
            break;
        case 'U': wick_buf_printf(&b, "%02d", (yday + 7 - w) / 7); break;
        case 'W': wick_buf_printf(&b, "%02d", (yday + 7 - (w ? w - 1 : 6)) / 7); break;
        case 'Z':
        case 'z': break; /* naive datetime: empty */
        case '%': wick_buf_putc(&b, '%'); break;
        case 'n': wick_buf_putc(&b, '\n'); break;
        case 't': wick_buf_putc(&b, '\t'); break;
        default:
            wick_buf_putc(&b, '%');
            wick_buf_putc(&b, k);
        }
    }
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

bool jinja_call_builtin(jctx *c, uint32_t pos, int id, const jargs *a, jv *out) {
    if (!jinja_step(c, pos)) return false;
    switch (id) {
    case BI_RANGE: return g_range(c, pos, a, out);
    case BI_DICT:
    case BI_NAMESPACE: {
        jdict *d;
        if (!build_dict(c, pos, a, id == BI_DICT ? "dict" : "namespace", &d)) return false;
        if (id == BI_NAMESPACE)
            for (size_t i = 0; i < d->n; i++)
                if (d->keys[i].kind == JV_STR && !jinja_ns_key_ok(c, pos, d->keys[i].u.s)) return false;
        out->kind = id == BI_DICT ? JV_DICT : JV_NS;
        d->hf_namespace = id == BI_NAMESPACE && c->hf_globals;
        out->u.dict = d;
        return true;
    }
    case BI_CYCLER: {
        if (a->nkw) return jerr(c, pos, WICK_ERR_TEMPLATE, "cycler() takes no keyword arguments");
        if (!a->npos) return jerr(c, pos, WICK_ERR_TEMPLATE, "at least one item has to be provided");
        jcycler *cy = jalloc(c, pos, sizeof *cy);
        jv *items = jalloc(c, pos, a->npos * sizeof(jv));
        if (!cy || !items) return false;
        memcpy(items, a->pos, a->npos * sizeof(jv));
        cy->items.items = items;
        cy->items.n = a->npos;
        out->kind = JV_CYCLER;
        out->u.cycler = cy;
        return true;
    }
    case BI_JOINER: {
        static const char *const P[] = {"sep"};
        jv s[1];
        if (!jargs_bind(c, pos, "joiner", a, P, 1, s)) return false;
        jjoiner *j = jalloc(c, pos, sizeof *j);
        if (!j) return false;
        j->sep.p = ", ";
        j->sep.n = 2;
        if (s[0].kind != JV_NOARG && !jv_to_str(c, pos, &s[0], &j->sep)) return false;
        out->kind = JV_JOINER;
        out->u.joiner = j;
        return true;
    }
    case BI_RAISE: {
        jstr msg = {"", 0};
        if (a->npos >= 1 && !jv_to_str(c, pos, &a->pos[0], &msg)) return false;
        if (c->failed) return false;
        c->failed = true;
        wick_error_set(c->err, WICK_ERR_TEMPLATE, "template raised: %.*s", (int)(msg.n > 480 ? 480 : msg.n), msg.p);
        return false;
    }
    case BI_STRFTIME: return g_strftime(c, pos, a, out);
    default: return jerr(c, pos, WICK_ERR_UNSUPPORTED, "%s() is not supported by Wick", jinja_builtin_name(id));
    }
}

/* --------------------------------------------------- printf-style % */

static bool pad_out(wick_buf *b, const char *s, size_t n, size_t cps, int64_t width, bool left, char fill) {
    if (!left)
        for (int64_t i = (int64_t)cps; i < width; i++) wick_buf_putc(b, fill);
    wick_buf_append(b, s, n);
    if (left)
        for (int64_t i = (int64_t)cps; i < width; i++) wick_buf_putc(b, ' ');
    return true;
}

static bool num_value(jctx *c, uint32_t pos, const jv *v, char type, bool want_int, jv *out) {
    if (v->kind == JV_UNDEF) return jerr_undef(c, pos, v);
    if (v->kind == JV_BOOL) {
        *out = jv_int(v->u.b);
        return true;
    }
    if (v->kind == JV_INT) {
        *out = *v;
        return true;
    }
    if (v->kind == JV_FLOAT) {
        if (want_int && (type == 'x' || type == 'X' || type == 'o' || type == 'c'))
            return jerr(c, pos, WICK_ERR_TEMPLATE, "%%%c format: an integer is required, not float", type);
        if (want_int) {
            if (isnan(v->u.f) || isinf(v->u.f) || fabs(v->u.f) >= 9.2e18)
                return jerr(c, pos, WICK_ERR_UNSUPPORTED, "cannot format %g as an integer", v->u.f);
            *out = jv_int((int64_t)v->u.f);
        } else {
            *out = *v;
        }
        return true;
    }
    if (want_int) return jerr(c, pos, WICK_ERR_TEMPLATE, "%%%c format: a real number is required, not %s", type, jv_type_name(v));
    return jerr(c, pos, WICK_ERR_TEMPLATE, "must be real number, not %s", jv_type_name(v));
}

bool jinja_percent_format(jctx *c, uint32_t pos, jstr fmt, const jv *args, jv *out) {
    const jv *list = args;
    size_t nargs = 1, argi = 0;
    const jdict *dict = NULL;
    /* CPython: any non-tuple argument with __getitem__ (dict, list,
     * Undefined ...) is a "mapping", which silences the check for unused
     * arguments; only real dicts serve %(key)s here */
    bool mapping = args->kind == JV_DICT || args->kind == JV_LIST || args->kind == JV_UNDEF ||
                   args->kind == JV_RANGE || args->kind == JV_LOOP;
    if (args->kind == JV_TUPLE) {
        list = args->u.list->items;
        nargs = args->u.list->n;
    } else if (args->kind == JV_DICT) {
        dict = args->u.dict;
    }
    wick_buf b = {0};
#define FAIL(...)                               \
    do {                                        \
        wick_buf_free(&b);                      \
        return jerr(c, pos, WICK_ERR_TEMPLATE, __VA_ARGS__); \
    } while (0)
#define NEXT_ARG(dst)                                                          \
    do {                                                                       \
        if (argi >= nargs) FAIL("not enough arguments for format string");     \
        dst = &list[argi++];                                                   \
    } while (0)
    for (size_t i = 0; i < fmt.n; i++) {
        if (fmt.p[i] != '%') {
            wick_buf_putc(&b, fmt.p[i]);
            continue;
        }
        if (++i >= fmt.n) FAIL("incomplete format");
        const jv *val = NULL;
        jv keyed;
        if (fmt.p[i] == '(') {
            if (args->kind == JV_UNDEF) {
                wick_buf_free(&b);
                return jerr_undef(c, pos, args);
            }
            if (!dict) FAIL(mapping ? "%s indices must be integers or slices, not str" : "format requires a mapping",
                            jv_type_name(args));
            size_t start = ++i;
            int depth = 1;
            while (i < fmt.n && depth) {
                if (fmt.p[i] == '(') depth++;
                else if (fmt.p[i] == ')') depth--;
                if (depth) i++;
            }
            if (i >= fmt.n) FAIL("incomplete format key");
            const jv *v = jdict_get_str(dict, fmt.p + start, i - start);
            if (!v) FAIL("KeyError: '%.*s'", (int)(i - start > 60 ? 60 : i - start), fmt.p + start);
            keyed = *v;
            val = &keyed;
            i++;
        }
        bool left = false, plus = false, space = false, alt = false, zero = false;
        for (; i < fmt.n && strchr("-+ #0", fmt.p[i]) && fmt.p[i]; i++) {
            char f = fmt.p[i];
            left |= f == '-', plus |= f == '+', space |= f == ' ', alt |= f == '#', zero |= f == '0';
        }
        int64_t width = -1, prec = -1;
        if (i < fmt.n && fmt.p[i] == '*') {
            const jv *w;
            NEXT_ARG(w);
            if (w->kind != JV_INT) FAIL("* wants int");
            width = w->u.i;
            if (width < 0) left = true, width = -width;
            i++;
        } else {
            for (; i < fmt.n && fmt.p[i] >= '0' && fmt.p[i] <= '9'; i++) {
                width = (width < 0 ? 0 : width) * 10 + (fmt.p[i] - '0');
                if (width > 100000) FAIL("width too big");
            }
        }
        if (i < fmt.n && fmt.p[i] == '.') {
            i++;
            prec = 0;
            if (i < fmt.n && fmt.p[i] == '*') {
                const jv *pv;
                NEXT_ARG(pv);
                if (pv->kind != JV_INT) FAIL("* wants int");
                prec = pv->u.i < 0 ? 0 : pv->u.i;
                i++;
            } else {
                for (; i < fmt.n && fmt.p[i] >= '0' && fmt.p[i] <= '9'; i++) {
                    prec = prec * 10 + (fmt.p[i] - '0');
                    if (prec > 1000) FAIL("precision too big");
                }
            }
        }
        while (i < fmt.n && (fmt.p[i] == 'h' || fmt.p[i] == 'l' || fmt.p[i] == 'L')) i++;
        if (i >= fmt.n) FAIL("incomplete format");
        char type = fmt.p[i];
        if (type == '%') {
            wick_buf_putc(&b, '%');
            continue;
        }
        if (!val) NEXT_ARG(val);
        char flags[8];
        size_t fl = 0;
        if (left) flags[fl++] = '-';
        if (plus) flags[fl++] = '+';
        if (space) flags[fl++] = ' ';
        if (zero && !left) flags[fl++] = '0';
        flags[fl] = '\0';
        char spec[64], tmp[1200];
        switch (type) {
        case 's':
        case 'r':
        case 'a': {
            wick_buf sb = {0};
            if (type == 's') jv_write_str(c, &sb, val);
            else jv_write_repr(c, &sb, val);
            size_t n = sb.len, cps = pystr_len(sb.data ? sb.data : "", n);
            if (prec >= 0 && (size_t)prec < cps) {
                n = pystr_offset(sb.data, sb.len, (size_t)prec);
                cps = (size_t)prec;
            }
            pad_out(&b, sb.data ? sb.data : "", n, cps, width, left, ' ');
            wick_buf_free(&sb);
            break;
        }
        case 'd':
        case 'i':
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            jv nv;
            if (!num_value(c, pos, val, type, true, &nv)) {
                wick_buf_free(&b);
                return false;
            }
            long long x = (long long)nv.u.i;
            if (type == 'o' && alt) {
                /* Python's %#o is "0o17", not C's "017" */
                char digits[32];
                snprintf(digits, sizeof digits, "%llo", x < 0 ? (unsigned long long)-x : (unsigned long long)x);
                snprintf(tmp, sizeof tmp, "%s0o%s", x < 0 ? "-" : plus ? "+" : space ? " " : "", digits);
                pad_out(&b, tmp, strlen(tmp), strlen(tmp), width, left, ' ');
                break;
            }
            char conv = type == 'i' || type == 'u' ? 'd' : type;
            if (conv != 'd' && x < 0) {
                /* Python formats negative hex as -ff */
                snprintf(spec, sizeof spec, "%%%s%s%lld.%lldll%c", flags, alt ? "#" : "", (long long)(width > 0 ? width - 1 : 0),
                         (long long)(prec < 0 ? 1 : prec), conv);
                char mag[64];
                snprintf(mag, sizeof mag, conv == 'o' ? "%llo" : conv == 'x' ? "%llx" : "%llX", (unsigned long long)-x);
                snprintf(tmp, sizeof tmp, "-%s%s", alt ? (conv == 'X' ? "0X" : "0x") : "", mag);
                pad_out(&b, tmp, strlen(tmp), strlen(tmp), width, left, ' ');
                break;
            }
            if (prec >= 0)
                snprintf(spec, sizeof spec, "%%%s%s%lld.%lldll%c", flags, alt ? "#" : "", (long long)(width < 0 ? 0 : width),
                         (long long)prec, conv);
            else
                snprintf(spec, sizeof spec, "%%%s%s%lldll%c", flags, alt ? "#" : "", (long long)(width < 0 ? 0 : width), conv);
            snprintf(tmp, sizeof tmp, spec, x);
            wick_buf_puts(&b, tmp);
            break;
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G': {
            jv nv;
            if (!num_value(c, pos, val, type, false, &nv)) {
                wick_buf_free(&b);
                return false;
            }
            double x = nv.kind == JV_FLOAT ? nv.u.f : (double)nv.u.i;
            snprintf(spec, sizeof spec, "%%%s%s%lld.%lld%c", flags, alt ? "#" : "", (long long)(width < 0 ? 0 : width),
                     (long long)(prec < 0 ? 6 : prec), type);
            snprintf(tmp, sizeof tmp, spec, x);
            wick_buf_puts(&b, tmp);
            break;
        }
        case 'c': {
            char enc[4];
            size_t n;
            if (val->kind == JV_STR && pystr_len(val->u.s.p, val->u.s.n) == 1) {
                pad_out(&b, val->u.s.p, val->u.s.n, 1, width, left, ' ');
                break;
            }
            jv nv;
            if (!num_value(c, pos, val, 'c', true, &nv)) {
                wick_buf_free(&b);
                return false;
            }
            if (nv.u.i < 0 || nv.u.i > 0x10FFFF || (nv.u.i >= 0xD800 && nv.u.i <= 0xDFFF)) FAIL("%%c arg not in range(0x110000)");
            n = pystr_encode((uint32_t)nv.u.i, enc);
            pad_out(&b, enc, n, 1, width, left, ' ');
            break;
        }
        default:
            FAIL("unsupported format character '%c' (0x%x) at index %zu", type, (unsigned)(unsigned char)type, i);
        }
        if (b.len > c->max_output) FAIL("formatted string is over the output limit");
    }
    if (argi < nargs && !mapping) FAIL("not all arguments converted during string formatting");
#undef FAIL
#undef NEXT_ARG
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}

/* ------------------------------------------------------- str.format */

/* Formats one value with a format spec: [[fill]align][sign][#][0][width][.prec][type]. */
static bool format_spec(jctx *c, uint32_t pos, const jv *v, jstr spec, wick_buf *b) {
    if (spec.n == 0) {
        jv_write_str(c, b, v);
        return true;
    }
    size_t i = 0;
    char fill[5] = " ";
    char align = 0, sign = 0, type = 0;
    bool alt = false, zero = false;
    int64_t width = -1, prec = -1;
    uint32_t cp;
    size_t l0 = pystr_decode(spec.p, spec.n, &cp);
    if (l0 < spec.n && strchr("<>^=", spec.p[l0]) && spec.p[l0]) {
        memcpy(fill, spec.p, l0);
        fill[l0] = 0;
        align = spec.p[l0];
        i = l0 + 1;
    } else if (strchr("<>^=", spec.p[0]) && spec.p[0]) {
        align = spec.p[0];
        i = 1;
    }
    if (i < spec.n && (spec.p[i] == '+' || spec.p[i] == '-' || spec.p[i] == ' ')) sign = spec.p[i++];
    if (i < spec.n && spec.p[i] == '#') alt = true, i++;
    if (i < spec.n && spec.p[i] == '0') zero = true, i++;
    for (; i < spec.n && spec.p[i] >= '0' && spec.p[i] <= '9'; i++) {
        width = (width < 0 ? 0 : width) * 10 + (spec.p[i] - '0');
        if (width > 100000) return jerr(c, pos, WICK_ERR_LIMIT, "format width too big");
    }
    if (i < spec.n && spec.p[i] == '.') {
        prec = 0;
        for (i++; i < spec.n && spec.p[i] >= '0' && spec.p[i] <= '9'; i++) {
            prec = prec * 10 + (spec.p[i] - '0');
            if (prec > 1000) return jerr(c, pos, WICK_ERR_LIMIT, "format precision too big");
        }
    }
    if (i < spec.n) type = spec.p[i++];
    if (i != spec.n) return jerr(c, pos, WICK_ERR_UNSUPPORTED, "format spec '%.*s' is not supported", (int)spec.n, spec.p);
    wick_buf body = {0};
    bool numeric = false;
    if (v->kind == JV_STR && (type == 0 || type == 's')) {
        size_t n = v->u.s.n;
        if (prec >= 0) n = pystr_offset(v->u.s.p, v->u.s.n, (size_t)prec);
        wick_buf_append(&body, v->u.s.p, n);
    } else if ((v->kind == JV_INT || v->kind == JV_BOOL) && type != 'e' && type != 'E' && type != 'f' &&
               type != 'F' && type != 'g' && type != 'G' && type != '%') {
        numeric = true;
        long long x = v->kind == JV_INT ? v->u.i : v->u.b;
        if (v->kind == JV_BOOL && type == 0 && width < 0 && !sign) {
            wick_buf_puts(&body, x ? "True" : "False");
            numeric = false;
        } else {
            if (type != 0 && type != 'd' && type != 'x' && type != 'X' && type != 'o' && type != 'b')
                return jerr(c, pos, WICK_ERR_UNSUPPORTED, "format type '%c' for int is not supported", type);
            unsigned long long mag = x < 0 ? 0ull - (unsigned long long)x : (unsigned long long)x;
            if (x < 0) wick_buf_putc(&body, '-');
            else if (sign == '+' || sign == ' ') wick_buf_putc(&body, sign);
            if (alt && type && type != 'd') wick_buf_printf(&body, "0%c", type);
            if (type == 'b') {
                char bits[65];
                int k = 64;
                bits[k] = 0;
                do bits[--k] = (char)('0' + (mag & 1)); while (mag >>= 1);
                wick_buf_puts(&body, bits + k);
            } else {
                wick_buf_printf(&body, type == 'x' ? "%llx" : type == 'X' ? "%llX" : type == 'o' ? "%llo" : "%llu", mag);
            }
        }
    } else if (jv_is_num(v)) {
        numeric = true;
        double x = v->kind == JV_FLOAT ? v->u.f : v->kind == JV_INT ? (double)v->u.i : v->u.b;
        if (type == 0 && prec < 0) {
            if (sign == '+' && !signbit(x)) wick_buf_putc(&body, '+');
            jv_write_str(c, &body, v);
        } else {
            if (type == 0) type = 'g';
            char spec2[32];
            bool pct = type == '%';
            if (pct) x *= 100;
            snprintf(spec2, sizeof spec2, "%%%s%s.%lld%c", sign == '+' ? "+" : sign == ' ' ? " " : "", alt ? "#" : "",
                     (long long)(prec < 0 ? 6 : prec), pct ? 'f' : type);
            wick_buf_printf(&body, spec2, x);
            if (pct) wick_buf_putc(&body, '%');
        }
    } else {
        wick_buf_free(&body);
        return jerr(c, pos, WICK_ERR_TEMPLATE, "unsupported format string passed to %s.__format__", jv_type_name(v));
    }
    if (body.failed) {
        wick_buf_free(&body);
        return jerr(c, pos, WICK_ERR_NOMEM, "out of memory formatting");
    }
    const char *s = body.data ? body.data : "";
    size_t cps = pystr_len(s, body.len);
    if (!align) align = numeric ? '>' : '<';
    if (zero && !align) align = '=';
    if (zero && numeric && fill[0] == ' ' && !fill[1]) fill[0] = '0', align = '=';
    int64_t padn = width > (int64_t)cps ? width - (int64_t)cps : 0;
    int64_t left = align == '<' ? 0 : align == '^' ? padn / 2 : padn;
    if (align == '=') {
        size_t signlen = body.len && (s[0] == '-' || s[0] == '+' || s[0] == ' ') ? 1 : 0;
        wick_buf_append(b, s, signlen);
        for (int64_t k = 0; k < padn; k++) wick_buf_puts(b, fill);
        wick_buf_append(b, s + signlen, body.len - signlen);
    } else {
        for (int64_t k = 0; k < left; k++) wick_buf_puts(b, fill);
        wick_buf_append(b, s, body.len);
        for (int64_t k = 0; k < padn - left; k++) wick_buf_puts(b, fill);
    }
    wick_buf_free(&body);
    return true;
}

bool jinja_str_format(jctx *c, uint32_t pos, jstr fmt, const jargs *a, jv *out) {
    wick_buf b = {0};
    size_t auto_idx = 0;
    int numbering = 0; /* 1 auto, 2 manual */
#define FFAIL(...)                                           \
    do {                                                     \
        wick_buf_free(&b);                                   \
        return jerr(c, pos, WICK_ERR_TEMPLATE, __VA_ARGS__); \
    } while (0)
    for (size_t i = 0; i < fmt.n; i++) {
        char ch = fmt.p[i];
        if (ch == '}') {
            if (i + 1 < fmt.n && fmt.p[i + 1] == '}') i++;
            else FFAIL("Single '}' encountered in format string");
            wick_buf_putc(&b, '}');
            continue;
        }
        if (ch != '{') {
            wick_buf_putc(&b, ch);
            continue;
        }
        if (i + 1 < fmt.n && fmt.p[i + 1] == '{') {
            wick_buf_putc(&b, '{');
            i++;
            continue;
        }
        size_t start = ++i;
        while (i < fmt.n && fmt.p[i] != '}' && fmt.p[i] != '!' && fmt.p[i] != ':') {
            if (fmt.p[i] == '{') FFAIL("unexpected '{' in field name");
            i++;
        }
        if (i >= fmt.n) FFAIL("expected '}' before end of string");
        jstr field = {fmt.p + start, i - start};
        char conv = 0;
        if (fmt.p[i] == '!') {
            if (i + 1 >= fmt.n) FFAIL("end of string while looking for conversion specifier");
            conv = fmt.p[i + 1];
            i += 2;
            if (conv != 'r' && conv != 's' && conv != 'a') FFAIL("Unknown conversion specifier %c", conv);
        }
        jstr spec = {"", 0};
        if (i < fmt.n && fmt.p[i] == ':') {
            size_t s0 = ++i;
            while (i < fmt.n && fmt.p[i] != '}') {
                if (fmt.p[i] == '{') {
                    wick_buf_free(&b);
                    return jerr(c, pos, WICK_ERR_UNSUPPORTED, "nested format specs are not supported");
                }
                i++;
            }
            spec.p = fmt.p + s0;
            spec.n = i - s0;
        }
        if (i >= fmt.n || fmt.p[i] != '}') FFAIL("expected '}' before end of string");
        /* the first part of the field: index or name, then .attr / [key] */
        size_t k = 0;
        while (k < field.n && field.p[k] != '.' && field.p[k] != '[') k++;
        jstr head = {field.p, k};
        jv val;
        bool digits = head.n > 0;
        for (size_t d = 0; d < head.n; d++) digits &= head.p[d] >= '0' && head.p[d] <= '9';
        if (head.n == 0 || digits) {
            size_t idx;
            if (head.n == 0) {
                if (numbering == 2) FFAIL("cannot switch from manual field specification to automatic field numbering");
                numbering = 1;
                idx = auto_idx++;
            } else {
                if (numbering == 1) FFAIL("cannot switch from automatic field numbering to manual field specification");
                numbering = 2;
                idx = (size_t)strtoul(head.p, NULL, 10);
                if (head.n > 6) idx = (size_t)-1;
            }
            if (idx >= a->npos) FFAIL("Replacement index %zu out of range for positional args tuple", idx);
            val = a->pos[idx];
        } else {
            size_t q = 0;
            while (q < a->nkw && !(a->kwnames[q].n == head.n && memcmp(a->kwnames[q].p, head.p, head.n) == 0)) q++;
            if (q == a->nkw) FFAIL("KeyError: '%.*s'", (int)(head.n > 60 ? 60 : head.n), head.p);
            val = a->kwvals[q];
        }
        while (k < field.n) {
            if (field.p[k] == '.') {
                size_t s0 = ++k;
                while (k < field.n && field.p[k] != '.' && field.p[k] != '[') k++;
                jstr an = {field.p + s0, k - s0};
                if (!jv_getattr(c, pos, &val, an, &val)) {
                    wick_buf_free(&b);
                    return false;
                }
            } else {
                size_t s0 = ++k;
                while (k < field.n && field.p[k] != ']') k++;
                if (k >= field.n) FFAIL("Missing ']' in format string");
                jstr kn = {field.p + s0, k - s0};
                bool dg = kn.n > 0 && kn.n < 10;
                for (size_t d = 0; d < kn.n; d++) dg &= kn.p[d] >= '0' && kn.p[d] <= '9';
                jv key = dg ? jv_int((int64_t)strtoll(kn.p, NULL, 10)) : jv_str(kn.p, kn.n);
                k++;
                if (!jv_getitem(c, pos, &val, &key, &val)) {
                    wick_buf_free(&b);
                    return false;
                }
            }
        }
        if (conv) {
            wick_buf cb = {0};
            if (conv == 's') jv_write_str(c, &cb, &val);
            else jv_write_repr(c, &cb, &val);
            bool ok;
            val = jv_str_from_buf(c, pos, &cb, &ok);
            if (!ok) {
                wick_buf_free(&b);
                return false;
            }
        }
        if (!format_spec(c, pos, &val, spec, &b)) {
            wick_buf_free(&b);
            return false;
        }
        if (b.len > c->max_output) FFAIL("formatted string is over the output limit");
    }
#undef FFAIL
    bool ok;
    *out = jv_str_from_buf(c, pos, &b, &ok);
    return ok;
}
