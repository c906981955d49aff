/* Tool calling in the request layer (src/api/tool_calls.c), without a model:
 *  - format detection on the real templates of tests/conformance/chat_template;
 *  - the parser on hand-written answers in each syntax (what Qwen, Llama 3.1,
 *    Mistral and Hermes models print, from their model cards / templates);
 *  - the constraining grammar: it accepts hand-written well-formed calls and
 *    refuses calls whose arguments break the schema or name another function;
 *  - the rewrite of messages for templates without tools. */
#include "test_harness.h"

#include "api/api_internal.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

static void test_detect(test_state *ts) {
    static const struct {
        const char *file;
        api_tool_format want;
    } cases[] = {
        {"qwen2.5-7b-instruct.jinja", API_TF_HERMES},        {"qwen3-0.6b.jinja", API_TF_HERMES},
        {"hermes-3-llama-3.1-8b-tool_use.jinja", API_TF_HERMES}, {"llama-3.1-8b-instruct.jinja", API_TF_LLAMA3},
        {"llama-3.2-3b-instruct.jinja", API_TF_LLAMA3},      {"mistral-7b-instruct-v0.3.jinja", API_TF_MISTRAL},
        {"mistral-nemo-instruct-2407.jinja", API_TF_MISTRAL}, {"smollm2-135m-instruct.jinja", API_TF_INJECTED},
        {"gemma-3-it.jinja", API_TF_INJECTED},               {"phi-3-mini-instruct.jinja", API_TF_INJECTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "tests/conformance/chat_template/templates/%s", cases[i].file);
        char *t = slurp(path);
        CHECK_MSG(ts, t != NULL, "%s missing (run from the repository root)", path);
        if (!t) continue;
        api_tool_format f = api_tool_format_detect(t);
        CHECK_MSG(ts, f == cases[i].want, "%s: %s, want %s", cases[i].file, api_tool_format_name(f),
                  api_tool_format_name(cases[i].want));
        free(t);
    }
}

static const char *REQ =
    "{\"messages\":[{\"role\":\"system\",\"content\":\"sys\"},{\"role\":\"user\",\"content\":\"hi\"},"
    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
    "\"function\":{\"name\":\"add\",\"arguments\":\"{\\\"a\\\":1,\\\"b\\\":2}\"}}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"3\"},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"4\"}],"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
    "\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":10},\"unit\":{\"enum\":[\"c\",\"f\"]}},"
    "\"required\":[\"city\",\"unit\"],\"additionalProperties\":false}}},"
    "{\"type\":\"function\",\"function\":{\"name\":\"add\",\"parameters\":{\"type\":\"object\",\"properties\":"
    "{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}}}]";

static bool parse_req(test_state *ts, const char *extra, api_request *req) {
    char body[4096];
    snprintf(body, sizeof body, "%s%s}", REQ, extra);
    api_param_error pe;
    wick_status st = api_request_parse(WICK_REQ_CHAT, body, strlen(body), 1000, req, &pe);
    CHECK_MSG(ts, st == WICK_OK, "request refused: %s (%s)", pe.message, pe.param);
    return st == WICK_OK;
}

typedef struct pcase {
    api_tool_format f;
    const char *text;
    size_t n_calls;       /* 0: plain content */
    const char *name0, *args0, *name1;
    size_t content_len;
} pcase;

