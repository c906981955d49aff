/* The compiled grammar and the matcher's stack sets, shared by
 *   grammar_parse.c  GBNF/EBNF text -> flat rule table, left-recursion check
 *   grammar_match.c  stack sets, one byte at a time (the pushdown automaton)
 *   grammar_mask.c   token trie per vocab, per-token masks, the mask cache
 *
 * Layout (llama.cpp's, flattened): every rule is a run of elements in
 * `elems`; its alternatives are separated by GEL_ALT and the rule ends with
 * GEL_END. A position is an index into `elems`. A stack is an array of
 * positions, bottom first; its top always points at a GEL_CHARS element
 * (expansion pushes rule references and pops finished alternatives until
 * that holds), and an empty stack means root has been matched. Groups and
 * repetitions become generated rules, so the element kinds stay four. */
#ifndef WICK_GRAMMAR_INTERNAL_H
#define WICK_GRAMMAR_INTERNAL_H

#include "grammar/grammar.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Safety limits: a grammar over them is a compile error, a state over them
 * rejects the byte (a request never hangs or exhausts memory). */
#define GRAMMAR_MAX_TEXT (4u << 20)     /* bytes of grammar text */
#define GRAMMAR_MAX_ELEMS (1u << 20)    /* elements after expansion */
#define GRAMMAR_MAX_RULES 65536
#define GRAMMAR_MAX_REPEAT 4096         /* n in x{m,n} */
#define GRAMMAR_MAX_NEST 256            /* parenthesis depth while parsing */
#define GRAMMAR_MAX_DEPTH 1024          /* frames in one stack */
#define GRAMMAR_MAX_STACKS 4096         /* stacks in one matcher state */

enum { GEL_END = 0, GEL_ALT = 1, GEL_RULE = 2, GEL_CHARS = 3 };

typedef struct grammar_elem {
    uint8_t type;  /* GEL_* */
    int32_t value; /* GEL_RULE: rule id; GEL_CHARS: char set id */
} grammar_elem;

/* A set of code points: sorted, disjoint, inclusive ranges (negation is
 * resolved at compile time). lead[b] bit: some member's UTF-8 starts with
 * byte b, so the first byte of a character costs one bit test. */
/* Where a position sits in a counted repetition x{m,n} (grammar_parse.c
 * records it; grammar_table.c uses it): the state right after the copy of
 * x at this element (a class position) or just before it (the return
 * position after a rule reference): `need` more copies are required, `rem`
 * more are allowed (UINT32_MAX: unbounded). Two positions of one
 * repetition whose x cannot match empty treat every token of at most
 * min(differing need, differing rem) bytes alike: such a token completes
 * too few copies to reach either bound. */
typedef struct grammar_rep_tag {
    uint32_t rep;  /* which repetition (one per x{m,n} in the text) */
    uint32_t need, rem;
} grammar_rep_tag;

typedef struct grammar_charset {
    uint32_t first, count; /* into grammar.ranges (pairs lo, hi) */
    uint32_t lead[8];
} grammar_charset;

struct grammar {
    grammar_elem *elems;
    uint32_t n_elems;
    uint32_t *rule_start; /* first element of each rule */
    uint32_t n_rules;
    uint32_t root;        /* rule id of "root" */
    uint32_t *alt_index;  /* rule r's alternatives start at alts[alt_index[r] .. alt_index[r+1]) */
    uint32_t *alts;       /* element index of each alternative's first element */
    grammar_charset *sets;
    uint32_t n_sets;
    uint32_t *ranges;     /* lo, hi pairs */
    uint32_t n_ranges;
    uint32_t *elem_tag;   /* [n_elems] 0, or 1 + index into tags; NULL when no element has one */
    grammar_rep_tag *tags;
    uint32_t n_tags;
};

static inline bool charset_has(const grammar *g, const grammar_charset *cs, uint32_t cp) {
    const uint32_t *r = g->ranges + 2 * (size_t)cs->first;
    uint32_t lo = 0, hi = cs->count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (cp < r[2 * mid]) hi = mid;
        else if (cp > r[2 * mid + 1]) lo = mid + 1;
        else return true;
    }
    return false;
}

/* Some member lies in [lo, hi]. */
static inline bool charset_meets(const grammar *g, const grammar_charset *cs, uint32_t lo, uint32_t hi) {
    const uint32_t *r = g->ranges + 2 * (size_t)cs->first;
    for (uint32_t i = 0; i < cs->count; i++)
        if (r[2 * i] <= hi && r[2 * i + 1] >= lo) return true;
    return false;
}

/* Every code point in [lo, hi] is a member. */
static inline bool charset_covers(const grammar *g, const grammar_charset *cs, uint32_t lo, uint32_t hi) {
    const uint32_t *r = g->ranges + 2 * (size_t)cs->first;
    for (uint32_t i = 0; i < cs->count; i++)
        if (r[2 * i] <= lo) {
            if (r[2 * i + 1] >= hi) return true;
        } else {
            break;
        }
    return false;
}

/* ---- stack sets (grammar_match.c) */

