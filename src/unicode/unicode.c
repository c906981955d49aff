/* UTF-8 coding, category lookups, NFC/NFD and GPT-2's byte map over the
 * generated tables in unicode_data.c. */
#include "unicode/unicode.h"

#include "unicode/unicode_tables.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- UTF-8 */

size_t utf8_decode(const char *str, size_t n, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)str;
    *cp = UTF8_INVALID;
    if (n == 0) return 0;
    unsigned b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    /* Well-formed sequences per the Unicode Standard, table 3-7: the
     * allowed range of the second byte depends on the first. */
    unsigned lo = 0x80, hi = 0xBF;
    size_t len;
    uint32_t v;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        v = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        v = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F; /* no surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        v = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F; /* <= U+10FFFF */
    } else {
        return 1;
    }
    if (n < len) return 1;
    if (s[1] < lo || s[1] > hi) return 1;
    v = (v << 6) | (s[1] & 0x3F);
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 1;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

size_t utf8_encode(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

bool utf8_validate(const char *s, size_t n, size_t *bad_offset) {
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (cp == UTF8_INVALID) {
            if (bad_offset) *bad_offset = i;
            return false;
        }
        i += k;
    }
    return true;
}

/* ------------------------------------------------------ general category */

static inline unsigned gc_byte(uint32_t cp) {
    if (cp >= 0x110000) return UC_CN;
    unsigned lo = unicode_gc_lo, hi = unicode_gc_hi;
    unsigned block = unicode_gc_mid[((unsigned)unicode_gc_top[cp >> (lo + hi)] << hi) +
                                    ((cp >> lo) & ((1u << hi) - 1))];
    return unicode_gc_data[((size_t)block << lo) + (cp & ((1u << lo) - 1))];
}

unicode_gc unicode_category(uint32_t cp) { return (unicode_gc)(gc_byte(cp) & 0x1F); }

unsigned unicode_category_ws(uint32_t cp) { return gc_byte(cp); }

const char *unicode_category_name(unicode_gc gc) {
    static const char names[UC_COUNT][3] = {"Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc",
                                            "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
                                            "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs",
                                            "Zl", "Zp", "Cc", "Cf", "Cs", "Co"};
    return (unsigned)gc < UC_COUNT ? names[gc] : "??";
}

static const uint16_t gc_flags[UC_COUNT] = {
    [UC_CN] = UNICODE_OTHER,
    [UC_LU] = UNICODE_LETTER, [UC_LL] = UNICODE_LETTER, [UC_LT] = UNICODE_LETTER,
    [UC_LM] = UNICODE_LETTER, [UC_LO] = UNICODE_LETTER,
    [UC_MN] = UNICODE_MARK, [UC_MC] = UNICODE_MARK, [UC_ME] = UNICODE_MARK,
    [UC_ND] = UNICODE_NUMBER | UNICODE_ND, [UC_NL] = UNICODE_NUMBER, [UC_NO] = UNICODE_NUMBER,
    [UC_PC] = UNICODE_PUNCT, [UC_PD] = UNICODE_PUNCT, [UC_PS] = UNICODE_PUNCT,
    [UC_PE] = UNICODE_PUNCT, [UC_PI] = UNICODE_PUNCT, [UC_PF] = UNICODE_PUNCT,
    [UC_PO] = UNICODE_PUNCT,
    [UC_SM] = UNICODE_SYMBOL, [UC_SC] = UNICODE_SYMBOL, [UC_SK] = UNICODE_SYMBOL,
    [UC_SO] = UNICODE_SYMBOL,
    [UC_ZS] = UNICODE_SEPARATOR, [UC_ZL] = UNICODE_SEPARATOR, [UC_ZP] = UNICODE_SEPARATOR,
    [UC_CC] = UNICODE_OTHER, [UC_CF] = UNICODE_OTHER, [UC_CS] = UNICODE_OTHER,
    [UC_CO] = UNICODE_OTHER,
};

unsigned unicode_flags(uint32_t cp) {
    if (cp >= 0x110000) return 0;
    unsigned b = gc_byte(cp);
    return gc_flags[b & 0x1F] | ((b & 0x20) ? UNICODE_WHITESPACE : 0u);
}

/* ---------------------------------------------------------- normalization */

