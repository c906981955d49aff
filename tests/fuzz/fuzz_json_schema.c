/* Fuzz target: json_schema_to_gbnf on arbitrary bytes must never crash or
 * hang; whatever converts must compile with grammar_compile (the converter
 * only emits GBNF the grammar engine accepts), and a failure must leave a
 * NUL-terminated message. */
#include "grammar/grammar.h"
#include "grammar/json_schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wick_buf out = {0};
    wick_error err;
    wick_status st = json_schema_to_gbnf((const char *)data, size, &out, &err);
    if (st != WICK_OK) {
        if (!memchr(err.message, 0, sizeof err.message)) abort();
        wick_buf_free(&out);
        return 0;
    }
    grammar *g = NULL;
    if (grammar_compile(out.data, out.len, &g, &err) != WICK_OK) {
        /* grammars over the engine's size limits may fail; anything else is a converter bug */
        if (err.code != WICK_ERR_LIMIT) abort();
    }
    grammar_free(g);
    wick_buf_free(&out);
    return 0;
}
