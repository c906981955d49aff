/* Tokens -> AST for statements (expressions are in jinja_parse_expr.c),
 * following jinja2's parser.py so that the odd corners match: `for ... in
 * ... if ...` filters the loop, `set` takes tuples and namespace attributes
 * or a block body, macros and call blocks take defaults, break/continue
 * must be inside a loop (outside a macro). Statements that need other
 * templates (include, extends, import, block) are errors naming the tag.
 * After parsing, unknown filters/tests are rejected as jinja2's compiler
 * does, and constant expressions are marked for jinja2-style folding. */
#include "template/jinja_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool jp_fail(parser *P, uint32_t pos, wick_status code, const char *fmt, ...) {
    if (P->failed) return false;
    P->failed = true;
    P->status = code;
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jinja_error_at(P->err, P->src->p, P->src->n, pos, code, "%s", msg);
    return false;
}

bool jp_oom(parser *P) {
    if (!P->failed) {
        P->failed = true;
        P->status = WICK_ERR_NOMEM;
        wick_error_set(P->err, WICK_ERR_NOMEM, "out of memory parsing the chat template");
    }
    return false;
}

void jp_describe(const jtok *t, char *buf, size_t cap) {
    if (t->kind == T_NAME) snprintf(buf, cap, "'%.*s'", (int)(t->s.n > 40 ? 40 : t->s.n), t->s.p);
    else snprintf(buf, cap, "%s", jinja_tok_name(t->kind));
}

bool jp_expect(parser *P, jtok_kind k) {
    if (cur(P)->kind == k) {
        next(P);
        return true;
    }
    char got[64];
    jp_describe(cur(P), got, sizeof got);
    return jp_fail(P, cur(P)->pos, WICK_ERR_TEMPLATE, "expected %s, got %s", jinja_tok_name(k), got);
}

bool jp_expect_name(parser *P, const char *name) {
    if (skip_name(P, name)) return true;
    char got[64];
    jp_describe(cur(P), got, sizeof got);
    return jp_fail(P, cur(P)->pos, WICK_ERR_TEMPLATE, "expected '%s', got %s", name, got);
}

jnode *jp_mk(parser *P, jnode_kind kind, uint32_t pos) {
    jnode *nd = jarena_alloc(P->a, sizeof *nd);
    if (!nd) {
        jp_oom(P);
        return NULL;
    }
    nd->kind = kind;
    nd->pos = pos;
    return nd;
}

bool jp_vpush(parser *P, nodevec *v, jnode *nd) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        jnode **nv = jarena_alloc(P->a, cap * sizeof *nv);
        if (!nv) return jp_oom(P);
        if (v->n) memcpy(nv, v->v, v->n * sizeof *nv);
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = nd;
    return true;
}

bool jp_enter(parser *P, uint32_t pos) {
    if (++P->depth > JINJA_MAX_PARSE_DEPTH / 3 * 2)
        return jp_fail(P, pos, WICK_ERR_LIMIT, "template nests too deeply (more than %d levels)",
                    JINJA_MAX_PARSE_DEPTH / 3 * 2);
    return true;
}

/* ---------------------------------------------------------- statements */

static bool can_assign(const jnode *nd) {
    if (nd->kind == N_NAME || nd->kind == N_NSREF) return true;
    if (nd->kind != N_TUPLE) return false;
    for (size_t i = 0; i < nd->n; i++)
        if (!can_assign(nd->items[i])) return false;
    return true;
}

static jnode *parse_assign_target(parser *P, const char *const *extra_end, bool with_namespace) {
    uint32_t pos = cur(P)->pos;
    jnode *t = jp_parse_tuple(P, true, true, extra_end, false, with_namespace);
    if (!t) return NULL;
    if (!can_assign(t)) {
        jp_fail(P, pos, WICK_ERR_TEMPLATE, "%s", "can't assign to this expression");
        return NULL;
    }
    return t;
}

static bool subparse(parser *P, const char *const *ends, nodevec *body);

/* Body of a block statement up to one of `ends` (the current token is
 * then that end name; drop_needle consumes it). */
static bool parse_statements(parser *P, const char *const *ends, bool drop_needle, nodevec *body) {
    skip_kind(P, T_COLON);
    if (!jp_expect(P, T_BLOCK_END)) return false;
    if (!subparse(P, ends, body)) return false;
    if (drop_needle) next(P);
    return true;
}

