/* vocab_tokenize: the text is cut at special/added tokens (special_tokens.c),
 * each ordinary segment between them goes to the vocabulary's BPE (bpe.c
 * or spm.c), and BOS/EOS are added as the metadata says. This is the shape
 * of Hugging Face's Tokenizer::encode: added tokens first, then normalizer,
 * pre-tokenizer and model on each remaining segment, then the template. */
#include "tokenizer/merge_queue.h"
#include "tokenizer/vocab_internal.h"
#include "unicode/unicode.h"

#include <stdlib.h>

/* The longest text accepted: symbol indexes are 32-bit, and 1 GiB of text
 * is far beyond any context window. */
#define TOKENIZE_MAX_TEXT ((size_t)1 << 30)

tok_scratch *tok_scratch_new(void) { return calloc(1, sizeof(tok_scratch)); }

void tok_scratch_free(tok_scratch *s) {
    if (!s) return;
    free(s->sym);
    free(s->q.items);
    free(s->cache.slots);
    free(s->cache.ids);
    wick_buf_free(&s->cache.keys);
    wick_buf_free(&s->norm);
    wick_buf_free(&s->word);
    free(s);
}

static wick_status run_segment(const wick_vocab *v, tok_scratch *s, const char *text, size_t len,
                               tok_out *out, wick_error *err) {
    if (len == 0) return WICK_OK; /* HF normalizes nothing for an empty segment: no "▁" either */
    if (v->kind == VOCAB_SPM) return spm_tokenize_segment(v, s, text, len, v->add_space_prefix, out, err);
    return bpe_tokenize_segment(v, s, text, len, out, err);
}

/* Whitespace as HF's added-token lstrip/rstrip sees it (Rust's
 * char::is_whitespace, the White_Space property). */
static size_t skip_space_forward(const char *t, size_t at, size_t len) {
    while (at < len) {
        uint32_t cp;
        size_t n = utf8_decode(t + at, len - at, &cp);
        if (cp == UTF8_INVALID || !unicode_is_whitespace(cp)) break;
        at += n;
    }
    return at;
}

static size_t skip_space_backward(const char *t, size_t from, size_t end) {
    while (end > from) {
        size_t start = end - 1;
        while (start > from && end - start < 4 && ((unsigned char)t[start] & 0xC0) == 0x80) start--;
        uint32_t cp;
        size_t n = utf8_decode(t + start, end - start, &cp);
        if (cp == UTF8_INVALID || n != end - start || !unicode_is_whitespace(cp)) break;
        end = start;
    }
    return end;
}

wick_status vocab_tokenize(const wick_vocab *v, const char *text, size_t len, int flags,
                           int32_t *tokens, size_t capacity, size_t *n_tokens, wick_error *err) {
    if (n_tokens) *n_tokens = 0;
    if (!n_tokens) return wick_error_set(err, WICK_ERR_INVALID_ARG, "tokenize: n_tokens is NULL");
    if (!tokens && capacity)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "tokenize: tokens is NULL but capacity is %zu", capacity);
    if (!text && len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "tokenize: text is NULL");
    if (len > TOKENIZE_MAX_TEXT)
        return wick_error_set(err, WICK_ERR_LIMIT, "tokenize: the text is %zu bytes; the limit is %zu", len,
                              TOKENIZE_MAX_TEXT);
    const bool add_special = (flags & WICK_TOKENIZE_ADD_SPECIAL) != 0;
    const bool parse_special = (flags & WICK_TOKENIZE_PARSE_SPECIAL) != 0;
    const bool match_any = parse_special || v->has_user_defined;

    tok_scratch *s = tok_scratch_new();
    if (!s) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    tok_out out = {tokens, capacity, 0};
    wick_status st = WICK_OK;

    if (add_special && v->add_bos) tok_out_push(&out, v->bos);

    size_t seg = 0, i = 0;
    while (i < len && st == WICK_OK) {
        if (!match_any || v->trie_root[(uint8_t)text[i]] < 0) {
            i++;
            continue;
        }
        size_t mlen = 0;
        int32_t id = special_match_at(v, text + i, len - i, parse_special, &mlen);
        if (id < 0) {
            i++;
            continue;
        }
        size_t seg_end = i;
        if (v->attr[id] & TOKEN_ATTR_LSTRIP) seg_end = skip_space_backward(text, seg, seg_end);
        st = run_segment(v, s, text + seg, seg_end - seg, &out, err);
        tok_out_push(&out, id);
        i += mlen;
        if (v->attr[id] & TOKEN_ATTR_RSTRIP) i = skip_space_forward(text, i, len);
        seg = i;
    }
    if (st == WICK_OK) st = run_segment(v, s, text + seg, len - seg, &out, err);
    if (st == WICK_OK && add_special && v->add_eos) tok_out_push(&out, v->eos);
    tok_scratch_free(s);
    if (st != WICK_OK) return st;

    *n_tokens = out.n;
    if (out.n > capacity)
        return wick_error_set(err, WICK_ERR_LIMIT, "tokenize: %zu tokens do not fit in a capacity of %zu",
                              out.n, capacity);
    return WICK_OK;
}
