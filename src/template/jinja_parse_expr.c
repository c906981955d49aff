/* Expressions, production by production as jinja2's parser.py: condexpr
 * > or > and > not > compare > + - > ~ > * / // % > ** > unary > primary,
 * with postfix subscripts/calls and filters/tests binding tighter than any
 * binary operator. */
#include "template/jinja_parse.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------- expressions */

static jnode *parse_unary(parser *P, bool with_filter);
static jnode *parse_postfix(parser *P, jnode *node);

static void note_name(parser *P, jstr name) {
    int flag = jstr_eq(name, "caller") ? NF_USES_CALLER
               : jstr_eq(name, "varargs") ? NF_USES_VARARGS
               : jstr_eq(name, "kwargs") ? NF_USES_KWARGS : 0;
    if (!flag) return;
    for (int k = 0; k < P->nmacros; k++) P->macros[k]->flags |= (uint8_t)flag;
}

/* `(args, name=value, ...)`; the current token is '('. */
static bool parse_call_args(parser *P, jnode *nd) {
    uint32_t pos = cur(P)->pos;
    if (!jp_expect(P, T_LPAREN)) return false;
    nodevec args = {0}, kwargs = {0};
    jstr names[64];
    size_t nnames = 0;
    bool require_comma = false;
    while (cur(P)->kind != T_RPAREN) {
        if (require_comma) {
            if (!jp_expect(P, T_COMMA)) return false;
            if (cur(P)->kind == T_RPAREN) break;
        }
        if (cur(P)->kind == T_MUL || cur(P)->kind == T_POW)
            return jp_fail(P, cur(P)->pos, WICK_ERR_UNSUPPORTED, "%s",
                        "*args and **kwargs in calls are not supported");
        if (cur(P)->kind == T_NAME && peek(P, 1)->kind == T_ASSIGN) {
            if (nnames == 64)
                return jp_fail(P, cur(P)->pos, WICK_ERR_LIMIT, "%s", "more than 64 keyword arguments");
            names[nnames++] = cur(P)->s;
            next(P);
            next(P);
            jnode *v = jp_parse_expression(P, true);
            if (!v || !jp_vpush(P, &kwargs, v)) return false;
        } else {
            if (kwargs.n)
                return jp_fail(P, pos, WICK_ERR_TEMPLATE, "%s", "invalid syntax for function call expression");
            jnode *v = jp_parse_expression(P, true);
            if (!v || !jp_vpush(P, &args, v)) return false;
        }
        require_comma = true;
    }
    if (!jp_expect(P, T_RPAREN)) return false;
    nd->items = args.v;
    nd->n = args.n;
    nd->items2 = kwargs.v;
    nd->n2 = kwargs.n;
    if (nnames) {
        nd->names = jarena_alloc(P->a, nnames * sizeof *nd->names);
        if (!nd->names) return jp_oom(P);
        memcpy(nd->names, names, nnames * sizeof *names);
        nd->nnames = nnames;
    }
    return true;
}

static jnode *parse_list(parser *P) {
    jnode *nd = jp_mk(P, N_LIST, cur(P)->pos);
    if (!nd || !jp_expect(P, T_LBRACKET)) return NULL;
    nodevec items = {0};
    while (cur(P)->kind != T_RBRACKET) {
        if (items.n && !jp_expect(P, T_COMMA)) return NULL;
        if (cur(P)->kind == T_RBRACKET) break;
        jnode *e = jp_parse_expression(P, true);
        if (!e || !jp_vpush(P, &items, e)) return NULL;
    }
    if (!jp_expect(P, T_RBRACKET)) return NULL;
    nd->items = items.v;
    nd->n = items.n;
    return nd;
}

static jnode *parse_dict(parser *P) {
    jnode *nd = jp_mk(P, N_DICT, cur(P)->pos);
    if (!nd || !jp_expect(P, T_LBRACE)) return NULL;
    nodevec keys = {0}, vals = {0};
    while (cur(P)->kind != T_RBRACE) {
        if (keys.n && !jp_expect(P, T_COMMA)) return NULL;
        if (cur(P)->kind == T_RBRACE) break;
        jnode *k = jp_parse_expression(P, true);
        if (!k || !jp_expect(P, T_COLON)) return NULL;
        jnode *v = jp_parse_expression(P, true);
        if (!v || !jp_vpush(P, &keys, k) || !jp_vpush(P, &vals, v)) return NULL;
    }
    if (!jp_expect(P, T_RBRACE)) return NULL;
    nd->items = keys.v;
    nd->n = keys.n;
    nd->items2 = vals.v;
    nd->n2 = vals.n;
    return nd;
}

