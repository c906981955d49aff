/* The parser's shared state and helpers, private to jinja_parser.c
 * (statements) and jinja_parse_expr.c (expressions). */
#ifndef WICK_TEMPLATE_JINJA_PARSE_H
#define WICK_TEMPLATE_JINJA_PARSE_H

#include "template/jinja.h"

#define MAX_MACRO_NEST 32

typedef struct parser {
    jarena *a;
    const jsource *src;
    const jtok *t;
    size_t n, i;
    wick_error *err;
    bool failed;
    wick_status status;
    int depth;
    int loop_depth;              /* for break/continue */
    jnode *macros[MAX_MACRO_NEST]; /* enclosing macros, for caller/varargs/kwargs */
    int nmacros;
    const char *open_tag;        /* innermost block being parsed, for messages */
} parser;

typedef struct nodevec {
    jnode **v;
    size_t n, cap;
} nodevec;

bool jp_fail(parser *P, uint32_t pos, wick_status code, const char *fmt, ...) WICK_PRINTF(4, 5);
bool jp_oom(parser *P);
bool jp_expect(parser *P, jtok_kind k);
bool jp_expect_name(parser *P, const char *name);
jnode *jp_mk(parser *P, jnode_kind kind, uint32_t pos);
bool jp_vpush(parser *P, nodevec *v, jnode *nd);
bool jp_enter(parser *P, uint32_t pos); /* nesting depth guard */
void jp_describe(const jtok *t, char *buf, size_t cap);

static inline const jtok *cur(const parser *P) { return &P->t[P->i]; }
static inline const jtok *peek(const parser *P, size_t k) {
    return P->i + k < P->n ? &P->t[P->i + k] : &P->t[P->n - 1];
}
static inline void next(parser *P) {
    if (P->i + 1 < P->n) P->i++;
}
static inline bool is_name(const jtok *t, const char *name) { return t->kind == T_NAME && jstr_eq(t->s, name); }
static inline bool skip_name(parser *P, const char *name) {
    if (!is_name(cur(P), name)) return false;
    next(P);
    return true;
}
static inline bool skip_kind(parser *P, jtok_kind k) {
    if (cur(P)->kind != k) return false;
    next(P);
    return true;
}

/* jinja2's parse_expression / parse_tuple / parse_primary / parse_filter. */
jnode *jp_parse_expression(parser *P, bool with_condexpr);
jnode *jp_parse_tuple(parser *P, bool simplified, bool with_condexpr, const char *const *extra_end,
                      bool explicit_parens, bool with_namespace);
jnode *jp_parse_primary(parser *P, bool with_namespace);
jnode *jp_parse_filter(parser *P, jnode *node, bool start_inline);

#endif