static void test_parse(test_state *ts) {
    api_request req;
    if (!parse_req(ts, "", &req)) return;
    static const pcase cases[] = {
        {API_TF_HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>",
         1, "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}", NULL, 0},
        {API_TF_HERMES, "Let me check.\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>\n"
                        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Rome\\\"}\"}\n</tool_call>",
         2, "add", "{\"a\":1,\"b\":2}", "get_weather", 14},
        {API_TF_HERMES, "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}", 1, "add", "{\"a\":1}", NULL, 0},
        {API_TF_HERMES, "no calls here", 0, NULL, NULL, NULL, 13},
        {API_TF_HERMES, "<tool_call>\n{\"name\": \"rm_rf\", \"arguments\": {}}\n</tool_call>", 0, NULL, NULL, NULL, 54},
        {API_TF_HERMES, "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1,\n</tool_call>", 0, NULL, NULL, NULL, 54},
        {API_TF_INJECTED, "<tool_call>[{\"name\": \"add\", \"arguments\": {\"a\": 5, \"b\": 6}}]</tool_call>", 1, "add",
         "{\"a\":5,\"b\":6}", NULL, 0},
        {API_TF_LLAMA3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\", \"unit\": \"f\"}}", 1,
         "get_weather", "{\"city\":\"Oslo\",\"unit\":\"f\"}", NULL, 0},
        {API_TF_LLAMA3, "<|python_tag|>{\"name\": \"add\", \"parameters\": {\"a\": 1, \"b\": 2}}; {\"name\": \"add\", "
                        "\"parameters\": {\"a\": 3, \"b\": 4}}",
         2, "add", "{\"a\":1,\"b\":2}", "add", 0},
        {API_TF_LLAMA3, "The answer is {\"name\": \"add\"}", 0, NULL, NULL, NULL, 32},
        {API_TF_MISTRAL, "[TOOL_CALLS] [{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}, \"id\": \"abcdefghi\"}]", 1,
         "add", "{\"a\":1,\"b\":2}", NULL, 0},
        {API_TF_MISTRAL, "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}, {\"name\": \"get_weather\", "
                         "\"arguments\": {\"city\": \"x\", \"unit\": \"c\"}}]",
         2, "add", "{\"a\":1,\"b\":2}", "get_weather", 0},
        {API_TF_MISTRAL, "[TOOL_CALLS] [{\"name\": \"add\", \"arguments\": ", 0, NULL, NULL, NULL, 41},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pcase *c = &cases[i];
        api_tool_call *calls = NULL;
        size_t content_len = 99999;
        size_t n = api_tool_calls_parse(c->f, &req, c->text, strlen(c->text), &calls, &content_len);
        CHECK_MSG(ts, n == c->n_calls, "case %zu: %zu calls, want %zu", i, n, c->n_calls);
        if (n && n == c->n_calls) {
            CHECK_MSG(ts, !strcmp(calls[0].name, c->name0), "case %zu: name %s", i, calls[0].name);
            CHECK_MSG(ts, !strcmp(calls[0].arguments, c->args0), "case %zu: arguments %s", i, calls[0].arguments);
            if (n > 1) CHECK_MSG(ts, !strcmp(calls[1].name, c->name1), "case %zu: name1 %s", i, calls[1].name);
            CHECK_MSG(ts, content_len == c->content_len, "case %zu: content_len %zu", i, content_len);
        }
        if (!n) CHECK_MSG(ts, content_len == strlen(c->text), "case %zu: plain content keeps all text", i);
        api_tool_calls_free(calls, n);
    }
    api_request_free(&req);
    /* parallel_tool_calls false keeps the first call */
    if (!parse_req(ts, ",\"parallel_tool_calls\":false", &req)) return;
    api_tool_call *calls = NULL;
    size_t cl;
    const char *two = "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {}}, {\"name\": \"add\", \"arguments\": {}}]";
    size_t n = api_tool_calls_parse(API_TF_MISTRAL, &req, two, strlen(two), &calls, &cl);
    CHECK(ts, n == 1);
    api_tool_calls_free(calls, n);
    api_request_free(&req);
}

static bool accepts(const grammar *g, const char *s) {
    grammar_matcher *m = NULL;
    wick_error err;
    if (grammar_matcher_new(g, &m, &err) != WICK_OK) return false;
    bool ok = grammar_matcher_accept_bytes(m, s, strlen(s)) && grammar_matcher_can_end(m);
    grammar_matcher_free(m);
    return ok;
}

typedef struct gcase {
    api_tool_format f;
    const char *choice; /* request member */
    const char *forced;
    const char *accept[4];
    const char *reject[5];
} gcase;

