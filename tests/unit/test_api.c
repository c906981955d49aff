/* The OpenAI-style request layer (src/api): validation of bad requests
 * (each must name the right param), the parsed values of good ones, the
 * JSON shapes of chunks / responses / errors (parsed back), and, when
 * build/models/smollm2-135m-instruct-q4_1.gguf is present (bash
 * tests/setup/models.sh), the engine end to end: streamed content equals
 * the response, prefix reuse across requests, n > 1, stop strings, abort,
 * the context limit. tests/conformance/api.sh covers the real model through
 * `wick api` without skipping. */
#include "test_harness.h"

#include "api/api_internal.h"
#include "json/json.h"
#include "wick_api.h"

#include <stdlib.h>
#include <string.h>

static const char *SMOL = "build/models/smollm2-135m-instruct-q4_1.gguf";

typedef struct bad_case {
    wick_request_kind kind;
    const char *json;
    const char *param; /* NULL: param null */
} bad_case;

#define C WICK_REQ_CHAT
#define P WICK_REQ_COMPLETION
#define MSG "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"

static const bad_case BAD[] = {
    {C, "", NULL},
    {C, "{", NULL},
    {C, "[1,2]", NULL},
    {C, "{}", "messages"},
    {C, "{\"messages\":[]}", "messages"},
    {C, "{\"messages\":\"hi\"}", "messages"},
    {C, "{\"messages\":null}", "messages"},
    {C, "{\"messages\":[1]}", "messages.[0]"},
    {C, "{\"messages\":[{\"content\":\"hi\"}]}", "messages.[0].role"},
    {C, "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", "messages.[0].role"},
    {C, "{\"messages\":[{\"role\":7,\"content\":\"hi\"}]}", "messages.[0].role"},
    {C, "{\"messages\":[{\"role\":\"user\"}]}", "messages.[0].content"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":5}]}", "messages.[0].content"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":null}]}", "messages.[0].content"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":[]}]}", "messages.[0].content"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":[\"x\"]}]}", "messages.[0].content.[0]"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}", "messages.[0].content.[0].text"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\",\"text\":\"x\"}]}]}",
     "messages.[0].content.[0].type"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]}",
     "messages.[0].content.[0]"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\",\"x\":1}]}",
     "messages.[1].x"},
    {C, "{\"messages\":[{\"role\":\"tool\",\"content\":\"42\"}]}", "messages.[0].tool_call_id"},
    {C, "{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]}]}", "messages.[0].tool_calls"},
    {C, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"name\":3}]}", "messages.[0].name"},
    {C, "{" MSG ",\"temperature\":3}", "temperature"},
    {C, "{" MSG ",\"temperature\":-0.1}", "temperature"},
    {C, "{" MSG ",\"temperature\":\"hot\"}", "temperature"},
    {C, "{" MSG ",\"top_p\":1.5}", "top_p"},
    {C, "{" MSG ",\"top_p\":true}", "top_p"},
    {C, "{" MSG ",\"n\":0}", "n"},
    {C, "{" MSG ",\"n\":17}", "n"},
    {C, "{" MSG ",\"n\":1.5}", "n"},
    {C, "{" MSG ",\"presence_penalty\":2.5}", "presence_penalty"},
    {C, "{" MSG ",\"frequency_penalty\":-3}", "frequency_penalty"},
    {C, "{" MSG ",\"top_logprobs\":3}", "top_logprobs"},
    {C, "{" MSG ",\"logprobs\":true,\"top_logprobs\":21}", "top_logprobs"},
    {C, "{" MSG ",\"logprobs\":true,\"top_logprobs\":-1}", "top_logprobs"},
    {C, "{" MSG ",\"logprobs\":1}", "logprobs"},
    {C, "{" MSG ",\"logit_bias\":{\"abc\":1}}", "logit_bias"},
    {C, "{" MSG ",\"logit_bias\":{\"5\":101}}", "logit_bias"},
    {C, "{" MSG ",\"logit_bias\":{\"5\":\"1\"}}", "logit_bias"},
    {C, "{" MSG ",\"logit_bias\":{\"999999\":1}}", "logit_bias"},
    {C, "{" MSG ",\"logit_bias\":{\"-1\":1}}", "logit_bias"},
    {C, "{" MSG ",\"logit_bias\":[1]}", "logit_bias"},
    {C, "{" MSG ",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "stop"},
    {C, "{" MSG ",\"stop\":5}", "stop"},
    {C, "{" MSG ",\"stop\":[\"a\",1]}", "stop"},
    {C, "{" MSG ",\"max_tokens\":0}", "max_tokens"},
    {C, "{" MSG ",\"max_tokens\":\"10\"}", "max_tokens"},
    {C, "{" MSG ",\"max_completion_tokens\":-5}", "max_completion_tokens"},
    {C, "{" MSG ",\"seed\":1.5}", "seed"},
    {C, "{" MSG ",\"seed\":\"1\"}", "seed"},
    {C, "{" MSG ",\"stream\":\"yes\"}", "stream"},
    {C, "{" MSG ",\"stream_options\":{\"include_usage\":true}}", "stream_options"},
    {C, "{" MSG ",\"stream\":true,\"stream_options\":{\"include_usage\":1}}", "stream_options.include_usage"},
    {C, "{" MSG ",\"stream\":true,\"stream_options\":{\"other\":true}}", "stream_options.other"},
    {C, "{" MSG ",\"stream\":true,\"stream_options\":[]}", "stream_options"},
    {C, "{" MSG ",\"foo\":1}", "foo"},
    {C, "{" MSG ",\"tools\":[]}", "tools"},
    {C, "{" MSG ",\"tool_choice\":\"auto\"}", "tool_choice"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"xml\"}}", "response_format.type"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"json_object\",\"foo\":1}}", "response_format.foo"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"json_schema\"}}", "response_format.json_schema"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}}}", "response_format.json_schema.name"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a b\"}}}", "response_format.json_schema.name"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"not\":{}}}}}", "response_format.json_schema.schema"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"grammar\",\"grammar\":\"root ::= foo\"}}", "response_format.grammar"},
    {C, "{" MSG ",\"response_format\":{\"type\":\"grammar\"}}", "response_format.grammar"},
    {C, "{" MSG ",\"tools\":[{\"type\":\"function\",\"function\":{}}]}", "tools.[0].function.name"},
    {C, "{" MSG ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}]}", "tools.[0].function.name"},
    {C, "{" MSG ",\"tools\":[{\"type\":\"fn\",\"function\":{\"name\":\"f\"}}]}", "tools.[0].type"},
    {C, "{" MSG ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":3}}]}", "tools.[0].function.parameters"},
    {C, "{" MSG ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"always\"}", "tool_choice"},
    {C, "{" MSG ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}}", "tool_choice"},
    {C, "{" MSG ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"parallel_tool_calls\":1}", "parallel_tool_calls"},
    {C, "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"x\",\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}]}", "messages.[0].tool_calls.[0].function.arguments"},
    {C, "{" MSG ",\"response_format\":\"text\"}", "response_format"},
    {C, "{" MSG ",\"model\":5}", "model"},
    {C, "{" MSG ",\"top_k\":-1}", "top_k"},
    {C, "{" MSG ",\"min_p\":2}", "min_p"},
    {C, "{" MSG ",\"repetition_penalty\":0}", "repetition_penalty"},
    {C, "{" MSG ",\"ignore_eos\":\"no\"}", "ignore_eos"},
    {C, "{" MSG ",\"user\":1}", "user"},
    {C, "{" MSG ",\"prompt\":\"x\"}", "prompt"},
    {P, "{}", "prompt"},
    {P, "{\"prompt\":1}", "prompt"},
    {P, "{\"prompt\":[\"a\",\"b\"]}", "prompt"},
    {P, "{\"prompt\":\"a\",\"logprobs\":2}", "logprobs"},
    {P, "{\"prompt\":\"a\",\"echo\":true}", "echo"},
    {P, "{\"prompt\":\"a\",\"suffix\":\"b\"}", "suffix"},
    {P, "{\"prompt\":\"a\",\"best_of\":2}", "best_of"},
    {P, "{\"prompt\":\"a\"," MSG "}", "messages"},
    {P, "{\"prompt\":\"a\",\"max_completion_tokens\":5}", "max_completion_tokens"},
    {P, "{\"prompt\":\"a\",\"temperature\":2.01}", "temperature"},
};

