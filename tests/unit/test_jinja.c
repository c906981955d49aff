/* The chat-template engine against Python jinja2: tests/unit/jinja_cases.json
 * holds templates, variables and the output (or the error) that jinja2 with
 * Hugging Face's settings produced for each (regenerate it with
 * tests/unit/jinja_cases.py). Every case must render byte-identically, and
 * every case jinja2 rejects must fail here too (with jinja2's message where
 * the case says so). Then checks of chat_template_render's contract, error
 * positions, and the limits that stop runaway templates. */
#include "template/chat_template.h"
#include "template/jinja.h"
#include "tests/unit/test_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIXTURE "tests/unit/jinja_cases.json"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (len) *len = n;
    return buf;
}

static const char *str_of(const json_value *v) {
    return v && v->type == JSON_STRING ? v->u.string.ptr : NULL;
}

/* Renders with HF's globals and the fixture's fixed clock. */
static wick_status render(const char *tpl, size_t len, const json_value *vars, int64_t now, char **out, size_t *out_len,
                          wick_error *err) {
    jinja_options opt;
    memset(&opt, 0, sizeof opt);
    opt.hf_globals = true;
    opt.now = now;
    return jinja_render(tpl, len, vars, &opt, out, out_len, err);
}

static void print_escaped(const char *label, const char *s, size_t n) {
    fprintf(stderr, "    %s: \"", label);
    for (size_t i = 0; i < n && i < 600; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') fputs("\\n", stderr);
        else if (c == '\t') fputs("\\t", stderr);
        else if (c == '"' || c == '\\') fprintf(stderr, "\\%c", c);
        else if (c < 0x20) fprintf(stderr, "\\x%02x", c);
        else fputc(c, stderr);
    }
    fputs(n > 600 ? "...\"\n" : "\"\n", stderr);
}

static void test_jinja2_fixture(test_state *ts) {
    const char *path = getenv("WICK_JINJA_CASES") ? getenv("WICK_JINJA_CASES") : FIXTURE;
    size_t len;
    char *text = slurp(path, &len);
    CHECK_MSG(ts, text != NULL, "cannot read %s (run from the repository root)", path);
    if (!text) return;
    json_doc *doc = NULL;
    wick_error err = {0};
    wick_status st = json_parse(text, len, path, &doc, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st) {
        free(text);
        return;
    }
    const json_value *root = json_doc_root(doc);
    const json_value *cases = json_get(root, "cases"), *defaults = json_get(root, "default_vars");
    const json_value *nowv = json_get(root, "now");
    int64_t now = nowv && nowv->type == JSON_NUMBER ? nowv->u.number.i : 0;
    CHECK(ts, cases && cases->type == JSON_ARRAY && cases->u.array.len >= 200);
    size_t n = cases ? cases->u.array.len : 0, ok_out = 0, ok_err = 0, bad = 0, n_err = 0;
    for (size_t i = 0; i < n; i++) {
        const json_value *c = cases->u.array.items[i];
        const char *name = str_of(json_get(c, "name"));
        const json_value *tv = json_get(c, "template");
        const json_value *vars = json_get(c, "vars");
        const json_value *expect = json_get(c, "expect");
        const char *want_err = str_of(json_get(c, "error"));
        const json_value *same = json_get(c, "same_msg");
        if (!vars) vars = defaults;
        char *out = NULL;
        size_t out_len = 0;
        wick_error e = {0};
        st = render(tv->u.string.ptr, tv->u.string.len, vars, now, &out, &out_len, &e);
        bool pass;
        if (expect) {
            pass = st == WICK_OK && out_len == expect->u.string.len &&
                   memcmp(out, expect->u.string.ptr, out_len) == 0;
            ok_out += pass;
        } else {
            n_err++;
            pass = st != WICK_OK;
            if (pass && same && same->type == JSON_BOOL && same->u.boolean) pass = strstr(e.message, want_err) != NULL;
            ok_err += pass;
        }
        if (!pass) {
            bad++;
            fprintf(stderr, "MISMATCH %s (%s)\n", name, str_of(json_get(c, "error_type")) ? str_of(json_get(c, "error_type")) : "output");
            print_escaped("template", tv->u.string.ptr, tv->u.string.len);
            if (expect) print_escaped("jinja2  ", expect->u.string.ptr, expect->u.string.len);
            else fprintf(stderr, "    jinja2   error: %s\n", want_err);
            if (st == WICK_OK) print_escaped("wick    ", out, out_len);
            else fprintf(stderr, "    wick     error: %s\n", e.message);
        }
        CHECK(ts, pass);
        free(out);
    }
    printf("jinja2 fixture: %zu cases (%zu outputs, %zu expected errors): %zu outputs identical, %zu errors "
           "matched, %zu mismatches\n",
           n, n - n_err, n_err, ok_out, ok_err, bad);
    json_doc_free(doc);
    free(text);
}