jnode *jp_parse_primary(parser *P, bool with_namespace) {
    const jtok *t = cur(P);
    jnode *nd;
    switch (t->kind) {
    case T_NAME:
        next(P);
        if (jstr_eq(t->s, "true") || jstr_eq(t->s, "True") || jstr_eq(t->s, "false") ||
            jstr_eq(t->s, "False")) {
            if (!(nd = jp_mk(P, N_CONST, t->pos))) return NULL;
            nd->value = jv_bool(t->s.p[0] == 't' || t->s.p[0] == 'T');
        } else if (jstr_eq(t->s, "none") || jstr_eq(t->s, "None")) {
            if (!(nd = jp_mk(P, N_CONST, t->pos))) return NULL;
            nd->value = jv_none();
        } else if (with_namespace && cur(P)->kind == T_DOT) {
            next(P);
            if (cur(P)->kind != T_NAME) {
                jp_expect(P, T_NAME);
                return NULL;
            }
            if (!(nd = jp_mk(P, N_NSREF, t->pos))) return NULL;
            nd->str = t->s;
            nd->str2 = cur(P)->s;
            next(P);
        } else {
            if (!(nd = jp_mk(P, N_NAME, t->pos))) return NULL;
            nd->str = t->s;
            note_name(P, t->s);
        }
        return nd;
    case T_STRING: {
        if (!(nd = jp_mk(P, N_CONST, t->pos))) return NULL;
        next(P);
        if (cur(P)->kind != T_STRING) {
            nd->value = jv_str(t->s.p, t->s.n);
            return nd;
        }
        /* adjacent literals concatenate */
        size_t total = t->s.n;
        for (size_t k = P->i; P->t[k].kind == T_STRING; k++) total += P->t[k].s.n;
        char *buf = jarena_alloc(P->a, total + 1);
        if (!buf) {
            jp_oom(P);
            return NULL;
        }
        memcpy(buf, t->s.p, t->s.n);
        size_t w = t->s.n;
        while (cur(P)->kind == T_STRING) {
            memcpy(buf + w, cur(P)->s.p, cur(P)->s.n);
            w += cur(P)->s.n;
            next(P);
        }
        nd->value = jv_str(buf, w);
        return nd;
    }
    case T_INT:
        if (!(nd = jp_mk(P, N_CONST, t->pos))) return NULL;
        nd->value = jv_int(t->i);
        next(P);
        return nd;
    case T_FLOAT:
        if (!(nd = jp_mk(P, N_CONST, t->pos))) return NULL;
        nd->value = jv_float(t->f);
        next(P);
        return nd;
    case T_LPAREN:
        next(P);
        nd = jp_parse_tuple(P, false, true, NULL, true, false);
        if (!nd || !jp_expect(P, T_RPAREN)) return NULL;
        return nd;
    case T_LBRACKET:
        return parse_list(P);
    case T_LBRACE:
        return parse_dict(P);
    default: {
        char got[64];
        jp_describe(t, got, sizeof got);
        jp_fail(P, t->pos, WICK_ERR_TEMPLATE, "unexpected %s", got);
        return NULL;
    }
    }
}

static bool is_tuple_end(parser *P, const char *const *extra_end) {
    jtok_kind k = cur(P)->kind;
    if (k == T_VAR_END || k == T_BLOCK_END || k == T_RPAREN) return true;
    if (extra_end)
        for (size_t i = 0; extra_end[i]; i++)
            if (is_name(cur(P), extra_end[i])) return true;
    return false;
}

jnode *jp_parse_tuple(parser *P, bool simplified, bool with_condexpr, const char *const *extra_end,
                          bool explicit_parens, bool with_namespace) {
    uint32_t pos = cur(P)->pos;
    nodevec args = {0};
    bool is_tuple = false;
    for (;;) {
        if (args.n && !jp_expect(P, T_COMMA)) return NULL;
        if (is_tuple_end(P, extra_end)) break;
        jnode *e = simplified ? jp_parse_primary(P, with_namespace) : jp_parse_expression(P, with_condexpr);
        if (!e || !jp_vpush(P, &args, e)) return NULL;
        if (cur(P)->kind == T_COMMA) is_tuple = true;
        else break;
    }
    if (!is_tuple) {
        if (args.n) return args.v[0];
        if (!explicit_parens) {
            char got[64];
            jp_describe(cur(P), got, sizeof got);
            jp_fail(P, cur(P)->pos, WICK_ERR_TEMPLATE, "expected an expression, got %s", got);
            return NULL;
        }
    }
    jnode *nd = jp_mk(P, N_TUPLE, pos);
    if (!nd) return NULL;
    nd->items = args.v;
    nd->n = args.n;
    return nd;
}

