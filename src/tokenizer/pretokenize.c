/* Hand-written pre-tokenizer scanners: each reproduces, exactly, how Hugging
 * Face `tokenizers` splits text with the tokenizer's regex (Oniguruma,
 * leftmost-first alternation with backtracking, Split behavior "Isolated")
 * or its sequence of Split/Digits pre-tokenizers. Character classes come
 * from src/unicode (Unicode 16.0, as Oniguruma in tokenizers 0.22 sees it).
 *
 * A kind is a pipeline of stages. A stage is a matcher: given a piece
 * [start, end) and a position p, it returns the end of the regex match that
 * starts at p (the piece end is the regex's end of input, which matters for
 * `(?!\S)` and `$`), or p when nothing matches there. The driver splits the
 * piece into matches and the gaps between them, and feeds each to the next
 * stage; the last stage's pieces are emitted. No allocation: the recursion
 * depth is the number of stages. */
#include "tokenizer/pretokenize.h"

#include "unicode/unicode.h"

#include <string.h>

/* ------------------------------------------------------------ classes */

/* Character class bits used by the scanners. */
enum {
    C_L = 1u << 0,     /* \p{L} */
    C_N = 1u << 1,     /* \p{N} */
    C_WS = 1u << 2,    /* \s (White_Space) */
    C_M = 1u << 3,     /* \p{M} */
    C_P = 1u << 4,     /* \p{P} */
    C_S = 1u << 5,     /* \p{S}; also given to invalid UTF-8 bytes */
    C_LU = 1u << 6,    /* \p{Lu} or \p{Lt} */
    C_LL = 1u << 7,    /* \p{Ll} */
    C_LMO = 1u << 8,   /* \p{Lm} or \p{Lo} */
    C_CRLF = 1u << 9,  /* \r or \n */
    C_SPACE = 1u << 10 /* U+0020 (the " ?" of the regexes) */
};

/* "Upper-ish" and "lower-ish" runs of the tekken / o200k regexes:
 * [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and [\p{Ll}\p{Lm}\p{Lo}\p{M}]. */
#define C_UPPERISH (C_LU | C_LMO | C_M)
#define C_LOWERISH (C_LL | C_LMO | C_M)

static const uint16_t gc_class[UC_COUNT] = {
    [UC_LU] = C_L | C_LU, [UC_LT] = C_L | C_LU, [UC_LL] = C_L | C_LL,
    [UC_LM] = C_L | C_LMO, [UC_LO] = C_L | C_LMO,
    [UC_MN] = C_M, [UC_MC] = C_M, [UC_ME] = C_M,
    [UC_ND] = C_N, [UC_NL] = C_N, [UC_NO] = C_N,
    [UC_PC] = C_P, [UC_PD] = C_P, [UC_PS] = C_P, [UC_PE] = C_P,
    [UC_PI] = C_P, [UC_PF] = C_P, [UC_PO] = C_P,
    [UC_SM] = C_S, [UC_SC] = C_S, [UC_SK] = C_S, [UC_SO] = C_S,
};

