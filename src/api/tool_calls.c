/* Tool calling: which syntax a model writes calls in, parsing that syntax
 * into OpenAI tool_calls, the grammar that forces well-formed calls, and
 * Wick's convention for templates that know nothing of tools.
 *
 * Formats, detected from the chat template's text (first match wins):
 *   HERMES   the template writes "<tool_call>": Qwen2.5, Qwen3, QwQ,
 *            Hermes 2/3. The model answers
 *              <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>
 *            (one block per call; text before the first block is content).
 *   MISTRAL  "[TOOL_CALLS]": Mistral v0.3, Nemo. [TOOL_CALLS] [{"name": "f",
 *            "arguments": {...}}, ...] (extra keys such as "id" ignored).
 *   LLAMA3   "<|python_tag|>", or a Llama 3 header template that renders
 *            tools with "parameters" (3.1 and 3.2): the whole answer is
 *            {"name": "f", "parameters": {...}}, optionally after
 *            <|python_tag|>; several calls as a JSON array or separated
 *            by ";".
 *   INJECTED every other template (SmolLM2, Gemma 2/3, Phi, Granite ...:
 *            templates with no tools, or with a native syntax Wick does not
 *            parse). Wick does NOT pass `tools` to such a template; it adds
 *            Qwen's own tool instruction (the Hermes convention, the most
 *            widely trained one; SmolLM2 was tuned on the same <tool_call>
 *            tags) to the system message (or, when the template refuses a
 *            system message, to the first user message), rewrites tool
 *            results as user turns "<tool_response>\n...\n</tool_response>"
 *            and assistant calls as their <tool_call> text, and parses the
 *            answer as HERMES. So every model with a chat template can
 *            call tools; only a model without a template is refused.
 * Arguments: the JSON value the model wrote, re-serialized compactly
 * (Python json.dumps with separators (",", ":")); a string value that is
 * itself JSON text is taken as that text. A call naming a function that is
 * not in `tools` makes the whole answer plain content (auto mode; with a
 * constraint it cannot happen). */
#include "api/api_internal.h"

#include "core/status.h"
#include "grammar/json_schema.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

api_tool_format api_tool_format_detect(const char *t) {
    if (!t) return API_TF_INJECTED;
    if (strstr(t, "<tool_call>")) return API_TF_HERMES;
    if (strstr(t, "[TOOL_CALLS]")) return API_TF_MISTRAL;
    if (strstr(t, "<|python_tag|>")) return API_TF_LLAMA3;
    if (strstr(t, "<|start_header_id|>") && strstr(t, "tools") && strstr(t, "\"parameters\"")) return API_TF_LLAMA3;
    return API_TF_INJECTED;
}

const char *api_tool_format_name(api_tool_format f) {
    switch (f) {
    case API_TF_NONE: return "none";
    case API_TF_HERMES: return "hermes";
    case API_TF_LLAMA3: return "llama3";
    case API_TF_MISTRAL: return "mistral";
    case API_TF_INJECTED: return "injected";
    }
    return "?";
}

const char *api_tool_marker(api_tool_format f) {
    switch (f) {
    case API_TF_HERMES:
    case API_TF_INJECTED: return "<tool_call>";
    case API_TF_MISTRAL: return "[TOOL_CALLS]";
    case API_TF_LLAMA3: return "<|python_tag|>";
    default: return "";
    }
}

/* ---- parsing */

static bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

static void trim(const char **s, size_t *n) {
    while (*n && is_ws(**s)) (*s)++, (*n)--;
    while (*n && is_ws((*s)[*n - 1])) (*n)--;
}

static const char *find(const char *s, size_t n, const char *pat) {
    size_t m = strlen(pat);
    for (size_t i = 0; m <= n && i + m <= n; i++)
        if (!memcmp(s + i, pat, m)) return s + i;
    return NULL;
}

typedef struct call_list {
    api_tool_call *v;
    size_t n, cap;
    bool bad;
} call_list;