/* One subscript: an expression or a slice `a:b:c`. */
static jnode *parse_subscribed(parser *P) {
    uint32_t pos = cur(P)->pos;
    jnode *parts[3] = {NULL, NULL, NULL};
    if (cur(P)->kind == T_COLON) {
        next(P);
    } else {
        jnode *e = jp_parse_expression(P, true);
        if (!e) return NULL;
        if (cur(P)->kind != T_COLON) return e;
        next(P);
        parts[0] = e;
    }
    if (cur(P)->kind != T_COLON && cur(P)->kind != T_RBRACKET && cur(P)->kind != T_COMMA) {
        if (!(parts[1] = jp_parse_expression(P, true))) return NULL;
    }
    if (cur(P)->kind == T_COLON) {
        next(P);
        if (cur(P)->kind != T_RBRACKET && cur(P)->kind != T_COMMA) {
            if (!(parts[2] = jp_parse_expression(P, true))) return NULL;
        }
    }
    jnode *nd = jp_mk(P, N_SLICE, pos);
    if (!nd) return NULL;
    nd->a = parts[0];
    nd->b = parts[1];
    nd->c = parts[2];
    return nd;
}

static jnode *parse_subscript(parser *P, jnode *node) {
    const jtok *t = cur(P);
    next(P);
    if (t->kind == T_DOT) {
        const jtok *at = cur(P);
        next(P);
        if (at->kind == T_NAME) {
            jnode *nd = jp_mk(P, N_GETATTR, t->pos);
            if (!nd) return NULL;
            nd->a = node;
            nd->str = at->s;
            return nd;
        }
        if (at->kind != T_INT) {
            jp_fail(P, at->pos, WICK_ERR_TEMPLATE, "%s", "expected name or number after '.'");
            return NULL;
        }
        jnode *k = jp_mk(P, N_CONST, at->pos), *nd = jp_mk(P, N_GETITEM, t->pos);
        if (!k || !nd) return NULL;
        k->value = jv_int(at->i);
        nd->a = node;
        nd->b = k;
        return nd;
    }
    /* '[' */
    nodevec args = {0};
    while (cur(P)->kind != T_RBRACKET) {
        if (args.n && !jp_expect(P, T_COMMA)) return NULL;
        jnode *e = parse_subscribed(P);
        if (!e || !jp_vpush(P, &args, e)) return NULL;
    }
    if (!jp_expect(P, T_RBRACKET)) return NULL;
    jnode *nd = jp_mk(P, N_GETITEM, t->pos);
    if (!nd) return NULL;
    nd->a = node;
    if (args.n == 1) {
        nd->b = args.v[0];
    } else {
        jnode *tup = jp_mk(P, N_TUPLE, t->pos);
        if (!tup) return NULL;
        tup->items = args.v;
        tup->n = args.n;
        nd->b = tup;
    }
    return nd;
}

static jnode *parse_call(parser *P, jnode *node) {
    jnode *nd = jp_mk(P, N_CALL, cur(P)->pos);
    if (!nd) return NULL;
    nd->a = node;
    if (!parse_call_args(P, nd)) return NULL;
    return nd;
}

static jnode *parse_postfix(parser *P, jnode *node) {
    while (node) {
        jtok_kind k = cur(P)->kind;
        if (k == T_DOT || k == T_LBRACKET) node = parse_subscript(P, node);
        else if (k == T_LPAREN) node = parse_call(P, node);
        else break;
    }
    return node;
}

/* A filter or test name, with jinja2's dotted names (which never exist). */
static bool dotted_name(parser *P, jstr *name) {
    if (cur(P)->kind != T_NAME) return jp_expect(P, T_NAME);
    *name = cur(P)->s;
    next(P);
    while (cur(P)->kind == T_DOT) {
        next(P);
        if (cur(P)->kind != T_NAME) return jp_expect(P, T_NAME);
        name->n = (size_t)(cur(P)->s.p + cur(P)->s.n - name->p);
        next(P);
    }
    return true;
}

jnode *jp_parse_filter(parser *P, jnode *node, bool start_inline) {
    while (cur(P)->kind == T_PIPE || start_inline) {
        if (!start_inline) next(P);
        start_inline = false;
        uint32_t pos = cur(P)->pos;
        jstr name;
        if (!dotted_name(P, &name)) return NULL;
        jnode *nd = jp_mk(P, N_FILTER, pos);
        if (!nd) return NULL;
        nd->a = node;
        nd->str = name;
        nd->id = jinja_filter_id(name); /* unknown: see check_names */
        if (cur(P)->kind == T_LPAREN && !parse_call_args(P, nd)) return NULL;
        node = nd;
    }
    return node;
}

