/* Per-token masks.
 *
 * grammar_vocab_index holds every ordinary token's decoded bytes in a trie
 * laid out in preorder: node i has its byte, its depth, the index just past
 * its subtree (skip) and the tokens whose bytes end there. fill_mask walks
 * it once with a stack set per depth: a byte that kills every stack skips
 * the whole subtree, so the cost is the number of live prefixes, not the
 * vocabulary size.
 *
 * Decoding revisits the same matcher states again and again (inside a
 * string, between array items ...), so each matcher keeps the masks of the
 * states it has seen, keyed by the exact state (compared in full, not just
 * by hash). A hit costs a copy of the mask.
 *
 * With a grammar_mask_table set on the matcher (grammar_table.c), masks
 * come from the table instead, and this walk only serves the states the
 * table leaves out (inside a UTF-8 character, near the matcher's limits).
 *
 * Tokens left out of the trie, never allowed: control, unknown and unused
 * tokens, and tokens whose piece is empty. EOG tokens are allowed exactly
 * when the matcher can end. Pieces are the tokenizer's decoded bytes: byte
 * tokens <0xXX> are their byte, SentencePiece's U+2581 is a space, GPT-2
 * byte-level characters map back to bytes. */
#include "core/status.h"
#include "grammar/grammar_internal.h"
#include "tokenizer/vocab_internal.h"

#include <stdlib.h>
#include <string.h>

#define MASK_CACHE_SLOTS 256 /* states remembered per matcher (power of two) */
#define MASK_CACHE_MAX 160   /* entries before the cache is emptied */
#define MAX_PIECE 1024       /* longer pieces are left out of the trie */


typedef struct cache_entry {
    uint64_t fp;
    stack_set key;
    uint32_t *mask;
    bool used;
} cache_entry;

/* States met while walking the trie are interned (grammar_dfa): decoding
 * keeps landing in the same few states (every ordinary character inside a
 * string leads back to the same one), so most trie nodes cost one table
 * lookup instead of a stack-set step. Kept across masks of one matcher;
 * emptied when full. */
#define DFA_MAX_STATES 4096

struct mask_cache {
    const grammar_vocab_index *ix;
    grammar_dfa d;
    int32_t *lvl; /* state id per trie depth */
    cache_entry slots[MASK_CACHE_SLOTS];
    uint32_t count;
    stack_set *levels; /* per trie depth; levels[0] unused (the matcher's state) */
    uint32_t n_levels;
};

/* ------------------------------------------------------------ index */

typedef struct piece_ref {
    const uint8_t *p;
    uint32_t len;
    int32_t id;
} piece_ref;

