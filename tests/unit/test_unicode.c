/* Unicode layer tests: UTF-8 coding (every code point, malformed input),
 * category tables (counts that Oniguruma in HF tokenizers reports for
 * Unicode 16.0), the GPT-2 byte map, and NFC/NFD against
 * tests/conformance/pretokenize/norm.txt (made by HF tokenizers'
 * normalizers, Unicode 9.0 tables). Run from the repo root.
 * Extra modes for tests/conformance/pretokenize.sh:
 *   --dump-categories       one line per code point: "Lu" or "Zs w" ...
 *   --normalize nfc|nfd     escaped lines on stdin -> normalized lines */
#include "test_harness.h"

#include "unicode/unicode.h"

#include <stdlib.h>

#define NORM_FIXTURE "tests/conformance/pretokenize/norm.txt"

static void test_utf8_decode(test_state *ts) {
    static const struct {
        const char *bytes;
        size_t n;
        uint32_t cp;
        size_t len;
    } cases[] = {
        {"A", 1, 'A', 1},
        {"\x00", 1, 0, 1},
        {"\xc2\x80", 2, 0x80, 2},
        {"\xdf\xbf", 2, 0x7FF, 2},
        {"\xe0\xa0\x80", 3, 0x800, 3},
        {"\xef\xbf\xbf", 3, 0xFFFF, 3},
        {"\xf0\x90\x80\x80", 4, 0x10000, 4},
        {"\xf4\x8f\xbf\xbf", 4, 0x10FFFF, 4},
        {"\xc0\x80", 2, UTF8_INVALID, 1},         /* overlong NUL */
        {"\xc1\xbf", 2, UTF8_INVALID, 1},         /* overlong */
        {"\xe0\x9f\xbf", 3, UTF8_INVALID, 1},     /* overlong 3-byte */
        {"\xf0\x8f\xbf\xbf", 4, UTF8_INVALID, 1}, /* overlong 4-byte */
        {"\xed\xa0\x80", 3, UTF8_INVALID, 1},     /* surrogate D800 */
        {"\xed\xbf\xbf", 3, UTF8_INVALID, 1},     /* surrogate DFFF */
        {"\xf4\x90\x80\x80", 4, UTF8_INVALID, 1}, /* > U+10FFFF */
        {"\xf5\x80\x80\x80", 4, UTF8_INVALID, 1},
        {"\xff", 1, UTF8_INVALID, 1},
        {"\x80", 1, UTF8_INVALID, 1},             /* stray continuation */
        {"\xc3", 1, UTF8_INVALID, 1},             /* cut short by n */
        {"\xe2\x82", 2, UTF8_INVALID, 1},
        {"\xf0\x9f\x98", 3, UTF8_INVALID, 1},
        {"\xe2\x28\xa1", 3, UTF8_INVALID, 1},     /* bad second byte */
        {"\xe2\x82\x28", 3, UTF8_INVALID, 1},     /* bad third byte */
        {"\xc3\xa9xyz", 5, 0xE9, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* Exactly n heap bytes: ASan catches a read past the end. */
        char *buf = malloc(cases[i].n);
        memcpy(buf, cases[i].bytes, cases[i].n);
        uint32_t cp = 0;
        size_t len = utf8_decode(buf, cases[i].n, &cp);
        CHECK_MSG(ts, cp == cases[i].cp && len == cases[i].len, "case %zu: got U+%X len %zu", i,
                  (unsigned)cp, len);
        free(buf);
    }
    uint32_t cp = 0;
    CHECK(ts, utf8_decode("", 0, &cp) == 0 && cp == UTF8_INVALID);
}

static void test_utf8_roundtrip(test_state *ts) {
    size_t bad = 0, encoded = 0;
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        char b[4];
        size_t n = utf8_encode(cp, b);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            bad += n != 0;
            continue;
        }
        uint32_t back;
        size_t m = utf8_decode(b, n, &back);
        bad += n == 0 || m != n || back != cp;
        encoded++;
    }
    char b[4];
    bad += utf8_encode(0x110000, b) != 0;
    bad += utf8_encode(UTF8_INVALID, b) != 0;
    printf("  utf8: %zu code points round-tripped, %zu failures\n", encoded, bad);
    CHECK(ts, bad == 0);
    size_t off = 99;
    CHECK(ts, utf8_validate("ok \xc3\xa9", 5, &off) && off == 99);
    CHECK(ts, !utf8_validate("ok\xff", 3, &off) && off == 2);
    CHECK(ts, !utf8_validate("\xe2\x82", 2, &off) && off == 0);
    CHECK(ts, utf8_validate("", 0, NULL));
}

