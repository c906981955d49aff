/* wick_chat_template_apply through the public API: argument and input
 * errors (each names what was wrong), template errors surfacing as
 * WICK_ERR_TEMPLATE with the template's own message, and a render with a
 * model that has a template but no tokenizer (bos/eos are then ""). The
 * model is a GGUF built in memory, so no file is needed. Rendering against
 * real templates is tests/conformance/chat_template.sh. */
#include "test_harness.h"

#include "gguf/gguf_writer.h"
#include "wick.h"

#include <stdlib.h>
#include <string.h>

static const char TEMPLATE[] =
    "{{ bos_token }}[{% for m in messages %}{{ m.role }}={{ m.content }};{% endfor %}]"
    "{% if tools %}tools={{ tools | length }}{% endif %}"
    "{% if add_generation_prompt %}<gen>{% endif %}{{ greeting }}";

/* A GGUF holding only metadata: an architecture and, if given, a template. */
static uint8_t *make_gguf(const char *chat_template, size_t *len) {
    gguf_writer *w = gguf_writer_new();
    uint8_t *data = NULL;
    if (!w) return NULL;
    bool ok = gguf_writer_set_str(w, "general.architecture", "llama", 5);
    if (chat_template)
        ok = ok && gguf_writer_set_str(w, "tokenizer.chat_template", chat_template, strlen(chat_template));
    if (ok && gguf_writer_write_buffer(w, &data, len, NULL) != WICK_OK) data = NULL;
    gguf_writer_free(w);
    return data;
}

typedef struct fixture {
    uint8_t *bytes;
    wick_model *model;
} fixture;

