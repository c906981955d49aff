/* The OpenAI-style request layer behind include/wick_api.h, in three parts:
 *
 *   request_parse.c  JSON body -> a validated api_request (or an
 *                    api_param_error: OpenAI's message + the param named)
 *   response_json.c  writers for chunks, responses, usage and errors
 *   engine.c         the wick_engine: context, prefix reuse, prefill
 *                    steps, generation, stop strings, n > 1, abort
 *
 * Parameter names in errors follow OpenAI's own form: top-level fields by
 * name ("temperature"), nested ones with dotted indices as OpenAI's API
 * reports them ("messages.[0].content", "stream_options.include_usage"). */
#ifndef WICK_API_API_INTERNAL_H
#define WICK_API_API_INTERNAL_H

#include "core/buf.h"
#include "sampling/sampler.h"
#include "wick_api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_MAX_N 16     /* choices per request */
#define API_MAX_STOPS 4  /* stop strings, as OpenAI */
#define API_MAX_TOP_LOGPROBS 20

/* A refused request: OpenAI's error fields. */
typedef struct api_param_error {
    char message[512];
    char param[128]; /* "" -> null */
    const char *code; /* NULL -> null; "context_length_exceeded", ... */
} api_param_error;

typedef struct api_request {
    wick_request_kind kind;
    char *model; /* the request's "model" (echoed), or NULL */
    bool stream, include_usage, stream_options_given;
    int n;                  /* 1..API_MAX_N */
    wick_sampler_params sp; /* sampling knobs; logit_bias/seed are set by the engine */
    wick_logit_bias *bias;  /* logit_bias entries (malloc'd) */
    size_t n_bias;
    bool has_seed;
    uint64_t seed;
    bool logprobs;
    int top_logprobs;
    int64_t max_tokens; /* -1: until EOG or the context is full */
    bool ignore_eos;
    char *stops[API_MAX_STOPS]; /* non-empty, NUL-terminated */
    size_t n_stops;
    char *messages_json; /* chat: normalized [{role, content[, name, tool_call_id]}] */
    char *prompt;        /* completion: the prompt text */
    size_t prompt_len;
} api_request;

/* Validates `json` as a request of `kind`; n_vocab bounds logit_bias ids.
 * WICK_ERR_INVALID_ARG (with *pe filled) on refusal, WICK_ERR_NOMEM. On
 * failure *req holds nothing to free. */
wick_status api_request_parse(wick_request_kind kind, const char *json, size_t len, int32_t n_vocab,
                              api_request *req, api_param_error *pe);
void api_request_free(api_request *req);

/* ---- JSON writers (response_json.c). Every writer appends to a wick_buf;
 * allocation failures surface once through b->failed. */

/* A JSON string literal; invalid UTF-8 becomes U+FFFD. */
void api_write_string(wick_buf *b, const char *s, size_t len);
/* A logprob as JSON (-inf as -9999.0, OpenAI's floor for "impossible"). */
void api_write_logprob(wick_buf *b, float lp);

/* The fields every object of a response shares. */
typedef struct api_head {
    const char *id;
    const char *object; /* "chat.completion.chunk", "chat.completion", "text_completion" */
    int64_t created;
    const char *model;
} api_head;

typedef struct api_usage {
    int64_t prompt_tokens, completion_tokens, reused;
    double prefill_tokens_per_s, decode_tokens_per_s, time_to_first_token_s;
} api_usage;

void api_write_usage(wick_buf *b, const api_usage *u);
void api_write_error(wick_buf *b, const char *message, const char *type, const char *param,
                     const char *code);

/* One token's logprobs entry: {"token","logprob","bytes","top_logprobs"}. */
void api_write_logprob_entry(wick_buf *b, const wick_model *model, int32_t token, float logprob,
                             const wick_token_logprob *top, int32_t n_top);

/* One stream chunk with one choice. Chat: delta holds "role" when
 * `role_chunk`, "content" when content != NULL, else is {}. Completion:
 * "text" (content, or ""). logprobs_entries: the comma-separated entries
 * (NULL: "logprobs": null). finish: NULL -> null. usage_null: add
 * "usage": null (OpenAI does so on every chunk when include_usage). */
void api_write_chunk(wick_buf *b, const api_head *h, wick_request_kind kind, int index, bool role_chunk,
                     const char *content, size_t content_len, const char *logprobs_entries,
                     size_t logprobs_len, const char *finish, bool usage_null);
/* The include_usage chunk: choices [] and usage. */
void api_write_usage_chunk(wick_buf *b, const api_head *h, const api_usage *u);

/* One choice of the non-streaming response. */
typedef struct api_choice_out {
    const char *text;
    size_t text_len;
    const char *logprobs_entries; /* NULL: "logprobs": null */
    size_t logprobs_len;
    const char *finish;
} api_choice_out;

void api_write_response(wick_buf *b, const api_head *h, wick_request_kind kind,
                        const api_choice_out *choices, int n, const api_usage *u);

#endif
