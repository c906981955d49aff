/* The OpenAI-style request layer behind include/wick_api.h, in three parts:
 *
 *   request_parse.c  JSON body -> a validated api_request (or an
 *                    api_param_error: OpenAI's message + the param named)
 *   request_tools.c  its response_format, tools and tool_choice members
 *   response_json.c  writers for chunks, responses, usage and errors
 *   engine.c         the wick_engine: context, prefix reuse, prefill
 *                    steps, generation, stop strings, n > 1, abort,
 *                    grammar masks, tool-call hold-back
 *   tool_calls.c     tool-call formats: detection from the template,
 *                    parsing, the constraining grammar, Wick's convention
 *                    for templates without tools
 *
 * Parameter names in errors follow OpenAI's own form: top-level fields by
 * name ("temperature"), nested ones with dotted indices as OpenAI's API
 * reports them ("messages.[0].content", "stream_options.include_usage"). */
#ifndef WICK_API_API_INTERNAL_H
#define WICK_API_API_INTERNAL_H

#include "core/buf.h"
#include "grammar/grammar.h"
#include "json/json.h"
#include "sampling/sampler.h"
#include "wick_api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_MAX_N 16     /* choices per request */
#define API_MAX_STOPS 4  /* stop strings, as OpenAI */
#define API_MAX_TOP_LOGPROBS 20
#define API_MAX_TOOLS 128

typedef struct api_tool_call api_tool_call; /* below */

/* response_format */
typedef enum api_rf { API_RF_TEXT = 0, API_RF_JSON_OBJECT, API_RF_JSON_SCHEMA, API_RF_GRAMMAR } api_rf;

/* tool_choice */
typedef enum api_tc { API_TC_AUTO = 0, API_TC_NONE, API_TC_REQUIRED, API_TC_NAMED } api_tc;

/* One function of `tools`. */
typedef struct api_tool {
    char *name;
    char *parameters; /* the JSON Schema as JSON text, or NULL (any object) */
} api_tool;

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

    /* structured output: the response_format's grammar, compiled (NULL
     * for text); its GBNF source is kept for tool grammars' sake */
    api_rf rf;
    grammar *grammar;
    /* tools: the array as given (JSON text, for the chat template), the
     * functions, and the choice */
    char *tools_json;
    api_tool *tools;
    size_t n_tools;
    api_tc tool_choice;
    char *tool_choice_name; /* API_TC_NAMED */
    bool tool_choice_given;
    bool parallel_tool_calls; /* default true */
    bool has_tool_messages;   /* a tool message or assistant tool_calls in messages */
} api_request;

/* Refusal helpers shared by request_parse.c and request_tools.c: fill *pe
 * and return WICK_ERR_INVALID_ARG (api_oom: WICK_ERR_NOMEM). */
wick_status api_refuse(api_param_error *pe, const char *param, const char *fmt, ...) WICK_PRINTF(3, 4);
wick_status api_oom(api_param_error *pe);
wick_status api_bad_type(api_param_error *pe, const char *param, const char *display, const char *expected,
                         const json_value *v);
char *api_dup_str(const char *s, size_t n);
/* request_tools.c: one member each; tool_choice is checked against tools
 * by api_request_parse once every member is read. */
wick_status api_parse_response_format(const json_value *v, api_request *req, api_param_error *pe);
wick_status api_parse_tools(const json_value *v, api_request *req, api_param_error *pe);
wick_status api_parse_tool_choice(const json_value *v, api_request *req, api_param_error *pe);
/* Appends ,"tool_calls":[...] (arguments as the JSON value they hold). */
wick_status api_message_tool_calls(const json_value *v, const char *kp, wick_buf *out, api_param_error *pe);

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
/* A chunk whose delta is {"tool_calls":[...]}: the call's header (index,
 * id, type, function.name, arguments "") when `header`, else
 * {"index", "function":{"arguments": args}}. */
void api_write_tool_call_chunk(wick_buf *b, const api_head *h, int index, int call_index,
                               const api_tool_call *call, bool header, const char *args, size_t args_len,
                               bool usage_null);
/* The include_usage chunk: choices [] and usage. */
void api_write_usage_chunk(wick_buf *b, const api_head *h, const api_usage *u);

/* One choice of the non-streaming response. */
typedef struct api_choice_out {
    const char *text;
    size_t text_len;
    const char *logprobs_entries; /* NULL: "logprobs": null */
    size_t logprobs_len;
    const char *finish;
    const api_tool_call *calls; /* n_calls > 0: message.tool_calls (content null if text_len 0) */
    size_t n_calls;
} api_choice_out;

void api_write_response(wick_buf *b, const api_head *h, wick_request_kind kind,
                        const api_choice_out *choices, int n, const api_usage *u);

/* ---- tool calls (tool_calls.c) */

/* How a model writes tool calls, detected from its chat template text. */
typedef enum api_tool_format {
    API_TF_NONE = 0, /* no tools in this request */
    API_TF_HERMES,   /* <tool_call>{"name","arguments"}</tool_call> (Qwen2.5/3, Hermes) */
    API_TF_LLAMA3,   /* {"name","parameters"} or <|python_tag|>{...} (Llama 3.1/3.2) */
    API_TF_MISTRAL,  /* [TOOL_CALLS][{"name","arguments"}, ...] (Mistral v0.3, Nemo) */
    API_TF_INJECTED  /* template without tools: Wick's instruction + Hermes syntax */
} api_tool_format;

api_tool_format api_tool_format_detect(const char *chat_template);
const char *api_tool_format_name(api_tool_format f);

/* One parsed call: name and arguments (compact JSON text), malloc'd. */
struct api_tool_call {
    char *name;
    char *arguments;
    char id[40];
};

/* Parses the raw generated text for calls in format f. Returns the number
 * of calls (0: none; the text is plain content), with *calls malloc'd and
 * *content_len the length of the text before the first call (the
 * content to keep). Calls naming a function not in req->tools make the
 * whole text plain content. parallel_tool_calls false keeps the first. */
size_t api_tool_calls_parse(api_tool_format f, const api_request *req, const char *text, size_t len,
                            api_tool_call **calls, size_t *content_len);
void api_tool_calls_free(api_tool_call *calls, size_t n);

/* The marker that starts a call in raw text for f ("" when a call is the
 * whole output, Llama 3's JSON form). */
const char *api_tool_marker(api_tool_format f);

/* The GBNF that tool_choice required/named constrains decoding with:
 * the format's syntax around each allowed function's arguments schema.
 * *forced: text to append to the prompt before generation (Mistral's
 * [TOOL_CALLS], a control token no grammar can produce), "" if none.
 * Refusals fill *pe (param "tools.[i].function.parameters"). */
wick_status api_tool_grammar(api_tool_format f, const api_request *req, wick_buf *gbnf, const char **forced,
                             api_param_error *pe);

/* messages_json rewritten for a template without tools support: Wick's
 * tool instruction in the system message, tool results as user turns,
 * assistant calls as text. *out malloc'd. */
wick_status api_messages_inject_tools(const api_request *req, bool system_ok, char **out, api_param_error *pe);

/* The tool_calls array (OpenAI's shape) of a message. */
void api_write_tool_calls(wick_buf *b, const api_tool_call *calls, size_t n);

#endif
