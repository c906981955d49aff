/* Template source -> tokens, reproducing jinja2's lexer with
 * trim_blocks=True and lstrip_blocks=True:
 *   - newlines are normalized to "\n" and one trailing newline is dropped;
 *   - `{%-`/`{{-`/`{#-` strip all whitespace before the tag, `-%}`/`-}}`/
 *     `-#}` all whitespace after it;
 *   - trim_blocks: one "\n" right after `%}` or `#}` is dropped (`+%}` keeps it);
 *   - lstrip_blocks: spaces/tabs between the start of a line and `{%`/`{#`
 *     are dropped (`{%+` keeps them); "start of a line" includes the text
 *     right after a tag whose match ended with "\n", as in jinja2;
 *   - inside tags, `%}`/`}}` only end the tag when brackets are balanced;
 *   - `{% raw %}...{% endraw %}` is data, with the same whitespace rules.
 * String literals are decoded as Python's unicode-escape codec does. */
#include "template/jinja.h"
#include "unicode/unicode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BRACKETS 256

typedef struct lexer {
    jarena *arena;
    const char *s;
    size_t n;
    jtok *toks;
    size_t ntoks, cap;
    wick_error *err;
    bool line_starting;
} lexer;

static wick_status lex_fail(lexer *L, size_t pos, wick_status code, const char *fmt, const char *arg) {
    return jinja_error_at(L->err, L->s, L->n, (uint32_t)pos, code, fmt, arg);
}

static jtok *push(lexer *L, jtok_kind kind, size_t pos) {
    if (L->ntoks == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 256;
        jtok *t = jarena_alloc(L->arena, cap * sizeof *t);
        if (!t) return NULL;
        if (L->ntoks) memcpy(t, L->toks, L->ntoks * sizeof *t);
        L->toks = t;
        L->cap = cap;
    }
    jtok *t = &L->toks[L->ntoks++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->pos = (uint32_t)pos;
    return t;
}

/* Length of the whitespace run (Python \s) at s[pos..]. */
static size_t ws_run(const lexer *L, size_t pos) {
    size_t i = pos;
    while (i < L->n) {
        uint32_t cp;
        size_t len = pystr_decode(L->s + i, L->n - i, &cp);
        if (!pystr_isspace(cp)) break;
        i += len;
    }
    return i - pos;
}

static bool all_space(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        i += pystr_decode(s + i, n - i, &cp);
        if (!pystr_isspace(cp)) return false;
    }
    return true;
}

/* Emits the data s[start..end) before a tag opened with `sign` ('-', '+'
 * or 0); `lstrip` is false for `{{`. */
static bool emit_data(lexer *L, size_t start, size_t end, char sign, bool lstrip) {
    jstr text = {L->s + start, end - start};
    if (sign == '-') {
        text = pystr_strip(text, NULL, false, true);
    } else if (sign != '+' && lstrip) {
        size_t l_pos = 0;
        for (size_t i = text.n; i > 0; i--) {
            if (text.p[i - 1] == '\n') {
                l_pos = i;
                break;
            }
        }
        if ((l_pos > 0 || L->line_starting) && l_pos < text.n &&
            all_space(text.p + l_pos, text.n - l_pos))
            text.n = l_pos;
    }
    if (text.n == 0) return true;
    jtok *t = push(L, T_DATA, start);
    if (!t) return false;
    t->s = text;
    return true;
}

static bool starts(const lexer *L, size_t pos, const char *lit) {
    size_t k = strlen(lit);
    return pos + k <= L->n && memcmp(L->s + pos, lit, k) == 0;
}

/* Matches `(?:\+E|\-E\s*|E\n?)` for the end marker E ("%}" or "#}") at
 * pos; returns the end of the match or 0. `trim` adds the "\n?". */
static size_t match_end(const lexer *L, size_t pos, const char *e, bool allow_plus) {
    size_t k = strlen(e);
    if (allow_plus && pos < L->n && L->s[pos] == '+' && starts(L, pos + 1, e)) return pos + 1 + k;
    if (pos < L->n && L->s[pos] == '-' && starts(L, pos + 1, e)) {
        size_t end = pos + 1 + k;
        return end + ws_run(L, end);
    }
    if (starts(L, pos, e)) {
        size_t end = pos + k;
        if (end < L->n && L->s[end] == '\n') end++;
        return end;
    }
    return 0;
}

