/* JSON writer with the output of Python's json.dumps, byte for byte, and
 * Python's float repr.
 *
 * Float repr: Python prints the shortest decimal string that reads back as
 * the same double (David Gay's dtoa mode 0) and, among strings of that
 * length, the one nearest the value. We get the same digits from the C
 * library, whose printf ("%.*e") rounds correctly and whose strtod reads
 * correctly: for k = 1..17 digits take the correctly rounded k-digit
 * decimal r; if it does not read back, the only other k-digit candidate
 * that can is r's neighbour on the other side of the value (the round-trip
 * interval is convex and contains the value; it is asymmetric at powers of
 * two, which is when r can miss while the neighbour hits). 17 digits always
 * read back. */
#include "json/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes the k-digit decimal digits[0..k) x 10^(exp10 - k + 1) as
 * "d.ddde<exp>" for strtod. */
static double read_back(const char *digits, int k, int exp10) {
    char tmp[48];
    size_t w = 0;
    tmp[w++] = digits[0];
    if (k > 1) {
        tmp[w++] = '.';
        memcpy(tmp + w, digits + 1, (size_t)k - 1);
        w += (size_t)k - 1;
    }
    snprintf(tmp + w, sizeof tmp - w, "e%d", exp10);
    return strtod(tmp, NULL);
}

/* Shortest round-trip digits of x (finite, > 0): digits (no trailing
 * zeros) and the decimal exponent of the first digit. Returns the digit
 * count. */
static int shortest_digits(double x, char digits[24], int *exp10_out) {
    char tmp[48];
    for (int k = 1; k <= 17; k++) {
        snprintf(tmp, sizeof tmp, "%.*e", k - 1, x);
        /* tmp: "d[.ddd]e[+-]XX" */
        char d[24];
        int nd = 0;
        const char *s = tmp;
        for (; *s && *s != 'e'; s++)
            if (*s >= '0' && *s <= '9') d[nd++] = *s;
        int e = atoi(s + 1);
        double back = read_back(d, nd, e);
        bool ok = back == x;
        if (!ok) {
            /* Try the k-digit neighbour on the other side of x. */
            char nb[24];
            memcpy(nb, d, (size_t)nd);
            int ne = e;
            if (back < x) { /* r below x: step up */
                int i = nd - 1;
                while (i >= 0 && nb[i] == '9') nb[i--] = '0';
                if (i < 0) { /* 99..9 -> 100..0: one more power of ten */
                    nb[0] = '1';
                    ne++;
                } else {
                    nb[i]++;
                }
            } else { /* r above x: step down */
                int i = nd - 1;
                while (i >= 0 && nb[i] == '0') nb[i--] = '9';
                nb[i]--; /* r > x > 0, so r has a nonzero digit */
                if (nb[0] == '0') { /* 10..0 -> 09..9: one less power of ten */
                    memmove(nb, nb + 1, (size_t)nd - 1);
                    nb[nd - 1] = '9';
                    ne--;
                }
            }
            if (read_back(nb, nd, ne) == x) {
                memcpy(d, nb, (size_t)nd);
                e = ne;
                ok = true;
            }
        }
        if (ok) {
            while (nd > 1 && d[nd - 1] == '0') nd--;
            memcpy(digits, d, (size_t)nd);
            *exp10_out = e;
            return nd;
        }
    }
    /* unreachable: 17 significant digits always round-trip */
    snprintf(tmp, sizeof tmp, "%.16e", x);
    int nd = 0;
    const char *s = tmp;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') digits[nd++] = *s;
    *exp10_out = atoi(s + 1);
    return nd;
}

void json_format_double(double f, char *buf, size_t cap) {
    if (!buf || cap == 0) return;
    if (isnan(f)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(buf, cap, f < 0 ? "-inf" : "inf");
        return;
    }
    char out[48];
    size_t w = 0;
    if (signbit(f)) out[w++] = '-';
    if (f == 0) {
        memcpy(out + w, "0.0", 4);
        snprintf(buf, cap, "%s", out);
        return;
    }
    char d[24];
    int e;
    int nd = shortest_digits(fabs(f), d, &e);
    int decpt = e + 1; /* digits d[0..nd) x 10^(decpt - nd) */
    if (decpt > -4 && decpt <= 16) {
        /* positional, as Python's repr: "0.0001", "123.0", "1e+16" is not */
        if (decpt <= 0) {
            out[w++] = '0';
            out[w++] = '.';
            for (int i = 0; i < -decpt; i++) out[w++] = '0';
            memcpy(out + w, d, (size_t)nd);
            w += (size_t)nd;
        } else if (decpt >= nd) {
            memcpy(out + w, d, (size_t)nd);
            w += (size_t)nd;
            for (int i = nd; i < decpt; i++) out[w++] = '0';
            out[w++] = '.';
            out[w++] = '0';
        } else {
            memcpy(out + w, d, (size_t)decpt);
            w += (size_t)decpt;
            out[w++] = '.';
            memcpy(out + w, d + decpt, (size_t)(nd - decpt));
            w += (size_t)(nd - decpt);
        }
        out[w] = '\0';
    } else {
        out[w++] = d[0];
        if (nd > 1) {
            out[w++] = '.';
            memcpy(out + w, d + 1, (size_t)nd - 1);
            w += (size_t)nd - 1;
        }
        snprintf(out + w, sizeof out - w, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
    snprintf(buf, cap, "%s", out);
}

/* ------------------------------------------------------------ writer */

typedef struct writer {
    wick_buf *b;
    int indent;
    bool ensure_ascii, sort_keys;
    const char *item_sep, *key_sep;
    size_t item_sep_len, key_sep_len;
} writer;

static const char HEX[] = "0123456789abcdef";

static void put_u_escape(wick_buf *b, unsigned v) {
    char e[6] = {'\\', 'u', HEX[v >> 12 & 15], HEX[v >> 8 & 15], HEX[v >> 4 & 15], HEX[v & 15]};
    wick_buf_append(b, e, 6);
}

/* Decodes one code point; invalid bytes (only possible in strings made by
 * builders) decode as U+FFFD, one byte each. */
static size_t decode_utf8(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t need;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (n < need) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return need;
}

static void write_string(const writer *w, const char *str, size_t len) {
    wick_buf *b = w->b;
    const unsigned char *s = (const unsigned char *)str;
    wick_buf_putc(b, '"');
    size_t run = 0; /* start of bytes copied verbatim */
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default: break;
        }
        bool plain = !esc && c >= 0x20 && (w->ensure_ascii ? c < 0x7F : true);
        if (plain) {
            i++;
            continue;
        }
        wick_buf_append(b, str + run, i - run);
        if (esc) {
            wick_buf_puts(b, esc);
            i++;
        } else if (c < 0x80) {
            put_u_escape(b, c); /* control characters, and DEL with ensure_ascii */
            i++;
        } else {
            uint32_t cp;
            i += decode_utf8(s + i, len - i, &cp);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                put_u_escape(b, 0xD800 + (cp >> 10));
                put_u_escape(b, 0xDC00 + (cp & 0x3FF));
            } else {
                put_u_escape(b, cp);
            }
        }
        run = i;
    }
    wick_buf_append(b, str + run, len - run);
    wick_buf_putc(b, '"');
}

