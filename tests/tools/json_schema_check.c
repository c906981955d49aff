/* Test tool for the JSON Schema converter (tests/conformance/json_schema.py).
 *
 *   json-schema-check --print SCHEMA.json       prints the GBNF
 *   json-schema-check SCHEMA.json < texts.json  texts.json: a JSON array of
 *       strings, each a candidate document; prints "ok" (or "error: <msg>"
 *       when the schema does not convert/compile), then one line per text:
 *       1 if the grammar accepts the whole text, else 0. */
#include "core/buf.h"
#include "grammar/grammar.h"
#include "grammar/json_schema.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(FILE *f, size_t *len) {
    wick_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) wick_buf_append(&b, chunk, n);
    if (b.failed) return NULL;
    if (!b.data) wick_buf_append(&b, "", 0), wick_buf_putc(&b, 0), b.len = 0;
    return wick_buf_take(&b, len);
}

int main(int argc, char **argv) {
    int print = argc == 3 && !strcmp(argv[1], "--print");
    if (argc != 2 && !print) {
        fprintf(stderr, "usage: json-schema-check [--print] SCHEMA.json [< texts.json]\n");
        return 2;
    }
    FILE *f = fopen(argv[print ? 2 : 1], "rb");
    if (!f) {
        perror(argv[print ? 2 : 1]);
        return 2;
    }
    size_t slen;
    char *schema = slurp(f, &slen);
    fclose(f);
    if (!schema) return 2;
    wick_buf gbnf = {0};
    wick_error err;
    wick_status st = json_schema_to_gbnf(schema, slen, &gbnf, &err);
    free(schema);
    if (print) {
        if (st) printf("error: %s\n", err.message);
        else fwrite(gbnf.data, 1, gbnf.len, stdout);
        wick_buf_free(&gbnf);
        return st ? 1 : 0;
    }
    grammar *g = NULL;
    if (!st) {
        st = grammar_compile(gbnf.data, gbnf.len, &g, &err);
        if (st) fprintf(stderr, "grammar:\n%s\n", gbnf.data);
    }
    wick_buf_free(&gbnf);
    size_t tlen;
    char *texts = slurp(stdin, &tlen);
    if (st) {
        printf("error: %s\n", err.message);
        free(texts);
        return 0;
    }
    json_doc *doc = NULL;
    if (!texts || json_parse(texts, tlen, "stdin", &doc, &err) ||
        json_doc_root(doc)->type != JSON_ARRAY) {
        fprintf(stderr, "stdin: expected a JSON array of strings\n");
        free(texts);
        grammar_free(g);
        json_doc_free(doc);
        return 2;
    }
    printf("ok\n");
    const json_value *arr = json_doc_root(doc);
    grammar_matcher *m = NULL;
    if (grammar_matcher_new(g, &m, &err)) {
        fprintf(stderr, "matcher: %s\n", err.message);
        return 2;
    }
    for (size_t i = 0; i < arr->u.array.len; i++) {
        const json_value *t = arr->u.array.items[i];
        grammar_matcher_reset(m);
        int ok = t->type == JSON_STRING &&
                 grammar_matcher_accept_bytes(m, t->u.string.ptr, t->u.string.len) &&
                 grammar_matcher_can_end(m);
        printf("%d\n", ok);
    }
    grammar_matcher_free(m);
    grammar_free(g);
    json_doc_free(doc);
    free(texts);
    return 0;
}
