/* A Jinja2 engine for chat templates: the subset of jinja2 3.1 that model
 * chat templates use, with the semantics of Hugging Face's
 * apply_chat_template environment (ImmutableSandboxedEnvironment,
 * trim_blocks, lstrip_blocks, loopcontrols). Values follow Python: ints,
 * floats, str (UTF-8, indexed by code point), list/tuple/dict, None and
 * jinja2's Undefined, printed as Python's str()/repr() would print them.
 *
 * Pipeline: jinja_lexer.c (source -> tokens, whitespace control) ->
 * jinja_parser.c + jinja_parse_expr.c (tokens -> AST) -> jinja_eval.c (AST
 * -> text). Values: jinja_value.c (semantics), jinja_arith.c (operators),
 * jinja_json.c (JSON in, tojson out), jinja_pystr.c + jinja_case_data.c
 * (Python str behaviour). Library: jinja_filters.c + jinja_filters_seq.c,
 * jinja_tests.c, jinja_methods.c (str/dict/list methods), jinja_globals.c
 * (range, namespace ..., %-formatting, str.format). chat_template.c is the
 * Hugging Face entry point. Everything of one render lives in one arena
 * (jarena), freed at the end.
 *
 * This header is private to src/template. */
#ifndef WICK_TEMPLATE_JINJA_H
#define WICK_TEMPLATE_JINJA_H

#include "core/buf.h"
#include "core/status.h"
#include "json/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ limits */

/* Defaults; jinja_options may lower or raise them. */
#define JINJA_MAX_SOURCE (16u << 20)    /* template bytes */
#define JINJA_MAX_OUTPUT (64u << 20)    /* bytes in any one output buffer */
#define JINJA_MAX_MEMORY (512u << 20)   /* arena bytes for one render */
#define JINJA_MAX_STEPS 20000000ull     /* statements + loop iterations + calls */
#define JINJA_MAX_PARSE_DEPTH 96        /* nested expressions/blocks */
#define JINJA_MAX_EVAL_DEPTH 400        /* nested evaluation frames (macro recursion) */
#define JINJA_MAX_RANGE 100000          /* jinja2's sandbox MAX_RANGE */

/* ------------------------------------------------------------- arena */

typedef struct jarena_block jarena_block;
typedef struct jarena {
    jarena_block *head;
    size_t used;  /* bytes handed out, for the limit */
    size_t limit; /* 0: no limit */
} jarena;

/* 16-byte aligned, zeroed; NULL when out of memory or over the limit. */
void *jarena_alloc(jarena *a, size_t n);
void jarena_free(jarena *a);

/* A byte string (UTF-8; not necessarily NUL-terminated). */
typedef struct jstr {
    const char *p;
    size_t n;
} jstr;

char *jarena_strdup(jarena *a, const char *s, size_t n); /* NUL-terminated copy */
bool jstr_eq(jstr a, const char *lit);

/* ------------------------------------------------------------ errors */

/* Formats "line L, column C: message" (column in code points) into err. */
wick_status jinja_error_at(wick_error *err, const char *src, size_t src_len, uint32_t pos,
                           wick_status code, const char *fmt, ...) WICK_PRINTF(6, 7);

/* ------------------------------------------------------------ tokens */

typedef enum jtok_kind {
    T_EOF,
    T_DATA,
    T_VAR_BEGIN,
    T_VAR_END,
    T_BLOCK_BEGIN,
    T_BLOCK_END,
    T_NAME,
    T_STRING,
    T_INT,
    T_FLOAT,
    T_ADD,
    T_SUB,
    T_MUL,
    T_DIV,
    T_FLOORDIV,
    T_MOD,
    T_POW,
    T_TILDE,
    T_LBRACKET,
    T_RBRACKET,
    T_LPAREN,
    T_RPAREN,
    T_LBRACE,
    T_RBRACE,
    T_EQ,
    T_NE,
    T_LT,
    T_LTEQ,
    T_GT,
    T_GTEQ,
    T_ASSIGN,
    T_DOT,
    T_COLON,
    T_PIPE,
    T_COMMA,
    T_SEMICOLON
} jtok_kind;

