/* Fuzz target: the OpenAI request validator (src/api/request_parse.c) must
 * never crash, leak or hang on any bytes, as chat and as completion
 * request; a refusal must name a message, and an accepted request must
 * have consistent fields (stop strings non-empty, bias ids in range). */
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
            api_request_free(&req);
        } else if (st == WICK_ERR_INVALID_ARG) {
            if (!pe.message[0]) abort();
        }
    }
    return 0;
}
