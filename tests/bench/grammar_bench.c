/* Grammar engine benchmark (issue 7 item 7): compile time, mask-table
 * build time and size, and per-token mask time for a mid-size
 * JSON-Schema-shaped grammar, the JSON Schema converter's output for a
 * user-record schema, and generic JSON, on real vocabularies. Prints
 * numbers; not a test.
 *
 *   build/bench/grammar_bench [model.gguf ...]
 *
 * Decoding is simulated by tokenizing documents that match the grammar and,
 * at every token, timing fill_mask then accepting the token. Two matchers
 * walk each document in lockstep, their fill_mask calls interleaved (order
 * alternating) so both see the same machine load:
 *   trie   no mask table: the trie walk, with the matcher's own cache of
 *          masks by state (a request's cache starts empty)
 *   table  with the per-(grammar, vocab) mask table (grammar_table.c)
 * Both masks must be equal (checked at every token). */
#include "grammar/grammar.h"
#include "grammar/json_schema.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p) {
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* A schema-shaped grammar (what JSON Schema -> GBNF produces for a user
 * record with nested address, tags and an enum), about 30 rules. */
static const char *schema_grammar =
    "root ::= ( \"{\" ws \"\\\"id\\\"\" ws \":\" ws integer \",\" ws \"\\\"name\\\"\" ws \":\" ws string \",\" ws\n"
    "  \"\\\"email\\\"\" ws \":\" ws string \",\" ws \"\\\"age\\\"\" ws \":\" ws integer \",\" ws\n"
    "  \"\\\"role\\\"\" ws \":\" ws role \",\" ws \"\\\"active\\\"\" ws \":\" ws boolean \",\" ws\n"
    "  \"\\\"score\\\"\" ws \":\" ws number \",\" ws \"\\\"tags\\\"\" ws \":\" ws tags \",\" ws\n"
    "  \"\\\"address\\\"\" ws \":\" ws address ( \",\" ws \"\\\"notes\\\"\" ws \":\" ws ( string | null ) )? ws \"}\" )\n"
    "address ::= ( \"{\" ws \"\\\"street\\\"\" ws \":\" ws string \",\" ws \"\\\"city\\\"\" ws \":\" ws string \",\" ws\n"
    "  \"\\\"zip\\\"\" ws \":\" ws zip \",\" ws \"\\\"country\\\"\" ws \":\" ws string ws \"}\" )\n"
    "tags ::= \"[\" ws ( string ( ws \",\" ws string )* )? ws \"]\"\n"
    "role ::= \"\\\"admin\\\"\" | \"\\\"editor\\\"\" | \"\\\"viewer\\\"\" | \"\\\"guest\\\"\"\n"
    "zip ::= \"\\\"\" [0-9]{5} ( \"-\" [0-9]{4} )? \"\\\"\"\n"
    "boolean ::= \"true\" | \"false\"\n"
    "null ::= \"null\"\n"
    "integer ::= \"-\"? ( \"0\" | [1-9] [0-9]{0,15} )\n"
    "number ::= integer ( \".\" [0-9]+ )? ( [eE] [-+]? [0-9]+ )?\n"
    "string ::= \"\\\"\" char* \"\\\"\"\n"
    "char ::= [^\"\\\\\\x00-\\x1F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4} )\n"
    "ws ::= [ \\t\\n]{0,20}\n";

static const char *schema_docs[] = {
    "{\"id\": 1042, \"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\", \"age\": 36, \"role\": \"admin\", "
    "\"active\": true, \"score\": 98.5, \"tags\": [\"math\", \"engines\", \"poetry\"], \"address\": {\"street\": "
    "\"12 St James's Square\", \"city\": \"London\", \"zip\": \"12345\", \"country\": \"United Kingdom\"}, \"notes\": "
    "\"First programmer; wrote the note G algorithm.\"}",
    "{\n  \"id\": 7,\n  \"name\": \"Jos\xc3\xa9 Mart\xc3\xadnez\",\n  \"email\": \"jose.martinez@correo.es\",\n  \"age\": "
    "29,\n  \"role\": \"viewer\",\n  \"active\": false,\n  \"score\": -1.25e2,\n  \"tags\": [],\n  \"address\": {\n    "
    "\"street\": \"Calle Mayor 5\",\n    \"city\": \"Madrid\",\n    \"zip\": \"28013-1234\",\n    \"country\": "
    "\"Espa\xc3\xb1" "a\"\n  }\n}",
    "{\"id\": 99, \"name\": \"\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e\", \"email\": \"taro@example.jp\", \"age\": "
    "41, \"role\": \"editor\", \"active\": true, \"score\": 0.001, \"tags\": [\"\xe6\x97\xa5\xe6\x9c\xac\", "
    "\"tokyo\", \"\\u00e9t\\u00e9\"], \"address\": {\"street\": \"1-2-3 Chiyoda\", \"city\": \"Tokyo\", \"zip\": "
    "\"10000\", \"country\": \"Japan\"}, \"notes\": null}",
};