static void write_number(const writer *w, const json_value *v) {
    if (v->u.number.is_int) {
        wick_buf_printf(w->b, "%lld", (long long)v->u.number.i);
        return;
    }
    double f = v->u.number.f;
    if (isnan(f)) {
        wick_buf_puts(w->b, "NaN");
    } else if (isinf(f)) {
        wick_buf_puts(w->b, f < 0 ? "-Infinity" : "Infinity");
    } else {
        char tmp[48];
        json_format_double(f, tmp, sizeof tmp);
        wick_buf_puts(w->b, tmp);
    }
}

static void newline_indent(const writer *w, int level) {
    wick_buf_putc(w->b, '\n');
    for (long i = 0; i < (long)w->indent * level; i++) wick_buf_putc(w->b, ' ');
}

static int member_cmp(const void *a, const void *b) {
    const json_member *x = *(const json_member *const *)a, *y = *(const json_member *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n); /* UTF-8 byte order = code point order */
    if (c) return c;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

static void write_value(const writer *w, const json_value *v, int level);

static void write_sep(const writer *w, int level) {
    wick_buf_append(w->b, w->item_sep, w->item_sep_len);
    if (w->indent >= 0) newline_indent(w, level);
}

static void write_value(const writer *w, const json_value *v, int level) {
    wick_buf *b = w->b;
    if (!v) {
        wick_buf_puts(b, "null");
        return;
    }
    switch (v->type) {
    case JSON_NULL: wick_buf_puts(b, "null"); break;
    case JSON_BOOL: wick_buf_puts(b, v->u.boolean ? "true" : "false"); break;
    case JSON_NUMBER: write_number(w, v); break;
    case JSON_STRING: write_string(w, v->u.string.ptr, v->u.string.len); break;
    case JSON_ARRAY: {
        if (v->u.array.len == 0) {
            wick_buf_puts(b, "[]");
            break;
        }
        wick_buf_putc(b, '[');
        if (w->indent >= 0) newline_indent(w, level + 1);
        for (size_t i = 0; i < v->u.array.len; i++) {
            if (i) write_sep(w, level + 1);
            write_value(w, v->u.array.items[i], level + 1);
        }
        if (w->indent >= 0) newline_indent(w, level);
        wick_buf_putc(b, ']');
        break;
    }
    case JSON_OBJECT: {
        size_t n = v->u.object.len;
        if (n == 0) {
            wick_buf_puts(b, "{}");
            break;
        }
        const json_member **order = malloc(n * sizeof *order);
        if (!order) {
            b->failed = true;
            break;
        }
        for (size_t i = 0; i < n; i++) order[i] = &v->u.object.members[i];
        if (w->sort_keys) qsort(order, n, sizeof *order, member_cmp);
        wick_buf_putc(b, '{');
        if (w->indent >= 0) newline_indent(w, level + 1);
        for (size_t i = 0; i < n; i++) {
            if (i) write_sep(w, level + 1);
            write_string(w, order[i]->key, order[i]->key_len);
            wick_buf_append(b, w->key_sep, w->key_sep_len);
            write_value(w, order[i]->value, level + 1);
        }
        free(order);
        if (w->indent >= 0) newline_indent(w, level);
        wick_buf_putc(b, '}');
        break;
    }
    }
}

void json_write(wick_buf *b, const json_value *v, const json_write_opts *opts) {
    if (!b) return;
    writer w;
    w.b = b;
    w.indent = opts ? opts->indent : -1;
    w.ensure_ascii = opts ? opts->ensure_ascii : true;
    w.sort_keys = opts ? opts->sort_keys : false;
    w.item_sep = opts && opts->item_sep ? opts->item_sep : w.indent < 0 ? ", " : ",";
    w.key_sep = opts && opts->key_sep ? opts->key_sep : ": ";
    w.item_sep_len = strlen(w.item_sep);
    w.key_sep_len = strlen(w.key_sep);
    write_value(&w, v, 0);
}
