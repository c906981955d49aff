/* AST -> text. Expressions evaluate to values (jinja_value.c); statements
 * write to the current output buffer. Scoping follows jinja2's compiled
 * code: a for loop body gets a fresh scope each iteration (assignments in
 * it are gone at the next iteration and after the loop; namespace()
 * attributes are how templates carry state out), `if` has no scope of its
 * own, macros see the scope they were defined in, and names fall back to
 * the render variables and then the globals.
 *
 * Every render is bounded: a step budget (statements, loop iterations,
 * calls), a nesting depth, an output size and the arena's byte limit, so
 * a hostile template ends with an error instead of hanging.
 *
 * (About 850 lines: expressions, statements, calls and scoping share the
 * frame, flow and folding machinery, which would otherwise have to be
 * exposed in a header.) */
#include "template/jinja.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ----------------------------------------------------------- errors */

bool jerr(jctx *c, uint32_t pos, wick_status code, const char *fmt, ...) {
    if (c->failed) return false;
    c->failed = true;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jinja_error_at(c->err, c->src->p, c->src->n, pos, code, "%s", msg);
    return false;
}

bool jerr_undef(jctx *c, uint32_t pos, const jv *v) {
    const jundef *u = v->u.undef;
    if (!u) return jerr(c, pos, WICK_ERR_TEMPLATE, "undefined value");
    return jerr(c, pos, WICK_ERR_TEMPLATE, "%s", u->msg);
}

void *jalloc(jctx *c, uint32_t pos, size_t n) {
    void *p = jarena_alloc(c->arena, n);
    if (!p) {
        if (c->arena->limit && c->arena->used + n > c->arena->limit)
            jerr(c, pos, WICK_ERR_LIMIT, "the template used more than %zu MiB of memory",
                 c->arena->limit >> 20);
        else
            jerr(c, pos, WICK_ERR_NOMEM, "out of memory");
    }
    return p;
}

bool jinja_step(jctx *c, uint32_t pos) {
    if (++c->steps > c->max_steps)
        return jerr(c, pos, WICK_ERR_LIMIT, "the template ran more than %llu steps (a runaway loop?)",
                    (unsigned long long)c->max_steps);
    return true;
}

static bool enter(jctx *c, uint32_t pos) {
    if (++c->depth > JINJA_MAX_EVAL_DEPTH)
        return jerr(c, pos, WICK_ERR_LIMIT, "the template recursed too deeply (more than %d levels)",
                    JINJA_MAX_EVAL_DEPTH);
    return true;
}

static bool emit(jctx *c, uint32_t pos, const char *s, size_t n) {
    if (!n) return true;
    if (n > c->max_output || c->out->len > c->max_output - n)
        return jerr(c, pos, WICK_ERR_LIMIT, "the output is over the limit of %zu bytes", c->max_output);
    c->written += n;
    if (c->written > (uint64_t)c->max_output * 16)
        return jerr(c, pos, WICK_ERR_LIMIT, "the template wrote more than %llu bytes in total",
                    (unsigned long long)c->max_output * 16);
    wick_buf_append(c->out, s, n);
    if (c->out->failed) return jerr(c, pos, WICK_ERR_NOMEM, "out of memory writing the output");
    return true;
}

/* ----------------------------------------------------------- frames */

static jframe *frame_new(jctx *c, uint32_t pos, jframe *parent) {
    jframe *f = jalloc(c, pos, sizeof *f);
    if (f) f->parent = parent;
    return f;
}

static bool frame_set(jctx *c, uint32_t pos, jframe *f, jstr name, const jv *v) {
    for (size_t i = 0; i < f->n; i++) {
        if (f->names[i].n == name.n && memcmp(f->names[i].p, name.p, name.n) == 0) {
            f->vals[i] = *v;
            return true;
        }
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        jstr *nn = jalloc(c, pos, cap * sizeof *nn);
        jv *nv = jalloc(c, pos, cap * sizeof *nv);
        if (!nn || !nv) return false;
        if (f->n) {
            memcpy(nn, f->names, f->n * sizeof *nn);
            memcpy(nv, f->vals, f->n * sizeof *nv);
        }
        f->names = nn;
        f->vals = nv;
        f->cap = cap;
    }
    f->names[f->n] = name;
    f->vals[f->n] = *v;
    f->n++;
    return true;
}

static const jv *frame_get(const jframe *f, jstr name) {
    for (; f; f = f->parent)
        for (size_t i = f->n; i-- > 0;)
            if (f->names[i].n == name.n && memcmp(f->names[i].p, name.p, name.n) == 0) return &f->vals[i];
    return NULL;
}