/* ASCII classes, so prose never touches the Unicode tables. */
static const uint16_t ascii_class[128] = {
    ['\t'] = C_WS, ['\n'] = C_WS | C_CRLF, ['\v'] = C_WS, ['\f'] = C_WS,
    ['\r'] = C_WS | C_CRLF, [' '] = C_WS | C_SPACE,
    ['!'] = C_P, ['"'] = C_P, ['#'] = C_P, ['$'] = C_S, ['%'] = C_P, ['&'] = C_P,
    ['\''] = C_P, ['('] = C_P, [')'] = C_P, ['*'] = C_P, ['+'] = C_S, [','] = C_P,
    ['-'] = C_P, ['.'] = C_P, ['/'] = C_P,
    ['0'] = C_N, ['1'] = C_N, ['2'] = C_N, ['3'] = C_N, ['4'] = C_N,
    ['5'] = C_N, ['6'] = C_N, ['7'] = C_N, ['8'] = C_N, ['9'] = C_N,
    [':'] = C_P, [';'] = C_P, ['<'] = C_S, ['='] = C_S, ['>'] = C_S, ['?'] = C_P,
    ['@'] = C_P,
    ['A'] = C_L | C_LU, ['B'] = C_L | C_LU, ['C'] = C_L | C_LU, ['D'] = C_L | C_LU,
    ['E'] = C_L | C_LU, ['F'] = C_L | C_LU, ['G'] = C_L | C_LU, ['H'] = C_L | C_LU,
    ['I'] = C_L | C_LU, ['J'] = C_L | C_LU, ['K'] = C_L | C_LU, ['L'] = C_L | C_LU,
    ['M'] = C_L | C_LU, ['N'] = C_L | C_LU, ['O'] = C_L | C_LU, ['P'] = C_L | C_LU,
    ['Q'] = C_L | C_LU, ['R'] = C_L | C_LU, ['S'] = C_L | C_LU, ['T'] = C_L | C_LU,
    ['U'] = C_L | C_LU, ['V'] = C_L | C_LU, ['W'] = C_L | C_LU, ['X'] = C_L | C_LU,
    ['Y'] = C_L | C_LU, ['Z'] = C_L | C_LU,
    ['['] = C_P, ['\\'] = C_P, [']'] = C_P, ['^'] = C_S, ['_'] = C_P, ['`'] = C_S,
    ['a'] = C_L | C_LL, ['b'] = C_L | C_LL, ['c'] = C_L | C_LL, ['d'] = C_L | C_LL,
    ['e'] = C_L | C_LL, ['f'] = C_L | C_LL, ['g'] = C_L | C_LL, ['h'] = C_L | C_LL,
    ['i'] = C_L | C_LL, ['j'] = C_L | C_LL, ['k'] = C_L | C_LL, ['l'] = C_L | C_LL,
    ['m'] = C_L | C_LL, ['n'] = C_L | C_LL, ['o'] = C_L | C_LL, ['p'] = C_L | C_LL,
    ['q'] = C_L | C_LL, ['r'] = C_L | C_LL, ['s'] = C_L | C_LL, ['t'] = C_L | C_LL,
    ['u'] = C_L | C_LL, ['v'] = C_L | C_LL, ['w'] = C_L | C_LL, ['x'] = C_L | C_LL,
    ['y'] = C_L | C_LL, ['z'] = C_L | C_LL,
    ['{'] = C_P, ['|'] = C_S, ['}'] = C_P, ['~'] = C_S,
};

/* A scanner's view of the text: bytes and the current piece's end. */
typedef struct span {
    const uint8_t *s;
    size_t end;
} span;

/* Class of the character at p (< end), its length in *n and code point in
 * *cp (UTF8_INVALID for an invalid byte, which is a one-byte symbol). */
static inline unsigned char_at(const span *t, size_t p, size_t *n, uint32_t *cp) {
    uint8_t b = t->s[p];
    if (b < 0x80) {
        *n = 1;
        *cp = b;
        return ascii_class[b];
    }
    *n = utf8_decode((const char *)t->s + p, t->end - p, cp);
    if (*cp == UTF8_INVALID) return C_S;
    unsigned g = unicode_category_ws(*cp);
    return gc_class[g & 0x1F] | ((g & UNICODE_GC_WS) ? C_WS : 0u);
}

static inline unsigned class_at(const span *t, size_t p, size_t *n) {
    uint32_t cp;
    return char_at(t, p, n, &cp);
}

static inline size_t char_len(const span *t, size_t p) {
    uint32_t cp;
    if (t->s[p] < 0x80) return 1;
    return utf8_decode((const char *)t->s + p, t->end - p, &cp);
}

/* Classes other than \s, \p{L}, \p{N} ([^\s\p{L}\p{N}], "other") are
 * written as run(..., C_ALL, C_WS | C_L | C_N): C_ALL as `any` accepts
 * every character, including controls that have no class bit. */
#define C_ALL 0xFFFFu

/* End of the run of characters from p whose class has any bit of `any`
 * (or any class at all, for C_ALL) and none of `none`. *last receives the
 * start of the run's last character (p if the run is empty). */
static inline size_t run_last(const span *t, size_t p, unsigned any, unsigned none,
                              size_t *last) {
    size_t l = p;
    while (p < t->end) {
        uint8_t b = t->s[p];
        if (b < 0x80) {
            unsigned c = ascii_class[b];
            if ((any != C_ALL && !(c & any)) || (c & none)) break;
            l = p++;
            continue;
        }
        size_t n;
        unsigned c = class_at(t, p, &n);
        if ((any != C_ALL && !(c & any)) || (c & none)) break;
        l = p;
        p += n;
    }
    *last = l;
    return p;
}

