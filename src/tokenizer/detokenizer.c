/* Token ids back to text, streaming.
 *
 * Pieces are concatenated as bytes (a byte token may carry one byte of a
 * multi-byte character), and the bytes are released only as complete
 * UTF-8: a sequence that is still valid but cut short waits for the next
 * push; bytes that can never become valid come out as U+FFFD, one per
 * maximal invalid subpart (the same rule as Rust's from_utf8_lossy, which
 * HF's ByteLevel decoder uses). flush turns a dangling sequence into one
 * U+FFFD.
 *
 * Leading space: for SentencePiece vocabularies with add_space_prefix
 * (Llama 2, Mistral, Phi-3), HF's decoder ends with Strip(" ", 1, 0), which
 * removes one space at the very start of the decoded text; we strip a
 * space if it is the first byte the stream produces (after skipped special
 * tokens, as HF strips after skipping them). Gemma (no space prefix) and
 * byte-level vocabularies keep every space. */
#include "core/buf.h"
#include "model/model.h"
#include "tokenizer/vocab_internal.h"

#include <stdlib.h>
#include <string.h>

struct wick_detokenizer {
    const wick_vocab *v;
    int flags;
    bool at_start;          /* nothing produced yet (for the leading-space strip) */
    unsigned char pend[4];  /* the start of an incomplete UTF-8 sequence */
    size_t npend;
    wick_buf out;           /* what the last push/flush returned */
    wick_buf in;            /* scratch: pending bytes + the next piece */
};

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

static void emit(wick_detokenizer *d, const char *s, size_t n) {
    if (n && d->at_start) {
        d->at_start = false;
        if (*s == ' ' && vocab_strips_leading_space(d->v)) {
            s++;
            n--;
        }
    }
    wick_buf_append(&d->out, s, n);
}

/* Decodes p[0..n) into d->out. When `final` is false a valid but
 * incomplete sequence at the end is kept in d->pend instead. */
static void feed(wick_detokenizer *d, const unsigned char *p, size_t n, bool final) {
    size_t i = 0, plain = 0; /* p[plain..i) is valid text not yet emitted */
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) need = 2, lo = 0xA0;
        else if (c == 0xED) need = 2, hi = 0x9F;
        else if (c >= 0xE1 && c <= 0xEF) need = 2;
        else if (c == 0xF0) need = 3, lo = 0x90;
        else if (c == 0xF4) need = 3, hi = 0x8F;
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else need = 0; /* 0x80..0xC1, 0xF5..0xFF never start a sequence */

        size_t j = i + 1, k = 0;
        bool cut = false;
        while (k < need) {
            if (j >= n) {
                cut = true;
                break;
            }
            unsigned b = p[j];
            if (b < (k == 0 ? lo : 0x80) || b > (k == 0 ? hi : 0xBF)) break;
            j++;
            k++;
        }
        if (need && k == need) {
            i = j;
            continue;
        }
        emit(d, (const char *)p + plain, i - plain);
        if (cut && !final) {
            d->npend = n - i;
            memcpy(d->pend, p + i, d->npend);
            return;
        }
        emit(d, REPLACEMENT, 3);
        i = need ? j : i + 1;
        plain = i;
    }
    emit(d, (const char *)p + plain, i - plain);
}

static wick_status check_id(const wick_vocab *v, int32_t token, wick_error *err) {
    if (token < 0 || token >= v->n_tokens)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "token id %d is out of range (vocab size %d)",
                              token, v->n_tokens);
    return WICK_OK;
}

static void push_piece(wick_detokenizer *d, int32_t token) {
    size_t n;
    const char *piece = vocab_piece(d->v, token, &n);
    if ((d->flags & WICK_DETOKENIZE_SKIP_SPECIAL) && vocab_piece_skipped(d->v, token)) n = 0;
    if (n == 0) return;
    if (d->npend == 0) {
        feed(d, (const unsigned char *)piece, n, false);
        return;
    }
    /* the pending bytes and the new piece, as one run */
    d->in.len = 0;
    wick_buf_append(&d->in, (const char *)d->pend, d->npend);
    wick_buf_append(&d->in, piece, n);
    d->npend = 0;
    if (d->in.failed) {
        d->out.failed = true;
        return;
    }
    feed(d, (const unsigned char *)d->in.data, d->in.len, false);
}