typedef struct jtok {
    jtok_kind kind;
    uint32_t pos; /* byte offset in the normalized source */
    jstr s;       /* T_DATA text, T_NAME name, T_STRING decoded value */
    int64_t i;    /* T_INT */
    double f;     /* T_FLOAT */
} jtok;

/* The normalized source (newlines as "\n", one trailing newline dropped, as
 * jinja2 does before lexing), which every position refers to. */
typedef struct jsource {
    const char *p;
    size_t n;
} jsource;

/* Normalizes `src`, checks it is UTF-8, and tokenizes it with trim_blocks
 * and lstrip_blocks. The token array ends with T_EOF. */
wick_status jinja_lex(jarena *a, const char *src, size_t len, jsource *norm, jtok **toks,
                      size_t *ntoks, wick_error *err);

const char *jinja_tok_name(jtok_kind k); /* "'}}'", "name", ... for messages */

/* ------------------------------------------------------------ values */

typedef enum jv_kind {
    JV_UNDEF,    /* jinja2 Undefined; u.undef says why (for its error) */
    JV_NONE,
    JV_BOOL,
    JV_INT,
    JV_FLOAT,
    JV_STR,
    JV_LIST,     /* u.list */
    JV_TUPLE,    /* u.list */
    JV_ITER,     /* a generator/iterator (select, map, reverse ...): u.list, no len */
    JV_RANGE,    /* range(start, stop, step): u.list with the items, and u.list->range */
    JV_VIEW,     /* dict.items()/keys()/values(): u.list, printed as dict_items([...]) */
    JV_DICT,     /* u.dict */
    JV_NS,       /* namespace(): u.dict, mutable attributes */
    JV_MACRO,    /* u.macro */
    JV_BUILTIN,  /* a global function: u.builtin */
    JV_METHOD,   /* a bound method: u.method */
    JV_LOOP,     /* a for loop's `loop`: u.loop */
    JV_CYCLER,   /* cycler(...): u.cycler */
    JV_JOINER,   /* joiner(...): u.joiner */
    JV_NOARG     /* internal: "argument not given"; never visible to templates */
} jv_kind;

typedef struct jlist jlist;
typedef struct jdict jdict;
typedef struct jmacro jmacro;
typedef struct jmethod jmethod;
typedef struct jloop jloop;
typedef struct jcycler jcycler;
typedef struct jjoiner jjoiner;

typedef struct jundef {
    const char *msg;  /* the UndefinedError message when it is used */
    bool security;    /* sandbox refusal: the error is a SecurityError */
} jundef;

typedef struct jv {
    jv_kind kind;
    union {
        bool b;
        int64_t i;
        double f;
        jstr s;
        jlist *list;
        jdict *dict;
        jmacro *macro;
        jmethod *method;
        jloop *loop;
        jcycler *cycler;
        jjoiner *joiner;
        const jundef *undef; /* NULL: a plain undefined with no name */
        int builtin;
    } u;
} jv;

struct jlist {
    size_t n;
    jv *items;
    int64_t range[3]; /* JV_RANGE: start, stop, step */
    const char *view; /* JV_VIEW: "dict_items", "dict_keys", "dict_values" */
};

/* Insertion-ordered dict (Python 3.7+). Keys compare with Python ==. */
struct jdict {
    size_t n, cap;
    jv *keys, *vals;
    uint32_t *index;   /* hash index (entry + 1 per slot) over all n keys, or NULL */
    size_t icap;       /* index slots, a power of two */
    bool hf_namespace; /* JV_NS made by HF's TemplateNamespace (for type names) */
};

typedef struct jframe jframe;
typedef struct jnode jnode;