static const char *const END_FOR[] = {"endfor", "else", NULL};
static const char *const END_FOR_ONLY[] = {"endfor", NULL};
static const char *const END_IF[] = {"elif", "else", "endif", NULL};
static const char *const END_IF_ONLY[] = {"endif", NULL};
static const char *const END_SET[] = {"endset", NULL};
static const char *const END_MACRO[] = {"endmacro", NULL};
static const char *const END_CALL[] = {"endcall", NULL};
static const char *const END_FILTER[] = {"endfilter", NULL};
static const char *const END_WITH[] = {"endwith", NULL};
static const char *const END_GENERATION[] = {"endgeneration", NULL};
static const char *const IN_END[] = {"in", NULL};
static const char *const RECURSIVE_END[] = {"recursive", NULL};

static jnode *parse_for(parser *P) {
    jnode *nd = jp_mk(P, N_FOR, cur(P)->pos);
    if (!nd) return NULL;
    next(P);
    if (!(nd->a = parse_assign_target(P, IN_END, false))) return NULL;
    if (nd->a->kind == N_NSREF || (nd->a->kind == N_TUPLE && !can_assign(nd->a))) {
        jp_fail(P, nd->a->pos, WICK_ERR_TEMPLATE, "%s", "can't assign to a namespace attribute in a for loop");
        return NULL;
    }
    if (!jp_expect_name(P, "in")) return NULL;
    if (!(nd->b = jp_parse_tuple(P, false, false, RECURSIVE_END, false, false))) return NULL;
    if (skip_name(P, "if") && !(nd->c = jp_parse_expression(P, true))) return NULL;
    if (skip_name(P, "recursive")) nd->flags |= NF_RECURSIVE;
    nodevec body = {0}, else_body = {0};
    P->loop_depth++;
    bool ok = parse_statements(P, END_FOR, false, &body);
    P->loop_depth--;
    if (!ok) return NULL;
    bool has_else = is_name(cur(P), "else");
    next(P);
    if (has_else && !parse_statements(P, END_FOR_ONLY, true, &else_body)) return NULL;
    nd->items = body.v;
    nd->n = body.n;
    nd->items2 = else_body.v;
    nd->n2 = else_body.n;
    return nd;
}

static jnode *parse_if(parser *P) {
    jnode *result = jp_mk(P, N_IF, cur(P)->pos), *node = result;
    if (!result) return NULL;
    next(P);
    for (;;) {
        if (!(node->a = jp_parse_tuple(P, false, false, NULL, false, false))) return NULL;
        nodevec body = {0};
        if (!parse_statements(P, END_IF, false, &body)) return NULL;
        node->items = body.v;
        node->n = body.n;
        const jtok *t = cur(P);
        next(P);
        if (is_name(t, "elif")) {
            jnode *elif = jp_mk(P, N_IF, t->pos);
            if (!elif) return NULL;
            node->items2 = jarena_alloc(P->a, sizeof *node->items2);
            if (!node->items2) {
                jp_oom(P);
                return NULL;
            }
            node->items2[0] = elif;
            node->n2 = 1;
            node = elif;
            continue;
        }
        if (is_name(t, "else")) {
            nodevec else_body = {0};
            if (!parse_statements(P, END_IF_ONLY, true, &else_body)) return NULL;
            node->items2 = else_body.v;
            node->n2 = else_body.n;
        }
        break;
    }
    return result;
}

static jnode *parse_set(parser *P) {
    uint32_t pos = cur(P)->pos;
    next(P);
    jnode *target = parse_assign_target(P, NULL, true);
    if (!target) return NULL;
    if (skip_kind(P, T_ASSIGN)) {
        jnode *nd = jp_mk(P, N_SET, pos);
        if (!nd || !(nd->b = jp_parse_tuple(P, false, true, NULL, false, false))) return NULL;
        nd->a = target;
        return nd;
    }
    jnode *nd = jp_mk(P, N_SET_BLOCK, pos);
    if (!nd) return NULL;
    nd->a = target;
    if (cur(P)->kind == T_PIPE && !(nd->b = jp_parse_filter(P, NULL, false))) return NULL;
    nodevec body = {0};
    if (!parse_statements(P, END_SET, true, &body)) return NULL;
    nd->items = body.v;
    nd->n = body.n;
    return nd;
}

