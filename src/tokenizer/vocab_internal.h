/* The wick_vocab structure, shared by the tokenizer's files:
 *   vocab.c           loading from GGUF metadata, lookups, token_to_piece
 *   special_tokens.c  matching control/user-defined tokens in the text
 *   bpe.c             byte-level BPE by merge rank ("gpt2")
 *   spm.c             SentencePiece BPE by score ("llama")
 *   tokenize.c        the driver: special tokens, segments, BOS/EOS
 *   detokenizer.c     streaming ids -> UTF-8 text
 * After vocab_load nothing here is written again, so one vocab can be
 * shared by threads; every tokenize call keeps its scratch memory local. */
#ifndef WICK_TOKENIZER_VOCAB_INTERNAL_H
#define WICK_TOKENIZER_VOCAB_INTERNAL_H

#include "core/buf.h"
#include "core/status.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/vocab.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* tokenizer.ggml.token_type values (llama.cpp's llama_token_type). */
enum {
    TOKEN_TYPE_UNDEFINED = 0,
    TOKEN_TYPE_NORMAL = 1,
    TOKEN_TYPE_UNKNOWN = 2,
    TOKEN_TYPE_CONTROL = 3,
    TOKEN_TYPE_USER_DEFINED = 4,
    TOKEN_TYPE_UNUSED = 5,
    TOKEN_TYPE_BYTE = 6
};

/* Per-token attributes that GGUF has no field for (Hugging Face's added
 * token lstrip/rstrip), set at load the way llama.cpp sets them. */
enum { TOKEN_ATTR_LSTRIP = 1, TOKEN_ATTR_RSTRIP = 2 };

typedef enum vocab_kind { VOCAB_SPM, VOCAB_BPE } vocab_kind;

/* One merge rule of a byte-level BPE vocab: (left id, right id) -> merged. */
typedef struct merge_slot {
    uint64_t key;   /* (uint64)left << 32 | right; MERGE_EMPTY when free */
    int32_t rank;   /* index in tokenizer.ggml.merges: lower merges first */
    int32_t merged; /* id of the concatenation */
} merge_slot;
#define MERGE_EMPTY UINT64_MAX

/* A byte trie over the texts of the tokens matched before BPE. Children
 * of a node are a singly linked list (most nodes have one child). */
typedef struct trie_node {
    int32_t first_child; /* node index, -1 if none */
    int32_t next_sibling;
    int32_t token;       /* token whose text ends here, -1 if none */
    uint8_t byte;
} trie_node;

#define VOCAB_MAX_EOG 16
#define VOCAB_MAX_SPACE_RUN 64

struct wick_vocab {
    vocab_kind kind;
    pretok_kind pre;         /* VOCAB_BPE only */
    char pre_name[32];
    bool nfc;                /* normalize segments to NFC first (qwen2) */
    bool ignore_merges;      /* a piece that is a whole token skips BPE (llama3) */
    bool add_bos, add_eos;
    bool add_space_prefix;   /* VOCAB_SPM: "▁" before the text and after each special token */
    bool remove_extra_ws;    /* read for completeness; SentencePiece BPE does not use it */

    int32_t n_tokens;
    int32_t bos, eos, unk, pad, eot, eom; /* -1 when absent */
    int32_t eog[VOCAB_MAX_EOG];
    int n_eog;

    /* token texts as stored: token i is text_pool[text_off[i] .. +text_len[i]), NUL-terminated */
    char *text_pool;
    uint32_t *text_off;
    uint32_t *text_len;
    uint8_t *type;           /* TOKEN_TYPE_* */
    uint8_t *attr;           /* TOKEN_ATTR_* */
    float *score;            /* VOCAB_SPM merge priority; NULL for BPE */

    /* text -> id: open addressing; a slot holds (hash >> 32) << 32 | (id + 1),
     * 0 = empty, so most misses never touch the token texts */
    uint64_t *tok_slots;
    uint32_t tok_mask;

    /* byte-level BPE merges */
    merge_slot *merges;
    uint32_t merge_mask;
    uint32_t n_merges;

    /* byte b as a token: SPM "<0xXX>", BPE the byte-level character; -1 if absent */
    int32_t byte_token[256];
    /* GPT-2 byte map as UTF-8: byte b is bl_text[b][0 .. bl_len[b]) */
    char bl_text[256][2];
    uint8_t bl_len[256];

