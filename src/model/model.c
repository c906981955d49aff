/* Opening a model and the public entry points that delegate to the layers
 * (tokenizer, chat template). */
#include "model/model.h"

#include "core/status.h"
#include "template/chat_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wick_free(void *ptr) { free(ptr); }

static wick_status model_init(wick_model *m, const uint8_t *data, size_t len, uint64_t file_size,
                              wick_error *err) {
    uint64_t need = 0;
    wick_status st = gguf_parse(data, len, file_size, m->path, &m->gguf, &need, err);
    if (st == WICK_ERR_NEED_MORE_DATA)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: the header needs %llu bytes but only %zu were given", m->path,
                              (unsigned long long)need, len);
    if (st != WICK_OK) return st;

    if (gguf_find_key(m->gguf, "tokenizer.ggml.model") >= 0) {
        st = vocab_load(m->gguf, &m->vocab, err);
        if (st != WICK_OK) {
            wick_error_prefix(err, "%s", m->path);
            return st;
        }
    }
    gguf_str tmpl;
    if (gguf_get_str(m->gguf, "tokenizer.chat_template", &tmpl)) {
        m->chat_template = malloc(tmpl.len + 1);
        if (!m->chat_template) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
        memcpy(m->chat_template, tmpl.ptr, tmpl.len);
        m->chat_template[tmpl.len] = '\0';
    } else if (gguf_find_key(m->gguf, "tokenizer.chat_template") >= 0) {
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: metadata key tokenizer.chat_template: expected a string",
                              m->path);
    }
    return WICK_OK;
}

static wick_model *model_alloc(const char *name) {
    wick_model *m = calloc(1, sizeof *m);
    if (m) snprintf(m->path, sizeof m->path, "%s", name);
    return m;
}

wick_status wick_model_open(const char *path, wick_model **out, wick_error *err) {
    *out = NULL;
    if (!path) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_model_open: path is NULL");
    wick_model *m = model_alloc(path);
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    wick_status st = wick_file_map_open(path, &m->map, err);
    if (st == WICK_OK && m->map.size > SIZE_MAX)
        st = wick_error_set(err, WICK_ERR_LIMIT, "%s: file too large for this address space", path);
    if (st == WICK_OK) st = model_init(m, m->map.data, (size_t)m->map.size, m->map.size, err);
    if (st != WICK_OK) {
        wick_model_close(m);
        return st;
    }
    *out = m;
    return WICK_OK;
}

wick_status wick_model_open_bytes(const uint8_t *data, size_t len, uint64_t file_size,
                                  wick_model **out, wick_error *err) {
    *out = NULL;
    if (!data && len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_model_open_bytes: data is NULL");
    wick_model *m = model_alloc("<memory>");
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    wick_status st = model_init(m, data, len, file_size, err);
    if (st != WICK_OK) {
        wick_model_close(m);
        return st;
    }
    *out = m;
    return WICK_OK;
}

void wick_model_close(wick_model *m) {
    if (!m) return;
    vocab_free(m->vocab);
    gguf_free(m->gguf);
    free(m->chat_template);
    wick_file_map_close(&m->map);
    free(m);
}

wick_status model_require_vocab(const wick_model *m, const wick_vocab **out, wick_error *err) {
    if (!m) return wick_error_set(err, WICK_ERR_INVALID_ARG, "model is NULL");
    if (!m->vocab)
        return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                              "%s: no tokenizer (metadata key tokenizer.ggml.model is absent)",
                              m->path);
    *out = m->vocab;
    return WICK_OK;
}

int32_t wick_vocab_size(const wick_model *m) { return m && m->vocab ? vocab_n_tokens(m->vocab) : 0; }
int32_t wick_token_bos(const wick_model *m) { return m && m->vocab ? vocab_bos(m->vocab) : -1; }
int32_t wick_token_eos(const wick_model *m) { return m && m->vocab ? vocab_eos(m->vocab) : -1; }
int wick_token_is_eog(const wick_model *m, int32_t t) {
    return m && m->vocab ? vocab_is_eog(m->vocab, t) : 0;
}

wick_status wick_tokenize(const wick_model *m, const char *text, size_t text_len, int flags,
                          int32_t *tokens, size_t capacity, size_t *n_tokens, wick_error *err) {
    const wick_vocab *v;
    wick_status st = model_require_vocab(m, &v, err);
    if (st != WICK_OK) return st;
    if (!text && text_len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_tokenize: text is NULL");
    return vocab_tokenize(v, text ? text : "", text_len, flags, tokens, capacity, n_tokens, err);
}

wick_status wick_token_to_piece(const wick_model *m, int32_t token, int flags, char *buf,
                                size_t capacity, size_t *len, wick_error *err) {
    const wick_vocab *v;
    wick_status st = model_require_vocab(m, &v, err);
    if (st != WICK_OK) return st;
    return vocab_token_to_piece(v, token, flags, buf, capacity, len, err);
}

/* Parses an optional JSON argument of the expected type. */
static wick_status parse_json_arg(const char *text, const char *what, json_type want,
                                  json_doc **doc, const json_value **val, wick_error *err) {
    *doc = NULL;
    *val = NULL;
    if (!text) return WICK_OK;
    wick_status st = json_parse(text, strlen(text), what, doc, err);
    if (st != WICK_OK) return st;
    *val = json_doc_root(*doc);
    if ((*val)->type != want)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "%s: expected a JSON %s", what,
                              want == JSON_ARRAY ? "array" : "object");
    return WICK_OK;
}

static const char *special_token_text(const wick_model *m, int32_t id) {
    if (!m->vocab || id < 0 || id >= vocab_n_tokens(m->vocab)) return "";
    return vocab_token_text(m->vocab, id);
}

wick_status wick_chat_template_apply(const wick_model *m, const char *template_override,
                                     const char *messages_json, const char *tools_json,
                                     const char *extra_json, int add_generation_prompt,
                                     char **out, size_t *out_len, wick_error *err) {
    *out = NULL;
    if (!m) return wick_error_set(err, WICK_ERR_INVALID_ARG, "model is NULL");
    const char *source = template_override ? template_override : m->chat_template;
    if (!source)
        return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                              "%s: no chat template (metadata key tokenizer.chat_template is "
                              "absent); pass one explicitly",
                              m->path);
    if (!messages_json)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "messages: expected a JSON array, got NULL");

    json_doc *mdoc = NULL, *tdoc = NULL, *edoc = NULL;
    chat_template_inputs in = {0};
    wick_status st = parse_json_arg(messages_json, "messages", JSON_ARRAY, &mdoc, &in.messages, err);
    if (st == WICK_OK) st = parse_json_arg(tools_json, "tools", JSON_ARRAY, &tdoc, &in.tools, err);
    if (st == WICK_OK) st = parse_json_arg(extra_json, "extra", JSON_OBJECT, &edoc, &in.extra, err);
    if (st == WICK_OK) {
        in.add_generation_prompt = add_generation_prompt != 0;
        in.bos_token = special_token_text(m, wick_token_bos(m));
        in.eos_token = special_token_text(m, wick_token_eos(m));
        st = chat_template_render(source, strlen(source), &in, out, out_len, err);
    }
    json_doc_free(mdoc);
    json_doc_free(tdoc);
    json_doc_free(edoc);
    return st;
}
