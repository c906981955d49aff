/* Fuzz target: the OpenAI request validator (src/api/request_parse.c) must
 * never crash, leak or hang on any bytes, as chat and as completion
 * request; a refusal must name a message, and an accepted request must
 * have consistent fields (stop strings non-empty, bias ids in range, a
 * grammar for every response_format but text). With tools, the engine's
 * tool paths run too: the constraining grammar of every call syntax
 * (built and compiled), the call parser over the same bytes, and the
 * message rewrite for templates without tools. */
#include "api/api_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (int kind = 0; kind < 2; kind++) {
        api_request req;
        api_param_error pe;
        memset(&pe, 0, sizeof pe);
        const wick_status st = api_request_parse((wick_request_kind)kind, (const char *)data, size, 49152, &req, &pe);
        if (st == WICK_OK) {
            for (size_t i = 0; i < req.n_stops; i++)
                if (!req.stops[i] || !req.stops[i][0]) abort();
            for (size_t i = 0; i < req.n_bias; i++)
                if (req.bias[i].token < 0 || req.bias[i].token >= 49152) abort();
            if (req.rf != API_RF_TEXT && !req.grammar) abort();
            if (req.n_tools) { /* the engine's tool paths, for every format */
                for (int f = API_TF_HERMES; f <= API_TF_INJECTED; f++) {
                    wick_buf g = {0};
                    const char *forced = NULL;
                    api_param_error tpe;
                    memset(&tpe, 0, sizeof tpe);
                    if (api_tool_grammar((api_tool_format)f, &req, &g, &forced, &tpe) == WICK_OK) {
                        grammar *gr = NULL;
                        wick_error gerr;
                        /* the wrapper around converted schemas must always compile */
                        if (grammar_compile(g.data, g.len, &gr, &gerr) == WICK_ERR_FORMAT) abort();
                        grammar_free(gr);
                    } else if (!tpe.message[0]) {
                        abort();
                    }
                    wick_buf_free(&g);
                    api_tool_call *calls = NULL;
                    size_t content_len = 0;
                    size_t n = api_tool_calls_parse((api_tool_format)f, &req, (const char *)data, size, &calls, &content_len);
                    if (content_len > size || (n && !calls)) abort();
                    api_tool_calls_free(calls, n);
                }
                char *msgs = NULL;
                if (api_messages_inject_tools(&req, (size & 1) != 0, &msgs, &pe) == WICK_OK && !msgs) abort();
                free(msgs);
            }
            api_request_free(&req);
        } else if (st == WICK_ERR_INVALID_ARG) {
            if (!pe.message[0]) abort();
        }
    }
    return 0;
}
