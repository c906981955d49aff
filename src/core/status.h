/* Internal error reporting. Every fallible function takes a `wick_error *`
 * (may be NULL) and returns a wick_status; wick_error_set() formats the
 * message once, at the place that knows which field and offset went wrong. */
#ifndef WICK_CORE_STATUS_H
#define WICK_CORE_STATUS_H

#include "wick.h"

#if defined(__GNUC__) || defined(__clang__)
#define WICK_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define WICK_PRINTF(fmt_idx, arg_idx)
#endif

/* Sets err->code and err->message (truncated to fit) and returns code. */
wick_status wick_error_set(wick_error *err, wick_status code, const char *fmt, ...) WICK_PRINTF(3, 4);

/* Prepends "context: " to an error already set (e.g. the file name). */
void wick_error_prefix(wick_error *err, const char *fmt, ...) WICK_PRINTF(2, 3);

void wick_error_clear(wick_error *err);

#endif
