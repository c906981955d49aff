/* `wick template`: renders a chat template for a conversation and prints the
 * prompt exactly (no newline added), the way Hugging Face
 * apply_chat_template(..., tokenize=False) returns it.
 *
 * Inputs:
 *   --messages FILE   a JSON array of messages, or an object
 *                     {"messages": [...], "tools": [...], "add_generation_prompt": bool,
 *                      <any other key>: a template variable}; "-" reads stdin
 *   --tools FILE      a JSON array of tools (replaces the file's "tools")
 *   --extra JSON|FILE an object of template variables (over the file's), given
 *                     inline when it starts with '{' (or '['), else read from a file
 *   --template FILE   a template to use instead of the model's
 *   --bos/--eos TEXT  the bos_token/eos_token text (default: the model's, or "")
 *
 * WICK_FIXED_TIME=<seconds since 1970> pins strftime_now's clock (UTC), so
 * prompts that print today's date are reproducible (the conformance suite
 * sets it).
 *
 * With -m and neither --bos, --eos nor WICK_FIXED_TIME, rendering goes
 * through the public wick_chat_template_apply (the path library users take).
 * Otherwise it calls the template engine directly: the public call takes its
 * tokens from the model and its clock from the system, with no override. */
#include "cli/cli.h"

#include "core/buf.h"
#include "core/status.h"
#include "json/json.h"
#include "model/model.h"
#include "template/chat_template.h"
#include "tokenizer/vocab.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "[-m MODEL.gguf] --messages FILE.json [--tools FILE.json] [--add-generation-prompt]\n"
    "                     [--template FILE.jinja] [--extra JSON|FILE.json] [--bos TEXT] [--eos TEXT]\n"
    "  -m may be left out when --template is given; --bos/--eos then default to \"\".\n"
    "  WICK_FIXED_TIME=<seconds since 1970> pins strftime_now's clock (UTC).\n"
    "  FILE.json for --messages: an array of messages, or an object with \"messages\",\n"
    "  optional \"tools\", \"add_generation_prompt\" and other keys (template variables).";

/* Inputs larger than this are refused before anything is allocated for them. */
#define MAX_INPUT_BYTES ((size_t)256 << 20)

typedef struct template_args {
    const char *model_path, *messages_path, *tools_path, *template_path, *extra_arg;
    const char *bos, *eos; /* NULL: not given */
    bool add_generation_prompt;
} template_args;

/* Reads a whole file ("-" is stdin) into a NUL-terminated buffer. */
static wick_status read_whole_file(const char *path, char **out, size_t *out_len, wick_error *err) {
    *out = NULL;
    *out_len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return wick_error_set(err, WICK_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    path = is_stdin ? "<stdin>" : path; /* for messages from here on */
    wick_buf b = {0};
    char chunk[65536];
    size_t n;
    wick_status st = WICK_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > MAX_INPUT_BYTES) {
            st = wick_error_set(err, WICK_ERR_LIMIT, "%s: larger than %zu MiB", path,
                                MAX_INPUT_BYTES >> 20);
            break;
        }
        wick_buf_append(&b, chunk, n);
    }
    if (st == WICK_OK && ferror(f))
        st = wick_error_set(err, WICK_ERR_IO, "%s: read failed: %s", path, strerror(errno));
    if (!is_stdin) fclose(f);
    if (st == WICK_OK && b.failed) st = wick_error_set(err, WICK_ERR_NOMEM, "%s: out of memory", path);
    if (st != WICK_OK) {
        wick_buf_free(&b);
        return st;
    }
    if (b.len == 0) {
        /* an empty buffer has no storage yet; hand back "" */
        *out = calloc(1, 1);
        if (!*out) return wick_error_set(err, WICK_ERR_NOMEM, "%s: out of memory", path);
        return WICK_OK;
    }
    *out = wick_buf_take(&b, out_len);
    if (!*out) return wick_error_set(err, WICK_ERR_NOMEM, "%s: out of memory", path);
    return WICK_OK;
}

/* The name errors give a file: "-" reads stdin. */
static const char *display_name(const char *path) { return strcmp(path, "-") ? path : "<stdin>"; }

static wick_status load_json_file(const char *path, json_doc **doc, wick_error *err) {
    char *text;
    size_t len;
    wick_status st = read_whole_file(path, &text, &len, err);
    if (st != WICK_OK) return st;
    st = json_parse(text, len, display_name(path), doc, err);
    free(text);
    return st;
}

static const char *json_type_name(json_type t) {
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "?";
}

/* Everything the renderer needs, borrowed from the parsed documents. */
typedef struct template_inputs {
    json_doc *messages_doc, *tools_doc, *extra_doc, *merged_doc;
    const json_value *messages;
    const json_value *tools; /* NULL: none */
    const json_value *extra; /* object or NULL */
    bool add_generation_prompt;
} template_inputs;

static void inputs_free(template_inputs *in) {
    json_doc_free(in->messages_doc);
    json_doc_free(in->tools_doc);
    json_doc_free(in->extra_doc);
    json_doc_free(in->merged_doc);
}

