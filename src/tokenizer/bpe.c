/* Byte-level BPE ("gpt2" vocabularies: GPT-2, Llama 3, Qwen2, SmolLM ...),
 * as Hugging Face's BPE model runs it: the segment is normalized (NFC for
 * Qwen2), split into pieces by the pre-tokenizer, each piece's bytes start
 * as one symbol each (the token of the byte's GPT-2 character), and the
 * adjacent pair with the lowest merge rank is merged until none is left,
 * equal ranks leftmost first. With ignore_merges (Llama 3) a piece that is
 * itself a token is taken whole. */
#include "tokenizer/merge_queue.h"
#include "tokenizer/vocab_internal.h"
#include "unicode/unicode.h"

#include <stdlib.h>
#include <string.h>

typedef struct bpe_ctx {
    const wick_vocab *v;
    tok_scratch *s;
    const char *text;
    tok_out *out;
    wick_error *err;
    wick_status st;
} bpe_ctx;

static void push_pair(const wick_vocab *v, tok_scratch *s, int32_t left, int32_t right) {
    const tok_symbol *l = &s->sym[left], *r = &s->sym[right];
    int32_t rank, merged;
    if (!vocab_find_merge(v, l->id, r->id, &rank, &merged)) return;
    mq_item it = {((uint64_t)(uint32_t)rank << 32) | (uint32_t)left, left, right, l->id, r->id, merged};
    mq_push(&s->q, it);
}

/* Pieces up to this long are cached, in texts at least this long. */
#define CACHE_MAX_PIECE 48
#define CACHE_MIN_TEXT 4096
#define CACHE_MAX_SLOTS (1u << 17)

static const piece_slot *cache_find(const piece_cache *pc, const char *p, size_t len, uint64_t h) {
    for (uint32_t i = (uint32_t)h & pc->mask;; i = (i + 1) & pc->mask) {
        const piece_slot *sl = &pc->slots[i];
        if (sl->hash == 0) return NULL;
        if (sl->hash == h && sl->key_len == len && memcmp(pc->keys.data + sl->key_off, p, len) == 0) return sl;
    }
}

/* Remembers ids[0..n) for piece p; silently skips when full or out of memory. */
static void cache_put(piece_cache *pc, const char *p, size_t len, uint64_t h, const tok_symbol *sym) {
    if (pc->used >= (pc->mask + 1) / 2) return;
    size_t n = 0;
    for (int32_t i = 0; i >= 0; i = sym[i].next) n++;
    if (pc->n_ids + n > pc->cap_ids) {
        size_t cap = pc->cap_ids ? pc->cap_ids * 2 : 8192;
        while (cap < pc->n_ids + n) cap *= 2;
        int32_t *ids = realloc(pc->ids, cap * sizeof *ids);
        if (!ids) return;
        pc->ids = ids;
        pc->cap_ids = cap;
    }
    size_t key_off = pc->keys.len;
    wick_buf_append(&pc->keys, p, len);
    if (pc->keys.failed || pc->keys.len > UINT32_MAX || pc->n_ids + n > UINT32_MAX) return;
    uint32_t i = (uint32_t)h & pc->mask;
    while (pc->slots[i].hash) i = (i + 1) & pc->mask;
    piece_slot *sl = &pc->slots[i];
    sl->hash = h;
    sl->key_off = (uint32_t)key_off;
    sl->key_len = (uint16_t)len;
    sl->ids_off = (uint32_t)pc->n_ids;
    sl->n_ids = (uint16_t)n;
    for (int32_t k = 0; k >= 0; k = sym[k].next) pc->ids[pc->n_ids++] = sym[k].id;
    pc->used++;
}

