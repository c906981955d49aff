/* Per-(grammar, vocab) mask tables: every token classified ahead of time,
 * so a mask costs a few bitset ORs plus a handful of checks.
 *
 * The idea is XGrammar's adaptive token mask cache, adapted to this
 * matcher's stacks. A matcher stack is [c_1 .. c_m, f_k .. f_1]: its top f_1
 * is a character class, the frames below are return positions. Simulate a
 * token's bytes from the top k frames alone (the "key"); a path that pops
 * every key frame has reached the unknown context below. For that key:
 *   accepted   some path consumes the whole token without popping past the
 *              key (or pops exactly at its end): accepted whatever lies below;
 *   rejected   no path consumes it and none reaches the context with bytes
 *              left: rejected whatever lies below;
 *   uncertain  otherwise: only the real frames below can tell.
 * One more frame below the key can only turn uncertain tokens into accepted
 * or rejected ones, never change the others. So the table is a tree per
 * character-class position: the root node's key is that position alone; a
 * node with many uncertain tokens gets one child per frame that can sit
 * below its key (the return positions of the rules that call it, found from
 * the grammar), each child storing the tokens that its frame turns accepted
 * and the uncertain ones left. A key that is the whole stack has nothing
 * below: its uncertain tokens are rejected (the grammar has ended).
 *
 * fill_mask, for each live stack: follow the tree down the stack's frames,
 * OR the root's accepted set and each node's additions, then check the
 * leaf's few uncertain tokens against the real stack (a trie-ordered walk
 * that shares prefixes). Identical to the trie walk's mask: the simulation
 * is the matcher's own stack_set_step. States inside a UTF-8 character, and
 * states whose simulations came near the matcher's limits (stacks, depth,
 * expansion work), are left to the trie walk.
 *
 * Building walks the token trie once per character-class position (with
 * interned states, so permissive positions cost one lookup per trie node),
 * and once per child node restricted to the subtrees that hold its parent's
 * uncertain tokens. */
#include "core/status.h"
#include "grammar/grammar_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPAND_OVER 16        /* a node with more uncertain tokens gets children */
#define MAX_KEY 48            /* frames in a key */
#define MAX_NODES (1u << 17)  /* nodes per table */
#define BUILD_DFA_STATES 16384
#define FAST_MAX_STACKS 64    /* live stacks above this: the trie walk */
#define NO_NODE UINT32_MAX

typedef struct mt_node {
    int32_t frame;               /* the key's bottom frame (for a root: the class position) */
    uint32_t parent;             /* NO_NODE for a root */
    uint32_t child_first, n_children; /* children are consecutive, sorted by frame */
    uint32_t acc_first, n_acc;   /* accepted token ids (a root's), or those its frame adds (a child's), unless a bitset */
    int32_t bitset;              /* the accepted set (or additions) as a bitset index, or -1 */
    uint32_t unc_first, n_unc;   /* uncertain tokens by rank (trie order); leaves only */
    uint32_t max_stacks;         /* most stacks in any of its simulations */
    uint32_t growth;             /* most frames its simulations grew a stack by */
    uint16_t key_len;
    uint8_t slow;                /* a simulation went over the matcher's limits: use the trie walk */
    uint8_t pass;                /* no classification of its own: the frame below is always its one child's */
    uint8_t cap;                 /* with ref: tokens of at most cap_len[cap] bytes are ref's (CAP_NONE: all) */
    uint32_t ref;                /* a sibling in the same counted repetition, or NO_NODE (see below) */
} mt_node;

/* Counted repetitions. x{1,80} unrolls into 80 copies of x, each a distinct
 * frame (or class position) with its own accepted set, and classifying
 * each costs a walk over most of the vocabulary. But a token of L bytes
 * completes at most L copies of an x that cannot match empty, so two
 * positions of one repetition whose copies needed/allowed after them differ
 * only beyond L classify it identically, down to every frame below (see
 * grammar_rep_tag). So of the siblings (same parent, same key above) of
 * one repetition, the one with the most copies left (`ref`) is classified
 * in full; every other one is classified only for the tokens longer than
 * its `cap`, and fill_mask takes the shorter ones from ref's subtree,
 * filtered by length. Caps are rounded down to a short ladder so the
 * length filters are a few shared bitsets. */
#define CAP_NONE 0xFF
static const uint16_t cap_len[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 128, 192, 256, 384, 512, 1024};
#define N_CAPS (sizeof cap_len / sizeof cap_len[0])

struct grammar_mask_table {
    const grammar *g;
    const grammar_vocab_index *ix;
    uint32_t *root;              /* [n_elems] root node of a class position, NO_NODE elsewhere */
    mt_node *nodes;
    uint32_t n_nodes, cap_nodes;
    int32_t *acc;                /* token ids */
    uint32_t n_acc, cap_acc;
    uint32_t *unc;               /* ranks */
    uint16_t *unc_lcp;           /* bytes shared with the previous uncertain piece of the same node */
    uint32_t n_unc, cap_unc, cap_lcp;
    uint32_t expand_depth;       /* most frames one expansion can push (no character consumed) */
    uint32_t *bits;              /* n_bitsets * ix->n_words */
    uint32_t n_bitsets, cap_bitsets;
    uint32_t *len_le[N_CAPS];    /* bit t: token t's piece has at most cap_len[c] bytes (built where used) */
    grammar_mask_table_stats stats;
};

/* ------------------------------------------------------------ growth */

static bool grow(void **p, uint32_t *cap, uint64_t need, size_t elem) {
    if (need <= *cap) return true;
    if (need > UINT32_MAX / 2) return false;
    uint32_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q) return false;
    *p = q;
    *cap = nc;
    return true;
}