static const char *json_grammar =
    "root   ::= object\n"
    "value  ::= object | array | string | number | (\"true\" | \"false\" | \"null\") ws\n"
    "object ::= \"{\" ws ( string \":\" ws value (\",\" ws string \":\" ws value)* )? \"}\" ws\n"
    "array  ::= \"[\" ws ( value (\",\" ws value)* )? \"]\" ws\n"
    "string ::= \"\\\"\" ( [^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4}) )* \"\\\"\" ws\n"
    "number ::= (\"-\"? ([0-9] | [1-9] [0-9]{0,15})) (\".\" [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws\n"
    "ws ::= | \" \" | \"\\n\" [ \\t]{0,20}\n";

/* The JSON Schema converter's grammar for a user record (formats, a
 * pattern, an enum, bounds, a nested object, an array, anyOf). */
static const char *user_schema =
    "{\"type\":\"object\",\"properties\":{"
    "\"id\":{\"type\":\"integer\",\"minimum\":1},"
    "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":80},"
    "\"email\":{\"type\":\"string\",\"format\":\"email\"},"
    "\"birthday\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"role\":{\"enum\":[\"admin\",\"editor\",\"viewer\",\"guest\"]},"
    "\"active\":{\"type\":\"boolean\"},"
    "\"score\":{\"type\":\"number\",\"minimum\":0,\"maximum\":100},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":8},"
    "\"address\":{\"type\":\"object\",\"properties\":{\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"},"
    "\"zip\":{\"type\":\"string\",\"pattern\":\"^[0-9]{5}(-[0-9]{4})?$\"},\"country\":{\"type\":\"string\"}},"
    "\"required\":[\"street\",\"city\",\"zip\",\"country\"]},"
    "\"notes\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}},"
    "\"required\":[\"id\",\"name\",\"email\",\"birthday\",\"role\",\"active\",\"score\",\"tags\",\"address\",\"notes\"]}";

static const char *user_docs[] = {
    "{\"id\": 1042, \"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\", \"birthday\": \"1815-12-10\", \"role\": "
    "\"admin\", \"active\": true, \"score\": 98.5, \"tags\": [\"math\", \"engines\", \"poetry\"], \"address\": {\"street\": "
    "\"12 St James's Square\", \"city\": \"London\", \"zip\": \"12345\", \"country\": \"United Kingdom\"}, \"notes\": "
    "\"First programmer; wrote the note G algorithm.\"}",
    "{\n  \"id\": 7,\n  \"name\": \"Jos\xc3\xa9 Mart\xc3\xadnez\",\n  \"email\": \"jose.martinez@correo.es\",\n  "
    "\"birthday\": \"1994-02-28\",\n  \"role\": \"viewer\",\n  \"active\": false,\n  \"score\": 12,\n  \"tags\": [],\n  "
    "\"address\": {\n    \"street\": \"Calle Mayor 5\",\n    \"city\": \"Madrid\",\n    \"zip\": \"28013-1234\",\n    "
    "\"country\": \"Espa\xc3\xb1" "a\"\n  },\n  \"notes\": null\n}",
    "{\"id\": 99, \"name\": \"\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e\", \"email\": \"taro@example.jp\", "
    "\"birthday\": \"1983-07-01\", \"role\": \"editor\", \"active\": true, \"score\": 0.001, \"tags\": "
    "[\"\xe6\x97\xa5\xe6\x9c\xac\", \"tokyo\", \"\\u00e9t\\u00e9\"], \"address\": {\"street\": \"1-2-3 Chiyoda\", "
    "\"city\": \"Tokyo\", \"zip\": \"10000\", \"country\": \"Japan\"}, \"notes\": null}",
};

typedef struct samples {
    double *v;
    size_t n, cap;
} samples;

static void add(samples *s, double x) {
    if (s->n < s->cap) s->v[s->n++] = x;
}

