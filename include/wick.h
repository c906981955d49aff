/*
 * wick.h — the public C API of Wick, an LLM inference engine for the browser
 * (WebAssembly + WebGPU) and the command line.
 *
 * Conventions (after SQLite's C API):
 *   - Objects are opaque handles with one prefix: wick_model, wick_detokenizer.
 *   - Every fallible call returns a wick_status; WICK_OK is 0. When a call
 *     fails and `err` is not NULL, err->message says what went wrong and
 *     where (file, field, byte offset).
 *   - Strings are UTF-8 with explicit lengths; returned buffers are released
 *     with wick_free().
 *   - No global mutable state: handles may be used from different threads as
 *     long as one handle is not used by two threads at once. A wick_model is
 *     read-only after it is opened and may be shared.
 */
#ifndef WICK_H
#define WICK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

typedef enum wick_status {
    WICK_OK = 0,
    WICK_ERR_IO = 1,             /* a file could not be opened, mapped or read */
    WICK_ERR_FORMAT = 2,         /* malformed input: GGUF, JSON, token ids ... */
    WICK_ERR_NOMEM = 3,          /* an allocation failed */
    WICK_ERR_INVALID_ARG = 4,    /* the caller passed something out of range */
    WICK_ERR_UNSUPPORTED = 5,    /* well-formed, but not something Wick implements */
    WICK_ERR_NEED_MORE_DATA = 6, /* incremental parsing: feed a longer prefix */
    WICK_ERR_TEMPLATE = 7,       /* a chat template failed to compile, or raised */
    WICK_ERR_LIMIT = 8           /* an output buffer or a safety limit was too small */
} wick_status;

/* Filled in by a failing call. `message` is always NUL-terminated. */
typedef struct wick_error {
    wick_status code;
    char message[512];
} wick_error;

/* A short constant name for a status ("malformed input", ...). */
const char *wick_status_name(wick_status code);

/* Releases a buffer returned by Wick (wick_chat_template_apply, ...). */
void wick_free(void *ptr);

/* ----------------------------------------------------------------- model */

typedef struct wick_model wick_model;

/* Opens a GGUF file: maps it (natively) or reads it (wasm), validates the
 * header and every tensor's placement, and loads the tokenizer and chat
 * template from its metadata. Tensor data is not touched.
 * A split model (llama.cpp's gguf-split: NAME-00001-of-0000N.gguf ...) is
 * opened from its first shard's path: the others are found by name, and
 * each must say it is shard i of N (split.no, split.count); no tensor may
 * be in two shards, and the first shard's split.tensors.count must match. */
wick_status wick_model_open(const char *path, wick_model **out, wick_error *err);

/* A split model from its shards' paths, in order (any names). */
wick_status wick_model_open_shards(const char *const *paths, size_t n_shards, wick_model **out,
                                   wick_error *err);

/* The same from bytes the caller owns (the whole file, or at least its
 * header and metadata: `file_size` is the full size, used to validate tensor
 * placement). `data` must outlive the model. */
wick_status wick_model_open_bytes(const uint8_t *data, size_t len, uint64_t file_size,
                                  wick_model **out, wick_error *err);

/* A split model from its shards' bytes, in order: data[i] holds the whole
 * of shard i (len[i] bytes) and must outlive the model. A single shard of a
 * split model is refused (by wick_model_open_bytes too). */
wick_status wick_model_open_shards_bytes(const uint8_t *const *data, const size_t *len,
                                         size_t n_shards, wick_model **out, wick_error *err);

void wick_model_close(wick_model *model);