static int cmp_piece(const void *a, const void *b) {
    const piece_ref *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

void grammar_vocab_index_free(grammar_vocab_index *ix) {
    if (!ix) return;
    free(ix->byte);
    free(ix->depth);
    free(ix->skip);
    free(ix->tok_first);
    free(ix->toks);
    free(ix->eog);
    free(ix->pool);
    free(ix->piece_off);
    free(ix->piece_len);
    free(ix->is_eog);
    free(ix);
}

wick_status grammar_vocab_index_new(const wick_vocab *v, grammar_vocab_index **out, wick_error *err) {
    *out = NULL;
    if (!v) return wick_error_set(err, WICK_ERR_INVALID_ARG, "grammar_vocab_index_new: vocab is NULL");
    int32_t n = v->n_tokens;
    grammar_vocab_index *ix = calloc(1, sizeof *ix);
    piece_ref *refs = NULL;
    if (!ix) goto oom;
    ix->n_vocab = n;
    ix->n_words = (uint32_t)(((int64_t)n + 31) / 32);
    ix->piece_off = calloc((size_t)n + 1, sizeof *ix->piece_off);
    ix->piece_len = calloc((size_t)n + 1, sizeof *ix->piece_len);
    ix->is_eog = calloc((size_t)n + 1, 1);
    refs = malloc(((size_t)n + 1) * sizeof *refs);
    if (!ix->piece_off || !ix->piece_len || !ix->is_eog || !refs) goto oom;
    size_t total = 0;
    int32_t n_refs = 0;
    for (int32_t t = 0; t < n; t++) {
        if (vocab_is_eog(v, t)) {
            ix->is_eog[t] = 1;
            ix->n_eog++;
            continue;
        }
        uint8_t type = v->type[t];
        if (type == TOKEN_TYPE_CONTROL || type == TOKEN_TYPE_UNKNOWN || type == TOKEN_TYPE_UNUSED) continue;
        size_t len;
        const char *p = vocab_piece(v, t, &len);
        if (len == 0 || len > MAX_PIECE) continue;
        refs[n_refs].p = (const uint8_t *)p;
        refs[n_refs].len = (uint32_t)len;
        refs[n_refs].id = t;
        n_refs++;
        total += len;
    }
    ix->eog = malloc(((size_t)ix->n_eog + 1) * sizeof *ix->eog);
    ix->pool = malloc(total + 1);
    if (!ix->eog || !ix->pool) goto oom;
    ix->n_eog = 0;
    for (int32_t t = 0; t < n; t++)
        if (ix->is_eog[t]) ix->eog[ix->n_eog++] = t;
    size_t off = 0;
    for (int32_t i = 0; i < n_refs; i++) {
        memcpy(ix->pool + off, refs[i].p, refs[i].len);
        ix->piece_off[refs[i].id] = (uint32_t)off;
        ix->piece_len[refs[i].id] = refs[i].len;
        refs[i].p = (const uint8_t *)ix->pool + off;
        off += refs[i].len;
    }
    qsort(refs, (size_t)n_refs, sizeof *refs, cmp_piece);
    /* upper bound on nodes: total bytes */
    size_t cap = total + 1;
    ix->byte = malloc(cap);
    ix->depth = malloc(cap * sizeof *ix->depth);
    ix->skip = malloc(cap * sizeof *ix->skip);
    ix->tok_first = malloc((cap + 1) * sizeof *ix->tok_first);
    ix->toks = malloc(((size_t)n_refs + 1) * sizeof *ix->toks);
    uint32_t *open = malloc((MAX_PIECE + 2) * sizeof *open); /* node index at each depth of the path */
    if (!ix->byte || !ix->depth || !ix->skip || !ix->tok_first || !ix->toks || !open) {
        free(open);
        goto oom;
    }
    /* Sorted pieces give preorder: a piece comes before its extensions, so
     * the token of each piece belongs to the last node of its path, and node
     * order matches token order. */
    uint32_t nn = 0, path_len = 0;
    const piece_ref *prev = NULL;
    for (int32_t i = 0; i < n_refs; i++) {
        const piece_ref *r = &refs[i];
        uint32_t lcp = 0;
        if (prev) {
            uint32_t m = prev->len < r->len ? prev->len : r->len;
            while (lcp < m && prev->p[lcp] == r->p[lcp]) lcp++;
        }
        while (path_len > lcp) ix->skip[open[--path_len]] = nn; /* leave the old path */
        for (uint32_t d = lcp; d < r->len; d++) {
            ix->byte[nn] = r->p[d];
            ix->depth[nn] = (uint16_t)(d + 1);
            ix->tok_first[nn + 1] = 0;
            open[path_len++] = nn++;
        }
        ix->toks[i] = r->id;
        ix->tok_first[open[r->len - 1] + 1]++;
        prev = r;
        if (r->len > ix->max_depth) ix->max_depth = r->len;
    }
    while (path_len > 0) ix->skip[open[--path_len]] = nn;
    free(open);
    ix->n_nodes = nn;
    ix->tok_first[0] = 0;
    for (uint32_t i = 0; i < nn; i++) ix->tok_first[i + 1] += ix->tok_first[i];
    ix->n_toks = (uint32_t)n_refs;
    free(refs);
    *out = ix;
    return WICK_OK;
oom:
    free(refs);
    grammar_vocab_index_free(ix);
    return wick_error_set(err, WICK_ERR_NOMEM, "grammar vocab index: out of memory");
}

/* ------------------------------------------------------------ dfa */

void grammar_dfa_init(grammar_dfa *d, uint32_t max_states) {
    memset(d, 0, sizeof *d);
    d->max_states = max_states;
}

void grammar_dfa_reset(grammar_dfa *d) {
    for (uint32_t i = 0; i < d->n_states; i++) stack_set_free(&d->states[i]);
    d->n_states = 0;
    d->limited = false;
    if (d->table) memset(d->table, 0, ((size_t)d->table_mask + 1) * sizeof *d->table);
}

void grammar_dfa_free(grammar_dfa *d) {
    grammar_dfa_reset(d);
    free(d->states);
    free(d->fps);
    free(d->can_end);
    free(d->longest);
    free(d->width);
    free(d->trans);
    free(d->table);
    stack_set_free(&d->scratch);
    memset(d, 0, sizeof *d);
}

static bool dfa_grow(grammar_dfa *d) {
    uint32_t nc = d->cap_states ? 2 * d->cap_states : 64;
    stack_set *ns = realloc(d->states, (size_t)nc * sizeof *ns);
    if (!ns) return false;
    d->states = ns;
    uint64_t *nf = realloc(d->fps, (size_t)nc * sizeof *nf);
    if (!nf) return false;
    d->fps = nf;
    uint8_t *ne = realloc(d->can_end, nc);
    if (!ne) return false;
    d->can_end = ne;
    uint32_t *nl = realloc(d->longest, (size_t)nc * sizeof *nl);
    if (!nl) return false;
    d->longest = nl;
    uint32_t *nw = realloc(d->width, (size_t)nc * sizeof *nw);
    if (!nw) return false;
    d->width = nw;
    int32_t *nt = realloc(d->trans, (size_t)nc * 256 * sizeof *nt);
    if (!nt) return false;
    d->trans = nt;
    d->cap_states = nc;
    return true;
}

int32_t grammar_dfa_intern(grammar_dfa *d, stack_set *s) {
    uint64_t fp = stack_set_fingerprint(s);
    if (!d->table) {
        d->table = calloc(2 * (size_t)d->max_states, sizeof *d->table);
        if (!d->table) return DFA_DEAD;
        d->table_mask = 2 * d->max_states - 1;
    }
    uint32_t j = (uint32_t)fp & d->table_mask;
    for (; d->table[j]; j = (j + 1) & d->table_mask) {
        uint32_t id = d->table[j] - 1;
        if (d->fps[id] == fp && stack_set_equal(&d->states[id], s)) return (int32_t)id;
    }
    if (d->n_states >= d->max_states) return DFA_FULL;
    if (d->n_states == d->cap_states && !dfa_grow(d)) return DFA_DEAD;
    uint32_t id = d->n_states++;
    d->states[id] = *s;
    memset(s, 0, sizeof *s);
    d->fps[id] = fp;
    const stack_set *st = &d->states[id];
    uint32_t longest = 0;
    for (uint32_t i = 0; i < st->n_stacks; i++)
        if (st->start[i + 1] - st->start[i] > longest) longest = st->start[i + 1] - st->start[i];
    d->longest[id] = longest;
    d->width[id] = st->n_stacks;
    d->can_end[id] = stack_set_can_end(st);
    for (int b = 0; b < 256; b++) d->trans[(size_t)id * 256 + (size_t)b] = DFA_UNKNOWN;
    d->table[j] = id + 1;
    return (int32_t)id;
}

int32_t grammar_dfa_next(const grammar *g, grammar_dfa *d, int32_t from, uint8_t b) {
    size_t slot = (size_t)from * 256 + b;
    int32_t to = d->trans[slot];
    if (to != DFA_UNKNOWN) return to;
    if (stack_set_step(g, &d->states[from], b, &d->scratch)) {
        to = grammar_dfa_intern(d, &d->scratch);
        if (to == DFA_FULL) return DFA_FULL;
    } else {
        if (d->scratch.failed) d->limited = true;
        to = DFA_DEAD;
    }
    if (d->scratch.failed) d->limited = true;
    d->trans[slot] = to;
    return to;
}

/* ------------------------------------------------------------ cache */

void grammar_mask_cache_free(struct mask_cache *c) {
    if (!c) return;
    for (uint32_t i = 0; i < MASK_CACHE_SLOTS; i++) {
        stack_set_free(&c->slots[i].key);
        free(c->slots[i].mask);
    }
    for (uint32_t i = 0; i < c->n_levels; i++) stack_set_free(&c->levels[i]);
    free(c->levels);
    grammar_dfa_free(&c->d);
    free(c->lvl);
    free(c);
}

static void cache_empty(struct mask_cache *c) {
    for (uint32_t i = 0; i < MASK_CACHE_SLOTS; i++) c->slots[i].used = false;
    c->count = 0;
}

static struct mask_cache *cache_for(grammar_matcher *m, const grammar_vocab_index *ix) {
    struct mask_cache *c = m->cache;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) return NULL;
        grammar_dfa_init(&c->d, DFA_MAX_STATES);
        m->cache = c;
    }
    if (c->ix != ix) {
        for (uint32_t i = 0; i < MASK_CACHE_SLOTS; i++) {
            free(c->slots[i].mask);
            c->slots[i].mask = NULL;
        }
        cache_empty(c);
        c->ix = ix;
    }
    if (c->n_levels < ix->max_depth + 1) {
        stack_set *l = realloc(c->levels, ((size_t)ix->max_depth + 1) * sizeof *l);
        if (!l) return NULL;
        memset(l + c->n_levels, 0, (ix->max_depth + 1 - c->n_levels) * sizeof *l);
        c->levels = l;
        c->n_levels = ix->max_depth + 1;
        int32_t *lv = realloc(c->lvl, ((size_t)ix->max_depth + 1) * sizeof *lv);
        if (!lv) return NULL;
        c->lvl = lv;
    }
    return c;
}