/* ------------------------------------------------ chat_template_render */

static json_doc *parse(const char *s) {
    json_doc *d = NULL;
    if (json_parse(s, strlen(s), "test", &d, NULL)) return NULL;
    return d;
}

static void test_chat_template_inputs(test_state *ts) {
    json_doc *msgs = parse("[{\"role\":\"user\",\"content\":\"hi\"}]");
    json_doc *tools = parse("[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]");
    json_doc *extra = parse("{\"enable_thinking\":false,\"bos_token\":\"<B>\"}");
    const char *tpl =
        "{{ bos_token }}|{{ eos_token }}|{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}|"
        "{{ enable_thinking is defined and enable_thinking is false }}|{{ messages[0].content }}"
        "{% if tools %}|{{ tools[0]|tojson }}{% endif %}";
    chat_template_inputs in = {json_doc_root(msgs), NULL, NULL, true, "<s>", "</s>", 0};
    char *out = NULL;
    size_t n = 0;
    wick_error err = {0};
    CHECK(ts, chat_template_render(tpl, strlen(tpl), &in, &out, &n, &err) == WICK_OK);
    if (out) CHECK_STR_EQ(ts, out, "<s>|</s>|True|True|True|False|hi");
    CHECK(ts, out && n == strlen(out));
    free(out);
    in.tools = json_doc_root(tools);
    in.extra = json_doc_root(extra);
    in.add_generation_prompt = false;
    CHECK(ts, chat_template_render(tpl, strlen(tpl), &in, &out, &n, &err) == WICK_OK);
    if (out)
        CHECK_STR_EQ(ts, out,
                     "<B>|</s>|False|True|False|True|hi|{\"type\": \"function\", \"function\": {\"name\": \"f\"}}");
    free(out);
    /* bad inputs */
    in.messages = json_doc_root(extra);
    CHECK(ts, chat_template_render(tpl, strlen(tpl), &in, &out, &n, &err) == WICK_ERR_INVALID_ARG);
    CHECK(ts, out == NULL);
    CHECK(ts, chat_template_render(tpl, strlen(tpl), NULL, &out, &n, NULL) == WICK_ERR_INVALID_ARG);
    json_doc_free(msgs);
    json_doc_free(tools);
    json_doc_free(extra);
}

