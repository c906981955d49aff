/* Pre-tokenizer tests: hand-picked strings per family, invalid UTF-8, the
 * alias table, and the conformance fixtures in tests/conformance/pretokenize/
 * (expected splits made by HF `tokenizers`, see gen_fixtures.py there).
 * Run from the repo root. `test_pretokenize --bench` prints throughput. */
#include "test_harness.h"

#include "tokenizer/pretokenize.h"
#include "unicode/unicode.h"

#include <stdlib.h>
#include <time.h>

#define FIXTURE_DIR "tests/conformance/pretokenize/"

typedef struct pieces {
    size_t n;
    size_t start[512], len[512];
    size_t total;      /* pieces emitted, even past the array */
    size_t next;       /* where the next piece must start */
    int gaps;          /* pieces that did not start where the last ended */
} pieces;

static void collect(void *ctx, size_t start, size_t len) {
    pieces *p = ctx;
    if (start != p->next || len == 0) p->gaps++;
    p->next = start + len;
    if (p->n < 512) {
        p->start[p->n] = start;
        p->len[p->n] = len;
        p->n++;
    }
    p->total++;
}

static void split(pretok_kind kind, const char *s, size_t len, pieces *out) {
    memset(out, 0, sizeof *out);
    pretokenize(kind, s, len, collect, out);
}

/* Joins the pieces of `s` with '|' for readable comparisons. */
static void joined(pretok_kind kind, const char *s, size_t len, char *buf, size_t cap) {
    pieces p;
    split(kind, s, len, &p);
    size_t w = 0;
    for (size_t i = 0; i < p.n; i++) {
        if (i && w + 1 < cap) buf[w++] = '|';
        for (size_t k = 0; k < p.len[i] && w + 1 < cap; k++) buf[w++] = s[p.start[i] + k];
    }
    buf[w] = '\0';
}

#define EXPECT_SPLIT(ts, kind, text, want)                         \
    do {                                                           \
        char got_[2048];                                           \
        joined(kind, text, strlen(text), got_, sizeof got_);       \
        CHECK_MSG(ts, strcmp(got_, want) == 0, "%s: \"%s\" != \"%s\"", #kind, got_, want); \
    } while (0)

static void test_gpt2(test_state *ts) {
    EXPECT_SPLIT(ts, PRETOK_GPT2, "Hello world", "Hello| world");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "I'm don't we've they'll he'd it's", "I|'m| don|'t| we|'ve| they|'ll| he|'d| it|'s");
    /* GPT-2's contractions are case-sensitive. */
    EXPECT_SPLIT(ts, PRETOK_GPT2, "DON'T", "DON|'|T");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "  \n\n  x", "  \n\n | x");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "12345 67", "12345| 67");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "a  b", "a| | b");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "trailing   ", "trailing|   ");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "x\ty", "x|\t|y");
    /* \s+(?!\S) leaves the last space of a run to the next piece. */
    EXPECT_SPLIT(ts, PRETOK_GPT2, "a\r\nb", "a|\r|\n|b");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "hi!!! ?? ok", "hi|!!!| ??| ok");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "caf\xc3\xa9 na\xc3\xafve", "caf\xc3\xa9| na\xc3\xafve");
    /* e + combining acute: the mark is not \p{L}. */
    EXPECT_SPLIT(ts, PRETOK_GPT2, "e\xcc\x81t\xc3\xa9", "e|\xcc\x81|t\xc3\xa9");
    /* NBSP is \s but not the " ?" space. */
    EXPECT_SPLIT(ts, PRETOK_GPT2, "a\xc2\xa0" "b", "a|\xc2\xa0|b");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "\xe4\xb8\xad\xe6\x96\x87 \xe5\xad\x97", "\xe4\xb8\xad\xe6\x96\x87| \xe5\xad\x97");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "hi \xf0\x9f\x98\x80\xf0\x9f\x98\x83!", "hi| \xf0\x9f\x98\x80\xf0\x9f\x98\x83!");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd9\xa1\xd9\xa2", "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7| \xd9\xa1\xd9\xa2");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "", "");
    EXPECT_SPLIT(ts, PRETOK_GPT2, " ", " ");
}