struct jmacro {
    const jnode *def;    /* N_MACRO or N_CALL_BLOCK (for caller) */
    jframe *closure;     /* the scope it was defined in */
    jstr name;
    jv caller;           /* for N_CALL_BLOCK macros: none; else unused */
};

struct jmethod {
    jv self;
    int id; /* jinja_methods.c method id */
};

struct jcycler {
    jlist items;
    size_t pos;
};

struct jjoiner {
    jstr sep;
    bool used;
};

/* The `loop` variable of a for loop (jinja2's LoopContext). */
struct jloop {
    jlist items;          /* what the loop iterates, after its `if` filter */
    size_t index0;
    int depth0;
    jv last_changed;      /* loop.changed()'s memory */
    bool changed_used;
    const jnode *node;    /* recursive loops: the N_FOR rendered again by loop(x) */
    jframe *frame;        /* ...and the frame around it */
};

static inline jv jv_none(void) { jv v; v.kind = JV_NONE; v.u.i = 0; return v; }
static inline jv jv_bool(bool b) { jv v; v.kind = JV_BOOL; v.u.i = 0; v.u.b = b; return v; }
static inline jv jv_int(int64_t i) { jv v; v.kind = JV_INT; v.u.i = i; return v; }
static inline jv jv_float(double f) { jv v; v.kind = JV_FLOAT; v.u.f = f; return v; }
static inline jv jv_str(const char *p, size_t n) { jv v; v.kind = JV_STR; v.u.s.p = p; v.u.s.n = n; return v; }
static inline jv jv_noarg(void) { jv v; v.kind = JV_NOARG; v.u.i = 0; return v; }
static inline bool jv_is_seq(const jv *v) {
    return v->kind == JV_LIST || v->kind == JV_TUPLE || v->kind == JV_ITER || v->kind == JV_RANGE ||
           v->kind == JV_VIEW;
}
static inline bool jv_is_num(const jv *v) {
    return v->kind == JV_INT || v->kind == JV_FLOAT || v->kind == JV_BOOL;
}
/* A number's value (bools are 0/1 as in Python). */
static inline double jv_as_float(const jv *v) {
    return v->kind == JV_FLOAT ? v->u.f : v->kind == JV_INT ? (double)v->u.i : (double)v->u.b;
}
static inline int64_t jv_as_int(const jv *v) { return v->kind == JV_INT ? v->u.i : (int64_t)v->u.b; }

/* ------------------------------------------------------------------ AST */

typedef enum jnode_kind {
    /* expressions */
    N_CONST,     /* value */
    N_NAME,      /* str */
    N_LIST,      /* items */
    N_TUPLE,     /* items */
    N_DICT,      /* items = keys, items2 = values */
    N_GETATTR,   /* a . str */
    N_GETITEM,   /* a [ b ] */
    N_SLICE,     /* a : b : c (each may be NULL) */
    N_CALL,      /* a ( items, names=items2 ) */
    N_FILTER,    /* a | str ( items, names=items2 ); a NULL in filter blocks; id */
    N_TEST,      /* a is str ( items, names=items2 ); id */
    N_NOT,       /* a */
    N_NEG,       /* a */
    N_POS,       /* a */
    N_BINOP,     /* a op b */
    N_AND,       /* a and b */
    N_OR,        /* a or b */
    N_CONCAT,    /* items joined with ~ */
    N_COMPARE,   /* a, then ops[i] items[i] */
    N_CONDEXPR,  /* b if a else c */
    N_NSREF,     /* str . str2 (set target) */
    /* statements */
    N_DATA,      /* str */
    N_OUTPUT,    /* {{ a }} */
    N_IF,        /* if a: items else items2 */
    N_FOR,       /* for a in b if c: items else items2; flag recursive */
    N_SET,       /* a = b */
    N_SET_BLOCK, /* a = filters b over body items */
    N_MACRO,     /* str(names = defaults items2): items */
    N_CALL_BLOCK,/* call(names = defaults items2) a: items */
    N_FILTER_BLOCK, /* filter b: items */
    N_WITH,      /* names = items2: items */
    N_SCOPE,     /* a plain body (HF's {% generation %}) */
    N_BREAK,
    N_CONTINUE
} jnode_kind;

