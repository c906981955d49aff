/* Text-level pieces of the JSON Schema converter: a regex subset to GBNF,
 * the string formats (as regexes), and integer / number ranges as digit
 * patterns. Everything emitted matches JSON *text*: a regex that matches a
 * quote matches the two characters \" in the output. */
#include "grammar/json_schema_internal.h"

#include "core/status.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ literals */

void js_gbnf_literal(wick_buf *out, const char *s, size_t n) {
    wick_buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            wick_buf_putc(out, '\\');
            wick_buf_putc(out, (char)ch);
        } else if (ch == '\n') {
            wick_buf_puts(out, "\\n");
        } else if (ch == '\r') {
            wick_buf_puts(out, "\\r");
        } else if (ch == '\t') {
            wick_buf_puts(out, "\\t");
        } else if (ch < 0x20 || ch == 0x7f) {
            wick_buf_printf(out, "\\x%02X", ch);
        } else {
            wick_buf_putc(out, (char)ch);
        }
    }
    wick_buf_putc(out, '"');
}

/* A code point as the GBNF literal of its JSON string encoding. */
static void emit_cp_literal(wick_buf *out, uint32_t cp) {
    switch (cp) {
    case '"': wick_buf_puts(out, "\"\\\\\\\"\""); return;  /* "\\\"" */
    case '\\': wick_buf_puts(out, "\"\\\\\\\\\""); return; /* "\\\\" */
    case '\n': wick_buf_puts(out, "\"\\\\n\""); return;
    case '\t': wick_buf_puts(out, "\"\\\\t\""); return;
    case '\r': wick_buf_puts(out, "\"\\\\r\""); return;
    case '\b': wick_buf_puts(out, "\"\\\\b\""); return;
    case '\f': wick_buf_puts(out, "\"\\\\f\""); return;
    default: break;
    }
    if (cp < 0x20) {
        wick_buf_printf(out, "\"\\\\u%04x\"", (unsigned)cp);
        return;
    }
    char u8[4];
    size_t n;
    if (cp < 0x80) {
        u8[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u8[0] = (char)(0xC0 | (cp >> 6));
        u8[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u8[0] = (char)(0xE0 | (cp >> 12));
        u8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u8[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u8[0] = (char)(0xF0 | (cp >> 18));
        u8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u8[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u8[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    js_gbnf_literal(out, u8, n);
}

/* A code point inside a GBNF character class: letters and digits as they
 * are, everything else as an escape, so no class metacharacter leaks. */
static void emit_class_cp(wick_buf *out, uint32_t cp) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
        wick_buf_putc(out, (char)cp);
    else if (cp < 0x100)
        wick_buf_printf(out, "\\x%02X", (unsigned)cp);
    else if (cp < 0x10000)
        wick_buf_printf(out, "\\u%04X", (unsigned)cp);
    else
        wick_buf_printf(out, "\\U%08X", (unsigned)cp);
}

/* ------------------------------------------------------------ regex */

#define RX_MAX_RANGES 128
#define RX_MAX_DEPTH 32
#define RX_MAX_REPEAT 1000

typedef struct cp_range {
    uint32_t lo, hi;
} cp_range;

typedef struct char_set {
    cp_range r[RX_MAX_RANGES];
    int n;
    bool negated;
} char_set;

typedef struct rx {
    const char *s;
    size_t n, i;
    const char *path;
    wick_error *err;
    int depth;
    bool failed;
    wick_buf last_atom; /* the text of the sole top-level piece, see rx_seq */
    uint64_t last_qmin, last_qmax;
} rx;

/* A parsed piece of a regex: its GBNF text and its length range in code
 * points. `single` is set for one-character atoms (a class, a literal). */
typedef struct rx_piece {
    wick_buf text;
    uint64_t min, max;
    bool single;
} rx_piece;

static bool rx_fail(rx *r, wick_status code, const char *what) {
    if (!r->failed)
        wick_error_set(r->err, code, "schema at %s: pattern: %s at offset %zu", r->path, what,
                       r->i);
    r->failed = true;
    return false;
}

static uint64_t sat_mul(uint64_t a, uint64_t b) {
    if (a == JS_UNBOUNDED || b == JS_UNBOUNDED) return (a == 0 || b == 0) ? 0 : JS_UNBOUNDED;
    if (a && b > UINT64_MAX / 2 / a) return JS_UNBOUNDED;
    return a * b;
}
static uint64_t sat_add(uint64_t a, uint64_t b) {
    if (a == JS_UNBOUNDED || b == JS_UNBOUNDED || a > UINT64_MAX / 2 || b > UINT64_MAX / 2)
        return JS_UNBOUNDED;
    return a + b;
}

/* Decodes one UTF-8 code point (the schema came through json_parse, so
 * the text is valid UTF-8). */
static uint32_t rx_next_cp(rx *r) {
    const unsigned char *p = (const unsigned char *)r->s + r->i;
    size_t left = r->n - r->i;
    uint32_t c = p[0];
    size_t len = 1;
    if (c >= 0xF0 && left >= 4) {
        c = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
        len = 4;
    } else if (c >= 0xE0 && left >= 3) {
        c = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        len = 3;
    } else if (c >= 0xC0 && left >= 2) {
        c = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        len = 2;
    }
    r->i += len;
    return c;
}

static int hexval(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static bool set_add(rx *r, char_set *cs, uint32_t lo, uint32_t hi) {
    if (cs->n >= RX_MAX_RANGES) return rx_fail(r, WICK_ERR_LIMIT, "character class too large");
    cs->r[cs->n].lo = lo;
    cs->r[cs->n].hi = hi;
    cs->n++;
    return true;
}

/* Adds the ranges of a shorthand class (\d \w \s). */
static bool set_add_shorthand(rx *r, char_set *cs, char k) {
    switch (k) {
    case 'd': return set_add(r, cs, '0', '9');
    case 'w':
        return set_add(r, cs, '0', '9') && set_add(r, cs, 'A', 'Z') && set_add(r, cs, 'a', 'z') &&
               set_add(r, cs, '_', '_');
    case 's':
        return set_add(r, cs, ' ', ' ') && set_add(r, cs, '\t', '\r'); /* \t \n \v \f \r */
    default: return false;
    }
}

/* After a backslash: a single code point escape (\n, \x41, \u00e9, \.) into
 * *cp, or a shorthand class into `cs` (returns 2). 0 on error. */
static int rx_escape(rx *r, uint32_t *cp, char_set *cs, bool in_class) {
    if (r->i >= r->n) return rx_fail(r, WICK_ERR_FORMAT, "pattern ends with a backslash"), 0;
    char k = r->s[r->i];
    switch (k) {
    case 'd': case 'w': case 's':
        r->i++;
        set_add_shorthand(r, cs, k);
        return r->failed ? 0 : 2;
    case 'D': case 'W': case 'S':
        if (in_class)
            return rx_fail(r, WICK_ERR_UNSUPPORTED, "negated shorthand (\\D \\W \\S) inside a class is unsupported"), 0;
        r->i++;
        set_add_shorthand(r, cs, (char)(k - 'A' + 'a'));
        cs->negated = true;
        return r->failed ? 0 : 2;
    case 'n': r->i++; *cp = '\n'; return 1;
    case 't': r->i++; *cp = '\t'; return 1;
    case 'r': r->i++; *cp = '\r'; return 1;
    case 'f': r->i++; *cp = '\f'; return 1;
    case 'v': r->i++; *cp = '\v'; return 1;
    case '0': r->i++; *cp = 0; return 1;
    case 'x': case 'u': {
        int digits = k == 'x' ? 2 : 4;
        if (r->n - r->i < (size_t)digits + 1)
            return rx_fail(r, WICK_ERR_FORMAT, "truncated \\x or \\u escape"), 0;
        uint32_t v = 0;
        for (int d = 1; d <= digits; d++) {
            int h = hexval(r->s[r->i + (size_t)d]);
            if (h < 0) return rx_fail(r, WICK_ERR_FORMAT, "bad hex digit in \\x or \\u escape"), 0;
            v = v * 16 + (uint32_t)h;
        }
        r->i += (size_t)digits + 1;
        if (v >= 0xD800 && v <= 0xDFFF)
            return rx_fail(r, WICK_ERR_UNSUPPORTED, "surrogate \\u escape is unsupported"), 0;
        *cp = v;
        return 1;
    }
    case 'b':
        if (in_class) {
            r->i++;
            *cp = '\b';
            return 1;
        }
        return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct '\\b' (word boundary)"), 0;
    case 'B': return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct '\\B' (word boundary)"), 0;
    case 'p': case 'P':
        return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct '\\p' (Unicode property)"), 0;
    case 'A': case 'Z': case 'z': case 'G':
        return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported anchor escape"), 0;
    case 'c': case 'k':
        return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported escape"), 0;
    default:
        if (k >= '1' && k <= '9')
            return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct: backreference"), 0;
        if ((k >= 'a' && k <= 'z') || (k >= 'A' && k <= 'Z'))
            return rx_fail(r, WICK_ERR_UNSUPPORTED, "unknown escape"), 0;
        *cp = rx_next_cp(r); /* \. \- \\ \/ \^ \$ ... : the character itself */
        return 1;
    }
}

/* JSON text for one code point out of a set: ranges that can appear raw
 * in a JSON string go in a class; quote, backslash and control characters
 * become their escape sequences. */
static void emit_set(wick_buf *out, const char_set *cs) {
    if (cs->negated) {
        /* any raw character outside the set (never quote, backslash or a
         * control character), or an escaped quote/backslash not in the set */
        bool has_quote = false, has_bslash = false;
        wick_buf_puts(out, "( [^");
        for (int k = 0; k < cs->n; k++) {
            if (cs->r[k].lo <= '"' && cs->r[k].hi >= '"') has_quote = true;
            if (cs->r[k].lo <= '\\' && cs->r[k].hi >= '\\') has_bslash = true;
            emit_class_cp(out, cs->r[k].lo);
            if (cs->r[k].hi != cs->r[k].lo) {
                wick_buf_putc(out, '-');
                emit_class_cp(out, cs->r[k].hi);
            }
        }
        wick_buf_puts(out, "\\x22\\x5C\\x00-\\x1F]");
        if (!has_quote) wick_buf_puts(out, " | \"\\\\\\\"\"");
        if (!has_bslash) wick_buf_puts(out, " | \"\\\\\\\\\"");
        wick_buf_puts(out, " )");
        return;
    }
    wick_buf cls = {0}, alts = {0};
    int n_alts = 0;
    bool has_cls = false;
    for (int k = 0; k < cs->n; k++) {
        uint32_t lo = cs->r[k].lo, hi = cs->r[k].hi;
        /* split off the characters JSON escapes: 0x00-0x1F, 0x22, 0x5C */
        for (uint32_t c = lo; c <= hi && c < 0x20; c++) {
            if (n_alts++) wick_buf_puts(&alts, " | ");
            emit_cp_literal(&alts, c);
        }
        static const uint32_t special[2] = {'"', '\\'};
        for (int s = 0; s < 2; s++) {
            if (lo <= special[s] && hi >= special[s]) {
                if (n_alts++) wick_buf_puts(&alts, " | ");
                emit_cp_literal(&alts, special[s]);
            }
        }
        /* the raw pieces: [max(lo,0x20), hi] minus 0x22 and 0x5C */
        uint32_t a = lo < 0x20 ? 0x20 : lo;
        while (a <= hi) {
            uint32_t b = hi;
            if (a <= '"' && b >= '"') b = a == '"' ? a : '"' - 1;
            else if (a <= '\\' && b >= '\\') b = a == '\\' ? a : '\\' - 1;
            if (!(a == b && (a == '"' || a == '\\'))) {
                emit_class_cp(&cls, a);
                if (b != a) {
                    wick_buf_putc(&cls, '-');
                    emit_class_cp(&cls, b);
                }
                has_cls = true;
            }
            if (b == UINT32_MAX) break;
            a = b + 1;
        }
    }
    wick_buf_puts(out, "( ");
    if (has_cls) {
        wick_buf_putc(out, '[');
        wick_buf_append(out, cls.data, cls.len);
        wick_buf_putc(out, ']');
        if (n_alts) wick_buf_puts(out, " | ");
    }
    if (n_alts) wick_buf_append(out, alts.data, alts.len);
    wick_buf_puts(out, " )");
    if (cls.failed || alts.failed) out->failed = true;
    wick_buf_free(&cls);
    wick_buf_free(&alts);
}

static bool rx_class(rx *r, char_set *cs) {
    /* r->i is just past '[' */
    if (r->i < r->n && r->s[r->i] == '^') {
        cs->negated = true;
        r->i++;
    }
    bool first = true;
    for (;;) {
        if (r->i >= r->n) return rx_fail(r, WICK_ERR_FORMAT, "unterminated character class");
        if (r->s[r->i] == ']' && !first) {
            r->i++;
            break;
        }
        if (r->s[r->i] == '[' && r->i + 1 < r->n && r->s[r->i + 1] == ':')
            return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct: POSIX class [:...:]");
        first = false;
        uint32_t lo;
        if (r->s[r->i] == '\\') {
            r->i++;
            char_set tmp = {.n = 0, .negated = false};
            int e = rx_escape(r, &lo, &tmp, true);
            if (!e) return false;
            if (e == 2) {
                for (int k = 0; k < tmp.n; k++)
                    if (!set_add(r, cs, tmp.r[k].lo, tmp.r[k].hi)) return false;
                continue;
            }
        } else {
            lo = rx_next_cp(r);
        }
        uint32_t hi = lo;
        if (r->i + 1 < r->n && r->s[r->i] == '-' && r->s[r->i + 1] != ']') {
            r->i++;
            if (r->s[r->i] == '\\') {
                r->i++;
                char_set tmp = {.n = 0, .negated = false};
                int e = rx_escape(r, &hi, &tmp, true);
                if (!e) return false;
                if (e == 2) return rx_fail(r, WICK_ERR_FORMAT, "class range ends in a shorthand");
            } else {
                hi = rx_next_cp(r);
            }
            if (hi < lo) return rx_fail(r, WICK_ERR_FORMAT, "class range out of order");
        }
        if (!set_add(r, cs, lo, hi)) return false;
    }
    if (cs->n == 0) return rx_fail(r, WICK_ERR_FORMAT, "empty character class");
    return true;
}

static bool rx_alt(rx *r, rx_piece *out, bool top);

/* Parses {m}, {m,}, {m,n} at r->i (just past '{'); false (position
 * unchanged) if it is not a quantifier (then '{' is a literal). */
static bool rx_braces(rx *r, uint64_t *qmin, uint64_t *qmax) {
    size_t j = r->i;
    uint64_t a = 0, b;
    size_t digits = 0;
    while (j < r->n && r->s[j] >= '0' && r->s[j] <= '9' && digits < 9) {
        a = a * 10 + (uint64_t)(r->s[j++] - '0');
        digits++;
    }
    if (!digits) return false;
    if (j < r->n && r->s[j] == '}') {
        b = a;
    } else if (j < r->n && r->s[j] == ',') {
        j++;
        if (j < r->n && r->s[j] == '}') {
            b = JS_UNBOUNDED;
        } else {
            b = 0;
            digits = 0;
            while (j < r->n && r->s[j] >= '0' && r->s[j] <= '9' && digits < 9) {
                b = b * 10 + (uint64_t)(r->s[j++] - '0');
                digits++;
            }
            if (!digits || j >= r->n || r->s[j] != '}') return false;
        }
    } else {
        return false;
    }
    r->i = j + 1;
    *qmin = a;
    *qmax = b;
    return true;
}

static bool rx_atom(rx *r, rx_piece *p) {
    char ch = r->s[r->i];
    p->single = false;
    if (ch == '(') {
        r->i++;
        if (r->i < r->n && r->s[r->i] == '?') {
            const char *rest = r->s + r->i + 1;
            size_t left = r->n - r->i - 1;
            if (left >= 1 && rest[0] == ':') {
                r->i += 2;
            } else if (left >= 2 && rest[0] == '<' && (rest[1] == '=' || rest[1] == '!')) {
                return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct: lookbehind");
            } else if (left >= 1 && (rest[0] == '=' || rest[0] == '!')) {
                return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct: lookahead");
            } else if ((left >= 1 && rest[0] == '<') || (left >= 2 && rest[0] == 'P' && rest[1] == '<')) {
                const char *gt = memchr(rest, '>', left);
                if (!gt) return rx_fail(r, WICK_ERR_FORMAT, "unterminated group name");
                r->i = (size_t)(gt - r->s) + 1; /* named group: a plain group */
            } else {
                return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct: '(?' flags or extension");
            }
        }
        if (++r->depth > RX_MAX_DEPTH) return rx_fail(r, WICK_ERR_LIMIT, "groups nested too deeply");
        rx_piece inner = {{0}, 0, 0, false};
        bool ok = rx_alt(r, &inner, false);
        r->depth--;
        if (ok && (r->i >= r->n || r->s[r->i] != ')')) ok = rx_fail(r, WICK_ERR_FORMAT, "missing ')'");
        if (ok) {
            r->i++;
            wick_buf_puts(&p->text, "( ");
            wick_buf_append(&p->text, inner.text.data, inner.text.len);
            wick_buf_puts(&p->text, " )");
            p->min = inner.min;
            p->max = inner.max;
        }
        wick_buf_free(&inner.text);
        return ok;
    }
    p->min = p->max = 1;
    p->single = true;
    if (ch == '[') {
        r->i++;
        char_set cs = {.n = 0, .negated = false};
        if (!rx_class(r, &cs)) return false;
        emit_set(&p->text, &cs);
        return true;
    }
    if (ch == '.') {
        r->i++;
        char_set cs = {.n = 1, .negated = true};
        cs.r[0].lo = cs.r[0].hi = '\n';
        emit_set(&p->text, &cs);
        return true;
    }
    if (ch == '\\') {
        r->i++;
        uint32_t cp;
        char_set cs = {.n = 0, .negated = false};
        int e = rx_escape(r, &cp, &cs, false);
        if (!e) return false;
        if (e == 2) emit_set(&p->text, &cs);
        else emit_cp_literal(&p->text, cp);
        return true;
    }
    if (ch == '*' || ch == '+' || ch == '?')
        return rx_fail(r, WICK_ERR_FORMAT, "quantifier with nothing to repeat");
    if (ch == '^' || ch == '$')
        return rx_fail(r, WICK_ERR_UNSUPPORTED,
                       "unsupported construct: anchor '^' or '$' inside the pattern (only at its start/end)");
    emit_cp_literal(&p->text, rx_next_cp(r));
    return true;
}

/* One alternative: pieces until '|', ')' or the end. At the top level a
 * leading '^' and a trailing '$' are the anchors (patterns are matched as
 * if anchored, see json_schema.h). */
static bool rx_seq(rx *r, rx_piece *out, bool top) {
    out->min = out->max = 0;
    int pieces = 0;
    if (top && r->i < r->n && r->s[r->i] == '^') r->i++;
    while (r->i < r->n && r->s[r->i] != '|' && r->s[r->i] != ')') {
        if (top && r->s[r->i] == '$' && (r->i + 1 == r->n || r->s[r->i + 1] == '|')) {
            r->i++;
            break;
        }
        rx_piece p = {{0}, 0, 0, false};
        if (!rx_atom(r, &p)) {
            wick_buf_free(&p.text);
            return false;
        }
        uint64_t qmin = 1, qmax = 1;
        bool quant = false;
        if (r->i < r->n) {
            char q = r->s[r->i];
            if (q == '*' || q == '+' || q == '?') {
                r->i++;
                qmin = q == '+' ? 1 : 0;
                qmax = q == '?' ? 1 : JS_UNBOUNDED;
                quant = true;
            } else if (q == '{') {
                r->i++;
                if (rx_braces(r, &qmin, &qmax)) quant = true;
                else r->i--;
            }
            if (quant) {
                if ((qmax != JS_UNBOUNDED && qmax > RX_MAX_REPEAT) || qmin > RX_MAX_REPEAT) {
                    wick_buf_free(&p.text);
                    return rx_fail(r, WICK_ERR_LIMIT, "repetition count over 1000");
                }
                if (qmax < qmin) {
                    wick_buf_free(&p.text);
                    return rx_fail(r, WICK_ERR_FORMAT, "repetition {m,n} with n < m");
                }
                if (r->i < r->n && r->s[r->i] == '?') r->i++; /* lazy: same language */
                else if (r->i < r->n && r->s[r->i] == '+') {
                    wick_buf_free(&p.text);
                    return rx_fail(r, WICK_ERR_UNSUPPORTED, "unsupported construct: possessive quantifier");
                }
            }
        }
        if (pieces++) wick_buf_putc(&out->text, ' ');
        if (!quant) {
            wick_buf_append(&out->text, p.text.data, p.text.len);
        } else {
            wick_buf_puts(&out->text, "( ");
            wick_buf_append(&out->text, p.text.data, p.text.len);
            if (qmin == 0 && qmax == 1) wick_buf_puts(&out->text, " )?");
            else if (qmin == 0 && qmax == JS_UNBOUNDED) wick_buf_puts(&out->text, " )*");
            else if (qmin == 1 && qmax == JS_UNBOUNDED) wick_buf_puts(&out->text, " )+");
            else if (qmax == JS_UNBOUNDED) wick_buf_printf(&out->text, " ){%llu,}", (unsigned long long)qmin);
            else if (qmin == qmax) wick_buf_printf(&out->text, " ){%llu}", (unsigned long long)qmin);
            else wick_buf_printf(&out->text, " ){%llu,%llu}", (unsigned long long)qmin, (unsigned long long)qmax);
        }
        /* remember the sole piece: the caller may tighten its repetition */
        out->single = pieces == 1 && p.single;
        if (out->single) {
            wick_buf_free(&r->last_atom);
            r->last_atom = p.text;
            p.text = (wick_buf){0};
            r->last_qmin = qmin;
            r->last_qmax = qmax;
        }
        out->min = sat_add(out->min, sat_mul(p.min, qmin));
        out->max = sat_add(out->max, sat_mul(p.max, qmax));
        wick_buf_free(&p.text);
    }
    if (!pieces) wick_buf_puts(&out->text, "\"\"");
    if (pieces != 1) out->single = false;
    return true;
}

static bool rx_alt(rx *r, rx_piece *out, bool top) {
    int branches = 0;
    out->min = JS_UNBOUNDED;
    out->max = 0;
    out->single = false;
    for (;;) {
        rx_piece b = {{0}, 0, 0, false};
        if (!rx_seq(r, &b, top)) {
            wick_buf_free(&b.text);
            return false;
        }
        if (branches++) wick_buf_puts(&out->text, " | ");
        wick_buf_append(&out->text, b.text.data, b.text.len);
        if (b.min < out->min) out->min = b.min;
        if (b.max > out->max) out->max = b.max;
        out->single = branches == 1 && b.single;
        wick_buf_free(&b.text);
        if (r->i < r->n && r->s[r->i] == '|') {
            r->i++;
            continue;
        }
        break;
    }
    if (branches > 1) out->single = false;
    return true;
}

wick_status js_regex_gbnf(const char *re, size_t n, uint64_t min_len, uint64_t max_len,
                          wick_buf *out, const char *path, wick_error *err) {
    rx r = {re, n, 0, path, err, 0, false, {0}, 0, 0};
    rx_piece top = {{0}, 0, 0, false};
    wick_status st = WICK_OK;
    if (!rx_alt(&r, &top, true)) {
        st = err ? err->code : WICK_ERR_FORMAT;
        goto done;
    }
    if (r.i != n) {
        rx_fail(&r, WICK_ERR_FORMAT, "unbalanced ')'");
        st = err ? err->code : WICK_ERR_FORMAT;
        goto done;
    }
    if (top.min >= min_len && top.max <= max_len) {
        wick_buf_append(out, top.text.data, top.text.len);
    } else if (top.single) {
        /* one repeated character (^[a-z]+$ with maxLength 20): intersect
         * the repetition with the length bounds */
        uint64_t lo = r.last_qmin > min_len ? r.last_qmin : min_len;
        uint64_t hi = r.last_qmax < max_len ? r.last_qmax : max_len;
        if (lo > hi || hi > RX_MAX_REPEAT * 10ull) {
            st = wick_error_set(err, WICK_ERR_UNSUPPORTED,
                                "schema at %s: pattern cannot be combined with minLength/maxLength "
                                "(no string of the allowed length matches, or the bound is too large)",
                                path);
            goto done;
        }
        wick_buf_puts(out, "( ");
        wick_buf_append(out, r.last_atom.data, r.last_atom.len);
        if (hi == JS_UNBOUNDED) wick_buf_printf(out, " ){%llu,}", (unsigned long long)lo);
        else wick_buf_printf(out, " ){%llu,%llu}", (unsigned long long)lo, (unsigned long long)hi);
    } else {
        st = wick_error_set(err, WICK_ERR_UNSUPPORTED,
                            "schema at %s: pattern matches strings of %llu..%s characters; combining "
                            "it with minLength/maxLength is unsupported unless the pattern's lengths "
                            "already fit or it is one repeated character class",
                            path, (unsigned long long)top.min,
                            top.max == JS_UNBOUNDED ? "unbounded" : "a bounded number of");
    }
done:
    wick_buf_free(&top.text);
    wick_buf_free(&r.last_atom);
    return st;
}

/* ------------------------------------------------------------ formats */

/* Host names: 1-5 labels of letters/digits with inner single hyphens; at
 * most 5 * 62 + 4 characters, under the 253 of RFC 1035. */
#define JS_LABEL "[a-zA-Z0-9]{1,20}(-[a-zA-Z0-9]{1,20}){0,2}"
#define JS_HOST JS_LABEL "(\\." JS_LABEL "){0,4}"
#define JS_DATE                                                                                   \
    "[12][0-9]{3}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|" \
    "02-(0[1-9]|1[0-9]|2[0-8]))"
#define JS_TIME "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
#define JS_URI_CHARS "[a-zA-Z0-9._~!$&'()*+,;=:@-]"
#define JS_OCTET "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"

const char *js_format_regex(const char *format) {
    static const struct {
        const char *name, *re;
    } formats[] = {
        {"date", JS_DATE},
        {"time", JS_TIME},
        {"date-time", JS_DATE "T" JS_TIME},
        {"uuid", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"},
        {"email", "[a-zA-Z0-9_+-]{1,32}(\\.[a-zA-Z0-9_+-]{1,32}){0,3}@" JS_HOST},
        {"hostname", JS_HOST},
        {"ipv4", "(" JS_OCTET "\\.){3}" JS_OCTET},
        {"ipv6", "[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}"},
        {"uri", "https?://" JS_HOST "(:[1-9][0-9]{0,3})?(/" JS_URI_CHARS "*)*(\\?" JS_URI_CHARS "*)?"},
        {"uri-reference", "https?://" JS_HOST "(:[1-9][0-9]{0,3})?(/" JS_URI_CHARS "*)*(\\?" JS_URI_CHARS "*)?"},
        {"url", "https?://" JS_HOST "(:[1-9][0-9]{0,3})?(/" JS_URI_CHARS "*)*(\\?" JS_URI_CHARS "*)?"},
    };
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
        if (strcmp(formats[k].name, format) == 0) return formats[k].re;
    return NULL;
}

/* ------------------------------------------------------------ numbers */

static int digits_of(int64_t v, char *buf) { return snprintf(buf, 24, "%lld", (long long)v); }

/* GBNF for the decimal strings of exactly n digits between lo and hi. */
static void same_len_range(wick_buf *out, const char *lo, const char *hi, int n) {
    if (n == 0) return;
    if (memcmp(lo, hi, (size_t)n) == 0) {
        js_gbnf_literal(out, lo, (size_t)n);
        return;
    }
    if (n == 1) {
        wick_buf_printf(out, "[%c-%c]", lo[0], hi[0]);
        return;
    }
    if (lo[0] == hi[0]) {
        wick_buf_printf(out, "\"%c\" ", lo[0]);
        same_len_range(out, lo + 1, hi + 1, n - 1);
        return;
    }
    bool lo_zeros = true, hi_nines = true;
    for (int k = 1; k < n; k++) {
        if (lo[k] != '0') lo_zeros = false;
        if (hi[k] != '9') hi_nines = false;
    }
    if (lo_zeros && hi_nines) {
        wick_buf_printf(out, "[%c-%c] [0-9]{%d}", lo[0], hi[0], n - 1);
        return;
    }
    char nines[24], zeros[24];
    memset(nines, '9', sizeof nines);
    memset(zeros, '0', sizeof zeros);
    wick_buf_printf(out, "( \"%c\" ", lo[0]);
    same_len_range(out, lo + 1, nines, n - 1);
    if (lo[0] + 1 <= hi[0] - 1) wick_buf_printf(out, " | [%c-%c] [0-9]{%d}", lo[0] + 1, hi[0] - 1, n - 1);
    wick_buf_printf(out, " | \"%c\" ", hi[0]);
    same_len_range(out, zeros, hi + 1, n - 1);
    wick_buf_puts(out, " )");
}

/* Non-negative integers in [a, b], as alternatives separated by " | ". */
static void nonneg_range(wick_buf *out, int64_t a, int64_t b) {
    char la[24], lb[24];
    int na = digits_of(a, la), nb = digits_of(b, lb);
    int alts = 0;
    for (int len = na; len <= nb;) {
        int64_t first = 1, last;
        for (int k = 1; k < len; k++) first *= 10;
        last = first * 10 - 1;
        if (len == 1) first = 0;
        int64_t lo = a > first ? a : first, hi = b < last ? b : last;
        if (alts++) wick_buf_puts(out, " | ");
        if (len > 1 && lo == first && hi == last) {
            /* a run of full lengths: [1-9] [0-9]{len-1,end-1} */
            int end = len;
            while (end + 1 <= nb) {
                int64_t f2 = (last + 1), l2 = f2 * 10 - 1;
                if (!(b >= l2)) break;
                last = l2;
                end++;
            }
            if (end == len) wick_buf_printf(out, "[1-9] [0-9]{%d}", len - 1);
            else wick_buf_printf(out, "[1-9] [0-9]{%d,%d}", len - 1, end - 1);
            len = end + 1;
            continue;
        }
        char slo[24], shi[24];
        digits_of(lo, slo);
        digits_of(hi, shi);
        same_len_range(out, slo, shi, len);
        len++;
    }
}

void js_int_range_gbnf(wick_buf *out, int64_t lo, int64_t hi) {
    if (lo < -JS_INT_MAX) lo = -JS_INT_MAX;
    if (hi > JS_INT_MAX) hi = JS_INT_MAX;
    wick_buf_puts(out, "( ");
    int alts = 0;
    if (lo < 0) {
        int64_t mlo = hi < 0 ? -hi : 1, mhi = -lo;
        if (mlo <= mhi) {
            wick_buf_puts(out, "\"-\" ( ");
            nonneg_range(out, mlo, mhi);
            wick_buf_puts(out, " )");
            alts++;
        }
    }
    if (hi >= 0) {
        if (alts++) wick_buf_puts(out, " | ");
        nonneg_range(out, lo > 0 ? lo : 0, hi);
    }
    wick_buf_puts(out, " )");
}

#define JS_FRAC "\".\" [0-9]{1,15}"

/* Written magnitudes m.f (no sign) with Lo <(=) m.f <(=) Hi, integers
 * Lo >= 0 and Hi (or no upper bound). Returns the number of alternatives. */
static int magnitude_range(wick_buf *out, int64_t Lo, bool lo_excl, bool has_hi, int64_t Hi,
                           bool hi_excl, int alts) {
    int64_t int_lo = lo_excl ? Lo + 1 : Lo;
    int64_t int_hi = has_hi ? Hi - 1 : JS_INT_MAX; /* integer parts taking any fraction */
    if (int_lo <= int_hi && int_lo <= JS_INT_MAX) {
        if (alts++) wick_buf_puts(out, " | ");
        wick_buf_puts(out, "( ");
        nonneg_range(out, int_lo, int_hi);
        wick_buf_puts(out, " ) ( " JS_FRAC " )?");
    }
    if (lo_excl && (!has_hi || Lo < Hi) && Lo <= JS_INT_MAX) {
        /* Lo itself, with a non-zero fraction */
        if (alts++) wick_buf_puts(out, " | ");
        char d[24];
        int n = digits_of(Lo, d);
        js_gbnf_literal(out, d, (size_t)n);
        wick_buf_puts(out, " \".\" [0-9]{0,14} [1-9]");
    }
    if (has_hi && !hi_excl && (lo_excl ? Hi > Lo : Hi >= Lo) && Hi <= JS_INT_MAX) {
        if (alts++) wick_buf_puts(out, " | ");
        char d[24];
        int n = digits_of(Hi, d);
        js_gbnf_literal(out, d, (size_t)n);
        wick_buf_puts(out, " ( \".\" \"0\"{1,15} )?"); /* 1.0 as Python writes it */
    }
    return alts;
}

bool js_number_range_gbnf(wick_buf *out, bool has_lo, int64_t lo, bool lo_excl, bool has_hi,
                          int64_t hi, bool hi_excl) {
    if (has_lo && lo < -JS_INT_MAX) lo = -JS_INT_MAX, lo_excl = false;
    if (has_hi && hi > JS_INT_MAX) hi = JS_INT_MAX, hi_excl = false;
    if (has_lo && lo > JS_INT_MAX) return false;
    if (has_hi && hi < -JS_INT_MAX) return false;
    if (has_lo && has_hi && (lo > hi || (lo == hi && (lo_excl || hi_excl)))) return false;
    wick_buf_puts(out, "( ");
    int alts = 0;
    /* non-negative values, written without a sign */
    if (!has_hi || hi > 0 || (hi == 0 && !hi_excl)) {
        bool pos_lo = has_lo && lo >= 0;
        alts = magnitude_range(out, pos_lo ? lo : 0, pos_lo ? lo_excl : false, has_hi, hi, hi_excl, alts);
    }
    /* negative values: "-" then a magnitude in [-hi, -lo] */
    if (!has_lo || lo < 0) {
        bool neg_lo = has_hi && hi <= 0;
        wick_buf sub = {0};
        int n = magnitude_range(&sub, neg_lo ? -hi : 0, neg_lo ? hi_excl : false, has_lo,
                                has_lo ? -lo : 0, lo_excl, 0);
        if (n) {
            if (alts++) wick_buf_puts(out, " | ");
            wick_buf_puts(out, "\"-\" ( ");
            wick_buf_append(out, sub.data, sub.len);
            wick_buf_puts(out, " )");
        }
        if (sub.failed) out->failed = true;
        wick_buf_free(&sub);
    }
    wick_buf_puts(out, " )");
    return alts > 0;
}
