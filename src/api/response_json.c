/* OpenAI-shaped output JSON: stream chunks, the non-streaming response,
 * usage and error objects. Written straight into a wick_buf (one line, no
 * spaces, as OpenAI's server sends it); strings go through src/json's
 * writer so escaping is Python json.dumps's (ensure_ascii off).
 *
 * Shapes (https://platform.openai.com/docs/api-reference/chat):
 *   chunk     {"id","object":"chat.completion.chunk","created","model",
 *              "system_fingerprint":null,"choices":[{"index","delta",
 *              "logprobs","finish_reason"}]} (+ "usage":null with
 *              include_usage)
 *   response  {"id","object":"chat.completion",...,"choices":[{"index",
 *              "message":{"role":"assistant","content","refusal":null
 *              [,"tool_calls":[{"id","type":"function","function":{"name",
 *              "arguments"}}]]}, (content null when only calls),
 *              "logprobs","finish_reason"}],"usage"}
 *   legacy    "text_completion" objects, choices [{"index","text",
 *              "logprobs","finish_reason"}] (chunks too)
 *   usage     {"prompt_tokens","completion_tokens","total_tokens",
 *              "prompt_tokens_details":{"cached_tokens"},"extra":{...}}
 *              cached_tokens is OpenAI's name for the prompt tokens the
 *              KV cache already held (= extra.prompt_tokens_reused). */
#include "api/api_internal.h"

#include "json/json.h"
#include "unicode/unicode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void api_write_string(wick_buf *b, const char *s, size_t len) {
    json_value v;
    memset(&v, 0, sizeof v);
    v.type = JSON_STRING;
    v.u.string.ptr = (char *)s;
    v.u.string.len = len;
    json_write_opts o = {-1, !utf8_validate(s, len, NULL), NULL, NULL, false};
    /* ensure_ascii on invalid input: the writer maps each bad byte to U+FFFD */
    json_write(b, &v, &o);
}

static void write_double(wick_buf *b, double x) {
    char tmp[40];
    if (!isfinite(x)) x = 0.0;
    json_format_double(x, tmp, sizeof tmp);
    wick_buf_puts(b, tmp);
}

void api_write_logprob(wick_buf *b, float lp) {
    if (!(lp > -9999.0f)) lp = -9999.0f; /* -inf and NaN */
    write_double(b, (double)lp);
}

void api_write_usage(wick_buf *b, const api_usage *u) {
    wick_buf_printf(b,
                    "{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,\"total_tokens\":%lld,"
                    "\"prompt_tokens_details\":{\"cached_tokens\":%lld},\"extra\":{\"prefill_tokens_per_s\":",
                    (long long)u->prompt_tokens, (long long)u->completion_tokens,
                    (long long)(u->prompt_tokens + u->completion_tokens), (long long)u->reused);
    write_double(b, u->prefill_tokens_per_s);
    wick_buf_puts(b, ",\"decode_tokens_per_s\":");
    write_double(b, u->decode_tokens_per_s);
    wick_buf_puts(b, ",\"time_to_first_token_s\":");
    write_double(b, u->time_to_first_token_s);
    wick_buf_printf(b, ",\"prompt_tokens_reused\":%lld}}", (long long)u->reused);
}

static void write_opt_string(wick_buf *b, const char *s) {
    if (s) api_write_string(b, s, strlen(s));
    else wick_buf_puts(b, "null");
}

void api_write_error(wick_buf *b, const char *message, const char *type, const char *param,
                     const char *code) {
    wick_buf_puts(b, "{\"error\":{\"message\":");
    api_write_string(b, message, strlen(message));
    wick_buf_puts(b, ",\"type\":");
    write_opt_string(b, type);
    wick_buf_puts(b, ",\"param\":");
    write_opt_string(b, param && *param ? param : NULL);
    wick_buf_puts(b, ",\"code\":");
    write_opt_string(b, code);
    wick_buf_puts(b, "}}");
}

/* "token" (the piece text: valid UTF-8 as is; otherwise OpenAI's form for
 * partial characters, "bytes:\xe6\x9c"), "logprob", and "bytes" (always
 * the exact bytes), in OpenAI's order. */
static void write_token_fields(wick_buf *b, const wick_model *model, int32_t token, float logprob) {
    char piece[256];
    size_t len = 0;
    wick_error err;
    if (wick_token_to_piece(model, token, 0, piece, sizeof piece, &len, &err) != WICK_OK) len = 0;
    if (len > sizeof piece) len = sizeof piece;
    wick_buf_puts(b, "\"token\":");
    if (utf8_validate(piece, len, NULL)) {
        api_write_string(b, piece, len);
    } else {
        char esc[sizeof piece * 4 + 8];
        size_t w = (size_t)snprintf(esc, sizeof esc, "bytes:");
        for (size_t i = 0; i < len; i++) w += (size_t)snprintf(esc + w, sizeof esc - w, "\\x%02x", (unsigned char)piece[i]);
        api_write_string(b, esc, w);
    }
    wick_buf_puts(b, ",\"logprob\":");
    api_write_logprob(b, logprob);
    wick_buf_puts(b, ",\"bytes\":[");
    for (size_t i = 0; i < len; i++) wick_buf_printf(b, i ? ",%u" : "%u", (unsigned char)piece[i]);
    wick_buf_putc(b, ']');
}

void api_write_logprob_entry(wick_buf *b, const wick_model *model, int32_t token, float logprob,
                             const wick_token_logprob *top, int32_t n_top) {
    wick_buf_putc(b, '{');
    write_token_fields(b, model, token, logprob);
    wick_buf_puts(b, ",\"top_logprobs\":[");
    for (int32_t i = 0; i < n_top; i++) {
        if (i) wick_buf_putc(b, ',');
        wick_buf_putc(b, '{');
        write_token_fields(b, model, top[i].token, top[i].logprob);
        wick_buf_putc(b, '}');
    }
    wick_buf_puts(b, "]}");
}

