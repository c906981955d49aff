/* jinja2's tests (`x is defined`, `is string`, `is divisibleby 3` ...),
 * also used by select/reject. */
#include "template/jinja_filters.h"

#include <string.h>

static bool t_one_arg(jctx *c, uint32_t pos, const jargs *a, const char *name, jv *arg) {
    if (a->nkw || a->npos != 1)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "test '%s' takes exactly one argument", name);
    *arg = a->pos[0];
    return true;
}

static bool no_args(jctx *c, uint32_t pos, const jargs *a, const char *name) {
    if (!a->npos && !a->nkw) return true;
    return jerr(c, pos, WICK_ERR_TEMPLATE, "test_%s() takes 1 positional argument but %zu were given", name,
                1 + a->npos + a->nkw);
}

#define SIMPLE_TEST(fname, expr)                                                   \
    static bool fname(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) { \
        if (!no_args(c, pos, a, &#fname[2])) return false;                         \
        *r = (expr);                                                               \
        return true;                                                               \
    }

SIMPLE_TEST(t_defined, v->kind != JV_UNDEF)
SIMPLE_TEST(t_undefined, v->kind == JV_UNDEF)
SIMPLE_TEST(t_none, v->kind == JV_NONE)
SIMPLE_TEST(t_boolean, v->kind == JV_BOOL)
SIMPLE_TEST(t_false, v->kind == JV_BOOL && !v->u.b)
SIMPLE_TEST(t_true, v->kind == JV_BOOL && v->u.b)
SIMPLE_TEST(t_integer, v->kind == JV_INT)
SIMPLE_TEST(t_float, v->kind == JV_FLOAT)
SIMPLE_TEST(t_string, v->kind == JV_STR)
SIMPLE_TEST(t_mapping, v->kind == JV_DICT)
SIMPLE_TEST(t_number, jv_is_num(v))
SIMPLE_TEST(t_sequence, v->kind == JV_STR || v->kind == JV_LIST || v->kind == JV_TUPLE || v->kind == JV_RANGE ||
                            v->kind == JV_DICT || v->kind == JV_UNDEF)
SIMPLE_TEST(t_iterable, v->kind == JV_STR || v->kind == JV_DICT || v->kind == JV_UNDEF || v->kind == JV_LOOP ||
                            jv_is_seq(v))
SIMPLE_TEST(t_callable, v->kind == JV_MACRO || v->kind == JV_BUILTIN || v->kind == JV_METHOD ||
                            v->kind == JV_LOOP || v->kind == JV_JOINER || v->kind == JV_UNDEF)
SIMPLE_TEST(t_escaped, v->kind == JV_NOARG) /* no Markup values: never escaped */

static bool t_mod(jctx *c, uint32_t pos, const jv *v, const jv *d, int64_t want, bool *r) {
    jv m, w = jv_int(want);
    if (!jv_binop(c, pos, OP_MOD, v, d, &m)) return false;
    *r = jv_eq(&m, &w);
    return true;
}

static bool t_odd(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    if (!no_args(c, pos, a, "odd")) return false;
    jv two = jv_int(2);
    return t_mod(c, pos, v, &two, 1, r);
}
static bool t_even(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    if (!no_args(c, pos, a, "even")) return false;
    jv two = jv_int(2);
    return t_mod(c, pos, v, &two, 0, r);
}
static bool t_divisibleby(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    jv num;
    return t_one_arg(c, pos, a, "divisibleby", &num) && t_mod(c, pos, v, &num, 0, r);
}

static bool str_test(jctx *c, uint32_t pos, const jv *v, const char *what, bool *r) {
    jstr s;
    if (!jv_to_str(c, pos, v, &s)) return false;
    *r = pystr_is(s.p, s.n, what);
    return true;
}
static bool t_lower(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    if (!no_args(c, pos, a, "lower")) return false;
    return str_test(c, pos, v, "islower", r);
}
static bool t_upper(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    if (!no_args(c, pos, a, "upper")) return false;
    return str_test(c, pos, v, "isupper", r);
}

static bool t_filter(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    if (!no_args(c, pos, a, "filter")) return false;
    *r = v->kind == JV_STR && jinja_filter_id(v->u.s) >= 0;
    return true;
}
static bool t_test(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    if (!no_args(c, pos, a, "test")) return false;
    *r = v->kind == JV_STR && jinja_test_id(v->u.s) >= 0;
    return true;
}

static bool t_sameas(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    jv o;
    if (!t_one_arg(c, pos, a, "sameas", &o)) return false;
    if (v->kind != o.kind) *r = false;
    else if (v->kind == JV_NONE || v->kind == JV_BOOL) *r = jv_eq(v, &o);
    else if (v->kind == JV_INT) *r = v->u.i == o.u.i && v->u.i >= -5 && v->u.i <= 256; /* CPython's small ints */
    else if (v->kind == JV_STR) *r = v->u.s.p == o.u.s.p && v->u.s.n == o.u.s.n;
    else if (v->kind == JV_FLOAT) *r = false;
    else *r = v->u.list == o.u.list;
    return true;
}

static bool t_in(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) {
    jv seq;
    return t_one_arg(c, pos, a, "in", &seq) && jv_contains(c, pos, &seq, v, r);
}

static bool cmp_test(jctx *c, uint32_t pos, const jv *v, const jargs *a, int op, bool *r) {
    jv o;
    if (!t_one_arg(c, pos, a, "comparison", &o)) return false;
    if (op == CMP_EQ || op == CMP_NE) {
        *r = jv_eq(v, &o) == (op == CMP_EQ);
        return true;
    }
    return jinja_compare(c, pos, op, v, &o, r);
}

static bool t_eq(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) { return cmp_test(c, pos, v, a, CMP_EQ, r); }
static bool t_ne(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) { return cmp_test(c, pos, v, a, CMP_NE, r); }
static bool t_lt(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) { return cmp_test(c, pos, v, a, CMP_LT, r); }
static bool t_le(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) { return cmp_test(c, pos, v, a, CMP_LE, r); }
static bool t_gt(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) { return cmp_test(c, pos, v, a, CMP_GT, r); }
static bool t_ge(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *r) { return cmp_test(c, pos, v, a, CMP_GE, r); }

typedef struct test_def {
    const char *name;
    test_fn fn;
} test_def;

static const test_def TESTS[] = {
    {"odd", t_odd},         {"even", t_even},       {"divisibleby", t_divisibleby},
    {"defined", t_defined}, {"undefined", t_undefined}, {"filter", t_filter},
    {"test", t_test},       {"none", t_none},       {"boolean", t_boolean},
    {"false", t_false},     {"true", t_true},       {"integer", t_integer},
    {"float", t_float},     {"lower", t_lower},     {"upper", t_upper},
    {"string", t_string},   {"mapping", t_mapping}, {"number", t_number},
    {"sequence", t_sequence}, {"iterable", t_iterable}, {"callable", t_callable},
    {"sameas", t_sameas},   {"escaped", t_escaped}, {"in", t_in},
    {"==", t_eq},           {"eq", t_eq},           {"equalto", t_eq},
    {"!=", t_ne},           {"ne", t_ne},           {">", t_gt},
    {"gt", t_gt},           {"greaterthan", t_gt},  {"ge", t_ge},
    {">=", t_ge},           {"<", t_lt},            {"lt", t_lt},
    {"lessthan", t_lt},     {"<=", t_le},           {"le", t_le},
};

#define NTESTS (sizeof TESTS / sizeof TESTS[0])

int jinja_test_id(jstr name) {
    for (size_t i = 0; i < NTESTS; i++)
        if (jstr_eq(name, TESTS[i].name)) return (int)i;
    return -1;
}

bool jinja_call_test(jctx *c, uint32_t pos, int id, const jv *value, const jargs *args, bool *out) {
    if (id < 0 || (size_t)id >= NTESTS) return jerr(c, pos, WICK_ERR_TEMPLATE, "no such test");
    return TESTS[id].fn(c, pos, value, args, out);
}

bool jinja_test_by_name(jctx *c, uint32_t pos, const jv *name, int *id) {
    if (name->kind != JV_STR) return jerr(c, pos, WICK_ERR_TEMPLATE, "test name must be a string");
    *id = jinja_test_id(name->u.s);
    if (*id < 0)
        return jerr(c, pos, WICK_ERR_TEMPLATE, "No test named '%.*s'.", (int)(name->u.s.n > 60 ? 60 : name->u.s.n),
                    name->u.s.p);
    return true;
}
