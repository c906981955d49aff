/* Scratch state of one tokenize call: the symbol list that BPE merges
 * over, and a binary min-heap of candidate merges. Both tokenizers keep
 * symbols as a doubly linked list inside an array (merging unlinks the
 * right symbol), so a merge costs O(log n) and nothing is rescanned. */
#ifndef WICK_TOKENIZER_MERGE_QUEUE_H
#define WICK_TOKENIZER_MERGE_QUEUE_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* One symbol: a run of bytes text[start .. start+len) that is token `id`
 * (-1 when the run is not a token). Merged-away symbols have len 0. */
typedef struct tok_symbol {
    int32_t id;
    int32_t prev, next; /* indexes, -1 at the ends */
    uint32_t start, len;
} tok_symbol;

/* A candidate merge of symbols left and right into token `merged`. `key`
 * orders the heap (smallest first: the priority in the high bits, the
 * position in the low bits so ties go to the leftmost pair). `a`/`b`
 * record what the two symbols were when the candidate was made, so stale
 * entries are skipped when popped. */
typedef struct mq_item {
    uint64_t key;
    int32_t left, right;
    int32_t a, b;
    int32_t merged;
} mq_item;

typedef struct merge_queue {
    mq_item *items;
    size_t n, cap;
    bool failed; /* an allocation failed */
} merge_queue;

static inline void mq_push(merge_queue *q, mq_item it) {
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        mq_item *p = realloc(q->items, cap * sizeof *p);
        if (!p) {
            q->failed = true;
            return;
        }
        q->items = p;
        q->cap = cap;
    }
    size_t i = q->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (q->items[parent].key <= it.key) break;
        q->items[i] = q->items[parent];
        i = parent;
    }
    q->items[i] = it;
}

/* Removes and returns the smallest item; q->n must be > 0. */
static inline mq_item mq_pop(merge_queue *q) {
    mq_item top = q->items[0];
    mq_item last = q->items[--q->n];
    size_t i = 0, n = q->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && q->items[c + 1].key < q->items[c].key) c++;
        if (last.key <= q->items[c].key) break;
        q->items[i] = q->items[c];
        i = c;
    }
    if (n) q->items[i] = last;
    return top;
}

/* Byte-level BPE result of a piece, remembered for the rest of one
 * tokenize call (prose repeats its words; HF keeps such a cache too). */
typedef struct piece_slot {
    uint64_t hash;     /* 0: empty */
    uint32_t key_off;  /* piece bytes in piece_cache.keys */
    uint32_t ids_off;  /* token ids in piece_cache.ids */
    uint16_t key_len;
    uint16_t n_ids;
} piece_slot;

typedef struct piece_cache {
    piece_slot *slots; /* NULL until a long text needs it */
    uint32_t mask, used;
    wick_buf keys;
    int32_t *ids;
    size_t n_ids, cap_ids;
} piece_cache;

struct tok_scratch {
    tok_symbol *sym;
    size_t sym_cap;
    merge_queue q;
    wick_buf norm; /* normalized text of a segment (NFC, "▁" escaping) */
    wick_buf word; /* byte-level form of one piece (ignore_merges lookups) */
    piece_cache cache;
    bool failed;
};

/* Makes room for n symbols; false on allocation failure. */
static inline bool tok_scratch_reserve(struct tok_scratch *s, size_t n) {
    if (n <= s->sym_cap) return true;
    size_t cap = s->sym_cap ? s->sym_cap : 64;
    while (cap < n) cap *= 2;
    tok_symbol *p = realloc(s->sym, cap * sizeof *p);
    if (!p) return false;
    s->sym = p;
    s->sym_cap = cap;
    return true;
}

#endif