static jv lookup(jctx *c, const jframe *f, jstr name) {
    const jv *v = frame_get(f, name);
    if (v) return *v;
    if (c->vars && (v = jdict_get_str(c->vars, name.p, name.n))) return *v;
    jv g;
    if (jinja_global(c, name, &g)) return g;
    return jv_undef_name(c, name);
}

/* ------------------------------------------------------ expressions */

static bool eval(jctx *c, jframe *f, const jnode *e, jv *out);
static bool exec_body(jctx *c, jframe *f, jnode *const *items, size_t n, int *flow);

enum { FLOW_NORMAL, FLOW_BREAK, FLOW_CONTINUE };

/* Evaluates a node's arguments (items = positional, items2 = keyword). */
static bool eval_args(jctx *c, jframe *f, const jnode *e, size_t extra_kw, jargs *a) {
    memset(a, 0, sizeof *a);
    if (e->n) {
        if (!(a->pos = jalloc(c, e->pos, e->n * sizeof(jv)))) return false;
        for (size_t i = 0; i < e->n; i++)
            if (!eval(c, f, e->items[i], &a->pos[i])) return false;
        a->npos = e->n;
    }
    if (e->n2 + extra_kw) {
        a->kwvals = jalloc(c, e->pos, (e->n2 + extra_kw) * sizeof(jv));
        a->kwnames = jalloc(c, e->pos, (e->n2 + extra_kw) * sizeof(jstr));
        if (!a->kwvals || !a->kwnames) return false;
        for (size_t i = 0; i < e->n2; i++) {
            if (!eval(c, f, e->items2[i], &a->kwvals[i])) return false;
            a->kwnames[i] = e->names[i];
        }
        a->nkw = e->n2;
    }
    return true;
}

bool jargs_bind(jctx *c, uint32_t pos, const char *fname, const jargs *args, const char *const *params,
                size_t nparams, jv *slots) {
    for (size_t i = 0; i < nparams; i++) slots[i] = jv_noarg();
    if (args->npos > nparams)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "%s() takes at most %zu argument(s) (%zu given)", fname,
                    nparams, args->npos);
    for (size_t i = 0; i < args->npos; i++) slots[i] = args->pos[i];
    for (size_t k = 0; k < args->nkw; k++) {
        size_t i = 0;
        while (i < nparams && !jstr_eq(args->kwnames[k], params[i])) i++;
        if (i == nparams)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "%s() got an unexpected keyword argument '%.*s'", fname,
                        (int)(args->kwnames[k].n > 60 ? 60 : args->kwnames[k].n), args->kwnames[k].p);
        if (slots[i].kind != JV_NOARG)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "%s() got multiple values for argument '%s'", fname,
                        params[i]);
        slots[i] = args->kwvals[k];
    }
    return true;
}

/* Python's rich comparison for <, <=, >, >= (op) on orderable values. */
bool jinja_compare(jctx *c, uint32_t pos, int op, const jv *a, const jv *b, bool *res) {
    static const char *const syms[] = {"==", "!=", "<", "<=", ">", ">="};
    if (a->kind == JV_UNDEF) return jerr_undef(c, pos, a);
    if (b->kind == JV_UNDEF) return jerr_undef(c, pos, b);
    if (jv_is_num(a) && jv_is_num(b)) {
        double x = a->kind == JV_FLOAT ? a->u.f : a->kind == JV_INT ? (double)a->u.i : a->u.b;
        double y = b->kind == JV_FLOAT ? b->u.f : b->kind == JV_INT ? (double)b->u.i : b->u.b;
        if (a->kind != JV_FLOAT && b->kind != JV_FLOAT) {
            int64_t xi = a->kind == JV_INT ? a->u.i : a->u.b, yi = b->kind == JV_INT ? b->u.i : b->u.b;
            *res = op == CMP_LT ? xi < yi : op == CMP_LE ? xi <= yi : op == CMP_GT ? xi > yi : xi >= yi;
            return true;
        }
        *res = op == CMP_LT ? x < y : op == CMP_LE ? x <= y : op == CMP_GT ? x > y : x >= y;
        return true;
    }
    int cmp = 0;
    if (a->kind == JV_STR && b->kind == JV_STR) {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        cmp = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
        if (!cmp) cmp = a->u.s.n < b->u.s.n ? -1 : a->u.s.n > b->u.s.n;
    } else if (a->kind == b->kind && (a->kind == JV_LIST || a->kind == JV_TUPLE)) {
        const jlist *x = a->u.list, *y = b->u.list;
        for (size_t i = 0; i < x->n && i < y->n; i++)
            if (!jv_eq(&x->items[i], &y->items[i]))
                return jinja_compare(c, pos, op, &x->items[i], &y->items[i], res);
        cmp = x->n < y->n ? -1 : x->n > y->n;
    } else {
        return jerr(c, pos, WICK_ERR_TEMPLATE, "'%s' not supported between instances of '%s' and '%s'",
                    syms[op], jv_type_name(a), jv_type_name(b));
    }
    *res = op == CMP_LT ? cmp < 0 : op == CMP_LE ? cmp <= 0 : op == CMP_GT ? cmp > 0 : cmp >= 0;
    return true;
}

