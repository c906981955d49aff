/* Opening a model and the public entry points that delegate to the layers
 * (tokenizer, chat template). */
#include "model/model.h"

#include "core/status.h"
#include "gguf/gguf_internal.h"
#include "template/chat_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wick_free(void *ptr) { free(ptr); }

/* ------------------------------------------------------------ shards */

static wick_model *model_alloc(const char *name, uint32_t n_shards) {
    wick_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->shards = calloc(n_shards ? n_shards : 1, sizeof *m->shards);
    if (!m->shards) {
        free(m);
        return NULL;
    }
    m->n_shards = n_shards;
    snprintf(m->path, sizeof m->path, "%s", name);
    return m;
}

/* Parses one shard whose bytes are in place (data, size). */
static wick_status shard_parse(model_shard *s, wick_error *err) {
    uint64_t need = 0;
    if (s->size > SIZE_MAX)
        return wick_error_set(err, WICK_ERR_LIMIT, "%s: file too large for this address space", s->path);
    wick_status st = gguf_parse(s->data, (size_t)s->size, s->size, s->path, &s->gguf, &need, err);
    if (st == WICK_ERR_NEED_MORE_DATA)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: the header needs %llu bytes but only %llu were given", s->path,
                              (unsigned long long)need, (unsigned long long)s->size);
    return st;
}

static wick_status shard_map(model_shard *s, const char *path, wick_error *err) {
    snprintf(s->path, sizeof s->path, "%s", path);
    wick_status st = wick_file_map_open(path, &s->map, err);
    if (st != WICK_OK) return st;
    s->data = s->map.data;
    s->size = s->map.size;
    return shard_parse(s, err);
}

/* split.no / split.count of a shard: count 1 and no 0 when absent (an
 * unsplit file). llama.cpp writes them as uint16. */
static wick_status split_keys(const model_shard *s, uint32_t *no, uint32_t *count, wick_error *err) {
    *no = 0;
    *count = 1;
    int64_t k = gguf_find_key(s->gguf, "split.count");
    if (k >= 0 && (!gguf_kv_get_u32(s->gguf, k, count) || *count == 0 || *count > 65535))
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: metadata key split.count: expected an integer 1..65535", s->path);
    k = gguf_find_key(s->gguf, "split.no");
    if (k >= 0 && (!gguf_kv_get_u32(s->gguf, k, no) || *no >= *count))
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: metadata key split.no: expected an integer below split.count (%u)",
                              s->path, *count);
    if (k < 0 && *count > 1)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: metadata key split.no is missing (split.count is %u)", s->path,
                              *count);
    return WICK_OK;
}

