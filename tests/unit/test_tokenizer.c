/* Tokenizer tests: small vocabularies written as GGUF in memory (merge
 * order, ties, long pieces, byte fallback, special/added tokens, rstrip,
 * BOS/EOS, capacity, invalid ids, streaming UTF-8, load errors), then the
 * two real models against ids and decodes that Hugging Face `tokenizers`
 * produced (tests/data/tokenizer/{smollm2,gemma3}.jsonl, written by gen_fixtures.py there).
 * Run from the repository root (the real models are in build/models/,
 * put there by tests/setup/models.sh). */
#include "test_harness.h"

#include "core/buf.h"
#include "gguf/gguf_writer.h"
#include "json/json.h"
#include "unicode/unicode.h"
#include "wick.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------- building vocabs */

enum { T_NORMAL = 1, T_UNKNOWN = 2, T_CONTROL = 3, T_USER = 4, T_BYTE = 6 };

typedef struct vocab_spec {
    const char *model;        /* "llama" or "gpt2" */
    const char *pre;          /* tokenizer.ggml.pre or NULL */
    const char *name;         /* general.name or NULL */
    const char **tokens;
    int n_tokens;
    const int32_t *types;     /* NULL: all normal */
    const float *scores;      /* NULL: none */
    const char **merges;
    int n_merges;
    int bos, eos, unk;        /* -1: key absent */
    int add_bos, add_eos, add_space_prefix; /* -1: key absent */
} vocab_spec;

typedef struct test_model {
    wick_model *m;
    uint8_t *bytes;
} test_model;

static wick_status build(const vocab_spec *s, test_model *tm, wick_error *err) {
    tm->m = NULL;
    tm->bytes = NULL;
    gguf_writer *w = gguf_writer_new();
    gguf_writer_set_str(w, "general.architecture", "llama", 5);
    if (s->name) gguf_writer_set_str(w, "general.name", s->name, strlen(s->name));
    gguf_writer_set_str(w, "tokenizer.ggml.model", s->model, strlen(s->model));
    if (s->pre) gguf_writer_set_str(w, "tokenizer.ggml.pre", s->pre, strlen(s->pre));
    if (s->tokens) gguf_writer_set_str_array(w, "tokenizer.ggml.tokens", s->tokens, NULL, (uint64_t)s->n_tokens);
    if (s->types) gguf_writer_set_array(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, s->types, (uint64_t)s->n_tokens);
    if (s->scores) gguf_writer_set_array(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, s->scores, (uint64_t)s->n_tokens);
    if (s->merges) gguf_writer_set_str_array(w, "tokenizer.ggml.merges", s->merges, NULL, (uint64_t)s->n_merges);
    if (s->bos >= 0) gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)s->bos);
    if (s->eos >= 0) gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)s->eos);
    if (s->unk >= 0) gguf_writer_set_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)s->unk);
    if (s->add_bos >= 0) gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", s->add_bos);
    if (s->add_eos >= 0) gguf_writer_set_bool(w, "tokenizer.ggml.add_eos_token", s->add_eos);
    if (s->add_space_prefix >= 0) gguf_writer_set_bool(w, "tokenizer.ggml.add_space_prefix", s->add_space_prefix);
    size_t len = 0;
    wick_status st = gguf_writer_write_buffer(w, &tm->bytes, &len, err);
    gguf_writer_free(w);
    if (st != WICK_OK) return st;
    st = wick_model_open_bytes(tm->bytes, len, len, &tm->m, err);
    if (st != WICK_OK) {
        free(tm->bytes);
        tm->bytes = NULL;
    }
    return st;
}

static void drop(test_model *tm) {
    wick_model_close(tm->m);
    free(tm->bytes);
}

/* Tokenizes and compares with `want` (n ids). */
static void check_ids(test_state *ts, const wick_model *m, const char *text, int flags, const int32_t *want,
                      size_t n) {
    int32_t got[512];
    size_t count = 0;
    wick_error err = {0};
    wick_status st = wick_tokenize(m, text, strlen(text), flags, got, 512, &count, &err);
    CHECK_MSG(ts, st == WICK_OK, "tokenize \"%s\": %s", text, err.message);
    bool same = st == WICK_OK && count == n;
    for (size_t i = 0; same && i < n; i++) same = got[i] == want[i];
    if (!same) {
        char buf[600];
        size_t k = 0;
        for (size_t i = 0; i < count && k < sizeof buf - 16; i++) k += (size_t)snprintf(buf + k, sizeof buf - k, "%d ", got[i]);
        buf[k] = '\0';
        CHECK_MSG(ts, same, "tokenize \"%s\": got [%s] (%zu ids), want %zu ids", text, buf, count, n);
    } else {
        CHECK(ts, same);
    }
}

#define IDS(...) ((const int32_t[]){__VA_ARGS__}), sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)