static bool known_tool(const api_request *req, const char *name) {
    for (size_t i = 0; i < req->n_tools; i++)
        if (!strcmp(req->tools[i].name, name)) return true;
    return false;
}

/* One {"name", "arguments"|"parameters"} object. */
static void add_call(call_list *l, const api_request *req, const json_value *o) {
    const json_value *name = json_get(o, "name");
    const json_value *args = json_get(o, "arguments");
    if (!args) args = json_get(o, "parameters");
    if (o->type != JSON_OBJECT || !name || name->type != JSON_STRING || !known_tool(req, name->u.string.ptr)) {
        l->bad = true;
        return;
    }
    wick_buf ab = {0};
    json_write_opts wo = {-1, false, ",", ":", false};
    if (!args || args->type == JSON_NULL) {
        wick_buf_puts(&ab, "{}");
    } else if (args->type == JSON_STRING) {
        json_doc *d = NULL;
        wick_error e;
        if (json_parse(args->u.string.ptr, args->u.string.len, NULL, &d, &e) == WICK_OK)
            json_write(&ab, json_doc_root(d), &wo);
        else
            wick_buf_append(&ab, args->u.string.ptr, args->u.string.len);
        json_doc_free(d);
    } else {
        json_write(&ab, args, &wo);
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        api_tool_call *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            wick_buf_free(&ab);
            l->bad = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    api_tool_call *c = &l->v[l->n];
    memset(c, 0, sizeof *c);
    c->name = malloc(name->u.string.len + 1);
    c->arguments = wick_buf_take(&ab, NULL);
    if (!c->name || !c->arguments || ab.failed) {
        free(c->name);
        free(c->arguments);
        l->bad = true;
        return;
    }
    memcpy(c->name, name->u.string.ptr, name->u.string.len + 1);
    l->n++;
}

/* A JSON object (one call) or an array of them. */
static void add_json(call_list *l, const api_request *req, const char *s, size_t n) {
    trim(&s, &n);
    json_doc *d = NULL;
    wick_error e;
    if (!n || json_parse(s, n, NULL, &d, &e) != WICK_OK) {
        l->bad = true;
        return;
    }
    const json_value *r = json_doc_root(d);
    if (r->type == JSON_ARRAY) {
        if (!r->u.array.len) l->bad = true;
        for (size_t i = 0; i < r->u.array.len; i++) add_call(l, req, r->u.array.items[i]);
    } else {
        add_call(l, req, r);
    }
    json_doc_free(d);
}

void api_tool_calls_free(api_tool_call *calls, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(calls[i].name);
        free(calls[i].arguments);
    }
    free(calls);
}