static void write_head(wick_buf *b, const api_head *h) {
    wick_buf_puts(b, "{\"id\":");
    write_opt_string(b, h->id);
    wick_buf_puts(b, ",\"object\":");
    write_opt_string(b, h->object);
    wick_buf_printf(b, ",\"created\":%lld,\"model\":", (long long)h->created);
    write_opt_string(b, h->model);
    wick_buf_puts(b, ",\"system_fingerprint\":null,\"choices\":[");
}

static void write_logprobs_field(wick_buf *b, const char *entries, size_t len) {
    wick_buf_puts(b, "\"logprobs\":");
    if (!entries) {
        wick_buf_puts(b, "null");
        return;
    }
    wick_buf_puts(b, "{\"content\":[");
    wick_buf_append(b, entries, len);
    wick_buf_puts(b, "],\"refusal\":null}");
}

void api_write_chunk(wick_buf *b, const api_head *h, wick_request_kind kind, int index, bool role_chunk,
                     const char *content, size_t content_len, const char *logprobs_entries,
                     size_t logprobs_len, const char *finish, bool usage_null) {
    write_head(b, h);
    wick_buf_printf(b, "{\"index\":%d,", index);
    if (kind == WICK_REQ_CHAT) {
        wick_buf_puts(b, "\"delta\":{");
        if (role_chunk) {
            wick_buf_puts(b, "\"role\":\"assistant\",\"content\":");
            api_write_string(b, content ? content : "", content ? content_len : 0);
        } else if (content) {
            wick_buf_puts(b, "\"content\":");
            api_write_string(b, content, content_len);
        }
        wick_buf_puts(b, "},");
        write_logprobs_field(b, logprobs_entries, logprobs_len);
    } else {
        wick_buf_puts(b, "\"text\":");
        api_write_string(b, content ? content : "", content ? content_len : 0);
        wick_buf_puts(b, ",\"logprobs\":null");
    }
    wick_buf_puts(b, ",\"finish_reason\":");
    write_opt_string(b, finish);
    wick_buf_puts(b, "}]");
    if (usage_null) wick_buf_puts(b, ",\"usage\":null");
    wick_buf_putc(b, '}');
}

void api_write_tool_calls(wick_buf *b, const api_tool_call *calls, size_t n) {
    wick_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) wick_buf_putc(b, ',');
        wick_buf_puts(b, "{\"id\":");
        api_write_string(b, calls[i].id, strlen(calls[i].id));
        wick_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
        api_write_string(b, calls[i].name, strlen(calls[i].name));
        wick_buf_puts(b, ",\"arguments\":");
        api_write_string(b, calls[i].arguments, strlen(calls[i].arguments));
        wick_buf_puts(b, "}}");
    }
    wick_buf_putc(b, ']');
}

void api_write_tool_call_chunk(wick_buf *b, const api_head *h, int index, int call_index,
                               const api_tool_call *call, bool header, const char *args, size_t args_len,
                               bool usage_null) {
    write_head(b, h);
    wick_buf_printf(b, "{\"index\":%d,\"delta\":{\"tool_calls\":[{\"index\":%d,", index, call_index);
    if (header) {
        wick_buf_puts(b, "\"id\":");
        api_write_string(b, call->id, strlen(call->id));
        wick_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
        api_write_string(b, call->name, strlen(call->name));
        wick_buf_puts(b, ",\"arguments\":\"\"}");
    } else {
        wick_buf_puts(b, "\"function\":{\"arguments\":");
        api_write_string(b, args, args_len);
        wick_buf_putc(b, '}');
    }
    wick_buf_puts(b, "}]},\"logprobs\":null,\"finish_reason\":null}]");
    if (usage_null) wick_buf_puts(b, ",\"usage\":null");
    wick_buf_putc(b, '}');
}

void api_write_usage_chunk(wick_buf *b, const api_head *h, const api_usage *u) {
    write_head(b, h);
    wick_buf_puts(b, "],\"usage\":");
    api_write_usage(b, u);
    wick_buf_putc(b, '}');
}

void api_write_response(wick_buf *b, const api_head *h, wick_request_kind kind,
                        const api_choice_out *choices, int n, const api_usage *u) {
    write_head(b, h);
    for (int i = 0; i < n; i++) {
        const api_choice_out *c = &choices[i];
        if (i) wick_buf_putc(b, ',');
        wick_buf_printf(b, "{\"index\":%d,", i);
        if (kind == WICK_REQ_CHAT) {
            wick_buf_puts(b, "\"message\":{\"role\":\"assistant\",\"content\":");
            if (c->n_calls && !c->text_len) wick_buf_puts(b, "null");
            else api_write_string(b, c->text ? c->text : "", c->text ? c->text_len : 0);
            wick_buf_puts(b, ",\"refusal\":null");
            if (c->n_calls) {
                wick_buf_puts(b, ",\"tool_calls\":");
                api_write_tool_calls(b, c->calls, c->n_calls);
            }
            wick_buf_puts(b, "},");
            write_logprobs_field(b, c->logprobs_entries, c->logprobs_len);
        } else {
            wick_buf_puts(b, "\"text\":");
            api_write_string(b, c->text ? c->text : "", c->text ? c->text_len : 0);
            wick_buf_puts(b, ",\"logprobs\":null");
        }
        wick_buf_puts(b, ",\"finish_reason\":");
        write_opt_string(b, c->finish);
        wick_buf_putc(b, '}');
    }
    wick_buf_puts(b, "],\"usage\":");
    api_write_usage(b, u);
    wick_buf_putc(b, '}');
}