static inline size_t run(const span *t, size_t p, unsigned any, unsigned none) {
    size_t last;
    return run_last(t, p, any, none, &last);
}

/* The English contractions at p (which holds '\''): 's 't 're 've 'm 'll 'd.
 * Returns the match end, or p. With `nocase`, as (?i:...) in Oniguruma,
 * which also folds U+017F LATIN SMALL LETTER LONG S to 's'. */
static size_t contraction(const span *t, size_t p, bool nocase) {
    const uint8_t *s = t->s;
    if (p + 1 >= t->end || s[p] != '\'') return p;
    uint8_t c = s[p + 1];
    uint8_t c2 = p + 2 < t->end ? s[p + 2] : 0;
    if (nocase) {
        if (c == 0xC5 && c2 == 0xBF) return p + 3; /* 'ſ */
        if (c >= 'A' && c <= 'Z') c = (uint8_t)(c + 32);
        if (c2 >= 'A' && c2 <= 'Z') c2 = (uint8_t)(c2 + 32);
    }
    switch (c) {
    case 's': case 't': case 'm': case 'd':
        return p + 2;
    case 'r': case 'v':
        return c2 == 'e' ? p + 3 : p;
    case 'l':
        return c2 == 'l' ? p + 3 : p;
    default:
        return p;
    }
}

/* The shared whitespace tail of the regexes, at p holding \s:
 *   [with_crlf]  \s*[\r\n]+   (ends after the run's last \r or \n)
 *   \s+(?!\S)                 (the run, less its last character when a
 *                              non-space follows)
 *   \s+ */
static size_t whitespace_tail(const span *t, size_t p, bool with_crlf) {
    size_t last;
    size_t q = run_last(t, p, C_WS, 0, &last);
    if (with_crlf) {
        /* \s* backtracks from the end of the run to its last \r or \n;
         * [\r\n]+ then takes just that one (a following \r/\n would have
         * been later in the run). */
        for (size_t i = q; i > p; i--) {
            if (t->s[i - 1] == '\r' || t->s[i - 1] == '\n') return i;
        }
    }
    if (q == t->end) return q;
    if (last > p) return last;
    return q;
}

/* ------------------------------------------------------------ matchers */