#define S_BASE 0xAC00u
#define L_BASE 0x1100u
#define V_BASE 0x1161u
#define T_BASE 0x11A7u
#define L_COUNT 19u
#define V_COUNT 21u
#define T_COUNT 28u
#define N_COUNT (V_COUNT * T_COUNT)
#define S_COUNT (L_COUNT * N_COUNT)

static inline unsigned norm_props(uint32_t cp) {
    if (cp >= 0x110000) return 0;
    unsigned lo = unicode_norm_lo, hi = unicode_norm_hi;
    unsigned block = unicode_norm_mid[((unsigned)unicode_norm_top[cp >> (lo + hi)] << hi) +
                                      ((cp >> lo) & ((1u << hi) - 1))];
    return unicode_norm_data[((size_t)block << lo) + (cp & ((1u << lo) - 1))];
}

uint8_t unicode_ccc(uint32_t cp) { return (uint8_t)(norm_props(cp) & UNORM_CCC_MASK); }

static const unicode_decomp_entry *find_decomp(uint32_t cp) {
    size_t lo = 0, hi = unicode_decomp_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t v = unicode_decomp_entries[mid].cp;
        if (v == cp) return &unicode_decomp_entries[mid];
        if (v < cp) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static uint32_t compose_pair(uint32_t a, uint32_t b) {
    if (a - L_BASE < L_COUNT && b - V_BASE < V_COUNT)
        return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT;
    if (a - S_BASE < S_COUNT && (a - S_BASE) % T_COUNT == 0 && b - T_BASE - 1 < T_COUNT - 1)
        return a + (b - T_BASE);
    size_t lo = 0, hi = unicode_comp_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unicode_comp_pair *p = &unicode_comp_pairs[mid];
        if (p->first == a && p->second == b) return p->composite;
        if (p->first < a || (p->first == a && p->second < b)) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

/* Code points of one chunk being normalized, with their ccc. */
typedef struct cpbuf {
    uint32_t *cp;
    uint8_t *ccc;
    uint32_t *tmp_cp; /* merge-sort scratch */
    uint8_t *tmp_ccc;
    size_t n, cap;
    bool failed;
} cpbuf;

static bool cpbuf_push(cpbuf *b, uint32_t cp, uint8_t ccc) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        uint32_t *c = realloc(b->cp, cap * sizeof *c);
        if (c) b->cp = c;
        uint8_t *k = realloc(b->ccc, cap);
        if (k) b->ccc = k;
        uint32_t *tc = realloc(b->tmp_cp, cap * sizeof *tc);
        if (tc) b->tmp_cp = tc;
        uint8_t *tk = realloc(b->tmp_ccc, cap);
        if (tk) b->tmp_ccc = tk;
        if (!c || !k || !tc || !tk) {
            b->failed = true;
            return false;
        }
        b->cap = cap;
    }
    b->cp[b->n] = cp;
    b->ccc[b->n] = ccc;
    b->n++;
    return true;
}

static void cpbuf_free(cpbuf *b) {
    free(b->cp);
    free(b->ccc);
    free(b->tmp_cp);
    free(b->tmp_ccc);
}

/* Appends the full canonical decomposition of cp. */
static void decompose_into(cpbuf *b, uint32_t cp) {
    if (cp - S_BASE < S_COUNT) {
        uint32_t si = cp - S_BASE;
        cpbuf_push(b, L_BASE + si / N_COUNT, 0);
        cpbuf_push(b, V_BASE + (si % N_COUNT) / T_COUNT, 0);
        if (si % T_COUNT) cpbuf_push(b, T_BASE + si % T_COUNT, 0);
        return;
    }
    unsigned p = norm_props(cp);
    if (p & UNORM_HAS_DECOMP) {
        const unicode_decomp_entry *e = find_decomp(cp);
        if (e) {
            for (unsigned i = 0; i < e->len; i++) {
                uint32_t d = unicode_decomp_pool[e->off + i];
                cpbuf_push(b, d, (uint8_t)(norm_props(d) & UNORM_CCC_MASK));
            }
            return;
        }
    }
    cpbuf_push(b, cp, (uint8_t)(p & UNORM_CCC_MASK));
}

/* Stable sort of b[lo..hi) by ccc. Runs of marks are usually 1-3 long
 * (insertion sort); long adversarial runs use a merge sort so the cost
 * stays O(n log n). */