static int name_ref_cmp(const void *a, const void *b) {
    const name_ref *x = a, *y = b;
    uint64_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int c = n ? memcmp(x->name.ptr, y->name.ptr, (size_t)n) : 0;
    if (c) return c;
    if (x->name.len != y->name.len) return x->name.len < y->name.len ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* All shards parsed: each says it is shard i of n_shards, no tensor is in
 * two shards, and the total matches the first shard's split.tensors.count. */
static wick_status shards_check(const wick_model *m, wick_error *err) {
    const uint32_t n = m->n_shards;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const model_shard *s = &m->shards[i];
        uint32_t no, count;
        wick_status st = split_keys(s, &no, &count, err);
        if (st != WICK_OK) return st;
        if (n == 1 && count > 1)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "%s: shard %u of a model split into %u files (split.no %u, "
                                  "split.count %u); open the first shard by its path, or give "
                                  "all %u shards",
                                  s->path, no + 1, count, no, count, count);
        if (count != n)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "%s: metadata key split.count is %u, expected %u (the number of "
                                  "shards%s)",
                                  s->path, count, n, i ? " the first shard names" : " given");
        if (no != i)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "%s: metadata key split.no is %u, expected %u (shards go in order)",
                                  s->path, no, i);
        total += (uint64_t)gguf_tensor_count(s->gguf);
    }
    if (n == 1) return WICK_OK;
    /* Names across shards, sorted: a repeat is two shards claiming one tensor. */
    name_ref *all = malloc((size_t)(total ? total : 1) * sizeof *all);
    if (!all) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory (tensor index)");
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const gguf_file *g = m->shards[i].gguf;
        for (int64_t t = 0; t < gguf_tensor_count(g); t++)
            all[k++] = (name_ref){gguf_tensor(g, t)->name, ((uint64_t)i << 32) | (uint64_t)t};
    }
    qsort(all, k, sizeof *all, name_ref_cmp);
    wick_status st = WICK_OK;
    for (size_t j = 1; j < k && st == WICK_OK; j++) {
        if (all[j].name.len != all[j - 1].name.len ||
            memcmp(all[j].name.ptr, all[j - 1].name.ptr, (size_t)all[j].name.len) != 0)
            continue;
        int shown = (int)(all[j].name.len > 200 ? 200 : all[j].name.len);
        st = wick_error_set(err, WICK_ERR_FORMAT, "%s: tensor %.*s is in two shards (also in %s)",
                            m->shards[all[j].index >> 32].path, shown, all[j].name.ptr,
                            m->shards[all[j - 1].index >> 32].path);
    }
    free(all);
    if (st != WICK_OK) return st;
    int64_t k_total = gguf_find_key(m->gguf, "split.tensors.count");
    int64_t want = -1;
    if (k_total >= 0 && (!gguf_kv_get_i64(m->gguf, k_total, &want) || want != (int64_t)total))
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: metadata key split.tensors.count is %lld, but the %u shards hold "
                              "%llu tensors",
                              m->path, (long long)want, n, (unsigned long long)total);
    return WICK_OK;
}

/* Shards parsed: checks them, then loads the tokenizer and template from
 * the first. */
static wick_status model_init(wick_model *m, wick_error *err) {
    m->gguf = m->shards[0].gguf;
    wick_status st = shards_check(m, err);
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

static wick_status model_finish(wick_model *m, wick_status st, wick_model **out, wick_error *err) {
    if (st == WICK_OK) st = model_init(m, err);
    if (st != WICK_OK) {
        wick_model_close(m);
        return st;
    }
    *out = m;
    return WICK_OK;
}

/* The other shards' paths follow llama.cpp's llama_split_path:
 * PREFIX-%05d-of-%05d.gguf, numbered from 1. */
static wick_status split_prefix(const char *path, uint32_t count, size_t *prefix_len, wick_error *err) {
    char tail[32];
    snprintf(tail, sizeof tail, "-%05u-of-%05u.gguf", 1u, count);
    size_t n = strlen(path), t = strlen(tail);
    if (n <= t || strcmp(path + n - t, tail) != 0)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: metadata key split.count is %u, so this is the first of %u "
                              "shards, but its name does not end in %s, so the others cannot be "
                              "found (name them as llama.cpp's gguf-split does)",
                              path, count, count, tail);
    *prefix_len = n - t;
    return WICK_OK;
}

wick_status wick_model_open(const char *path, wick_model **out, wick_error *err) {
    *out = NULL;
    if (!path) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_model_open: path is NULL");
    wick_model *m = model_alloc(path, 1);
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    wick_status st = shard_map(&m->shards[0], path, err);
    uint32_t no = 0, count = 1;
    if (st == WICK_OK) st = split_keys(&m->shards[0], &no, &count, err);
    if (st == WICK_OK && count > 1 && no != 0)
        st = wick_error_set(err, WICK_ERR_INVALID_ARG,
                            "%s: metadata key split.no is %u: this is shard %u of %u; open the "
                            "first shard (...-00001-of-%05u.gguf), which names the others",
                            path, no, no + 1, count, count);
    size_t prefix = 0;
    if (st == WICK_OK && count > 1) st = split_prefix(path, count, &prefix, err);
    if (st == WICK_OK && count > 1) {
        model_shard *more = realloc(m->shards, count * sizeof *more);
        if (!more) {
            st = wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
        } else {
            memset(more + 1, 0, (count - 1) * sizeof *more);
            m->shards = more;
            m->n_shards = count;
        }
    }
    for (uint32_t i = 1; st == WICK_OK && i < m->n_shards; i++) {
        char p[sizeof m->path + 32];
        if (prefix > sizeof m->path - 1) prefix = sizeof m->path - 1;
        snprintf(p, sizeof p, "%.*s-%05u-of-%05u.gguf", (int)prefix, path, i + 1, count);
        st = shard_map(&m->shards[i], p, err);
        if (st != WICK_OK)
            wick_error_prefix(err, "%s: shard %u of %u (split.count %u in the first shard)", path,
                              i + 1, count, count);
    }
    return model_finish(m, st, out, err);
}