/* ---- a byte-level vocabulary: the 256 GPT-2 byte characters (ids 0..255,
 * in byte order) followed by `extra` tokens. */
typedef struct bl_vocab {
    const char *tok[300];
    char store[256][4];
    int32_t types[300];
    int n;
} bl_vocab;

static void bl_init(bl_vocab *b, const char **extra, int n_extra, const int32_t *extra_types) {
    for (int i = 0; i < 256; i++) {
        size_t l = utf8_encode(unicode_byte_to_cp((uint8_t)i), b->store[i]);
        b->store[i][l] = '\0';
        b->tok[i] = b->store[i];
        b->types[i] = T_NORMAL;
    }
    for (int i = 0; i < n_extra; i++) {
        b->tok[256 + i] = extra[i];
        b->types[256 + i] = extra_types ? extra_types[i] : T_NORMAL;
    }
    b->n = 256 + n_extra;
}

static vocab_spec bl_spec(bl_vocab *b, const char **merges, int n_merges) {
    vocab_spec s = {"gpt2", "gpt-2", NULL, b->tok, b->n, b->types, NULL, merges, n_merges,
                    -1, -1, -1, -1, -1, -1};
    return s;
}

static void test_bpe_merge_rank_order(test_state *ts) {
    const char *extra[] = {"ab", "bc", "abc"};
    bl_vocab b;
    bl_init(&b, extra, 3, NULL);
    wick_error err = {0};
    /* ranks decide, not position: "b c" (rank 0) beats "a b" (rank 1) */
    const char *m1[] = {"b c", "a b", "a bc", "ab c"};
    vocab_spec s = bl_spec(&b, m1, 4);
    test_model tm;
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (tm.m) {
        check_ids(ts, tm.m, "abc", 0, IDS(258));        /* a + bc -> abc */
        check_ids(ts, tm.m, "abd", 0, IDS(256, 'd'));   /* ab, d */
        drop(&tm);
    }
    const char *m2[] = {"a b", "b c", "ab c"};
    s = bl_spec(&b, m2, 3);
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (tm.m) {
        check_ids(ts, tm.m, "abc", 0, IDS(258));       /* ab + c -> abc */
        check_ids(ts, tm.m, "bcab", 0, IDS(257, 256)); /* one piece, both pairs */
        drop(&tm);
    }
    /* without "a bc", the "b c" merge strands "a" */
    const char *m3[] = {"b c", "a b", "ab c"};
    s = bl_spec(&b, m3, 3);
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (tm.m) {
        check_ids(ts, tm.m, "abc", 0, IDS('a', 257));
        drop(&tm);
    }
}

static void test_bpe_ties_leftmost(test_state *ts) {
    const char *extra[] = {"aa", "aaaa"};
    bl_vocab b;
    bl_init(&b, extra, 2, NULL);
    const char *m[] = {"a a", "aa aa"};
    vocab_spec s = bl_spec(&b, m, 2);
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "aaa", 0, IDS(256, 'a'));
    check_ids(ts, tm.m, "aaaaa", 0, IDS(257, 'a'));
    check_ids(ts, tm.m, "aaaaaaa", 0, IDS(257, 256, 'a'));
    drop(&tm);
}

/* A 128 KiB piece merged up to runs of 1024: quadratic rescans would take
 * minutes; the heap takes milliseconds. */
static void test_bpe_long_piece(test_state *ts) {
    static char names[10][1025];
    const char *extra[10];
    static char mstore[10][2100];
    const char *m[10];
    for (int k = 0; k < 10; k++) {
        size_t len = (size_t)2 << k; /* 2, 4, ..., 1024 */
        memset(names[k], 'a', len);
        names[k][len] = '\0';
        extra[k] = names[k];
        size_t half = len / 2;
        memset(mstore[k], 'a', half);
        mstore[k][half] = ' ';
        memset(mstore[k] + half + 1, 'a', half);
        mstore[k][len + 1] = '\0';
        m[k] = mstore[k];
    }
    bl_vocab b;
    bl_init(&b, extra, 10, NULL);
    vocab_spec s = bl_spec(&b, m, 10);
    s.pre = "gpt-2";
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    size_t n = (size_t)1 << 17;
    char *text = malloc(n + 1);
    memset(text, 'a', n);
    text[n] = '\0';
    int32_t *ids = malloc(n * sizeof *ids);
    size_t count = 0;
    clock_t t0 = clock();
    wick_status st = wick_tokenize(tm.m, text, n, 0, ids, n, &count, &err);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    CHECK_MSG(ts, count == n / 1024, "count %zu", count);
    bool all = true;
    for (size_t i = 0; i < count && all; i++) all = ids[i] == 256 + 9;
    CHECK(ts, all);
    CHECK_MSG(ts, secs < 5.0, "a %zu-byte piece took %.2f s", n, secs);
    printf("  long piece: %zu bytes -> %zu tokens in %.3f s\n", n, count, secs);
    free(text);
    free(ids);
    drop(&tm);
}

