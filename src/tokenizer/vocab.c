/* Loading a vocabulary from GGUF tokenizer.ggml.* metadata, the way
 * llama.cpp reads it (defaults included), plus the id/text lookups and
 * token_to_piece. Tokenization itself is in tokenize.c, bpe.c and spm.c.
 *
 * Memory: every array here is sized by the token or merge count, which the
 * GGUF reader has already checked against the file's size (each string
 * element takes at least 8 bytes of the file), so a hostile count cannot
 * ask for more than a small multiple of the file. */
#include "tokenizer/vocab_internal.h"

#include "unicode/unicode.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ hashing */

uint64_t vocab_hash_bytes(const char *s, size_t n) {
    /* FNV-1a over 8-byte words, then a final avalanche: token texts are
     * short, so this is mostly one or two rounds. */
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 32;
    h *= 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return h;
}

int32_t vocab_find(const wick_vocab *v, const char *s, size_t n) {
    uint64_t h = vocab_hash_bytes(s, n);
    uint64_t tag = h & 0xFFFFFFFF00000000ull;
    for (uint32_t i = (uint32_t)h & v->tok_mask;; i = (i + 1) & v->tok_mask) {
        uint64_t slot = v->tok_slots[i];
        if (!slot) return -1;
        if ((slot & 0xFFFFFFFF00000000ull) != tag) continue;
        int32_t id = (int32_t)((uint32_t)slot - 1);
        if (v->text_len[id] == n && memcmp(v->text_pool + v->text_off[id], s, n) == 0) return id;
    }
}

static uint32_t table_size_for(uint64_t n) {
    uint32_t size = 16;
    while (size < n * 2) size *= 2;
    return size;
}

/* ------------------------------------------------------- small helpers */

static wick_status oom(wick_error *err) {
    return wick_error_set(err, WICK_ERR_NOMEM, "out of memory while loading the vocabulary");
}

/* Reads an optional token id key; out-of-range ids count as absent, as in
 * llama.cpp (some files carry e.g. a padding id equal to the vocab size). */
static wick_status read_id(const gguf_file *g, const char *key, int32_t n_tokens, int32_t *id,
                           wick_error *err) {
    int64_t kv = gguf_find_key(g, key);
    if (kv < 0) return WICK_OK;
    int64_t val;
    if (!gguf_kv_get_i64(g, kv, &val))
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key %s: expected an integer token id",
                              key);
    *id = (val >= 0 && val < n_tokens) ? (int32_t)val : -1;
    return WICK_OK;
}

static wick_status read_bool(const gguf_file *g, const char *key, bool *out, wick_error *err) {
    int64_t kv = gguf_find_key(g, key);
    if (kv < 0) return WICK_OK;
    if (!gguf_kv_get_bool(g, kv, out))
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key %s: expected a bool", key);
    return WICK_OK;
}

static bool name_in(const char *name, const char *const *list) {
    for (; *list; list++)
        if (strcmp(name, *list) == 0) return true;
    return false;
}

/* Pre-tokenizer names for which llama.cpp turns on ignore_merges (HF's
 * BPE "ignore_merges": a piece that is itself a token skips merging) and
 * add_bos by default. */
