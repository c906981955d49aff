/* Python str semantics over UTF-8 byte strings: code point counting and
 * indexing, repr() quoting, isspace(), case mapping, strip(), find().
 * Template strings are always valid UTF-8 (the source and the JSON inputs
 * are validated), so the decoder here only guards against bugs. Case
 * mappings and printability come from CPython's own tables
 * (jinja_case_data.c); letter/digit classes from src/unicode. */
#include "template/jinja.h"
#include "template/jinja_case.h"
#include "unicode/unicode.h"

#include <stdlib.h>
#include <string.h>

/* UTF-8 comes from src/unicode. Template strings are valid UTF-8, so an
 * invalid byte can only mean a bug; it is read as its own byte value
 * (Latin-1) rather than stopping the render. */
size_t pystr_decode(const char *str, size_t n, uint32_t *cp) {
    if (n == 0) {
        *cp = 0;
        return 0;
    }
    size_t len = utf8_decode(str, n, cp);
    if (*cp == UTF8_INVALID) *cp = (unsigned char)str[0];
    return len;
}

size_t pystr_encode(uint32_t cp, char *out) { return utf8_encode(cp, out); }

bool pystr_valid_utf8(const char *str, size_t n, size_t *bad) { return utf8_validate(str, n, bad); }

/* Python's str.isspace() (also what `\s` matches in jinja2's lexer). */
bool pystr_isspace(uint32_t cp) {
    if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    if (cp < 0x85) return false;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

size_t pystr_len(const char *s, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
    return count;
}

size_t pystr_offset(const char *s, size_t n, size_t index) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (count == index) return i;
            count++;
        }
    }
    return n;
}

static bool py_printable(uint32_t cp) {
    if (cp < 0x80) return cp >= 0x20 && cp < 0x7F;
    return jinja_is_printable(cp);
}

void pystr_repr(wick_buf *b, const char *s, size_t n) {
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    wick_buf_putc(b, q);
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = pystr_decode(s + i, n - i, &cp);
        if (cp == (uint32_t)q || cp == '\\') {
            wick_buf_putc(b, '\\');
            wick_buf_putc(b, (char)cp);
        } else if (cp == '\n') {
            wick_buf_puts(b, "\\n");
        } else if (cp == '\r') {
            wick_buf_puts(b, "\\r");
        } else if (cp == '\t') {
            wick_buf_puts(b, "\\t");
        } else if (py_printable(cp)) {
            wick_buf_append(b, s + i, len);
        } else if (cp < 0x100) {
            wick_buf_printf(b, "\\x%02x", (unsigned)cp);
        } else if (cp < 0x10000) {
            wick_buf_printf(b, "\\u%04x", (unsigned)cp);
        } else {
            wick_buf_printf(b, "\\U%08x", (unsigned)cp);
        }
        i += len;
    }
    wick_buf_putc(b, q);
}

static bool is_cased(uint32_t cp) {
    unicode_gc g = unicode_category(cp);
    return g == UC_LU || g == UC_LL || g == UC_LT;
}

static void put_mapped(wick_buf *b, const uint32_t *cps, size_t n) {
    char tmp[4];
    for (size_t i = 0; i < n; i++) wick_buf_append(b, tmp, pystr_encode(cps[i], tmp));
}

static void put_upper(wick_buf *b, uint32_t cp) {
    uint32_t m[JINJA_CASE_MAX];
    put_mapped(b, m, jinja_case_upper(cp, m));
}

static void put_lower(wick_buf *b, uint32_t cp) {
    uint32_t m[JINJA_CASE_MAX];
    put_mapped(b, m, jinja_case_lower(cp, m));
}

static void put_title(wick_buf *b, uint32_t cp) {
    uint32_t m[JINJA_CASE_MAX];
    put_mapped(b, m, jinja_case_title(cp, m));
}

void pystr_case(wick_buf *b, const char *s, size_t n, pycase mode) {
    size_t i = 0;
    bool prev_cased = false, first = true;
    while (i < n) {
        uint32_t cp;
        size_t len = pystr_decode(s + i, n - i, &cp);
        if (cp < 0x80 && mode != PYCASE_TITLE && mode != PYCASE_CAPITALIZE) {
            char ch = (char)cp;
            if (mode == PYCASE_UPPER || (mode == PYCASE_SWAP && ch >= 'a' && ch <= 'z')) {
                if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 32);
            } else if (ch >= 'A' && ch <= 'Z') {
                ch = (char)(ch + 32);
            }
            wick_buf_putc(b, ch);
            i += len;
            continue;
        }
        switch (mode) {
        case PYCASE_UPPER: put_upper(b, cp); break;
        case PYCASE_LOWER: put_lower(b, cp); break;
        case PYCASE_SWAP: {
            unicode_gc g = unicode_category(cp);
            if (g == UC_LU) put_lower(b, cp);
            else if (g == UC_LL) put_upper(b, cp);
            else wick_buf_append(b, s + i, len);
            break;
        }
        case PYCASE_TITLE:
            if (prev_cased) put_lower(b, cp);
            else put_title(b, cp);
            prev_cased = is_cased(cp);
            break;
        case PYCASE_CAPITALIZE:
            if (first) put_title(b, cp);
            else put_lower(b, cp);
            break;
        }
        first = false;
        i += len;
    }
}

