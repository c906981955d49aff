/* Grammar engine tests.
 *  - compile errors: exact messages (written from the message format the
 *    engine promises: "grammar L:C: in rule 'r': expected X, found Y");
 *  - a GBNF set (arithmetic, JSON, lists, C-like, UTF-8 classes, repetition
 *    counts, escapes): for each grammar, strings that must match and strings
 *    that must not, written by hand from what the grammar means;
 *  - limits: deep nesting, huge repetitions, left recursion never hang;
 *  - masks on the real SmolLM2 and Gemma 3 vocabularies: along random
 *    constrained walks, a token is in the mask iff its bytes are accepted
 *    (brute force over thousands of tokens per state), EOG iff can_end,
 *    control tokens never.
 * Run from the repository root (models in build/models/, from
 * tests/setup/models.sh). */
#include "test_harness.h"

#include "grammar/grammar.h"
#include "model/model.h"
#include "tokenizer/vocab_internal.h"
#include "wick.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static grammar *compile_ok(test_state *ts, const char *text) {
    grammar *g = NULL;
    wick_error err = {0};
    wick_status st = grammar_compile(text, strlen(text), &g, &err);
    CHECK_MSG(ts, st == WICK_OK, "grammar failed to compile: %s", err.message);
    return st == WICK_OK ? g : NULL;
}

/* The whole string is a complete match. */
static bool full_match(const grammar *g, const char *s) {
    grammar_matcher *m = NULL;
    wick_error err;
    if (grammar_matcher_new(g, &m, &err) != WICK_OK) return false;
    bool ok = grammar_matcher_accept_bytes(m, s, strlen(s)) && grammar_matcher_can_end(m);
    grammar_matcher_free(m);
    return ok;
}

/* Byte by byte, as decoding feeds it: the same answer as all at once. */
static bool full_match_bytewise(const grammar *g, const char *s) {
    grammar_matcher *m = NULL;
    wick_error err;
    if (grammar_matcher_new(g, &m, &err) != WICK_OK) return false;
    bool ok = true;
    for (size_t i = 0; s[i] && ok; i++) ok = grammar_matcher_accept_bytes(m, s + i, 1);
    ok = ok && grammar_matcher_can_end(m);
    grammar_matcher_free(m);
    return ok;
}

static bool prefix_ok(const grammar *g, const char *s) {
    grammar_matcher *m = NULL;
    wick_error err;
    if (grammar_matcher_new(g, &m, &err) != WICK_OK) return false;
    bool ok = grammar_matcher_accept_bytes(m, s, strlen(s));
    grammar_matcher_free(m);
    return ok;
}

typedef struct gcase {
    const char *name;
    const char *grammar;
    const char *accept[12];
    const char *reject[12];
} gcase;

