/* A model's tokenizer, built from GGUF tokenizer.ggml.* metadata.
 *
 * Two families, as llama.cpp names them in tokenizer.ggml.model:
 *   "llama"  SentencePiece-style BPE driven by scores, byte fallback tokens
 *            <0xXX>, U+2581 for spaces, optional space prefix (and Gemma's
 *            variant of it);
 *   "gpt2"   byte-level BPE driven by merge ranks, after a pre-tokenizer
 *            chosen by tokenizer.ggml.pre (llama-bpe, qwen2, smollm, gpt2,
 *            deepseek-llm, deepseek-v3 ...), with Unicode category tables.
 * Special and added tokens are matched in the text before BPE runs. */
#ifndef WICK_TOKENIZER_VOCAB_H
#define WICK_TOKENIZER_VOCAB_H

#include "gguf/gguf_reader.h"
#include "wick.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wick_vocab wick_vocab;

/* Builds the vocabulary from `g`'s metadata. Errors name the key (and the
 * element index) that is missing or malformed. The vocab copies what it
 * needs: it does not keep pointers into `g`. */
wick_status vocab_load(const gguf_file *g, wick_vocab **out, wick_error *err);
void vocab_free(wick_vocab *v);

int32_t vocab_n_tokens(const wick_vocab *v);
int32_t vocab_bos(const wick_vocab *v);
int32_t vocab_eos(const wick_vocab *v);
bool vocab_is_eog(const wick_vocab *v, int32_t token);
/* The token's text as stored in the vocabulary (NUL-terminated). */
const char *vocab_token_text(const wick_vocab *v, int32_t token);

/* Flags are WICK_TOKENIZE_* from wick.h. Same contract as wick_tokenize. */
wick_status vocab_tokenize(const wick_vocab *v, const char *text, size_t len, int flags,
                           int32_t *tokens, size_t capacity, size_t *n_tokens, wick_error *err);

/* Flags are WICK_DETOKENIZE_*. */
wick_status vocab_token_to_piece(const wick_vocab *v, int32_t token, int flags, char *buf,
                                 size_t capacity, size_t *len, wick_error *err);

#endif
