/* Request validation: the JSON body of a /v1/chat/completions or
 * /v1/completions request to an api_request, refusing what OpenAI's server
 * refuses with an error that names the parameter.
 *
 * Rules (OpenAI's, unless said otherwise):
 *   - the body is an object; an unknown member is refused ("Unrecognized
 *     request argument supplied: X", param X); a member whose value is
 *     null counts as absent (OpenAI's SDKs send null for "not given").
 *   - types are strict: a number is not a string, 1.5 is not an integer.
 *   - temperature 0..2, top_p 0..1, presence/frequency_penalty -2..2,
 *     n 1..16 (Wick's cap), max_tokens / max_completion_tokens >= 1 (both
 *     given: the smaller), top_logprobs 0..20 and only with logprobs:
 *     true, seed an integer, stop a string or <= 4 strings (empty strings
 *     are ignored), logit_bias {"<token id>": -100..100} with ids in the
 *     vocabulary.
 *   - Wick extras: top_k >= 0 integer, min_p 0..1, repetition_penalty > 0
 *     (at most 10), ignore_eos boolean.
 *   - response_format: {type:'text'}; {type:'json_object'} (any JSON
 *     object); WebLLM's {type:'json_object', schema: <object or its JSON
 *     text>}; OpenAI's {type:'json_schema', json_schema:{name (required,
 *     ^[a-zA-Z0-9_-]{1,64}$), schema (absent: any object), strict,
 *     description}}; Wick/WebLLM's {type:'grammar', grammar:'GBNF'}. The
 *     schema is converted (grammar/json_schema.h) and the grammar compiled
 *     here, so an unsupported keyword or a grammar syntax error is a 400
 *     naming the field ("response_format.json_schema.schema"). strict is
 *     accepted and has no effect: output always follows the schema.
 *   - tools: 1..128 {type:'function', function:{name (OpenAI's pattern,
 *     unique), description, parameters (an object), strict}};
 *     tool_choice 'none' | 'auto' | 'required' | {type:'function',
 *     function:{name}} (a name not in tools, or tool_choice without tools:
 *     400 on "tool_choice"); parallel_tool_calls boolean. A
 *     response_format other than text together with tools (tool_choice
 *     not 'none') is refused: the constraint would fight the calls.
 *   - refused by name: functions, function_call (the deprecated API),
 *     non-text content parts; completions: prompt arrays, logprobs (the
 *     legacy integer form), echo: true, suffix, best_of > 1.
 *   - accepted and ignored: user, "model" (echoed).
 *   - messages: non-empty array of {role, content[, name][, tool_call_id]}
 *     with role system | developer | user | assistant | tool; content a
 *     string or an array of {"type":"text","text":...} parts (joined with
 *     "\n", as vLLM does, for the chat template); assistant content may be
 *     null; developer messages reach the template as "system" (OpenAI's
 *     meaning for them); tool messages need tool_call_id; assistant
 *     messages may carry tool_calls [{id, type:'function', function:{name,
 *     arguments (a string)}}] (content may then be absent), passed to the
 *     template with arguments parsed into the JSON value it holds. */
#include "api/api_internal.h"

#include "core/status.h"
#include "json/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wick_status api_refuse(api_param_error *pe, const char *param, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pe->message, sizeof pe->message, fmt, ap);
    va_end(ap);
    snprintf(pe->param, sizeof pe->param, "%s", param ? param : "");
    pe->code = NULL;
    return WICK_ERR_INVALID_ARG;
}

wick_status api_oom(api_param_error *pe) {
    snprintf(pe->message, sizeof pe->message, "out of memory while reading the request");
    pe->param[0] = '\0';
    pe->code = NULL;
    return WICK_ERR_NOMEM;
}

static const char *type_name(const json_value *v) {
    switch (v->type) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return v->u.number.is_int ? "an integer" : "a decimal";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "?";
}

wick_status api_bad_type(api_param_error *pe, const char *param, const char *display,
                            const char *expected, const json_value *v) {
    return api_refuse(pe, param, "Invalid type for '%s': expected %s, but got %s instead.", display, expected,
                  type_name(v));
}