static bool eval_compare(jctx *c, jframe *f, const jnode *e, jv *out) {
    jv left;
    if (!eval(c, f, e->a, &left)) return false;
    for (size_t i = 0; i < e->n; i++) {
        jv right;
        if (!eval(c, f, e->items[i], &right)) return false;
        bool r;
        int op = e->ops[i];
        uint32_t pos = e->items[i]->pos;
        switch (op) {
        case CMP_EQ:
        case CMP_NE:
            if (jv_is_seq(&left) && jv_is_seq(&right)) { /* O(n) compares, charged to the budget */
                c->steps += (left.u.list->n < right.u.list->n ? left.u.list->n : right.u.list->n) / 16;
                if (!jinja_step(c, pos)) return false;
            }
            r = jv_eq(&left, &right) == (op == CMP_EQ);
            break;
        case CMP_IN:
        case CMP_NOTIN:
            if (!jv_contains(c, pos, &right, &left, &r)) return false;
            if (op == CMP_NOTIN) r = !r;
            break;
        default:
            if (!jinja_compare(c, pos, op, &left, &right, &r)) return false;
        }
        if (!r) {
            *out = jv_bool(false);
            return true;
        }
        left = right;
    }
    *out = jv_bool(true);
    return true;
}

static bool eval_concat(jctx *c, jframe *f, const jnode *e, jv *out) {
    wick_buf b = {0};
    for (size_t i = 0; i < e->n; i++) {
        jv v;
        if (!eval(c, f, e->items[i], &v)) {
            wick_buf_free(&b);
            return false;
        }
        jv_write_str(c, &b, &v);
        if (b.len > c->max_output) {
            wick_buf_free(&b);
            return jerr(c, e->pos, WICK_ERR_LIMIT, "string is over the output limit");
        }
    }
    bool ok;
    *out = jv_str_from_buf(c, e->pos, &b, &ok);
    return ok;
}

static bool eval_unary(jctx *c, jframe *f, const jnode *e, jv *out) {
    jv v;
    if (!eval(c, f, e->a, &v)) return false;
    if (v.kind == JV_UNDEF) return jerr_undef(c, e->pos, &v);
    bool neg = e->kind == N_NEG;
    if (v.kind == JV_INT || v.kind == JV_BOOL) {
        int64_t i = v.kind == JV_INT ? v.u.i : v.u.b;
        if (neg && i == INT64_MIN) return jerr(c, e->pos, WICK_ERR_UNSUPPORTED, "integer result does not fit 64 bits");
        *out = jv_int(neg ? -i : i);
        return true;
    }
    if (v.kind == JV_FLOAT) {
        *out = jv_float(neg ? -v.u.f : v.u.f);
        return true;
    }
    return jerr(c, e->pos, WICK_ERR_TEMPLATE, "bad operand type for unary %c: '%s'", neg ? '-' : '+',
                jv_type_name(&v));
}

static bool eval_filter(jctx *c, jframe *f, const jnode *e, const jv *input, jv *out) {
    jv operand;
    if (!e->a) operand = *input;                  /* filter block / set block: the body */
    else if (input && e->a->kind == N_FILTER) {   /* the rest of such a chain */
        if (!eval_filter(c, f, e->a, input, &operand)) return false;
    } else if (!eval(c, f, e->a, &operand)) {
        return false;
    }
    jargs args;
    if (!eval_args(c, f, e, 0, &args)) return false;
    if (e->id < 0)
        return jerr(c, e->pos, WICK_ERR_TEMPLATE, "No filter named '%.*s' found.", (int)(e->str.n > 60 ? 60 : e->str.n),
                    e->str.p);
    return jinja_call_filter(c, e->pos, e->id, &operand, &args, out);
}

/* jinja2's optimizer: a constant subexpression (NF_CONST: no names, no
 * calls, no context filters) is evaluated at compile time, where subscripts
 * go through the sandbox's getitem (so `1.0[1:]` is undefined rather than
 * a TypeError), and replaces the expression when the value has a "safe
 * repr" (None, bool, numbers, str, and containers of those). For a direct
 * {{ }} child any value is kept. A failure means "not foldable": the
 * expression is evaluated normally at render time. */