typedef struct u32vec {
    uint32_t *v;
    uint32_t n, cap;
} u32vec;

static bool vec_push(u32vec *a, uint32_t x) {
    if (!grow((void **)&a->v, &a->cap, (uint64_t)a->n + 1, sizeof *a->v)) return false;
    a->v[a->n++] = x;
    return true;
}

/* ------------------------------------------------------------ grammar analysis */

/* Which frames can sit below a frame of rule R: the return position q+1 of
 * every reference q to R that is not a tail call, plus, through tail calls
 * (a reference that ends its alternative pushes nothing), those of every
 * rule that tail-calls R. */
typedef struct callers {
    uint32_t *rule_of;    /* [n_elems] */
    uint32_t *ret_first;  /* [n_rules + 1] into ret: return positions of non-tail references to r */
    int32_t *ret;
    uint32_t *tail_first; /* [n_rules + 1] into tail: rules holding a tail reference to r */
    uint32_t *tail;
    uint8_t *seen;        /* [n_rules] scratch */
    uint32_t *queue;      /* [n_rules] scratch */
} callers;

static void callers_free(callers *c) {
    free(c->rule_of);
    free(c->ret_first);
    free(c->ret);
    free(c->tail_first);
    free(c->tail);
    free(c->seen);
    free(c->queue);
}

static bool callers_init(const grammar *g, callers *c) {
    memset(c, 0, sizeof *c);
    uint32_t nr = g->n_rules, ne = g->n_elems;
    c->rule_of = malloc((size_t)ne * sizeof *c->rule_of);
    c->ret_first = calloc((size_t)nr + 2, sizeof *c->ret_first);
    c->tail_first = calloc((size_t)nr + 2, sizeof *c->tail_first);
    c->ret = malloc(((size_t)ne + 1) * sizeof *c->ret);
    c->tail = malloc(((size_t)ne + 1) * sizeof *c->tail);
    c->seen = calloc((size_t)nr + 1, 1);
    c->queue = malloc(((size_t)nr + 1) * sizeof *c->queue);
    if (!c->rule_of || !c->ret_first || !c->tail_first || !c->ret || !c->tail || !c->seen || !c->queue) return false;
    for (uint32_t r = 0; r < nr; r++)
        for (uint32_t i = g->rule_start[r];; i++) {
            c->rule_of[i] = r;
            if (g->elems[i].type == GEL_END) break;
        }
    /* counts, then offsets, then fill (counting sort by referenced rule) */
    for (uint32_t i = 0; i < ne; i++) {
        if (g->elems[i].type != GEL_RULE) continue;
        uint32_t r = (uint32_t)g->elems[i].value;
        uint8_t nt = g->elems[i + 1].type;
        if (nt == GEL_END || nt == GEL_ALT) c->tail_first[r + 2]++;
        else c->ret_first[r + 2]++;
    }
    for (uint32_t r = 0; r < nr; r++) {
        c->ret_first[r + 2] += c->ret_first[r + 1];
        c->tail_first[r + 2] += c->tail_first[r + 1];
    }
    for (uint32_t i = 0; i < ne; i++) {
        if (g->elems[i].type != GEL_RULE) continue;
        uint32_t r = (uint32_t)g->elems[i].value;
        uint8_t nt = g->elems[i + 1].type;
        if (nt == GEL_END || nt == GEL_ALT) c->tail[c->tail_first[r + 1]++] = c->rule_of[i];
        else c->ret[c->ret_first[r + 1]++] = (int32_t)i + 1;
    }
    return true;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct frames that can sit below a frame of `rule`, sorted, into
 * out; *bottom: the stack can also end there. */
static bool callers_of(const callers *c, const grammar *g, uint32_t rule, u32vec *out, bool *bottom) {
    out->n = 0;
    *bottom = false;
    uint32_t qn = 0;
    c->queue[qn++] = rule;
    c->seen[rule] = 1;
    bool ok = true;
    for (uint32_t qi = 0; qi < qn; qi++) {
        uint32_t r = c->queue[qi];
        if (r == g->root) *bottom = true; /* the stack can end below this frame */
        for (uint32_t k = c->ret_first[r]; k < c->ret_first[r + 1] && ok; k++) ok = vec_push(out, (uint32_t)c->ret[k]);
        for (uint32_t k = c->tail_first[r]; k < c->tail_first[r + 1]; k++)
            if (!c->seen[c->tail[k]]) {
                c->seen[c->tail[k]] = 1;
                c->queue[qn++] = c->tail[k];
            }
    }
    for (uint32_t qi = 0; qi < qn; qi++) c->seen[c->queue[qi]] = 0;
    if (!ok) return false;
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, cmp_i32);
    uint32_t w = 0;
    for (uint32_t i = 0; i < out->n; i++)
        if (w == 0 || out->v[w - 1] != out->v[i]) out->v[w++] = out->v[i];
    out->n = w;
    return true;
}

/* How many frames one expansion can push without consuming a character:
 * popping into the context below a key and expanding there must not cross
 * GRAMMAR_MAX_DEPTH where the simulation did not. Entering rule r through a
 * non-tail reference adds a frame; inside r, the elements reachable before
 * any character (past nullable rules) can enter further rules. Acyclic
 * because the grammar has no left recursion (a cycle would still end: a
 * rule in progress counts as n_rules). */