static bool open_fixture(test_state *ts, fixture *f, const char *chat_template) {
    size_t len = 0;
    wick_error err = {0};
    f->model = NULL;
    f->bytes = make_gguf(chat_template, &len);
    CHECK(ts, f->bytes != NULL);
    if (!f->bytes) return false;
    wick_status st = wick_model_open_bytes(f->bytes, len, len, &f->model, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    return st == WICK_OK;
}

static void close_fixture(fixture *f) {
    wick_model_close(f->model);
    free(f->bytes);
}

/* Calls apply and checks that it fails with `code` and a message holding
 * `needle`, leaving *out NULL. */
static void expect_error(test_state *ts, const wick_model *m, const char *override, const char *messages,
                         const char *tools, const char *extra, wick_status code, const char *needle) {
    char *out = (char *)1;
    size_t out_len = 99;
    wick_error err = {0};
    wick_status st = wick_chat_template_apply(m, override, messages, tools, extra, 1, &out, &out_len, &err);
    CHECK_MSG(ts, st == code, "status %d (%s), want %d: %s", st, wick_status_name(st), code, err.message);
    CHECK(ts, err.code == code);
    CHECK(ts, out == NULL);
    CHECK_MSG(ts, strstr(err.message, needle) != NULL, "message \"%s\" lacks \"%s\"", err.message, needle);
    if (st == WICK_OK) wick_free(out);
}

static void test_null_model(test_state *ts) {
    expect_error(ts, NULL, TEMPLATE, "[]", NULL, NULL, WICK_ERR_INVALID_ARG, "model");
}

static void test_model_without_template(test_state *ts) {
    fixture f;
    if (!open_fixture(ts, &f, NULL)) return;
    expect_error(ts, f.model, NULL, "[]", NULL, NULL, WICK_ERR_UNSUPPORTED, "tokenizer.chat_template");
    close_fixture(&f);
}

static void test_bad_inputs(test_state *ts) {
    fixture f;
    if (!open_fixture(ts, &f, TEMPLATE)) return;
    expect_error(ts, f.model, NULL, NULL, NULL, NULL, WICK_ERR_INVALID_ARG, "messages");
    /* malformed JSON: the message names the argument and where */
    expect_error(ts, f.model, NULL, "[{\"role\": \"user\",\n \"content\": }]", NULL, NULL, WICK_ERR_FORMAT,
                 "messages");
    expect_error(ts, f.model, NULL, "[{\"role\": \"user\",\n \"content\": }]", NULL, NULL, WICK_ERR_FORMAT, "2");
    expect_error(ts, f.model, NULL, "{\"role\": \"user\"}", NULL, NULL, WICK_ERR_INVALID_ARG, "array");
    expect_error(ts, f.model, NULL, "[]", "{}", NULL, WICK_ERR_INVALID_ARG, "tools");
    expect_error(ts, f.model, NULL, "[]", "[", NULL, WICK_ERR_FORMAT, "tools");
    expect_error(ts, f.model, NULL, "[]", NULL, "[1]", WICK_ERR_INVALID_ARG, "extra");
    expect_error(ts, f.model, NULL, "[] x", NULL, NULL, WICK_ERR_FORMAT, "messages");
    close_fixture(&f);
}

static void test_template_errors(test_state *ts) {
    fixture f;
    if (!open_fixture(ts, &f, TEMPLATE)) return;
    /* the template's own message comes through */
    expect_error(ts, f.model, "{{ raise_exception('Roles must alternate: ' ~ messages | length) }}",
                 "[{\"role\": \"user\", \"content\": \"a\"}]", NULL, NULL, WICK_ERR_TEMPLATE,
                 "Roles must alternate: 1");
    /* a syntax error is reported, not rendered */
    const char *one = "[{\"role\": \"user\", \"content\": \"a\"}]";
    expect_error(ts, f.model, "line one\n{% for m in messages %}{{ m.content }", one, NULL, NULL,
                 WICK_ERR_TEMPLATE, "");
    expect_error(ts, f.model, "{% if true %}unclosed", one, NULL, NULL, WICK_ERR_TEMPLATE, "");
    expect_error(ts, f.model, "{{ messages[0].content + 1 }}", one, NULL, NULL, WICK_ERR_TEMPLATE, "");
    close_fixture(&f);
}

static void test_render(test_state *ts) {
    fixture f;
    if (!open_fixture(ts, &f, TEMPLATE)) return;
    char *out = NULL;
    size_t out_len = 0;
    wick_error err = {0};
    const char *messages = "[{\"role\": \"system\", \"content\": \"Be brief.\"},"
                           " {\"role\": \"user\", \"content\": \"Ça va? 日本\"}]";
    const char *tools = "[{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]";
    wick_status st = wick_chat_template_apply(f.model, NULL, messages, tools, "{\"greeting\": \"hi\"}", 1,
                                              &out, &out_len, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st == WICK_OK) {
        const char *want = "[system=Be brief.;user=Ça va? 日本;]tools=1<gen>hi";
        CHECK_STR_EQ(ts, out, want);
        CHECK(ts, out_len == strlen(want));
        wick_free(out);
    }
    /* the override wins over the model's template; no tools, no generation prompt */
    st = wick_chat_template_apply(f.model, "{{ messages | length }}{{ add_generation_prompt }}", messages, NULL,
                                  NULL, 0, &out, &out_len, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st == WICK_OK) {
        CHECK_STR_EQ(ts, out, "2False");
        wick_free(out);
    }
    /* an empty result is "" (not NULL) */
    st = wick_chat_template_apply(f.model, "{% for m in messages %}{% endfor %}", messages, NULL, NULL, 0, &out,
                                  &out_len, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    if (st == WICK_OK) {
        CHECK(ts, out != NULL && out_len == 0 && out[0] == '\0');
        wick_free(out);
    }
    /* an empty conversation is refused, as transformers refuses it */
    st = wick_chat_template_apply(f.model, "{% for m in messages %}x{% endfor %}", "[]", NULL, NULL, 0, &out,
                                  &out_len, &err);
    CHECK(ts, st != WICK_OK && strstr(err.message, "empty conversation") != NULL);
    close_fixture(&f);
}

TEST_MAIN("chat_template_api", TEST(test_null_model), TEST(test_model_without_template), TEST(test_bad_inputs),
          TEST(test_template_errors), TEST(test_render))