/* `{%(-|+|)\s*raw\s*(?:-%}\s*|%})` at pos: end of the match, or 0. */
static size_t match_raw_begin(const lexer *L, size_t pos, char *sign) {
    size_t i = pos + 2;
    *sign = 0;
    if (i < L->n && (L->s[i] == '-' || L->s[i] == '+')) *sign = L->s[i++];
    i += ws_run(L, i);
    if (!starts(L, i, "raw")) return 0;
    i += 3;
    i += ws_run(L, i);
    if (starts(L, i, "-%}")) return i + 3 + ws_run(L, i + 3);
    if (starts(L, i, "%}")) return i + 2;
    return 0;
}

/* `{%(-|+|)\s*endraw\s*(?:+%}|-%}\s*|%}\n?)` at pos. */
static size_t match_raw_end(const lexer *L, size_t pos, char *sign) {
    size_t i = pos + 2;
    *sign = 0;
    if (i < L->n && (L->s[i] == '-' || L->s[i] == '+')) *sign = L->s[i++];
    i += ws_run(L, i);
    if (!starts(L, i, "endraw")) return 0;
    i += 6;
    i += ws_run(L, i);
    return match_end(L, i, "%}", true);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* `(\d+_)*\d+` at pos: end, or 0 when there is no digit. */
static size_t scan_digits(const lexer *L, size_t pos) {
    if (pos >= L->n || !is_digit(L->s[pos])) return 0;
    size_t i = pos;
    for (;;) {
        while (i < L->n && is_digit(L->s[i])) i++;
        if (i + 1 < L->n && L->s[i] == '_' && is_digit(L->s[i + 1])) {
            i++;
            continue;
        }
        return i;
    }
}

static size_t scan_exponent(const lexer *L, size_t pos) {
    if (pos >= L->n || (L->s[pos] != 'e' && L->s[pos] != 'E')) return 0;
    size_t i = pos + 1;
    if (i < L->n && (L->s[i] == '+' || L->s[i] == '-')) i++;
    return scan_digits(L, i);
}

/* jinja2's float_re; end of the match or 0. */
static size_t scan_float(const lexer *L, size_t pos) {
    if (pos > 0 && L->s[pos - 1] == '.') return 0;
    size_t i = scan_digits(L, pos);
    if (!i) return 0;
    if (i < L->n && L->s[i] == '.') {
        size_t f = scan_digits(L, i + 1);
        if (f) {
            size_t e = scan_exponent(L, f);
            return e ? e : f;
        }
    }
    return scan_exponent(L, i);
}

static int digit_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

/* jinja2's integer_re; end of the match or 0, value in *v (*overflow set
 * when it does not fit 64 bits). */
static size_t scan_int(const lexer *L, size_t pos, int64_t *v, bool *overflow) {
    const char *s = L->s;
    size_t n = L->n, i = pos;
    int base = 10;
    *overflow = false;
    if (pos + 1 < n && s[pos] == '0' && s[pos + 1] && strchr("bBoOxX", s[pos + 1])) {
        char b = s[pos + 1];
        base = (b == 'b' || b == 'B') ? 2 : (b == 'o' || b == 'O') ? 8 : 16;
        i = pos + 2;
        size_t start = i;
        for (;;) {
            size_t j = i;
            if (j < n && s[j] == '_') j++;
            if (j < n && digit_val(s[j]) < base) i = j + 1;
            else break;
        }
        if (i == start) base = 10, i = pos; /* not a prefixed literal: fall through */
    }
    if (base == 10) {
        if (i >= n || !is_digit(s[i])) return 0;
        if (s[i] == '0') {
            i++;
            for (;;) {
                size_t j = i;
                if (j < n && s[j] == '_') j++;
                if (j < n && s[j] == '0') i = j + 1;
                else break;
            }
        } else {
            i++;
            for (;;) {
                size_t j = i;
                if (j < n && s[j] == '_') j++;
                if (j < n && is_digit(s[j])) i = j + 1;
                else break;
            }
        }
    }
    uint64_t acc = 0;
    for (size_t k = (base == 10 ? pos : pos + 2); k < i; k++) {
        if (s[k] == '_') continue;
        uint64_t d = (uint64_t)digit_val(s[k]);
        if (acc > (UINT64_MAX - d) / (uint64_t)base) {
            *overflow = true;
            break;
        }
        acc = acc * (uint64_t)base + d;
    }
    if (acc > (uint64_t)INT64_MAX) *overflow = true;
    *v = (int64_t)acc;
    return i;
}

static bool name_start(uint32_t cp) {
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_';
    unicode_gc g = unicode_category(cp);
    return (g >= UC_LU && g <= UC_LO) || g == UC_NL;
}

static bool name_char(uint32_t cp) {
    if (cp < 0x80) return name_start(cp) || (cp >= '0' && cp <= '9');
    unicode_gc g = unicode_category(cp);
    return name_start(cp) || g == UC_MN || g == UC_MC || g == UC_ND || g == UC_PC;
}

static int hexn(const char *s, size_t n, size_t k, uint32_t *out) {
    uint32_t v = 0;
    if (k > n) return 0;
    for (size_t i = 0; i < k; i++) {
        int d = digit_val(s[i]);
        if (d > 15) return 0;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return 1;
}

/* Decodes the literal body s[0..n) (Python unicode-escape over the
 * backslashreplace'd text). */
static wick_status decode_string(lexer *L, size_t pos, const char *s, size_t n, jstr *out) {
    /* Output is never longer than 2.5x the input (a backslash before a
     * 4-byte character becomes "\U0001xxxx"). */
    char *o = jarena_alloc(L->arena, n * 3 + 1);
    if (!o) return wick_error_set(L->err, WICK_ERR_NOMEM, "out of memory lexing the template");
    size_t w = 0, i = 0;
    while (i < n) {
        if (s[i] != '\\' || i + 1 >= n) {
            o[w++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        uint32_t cp = 0;
        size_t used = 2;
        switch (e) {
        case '\n': i += 2; continue;
        case '\\': cp = '\\'; break;
        case '\'': cp = '\''; break;
        case '"': cp = '"'; break;
        case 'a': cp = 7; break;
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'v': cp = 11; break;
        case 'x':
        case 'u':
        case 'U': {
            size_t k = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (!hexn(s + i + 2, n - i - 2, k, &cp))
                return lex_fail(L, pos, WICK_ERR_TEMPLATE, "truncated \\%sXX escape in a string literal",
                                e == 'x' ? "x" : e == 'u' ? "u" : "U");
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return lex_fail(L, pos, WICK_ERR_TEMPLATE, "%s", "illegal Unicode character in a string literal");
            used = 2 + k;
            break;
        }
        case 'N':
            return lex_fail(L, pos, WICK_ERR_UNSUPPORTED, "%s", "\\N{...} escapes are not supported");
        default:
            if (e >= '0' && e <= '7') {
                size_t k = 1;
                cp = (uint32_t)(e - '0');
                while (k < 3 && i + 1 + k < n && s[i + 1 + k] >= '0' && s[i + 1 + k] <= '7') {
                    cp = cp * 8 + (uint32_t)(s[i + 1 + k] - '0');
                    k++;
                }
                used = 1 + k;
            } else if ((unsigned char)e >= 0x80) {
                /* "\é": backslashreplace made it "\\xe9", which decodes to
                 * the four characters \xe9 */
                uint32_t c2;
                size_t len = pystr_decode(s + i + 1, n - i - 1, &c2);
                char tmp[16];
                int k = c2 < 0x100 ? snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)c2)
                        : c2 < 0x10000 ? snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)c2)
                                       : snprintf(tmp, sizeof tmp, "\\U%08x", (unsigned)c2);
                memcpy(o + w, tmp, (size_t)k);
                w += (size_t)k;
                i += 1 + len;
                continue;
            } else {
                o[w++] = '\\';
                i += 1;
                continue;
            }
        }
        w += pystr_encode(cp, o + w);
        i += used;
    }
    o[w] = '\0';
    out->p = o;
    out->n = w;
    return WICK_OK;
}