static uint32_t enter_depth(const grammar *g, const uint8_t *nullable, uint32_t *memo, uint8_t *busy, uint32_t r,
                            uint32_t level) {
    if (memo[r] != UINT32_MAX) return memo[r];
    if (busy[r] || level > 256) return g->n_rules;
    busy[r] = 1;
    uint32_t best = 0;
    for (uint32_t a = g->alt_index[r]; a < g->alt_index[r + 1]; a++)
        for (uint32_t e = g->alts[a]; g->elems[e].type == GEL_RULE; e++) {
            uint32_t r2 = (uint32_t)g->elems[e].value;
            uint8_t nt = g->elems[e + 1].type;
            uint32_t d = (nt != GEL_END && nt != GEL_ALT) + enter_depth(g, nullable, memo, busy, r2, level + 1);
            if (d > best) best = d;
            if (!nullable[r2]) break;
        }
    busy[r] = 0;
    memo[r] = best;
    return best;
}

static bool expansion_depth(const grammar *g, uint32_t *out, uint8_t *nullable) {
    uint32_t nr = g->n_rules;
    uint8_t *busy = calloc((size_t)nr + 1, 1);
    uint32_t *memo = malloc(((size_t)nr + 1) * sizeof *memo);
    if (!nullable || !busy || !memo) {
        free(busy);
        free(memo);
        return false;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t r = 0; r < nr; r++) {
            if (nullable[r]) continue;
            for (uint32_t a = g->alt_index[r]; a < g->alt_index[r + 1] && !nullable[r]; a++) {
                uint32_t e = g->alts[a];
                while (g->elems[e].type == GEL_RULE && nullable[g->elems[e].value]) e++;
                if (g->elems[e].type == GEL_END || g->elems[e].type == GEL_ALT) nullable[r] = 1, changed = true;
            }
        }
    }
    for (uint32_t r = 0; r < nr; r++) memo[r] = UINT32_MAX;
    uint32_t best = 0;
    for (uint32_t r = 0; r < nr; r++) {
        uint32_t d = 1 + enter_depth(g, nullable, memo, busy, r, 0);
        if (d > best) best = d;
    }
    free(busy);
    free(memo);
    *out = best;
    return true;
}

/* ------------------------------------------------------------ simulation */

typedef struct builder {
    const grammar *g;
    const grammar_vocab_index *ix;
    grammar_mask_table *t;
    grammar_dfa d;
    callers cl;
    int32_t *lvl;   /* [max_depth + 1] state per trie depth */
    uint8_t *open;  /* [max_depth + 1] some prefix up to this depth reached the context below the key */
    stack_set key;
    u32vec acc, unc, frames;
    uint8_t *nullable; /* [n_rules] */
    /* results of the last walk */
    uint32_t max_stacks, growth;
    bool slow;
} builder;

static inline uint32_t frames_hash(const int32_t *f, uint32_t n) {
    /* grammar_match.c's stack hash (only the interning of equal states depends on it) */
    uint32_t h = 0x811C9DC5u ^ n;
    for (uint32_t i = 0; i < n; i++) h = (h ^ (uint32_t)f[i]) * 0x01000193u;
    return h ^ (h >> 15);
}

/* s = the one stack f[0..n) (bottom first), at a character boundary. */
static bool singleton(stack_set *s, const int32_t *f, uint32_t n) {
    uint32_t start[2] = {0, n}, hash = frames_hash(f, n);
    stack_set one;
    memset(&one, 0, sizeof one);
    one.data = (int32_t *)f;
    one.n_data = n;
    one.start = start;
    one.hash = &hash;
    one.n_stacks = 1;
    return stack_set_copy(s, &one);
}

/* First index k >= p of the sorted prune list with prune[k] >= x (galloping). */
static uint32_t seek(const uint32_t *prune, uint32_t n, uint32_t p, uint32_t x) {
    if (p >= n || prune[p] >= x) return p;
    uint32_t step = 1, lo = p;
    while (p + step < n && prune[p + step] < x) lo = p + step, step *= 2;
    uint32_t hi = p + step < n ? p + step : n; /* prune[lo] < x, prune[hi] >= x or hi == n */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (prune[mid] < x) lo = mid;
        else hi = mid;
    }
    return hi;
}

static bool add_range(u32vec *out, uint32_t lo, uint32_t hi, const uint32_t *prune, uint32_t n_prune,
                      uint32_t *p) {
    if (!prune) {
        if (!grow((void **)&out->v, &out->cap, (uint64_t)out->n + (hi - lo), sizeof *out->v)) return false;
        for (uint32_t r = lo; r < hi; r++) out->v[out->n++] = r;
        return true;
    }
    *p = seek(prune, n_prune, *p, lo);
    for (; *p < n_prune && prune[*p] < hi; (*p)++)
        if (!vec_push(out, prune[*p])) return false;
    return true;
}

/* Classifies tokens for the key f[0..n) (bottom first; f[n-1] a class
 * position): ranks of accepted tokens into b->acc, uncertain into b->unc,
 * both in rank order. With `prune`, only those ranks (sorted) are
 * classified and the rest of the trie is skipped. False when out of memory
 * or out of interned states. */