static void sort_run(cpbuf *b, size_t lo, size_t hi) {
    size_t n = hi - lo;
    if (n < 2) return;
    if (n <= 16) {
        for (size_t i = lo + 1; i < hi; i++) {
            uint32_t c = b->cp[i];
            uint8_t k = b->ccc[i];
            size_t j = i;
            while (j > lo && b->ccc[j - 1] > k) {
                b->cp[j] = b->cp[j - 1];
                b->ccc[j] = b->ccc[j - 1];
                j--;
            }
            b->cp[j] = c;
            b->ccc[j] = k;
        }
        return;
    }
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t left = lo; left < hi; left += 2 * width) {
            size_t mid = left + width < hi ? left + width : hi;
            size_t right = mid + width < hi ? mid + width : hi;
            size_t i = left, j = mid, k = left;
            while (i < mid && j < right) {
                if (b->ccc[j] < b->ccc[i]) {
                    b->tmp_cp[k] = b->cp[j];
                    b->tmp_ccc[k++] = b->ccc[j++];
                } else {
                    b->tmp_cp[k] = b->cp[i];
                    b->tmp_ccc[k++] = b->ccc[i++];
                }
            }
            while (i < mid) {
                b->tmp_cp[k] = b->cp[i];
                b->tmp_ccc[k++] = b->ccc[i++];
            }
            while (j < right) {
                b->tmp_cp[k] = b->cp[j];
                b->tmp_ccc[k++] = b->ccc[j++];
            }
        }
        memcpy(b->cp + lo, b->tmp_cp + lo, n * sizeof *b->cp);
        memcpy(b->ccc + lo, b->tmp_ccc + lo, n);
    }
}

static void canonical_order(cpbuf *b) {
    size_t i = 0;
    while (i < b->n) {
        if (b->ccc[i] == 0) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < b->n && b->ccc[j] != 0) j++;
        sort_run(b, i, j);
        i = j;
    }
}

/* Canonical composition (UAX #15), in place. */
static void compose(cpbuf *b) {
    size_t w = 0;
    size_t starter = SIZE_MAX;
    unsigned last_ccc = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t c = b->cp[i];
        unsigned cc = b->ccc[i];
        if (starter != SIZE_MAX) {
            /* Blocked when something sits between the starter and c whose
             * ccc is 0 or >= c's (marks are in canonical order, so the
             * last one decides). */
            bool adjacent = w == starter + 1;
            if (adjacent || (last_ccc != 0 && last_ccc < cc)) {
                uint32_t comp = compose_pair(b->cp[starter], c);
                if (comp) {
                    b->cp[starter] = comp;
                    continue;
                }
            }
        }
        if (cc == 0) starter = w;
        last_ccc = cc;
        b->cp[w] = c;
        b->ccc[w] = (uint8_t)cc;
        w++;
    }
    b->n = w;
}

static void flush_chunk(cpbuf *b, bool do_compose, wick_buf *out) {
    if (b->n == 0) return;
    canonical_order(b);
    if (do_compose) compose(b);
    char enc[4];
    for (size_t i = 0; i < b->n; i++) wick_buf_append(out, enc, utf8_encode(b->cp[i], enc));
    b->n = 0;
}

bool unicode_is_nfc_quick(const char *s, size_t n) {
    unsigned last_ccc = 0;
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            last_ccc = 0;
            i++;
            continue;
        }
        uint32_t cp;
        i += utf8_decode(s + i, n - i, &cp);
        unsigned p = norm_props(cp);
        unsigned cc = p & UNORM_CCC_MASK;
        if ((p >> UNORM_QC_SHIFT & 3) != 0) return false;
        if (cc != 0 && cc < last_ccc) return false;
        last_ccc = cc;
    }
    return true;
}

/* A chunk starts at a code point that nothing before it can reorder with
 * or compose into: ccc 0 and NFC quick-check "yes". Chunks that are a
 * single such code point (and, for NFD, do not decompose) are copied as
 * they are; the others are decomposed, reordered, composed. */