typedef enum jbinop { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW } jbinop;
typedef enum jcmpop { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN, CMP_NOTIN } jcmpop;

enum {
    NF_RECURSIVE = 1,      /* N_FOR */
    NF_USES_CALLER = 2,    /* N_MACRO: the body names `caller` */
    NF_USES_VARARGS = 4,   /* ... `varargs` */
    NF_USES_KWARGS = 8,    /* ... `kwargs` */
    NF_CONST = 16          /* an expression jinja2's optimizer tries to fold */
};

struct jnode {
    jnode_kind kind;
    uint8_t op;      /* jbinop */
    uint8_t flags;
    int id;          /* filter/test id */
    uint32_t pos;    /* byte offset, for messages */
    jnode *a, *b, *c;
    jnode **items;   /* expressions or body statements */
    size_t n;
    jnode **items2;  /* kwarg values, dict values, defaults, else body */
    size_t n2;
    jstr *names;     /* kwarg names (n2 of them), macro params (n of... see parser) */
    size_t nnames;
    uint8_t *ops;    /* N_COMPARE: jcmpop per operand */
    jstr str, str2;
    jv value;
};

/* Parses tokens into the template body (a N_SCOPE node). Unknown filters
 * and tests are compile errors, as in jinja2. */
wick_status jinja_parse(jarena *a, const jsource *src, const jtok *toks, size_t ntoks,
                        jnode **out, wick_error *err);

/* ------------------------------------------------------- evaluation */

typedef struct jinja_options {
    size_t max_output;   /* 0: JINJA_MAX_OUTPUT */
    size_t max_memory;   /* 0: JINJA_MAX_MEMORY */
    uint64_t max_steps;  /* 0: JINJA_MAX_STEPS */
    int64_t now;         /* strftime_now's clock (seconds since 1970, UTC); 0: current time */
    bool hf_globals;     /* define raise_exception and strftime_now */
} jinja_options;

struct jframe {
    jframe *parent;
    size_t n, cap;
    jstr *names;
    jv *vals;
};

typedef struct jctx {
    jarena *arena;
    const jsource *src;
    wick_error *err;
    bool failed;
    wick_buf *out;          /* where output goes now */
    size_t max_output;
    uint64_t written;       /* all bytes written, for the step budget */
    uint64_t steps, max_steps;
    int depth;
    const jdict *vars;      /* render() variables */
    bool hf_globals;
    int64_t now;
    bool const_mode;        /* folding a constant expression as jinja2's optimizer does */
} jctx;

/* Sets the error (once) at `pos` and returns false. */
bool jerr(jctx *c, uint32_t pos, wick_status code, const char *fmt, ...) WICK_PRINTF(4, 5);
/* Raises the UndefinedError of `v` (an undefined). */
bool jerr_undef(jctx *c, uint32_t pos, const jv *v);
void *jalloc(jctx *c, uint32_t pos, size_t n); /* arena alloc that sets the error */

/* Arguments of a call, filter or test (positional then keyword). */
typedef struct jargs {
    jv *pos;
    size_t npos;
    jstr *kwnames;
    jv *kwvals;
    size_t nkw;
} jargs;

/* Binds args to `nparams` named parameters: slots[i] is JV_NOARG when not
 * given. Errors on unknown keywords or too many positionals. */
bool jargs_bind(jctx *c, uint32_t pos, const char *fname, const jargs *args,
                const char *const *params, size_t nparams, jv *slots);