static void test_categories(test_state *ts) {
    CHECK(ts, strcmp(UNICODE_VERSION_STRING, "16.0.0") == 0);
    CHECK(ts, strcmp(UNICODE_NORM_VERSION_STRING, "9.0.0") == 0);
    CHECK(ts, unicode_category('A') == UC_LU);
    CHECK(ts, unicode_category('z') == UC_LL);
    CHECK(ts, unicode_category(0x01C5) == UC_LT); /* Dž */
    CHECK(ts, unicode_category(0x02B0) == UC_LM);
    CHECK(ts, unicode_category(0x4E2D) == UC_LO);
    CHECK(ts, unicode_category(0x0301) == UC_MN);
    CHECK(ts, unicode_category(0x0903) == UC_MC);
    CHECK(ts, unicode_category(0x20DD) == UC_ME);
    CHECK(ts, unicode_category('7') == UC_ND);
    CHECK(ts, unicode_category(0x2162) == UC_NL);
    CHECK(ts, unicode_category(0x00B2) == UC_NO);
    CHECK(ts, unicode_category('_') == UC_PC);
    CHECK(ts, unicode_category('$') == UC_SC);
    CHECK(ts, unicode_category('+') == UC_SM);
    CHECK(ts, unicode_category(0x1F600) == UC_SO);
    CHECK(ts, unicode_category(0x00A0) == UC_ZS);
    CHECK(ts, unicode_category(0x2028) == UC_ZL);
    CHECK(ts, unicode_category(0x2029) == UC_ZP);
    CHECK(ts, unicode_category(0x0000) == UC_CC);
    CHECK(ts, unicode_category(0x200B) == UC_CF);
    CHECK(ts, unicode_category(0xD800) == UC_CS);
    CHECK(ts, unicode_category(0xE000) == UC_CO);
    CHECK(ts, unicode_category(0x0378) == UC_CN);
    CHECK(ts, unicode_category(0x110000) == UC_CN);
    CHECK(ts, unicode_category(UTF8_INVALID) == UC_CN);
    CHECK(ts, unicode_flags(UTF8_INVALID) == 0);
    /* Added in Unicode 16.0 (Garay letter) and 17.0 (Tolong Siki digit):
     * the first is a letter for Oniguruma 6.9.10, the second unassigned. */
    CHECK(ts, unicode_category(0x10D50) == UC_LU);
    CHECK(ts, unicode_category(0x11DE0) == UC_CN);
    CHECK_STR_EQ(ts, unicode_category_name(UC_LT), "Lt");
    CHECK_STR_EQ(ts, unicode_category_name(UC_CO), "Co");

    /* Whole-table counts. \p{L} \p{N} \p{M} are the sizes Oniguruma in HF
     * tokenizers 0.22 matches (measured over all code points); \s is the
     * White_Space property. */
    size_t n_l = 0, n_n = 0, n_m = 0, n_ws = 0, n_lu = 0, n_p = 0, n_s = 0;
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        unsigned f = unicode_flags(cp);
        n_l += (f & UNICODE_LETTER) != 0;
        n_n += (f & UNICODE_NUMBER) != 0;
        n_m += (f & UNICODE_MARK) != 0;
        n_ws += (f & UNICODE_WHITESPACE) != 0;
        n_p += (f & UNICODE_PUNCT) != 0;
        n_s += (f & UNICODE_SYMBOL) != 0;
        n_lu += unicode_category(cp) == UC_LU;
        /* Each code point has exactly one major class. */
        unsigned major = f & (UNICODE_LETTER | UNICODE_MARK | UNICODE_NUMBER | UNICODE_PUNCT |
                              UNICODE_SYMBOL | UNICODE_SEPARATOR | UNICODE_OTHER);
        if (major == 0 || (major & (major - 1))) {
            CHECK_MSG(ts, 0, "U+%04X has major classes %#x", (unsigned)cp, major);
            break;
        }
    }
    printf("  categories: L %zu, N %zu, M %zu, Lu %zu, P %zu, S %zu, White_Space %zu\n", n_l, n_n,
           n_m, n_lu, n_p, n_s, n_ws);
    CHECK(ts, n_l == 141028);
    CHECK(ts, n_n == 1911);
    CHECK(ts, n_m == 2501);
    CHECK(ts, n_lu == 1858);
    CHECK(ts, n_p == 855);
    CHECK(ts, n_s == 8514);
    CHECK(ts, n_ws == 25);
    static const uint32_t ws[] = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
                                  0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) CHECK(ts, unicode_is_whitespace(ws[i]));
    CHECK(ts, !unicode_is_whitespace(0x180E)); /* not White_Space since 6.3 */
    CHECK(ts, !unicode_is_whitespace(0x200B));
    CHECK(ts, !unicode_is_whitespace(0x1C));
    CHECK(ts, unicode_is_letter(0x00E9) && !unicode_is_letter(0x0301) && unicode_is_mark(0x0301));
    CHECK(ts, unicode_is_number(0x0663) && (unicode_flags(0x0663) & UNICODE_ND));
    CHECK(ts, unicode_is_number(0x2162) && !(unicode_flags(0x2162) & UNICODE_ND));
}