/* A number in [lo, hi] (decimal). */
static wick_status get_number(const json_value *v, const char *param, double lo, double hi, double *out,
                              api_param_error *pe) {
    if (v->type != JSON_NUMBER) return api_bad_type(pe, param, param, "a number", v);
    double x = v->u.number.f;
    char slo[32], shi[32], sx[32];
    json_format_double(lo, slo, sizeof slo);
    json_format_double(hi, shi, sizeof shi);
    json_format_double(x, sx, sizeof sx);
    if (!(x >= lo)) return api_refuse(pe, param, "Invalid '%s': number below minimum value. Expected a value >= %s, but got %s instead.", param, slo, sx);
    if (!(x <= hi)) return api_refuse(pe, param, "Invalid '%s': number above maximum value. Expected a value <= %s, but got %s instead.", param, shi, sx);
    *out = x;
    return WICK_OK;
}

/* An integer in [lo, hi]. */
static wick_status get_int(const json_value *v, const char *param, int64_t lo, int64_t hi, int64_t *out,
                           api_param_error *pe) {
    if (v->type != JSON_NUMBER || !v->u.number.is_int) return api_bad_type(pe, param, param, "an integer", v);
    int64_t x = v->u.number.i;
    if (x < lo) return api_refuse(pe, param, "Invalid '%s': integer below minimum value. Expected a value >= %lld, but got %lld instead.", param, (long long)lo, (long long)x);
    if (x > hi) return api_refuse(pe, param, "Invalid '%s': integer above maximum value. Expected a value <= %lld, but got %lld instead.", param, (long long)hi, (long long)x);
    *out = x;
    return WICK_OK;
}

static wick_status get_bool(const json_value *v, const char *param, bool *out, api_param_error *pe) {
    if (v->type != JSON_BOOL) return api_bad_type(pe, param, param, "a boolean", v);
    *out = v->u.boolean;
    return WICK_OK;
}

char *api_dup_str(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static wick_status parse_stop(const json_value *v, api_request *req, api_param_error *pe) {
    const json_value *one[1] = {v};
    const json_value *const *items = one;
    size_t n = 1;
    if (v->type == JSON_ARRAY) {
        items = (const json_value *const *)v->u.array.items;
        n = v->u.array.len;
        if (n > API_MAX_STOPS)
            return api_refuse(pe, "stop", "Invalid 'stop': array too long. Expected an array with maximum length %d, but got an array with length %zu instead.", API_MAX_STOPS, n);
    } else if (v->type != JSON_STRING) {
        return api_bad_type(pe, "stop", "stop", "a string or an array of strings", v);
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i]->type != JSON_STRING) {
            char disp[32];
            snprintf(disp, sizeof disp, "stop[%zu]", i);
            return api_bad_type(pe, "stop", disp, "a string", items[i]);
        }
        if (!items[i]->u.string.len) continue;
        if (memchr(items[i]->u.string.ptr, 0, items[i]->u.string.len))
            return api_refuse(pe, "stop", "Invalid 'stop[%zu]': a stop string may not contain NUL characters.", i);
        char *s = api_dup_str(items[i]->u.string.ptr, items[i]->u.string.len);
        if (!s) return api_oom(pe);
        req->stops[req->n_stops++] = s;
    }
    return WICK_OK;
}