static const char *const LLAMA3_NAMES[] = {"llama3", "llama-v3", "llama-bpe", "falcon3",
                                           "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                                           "jina-v5-nano", NULL};
static const char *const IGNORE_MERGES_NAMES[] = {"tekken", "youtu", "minicpm5",
                                                  "granite-embed-multi-97m", NULL};
static const char *const ADD_BOS_NAMES[] = {"tekken", "chameleon", NULL};

/* ---------------------------------------------------------- load steps */

static wick_status load_tokens(wick_vocab *v, const gguf_file *g, wick_error *err) {
    gguf_array arr;
    if (gguf_find_key(g, "tokenizer.ggml.tokens") < 0)
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key tokenizer.ggml.tokens is missing");
    if (!gguf_get_array(g, "tokenizer.ggml.tokens", &arr) || arr.elem_type != GGUF_TYPE_STRING)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "metadata key tokenizer.ggml.tokens: expected an array of strings");
    if (arr.len == 0)
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key tokenizer.ggml.tokens is empty");
    if (arr.len >= INT32_MAX / 2)
        return wick_error_set(err, WICK_ERR_LIMIT, "tokenizer.ggml.tokens has %llu entries; at most %d are supported",
                              (unsigned long long)arr.len, INT32_MAX / 2 - 1);
    int32_t n = (int32_t)arr.len;
    v->n_tokens = n;

    uint64_t pool = 0;
    for (int32_t i = 0; i < n; i++) {
        gguf_str s;
        if (!gguf_array_get_str(&arr, (uint64_t)i, &s))
            return wick_error_set(err, WICK_ERR_FORMAT, "tokenizer.ggml.tokens[%d]: expected a string", i);
        pool += s.len + 1;
    }
    if (pool > UINT32_MAX)
        return wick_error_set(err, WICK_ERR_LIMIT, "tokenizer.ggml.tokens: %llu bytes of text is too much",
                              (unsigned long long)pool);

    v->text_pool = malloc((size_t)pool);
    v->text_off = malloc((size_t)n * sizeof *v->text_off);
    v->text_len = malloc((size_t)n * sizeof *v->text_len);
    v->type = malloc((size_t)n);
    v->attr = calloc((size_t)n, 1);
    v->tok_mask = table_size_for((uint64_t)n) - 1;
    v->tok_slots = calloc((size_t)v->tok_mask + 1, sizeof *v->tok_slots);
    if (!v->text_pool || !v->text_off || !v->text_len || !v->type || !v->attr || !v->tok_slots)
        return oom(err);

    uint32_t at = 0;
    for (int32_t i = 0; i < n; i++) {
        gguf_str s;
        gguf_array_get_str(&arr, (uint64_t)i, &s);
        v->text_off[i] = at;
        v->text_len[i] = (uint32_t)s.len;
        if (s.len) memcpy(v->text_pool + at, s.ptr, (size_t)s.len);
        v->text_pool[at + s.len] = '\0';
        at += (uint32_t)s.len + 1;
        v->type[i] = TOKEN_TYPE_NORMAL;
        if (s.len == 0) continue; /* an empty token can never be matched */
        const char *text = v->text_pool + v->text_off[i];
        uint64_t h = vocab_hash_bytes(text, (size_t)s.len);
        for (uint32_t slot = (uint32_t)h & v->tok_mask;; slot = (slot + 1) & v->tok_mask) {
            uint64_t cur = v->tok_slots[slot];
            if (!cur) {
                v->tok_slots[slot] = (h & 0xFFFFFFFF00000000ull) | ((uint32_t)i + 1);
                break;
            }
            int32_t other = (int32_t)((uint32_t)cur - 1);
            if (v->text_len[other] == s.len && memcmp(v->text_pool + v->text_off[other], text, (size_t)s.len) == 0)
                return wick_error_set(err, WICK_ERR_FORMAT,
                                      "tokenizer.ggml.tokens[%d]: duplicate of token %d (\"%.64s\")", i,
                                      other, text);
        }
    }
    return WICK_OK;
}