static void bpe_piece(void *ctx, size_t start, size_t len) {
    bpe_ctx *c = ctx;
    if (c->st != WICK_OK || len == 0) return;
    const wick_vocab *v = c->v;
    tok_scratch *s = c->s;
    const char *p = c->text + start;

    piece_cache *pc = &s->cache;
    uint64_t h = 0;
    if (pc->slots && len > 1 && len <= CACHE_MAX_PIECE) {
        h = vocab_hash_bytes(p, len) | 1; /* never 0, the empty mark */
        const piece_slot *hit = cache_find(pc, p, len, h);
        if (hit) {
            for (uint32_t k = 0; k < hit->n_ids; k++) tok_out_push(c->out, pc->ids[hit->ids_off + k]);
            return;
        }
    }

    if (v->ignore_merges && len > 1) {
        s->word.len = 0;
        for (size_t i = 0; i < len; i++) {
            uint8_t b = (uint8_t)p[i];
            wick_buf_append(&s->word, v->bl_text[b], v->bl_len[b]);
        }
        if (s->word.failed) {
            c->st = wick_error_set(c->err, WICK_ERR_NOMEM, "out of memory");
            return;
        }
        int32_t id = vocab_find(v, s->word.data, s->word.len);
        if (id >= 0) {
            tok_out_push(c->out, id);
            return;
        }
    }
    if (len == 1) {
        int32_t id = v->byte_token[(uint8_t)p[0]];
        if (id >= 0) tok_out_push(c->out, id);
        return;
    }

    if (!tok_scratch_reserve(s, len)) {
        c->st = wick_error_set(c->err, WICK_ERR_NOMEM, "out of memory");
        return;
    }
    /* one symbol per byte; a byte without a token is dropped, so its
     * neighbours become adjacent (HF's BPE without an unk token does this,
     * and so does llama.cpp: SmolLM2 has no token for bytes 0x04, 0xF1 ...) */
    tok_symbol *sym = s->sym;
    int32_t ns = 0;
    for (size_t i = 0; i < len; i++) {
        int32_t id = v->byte_token[(uint8_t)p[i]];
        if (id < 0) continue;
        sym[ns].id = id;
        sym[ns].prev = ns - 1;
        sym[ns].next = ns + 1;
        sym[ns].start = (uint32_t)i;
        sym[ns].len = 1;
        ns++;
    }
    if (ns == 0) return;
    sym[ns - 1].next = -1;
    s->q.n = 0;
    for (int32_t i = 0; i + 1 < ns; i++) push_pair(v, s, i, i + 1);
    while (s->q.n) {
        mq_item it = mq_pop(&s->q);
        tok_symbol *l = &sym[it.left];
        if (l->len == 0 || l->next != it.right || l->id != it.a) continue;
        tok_symbol *r = &sym[it.right];
        if (r->id != it.b) continue;
        l->id = it.merged;
        l->len += r->len;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = it.left;
        if (l->prev >= 0) push_pair(v, s, l->prev, it.left);
        if (l->next >= 0) push_pair(v, s, it.left, l->next);
    }
    if (s->q.failed) {
        c->st = wick_error_set(c->err, WICK_ERR_NOMEM, "out of memory");
        return;
    }
    for (int32_t i = 0; i >= 0; i = sym[i].next) tok_out_push(c->out, sym[i].id);
    if (h) cache_put(pc, p, len, h, sym);
}

wick_status bpe_tokenize_segment(const wick_vocab *v, tok_scratch *s, const char *text,
                                 size_t len, tok_out *out, wick_error *err) {
    if (v->nfc && !unicode_is_nfc_quick(text, len)) {
        s->norm.len = 0;
        wick_status st = unicode_nfc(text, len, &s->norm, err);
        if (st != WICK_OK) return st;
        if (s->norm.failed) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
        text = s->norm.data ? s->norm.data : "";
        len = s->norm.len;
    }
    if (len >= CACHE_MIN_TEXT && !s->cache.slots) {
        /* about one slot per 8 bytes of text (half of them get filled) */
        uint32_t slots = 1024;
        while (slots < CACHE_MAX_SLOTS && slots < len / 8) slots *= 2;
        s->cache.slots = calloc(slots, sizeof *s->cache.slots);
        s->cache.mask = s->cache.slots ? slots - 1 : 0; /* no memory: no cache */
    }
    bpe_ctx c = {v, s, text, out, err, WICK_OK};
    pretokenize(v->pre, text, len, bpe_piece, &c);
    return c.st;
}