typedef size_t (*matcher)(const span *t, size_t p);

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t match_gpt2(const span *t, size_t p) {
    size_t q = contraction(t, p, false);
    if (q > p) return q;
    size_t n0;
    unsigned c0 = class_at(t, p, &n0);
    size_t start = p;
    unsigned c = c0;
    if ((c0 & C_SPACE) && p + 1 < t->end) {
        size_t n1;
        unsigned c1 = class_at(t, p + 1, &n1);
        if (!(c1 & C_WS)) { /* one of the three " ?" alternatives takes it */
            start = p + 1;
            c = c1;
        }
    }
    if (c & C_L) return run(t, start, C_L, 0);
    if (c & C_N) return run(t, start, C_N, 0);
    if (!(c & C_WS)) return run(t, start, C_ALL, C_WS | C_L | C_N);
    return whitespace_tail(t, p, false);
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
 * | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * (llama3; qwen2 has \p{N} for \p{N}{1,3}; qwen35 has [\p{L}\p{M}]+ for
 * \p{L}+ and [^\s\p{L}\p{M}\p{N}] for [^\s\p{L}\p{N}]). */
static inline size_t match_llama3_like(const span *t, size_t p, int max_digits, bool marks) {
    size_t q = contraction(t, p, true);
    if (q > p) return q;
    unsigned letters = marks ? (C_L | C_M) : C_L;
    size_t n0;
    unsigned c0 = class_at(t, p, &n0);
    /* [^\r\n\p{L}\p{N}]?\p{L}+ */
    if (!(c0 & (C_CRLF | C_L | C_N)) && p + n0 < t->end) {
        size_t n1;
        if (class_at(t, p + n0, &n1) & letters) return run(t, p + n0, letters, 0);
    }
    if (c0 & letters) return run(t, p, letters, 0);
    if (c0 & C_N) {
        q = p;
        for (int k = 0; k < max_digits && q < t->end; k++) {
            size_t n;
            if (!(class_at(t, q, &n) & C_N)) break;
            q += n;
        }
        return q;
    }
    /* ` ?[^\s\p{L}\p{N}]+[\r\n]*` */
    unsigned other_none = C_WS | letters | C_N;
    size_t start = p;
    unsigned c = c0;
    if ((c0 & C_SPACE) && p + 1 < t->end) {
        size_t n1;
        unsigned c1 = class_at(t, p + 1, &n1);
        if (!(c1 & other_none)) {
            start = p + 1;
            c = c1;
        }
    }
    if (!(c & other_none)) {
        q = run(t, start, C_ALL, other_none);
        return run(t, q, C_CRLF, 0);
    }
    /* Only \s is left. */
    return whitespace_tail(t, p, true);
}

static size_t match_llama3(const span *t, size_t p) { return match_llama3_like(t, p, 3, false); }
static size_t match_qwen2(const span *t, size_t p) { return match_llama3_like(t, p, 1, false); }
static size_t match_qwen35(const span *t, size_t p) { return match_llama3_like(t, p, 1, true); }

/* Tekken and o200k letter runs, at p (after the optional prefix):
 *   alternative A: [UPPERISH]*[LOWERISH]+
 *   alternative B: [UPPERISH]+[LOWERISH]*
 * Returns the end of A (or p when A fails) in *a and of B in *b. */
static void case_runs(const span *t, size_t p, size_t *a, size_t *b) {
    size_t u_end = run(t, p, C_UPPERISH, 0);
    size_t w_end = run(t, u_end, C_LOWERISH, 0);
    *b = u_end > p ? w_end : p;
    if (w_end > u_end) {
        *a = w_end;
        return;
    }
    /* [UPPERISH]* gives back characters until [LOWERISH]+ can take one:
     * the match ends after the last lower-ish character of the run. */
    *a = p;
    size_t i = p;
    while (i < u_end) {
        size_t n;
        unsigned c = class_at(t, i, &n);
        if (c & C_LOWERISH) *a = i + n;
        i += n;
    }
}

/* Shared by tekken and o200k: the two letter alternatives with the
 * optional [^\r\n\p{L}\p{N}] prefix (tried with it first), each followed
 * by an optional contraction when `contractions`. */
static size_t case_letters(const span *t, size_t p, bool contractions) {
    size_t n0;
    unsigned c0 = class_at(t, p, &n0);
    bool prefix = !(c0 & (C_CRLF | C_L | C_N));
    size_t a_with = p, b_with = p, a_without, b_without;
    if (prefix && p + n0 < t->end) case_runs(t, p + n0, &a_with, &b_with);
    case_runs(t, p, &a_without, &b_without);
    size_t q = p;
    if (a_with > p + n0 && prefix) q = a_with;
    else if (a_without > p) q = a_without;
    else if (b_with > p + n0 && prefix) q = b_with;
    else if (b_without > p) q = b_without;
    if (q > p && contractions) q = contraction(t, q, true);
    return q;
}

/* [^\r\n\p{L}\p{N}]?[UPPERISH]*[LOWERISH]+|[^\r\n\p{L}\p{N}]?[UPPERISH]+[LOWERISH]*
 * |\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+  (and the o200k
 * variant: contractions after the letters, \p{N}{1,3}) */
static inline size_t match_case_split(const span *t, size_t p, int max_digits, bool contractions) {
    size_t q = case_letters(t, p, contractions);
    if (q > p) return q;
    size_t n0;
    unsigned c0 = class_at(t, p, &n0);
    if (c0 & C_N) {
        q = p;
        for (int k = 0; k < max_digits && q < t->end; k++) {
            size_t n;
            if (!(class_at(t, q, &n) & C_N)) break;
            q += n;
        }
        return q;
    }
    size_t start = p;
    unsigned c = c0;
    if ((c0 & C_SPACE) && p + 1 < t->end) {
        size_t n1;
        unsigned c1 = class_at(t, p + 1, &n1);
        if (!(c1 & (C_WS | C_L | C_N))) {
            start = p + 1;
            c = c1;
        }
    }
    if (!(c & (C_WS | C_L | C_N))) {
        q = run(t, start, C_ALL, C_WS | C_L | C_N);
        while (q < t->end && (t->s[q] == '\r' || t->s[q] == '\n' || t->s[q] == '/')) q++;
        return q;
    }
    if (c0 & C_WS) return whitespace_tail(t, p, true);
    return p; /* a letter that no alternative takes (cannot happen) */
}

static size_t match_tekken(const span *t, size_t p) { return match_case_split(t, p, 1, false); }
static size_t match_gpt4o(const span *t, size_t p) { return match_case_split(t, p, 3, true); }

/* Digits(individual_digits=true): each character for which Rust's
 * char::is_numeric holds, on its own. That is \p{N}, but of the Unicode
 * version of the Rust toolchain that built tokenizers: 17.0 for the pinned
 * 0.23.3 (0.22.1 was 16.0), which adds the Tolong Siki digits and three
 * Yangqin numerals to the Unicode 16.0 tables used everywhere else. */
static size_t match_digit(const span *t, size_t p) {
    size_t n;
    uint32_t cp;
    if (char_at(t, p, &n, &cp) & C_N) return p + n;
    if ((cp >= 0x11DE0 && cp <= 0x11DE9) || (cp >= 0x16FF4 && cp <= 0x16FF6)) return p + n;
    return p;
}

/* \p{N}{1,3} */
static size_t match_digits3(const span *t, size_t p) {
    size_t q = p;
    for (int k = 0; k < 3 && q < t->end; k++) {
        size_t n;
        if (!(class_at(t, q, &n) & C_N)) break;
        q += n;
    }
    return q;
}

/* Code point ranges, sorted, for the explicit classes of DeepSeek's regexes. */
typedef struct cp_range {
    uint32_t lo, hi;
} cp_range;

static bool in_ranges(const cp_range *r, size_t n, uint32_t cp) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid].lo) hi = mid;
        else if (cp > r[mid].hi) lo = mid + 1;
        else return true;
    }
    return false;
}