static wick_status load_types_scores(wick_vocab *v, const gguf_file *g, wick_error *err) {
    gguf_array arr;
    int32_t n = v->n_tokens;
    if (gguf_find_key(g, "tokenizer.ggml.token_type") >= 0) {
        if (!gguf_get_array(g, "tokenizer.ggml.token_type", &arr))
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "metadata key tokenizer.ggml.token_type: expected an array of integers");
        if (arr.len < (uint64_t)n)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "tokenizer.ggml.token_type has %llu entries but there are %d tokens",
                                  (unsigned long long)arr.len, n);
        for (int32_t i = 0; i < n; i++) {
            int64_t t;
            if (!gguf_array_get_i64(&arr, (uint64_t)i, &t))
                return wick_error_set(err, WICK_ERR_FORMAT,
                                      "tokenizer.ggml.token_type[%d]: expected an integer", i);
            if (t < TOKEN_TYPE_UNDEFINED || t > TOKEN_TYPE_BYTE)
                return wick_error_set(err, WICK_ERR_FORMAT,
                                      "tokenizer.ggml.token_type[%d] = %lld: expected 0..6 (1 normal, 2 unknown, "
                                      "3 control, 4 user-defined, 5 unused, 6 byte)",
                                      i, (long long)t);
            v->type[i] = (uint8_t)t;
        }
    }
    if (v->kind != VOCAB_SPM) return WICK_OK;
    v->score = calloc((size_t)n, sizeof *v->score);
    if (!v->score) return oom(err);
    if (gguf_find_key(g, "tokenizer.ggml.scores") < 0) return WICK_OK; /* all 0, as llama.cpp */
    if (!gguf_get_array(g, "tokenizer.ggml.scores", &arr))
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key tokenizer.ggml.scores: expected an array of numbers");
    if (arr.len < (uint64_t)n)
        return wick_error_set(err, WICK_ERR_FORMAT, "tokenizer.ggml.scores has %llu entries but there are %d tokens",
                              (unsigned long long)arr.len, n);
    for (int32_t i = 0; i < n; i++) {
        float f;
        int64_t iv;
        if (gguf_array_get_f32(&arr, (uint64_t)i, &f)) {
            v->score[i] = f;
        } else if (gguf_array_get_i64(&arr, (uint64_t)i, &iv)) {
            v->score[i] = (float)iv;
        } else {
            return wick_error_set(err, WICK_ERR_FORMAT, "tokenizer.ggml.scores[%d]: expected a number", i);
        }
        if (v->score[i] != v->score[i])
            return wick_error_set(err, WICK_ERR_FORMAT, "tokenizer.ggml.scores[%d] is NaN", i);
    }
    return WICK_OK;
}

static wick_status load_merges(wick_vocab *v, const gguf_file *g, wick_error *err) {
    gguf_array arr;
    if (gguf_find_key(g, "tokenizer.ggml.merges") < 0)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "metadata key tokenizer.ggml.merges is missing (required for tokenizer.ggml.model \"gpt2\")");
    if (!gguf_get_array(g, "tokenizer.ggml.merges", &arr) || arr.elem_type != GGUF_TYPE_STRING)
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key tokenizer.ggml.merges: expected an array of strings");
    if (arr.len >= INT32_MAX / 2)
        return wick_error_set(err, WICK_ERR_LIMIT, "tokenizer.ggml.merges has too many entries (%llu)",
                              (unsigned long long)arr.len);
    uint32_t size = table_size_for(arr.len);
    v->merge_mask = size - 1;
    v->merges = malloc((size_t)size * sizeof *v->merges);
    if (!v->merges) return oom(err);
    for (uint32_t i = 0; i < size; i++) v->merges[i].key = MERGE_EMPTY;

    for (uint64_t r = 0; r < arr.len; r++) {
        gguf_str s;
        if (!gguf_array_get_str(&arr, r, &s))
            return wick_error_set(err, WICK_ERR_FORMAT, "tokenizer.ggml.merges[%llu]: expected a string",
                                  (unsigned long long)r);
        /* "left right": split at the first space after the first byte, as
         * llama.cpp does (byte-level tokens never contain a raw space). */
        const char *sp = s.len > 1 ? memchr(s.ptr + 1, ' ', (size_t)s.len - 1) : NULL;
        if (!sp)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "tokenizer.ggml.merges[%llu] = \"%.*s\": expected \"left right\"",
                                  (unsigned long long)r, (int)(s.len > 64 ? 64 : s.len), s.ptr);
        size_t ll = (size_t)(sp - s.ptr), rl = (size_t)s.len - ll - 1;
        int32_t a = vocab_find(v, s.ptr, ll), b = vocab_find(v, sp + 1, rl);
        /* the merged text is the rule without its space */
        char small[256];
        char *joined = ll + rl <= sizeof small ? small : malloc(ll + rl);
        if (!joined) return oom(err);
        memcpy(joined, s.ptr, ll);
        memcpy(joined + ll, sp + 1, rl);
        int32_t m = vocab_find(v, joined, ll + rl);
        if (joined != small) free(joined);
        if (a < 0 || b < 0 || m < 0)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "tokenizer.ggml.merges[%llu] = \"%.*s\": %s is not in tokenizer.ggml.tokens",
                                  (unsigned long long)r, (int)(s.len > 64 ? 64 : s.len), s.ptr,
                                  a < 0 ? "the left part" : b < 0 ? "the right part" : "the merged token");
        uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        uint32_t slot = (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & v->merge_mask;
        for (;; slot = (slot + 1) & v->merge_mask) {
            merge_slot *ms = &v->merges[slot];
            if (ms->key == key) break; /* a repeated rule: the first (lowest rank) wins */
            if (ms->key == MERGE_EMPTY) {
                ms->key = key;
                ms->rank = (int32_t)r;
                ms->merged = m;
                v->n_merges++;
                break;
            }
        }
    }
    return WICK_OK;
}