size_t api_tool_calls_parse(api_tool_format f, const api_request *req, const char *text, size_t len,
                            api_tool_call **calls, size_t *content_len) {
    *calls = NULL;
    *content_len = len;
    call_list l = {0};
    const char *end = text + len;
    if (f == API_TF_HERMES || f == API_TF_INJECTED) {
        const char *p = find(text, len, "<tool_call>");
        if (!p) return 0;
        *content_len = (size_t)(p - text);
        while (p && !l.bad) {
            const char *body = p + strlen("<tool_call>");
            const char *close = find(body, (size_t)(end - body), "</tool_call>");
            const char *body_end = close ? close : end;
            add_json(&l, req, body, (size_t)(body_end - body));
            if (!close) break;
            const char *rest = close + strlen("</tool_call>");
            p = find(rest, (size_t)(end - rest), "<tool_call>");
            /* only whitespace may separate calls */
            const char *gap_end = p ? p : end;
            for (const char *q = rest; q < gap_end && !l.bad; q++) l.bad = !is_ws(*q);
        }
    } else if (f == API_TF_MISTRAL) {
        const char *p = find(text, len, "[TOOL_CALLS]");
        if (!p) return 0;
        *content_len = (size_t)(p - text);
        const char *body = p + strlen("[TOOL_CALLS]");
        add_json(&l, req, body, (size_t)(end - body));
    } else if (f == API_TF_LLAMA3) {
        const char *s = text;
        size_t n = len;
        trim(&s, &n);
        const char *tag = find(s, n, "<|python_tag|>");
        if (tag) {
            *content_len = (size_t)(tag - text);
            s = tag + strlen("<|python_tag|>");
            n = (size_t)(text + len - s);
            trim(&s, &n);
        } else if (!n || (s[0] != '{' && s[0] != '[')) {
            return 0;
        } else {
            *content_len = 0;
        }
        /* calls separated by ';' (Llama 3's parallel form) or one array */
        const char *q = s, *qe = s + n;
        while (q < qe && !l.bad) {
            int depth = 0;
            bool in_str = false, esc = false;
            const char *r = q;
            for (; r < qe; r++) {
                char c = *r;
                if (in_str) {
                    if (esc) esc = false;
                    else if (c == '\\') esc = true;
                    else if (c == '"') in_str = false;
                } else if (c == '"') in_str = true;
                else if (c == '{' || c == '[') depth++;
                else if (c == '}' || c == ']') depth--;
                else if (c == ';' && depth == 0) break;
            }
            add_json(&l, req, q, (size_t)(r - q));
            q = r < qe ? r + 1 : qe;
            while (q < qe && is_ws(*q)) q++;
        }
    }
    if (l.bad || !l.n) {
        api_tool_calls_free(l.v, l.n);
        *content_len = len;
        return 0;
    }
    if (!req->parallel_tool_calls && l.n > 1) {
        for (size_t i = 1; i < l.n; i++) {
            free(l.v[i].name);
            free(l.v[i].arguments);
        }
        l.n = 1;
    }
    *calls = l.v;
    return l.n;
}

/* ---- grammar for tool_choice required / named */

static bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '-'; }

/* Appends GBNF `g` with every rule name prefixed by `pfx` (literals,
 * character classes, {m,n} counts and comments are copied as they are). */
static void append_renamed(wick_buf *out, const char *g, size_t n, const char *pfx) {
    size_t i = 0;
    while (i < n) {
        char c = g[i];
        if (c == '"' || c == '\'' || c == '[') {
            char close = c == '[' ? ']' : c;
            size_t j = i + 1;
            while (j < n && g[j] != close) j += g[j] == '\\' && j + 1 < n ? 2 : 1;
            j = j < n ? j + 1 : n;
            wick_buf_append(out, g + i, j - i);
            i = j;
        } else if (c == '{' || c == '#') {
            char close = c == '{' ? '}' : '\n';
            size_t j = i;
            while (j < n && g[j] != close) j++;
            j = j < n ? j + 1 : n;
            wick_buf_append(out, g + i, j - i);
            i = j;
        } else if (ident_start(c)) {
            size_t j = i;
            while (j < n && ident_char(g[j])) j++;
            wick_buf_puts(out, pfx);
            wick_buf_append(out, g + i, j - i);
            i = j;
        } else {
            wick_buf_putc(out, c);
            i++;
        }
    }
    if (n && g[n - 1] != '\n') wick_buf_putc(out, '\n');
}