static wick_status parse_logit_bias(const json_value *v, int32_t n_vocab, api_request *req,
                                    api_param_error *pe) {
    if (v->type != JSON_OBJECT) return api_bad_type(pe, "logit_bias", "logit_bias", "an object", v);
    size_t n = v->u.object.len;
    if (n > 1024) return api_refuse(pe, "logit_bias", "Invalid 'logit_bias': at most 1024 tokens may be biased, got %zu.", n);
    if (!n) return WICK_OK;
    req->bias = calloc(n, sizeof *req->bias);
    if (!req->bias) return api_oom(pe);
    for (size_t i = 0; i < n; i++) {
        const json_member *m = &v->u.object.members[i];
        char *end = NULL;
        long long id = -1;
        int ok = m->key_len > 0 && m->key_len < 12 && m->key[0] >= '0' && m->key[0] <= '9';
        if (ok) {
            id = strtoll(m->key, &end, 10);
            ok = end == m->key + m->key_len;
        }
        if (!ok)
            return api_refuse(pe, "logit_bias", "Invalid key in 'logit_bias': \"%.64s\" is not a token id (expected a string of digits, e.g. \"50256\").", m->key);
        if (id >= n_vocab)
            return api_refuse(pe, "logit_bias", "Invalid key in 'logit_bias': token id %lld is outside the vocabulary (0..%d).", id, (int)n_vocab - 1);
        const json_value *b = m->value;
        if (b->type != JSON_NUMBER)
            return api_refuse(pe, "logit_bias", "Invalid type for 'logit_bias.%.32s': expected a number, but got %s instead.", m->key, type_name(b));
        if (!(b->u.number.f >= -100.0 && b->u.number.f <= 100.0))
            return api_refuse(pe, "logit_bias", "Invalid value for 'logit_bias.%.32s': expected a number between -100 and 100.", m->key);
        req->bias[req->n_bias].token = (int32_t)id;
        req->bias[req->n_bias].bias = (float)b->u.number.f;
        req->n_bias++;
    }
    return WICK_OK;
}

static wick_status parse_stream_options(const json_value *v, api_request *req, api_param_error *pe) {
    if (v->type != JSON_OBJECT) return api_bad_type(pe, "stream_options", "stream_options", "an object", v);
    for (size_t i = 0; i < v->u.object.len; i++) {
        const json_member *m = &v->u.object.members[i];
        if (!strcmp(m->key, "include_usage")) {
            if (m->value->type == JSON_NULL) continue;
            wick_status st = get_bool(m->value, "stream_options.include_usage", &req->include_usage, pe);
            if (st) return st;
        } else {
            char param[96];
            snprintf(param, sizeof param, "stream_options.%.64s", m->key);
            return api_refuse(pe, param, "Unrecognized request argument supplied: %s", param);
        }
    }
    return WICK_OK;
}

/* ---- messages */

static const char *const ROLES[] = {"system", "developer", "user", "assistant", "tool"};

