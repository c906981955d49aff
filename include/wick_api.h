/* Wick — OpenAI-style requests in the C core.
 *
 * The protocol layer shared by every shell: the browser's TypeScript API,
 * its Web Worker / Service Worker engines, engine.fetch, and the native
 * CLI all hand this layer the JSON body of an OpenAI request and get back
 * OpenAI-shaped JSON (chunks while streaming, one response at the end).
 * The shells own only I/O: clocks for "created" are passed in, abort is a
 * call between steps, transport (postMessage, SSE) is theirs.
 *
 * One wick_engine holds one model's context (KV cache) and the token ids
 * currently in it, so a request whose prompt starts with the previous
 * request's tokens (multi-turn chat) decodes only the new suffix. One
 * request runs at a time per engine; a new request (or abort) ends the
 * previous one. Not thread-safe per handle (the forward pass inside uses
 * the engine's own thread pool).
 *
 * Requests (JSON objects, validated like OpenAI's server validates them):
 *   WICK_REQ_CHAT        POST /v1/chat/completions body: messages (system,
 *                        developer, user, assistant, tool; string or
 *                        text-part array content), stream,
 *                        stream_options.include_usage, n, temperature,
 *                        top_p, max_tokens, max_completion_tokens, stop
 *                        (string or up to 4 strings), seed, logit_bias,
 *                        logprobs, top_logprobs, frequency_penalty,
 *                        presence_penalty, plus top_k, min_p,
 *                        repetition_penalty, ignore_eos; "model" is
 *                        accepted and echoed (the shell routes by it);
 *                        response_format, tools, tool_choice,
 *                        parallel_tool_calls (below).
 *   WICK_REQ_COMPLETION  POST /v1/completions body: prompt (string),
 *                        the same sampling fields (logprobs is an integer
 *                        there, as in OpenAI's legacy API), echo=false.
 * Unknown fields and fields this engine cannot honour yet are refused with
 * an error naming them (OpenAI answers "Unrecognized request argument").
 *
 * Errors: a refused request makes wick_engine_start return
 * WICK_ERR_INVALID_ARG (or WICK_ERR_LIMIT when the prompt does not fit the
 * context) and wick_engine_error_json gives OpenAI's error object:
 *   {"error":{"message":"...","type":"invalid_request_error",
 *             "param":"temperature","code":null}}
 *
 * Output JSON uses OpenAI's exact shapes: "chat.completion" /
 * "chat.completion.chunk" / "text_completion" objects with id, object,
 * created, model, system_fingerprint, choices[] (index, delta or message,
 * logprobs, finish_reason: "stop" | "length" | "abort"), and usage
 * {prompt_tokens, completion_tokens, total_tokens, extra:{
 * prefill_tokens_per_s, decode_tokens_per_s, time_to_first_token_s,
 * prompt_tokens_reused}}.
 *
 * Details of the implementation (src/api/), where OpenAI leaves room:
 *   - error "param" uses OpenAI's own form for nested fields:
 *     "messages.[0].role", "messages.[1].content.[0].text",
 *     "stream_options.include_usage"; "code" is null except
 *     "context_length_exceeded" (param "messages" or "prompt"). A JSON body
 *     that does not parse has param null. Step failures (not the request's
 *     fault) give type "server_error".
 *   - null for an optional field means "not given"; max_tokens and
 *     max_completion_tokens both given: the smaller; neither: until an
 *     end-of-generation token or a full context (also for completions,
 *     where OpenAI's default is 16).
 *   - chunks: each choice starts with delta {"role":"assistant",
 *     "content":""}, then {"content":...} deltas, then {} with
 *     finish_reason. With include_usage every chunk has "usage":null and a
 *     last chunk has choices [] and the usage; without it chunks have no
 *     "usage" member (OpenAI's documented behaviour). stream_options
 *     without stream:true is refused, as OpenAI does.
 *   - usage also has OpenAI's prompt_tokens_details.cached_tokens (= the
 *     reused prompt tokens); n > 1 counts the prompt once.
 *   - n > 1 generates the choices one after another; choice i samples with
 *     seed + i (so it equals a single-choice request with seed + i).
 *     Without a seed, one comes from the clock.
 *   - logprobs: -inf is reported as -9999.0; a token that is not whole
 *     UTF-8 has "token": "bytes:\xe6\x9c" (its exact bytes are in
 *     "bytes"). A token's entry arrives with the chunk that shows its text;
 *     entries of tokens hidden by a stop string are dropped.
 *   - text-part arrays are joined with "\n"; "developer" reaches the chat
 *     template as "system"; the template's own refusals (e.g. roles that
 *     must alternate) are invalid_request_error on "messages".
 *   - "abort" is Wick's (WebLLM's) finish_reason; OpenAI's SDK types do
 *     not list it.
 *   - system_fingerprint is null. wick_engine_error_json is NULL until a
 *     request was refused or a step failed.
 *
 * Structured output (constrained decoding, src/grammar/): response_format
 *   {"type":"text"}, {"type":"json_object"} (any JSON object),
 *   {"type":"json_schema","json_schema":{"name","schema","strict"}}
 *   (OpenAI), {"type":"json_object","schema":<object or JSON text>}
 *   (WebLLM), {"type":"grammar","grammar":"<GBNF/EBNF>"}. The schema or
 *   grammar is compiled at start (an unsupported keyword or a syntax error
 *   is a 400 naming the field, e.g. "response_format.json_schema.schema");
 *   each step masks the tokens the grammar cannot take (logits -inf before
 *   the sampler's chain, so logit_bias cannot revive them). The answer
 *   ends with finish_reason "stop" when the grammar is complete and only
 *   an end-of-generation token may follow (or the model picks one where
 *   the grammar may end), "length" when max_tokens cuts it. logprobs and
 *   top_logprobs describe the distribution actually sampled from:
 *   renormalised over the allowed tokens, disallowed ones at -9999.0
 *   (listed only when fewer tokens are allowed than top_logprobs asks).
 *   The per-model vocabulary index is built on the first constrained
 *   request (40-300 ms) and kept by the engine.
 *
 * Tools: tools [{type:"function", function:{name, description,
 *   parameters, strict}}], tool_choice "auto" (default) | "none" |
 *   "required" | {type:"function", function:{name}}, parallel_tool_calls.
 *   The prompt is the model's own chat template with `tools`; the call
 *   syntax is detected from the template text: Qwen2.5/Qwen3/Hermes
 *   <tool_call>{"name","arguments"}</tool_call>, Llama 3.1/3.2
 *   {"name","parameters"} (also after <|python_tag|>), Mistral
 *   [TOOL_CALLS][{"name","arguments"}]. Templates without a syntax Wick
 *   knows (SmolLM2, Gemma ...) get Qwen's tool instruction in the system
 *   message and answer in the <tool_call> syntax (src/api/tool_calls.c);
 *   so any model with a chat template can call tools, and a model without
 *   one is refused as for any chat request. "required" and a named
 *   function constrain decoding with a grammar made of the format's syntax
 *   around each function's `parameters` schema, so the arguments validate
 *   (a schema Wick cannot convert is a 400 on
 *   "tools.[i].function.parameters"). The output is parsed into
 *   message.tool_calls [{id, type:"function", function:{name, arguments
 *   (compact JSON text)}}], content null (or the text before the first
 *   call), finish_reason "tool_calls". While streaming, text that may be
 *   a call is held back; each call goes out when the choice ends as two
 *   deltas, {tool_calls:[{index, id, type, function:{name, arguments:""}}]}
 *   then {tool_calls:[{index, function:{arguments}}]}. In tool mode special
 *   tokens' text is kept in content (the markers are special tokens), and
 *   logprob entries of call tokens are dropped. A call cut by max_tokens is
 *   kept if complete (Hermes syntax), with finish "length". "none" renders
 *   the tools for native templates but parses nothing. Call ids: "call_" +
 *   24 letters/digits, or 9 for Mistral (its template demands 9); derived
 *   from the seed. Assistant messages with tool_calls and role "tool"
 *   messages (tool_call_id) continue the conversation through the
 *   template. response_format other than text with tools (tool_choice not
 *   "none") is refused.
 */