/* End of the run of code points in `r` from p. */
static size_t run_ranges(const span *t, size_t p, const cp_range *r, size_t nr) {
    while (p < t->end) {
        size_t n;
        uint32_t cp;
        char_at(t, p, &n, &cp);
        if (cp == UTF8_INVALID || !in_ranges(r, nr, cp)) break;
        p += n;
    }
    return p;
}

/* \s?[RANGES]+ */
static size_t match_ws_opt_ranges(const span *t, size_t p, const cp_range *r, size_t nr) {
    size_t n0;
    uint32_t cp0;
    unsigned c0 = char_at(t, p, &n0, &cp0);
    if ((c0 & C_WS) && p + n0 < t->end) {
        size_t q = run_ranges(t, p + n0, r, nr);
        if (q > p + n0) return q;
    }
    return run_ranges(t, p, r, nr);
}

/* DeepSeek LLM's letter class: cased letters, as the regex in its
 * tokenizer.json lists them. (llama.cpp's copy of this class went through
 * NFC, which turned U+1F7D, U+1FD3, U+1FDB, U+1FBE, U+2126 and U+212A into
 * other letters; these are the original code points.) */
static const cp_range ds_letters[] = {
    {0x41, 0x5A}, {0x61, 0x7A}, {0xB5, 0xB5}, {0xC0, 0xD6}, {0xD8, 0xF6},
    {0xF8, 0x1BA}, {0x1BC, 0x1BF}, {0x1C4, 0x293}, {0x295, 0x2AF}, {0x370, 0x373},
    {0x376, 0x377}, {0x37B, 0x37D}, {0x37F, 0x37F}, {0x386, 0x386}, {0x388, 0x38A},
    {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481}, {0x48A, 0x52F},
    {0x531, 0x556}, {0x10A0, 0x10C5}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD},
    {0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF}, {0x1D00, 0x1D2B}, {0x1D6B, 0x1D77},
    {0x1D79, 0x1D9A}, {0x1E00, 0x1F15}, {0x1F18, 0x1F1D}, {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC},
    {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113}, {0x2115, 0x2115},
    {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128},
    {0x212A, 0x212D}, {0x212F, 0x2134}, {0x2139, 0x2139}, {0x213C, 0x213F},
    {0x2145, 0x2149}, {0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2C7B},
    {0x2C7E, 0x2CE4}, {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3}, {0xA640, 0xA66D},
    {0xA680, 0xA69B}, {0xA722, 0xA76F}, {0xA771, 0xA787}, {0xA78B, 0xA78E},
    {0xAB70, 0xABBF}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A}, {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
};