typedef struct opdef {
    const char *text;
    jtok_kind kind;
} opdef;

static const opdef OPS[] = {
    {"//", T_FLOORDIV}, {"**", T_POW}, {"==", T_EQ}, {"!=", T_NE}, {"<=", T_LTEQ},
    {">=", T_GTEQ},     {"+", T_ADD},  {"-", T_SUB}, {"/", T_DIV}, {"*", T_MUL},
    {"%", T_MOD},       {"~", T_TILDE}, {"[", T_LBRACKET}, {"]", T_RBRACKET},
    {"(", T_LPAREN},    {")", T_RPAREN}, {"{", T_LBRACE}, {"}", T_RBRACE},
    {"<", T_LT},        {">", T_GT},   {"=", T_ASSIGN}, {".", T_DOT}, {":", T_COLON},
    {"|", T_PIPE},      {",", T_COMMA}, {";", T_SEMICOLON},
};

/* Tokens inside `{{ }}` or `{% %}` starting at pos; returns the position
 * after the closing tag (or n at the end of the source). */
static wick_status lex_tag(lexer *L, size_t pos, bool block, size_t *end_out) {
    char stack[MAX_BRACKETS];
    size_t depth = 0;
    const char *s = L->s;
    size_t n = L->n;
    while (pos < n) {
        if (depth == 0) {
            size_t e = block ? match_end(L, pos, "%}", true) : 0;
            if (!block) {
                if (starts(L, pos, "-}}")) e = pos + 3 + ws_run(L, pos + 3);
                else if (starts(L, pos, "}}")) e = pos + 2;
            }
            if (e) {
                if (!push(L, block ? T_BLOCK_END : T_VAR_END, pos))
                    return wick_error_set(L->err, WICK_ERR_NOMEM, "out of memory lexing the template");
                L->line_starting = s[e - 1] == '\n';
                *end_out = e;
                return WICK_OK;
            }
        }
        size_t w = ws_run(L, pos);
        if (w) {
            pos += w;
            continue;
        }
        size_t e = scan_float(L, pos);
        if (e) {
            char buf[128];
            size_t k = 0;
            for (size_t i = pos; i < e && k + 1 < sizeof buf; i++)
                if (s[i] != '_') buf[k++] = s[i];
            buf[k] = '\0';
            jtok *t = push(L, T_FLOAT, pos);
            if (!t) return wick_error_set(L->err, WICK_ERR_NOMEM, "out of memory lexing the template");
            t->f = strtod(buf, NULL);
            pos = e;
            continue;
        }
        int64_t iv;
        bool overflow;
        e = scan_int(L, pos, &iv, &overflow);
        if (e) {
            if (overflow)
                return lex_fail(L, pos, WICK_ERR_UNSUPPORTED, "%s",
                                "integer literal does not fit 64 bits");
            jtok *t = push(L, T_INT, pos);
            if (!t) return wick_error_set(L->err, WICK_ERR_NOMEM, "out of memory lexing the template");
            t->i = iv;
            pos = e;
            continue;
        }
        uint32_t cp;
        size_t len = pystr_decode(s + pos, n - pos, &cp);
        if (name_start(cp)) {
            size_t i = pos + len;
            while (i < n) {
                size_t l2 = pystr_decode(s + i, n - i, &cp);
                if (!name_char(cp)) break;
                i += l2;
            }
            jtok *t = push(L, T_NAME, pos);
            if (!t) return wick_error_set(L->err, WICK_ERR_NOMEM, "out of memory lexing the template");
            t->s.p = s + pos;
            t->s.n = i - pos;
            pos = i;
            continue;
        }
        if (s[pos] == '\'' || s[pos] == '"') {
            char q = s[pos];
            size_t i = pos + 1;
            while (i < n && s[i] != q) i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
            if (i < n) {
                jtok *t = push(L, T_STRING, pos);
                if (!t) return wick_error_set(L->err, WICK_ERR_NOMEM, "out of memory lexing the template");
                wick_status st = decode_string(L, pos, s + pos + 1, i - pos - 1, &t->s);
                if (st) return st;
                pos = i + 1;
                continue;
            }
            /* unterminated: falls to "unexpected char" like jinja2 */
        }
        const opdef *op = NULL;
        for (size_t k = 0; k < sizeof OPS / sizeof OPS[0]; k++) {
            if (starts(L, pos, OPS[k].text)) {
                op = &OPS[k];
                break;
            }
        }
        if (!op) {
            char ch[8] = {0};
            memcpy(ch, s + pos, len < 4 ? len : 4);
            return lex_fail(L, pos, WICK_ERR_TEMPLATE, "unexpected character '%s'", ch);
        }
        char c0 = op->text[0];
        if (op->text[1] == '\0' && (c0 == '(' || c0 == '[' || c0 == '{')) {
            if (depth == MAX_BRACKETS)
                return lex_fail(L, pos, WICK_ERR_LIMIT, "%s", "brackets nested too deeply");
            stack[depth++] = c0 == '(' ? ')' : c0 == '[' ? ']' : '}';
        } else if (op->text[1] == '\0' && (c0 == ')' || c0 == ']' || c0 == '}')) {
            if (depth == 0) {
                char m[2] = {c0, 0};
                return lex_fail(L, pos, WICK_ERR_TEMPLATE, "unexpected '%s'", m);
            }
            char want = stack[--depth];
            if (want != c0) {
                char m[32];
                snprintf(m, sizeof m, "'%c', expected '%c'", c0, want);
                return lex_fail(L, pos, WICK_ERR_TEMPLATE, "unexpected %s", m);
            }
        }
        if (!push(L, op->kind, pos))
            return wick_error_set(L->err, WICK_ERR_NOMEM, "out of memory lexing the template");
        pos += strlen(op->text);
    }
    *end_out = n; /* unclosed tag: the parser reports the end of template */
    return WICK_OK;
}

