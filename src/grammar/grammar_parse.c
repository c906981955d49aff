/* GBNF/EBNF text -> the flat rule table of grammar_internal.h.
 *
 * Accepted syntax (llama.cpp's GBNF, plus what WebLLM/XGrammar's EBNF adds):
 *   name ::= alt1 | alt2          names: letters, digits, '-', '_'
 *   "lit" 'lit'                   escapes \n \r \t \\ \" \' \[ \] \- \^ \/ \xHH \uHHHH \UHHHHHHHH
 *   [a-z0-9_] [^"\\]  .           UTF-8 aware classes, negation, any character
 *   ( ... )  x* x+ x? x{m} x{m,} x{m,n} x{,n}
 *   # comment to end of line; an optional ';' ends a rule.
 * A rule ends at a newline outside parentheses unless the next line starts
 * with '|'. Groups and repetitions become generated rules named
 * "<rule>-<n>"; x{m,n} is m copies then n-m nested optionals (llama.cpp's
 * expansion). After parsing: every referenced rule must be defined, "root"
 * must exist, and no rule may reach itself before matching a character
 * (left recursion, which a top-down matcher would expand forever). */
#include "core/status.h"
#include "grammar/grammar_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rule_def {
    char *name;
    grammar_elem *elems;
    uint32_t *tag;            /* [n] 0 or 1 + index into parser.tags (repetition metadata) */
    uint32_t n, cap, cap_tag;
    bool defined;
    uint32_t line, col;       /* definition, or first reference while undefined */
} rule_def;

typedef struct parser {
    const char *s, *end, *p;
    const char *line_start;
    uint32_t line;
    rule_def *rules;
    uint32_t n_rules, cap_rules;
    uint32_t cur_rule;        /* rule being parsed (for messages) */
    uint32_t gen_count;       /* generated rule counter */
    uint32_t total_elems;
    grammar_rep_tag *tags;    /* repetition metadata (grammar_internal.h) */
    uint32_t n_tags, cap_tags, n_reps;
    /* char sets, deduplicated by content */
    grammar_charset *sets;
    uint32_t n_sets, cap_sets;
    uint32_t *ranges;
    uint32_t n_ranges, cap_ranges;
    uint32_t *set_table;      /* set id + 1 */
    uint32_t set_table_mask;
    /* scratch for one class being built */
    uint32_t *tmp;
    uint32_t n_tmp, cap_tmp;
    wick_error *err;
    wick_status code;
    bool failed;
} parser;

static uint32_t col_of(const parser *ps, const char *at) {
    const char *ls = ps->s;
    for (const char *q = at; q > ps->s; q--)
        if (q[-1] == '\n') {
            ls = q;
            break;
        }
    return (uint32_t)(at - ls) + 1;
}

static uint32_t line_of(const parser *ps, const char *at) {
    uint32_t line = 1;
    for (const char *q = ps->s; q < at; q++) line += *q == '\n';
    return line;
}

/* "found" text for messages: the character at p, or "end of input". */
static void describe_at(const parser *ps, const char *at, char *buf, size_t cap) {
    if (at >= ps->end) snprintf(buf, cap, "end of input");
    else if (*at == '\n') snprintf(buf, cap, "end of line");
    else if ((unsigned char)*at < 0x20 || (unsigned char)*at >= 0x7f) snprintf(buf, cap, "byte 0x%02X", (unsigned char)*at);
    else snprintf(buf, cap, "'%c'", *at);
}

/* Error at `at`: "grammar 3:14: in rule 'value': expected X, found Y". */
static bool fail_at(parser *ps, const char *at, const char *expected) {
    if (ps->failed) return false;
    ps->failed = true;
    ps->code = WICK_ERR_FORMAT;
    char found[32];
    describe_at(ps, at, found, sizeof found);
    const char *rule = ps->cur_rule < ps->n_rules ? ps->rules[ps->cur_rule].name : NULL;
    if (rule)
        wick_error_set(ps->err, WICK_ERR_FORMAT, "grammar %u:%u: in rule '%s': expected %s, found %s",
                       line_of(ps, at), col_of(ps, at), rule, expected, found);
    else
        wick_error_set(ps->err, WICK_ERR_FORMAT, "grammar %u:%u: expected %s, found %s", line_of(ps, at),
                       col_of(ps, at), expected, found);
    return false;
}

static bool fail_msg(parser *ps, const char *at, wick_status code, const char *msg) {
    if (ps->failed) return false;
    ps->failed = true;
    ps->code = code;
    const char *rule = ps->cur_rule < ps->n_rules ? ps->rules[ps->cur_rule].name : "?";
    wick_error_set(ps->err, code, "grammar %u:%u: in rule '%s': %s", line_of(ps, at), col_of(ps, at), rule, msg);
    return false;
}

static bool oom(parser *ps) {
    if (!ps->failed) {
        ps->failed = true;
        ps->code = WICK_ERR_NOMEM;
        wick_error_set(ps->err, WICK_ERR_NOMEM, "grammar: out of memory");
    }
    return false;
}