static void test_byte_map(test_state *ts) {
    int seen[0x200] = {0};
    size_t bad = 0;
    for (int b = 0; b < 256; b++) {
        uint32_t cp = unicode_byte_to_cp((uint8_t)b);
        if (cp >= 0x200 || seen[cp]++) bad++;
        if (unicode_cp_to_byte(cp) != b) bad++;
        /* Printable Latin-1 maps to itself, the rest above U+00FF. */
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        if (printable != (cp == (uint32_t)b)) bad++;
    }
    CHECK_MSG(ts, bad == 0, "%zu byte map errors", bad);
    CHECK(ts, unicode_byte_to_cp(' ') == 0x120);  /* 'Ġ' */
    CHECK(ts, unicode_byte_to_cp('\n') == 0x10A); /* 'Ċ' */
    CHECK(ts, unicode_byte_to_cp(0x00) == 0x100);
    CHECK(ts, unicode_byte_to_cp(0x7F) == 0x121);
    CHECK(ts, unicode_byte_to_cp(0xA0) == 0x142);
    CHECK(ts, unicode_byte_to_cp(0xAD) == 0x143);
    CHECK(ts, unicode_cp_to_byte(0x144) == -1 && unicode_cp_to_byte(0x20) == -1);
    CHECK(ts, unicode_cp_to_byte(0xAD) == -1 && unicode_cp_to_byte(0x4E2D) == -1);

    /* Round trip of all 256 bytes through the byte-level string. */
    char all[256];
    for (int b = 0; b < 256; b++) all[b] = (char)b;
    wick_buf lvl = {0}, back = {0};
    unicode_bytes_to_bytelevel(all, 256, &lvl);
    CHECK(ts, utf8_validate(lvl.data, lvl.len, NULL));
    CHECK(ts, unicode_bytelevel_to_bytes(lvl.data, lvl.len, &back, NULL) == WICK_OK);
    CHECK(ts, back.len == 256 && memcmp(back.data, all, 256) == 0);
    wick_buf_free(&back);
    wick_buf_free(&lvl);
    wick_buf t = {0};
    unicode_bytes_to_bytelevel(" hi\n", 4, &t);
    CHECK_STR_EQ(ts, t.data, "\xc4\xa0hi\xc4\x8a");
    wick_buf_free(&t);

    wick_error err;
    wick_buf o = {0};
    CHECK(ts, unicode_bytelevel_to_bytes("ab\xe4\xb8\xad", 5, &o, &err) == WICK_ERR_FORMAT);
    CHECK(ts, strstr(err.message, "U+4E2D") && strstr(err.message, "offset 2"));
    wick_buf_free(&o);
    CHECK(ts, unicode_bytelevel_to_bytes("a\xff", 2, &o, &err) == WICK_ERR_FORMAT);
    CHECK(ts, strstr(err.message, "0xFF") && strstr(err.message, "offset 1"));
    wick_buf_free(&o);
}

