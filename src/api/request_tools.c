/* Request validation, part two: response_format (its schema converted and
 * its grammar compiled here, so a bad one is a 400 naming the field), tools,
 * tool_choice and assistant tool_calls. The rules are listed at the top of
 * request_parse.c. */
#include "api/api_internal.h"

#include "core/status.h"
#include "grammar/json_schema.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compiles GBNF into req->grammar; a grammar error is the request's
 * fault (param names the field that produced the grammar). */
static wick_status compile_grammar(const char *text, size_t len, const char *param, api_request *req,
                                   api_param_error *pe) {
    wick_error gerr = {0};
    wick_status st = grammar_compile(text, len, &req->grammar, &gerr);
    if (st == WICK_ERR_NOMEM) return api_oom(pe);
    if (st != WICK_OK) return api_refuse(pe, param, "Invalid '%s': %s", param, gerr.message);
    return WICK_OK;
}

/* A JSON Schema (an object, or WebLLM's JSON text of one) to a compiled
 * grammar. */
static wick_status schema_grammar(const json_value *schema, const char *param, api_request *req,
                                  api_param_error *pe) {
    wick_buf text = {0}, gbnf = {0};
    const char *src;
    size_t len;
    if (schema->type == JSON_STRING) {
        src = schema->u.string.ptr;
        len = schema->u.string.len;
    } else if (schema->type == JSON_OBJECT || schema->type == JSON_BOOL) {
        json_write_opts o = {-1, false, ",", ":", false};
        json_write(&text, schema, &o);
        if (text.failed) return api_oom(pe);
        src = text.data;
        len = text.len;
    } else {
        return api_bad_type(pe, param, param, "an object (a JSON Schema)", schema);
    }
    wick_error serr = {0};
    wick_status st = json_schema_to_gbnf(src, len, &gbnf, &serr);
    if (st == WICK_OK && gbnf.failed) st = WICK_ERR_NOMEM;
    if (st == WICK_ERR_NOMEM) st = api_oom(pe);
    else if (st != WICK_OK) st = api_refuse(pe, param, "Invalid '%s': %s", param, serr.message);
    else st = compile_grammar(gbnf.data, gbnf.len, param, req, pe);
    wick_buf_free(&text);
    wick_buf_free(&gbnf);
    return st;
}

/* Members of `v` other than the listed ones are refused by their dotted name. */
static wick_status only_members(const json_value *v, const char *prefix, const char *const *allowed, size_t n,
                                api_param_error *pe) {
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *k = v->u.object.members[i].key;
        bool ok = false;
        for (size_t j = 0; j < n && !ok; j++) ok = !strcmp(k, allowed[j]);
        if (!ok) {
            char param[160];
            snprintf(param, sizeof param, "%s.%.64s", prefix, k);
            return api_refuse(pe, param, "Unrecognized request argument supplied: %s", param);
        }
    }
    return WICK_OK;
}

/* response_format: {type:'text'} | {type:'json_object'[, schema]} (the
 * schema is WebLLM's form: an object or its JSON text) |
 * {type:'json_schema', json_schema:{name, schema, strict, description}} |
 * {type:'grammar', grammar:'GBNF/EBNF'}. */