wick_status wick_model_open_shards(const char *const *paths, size_t n_shards, wick_model **out,
                                   wick_error *err) {
    *out = NULL;
    if (!paths || n_shards == 0 || n_shards > 65535)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "wick_model_open_shards: expected 1..65535 paths, got %zu", n_shards);
    for (size_t i = 0; i < n_shards; i++)
        if (!paths[i])
            return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_model_open_shards: path %zu is NULL", i);
    wick_model *m = model_alloc(paths[0], (uint32_t)n_shards);
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    wick_status st = WICK_OK;
    for (size_t i = 0; i < n_shards && st == WICK_OK; i++) st = shard_map(&m->shards[i], paths[i], err);
    return model_finish(m, st, out, err);
}

wick_status wick_model_open_bytes(const uint8_t *data, size_t len, uint64_t file_size,
                                  wick_model **out, wick_error *err) {
    *out = NULL;
    if (!data && len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_model_open_bytes: data is NULL");
    wick_model *m = model_alloc("<memory>", 1);
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    model_shard *s = &m->shards[0];
    snprintf(s->path, sizeof s->path, "<memory>");
    s->data = data;
    s->size = len;
    uint64_t need = 0;
    wick_status st = gguf_parse(data, len, file_size, m->path, &s->gguf, &need, err);
    if (st == WICK_ERR_NEED_MORE_DATA)
        st = wick_error_set(err, WICK_ERR_FORMAT,
                            "%s: the header needs %llu bytes but only %zu were given", m->path,
                            (unsigned long long)need, len);
    return model_finish(m, st, out, err);
}

wick_status wick_model_open_shards_bytes(const uint8_t *const *data, const size_t *len,
                                         size_t n_shards, wick_model **out, wick_error *err) {
    *out = NULL;
    if (!data || !len || n_shards == 0 || n_shards > 65535)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "wick_model_open_shards_bytes: expected 1..65535 buffers, got %zu",
                              n_shards);
    wick_model *m = model_alloc("<memory shard 1>", (uint32_t)n_shards);
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    wick_status st = WICK_OK;
    for (size_t i = 0; i < n_shards && st == WICK_OK; i++) {
        model_shard *s = &m->shards[i];
        snprintf(s->path, sizeof s->path, "<memory shard %zu>", i + 1);
        if (!data[i])
            st = wick_error_set(err, WICK_ERR_INVALID_ARG, "%s: data is NULL", s->path);
        s->data = data[i];
        s->size = len[i];
        if (st == WICK_OK) st = shard_parse(s, err);
    }
    return model_finish(m, st, out, err);
}

void wick_model_close(wick_model *m) {
    if (!m) return;
    vocab_free(m->vocab);
    for (uint32_t i = 0; m->shards && i < m->n_shards; i++) {
        gguf_free(m->shards[i].gguf);
        wick_file_map_close(&m->shards[i].map);
    }
    free(m->shards);
    free(m->chat_template);
    free(m);
}

const gguf_tensor_info *model_find_tensor(const wick_model *m, const char *name,
                                          const model_shard **shard) {
    for (uint32_t i = 0; i < m->n_shards; i++) {
        int64_t t = gguf_find_tensor(m->shards[i].gguf, name);
        if (t >= 0) {
            if (shard) *shard = &m->shards[i];
            return gguf_tensor(m->shards[i].gguf, t);
        }
    }
    return NULL;
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