static wick_status load_settings(wick_vocab *v, const gguf_file *g, wick_error *err) {
    gguf_str pre = {"", 0};
    int64_t kv = gguf_find_key(g, "tokenizer.ggml.pre");
    if (kv >= 0 && !gguf_kv_get_str(g, kv, &pre))
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key tokenizer.ggml.pre: expected a string");
    if (pre.len >= sizeof v->pre_name)
        return wick_error_set(err, WICK_ERR_UNSUPPORTED, "tokenizer.ggml.pre \"%.*s\" is not supported",
                              (int)(pre.len > 64 ? 64 : pre.len), pre.ptr);
    memcpy(v->pre_name, pre.ptr, (size_t)pre.len);
    v->pre_name[pre.len] = '\0';

    if (v->kind == VOCAB_SPM) {
        v->add_bos = true;
        v->add_space_prefix = true;
        v->bos = 1 < v->n_tokens ? 1 : -1;
        v->eos = 2 < v->n_tokens ? 2 : -1;
        v->unk = 0;
    } else {
        /* llama.cpp treats a missing pre-tokenizer as "default" */
        const char *name = v->pre_name[0] ? v->pre_name : "default";
        int kind = pretok_kind_from_name(name, strlen(name));
        if (kind < 0)
            return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                                  "tokenizer.ggml.pre \"%s\" is not a pre-tokenizer Wick implements", name);
        v->pre = (pretok_kind)kind;
        v->nfc = v->pre == PRETOK_QWEN2 || v->pre == PRETOK_QWEN35; /* Qwen's tokenizer.json: NFC */
        v->ignore_merges = name_in(name, LLAMA3_NAMES) || name_in(name, IGNORE_MERGES_NAMES);
        v->add_bos = name_in(name, LLAMA3_NAMES) || name_in(name, ADD_BOS_NAMES);
    }

    wick_status st;
    if ((st = read_id(g, "tokenizer.ggml.bos_token_id", v->n_tokens, &v->bos, err)) ||
        (st = read_id(g, "tokenizer.ggml.eos_token_id", v->n_tokens, &v->eos, err)) ||
        (st = read_id(g, "tokenizer.ggml.unknown_token_id", v->n_tokens, &v->unk, err)) ||
        (st = read_id(g, "tokenizer.ggml.padding_token_id", v->n_tokens, &v->pad, err)) ||
        (st = read_id(g, "tokenizer.ggml.eot_token_id", v->n_tokens, &v->eot, err)) ||
        (st = read_id(g, "tokenizer.ggml.eom_token_id", v->n_tokens, &v->eom, err)) ||
        (st = read_bool(g, "tokenizer.ggml.add_bos_token", &v->add_bos, err)) ||
        (st = read_bool(g, "tokenizer.ggml.add_eos_token", &v->add_eos, err)) ||
        (st = read_bool(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix, err)) ||
        (st = read_bool(g, "tokenizer.ggml.remove_extra_whitespaces", &v->remove_extra_ws, err)))
        return st;
    if (v->add_bos && v->bos < 0)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "tokenizer.ggml.add_bos_token is true but there is no valid tokenizer.ggml.bos_token_id");
    if (v->add_eos && v->eos < 0)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "tokenizer.ggml.add_eos_token is true but there is no valid tokenizer.ggml.eos_token_id");
    return WICK_OK;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The byte of a "<0xXX>" token text, or -1. */