/* `(a, b=default, ...)` into nd->names / nd->items2 (NULL = no default). */
static bool parse_signature(parser *P, jnode *nd) {
    if (!jp_expect(P, T_LPAREN)) return false;
    jstr names[64];
    jnode *defaults[64];
    size_t n = 0;
    bool any_default = false;
    while (cur(P)->kind != T_RPAREN) {
        if (n && !jp_expect(P, T_COMMA)) return false;
        if (cur(P)->kind != T_NAME) return jp_expect(P, T_NAME);
        if (n == 64) return jp_fail(P, cur(P)->pos, WICK_ERR_LIMIT, "%s", "more than 64 macro parameters");
        names[n] = cur(P)->s;
        defaults[n] = NULL;
        next(P);
        if (skip_kind(P, T_ASSIGN)) {
            if (!(defaults[n] = jp_parse_expression(P, true))) return false;
            any_default = true;
        } else if (any_default) {
            return jp_fail(P, cur(P)->pos, WICK_ERR_TEMPLATE, "%s", "non-default argument follows default argument");
        }
        n++;
    }
    if (!jp_expect(P, T_RPAREN)) return false;
    if (n) {
        nd->names = jarena_alloc(P->a, n * sizeof *nd->names);
        nd->items2 = jarena_alloc(P->a, n * sizeof *nd->items2);
        if (!nd->names || !nd->items2) return jp_oom(P);
        memcpy(nd->names, names, n * sizeof *names);
        memcpy(nd->items2, defaults, n * sizeof *defaults);
    }
    nd->nnames = nd->n2 = n;
    return true;
}

/* Macro and call-block bodies are functions: break/continue cannot reach
 * an enclosing loop, and caller/varargs/kwargs uses are noted. */
static bool parse_function_body(parser *P, jnode *nd, const char *const *ends) {
    if (P->nmacros == MAX_MACRO_NEST)
        return jp_fail(P, nd->pos, WICK_ERR_LIMIT, "%s", "macros nested too deeply");
    P->macros[P->nmacros++] = nd;
    int saved_loops = P->loop_depth;
    P->loop_depth = 0;
    nodevec body = {0};
    bool ok = parse_statements(P, ends, true, &body);
    P->loop_depth = saved_loops;
    P->nmacros--;
    nd->items = body.v;
    nd->n = body.n;
    return ok;
}

static jnode *parse_macro(parser *P) {
    jnode *nd = jp_mk(P, N_MACRO, cur(P)->pos);
    if (!nd) return NULL;
    next(P);
    if (cur(P)->kind != T_NAME) {
        jp_expect(P, T_NAME);
        return NULL;
    }
    nd->str = cur(P)->s;
    next(P);
    if (!parse_signature(P, nd) || !parse_function_body(P, nd, END_MACRO)) return NULL;
    return nd;
}

static jnode *parse_call_block(parser *P) {
    jnode *nd = jp_mk(P, N_CALL_BLOCK, cur(P)->pos);
    if (!nd) return NULL;
    next(P);
    if (cur(P)->kind == T_LPAREN && !parse_signature(P, nd)) return NULL;
    jnode *call = jp_parse_expression(P, true);
    if (!call) return NULL;
    if (call->kind != N_CALL) {
        jp_fail(P, call->pos, WICK_ERR_TEMPLATE, "%s", "expected a call after 'call'");
        return NULL;
    }
    nd->a = call;
    nd->str.p = "caller";
    nd->str.n = 6;
    if (!parse_function_body(P, nd, END_CALL)) return NULL;
    return nd;
}

static jnode *parse_body_block(parser *P, jnode_kind kind, const char *const *ends) {
    jnode *nd = jp_mk(P, kind, cur(P)->pos);
    if (!nd) return NULL;
    next(P);
    if (kind == N_FILTER_BLOCK && !(nd->b = jp_parse_filter(P, NULL, true))) return NULL;
    nodevec body = {0};
    if (!parse_statements(P, ends, true, &body)) return NULL;
    nd->items = body.v;
    nd->n = body.n;
    return nd;
}