static bool walk_key(builder *b, const int32_t *f, uint32_t n, const uint32_t *prune, uint32_t n_prune) {
    const grammar_vocab_index *ix = b->ix;
    grammar_dfa *d = &b->d;
    b->acc.n = b->unc.n = 0;
    b->max_stacks = 1;
    b->growth = 0;
    b->slow = false;
    if (d->n_states > d->max_states / 2) grammar_dfa_reset(d);
    d->limited = false;
    if (!singleton(&b->key, f, n)) return false;
    int32_t start = grammar_dfa_intern(d, &b->key);
    if (start < 0) return false;
    b->lvl[0] = start;
    b->open[0] = 0;
    uint32_t i = 0, nn = ix->n_nodes, p = 0, longest = 0;
    while (i < nn) {
        uint32_t lo = ix->tok_first[i], hi = ix->tok_first[ix->skip[i]];
        if (prune) {
            p = seek(prune, n_prune, p, lo);
            if (p == n_prune) break;
            if (prune[p] >= hi) {
                i = ix->skip[i];
                continue;
            }
        }
        uint32_t depth = ix->depth[i];
        int32_t to = grammar_dfa_next(b->g, d, b->lvl[depth - 1], ix->byte[i]);
        if (to == DFA_FULL) return false;
        if (to < 0) {
            /* the subtree dies here: uncertain if an earlier prefix reached the context */
            if (b->open[depth - 1] && !add_range(&b->unc, lo, hi, prune, n_prune, &p)) return false;
            i = ix->skip[i];
            continue;
        }
        b->lvl[depth] = to;
        b->open[depth] = b->open[depth - 1] | d->can_end[to];
        if (d->width[to] > b->max_stacks) b->max_stacks = d->width[to];
        if (d->longest[to] > longest) longest = d->longest[to];
        uint32_t te = ix->tok_first[i + 1];
        if (te > lo && !add_range(&b->acc, lo, te, prune, n_prune, &p)) return false;
        i++;
    }
    b->growth = longest > n ? longest - n : 0;
    b->slow = d->limited;
    if (d->limited) grammar_dfa_reset(d); /* its transitions are not exact: don't reuse them */
    return true;
}

/* ------------------------------------------------------------ table building */

static uint32_t new_node(builder *b) {
    grammar_mask_table *t = b->t;
    if (t->n_nodes >= MAX_NODES || !grow((void **)&t->nodes, &t->cap_nodes, (uint64_t)t->n_nodes + 1, sizeof *t->nodes))
        return NO_NODE;
    mt_node *x = &t->nodes[t->n_nodes];
    memset(x, 0, sizeof *x);
    x->parent = NO_NODE;
    x->bitset = -1;
    x->ref = NO_NODE;
    x->cap = CAP_NONE;
    return t->n_nodes++;
}

/* Stores the last walk's accepted tokens in node x: as a bitset when that
 * is smaller. `like`: a node whose accepted set (ranks in `like_acc`) may
 * be the same, shared instead of stored twice (siblings often agree: the
 * copies of a counted repetition). */
static bool store_accepted(builder *b, uint32_t x, uint32_t like, const u32vec *like_acc) {
    grammar_mask_table *t = b->t;
    const grammar_vocab_index *ix = b->ix;
    mt_node *nd = &t->nodes[x];
    if (like != NO_NODE && like_acc->n == b->acc.n &&
        (b->acc.n == 0 || memcmp(like_acc->v, b->acc.v, (size_t)b->acc.n * sizeof *b->acc.v) == 0)) {
        nd->bitset = t->nodes[like].bitset;
        nd->acc_first = t->nodes[like].acc_first;
        nd->n_acc = t->nodes[like].n_acc;
        return true;
    }
    if ((uint64_t)b->acc.n * 32 > (uint64_t)ix->n_vocab) {
        if (!grow((void **)&t->bits, &t->cap_bitsets, ((uint64_t)t->n_bitsets + 1) * ix->n_words, sizeof *t->bits))
            return false;
        uint32_t *w = t->bits + (size_t)t->n_bitsets * ix->n_words;
        memset(w, 0, (size_t)ix->n_words * sizeof *w);
        for (uint32_t k = 0; k < b->acc.n; k++) {
            uint32_t tok = (uint32_t)ix->toks[b->acc.v[k]];
            w[tok >> 5] |= 1u << (tok & 31);
        }
        nd->bitset = (int32_t)t->n_bitsets++;
        return true;
    }
    if (!grow((void **)&t->acc, &t->cap_acc, (uint64_t)t->n_acc + b->acc.n, sizeof *t->acc)) return false;
    nd->acc_first = t->n_acc;
    nd->n_acc = b->acc.n;
    for (uint32_t k = 0; k < b->acc.n; k++) t->acc[t->n_acc++] = ix->toks[b->acc.v[k]];
    return true;
}

/* Stores uncertain ranks in leaf x, with each piece's prefix shared with the previous one. */
static bool store_uncertain(builder *b, uint32_t x, const uint32_t *unc, uint32_t n) {
    grammar_mask_table *t = b->t;
    const grammar_vocab_index *ix = b->ix;
    if (!grow((void **)&t->unc, &t->cap_unc, (uint64_t)t->n_unc + n, sizeof *t->unc) ||
        !grow((void **)&t->unc_lcp, &t->cap_lcp, (uint64_t)t->n_unc + n, sizeof *t->unc_lcp))
        return false;
    mt_node *nd = &t->nodes[x];
    nd->unc_first = t->n_unc;
    nd->n_unc = n;
    const char *prev = NULL;
    uint32_t prev_len = 0;
    for (uint32_t k = 0; k < n; k++) {
        int32_t tok = ix->toks[unc[k]];
        const char *pc = ix->pool + ix->piece_off[tok];
        uint32_t len = ix->piece_len[tok], l = 0;
        if (prev)
            while (l < len && l < prev_len && pc[l] == prev[l]) l++;
        t->unc[t->n_unc] = unc[k];
        t->unc_lcp[t->n_unc] = (uint16_t)l;
        t->n_unc++;
        prev = pc;
        prev_len = len;
    }
    return true;
}

/* Node x's key, bottom first, into key[1 ..]; key[0] is left for a child's
 * frame. Returns the key's length. */
static uint32_t node_key(const grammar_mask_table *t, uint32_t x, int32_t *key) {
    uint32_t k = 1;
    for (uint32_t y = x; y != NO_NODE; y = t->nodes[y].parent) key[k++] = t->nodes[y].frame;
    return k - 1;
}

