/* The render arena (every token, node and value of one render; freed in one
 * walk, with a byte limit so a runaway template fails instead of eating
 * memory) and the "line L, column C" error formatting. */
#include "template/jinja.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (64 * 1024)
#define ALIGN 16

struct jarena_block {
    jarena_block *next;
    size_t used, cap;
    /* data follows at HDR */
};

#define HDR ((sizeof(jarena_block) + ALIGN - 1) / ALIGN * ALIGN)

void *jarena_alloc(jarena *a, size_t n) {
    if (n > SIZE_MAX / 2) return NULL;
    n = (n + ALIGN - 1) / ALIGN * ALIGN;
    if (n == 0) n = ALIGN;
    if (a->limit && (a->used > a->limit || n > a->limit - a->used)) return NULL;
    jarena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE;
        jarena_block *nb = malloc(HDR + cap);
        if (!nb) return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && cap == n) {
            /* a big one-off: keep the current block's free space in use */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = (char *)b + HDR + b->used;
    b->used += n;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void jarena_free(jarena *a) {
    jarena_block *b = a->head;
    while (b) {
        jarena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

char *jarena_strdup(jarena *a, const char *s, size_t n) {
    char *p = jarena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

bool jstr_eq(jstr a, const char *lit) {
    size_t n = strlen(lit);
    return a.n == n && memcmp(a.p, lit, n) == 0;
}

wick_status jinja_error_at(wick_error *err, const char *src, size_t src_len, uint32_t pos,
                           wick_status code, const char *fmt, ...) {
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < pos && i < src_len; i++) {
        if (src[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)src[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wick_error_set(err, code, "chat template line %u, column %u: %s", line, col, msg);
}
