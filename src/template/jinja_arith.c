/* Python's arithmetic on template values: + - * / // % ** with int
 * overflow checks (Python ints are unbounded; Wick's are 64-bit and say
 * so), floor division and modulo with Python's signs, sequence repetition
 * bounded by the output limit, and `str % args` formatting. */
#include "template/jinja.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------ arithmetic */

static bool type_error2(jctx *c, uint32_t pos, const char *op, const jv *a, const jv *b) {
    return jerr(c, pos, WICK_ERR_TEMPLATE, "unsupported operand type(s) for %s: '%s' and '%s'", op,
                jv_type_name(a), jv_type_name(b));
}

static bool overflow(jctx *c, uint32_t pos) {
    return jerr(c, pos, WICK_ERR_UNSUPPORTED, "integer result does not fit 64 bits");
}

static bool repeat(jctx *c, uint32_t pos, const jv *seq, int64_t times, jv *out) {
    if (times < 0) times = 0;
    if (seq->kind == JV_STR) {
        size_t n = seq->u.s.n;
        if (n && (uint64_t)times > c->max_output / n)
            return jerr(c, pos, WICK_ERR_LIMIT, "string repetition would exceed the output limit");
        size_t total = n * (size_t)times;
        char *p = jalloc(c, pos, total + 1);
        if (!p) return false;
        for (int64_t i = 0; i < times; i++) memcpy(p + (size_t)i * n, seq->u.s.p, n);
        *out = jv_str(p, total);
        return true;
    }
    const jlist *l = seq->u.list;
    if (l->n && (uint64_t)times > (c->max_output / 8) / l->n)
        return jerr(c, pos, WICK_ERR_LIMIT, "list repetition is too large");
    jlist *r = jlist_new(c, pos, l->n * (size_t)times);
    if (!r) return false;
    for (int64_t i = 0; i < times; i++)
        if (l->n) memcpy(r->items + (size_t)i * l->n, l->items, l->n * sizeof(jv));
    *out = jv_list_of(seq->kind, r);
    return true;
}

static double py_fmod(double a, double b) {
    double m = fmod(a, b);
    if (m != 0.0) {
        if ((b < 0) != (m < 0)) m += b;
    } else {
        m = copysign(0.0, b);
    }
    return m;
}

static double py_floordiv(double a, double b) {
    double m = fmod(a, b), div = (a - m) / b;
    if (m != 0.0 && (b < 0) != (m < 0)) div -= 1.0;
    if (div != 0.0) {
        double f = floor(div);
        if (div - f > 0.5) f += 1.0;
        return f;
    }
    return copysign(0.0, a / b);
}