/* Classifies node x (its key is its frame and its ancestors'), restricted
 * to `prune` (its parent's uncertain ranks; NULL for a root), then gives it
 * one child per frame that can sit below its key while too many tokens stay
 * uncertain. A rule with one possible frame below and no way to end the
 * stack makes a pass-through node: the walk happens once, with the longer
 * key. Depth first, so only leaves keep uncertain lists. */
typedef struct long_lists long_lists;
static bool build_node(builder *b, uint32_t x, const uint32_t *prune, uint32_t n_prune, uint32_t like,
                       u32vec *like_acc, long_lists *ll);
static bool build_node_inner(builder *b, uint32_t x, const uint32_t *prune, uint32_t n_prune, uint32_t like,
                             u32vec *like_acc);

/* The repetition tag of frame f when its copies cannot match empty, else NULL. */
static const grammar_rep_tag *frame_tag(const builder *b, int32_t f) {
    const grammar *g = b->g;
    if (!g->elem_tag || f <= 0 || !g->elem_tag[f]) return NULL;
    if (g->elems[f].type != GEL_CHARS) { /* a return position: the copy is the rule reference before it */
        if (g->elems[f - 1].type != GEL_RULE || b->nullable[g->elems[f - 1].value]) return NULL;
    }
    return &g->tags[g->elem_tag[f] - 1];
}

/* Sibling nodes first .. first+n-1 (same key above, their frames differ):
 * within each repetition, the sibling with the most copies left becomes the
 * ref of the others whose frames can have the same frames below (the same
 * callers: fill_mask follows ref's subtree down the real stack). Copies
 * in the repetition's own rule and in its generated optional rules form
 * separate groups. */
static bool assign_refs(builder *b, uint32_t first, uint32_t n) {
    grammar_mask_table *t = b->t;
    const grammar_rep_tag **tag = calloc((size_t)n + 1, sizeof *tag);
    u32vec *below = calloc((size_t)n + 1, sizeof *below);
    bool *bottom = calloc((size_t)n + 1, sizeof *bottom), ok = tag && below && bottom;
    for (uint32_t i = 0; ok && i < n; i++) {
        tag[i] = frame_tag(b, t->nodes[first + i].frame);
        if (tag[i]) {
            ok = callers_of(&b->cl, b->g, b->cl.rule_of[t->nodes[first + i].frame], &b->frames, &bottom[i]) &&
                 grow((void **)&below[i].v, &below[i].cap, (uint64_t)b->frames.n + 1, sizeof *below[i].v);
            if (ok) {
                below[i].n = b->frames.n;
                if (b->frames.n) memcpy(below[i].v, b->frames.v, (size_t)b->frames.n * sizeof *below[i].v);
            }
        }
    }
    for (uint32_t i = 0; ok && i < n; i++) {
        const grammar_rep_tag *ti = tag[i];
        if (!ti) continue;
        uint32_t best = i;
        for (uint32_t j = 0; j < n; j++) {
            const grammar_rep_tag *tj = tag[j], *tb = tag[best];
            if (!tj || tj->rep != ti->rep || bottom[j] != bottom[i] || below[j].n != below[i].n ||
                (below[i].n && memcmp(below[j].v, below[i].v, (size_t)below[i].n * sizeof *below[i].v) != 0))
                continue;
            if (tj->rem > tb->rem || (tj->rem == tb->rem && (tj->need > tb->need || (tj->need == tb->need && j < best))))
                best = j;
        }
        if (best == i) continue;
        const grammar_rep_tag *tb = tag[best];
        /* a token of L bytes spends its first byte in the current copy: at most L - 1 more copies
           start, so it cannot reach the bound on rem when L <= rem + 1, nor leave when L <= need */
        uint32_t cap = UINT32_MAX;
        if (ti->need != tb->need && ti->need < cap) cap = ti->need;
        if (ti->rem != tb->rem && ti->rem + 1 < cap) cap = ti->rem + 1;
        mt_node *x = &t->nodes[first + i];
        x->ref = first + best;
        x->cap = CAP_NONE;
        if (cap < b->ix->max_depth) { /* else every token is ref's */
            uint8_t c = 0;
            while (c + 1 < N_CAPS && cap_len[c + 1] <= cap) c++;
            x->cap = c;
            if (!t->len_le[c]) {
                const grammar_vocab_index *ix = b->ix;
                t->len_le[c] = calloc(ix->n_words, sizeof *t->len_le[c]);
                if (!t->len_le[c]) ok = false;
                for (int32_t tok = 0; ok && tok < ix->n_vocab; tok++)
                    if (ix->piece_len[tok] <= cap_len[c]) t->len_le[c][tok >> 5] |= 1u << (tok & 31);
            }
        }
    }
    for (uint32_t i = 0; below && i < n; i++) free(below[i].v);
    free(tag);
    free(below);
    free(bottom);
    return ok;
}

/* The prune lists of one set of siblings cut to the tokens longer than each cap. */
typedef struct long_lists {
    u32vec by_cap[N_CAPS];
    uint8_t made[N_CAPS];
} long_lists;

static void long_lists_free(long_lists *l) {
    for (uint32_t c = 0; c < N_CAPS; c++) free(l->by_cap[c].v);
}

/* A node with a ref classifies only the tokens longer than its cap. */
static bool build_node(builder *b, uint32_t x, const uint32_t *prune, uint32_t n_prune, uint32_t like,
                       u32vec *like_acc, long_lists *ll) {
    static const uint32_t none[1] = {0};
    const mt_node *nd = &b->t->nodes[x];
    if (nd->ref == NO_NODE) return build_node_inner(b, x, prune, n_prune, like, like_acc);
    const grammar_vocab_index *ix = b->ix;
    if (nd->cap == CAP_NONE) return build_node_inner(b, x, none, 0, like, like_acc);
    u32vec *mine = &ll->by_cap[nd->cap];
    if (!ll->made[nd->cap]) {
        uint32_t c = cap_len[nd->cap], n = prune ? n_prune : ix->n_toks;
        mine->n = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t rank = prune ? prune[k] : k;
            if (ix->piece_len[ix->toks[rank]] > c && !vec_push(mine, rank)) return false;
        }
        ll->made[nd->cap] = 1;
    }
    return build_node_inner(b, x, mine->v ? mine->v : none, mine->n, like, like_acc);
}