static bool grow(parser *ps, void **ptr, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return true;
    uint32_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *q = realloc(*ptr, (size_t)nc * elem);
    if (!q) return oom(ps);
    *ptr = q;
    *cap = nc;
    return true;
}

/* ------------------------------------------------------------ rules */

static int32_t find_rule(const parser *ps, const char *name, size_t n) {
    for (uint32_t i = 0; i < ps->n_rules; i++)
        if (strlen(ps->rules[i].name) == n && memcmp(ps->rules[i].name, name, n) == 0) return (int32_t)i;
    return -1;
}

static int32_t add_rule(parser *ps, const char *name, size_t n, const char *at) {
    if (ps->n_rules >= GRAMMAR_MAX_RULES) {
        fail_msg(ps, at, WICK_ERR_LIMIT, "too many rules (the limit is 65536, counting generated ones)");
        return -1;
    }
    if (!grow(ps, (void **)&ps->rules, &ps->cap_rules, ps->n_rules + 1, sizeof *ps->rules)) return -1;
    rule_def *r = &ps->rules[ps->n_rules];
    memset(r, 0, sizeof *r);
    r->name = malloc(n + 1);
    if (!r->name) {
        oom(ps);
        return -1;
    }
    memcpy(r->name, name, n);
    r->name[n] = '\0';
    r->line = line_of(ps, at);
    r->col = col_of(ps, at);
    return (int32_t)ps->n_rules++;
}

static bool emit(parser *ps, uint32_t rule, uint8_t type, int32_t value) {
    if (ps->total_elems >= GRAMMAR_MAX_ELEMS)
        return fail_msg(ps, ps->p, WICK_ERR_LIMIT, "grammar is too large (over 1048576 elements after expanding repetitions)");
    rule_def *r = &ps->rules[rule];
    if (!grow(ps, (void **)&r->elems, &r->cap, r->n + 1, sizeof *r->elems)) return false;
    if (!grow(ps, (void **)&r->tag, &r->cap_tag, r->n + 1, sizeof *r->tag)) return false;
    r->elems[r->n].type = type;
    r->elems[r->n].value = value;
    r->tag[r->n] = 0;
    r->n++;
    ps->total_elems++;
    return true;
}

/* A new rule "<current>#<k>" for a group or repetition: '#' cannot occur
 * in a user's rule name, so generated names never collide with one
 * (a user rule called "root-1" is legal GBNF). */
static int32_t gen_rule(parser *ps, const char *at) {
    char name[160];
    const char *base = ps->rules[ps->cur_rule].name;
    snprintf(name, sizeof name, "%.120s#%u", base, ++ps->gen_count);
    int32_t r = add_rule(ps, name, strlen(name), at);
    if (r >= 0) ps->rules[r].defined = true;
    return r;
}

/* Tags the last element emitted to `rule` (see grammar_rep_tag). */
static bool tag_last(parser *ps, uint32_t rule, uint32_t rep, uint32_t need, uint32_t rem) {
    if (!grow(ps, (void **)&ps->tags, &ps->cap_tags, ps->n_tags + 1, sizeof *ps->tags)) return false;
    ps->tags[ps->n_tags] = (grammar_rep_tag){rep, need, rem};
    ps->rules[rule].tag[ps->rules[rule].n - 1] = ++ps->n_tags;
    return true;
}

/* ------------------------------------------------------------ char sets */

static uint32_t hash_ranges(const uint32_t *r, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) h = (h ^ r[i]) * 16777619u;
    return h;
}

static int cmp_u32pair(const void *a, const void *b) {
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0;
}

static void lead_range(uint32_t b, uint32_t *lo, uint32_t *hi) {
    if (b < 0x80) *lo = *hi = b;
    else if (b >= 0xC2 && b <= 0xDF) *lo = (b & 0x1F) << 6, *hi = *lo | 0x3F;
    else if (b >= 0xE0 && b <= 0xEF) *lo = (b & 0x0F) << 12, *hi = *lo | 0xFFF;
    else if (b >= 0xF0 && b <= 0xF4) *lo = (b & 0x07) << 18, *hi = *lo | 0x3FFFF;
    else *lo = 1, *hi = 0; /* never a lead byte */
    /* only what a valid encoding can reach: not overlong, no surrogates, not past U+10FFFF */
    if (b == 0xE0) *lo = 0x800;
    if (b == 0xED) *hi = 0xD7FF;
    if (b == 0xF0) *lo = 0x10000;
    if (b == 0xF4) *hi = 0x10FFFF;
}

/* Turns the scratch ranges (pairs) into a set id: sorted, merged, negated
 * if asked, deduplicated against the sets made so far. */