static bool safe_repr(const jv *v, int depth) {
    if (depth > 64) return false;
    switch (v->kind) {
    case JV_NONE:
    case JV_BOOL:
    case JV_INT:
    case JV_FLOAT:
    case JV_STR:
    case JV_RANGE: return true;
    case JV_LIST:
    case JV_TUPLE:
        for (size_t i = 0; i < v->u.list->n; i++)
            if (!safe_repr(&v->u.list->items[i], depth + 1)) return false;
        return true;
    case JV_DICT:
        for (size_t i = 0; i < v->u.dict->n; i++)
            if (!safe_repr(&v->u.dict->keys[i], depth + 1) || !safe_repr(&v->u.dict->vals[i], depth + 1)) return false;
        return true;
    default: return false;
    }
}

static bool eval_node(jctx *c, jframe *f, const jnode *e, jv *out);

static bool fold(jctx *c, jframe *f, const jnode *e, bool any_value, jv *out) {
    if (c->failed) return false;
    c->const_mode = true;
    bool ok = eval_node(c, f, e, out);
    c->const_mode = false;
    if (ok && (any_value || safe_repr(out, 0))) return true;
    if (!ok && c->err->code == WICK_ERR_NOMEM) return false;
    c->failed = false; /* not foldable: the runtime evaluation decides */
    return false;
}

static bool eval(jctx *c, jframe *f, const jnode *e, jv *out) {
    if ((e->flags & NF_CONST) && !c->const_mode && fold(c, f, e, false, out)) return true;
    if (c->failed) return false;
    return eval_node(c, f, e, out);
}

static bool eval_node(jctx *c, jframe *f, const jnode *e, jv *out) {
    if (!enter(c, e->pos)) return false;
    bool ok = true;
    switch (e->kind) {
    case N_CONST: *out = e->value; break;
    case N_NAME:
        if (c->const_mode) ok = jerr(c, e->pos, WICK_ERR_TEMPLATE, "not a constant"); /* fold gives up */
        else *out = lookup(c, f, e->str);
        break;
    case N_LIST:
    case N_TUPLE: {
        jlist *l = jlist_new(c, e->pos, e->n);
        if (!l) {
            ok = false;
            break;
        }
        for (size_t i = 0; i < e->n && ok; i++) ok = eval(c, f, e->items[i], &l->items[i]);
        *out = jv_list_of(e->kind == N_LIST ? JV_LIST : JV_TUPLE, l);
        break;
    }
    case N_DICT: {
        jdict *d = jdict_new(c, e->pos, e->n);
        if (!d) {
            ok = false;
            break;
        }
        for (size_t i = 0; i < e->n && ok; i++) {
            jv k, v;
            ok = eval(c, f, e->items[i], &k) && eval(c, f, e->items2[i], &v) &&
                 jdict_set(c, e->items[i]->pos, d, &k, &v);
        }
        out->kind = JV_DICT;
        out->u.dict = d;
        break;
    }
    case N_GETATTR: {
        jv obj;
        ok = eval(c, f, e->a, &obj) && jv_getattr(c, e->pos, &obj, e->str, out);
        break;
    }
    case N_GETITEM: {
        jv obj;
        if (!(ok = eval(c, f, e->a, &obj))) break;
        if (e->b->kind == N_SLICE) {
            const jnode *s = e->b;
            jv parts[3];
            for (int i = 0; i < 3 && ok; i++) {
                const jnode *p = i == 0 ? s->a : i == 1 ? s->b : s->c;
                parts[i] = jv_none();
                if (p) ok = eval(c, f, p, &parts[i]);
            }
            if (ok && c->const_mode && obj.kind != JV_STR && obj.kind != JV_UNDEF && !jv_is_seq(&obj)) {
                /* jinja2 folds a constant {{ }} expression at compile time, where
                 * slicing goes through the sandbox's getitem: a TypeError
                 * becomes undefined instead of an error */
                jv k = jv_str("slice", 5);
                *out = jv_undef_item(c, &obj, &k);
                break;
            }
            ok = ok && jv_slice(c, e->pos, &obj, &parts[0], &parts[1], &parts[2], out);
        } else {
            jv key;
            ok = eval(c, f, e->b, &key) && jv_getitem(c, e->pos, &obj, &key, out);
        }
        break;
    }
    case N_SLICE: ok = jerr(c, e->pos, WICK_ERR_UNSUPPORTED, "slices inside tuples are not supported"); break;
    case N_CALL: {
        jv callee;
        jargs args;
        if (c->const_mode) {
            ok = jerr(c, e->pos, WICK_ERR_TEMPLATE, "not a constant");
            break;
        }
        ok = eval(c, f, e->a, &callee) && eval_args(c, f, e, 0, &args) &&
             jinja_call(c, e->pos, &callee, &args, out);
        break;
    }
    case N_FILTER: ok = eval_filter(c, f, e, NULL, out); break;
    case N_TEST: {
        jv v;
        jargs args;
        bool r = false;
        ok = eval(c, f, e->a, &v) && eval_args(c, f, e, 0, &args);
        if (ok && e->id < 0)
            ok = jerr(c, e->pos, WICK_ERR_TEMPLATE, "No test named '%.*s' found.", (int)(e->str.n > 60 ? 60 : e->str.n),
                      e->str.p);
        ok = ok && jinja_call_test(c, e->pos, e->id, &v, &args, &r);
        *out = jv_bool(r);
        break;
    }
    case N_NOT: {
        jv v;
        if ((ok = eval(c, f, e->a, &v))) *out = jv_bool(!jv_truthy(&v));
        break;
    }
    case N_NEG:
    case N_POS: ok = eval_unary(c, f, e, out); break;
    case N_BINOP: {
        jv a, b;
        ok = eval(c, f, e->a, &a) && eval(c, f, e->b, &b) && jv_binop(c, e->pos, (jbinop)e->op, &a, &b, out);
        break;
    }
    case N_AND:
    case N_OR: {
        if (!(ok = eval(c, f, e->a, out))) break;
        bool t = jv_truthy(out);
        if ((e->kind == N_AND) == t) ok = eval(c, f, e->b, out);
        break;
    }
    case N_CONCAT: ok = eval_concat(c, f, e, out); break;
    case N_COMPARE: ok = eval_compare(c, f, e, out); break;
    case N_CONDEXPR: {
        jv t;
        if (!(ok = eval(c, f, e->a, &t))) break;
        if (jv_truthy(&t)) ok = eval(c, f, e->b, out);
        else if (e->c) ok = eval(c, f, e->c, out);
        else if (c->const_mode) ok = jerr(c, e->pos, WICK_ERR_TEMPLATE, "not a constant"); /* jinja2: Impossible */
        else *out = jv_undef_hint(c, "the inline if-expression evaluated to false and no else section was defined.", false);
        break;
    }
    default: ok = jerr(c, e->pos, WICK_ERR_TEMPLATE, "this expression cannot be evaluated here"); break;
    }
    c->depth--;
    return ok && !c->failed;
}