/* transformers 5.x normalizes the conversation before rendering */
static void test_chat_template_normalization(test_state *ts) {
    const char *tpl = "{% for m in messages %}{{ m.keys()|list }}{{ m.content is defined }};{% endfor %}";
    json_doc *msgs = parse("[{\"role\":\"assistant\",\"content\":null,\"reasoning\":\"r1\",\"tool_calls\":null},"
                           "{\"role\":\"assistant\",\"thinking\":\"t\",\"reasoning_content\":\"rc\",\"content\":\"c\"}]");
    chat_template_inputs in = {json_doc_root(msgs), NULL, NULL, false, "", "", 0};
    char *out = NULL;
    wick_error err = {0};
    CHECK(ts, chat_template_render(tpl, strlen(tpl), &in, &out, NULL, &err) == WICK_OK);
    if (out)
        CHECK_STR_EQ(ts, out,
                     "['thinking', 'role', 'reasoning', 'reasoning_content']False;"
                     "['thinking', 'role', 'reasoning_content', 'content']True;");
    free(out);
    const char *t2 = "{{ messages[1].thinking }}|{{ messages[1].reasoning_content }}|{{ messages[0].thinking }}";
    CHECK(ts, chat_template_render(t2, strlen(t2), &in, &out, NULL, &err) == WICK_OK);
    if (out) CHECK_STR_EQ(ts, out, "t|rc|r1");
    free(out);
    json_doc_free(msgs);
    msgs = parse("[]");
    in.messages = json_doc_root(msgs);
    CHECK(ts, chat_template_render(tpl, strlen(tpl), &in, &out, NULL, &err) == WICK_ERR_INVALID_ARG);
    CHECK_STR_EQ(ts, err.message,
                 "Cannot apply chat template to an empty conversation. Provide at least one message.");
    json_doc_free(msgs);
    msgs = parse("[{\"role\":\"user\",\"content\":\"hi\"}, \"just a string\"]");
    in.messages = json_doc_root(msgs);
    CHECK(ts, chat_template_render(tpl, strlen(tpl), &in, &out, NULL, &err) == WICK_ERR_INVALID_ARG);
    CHECK_STR_EQ(ts, err.message,
                 "Chat messages should be dicts, dataclasses or pydantic models, but got 'just a string'.");
    json_doc_free(msgs);
}

static void test_strftime_clock(test_state *ts) {
    json_doc *msgs = parse("[{\"role\":\"user\",\"content\":\"x\"}]");
    const char *tpl = "{{ strftime_now('%d %b %Y %H:%M') }}";
    chat_template_inputs in = {json_doc_root(msgs), NULL, NULL, false, "", "", 951782400 /* 2000-02-29 00:00 */};
    char *out = NULL;
    CHECK(ts, chat_template_render(tpl, strlen(tpl), &in, &out, NULL, NULL) == WICK_OK);
    if (out) CHECK_STR_EQ(ts, out, "29 Feb 2000 00:00");
    free(out);
    in.now = 0; /* the real clock: only the year's shape can be checked */
    const char *y = "{{ strftime_now('%Y')|int > 2020 }}";
    CHECK(ts, chat_template_render(y, strlen(y), &in, &out, NULL, NULL) == WICK_OK);
    if (out) CHECK_STR_EQ(ts, out, "True");
    free(out);
    json_doc_free(msgs);
}

/* ------------------------------------------------------ errors, limits */

static wick_status run(const char *tpl, const jinja_options *opt, char **out, wick_error *err) {
    return jinja_render(tpl, strlen(tpl), NULL, opt, out, NULL, err);
}

static void test_error_messages(test_state *ts) {
    jinja_options opt = {0};
    opt.hf_globals = true;
    char *out = NULL;
    wick_error err = {0};
    CHECK(ts, run("line one\n{{ x.y.z }}", &opt, &out, &err) == WICK_ERR_TEMPLATE);
    CHECK_MSG(ts, strstr(err.message, "line 2, column 5") && strstr(err.message, "'x' is undefined"), "%s", err.message);
    CHECK(ts, run("ab\n  {% include 'x' %}", &opt, &out, &err) == WICK_ERR_UNSUPPORTED);
    CHECK_MSG(ts, strstr(err.message, "line 2, column 6") && strstr(err.message, "'include'"), "%s", err.message);
    CHECK(ts, run("{{ raise_exception('Only user and assistant roles are supported!') }}", &opt, &out, &err) ==
                  WICK_ERR_TEMPLATE);
    CHECK_STR_EQ(ts, err.message, "template raised: Only user and assistant roles are supported!");
    CHECK(ts, run("{% for x in [1] %}{% endif %}", &opt, &out, &err) == WICK_ERR_TEMPLATE);
    CHECK_MSG(ts, strstr(err.message, "'endif'") != NULL, "%s", err.message);
    CHECK(ts, run("{% if x %}unclosed", &opt, &out, &err) == WICK_ERR_TEMPLATE);
    CHECK_MSG(ts, strstr(err.message, "end of template") && strstr(err.message, "'endif'"), "%s", err.message);
    CHECK(ts, run("{{ 'a'|groupby('x') }}", &opt, &out, &err) == WICK_ERR_UNSUPPORTED);
    CHECK_MSG(ts, strstr(err.message, "groupby") != NULL, "%s", err.message);
    const char bad_utf8[] = "abc\xff{{ 1 }}";
    CHECK(ts, jinja_render(bad_utf8, sizeof bad_utf8 - 1, NULL, &opt, &out, NULL, &err) == WICK_ERR_FORMAT);
    CHECK_MSG(ts, strstr(err.message, "offset 3") != NULL, "%s", err.message);
    /* without raise_exception (hf_globals off) it is just undefined */
    opt.hf_globals = false;
    CHECK(ts, run("{{ raise_exception('x') }}", &opt, &out, &err) == WICK_ERR_TEMPLATE);
    CHECK(ts, strstr(err.message, "'raise_exception' is undefined") != NULL);
    /* err may be NULL */
    CHECK(ts, run("{{ 1 / 0 }}", &opt, &out, NULL) == WICK_ERR_TEMPLATE);
    CHECK(ts, out == NULL);
}