static void test_llama3(test_state *ts) {
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "Hello world", "Hello| world");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "DON'T I'M we'Re", "DON|'T| I|'M| we|'Re");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "12345", "123|45");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "a 1234567", "a| |123|456|7");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "  \n\n  x", "  \n\n| | x");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "hello.\n\nWorld", "hello|.\n\n|World");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "a\r\nb", "a|\r\n|b");
    /* Any non-letter, non-digit, non-newline char may lead a word, but
     * only one: " $y" is " $" then "y". */
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "\tx $y \xc2\xa0z", "\tx| $|y| |\xc2\xa0z");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "end   ", "end|   ");
    /* U+017F LONG S folds to 's' under (?i). */
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "it'\xc5\xbf", "it|'\xc5\xbf");
}

static void test_qwen2(test_state *ts) {
    EXPECT_SPLIT(ts, PRETOK_QWEN2, "12345", "1|2|3|4|5");
    EXPECT_SPLIT(ts, PRETOK_QWEN2, "x=42;", "x|=|4|2|;");
    EXPECT_SPLIT(ts, PRETOK_QWEN2, "It's OK", "It|'s| OK");
}

static void test_smollm(test_state *ts) {
    /* Digits are split off first, so "a  1" keeps both spaces together. */
    EXPECT_SPLIT(ts, PRETOK_SMOLLM, "a  1", "a|  |1");
    EXPECT_SPLIT(ts, PRETOK_SMOLLM, "abc 123", "abc| |1|2|3");
    EXPECT_SPLIT(ts, PRETOK_SMOLLM, "x\xc2\xb2y", "x|\xc2\xb2|y"); /* superscript two is \p{N} */
    /* U+11DE0 TOLONG SIKI DIGIT ZERO: numeric for Rust's Unicode 17 Digits,
     * unassigned for Oniguruma's Unicode 16 (so a symbol for GPT-2's regex). */
    EXPECT_SPLIT(ts, PRETOK_SMOLLM, "a\xf0\x91\xb7\xa0" "b", "a|\xf0\x91\xb7\xa0|b");
    EXPECT_SPLIT(ts, PRETOK_GPT2, "a\xf0\x91\xb7\xa0" "b", "a|\xf0\x91\xb7\xa0|b");
    EXPECT_SPLIT(ts, PRETOK_GPT2, " \xf0\x91\xb7\xa0" "1", " \xf0\x91\xb7\xa0|1");
    EXPECT_SPLIT(ts, PRETOK_SMOLLM, " \xf0\x91\xb7\xa0" "1", " |\xf0\x91\xb7\xa0|1");
}

static void test_deepseek(test_state *ts) {
    EXPECT_SPLIT(ts, PRETOK_DEEPSEEK3, "12345 abc", "123|45| abc");
    EXPECT_SPLIT(ts, PRETOK_DEEPSEEK3, "\xe4\xb8\xad\xe6\x96\x87" "abc", "\xe4\xb8\xad\xe6\x96\x87|abc");
    EXPECT_SPLIT(ts, PRETOK_DEEPSEEK3, "(hello) _x", "(hello|)| _|x");
    EXPECT_SPLIT(ts, PRETOK_DEEPSEEK_LLM, "Hello world\n12", "Hello| world|\n|1|2");
    EXPECT_SPLIT(ts, PRETOK_DEEPSEEK_LLM, "end  ", "end|  ");
}

static void test_case_split(test_state *ts) {
    EXPECT_SPLIT(ts, PRETOK_TEKKEN, "HelloWorld", "Hello|World");
    EXPECT_SPLIT(ts, PRETOK_TEKKEN, "HTTPServer", "HTTPServer");
    EXPECT_SPLIT(ts, PRETOK_GPT4O, "don't DON'T", "don't| DON'T");
    EXPECT_SPLIT(ts, PRETOK_GPT4O, "12345", "123|45");
    EXPECT_SPLIT(ts, PRETOK_GPT4O, "a/b//\n", "a|/b|//\n");
}

/* Every kind over bytes that are not UTF-8: pieces tile the input, never
 * read past it (ASan checks), and an invalid byte never joins a letter. */