/* ------------------------------------------------------------ calls */

static bool capture(jctx *c, jframe *f, uint32_t pos, jnode *const *items, size_t n, jv *out) {
    wick_buf buf = {0}, *saved = c->out;
    c->out = &buf;
    int flow = FLOW_NORMAL;
    bool ok = exec_body(c, f, items, n, &flow);
    c->out = saved;
    if (!ok) {
        wick_buf_free(&buf);
        return false;
    }
    *out = jv_str_from_buf(c, pos, &buf, &ok);
    return ok;
}

/* Kept out of call_macro so its buffer is not on the stack of every
 * (possibly recursive) macro call. */
static __attribute__((noinline)) jv undef_param(jctx *c, jstr name) {
    char hint[128];
    snprintf(hint, sizeof hint, "parameter '%.*s' was not provided", (int)(name.n > 60 ? 60 : name.n), name.p);
    return jv_undef_hint(c, hint, false);
}

static bool call_macro(jctx *c, uint32_t pos, const jmacro *m, const jargs *args, jv *out) {
    const jnode *def = m->def;
    size_t np = def->nnames;
    int name_len = (int)(m->name.n > 60 ? 60 : m->name.n);
    jframe *fr = frame_new(c, pos, m->closure);
    if (!fr) return false;
    jv *slots = np ? jalloc(c, pos, np * sizeof(jv)) : NULL;
    if (np && !slots) return false;
    for (size_t i = 0; i < np; i++) slots[i] = jv_noarg();
    size_t nvar = args->npos > np ? args->npos - np : 0;
    /* as jinja2's Macro.__call__: positionals first, then keywords for
     * the remaining parameters; leftover keywords are an error (checked
     * before too many positionals) unless the body uses kwargs */
    size_t npos = args->npos < np ? args->npos : np;
    for (size_t i = 0; i < npos; i++) slots[i] = args->pos[i];
    bool *used = args->nkw ? jalloc(c, pos, args->nkw * sizeof *used) : NULL;
    if (args->nkw && !used) return false;
    for (size_t i = npos; i < np; i++) {
        for (size_t k = 0; k < args->nkw; k++) {
            jstr kn = args->kwnames[k];
            if (!used[k] && def->names[i].n == kn.n && memcmp(def->names[i].p, kn.p, kn.n) == 0) {
                slots[i] = args->kwvals[k];
                used[k] = true;
                break;
            }
        }
    }
    jdict *kw = NULL;
    jv caller = jv_noarg();
    for (size_t k = 0; k < args->nkw; k++) {
        jstr kn = args->kwnames[k];
        if (used[k]) continue;
        if (jstr_eq(kn, "caller") && (def->flags & NF_USES_CALLER) && caller.kind == JV_NOARG) {
            caller = args->kwvals[k];
        } else if (def->flags & NF_USES_KWARGS) {
            if (!kw && !(kw = jdict_new(c, pos, 4))) return false;
            jv key = jv_str(kn.p, kn.n);
            if (!jdict_set(c, pos, kw, &key, &args->kwvals[k])) return false;
        } else {
            return jerr(c, pos, WICK_ERR_TEMPLATE, "macro '%.*s' takes no keyword argument '%.*s'", name_len,
                        m->name.p, (int)(kn.n > 60 ? 60 : kn.n), kn.p);
        }
    }
    if (nvar && !(def->flags & NF_USES_VARARGS))
        return jerr(c, pos, WICK_ERR_TEMPLATE, "macro '%.*s' takes not more than %zu argument(s)", name_len,
                    m->name.p, np);
    for (size_t i = 0; i < np; i++) {
        jv v = slots[i];
        if (v.kind == JV_NOARG) {
            if (def->items2 && def->items2[i]) {
                if (!eval(c, fr, def->items2[i], &v)) return false;
            } else {
                v = undef_param(c, def->names[i]);
            }
        }
        if (!frame_set(c, pos, fr, def->names[i], &v)) return false;
    }
    if (def->flags & NF_USES_VARARGS) {
        jlist *l = jlist_new(c, pos, nvar);
        if (!l) return false;
        for (size_t i = 0; i < nvar; i++) l->items[i] = args->pos[np + i];
        jv t = jv_list_of(JV_TUPLE, l);
        jstr name = {"varargs", 7};
        if (!frame_set(c, pos, fr, name, &t)) return false;
    }
    if (def->flags & NF_USES_KWARGS) {
        if (!kw && !(kw = jdict_new(c, pos, 0))) return false;
        jv d;
        d.kind = JV_DICT;
        d.u.dict = kw;
        jstr name = {"kwargs", 6};
        if (!frame_set(c, pos, fr, name, &d)) return false;
    }
    if (def->flags & NF_USES_CALLER) {
        if (caller.kind == JV_NOARG) caller = jv_undef_hint(c, "No caller defined", false);
        jstr name = {"caller", 6};
        if (!frame_set(c, pos, fr, name, &caller)) return false;
    }
    if (!jinja_step(c, pos) || !enter(c, pos)) return false;
    bool ok = capture(c, fr, pos, def->items, def->n, out);
    c->depth--;
    return ok;
}