static void test_validation(test_state *ts) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        api_request req;
        api_param_error pe;
        wick_status st = api_request_parse(BAD[i].kind, BAD[i].json, strlen(BAD[i].json), 1000, &req, &pe);
        CHECK_MSG(ts, st == WICK_ERR_INVALID_ARG, "case %zu %s: status %d", i, BAD[i].json, (int)st);
        const char *want = BAD[i].param ? BAD[i].param : "";
        CHECK_MSG(ts, strcmp(pe.param, want) == 0, "case %zu %s: param '%s', want '%s' (%s)", i, BAD[i].json,
                  pe.param, want, pe.message);
        CHECK_MSG(ts, pe.message[0] != '\0', "case %zu: empty message", i);
        /* the error object parses back with the right fields */
        wick_buf b = {0};
        api_write_error(&b, pe.message, "invalid_request_error", pe.param, pe.code);
        json_doc *doc = NULL;
        wick_error err;
        CHECK(ts, json_parse(b.data, b.len, "error", &doc, &err) == WICK_OK);
        if (doc) {
            const json_value *e = json_get(json_doc_root(doc), "error");
            const json_value *param = json_get(e, "param");
            const json_value *type = json_get(e, "type");
            CHECK(ts, json_get(e, "message") && json_get(e, "message")->type == JSON_STRING);
            CHECK(ts, type && type->type == JSON_STRING && !strcmp(type->u.string.ptr, "invalid_request_error"));
            CHECK(ts, json_get(e, "code") && json_get(e, "code")->type == JSON_NULL);
            if (BAD[i].param) CHECK(ts, param && param->type == JSON_STRING && !strcmp(param->u.string.ptr, want));
            else CHECK(ts, param && param->type == JSON_NULL);
            json_doc_free(doc);
        }
        wick_buf_free(&b);
    }
    CHECK(ts, sizeof BAD / sizeof BAD[0] >= 40);
}

