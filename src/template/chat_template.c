/* chat_template_render: the variables Hugging Face's apply_chat_template
 * passes to a chat template (messages as it normalizes them, tools,
 * documents, add_generation_prompt, the special tokens, then the caller's
 * extra kwargs such as enable_thinking), rendered by the jinja engine with
 * HF's globals (raise_exception, strftime_now, its dict and namespace) and
 * its tojson. */
#include "template/chat_template.h"

#include "core/status.h"
#include "template/jinja.h"

#include <stdio.h>
#include <string.h>

/* Python's repr() of a JSON value, for the message-type error. */
static void repr_json(wick_buf *b, const json_value *v, int depth) {
    if (depth > 16) {
        wick_buf_puts(b, "...");
        return;
    }
    switch (v->type) {
    case JSON_NULL: wick_buf_puts(b, "None"); break;
    case JSON_BOOL: wick_buf_puts(b, v->u.boolean ? "True" : "False"); break;
    case JSON_NUMBER:
        if (v->u.number.is_int) {
            wick_buf_printf(b, "%lld", (long long)v->u.number.i);
        } else {
            char tmp[48];
            json_format_double(v->u.number.f, tmp, sizeof tmp);
            wick_buf_puts(b, tmp);
        }
        break;
    case JSON_STRING: pystr_repr(b, v->u.string.ptr, v->u.string.len); break;
    case JSON_ARRAY:
        wick_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.array.len; i++) {
            if (i) wick_buf_puts(b, ", ");
            repr_json(b, v->u.array.items[i], depth + 1);
        }
        wick_buf_putc(b, ']');
        break;
    case JSON_OBJECT: wick_buf_puts(b, "{...}"); break;
    }
}

/* What apply_chat_template does to the conversation before rendering
 * (transformers 5.x): an empty conversation and non-dict messages are
 * errors; keys whose value is None are dropped (so `content: null` reads
 * as undefined); the first of reasoning_content / thinking / reasoning
 * that is set is copied to "thinking" (first, unless the message has one)
 * and "reasoning_content" (in place, or last), as Python's
 * {"thinking": r, **message, "reasoning_content": r} orders them. */
static wick_status normalize_messages(json_doc *doc, const json_value *msgs, json_value **out, wick_error *err) {
    if (msgs->u.array.len == 0)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "Cannot apply chat template to an empty conversation. Provide at least one message.");
    json_value *arr = json_new_array(doc);
    if (!arr) return wick_error_set(err, WICK_ERR_NOMEM, "chat template: out of memory");
    static const char *const REASONING[] = {"reasoning_content", "thinking", "reasoning"};
    for (size_t i = 0; i < msgs->u.array.len; i++) {
        const json_value *m = msgs->u.array.items[i];
        if (m->type != JSON_OBJECT) {
            wick_buf b = {0};
            repr_json(&b, m, 0);
            wick_status st = wick_error_set(err, WICK_ERR_INVALID_ARG,
                                            "Chat messages should be dicts, dataclasses or pydantic models, but got %.300s.",
                                            b.data ? b.data : "");
            wick_buf_free(&b);
            return st;
        }
        const json_value *reasoning = NULL;
        for (size_t k = 0; k < 3 && !reasoning; k++) {
            const json_value *r = json_get(m, REASONING[k]);
            if (r && r->type != JSON_NULL) reasoning = r;
        }
        json_value *nm = json_new_object(doc);
        bool ok = nm != NULL;
        if (ok && reasoning) ok = json_object_set(doc, nm, "thinking", 8, (json_value *)reasoning);
        for (size_t k = 0; ok && k < m->u.object.len; k++) {
            const json_member *mem = &m->u.object.members[k];
            if (mem->value->type != JSON_NULL) ok = json_object_set(doc, nm, mem->key, mem->key_len, mem->value);
        }
        if (ok && reasoning) ok = json_object_set(doc, nm, "reasoning_content", 17, (json_value *)reasoning);
        if (!ok || !json_array_push(doc, arr, nm)) return wick_error_set(err, WICK_ERR_NOMEM, "chat template: out of memory");
    }
    *out = arr;
    return WICK_OK;
}