static void test_invalid_utf8(test_state *ts) {
    static const char *cases[] = {
        "\xff", "a\xff" "b", "\xc3", "ab\xe2\x82", "\xf0\x9f\x98", "\xed\xa0\x80",
        "\xc0\xaf", "\xf4\x90\x80\x80", " \x80\x80 x", "'\xc5", "\r\xff\n", "1\xff" "2",
        "\xe4\xb8", "\xe3\x80", "\xc2",
    };
    for (int kind = 0; kind < PRETOK_COUNT; kind++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            size_t len = strlen(cases[i]);
            /* A heap copy of exactly len bytes, so ASan sees any over-read. */
            char *buf = malloc(len);
            memcpy(buf, cases[i], len);
            pieces p;
            split((pretok_kind)kind, buf, len, &p);
            CHECK_MSG(ts, p.gaps == 0 && p.next == len, "kind %d case %zu: pieces do not tile", kind, i);
            free(buf);
        }
    }
    EXPECT_SPLIT(ts, PRETOK_GPT2, "a\xff" "b", "a|\xff|b");
    EXPECT_SPLIT(ts, PRETOK_GPT2, " \xff\xfe x", " \xff\xfe| x");
    EXPECT_SPLIT(ts, PRETOK_LLAMA3, "\xffword", "\xffword");
    EXPECT_SPLIT(ts, PRETOK_QWEN2, "ab\xe2\x82", "ab|\xe2\x82");
}

/* Long adversarial inputs (128 KiB) finish in linear time for every kind:
 * a regex engine's backtracking (or a scanner rescanning a run once per
 * character) would take minutes here. */
static void count_piece(void *ctx, size_t start, size_t len);
static void test_linear_time(test_state *ts) {
    static const char *runs[] = {" ", "\n\t", "\xc2\xa0"};
    static const char *tails[] = {"\xe4\xb8\xad", "x", "\x01", ""};
    static const char *patterns[] = {"a\xcc\x81", " \n", "1a", "A", "aA", "'", "\r\n ", " !",
                                     "\xe4\xb8\xad ", "\xff", "\xc5\xbf'", "\xe3\x80\x80"};
    size_t n = 128u << 10;
    wick_buf b = {0};
    double worst = 0;
    int calls = 0;
    for (int kind = 0; kind < PRETOK_COUNT; kind++) {
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
            for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                b.len = 0;
                while (b.len < n) wick_buf_puts(&b, runs[r]);
                wick_buf_puts(&b, tails[t]);
                size_t pieces_n = 0;
                clock_t t0 = clock();
                pretokenize((pretok_kind)kind, b.data, b.len, count_piece, &pieces_n);
                double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
                worst = sec > worst ? sec : worst;
                calls++;
                CHECK_MSG(ts, sec < 2.0, "kind %d, run %zu + tail %zu: %.2f s", kind, r, t, sec);
            }
        }
        for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
            b.len = 0;
            while (b.len < n) wick_buf_puts(&b, patterns[p]);
            size_t pieces_n = 0;
            clock_t t0 = clock();
            pretokenize((pretok_kind)kind, b.data, b.len, count_piece, &pieces_n);
            double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
            worst = sec > worst ? sec : worst;
            calls++;
            CHECK_MSG(ts, sec < 2.0, "kind %d, pattern %zu: %.2f s", kind, p, sec);
        }
    }
    printf("  linear time: %d inputs of 128 KiB, slowest %.3f s\n", calls, worst);
    wick_buf_free(&b);
}

static void test_names(test_state *ts) {
    static const struct {
        const char *name;
        int kind;
    } names[] = {
        {"gpt-2", PRETOK_GPT2},         {"gpt2", PRETOK_GPT2},
        {"llama3", PRETOK_LLAMA3},      {"llama-bpe", PRETOK_LLAMA3},
        {"llama-v3", PRETOK_LLAMA3},    {"dbrx", PRETOK_LLAMA3},
        {"smaug-bpe", PRETOK_LLAMA3},   {"falcon3", PRETOK_LLAMA3},
        {"qwen2", PRETOK_QWEN2},        {"deepseek-r1-qwen", PRETOK_QWEN2},
        {"smollm", PRETOK_SMOLLM},      {"starcoder", PRETOK_SMOLLM},
        {"deepseek-llm", PRETOK_DEEPSEEK_LLM}, {"deepseek-v3", PRETOK_DEEPSEEK3},
        {"tekken", PRETOK_TEKKEN},      {"gpt-4o", PRETOK_GPT4O},
        {"qwen35", PRETOK_QWEN35},      {"llama", -1},
        {"", -1},                       {"qwen", -1},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int got = pretok_kind_from_name(names[i].name, strlen(names[i].name));
        CHECK_MSG(ts, got == names[i].kind, "%s -> %d, want %d", names[i].name, got, names[i].kind);
    }
    /* Length-delimited: a longer buffer with the name as prefix. */
    CHECK(ts, pretok_kind_from_name("qwen2xyz", 5) == PRETOK_QWEN2);
    CHECK(ts, pretok_kind_from_name(NULL, 0) == -1);
}