static void test_good_requests(test_state *ts) {
    const char *j =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"developer\",\"content\":\"be brief\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]},"
        "{\"role\":\"assistant\",\"content\":null,\"refusal\":null},{\"role\":\"tool\",\"content\":\"1\",\"tool_call_id\":\"c\"}],"
        "\"temperature\":0.5,\"top_p\":0,\"n\":3,\"stop\":[\"x\",\"\",\"yz\"],\"max_tokens\":50,\"max_completion_tokens\":20,"
        "\"seed\":-7,\"logit_bias\":{\"5\":-100,\"7\":2.5},\"logprobs\":true,\"top_logprobs\":4,\"stream\":true,"
        "\"stream_options\":{\"include_usage\":true},\"tools\":null,\"response_format\":{\"type\":\"text\"},\"user\":\"u\","
        "\"top_k\":40,\"min_p\":0.05,\"repetition_penalty\":1.1,\"ignore_eos\":true,\"presence_penalty\":null}";
    api_request r;
    api_param_error pe;
    wick_status st = api_request_parse(WICK_REQ_CHAT, j, strlen(j), 1000, &r, &pe);
    CHECK_MSG(ts, st == WICK_OK, "%s", pe.message);
    if (st) return;
    CHECK(ts, r.n == 3 && r.stream && r.include_usage && r.logprobs && r.top_logprobs == 4 && r.ignore_eos);
    CHECK(ts, r.max_tokens == 20);
    CHECK(ts, r.n_stops == 2 && !strcmp(r.stops[0], "x") && !strcmp(r.stops[1], "yz"));
    CHECK(ts, r.has_seed && r.seed == (uint64_t)(int64_t)-7);
    CHECK(ts, r.n_bias == 2 && r.bias[0].token == 5 && r.bias[0].bias == -100.0f && r.bias[1].bias == 2.5f);
    CHECK(ts, r.sp.temperature == 0.5f && r.sp.top_p > 0 && r.sp.top_p < 1e-6f && r.sp.top_k == 40);
    CHECK(ts, r.model && !strcmp(r.model, "m"));
    CHECK_STR_EQ(ts, r.messages_json,
                 "[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"a\\nb\"},"
                 "{\"role\":\"assistant\",\"content\":\"\"},{\"role\":\"tool\",\"content\":\"1\",\"tool_call_id\":\"c\"}]");
    api_request_free(&r);

    const char *c = "{\"prompt\":\"Once\",\"echo\":false,\"best_of\":1,\"logprobs\":null,\"max_tokens\":3}";
    st = api_request_parse(WICK_REQ_COMPLETION, c, strlen(c), 1000, &r, &pe);
    CHECK_MSG(ts, st == WICK_OK, "%s", pe.message);
    if (st) return;
    CHECK(ts, r.prompt && !strcmp(r.prompt, "Once") && r.max_tokens == 3 && r.n == 1 && r.sp.temperature == 1.0f);
    api_request_free(&r);
}