static wick_status normalize(const char *s, size_t n, bool do_compose, wick_buf *out,
                             wick_error *err) {
    if (do_compose && unicode_is_nfc_quick(s, n)) {
        wick_buf_append(out, s, n);
    } else {
        cpbuf b = {0};
        size_t i = 0;
        size_t chunk = 0;    /* byte offset where the current chunk starts */
        bool plain = true;   /* chunk [chunk, i) can be copied verbatim */
        while (i < n) {
            uint32_t cp;
            size_t k;
            if ((unsigned char)s[i] < 0x80) {
                cp = (unsigned char)s[i];
                k = 1;
            } else {
                k = utf8_decode(s + i, n - i, &cp);
            }
            unsigned p = cp == UTF8_INVALID ? 0 : norm_props(cp);
            unsigned cc = p & UNORM_CCC_MASK;
            /* (NFD needs no quick-check condition of its own, but ccc 0
             * alone is not enough: U+0F81 decomposes into marks.) */
            bool boundary = cp == UTF8_INVALID || (cc == 0 && (p >> UNORM_QC_SHIFT & 3) == 0);
            if (boundary) {
                /* Close the previous chunk. */
                if (plain) {
                    wick_buf_append(out, s + chunk, i - chunk);
                } else {
                    flush_chunk(&b, do_compose, out);
                }
                chunk = i;
                plain = true;
                if (cp == UTF8_INVALID) {
                    wick_buf_append(out, s + i, 1); /* passes through, blocks */
                    chunk = i + 1;
                    i++;
                    continue;
                }
                bool decomposes = (p & UNORM_HAS_DECOMP) || cp - S_BASE < S_COUNT;
                if (!do_compose && decomposes) {
                    plain = false;
                    decompose_into(&b, cp);
                }
            } else {
                if (plain) {
                    /* Re-read the chunk so far as code points. */
                    size_t j = chunk;
                    while (j < i) {
                        uint32_t c2;
                        j += utf8_decode(s + j, i - j, &c2);
                        decompose_into(&b, c2);
                    }
                    plain = false;
                }
                decompose_into(&b, cp);
            }
            i += k;
        }
        if (plain) wick_buf_append(out, s + chunk, n - chunk);
        else flush_chunk(&b, do_compose, out);
        bool failed = b.failed;
        cpbuf_free(&b);
        if (failed) out->failed = true;
    }
    if (out->failed)
        return wick_error_set(err, WICK_ERR_NOMEM, "%s: out of memory normalizing %zu bytes",
                              do_compose ? "NFC" : "NFD", n);
    return WICK_OK;
}

wick_status unicode_nfc(const char *s, size_t n, wick_buf *out, wick_error *err) {
    return normalize(s, n, true, out, err);
}

wick_status unicode_nfd(const char *s, size_t n, wick_buf *out, wick_error *err) {
    return normalize(s, n, false, out, err);
}

/* ---------------------------------------------------- GPT-2 byte mapping */

/* bytes_to_unicode() keeps '!'..'~', 0xA1..0xAC and 0xAE..0xFF and numbers
 * the other 68 bytes from U+0100 in byte order: 0x00..0x20 (33 bytes),
 * 0x7F..0xA0 (34 bytes), then 0xAD. */
uint32_t unicode_byte_to_cp(uint8_t byte) {
    if (byte <= 0x20) return 0x100u + byte;
    if (byte >= 0x7F && byte <= 0xA0) return 0x121u + (byte - 0x7Fu);
    if (byte == 0xAD) return 0x143u;
    return byte;
}

int unicode_cp_to_byte(uint32_t cp) {
    if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF))
        return (int)cp;
    if (cp >= 0x100 && cp <= 0x120) return (int)(cp - 0x100);
    if (cp >= 0x121 && cp <= 0x142) return (int)(cp - 0x121 + 0x7F);
    if (cp == 0x143) return 0xAD;
    return -1;
}

void unicode_bytes_to_bytelevel(const char *s, size_t n, wick_buf *out) {
    for (size_t i = 0; i < n; i++) {
        char enc[4];
        wick_buf_append(out, enc, utf8_encode(unicode_byte_to_cp((uint8_t)s[i]), enc));
    }
}

wick_status unicode_bytelevel_to_bytes(const char *s, size_t n, wick_buf *out, wick_error *err) {
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        int b = cp == UTF8_INVALID ? -1 : unicode_cp_to_byte(cp);
        if (b < 0) {
            if (cp == UTF8_INVALID)
                return wick_error_set(err, WICK_ERR_FORMAT,
                                      "byte-level text: invalid UTF-8 byte 0x%02X at offset %zu",
                                      (unsigned char)s[i], i);
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "byte-level text: U+%04X at byte offset %zu is not one of "
                                  "the 256 byte code points",
                                  (unsigned)cp, i);
        }
        char c = (char)b;
        wick_buf_append(out, &c, 1);
        i += k;
    }
    if (out->failed)
        return wick_error_set(err, WICK_ERR_NOMEM, "byte-level text: out of memory");
    return WICK_OK;
}