static bool build_node_inner(builder *b, uint32_t x, const uint32_t *prune, uint32_t n_prune, uint32_t like,
                             u32vec *like_acc) {
    grammar_mask_table *t = b->t;
    int32_t key[MAX_KEY + 2];
    uint32_t kn = node_key(t, x, key);
    bool bottom = false;
    if (!callers_of(&b->cl, b->g, b->cl.rule_of[t->nodes[x].frame], &b->frames, &bottom)) return false;
    if (b->frames.n == 1 && !bottom && kn < MAX_KEY) {
        uint32_t y = new_node(b);
        if (y == NO_NODE) return false;
        t->nodes[x].pass = 1;
        t->nodes[x].child_first = y;
        t->nodes[x].n_children = 1;
        t->nodes[y].frame = (int32_t)b->frames.v[0];
        t->nodes[y].parent = x;
        t->nodes[y].key_len = (uint16_t)(kn + 1);
        return build_node_inner(b, y, prune, n_prune, NO_NODE, NULL);
    }
    if (!walk_key(b, key + 1, kn, prune, n_prune)) {
        if (b->d.n_states < b->d.max_states) return false;
        t->nodes[x].slow = 1; /* too many states for one walk */
        return true;
    }
    mt_node *nd = &t->nodes[x];
    nd->max_stacks = b->max_stacks;
    nd->growth = b->growth;
    nd->slow = b->slow;
    for (uint32_t y = nd->parent; y != NO_NODE; y = t->nodes[y].parent) {
        if (t->nodes[y].max_stacks > nd->max_stacks) nd->max_stacks = t->nodes[y].max_stacks;
        if (t->nodes[y].growth > nd->growth) nd->growth = t->nodes[y].growth;
        nd->slow |= t->nodes[y].slow;
    }
    if (!store_accepted(b, x, like_acc ? like : NO_NODE, like_acc)) return false;
    if (like_acc) { /* for the next sibling */
        if (!grow((void **)&like_acc->v, &like_acc->cap, b->acc.n, sizeof *like_acc->v)) return false;
        if (b->acc.n) memcpy(like_acc->v, b->acc.v, (size_t)b->acc.n * sizeof *b->acc.v);
        like_acc->n = b->acc.n;
    }
    bool expand = b->unc.n > EXPAND_OVER && !nd->slow && kn < MAX_KEY && b->frames.n > 0 &&
                  t->n_nodes + b->frames.n <= MAX_NODES;
    if (!expand) {
        const mt_node *ln = like != NO_NODE ? &t->nodes[like] : NULL;
        if (ln && ln->n_children == 0 && ln->n_unc == b->unc.n &&
            (b->unc.n == 0 || memcmp(t->unc + ln->unc_first, b->unc.v, (size_t)b->unc.n * sizeof *b->unc.v) == 0)) {
            t->nodes[x].unc_first = ln->unc_first; /* same as the sibling's: shared */
            t->nodes[x].n_unc = ln->n_unc;
            return true;
        }
        return store_uncertain(b, x, b->unc.v, b->unc.n);
    }
    /* the uncertain ranks become the children's prune list (the builder's vectors are reused below) */
    uint32_t n_unc = b->unc.n, n_children = b->frames.n;
    uint32_t *mine = malloc(((size_t)n_unc + n_children) * sizeof *mine);
    if (!mine) return false;
    memcpy(mine, b->unc.v, (size_t)n_unc * sizeof *mine);
    memcpy(mine + n_unc, b->frames.v, (size_t)n_children * sizeof *mine);
    uint32_t first = t->n_nodes;
    for (uint32_t c = 0; c < n_children; c++) {
        uint32_t y = new_node(b);
        if (y == NO_NODE) return free(mine), false;
        t->nodes[y].frame = (int32_t)mine[n_unc + c];
        t->nodes[y].parent = x;
        t->nodes[y].key_len = (uint16_t)(kn + 1);
    }
    t->nodes[x].child_first = first;
    t->nodes[x].n_children = n_children;
    u32vec sib = {0};
    long_lists *ll = calloc(1, sizeof *ll);
    bool ok = ll && assign_refs(b, first, n_children);
    for (uint32_t c = 0; c < n_children && ok; c++)
        ok = build_node(b, first + c, mine, n_unc, c ? first + c - 1 : NO_NODE, &sib, ll);
    if (ll) long_lists_free(ll);
    free(ll);
    free(sib.v);
    free(mine);
    return ok;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void grammar_mask_table_free(grammar_mask_table *t) {
    if (!t) return;
    free(t->root);
    free(t->nodes);
    free(t->acc);
    free(t->unc);
    free(t->unc_lcp);
    free(t->bits);
    for (uint32_t c = 0; c < N_CAPS; c++) free(t->len_le[c]);
    free(t);
}

wick_status grammar_mask_table_new(const grammar *g, const grammar_vocab_index *ix, grammar_mask_table **out,
                                   wick_error *err) {
    *out = NULL;
    if (!g || !ix) return wick_error_set(err, WICK_ERR_INVALID_ARG, "grammar_mask_table_new: grammar or vocab index is NULL");
    double t0 = now_ms();
    builder b;
    memset(&b, 0, sizeof b);
    b.g = g;
    b.ix = ix;
    grammar_dfa_init(&b.d, BUILD_DFA_STATES);
    grammar_mask_table *t = calloc(1, sizeof *t);
    b.t = t;
    bool ok = t != NULL;
    if (ok) {
        t->g = g;
        t->ix = ix;
        t->root = malloc((size_t)g->n_elems * sizeof *t->root);
        b.lvl = malloc(((size_t)ix->max_depth + 2) * sizeof *b.lvl);
        b.open = malloc((size_t)ix->max_depth + 2);
        b.nullable = calloc((size_t)g->n_rules + 1, 1);
        ok = t->root && b.lvl && b.open && b.nullable && callers_init(g, &b.cl) &&
             expansion_depth(g, &t->expand_depth, b.nullable);
    }
    for (uint32_t e = 0; ok && e < g->n_elems; e++) t->root[e] = NO_NODE;
    /* a tree per class position: the roots first (nodes 0 .. positions-1), as siblings */
    for (uint32_t e = 0; ok && e < g->n_elems; e++) {
        if (g->elems[e].type != GEL_CHARS) continue;
        uint32_t x = new_node(&b);
        if (x == NO_NODE) {
            ok = false;
            break;
        }
        t->nodes[x].frame = (int32_t)e;
        t->nodes[x].key_len = 1;
        t->root[e] = x;
        t->stats.positions++;
    }
    ok = ok && assign_refs(&b, 0, t->stats.positions);
    long_lists *ll = ok ? calloc(1, sizeof *ll) : NULL;
    ok = ok && ll;
    for (uint32_t x = 0; ok && x < t->stats.positions; x++) ok = build_node(&b, x, NULL, 0, NO_NODE, NULL, ll);
    if (ll) long_lists_free(ll);
    free(ll);
    grammar_dfa_free(&b.d);
    callers_free(&b.cl);
    stack_set_free(&b.key);
    free(b.lvl);
    free(b.open);
    free(b.nullable);
    free(b.acc.v);
    free(b.unc.v);
    free(b.frames.v);
    if (!ok) {
        grammar_mask_table_free(t);
        return wick_error_set(err, WICK_ERR_NOMEM, "grammar mask table: out of memory (or over %u nodes)",
                              (unsigned)MAX_NODES);
    }
    grammar_mask_table_stats *s = &t->stats;
    s->nodes = t->n_nodes;
    s->bitsets = t->n_bitsets;
    for (uint32_t x = 0; x < t->n_nodes; x++) {
        const mt_node *nd = &t->nodes[x];
        if (nd->n_unc > s->uncertain_max) s->uncertain_max = nd->n_unc;
        if (nd->slow && (nd->parent == NO_NODE || !t->nodes[nd->parent].slow)) s->slow_positions++;
    }
    s->bytes = sizeof *t + (size_t)g->n_elems * sizeof *t->root + (size_t)t->cap_nodes * sizeof *t->nodes +
               (size_t)t->cap_acc * sizeof *t->acc + (size_t)t->cap_unc * sizeof *t->unc +
               (size_t)t->cap_lcp * sizeof *t->unc_lcp + (size_t)t->cap_bitsets * sizeof *t->bits;
    for (uint32_t c = 0; c < N_CAPS; c++)
        if (t->len_le[c]) s->bytes += (size_t)ix->n_words * sizeof *t->len_le[c];
    s->build_ms = now_ms() - t0;
    *out = t;
    return WICK_OK;
}

void grammar_mask_table_get_stats(const grammar_mask_table *t, grammar_mask_table_stats *out) {
    if (t) *out = t->stats;
    else memset(out, 0, sizeof *out);
}

bool grammar_matcher_set_mask_table(grammar_matcher *m, const grammar_mask_table *t) {
    if (t && t->g != m->g) return false;
    m->table = t;
    return true;
}

/* ------------------------------------------------------------ masks */

static inline void set_bit(uint32_t *mask, int32_t tok) { mask[(uint32_t)tok >> 5] |= 1u << (tok & 31); }
static inline bool has_bit(const uint32_t *mask, int32_t tok) { return (mask[(uint32_t)tok >> 5] >> (tok & 31)) & 1; }

/* Node x's uncertain tokens, checked against the real stack f[0..n). */
static void check_uncertain(const grammar_mask_table *t, const mt_node *x, const int32_t *f, uint32_t n,
                            uint8_t cap, stack_set *levels, uint32_t *mask) {
    uint32_t max_len = cap == CAP_NONE ? UINT32_MAX : cap_len[cap];
    const grammar_vocab_index *ix = t->ix;
    if (!singleton(&levels[0], f, n)) return;
    uint32_t valid = 0;       /* levels[0 .. valid] hold the current piece's prefixes */
    uint32_t dead = UINT32_MAX; /* the previous piece's prefix of this length was rejected */
    for (uint32_t k = x->unc_first; k < x->unc_first + x->n_unc; k++) {
        uint32_t lcp = t->unc_lcp[k];
        if (lcp < valid) valid = lcp;
        if (dead != UINT32_MAX) {
            if (lcp >= dead) continue; /* shares a rejected prefix */
            dead = UINT32_MAX;
        }
        int32_t tok = ix->toks[t->unc[k]];
        if (has_bit(mask, tok) || ix->piece_len[tok] > max_len) continue;
        const uint8_t *pc = (const uint8_t *)ix->pool + ix->piece_off[tok];
        uint32_t len = ix->piece_len[tok];
        for (; valid < len; valid++)
            if (!stack_set_step(t->g, &levels[valid], pc[valid], &levels[valid + 1])) {
                dead = valid + 1;
                break;
            }
        if (valid == len) set_bit(mask, tok);
    }
}

static uint32_t find_child(const grammar_mask_table *t, const mt_node *x, int32_t frame) {
    uint32_t lo = x->child_first, hi = x->child_first + x->n_children;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int32_t fm = t->nodes[mid].frame;
        if (fm == frame) return mid;
        if (fm < frame) lo = mid + 1;
        else hi = mid;
    }
    return NO_NODE;
}