/* [!-/:-~！-／：-～‘-‟　-。] */
static const cp_range ds_punct[] = {
    {0x21, 0x2F}, {0x3A, 0x7E}, {0x2018, 0x201F}, {0x3000, 0x3002},
    {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E},
};

/* [一-龥ࠀ-一가-퟿] */
static const cp_range ds_cjk[] = {{0x800, 0x9FA5}, {0xAC00, 0xD7FF}};

/* DeepSeek-V3's [一-龥぀-ゟ゠-ヿ] */
static const cp_range ds3_cjk[] = {{0x3040, 0x30FF}, {0x4E00, 0x9FA5}};

#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* [\r\n] */
static size_t match_crlf(const span *t, size_t p) {
    return (t->s[p] == '\r' || t->s[p] == '\n') ? p + 1 : p;
}

static size_t match_ds_letters(const span *t, size_t p) {
    return match_ws_opt_ranges(t, p, ds_letters, NR(ds_letters));
}

static size_t match_ds_punct(const span *t, size_t p) {
    return match_ws_opt_ranges(t, p, ds_punct, NR(ds_punct));
}

/* \s+$ : the piece's trailing whitespace (pieces here hold no \n but a
 * lone one, so Oniguruma's end-of-line $ only matches at the end). */
static size_t match_trailing_ws(const span *t, size_t p) {
    size_t n;
    if (!(class_at(t, p, &n) & C_WS)) return p;
    size_t q = run(t, p, C_WS, 0);
    return q == t->end ? q : p;
}

/* Where \s+$ can match next after failing at p: not inside the same run
 * (that would rescan it once per character). */
static size_t skip_trailing_ws(const span *t, size_t p) {
    size_t n;
    if (!(class_at(t, p, &n) & C_WS)) return p + n;
    return run(t, p, C_WS, 0);
}

static size_t match_ds_cjk(const span *t, size_t p) {
    return run_ranges(t, p, ds_cjk, NR(ds_cjk));
}

static size_t match_ds3_cjk(const span *t, size_t p) {
    return run_ranges(t, p, ds3_cjk, NR(ds3_cjk));
}

/* [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
 * | ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static size_t match_ds3_main(const span *t, size_t p) {
    const uint8_t *s = t->s;
    uint8_t b = s[p];
    if (b < 0x80 && (ascii_class[b] & (C_P | C_S)) && p + 1 < t->end) {
        size_t q = p + 1;
        while (q < t->end && ((s[q] | 0x20) >= 'a' && (s[q] | 0x20) <= 'z')) q++;
        if (q > p + 1) return q;
    }
    size_t n0;
    unsigned c0 = class_at(t, p, &n0);
    if (!(c0 & (C_CRLF | C_L | C_P | C_S)) && p + n0 < t->end) {
        size_t n1;
        if (class_at(t, p + n0, &n1) & (C_L | C_M)) return run(t, p + n0, C_L | C_M, 0);
    }
    if (c0 & (C_L | C_M)) return run(t, p, C_L | C_M, 0);
    size_t start = p;
    unsigned c = c0;
    if ((c0 & C_SPACE) && p + 1 < t->end) {
        size_t n1;
        unsigned c1 = class_at(t, p + 1, &n1);
        if (c1 & (C_P | C_S)) {
            start = p + 1;
            c = c1;
        }
    }
    if (c & (C_P | C_S)) {
        size_t q = run(t, start, C_P | C_S, 0);
        return run(t, q, C_CRLF, 0);
    }
    if (c0 & C_WS) return whitespace_tail(t, p, true);
    return p; /* digits, controls, unassigned ...: no alternative matches */
}

/* ------------------------------------------------------------ pipelines */

/* A stage: its matcher, the ASCII bytes at which a match can start (bit b
 * of ascii[b >> 6]; the driver skips the others without a call), and
 * optionally where to look next after a failed match at p (default: the
 * next character). */
typedef struct stage {
    matcher match;
    uint64_t ascii[2];
    size_t (*skip)(const span *t, size_t p);
} stage;

