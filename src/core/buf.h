/* A growable byte buffer, the one way the core builds output text. An
 * allocation failure sets `failed` and later appends do nothing, so callers
 * check once at the end instead of after every append. */
#ifndef WICK_CORE_BUF_H
#define WICK_CORE_BUF_H

#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct wick_buf {
    char *data; /* NUL-terminated when len > 0 */
    size_t len, cap;
    bool failed;
} wick_buf;

void wick_buf_append(wick_buf *b, const char *s, size_t n);
void wick_buf_putc(wick_buf *b, char c);
void wick_buf_puts(wick_buf *b, const char *s);
void wick_buf_printf(wick_buf *b, const char *fmt, ...) WICK_PRINTF(2, 3);
void wick_buf_free(wick_buf *b);
/* Hands over the NUL-terminated contents (never NULL unless allocation
 * failed) and resets the buffer. */
char *wick_buf_take(wick_buf *b, size_t *len);

#endif
