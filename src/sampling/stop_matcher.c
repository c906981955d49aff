/* Stop strings across token boundaries (contract in sampler.h).
 *
 * State: `buf[start..len)` is text received but not yet emitted. Invariant
 * between calls: it contains no complete stop string, and it is exactly the
 * longest tail of the stream that is a proper prefix of some stop string
 * (so it is shorter than the longest stop string). Therefore any stop
 * string completed by later text must start inside it: text already
 * emitted can never turn out to belong to a stop string. */
#include "sampling/sampler.h"

#include "core/status.h"

#include <stdlib.h>
#include <string.h>

struct wick_stop_matcher {
    char **stops;
    size_t *lens;
    size_t n, max_len;
    char *buf;
    size_t cap, start, len; /* pending text is buf[start..len) */
    int hit;                /* index of the stop string hit, or -1 */
};

void wick_stop_matcher_free(wick_stop_matcher *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) free(m->stops[i]);
    free(m->stops);
    free(m->lens);
    free(m->buf);
    free(m);
}

wick_status wick_stop_matcher_new(const char *const *stops, size_t n, wick_stop_matcher **out,
                                  wick_error *err) {
    if (!out || (n && !stops)) return wick_error_set(err, WICK_ERR_INVALID_ARG, "stop matcher: NULL argument");
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!stops[i]) return wick_error_set(err, WICK_ERR_INVALID_ARG, "stop matcher: stop string %zu is NULL", i);
        if (!stops[i][0])
            return wick_error_set(err, WICK_ERR_INVALID_ARG, "stop matcher: stop string %zu is empty", i);
    }
    wick_stop_matcher *m = calloc(1, sizeof *m);
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "stop matcher: out of memory");
    m->hit = -1;
    if (n) {
        m->stops = calloc(n, sizeof *m->stops);
        m->lens = calloc(n, sizeof *m->lens);
        if (!m->stops || !m->lens) goto nomem;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(stops[i]);
            m->stops[i] = malloc(l + 1);
            if (!m->stops[i]) goto nomem;
            memcpy(m->stops[i], stops[i], l + 1);
            m->lens[i] = l;
            m->n = i + 1;
            if (l > m->max_len) m->max_len = l;
        }
    }
    *out = m;
    return WICK_OK;
nomem:
    wick_stop_matcher_free(m);
    return wick_error_set(err, WICK_ERR_NOMEM, "stop matcher: out of memory");
}

void wick_stop_matcher_reset(wick_stop_matcher *m) {
    if (!m) return;
    m->start = m->len = 0;
    m->hit = -1;
}

int wick_stop_matcher_which(const wick_stop_matcher *m) { return m ? m->hit : -1; }

/* Is t[0..n) a prefix of some stop string (n < its length)? */
static bool is_partial(const wick_stop_matcher *m, const char *t, size_t n) {
    for (size_t i = 0; i < m->n; i++)
        if (n < m->lens[i] && memcmp(m->stops[i], t, n) == 0) return true;
    return false;
}

wick_status wick_stop_matcher_push(wick_stop_matcher *m, const char *text, size_t len,
                                   const char **emit, size_t *emit_len, bool *hit,
                                   wick_error *err) {
    if (!m || !emit || !emit_len || !hit || (len && !text))
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "stop matcher: NULL argument");
    *emit = "";
    *emit_len = 0;
    *hit = m->hit >= 0;
    if (m->hit >= 0) return WICK_OK; /* nothing after a stop string is emitted */

    /* Compact: drop what the previous call emitted, then append. */
    size_t pend = m->len - m->start;
    if (m->start && pend) memmove(m->buf, m->buf + m->start, pend);
    m->start = 0;
    m->len = pend;
    if (len > SIZE_MAX / 2 - pend)
        return wick_error_set(err, WICK_ERR_LIMIT, "stop matcher: chunk of %zu bytes is too large", len);
    if (pend + len > m->cap) {
        size_t cap = m->cap ? m->cap : 64;
        while (cap < pend + len) cap *= 2;
        char *nb = realloc(m->buf, cap);
        if (!nb) return wick_error_set(err, WICK_ERR_NOMEM, "stop matcher: out of memory");
        m->buf = nb;
        m->cap = cap;
    }
    if (len) memcpy(m->buf + pend, text, len);
    m->len = pend + len;
    const char *b = m->buf;
    size_t total = m->len;

    /* Earliest END of a complete stop string; the held part had none, so
     * only ends beyond `pend` can be new. Ties: longest, then first listed. */
    for (size_t e = pend + 1; e <= total && m->n; e++) {
        size_t best_len = 0;
        int best = -1;
        for (size_t i = 0; i < m->n; i++) {
            size_t l = m->lens[i];
            if (l <= e && l > best_len && memcmp(b + e - l, m->stops[i], l) == 0) {
                best = (int)i;
                best_len = l;
            }
        }
        if (best >= 0) {
            m->hit = best;
            *hit = true;
            *emit = b;
            *emit_len = e - best_len;
            m->start = m->len = 0; /* the rest is discarded */
            return WICK_OK;
        }
    }

    /* No hit: hold back the longest tail that could still become a stop
     * string (at most max_len - 1 bytes). */
    size_t from = total > m->max_len ? total - m->max_len + 1 : 0;
    if (!m->n) from = total;
    size_t keep_at = total;
    for (size_t i = from; i < total; i++) {
        if (is_partial(m, b + i, total - i)) {
            keep_at = i;
            break;
        }
    }
    *emit = b;
    *emit_len = keep_at;
    m->start = keep_at;
    return WICK_OK;
}

void wick_stop_matcher_flush(wick_stop_matcher *m, const char **emit, size_t *emit_len) {
    if (!emit || !emit_len) return;
    *emit = "";
    *emit_len = 0;
    if (!m || m->hit >= 0) return;
    *emit = m->buf + m->start;
    *emit_len = m->len - m->start;
    m->start = m->len; /* released once */
}