#ifndef WICK_API_H
#define WICK_API_H

#include "wick.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wick_engine wick_engine;

typedef struct wick_engine_params {
    uint32_t n_ctx;       /* 0: the model's context length, at most 4096 */
    uint32_t n_batch;     /* prompt tokens per prefill step; 0: 32 */
    int n_threads;        /* < 1: 1 */
    const char *model_id; /* echoed as "model" in responses; NULL: the model's general.name */
} wick_engine_params;

void wick_engine_params_default(wick_engine_params *p);

/* The engine borrows `model` (keep it open until wick_engine_free). */
wick_status wick_engine_new(const wick_model *model, const wick_engine_params *p, wick_engine **out,
                            wick_error *err);
void wick_engine_free(wick_engine *e);

typedef enum wick_request_kind { WICK_REQ_CHAT = 0, WICK_REQ_COMPLETION = 1 } wick_request_kind;

typedef struct wick_request_opts {
    int64_t created;     /* unix seconds for "created" (the shell's clock) */
    const char *id;      /* response id ("chatcmpl-..."); NULL: derived from created + a counter */
} wick_request_opts;

/* Validates and starts a request (renders the chat template, tokenizes,
 * sets up sampling); does no model work yet. On refusal see
 * wick_engine_error_json. Ends any request still running on `e`. */
wick_status wick_engine_start(wick_engine *e, wick_request_kind kind, const char *json, size_t len,
                              const wick_request_opts *opts, wick_error *err);

/* Does one bounded unit of work: one prefill step (at most n_batch prompt
 * tokens) or one generated token. *out: a JSON array (as text, owned by
 * the engine, valid until the next call on `e`) of the stream chunks this
 * step produced, in order; often "[]" (prefill, text held back by a stop
 * string or an incomplete UTF-8 sequence). When the request is over,
 * *done = 1 and the array ends with the final chunk(s): finish_reason,
 * then the usage chunk if stream_options.include_usage. Chunks are produced
 * whether or not the request streams; a non-streaming shell ignores them
 * and reads wick_engine_response at the end. Calling again after done
 * returns "[]" and done = 1. */
wick_status wick_engine_step(wick_engine *e, const char **out, size_t *out_len, int *done,
                             wick_error *err);

/* Ends the running request now: finish_reason "abort" on the unfinished
 * choices. *out as for step (the final chunks). The engine stays usable
 * and keeps the tokens decoded so far for prefix reuse. */
wick_status wick_engine_abort(wick_engine *e, const char **out, size_t *out_len, wick_error *err);

/* After done: the complete non-streaming response object (choices with
 * message/text, logprobs, finish_reason; usage). NULL before. Owned by
 * the engine until the next start. */
const char *wick_engine_response(const wick_engine *e, size_t *len);

/* The OpenAI error object of the last refused start or failed step. */
const char *wick_engine_error_json(const wick_engine *e, size_t *len);

/* Forgets the cached tokens (resetChat): the next request prefills all. */
void wick_engine_reset(wick_engine *e);

#ifdef __cplusplus
}
#endif

#endif