static bool run_for(jctx *c, jframe *f, const jnode *s, const jv *iterable, int depth0);

bool jinja_call(jctx *c, uint32_t pos, const jv *callee, const jargs *args, jv *out) {
    switch (callee->kind) {
    case JV_UNDEF: return jerr_undef(c, pos, callee);
    case JV_MACRO: return call_macro(c, pos, callee->u.macro, args, out);
    case JV_BUILTIN: return jinja_call_builtin(c, pos, callee->u.builtin, args, out);
    case JV_METHOD: return jinja_call_method(c, pos, callee->u.method, args, out);
    case JV_JOINER: {
        jjoiner *j = callee->u.joiner;
        *out = j->used ? jv_str(j->sep.p, j->sep.n) : jv_str("", 0);
        j->used = true;
        return true;
    }
    case JV_LOOP: {
        jloop *l = callee->u.loop;
        if (!l->node || !(l->node->flags & NF_RECURSIVE))
            return jerr(c, pos, WICK_ERR_TEMPLATE,
                        "Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.");
        if (args->npos != 1 || args->nkw)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "loop() takes exactly one argument");
        wick_buf buf = {0}, *saved = c->out;
        c->out = &buf;
        bool ok = enter(c, pos) && run_for(c, l->frame, l->node, &args->pos[0], l->depth0 + 1);
        c->depth--;
        c->out = saved;
        if (!ok) {
            wick_buf_free(&buf);
            return false;
        }
        *out = jv_str_from_buf(c, pos, &buf, &ok);
        return ok;
    }
    default:
        return jerr(c, pos, WICK_ERR_TEMPLATE, "'%s' object is not callable", jv_type_name(callee));
    }
}

/* ------------------------------------------------------- statements */