wick_status api_parse_response_format(const json_value *v, api_request *req, api_param_error *pe) {
    if (v->type != JSON_OBJECT) return api_bad_type(pe, "response_format", "response_format", "an object", v);
    const json_value *t = json_get(v, "type");
    if (!t) return api_refuse(pe, "response_format.type", "Missing required parameter: 'response_format.type'.");
    if (t->type != JSON_STRING) return api_bad_type(pe, "response_format.type", "response_format.type", "a string", t);
    const char *type = t->u.string.ptr;
    grammar_free(req->grammar);
    req->grammar = NULL;
    req->rf = API_RF_TEXT;
    wick_status st;
    if (!strcmp(type, "text")) {
        static const char *const ok[] = {"type"};
        return only_members(v, "response_format", ok, 1, pe);
    }
    if (!strcmp(type, "json_object")) {
        static const char *const ok[] = {"type", "schema"};
        if ((st = only_members(v, "response_format", ok, 2, pe))) return st;
        const json_value *schema = json_get(v, "schema");
        req->rf = API_RF_JSON_OBJECT;
        if (schema && schema->type != JSON_NULL) {
            req->rf = API_RF_JSON_SCHEMA;
            return schema_grammar(schema, "response_format.schema", req, pe);
        }
        wick_buf gbnf = {0};
        wick_error gerr = {0};
        st = json_object_gbnf(&gbnf, &gerr);
        if (st == WICK_OK && gbnf.failed) st = WICK_ERR_NOMEM;
        if (st == WICK_OK) st = compile_grammar(gbnf.data, gbnf.len, "response_format", req, pe);
        else st = st == WICK_ERR_NOMEM ? api_oom(pe) : api_refuse(pe, "response_format", "json_object grammar: %s", gerr.message);
        wick_buf_free(&gbnf);
        return st;
    }
    if (!strcmp(type, "json_schema")) {
        static const char *const ok[] = {"type", "json_schema"};
        if ((st = only_members(v, "response_format", ok, 2, pe))) return st;
        const json_value *js = json_get(v, "json_schema");
        if (!js || js->type == JSON_NULL)
            return api_refuse(pe, "response_format.json_schema", "Missing required parameter: 'response_format.json_schema'.");
        if (js->type != JSON_OBJECT)
            return api_bad_type(pe, "response_format.json_schema", "response_format.json_schema", "an object", js);
        static const char *const okj[] = {"name", "schema", "strict", "description"};
        if ((st = only_members(js, "response_format.json_schema", okj, 4, pe))) return st;
        const json_value *name = json_get(js, "name");
        if (!name) return api_refuse(pe, "response_format.json_schema.name", "Missing required parameter: 'response_format.json_schema.name'.");
        if (name->type != JSON_STRING)
            return api_bad_type(pe, "response_format.json_schema.name", "response_format.json_schema.name", "a string", name);
        bool name_ok = name->u.string.len >= 1 && name->u.string.len <= 64;
        for (size_t i = 0; i < name->u.string.len && name_ok; i++) {
            char c = name->u.string.ptr[i];
            name_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        }
        if (!name_ok)
            return api_refuse(pe, "response_format.json_schema.name", "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' (1 to 64 characters).");
        const json_value *strict = json_get(js, "strict");
        if (strict && strict->type != JSON_NULL && strict->type != JSON_BOOL)
            return api_bad_type(pe, "response_format.json_schema.strict", "response_format.json_schema.strict", "a boolean", strict);
        const json_value *desc = json_get(js, "description");
        if (desc && desc->type != JSON_NULL && desc->type != JSON_STRING)
            return api_bad_type(pe, "response_format.json_schema.description", "response_format.json_schema.description", "a string", desc);
        const json_value *schema = json_get(js, "schema");
        req->rf = API_RF_JSON_SCHEMA;
        if (!schema || schema->type == JSON_NULL) { /* OpenAI: optional; then any JSON object */
            wick_buf gbnf = {0};
            wick_error gerr = {0};
            st = json_object_gbnf(&gbnf, &gerr);
            if (st == WICK_OK && !gbnf.failed) st = compile_grammar(gbnf.data, gbnf.len, "response_format.json_schema", req, pe);
            else st = api_oom(pe);
            wick_buf_free(&gbnf);
            return st;
        }
        if (schema->type != JSON_OBJECT)
            return api_bad_type(pe, "response_format.json_schema.schema", "response_format.json_schema.schema", "an object", schema);
        return schema_grammar(schema, "response_format.json_schema.schema", req, pe);
    }
    if (!strcmp(type, "grammar")) {
        static const char *const ok[] = {"type", "grammar"};
        if ((st = only_members(v, "response_format", ok, 2, pe))) return st;
        const json_value *g = json_get(v, "grammar");
        if (!g || g->type == JSON_NULL) return api_refuse(pe, "response_format.grammar", "Missing required parameter: 'response_format.grammar'.");
        if (g->type != JSON_STRING) return api_bad_type(pe, "response_format.grammar", "response_format.grammar", "a string", g);
        req->rf = API_RF_GRAMMAR;
        return compile_grammar(g->u.string.ptr, g->u.string.len, "response_format.grammar", req, pe);
    }
    return api_refuse(pe, "response_format.type", "Invalid value: '%.32s'. Supported values are: 'text', 'json_object', 'json_schema' and 'grammar'.", type);
}