static void bench_grammar(const char *label, const char *gtext, const char **docs, size_t n_docs,
                          wick_model *model, const wick_vocab *v, const grammar_vocab_index *ix) {
    wick_error err;
    double t[64];
    grammar *g = NULL;
    for (int i = 0; i < 20; i++) {
        double t0 = now_us();
        grammar *gi = NULL;
        if (grammar_compile(gtext, strlen(gtext), &gi, &err) != WICK_OK) {
            fprintf(stderr, "compile: %s\n", err.message);
            return;
        }
        t[i] = now_us() - t0;
        if (g) grammar_free(g);
        g = gi;
    }
    printf("  %-10s compile median %.1f us (%zu bytes of grammar)\n", label, pct(t, 20, 0.5), strlen(gtext));
    grammar_mask_table *tab = NULL;
    grammar_mask_table_stats st = {0};
    for (int i = 0; i < 3; i++) {
        grammar_mask_table *ti = NULL;
        if (grammar_mask_table_new(g, ix, &ti, &err) != WICK_OK) {
            fprintf(stderr, "mask table: %s\n", err.message);
            grammar_free(g);
            return;
        }
        grammar_mask_table_get_stats(ti, &st);
        t[i] = st.build_ms;
        grammar_mask_table_free(tab);
        tab = ti;
    }
    printf("  %-10s mask table: built in %.1f ms (median of 3), %.0f KiB, %u positions, %u nodes, %u bitsets, "
           "at most %u tokens checked per stack\n",
           label, pct(t, 3, 0.5), (double)st.bytes / 1024.0, st.positions, st.nodes, st.bitsets, st.uncertain_max);
    samples trie = {0}, table = {0};
    trie.cap = table.cap = 100000;
    trie.v = malloc(trie.cap * sizeof *trie.v);
    table.v = malloc(table.cap * sizeof *table.v);
    uint32_t words = ((uint32_t)vocab_n_tokens(v) + 31) / 32;
    uint32_t *mask = malloc(words * sizeof *mask), *mask2 = malloc(words * sizeof *mask2);
    int32_t toks[2048];
    size_t differ = 0, allowed_sum = 0, masks = 0;
    for (int rep = 0; rep < 3; rep++) {
        for (size_t d = 0; d < n_docs; d++) {
            size_t nt = 0;
            if (wick_tokenize(model, docs[d], strlen(docs[d]), 0, toks, 2048, &nt, &err) != WICK_OK) return;
            grammar_matcher *a = NULL, *b = NULL;
            grammar_matcher_new(g, &a, &err);
            grammar_matcher_new(g, &b, &err);
            grammar_matcher_set_mask_table(b, tab);
            for (size_t i = 0; i < nt; i++) {
                for (int k = 0; k < 2; k++) {
                    bool first_trie = ((i + (size_t)rep) & 1) == 0;
                    bool do_trie = (k == 0) == first_trie;
                    double t0 = now_us();
                    grammar_matcher_fill_mask(do_trie ? a : b, ix, do_trie ? mask : mask2);
                    add(do_trie ? &trie : &table, now_us() - t0);
                }
                masks++;
                differ += memcmp(mask, mask2, words * sizeof *mask) != 0;
                for (uint32_t w = 0; w < words; w++) allowed_sum += (size_t)__builtin_popcount(mask2[w]);
                if (!((mask2[toks[i] >> 5] >> (toks[i] & 31)) & 1) || !grammar_matcher_accept_token(a, ix, toks[i]) ||
                    !grammar_matcher_accept_token(b, ix, toks[i])) {
                    fprintf(stderr, "  %s: document %zu token %zu rejected\n", label, d, i);
                    break;
                }
            }
            grammar_matcher_free(a);
            grammar_matcher_free(b);
        }
    }
    printf("  %-10s mask per token, trie : median %6.1f us, p99 %8.1f us, max %8.1f us (%zu masks)\n", label,
           pct(trie.v, trie.n, 0.5), pct(trie.v, trie.n, 0.99), pct(trie.v, trie.n, 1.0), trie.n);
    printf("  %-10s mask per token, table: median %6.1f us, p99 %8.1f us, max %8.1f us (%.0f tokens allowed on "
           "average)%s\n",
           label, pct(table.v, table.n, 0.5), pct(table.v, table.n, 0.99), pct(table.v, table.n, 1.0),
           masks ? (double)allowed_sum / (double)masks : 0.0, differ ? "  MASKS DIFFER" : "");
    free(mask);
    free(mask2);
    free(trie.v);
    free(table.v);
    grammar_mask_table_free(tab);
    grammar_free(g);
}

int main(int argc, char **argv) {
    const char *defaults[] = {"build/models/smollm2-135m-instruct-q4_1.gguf", "build/models/gemma3-270m-q4_k_m.gguf"};
    const char **paths = argc > 1 ? (const char **)(argv + 1) : defaults;
    int n = argc > 1 ? argc - 1 : 2;
    for (int i = 0; i < n; i++) {
        wick_model *model = NULL;
        wick_error err;
        if (wick_model_open(paths[i], &model, &err) != WICK_OK) {
            fprintf(stderr, "%s\n", err.message);
            continue;
        }
        const wick_vocab *v = NULL;
        grammar_vocab_index *ix = NULL;
        if (model_require_vocab(model, &v, &err) != WICK_OK) {
            fprintf(stderr, "%s\n", err.message);
            wick_model_close(model);
            continue;
        }
        double t0 = now_us();
        if (grammar_vocab_index_new(v, &ix, &err) != WICK_OK) {
            fprintf(stderr, "%s\n", err.message);
            wick_model_close(model);
            continue;
        }
        printf("%s: %d tokens, vocab index built in %.1f ms\n", paths[i], vocab_n_tokens(v), (now_us() - t0) / 1e3);
        bench_grammar("schema", schema_grammar, schema_docs, 3, model, v, ix);
        wick_buf gb = {0};
        if (json_schema_to_gbnf(user_schema, strlen(user_schema), &gb, &err) == WICK_OK && !gb.failed) {
            wick_buf_putc(&gb, 0);
            bench_grammar("jsonschema", gb.data, user_docs, 3, model, v, ix);
        } else {
            fprintf(stderr, "json_schema_to_gbnf: %s\n", err.message);
        }
        wick_buf_free(&gb);
        bench_grammar("json", json_grammar, schema_docs, 3, model, v, ix);
        grammar_vocab_index_free(ix);
        wick_model_close(model);
    }
    return 0;
}