#define ANY_ASCII {~0ULL, ~0ULL}
#define DIGIT_ASCII {0x03FF000000000000ULL, 0}             /* 0-9 */
#define CRLF_ASCII {0x0000000000002400ULL, 0}              /* \r \n */
#define WS_ASCII {0x0000000100003E00ULL, 0}                /* \t-\r, space */
#define NO_ASCII {0, 0}
#define DS_LETTER_ASCII {0x0000000100003E00ULL, 0x07FFFFFE07FFFFFEULL} /* \s, A-Z, a-z */
#define DS_PUNCT_ASCII {0xFC00FFFF00003E00ULL, 0x7FFFFFFFFFFFFFFFULL}  /* \s, !-/, :-~ */

typedef struct pipeline {
    const stage *stages;
    int n;
} pipeline;

static const stage st_gpt2[] = {{match_gpt2, ANY_ASCII, NULL}};
static const stage st_llama3[] = {{match_llama3, ANY_ASCII, NULL}};
static const stage st_qwen2[] = {{match_qwen2, ANY_ASCII, NULL}};
static const stage st_qwen35[] = {{match_qwen35, ANY_ASCII, NULL}};
static const stage st_smollm[] = {{match_digit, DIGIT_ASCII, NULL},
                                  {match_gpt2, ANY_ASCII, NULL}};
/* DeepSeek LLM's tokenizer.json: Split [\r\n], Split \s?[letters]+,
 * Split \s?[punct]+, Split \s+$, Split [CJK]+, Digits(individual). */
static const stage st_deepseek_llm[] = {
    {match_crlf, CRLF_ASCII, NULL},
    {match_ds_letters, DS_LETTER_ASCII, NULL},
    {match_ds_punct, DS_PUNCT_ASCII, NULL},
    {match_trailing_ws, WS_ASCII, skip_trailing_ws},
    {match_ds_cjk, NO_ASCII, NULL},
    {match_digit, DIGIT_ASCII, NULL},
};
/* DeepSeek-V3's: Split \p{N}{1,3}, Split [CJK kana]+, Split (main regex). */
static const stage st_deepseek3[] = {
    {match_digits3, DIGIT_ASCII, NULL},
    {match_ds3_cjk, NO_ASCII, NULL},
    {match_ds3_main, ANY_ASCII, NULL},
};
static const stage st_tekken[] = {{match_tekken, ANY_ASCII, NULL}};
static const stage st_gpt4o[] = {{match_gpt4o, ANY_ASCII, NULL}};

static pipeline pipeline_of(pretok_kind kind) {
    switch (kind) {
    case PRETOK_GPT2: return (pipeline){st_gpt2, 1};
    case PRETOK_LLAMA3: return (pipeline){st_llama3, 1};
    case PRETOK_QWEN2: return (pipeline){st_qwen2, 1};
    case PRETOK_QWEN35: return (pipeline){st_qwen35, 1};
    case PRETOK_SMOLLM: return (pipeline){st_smollm, 2};
    case PRETOK_DEEPSEEK_LLM: return (pipeline){st_deepseek_llm, (int)NR(st_deepseek_llm)};
    case PRETOK_DEEPSEEK3: return (pipeline){st_deepseek3, (int)NR(st_deepseek3)};
    case PRETOK_TEKKEN: return (pipeline){st_tekken, 1};
    case PRETOK_GPT4O: return (pipeline){st_gpt4o, 1};
    case PRETOK_NONE:
    case PRETOK_COUNT:
    default: return (pipeline){NULL, 0};
    }
}

typedef struct driver {
    const uint8_t *s;
    pipeline pl;
    pretok_emit_fn emit;
    void *ctx;
} driver;

/* Splits [start, end) with stage k (Split, behavior Isolated: matches and
 * the gaps between them are pieces) and passes each piece on. */
static void split(const driver *d, int k, size_t start, size_t end) {
    if (k == d->pl.n) {
        d->emit(d->ctx, start, end - start);
        return;
    }
    span t = {d->s, end};
    const stage *st = &d->pl.stages[k];
    size_t gap = start, p = start;
    while (p < end) {
        uint8_t b = d->s[p];
        if (b < 0x80 && !((st->ascii[b >> 6] >> (b & 63)) & 1)) {
            p++;
            continue;
        }
        size_t q = st->match(&t, p);
        if (q > p) {
            if (gap < p) split(d, k + 1, gap, p);
            split(d, k + 1, p, q);
            p = gap = q;
        } else {
            p = st->skip ? st->skip(&t, p) : p + char_len(&t, p);
        }
    }
    if (gap < end) split(d, k + 1, gap, end);
}

