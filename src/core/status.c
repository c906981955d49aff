#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

wick_status wick_error_set(wick_error *err, wick_status code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void wick_error_prefix(wick_error *err, const char *fmt, ...) {
    if (!err) return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[sizeof err->message];
    memcpy(old, err->message, sizeof old);
    snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
}

void wick_error_clear(wick_error *err) {
    if (!err) return;
    err->code = WICK_OK;
    err->message[0] = '\0';
}

const char *wick_status_name(wick_status code) {
    switch (code) {
    case WICK_OK: return "ok";
    case WICK_ERR_IO: return "io error";
    case WICK_ERR_FORMAT: return "malformed input";
    case WICK_ERR_NOMEM: return "out of memory";
    case WICK_ERR_INVALID_ARG: return "invalid argument";
    case WICK_ERR_UNSUPPORTED: return "unsupported";
    case WICK_ERR_NEED_MORE_DATA: return "need more data";
    case WICK_ERR_TEMPLATE: return "template error";
    case WICK_ERR_LIMIT: return "limit exceeded";
    }
    return "unknown status";
}