/* fill_mask's walk over one state: the nodes each stack reaches (through
 * refs, with their length caps), their sets ORed into the mask, the leaves
 * kept for the uncertain checks. */
#define FILL_MAX_LEAVES 256
typedef struct fill_walk {
    const grammar_mask_table *t;
    const grammar_vocab_index *ix;
    uint32_t *mask;
    uint32_t done[64]; /* bitsets already ORed unfiltered */
    uint32_t n_done;
    uint32_t leaf[FILL_MAX_LEAVES], leaf_stack[FILL_MAX_LEAVES];
    uint8_t leaf_cap[FILL_MAX_LEAVES];
    uint32_t n_leaves;
    uint64_t stacks;
    bool ok;
} fill_walk;

static void or_sets(fill_walk *w, const mt_node *nd, uint8_t cap) {
    const grammar_mask_table *t = w->t;
    uint32_t nw = w->ix->n_words, *mask = w->mask;
    if (nd->bitset >= 0) {
        const uint32_t *bs = t->bits + (size_t)nd->bitset * nw;
        if (cap == CAP_NONE) {
            bool seen = false;
            for (uint32_t k = 0; k < w->n_done && !seen; k++) seen = w->done[k] == (uint32_t)nd->bitset;
            if (!seen) {
                if (w->n_done < 64) w->done[w->n_done++] = (uint32_t)nd->bitset;
                for (uint32_t k = 0; k < nw; k++) mask[k] |= bs[k];
            }
        } else {
            const uint32_t *le = t->len_le[cap];
            for (uint32_t k = 0; k < nw; k++) mask[k] |= bs[k] & le[k];
        }
    }
    if (cap == CAP_NONE) {
        for (uint32_t k = nd->acc_first; k < nd->acc_first + nd->n_acc; k++) set_bit(mask, t->acc[k]);
    } else {
        uint32_t max_len = cap_len[cap];
        for (uint32_t k = nd->acc_first; k < nd->acc_first + nd->n_acc; k++)
            if (w->ix->piece_len[t->acc[k]] <= max_len) set_bit(mask, t->acc[k]);
    }
}