/* Parses `text` as JSON (NULL on failure; the caller frees the doc). */
static json_doc *parse(test_state *ts, const char *text, size_t len) {
    json_doc *doc = NULL;
    wick_error err;
    CHECK_MSG(ts, json_parse(text, len, "out", &doc, &err) == WICK_OK, "%s: %.200s", err.message, text);
    return doc;
}

static const char *str_of(const json_value *v) { return v && v->type == JSON_STRING ? v->u.string.ptr : ""; }

static void test_shapes(test_state *ts) {
    api_head h = {"chatcmpl-1", "chat.completion.chunk", 123, "m"};
    wick_buf b = {0};
    api_write_chunk(&b, &h, WICK_REQ_CHAT, 2, true, NULL, 0, NULL, 0, NULL, true);
    json_doc *d = parse(ts, b.data, b.len);
    if (d) {
        const json_value *r = json_doc_root(d);
        CHECK_STR_EQ(ts, str_of(json_get(r, "id")), "chatcmpl-1");
        CHECK_STR_EQ(ts, str_of(json_get(r, "object")), "chat.completion.chunk");
        CHECK(ts, json_get(r, "created")->u.number.i == 123);
        CHECK(ts, json_get(r, "usage") && json_get(r, "usage")->type == JSON_NULL);
        const json_value *ch = json_get(r, "choices");
        CHECK(ts, ch && ch->type == JSON_ARRAY && ch->u.array.len == 1);
        const json_value *c0 = ch->u.array.items[0];
        CHECK(ts, json_get(c0, "index")->u.number.i == 2);
        CHECK_STR_EQ(ts, str_of(json_get(json_get(c0, "delta"), "role")), "assistant");
        CHECK(ts, json_get(json_get(c0, "delta"), "content")->u.string.len == 0);
        CHECK(ts, json_get(c0, "finish_reason")->type == JSON_NULL);
        CHECK(ts, json_get(c0, "logprobs")->type == JSON_NULL);
        json_doc_free(d);
    }
    wick_buf_free(&b);
    /* content with characters to escape, logprob entries, no usage key */
    const char *txt = "a\"b\\\n\xc3\xa9";
    api_write_chunk(&b, &h, WICK_REQ_CHAT, 0, false, txt, strlen(txt), "", 0, NULL, false);
    d = parse(ts, b.data, b.len);
    if (d) {
        const json_value *r = json_doc_root(d);
        CHECK(ts, !json_get(r, "usage"));
        const json_value *c0 = json_get(r, "choices")->u.array.items[0];
        CHECK_STR_EQ(ts, str_of(json_get(json_get(c0, "delta"), "content")), txt);
        CHECK(ts, json_get(json_get(c0, "logprobs"), "content")->type == JSON_ARRAY);
        json_doc_free(d);
    }
    wick_buf_free(&b);
    /* invalid UTF-8 never reaches the JSON */
    api_write_string(&b, "a\xff", 2);
    d = parse(ts, b.data, b.len);
    if (d) {
        CHECK_STR_EQ(ts, str_of(json_doc_root(d)), "a\xef\xbf\xbd");
        json_doc_free(d);
    }
    wick_buf_free(&b);
    api_usage u = {10, 5, 3, 100.0, 20.0, 0.5};
    api_write_usage_chunk(&b, &h, &u);
    d = parse(ts, b.data, b.len);
    if (d) {
        const json_value *r = json_doc_root(d);
        CHECK(ts, json_get(r, "choices")->u.array.len == 0);
        const json_value *us = json_get(r, "usage");
        CHECK(ts, json_get(us, "total_tokens")->u.number.i == 15);
        CHECK(ts, json_get(json_get(us, "prompt_tokens_details"), "cached_tokens")->u.number.i == 3);
        CHECK(ts, json_get(json_get(us, "extra"), "prompt_tokens_reused")->u.number.i == 3);
        CHECK(ts, json_get(json_get(us, "extra"), "decode_tokens_per_s")->u.number.f == 20.0);
        json_doc_free(d);
    }
    wick_buf_free(&b);
    api_choice_out co[2] = {{"hi", 2, NULL, 0, "stop", NULL, 0}, {"yo", 2, NULL, 0, "length", NULL, 0}};
    h.object = "chat.completion";
    api_write_response(&b, &h, WICK_REQ_CHAT, co, 2, &u);
    d = parse(ts, b.data, b.len);
    if (d) {
        const json_value *ch = json_get(json_doc_root(d), "choices");
        CHECK(ts, ch->u.array.len == 2);
        const json_value *m = json_get(ch->u.array.items[1], "message");
        CHECK_STR_EQ(ts, str_of(json_get(m, "role")), "assistant");
        CHECK_STR_EQ(ts, str_of(json_get(m, "content")), "yo");
        CHECK(ts, json_get(m, "refusal")->type == JSON_NULL);
        CHECK_STR_EQ(ts, str_of(json_get(ch->u.array.items[1], "finish_reason")), "length");
        json_doc_free(d);
    }
    wick_buf_free(&b);
    h.object = "text_completion";
    api_write_response(&b, &h, WICK_REQ_COMPLETION, co, 1, &u);
    d = parse(ts, b.data, b.len);
    if (d) {
        const json_value *c0 = json_get(json_doc_root(d), "choices")->u.array.items[0];
        CHECK_STR_EQ(ts, str_of(json_get(c0, "text")), "hi");
        CHECK(ts, !json_get(c0, "message"));
        json_doc_free(d);
    }
    wick_buf_free(&b);
}