static wick_status normalize(jarena *a, const char *src, size_t len, jsource *out, wick_error *err) {
    char *d = jarena_alloc(a, len + 1);
    if (!d) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory reading the template");
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\r') {
            d[w++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n') i++;
        } else {
            d[w++] = src[i];
        }
    }
    if (w > 0 && d[w - 1] == '\n') w--; /* keep_trailing_newline=False */
    d[w] = '\0';
    out->p = d;
    out->n = w;
    return WICK_OK;
}

wick_status jinja_lex(jarena *a, const char *src, size_t len, jsource *norm, jtok **toks,
                      size_t *ntoks, wick_error *err) {
    if (len > JINJA_MAX_SOURCE)
        return wick_error_set(err, WICK_ERR_LIMIT, "chat template is %zu bytes, more than the %u allowed",
                              len, (unsigned)JINJA_MAX_SOURCE);
    size_t bad;
    if (!pystr_valid_utf8(src, len, &bad))
        return wick_error_set(err, WICK_ERR_FORMAT, "chat template is not valid UTF-8 (byte offset %zu)", bad);
    wick_status st = normalize(a, src, len, norm, err);
    if (st) return st;
    lexer L = {a, norm->p, norm->n, NULL, 0, 0, err, true};
    size_t pos = 0;
    while (pos < L.n) {
        /* root state: find the next `{{`, `{%` or `{#` */
        size_t start = pos;
        const char *p = L.s + pos;
        for (;;) {
            p = memchr(p, '{', (size_t)(L.s + L.n - p));
            if (!p || p + 1 >= L.s + L.n) {
                p = NULL;
                break;
            }
            if (p[1] == '{' || p[1] == '%' || p[1] == '#') break;
            p++;
        }
        if (!p) {
            if (!emit_data(&L, pos, L.n, 0, false))
                return wick_error_set(err, WICK_ERR_NOMEM, "out of memory lexing the template");
            pos = L.n;
            break;
        }
        start = (size_t)(p - L.s);
        char kind = p[1];
        char sign = 0;
        if (start + 2 < L.n && (L.s[start + 2] == '-' || L.s[start + 2] == '+')) sign = L.s[start + 2];
        if (kind == '%') {
            char rsign;
            size_t raw_end = match_raw_begin(&L, start, &rsign);
            if (raw_end) {
                if (!emit_data(&L, pos, start, rsign, true))
                    return wick_error_set(err, WICK_ERR_NOMEM, "out of memory lexing the template");
                L.line_starting = L.s[raw_end - 1] == '\n';
                /* find the earliest {% endraw %} */
                size_t q = raw_end, end = 0;
                char esign = 0;
                for (;;) {
                    const char *r = q < L.n ? memchr(L.s + q, '{', L.n - q) : NULL;
                    if (!r) break;
                    q = (size_t)(r - L.s);
                    if (q + 1 < L.n && L.s[q + 1] == '%' && (end = match_raw_end(&L, q, &esign))) break;
                    q++;
                }
                if (!end)
                    return lex_fail(&L, start, WICK_ERR_TEMPLATE, "%s", "missing end of raw directive");
                if (!emit_data(&L, raw_end, q, esign, true))
                    return wick_error_set(err, WICK_ERR_NOMEM, "out of memory lexing the template");
                L.line_starting = L.s[end - 1] == '\n';
                pos = end;
                continue;
            }
        }
        if (!emit_data(&L, pos, start, sign, kind != '{'))
            return wick_error_set(err, WICK_ERR_NOMEM, "out of memory lexing the template");
        L.line_starting = false;
        size_t body = start + 2 + (sign ? 1 : 0);
        if (kind == '#') {
            size_t q = body, end = 0;
            for (; q < L.n; q++) {
                if (L.s[q] != '+' && L.s[q] != '-' && L.s[q] != '#') continue;
                if ((end = match_end(&L, q, "#}", true))) break;
            }
            if (!end) return lex_fail(&L, start, WICK_ERR_TEMPLATE, "%s", "missing end of comment tag");
            L.line_starting = L.s[end - 1] == '\n';
            pos = end;
            continue;
        }
        if (!push(&L, kind == '{' ? T_VAR_BEGIN : T_BLOCK_BEGIN, start))
            return wick_error_set(err, WICK_ERR_NOMEM, "out of memory lexing the template");
        st = lex_tag(&L, body, kind == '%', &pos);
        if (st) return st;
    }
    if (!push(&L, T_EOF, L.n)) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory lexing the template");
    *toks = L.toks;
    *ntoks = L.ntoks;
    return WICK_OK;
}