/* Node x for stack i = f[0..n), with frames f[0..j) below x's key. */
static void visit(fill_walk *w, uint32_t x, const int32_t *f, uint32_t n, uint32_t j, uint8_t cap, uint32_t i) {
    const grammar_mask_table *t = w->t;
    for (;;) {
        if (!w->ok) return;
        const mt_node *nd = &t->nodes[x];
        if (!nd->pass) or_sets(w, nd, cap);
        if (nd->ref != NO_NODE) visit(w, nd->ref, f, n, j, nd->cap < cap ? nd->cap : cap, i);
        if (nd->n_children && j > 0) {
            uint32_t c = find_child(t, nd, f[j - 1]);
            if (c == NO_NODE) { /* cannot happen: every frame that can sit below has a child */
                w->ok = false;
                return;
            }
            x = c;
            j--;
            continue;
        }
        if (nd->pass) { /* cannot happen: such a rule never ends the stack */
            w->ok = false;
            return;
        }
        uint32_t grow_by = nd->growth > t->expand_depth ? nd->growth : t->expand_depth;
        if (nd->slow || (uint64_t)n + grow_by + 2 > GRAMMAR_MAX_DEPTH || w->n_leaves >= FILL_MAX_LEAVES) {
            w->ok = false;
            return;
        }
        w->stacks += nd->max_stacks;
        /* (only leaves have uncertain tokens; nothing below the key: the grammar ends there) */
        if (nd->n_unc && nd->key_len < n) {
            w->leaf[w->n_leaves] = x;
            w->leaf_stack[w->n_leaves] = i;
            w->leaf_cap[w->n_leaves] = cap;
            w->n_leaves++;
        }
        return;
    }
}

bool grammar_table_fill_mask(const grammar_mask_table *t, const grammar_vocab_index *ix, const stack_set *state,
                             stack_set *levels, uint32_t *mask) {
    if (t->ix != ix || state->u8.need || state->n_stacks > FAST_MAX_STACKS) return false;
    fill_walk w;
    w.t = t;
    w.ix = ix;
    w.mask = mask;
    w.n_done = w.n_leaves = 0;
    w.stacks = 0;
    w.ok = true;
    /* accepted sets (the mask may be left partly filled when this fails: the caller starts over) */
    for (uint32_t i = 0; i < state->n_stacks && w.ok; i++) {
        uint32_t n = state->start[i + 1] - state->start[i];
        if (n == 0) continue;
        const int32_t *f = state->data + state->start[i];
        uint32_t x = t->root[f[n - 1]];
        if (x == NO_NODE) return false;
        visit(&w, x, f, n, n - 1, CAP_NONE, i);
    }
    if (!w.ok || w.stacks > GRAMMAR_MAX_STACKS / 4) return false;
    /* uncertain tokens, against the real frames below */
    for (uint32_t k = 0; k < w.n_leaves; k++) {
        uint32_t i = w.leaf_stack[k];
        check_uncertain(t, &t->nodes[w.leaf[k]], state->data + state->start[i], state->start[i + 1] - state->start[i],
                        w.leaf_cap[k], levels, mask);
    }
    if (stack_set_can_end(state))
        for (int k = 0; k < ix->n_eog; k++) set_bit(mask, ix->eog[k]);
    return true;
}