/* Appends the message's content as a JSON string to *out. */
static wick_status message_content(const json_value *c, size_t i, const char *role, wick_buf *text,
                                   api_param_error *pe) {
    char param[64];
    snprintf(param, sizeof param, "messages.[%zu].content", i);
    char disp[64];
    snprintf(disp, sizeof disp, "messages[%zu].content", i);
    if (c->type == JSON_STRING) {
        wick_buf_append(text, c->u.string.ptr, c->u.string.len);
        return WICK_OK;
    }
    if (c->type == JSON_NULL) {
        if (!strcmp(role, "assistant")) return WICK_OK;
        return api_refuse(pe, param, "Invalid value for '%s': expected a string or an array of content parts, got null.", disp);
    }
    if (c->type != JSON_ARRAY) return api_bad_type(pe, param, disp, "a string or an array of content parts", c);
    if (!c->u.array.len)
        return api_refuse(pe, param, "Invalid '%s': empty array. Expected an array with minimum length 1, but got an empty array instead.", disp);
    for (size_t k = 0; k < c->u.array.len; k++) {
        const json_value *part = c->u.array.items[k];
        char pparam[96], pdisp[96];
        snprintf(pparam, sizeof pparam, "%s.[%zu]", param, k);
        snprintf(pdisp, sizeof pdisp, "%s[%zu]", disp, k);
        if (part->type != JSON_OBJECT) return api_bad_type(pe, pparam, pdisp, "an object", part);
        const json_value *t = json_get(part, "type");
        if (!t) {
            snprintf(pparam + strlen(pparam), sizeof pparam - strlen(pparam), ".type");
            return api_refuse(pe, pparam, "Missing required parameter: '%s.type'.", pdisp);
        }
        if (t->type != JSON_STRING) {
            snprintf(pparam + strlen(pparam), sizeof pparam - strlen(pparam), ".type");
            return api_bad_type(pe, pparam, pparam, "a string", t);
        }
        if (!strcmp(t->u.string.ptr, "image_url") || !strcmp(t->u.string.ptr, "input_audio") ||
            !strcmp(t->u.string.ptr, "file") || !strcmp(t->u.string.ptr, "refusal"))
            return api_refuse(pe, pparam, "Content parts of type '%s' ('%s') are not supported by Wick yet; only 'text' parts are.", t->u.string.ptr, pdisp);
        if (strcmp(t->u.string.ptr, "text")) {
            snprintf(pparam + strlen(pparam), sizeof pparam - strlen(pparam), ".type");
            return api_refuse(pe, pparam, "Invalid value: '%.32s'. Supported values are: 'text'.", t->u.string.ptr);
        }
        const json_value *tx = json_get(part, "text");
        for (size_t j = 0; j < part->u.object.len; j++) {
            const char *key = part->u.object.members[j].key;
            if (strcmp(key, "type") && strcmp(key, "text")) {
                snprintf(pparam + strlen(pparam), sizeof pparam - strlen(pparam), ".%.32s", key);
                return api_refuse(pe, pparam, "Unrecognized request argument supplied: %s", pparam);
            }
        }
        snprintf(pparam + strlen(pparam), sizeof pparam - strlen(pparam), ".text");
        if (!tx) return api_refuse(pe, pparam, "Missing required parameter: '%s.text'.", pdisp);
        if (tx->type != JSON_STRING) return api_bad_type(pe, pparam, pparam, "a string", tx);
        if (k) wick_buf_putc(text, '\n');
        wick_buf_append(text, tx->u.string.ptr, tx->u.string.len);
    }
    return WICK_OK;
}