wick_status wick_detokenizer_new(const wick_model *model, int flags, wick_detokenizer **out,
                                 wick_error *err) {
    *out = NULL;
    const wick_vocab *v;
    wick_status st = model_require_vocab(model, &v, err);
    if (st != WICK_OK) return st;
    wick_detokenizer *d = calloc(1, sizeof *d);
    if (!d) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    d->v = v;
    d->flags = flags;
    d->at_start = true;
    *out = d;
    return WICK_OK;
}

static wick_status result(wick_detokenizer *d, const char **text, size_t *len, wick_error *err) {
    if (d->out.failed) {
        d->out.failed = false;
        d->out.len = 0;
        return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    }
    *text = d->out.data ? d->out.data : "";
    *len = d->out.len;
    return WICK_OK;
}

wick_status wick_detokenizer_push(wick_detokenizer *d, int32_t token, const char **text,
                                  size_t *len, wick_error *err) {
    *text = "";
    *len = 0;
    if (!d) return wick_error_set(err, WICK_ERR_INVALID_ARG, "detokenizer is NULL");
    wick_status st = check_id(d->v, token, err);
    if (st != WICK_OK) return st;
    d->out.len = 0;
    push_piece(d, token);
    return result(d, text, len, err);
}

wick_status wick_detokenizer_flush(wick_detokenizer *d, const char **text, size_t *len,
                                   wick_error *err) {
    *text = "";
    *len = 0;
    if (!d) return wick_error_set(err, WICK_ERR_INVALID_ARG, "detokenizer is NULL");
    d->out.len = 0;
    if (d->npend) {
        unsigned char p[4];
        size_t n = d->npend;
        memcpy(p, d->pend, n);
        d->npend = 0;
        feed(d, p, n, true);
    }
    return result(d, text, len, err);
}

void wick_detokenizer_free(wick_detokenizer *d) {
    if (!d) return;
    wick_buf_free(&d->out);
    wick_buf_free(&d->in);
    free(d);
}

wick_status wick_detokenize(const wick_model *model, const int32_t *tokens, size_t n_tokens,
                            int flags, char **text, size_t *len, wick_error *err) {
    *text = NULL;
    if (len) *len = 0;
    const wick_vocab *v;
    wick_status st = model_require_vocab(model, &v, err);
    if (st != WICK_OK) return st;
    if (!tokens && n_tokens) return wick_error_set(err, WICK_ERR_INVALID_ARG, "detokenize: tokens is NULL");
    for (size_t i = 0; i < n_tokens; i++)
        if (tokens[i] < 0 || tokens[i] >= v->n_tokens)
            return wick_error_set(err, WICK_ERR_INVALID_ARG,
                                  "tokens[%zu]: token id %d is out of range (vocab size %d)", i, tokens[i],
                                  v->n_tokens);
    wick_detokenizer d = {v, flags, true, {0}, 0, {0}, {0}};
    /* one growing buffer: pushes append instead of resetting */
    for (size_t i = 0; i < n_tokens; i++) push_piece(&d, tokens[i]);
    if (d.npend) {
        unsigned char p[4];
        size_t n = d.npend;
        memcpy(p, d.pend, n);
        d.npend = 0;
        feed(&d, p, n, true);
    }
    wick_buf_free(&d.in);
    if (d.out.failed) {
        wick_buf_free(&d.out);
        return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    }
    if (!d.out.data) wick_buf_append(&d.out, "", 0);
    size_t n = 0;
    *text = wick_buf_take(&d.out, &n);
    if (!*text) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    if (len) *len = n;
    return WICK_OK;
}