/* --- jinja_value.c */
jv jv_undef_name(jctx *c, jstr name);                  /* 'name' is undefined */
jv jv_undef_attr(jctx *c, const jv *obj, jstr attr);   /* 'X object' has no attribute 'a' */
jv jv_undef_item(jctx *c, const jv *obj, const jv *key); /* X object has no element k */
jv jv_undef_hint(jctx *c, const char *msg, bool security);
bool jv_truthy(const jv *v);
const char *jv_type_name(const jv *v);  /* Python type name: 'str', 'NoneType', ... */
bool jv_eq(const jv *a, const jv *b);   /* Python == */
/* Python a < b; false with the error set for unorderable types. */
bool jv_lt(jctx *c, uint32_t pos, const jv *a, const jv *b, bool *lt);
bool jv_hashable(const jv *v);
/* Python str(v) / repr(v) appended to b. */
void jv_write_str(jctx *c, wick_buf *b, const jv *v);
void jv_write_repr(jctx *c, wick_buf *b, const jv *v);
/* str(v) as a string in the arena (v itself when it is a str). */
bool jv_to_str(jctx *c, uint32_t pos, const jv *v, jstr *out);
jv jv_str_from_buf(jctx *c, uint32_t pos, wick_buf *b, bool *ok); /* frees b */
jlist *jlist_new(jctx *c, uint32_t pos, size_t n);
jv jv_list_of(jv_kind kind, jlist *l);
jdict *jdict_new(jctx *c, uint32_t pos, size_t cap);
bool jdict_set(jctx *c, uint32_t pos, jdict *d, const jv *key, const jv *val);
const jv *jdict_get(const jdict *d, const jv *key);
const jv *jdict_get_str(const jdict *d, const char *key, size_t n);
/* Rebuilds the hash index after keys/vals/n were filled directly. */
bool jdict_reindex(jctx *c, uint32_t pos, jdict *d);
/* The items a for loop (or list()) sees: strings give characters, dicts
 * keys; undefined gives nothing. False with TypeError for the rest. */
bool jv_iterate(jctx *c, uint32_t pos, const jv *v, jlist *out);
/* len(v); false with TypeError when v has none. */
bool jv_len(jctx *c, uint32_t pos, const jv *v, int64_t *n);
/* Python `needle in hay`. */
bool jv_contains(jctx *c, uint32_t pos, const jv *hay, const jv *needle, bool *res);
/* The sandbox's getattr / getitem (undefined results, never errors, except
 * on an undefined object). */
bool jv_getattr(jctx *c, uint32_t pos, const jv *obj, jstr name, jv *out);
bool jv_getitem(jctx *c, uint32_t pos, const jv *obj, const jv *key, jv *out);
bool jv_slice(jctx *c, uint32_t pos, const jv *obj, const jv *start, const jv *stop,
              const jv *step, jv *out);
jv jv_from_json(jctx *c, const json_value *j, bool *ok);
/* json.dumps of v with HF's tojson options. */
bool jv_tojson(jctx *c, uint32_t pos, const jv *v, int indent, bool ensure_ascii,
               const char *item_sep, const char *key_sep, bool sort_keys, jv *out);
/* Arithmetic with Python semantics. */
bool jv_binop(jctx *c, uint32_t pos, jbinop op, const jv *a, const jv *b, jv *out);

/* --- jinja_pystr.c: Python str semantics over UTF-8 */
size_t pystr_decode(const char *s, size_t n, uint32_t *cp); /* s valid UTF-8; returns length */
size_t pystr_encode(uint32_t cp, char *out);
bool pystr_valid_utf8(const char *s, size_t n, size_t *bad);
bool pystr_isspace(uint32_t cp);
size_t pystr_len(const char *s, size_t n); /* code points */
size_t pystr_offset(const char *s, size_t n, size_t index); /* byte offset of code point `index` */
void pystr_repr(wick_buf *b, const char *s, size_t n);
typedef enum pycase { PYCASE_UPPER, PYCASE_LOWER, PYCASE_TITLE, PYCASE_CAPITALIZE, PYCASE_SWAP } pycase;
void pystr_case(wick_buf *b, const char *s, size_t n, pycase mode);
/* str.strip/lstrip/rstrip: chars NULL strips whitespace. */
jstr pystr_strip(jstr s, const jstr *chars, bool left, bool right);
bool pystr_is(const char *s, size_t n, const char *what); /* isdigit/isalpha/... by name */
/* Index of `needle` in hay[start..end) as a byte offset, or -1. */
long long pystr_find(jstr hay, jstr needle, bool reverse);
void pystr_escape_html(wick_buf *b, const char *s, size_t n);