static int32_t make_set(parser *ps, bool negate) {
    uint32_t n = ps->n_tmp / 2;
    uint32_t *t = ps->tmp;
    qsort(t, n, 2 * sizeof *t, cmp_u32pair);
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (m && t[2 * i] <= t[2 * (m - 1) + 1] + 1) {
            if (t[2 * i + 1] > t[2 * (m - 1) + 1]) t[2 * (m - 1) + 1] = t[2 * i + 1];
        } else {
            t[2 * m] = t[2 * i];
            t[2 * m + 1] = t[2 * i + 1];
            m++;
        }
    }
    if (negate) {
        /* complement within [0, 0x10FFFF]: at most m + 1 ranges */
        if (!grow(ps, (void **)&ps->tmp, &ps->cap_tmp, 2 * m + 2 + 2 * (m + 1), sizeof *ps->tmp)) return -1;
        t = ps->tmp;
        uint32_t *o = t + 2 * m;
        uint32_t k = 0, next = 0;
        for (uint32_t i = 0; i < m; i++) {
            if (t[2 * i] > next) o[2 * k] = next, o[2 * k + 1] = t[2 * i] - 1, k++;
            next = t[2 * i + 1] + 1;
        }
        if (next <= 0x10FFFF) o[2 * k] = next, o[2 * k + 1] = 0x10FFFF, k++;
        memmove(t, o, 2 * k * sizeof *t);
        m = k;
    }
    uint32_t h = hash_ranges(t, 2 * m);
    if (ps->set_table) {
        for (uint32_t i = h & ps->set_table_mask;; i = (i + 1) & ps->set_table_mask) {
            uint32_t e = ps->set_table[i];
            if (!e) break;
            const grammar_charset *cs = &ps->sets[e - 1];
            if (cs->count == m && memcmp(ps->ranges + 2 * (size_t)cs->first, t, 2 * m * sizeof *t) == 0)
                return (int32_t)(e - 1);
        }
    }
    /* grow the table at half load */
    if (2 * (ps->n_sets + 1) > (ps->set_table ? ps->set_table_mask + 1 : 0)) {
        uint32_t size = ps->set_table ? 2 * (ps->set_table_mask + 1) : 64;
        uint32_t *nt = calloc(size, sizeof *nt);
        if (!nt) return oom(ps), -1;
        for (uint32_t s = 0; s < ps->n_sets; s++) {
            const grammar_charset *cs = &ps->sets[s];
            uint32_t hh = hash_ranges(ps->ranges + 2 * (size_t)cs->first, 2 * cs->count);
            uint32_t i = hh & (size - 1);
            while (nt[i]) i = (i + 1) & (size - 1);
            nt[i] = s + 1;
        }
        free(ps->set_table);
        ps->set_table = nt;
        ps->set_table_mask = size - 1;
    }
    if (!grow(ps, (void **)&ps->sets, &ps->cap_sets, ps->n_sets + 1, sizeof *ps->sets)) return -1;
    if (!grow(ps, (void **)&ps->ranges, &ps->cap_ranges, ps->n_ranges + 2 * m, sizeof *ps->ranges)) return -1;
    grammar_charset *cs = &ps->sets[ps->n_sets];
    cs->first = ps->n_ranges / 2;
    cs->count = m;
    memcpy(ps->ranges + ps->n_ranges, t, 2 * m * sizeof *t);
    ps->n_ranges += 2 * m;
    memset(cs->lead, 0, sizeof cs->lead);
    grammar tmpg = {.ranges = ps->ranges};
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t lo, hi;
        lead_range(b, &lo, &hi);
        if (lo <= hi && charset_meets(&tmpg, cs, lo, hi)) cs->lead[b >> 5] |= 1u << (b & 31);
    }
    uint32_t i = h & ps->set_table_mask;
    while (ps->set_table[i]) i = (i + 1) & ps->set_table_mask;
    ps->set_table[i] = ps->n_sets + 1;
    return (int32_t)ps->n_sets++;
}

static bool tmp_range(parser *ps, uint32_t lo, uint32_t hi) {
    if (!grow(ps, (void **)&ps->tmp, &ps->cap_tmp, ps->n_tmp + 2, sizeof *ps->tmp)) return false;
    ps->tmp[ps->n_tmp++] = lo;
    ps->tmp[ps->n_tmp++] = hi;
    return true;
}

/* ------------------------------------------------------------ lexing */