/* A byte without a token is dropped and its neighbours merge across it,
 * as HF's BPE without an unk token does (SmolLM2 lacks 0x04, 0xF1 ...). */
static void test_bpe_missing_byte(test_state *ts) {
    const char *extra[] = {"!!"};
    bl_vocab b;
    bl_init(&b, extra, 1, NULL);
    b.tok[4] = "not-a-byte"; /* byte 0x04 has no token now */
    const char *m[] = {"! !"};
    vocab_spec s = bl_spec(&b, m, 1);
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "!\x04!", 0, IDS(256)); /* one piece: "!" + "!" merge across it */
    check_ids(ts, tm.m, "\x04", 0, NULL, 0);
    check_ids(ts, tm.m, "x\x04", 0, IDS('x'));
    drop(&tm);
}

/* ---- a SentencePiece vocabulary */
static const char *SPM_TOKENS[] = {
    "<unk>", "<s>", "</s>", "<0x0A>", "<0xC3>", "<0xA9>", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>",
    "<0xE2>", "<0x82>", "<0xFF>", "\xE2\x96\x81", "a", "b", "c", "ab", "bc", "\xE2\x96\x81" "a",
    "\xE2\x96\x81" "ab", "abc", "<|end|>", "<u>", "\xE2\x96\x81" "b",
};
static const int32_t SPM_TYPES[] = {
    T_UNKNOWN, T_CONTROL, T_CONTROL, T_BYTE, T_BYTE, T_BYTE, T_BYTE, T_BYTE, T_BYTE, T_BYTE,
    T_BYTE, T_BYTE, T_BYTE, T_NORMAL, T_NORMAL, T_NORMAL, T_NORMAL, T_NORMAL, T_NORMAL, T_NORMAL,
    T_NORMAL, T_NORMAL, T_CONTROL, T_USER, T_NORMAL,
};
/* "bc" outranks "ab"; "▁a" outranks both */
static const float SPM_SCORES[] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -2, -3, -4, -20, -10, -5,
    -30, -40, 0, 0, -6,
};
enum { S_UNK, S_BOS, S_EOS, S_NL, S_C3, S_A9, S_F0, S_9F, S_98, S_80, S_E2, S_82, S_FF, S_SP, S_A, S_B, S_C,
       S_AB, S_BC, S_SPA, S_SPAB, S_ABC, S_END, S_U, S_SPB, S_COUNT };

static vocab_spec spm_spec(void) {
    vocab_spec s = {"llama", NULL, NULL, SPM_TOKENS, S_COUNT, SPM_TYPES, SPM_SCORES, NULL, 0,
                    S_BOS, S_EOS, S_UNK, 1, 0, 1};
    return s;
}

static void test_spm_merges_and_prefix(test_state *ts) {
    vocab_spec s = spm_spec();
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "abc", 0, IDS(S_SPA, S_BC));               /* "▁abc": ▁a first, then bc */
    check_ids(ts, tm.m, "bc a", 0, IDS(S_SPB, S_C, S_SPA));          /* ▁a, then ▁b beats bc */
    check_ids(ts, tm.m, "abc", WICK_TOKENIZE_ADD_SPECIAL, IDS(S_BOS, S_SPA, S_BC));
    check_ids(ts, tm.m, "", WICK_TOKENIZE_ADD_SPECIAL, IDS(S_BOS));
    check_ids(ts, tm.m, " a", 0, IDS(S_SP, S_SPA));                 /* "▁▁a" */
    drop(&tm);
    s.add_space_prefix = 0;
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "abc", 0, IDS(S_ABC));                      /* bc, then a + bc */
    check_ids(ts, tm.m, "a b", 0, IDS(S_A, S_SPB));
    drop(&tm);
}

static void test_spm_byte_fallback(test_state *ts) {
    vocab_spec s = spm_spec();
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "a\xC3\xA9", 0, IDS(S_SPA, S_C3, S_A9));   /* é as bytes */
    check_ids(ts, tm.m, "a\n", 0, IDS(S_SPA, S_NL));
    /* 'd' has no token and its byte 0x64 neither: <unk>, fused with the next */
    check_ids(ts, tm.m, "dd a", 0, IDS(S_SP, S_UNK, S_SPA));
    drop(&tm);
}