/* ------------------------------------------------------------ fixtures */

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    wick_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) wick_buf_append(&b, chunk, n);
    fclose(f);
    return wick_buf_take(&b, len);
}

/* Undoes gen_fixtures.py's escape(): \\ and \xHH. */
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

/* Splits `data` into lines in place; returns the count. */
static size_t lines_of(char *data, size_t len, char ***out) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += data[i] == '\n';
    char **lines = calloc(n + 1, sizeof *lines);
    size_t k = 0;
    char *start = data;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            data[i] = '\0';
            lines[k++] = start;
            start = data + i + 1;
        }
    }
    *out = lines;
    return k;
}

static const struct {
    const char *file;
    pretok_kind kind;
} fixture_kinds[] = {
    {"gpt2", PRETOK_GPT2},         {"llama3", PRETOK_LLAMA3},   {"qwen2", PRETOK_QWEN2},
    {"qwen35", PRETOK_QWEN35},     {"smollm", PRETOK_SMOLLM},   {"deepseek_llm", PRETOK_DEEPSEEK_LLM},
    {"deepseek3", PRETOK_DEEPSEEK3}, {"tekken", PRETOK_TEKKEN}, {"gpt4o", PRETOK_GPT4O},
};

static void test_fixtures(test_state *ts) {
    size_t clen;
    char *corpus = read_file(FIXTURE_DIR "corpus.txt", &clen);
    CHECK_MSG(ts, corpus != NULL, "cannot read " FIXTURE_DIR "corpus.txt (run from the repo root)");
    if (!corpus) return;
    char **cl;
    size_t ncases = lines_of(corpus, clen, &cl);
    char **texts = calloc(ncases, sizeof *texts);
    size_t *tlen = calloc(ncases, sizeof *tlen);
    for (size_t i = 0; i < ncases; i++) {
        texts[i] = malloc(strlen(cl[i]) + 1);
        tlen[i] = unescape(cl[i], strlen(cl[i]), texts[i]);
    }
    size_t total_cases = 0, total_bad = 0;
    for (size_t k = 0; k < sizeof fixture_kinds / sizeof fixture_kinds[0]; k++) {
        char path[256];
        snprintf(path, sizeof path, FIXTURE_DIR "%s.txt", fixture_kinds[k].file);
        size_t elen;
        char *exp = read_file(path, &elen);
        CHECK_MSG(ts, exp != NULL, "cannot read %s", path);
        if (!exp) continue;
        char **el;
        size_t nexp = lines_of(exp, elen, &el);
        CHECK_MSG(ts, nexp == ncases, "%s has %zu lines, corpus %zu", path, nexp, ncases);
        size_t bad = 0, npieces = 0;
        for (size_t i = 0; i < ncases && i < nexp; i++) {
            pieces p;
            split(fixture_kinds[k].kind, texts[i], tlen[i], &p);
            /* Expected lengths vs ours. */
            bool ok = p.gaps == 0 && p.next == tlen[i];
            size_t j = 0;
            char *q = el[i];
            while (*q) {
                char *endp;
                unsigned long v = strtoul(q, &endp, 10);
                if (endp == q) break;
                q = endp;
                if (j >= p.n || p.len[j] != v) ok = false;
                j++;
            }
            if (j != p.total) ok = false;
            npieces += j;
            if (!ok) {
                bad++;
                if (bad <= 5) {
                    char got[2048];
                    size_t w = 0;
                    for (size_t m = 0; m < p.n && w + 24 < sizeof got; m++)
                        w += (size_t)snprintf(got + w, sizeof got - w, "%zu ", p.len[m]);
                    got[w] = '\0';
                    fprintf(stderr, "  %s line %zu: \"%s\"\n    want: %s\n    got:  %s\n",
                            fixture_kinds[k].file, i + 1, cl[i], el[i], got);
                }
            }
        }
        printf("  fixture %-13s %zu strings, %zu pieces, %zu mismatches\n", fixture_kinds[k].file,
               ncases, npieces, bad);
        CHECK_MSG(ts, bad == 0, "%s: %zu of %zu strings split differently", fixture_kinds[k].file, bad, ncases);
        total_cases += ncases;
        total_bad += bad;
        free(el);
        free(exp);
    }
    printf("  fixtures: %zu comparisons, %zu mismatches\n", total_cases, total_bad);
    for (size_t i = 0; i < ncases; i++) free(texts[i]);
    free(texts);
    free(tlen);
    free(cl);
    free(corpus);
}