    /* special-token matcher (control/unknown and user-defined tokens) */
    trie_node *trie;
    int32_t n_trie;
    int32_t trie_root[256];  /* child of the root for each first byte, -1 if none */
    bool has_user_defined;   /* some user-defined tokens: matched even without PARSE_SPECIAL */

    /* SPM only. llama.cpp's converter stores Gemma's user-defined "▁▁",
     * "▁▁▁" ... as runs of spaces. HF matches them only as literal "▁" runs
     * in the raw text, and otherwise reaches them through its top-ranked
     * merges, which chunk every run of "▁" greedily from the left. So these
     * tokens go into the trie as "▁" runs, and spm.c chunks "▁" runs with
     * them before merging. space_run[k] is the token of k spaces, or -1. */
    int32_t space_run[VOCAB_MAX_SPACE_RUN + 1];
    int max_space_run;      /* 0 when there are none */

    /* decoded pieces (what token_to_piece returns without SKIP_SPECIAL) */
    char *piece_pool;
    uint32_t *piece_off;
    uint32_t *piece_len;
};

/* ---- hashing (vocab.c) */
uint64_t vocab_hash_bytes(const char *s, size_t n);
/* id of the token whose text is s[0..n), or -1 */
int32_t vocab_find(const wick_vocab *v, const char *s, size_t n);
/* merged id and rank of the pair (left, right), or false */
static inline bool vocab_find_merge(const wick_vocab *v, int32_t left, int32_t right,
                                    int32_t *rank, int32_t *merged) {
    uint64_t key = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
    uint32_t h = (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32);
    for (uint32_t i = h & v->merge_mask;; i = (i + 1) & v->merge_mask) {
        const merge_slot *s = &v->merges[i];
        if (s->key == key) {
            *rank = s->rank;
            *merged = s->merged;
            return true;
        }
        if (s->key == MERGE_EMPTY) return false;
    }
}

static inline bool vocab_is_special_type(uint8_t t) {
    return t == TOKEN_TYPE_CONTROL || t == TOKEN_TYPE_UNKNOWN;
}

/* ---- output with the wick_tokenize capacity contract */
typedef struct tok_out {
    int32_t *tokens;
    size_t capacity;
    size_t n; /* total produced, may exceed capacity */
} tok_out;

static inline void tok_out_push(tok_out *o, int32_t id) {
    if (o->n < o->capacity) o->tokens[o->n] = id;
    o->n++;
}

/* ---- special tokens (special_tokens.c) */
wick_status special_tokens_build(wick_vocab *v, const char *model_name, wick_error *err);
/* Longest special token that matches at text[0..len): its id and length,
 * or -1. `parse_special` false skips control and unknown tokens. */
int32_t special_match_at(const wick_vocab *v, const char *text, size_t len, bool parse_special,
                         size_t *match_len);
void special_find_eog(wick_vocab *v);

/* ---- segment tokenizers: one run of ordinary text (no special tokens) */
typedef struct tok_scratch tok_scratch;
tok_scratch *tok_scratch_new(void);
void tok_scratch_free(tok_scratch *s);

/* bpe.c: pre-tokenize, byte-map, merge by rank. */
wick_status bpe_tokenize_segment(const wick_vocab *v, tok_scratch *s, const char *text,
                                 size_t len, tok_out *out, wick_error *err);
/* spm.c: escape spaces, optional "▁" prefix, merge by score, byte fallback. */
wick_status spm_tokenize_segment(const wick_vocab *v, tok_scratch *s, const char *text,
                                 size_t len, bool prefix_space, tok_out *out, wick_error *err);

/* ---- pieces (vocab.c) */
static inline const char *vocab_piece(const wick_vocab *v, int32_t id, size_t *len) {
    *len = v->piece_len[id];
    return v->piece_pool + v->piece_off[id];
}
/* true if the piece of `id` is dropped by WICK_DETOKENIZE_SKIP_SPECIAL */
static inline bool vocab_piece_skipped(const wick_vocab *v, int32_t id) {
    return vocab_is_special_type(v->type[id]);
}
/* SPM vocabs with a space prefix: decoding strips one leading space (HF's
 * Strip decoder in Llama/Mistral tokenizer.json files). */
static inline bool vocab_strips_leading_space(const wick_vocab *v) {
    return v->kind == VOCAB_SPM && v->add_space_prefix;
}

#endif