/* ---- the engine on SmolLM2 */

typedef struct run_out {
    char content[API_MAX_N][2048];
    char finish[API_MAX_N][16];
    int n_chunks, role_chunks, usage_chunks;
    int64_t reused, prompt_tokens, completion_tokens;
    char response[16384];
} run_out;

/* Runs a request to the end, collecting the streamed chunks. */
static wick_status run(test_state *ts, wick_engine *e, wick_request_kind kind, const char *req, run_out *o,
                       int abort_after) {
    memset(o, 0, sizeof *o);
    wick_error err = {0};
    wick_request_opts opts = {1700000000, "test-id"};
    wick_status st = wick_engine_start(e, kind, req, strlen(req), &opts, &err);
    if (st) return st;
    int done = 0, steps = 0;
    while (!done) {
        const char *out;
        size_t len;
        if (abort_after && steps == abort_after) {
            st = wick_engine_abort(e, &out, &len, &err);
            done = 1;
        } else {
            st = wick_engine_step(e, &out, &len, &done, &err);
        }
        steps++;
        CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
        if (st) return st;
        json_doc *d = parse(ts, out, len);
        if (!d) return WICK_ERR_FORMAT;
        const json_value *arr = json_doc_root(d);
        for (size_t i = 0; i < arr->u.array.len; i++) {
            const json_value *c = arr->u.array.items[i];
            o->n_chunks++;
            CHECK_STR_EQ(ts, str_of(json_get(c, "id")), "test-id");
            CHECK(ts, json_get(c, "created")->u.number.i == 1700000000);
            const json_value *ch = json_get(c, "choices");
            if (!ch->u.array.len) {
                o->usage_chunks++;
                const json_value *u = json_get(c, "usage");
                o->reused = json_get(json_get(u, "extra"), "prompt_tokens_reused")->u.number.i;
                o->prompt_tokens = json_get(u, "prompt_tokens")->u.number.i;
                o->completion_tokens = json_get(u, "completion_tokens")->u.number.i;
                continue;
            }
            const json_value *c0 = ch->u.array.items[0];
            int idx = (int)json_get(c0, "index")->u.number.i;
            const json_value *delta = json_get(c0, "delta");
            const json_value *text = delta ? json_get(delta, "content") : json_get(c0, "text");
            if (delta && json_get(delta, "role")) o->role_chunks++;
            if (text && text->type == JSON_STRING) strncat(o->content[idx], text->u.string.ptr, 2047 - strlen(o->content[idx]));
            const json_value *f = json_get(c0, "finish_reason");
            if (f->type == JSON_STRING) snprintf(o->finish[idx], sizeof o->finish[idx], "%s", f->u.string.ptr);
        }
        json_doc_free(d);
        CHECK(ts, steps < 10000);
        if (steps >= 10000) break;
    }
    const char *out;
    size_t len;
    int d2 = 0;
    CHECK(ts, wick_engine_step(e, &out, &len, &d2, &err) == WICK_OK && d2 == 1 && !strcmp(out, "[]"));
    const char *r = wick_engine_response(e, &len);
    CHECK(ts, r != NULL);
    if (r) snprintf(o->response, sizeof o->response, "%s", r);
    return WICK_OK;
}