/* Splits the messages file into messages, tools, the generation flag and
 * template variables. */
static wick_status split_messages_file(const char *path, template_inputs *in, json_value *vars,
                                       wick_error *err) {
    const json_value *root = json_doc_root(in->messages_doc);
    if (root->type == JSON_ARRAY) {
        in->messages = root;
        return WICK_OK;
    }
    if (root->type != JSON_OBJECT)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: expected an array of messages or an object with \"messages\", "
                              "got %s",
                              path, json_type_name(root->type));
    for (size_t i = 0; i < root->u.object.len; i++) {
        const json_member *m = &root->u.object.members[i];
        if (!strcmp(m->key, "messages")) {
            if (m->value->type != JSON_ARRAY)
                return wick_error_set(err, WICK_ERR_FORMAT, "%s: \"messages\": expected an array, got %s",
                                      path, json_type_name(m->value->type));
            in->messages = m->value;
        } else if (!strcmp(m->key, "tools")) {
            if (m->value->type != JSON_ARRAY && m->value->type != JSON_NULL)
                return wick_error_set(err, WICK_ERR_FORMAT,
                                      "%s: \"tools\": expected an array or null, got %s", path,
                                      json_type_name(m->value->type));
            in->tools = m->value->type == JSON_ARRAY ? m->value : NULL;
        } else if (!strcmp(m->key, "add_generation_prompt")) {
            if (m->value->type != JSON_BOOL)
                return wick_error_set(err, WICK_ERR_FORMAT,
                                      "%s: \"add_generation_prompt\": expected true or false, got %s",
                                      path, json_type_name(m->value->type));
            in->add_generation_prompt = in->add_generation_prompt || m->value->u.boolean;
        } else if (!json_object_set(in->merged_doc, vars, m->key, m->key_len, m->value)) {
            return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
        }
    }
    if (!in->messages)
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: the object has no \"messages\" array", path);
    return WICK_OK;
}

static wick_status load_inputs(const template_args *a, template_inputs *in, wick_error *err) {
    in->add_generation_prompt = a->add_generation_prompt;
    in->merged_doc = json_doc_new();
    json_value *vars = in->merged_doc ? json_new_object(in->merged_doc) : NULL;
    if (!vars) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    json_doc_set_root(in->merged_doc, vars);

    wick_status st = load_json_file(a->messages_path, &in->messages_doc, err);
    if (st == WICK_OK) st = split_messages_file(display_name(a->messages_path), in, vars, err);
    if (st != WICK_OK) return st;

    if (a->tools_path) {
        st = load_json_file(a->tools_path, &in->tools_doc, err);
        if (st != WICK_OK) return st;
        const json_value *t = json_doc_root(in->tools_doc);
        if (t->type != JSON_ARRAY && t->type != JSON_NULL)
            return wick_error_set(err, WICK_ERR_FORMAT, "%s: expected an array of tools, got %s",
                                  a->tools_path, json_type_name(t->type));
        in->tools = t->type == JSON_ARRAY ? t : NULL;
    }

    if (a->extra_arg) {
        const char *p = a->extra_arg;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        bool inline_json = *p == '{' || *p == '['; /* else a file name */
        const char *name = inline_json ? "--extra" : a->extra_arg;
        st = inline_json ? json_parse(a->extra_arg, strlen(a->extra_arg), name, &in->extra_doc, err)
                         : load_json_file(a->extra_arg, &in->extra_doc, err);
        if (st != WICK_OK) return st;
        const json_value *e = json_doc_root(in->extra_doc);
        if (e->type != JSON_OBJECT)
            return wick_error_set(err, WICK_ERR_FORMAT, "%s: expected an object of template variables, got %s",
                                  name, json_type_name(e->type));
        for (size_t i = 0; i < e->u.object.len; i++) {
            const json_member *m = &e->u.object.members[i];
            if (!json_object_set(in->merged_doc, vars, m->key, m->key_len, m->value))
                return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
        }
    }
    in->extra = vars->u.object.len ? vars : NULL;
    return WICK_OK;
}

/* JSON text of `v` for the public API (which parses it again). */
static char *to_json_text(const json_value *v) {
    if (!v) return NULL;
    wick_buf b = {0};
    json_write_opts opts = {.indent = -1, .ensure_ascii = false};
    json_write(&b, v, &opts);
    if (b.failed) {
        wick_buf_free(&b);
        return NULL;
    }
    size_t len;
    return wick_buf_take(&b, &len);
}

static wick_status render_public(const wick_model *model, const char *template_text,
                                 const template_inputs *in, char **out, size_t *out_len,
                                 wick_error *err) {
    char *messages = to_json_text(in->messages);
    char *tools = to_json_text(in->tools);
    char *extra = to_json_text(in->extra);
    wick_status st;
    if (!messages || (in->tools && !tools) || (in->extra && !extra))
        st = wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    else
        st = wick_chat_template_apply(model, template_text, messages, tools, extra,
                                      in->add_generation_prompt, out, out_len, err);
    free(messages);
    free(tools);
    free(extra);
    return st;
}