static wick_status parse_messages(const json_value *v, api_request *req, api_param_error *pe) {
    if (v->type != JSON_ARRAY) return api_bad_type(pe, "messages", "messages", "an array", v);
    if (!v->u.array.len)
        return api_refuse(pe, "messages", "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    wick_buf out = {0}, text = {0};
    wick_status st = WICK_OK;
    wick_buf_putc(&out, '[');
    for (size_t i = 0; i < v->u.array.len && st == WICK_OK; i++) {
        const json_value *m = v->u.array.items[i];
        char param[96], disp[64];
        snprintf(param, sizeof param, "messages.[%zu]", i);
        snprintf(disp, sizeof disp, "messages[%zu]", i);
        if (m->type != JSON_OBJECT) {
            st = api_bad_type(pe, param, disp, "an object", m);
            break;
        }
        const json_value *role = json_get(m, "role");
        const json_value *content = json_get(m, "content");
        const json_value *name = json_get(m, "name");
        const json_value *tool_call_id = json_get(m, "tool_call_id");
        const json_value *tool_calls = json_get(m, "tool_calls");
        if (!role) {
            snprintf(param + strlen(param), sizeof param - strlen(param), ".role");
            st = api_refuse(pe, param, "Missing required parameter: '%s.role'.", disp);
            break;
        }
        const char *r = NULL;
        if (role->type == JSON_STRING)
            for (size_t k = 0; k < sizeof ROLES / sizeof ROLES[0]; k++)
                if (!strcmp(role->u.string.ptr, ROLES[k])) r = ROLES[k];
        if (!r) {
            snprintf(param + strlen(param), sizeof param - strlen(param), ".role");
            if (role->type != JSON_STRING) st = api_bad_type(pe, param, param, "a string", role);
            else
                st = api_refuse(pe, param, "Invalid value: '%.32s'. Supported values are: 'system', 'developer', 'user', 'assistant', and 'tool'.", role->u.string.ptr);
            break;
        }
        for (size_t k = 0; k < m->u.object.len && st == WICK_OK; k++) {
            const json_member *mm = &m->u.object.members[k];
            char kp[160];
            snprintf(kp, sizeof kp, "%s.%.48s", param, mm->key);
            if (!strcmp(mm->key, "role") || !strcmp(mm->key, "content")) continue;
            if (!strcmp(mm->key, "name")) {
                if (mm->value->type != JSON_STRING && mm->value->type != JSON_NULL)
                    st = api_bad_type(pe, kp, kp, "a string", mm->value);
            } else if (!strcmp(mm->key, "tool_call_id") && !strcmp(r, "tool")) {
                if (mm->value->type != JSON_STRING) st = api_bad_type(pe, kp, kp, "a string", mm->value);
            } else if (!strcmp(mm->key, "refusal") && !strcmp(r, "assistant")) {
                if (mm->value->type != JSON_STRING && mm->value->type != JSON_NULL)
                    st = api_bad_type(pe, kp, kp, "a string", mm->value);
            } else if (!strcmp(mm->key, "tool_calls") && !strcmp(r, "assistant")) {
                if (mm->value->type != JSON_NULL && mm->value->type != JSON_ARRAY)
                    st = api_bad_type(pe, kp, kp, "an array", mm->value);
                else if (mm->value->type == JSON_ARRAY && !mm->value->u.array.len)
                    st = api_refuse(pe, kp, "Invalid '%s': empty array. Expected an array with minimum length 1, but got an empty array instead.", kp);
            } else if (!strcmp(mm->key, "function_call") && !strcmp(r, "assistant")) {
                if (mm->value->type != JSON_NULL)
                    st = api_refuse(pe, kp, "'%s' (the deprecated functions API) is not supported by Wick; use tool_calls.", kp);
            } else {
                st = api_refuse(pe, kp, "Unrecognized request argument supplied: %s", kp);
            }
        }
        if (st) break;
        bool has_calls = tool_calls && tool_calls->type == JSON_ARRAY && tool_calls->u.array.len > 0;
        if (!content && !has_calls) {
            snprintf(param + strlen(param), sizeof param - strlen(param), ".content");
            st = api_refuse(pe, param, "Missing required parameter: '%s.content'.", disp);
            break;
        }
        if (!strcmp(r, "tool") && !tool_call_id) {
            snprintf(param + strlen(param), sizeof param - strlen(param), ".tool_call_id");
            st = api_refuse(pe, param, "Missing required parameter: '%s.tool_call_id'.", disp);
            break;
        }
        text.len = 0;
        if (text.data) text.data[0] = '\0';
        if (content) st = message_content(content, i, r, &text, pe);
        if (st) break;
        if (i) wick_buf_putc(&out, ',');
        wick_buf_puts(&out, "{\"role\":");
        const char *trole = !strcmp(r, "developer") ? "system" : r;
        api_write_string(&out, trole, strlen(trole));
        wick_buf_puts(&out, ",\"content\":");
        api_write_string(&out, text.data ? text.data : "", text.len);
        if (name && name->type == JSON_STRING) {
            wick_buf_puts(&out, ",\"name\":");
            api_write_string(&out, name->u.string.ptr, name->u.string.len);
        }
        if (tool_call_id && tool_call_id->type == JSON_STRING) {
            wick_buf_puts(&out, ",\"tool_call_id\":");
            api_write_string(&out, tool_call_id->u.string.ptr, tool_call_id->u.string.len);
            req->has_tool_messages = true;
        }
        if (has_calls) {
            char kp[96];
            snprintf(kp, sizeof kp, "%s.tool_calls", param);
            if ((st = api_message_tool_calls(tool_calls, kp, &out, pe))) break;
            req->has_tool_messages = true;
        }
        wick_buf_putc(&out, '}');
    }
    wick_buf_putc(&out, ']');
    wick_buf_free(&text);
    if (st == WICK_OK && (out.failed || text.failed)) st = api_oom(pe);
    if (st != WICK_OK) {
        wick_buf_free(&out);
        return st;
    }
    req->messages_json = wick_buf_take(&out, NULL);
    return req->messages_json ? WICK_OK : api_oom(pe);
}

/* ---- the body */

static wick_status not_supported(api_param_error *pe, const char *key) {
    return api_refuse(pe, key, "'%s' is not supported by Wick yet.", key);
}

static wick_status parse_member(wick_request_kind kind, const json_member *m, int32_t n_vocab,
                                api_request *req, int64_t *max_tokens, int64_t *max_completion_tokens,
                                bool *top_logprobs_given, api_param_error *pe) {
    const char *k = m->key;
    const json_value *v = m->value;
    const bool chat = kind == WICK_REQ_CHAT;
    double d;
    int64_t i;
    wick_status st;
    /* Members refused by name whatever their value (except null). */
    if (chat && (!strcmp(k, "functions") || !strcmp(k, "function_call")))
        return v->type == JSON_NULL ? WICK_OK : api_refuse(pe, k, "'%s' (the deprecated functions API) is not supported by Wick; use 'tools' and 'tool_choice'.", k);
    if (v->type == JSON_NULL && strcmp(k, "messages") && strcmp(k, "prompt")) {
        /* null = not given, for every optional member we know */
        static const char *const KNOWN[] = {"model", "stream", "stream_options", "n", "temperature", "top_p",
                                            "max_tokens", "max_completion_tokens", "stop", "seed", "logit_bias",
                                            "logprobs", "top_logprobs", "frequency_penalty", "presence_penalty",
                                            "top_k", "min_p", "repetition_penalty", "ignore_eos", "user",
                                            "response_format", "echo", "suffix", "best_of", "tools", "tool_choice",
                                            "parallel_tool_calls"};
        for (size_t j = 0; j < sizeof KNOWN / sizeof KNOWN[0]; j++)
            if (!strcmp(k, KNOWN[j])) return WICK_OK;
    }
    if (!strcmp(k, "model")) {
        if (v->type != JSON_STRING) return api_bad_type(pe, k, k, "a string", v);
        free(req->model);
        req->model = api_dup_str(v->u.string.ptr, v->u.string.len);
        return req->model ? WICK_OK : api_oom(pe);
    }
    if (chat && !strcmp(k, "messages")) {
        if (req->messages_json) {
            free(req->messages_json);
            req->messages_json = NULL;
        }
        return parse_messages(v, req, pe);
    }
    if (!chat && !strcmp(k, "prompt")) {
        if (v->type == JSON_ARRAY)
            return api_refuse(pe, k, "'prompt' as an array (of strings or token ids) is not supported by Wick yet; send one string.");
        if (v->type != JSON_STRING) return api_bad_type(pe, k, k, "a string", v);
        free(req->prompt);
        req->prompt = api_dup_str(v->u.string.ptr, v->u.string.len);
        req->prompt_len = v->u.string.len;
        return req->prompt ? WICK_OK : api_oom(pe);
    }
    if (!strcmp(k, "stream")) return get_bool(v, k, &req->stream, pe);
    if (!strcmp(k, "stream_options")) {
        req->stream_options_given = true;
        return parse_stream_options(v, req, pe);
    }
    if (!strcmp(k, "n")) {
        if ((st = get_int(v, k, 1, API_MAX_N, &i, pe))) return st;
        req->n = (int)i;
        return WICK_OK;
    }
    if (!strcmp(k, "temperature")) {
        if ((st = get_number(v, k, 0, 2, &d, pe))) return st;
        req->sp.temperature = (float)d;
        return WICK_OK;
    }
    if (!strcmp(k, "top_p")) {
        if ((st = get_number(v, k, 0, 1, &d, pe))) return st;
        /* top_p 0 means "only the most likely token" (OpenAI accepts it);
         * the sampler wants (0, 1], and its smallest p keeps exactly that */
        req->sp.top_p = d > 0 ? (float)d : 1e-9f;
        return WICK_OK;
    }
    if (!strcmp(k, "max_tokens")) return get_int(v, k, 1, INT32_MAX, max_tokens, pe);
    if (chat && !strcmp(k, "max_completion_tokens")) return get_int(v, k, 1, INT32_MAX, max_completion_tokens, pe);
    if (!strcmp(k, "stop")) {
        for (size_t j = 0; j < req->n_stops; j++) free(req->stops[j]);
        req->n_stops = 0;
        return parse_stop(v, req, pe);
    }
    if (!strcmp(k, "seed")) {
        if ((st = get_int(v, k, INT64_MIN, INT64_MAX, &i, pe))) return st;
        req->has_seed = true;
        req->seed = (uint64_t)i;
        return WICK_OK;
    }
    if (!strcmp(k, "logit_bias")) {
        free(req->bias);
        req->bias = NULL;
        req->n_bias = 0;
        return parse_logit_bias(v, n_vocab, req, pe);
    }
    if (chat && !strcmp(k, "logprobs")) return get_bool(v, k, &req->logprobs, pe);
    if (!chat && !strcmp(k, "logprobs"))
        return api_refuse(pe, k, "'logprobs' (the legacy completions form) is not supported by Wick yet; use /v1/chat/completions with logprobs: true.");
    if (chat && !strcmp(k, "top_logprobs")) {
        if ((st = get_int(v, k, 0, API_MAX_TOP_LOGPROBS, &i, pe))) return st;
        req->top_logprobs = (int)i;
        *top_logprobs_given = true;
        return WICK_OK;
    }
    if (!strcmp(k, "frequency_penalty")) {
        if ((st = get_number(v, k, -2, 2, &d, pe))) return st;
        req->sp.frequency_penalty = (float)d;
        return WICK_OK;
    }
    if (!strcmp(k, "presence_penalty")) {
        if ((st = get_number(v, k, -2, 2, &d, pe))) return st;
        req->sp.presence_penalty = (float)d;
        return WICK_OK;
    }
    if (!strcmp(k, "top_k")) {
        if ((st = get_int(v, k, 0, INT32_MAX, &i, pe))) return st;
        req->sp.top_k = (int32_t)i;
        return WICK_OK;
    }
    if (!strcmp(k, "min_p")) {
        if ((st = get_number(v, k, 0, 1, &d, pe))) return st;
        req->sp.min_p = (float)d;
        return WICK_OK;
    }
    if (!strcmp(k, "repetition_penalty")) {
        if ((st = get_number(v, k, 0, 10, &d, pe))) return st;
        if (d <= 0) return api_refuse(pe, k, "Invalid 'repetition_penalty': expected a value > 0, but got 0 instead.");
        req->sp.repetition_penalty = (float)d;
        return WICK_OK;
    }
    if (!strcmp(k, "ignore_eos")) return get_bool(v, k, &req->ignore_eos, pe);
    if (!strcmp(k, "user")) return v->type == JSON_STRING ? WICK_OK : api_bad_type(pe, k, k, "a string", v);
    if (chat && !strcmp(k, "response_format")) return api_parse_response_format(v, req, pe);
    if (chat && !strcmp(k, "tools")) {
        if (req->tools_json) return api_refuse(pe, k, "'tools' is given twice.");
        return api_parse_tools(v, req, pe);
    }
    if (chat && !strcmp(k, "tool_choice")) return api_parse_tool_choice(v, req, pe);
    if (chat && !strcmp(k, "parallel_tool_calls")) return get_bool(v, k, &req->parallel_tool_calls, pe);
    if (!chat && !strcmp(k, "echo")) {
        bool echo = false;
        if ((st = get_bool(v, k, &echo, pe))) return st;
        return echo ? api_refuse(pe, k, "'echo': true is not supported by Wick yet.") : WICK_OK;
    }
    if (!chat && !strcmp(k, "suffix")) return not_supported(pe, k);
    if (!chat && !strcmp(k, "best_of")) {
        if ((st = get_int(v, k, 1, API_MAX_N, &i, pe))) return st;
        return i == 1 ? WICK_OK : api_refuse(pe, k, "'best_of' > 1 is not supported by Wick yet.");
    }
    return api_refuse(pe, k, "Unrecognized request argument supplied: %s", k);
}

void api_request_free(api_request *req) {
    if (!req) return;
    free(req->model);
    free(req->bias);
    for (size_t i = 0; i < req->n_stops; i++) free(req->stops[i]);
    free(req->messages_json);
    free(req->prompt);
    grammar_free(req->grammar);
    free(req->tools_json);
    for (size_t i = 0; i < req->n_tools; i++) {
        free(req->tools[i].name);
        free(req->tools[i].parameters);
    }
    free(req->tools);
    free(req->tool_choice_name);
    memset(req, 0, sizeof *req);
}

wick_status api_request_parse(wick_request_kind kind, const char *json, size_t len, int32_t n_vocab,
                              api_request *req, api_param_error *pe) {
    memset(req, 0, sizeof *req);
    memset(pe, 0, sizeof *pe);
    req->kind = kind;
    req->n = 1;
    req->max_tokens = -1;
    req->parallel_tool_calls = true;
    wick_sampler_params_default(&req->sp);
    req->sp.penalty_last_n = -1; /* OpenAI's penalties count every generated token */
    if (kind != WICK_REQ_CHAT && kind != WICK_REQ_COMPLETION)
        return api_refuse(pe, NULL, "Unknown request kind %d (expected WICK_REQ_CHAT or WICK_REQ_COMPLETION).", (int)kind);
    if (!json) return api_refuse(pe, NULL, "The request body is missing.");
    json_doc *doc = NULL;
    wick_error jerr;
    wick_status st = json_parse(json, len, "request", &doc, &jerr);
    if (st == WICK_ERR_NOMEM) return api_oom(pe);
    if (st != WICK_OK)
        return api_refuse(pe, NULL, "We could not parse the JSON body of your request (%s). The body must be a JSON object.", jerr.message);
    const json_value *root = json_doc_root(doc);
    int64_t max_tokens = -1, max_completion_tokens = -1;
    bool top_logprobs_given = false;
    if (root->type != JSON_OBJECT) {
        st = api_refuse(pe, NULL, "Invalid request body: expected a JSON object, but got %s instead.", type_name(root));
        goto done;
    }
    for (size_t i = 0; i < root->u.object.len; i++) {
        st = parse_member(kind, &root->u.object.members[i], n_vocab, req, &max_tokens, &max_completion_tokens,
                          &top_logprobs_given, pe);
        if (st) goto done;
    }
    if (kind == WICK_REQ_CHAT && !req->messages_json) {
        st = api_refuse(pe, "messages", "Missing required parameter: 'messages'.");
        goto done;
    }
    if (kind == WICK_REQ_COMPLETION && !req->prompt) {
        st = api_refuse(pe, "prompt", "Missing required parameter: 'prompt'.");
        goto done;
    }
    if (top_logprobs_given && !req->logprobs) {
        st = api_refuse(pe, "top_logprobs", "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.");
        goto done;
    }
    if (req->stream_options_given && !req->stream) {
        st = api_refuse(pe, "stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        goto done;
    }
    if (req->tool_choice_given && !req->n_tools) {
        st = api_refuse(pe, "tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
        goto done;
    }
    if (req->tool_choice == API_TC_NAMED) {
        bool found = false;
        for (size_t i = 0; i < req->n_tools && !found; i++) found = !strcmp(req->tools[i].name, req->tool_choice_name);
        if (!found) {
            st = api_refuse(pe, "tool_choice", "Invalid value for 'tool_choice': no function named '%.64s' in 'tools'.", req->tool_choice_name);
            goto done;
        }
    }
    if (req->n_tools && req->tool_choice != API_TC_NONE && req->grammar) {
        st = api_refuse(pe, "response_format", "'response_format' other than {\"type\": \"text\"} cannot be combined with 'tools' (unless tool_choice is 'none').");
        goto done;
    }
    req->max_tokens = max_tokens;
    if (max_completion_tokens > 0 && (max_tokens < 0 || max_completion_tokens < max_tokens))
        req->max_tokens = max_completion_tokens;
done:
    json_doc_free(doc);
    if (st != WICK_OK) api_request_free(req);
    return st;
}