/* ------------------------------------------------------------ normalization */

static size_t unescape(const char *s, size_t n, char *out) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\') {
            out[w++] = '\\';
            i++;
        } else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x') {
            unsigned v = 0;
            for (int k = 2; k < 4; k++) {
                char c = s[i + k];
                v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            }
            out[w++] = (char)v;
            i += 3;
        } else {
            out[w++] = s[i];
        }
    }
    return w;
}

static bool norm_eq(wick_status (*fn)(const char *, size_t, wick_buf *, wick_error *),
                    const char *in, size_t n, const char *want, size_t wn) {
    wick_buf o = {0};
    bool ok = fn(in, n, &o, NULL) == WICK_OK && o.len == wn && (wn == 0 || memcmp(o.data, want, wn) == 0);
    wick_buf_free(&o);
    return ok;
}

static void test_norm_fixture(test_state *ts) {
    FILE *f = fopen(NORM_FIXTURE, "rb");
    CHECK_MSG(ts, f != NULL, "cannot open " NORM_FIXTURE " (run from the repo root)");
    if (!f) return;
    static char line[65536], a[65536], c[65536], d[65536];
    size_t cases = 0, bad_nfc = 0, bad_nfd = 0, bad_idem = 0, bad_quick = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\n");
        char *t1 = memchr(line, '\t', len);
        char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line)) : NULL;
        if (!t1 || !t2) {
            CHECK_MSG(ts, 0, "malformed line %zu in " NORM_FIXTURE, cases + 1);
            break;
        }
        size_t an = unescape(line, (size_t)(t1 - line), a);
        size_t cn = unescape(t1 + 1, (size_t)(t2 - t1 - 1), c);
        size_t dn = unescape(t2 + 1, len - (size_t)(t2 + 1 - line), d);
        cases++;
        if (!norm_eq(unicode_nfc, a, an, c, cn)) {
            if (++bad_nfc <= 5) fprintf(stderr, "  NFC mismatch line %zu: %.*s\n", cases, (int)(t1 - line), line);
        }
        if (!norm_eq(unicode_nfd, a, an, d, dn)) {
            if (++bad_nfd <= 5) fprintf(stderr, "  NFD mismatch line %zu: %.*s\n", cases, (int)(t1 - line), line);
        }
        /* NFC is idempotent, NFC(NFD(x)) == NFC(x), and the quick check
         * never says "yes" for text that NFC would change. */
        if (!norm_eq(unicode_nfc, c, cn, c, cn) || !norm_eq(unicode_nfc, d, dn, c, cn)) bad_idem++;
        if (unicode_is_nfc_quick(a, an) && !(an == cn && memcmp(a, c, an) == 0)) bad_quick++;
    }
    fclose(f);
    printf("  normalization fixture: %zu cases, %zu NFC mismatches, %zu NFD mismatches, "
           "%zu idempotence failures, %zu wrong quick checks\n",
           cases, bad_nfc, bad_nfd, bad_idem, bad_quick);
    CHECK(ts, cases > 1000);
    CHECK(ts, bad_nfc == 0 && bad_nfd == 0 && bad_idem == 0 && bad_quick == 0);
}