/* A summary of a model, as `wick info` prints it. */
typedef struct wick_model_info {
    char architecture[64];        /* general.architecture, e.g. "llama" */
    char name[128];               /* general.name, or "" */
    uint64_t n_params;            /* elements in all tensors */
    uint64_t weight_bytes;        /* bytes of tensor data */
    uint32_t context_length;      /* <arch>.context_length, 0 if absent */
    uint32_t n_layers;            /* <arch>.block_count */
    uint32_t n_embd;              /* <arch>.embedding_length */
    uint32_t n_head, n_head_kv;   /* attention heads for queries / keys+values */
    uint32_t head_dim_k, head_dim_v;
    uint32_t vocab_size;          /* tokens in tokenizer.ggml.tokens, 0 if none */
    char vocab_type[16];          /* tokenizer.ggml.model: "llama", "gpt2", ... */
    char pre_tokenizer[32];       /* tokenizer.ggml.pre, "" if absent */
    int has_chat_template;
    uint64_t kv_bytes_per_1k;     /* f16 KV cache bytes per 1024 tokens of context */
    /* tensor count per ggml type id (index = type id) */
    uint32_t n_tensors;
    uint32_t tensors_per_type[64];
    uint64_t bytes_per_type[64];
} wick_model_info;

wick_status wick_model_get_info(const wick_model *model, wick_model_info *info, wick_error *err);

/* The same summary as a JSON object, exactly as `wick info --json` prints
 * it (plus format version, file type, sliding window). `path` is its
 * "path" field (NULL: the name the model was opened with). *out is
 * malloc'd and NUL-terminated (release with wick_free). */
wick_status wick_model_info_json(const wick_model *model, const char *path, char **out,
                                 size_t *out_len, wick_error *err);

/* The name of a ggml tensor type id ("q4_K", "f16", ...), or NULL. */
const char *wick_type_name(uint32_t type);

/* ------------------------------------------------------------- tokenizer */

enum {
    WICK_TOKENIZE_ADD_SPECIAL = 1,   /* add BOS/EOS as the model's metadata says */
    WICK_TOKENIZE_PARSE_SPECIAL = 2  /* control tokens written in the text become their ids */
};

int32_t wick_vocab_size(const wick_model *model);
int32_t wick_token_bos(const wick_model *model); /* -1 if the model has none */
int32_t wick_token_eos(const wick_model *model);
/* 1 if `token` ends generation (EOS, EOT, EOM ...), else 0. */
int wick_token_is_eog(const wick_model *model, int32_t token);

/* Text to token ids. Writes at most `capacity` ids; *n_tokens receives the
 * total count. Returns WICK_ERR_LIMIT when capacity was too small (call again
 * with *n_tokens). */
wick_status wick_tokenize(const wick_model *model, const char *text, size_t text_len, int flags,
                          int32_t *tokens, size_t capacity, size_t *n_tokens, wick_error *err);

/* The text of one token's piece, as the model decodes it (byte tokens become
 * their byte, SentencePiece's U+2581 becomes a space ...). A piece may be a
 * partial UTF-8 sequence; use a wick_detokenizer to stream text. */
wick_status wick_token_to_piece(const wick_model *model, int32_t token, int flags,
                                char *buf, size_t capacity, size_t *len, wick_error *err);

enum {
    WICK_DETOKENIZE_SKIP_SPECIAL = 1 /* control tokens (BOS, <|im_end|> ...) produce no text */
};

/* Streaming detokenizer: each push returns only complete UTF-8, so a chunk
 * never ends inside a multi-byte sequence. */
typedef struct wick_detokenizer wick_detokenizer;

wick_status wick_detokenizer_new(const wick_model *model, int flags, wick_detokenizer **out,
                                 wick_error *err);
/* Appends one token. `*text` and `*len` receive the text that became complete (valid
 * until the next call on this detokenizer). */
wick_status wick_detokenizer_push(wick_detokenizer *d, int32_t token, const char **text,
                                  size_t *len, wick_error *err);
/* Ends the stream: bytes of an incomplete sequence come out as U+FFFD. */
wick_status wick_detokenizer_flush(wick_detokenizer *d, const char **text, size_t *len,
                                   wick_error *err);
void wick_detokenizer_free(wick_detokenizer *d);