static double seconds_since(clock_t t0) { return (double)(clock() - t0) / CLOCKS_PER_SEC; }

static void test_limits(test_state *ts) {
    jinja_options opt = {0};
    char *out = NULL;
    wick_error err = {0};
    clock_t t0 = clock();
    /* 10^10 iterations without a budget: must stop quickly */
    CHECK(ts, run("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", &opt, &out,
                  &err) == WICK_ERR_LIMIT);
    CHECK_MSG(ts, strstr(err.message, "steps") != NULL, "%s", err.message);
    CHECK_MSG(ts, seconds_since(t0) < 30, "runaway loop took %.1f s", seconds_since(t0));
    /* unbounded recursion */
    CHECK(ts, run("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", &opt, &out, &err) == WICK_ERR_LIMIT);
    CHECK_MSG(ts, strstr(err.message, "deep") != NULL, "%s", err.message);
    /* exponential output */
    opt.max_output = 1 << 20;
    CHECK(ts, run("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
                  "{{ ns.s }}",
                  &opt, &out, &err) == WICK_ERR_LIMIT);
    CHECK(ts, run("{{ 'x' * 100000000 }}", &opt, &out, &err) == WICK_ERR_LIMIT);
    CHECK(ts, run("{% for i in range(100000) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}", &opt, &out, &err) ==
                  WICK_ERR_LIMIT);
    CHECK(ts, run("{{ range(1000000) }}", &opt, &out, &err) == WICK_ERR_LIMIT);
    /* memory */
    opt.max_output = 0;
    opt.max_memory = 4 << 20;
    CHECK(ts, run("{% set ns = namespace(l=[]) %}{% for i in range(2000) %}{% set ns.l = ns.l + [i] %}{% endfor %}",
                  &opt, &out, &err) == WICK_ERR_LIMIT);
    CHECK_MSG(ts, strstr(err.message, "MiB") != NULL, "%s", err.message);
    /* deep nesting in the source */
    char deep[4096];
    size_t k = 0;
    k += (size_t)snprintf(deep, sizeof deep, "{{ ");
    for (int i = 0; i < 1000; i++) deep[k++] = '(';
    deep[k++] = '1';
    for (int i = 0; i < 1000; i++) deep[k++] = ')';
    snprintf(deep + k, sizeof deep - k, " }}");
    opt.max_memory = 0;
    CHECK(ts, run(deep, &opt, &out, &err) == WICK_ERR_LIMIT);
    /* a generous budget still renders ordinary loops */
    CHECK(ts, run("{% for i in range(1000) %}{{ i % 10 }}{% endfor %}", &opt, &out, &err) == WICK_OK);
    CHECK(ts, out && strlen(out) == 1000);
    free(out);
}

TEST_MAIN("jinja", TEST(test_jinja2_fixture), TEST(test_chat_template_inputs), TEST(test_chat_template_normalization),
          TEST(test_strftime_clock),
          TEST(test_error_messages), TEST(test_limits))