static const gcase gcases[] = {
    {"arithmetic",
     "root  ::= (expr \"=\" ws term \"\\n\")+\n"
     "expr  ::= term ([-+*/] term)*\n"
     "term  ::= ident | num | \"(\" ws expr \")\" ws\n"
     "ident ::= [a-z] [a-z0-9_]* ws\n"
     "num   ::= [0-9]+ ws\n"
     "ws    ::= [ \\t\\n]*\n",
     {"1+2=3\n", "a*(b+c)=x\n", "(1)=1\n1=1\n", "x_1 /42 = y\n", "( 7 )=8\n", NULL},
     {"1+=3\n", "1+2=3", "x_1 / 42 = y\n", "=3\n", "A=1\n", "1+2=3\n=", "(1=1\n", "", NULL}},
    {"json",
     "root   ::= object\n"
     "value  ::= object | array | string | number | (\"true\" | \"false\" | \"null\") ws\n"
     "\n"
     "object ::=\n"
     "  \"{\" ws (\n"
     "            string \":\" ws value\n"
     "    (\",\" ws string \":\" ws value)*\n"
     "  )? \"}\" ws\n"
     "\n"
     "array  ::=\n"
     "  \"[\" ws (\n"
     "            value\n"
     "    (\",\" ws value)*\n"
     "  )? \"]\" ws\n"
     "\n"
     "string ::=\n"
     "  \"\\\"\" (\n"
     "    [^\"\\\\\\x7F\\x00-\\x1F] |\n"
     "    \"\\\\\" ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4}) # escapes\n"
     "  )* \"\\\"\" ws\n"
     "\n"
     "number ::= (\"-\"? ([0-9] | [1-9] [0-9]{0,15})) (\".\" [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws\n"
     "\n"
     "# Optional space: by convention, applied in this grammar after literal chars when allowed\n"
     "ws ::= | \" \" | \"\\n\" [ \\t]{0,20}\n",
     {"{}", "{\"a\": 1}", "{\"a\":[1,2,{\"b\":null}],\"c\":\"x\\u00e9\"}", "{\"k\": \"h\xc3\xa9llo \xe2\x98\x83\"}",
      "{\"n\": -0.5e+3}", "{\"t\": true, \"f\": false}", "{\n  \"a\": []\n}", "{\"q\": \"\\\"\\\\\\n\"}", NULL},
     {"[]", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "{\"a\":01}", "{\"a\":\"\x01\"}", "{\"a\":1,}", "{\"a\": tru}",
      "{\"a\":\"\\x\"}", "{\"a\":1", "{\"a\":\"\\u12G4\"}", NULL}},
    {"list",
     "root ::= item+\n"
     "# Excludes various line break characters\n"
     "item ::= \"- \" [^\\r\\n\\x0b\\x0c\\x85\\u2028\\u2029]+ \"\\n\"\n",
     {"- a\n- bc\n", "- h\xc3\xa9llo w\xc3\xb6rld\n", "- - -\n", NULL},
     {"- \n", "-a\n", "- a", "- a\xe2\x80\xa8" "b\n", "", "- a\n\n", "- a\r\n", NULL}},
    {"c-like",
     "root ::= (declaration)*\n"
     "declaration ::= dataType identifier \"(\" parameter? \")\" \"{\" statement* \"}\"\n"
     "dataType  ::= \"int\" ws | \"float\" ws | \"char\" ws\n"
     "identifier ::= [a-zA-Z_] [a-zA-Z_0-9]*\n"
     "parameter ::= dataType identifier\n"
     "statement ::=\n"
     "    ( dataType identifier ws \"=\" ws expression \";\" ) |\n"
     "    ( identifier ws \"=\" ws expression \";\" ) |\n"
     "    ( identifier ws \"(\" argList? \")\" \";\" ) |\n"
     "    ( \"return\" ws expression \";\" ) |\n"
     "    ( \"while\" \"(\" condition \")\" \"{\" statement* \"}\" ) |\n"
     "    ( \"if\" \"(\" condition \")\" \"{\" statement* \"}\" (\"else\" \"{\" statement* \"}\")? ) |\n"
     "    ( singleLineComment ) |\n"
     "    ( multiLineComment )\n"
     "condition ::= expression relationOperator expression\n"
     "relationOperator ::= (\"<=\" | \"<\" | \"==\" | \"!=\" | \">=\" | \">\")\n"
     "expression ::= term ((\"+\" | \"-\") term)*\n"
     "term ::= factor((\"*\" | \"/\") factor)*\n"
     "factor ::= identifier | number | unaryTerm | funcCall | parenExpression\n"
     "unaryTerm ::= \"-\" factor\n"
     "funcCall ::= identifier \"(\" argList? \")\"\n"
     "parenExpression ::= \"(\" ws expression ws \")\"\n"
     "argList ::= expression (\",\" ws expression)*\n"
     "number ::= [0-9]+\n"
     "singleLineComment ::= \"//\" [^\\n]* \"\\n\"\n"
     "multiLineComment ::= \"/*\" ( [^*] | (\"*\" [^/]) )* \"*/\"\n"
     "ws ::= ([ \\t\\n]+)\n",
     {"int main(){return 0;}", "int f(int x){x = x+1;return x;}", "float g(){while(i<10){i = i+1;}}",
      "char c(){// hi\n/* a * b */if(a==b){}else{}}", "", "int h(){print (f(1), -2*x);}", NULL},
     {"int main(){return0;}", "main(){}", "int main(){x = ;}", "int main(){", "int main(){/* x */ }",
      "int main() {}", "int main(){return 0}", NULL}},
    {"utf8 classes",
     "root ::= [\xce\xb1-\xcf\x89]+ \" \" [^a-z]{2,3} \"!\" [\\u4e00-\\u9fff]?\n",
     {"\xce\xb1\xce\xb2\xce\xb3 XY!", "\xcf\x89 12!\xe4\xb8\xad", "\xce\xbb \xc3\x84\xc3\x96\xc3\x9c!", NULL},
     {"\xce\xb1\xce\xb2\xce\xb3 ab!", "a XY!", "\xce\xb1 XYZW!", "\xce\xb1 XY!a", "\xce\xb1 X!", "\xce\xb1 XY!\xe4\xb8",
      "\xce\x91 XY!", "\xce\xb1 X\xff!", NULL}},
    {"any char",
     "root ::= \"<\" . \">\"\n",
     {"<\xc3\xa9>", "<>>", "<\n>", "<\xf0\x9f\x98\x80>", NULL},
     {"<>", "<ab>", "<\xc3>", "<\xc0\x80>", "<\xed\xa0\x80>", NULL}},
    {"repetition counts",
     "root ::= \"a\"{2} \"b\"{1,} \"c\"{0,2} \"d\"{2,3} \"e\"{,2}\n",
     {"aabdd", "aabbbccddd", "aabddee", "aabcdde", NULL},
     {"abdd", "aabcccdd", "aabd", "aabdddd", "aabddeee", "aaabdd", "aadd", NULL}},
    {"escapes",
     "root ::= \"\\x41\\u00e9\\t\\n\\\\\\\"\" [\\x30-\\x39] '\\'' \"\\U0001F600\"\n",
     {"A\xc3\xa9\t\n\\\"5'\xf0\x9f\x98\x80", NULL},
     {"A\xc3\xa9\t\n\\\"a'\xf0\x9f\x98\x80", "A\xc3\xa9\t\n\\\"5'", "Ae\t\n\\\"5'\xf0\x9f\x98\x80", NULL}},
    {"ebnf style",
     "# XGrammar/WebLLM style\n"
     "root ::= greeting ' ' name ;\n"
     "greeting ::= 'hello' | \"hi\"\n"
     "name ::= [A-Z] [a-z]*   # capitalised\n",
     {"hello Bob", "hi X", NULL},
     {"hello bob", "hey Bob", "hi", NULL}},
    {"continuation lines",
     "root ::= \"a\"\n"
     "       | \"b\" \"c\"?\n"
     "\n"
     "   | \"d\"\n",
     {"a", "b", "bc", "d", NULL},
     {"c", "ab", "", NULL}},
    {"nullable root",
     "root ::= (\"x\" | \"yz\")*\n",
     {"", "x", "yzx", "xxyzyz", NULL},
     {"y", "z", "xy", NULL}},
    {"nested groups",
     "root ::= ((\"a\" | \"b\") (\"c\" (\"d\")?)+)?\n",
     {"", "ac", "bcdc", "acdcdcd", NULL},
     {"a", "ad", "cd", "acdd", NULL}},
    /* user rules named like the parser's own group rules (the JSON
     * Schema fuzzer found "root-1" reported as defined twice) */
    {"names like generated ones",
     "root ::= (\"a\" | root-1)+ root-2\nroot-1 ::= \"b\"\nroot-2 ::= (\"c\")?\n",
     {"a", "ab", "bac", "abbc", NULL},
     {"", "c", "acc", "d", NULL}},
};