static void test_norm_cases(test_state *ts) {
    /* e + acute -> é; Hangul L V T -> one syllable; the reverse for NFD. */
    CHECK(ts, norm_eq(unicode_nfc, "e\xcc\x81", 3, "\xc3\xa9", 2));
    CHECK(ts, norm_eq(unicode_nfd, "\xc3\xa9", 2, "e\xcc\x81", 3));
    CHECK(ts, norm_eq(unicode_nfc, "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", 9, "\xea\xb0\x81", 3));
    CHECK(ts, norm_eq(unicode_nfd, "\xea\xb0\x81", 3, "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", 9));
    /* LV syllable + T jamo composes to LVT. */
    CHECK(ts, norm_eq(unicode_nfc, "\xea\xb0\x80\xe1\x86\xa8", 6, "\xea\xb0\x81", 3));
    /* Marks are reordered: dot below (220) before acute (230), then composed. */
    CHECK(ts, norm_eq(unicode_nfc, "a\xcc\x81\xcc\xa3", 5, "\xe1\xba\xa1\xcc\x81", 5));
    /* A composition exclusion (U+0958) stays decomposed; a singleton
     * (U+212B ANGSTROM) becomes U+00C5. */
    CHECK(ts, norm_eq(unicode_nfc, "\xe0\xa5\x98", 3, "\xe0\xa4\x95\xe0\xa4\xbc", 6));
    CHECK(ts, norm_eq(unicode_nfc, "\xe2\x84\xab", 3, "\xc3\x85", 2));
    /* Empty input, ASCII, and invalid bytes passing through and blocking. */
    CHECK(ts, norm_eq(unicode_nfc, "", 0, "", 0));
    CHECK(ts, norm_eq(unicode_nfc, "plain ascii", 11, "plain ascii", 11));
    CHECK(ts, norm_eq(unicode_nfc, "e\xff\xcc\x81", 4, "e\xff\xcc\x81", 4));
    CHECK(ts, norm_eq(unicode_nfd, "\xc3\xa9\xff", 3, "e\xcc\x81\xff", 4));
    CHECK(ts, norm_eq(unicode_nfc, "\xe2\x82", 2, "\xe2\x82", 2));
    CHECK(ts, unicode_is_nfc_quick("abc \xc3\xa9", 6));
    CHECK(ts, !unicode_is_nfc_quick("e\xcc\x81", 3));
    CHECK(ts, unicode_ccc(0x0301) == 230 && unicode_ccc(0x0323) == 220 && unicode_ccc('a') == 0);
    /* A long run of marks in reverse canonical order (the merge-sort path):
     * 40 x (acute 230, dot below 220) after 'q' sorts to 40 dots, 40 acutes. */
    wick_buf in = {0}, want = {0};
    wick_buf_puts(&in, "q");
    wick_buf_puts(&want, "q");
    for (int i = 0; i < 40; i++) wick_buf_puts(&in, "\xcc\x81\xcc\xa3");
    for (int i = 0; i < 40; i++) wick_buf_puts(&want, "\xcc\xa3");
    for (int i = 0; i < 40; i++) wick_buf_puts(&want, "\xcc\x81");
    CHECK(ts, norm_eq(unicode_nfd, in.data, in.len, want.data, want.len));
    CHECK(ts, norm_eq(unicode_nfc, in.data, in.len, want.data, want.len));
    wick_buf_free(&in);
    wick_buf_free(&want);
}

/* ------------------------------------------------------------ tool modes */

static int dump_categories(void) {
    for (uint32_t cp = 0; cp < 0x110000; cp++)
        printf("%s%s\n", unicode_category_name(unicode_category(cp)), unicode_is_whitespace(cp) ? " w" : "");
    return 0;
}

static int normalize_stdin(const char *form) {
    static char line[1 << 16], buf[1 << 16];
    bool nfc = strcmp(form, "nfc") == 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = unescape(line, strcspn(line, "\n"), buf);
        wick_buf o = {0};
        if ((nfc ? unicode_nfc : unicode_nfd)(buf, n, &o, NULL) != WICK_OK) return 1;
        for (size_t i = 0; i < o.len; i++) {
            unsigned char ch = (unsigned char)o.data[i];
            if (ch == '\\') fputs("\\\\", stdout);
            else if (ch < 0x20 || ch == 0x7F) printf("\\x%02X", ch);
            else putchar(ch);
        }
        putchar('\n');
        wick_buf_free(&o);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--dump-categories") == 0) return dump_categories();
    if (argc > 2 && strcmp(argv[1], "--normalize") == 0) return normalize_stdin(argv[2]);
    static const test_case cases[] = {
        TEST(test_utf8_decode), TEST(test_utf8_roundtrip), TEST(test_categories),
        TEST(test_byte_map),    TEST(test_norm_fixture),   TEST(test_norm_cases),
    };
    return test_run_all("unicode", cases, sizeof cases / sizeof cases[0], argc, argv);
}