static bool in_chars(uint32_t cp, const jstr *chars) {
    if (!chars) return pystr_isspace(cp);
    size_t i = 0;
    while (i < chars->n) {
        uint32_t c2;
        i += pystr_decode(chars->p + i, chars->n - i, &c2);
        if (c2 == cp) return true;
    }
    return false;
}

jstr pystr_strip(jstr s, const jstr *chars, bool left, bool right) {
    size_t start = 0, end = s.n;
    if (left) {
        while (start < end) {
            uint32_t cp;
            size_t len = pystr_decode(s.p + start, end - start, &cp);
            if (!in_chars(cp, chars)) break;
            start += len;
        }
    }
    if (right) {
        while (end > start) {
            size_t k = end - 1;
            while (k > start && ((unsigned char)s.p[k] & 0xC0) == 0x80) k--;
            uint32_t cp;
            pystr_decode(s.p + k, end - k, &cp);
            if (!in_chars(cp, chars)) break;
            end = k;
        }
    }
    jstr r = {s.p + start, end - start};
    return r;
}

bool pystr_is(const char *s, size_t n, const char *what) {
    if (strcmp(what, "isascii") == 0) {
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] >= 0x80) return false;
        return true;
    }
    if (n == 0) return false;
    bool any_cased = false;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        i += pystr_decode(s + i, n - i, &cp);
        unicode_gc g = unicode_category(cp);
        bool letter = g >= UC_LU && g <= UC_LO;
        bool number = g == UC_ND || g == UC_NL || g == UC_NO;
        if (strcmp(what, "isspace") == 0) {
            if (!pystr_isspace(cp)) return false;
        } else if (strcmp(what, "isalpha") == 0) {
            if (!letter) return false;
        } else if (strcmp(what, "isdigit") == 0 || strcmp(what, "isdecimal") == 0) {
            if (g != UC_ND) return false;
        } else if (strcmp(what, "isnumeric") == 0) {
            if (!number) return false;
        } else if (strcmp(what, "isalnum") == 0) {
            if (!letter && !number) return false;
        } else if (strcmp(what, "islower") == 0) {
            if (g == UC_LU || g == UC_LT) return false;
            if (g == UC_LL) any_cased = true;
        } else if (strcmp(what, "isupper") == 0) {
            if (g == UC_LL || g == UC_LT) return false;
            if (g == UC_LU) any_cased = true;
        } else {
            return false;
        }
    }
    if (strcmp(what, "islower") == 0 || strcmp(what, "isupper") == 0) return any_cased;
    return true;
}

/* Knuth-Morris-Pratt over hay/needle read forwards or backwards, so a
 * long needle with many partial matches costs O(n + m), not O(n * m). */
static long long kmp(jstr hay, jstr needle, bool reverse, uint32_t *fail) {
    size_t m = needle.n, n = hay.n;
#define NB(i) ((unsigned char)needle.p[reverse ? m - 1 - (i) : (i)])
#define HB(i) ((unsigned char)hay.p[reverse ? n - 1 - (i) : (i)])
    fail[0] = 0;
    for (size_t i = 1, k = 0; i < m; i++) {
        while (k && NB(i) != NB(k)) k = fail[k - 1];
        if (NB(i) == NB(k)) k++;
        fail[i] = (uint32_t)k;
    }
    for (size_t i = 0, k = 0; i < n; i++) {
        while (k && HB(i) != NB(k)) k = fail[k - 1];
        if (HB(i) == NB(k)) k++;
        if (k == m) return reverse ? (long long)(n - 1 - i) : (long long)(i + 1 - m);
    }
    return -1;
#undef NB
#undef HB
}

long long pystr_find(jstr hay, jstr needle, bool reverse) {
    if (needle.n > hay.n) return -1;
    if (needle.n == 0) return reverse ? (long long)hay.n : 0;
    if (needle.n > 16 && needle.n < UINT32_MAX) {
        uint32_t *fail = malloc(needle.n * sizeof *fail);
        if (fail) {
            long long r = kmp(hay, needle, reverse, fail);
            free(fail);
            return r;
        }
    }
    if (!reverse) {
        for (size_t i = 0; i + needle.n <= hay.n; i++)
            if (hay.p[i] == needle.p[0] && memcmp(hay.p + i, needle.p, needle.n) == 0)
                return (long long)i;
    } else {
        for (size_t i = hay.n - needle.n + 1; i-- > 0;)
            if (hay.p[i] == needle.p[0] && memcmp(hay.p + i, needle.p, needle.n) == 0)
                return (long long)i;
    }
    return -1;
}

void pystr_escape_html(wick_buf *b, const char *s, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&#34;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep) {
            wick_buf_append(b, s + start, i - start);
            wick_buf_puts(b, rep);
            start = i + 1;
        }
    }
    wick_buf_append(b, s + start, n - start);
}