static void test_gbnf_set(test_state *ts) {
    for (size_t c = 0; c < sizeof gcases / sizeof gcases[0]; c++) {
        const gcase *gc = &gcases[c];
        grammar *g = compile_ok(ts, gc->grammar);
        if (!g) {
            fprintf(stderr, "  (grammar %s)\n", gc->name);
            continue;
        }
        for (int i = 0; gc->accept[i]; i++) {
            CHECK_MSG(ts, full_match(g, gc->accept[i]), "%s: should accept \"%s\"", gc->name, gc->accept[i]);
            CHECK_MSG(ts, full_match_bytewise(g, gc->accept[i]), "%s: byte by byte, should accept \"%s\"",
                      gc->name, gc->accept[i]);
        }
        for (int i = 0; gc->reject[i]; i++) {
            CHECK_MSG(ts, !full_match(g, gc->reject[i]), "%s: should reject \"%s\"", gc->name, gc->reject[i]);
            CHECK_MSG(ts, !full_match_bytewise(g, gc->reject[i]), "%s: byte by byte, should reject \"%s\"",
                      gc->name, gc->reject[i]);
        }
        grammar_free(g);
    }
}

static void test_prefixes_and_state(test_state *ts) {
    grammar *g = compile_ok(ts, "root ::= \"{\" [0-9]+ \"}\"\n");
    if (!g) return;
    CHECK(ts, prefix_ok(g, "{12"));
    CHECK(ts, !prefix_ok(g, "{a"));
    CHECK(ts, !full_match(g, "{12"));
    grammar_matcher *m = NULL;
    wick_error err;
    CHECK(ts, grammar_matcher_new(g, &m, &err) == WICK_OK);
    if (m) {
        CHECK(ts, !grammar_matcher_can_end(m));
        CHECK(ts, grammar_matcher_accept_bytes(m, "{1", 2));
        /* a rejected run leaves the state as it was, even when its first bytes fit */
        CHECK(ts, !grammar_matcher_accept_bytes(m, "2x", 2));
        CHECK(ts, !grammar_matcher_accept_bytes(m, "{", 1));
        CHECK(ts, grammar_matcher_accept_bytes(m, "3}", 2));
        CHECK(ts, grammar_matcher_can_end(m));
        CHECK(ts, !grammar_matcher_accept_bytes(m, "}", 1));
        CHECK(ts, grammar_matcher_accept_bytes(m, "", 0));
        grammar_matcher_reset(m);
        CHECK(ts, !grammar_matcher_can_end(m));
        CHECK(ts, grammar_matcher_accept_bytes(m, "{7}", 3) && grammar_matcher_can_end(m));
        grammar_matcher_free(m);
    }
    grammar_free(g);
    /* lead bytes that can only start characters outside the class (or invalid ones) */
    g = compile_ok(ts, "root ::= [a-z\u0400-\u04ff]+\n");
    if (g) {
        CHECK(ts, prefix_ok(g, "\xd0"));
        CHECK(ts, !prefix_ok(g, "\xe0"));  /* E0 starts U+0800.. only */
        CHECK(ts, !prefix_ok(g, "\xf0"));
        CHECK(ts, !prefix_ok(g, "\xc0"));  /* never valid */
        CHECK(ts, !prefix_ok(g, "a\x80")); /* a stray continuation byte */
        grammar_free(g);
    }
    /* a character split across calls */
    g = compile_ok(ts, "root ::= [\\u00e0-\\u00ff] [\\u4e00-\\u4e01]\n");
    if (g && grammar_matcher_new(g, &m, &err) == WICK_OK) {
        CHECK(ts, grammar_matcher_accept_bytes(m, "\xc3", 1));
        CHECK(ts, !grammar_matcher_can_end(m));
        CHECK(ts, !grammar_matcher_accept_bytes(m, "\x9f", 1)); /* U+00DF: below the range */
        CHECK(ts, grammar_matcher_accept_bytes(m, "\xa9", 1));  /* U+00E9 */
        CHECK(ts, grammar_matcher_accept_bytes(m, "\xe4\xb8", 2));
        CHECK(ts, !grammar_matcher_accept_bytes(m, "\x82", 1)); /* U+4E02 */
        CHECK(ts, grammar_matcher_accept_bytes(m, "\x81", 1));
        CHECK(ts, grammar_matcher_can_end(m));
        grammar_matcher_free(m);
    }
    grammar_free(g);
}

typedef struct ecase {
    const char *grammar;
    const char *message; /* exact, or a prefix when it ends in "..." */
} ecase;