static void test_grammar(test_state *ts) {
    static const gcase cases[] = {
        {API_TF_HERMES, ",\"tool_choice\":\"required\"", "",
         {"<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>",
          "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\", \"unit\": \"f\"}}\n</tool_call>\n"
          "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": -4, \"b\": 0}}\n</tool_call>",
          NULL},
         {"<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}\n</tool_call>",
          "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1.5, \"b\": 2}}\n</tool_call>",
          "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"k\"}}\n</tool_call>",
          "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Parisparisparis\", \"unit\": \"c\"}}\n</tool_call>",
          "Sure! <tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"}},
        {API_TF_LLAMA3, ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"add\"}}", "",
         {"{\"name\": \"add\", \"parameters\": {\"a\": 7, \"b\": 8}}", NULL},
         {"{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\", \"unit\": \"f\"}}",
          "{\"name\": \"add\", \"arguments\": {\"a\": 7, \"b\": 8}}", NULL}},
        {API_TF_MISTRAL, ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false", "[TOOL_CALLS]",
         {"[{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}]", " [{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}]",
          NULL},
         {"[{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}, {\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}]",
          NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const gcase *c = &cases[i];
        api_request req;
        if (!parse_req(ts, c->choice, &req)) continue;
        wick_buf g = {0};
        const char *forced = NULL;
        api_param_error pe;
        CHECK(ts, api_tool_grammar(c->f, &req, &g, &forced, &pe) == WICK_OK);
        CHECK(ts, forced && !strcmp(forced, c->forced));
        grammar *gr = NULL;
        wick_error err = {0};
        CHECK_MSG(ts, grammar_compile(g.data, g.len, &gr, &err) == WICK_OK, "case %zu: %s\n%s", i, err.message, g.data);
        for (int k = 0; gr && c->accept[k]; k++) CHECK_MSG(ts, accepts(gr, c->accept[k]), "case %zu accept %d", i, k);
        for (int k = 0; gr && k < 5 && c->reject[k]; k++)
            CHECK_MSG(ts, !accepts(gr, c->reject[k]), "case %zu reject %d", i, k);
        /* every accepted call parses back to the same function */
        for (int k = 0; gr && c->accept[k]; k++) {
            wick_buf full = {0};
            wick_buf_puts(&full, forced);
            wick_buf_puts(&full, c->accept[k]);
            api_tool_call *calls = NULL;
            size_t cl;
            size_t n = api_tool_calls_parse(c->f, &req, full.data, full.len, &calls, &cl);
            CHECK_MSG(ts, n >= 1, "case %zu accept %d parses", i, k);
            api_tool_calls_free(calls, n);
            wick_buf_free(&full);
        }
        grammar_free(gr);
        wick_buf_free(&g);
        api_request_free(&req);
    }
}

static void test_inject(test_state *ts) {
    api_request req;
    if (!parse_req(ts, "", &req)) return;
    for (int system_ok = 0; system_ok < 2; system_ok++) {
        char *out = NULL;
        api_param_error pe;
        CHECK(ts, api_messages_inject_tools(&req, system_ok, &out, &pe) == WICK_OK);
        json_doc *d = NULL;
        wick_error err;
        CHECK(ts, out && json_parse(out, strlen(out), NULL, &d, &err) == WICK_OK);
        if (!d) {
            free(out);
            continue;
        }
        const json_value *a = json_doc_root(d);
        /* system (or, when the template refuses one, the system text in the
         * first user turn), user, assistant (the call as text), one user
         * turn with both results */
        size_t o = system_ok ? 0 : 1;
        CHECK(ts, a->type == JSON_ARRAY && a->u.array.len == 4 - o);
        if (a->u.array.len == 4 - o) {
            const char *sys = json_get(a->u.array.items[0], "content")->u.string.ptr;
            CHECK(ts, !strcmp(json_get(a->u.array.items[0], "role")->u.string.ptr, system_ok ? "system" : "user"));
            CHECK(ts, strstr(sys, "<tools>") && strstr(sys, "\"get_weather\"") && !strncmp(sys, "sys", 3));
            if (!system_ok) CHECK(ts, strlen(sys) > 3 && !strcmp(sys + strlen(sys) - 4, "\n\nhi"));
            const char *asst = json_get(a->u.array.items[2 - o], "content")->u.string.ptr;
            CHECK_MSG(ts, !strcmp(asst, "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"),
                      "%s", asst);
            CHECK(ts, !strcmp(json_get(a->u.array.items[3 - o], "role")->u.string.ptr, "user"));
            CHECK(ts, !strcmp(json_get(a->u.array.items[3 - o], "content")->u.string.ptr,
                              "<tool_response>\n3\n</tool_response>\n<tool_response>\n4\n</tool_response>"));
        }
        json_doc_free(d);
        free(out);
    }
    api_request_free(&req);
}

TEST_MAIN("api_tools", TEST(test_detect), TEST(test_parse), TEST(test_grammar), TEST(test_inject))