static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Skips blanks and comments; newlines too when `newlines`. */
static void skip_space(parser *ps, bool newlines) {
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == ' ' || c == '\t' || c == '\r') ps->p++;
        else if (c == '\n' && newlines) ps->p++;
        else if (c == '#') {
            while (ps->p < ps->end && *ps->p != '\n') ps->p++;
        } else break;
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One UTF-8 character of the grammar text. */
static bool read_utf8(parser *ps, uint32_t *cp) {
    const unsigned char *q = (const unsigned char *)ps->p;
    size_t avail = (size_t)(ps->end - ps->p);
    unsigned char b = q[0];
    uint32_t len, v;
    if (b < 0x80) len = 1, v = b;
    else if (b >= 0xC2 && b <= 0xDF) len = 2, v = b & 0x1F;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, v = b & 0x0F;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, v = b & 0x07;
    else return fail_at(ps, ps->p, "valid UTF-8");
    if (avail < len) return fail_at(ps, ps->p, "valid UTF-8");
    for (uint32_t i = 1; i < len; i++) {
        if ((q[i] & 0xC0) != 0x80) return fail_at(ps, ps->p, "valid UTF-8");
        v = v << 6 | (q[i] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_cp[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return fail_at(ps, ps->p, "valid UTF-8");
    ps->p += len;
    *cp = v;
    return true;
}

/* A character of a literal or class, escapes decoded. */
static bool read_char(parser *ps, uint32_t *cp) {
    if (ps->p >= ps->end) return fail_at(ps, ps->p, "a character");
    if (*ps->p != '\\') return read_utf8(ps, cp);
    const char *esc = ps->p;
    ps->p++;
    if (ps->p >= ps->end) return fail_at(ps, ps->p, "an escape after '\\'");
    char c = *ps->p++;
    int digits = 0;
    switch (c) {
    case 'n': *cp = '\n'; return true;
    case 'r': *cp = '\r'; return true;
    case 't': *cp = '\t'; return true;
    case 'f': *cp = '\f'; return true;
    case 'v': *cp = '\v'; return true;
    case '0': *cp = 0; return true;
    case '\\': case '"': case '\'': case '[': case ']': case '-': case '^': case '/':
    case '.': case '*': case '+': case '?': case '(': case ')': case '{': case '}': case '|':
        *cp = (uint32_t)(unsigned char)c;
        return true;
    case 'x': digits = 2; break;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default:
        ps->p = esc;
        return fail_at(ps, esc, "an escape (\\n \\r \\t \\\\ \\\" \\' \\[ \\] \\xHH \\uHHHH \\UHHHHHHHH)");
    }
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        int h = ps->p < ps->end ? hexval(*ps->p) : -1;
        if (h < 0) return fail_at(ps, ps->p, digits == 2 ? "2 hex digits after \\x" : digits == 4 ? "4 hex digits after \\u" : "8 hex digits after \\U");
        v = v * 16 + (uint32_t)h;
        ps->p++;
    }
    if (v > 0x10FFFF) return fail_msg(ps, esc, WICK_ERR_FORMAT, "escape is beyond U+10FFFF");
    *cp = v;
    return true;
}

/* ------------------------------------------------------------ grammar */

static bool parse_alternates(parser *ps, uint32_t rule, bool nested, int depth);

/* Applies x{min,max} (max UINT32_MAX = unbounded) to the elements of
 * `rule` from `start` on. */
static bool repeat(parser *ps, uint32_t rule, uint32_t start, uint32_t min, uint32_t max, const char *at) {
    rule_def *r = &ps->rules[rule];
    uint32_t len = r->n - start;
    if (len == 0) return true; /* repeating nothing is nothing */
    grammar_elem sym;
    if (len == 1 && r->tag[start] == 0) {
        sym = r->elems[start];
    } else {
        /* wrap the sequence in its own rule so copies are one element (tags move with it) */
        int32_t w = gen_rule(ps, at);
        if (w < 0) return false;
        r = &ps->rules[rule];
        for (uint32_t i = 0; i < len; i++) {
            if (!emit(ps, (uint32_t)w, r->elems[start + i].type, r->elems[start + i].value)) return false;
            r = &ps->rules[rule];
            ps->rules[w].tag[i] = r->tag[start + i];
        }
        sym.type = GEL_RULE;
        sym.value = w;
    }
    r = &ps->rules[rule];
    ps->total_elems -= len;
    r->n = start;
    /* Tags: a class copy is tagged with the state after it; a rule copy's
     * return position (the next element, when still inside the
     * repetition) with the state after that copy. */
    uint32_t rep = ps->n_reps++, unb = UINT32_MAX;
    bool chars = sym.type == GEL_CHARS;
    for (uint32_t i = 1; i <= min; i++) {
        if (!emit(ps, rule, sym.type, sym.value)) return false;
        uint32_t rem = max == UINT32_MAX ? unb : max - i;
        if (chars && !tag_last(ps, rule, rep, min - i, rem)) return false;
        if (!chars && i > 1 && !tag_last(ps, rule, rep, min - (i - 1), max == UINT32_MAX ? unb : max - (i - 1)))
            return false;
    }
    /* the element after the last mandatory rule copy, when inside the repetition */
    bool tag_next = !chars && min > 0 && max != min;
    if (max == UINT32_MAX) {
        /* rec ::= sym rec | (empty): right recursion, a tail call */
        int32_t rec = gen_rule(ps, at);
        if (rec < 0) return false;
        if (!emit(ps, (uint32_t)rec, sym.type, sym.value) || !emit(ps, (uint32_t)rec, GEL_RULE, rec) ||
            !emit(ps, (uint32_t)rec, GEL_ALT, 0))
            return false;
        if (!emit(ps, rule, GEL_RULE, rec)) return false;
        return !tag_next || tag_last(ps, rule, rep, 0, unb);
    }
    /* opt_k ::= sym opt_{k-1} | (empty), innermost first (k copies still allowed) */
    int32_t prev = -1;
    for (uint32_t k = 1; k <= max - min; k++) {
        int32_t o = gen_rule(ps, at);
        if (o < 0) return false;
        if (!emit(ps, (uint32_t)o, sym.type, sym.value)) return false;
        if (chars && !tag_last(ps, (uint32_t)o, rep, 0, k - 1)) return false;
        if (prev >= 0 && (!emit(ps, (uint32_t)o, GEL_RULE, prev) || (!chars && !tag_last(ps, (uint32_t)o, rep, 0, k - 1))))
            return false;
        if (!emit(ps, (uint32_t)o, GEL_ALT, 0)) return false;
        prev = o;
    }
    if (prev < 0) return true;
    if (!emit(ps, rule, GEL_RULE, prev)) return false;
    return !tag_next || tag_last(ps, rule, rep, 0, max - min);
}

static bool read_uint(parser *ps, uint32_t *v) {
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return false;
    uint64_t x = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        x = x * 10 + (uint64_t)(*ps->p - '0');
        if (x > GRAMMAR_MAX_REPEAT) x = GRAMMAR_MAX_REPEAT + 1;
        ps->p++;
    }
    *v = (uint32_t)x;
    return true;
}

static bool parse_class(parser *ps, uint32_t rule) {
    const char *open = ps->p;
    ps->p++; /* '[' */
    bool negate = false;
    if (ps->p < ps->end && *ps->p == '^') negate = true, ps->p++;
    ps->n_tmp = 0;
    while (ps->p < ps->end && *ps->p != ']') {
        uint32_t lo, hi;
        const char *at = ps->p;
        if (!read_char(ps, &lo)) return false;
        hi = lo;
        if (ps->p + 1 < ps->end && ps->p[0] == '-' && ps->p[1] != ']') {
            ps->p++;
            if (!read_char(ps, &hi)) return false;
            if (hi < lo) return fail_msg(ps, at, WICK_ERR_FORMAT, "character range is reversed (its end is below its start)");
        }
        if (!tmp_range(ps, lo, hi)) return false;
    }
    if (ps->p >= ps->end) return fail_at(ps, ps->p, "']' to close the character class");
    if (ps->n_tmp == 0) return fail_at(ps, ps->p, "a character in the class");
    ps->p++;
    (void)open;
    int32_t set = make_set(ps, negate);
    return set >= 0 && emit(ps, rule, GEL_CHARS, set);
}

static bool parse_literal(parser *ps, uint32_t rule) {
    char quote = *ps->p++;
    while (ps->p < ps->end && *ps->p != quote) {
        if (*ps->p == '\n') break;
        uint32_t cp;
        if (!read_char(ps, &cp)) return false;
        ps->n_tmp = 0;
        if (!tmp_range(ps, cp, cp)) return false;
        int32_t set = make_set(ps, false);
        if (set < 0 || !emit(ps, rule, GEL_CHARS, set)) return false;
    }
    if (ps->p >= ps->end || *ps->p != quote)
        return fail_at(ps, ps->p, quote == '"' ? "a closing '\"' for the string literal" : "a closing ''' for the string literal");
    ps->p++;
    return true;
}

static bool parse_sequence(parser *ps, uint32_t rule, bool nested, int depth) {
    uint32_t last_start = UINT32_MAX; /* where the last symbol's elements begin */
    for (;;) {
        skip_space(ps, nested);
        if (ps->p >= ps->end) return true;
        char c = *ps->p;
        const char *at = ps->p;
        if (c == '|' || c == ')' || c == '\n' || c == ';') return true;
        uint32_t here = ps->rules[rule].n;
        if (c == '"' || c == '\'') {
            if (!parse_literal(ps, rule)) return false;
            last_start = here;
        } else if (c == '[') {
            if (!parse_class(ps, rule)) return false;
            last_start = here;
        } else if (c == '.') {
            ps->p++;
            ps->n_tmp = 0;
            if (!tmp_range(ps, 0, 0x10FFFF)) return false;
            int32_t set = make_set(ps, false);
            if (set < 0 || !emit(ps, rule, GEL_CHARS, set)) return false;
            last_start = here;
        } else if (c == '(') {
            if (depth >= GRAMMAR_MAX_NEST)
                return fail_msg(ps, at, WICK_ERR_LIMIT, "parentheses nest too deep (the limit is 256)");
            ps->p++;
            int32_t sub = gen_rule(ps, at);
            if (sub < 0) return false;
            uint32_t saved = ps->cur_rule;
            if (!parse_alternates(ps, (uint32_t)sub, true, depth + 1)) return false;
            ps->cur_rule = saved;
            skip_space(ps, true);
            if (ps->p >= ps->end || *ps->p != ')') return fail_at(ps, ps->p, "')' to close the group");
            ps->p++;
            if (!emit(ps, rule, GEL_RULE, sub)) return false;
            last_start = here;
        } else if (is_name_char(c)) {
            const char *n0 = ps->p;
            while (ps->p < ps->end && is_name_char(*ps->p)) ps->p++;
            const char *q = ps->p;
            while (q < ps->end && (*q == ' ' || *q == '\t')) q++;
            if (q + 2 < ps->end && q[0] == ':' && q[1] == ':' && q[2] == '=') {
                ps->p = n0;
                return fail_at(ps, n0, "a new line before the next rule");
            }
            int32_t ref = find_rule(ps, n0, (size_t)(ps->p - n0));
            if (ref < 0) ref = add_rule(ps, n0, (size_t)(ps->p - n0), n0);
            if (ref < 0 || !emit(ps, rule, GEL_RULE, ref)) return false;
            last_start = here;
        } else if (c == '*' || c == '+' || c == '?' || c == '{') {
            if (last_start == UINT32_MAX) return fail_at(ps, at, "something to repeat before it");
            uint32_t min = 0, max = UINT32_MAX;
            ps->p++;
            if (c == '+') min = 1;
            else if (c == '?') max = 1;
            else if (c == '{') {
                skip_space(ps, false);
                bool has_min = read_uint(ps, &min);
                skip_space(ps, false);
                if (ps->p < ps->end && *ps->p == '}') {
                    if (!has_min) return fail_at(ps, ps->p, "a count in {m}, {m,}, {m,n} or {,n}");
                    max = min;
                } else {
                    if (ps->p >= ps->end || *ps->p != ',') return fail_at(ps, ps->p, "',' or '}' in the repetition count");
                    ps->p++;
                    skip_space(ps, false);
                    if (!read_uint(ps, &max)) max = UINT32_MAX;
                    skip_space(ps, false);
                }
                if (ps->p >= ps->end || *ps->p != '}') return fail_at(ps, ps->p, "'}' to close the repetition count");
                ps->p++;
                if ((max != UINT32_MAX && max > GRAMMAR_MAX_REPEAT) || min > GRAMMAR_MAX_REPEAT)
                    return fail_msg(ps, at, WICK_ERR_LIMIT, "repetition count is over 4096");
                if (max < min) return fail_msg(ps, at, WICK_ERR_FORMAT, "repetition {m,n} has n < m");
            }
            if (!repeat(ps, rule, last_start, min, max, at)) return false;
        } else if (c == '<') {
            return fail_msg(ps, at, WICK_ERR_UNSUPPORTED, "token references <...> are not supported");
        } else {
            return fail_at(ps, at, "a literal, character class, rule name, '(' or '|'");
        }
        if (ps->failed) return false;
    }
}

static bool parse_alternates(parser *ps, uint32_t rule, bool nested, int depth) {
    ps->cur_rule = rule;
    if (!parse_sequence(ps, rule, nested, depth)) return false;
    for (;;) {
        ps->cur_rule = rule;
        skip_space(ps, nested);
        if (!nested) {
            /* a '|' opening the next line continues this rule */
            const char *save = ps->p;
            skip_space(ps, true);
            if (ps->p >= ps->end || *ps->p != '|') ps->p = save;
        }
        if (ps->p >= ps->end || *ps->p != '|') return true;
        ps->p++;
        if (!emit(ps, rule, GEL_ALT, 0)) return false;
        skip_space(ps, true);
        if (!parse_sequence(ps, rule, nested, depth)) return false;
    }
}

/* ------------------------------------------------------------ checks */

/* Rules that can match the empty string, to a fixpoint. */
static void find_nullable(const grammar *g, bool *nullable) {
    bool changed = true;
    while (changed) {
        changed = false;
        for (uint32_t r = 0; r < g->n_rules; r++) {
            if (nullable[r]) continue;
            uint32_t i = g->rule_start[r];
            bool all = true;
            for (;; i++) {
                const grammar_elem *e = &g->elems[i];
                if (e->type == GEL_ALT || e->type == GEL_END) {
                    if (all) {
                        nullable[r] = changed = true;
                        break;
                    }
                    if (e->type == GEL_END) break;
                    all = true;
                } else if (e->type == GEL_CHARS || !nullable[e->value]) {
                    all = false;
                }
            }
        }
    }
}

/* Left recursion: a cycle in "r may reference s before any character". */
static wick_status check_left_recursion(const grammar *g, const rule_def *defs, wick_error *err) {
    wick_status st = WICK_OK;
    uint32_t n = g->n_rules;
    bool *nullable = calloc(n, sizeof *nullable);
    uint8_t *color = calloc(n, 1); /* 0 new, 1 on the path, 2 done */
    uint32_t *path = malloc((size_t)n * sizeof *path);
    uint32_t *cursor = malloc((size_t)n * sizeof *cursor); /* element scan position per path entry */
    bool *blocked = malloc((size_t)n * sizeof *blocked);   /* this alternative hit a non-nullable */
    if (!nullable || !color || !path || !cursor || !blocked) {
        st = wick_error_set(err, WICK_ERR_NOMEM, "grammar: out of memory");
        goto done;
    }
    find_nullable(g, nullable);
    for (uint32_t s = 0; s < n && st == WICK_OK; s++) {
        if (color[s]) continue;
        uint32_t top = 0;
        path[0] = s;
        cursor[0] = g->rule_start[s];
        blocked[0] = false;
        color[s] = 1;
        while (top != UINT32_MAX) {
            uint32_t r = path[top];
            const grammar_elem *e = &g->elems[cursor[top]];
            if (e->type == GEL_END) {
                color[r] = 2;
                top = top ? top - 1 : UINT32_MAX;
                continue;
            }
            cursor[top]++;
            if (e->type == GEL_ALT) {
                blocked[top] = false;
                continue;
            }
            if (blocked[top]) continue;
            if (e->type == GEL_CHARS) {
                blocked[top] = true;
                continue;
            }
            uint32_t t = (uint32_t)e->value;
            if (!nullable[t]) blocked[top] = true;
            if (color[t] == 1) {
                /* the cycle is path[k..top] -> t */
                uint32_t k = 0;
                while (path[k] != t) k++;
                char chain[256];
                size_t len = 0;
                chain[0] = '\0';
                for (uint32_t i = k; i <= top + 1 && len < sizeof chain - 8; i++) {
                    const char *nm = defs[i <= top ? path[i] : t].name;
                    int w = snprintf(chain + len, sizeof chain - len, "%s%s", i > k ? " -> " : "", nm);
                    if (w < 0) break;
                    len += (size_t)w;
                }
                if (len >= sizeof chain - 8) snprintf(chain + sizeof chain - 8, 8, " ...");
                st = wick_error_set(err, WICK_ERR_FORMAT,
                                    "grammar %u:%u: rule '%s' is left-recursive (%s) before matching any "
                                    "character; rewrite it with repetition, e.g. x ::= y (\"+\" y)*",
                                    defs[t].line, defs[t].col, defs[t].name, chain);
                break;
            }
            if (color[t] == 0) {
                color[t] = 1;
                top++;
                path[top] = t;
                cursor[top] = g->rule_start[t];
                blocked[top] = false;
            }
        }
    }
done:
    free(nullable);
    free(color);
    free(path);
    free(cursor);
    free(blocked);
    return st;
}

/* ------------------------------------------------------------ public */

static void parser_free(parser *ps) {
    for (uint32_t i = 0; i < ps->n_rules; i++) {
        free(ps->rules[i].name);
        free(ps->rules[i].elems);
        free(ps->rules[i].tag);
    }
    free(ps->rules);
    free(ps->tags);
    free(ps->sets);
    free(ps->ranges);
    free(ps->set_table);
    free(ps->tmp);
}

wick_status grammar_compile(const char *text, size_t len, grammar **out, wick_error *err) {
    *out = NULL;
    if (!text && len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "grammar: text is NULL");
    if (len > GRAMMAR_MAX_TEXT)
        return wick_error_set(err, WICK_ERR_LIMIT, "grammar: text is %zu bytes, over the limit of %u", len,
                              GRAMMAR_MAX_TEXT);
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.s = ps.p = text ? text : "";
    ps.end = ps.s + len;
    ps.err = err;
    ps.cur_rule = UINT32_MAX;
    for (;;) {
        skip_space(&ps, true);
        while (ps.p < ps.end && *ps.p == ';') {
            ps.p++;
            skip_space(&ps, true);
        }
        if (ps.p >= ps.end) break;
        ps.cur_rule = UINT32_MAX;
        const char *n0 = ps.p;
        while (ps.p < ps.end && is_name_char(*ps.p)) ps.p++;
        if (ps.p == n0) {
            fail_at(&ps, ps.p, "a rule name");
            break;
        }
        size_t nlen = (size_t)(ps.p - n0);
        skip_space(&ps, false);
        if (ps.end - ps.p < 3 || memcmp(ps.p, "::=", 3) != 0) {
            char what[200];
            snprintf(what, sizeof what, "'::=' after rule name '%.*s'", (int)(nlen > 100 ? 100 : nlen), n0);
            fail_at(&ps, ps.p, what);
            break;
        }
        ps.p += 3;
        int32_t r = find_rule(&ps, n0, nlen);
        if (r >= 0 && ps.rules[r].defined) {
            char msg[300];
            snprintf(msg, sizeof msg, "rule '%.*s' is defined twice (first at %u:%u)", (int)(nlen > 100 ? 100 : nlen), n0,
                     ps.rules[r].line, ps.rules[r].col);
            ps.failed = true;
            wick_error_set(err, WICK_ERR_FORMAT, "grammar %u:%u: %s", line_of(&ps, n0), col_of(&ps, n0), msg);
            break;
        }
        if (r < 0) r = add_rule(&ps, n0, nlen, n0);
        if (r < 0) break;
        ps.rules[r].defined = true;
        ps.rules[r].line = line_of(&ps, n0);
        ps.rules[r].col = col_of(&ps, n0);
        skip_space(&ps, true);
        if (!parse_alternates(&ps, (uint32_t)r, false, 0)) break;
        ps.cur_rule = (uint32_t)r;
        skip_space(&ps, false);
        if (ps.p < ps.end && *ps.p != '\n' && *ps.p != ';') {
            fail_at(&ps, ps.p, "end of line after the rule");
            break;
        }
    }
    if (!ps.failed && ps.n_rules == 0)
        wick_error_set(err, WICK_ERR_FORMAT, "grammar: empty grammar (expected at least a rule 'root ::= ...')"),
            ps.failed = true;
    if (!ps.failed) {
        for (uint32_t i = 0; i < ps.n_rules; i++)
            if (!ps.rules[i].defined) {
                wick_error_set(err, WICK_ERR_FORMAT, "grammar %u:%u: undefined rule '%s'", ps.rules[i].line,
                               ps.rules[i].col, ps.rules[i].name);
                ps.failed = true;
                break;
            }
    }
    int32_t root = ps.failed ? -1 : find_rule(&ps, "root", 4);
    if (!ps.failed && root < 0)
        wick_error_set(err, WICK_ERR_FORMAT, "grammar: no rule named 'root' (the start rule)"), ps.failed = true;
    if (ps.failed) {
        parser_free(&ps);
        return ps.code ? ps.code : WICK_ERR_FORMAT;
    }
    /* flatten */
    grammar *g = calloc(1, sizeof *g);
    size_t n_elems = (size_t)ps.total_elems + ps.n_rules;
    if (g) {
        g->elems = malloc(n_elems * sizeof *g->elems);
        g->rule_start = malloc((size_t)ps.n_rules * sizeof *g->rule_start);
    }
    if (!g || !g->elems || !g->rule_start) {
        grammar_free(g);
        parser_free(&ps);
        return wick_error_set(err, WICK_ERR_NOMEM, "grammar: out of memory");
    }
    if (ps.n_tags) {
        g->elem_tag = calloc(n_elems, sizeof *g->elem_tag);
        if (!g->elem_tag) {
            grammar_free(g);
            parser_free(&ps);
            return wick_error_set(err, WICK_ERR_NOMEM, "grammar: out of memory");
        }
        g->tags = ps.tags;
        g->n_tags = ps.n_tags;
        ps.tags = NULL;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < ps.n_rules; i++) {
        g->rule_start[i] = k;
        for (uint32_t j = 0; j < ps.rules[i].n; j++) {
            if (g->elem_tag) g->elem_tag[k] = ps.rules[i].tag[j];
            g->elems[k++] = ps.rules[i].elems[j];
        }
        g->elems[k].type = GEL_END;
        g->elems[k].value = 0;
        k++;
    }
    g->n_elems = k;
    g->n_rules = ps.n_rules;
    g->root = (uint32_t)root;
    g->sets = ps.sets;
    g->n_sets = ps.n_sets;
    g->ranges = ps.ranges;
    g->n_ranges = ps.n_ranges / 2;
    ps.sets = NULL;
    ps.ranges = NULL;
    g->alt_index = malloc(((size_t)ps.n_rules + 1) * sizeof *g->alt_index);
    uint32_t n_alts = ps.n_rules;
    for (uint32_t i = 0; i < g->n_elems; i++) n_alts += g->elems[i].type == GEL_ALT;
    g->alts = malloc((size_t)n_alts * sizeof *g->alts);
    if (!g->alt_index || !g->alts) {
        grammar_free(g);
        parser_free(&ps);
        return wick_error_set(err, WICK_ERR_NOMEM, "grammar: out of memory");
    }
    uint32_t na = 0;
    for (uint32_t r = 0; r < g->n_rules; r++) {
        g->alt_index[r] = na;
        g->alts[na++] = g->rule_start[r];
        for (uint32_t i = g->rule_start[r]; g->elems[i].type != GEL_END; i++)
            if (g->elems[i].type == GEL_ALT) g->alts[na++] = i + 1;
    }
    g->alt_index[g->n_rules] = na;
    wick_status st = check_left_recursion(g, ps.rules, err);
    parser_free(&ps);
    if (st != WICK_OK) {
        grammar_free(g);
        return st;
    }
    *out = g;
    return WICK_OK;
}

void grammar_free(grammar *g) {
    if (!g) return;
    free(g->elems);
    free(g->rule_start);
    free(g->alt_index);
    free(g->alts);
    free(g->sets);
    free(g->ranges);
    free(g->elem_tag);
    free(g->tags);
    free(g);
}