static const ecase errors[] = {
    {"", "grammar: empty grammar (expected at least a rule 'root ::= ...')"},
    {"  # only a comment\n\n", "grammar: empty grammar (expected at least a rule 'root ::= ...')"},
    {"root ::= foo", "grammar 1:10: undefined rule 'foo'"},
    {"a ::= \"x\"", "grammar: no rule named 'root' (the start rule)"},
    {"root ::= \"abc", "grammar 1:14: in rule 'root': expected a closing '\"' for the string literal, found end of input"},
    {"root ::= [a-", "grammar 1:13: in rule 'root': expected ']' to close the character class, found end of input"},
    {"root = \"a\"", "grammar 1:6: expected '::=' after rule name 'root', found '='"},
    {"::= \"a\"", "grammar 1:1: expected a rule name, found ':'"},
    {"root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\"",
     "grammar 2:1: rule 'expr' is left-recursive (expr -> expr) before matching any character; rewrite it with "
     "repetition, e.g. x ::= y (\"+\" y)*"},
    {"root ::= a\na ::= b? a \"x\"\nb ::= \"y\"",
     "grammar 2:1: rule 'a' is left-recursive (a -> a) before matching any character; rewrite it with repetition, "
     "e.g. x ::= y (\"+\" y)*"},
    {"root ::= x\nx ::= y \"1\"\ny ::= x \"2\" | \"3\"",
     "grammar 2:1: rule 'x' is left-recursive (x -> y -> x) before matching any character; rewrite it with "
     "repetition, e.g. x ::= y (\"+\" y)*"},
    {"root ::= \"a\"{5,2}", "grammar 1:13: in rule 'root': repetition {m,n} has n < m"},
    {"root ::= \"a\"{99999}", "grammar 1:13: in rule 'root': repetition count is over 4096"},
    {"root ::= \"a\"{2", "grammar 1:15: in rule 'root': expected ',' or '}' in the repetition count, found end of input"},
    {"root ::= \"a\" \"b\" |\n  * \"c\"", "grammar 2:3: in rule 'root': expected something to repeat before it, found '*'"},
    {"root ::= (\"a\" | \"b\"", "grammar 1:20: in rule 'root': expected ')' to close the group, found end of input"},
    {"root ::= \"\\q\"",
     "grammar 1:11: in rule 'root': expected an escape (\\n \\r \\t \\\\ \\\" \\' \\[ \\] \\xHH \\uHHHH \\UHHHHHHHH), "
     "found '\\'"},
    {"root ::= \"\\x4\"", "grammar 1:14: in rule 'root': expected 2 hex digits after \\x, found '\"'"},
    {"root ::= [z-a]", "grammar 1:11: in rule 'root': character range is reversed (its end is below its start)"},
    {"root ::= []", "grammar 1:11: in rule 'root': expected a character in the class, found ']'"},
    {"root ::= \"a\"\nroot ::= \"b\"", "grammar 2:1: rule 'root' is defined twice (first at 1:1)"},
    {"root ::= \"a\" other ::= \"b\"", "grammar 1:14: in rule 'root': expected a new line before the next rule, found 'o'"},
    {"root ::= \"a\" )", "grammar 1:14: in rule 'root': expected end of line after the rule, found ')'"},
    {"root ::= \"a\" @", "grammar 1:14: in rule 'root': expected a literal, character class, rule name, '(' or '|', found '@'"},
    {"root ::= <think>", "grammar 1:10: in rule 'root': token references <...> are not supported"},
    {"root ::= \"\xff\"", "grammar 1:11: in rule 'root': expected valid UTF-8, found byte 0xFF"},
};

static void test_errors(test_state *ts) {
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        grammar *g = NULL;
        wick_error err = {0};
        wick_status st = grammar_compile(errors[i].grammar, strlen(errors[i].grammar), &g, &err);
        CHECK_MSG(ts, st != WICK_OK && g == NULL, "should fail: %s", errors[i].grammar);
        const char *want = errors[i].message;
        size_t wl = strlen(want);
        if (wl > 3 && strcmp(want + wl - 3, "...") == 0)
            CHECK_MSG(ts, strncmp(err.message, want, wl - 3) == 0, "got \"%s\"", err.message);
        else
            CHECK_MSG(ts, strcmp(err.message, want) == 0, "for %s\n   got \"%s\"\n  want \"%s\"", errors[i].grammar,
                      err.message, want);
        grammar_free(g);
    }
    /* the size limit names itself */
    grammar *g = NULL;
    wick_error err = {0};
    static char big[4000];
    strcpy(big, "root ::= ");
    for (int i = 0; i < 300; i++) strcat(big, "\"a\"{4000} ");
    CHECK(ts, grammar_compile(big, strlen(big), &g, &err) == WICK_ERR_LIMIT);
    CHECK_MSG(ts, strstr(err.message, "too large") != NULL, "%s", err.message);
    /* nesting */
    char deep[700];
    strcpy(deep, "root ::= ");
    for (int i = 0; i < 300; i++) strcat(deep, "(");
    CHECK(ts, grammar_compile(deep, strlen(deep), &g, &err) == WICK_ERR_LIMIT);
    CHECK_MSG(ts, strstr(err.message, "nest too deep") != NULL, "%s", err.message);
}

static void test_limits(test_state *ts) {
    /* nesting deeper than the stack limit is rejected, not a crash */
    grammar *g = compile_ok(ts, "root ::= \"(\" root \")\" | \"x\"\n");
    if (g) {
        grammar_matcher *m = NULL;
        wick_error err;
        if (grammar_matcher_new(g, &m, &err) == WICK_OK) {
            bool ok = true;
            int n = 0;
            for (; n < 3000 && ok; n++) ok = grammar_matcher_accept_bytes(m, "(", 1);
            CHECK(ts, !ok && n > 500);
            grammar_matcher_free(m);
        }
        CHECK(ts, full_match(g, "((((x))))"));
        CHECK(ts, !full_match(g, "((((x)))"));
        grammar_free(g);
    }
    /* many ambiguous parses stay bounded (deduplicated) */
    g = compile_ok(ts, "root ::= x*\nx ::= \"a\" | \"a\" \"a\" | \"a\" \"a\" \"a\" | (\"a\"? \"a\")\n");
    if (g) {
        char s[2001];
        memset(s, 'a', 2000);
        s[2000] = 0;
        CHECK(ts, full_match(g, s));
        grammar_free(g);
    }
    /* a class that matches nothing */
    g = compile_ok(ts, "root ::= \"a\" [^\\x00-\\U0010FFFF]? \n");
    if (g) {
        CHECK(ts, full_match(g, "a"));
        CHECK(ts, !full_match(g, "ab"));
        grammar_free(g);
    }
}

/* ------------------------------------------------------------ masks */

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const char *json_grammar = gcases[1].grammar;

static inline bool has_bit_t(const uint32_t *m, int32_t t) { return (m[(uint32_t)t >> 5] >> (t & 31)) & 1; }

/* Walks `steps` tokens chosen at random from the mask, checking at each
 * state that the mask agrees with accept_token for `sample` tokens. */