/* ------------------------------------------------------------ masks */

/* The trie walk. Returns false if it ran out of memory (mask then partial). */
static bool walk(const grammar *g, const stack_set *state, const grammar_vocab_index *ix, stack_set *levels,
                 uint32_t *mask) {
    uint32_t i = 0, n = ix->n_nodes;
    while (i < n) {
        uint32_t d = ix->depth[i];
        const stack_set *parent = d == 1 ? state : &levels[d - 1];
        if (!stack_set_step(g, parent, ix->byte[i], &levels[d])) {
            if (levels[d].failed && levels[d].n_stacks >= GRAMMAR_MAX_STACKS) {
                /* over the limit: treated as rejected, like accept_bytes */
            }
            i = ix->skip[i];
            continue;
        }
        for (uint32_t k = ix->tok_first[i]; k < ix->tok_first[i + 1]; k++) {
            uint32_t t = (uint32_t)ix->toks[k];
            mask[t >> 5] |= 1u << (t & 31);
        }
        i++;
    }
    return true;
}

/* The trie walk through the interned states. False when the state table
 * filled up or memory ran out (the mask is then incomplete: redo it). */
static bool walk_dfa(const grammar *g, const stack_set *state, const grammar_vocab_index *ix,
                     struct mask_cache *c, uint32_t *mask) {
    grammar_dfa *d = &c->d;
    if (!stack_set_copy(&d->scratch, state)) return false;
    int32_t root = grammar_dfa_intern(d, &d->scratch);
    if (root < 0) return false;
    int32_t *lvl = c->lvl;
    lvl[0] = root;
    uint32_t i = 0, n = ix->n_nodes;
    while (i < n) {
        uint32_t depth = ix->depth[i];
        int32_t to = grammar_dfa_next(g, d, lvl[depth - 1], ix->byte[i]);
        if (to == DFA_FULL) return false;
        if (to < 0) {
            i = ix->skip[i];
            continue;
        }
        lvl[depth] = to;
        for (uint32_t k = ix->tok_first[i]; k < ix->tok_first[i + 1]; k++) {
            uint32_t t = (uint32_t)ix->toks[k];
            mask[t >> 5] |= 1u << (t & 31);
        }
        i++;
    }
    return true;
}