wick_status api_tool_grammar(api_tool_format f, const api_request *req, wick_buf *gbnf, const char **forced,
                             api_param_error *pe) {
    *forced = f == API_TF_MISTRAL ? "[TOOL_CALLS]" : "";
    const char *args_key = f == API_TF_LLAMA3 ? "parameters" : "arguments";
    wick_buf alts = {0};
    size_t n_alt = 0;
    for (size_t i = 0; i < req->n_tools; i++) {
        const api_tool *t = &req->tools[i];
        if (req->tool_choice == API_TC_NAMED && strcmp(t->name, req->tool_choice_name)) continue;
        wick_buf one = {0};
        wick_error e = {0};
        wick_status st = t->parameters ? json_schema_to_gbnf(t->parameters, strlen(t->parameters), &one, &e)
                                       : json_object_gbnf(&one, &e);
        if (st == WICK_OK && one.failed) st = WICK_ERR_NOMEM;
        if (st != WICK_OK) {
            wick_buf_free(&one);
            wick_buf_free(&alts);
            snprintf(pe->param, sizeof pe->param, "tools.[%zu].function.parameters", i);
            pe->code = NULL;
            if (st == WICK_ERR_NOMEM) {
                snprintf(pe->message, sizeof pe->message, "out of memory building the tool grammar");
                pe->param[0] = '\0';
                return st;
            }
            snprintf(pe->message, sizeof pe->message,
                     "Invalid 'tools[%zu].function.parameters' (needed to constrain the call for tool_choice "
                     "'%s'): %s",
                     i, req->tool_choice == API_TC_NAMED ? "function" : "required", e.message);
            return WICK_ERR_INVALID_ARG;
        }
        char pfx[32];
        snprintf(pfx, sizeof pfx, "t%zu-", i);
        append_renamed(gbnf, one.data, one.len, pfx);
        wick_buf_free(&one);
        wick_buf_printf(&alts, "%s\"{\\\"name\\\": \\\"%s\\\", \\\"%s\\\": \" t%zu-root \"}\"", n_alt ? " | " : "",
                        t->name, args_key, i);
        n_alt++;
    }
    wick_buf_printf(gbnf, "call ::= %s\n", alts.data ? alts.data : "\"\"");
    wick_buf_free(&alts);
    bool many = req->parallel_tool_calls;
    switch (f) {
    case API_TF_MISTRAL:
        wick_buf_printf(gbnf, "root ::= \" \"? \"[\" call %s\"]\"\n", many ? "( \", \" call )* " : "");
        break;
    case API_TF_LLAMA3:
        wick_buf_puts(gbnf, "root ::= call\n"); /* Llama 3.1/3.2 call one function at a time */
        break;
    default:
        wick_buf_printf(gbnf, "root ::= \"<tool_call>\\n\" call \"\\n</tool_call>\"%s\n",
                        many ? " ( \"\\n<tool_call>\\n\" call \"\\n</tool_call>\" )*" : "");
        break;
    }
    if (gbnf->failed) {
        snprintf(pe->message, sizeof pe->message, "out of memory building the tool grammar");
        pe->param[0] = '\0';
        pe->code = NULL;
        return WICK_ERR_NOMEM;
    }
    return WICK_OK;
}

/* ---- the injected convention */

static void write_str(wick_buf *b, const char *s, size_t n) { api_write_string(b, s, n); }

