/* SentencePiece BPE ("llama" vocabularies: Llama 2, Mistral, Phi-3,
 * Gemma ...), as llama.cpp's llm_tokenizer_spm runs it and as HF's BPE
 * model runs the merges converted from the same scores:
 *   - spaces become U+2581 "▁", and with add_space_prefix one "▁" goes in
 *     front of every segment (HF's Prepend normalizer: the segment at the
 *     start of the text and each one after an added token, the "legacy"
 *     behaviour of Llama/Mistral tokenizer.json files);
 *   - every character starts as a symbol; the adjacent pair whose
 *     concatenation is the token with the highest score merges first
 *     (equal scores: leftmost), both halves having to be tokens;
 *   - a character that is not a token comes out as its UTF-8 bytes'
 *     <0xXX> tokens, or as the unknown token when a byte token is missing
 *     (consecutive unknowns fused, as HF's fuse_unk). */
#include "tokenizer/merge_queue.h"
#include "tokenizer/vocab_internal.h"
#include "unicode/unicode.h"

#include <stdlib.h>
#include <string.h>

/* Orders floats as unsigned integers: a < b  <=>  ord(a) < ord(b). */
static uint32_t float_order(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static void push_bigram(const wick_vocab *v, tok_scratch *s, const char *text, int32_t left,
                        int32_t right) {
    const tok_symbol *l = &s->sym[left], *r = &s->sym[right];
    if (l->id < 0 || r->id < 0) return;
    int32_t id = vocab_find(v, text + l->start, (size_t)l->len + r->len);
    if (id < 0) return;
    /* highest score first: invert the order in the key's high half */
    uint64_t key = ((uint64_t)~float_order(v->score[id]) << 32) | (uint32_t)left;
    mq_item it = {key, left, right, (int32_t)l->len, (int32_t)r->len, id};
    mq_push(&s->q, it);
}

static bool is_lower_block(const char *t, const tok_symbol *s) {
    return s->len == 3 && memcmp(t + s->start, "\xE2\x96\x81", 3) == 0;
}

/* Cuts every run of "▁" symbols greedily from the left into the longest
 * space-run tokens (see space_run in vocab_internal.h); these merges rank
 * above all others in HF's merge list, so doing them first is exact. */
static void chunk_space_runs(const wick_vocab *v, tok_symbol *sym, const char *t) {
    for (int32_t i = 0; i >= 0;) {
        int32_t run = 0;
        for (int32_t j = i; j >= 0 && is_lower_block(t, &sym[j]); j = sym[j].next) run++;
        if (run < 2) {
            i = sym[i].next;
            continue;
        }
        while (run >= 2) {
            int k = run < v->max_space_run ? run : v->max_space_run;
            while (k >= 2 && v->space_run[k] < 0) k--;
            if (k < 2) break;
            /* merge symbols i .. i+k-1 (consecutive: nothing merged yet) */
            int32_t last = i + k - 1;
            sym[i].id = v->space_run[k];
            sym[i].len = (uint32_t)k * 3;
            for (int32_t j = i + 1; j <= last; j++) sym[j].len = 0;
            sym[i].next = sym[last].next;
            if (sym[last].next >= 0) sym[sym[last].next].prev = i;
            run -= k;
            if (sym[i].next < 0) return;
            i = sym[i].next;
        }
        while (run-- > 0 && i >= 0) i = sym[i].next; /* "▁"s no token covers */
    }
}

wick_status spm_tokenize_segment(const wick_vocab *v, tok_scratch *s, const char *text,
                                 size_t len, bool prefix_space, tok_out *out, wick_error *err) {
    /* normalize: optional "▁" prefix, then ' ' -> "▁" */
    wick_buf *nb = &s->norm;
    nb->len = 0;
    if (prefix_space) wick_buf_append(nb, "\xE2\x96\x81", 3);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ') continue;
        wick_buf_append(nb, text + run, i - run);
        wick_buf_append(nb, "\xE2\x96\x81", 3);
        run = i + 1;
    }
    wick_buf_append(nb, text + run, len - run);
    if (nb->failed) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    const char *t = nb->data;
    size_t n = nb->len;
    if (n == 0) return WICK_OK;
    if (n > INT32_MAX / 2) return wick_error_set(err, WICK_ERR_LIMIT, "segment of %zu bytes is too long", n);

    /* one symbol per character (an invalid byte is a character of its own) */
    if (!tok_scratch_reserve(s, n)) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    tok_symbol *sym = s->sym;
    int32_t ns = 0;
    for (size_t off = 0; off < n;) {
        uint32_t cp;
        size_t cl = utf8_decode(t + off, n - off, &cp);
        sym[ns].id = vocab_find(v, t + off, cl);
        sym[ns].prev = ns - 1;
        sym[ns].next = off + cl < n ? ns + 1 : -1;
        sym[ns].start = (uint32_t)off;
        sym[ns].len = (uint32_t)cl;
        ns++;
        off += cl;
    }

    if (v->max_space_run) chunk_space_runs(v, sym, t);

    s->q.n = 0;
    for (int32_t i = 0; i >= 0 && sym[i].next >= 0; i = sym[i].next) push_bigram(v, s, t, i, sym[i].next);
    while (s->q.n) {
        mq_item it = mq_pop(&s->q);
        tok_symbol *l = &sym[it.left], *r = &sym[it.right];
        /* stale if either side changed since the candidate was made */
        if (l->len != (uint32_t)it.a || r->len != (uint32_t)it.b || l->next != it.right) continue;
        l->id = it.merged;
        l->len += r->len;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = it.left;
        if (l->prev >= 0) push_bigram(v, s, t, l->prev, it.left);
        if (l->next >= 0) push_bigram(v, s, t, it.left, l->next);
    }
    if (s->q.failed) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");

    bool last_unk = false;
    for (int32_t i = 0; i >= 0; i = sym[i].next) {
        if (sym[i].id >= 0) {
            tok_out_push(out, sym[i].id);
            last_unk = false;
            continue;
        }
        const unsigned char *b = (const unsigned char *)t + sym[i].start;
        bool all_bytes = true;
        for (uint32_t k = 0; k < sym[i].len; k++)
            if (v->byte_token[b[k]] < 0) all_bytes = false;
        if (all_bytes) {
            for (uint32_t k = 0; k < sym[i].len; k++) tok_out_push(out, v->byte_token[b[k]]);
            last_unk = false;
        } else if (v->unk >= 0) {
            if (!last_unk) tok_out_push(out, v->unk);
            last_unk = true;
        } else {
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "character at byte %u of the segment (0x%02X...) is not in the vocabulary, "
                                  "which has neither its <0xXX> byte tokens nor an unknown token",
                                  sym[i].start, b[0]);
        }
    }
    return WICK_OK;
}