void pretokenize(pretok_kind kind, const char *text, size_t len, pretok_emit_fn emit, void *ctx) {
    if (len == 0) return;
    driver d = {(const uint8_t *)text, pipeline_of(kind), emit, ctx};
    split(&d, 0, 0, len);
}

/* ------------------------------------------------------------ names */

typedef struct pretok_alias {
    const char *name;
    pretok_kind kind;
} pretok_alias;

/* tokenizer.ggml.pre values, grouped the way llama.cpp's llama-vocab.cpp
 * maps them onto one regex list. */
static const pretok_alias aliases[] = {
    {"gpt2", PRETOK_GPT2}, {"gpt-2", PRETOK_GPT2}, {"phi-2", PRETOK_GPT2},
    {"jina-es", PRETOK_GPT2}, {"jina-de", PRETOK_GPT2}, {"gigachat", PRETOK_GPT2},
    {"jina-v2-es", PRETOK_GPT2}, {"jina-v2-de", PRETOK_GPT2}, {"a.x-4.0", PRETOK_GPT2},
    {"mellum", PRETOK_GPT2}, {"modern-bert", PRETOK_GPT2}, {"jina-v1-en", PRETOK_GPT2},
    {"jina-v2-code", PRETOK_GPT2}, {"roberta-bpe", PRETOK_GPT2}, {"mpt", PRETOK_GPT2},
    {"olmo", PRETOK_GPT2}, {"jais", PRETOK_GPT2}, {"trillion", PRETOK_GPT2},
    {"granite-docling", PRETOK_GPT2}, {"exaone4", PRETOK_GPT2},
    {"llama3", PRETOK_LLAMA3}, {"llama-v3", PRETOK_LLAMA3}, {"llama-bpe", PRETOK_LLAMA3},
    {"falcon3", PRETOK_LLAMA3}, {"falcon-h1", PRETOK_LLAMA3}, {"pixtral", PRETOK_LLAMA3},
    {"midm-2.0", PRETOK_LLAMA3}, {"lfm2", PRETOK_LLAMA3}, {"jina-v5-nano", PRETOK_LLAMA3},
    {"dbrx", PRETOK_LLAMA3}, {"smaug-bpe", PRETOK_LLAMA3}, {"glm4", PRETOK_LLAMA3},
    {"chatglm-bpe", PRETOK_LLAMA3},
    {"qwen2", PRETOK_QWEN2}, {"deepseek-r1-qwen", PRETOK_QWEN2}, {"kormo", PRETOK_QWEN2},
    {"f2llmv2", PRETOK_QWEN2}, {"megrez", PRETOK_QWEN2}, {"stablelm2", PRETOK_QWEN2},
    {"hunyuan", PRETOK_QWEN2}, {"solar-open", PRETOK_QWEN2}, {"grok-2", PRETOK_QWEN2},
    {"qwen35", PRETOK_QWEN35},
    {"smollm", PRETOK_SMOLLM}, {"starcoder", PRETOK_SMOLLM}, {"refact", PRETOK_SMOLLM},
    {"command-r", PRETOK_SMOLLM}, {"codeshell", PRETOK_SMOLLM}, {"exaone", PRETOK_SMOLLM},
    {"minerva-7b", PRETOK_SMOLLM}, {"mellum2", PRETOK_SMOLLM},
    {"deepseek-llm", PRETOK_DEEPSEEK_LLM},
    {"deepseek-v3", PRETOK_DEEPSEEK3}, {"hunyuan-dense", PRETOK_DEEPSEEK3},
    {"joyai-llm", PRETOK_DEEPSEEK3}, {"hy_v4", PRETOK_DEEPSEEK3},
    {"tekken", PRETOK_TEKKEN},
    {"gpt-4o", PRETOK_GPT4O}, {"llama4", PRETOK_GPT4O}, {"kanana2", PRETOK_GPT4O},
    {"talkie", PRETOK_GPT4O}, {"minimax-m2", PRETOK_GPT4O},
};

int pretok_kind_from_name(const char *name, size_t len) {
    if (!name) return -1;
    for (size_t i = 0; i < NR(aliases); i++) {
        size_t n = strlen(aliases[i].name);
        if (n == len && memcmp(aliases[i].name, name, n) == 0) return (int)aliases[i].kind;
    }
    return -1;
}