static int byte_token_value(const char *t, size_t n) {
    if (n != 6 || memcmp(t, "<0x", 3) != 0 || t[5] != '>') return -1;
    int hi = hex_digit(t[3]), lo = hex_digit(t[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static void load_byte_tokens(wick_vocab *v) {
    for (int b = 0; b < 256; b++) {
        uint32_t cp = unicode_byte_to_cp((uint8_t)b);
        v->bl_len[b] = (uint8_t)utf8_encode(cp, v->bl_text[b]);
        if (v->kind == VOCAB_SPM) {
            char name[8];
            snprintf(name, sizeof name, "<0x%02X>", b);
            v->byte_token[b] = vocab_find(v, name, 6);
        } else {
            v->byte_token[b] = vocab_find(v, v->bl_text[b], v->bl_len[b]);
        }
    }
}

/* Decoded piece of every token: byte tokens become their byte; SPM turns
 * U+2581 into a space; byte-level BPE maps characters back to bytes (a text
 * with characters outside the map, such as an added "<think>", stays as it
 * is, which is what HF's ByteLevel decoder does too). */
static wick_status build_pieces(wick_vocab *v, wick_error *err) {
    wick_buf pool = {0};
    int32_t n = v->n_tokens;
    v->piece_off = malloc((size_t)n * sizeof *v->piece_off);
    v->piece_len = malloc((size_t)n * sizeof *v->piece_len);
    if (!v->piece_off || !v->piece_len) return oom(err);
    for (int32_t i = 0; i < n; i++) {
        const char *t = v->text_pool + v->text_off[i];
        size_t tl = v->text_len[i];
        size_t start = pool.len;
        int byte = v->type[i] == TOKEN_TYPE_BYTE ? byte_token_value(t, tl) : -1;
        if (byte >= 0) {
            char c = (char)byte;
            wick_buf_append(&pool, &c, 1);
        } else if (v->kind == VOCAB_SPM) {
            size_t k = 0;
            while (k < tl) {
                if (k + 3 <= tl && memcmp(t + k, "\xE2\x96\x81", 3) == 0) {
                    wick_buf_putc(&pool, ' ');
                    k += 3;
                } else {
                    wick_buf_append(&pool, t + k, 1);
                    k++;
                }
            }
        } else {
            size_t k = 0;
            bool ok = true;
            while (k < tl) {
                uint32_t cp;
                size_t used = utf8_decode(t + k, tl - k, &cp);
                int b = unicode_cp_to_byte(cp);
                if (b < 0) {
                    ok = false;
                    break;
                }
                char c = (char)b;
                wick_buf_append(&pool, &c, 1);
                k += used;
            }
            if (!ok) {
                pool.len = start;
                wick_buf_append(&pool, t, tl);
            }
        }
        if (pool.len - start > UINT32_MAX || pool.len > UINT32_MAX) {
            wick_buf_free(&pool);
            return wick_error_set(err, WICK_ERR_LIMIT, "decoded token pieces are too large");
        }
        v->piece_off[i] = (uint32_t)start;
        v->piece_len[i] = (uint32_t)(pool.len - start);
    }
    if (pool.failed) {
        wick_buf_free(&pool);
        return oom(err);
    }
    if (!pool.data) wick_buf_append(&pool, "", 0);
    v->piece_pool = pool.data;
    if (!v->piece_pool) return oom(err);
    return WICK_OK;
}

/* ------------------------------------------------------------- public */

wick_status vocab_load(const gguf_file *g, wick_vocab **out, wick_error *err) {
    *out = NULL;
    gguf_str model;
    if (!gguf_get_str(g, "tokenizer.ggml.model", &model))
        return wick_error_set(err, WICK_ERR_FORMAT, "metadata key tokenizer.ggml.model: expected a string");
    wick_vocab *v = calloc(1, sizeof *v);
    if (!v) return oom(err);
    v->bos = v->eos = v->unk = v->pad = v->eot = v->eom = -1;
    wick_status st = WICK_OK;
    if (gguf_str_eq(model, "llama")) {
        v->kind = VOCAB_SPM;
    } else if (gguf_str_eq(model, "gpt2")) {
        v->kind = VOCAB_BPE;
    } else {
        st = wick_error_set(err, WICK_ERR_UNSUPPORTED,
                            "tokenizer.ggml.model \"%.*s\" is not supported (Wick reads \"llama\", "
                            "SentencePiece BPE, and \"gpt2\", byte-level BPE)",
                            (int)(model.len > 64 ? 64 : model.len), model.ptr);
    }
    if (st == WICK_OK) st = load_tokens(v, g, err);
    if (st == WICK_OK) st = load_types_scores(v, g, err);
    if (st == WICK_OK && v->kind == VOCAB_BPE) st = load_merges(v, g, err);
    if (st == WICK_OK) st = load_settings(v, g, err);
    if (st == WICK_OK) {
        load_byte_tokens(v);
        gguf_str name = {"", 0};
        char lname[256];
        gguf_get_str(g, "general.name", &name);
        size_t nl = name.len < sizeof lname - 1 ? (size_t)name.len : sizeof lname - 1;
        for (size_t i = 0; i < nl; i++) lname[i] = (char)tolower((unsigned char)name.ptr[i]);
        lname[nl] = '\0';
        st = special_tokens_build(v, lname, err);
    }
    if (st == WICK_OK) {
        special_find_eog(v);
        st = build_pieces(v, err);
    }
    if (st != WICK_OK) {
        vocab_free(v);
        return st;
    }
    *out = v;
    return WICK_OK;
}

void vocab_free(wick_vocab *v) {
    if (!v) return;
    free(v->text_pool);
    free(v->text_off);
    free(v->text_len);
    free(v->type);
    free(v->attr);
    free(v->score);
    free(v->tok_slots);
    free(v->merges);
    free(v->trie);
    free(v->piece_pool);
    free(v->piece_off);
    free(v->piece_len);
    free(v);
}

int32_t vocab_n_tokens(const wick_vocab *v) { return v->n_tokens; }
int32_t vocab_bos(const wick_vocab *v) { return v->bos; }
int32_t vocab_eos(const wick_vocab *v) { return v->eos; }

bool vocab_is_eog(const wick_vocab *v, int32_t token) {
    if (token < 0) return false;
    for (int i = 0; i < v->n_eog; i++)
        if (v->eog[i] == token) return true;
    return false;
}

const char *vocab_token_text(const wick_vocab *v, int32_t token) {
    if (token < 0 || token >= v->n_tokens) return "";
    return v->text_pool + v->text_off[token];
}

wick_status vocab_token_to_piece(const wick_vocab *v, int32_t token, int flags, char *buf,
                                 size_t capacity, size_t *len, wick_error *err) {
    if (token < 0 || token >= v->n_tokens)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "token id %d is out of range (vocab size %d)",
                              token, v->n_tokens);
    size_t n = 0;
    const char *p = vocab_piece(v, token, &n);
    if ((flags & WICK_DETOKENIZE_SKIP_SPECIAL) && vocab_piece_skipped(v, token)) n = 0;
    *len = n;
    if (n > capacity)
        return wick_error_set(err, WICK_ERR_LIMIT, "the piece of token %d needs %zu bytes, capacity is %zu",
                              token, n, capacity);
    if (n) memcpy(buf, p, n);
    if (n < capacity) buf[n] = '\0';
    return WICK_OK;
}
