/* Grammar engine benchmark (issue 7 item 7): compile time and per-token
 * mask time for a mid-size JSON-Schema-shaped grammar and for generic JSON,
 * on real vocabularies. Prints numbers; not a test.
 *
 *   build/bench/grammar_bench [model.gguf ...]
 *
 * Decoding is simulated by tokenizing documents that match the grammar and,
 * at every token, timing fill_mask then accepting the token. "request"
 * numbers use one matcher per document, as a request would (its mask cache
 * starts empty and fills as states recur); "cold" numbers recompute every
 * mask from scratch (a fresh matcher each time: the trie walk alone). */
#include "grammar/grammar.h"
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
    printf("  %-8s compile median %.1f us (%zu bytes of grammar)\n", label, pct(t, 20, 0.5), strlen(gtext));
    size_t cap = 100000;
    double *req = malloc(cap * sizeof *req), *cold = malloc(cap * sizeof *cold);
    size_t n_req = 0, n_cold = 0, allowed_sum = 0;
    uint32_t *mask = malloc(((size_t)vocab_n_tokens(v) + 31) / 32 * sizeof *mask);
    int32_t toks[2048];
    for (int rep = 0; rep < 3; rep++) {
        for (size_t d = 0; d < n_docs; d++) {
            size_t nt = 0;
            if (wick_tokenize(model, docs[d], strlen(docs[d]), 0, toks, 2048, &nt, &err) != WICK_OK) return;
            grammar_matcher *m = NULL, *fresh = NULL;
            grammar_matcher_new(g, &m, &err);
            for (size_t i = 0; i < nt; i++) {
                double t0 = now_us();
                grammar_matcher_fill_mask(m, ix, mask);
                double dt = now_us() - t0;
                if (n_req < cap) req[n_req++] = dt;
                if (rep == 0) {
                    grammar_matcher_new(g, &fresh, &err);
                    grammar_matcher_copy_state(fresh, m);
                    t0 = now_us();
                    grammar_matcher_fill_mask(fresh, ix, mask);
                    dt = now_us() - t0;
                    if (n_cold < cap) cold[n_cold++] = dt;
                    grammar_matcher_free(fresh);
                    for (uint32_t w = 0; w < ((uint32_t)vocab_n_tokens(v) + 31) / 32; w++)
                        allowed_sum += (size_t)__builtin_popcount(mask[w]);
                }
                if (!((mask[toks[i] >> 5] >> (toks[i] & 31)) & 1) || !grammar_matcher_accept_token(m, ix, toks[i])) {
                    fprintf(stderr, "  %s: document %zu token %zu rejected\n", label, d, i);
                    break;
                }
            }
            grammar_matcher_free(m);
        }
    }
    double rmed = pct(req, n_req, 0.5), rp99 = pct(req, n_req, 0.99), rmax = pct(req, n_req, 1.0);
    double cmed = pct(cold, n_cold, 0.5), cp99 = pct(cold, n_cold, 0.99);
    printf("  %-8s mask per token, request (cache per matcher): median %.1f us, p99 %.1f us, max %.1f us (%zu masks)\n",
           label, rmed, rp99, rmax, n_req);
    printf("  %-8s mask per token, cold (trie walk only):       median %.1f us, p99 %.1f us (%zu masks, %.0f tokens "
           "allowed on average)\n",
           label, cmed, cp99, n_cold, n_cold ? (double)allowed_sum / (double)n_cold : 0.0);
    free(mask);
    free(req);
    free(cold);
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
        bench_grammar("json", json_grammar, schema_docs, 3, model, v, ix);
        grammar_vocab_index_free(ix);
        wick_model_close(model);
    }
    return 0;
}