static void test_special_tokens(test_state *ts) {
    vocab_spec s = spm_spec();
    s.add_space_prefix = 0;
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    int P = WICK_TOKENIZE_PARSE_SPECIAL;
    check_ids(ts, tm.m, "a<|end|>b<u>c", P, IDS(S_A, S_END, S_B, S_U, S_C));
    /* without PARSE_SPECIAL the control token is text; user-defined still matches */
    int32_t ids[64];
    size_t n = 0;
    CHECK(ts, wick_tokenize(tm.m, "<|end|><u>", 10, 0, ids, 64, &n, &err) == WICK_OK);
    CHECK_MSG(ts, n == 2 && ids[0] == S_UNK && ids[1] == S_U, "n %zu", n); /* '<' etc. are not tokens */
    check_ids(ts, tm.m, "<s></s>", P, IDS(S_BOS, S_EOS));
    drop(&tm);

    /* leftmost-longest, as HF: user-defined "ab" and "bcd" in "abcd" give
     * ab + "cd" (llama.cpp's longest-token-first would give "a" + bcd) */
    const char *toks[] = {"<unk>", "a", "b", "c", "d", "ab", "bcd", "cd"};
    const int32_t types[] = {T_UNKNOWN, T_NORMAL, T_NORMAL, T_NORMAL, T_NORMAL, T_USER, T_USER, T_NORMAL};
    const float scores[] = {0, -1, -1, -1, -1, -1, -1, -2};
    vocab_spec o = {"llama", NULL, NULL, toks, 8, types, scores, NULL, 0, -1, -1, 0, 0, 0, 0};
    CHECK_MSG(ts, build(&o, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "abcd", 0, IDS(5, 7));
    check_ids(ts, tm.m, "xbcd", 0, IDS(0, 6));
    drop(&tm);
}

/* Phi-3's added tokens swallow the whitespace after them (HF rstrip), which
 * llama.cpp (and Wick) know from general.name. */
static void test_rstrip_phi3(test_state *ts) {
    vocab_spec s = spm_spec();
    s.name = "Phi-3 mini (test)";
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    int P = WICK_TOKENIZE_PARSE_SPECIAL;
    check_ids(ts, tm.m, "<|end|>\n  a", P, IDS(S_END, S_SPA));
    check_ids(ts, tm.m, "a<s> a", P, IDS(S_SPA, S_BOS, S_SP, S_SPA)); /* <s> keeps its space */
    drop(&tm);
    s.name = "some other model";
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "<|end|> a", P, IDS(S_END, S_SP, S_SPA));
    drop(&tm);
    /* no telling name, but Phi-3's chat tokens: rstrip too */
    const char *toks[] = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", ("\xE2\x96\x81" "a"),
                          "<|user|>", "<|assistant|>", "<|end|>", "<|system|>"};
    const int32_t types[] = {T_UNKNOWN, T_CONTROL, T_CONTROL, T_NORMAL, T_NORMAL, T_NORMAL,
                             T_CONTROL, T_CONTROL, T_CONTROL, T_CONTROL};
    const float scores[] = {0, 0, 0, -1, -2, -3, 0, 0, 0, 0};
    vocab_spec p3 = {"llama", NULL, "Phi 3 Mini 4k Instruct", toks, 10, types, scores, NULL, 0,
                     1, 2, 0, 1, 0, 1};
    CHECK_MSG(ts, build(&p3, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "<|user|>\n a<|end|>\n<|assistant|>", P, IDS(6, 5, 8, 7));
    drop(&tm);
    p3.name = NULL;
    CHECK_MSG(ts, build(&p3, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "<|user|>\n a", P, IDS(6, 5));
    drop(&tm);
}

static void test_bos_eos(test_state *ts) {
    vocab_spec s = spm_spec();
    s.add_eos = 1;
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    check_ids(ts, tm.m, "a", WICK_TOKENIZE_ADD_SPECIAL, IDS(S_BOS, S_SPA, S_EOS));
    check_ids(ts, tm.m, "a", 0, IDS(S_SPA));
    CHECK(ts, wick_token_bos(tm.m) == S_BOS && wick_token_eos(tm.m) == S_EOS);
    CHECK(ts, wick_token_is_eog(tm.m, S_EOS) && wick_token_is_eog(tm.m, S_END) && !wick_token_is_eog(tm.m, S_A));
    drop(&tm);
    /* add_bos without a bos id is a load error naming the key */
    s.bos = -1;
    s.tokens = SPM_TOKENS + 0;
    s.n_tokens = 1; /* only <unk>: the default bos id 1 is out of range */
    s.types = SPM_TYPES;
    s.scores = SPM_SCORES;
    s.eos = -1;
    s.add_eos = 0;
    CHECK(ts, build(&s, &tm, &err) == WICK_ERR_FORMAT);
    CHECK_MSG(ts, strstr(err.message, "add_bos_token") != NULL, "%s", err.message);
}

static void test_capacity(test_state *ts) {
    vocab_spec s = spm_spec();
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    const char *text = "abc abc abc"; /* BOS + 6 tokens */
    size_t n = 99;
    CHECK(ts, wick_tokenize(tm.m, text, strlen(text), WICK_TOKENIZE_ADD_SPECIAL, NULL, 0, &n, &err) == WICK_ERR_LIMIT);
    CHECK_MSG(ts, n == 7, "n %zu", n);
    int32_t ids[8] = {-5, -5, -5, -5, -5, -5, -5, -5};
    CHECK(ts, wick_tokenize(tm.m, text, strlen(text), WICK_TOKENIZE_ADD_SPECIAL, ids, 3, &n, &err) == WICK_ERR_LIMIT);
    CHECK(ts, n == 7 && ids[0] == S_BOS && ids[1] == S_SPA && ids[2] == S_BC && ids[3] == -5);
    CHECK(ts, wick_tokenize(tm.m, text, strlen(text), WICK_TOKENIZE_ADD_SPECIAL, ids, 7, &n, &err) == WICK_OK);
    CHECK(ts, n == 7 && ids[6] == S_BC && ids[7] == -5);
    CHECK(ts, wick_tokenize(tm.m, text, strlen(text), 0, NULL, 5, &n, &err) == WICK_ERR_INVALID_ARG);
    drop(&tm);
}

static void test_invalid_ids(test_state *ts) {
    vocab_spec s = spm_spec();
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    char buf[16];
    size_t len;
    CHECK(ts, wick_token_to_piece(tm.m, -1, 0, buf, sizeof buf, &len, &err) == WICK_ERR_INVALID_ARG);
    CHECK_MSG(ts, strstr(err.message, "-1") && strstr(err.message, "25"), "%s", err.message);
    CHECK(ts, wick_token_to_piece(tm.m, S_COUNT, 0, buf, sizeof buf, &len, &err) == WICK_ERR_INVALID_ARG);
    wick_detokenizer *d = NULL;
    CHECK(ts, wick_detokenizer_new(tm.m, 0, &d, &err) == WICK_OK);
    const char *t;
    CHECK(ts, wick_detokenizer_push(d, 1000, &t, &len, &err) == WICK_ERR_INVALID_ARG);
    CHECK_MSG(ts, strstr(err.message, "1000") && strstr(err.message, "vocab size 25"), "%s", err.message);
    wick_detokenizer_free(d);
    char *text = NULL;
    int32_t bad[] = {S_A, 77};
    CHECK(ts, wick_detokenize(tm.m, bad, 2, 0, &text, &len, &err) == WICK_ERR_INVALID_ARG);
    CHECK_MSG(ts, strstr(err.message, "tokens[1]") && strstr(err.message, "77"), "%s", err.message);
    CHECK(ts, text == NULL);
    drop(&tm);
}

static void test_token_to_piece(test_state *ts) {
    vocab_spec s = spm_spec();
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    char buf[16];
    size_t len = 0;
    CHECK(ts, wick_token_to_piece(tm.m, S_SPAB, 0, buf, sizeof buf, &len, &err) == WICK_OK);
    CHECK(ts, len == 3 && memcmp(buf, " ab", 3) == 0);
    CHECK(ts, wick_token_to_piece(tm.m, S_C3, 0, buf, sizeof buf, &len, &err) == WICK_OK);
    CHECK(ts, len == 1 && (unsigned char)buf[0] == 0xC3);
    CHECK(ts, wick_token_to_piece(tm.m, S_END, 0, buf, sizeof buf, &len, &err) == WICK_OK);
    CHECK(ts, len == 7 && memcmp(buf, "<|end|>", 7) == 0);
    CHECK(ts, wick_token_to_piece(tm.m, S_END, WICK_DETOKENIZE_SKIP_SPECIAL, buf, sizeof buf, &len, &err) == WICK_OK);
    CHECK(ts, len == 0);
    CHECK(ts, wick_token_to_piece(tm.m, S_END, 0, buf, 3, &len, &err) == WICK_ERR_LIMIT && len == 7);
    drop(&tm);

    bl_vocab b;
    const char *extra[] = {"\xC4\xA0" "hi", "<think>"};
    const int32_t et[] = {T_NORMAL, T_USER};
    bl_init(&b, extra, 2, et);
    const char *no_merges[] = {""};
    vocab_spec bs = bl_spec(&b, no_merges, 0);
    CHECK_MSG(ts, build(&bs, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    CHECK(ts, wick_token_to_piece(tm.m, 256, 0, buf, sizeof buf, &len, &err) == WICK_OK);
    CHECK(ts, len == 3 && memcmp(buf, " hi", 3) == 0); /* "Ġ" is the space byte */
    CHECK(ts, wick_token_to_piece(tm.m, 257, 0, buf, sizeof buf, &len, &err) == WICK_OK);
    CHECK(ts, len == 7 && memcmp(buf, "<think>", 7) == 0);
    CHECK(ts, wick_token_to_piece(tm.m, 0xE9, 0, buf, sizeof buf, &len, &err) == WICK_OK);
    CHECK(ts, len == 1 && (unsigned char)buf[0] == 0xE9);
    drop(&tm);
}

/* 1 if s[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
static bool valid_utf8(const char *s, size_t n) { return utf8_validate(s, n, NULL); }

typedef struct stream_result {
    char text[256];
    size_t len;
    int chunks, bad_chunks;
} stream_result;

static void stream(test_state *ts, const wick_model *m, const int32_t *ids, size_t n, int flags, stream_result *r) {
    memset(r, 0, sizeof *r);
    wick_detokenizer *d = NULL;
    wick_error err = {0};
    CHECK(ts, wick_detokenizer_new(m, flags, &d, &err) == WICK_OK);
    if (!d) return;
    for (size_t i = 0; i <= n; i++) {
        const char *t = NULL;
        size_t len = 0;
        wick_status st = i < n ? wick_detokenizer_push(d, ids[i], &t, &len, &err)
                               : wick_detokenizer_flush(d, &t, &len, &err);
        CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
        r->chunks++;
        if (!valid_utf8(t, len)) r->bad_chunks++;
        if (r->len + len < sizeof r->text) {
            memcpy(r->text + r->len, t, len);
            r->len += len;
        }
    }
    r->text[r->len] = '\0';
    wick_detokenizer_free(d);
}

static void test_stream_utf8(test_state *ts) {
    vocab_spec s = spm_spec();
    test_model tm;
    wick_error err = {0};
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    stream_result r;
    /* an emoji split over four byte tokens: nothing until the last byte */
    wick_detokenizer *d = NULL;
    CHECK(ts, wick_detokenizer_new(tm.m, 0, &d, &err) == WICK_OK);
    const int32_t emoji[] = {S_F0, S_9F, S_98, S_80};
    size_t sizes[4];
    for (int i = 0; i < 4 && d; i++) {
        const char *t;
        CHECK(ts, wick_detokenizer_push(d, emoji[i], &t, &sizes[i], &err) == WICK_OK);
        if (i == 3) CHECK(ts, sizes[3] == 4 && memcmp(t, "\xF0\x9F\x98\x80", 4) == 0);
    }
    CHECK(ts, sizes[0] == 0 && sizes[1] == 0 && sizes[2] == 0);
    wick_detokenizer_free(d);

    stream(ts, tm.m, IDS(S_SPA, S_F0, S_9F, S_98, S_80, S_SPB), 0, &r);
    CHECK_STR_EQ(ts, r.text, "a\xF0\x9F\x98\x80 b"); /* leading space stripped (Llama-style) */
    CHECK(ts, r.bad_chunks == 0);
    /* dangling sequence: U+FFFD at flush */
    stream(ts, tm.m, IDS(S_A, S_E2, S_82), 0, &r);
    CHECK_STR_EQ(ts, r.text, "a\xEF\xBF\xBD");
    CHECK(ts, r.bad_chunks == 0);
    /* interrupted sequence and a byte that never starts one */
    stream(ts, tm.m, IDS(S_E2, S_82, S_A, S_FF, S_B), 0, &r);
    CHECK_STR_EQ(ts, r.text, "\xEF\xBF\xBD" "a\xEF\xBF\xBD" "b");
    CHECK(ts, r.bad_chunks == 0);
    /* skipped specials; the space strip happens after them */
    stream(ts, tm.m, IDS(S_BOS, S_SPA, S_END), WICK_DETOKENIZE_SKIP_SPECIAL, &r);
    CHECK_STR_EQ(ts, r.text, "a");
    stream(ts, tm.m, IDS(S_BOS, S_SPA, S_END), 0, &r);
    CHECK_STR_EQ(ts, r.text, "<s> a<|end|>");
    char *text = NULL;
    size_t len = 0;
    CHECK(ts, wick_detokenize(tm.m, IDS(S_SPAB, S_C3, S_A9, S_SPB), 0, &text, &len, &err) == WICK_OK);
    if (text) CHECK_STR_EQ(ts, text, "ab\xC3\xA9 b");
    wick_free(text);
    drop(&tm);

    s.add_space_prefix = 0; /* Gemma-style: spaces are kept */
    CHECK_MSG(ts, build(&s, &tm, &err) == WICK_OK, "%s", err.message);
    if (!tm.m) return;
    stream(ts, tm.m, IDS(S_SPA, S_SPB), 0, &r);
    CHECK_STR_EQ(ts, r.text, " a b");
    drop(&tm);
}

static void expect_load_error(test_state *ts, const vocab_spec *s, wick_status code, const char *needle) {
    test_model tm;
    wick_error err = {0};
    wick_status st = build(s, &tm, &err);
    CHECK_MSG(ts, st == code, "status %d (%s), want %d", st, err.message, code);
    CHECK_MSG(ts, strstr(err.message, needle) != NULL, "message \"%s\" lacks \"%s\"", err.message, needle);
    if (st == WICK_OK) drop(&tm);
}

static void test_load_errors(test_state *ts) {
    vocab_spec s = spm_spec();
    s.model = "bert";
    expect_load_error(ts, &s, WICK_ERR_UNSUPPORTED, "bert");
    s = spm_spec();
    s.tokens = NULL;
    expect_load_error(ts, &s, WICK_ERR_FORMAT, "tokenizer.ggml.tokens");
    int32_t types[S_COUNT];
    memcpy(types, SPM_TYPES, sizeof types);
    types[4] = 9;
    s = spm_spec();
    s.types = types;
    expect_load_error(ts, &s, WICK_ERR_FORMAT, "token_type[4]");
    const char *dup[] = {"<unk>", "<s>", "</s>", "a", "a"};
    s = spm_spec();
    s.tokens = dup;
    s.n_tokens = 5;
    s.types = NULL;
    s.scores = NULL;
    expect_load_error(ts, &s, WICK_ERR_FORMAT, "tokens[4]");
    bl_vocab b;
    bl_init(&b, NULL, 0, NULL);
    const char *bad_merge[] = {"a b", "q zz"};
    s = bl_spec(&b, bad_merge, 2);
    expect_load_error(ts, &s, WICK_ERR_FORMAT, "merges[0]"); /* "ab" is not a token */
    s = bl_spec(&b, NULL, 0);
    expect_load_error(ts, &s, WICK_ERR_FORMAT, "tokenizer.ggml.merges");
    const char *ok_merges[] = {"a b"};
    s = bl_spec(&b, ok_merges, 0);
    s.pre = "no-such-pre-tokenizer";
    expect_load_error(ts, &s, WICK_ERR_UNSUPPORTED, "no-such-pre-tokenizer");
}

/* ------------------------------------------------------------ real models */

static void check_fixtures(test_state *ts, const char *model_path, const char *fixture_path) {
    wick_error err = {0};
    wick_model *m = NULL;
    if (wick_model_open(model_path, &m, &err) != WICK_OK) {
        CHECK_MSG(ts, false, "%s (run tests/setup/models.sh)", err.message);
        return;
    }
    FILE *f = fopen(fixture_path, "rb");
    CHECK_MSG(ts, f != NULL, "cannot open %s", fixture_path);
    if (!f) {
        wick_model_close(m);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    int cases = 0, mismatches = 0, bad_chunks = 0;
    int32_t *ids = malloc(4096 * sizeof *ids);
    for (;;) {
        ssize_t got = getline(&line, &cap, f);
        if (got <= 0) break;
        json_doc *doc = NULL;
        if (json_parse(line, (size_t)got, fixture_path, &doc, &err) != WICK_OK) {
            CHECK_MSG(ts, false, "%s", err.message);
            break;
        }
        const json_value *root = json_doc_root(doc);
        const json_value *text = json_get(root, "text");
        const char *keys[] = {"ids", "ids_plain"};
        const int flag_sets[] = {WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL, WICK_TOKENIZE_PARSE_SPECIAL};
        for (int k = 0; k < 2; k++) {
            const json_value *want = json_get(root, keys[k]);
            size_t n = 0;
            wick_status st = wick_tokenize(m, text->u.string.ptr, text->u.string.len, flag_sets[k], ids, 4096, &n, &err);
            bool same = st == WICK_OK && n == want->u.array.len;
            for (size_t i = 0; same && i < n; i++) same = ids[i] == want->u.array.items[i]->u.number.i;
            cases++;
            if (!same) {
                mismatches++;
                fprintf(stderr, "  %s: %s mismatch for \"%s\" (%s)\n", model_path, keys[k], text->u.string.ptr,
                        st == WICK_OK ? "different ids" : err.message);
            }
        }
        /* decode as HF does, whole and streamed */
        const json_value *want_ids = json_get(root, "ids");
        size_t n = want_ids->u.array.len;
        for (size_t i = 0; i < n; i++) ids[i] = (int32_t)want_ids->u.array.items[i]->u.number.i;
        const char *dkeys[] = {"decoded", "decoded_skip"};
        for (int k = 0; k < 2; k++) {
            const json_value *want = json_get(root, dkeys[k]);
            int flags = k ? WICK_DETOKENIZE_SKIP_SPECIAL : 0;
            char *out = NULL;
            size_t len = 0;
            wick_status st = wick_detokenize(m, ids, n, flags, &out, &len, &err);
            bool same = st == WICK_OK && len == want->u.string.len && memcmp(out, want->u.string.ptr, len) == 0;
            wick_detokenizer *d = NULL;
            wick_buf streamed = {0};
            if (wick_detokenizer_new(m, flags, &d, &err) == WICK_OK) {
                for (size_t i = 0; i <= n; i++) {
                    const char *t;
                    size_t tl;
                    if (i < n) wick_detokenizer_push(d, ids[i], &t, &tl, &err);
                    else wick_detokenizer_flush(d, &t, &tl, &err);
                    if (!valid_utf8(t, tl)) bad_chunks++;
                    wick_buf_append(&streamed, t, tl);
                }
                wick_detokenizer_free(d);
            }
            same = same && streamed.len == len && (len == 0 || memcmp(streamed.data, out, len) == 0);
            cases++;
            if (!same) {
                mismatches++;
                fprintf(stderr, "  %s: %s mismatch for \"%s\": got \"%s\"\n", model_path, dkeys[k],
                        text->u.string.ptr, out ? out : err.message);
            }
            wick_free(out);
            wick_buf_free(&streamed);
        }
        json_doc_free(doc);
    }
    printf("  %s: %d cases (encode with/without specials, decode, decode skipping specials), %d mismatches, "
           "%d invalid UTF-8 chunks\n",
           fixture_path, cases, mismatches, bad_chunks);
    CHECK(ts, cases >= 100);
    CHECK(ts, mismatches == 0);
    CHECK(ts, bad_chunks == 0);
    free(ids);
    free(line);
    fclose(f);
    wick_model_close(m);
}

static void test_real_smollm2(test_state *ts) {
    check_fixtures(ts, "build/models/smollm2-135m-instruct-q4_1.gguf", "tests/data/tokenizer/smollm2.jsonl");
}

/* Long texts take another path (a per-call cache of piece results): a
 * 20 KB text must give exactly the ids of its lines tokenized one by one,
 * joined by the newline's id (a lone "\n" between two non-space
 * characters is a piece of its own for SmolLM2's pre-tokenizer). */
static void test_real_long_text(test_state *ts) {
    wick_error err = {0};
    wick_model *m = NULL;
    if (wick_model_open("build/models/smollm2-135m-instruct-q4_1.gguf", &m, &err) != WICK_OK) {
        CHECK_MSG(ts, false, "%s (run tests/setup/models.sh)", err.message);
        return;
    }
    static const char *lines[] = {
        "The quick brown fox jumps over the lazy dog.", "It's 2024; numbers like 3.14159 split digit by digit.",
        "Unicode: naïve café, 日本語, emoji 😀 and symbols ∑∫.", "def f(x): return x ** 2  # code-ish text",
        "Repeated words repeated words repeated words.", "Mixed CASE words, punctuation!!! and (brackets).",
    };
    const size_t nl = sizeof lines / sizeof lines[0];
    wick_buf text = {0};
    int32_t *want = malloc(65536 * sizeof *want);
    int32_t *got = malloc(65536 * sizeof *got);
    size_t n_want = 0, n = 0;
    int32_t newline = -1;
    CHECK(ts, wick_tokenize(m, "\n", 1, 0, &newline, 1, &n, &err) == WICK_OK && n == 1);
    for (int rep = 0; text.len < 20000; rep++) {
        const char *line = lines[(size_t)rep % nl];
        if (text.len) {
            wick_buf_putc(&text, '\n');
            want[n_want++] = newline;
        }
        wick_buf_puts(&text, line);
        CHECK(ts, wick_tokenize(m, line, strlen(line), 0, want + n_want, 65536 - n_want, &n, &err) == WICK_OK);
        n_want += n;
    }
    CHECK(ts, wick_tokenize(m, text.data, text.len, 0, got, 65536, &n, &err) == WICK_OK);
    size_t diff = 0;
    while (diff < n && diff < n_want && got[diff] == want[diff]) diff++;
    CHECK_MSG(ts, n == n_want && diff == n, "%zu ids vs %zu line by line, first difference at %zu", n, n_want, diff);
    printf("  long text: %zu bytes, %zu ids, same as line by line: %s\n", text.len, n, n == n_want && diff == n ? "yes" : "no");
    wick_buf_free(&text);
    free(want);
    free(got);
    wick_model_close(m);
}

static void test_real_gemma3(test_state *ts) {
    check_fixtures(ts, "build/models/gemma3-270m-q4_k_m.gguf", "tests/data/tokenizer/gemma3.jsonl");
}

TEST_MAIN("tokenizer", TEST(test_bpe_merge_rank_order), TEST(test_bpe_ties_leftmost), TEST(test_bpe_long_piece),
          TEST(test_bpe_missing_byte), TEST(test_spm_merges_and_prefix), TEST(test_spm_byte_fallback),
          TEST(test_special_tokens), TEST(test_rstrip_phi3), TEST(test_bos_eos), TEST(test_capacity),
          TEST(test_invalid_ids), TEST(test_token_to_piece), TEST(test_stream_utf8), TEST(test_load_errors),
          TEST(test_real_smollm2), TEST(test_real_long_text), TEST(test_real_gemma3))