static void check_masks(test_state *ts, const char *model_path, const char *gtext, int steps, int sample,
                        uint64_t seed) {
    wick_model *model = NULL;
    wick_error err = {0};
    if (wick_model_open(model_path, &model, &err) != WICK_OK) {
        CHECK_MSG(ts, 0, "%s (run tests/setup/models.sh)", err.message);
        return;
    }
    const wick_vocab *v = NULL;
    grammar_vocab_index *ix = NULL;
    grammar *g = NULL;
    grammar_matcher *m = NULL, *probe = NULL;
    CHECK(ts, model_require_vocab(model, &v, &err) == WICK_OK);
    CHECK(ts, v && grammar_vocab_index_new(v, &ix, &err) == WICK_OK);
    g = compile_ok(ts, gtext);
    if (!ix || !g || grammar_matcher_new(g, &m, &err) != WICK_OK || grammar_matcher_new(g, &probe, &err) != WICK_OK)
        goto done;
    int32_t nv = vocab_n_tokens(v);
    uint32_t words = (uint32_t)(nv + 31) / 32;
    uint32_t *mask = calloc(words, sizeof *mask);
    uint32_t *mask2 = calloc(words, sizeof *mask2);
    int32_t *allowed = malloc((size_t)nv * sizeof *allowed);
    uint64_t rs = seed;
    int mismatches = 0, checked = 0, partial_states = 0;
    char hist[512] = "";
    for (int step = 0; step < steps && mask && allowed && mask2; step++) {
        grammar_matcher_fill_mask(m, ix, mask);
        /* a second call (cache hit) gives the same mask */
        grammar_matcher_fill_mask(m, ix, mask2);
        CHECK(ts, memcmp(mask, mask2, words * sizeof *mask) == 0);
        int n_allowed = 0;
        for (int32_t t = 0; t < nv; t++) {
            bool bit = (mask[t >> 5] >> (t & 31)) & 1;
            if (bit) allowed[n_allowed++] = t;
            if (vocab_is_eog(v, t)) {
                CHECK(ts, bit == grammar_matcher_can_end(m));
            } else if (vocab_is_special_type(v->type[t])) {
                CHECK_MSG(ts, !bit, "control token %d allowed", t);
            }
        }
        /* brute force: sampled tokens plus every allowed one up to the sample size */
        for (int k = 0; k < sample; k++) {
            int32_t t = k < n_allowed && k < sample / 4 ? allowed[rng_next(&rs) % (uint64_t)n_allowed]
                                                        : (int32_t)(rng_next(&rs) % (uint64_t)nv);
            bool bit = (mask[t >> 5] >> (t & 31)) & 1;
            grammar_matcher_copy_state(probe, m);
            bool acc = grammar_matcher_accept_token(probe, ix, t);
            checked++;
            if (bit != acc) {
                if (mismatches++ < 5)
                    fprintf(stderr, "  mask mismatch at step %d: token %d \"%s\" mask=%d accept=%d\n", step, t,
                            vocab_token_text(v, t), bit, acc);
            }
        }
        if (n_allowed == 0) {
            fprintf(stderr, "  no token allowed at step %d (%s)\n", step, hist);
            break;
        }
        /* next token: mostly random among allowed, sometimes a byte token to split a character */
        int32_t pick = allowed[rng_next(&rs) % (uint64_t)n_allowed];
        if (rng_next(&rs) % 4 == 0) {
            for (int tries = 0; tries < 50; tries++) {
                int32_t b = v->byte_token[0x80 + rng_next(&rs) % 0x75];
                if (b >= 0 && ((mask[b >> 5] >> (b & 31)) & 1)) {
                    pick = b;
                    break;
                }
            }
        }
        if (vocab_is_eog(v, pick)) {
            CHECK(ts, grammar_matcher_accept_token(m, ix, pick));
            grammar_matcher_reset(m);
            continue;
        }
        CHECK(ts, grammar_matcher_accept_token(m, ix, pick));
        if (strlen(hist) + strlen(vocab_token_text(v, pick)) + 3 < sizeof hist) {
            strcat(hist, vocab_token_text(v, pick));
            strcat(hist, "|");
        }
        grammar_matcher_copy_state(probe, m);
        /* is the state inside a UTF-8 character? (a lone continuation byte cannot come next otherwise) */
        partial_states += grammar_matcher_accept_bytes(probe, "\x80", 1) || grammar_matcher_accept_bytes(probe, "\xbf", 1);
    }
    CHECK_MSG(ts, mismatches == 0, "%d of %d mask bits disagree with accept_token", mismatches, checked);
    printf("  %s: %d token checks, %d mid-character states, %d mismatches\n", model_path, checked, partial_states,
           mismatches);
    free(mask);
    free(mask2);
    free(allowed);
done:
    grammar_matcher_free(m);
    grammar_matcher_free(probe);
    grammar_free(g);
    grammar_vocab_index_free(ix);
    wick_model_close(model);
}

static void test_mask_smollm2(test_state *ts) {
    check_masks(ts, "build/models/smollm2-135m-instruct-q4_1.gguf", json_grammar, 40, 1500, 0x1234567u);
    check_masks(ts, "build/models/smollm2-135m-instruct-q4_1.gguf", gcases[4].grammar, 12, 1500, 0x777u);
    check_masks(ts, "build/models/smollm2-135m-instruct-q4_1.gguf", gcases[3].grammar, 20, 1000, 0x999u);
}

static void test_mask_gemma3(test_state *ts) {
    check_masks(ts, "build/models/gemma3-270m-q4_k_m.gguf", json_grammar, 25, 1500, 0xabcdefu);
    check_masks(ts, "build/models/gemma3-270m-q4_k_m.gguf", gcases[2].grammar, 10, 1000, 0x4242u);
}

/* ------------------------------------------------------------ mask tables */

/* A JSON-Schema-shaped grammar (a user record: nested object, enum, array,
 * counted digits, a string rule shared by every field). */