/* --- jinja_arith.c, jinja_globals.c, jinja_methods.c: Python string
 * operations shared by operators, filters and methods */
bool jinja_percent_format(jctx *c, uint32_t pos, jstr fmt, const jv *args, jv *out); /* fmt % args */
bool jinja_str_format(jctx *c, uint32_t pos, jstr fmt, const jargs *a, jv *out);     /* fmt.format(...) */
bool jinja_str_replace(jctx *c, uint32_t pos, jstr s, jstr old, jstr nw, int64_t count, jv *out);
bool jinja_center(jctx *c, uint32_t pos, jstr s, int64_t width, jstr fill, jv *out);
bool jinja_indent(jctx *c, uint32_t pos, jstr s, jstr ind, bool first, bool blank, jv *out);
bool jinja_parse_float(jstr s, double *out);        /* Python float(str) */
bool jinja_parse_int(jstr s, int base, int64_t *out); /* Python int(str, base) */

/* --- jinja_filters.c */
int jinja_filter_id(jstr name);   /* -1 when jinja2 has no such filter */
int jinja_test_id(jstr name);     /* -1 when jinja2 has no such test */
bool jinja_call_filter(jctx *c, uint32_t pos, int id, const jv *value, const jargs *args, jv *out);
bool jinja_call_test(jctx *c, uint32_t pos, int id, const jv *value, const jargs *args, bool *out);
/* Filters and tests by name at run time (map('upper'), select('odd')). */
bool jinja_filter_by_name(jctx *c, uint32_t pos, const jv *name, int *id);
bool jinja_test_by_name(jctx *c, uint32_t pos, const jv *name, int *id);

/* --- jinja_methods.c */
/* The attribute `name` of a str/list/dict/... as Python has it: a bound
 * method, an unsafe (sandbox) undefined, or *found = false. */
bool jinja_builtin_attr(jctx *c, uint32_t pos, const jv *obj, jstr name, jv *out, bool *found);
bool jinja_call_method(jctx *c, uint32_t pos, const jmethod *m, const jargs *args, jv *out);
/* Globals: range, dict, namespace, cycler, joiner, lipsum (+ HF's). */
bool jinja_global(jctx *c, jstr name, jv *out);
/* HF's namespace refuses underscore-prefixed attribute names (hf_globals). */
bool jinja_ns_key_ok(jctx *c, uint32_t pos, jstr name);
bool jinja_call_builtin(jctx *c, uint32_t pos, int id, const jargs *args, jv *out);
const char *jinja_builtin_name(int id);
const char *jinja_method_name(int id);

/* --- jinja_eval.c */
bool jinja_call(jctx *c, uint32_t pos, const jv *callee, const jargs *args, jv *out);
bool jinja_step(jctx *c, uint32_t pos); /* counts a step against the budget */
/* Python's a <op> b for CMP_LT/LE/GT/GE (TypeError for unorderable types). */
bool jinja_compare(jctx *c, uint32_t pos, int op, const jv *a, const jv *b, bool *res);

/* Compiles and renders `source` with the variables of `vars` (a JSON
 * object, or NULL). *out is malloc'd and NUL-terminated. */
wick_status jinja_render(const char *source, size_t len, const json_value *vars,
                         const jinja_options *opt, char **out, size_t *out_len, wick_error *err);

#endif