static const char *model_token_text(const wick_model *model, int32_t id) {
    if (!model || !model->vocab || id < 0 || id >= vocab_n_tokens(model->vocab)) return "";
    return vocab_token_text(model->vocab, id);
}

/* WICK_FIXED_TIME, if set: *now receives it (else 0, the system clock). */
static wick_status fixed_time(int64_t *now, wick_error *err) {
    *now = 0;
    const char *s = getenv("WICK_FIXED_TIME");
    if (!s || !*s) return WICK_OK;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "WICK_FIXED_TIME: expected seconds since 1970 (a positive integer), got '%.40s'", s);
    *now = (int64_t)v;
    return WICK_OK;
}

static int parse_args(int argc, char **argv, template_args *a) {
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char **slot = NULL;
        if (!strcmp(opt, "-m") || !strcmp(opt, "--model")) slot = &a->model_path;
        else if (!strcmp(opt, "--messages")) slot = &a->messages_path;
        else if (!strcmp(opt, "--tools")) slot = &a->tools_path;
        else if (!strcmp(opt, "--template")) slot = &a->template_path;
        else if (!strcmp(opt, "--extra")) slot = &a->extra_arg;
        else if (!strcmp(opt, "--bos")) slot = &a->bos;
        else if (!strcmp(opt, "--eos")) slot = &a->eos;
        else if (!strcmp(opt, "--add-generation-prompt")) {
            a->add_generation_prompt = true;
            continue;
        } else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
            printf("usage: wick template %s\n", USAGE);
            return 0;
        } else {
            char problem[256];
            snprintf(problem, sizeof problem, "unknown option '%s'", opt);
            return cli_usage("template", USAGE, problem);
        }
        if (i + 1 >= argc) {
            char problem[256];
            snprintf(problem, sizeof problem, "%s needs a value", opt);
            return cli_usage("template", USAGE, problem);
        }
        if (*slot) {
            char problem[256];
            snprintf(problem, sizeof problem, "%s given twice", opt);
            return cli_usage("template", USAGE, problem);
        }
        *slot = argv[++i];
    }
    if (!a->messages_path) return cli_usage("template", USAGE, "--messages is required");
    if (!a->model_path && !a->template_path)
        return cli_usage("template", USAGE, "give -m MODEL.gguf, --template FILE.jinja, or both");
    return -1; /* go on */
}

int cmd_template(int argc, char **argv) {
    template_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;

    wick_error err = {0};
    wick_model *model = NULL;
    char *template_text = NULL, *out = NULL;
    size_t template_len = 0, out_len = 0;
    template_inputs in = {0};
    int64_t now = 0;
    wick_status st = fixed_time(&now, &err);

    if (st == WICK_OK && a.template_path) {
        st = read_whole_file(a.template_path, &template_text, &template_len, &err);
        /* The public call takes a C string: a NUL inside would cut it short. */
        const char *nul = st == WICK_OK ? memchr(template_text, '\0', template_len) : NULL;
        if (nul)
            st = wick_error_set(&err, WICK_ERR_FORMAT, "%s: byte %zu is NUL; a template is text",
                                a.template_path, (size_t)(nul - template_text));
    }
    if (st == WICK_OK && a.model_path) st = wick_model_open(a.model_path, &model, &err);
    if (st == WICK_OK) st = load_inputs(&a, &in, &err);

    if (st == WICK_OK && model && !a.bos && !a.eos && !now) {
        st = render_public(model, template_text, &in, &out, &out_len, &err);
    } else if (st == WICK_OK) {
        const char *source = template_text;
        size_t source_len = template_len;
        if (!source) {
            source = model->chat_template;
            if (!source)
                st = wick_error_set(&err, WICK_ERR_UNSUPPORTED,
                                    "%s: no chat template (metadata key tokenizer.chat_template is "
                                    "absent); pass one with --template",
                                    model->path);
            else source_len = strlen(source);
        }
        if (st == WICK_OK) {
            chat_template_inputs ci = {
                .messages = in.messages,
                .tools = in.tools,
                .extra = in.extra,
                .add_generation_prompt = in.add_generation_prompt,
                .bos_token = a.bos ? a.bos : model_token_text(model, wick_token_bos(model)),
                .eos_token = a.eos ? a.eos : model_token_text(model, wick_token_eos(model)),
                .now = now,
            };
            st = chat_template_render(source, source_len, &ci, &out, &out_len, &err);
        }
    }

    /* name the template file in compile and render errors */
    if (st == WICK_ERR_TEMPLATE && a.template_path) wick_error_prefix(&err, "%s", a.template_path);

    if (st == WICK_OK && out_len && fwrite(out, 1, out_len, stdout) != out_len)
        st = wick_error_set(&err, WICK_ERR_IO, "stdout: write failed: %s", strerror(errno));
    if (st == WICK_OK && fflush(stdout) != 0)
        st = wick_error_set(&err, WICK_ERR_IO, "stdout: write failed: %s", strerror(errno));

    wick_free(out);
    free(template_text);
    inputs_free(&in);
    wick_model_close(model);
    return st == WICK_OK ? 0 : cli_fail(&err);
}