static const char *response_content(test_state *ts, json_doc **doc, const char *resp, int i) {
    *doc = parse(ts, resp, strlen(resp));
    if (!*doc) return "";
    const json_value *ch = json_get(json_doc_root(*doc), "choices");
    if (!ch || (size_t)i >= ch->u.array.len) return "";
    const json_value *c = ch->u.array.items[i];
    const json_value *m = json_get(c, "message");
    return str_of(m ? json_get(m, "content") : json_get(c, "text"));
}

static void test_engine(test_state *ts) {
    FILE *f = fopen(SMOL, "rb");
    if (!f) {
        printf("test_api: %s absent, engine tests skipped (bash tests/setup/models.sh)\n", SMOL);
        return;
    }
    fclose(f);
    wick_model *model = NULL;
    wick_engine *e = NULL;
    wick_error err = {0};
    CHECK(ts, wick_model_open(SMOL, &model, &err) == WICK_OK);
    wick_engine_params p;
    wick_engine_params_default(&p);
    p.n_ctx = 256;
    p.n_batch = 16;
    p.n_threads = 2;
    CHECK(ts, wick_engine_new(model, &p, &e, &err) == WICK_OK);
    if (!e) {
        wick_model_close(model);
        return;
    }
    static run_out o1, o2, o3;
    json_doc *d = NULL;
    /* greedy, streamed with usage; content equals the response's */
    /* (the system message gives greedy a clear first token: without it
     * "The" leads "L" by only ~0.04 nats on SmolLM2) */
#define SYS "{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
    const char *q = "{\"messages\":[" SYS "{\"role\":\"user\",\"content\":\"What is the capital of France?\"}],"
                    "\"temperature\":0,\"max_tokens\":16,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, q, &o1, 0) == WICK_OK);
    CHECK_MSG(ts, strstr(o1.content[0], "Paris") != NULL, "%s", o1.content[0]);
    CHECK(ts, o1.role_chunks == 1 && o1.usage_chunks == 1 && o1.reused == 0);
    CHECK_STR_EQ(ts, response_content(ts, &d, o1.response, 0), o1.content[0]);
    json_doc_free(d);
    /* the same request again: all but the last prompt token reused */
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, q, &o2, 0) == WICK_OK);
    CHECK_MSG(ts, o2.reused == o1.prompt_tokens - 1, "reused %lld of %lld", (long long)o2.reused, (long long)o1.prompt_tokens);
    CHECK_STR_EQ(ts, o2.content[0], o1.content[0]);
    /* a stop string cuts the text before it */
    const char *qs = "{\"messages\":[" SYS "{\"role\":\"user\",\"content\":\"What is the capital of France?\"}],"
                     "\"temperature\":0,\"max_tokens\":16,\"stop\":[\"Paris\"],\"stream\":true}";
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, qs, &o3, 0) == WICK_OK);
    const char *at = strstr(o1.content[0], "Paris");
    CHECK(ts, at && strlen(o3.content[0]) == (size_t)(at - o1.content[0]) &&
                  !strncmp(o3.content[0], o1.content[0], strlen(o3.content[0])));
    CHECK_STR_EQ(ts, o3.finish[0], "stop");
    CHECK(ts, o3.usage_chunks == 0);
    /* n = 3 with a seed: choice i equals a single choice with seed + i */
    const char *qn = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a word.\"}],"
                     "\"temperature\":1,\"max_tokens\":6,\"n\":3,\"seed\":11}";
    /* (both from an empty cache: batched prefill and single-token decode
     * may round differently, so the same prompt split differently could
     * sample differently) */
    wick_engine_reset(e);
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, qn, &o1, 0) == WICK_OK);
    CHECK(ts, o1.role_chunks == 3);
    const char *qn2 = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a word.\"}],"
                      "\"temperature\":1,\"max_tokens\":6,\"seed\":13}";
    wick_engine_reset(e);
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, qn2, &o2, 0) == WICK_OK);
    CHECK_STR_EQ(ts, o2.content[0], o1.content[2]);
    CHECK_STR_EQ(ts, response_content(ts, &d, o1.response, 2), o1.content[2]);
    json_doc_free(d);
    /* abort mid-generation: finish "abort" on every choice; the engine goes on */
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, qn, &o3, 4) == WICK_OK);
    CHECK_STR_EQ(ts, o3.finish[0], "abort");
    CHECK_STR_EQ(ts, o3.finish[2], "abort");
    CHECK(ts, o3.role_chunks == 3);
    /* abort during prefill (the first step decodes n_batch = 16 prompt
     * tokens): every choice ends "abort", and the next request reuses the
     * 16 tokens already decoded */
    wick_engine_reset(e);
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, qn, &o3, 1) == WICK_OK);
    CHECK(ts, o3.role_chunks == 3 && !strcmp(o3.finish[1], "abort") && !o3.content[0][0]);
    CHECK(ts, strstr(o3.response, "\"completion_tokens\":0,") != NULL);
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, qn2, &o2, 0) == WICK_OK);
    CHECK(ts, o2.reused == 0); /* not streamed with usage: read the response */
    CHECK_MSG(ts, strstr(o2.response, "\"prompt_tokens_reused\":16}") != NULL, "%s", o2.response);
    /* max_tokens and ignore_eos */
    const char *ql = "{\"prompt\":\"The capital of France is\",\"temperature\":0,\"max_tokens\":5,\"ignore_eos\":true}";
    CHECK(ts, run(ts, e, WICK_REQ_COMPLETION, ql, &o1, 0) == WICK_OK);
    CHECK_STR_EQ(ts, o1.finish[0], "length");
    CHECK(ts, strstr(o1.response, "\"completion_tokens\":5,") != NULL);
    CHECK(ts, strstr(o1.response, "\"object\":\"text_completion\"") != NULL);
    /* the prompt does not fit: LIMIT and context_length_exceeded */
    char big[4096] = "{\"prompt\":\"";
    for (int i = 0; i < 300; i++) strcat(big, "word ");
    strcat(big, "\"}");
    wick_request_opts opts = {0, NULL};
    CHECK(ts, wick_engine_start(e, WICK_REQ_COMPLETION, big, strlen(big), &opts, &err) == WICK_ERR_LIMIT);
    size_t elen;
    const char *ej = wick_engine_error_json(e, &elen);
    CHECK(ts, ej && strstr(ej, "\"code\":\"context_length_exceeded\"") && strstr(ej, "\"param\":\"prompt\""));
    CHECK(ts, wick_engine_response(e, &elen) == NULL);
    /* an invalid request through the engine */
    const char *bad = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":7}";
    CHECK(ts, wick_engine_start(e, WICK_REQ_CHAT, bad, strlen(bad), &opts, &err) == WICK_ERR_INVALID_ARG);
    ej = wick_engine_error_json(e, &elen);
    CHECK(ts, ej && strstr(ej, "\"param\":\"top_p\""));
    /* reset: nothing reused afterwards */
    wick_engine_reset(e);
    CHECK(ts, run(ts, e, WICK_REQ_CHAT, q, &o2, 0) == WICK_OK);
    CHECK(ts, o2.reused == 0);
    wick_engine_free(e);
    wick_model_close(model);
}