static const char *schema_grammar =
    "root ::= ( \"{\" ws \"\\\"id\\\"\" ws \":\" ws integer \",\" ws \"\\\"name\\\"\" ws \":\" ws string \",\" ws\n"
    "  \"\\\"role\\\"\" ws \":\" ws role \",\" ws \"\\\"tags\\\"\" ws \":\" ws tags \",\" ws\n"
    "  \"\\\"address\\\"\" ws \":\" ws address ( \",\" ws \"\\\"notes\\\"\" ws \":\" ws ( string | \"null\" ) )? ws \"}\" )\n"
    "address ::= \"{\" ws \"\\\"city\\\"\" ws \":\" ws string \",\" ws \"\\\"zip\\\"\" ws \":\" ws zip ws \"}\"\n"
    "tags ::= \"[\" ws ( string ( ws \",\" ws string )* )? ws \"]\"\n"
    "role ::= \"\\\"admin\\\"\" | \"\\\"editor\\\"\" | \"\\\"viewer\\\"\"\n"
    "zip ::= \"\\\"\" [0-9]{5} ( \"-\" [0-9]{4} )? \"\\\"\"\n"
    "integer ::= \"-\"? ( \"0\" | [1-9] [0-9]{0,15} )\n"
    "string ::= \"\\\"\" char* \"\\\"\"\n"
    "char ::= [^\"\\\\\\x00-\\x1F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4} )\n"
    "ws ::= [ \\t\\n]{0,20}\n";

/* Character classes, negation, counted repetition and nesting. */
static const char *classes_grammar =
    "root ::= line{1,4}\n"
    "line ::= key \"=\" ( [0-9]{1,3} | \"'\" [^'\\n]{0,12} \"'\" | list ) \"\\n\"\n"
    "key ::= [a-zA-Z_] [a-zA-Z0-9_\\-]{0,7}\n"
    "list ::= \"(\" ( item ( \", \" item )* )? \")\"\n"
    "item ::= [\\u00e0-\\u00ff\\u4e00-\\u9fff]+ | list\n";

/* Counted repetitions, large and small, of classes and of rules, nested:
 * the table shares work between the copies of one repetition (by token
 * length), so every bound is reached by some walk here. */
static const char *counted_grammar =
    "root ::= \"\\\"\" char{1,12} \"\\\"\" ( \",\" word ){0,3} \" \" [a-z ]{0,500} tail \"\\n\"\n"
    "word ::= [a-z]{2,6} ( \"-\" [a-z0-9]{1,4} ){0,2} | [0-9]{3,3} | ( [a-z] [0-9] ){2,5}\n"
    "tail ::= ( \".\" char{6,10} ){1,2} | \"!\" [a-z]{5,}\n"
    "char ::= [^\"\\\\\\x00-\\x1F] | \"\\\\\" [\"\\\\/bfnrt]\n";

/* The JSON Schema converter's shape for a string with maxLength 80. */
static const char *max_length_grammar =
    "root ::= \"{\" ws \"\\\"name\\\"\" ws \":\" ws name ( \",\" ws \"\\\"email\\\"\" ws \":\" ws email )? \"}\"\n"
    "name ::= \"\\\"\" char{1,80} \"\\\"\" ws\n"
    "email ::= \"\\\"\" ( [a-zA-Z0-9_+-] ){1,32} ( \".\" ( [a-zA-Z0-9_+-] ){1,32} ){0,3} \"@\" ( [a-z0-9] ){1,20} "
    "( \".\" ( [a-z0-9] ){1,20} ){0,4} \"\\\"\"\n"
    "char ::= [^\"\\\\\\x00-\\x1F] | \"\\\\\" [\"\\\\/bfnrt]\n"
    "ws ::= | \" \" | \"\\n\" [ \\t]{0,20}\n";

static int popcount_mask(const uint32_t *m, uint32_t words) {
    int n = 0;
    for (uint32_t w = 0; w < words; w++) n += __builtin_popcount(m[w]);
    return n;
}

/* Random constrained walks: at every state the table's mask must equal the
 * trie walk's, and a brute-force accept_token check (every token of the
 * vocabulary at `full_every`-th states, a sample elsewhere) must agree. */