/* Qwen2.5's tool instruction (its template's own words). */
static void instruction(wick_buf *b, const api_request *req) {
    wick_buf_puts(b, "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                     "You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
    json_doc *d = NULL;
    wick_error e;
    if (json_parse(req->tools_json, strlen(req->tools_json), NULL, &d, &e) == WICK_OK) {
        const json_value *r = json_doc_root(d);
        json_write_opts o = {-1, false, NULL, NULL, false};
        for (size_t i = 0; i < r->u.array.len; i++) {
            wick_buf_putc(b, '\n');
            json_write(b, r->u.array.items[i], &o);
        }
    }
    json_doc_free(d);
    wick_buf_puts(b, "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
                     "within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
                     "\"arguments\": <args-json-object>}\n</tool_call>");
}

static const char *str_of(const json_value *v) {
    return v && v->type == JSON_STRING ? v->u.string.ptr : "";
}

wick_status api_messages_inject_tools(const api_request *req, bool system_ok, char **out, api_param_error *pe) {
    *out = NULL;
    json_doc *d = NULL;
    wick_error e;
    if (json_parse(req->messages_json, strlen(req->messages_json), NULL, &d, &e) != WICK_OK) {
        snprintf(pe->message, sizeof pe->message, "internal: normalized messages do not parse: %s", e.message);
        pe->param[0] = '\0';
        pe->code = NULL;
        return WICK_ERR_INVALID_ARG;
    }
    const json_value *msgs = json_doc_root(d);
    wick_buf ins = {0}, b = {0}, content = {0};
    if (req->tools_json && req->tool_choice != API_TC_NONE) instruction(&ins, req);
    json_write_opts o = {-1, false, NULL, NULL, false};
    wick_buf_putc(&b, '[');
    size_t n_out = 0, i = 0;
    bool placed = !ins.len;
    const json_value *m0 = msgs->u.array.len ? msgs->u.array.items[0] : NULL;
    bool sys0 = m0 && !strcmp(str_of(json_get(m0, "role")), "system");
    if (!placed && !system_ok && sys0) { /* the system text joins the instruction in the first user turn */
        wick_buf tmp = {0};
        wick_buf_puts(&tmp, str_of(json_get(m0, "content")));
        wick_buf_puts(&tmp, "\n\n");
        wick_buf_append(&tmp, ins.data, ins.len);
        wick_buf_free(&ins);
        ins = tmp;
        i = 1;
    }
    if (!placed && system_ok) {
        wick_buf_puts(&b, "{\"role\":\"system\",\"content\":");
        content.len = 0;
        if (sys0) {
            wick_buf_puts(&content, str_of(json_get(m0, "content")));
            wick_buf_puts(&content, "\n\n");
            i = 1;
        }
        wick_buf_append(&content, ins.data, ins.len);
        write_str(&b, content.data, content.len);
        wick_buf_putc(&b, '}');
        n_out++;
        placed = true;
    }
    for (; i < msgs->u.array.len; i++) {
        const json_value *m = msgs->u.array.items[i];
        const char *role = str_of(json_get(m, "role"));
        content.len = 0;
        if (!strcmp(role, "tool")) { /* consecutive results: one user turn */
            for (; i < msgs->u.array.len && !strcmp(str_of(json_get(msgs->u.array.items[i], "role")), "tool"); i++) {
                if (content.len) wick_buf_putc(&content, '\n');
                wick_buf_puts(&content, "<tool_response>\n");
                wick_buf_puts(&content, str_of(json_get(msgs->u.array.items[i], "content")));
                wick_buf_puts(&content, "\n</tool_response>");
            }
            i--;
            role = "user";
        } else {
            const json_value *c = json_get(m, "content");
            if (c && c->type == JSON_STRING) wick_buf_append(&content, c->u.string.ptr, c->u.string.len);
            const json_value *calls = json_get(m, "tool_calls");
            for (size_t k = 0; calls && calls->type == JSON_ARRAY && k < calls->u.array.len; k++) {
                const json_value *fn = json_get(calls->u.array.items[k], "function");
                if (content.len) wick_buf_putc(&content, '\n');
                wick_buf_puts(&content, "<tool_call>\n{\"name\": ");
                const json_value *nm = json_get(fn, "name");
                if (nm) json_write(&content, nm, &o);
                wick_buf_puts(&content, ", \"arguments\": ");
                const json_value *args = json_get(fn, "arguments");
                if (args) json_write(&content, args, &o);
                else wick_buf_puts(&content, "{}");
                wick_buf_puts(&content, "}\n</tool_call>");
            }
        }
        if (!placed && !strcmp(role, "user")) { /* no system message: the first user turn carries it */
            wick_buf tmp = {0};
            wick_buf_append(&tmp, ins.data, ins.len);
            wick_buf_puts(&tmp, "\n\n");
            wick_buf_append(&tmp, content.data ? content.data : "", content.len);
            wick_buf_free(&content);
            content = tmp;
            placed = true;
        }
        if (n_out++) wick_buf_putc(&b, ',');
        wick_buf_puts(&b, "{\"role\":");
        write_str(&b, role, strlen(role));
        wick_buf_puts(&b, ",\"content\":");
        write_str(&b, content.data ? content.data : "", content.len);
        wick_buf_putc(&b, '}');
    }
    wick_buf_putc(&b, ']');
    json_doc_free(d);
    wick_buf_free(&ins);
    wick_buf_free(&content);
    if (b.failed) {
        wick_buf_free(&b);
        snprintf(pe->message, sizeof pe->message, "out of memory");
        pe->param[0] = '\0';
        pe->code = NULL;
        return WICK_ERR_NOMEM;
    }
    *out = wick_buf_take(&b, NULL);
    return WICK_OK;
}
