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

#endif