static void check_table(test_state *ts, const char *model_path, const char *gname, const char *gtext, int walks,
                        int steps, int full_every, uint64_t seed) {
    wick_model *model = NULL;
    wick_error err = {0};
    if (wick_model_open(model_path, &model, &err) != WICK_OK) {
        CHECK_MSG(ts, 0, "%s (run tests/setup/models.sh)", err.message);
        return;
    }
    const wick_vocab *v = NULL;
    grammar_vocab_index *ix = NULL;
    grammar *g = NULL;
    grammar_mask_table *tab = NULL;
    grammar_matcher *m = NULL, *slow = NULL, *probe = NULL;
    uint32_t *fast_mask = NULL, *slow_mask = NULL;
    int32_t *allowed = NULL;
    CHECK(ts, model_require_vocab(model, &v, &err) == WICK_OK);
    CHECK(ts, v && grammar_vocab_index_new(v, &ix, &err) == WICK_OK);
    g = compile_ok(ts, gtext);
    if (!ix || !g) goto done;
    CHECK_MSG(ts, grammar_mask_table_new(g, ix, &tab, &err) == WICK_OK, "%s", err.message);
    if (!tab || grammar_matcher_new(g, &m, &err) != WICK_OK || grammar_matcher_new(g, &slow, &err) != WICK_OK ||
        grammar_matcher_new(g, &probe, &err) != WICK_OK)
        goto done;
    CHECK(ts, grammar_matcher_set_mask_table(m, tab));
    int32_t nv = vocab_n_tokens(v);
    uint32_t words = (uint32_t)(nv + 31) / 32;
    fast_mask = calloc(words, sizeof *fast_mask);
    slow_mask = calloc(words, sizeof *slow_mask);
    allowed = malloc((size_t)nv * sizeof *allowed);
    if (!fast_mask || !slow_mask || !allowed) goto done;
    uint64_t rs = seed;
    int states = 0, differ = 0, brute = 0, brute_bad = 0, full_states = 0;
    for (int w = 0; w < walks; w++) {
        grammar_matcher_reset(m);
        for (int step = 0; step < steps; step++) {
            grammar_matcher_fill_mask(m, ix, fast_mask);
            grammar_matcher_copy_state(slow, m);
            grammar_matcher_fill_mask(slow, ix, slow_mask);
            states++;
            if (memcmp(fast_mask, slow_mask, words * sizeof *fast_mask) != 0) {
                int shown = 0;
                for (int32_t t = 0; t < nv; t++) {
                    bool a = has_bit_t(fast_mask, t), b = has_bit_t(slow_mask, t);
                    if (a != b && shown++ < 3)
                        fprintf(stderr, "  %s %s walk %d step %d: token %d \"%s\" table=%d trie=%d\n", model_path,
                                gname, w, step, t, vocab_token_text(v, t), a, b);
                }
                differ++;
            }
            /* brute force against accept_token */
            bool full = full_every > 0 && states % full_every == 1;
            full_states += full;
            int n_check = full ? nv : 600;
            for (int k = 0; k < n_check; k++) {
                int32_t t = full ? k : (int32_t)(rng_next(&rs) % (uint64_t)nv);
                grammar_matcher_copy_state(probe, m);
                bool acc = grammar_matcher_accept_token(probe, ix, t);
                brute++;
                if (acc != has_bit_t(fast_mask, t) && brute_bad++ < 3)
                    fprintf(stderr, "  %s %s: token %d \"%s\" table=%d accept=%d\n", model_path, gname, t,
                            vocab_token_text(v, t), has_bit_t(fast_mask, t), acc);
            }
            int n_allowed = 0;
            for (int32_t t = 0; t < nv; t++)
                if (has_bit_t(fast_mask, t)) allowed[n_allowed++] = t;
            CHECK(ts, n_allowed == popcount_mask(fast_mask, words));
            if (n_allowed == 0) break;
            int32_t pick = allowed[rng_next(&rs) % (uint64_t)n_allowed];
            /* sometimes a short token, to reach deep states sooner; sometimes a byte token */
            if (rng_next(&rs) % 3 == 0) {
                for (int tries = 0; tries < 20; tries++) {
                    int32_t c = allowed[rng_next(&rs) % (uint64_t)n_allowed];
                    size_t lc, lp;
                    vocab_piece(v, c, &lc);
                    vocab_piece(v, pick, &lp);
                    if (lc < lp) pick = c;
                }
            } else if (rng_next(&rs) % 6 == 0) {
                for (int tries = 0; tries < 50; tries++) {
                    int32_t b = v->byte_token[0x80 + rng_next(&rs) % 0x75];
                    if (b >= 0 && has_bit_t(fast_mask, b)) {
                        pick = b;
                        break;
                    }
                }
            }
            if (vocab_is_eog(v, pick)) break;
            CHECK(ts, grammar_matcher_accept_token(m, ix, pick));
        }
    }
    CHECK_MSG(ts, differ == 0, "%s %s: table and trie walk masks differ in %d of %d states", model_path, gname,
              differ, states);
    CHECK_MSG(ts, brute_bad == 0, "%s %s: %d of %d brute-force token checks disagree", model_path, gname, brute_bad,
              brute);
    grammar_mask_table_stats st;
    grammar_mask_table_get_stats(tab, &st);
    printf("  %s %-8s: %d states (%d fully brute-forced), %d token checks; table %u nodes, %.1f ms, %.0f KiB\n",
           strstr(model_path, "gemma") ? "gemma3 " : "smollm2", gname, states, full_states, brute, st.nodes,
           st.build_ms, (double)st.bytes / 1024.0);
done:
    free(fast_mask);
    free(slow_mask);
    free(allowed);
    grammar_matcher_free(m);
    grammar_matcher_free(slow);
    grammar_matcher_free(probe);
    grammar_mask_table_free(tab);
    grammar_free(g);
    grammar_vocab_index_free(ix);
    wick_model_close(model);
}

static void test_mask_table(test_state *ts) {
    static const char *models[] = {"build/models/smollm2-135m-instruct-q4_1.gguf", "build/models/gemma3-270m-q4_k_m.gguf"};
    for (int i = 0; i < 2; i++) {
        int full = i == 0 ? 9 : 0; /* every token at every 9th state (SmolLM2; Gemma's 262k would be slow under ASan) */
        check_table(ts, models[i], "json", json_grammar, 4, 40, full, 0x51 + (uint64_t)i);
        check_table(ts, models[i], "schema", schema_grammar, 3, 60, full, 0x52 + (uint64_t)i);
        check_table(ts, models[i], "classes", classes_grammar, 4, 30, full, 0x53 + (uint64_t)i);
        check_table(ts, models[i], "arith", gcases[0].grammar, 3, 30, full, 0x54 + (uint64_t)i);
        check_table(ts, models[i], "c-like", gcases[3].grammar, 2, 30, full, 0x55 + (uint64_t)i);
        check_table(ts, models[i], "counted", counted_grammar, 6, 40, full, 0x56 + (uint64_t)i);
        check_table(ts, models[i], "maxlen", max_length_grammar, 4, 50, full, 0x57 + (uint64_t)i);
    }
}

