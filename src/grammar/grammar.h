/* Constrained decoding: GBNF grammars compiled to a byte-level pushdown
 * automaton, and per-token masks over a tokenizer's vocabulary.
 *
 *   grammar              compiled from GBNF text; immutable, shareable by threads
 *   grammar_matcher      per-request state: the set of live automaton stacks
 *   grammar_vocab_index  per-tokenizer precomputation: every token's bytes in a
 *                        trie, so a mask walks shared prefixes once
 *
 * Syntax: llama.cpp's GBNF (rule ::= alternatives, "literals", [classes],
 * [^negated], ., ( groups ), * + ? {m} {m,} {m,n}, # comments), plus the
 * EBNF spellings WebLLM/XGrammar accept ('single quoted' literals, \U
 * escapes, ';' after a rule, '|' opening a continuation line). The start
 * rule is "root". grammar_parse.c's header comment has the details. */
#ifndef WICK_GRAMMAR_GRAMMAR_H
#define WICK_GRAMMAR_GRAMMAR_H

#include "tokenizer/vocab.h"
#include "wick.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct grammar grammar;                 /* compiled, immutable, shareable */
typedef struct grammar_matcher grammar_matcher; /* per-request state */
typedef struct grammar_vocab_index grammar_vocab_index; /* per-tokenizer precomputation */
typedef struct grammar_mask_table grammar_mask_table;   /* per-(grammar, tokenizer) precomputation */

/* GBNF as llama.cpp's grammar parser accepts it (also accept the EBNF WebLLM/XGrammar take for
   response_format {type:'grammar'} where it differs, e.g. comments, character classes); root rule "root". */
wick_status grammar_compile(const char *text, size_t len, grammar **out, wick_error *err);
void grammar_free(grammar *g);
wick_status grammar_matcher_new(const grammar *g, grammar_matcher **out, wick_error *err);
void grammar_matcher_free(grammar_matcher *m);
void grammar_matcher_reset(grammar_matcher *m);
/* Byte-level: false (and state unchanged) if the bytes cannot continue a match. */
bool grammar_matcher_accept_bytes(grammar_matcher *m, const char *bytes, size_t n);
/* true if the input so far is a complete match of root. */
bool grammar_matcher_can_end(const grammar_matcher *m);
wick_status grammar_vocab_index_new(const wick_vocab *v, grammar_vocab_index **out, wick_error *err);
void grammar_vocab_index_free(grammar_vocab_index *ix);
/* bit t of mask (uint32 words, (n_vocab+31)/32) = token t may come next; EOS/EOG tokens allowed iff can_end. */
void grammar_matcher_fill_mask(grammar_matcher *m, const grammar_vocab_index *ix, uint32_t *mask);
bool grammar_matcher_accept_token(grammar_matcher *m, const grammar_vocab_index *ix, int32_t token);


/* Additions beyond the shared API above. */

/* dst takes src's state (both must come from the same grammar); false if
 * out of memory (dst then reset). For trying a token without committing. */
bool grammar_matcher_copy_state(grammar_matcher *dst, const grammar_matcher *src);

/* Fast masks (grammar_table.c). Without a table, fill_mask walks the token
 * trie from the matcher's state: cheap in most states but milliseconds the
 * first time a permissive state (inside a JSON string) is met. A mask table
 * classifies every token ahead of time, per grammar position and the stack
 * frames below it, as accepted, rejected or context-dependent; fill_mask
 * then ORs precomputed bitsets and checks only the few context-dependent
 * tokens against the live stacks. Build one per (grammar, vocab index) —
 * tens to a few hundred ms — and keep it beside the compiled grammar; it is
 * immutable and may be shared by any number of matchers and threads. Both
 * `g` and `ix` must outlive it.
 *
 *   grammar_mask_table_new(g, ix, &t, &err);     once per (grammar, vocab)
 *   grammar_matcher_new(g, &m, &err);            per request
 *   grammar_matcher_set_mask_table(m, t);        t must outlive m
 *   grammar_matcher_fill_mask(m, ix, mask);      same call as before, same masks
 *
 * The masks are identical with or without a table (states inside a UTF-8
 * character, or near the matcher's limits, still take the trie walk). */
wick_status grammar_mask_table_new(const grammar *g, const grammar_vocab_index *ix, grammar_mask_table **out,
                                   wick_error *err);
void grammar_mask_table_free(grammar_mask_table *t);
/* t: a table built for m's grammar, or NULL to go back to the trie walk.
   false (nothing changed) if t was built for another grammar. */
bool grammar_matcher_set_mask_table(grammar_matcher *m, const grammar_mask_table *t);

typedef struct grammar_mask_table_stats {
    size_t bytes;              /* memory held by the table */
    double build_ms;           /* time grammar_mask_table_new took */
    uint32_t positions;        /* grammar positions (character classes) classified */
    uint32_t nodes;            /* positions plus stack contexts below them */
    uint32_t bitsets;          /* nodes whose accepted set is a bitset (the rest: token lists) */
    uint32_t uncertain_max;    /* most context-dependent tokens left at a leaf (checked per use) */
    uint32_t slow_positions;   /* positions whose simulation hit the matcher's limits (trie walk) */
} grammar_mask_table_stats;
void grammar_mask_table_get_stats(const grammar_mask_table *t, grammar_mask_table_stats *out);

#endif