static bool assign(jctx *c, jframe *f, const jnode *target, const jv *v) {
    if (target->kind == N_NAME) return frame_set(c, target->pos, f, target->str, v);
    if (target->kind == N_NSREF) {
        jv ns = lookup(c, f, target->str);
        if (ns.kind != JV_NS)
            return jerr(c, target->pos, WICK_ERR_TEMPLATE, "cannot assign attribute on non-namespace object");
        jv key = jv_str(target->str2.p, target->str2.n);
        return jinja_ns_key_ok(c, target->pos, target->str2) && jdict_set(c, target->pos, ns.u.dict, &key, v);
    }
    /* tuple unpacking */
    if (v->kind == JV_UNDEF) return jerr_undef(c, target->pos, v);
    bool iterable = v->kind == JV_STR || v->kind == JV_DICT || jv_is_seq(v);
    if (!iterable)
        return jerr(c, target->pos, WICK_ERR_TEMPLATE, "cannot unpack non-iterable %s object", jv_type_name(v));
    jlist items;
    if (!jv_iterate(c, target->pos, v, &items)) return false;
    if (items.n < target->n)
        return jerr(c, target->pos, WICK_ERR_TEMPLATE, "not enough values to unpack (expected %zu, got %zu)",
                    target->n, items.n);
    if (items.n > target->n)
        return jerr(c, target->pos, WICK_ERR_TEMPLATE, "too many values to unpack (expected %zu)", target->n);
    for (size_t i = 0; i < target->n; i++)
        if (!assign(c, f, target->items[i], &items.items[i])) return false;
    return true;
}

static bool run_for(jctx *c, jframe *f, const jnode *s, const jv *iterable, int depth0) {
    jlist items;
    if (!jv_iterate(c, s->b->pos, iterable, &items)) return false;
    jframe *fr = frame_new(c, s->pos, f);
    if (!fr) return false;
    if (s->c) { /* `for x in y if cond`: the loop sees only the items that pass */
        jlist kept = {0};
        if (items.n && !(kept.items = jalloc(c, s->pos, items.n * sizeof(jv)))) return false;
        for (size_t i = 0; i < items.n; i++) {
            fr->n = 0;
            jv t;
            if (!jinja_step(c, s->pos) || !assign(c, fr, s->a, &items.items[i]) || !eval(c, fr, s->c, &t))
                return false;
            if (jv_truthy(&t)) kept.items[kept.n++] = items.items[i];
        }
        items = kept;
    }
    jloop *loop = jalloc(c, s->pos, sizeof *loop);
    if (!loop) return false;
    loop->items = items;
    loop->depth0 = depth0;
    loop->node = s;
    loop->frame = f;
    jv lv;
    lv.kind = JV_LOOP;
    lv.u.loop = loop;
    jstr loop_name = {"loop", 4};
    for (size_t i = 0; i < items.n; i++) {
        if (!jinja_step(c, s->pos)) return false;
        loop->index0 = i;
        fr->n = 0; /* a fresh scope per iteration, as jinja2's compiled loops have */
        if (!frame_set(c, s->pos, fr, loop_name, &lv) || !assign(c, fr, s->a, &items.items[i])) return false;
        int flow = FLOW_NORMAL;
        if (!exec_body(c, fr, s->items, s->n, &flow)) return false;
        if (flow == FLOW_BREAK) break;
    }
    if (items.n == 0 && s->n2) {
        int flow = FLOW_NORMAL;
        fr->n = 0;
        if (!exec_body(c, fr, s->items2, s->n2, &flow)) return false;
    }
    return true;
}

static bool apply_block_filter(jctx *c, jframe *f, const jnode *filter, jv *v) {
    if (!filter) return true;
    jv out;
    if (!eval_filter(c, f, filter, v, &out)) return false;
    *v = out;
    return true;
}