static jnode *parse_test(parser *P, jnode *node) {
    uint32_t pos = cur(P)->pos;
    next(P); /* is */
    bool negated = skip_name(P, "not");
    uint32_t name_pos = cur(P)->pos;
    jstr name;
    if (!dotted_name(P, &name)) return NULL;
    jnode *nd = jp_mk(P, N_TEST, pos);
    if (!nd) return NULL;
    nd->a = node;
    nd->str = name;
    nd->id = jinja_test_id(name); /* unknown: see check_names */
    nd->value.u.i = name_pos;
    jtok_kind k = cur(P)->kind;
    if (k == T_LPAREN) {
        if (!parse_call_args(P, nd)) return NULL;
    } else if ((k == T_NAME || k == T_STRING || k == T_INT || k == T_FLOAT || k == T_LBRACKET ||
                k == T_LBRACE) &&
               !is_name(cur(P), "else") && !is_name(cur(P), "or") && !is_name(cur(P), "and")) {
        if (is_name(cur(P), "is")) {
            jp_fail(P, cur(P)->pos, WICK_ERR_TEMPLATE, "%s", "you cannot chain multiple tests with 'is'");
            return NULL;
        }
        jnode *arg = parse_postfix(P, jp_parse_primary(P, false));
        if (!arg) return NULL;
        nd->items = jarena_alloc(P->a, sizeof *nd->items);
        if (!nd->items) {
            jp_oom(P);
            return NULL;
        }
        nd->items[0] = arg;
        nd->n = 1;
    }
    if (negated) {
        jnode *no = jp_mk(P, N_NOT, pos);
        if (!no) return NULL;
        no->a = nd;
        return no;
    }
    return nd;
}

static jnode *parse_filter_expr(parser *P, jnode *node) {
    while (node) {
        jtok_kind k = cur(P)->kind;
        if (k == T_PIPE) node = jp_parse_filter(P, node, false);
        else if (is_name(cur(P), "is")) node = parse_test(P, node);
        else if (k == T_LPAREN) node = parse_call(P, node);
        else break;
    }
    return node;
}

static jnode *parse_unary(parser *P, bool with_filter) {
    const jtok *t = cur(P);
    jnode *node;
    if (t->kind == T_SUB || t->kind == T_ADD) {
        if (!jp_enter(P, t->pos)) return NULL;
        next(P);
        jnode *operand = parse_unary(P, false);
        P->depth--;
        if (!operand || !(node = jp_mk(P, t->kind == T_SUB ? N_NEG : N_POS, t->pos))) return NULL;
        node->a = operand;
    } else {
        node = jp_parse_primary(P, false);
    }
    node = parse_postfix(P, node);
    if (with_filter) node = parse_filter_expr(P, node);
    return node;
}

static jnode *binop(parser *P, jnode_kind kind, uint8_t op, jnode *l, jnode *r, uint32_t pos) {
    if (!l || !r) return NULL;
    jnode *nd = jp_mk(P, kind, pos);
    if (!nd) return NULL;
    nd->op = op;
    nd->a = l;
    nd->b = r;
    return nd;
}

static jnode *parse_pow(parser *P) {
    jnode *left = parse_unary(P, true);
    while (left && cur(P)->kind == T_POW) {
        uint32_t pos = cur(P)->pos;
        next(P);
        left = binop(P, N_BINOP, OP_POW, left, parse_unary(P, true), pos);
    }
    return left;
}

static jnode *parse_math2(parser *P) {
    jnode *left = parse_pow(P);
    for (;;) {
        jtok_kind k = cur(P)->kind;
        uint8_t op;
        if (k == T_MUL) op = OP_MUL;
        else if (k == T_DIV) op = OP_DIV;
        else if (k == T_FLOORDIV) op = OP_FLOORDIV;
        else if (k == T_MOD) op = OP_MOD;
        else break;
        if (!left) return NULL;
        uint32_t pos = cur(P)->pos;
        next(P);
        left = binop(P, N_BINOP, op, left, parse_pow(P), pos);
    }
    return left;
}