static jnode *parse_with(parser *P) {
    jnode *nd = jp_mk(P, N_WITH, cur(P)->pos);
    if (!nd) return NULL;
    next(P);
    jstr names[64];
    nodevec vals = {0};
    while (cur(P)->kind != T_BLOCK_END) {
        if (vals.n && !jp_expect(P, T_COMMA)) return NULL;
        if (cur(P)->kind != T_NAME) {
            jp_fail(P, cur(P)->pos, WICK_ERR_UNSUPPORTED, "%s", "'with' supports only plain names as targets");
            return NULL;
        }
        if (vals.n == 64) {
            jp_fail(P, cur(P)->pos, WICK_ERR_LIMIT, "%s", "more than 64 'with' targets");
            return NULL;
        }
        names[vals.n] = cur(P)->s;
        next(P);
        if (!jp_expect(P, T_ASSIGN)) return NULL;
        jnode *v = jp_parse_expression(P, true);
        if (!v || !jp_vpush(P, &vals, v)) return NULL;
    }
    if (vals.n) {
        nd->names = jarena_alloc(P->a, vals.n * sizeof *nd->names);
        if (!nd->names) {
            jp_oom(P);
            return NULL;
        }
        memcpy(nd->names, names, vals.n * sizeof *names);
    }
    nd->nnames = vals.n;
    nd->items2 = vals.v;
    nd->n2 = vals.n;
    nodevec body = {0};
    if (!parse_statements(P, END_WITH, true, &body)) return NULL;
    nd->items = body.v;
    nd->n = body.n;
    return nd;
}

static jnode *parse_print(parser *P) {
    jnode *nd = jp_mk(P, N_SCOPE, cur(P)->pos);
    if (!nd) return NULL;
    next(P);
    nodevec outs = {0};
    while (cur(P)->kind != T_BLOCK_END) {
        if (outs.n && !jp_expect(P, T_COMMA)) return NULL;
        jnode *o = jp_mk(P, N_OUTPUT, cur(P)->pos);
        if (!o || !(o->a = jp_parse_expression(P, true)) || !jp_vpush(P, &outs, o)) return NULL;
    }
    nd->items = outs.v;
    nd->n = outs.n;
    return nd;
}

static jnode *parse_statement(parser *P) {
    const jtok *t = cur(P);
    if (t->kind != T_NAME) {
        jp_fail(P, t->pos, WICK_ERR_TEMPLATE, "%s", "tag name expected");
        return NULL;
    }
    const char *saved = P->open_tag;
    jnode *nd = NULL;
    jstr s = t->s;
    if (!jp_enter(P, t->pos)) return NULL;
    if (jstr_eq(s, "for")) P->open_tag = "for", nd = parse_for(P);
    else if (jstr_eq(s, "if")) P->open_tag = "if", nd = parse_if(P);
    else if (jstr_eq(s, "set")) P->open_tag = "set", nd = parse_set(P);
    else if (jstr_eq(s, "macro")) P->open_tag = "macro", nd = parse_macro(P);
    else if (jstr_eq(s, "call")) P->open_tag = "call", nd = parse_call_block(P);
    else if (jstr_eq(s, "filter")) P->open_tag = "filter", nd = parse_body_block(P, N_FILTER_BLOCK, END_FILTER);
    else if (jstr_eq(s, "with")) P->open_tag = "with", nd = parse_with(P);
    else if (jstr_eq(s, "generation"))
        P->open_tag = "generation", nd = parse_body_block(P, N_SCOPE, END_GENERATION);
    else if (jstr_eq(s, "print")) nd = parse_print(P);
    else if (jstr_eq(s, "break") || jstr_eq(s, "continue")) {
        if (P->loop_depth == 0) {
            jp_fail(P, t->pos, WICK_ERR_TEMPLATE, "'%s' outside of a for loop", jstr_eq(s, "break") ? "break" : "continue");
        } else if ((nd = jp_mk(P, jstr_eq(s, "break") ? N_BREAK : N_CONTINUE, t->pos))) {
            next(P);
        }
    } else if (jstr_eq(s, "include") || jstr_eq(s, "extends") || jstr_eq(s, "import") ||
               jstr_eq(s, "from") || jstr_eq(s, "block") || jstr_eq(s, "autoescape")) {
        jp_fail(P, t->pos, WICK_ERR_UNSUPPORTED,
             "the '%.*s' tag is not supported (a chat template is rendered on its own)", (int)s.n, s.p);
    } else {
        if (P->open_tag)
            jp_fail(P, t->pos, WICK_ERR_TEMPLATE, "unknown tag '%.*s' (the innermost open block is '%s')",
                 (int)(s.n > 40 ? 40 : s.n), s.p, P->open_tag);
        else
            jp_fail(P, t->pos, WICK_ERR_TEMPLATE, "unknown tag '%.*s'", (int)(s.n > 40 ? 40 : s.n), s.p);
    }
    P->depth--;
    P->open_tag = saved;
    return P->failed ? NULL : nd;
}