static bool exec(jctx *c, jframe *f, const jnode *s, int *flow) {
    if (!jinja_step(c, s->pos)) return false;
    switch (s->kind) {
    case N_DATA: return emit(c, s->pos, s->str.p, s->str.n);
    case N_OUTPUT: {
        jv v;
        bool ok = false;
        if ((s->a->flags & NF_CONST) && (ok = fold(c, f, s->a, true, &v))) {
            /* jinja2 printed the folded constant, whatever it is */
        } else if (!eval(c, f, s->a, &v)) {
            return false;
        }
        if (v.kind == JV_STR) return emit(c, s->pos, v.u.s.p, v.u.s.n);
        jstr str;
        return jv_to_str(c, s->pos, &v, &str) && emit(c, s->pos, str.p, str.n);
    }
    case N_IF: {
        jv t;
        if (!eval(c, f, s->a, &t)) return false;
        if (jv_truthy(&t)) return exec_body(c, f, s->items, s->n, flow);
        return exec_body(c, f, s->items2, s->n2, flow);
    }
    case N_FOR: {
        jv it;
        return eval(c, f, s->b, &it) && run_for(c, f, s, &it, 0);
    }
    case N_SET: {
        jv v;
        return eval(c, f, s->b, &v) && assign(c, f, s->a, &v);
    }
    case N_SET_BLOCK: {
        jv v;
        return capture(c, f, s->pos, s->items, s->n, &v) && apply_block_filter(c, f, s->b, &v) &&
               assign(c, f, s->a, &v);
    }
    case N_FILTER_BLOCK: {
        jv v;
        jstr str;
        return capture(c, f, s->pos, s->items, s->n, &v) && apply_block_filter(c, f, s->b, &v) &&
               jv_to_str(c, s->pos, &v, &str) && emit(c, s->pos, str.p, str.n);
    }
    case N_MACRO:
    case N_CALL_BLOCK: {
        jmacro *m = jalloc(c, s->pos, sizeof *m);
        if (!m) return false;
        m->def = s;
        m->closure = f;
        m->name = s->str;
        jv mv;
        mv.kind = JV_MACRO;
        mv.u.macro = m;
        if (s->kind == N_MACRO) return frame_set(c, s->pos, f, s->str, &mv);
        const jnode *call = s->a;
        jv callee, res;
        jargs args;
        if (!eval(c, f, call->a, &callee) || !eval_args(c, f, call, 1, &args)) return false;
        args.kwnames[args.nkw] = s->str; /* caller= */
        args.kwvals[args.nkw++] = mv;
        jstr str;
        return jinja_call(c, call->pos, &callee, &args, &res) && jv_to_str(c, s->pos, &res, &str) &&
               emit(c, s->pos, str.p, str.n);
    }
    case N_WITH: {
        jframe *fr = frame_new(c, s->pos, f);
        if (!fr) return false;
        for (size_t i = 0; i < s->n2; i++) {
            jv v;
            if (!eval(c, f, s->items2[i], &v) || !frame_set(c, s->pos, fr, s->names[i], &v)) return false;
        }
        return exec_body(c, fr, s->items, s->n, flow);
    }
    case N_SCOPE: return exec_body(c, f, s->items, s->n, flow);
    case N_BREAK: *flow = FLOW_BREAK; return true;
    case N_CONTINUE: *flow = FLOW_CONTINUE; return true;
    default: return jerr(c, s->pos, WICK_ERR_TEMPLATE, "unexpected statement");
    }
}

static bool exec_body(jctx *c, jframe *f, jnode *const *items, size_t n, int *flow) {
    if (!enter(c, n ? items[0]->pos : 0)) return false;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        ok = exec(c, f, items[i], flow);
        if (*flow != FLOW_NORMAL) break;
    }
    c->depth--;
    return ok && !c->failed;
}

/* ----------------------------------------------------------- render */

wick_status jinja_render(const char *source, size_t len, const json_value *vars, const jinja_options *opt,
                         char **out, size_t *out_len, wick_error *err) {
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!source || !out) return wick_error_set(err, WICK_ERR_INVALID_ARG, "chat template: no source or output");
    if (vars && vars->type != JSON_OBJECT)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "chat template variables must be a JSON object");
    jinja_options defaults = {0};
    if (!opt) opt = &defaults;
    jarena arena = {NULL, 0, opt->max_memory ? opt->max_memory : JINJA_MAX_MEMORY};
    jsource src = {"", 0};
    jtok *toks = NULL;
    size_t ntoks = 0;
    jnode *root = NULL;
    wick_status st = jinja_lex(&arena, source, len, &src, &toks, &ntoks, err);
    if (!st) st = jinja_parse(&arena, &src, toks, ntoks, &root, err);
    if (st) {
        jarena_free(&arena);
        return st;
    }
    wick_error local_err;
    wick_buf buf = {0};
    jctx c;
    memset(&c, 0, sizeof c);
    c.arena = &arena;
    c.src = &src;
    c.err = err ? err : &local_err;
    c.out = &buf;
    c.max_output = opt->max_output ? opt->max_output : JINJA_MAX_OUTPUT;
    c.max_steps = opt->max_steps ? opt->max_steps : JINJA_MAX_STEPS;
    c.hf_globals = opt->hf_globals;
    c.now = opt->now ? opt->now : (int64_t)time(NULL);
    bool ok = true;
    if (vars) {
        jv v = jv_from_json(&c, vars, &ok);
        if (ok && v.kind == JV_DICT) c.vars = v.u.dict;
    }
    jframe *top = ok ? frame_new(&c, 0, NULL) : NULL;
    int flow = FLOW_NORMAL;
    ok = top && exec_body(&c, top, root->items, root->n, &flow) && !c.failed;
    if (ok && buf.failed) ok = jerr(&c, 0, WICK_ERR_NOMEM, "out of memory writing the output");
    jarena_free(&arena);
    if (!ok) {
        wick_buf_free(&buf);
        return c.err->code ? c.err->code : WICK_ERR_TEMPLATE;
    }
    size_t n = buf.len;
    char *s = wick_buf_take(&buf, &n);
    if (!s) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory writing the output");
    *out = s;
    if (out_len) *out_len = n;
    return WICK_OK;
}