/* Every prefix of a rich request, and byte-flipped copies, parse or are
 * refused cleanly (ASan/UBSan watch for the rest). */
static void test_robustness(test_state *ts) {
    const char *j =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\\u00e9\"}]},"
        "{\"role\":\"tool\",\"content\":\"1\",\"tool_call_id\":\"c\"}],\"temperature\":0.5,\"n\":2,\"stop\":[\"x\"],"
        "\"logit_bias\":{\"5\":-100},\"logprobs\":true,\"top_logprobs\":4,\"stream\":true,"
        "\"stream_options\":{\"include_usage\":true},\"seed\":3}";
    size_t n = strlen(j);
    char *buf = malloc(n + 1);
    int ok = 0, refused = 0;
    for (size_t cut = 0; cut <= n; cut++) {
        api_request r;
        api_param_error pe;
        memcpy(buf, j, cut);
        wick_status st = api_request_parse(WICK_REQ_CHAT, buf, cut, 1000, &r, &pe);
        ok += st == WICK_OK;
        refused += st == WICK_ERR_INVALID_ARG;
        if (st == WICK_OK) api_request_free(&r);
    }
    CHECK(ts, ok == 1 && refused == (int)n);
    uint32_t x = 12345;
    for (int it = 0; it < 3000; it++) {
        memcpy(buf, j, n);
        for (int k = 0; k < 3; k++) {
            x = x * 1103515245u + 12345u;
            buf[(x >> 8) % n] = (char)(x >> 20);
        }
        api_request r;
        api_param_error pe;
        wick_status st = api_request_parse(it % 2 ? WICK_REQ_CHAT : WICK_REQ_COMPLETION, buf, n, 1000, &r, &pe);
        CHECK(ts, st == WICK_OK || st == WICK_ERR_INVALID_ARG);
        if (st == WICK_OK) api_request_free(&r);
        else CHECK(ts, pe.message[0] != '\0');
    }
    free(buf);
}

TEST_MAIN("api", TEST(test_robustness), TEST(test_validation), TEST(test_good_requests), TEST(test_shapes), TEST(test_engine))