void grammar_matcher_fill_mask(grammar_matcher *m, const grammar_vocab_index *ix, uint32_t *mask) {
    size_t bytes = (size_t)ix->n_words * sizeof *mask;
    memset(mask, 0, bytes);
    struct mask_cache *c = cache_for(m, ix);
    const stack_set *state = &m->cur;
    if (m->table && c) {
        if (grammar_table_fill_mask(m->table, ix, state, c->levels, mask)) return;
        memset(mask, 0, bytes); /* it may have filled some words before giving up */
    }
    uint64_t fp = stack_set_fingerprint(state);
    cache_entry *slot = NULL;
    if (c) {
        for (uint32_t j = (uint32_t)fp & (MASK_CACHE_SLOTS - 1);; j = (j + 1) & (MASK_CACHE_SLOTS - 1)) {
            cache_entry *e = &c->slots[j];
            if (!e->used) {
                slot = e;
                break;
            }
            if (e->fp == fp && stack_set_equal(&e->key, state)) {
                memcpy(mask, e->mask, bytes);
                return;
            }
        }
    }
    if (c) {
        if (c->d.n_states > DFA_MAX_STATES / 2) grammar_dfa_reset(&c->d);
        if (!walk_dfa(m->g, state, ix, c, mask)) {
            /* too many distinct states for one walk: the plain walk */
            grammar_dfa_reset(&c->d);
            memset(mask, 0, bytes);
            walk(m->g, state, ix, c->levels, mask);
        }
    } else {
        /* no memory for the cache: walk with a local level array */
        stack_set *levels = calloc((size_t)ix->max_depth + 1, sizeof *levels);
        if (!levels) return; /* nothing allowed: the caller sees an empty mask */
        walk(m->g, state, ix, levels, mask);
        for (uint32_t i = 0; i <= ix->max_depth; i++) stack_set_free(&levels[i]);
        free(levels);
    }
    if (stack_set_can_end(state))
        for (int k = 0; k < ix->n_eog; k++) mask[(uint32_t)ix->eog[k] >> 5] |= 1u << (ix->eog[k] & 31);
    if (!c || !slot) return;
    if (c->count >= MASK_CACHE_MAX) {
        cache_empty(c);
        slot = &c->slots[(uint32_t)fp & (MASK_CACHE_SLOTS - 1)];
    }
    if (!slot->mask) slot->mask = malloc(bytes);
    if (!slot->mask || !stack_set_copy(&slot->key, state)) return;
    memcpy(slot->mask, mask, bytes);
    slot->fp = fp;
    slot->used = true;
    c->count++;
}

bool grammar_matcher_accept_token(grammar_matcher *m, const grammar_vocab_index *ix, int32_t token) {
    if (token < 0 || token >= ix->n_vocab) return false;
    if (ix->is_eog[token]) return grammar_matcher_can_end(m);
    uint32_t len = ix->piece_len[token];
    if (len == 0) return false;
    return grammar_matcher_accept_bytes(m, ix->pool + ix->piece_off[token], len);
}