/* ------------------------------------------------------------ benchmark */

static void count_piece(void *ctx, size_t start, size_t len) {
    (void)start;
    (void)len;
    (*(size_t *)ctx)++;
}

static int bench(void) {
    static const char *sentences[] = {
        "The quick brown fox jumps over the lazy dog. ",
        "It was the best of times, it was the worst of times; it was the age of wisdom. ",
        "In 1865, Lewis Carroll published \"Alice's Adventures in Wonderland\" (with 42 illustrations).\n",
        "She said: \"I don't think we'll make it before 10:30, but let's try anyway!\"\n\n",
    };
    wick_buf b = {0};
    while (b.len < 16u << 20) wick_buf_puts(&b, sentences[(b.len / 7) % 4]);
    static const pretok_kind kinds[] = {PRETOK_GPT2, PRETOK_LLAMA3, PRETOK_QWEN2, PRETOK_SMOLLM,
                                        PRETOK_DEEPSEEK3, PRETOK_GPT4O};
    static const char *names[] = {"gpt2", "llama3", "qwen2", "smollm", "deepseek3", "gpt4o"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t npieces = 0;
        clock_t t0 = clock();
        int reps = 4;
        for (int r = 0; r < reps; r++) pretokenize(kinds[k], b.data, b.len, count_piece, &npieces);
        double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
        printf("bench %-10s %.1f MB/s (%zu pieces per pass over %.1f MB of English prose)\n", names[k],
               (double)b.len * reps / sec / 1e6, npieces / (size_t)reps, (double)b.len / 1e6);
    }
    /* Non-ASCII text goes through the Unicode tables. */
    static const char *multi =
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80! "
        "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\xe3\x80\x82 "
        "caf\xc3\xa9 na\xc3\xafve \xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1 "
        "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xf0\x9f\x98\x80\n";
    b.len = 0;
    while (b.len < 16u << 20) wick_buf_puts(&b, multi);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t npieces = 0;
        clock_t t0 = clock();
        pretokenize(kinds[k], b.data, b.len, count_piece, &npieces);
        double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
        printf("bench %-10s %.1f MB/s on mixed Cyrillic/CJK/Greek/Arabic text\n", names[k],
               (double)b.len / sec / 1e6);
    }
    wick_buf_free(&b);
    return 0;
}

/* --split KIND: escaped lines on stdin -> piece lengths, as in the fixtures
 * (for tests/conformance/pretokenize/live_check.py). */
static int split_stdin(const char *name) {
    int kind = -1;
    for (size_t k = 0; k < sizeof fixture_kinds / sizeof fixture_kinds[0]; k++)
        if (strcmp(fixture_kinds[k].file, name) == 0) kind = (int)fixture_kinds[k].kind;
    if (kind < 0) {
        fprintf(stderr, "unknown kind %s\n", name);
        return 2;
    }
    static char line[1 << 16], buf[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = unescape(line, strcspn(line, "\n"), buf);
        pieces p;
        split((pretok_kind)kind, buf, n, &p);
        if (p.total > p.n || p.gaps) return 3;
        for (size_t i = 0; i < p.n; i++) printf(i ? " %zu" : "%zu", p.len[i]);
        putchar('\n');
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) return bench();
    if (argc > 2 && strcmp(argv[1], "--split") == 0) return split_stdin(argv[2]);
    static const test_case cases[] = {
        TEST(test_gpt2),        TEST(test_llama3),       TEST(test_qwen2),
        TEST(test_smollm),      TEST(test_deepseek),     TEST(test_case_split),
        TEST(test_invalid_utf8), TEST(test_linear_time), TEST(test_names),
        TEST(test_fixtures),
    };
    return test_run_all("pretokenize", cases, sizeof cases / sizeof cases[0], argc, argv);
}