/* ---- tools */

static bool valid_function_name(const json_value *n) {
    if (n->type != JSON_STRING || n->u.string.len < 1 || n->u.string.len > 64) return false;
    for (size_t i = 0; i < n->u.string.len; i++) {
        char c = n->u.string.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* tools: [{type:'function', function:{name, description?, parameters?, strict?}}] */
wick_status api_parse_tools(const json_value *v, api_request *req, api_param_error *pe) {
    if (v->type != JSON_ARRAY) return api_bad_type(pe, "tools", "tools", "an array", v);
    if (v->u.array.len > API_MAX_TOOLS)
        return api_refuse(pe, "tools", "Invalid 'tools': array too long. Expected an array with maximum length %d, but got an array with length %zu instead.", API_MAX_TOOLS, v->u.array.len);
    if (!v->u.array.len)
        return api_refuse(pe, "tools", "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    req->tools = calloc(v->u.array.len, sizeof *req->tools);
    if (!req->tools) return api_oom(pe);
    json_write_opts o = {-1, false, NULL, NULL, false};
    wick_buf all = {0};
    wick_buf_putc(&all, '[');
    wick_status st = WICK_OK;
    for (size_t i = 0; i < v->u.array.len && st == WICK_OK; i++) {
        const json_value *t = v->u.array.items[i];
        char p[96];
        snprintf(p, sizeof p, "tools.[%zu]", i);
        if (t->type != JSON_OBJECT) {
            st = api_bad_type(pe, p, p, "an object", t);
            break;
        }
        static const char *const okt[] = {"type", "function"};
        if ((st = only_members(t, p, okt, 2, pe))) break;
        const json_value *type = json_get(t, "type");
        const json_value *fn = json_get(t, "function");
        char q[128];
        if (!type || type->type != JSON_STRING || strcmp(type->u.string.ptr, "function")) {
            snprintf(q, sizeof q, "%s.type", p);
            st = !type ? api_refuse(pe, q, "Missing required parameter: '%s'.", q)
                       : api_refuse(pe, q, "Invalid value for '%s': expected 'function'.", q);
            break;
        }
        snprintf(q, sizeof q, "%s.function", p);
        if (!fn) {
            st = api_refuse(pe, q, "Missing required parameter: '%s'.", q);
            break;
        }
        if (fn->type != JSON_OBJECT) {
            st = api_bad_type(pe, q, q, "an object", fn);
            break;
        }
        static const char *const okf[] = {"name", "description", "parameters", "strict"};
        if ((st = only_members(fn, q, okf, 4, pe))) break;
        const json_value *name = json_get(fn, "name");
        const json_value *desc = json_get(fn, "description");
        const json_value *params = json_get(fn, "parameters");
        const json_value *strict = json_get(fn, "strict");
        char r[160];
        snprintf(r, sizeof r, "%s.name", q);
        if (!name) {
            st = api_refuse(pe, r, "Missing required parameter: '%s'.", r);
            break;
        }
        if (!valid_function_name(name)) {
            st = name->type != JSON_STRING
                     ? api_bad_type(pe, r, r, "a string", name)
                     : api_refuse(pe, r, "Invalid '%s': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' (1 to 64 characters).", r);
            break;
        }
        for (size_t j = 0; j < req->n_tools; j++)
            if (!strcmp(req->tools[j].name, name->u.string.ptr))
                st = api_refuse(pe, r, "Invalid 'tools': the function name '%.64s' is used twice.", name->u.string.ptr);
        if (st) break;
        snprintf(r, sizeof r, "%s.description", q);
        if (desc && desc->type != JSON_NULL && desc->type != JSON_STRING) {
            st = api_bad_type(pe, r, r, "a string", desc);
            break;
        }
        snprintf(r, sizeof r, "%s.strict", q);
        if (strict && strict->type != JSON_NULL && strict->type != JSON_BOOL) {
            st = api_bad_type(pe, r, r, "a boolean", strict);
            break;
        }
        snprintf(r, sizeof r, "%s.parameters", q);
        if (params && params->type != JSON_NULL && params->type != JSON_OBJECT) {
            st = api_bad_type(pe, r, r, "an object (a JSON Schema)", params);
            break;
        }
        api_tool *tool = &req->tools[req->n_tools++];
        tool->name = api_dup_str(name->u.string.ptr, name->u.string.len);
        if (!tool->name) {
            st = api_oom(pe);
            break;
        }
        if (params && params->type == JSON_OBJECT) {
            wick_buf pb = {0};
            json_write(&pb, params, &o);
            tool->parameters = wick_buf_take(&pb, NULL);
            if (!tool->parameters) {
                st = api_oom(pe);
                break;
            }
        }
        if (i) wick_buf_putc(&all, ',');
        json_write(&all, t, &o);
    }
    wick_buf_putc(&all, ']');
    if (st == WICK_OK && all.failed) st = api_oom(pe);
    if (st == WICK_OK) {
        req->tools_json = wick_buf_take(&all, NULL);
        if (!req->tools_json) st = api_oom(pe);
    }
    wick_buf_free(&all);
    return st;
}

/* tool_choice: 'none' | 'auto' | 'required' | {type:'function', function:{name}}
 * (checked against tools once every member is read). */
wick_status api_parse_tool_choice(const json_value *v, api_request *req, api_param_error *pe) {
    req->tool_choice_given = true;
    free(req->tool_choice_name);
    req->tool_choice_name = NULL;
    if (v->type == JSON_STRING) {
        const char *s = v->u.string.ptr;
        if (!strcmp(s, "none")) req->tool_choice = API_TC_NONE;
        else if (!strcmp(s, "auto")) req->tool_choice = API_TC_AUTO;
        else if (!strcmp(s, "required")) req->tool_choice = API_TC_REQUIRED;
        else
            return api_refuse(pe, "tool_choice", "Invalid value: '%.32s'. Supported values are: 'none', 'auto', and 'required' (or {\"type\": \"function\", \"function\": {\"name\": ...}}).", s);
        return WICK_OK;
    }
    if (v->type != JSON_OBJECT) return api_bad_type(pe, "tool_choice", "tool_choice", "a string or an object", v);
    static const char *const ok[] = {"type", "function"};
    wick_status st = only_members(v, "tool_choice", ok, 2, pe);
    if (st) return st;
    const json_value *type = json_get(v, "type");
    if (!type) return api_refuse(pe, "tool_choice.type", "Missing required parameter: 'tool_choice.type'.");
    if (type->type != JSON_STRING || strcmp(type->u.string.ptr, "function"))
        return api_refuse(pe, "tool_choice.type", "Invalid value for 'tool_choice.type': expected 'function'.");
    const json_value *fn = json_get(v, "function");
    if (!fn) return api_refuse(pe, "tool_choice.function", "Missing required parameter: 'tool_choice.function'.");
    if (fn->type != JSON_OBJECT) return api_bad_type(pe, "tool_choice.function", "tool_choice.function", "an object", fn);
    static const char *const okf[] = {"name"};
    if ((st = only_members(fn, "tool_choice.function", okf, 1, pe))) return st;
    const json_value *name = json_get(fn, "name");
    if (!name) return api_refuse(pe, "tool_choice.function.name", "Missing required parameter: 'tool_choice.function.name'.");
    if (name->type != JSON_STRING)
        return api_bad_type(pe, "tool_choice.function.name", "tool_choice.function.name", "a string", name);
    req->tool_choice = API_TC_NAMED;
    req->tool_choice_name = api_dup_str(name->u.string.ptr, name->u.string.len);
    return req->tool_choice_name ? WICK_OK : api_oom(pe);
}

/* An assistant message's tool_calls, normalized for chat templates:
 * ,"tool_calls":[{"id","type":"function","function":{"name","arguments"}}]
 * with arguments as the JSON value its string holds (templates print
 * `arguments | tojson`, as Hugging Face documents), or the string itself
 * when it is not JSON. */
wick_status api_message_tool_calls(const json_value *v, const char *kp, wick_buf *out, api_param_error *pe) {
    if (v->type != JSON_ARRAY) return api_bad_type(pe, kp, kp, "an array", v);
    json_write_opts o = {-1, false, NULL, NULL, false};
    wick_buf_puts(out, ",\"tool_calls\":[");
    for (size_t i = 0; i < v->u.array.len; i++) {
        const json_value *c = v->u.array.items[i];
        char p[200], q[240];
        snprintf(p, sizeof p, "%s.[%zu]", kp, i);
        if (c->type != JSON_OBJECT) return api_bad_type(pe, p, p, "an object", c);
        static const char *const ok[] = {"id", "type", "function"};
        wick_status st = only_members(c, p, ok, 3, pe);
        if (st) return st;
        const json_value *id = json_get(c, "id"), *type = json_get(c, "type"), *fn = json_get(c, "function");
        snprintf(q, sizeof q, "%s.id", p);
        if (!id) return api_refuse(pe, q, "Missing required parameter: '%s'.", q);
        if (id->type != JSON_STRING) return api_bad_type(pe, q, q, "a string", id);
        snprintf(q, sizeof q, "%s.type", p);
        if (!type) return api_refuse(pe, q, "Missing required parameter: '%s'.", q);
        if (type->type != JSON_STRING || strcmp(type->u.string.ptr, "function"))
            return api_refuse(pe, q, "Invalid value for '%s': expected 'function'.", q);
        snprintf(q, sizeof q, "%s.function", p);
        if (!fn) return api_refuse(pe, q, "Missing required parameter: '%s'.", q);
        if (fn->type != JSON_OBJECT) return api_bad_type(pe, q, q, "an object", fn);
        static const char *const okf[] = {"name", "arguments"};
        if ((st = only_members(fn, q, okf, 2, pe))) return st;
        const json_value *name = json_get(fn, "name"), *args = json_get(fn, "arguments");
        char r[280];
        snprintf(r, sizeof r, "%s.name", q);
        if (!name) return api_refuse(pe, r, "Missing required parameter: '%s'.", r);
        if (name->type != JSON_STRING) return api_bad_type(pe, r, r, "a string", name);
        snprintf(r, sizeof r, "%s.arguments", q);
        if (!args) return api_refuse(pe, r, "Missing required parameter: '%s'.", r);
        if (args->type != JSON_STRING) return api_bad_type(pe, r, r, "a string", args);
        if (i) wick_buf_putc(out, ',');
        wick_buf_puts(out, "{\"id\":");
        api_write_string(out, id->u.string.ptr, id->u.string.len);
        wick_buf_puts(out, ",\"type\":\"function\",\"function\":{\"name\":");
        api_write_string(out, name->u.string.ptr, name->u.string.len);
        wick_buf_puts(out, ",\"arguments\":");
        json_doc *ad = NULL;
        wick_error aerr;
        if (json_parse(args->u.string.ptr, args->u.string.len, NULL, &ad, &aerr) == WICK_OK)
            json_write(out, json_doc_root(ad), &o);
        else
            api_write_string(out, args->u.string.ptr, args->u.string.len);
        json_doc_free(ad);
        wick_buf_puts(out, "}}");
    }
    wick_buf_putc(out, ']');
    return WICK_OK;
}