static jnode *parse_concat(parser *P) {
    uint32_t pos = cur(P)->pos;
    jnode *first = parse_math2(P);
    if (!first || cur(P)->kind != T_TILDE) return first;
    nodevec args = {0};
    if (!jp_vpush(P, &args, first)) return NULL;
    while (cur(P)->kind == T_TILDE) {
        next(P);
        jnode *e = parse_math2(P);
        if (!e || !jp_vpush(P, &args, e)) return NULL;
    }
    jnode *nd = jp_mk(P, N_CONCAT, pos);
    if (!nd) return NULL;
    nd->items = args.v;
    nd->n = args.n;
    return nd;
}

static jnode *parse_math1(parser *P) {
    jnode *left = parse_concat(P);
    while (left && (cur(P)->kind == T_ADD || cur(P)->kind == T_SUB)) {
        uint8_t op = cur(P)->kind == T_ADD ? OP_ADD : OP_SUB;
        uint32_t pos = cur(P)->pos;
        next(P);
        left = binop(P, N_BINOP, op, left, parse_concat(P), pos);
    }
    return left;
}

static jnode *parse_compare(parser *P) {
    uint32_t pos = cur(P)->pos;
    jnode *expr = parse_math1(P);
    if (!expr) return NULL;
    nodevec operands = {0};
    uint8_t ops[64];
    for (;;) {
        jtok_kind k = cur(P)->kind;
        int op = -1;
        if (k == T_EQ) op = CMP_EQ;
        else if (k == T_NE) op = CMP_NE;
        else if (k == T_LT) op = CMP_LT;
        else if (k == T_LTEQ) op = CMP_LE;
        else if (k == T_GT) op = CMP_GT;
        else if (k == T_GTEQ) op = CMP_GE;
        if (op >= 0) {
            next(P);
        } else if (is_name(cur(P), "in")) {
            next(P);
            op = CMP_IN;
        } else if (is_name(cur(P), "not") && is_name(peek(P, 1), "in")) {
            next(P);
            next(P);
            op = CMP_NOTIN;
        } else {
            break;
        }
        if (operands.n == 64) {
            jp_fail(P, cur(P)->pos, WICK_ERR_LIMIT, "%s", "more than 64 chained comparisons");
            return NULL;
        }
        ops[operands.n] = (uint8_t)op;
        jnode *e = parse_math1(P);
        if (!e || !jp_vpush(P, &operands, e)) return NULL;
    }
    if (!operands.n) return expr;
    jnode *nd = jp_mk(P, N_COMPARE, pos);
    if (!nd) return NULL;
    nd->a = expr;
    nd->items = operands.v;
    nd->n = operands.n;
    nd->ops = jarena_alloc(P->a, operands.n);
    if (!nd->ops) {
        jp_oom(P);
        return NULL;
    }
    memcpy(nd->ops, ops, operands.n);
    return nd;
}

static jnode *parse_not(parser *P) {
    if (is_name(cur(P), "not")) {
        uint32_t pos = cur(P)->pos;
        if (!jp_enter(P, pos)) return NULL;
        next(P);
        jnode *operand = parse_not(P);
        P->depth--;
        jnode *nd = operand ? jp_mk(P, N_NOT, pos) : NULL;
        if (!nd) return NULL;
        nd->a = operand;
        return nd;
    }
    return parse_compare(P);
}

static jnode *parse_and(parser *P) {
    jnode *left = parse_not(P);
    while (left && is_name(cur(P), "and")) {
        uint32_t pos = cur(P)->pos;
        next(P);
        left = binop(P, N_AND, 0, left, parse_not(P), pos);
    }
    return left;
}

static jnode *parse_or(parser *P) {
    jnode *left = parse_and(P);
    while (left && is_name(cur(P), "or")) {
        uint32_t pos = cur(P)->pos;
        next(P);
        left = binop(P, N_OR, 0, left, parse_and(P), pos);
    }
    return left;
}

static jnode *parse_condexpr(parser *P) {
    uint32_t pos = cur(P)->pos;
    jnode *e1 = parse_or(P);
    while (e1 && is_name(cur(P), "if")) {
        next(P);
        jnode *e2 = parse_or(P), *e3 = NULL;
        if (!e2) return NULL;
        if (skip_name(P, "else") && !(e3 = parse_condexpr(P))) return NULL;
        jnode *nd = jp_mk(P, N_CONDEXPR, pos);
        if (!nd) return NULL;
        nd->a = e2;
        nd->b = e1;
        nd->c = e3;
        e1 = nd;
    }
    return e1;
}

jnode *jp_parse_expression(parser *P, bool with_condexpr) {
    if (!jp_enter(P, cur(P)->pos)) return NULL;
    jnode *e = with_condexpr ? parse_condexpr(P) : parse_or(P);
    P->depth--;
    return e;
}

