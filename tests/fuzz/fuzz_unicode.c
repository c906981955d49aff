/* libFuzzer target for the Unicode layer and the pre-tokenizers. Each
 * input (arbitrary bytes, often not UTF-8) goes through every pre-tokenizer
 * kind, NFC/NFD and the byte-level map; the promises are checked:
 * pieces tile the input in order with no empty piece, NFC is idempotent and
 * agrees with NFC(NFD(x)), a quick-check "yes" means NFC leaves the text
 * alone, invalid bytes survive normalization, and byte-level text maps
 * back to the input. Violations abort. */
#include "tokenizer/pretokenize.h"
#include "unicode/unicode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)                 \
    do {                              \
        if (!(cond)) __builtin_trap(); \
    } while (0)

typedef struct tiling {
    size_t next, count;
} tiling;

static void check_piece(void *ctx, size_t start, size_t len) {
    tiling *t = ctx;
    REQUIRE(start == t->next && len > 0);
    t->next = start + len;
    t->count++;
}

static size_t count_invalid(const char *s, size_t n) {
    size_t bad = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        i += utf8_decode(s + i, n - i, &cp);
        bad += cp == UTF8_INVALID;
    }
    return bad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exact-size heap copy, so ASan sees any read past the end. */
    char *s = malloc(size ? size : 1);
    if (!s) return 0;
    if (size) memcpy(s, data, size);

    for (int kind = 0; kind < PRETOK_COUNT; kind++) {
        tiling t = {0, 0};
        pretokenize((pretok_kind)kind, s, size, check_piece, &t);
        REQUIRE(t.next == size);
        REQUIRE(size == 0 ? t.count == 0 : t.count >= 1);
        if (kind == PRETOK_NONE) REQUIRE(t.count == (size ? 1u : 0u));
    }

    wick_buf c = {0}, cc = {0}, d = {0}, dc = {0};
    REQUIRE(unicode_nfc(s, size, &c, NULL) == WICK_OK);
    REQUIRE(unicode_nfd(s, size, &d, NULL) == WICK_OK);
    REQUIRE(unicode_nfc(c.data, c.len, &cc, NULL) == WICK_OK);
    REQUIRE(unicode_nfc(d.data, d.len, &dc, NULL) == WICK_OK);
    REQUIRE(cc.len == c.len && (c.len == 0 || memcmp(cc.data, c.data, c.len) == 0));
    REQUIRE(dc.len == c.len && (c.len == 0 || memcmp(dc.data, c.data, c.len) == 0));
    if (unicode_is_nfc_quick(s, size)) REQUIRE(c.len == size && (size == 0 || memcmp(c.data, s, size) == 0));
    REQUIRE(count_invalid(c.data, c.len) == count_invalid(s, size));
    REQUIRE(count_invalid(d.data, d.len) == count_invalid(s, size));
    wick_buf_free(&c);
    wick_buf_free(&cc);
    wick_buf_free(&d);
    wick_buf_free(&dc);

    wick_buf lvl = {0}, back = {0};
    unicode_bytes_to_bytelevel(s, size, &lvl);
    REQUIRE(utf8_validate(lvl.data, lvl.len, NULL));
    REQUIRE(unicode_bytelevel_to_bytes(lvl.data, lvl.len, &back, NULL) == WICK_OK);
    REQUIRE(back.len == size && (size == 0 || memcmp(back.data, s, size) == 0));
    wick_buf_free(&lvl);
    wick_buf_free(&back);
    /* Arbitrary bytes as byte-level text: either maps or fails cleanly. */
    wick_error err;
    wick_buf junk = {0};
    wick_status st = unicode_bytelevel_to_bytes(s, size, &junk, &err);
    REQUIRE(st == WICK_OK || st == WICK_ERR_FORMAT);
    wick_buf_free(&junk);
    free(s);
    return 0;
}