/* Counted repetitions by hand: large counts, exact counts, nested groups. */
static void test_counted(test_state *ts) {
    char buf[1200];
    grammar *g = compile_ok(ts, "root ::= [ab]{0,500} \".\"\n");
    if (g) {
        CHECK(ts, full_match(g, "."));
        for (int n = 498; n <= 501; n++) {
            memset(buf, n % 2 ? 'a' : 'b', (size_t)n);
            memcpy(buf + n, ".", 2);
            CHECK_MSG(ts, full_match(g, buf) == (n <= 500), "[ab]{0,500} with %d", n);
            CHECK(ts, full_match_bytewise(g, buf) == (n <= 500));
        }
        memset(buf, 'a', 501);
        buf[501] = 0;
        CHECK(ts, !prefix_ok(g, buf)); /* the 501st letter is already wrong */
        CHECK(ts, !full_match(g, "abc."));
        grammar_free(g);
    }
    g = compile_ok(ts, "root ::= \"x\"{500,} \"y\"{3,3}\n");
    if (g) {
        for (int n = 499; n <= 502; n++) {
            memset(buf, 'x', (size_t)n);
            memcpy(buf + n, "yyy", 4);
            CHECK_MSG(ts, full_match(g, buf) == (n >= 500), "x{500,} with %d", n);
        }
        memset(buf, 'x', 600);
        memcpy(buf + 600, "yy", 3);
        CHECK(ts, !full_match(g, buf) && prefix_ok(g, buf));
        memcpy(buf + 600, "yyyy", 5);
        CHECK(ts, !full_match(g, buf));
        grammar_free(g);
    }
    /* nested counted groups, rule copies with mandatory ones, an exact count of a group */
    g = compile_ok(ts, "root ::= ( [0-9]{1,3} ( \",\" w{2,4} ){0,2} \";\" ){2,3} ( \"ab\" ){3}\n"
                       "w ::= [a-z]\n");
    if (g) {
        static const char *yes[] = {"1;2;ababab", "123,ab,abcd;9;ababab", "1,ab;2,xyz,abcd;345,zz;ababab", NULL};
        static const char *no[] = {"1;ababab", "1;2;3;4;ababab", "1234;2;ababab", "1,a;2;ababab",
                                   "1,abcde;2;ababab", "1,ab,ab,ab;2;ababab", "1;2;abab", "1;2;abababab", NULL};
        for (int i = 0; yes[i]; i++) CHECK_MSG(ts, full_match(g, yes[i]) && full_match_bytewise(g, yes[i]), "%s", yes[i]);
        for (int i = 0; no[i]; i++) CHECK_MSG(ts, !full_match(g, no[i]), "%s", no[i]);
        grammar_free(g);
    }
}

/* The table API's contracts: a table for another grammar is refused, NULL
 * goes back to the trie walk, a shared table serves several matchers. */
static void test_mask_table_api(test_state *ts) {
    wick_model *model = NULL;
    wick_error err = {0};
    if (wick_model_open("build/models/smollm2-135m-instruct-q4_1.gguf", &model, &err) != WICK_OK) {
        CHECK_MSG(ts, 0, "%s", err.message);
        return;
    }
    const wick_vocab *v = NULL;
    grammar_vocab_index *ix = NULL;
    grammar *g1 = compile_ok(ts, "root ::= \"ab\" [0-9]+\n"), *g2 = compile_ok(ts, "root ::= \"x\"\n");
    grammar_mask_table *t1 = NULL;
    grammar_matcher *m = NULL;
    CHECK(ts, grammar_mask_table_new(NULL, NULL, &t1, &err) == WICK_ERR_INVALID_ARG && t1 == NULL);
    if (model_require_vocab(model, &v, &err) == WICK_OK && grammar_vocab_index_new(v, &ix, &err) == WICK_OK && g1 &&
        g2 && grammar_mask_table_new(g1, ix, &t1, &err) == WICK_OK && grammar_matcher_new(g2, &m, &err) == WICK_OK) {
        CHECK(ts, !grammar_matcher_set_mask_table(m, t1));
        CHECK(ts, grammar_matcher_set_mask_table(m, NULL));
        grammar_mask_table_stats st;
        grammar_mask_table_get_stats(t1, &st);
        CHECK(ts, st.positions >= 3 && st.nodes >= st.positions && st.bytes > 0);
    }
    grammar_matcher_free(m);
    grammar_mask_table_free(t1);
    grammar_mask_table_free(NULL);
    grammar_free(g1);
    grammar_free(g2);
    grammar_vocab_index_free(ix);
    wick_model_close(model);
}

/* A text the tokenizer produces is accepted token by token, each token in the mask. */
static void test_tokenized_document(test_state *ts) {
    wick_model *model = NULL;
    wick_error err = {0};
    if (wick_model_open("build/models/smollm2-135m-instruct-q4_1.gguf", &model, &err) != WICK_OK) {
        CHECK_MSG(ts, 0, "%s", err.message);
        return;
    }
    const wick_vocab *v = NULL;
    grammar_vocab_index *ix = NULL;
    grammar *g = compile_ok(ts, json_grammar);
    grammar_matcher *m = NULL;
    if (model_require_vocab(model, &v, &err) == WICK_OK && grammar_vocab_index_new(v, &ix, &err) == WICK_OK && g &&
        grammar_matcher_new(g, &m, &err) == WICK_OK) {
        const char *doc = "{\"name\": \"Zo\xc3\xab\", \"tags\": [\"a\", \"b\xe2\x98\x83\"], \"n\": -12.5e3, \"ok\": true}";
        int32_t toks[128];
        size_t nt = 0;
        CHECK(ts, wick_tokenize(model, doc, strlen(doc), 0, toks, 128, &nt, &err) == WICK_OK);
        uint32_t *mask = calloc(((size_t)vocab_n_tokens(v) + 31) / 32, sizeof *mask);
        for (size_t i = 0; i < nt && mask; i++) {
            grammar_matcher_fill_mask(m, ix, mask);
            CHECK_MSG(ts, (mask[toks[i] >> 5] >> (toks[i] & 31)) & 1, "token %zu (%d) not in mask", i, toks[i]);
            CHECK(ts, grammar_matcher_accept_token(m, ix, toks[i]));
        }
        CHECK(ts, grammar_matcher_can_end(m));
        if (mask) {
            grammar_matcher_fill_mask(m, ix, mask);
            CHECK(ts, (mask[vocab_eos(v) >> 5] >> (vocab_eos(v) & 31)) & 1);
            CHECK(ts, grammar_matcher_accept_token(m, ix, vocab_eos(v)));
        }
        free(mask);
    }
    grammar_matcher_free(m);
    grammar_free(g);
    grammar_vocab_index_free(ix);
    wick_model_close(model);
}

TEST_MAIN("grammar", {"gbnf_set", test_gbnf_set}, {"prefixes_and_state", test_prefixes_and_state},
          {"errors", test_errors}, {"limits", test_limits}, {"tokenized_document", test_tokenized_document},
          {"mask_smollm2", test_mask_smollm2}, {"mask_gemma3", test_mask_gemma3}, {"mask_table_api", test_mask_table_api},
          {"mask_table", test_mask_table}, {"counted", test_counted})