bool jv_binop(jctx *c, uint32_t pos, jbinop op, const jv *a, const jv *b, jv *out) {
    if (a->kind == JV_UNDEF) return jerr_undef(c, pos, a);
    if (op == OP_MOD && a->kind == JV_STR) return jinja_percent_format(c, pos, a->u.s, b, out); /* str % Undefined works */
    if (b->kind == JV_UNDEF) return jerr_undef(c, pos, b);
    static const char *const names[] = {"+", "-", "*", "/", "//", "%", "** or pow()"};
    bool nums = jv_is_num(a) && jv_is_num(b);
    bool ints = nums && a->kind != JV_FLOAT && b->kind != JV_FLOAT;
    int64_t x = ints ? jv_as_int(a) : 0, y = ints ? jv_as_int(b) : 0, r;
    switch (op) {
    case OP_ADD:
        if (ints) {
            if (__builtin_add_overflow(x, y, &r)) return overflow(c, pos);
            *out = jv_int(r);
            return true;
        }
        if (nums) {
            *out = jv_float(jv_as_float(a) + jv_as_float(b));
            return true;
        }
        if (a->kind == JV_STR && b->kind == JV_STR) {
            size_t n = a->u.s.n + b->u.s.n;
            if (!b->u.s.n || !a->u.s.n) {
                *out = a->u.s.n ? *a : *b;
                return true;
            }
            if (n > c->max_output) return jerr(c, pos, WICK_ERR_LIMIT, "string is over the output limit");
            char *p = jalloc(c, pos, n + 1);
            if (!p) return false;
            memcpy(p, a->u.s.p, a->u.s.n);
            memcpy(p + a->u.s.n, b->u.s.p, b->u.s.n);
            *out = jv_str(p, n);
            return true;
        }
        if ((a->kind == JV_LIST || a->kind == JV_TUPLE) && a->kind == b->kind) {
            const jlist *l = a->u.list, *m = b->u.list;
            jlist *res = jlist_new(c, pos, l->n + m->n);
            if (!res) return false;
            if (l->n) memcpy(res->items, l->items, l->n * sizeof(jv));
            if (m->n) memcpy(res->items + l->n, m->items, m->n * sizeof(jv));
            *out = jv_list_of(a->kind, res);
            return true;
        }
        if (a->kind == JV_STR || a->kind == JV_LIST || a->kind == JV_TUPLE)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "can only concatenate %s (not \"%s\") to %s",
                        jv_type_name(a), jv_type_name(b), jv_type_name(a));
        return type_error2(c, pos, "+", a, b);
    case OP_SUB:
        if (ints) {
            if (__builtin_sub_overflow(x, y, &r)) return overflow(c, pos);
            *out = jv_int(r);
            return true;
        }
        if (nums) {
            *out = jv_float(jv_as_float(a) - jv_as_float(b));
            return true;
        }
        return type_error2(c, pos, "-", a, b);
    case OP_MUL:
        if (ints) {
            if (__builtin_mul_overflow(x, y, &r)) return overflow(c, pos);
            *out = jv_int(r);
            return true;
        }
        if (nums) {
            *out = jv_float(jv_as_float(a) * jv_as_float(b));
            return true;
        }
        if ((a->kind == JV_STR || a->kind == JV_LIST || a->kind == JV_TUPLE) &&
            (b->kind == JV_INT || b->kind == JV_BOOL))
            return repeat(c, pos, a, jv_as_int(b), out);
        if ((b->kind == JV_STR || b->kind == JV_LIST || b->kind == JV_TUPLE) &&
            (a->kind == JV_INT || a->kind == JV_BOOL))
            return repeat(c, pos, b, jv_as_int(a), out);
        if (a->kind == JV_STR || a->kind == JV_LIST || a->kind == JV_TUPLE)
            return jerr(c, pos, WICK_ERR_TEMPLATE, "can't multiply sequence by non-int of type '%s'",
                        jv_type_name(b));
        return type_error2(c, pos, "*", a, b);
    case OP_DIV:
        if (!nums) return type_error2(c, pos, "/", a, b);
        if (jv_as_float(b) == 0.0) return jerr(c, pos, WICK_ERR_TEMPLATE, "division by zero");
        *out = jv_float(jv_as_float(a) / jv_as_float(b));
        return true;
    case OP_FLOORDIV:
        if (!nums) return type_error2(c, pos, "//", a, b);
        if (ints) {
            if (y == 0) return jerr(c, pos, WICK_ERR_TEMPLATE, "integer division or modulo by zero");
            if (x == INT64_MIN && y == -1) return overflow(c, pos);
            int64_t q = x / y;
            if ((x % y != 0) && ((x < 0) != (y < 0))) q--;
            *out = jv_int(q);
            return true;
        }
        if (jv_as_float(b) == 0.0) return jerr(c, pos, WICK_ERR_TEMPLATE, "float floor division by zero");
        *out = jv_float(py_floordiv(jv_as_float(a), jv_as_float(b)));
        return true;
    case OP_MOD:
        if (a->kind == JV_STR) return jinja_percent_format(c, pos, a->u.s, b, out);
        if (!nums) return type_error2(c, pos, "%", a, b);
        if (ints) {
            if (y == 0) return jerr(c, pos, WICK_ERR_TEMPLATE, "integer modulo by zero");
            if (y == -1) {
                *out = jv_int(0);
                return true;
            }
            int64_t m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) m += y;
            *out = jv_int(m);
            return true;
        }
        if (jv_as_float(b) == 0.0) return jerr(c, pos, WICK_ERR_TEMPLATE, "float modulo");
        *out = jv_float(py_fmod(jv_as_float(a), jv_as_float(b)));
        return true;
    case OP_POW:
        if (!nums) return type_error2(c, pos, names[op], a, b);
        if (ints && y >= 0) {
            int64_t acc = 1, base = x;
            int64_t e = y;
            while (e > 0) {
                if (e & 1)
                    if (__builtin_mul_overflow(acc, base, &acc)) return overflow(c, pos);
                e >>= 1;
                if (e && __builtin_mul_overflow(base, base, &base)) return overflow(c, pos);
            }
            *out = jv_int(acc);
            return true;
        }
        {
            double fx = jv_as_float(a), fy = jv_as_float(b);
            if (fx == 0.0 && fy < 0)
                return jerr(c, pos, WICK_ERR_TEMPLATE, "0.0 cannot be raised to a negative power");
            if (fx < 0 && fy != floor(fy))
                return jerr(c, pos, WICK_ERR_UNSUPPORTED, "complex numbers are not supported");
            *out = jv_float(pow(fx, fy));
            return true;
        }
    }
    return type_error2(c, pos, names[op], a, b);
}