/* The bytes of a UTF-8 character read so far. */
typedef struct utf8_partial {
    uint32_t value; /* bits of the character so far */
    uint8_t need;   /* continuation bytes still to come; 0 = at a boundary */
    uint8_t have;   /* continuation bytes read */
    uint8_t len;    /* total length of the character */
    uint8_t any;    /* every live stack takes every completion: value dropped (so
                       states that differ only in it are one state) */
} utf8_partial;

/* Stacks packed into one int array: stack i is data[start[i] .. start[i+1]). */
typedef struct stack_set {
    int32_t *data;
    uint32_t n_data, cap_data;
    uint32_t *start;  /* n_stacks + 1 entries */
    uint32_t *hash;
    uint32_t n_stacks, cap_stacks;
    uint32_t *table;  /* dedup hash table: stack index + 1, 0 = empty */
    uint32_t table_mask;
    bool table_live;  /* the table indexes the stacks (only past a few stacks) */
    int32_t *work;    /* expansion work list: frames..., length */
    uint32_t n_work, cap_work;
    utf8_partial u8;
    bool failed;      /* out of memory or over a limit while building */
} stack_set;

void stack_set_free(stack_set *s);
void stack_set_clear(stack_set *s);
bool stack_set_copy(stack_set *dst, const stack_set *src);
/* The state right after reset: root's alternatives, expanded. */
bool stack_set_init_root(const grammar *g, stack_set *s);
/* dst = src after one byte; false if no stack survives (dst then empty). */
bool stack_set_step(const grammar *g, const stack_set *src, uint8_t byte, stack_set *dst);
bool stack_set_can_end(const stack_set *s);
uint64_t stack_set_fingerprint(const stack_set *s);
bool stack_set_equal(const stack_set *a, const stack_set *b);

struct grammar_matcher {
    const grammar *g;
    stack_set cur, tmp[2];
    struct mask_cache *cache; /* grammar_mask.c; NULL until the first mask */
    const grammar_mask_table *table; /* grammar_table.c; NULL: masks by trie walk */
};

void grammar_mask_cache_free(struct mask_cache *c);

/* ---- per-token masks (grammar_mask.c, grammar_table.c) */

/* Every ordinary token's decoded bytes in a trie laid out in preorder (see
 * grammar_mask.c). A token's rank is its index in `toks`: ranks follow the
 * byte order of the pieces, so node i's subtree holds exactly the tokens of
 * ranks tok_first[i] .. tok_first[skip[i]]. */
struct grammar_vocab_index {
    int32_t n_vocab;
    uint32_t n_words; /* mask words */
    uint32_t n_nodes;
    uint8_t *byte;       /* [n_nodes] */
    uint16_t *depth;     /* [n_nodes], 1 = child of the root */
    uint32_t *skip;      /* [n_nodes] first node after the subtree */
    uint32_t *tok_first; /* [n_nodes + 1] tokens of node i: toks[tok_first[i] .. tok_first[i+1]) */
    int32_t *toks;       /* token id by rank */
    uint32_t n_toks;
    uint32_t max_depth;
    int32_t *eog;
    int n_eog;
    /* per token: its piece, or len 0 when the token is never allowed */
    char *pool;
    uint32_t *piece_off, *piece_len;
    uint8_t *is_eog;
};

/* Stack sets interned as automaton states, their byte transitions filled in
 * on first use: walking a trie, most nodes then cost one table lookup. */
#define DFA_UNKNOWN (-2)
#define DFA_DEAD (-1)
#define DFA_FULL (-3)

typedef struct grammar_dfa {
    stack_set *states;
    uint64_t *fps;
    uint8_t *can_end;  /* [n_states] the state holds an empty stack (root complete) */
    uint32_t *longest; /* [n_states] frames in its deepest stack */
    uint32_t *width;   /* [n_states] stacks in it */
    uint32_t n_states, cap_states, max_states;
    int32_t *trans;    /* [n_states][256]: next state, DFA_DEAD or DFA_UNKNOWN */
    uint32_t *table;   /* state id + 1 by fingerprint */
    uint32_t table_mask;
    stack_set scratch;
    bool limited;      /* some step went over the matcher's limits (its result is not exact) */
} grammar_dfa;

void grammar_dfa_init(grammar_dfa *d, uint32_t max_states);
void grammar_dfa_reset(grammar_dfa *d);
void grammar_dfa_free(grammar_dfa *d);
/* The id of `s` (moved into the table when new: `s` is left empty),
 * DFA_FULL when the table is full, DFA_DEAD on allocation failure. */
int32_t grammar_dfa_intern(grammar_dfa *d, stack_set *s);
/* The state after byte b, DFA_DEAD or DFA_FULL. */
int32_t grammar_dfa_next(const grammar *g, grammar_dfa *d, int32_t from, uint8_t b);

/* Fast masks from a grammar_mask_table; false when this state needs the
 * trie walk (inside a UTF-8 character, or too near the matcher's limits). */
bool grammar_table_fill_mask(const grammar_mask_table *t, const grammar_vocab_index *ix, const stack_set *state,
                             stack_set *levels, uint32_t *mask);

#endif
