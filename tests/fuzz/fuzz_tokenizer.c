/* Fuzzes tokenizer input: arbitrary bytes (invalid UTF-8 included) are
 * tokenized with a SentencePiece vocab (Gemma 3) and a byte-level BPE vocab
 * (SmolLM2), with and without special-token parsing; the ids must be in
 * range, and streaming them back through a detokenizer must give valid
 * UTF-8 in every chunk. Models come from build/models/ (tests/setup/models.sh)
 * or WICK_FUZZ_MODELS=a.gguf:b.gguf. */
#include "wick.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_models {
    wick_model *models[4];
    int n;
} fuzz_models;

static fuzz_models *fuzz_state(void) {
    /* libFuzzer's entry points carry no context pointer; this one lazily
     * initialised handle set is the fuzz harness's only static. */
    static fuzz_models state;
    return &state;
}

static void load(fuzz_models *s, const char *path) {
    wick_error err;
    wick_model *m;
    if (wick_model_open(path, &m, &err) != WICK_OK) {
        fprintf(stderr, "fuzz_tokenizer: %s\n", err.message);
        abort();
    }
    s->models[s->n++] = m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_models *s = fuzz_state();
    const char *env = getenv("WICK_FUZZ_MODELS");
    if (env) {
        char buf[2048];
        snprintf(buf, sizeof buf, "%s", env);
        for (char *tok = strtok(buf, ":"); tok && s->n < 4; tok = strtok(NULL, ":")) load(s, tok);
    } else {
        load(s, "build/models/smollm2-135m-instruct-q4_1.gguf");
        load(s, "build/models/gemma3-270m-q4_k_m.gguf");
    }
    return 0;
}

/* 1 if s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return 0;
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

static void check_model(wick_model *m, const uint8_t *data, size_t size, int flags) {
    int32_t ids[4096];
    size_t n = 0;
    wick_error err;
    wick_status st = wick_tokenize(m, (const char *)data, size, flags, ids, 4096, &n, &err);
    if (st == WICK_ERR_LIMIT) return; /* long inputs: capacity contract checked elsewhere */
    if (st != WICK_OK) return;        /* an error message is a fine answer to bad input */
    int32_t vs = wick_vocab_size(m);
    wick_detokenizer *d;
    if (wick_detokenizer_new(m, 0, &d, &err) != WICK_OK) abort();
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= vs) abort();
        const char *text;
        size_t len;
        if (wick_detokenizer_push(d, ids[i], &text, &len, &err) != WICK_OK) abort();
        if (!valid_utf8((const unsigned char *)text, len)) abort();
    }
    const char *text;
    size_t len;
    if (wick_detokenizer_flush(d, &text, &len, &err) != WICK_OK) abort();
    if (!valid_utf8((const unsigned char *)text, len)) abort();
    wick_detokenizer_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_models *s = fuzz_state();
    for (int i = 0; i < s->n; i++) {
        check_model(s->models[i], data, size, WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL);
        check_model(s->models[i], data, size, 0);
    }
    return 0;
}