wick_status chat_template_render(const char *source, size_t len, const chat_template_inputs *in, char **out,
                                 size_t *out_len, wick_error *err) {
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!source || !in || !out) return wick_error_set(err, WICK_ERR_INVALID_ARG, "chat template: missing argument");
    if (!in->messages || in->messages->type != JSON_ARRAY)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "chat template: messages must be a JSON array");
    if (in->tools && in->tools->type != JSON_ARRAY && in->tools->type != JSON_NULL)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "chat template: tools must be a JSON array");
    if (in->extra && in->extra->type != JSON_OBJECT)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "chat template: extra variables must be a JSON object");
    /* apply_chat_template's own checks of tools and documents */
    for (size_t i = 0; in->tools && in->tools->type == JSON_ARRAY && i < in->tools->u.array.len; i++)
        if (in->tools->u.array.items[i]->type != JSON_OBJECT)
            return wick_error_set(err, WICK_ERR_INVALID_ARG,
                                  "Tools should either be a JSON schema, or a callable function with type hints "
                                  "and a docstring suitable for auto-conversion to a schema.");
    const json_value *docs = in->extra ? json_get(in->extra, "documents") : NULL;
    if (docs && docs->type != JSON_NULL) {
        bool ok = docs->type == JSON_ARRAY || (docs->type == JSON_STRING && docs->u.string.len == 0) ||
                  (docs->type == JSON_OBJECT && docs->u.object.len == 0);
        for (size_t i = 0; ok && docs->type == JSON_ARRAY && i < docs->u.array.len; i++)
            ok = docs->u.array.items[i]->type == JSON_OBJECT;
        if (!ok)
            return wick_error_set(err, WICK_ERR_INVALID_ARG, "Documents should be a list of dicts with 'title' and 'text' keys!");
    }

    json_doc *doc = json_doc_new();
    json_value *vars = doc ? json_new_object(doc) : NULL;
    json_value *messages = NULL;
    if (!vars) {
        json_doc_free(doc);
        return wick_error_set(err, WICK_ERR_NOMEM, "chat template: out of memory");
    }
    wick_status nst = normalize_messages(doc, in->messages, &messages, err);
    if (nst) {
        json_doc_free(doc);
        return nst;
    }
    bool ok = true;
#define SET(name, value) (ok = ok && json_object_set(doc, vars, name, strlen(name), (json_value *)(value)))
    json_value *null = doc ? json_new_null(doc) : NULL;
    SET("messages", messages);
    SET("tools", in->tools ? in->tools : null);
    SET("documents", null);
    SET("add_generation_prompt", doc ? json_new_bool(doc, in->add_generation_prompt) : NULL);
    if (in->bos_token) SET("bos_token", doc ? json_new_string(doc, in->bos_token, strlen(in->bos_token)) : NULL);
    if (in->eos_token) SET("eos_token", doc ? json_new_string(doc, in->eos_token, strlen(in->eos_token)) : NULL);
    if (in->extra) {
        for (size_t i = 0; i < in->extra->u.object.len && ok; i++) {
            const json_member *m = &in->extra->u.object.members[i];
            ok = json_object_set(doc, vars, m->key, m->key_len, m->value);
        }
    }
#undef SET
    if (!ok) {
        json_doc_free(doc);
        return wick_error_set(err, WICK_ERR_NOMEM, "chat template: out of memory");
    }
    jinja_options opt;
    memset(&opt, 0, sizeof opt);
    opt.hf_globals = true;
    opt.now = in->now;
    wick_status st = jinja_render(source, len, vars, &opt, out, out_len, err);
    json_doc_free(doc);
    return st;
}