static bool subparse(parser *P, const char *const *ends, nodevec *body) {
    for (;;) {
        const jtok *t = cur(P);
        switch (t->kind) {
        case T_DATA: {
            jnode *nd = jp_mk(P, N_DATA, t->pos);
            if (!nd) return false;
            nd->str = t->s;
            if (!jp_vpush(P, body, nd)) return false;
            next(P);
            break;
        }
        case T_VAR_BEGIN: {
            jnode *nd = jp_mk(P, N_OUTPUT, t->pos);
            if (!nd) return false;
            next(P);
            if (!(nd->a = jp_parse_tuple(P, false, true, NULL, false, false))) return false;
            if (!jp_expect(P, T_VAR_END) || !jp_vpush(P, body, nd)) return false;
            break;
        }
        case T_BLOCK_BEGIN: {
            next(P);
            if (ends) {
                for (size_t i = 0; ends[i]; i++)
                    if (is_name(cur(P), ends[i])) return true;
            }
            jnode *nd = parse_statement(P);
            if (!nd || !jp_expect(P, T_BLOCK_END) || !jp_vpush(P, body, nd)) return false;
            break;
        }
        case T_EOF:
            if (ends) {
                char want[128];
                size_t w = 0;
                for (size_t i = 0; ends[i] && w + 24 < sizeof want; i++)
                    w += (size_t)snprintf(want + w, sizeof want - w, "%s'%s'", i ? " or " : "", ends[i]);
                return jp_fail(P, t->pos, WICK_ERR_TEMPLATE, "unexpected end of template; expected %s to close '%s'",
                            want, P->open_tag ? P->open_tag : "block");
            }
            return true;
        default: {
            char got[64];
            jp_describe(t, got, sizeof got);
            return jp_fail(P, t->pos, WICK_ERR_TEMPLATE, "unexpected %s", got);
        }
        }
    }
}

/* jinja2 (3.x) rejects unknown filters and tests when it compiles the
 * template, except inside an `if` statement or a conditional expression
 * (its "soft" frames), where the error waits until the filter runs. Loops,
 * macros and other blocks inside an `if` are hard again. */
static bool check_names(parser *P, const jnode *nd, bool soft, int depth);

static bool check_list(parser *P, jnode *const *items, size_t n, bool soft, int depth) {
    for (size_t i = 0; i < n; i++)
        if (items[i] && !check_names(P, items[i], soft, depth)) return false;
    return true;
}

static bool check_names(parser *P, const jnode *nd, bool soft, int depth) {
    if (!nd || depth > 4 * JINJA_MAX_PARSE_DEPTH) return true;
    depth++;
    switch (nd->kind) {
    case N_IF:
        return check_names(P, nd->a, true, depth) && check_list(P, nd->items, nd->n, true, depth) &&
               check_list(P, nd->items2, nd->n2, true, depth);
    case N_CONDEXPR:
        return check_names(P, nd->a, true, depth) && check_names(P, nd->b, true, depth) &&
               check_names(P, nd->c, true, depth);
    case N_FOR:
        return check_names(P, nd->b, soft, depth) && check_names(P, nd->c, false, depth) &&
               check_list(P, nd->items, nd->n, false, depth) && check_list(P, nd->items2, nd->n2, false, depth);
    case N_MACRO:
        return check_list(P, nd->items2, nd->n2, false, depth) && check_list(P, nd->items, nd->n, false, depth);
    case N_CALL_BLOCK:
        return check_names(P, nd->a, soft, depth) && check_list(P, nd->items2, nd->n2, false, depth) &&
               check_list(P, nd->items, nd->n, false, depth);
    case N_FILTER_BLOCK:
    case N_SET_BLOCK:
    case N_WITH:
        return check_names(P, nd->b, false, depth) && check_list(P, nd->items2, nd->n2, false, depth) &&
               check_list(P, nd->items, nd->n, false, depth);
    case N_FILTER:
    case N_TEST:
        if (nd->id < 0 && !soft)
            return jp_fail(P, nd->kind == N_TEST ? (uint32_t)nd->value.u.i : nd->pos, WICK_ERR_TEMPLATE,
                        "No %s named '%.*s'.", nd->kind == N_TEST ? "test" : "filter",
                        (int)(nd->str.n > 60 ? 60 : nd->str.n), nd->str.p);
        /* fall through */
    default:
        if (nd->kind == N_DICT || nd->kind == N_CALL || nd->kind == N_FILTER || nd->kind == N_TEST ||
            nd->kind == N_WITH)
            if (!check_list(P, nd->items2, nd->n2, soft, depth)) return false;
        return check_names(P, nd->a, soft, depth) && check_names(P, nd->b, soft, depth) &&
               check_names(P, nd->c, soft, depth) && check_list(P, nd->items, nd->n, soft, depth);
    }
}