/* Whole-sequence convenience: ids to text (malloc'd, NUL-terminated). */
wick_status wick_detokenize(const wick_model *model, const int32_t *tokens, size_t n_tokens,
                            int flags, char **text, size_t *len, wick_error *err);

/* --------------------------------------------------------- chat template */

/* Renders the model's chat template (tokenizer.chat_template, or
 * `template_override` when not NULL) with Hugging Face apply_chat_template
 * semantics. Inputs are JSON text:
 *   messages_json  an array of {role, content, tool_calls?, ...}
 *   tools_json     an array of OpenAI tool objects, or NULL
 *   extra_json     an object of extra template variables (e.g.
 *                  {"enable_thinking": false}), or NULL
 * On success *out is a malloc'd NUL-terminated string (release with wick_free). */
wick_status wick_chat_template_apply(const wick_model *model, const char *template_override,
                                     const char *messages_json, const char *tools_json,
                                     const char *extra_json, int add_generation_prompt,
                                     char **out, size_t *out_len, wick_error *err);

/* ------------------------------------------------------------ generation
 *
 * A wick_context runs the model's forward pass on the CPU: it binds the
 * model's tensors (memory-mapped, never copied), owns a KV cache of n_ctx
 * positions (f16) and a thread pool. One context serves one sequence; the
 * model may be shared by several contexts. Supported architectures:
 * llama, qwen2, qwen3, phi3, gemma2, gemma3 (others fail in
 * wick_context_new with a message that lists these). A model opened with
 * wick_model_open_bytes must have been given the whole file (len ==
 * file_size) before a context is made from it. */

typedef struct wick_context wick_context;

typedef struct wick_context_params {
    uint32_t n_ctx;   /* KV cache positions; 0 = the model's context_length, at most 4096 */
    uint32_t n_batch; /* prompt tokens per forward step (prefill); 0 = 32 */
    int n_threads;    /* threads splitting each matrix product; < 1 = 1 */
} wick_context_params;

wick_context_params wick_context_default_params(void);

wick_status wick_context_new(const wick_model *model, const wick_context_params *params,
                             wick_context **out, wick_error *err);
void wick_context_free(wick_context *ctx);

/* Appends tokens to the sequence (prompt prefill or one generated token)
 * and computes the next-token logits after the last one. Fails with
 * WICK_ERR_LIMIT, changing nothing, if they do not fit in the context. */
wick_status wick_decode(wick_context *ctx, const int32_t *tokens, size_t n_tokens, wick_error *err);

/* The logits (*n_vocab floats) after the last decoded token, or NULL
 * before the first wick_decode. Valid until the next decode. */
const float *wick_get_logits(const wick_context *ctx, int32_t *n_vocab);

uint32_t wick_context_n_ctx(const wick_context *ctx);
uint32_t wick_context_n_past(const wick_context *ctx); /* tokens in the cache */
void wick_context_reset(wick_context *ctx);           /* forget the sequence */
/* Keeps the first n_keep cached tokens and forgets the rest (prefix reuse);
 * n_keep >= n_past changes nothing. The logits are gone until the next
 * decode. */
void wick_context_truncate(wick_context *ctx, uint32_t n_keep);

/* Index of the largest logit (the first on ties); -1 if n <= 0. */
int32_t wick_argmax(const float *logits, int32_t n);

/* Called for each generated token; return nonzero to stop. */
typedef int (*wick_token_callback)(int32_t token, void *user);

/* Greedy (temperature 0) generation: decodes the prompt, then repeatedly
 * takes the argmax token, hands it to `cb` and decodes it, until
 * max_tokens, an end-of-generation token (not handed to cb), a full
 * context, or cb asks to stop. *n_generated (may be NULL) counts the
 * tokens handed to cb. */
wick_status wick_generate_greedy(wick_context *ctx, const int32_t *prompt, size_t n_prompt,
                                 size_t max_tokens, wick_token_callback cb, void *user,
                                 size_t *n_generated, wick_error *err);

#ifdef __cplusplus
}
#endif

#endif /* WICK_H */
