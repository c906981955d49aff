/* Pre-tokenizers: split text into the pieces that BPE merges within, as
 * the tokenizer's regex would, but written by hand over Unicode category
 * tables (no regex library). One function per tokenizer.ggml.pre family. */
#ifndef WICK_TOKENIZER_PRETOKENIZE_H
#define WICK_TOKENIZER_PRETOKENIZE_H

#include "wick.h"

#include <stddef.h>
#include <stdint.h>

typedef enum pretok_kind {
    PRETOK_NONE,          /* the whole text is one piece */
    PRETOK_GPT2,          /* GPT-2's 's|'t|... ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    PRETOK_LLAMA3,        /* llama-bpe: case-insensitive contractions, \p{N}{1,3}, ... */
    PRETOK_QWEN2,         /* like llama3 but single digits \p{N} */
    PRETOK_SMOLLM,        /* SmolLM/SmolLM2: digits split one by one, then GPT-2's regex */
    PRETOK_DEEPSEEK_LLM,  /* deepseek-llm's sequence of regexes */
    PRETOK_DEEPSEEK3,     /* deepseek-v3 (and DeepSeek-R1 distills' base) */
    PRETOK_QWEN35,        /* qwen35: like qwen2 but letters and marks run together */
    PRETOK_TEKKEN,        /* Mistral tekken: case-split letter runs, single digits */
    PRETOK_GPT4O,         /* o200k (gpt-4o, llama4): case-split runs + contractions, \p{N}{1,3} */
    PRETOK_COUNT
} pretok_kind;

/* Maps a tokenizer.ggml.pre value to a kind; returns -1 for unknown names.
 * Aliases are accepted the way llama.cpp accepts them (e.g. "llama3",
 * "llama-bpe", "dbrx", "smaug-bpe" -> PRETOK_LLAMA3). */
int pretok_kind_from_name(const char *name, size_t len);

/* Calls `emit(ctx, start, len)` for each piece of text[0..len), in order;
 * pieces cover the text exactly. Invalid UTF-8 bytes are pieces of their own
 * kind (treated as a non-letter, non-digit, non-space symbol) and never
 * read past `len`. */
typedef void (*pretok_emit_fn)(void *ctx, size_t start, size_t len);
void pretokenize(pretok_kind kind, const char *text, size_t len, pretok_emit_fn emit, void *ctx);

#endif