/* Marks the expressions jinja2's optimizer would try to fold (see
 * jinja_eval.c): built from literals only, without calls or the filters
 * that take the context. Returns whether `nd` is constant. */
static bool mark_const(jnode *nd, int depth) {
    if (!nd || depth > 4 * JINJA_MAX_PARSE_DEPTH) return false;
    bool is_expr = nd->kind <= N_NSREF, c = is_expr;
    switch (nd->kind) {
    case N_NAME:
    case N_CALL:
    case N_NSREF:
    case N_SLICE: /* folded as part of its getitem */
        c = false;
        break;
    case N_FILTER:
        if (!nd->a || jstr_eq(nd->str, "map") || jstr_eq(nd->str, "select") || jstr_eq(nd->str, "reject") ||
            jstr_eq(nd->str, "selectattr") || jstr_eq(nd->str, "rejectattr") || nd->id < 0)
            c = false;
        break;
    case N_TEST:
        if (nd->id < 0) c = false;
        break;
    default: break;
    }
    if (!mark_const(nd->a, depth + 1) && nd->a) c = false;
    if (nd->kind == N_GETITEM && nd->b && nd->b->kind == N_SLICE) {
        jnode *sl = nd->b;
        bool sc = true;
        if (sl->a && !mark_const(sl->a, depth + 1)) sc = false;
        if (sl->b && !mark_const(sl->b, depth + 1)) sc = false;
        if (sl->c && !mark_const(sl->c, depth + 1)) sc = false;
        if (!sc) c = false;
    } else if (!mark_const(nd->b, depth + 1) && nd->b) {
        c = false;
    }
    if (!mark_const(nd->c, depth + 1) && nd->c) c = false;
    for (size_t i = 0; i < nd->n; i++)
        if (!mark_const(nd->items[i], depth + 1)) c = false;
    for (size_t i = 0; i < nd->n2; i++)
        if (nd->items2[i] && !mark_const(nd->items2[i], depth + 1) && is_expr) c = false;
    /* `and`, `or`, `if/else` and comparison chains fold when the operands
     * jinja2 actually evaluates are constant: try them whenever the first
     * one is (a name met while folding makes the fold give up) */
    bool short_circuit = (nd->kind == N_AND || nd->kind == N_OR || nd->kind == N_CONDEXPR || nd->kind == N_COMPARE) &&
                         nd->a && (nd->a->kind == N_CONST || (nd->a->flags & NF_CONST));
    if ((c || short_circuit) && nd->kind != N_CONST) nd->flags |= NF_CONST;
    return c;
}

wick_status jinja_parse(jarena *a, const jsource *src, const jtok *toks, size_t ntoks, jnode **out,
                        wick_error *err) {
    parser P;
    memset(&P, 0, sizeof P);
    P.a = a;
    P.src = src;
    P.t = toks;
    P.n = ntoks;
    P.err = err;
    jnode *root = jp_mk(&P, N_SCOPE, 0);
    nodevec body = {0};
    if (!root || !subparse(&P, NULL, &body)) return P.status ? P.status : WICK_ERR_TEMPLATE;
    root->items = body.v;
    root->n = body.n;
    if (!check_list(&P, root->items, root->n, false, 0)) return P.status;
    mark_const(root, 0);
    *out = root;
    return WICK_OK;
}