const char *jinja_tok_name(jtok_kind k) {
    switch (k) {
    case T_EOF: return "end of template";
    case T_DATA: return "template data";
    case T_VAR_BEGIN: return "'{{'";
    case T_VAR_END: return "end of print statement";
    case T_BLOCK_BEGIN: return "'{%'";
    case T_BLOCK_END: return "end of statement block";
    case T_NAME: return "name";
    case T_STRING: return "string";
    case T_INT: return "integer";
    case T_FLOAT: return "float";
    case T_ADD: return "'+'";
    case T_SUB: return "'-'";
    case T_MUL: return "'*'";
    case T_DIV: return "'/'";
    case T_FLOORDIV: return "'//'";
    case T_MOD: return "'%'";
    case T_POW: return "'**'";
    case T_TILDE: return "'~'";
    case T_LBRACKET: return "'['";
    case T_RBRACKET: return "']'";
    case T_LPAREN: return "'('";
    case T_RPAREN: return "')'";
    case T_LBRACE: return "'{'";
    case T_RBRACE: return "'}'";
    case T_EQ: return "'=='";
    case T_NE: return "'!='";
    case T_LT: return "'<'";
    case T_LTEQ: return "'<='";
    case T_GT: return "'>'";
    case T_GTEQ: return "'>='";
    case T_ASSIGN: return "'='";
    case T_DOT: return "'.'";
    case T_COLON: return "':'";
    case T_PIPE: return "'|'";
    case T_COMMA: return "','";
    case T_SEMICOLON: return "';'";
    }
    return "token";
}
