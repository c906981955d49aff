/* The pushdown automaton: a matcher state is a set of stacks (every way the
 * input so far can be parsed) plus the bytes of an unfinished UTF-8
 * character. One byte maps a set to the next; a character that completes
 * advances each stack whose top class holds it and re-expands. Limits
 * (GRAMMAR_MAX_DEPTH frames, GRAMMAR_MAX_STACKS stacks, a bounded amount of
 * expansion work per byte) turn pathological grammars into rejected bytes,
 * never into unbounded time or memory. */
#include "core/status.h"
#include "grammar/grammar_internal.h"

#include <stdlib.h>
#include <string.h>

#define EXPAND_WORK_LIMIT (1u << 18) /* stacks expanded per byte */

static bool grow32(void **p, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return true;
    uint32_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q) return false;
    *p = q;
    *cap = nc;
    return true;
}

void stack_set_free(stack_set *s) {
    free(s->data);
    free(s->start);
    free(s->hash);
    free(s->table);
    free(s->work);
    memset(s, 0, sizeof *s);
}

void stack_set_clear(stack_set *s) {
    s->n_data = 0;
    s->n_stacks = 0;
    s->n_work = 0;
    if (s->table_live) memset(s->table, 0, ((size_t)s->table_mask + 1) * sizeof *s->table);
    s->table_live = false;
    memset(&s->u8, 0, sizeof s->u8);
    s->failed = false;
}

static inline uint32_t hash_frames(const int32_t *f, uint32_t n) {
    uint32_t h = 0x811C9DC5u ^ n;
    for (uint32_t i = 0; i < n; i++) h = (h ^ (uint32_t)f[i]) * 0x01000193u;
    return h ^ (h >> 15);
}

static bool same_stack(const stack_set *s, uint32_t i, const int32_t *f, uint32_t n) {
    return s->start[i + 1] - s->start[i] == n && (n == 0 || memcmp(s->data + s->start[i], f, n * sizeof *f) == 0);
}

static bool table_build(stack_set *s) {
    uint32_t size = 64;
    while (size < 4 * s->n_stacks) size *= 2;
    if (!s->table || s->table_mask + 1 < size) {
        free(s->table);
        s->table = calloc(size, sizeof *s->table);
        if (!s->table) return false;
        s->table_mask = size - 1;
    } else {
        memset(s->table, 0, ((size_t)s->table_mask + 1) * sizeof *s->table);
    }
    for (uint32_t i = 0; i < s->n_stacks; i++) {
        uint32_t j = s->hash[i] & s->table_mask;
        while (s->table[j]) j = (j + 1) & s->table_mask;
        s->table[j] = i + 1;
    }
    s->table_live = true;
    return true;
}

/* start and hash share one capacity */
static bool grow_stacks(stack_set *s, uint32_t need) {
    if (need <= s->cap_stacks) return true;
    uint32_t nc = s->cap_stacks ? s->cap_stacks : 16;
    while (nc < need) nc *= 2;
    uint32_t *a = realloc(s->start, (size_t)nc * sizeof *a);
    if (!a) return false;
    s->start = a;
    uint32_t *b = realloc(s->hash, (size_t)nc * sizeof *b);
    if (!b) return false;
    s->hash = b;
    s->cap_stacks = nc;
    return true;
}

/* Adds a stack unless an equal one is there. False only on failure. */
static bool ss_add(stack_set *s, const int32_t *f, uint32_t n, bool dedup) {
    uint32_t h = hash_frames(f, n);
    if (dedup) {
        if (s->table_live) {
            for (uint32_t j = h & s->table_mask; s->table[j]; j = (j + 1) & s->table_mask) {
                uint32_t i = s->table[j] - 1;
                if (s->hash[i] == h && same_stack(s, i, f, n)) return true;
            }
        } else {
            for (uint32_t i = 0; i < s->n_stacks; i++)
                if (s->hash[i] == h && same_stack(s, i, f, n)) return true;
        }
    }
    if (s->n_stacks >= GRAMMAR_MAX_STACKS) {
        s->failed = true;
        return false;
    }
    if (!grow32((void **)&s->data, &s->cap_data, s->n_data + n + 1, sizeof *s->data) || !grow_stacks(s, s->n_stacks + 2)) {
        s->failed = true;
        return false;
    }
    if (s->n_stacks == 0) s->start[0] = 0;
    memcpy(s->data + s->n_data, f, n * sizeof *f);
    s->n_data += n;
    s->hash[s->n_stacks] = h;
    s->n_stacks++;
    s->start[s->n_stacks] = s->n_data;
    if (dedup) {
        if (s->table_live) {
            if (4 * s->n_stacks > s->table_mask + 1) {
                if (!table_build(s)) return s->failed = true, false;
            } else {
                uint32_t j = h & s->table_mask;
                while (s->table[j]) j = (j + 1) & s->table_mask;
                s->table[j] = s->n_stacks;
            }
        } else if (s->n_stacks > 16) {
            if (!table_build(s)) return s->failed = true, false;
        }
    }
    return true;
}

static bool work_push(stack_set *s, const int32_t *f, uint32_t n, int32_t extra, bool has_extra) {
    uint32_t need = s->n_work + n + 2;
    if (!grow32((void **)&s->work, &s->cap_work, need, sizeof *s->work)) return false;
    memcpy(s->work + s->n_work, f, n * sizeof *f);
    s->n_work += n;
    if (has_extra) s->work[s->n_work++] = extra, n++;
    s->work[s->n_work++] = (int32_t)n;
    return true;
}

/* Expands every stack on dst's work list until its top is a character
 * class (or it is empty: root complete), adding the results to dst. */
static bool expand(const grammar *g, stack_set *dst) {
    int32_t cur[GRAMMAR_MAX_DEPTH + 2];
    uint32_t steps = 0;
    while (dst->n_work > 0) {
        uint32_t len = (uint32_t)dst->work[--dst->n_work];
        dst->n_work -= len;
        memcpy(cur, dst->work + dst->n_work, len * sizeof *cur);
        if (++steps > EXPAND_WORK_LIMIT) {
            dst->failed = true;
            return false;
        }
        for (;;) {
            if (len == 0) {
                if (!ss_add(dst, cur, 0, true)) return false;
                break;
            }
            int32_t top = cur[len - 1];
            const grammar_elem *e = &g->elems[top];
            if (e->type == GEL_CHARS) {
                if (!ss_add(dst, cur, len, true)) return false;
                break;
            }
            if (e->type != GEL_RULE) { /* end of an alternative: return */
                len--;
                continue;
            }
            len--;
            uint8_t nt = g->elems[top + 1].type;
            if (nt != GEL_END && nt != GEL_ALT) cur[len++] = top + 1; /* else a tail call */
            if (len + 1 > GRAMMAR_MAX_DEPTH) break;               /* too deep: this parse is dropped */
            uint32_t r = (uint32_t)e->value;
            for (uint32_t a = g->alt_index[r + 1]; a-- > g->alt_index[r];)
                if (!work_push(dst, cur, len, (int32_t)g->alts[a], true)) return dst->failed = true, false;
            break;
        }
    }
    return !dst->failed;
}

bool stack_set_init_root(const grammar *g, stack_set *s) {
    stack_set_clear(s);
    for (uint32_t a = g->alt_index[g->root + 1]; a-- > g->alt_index[g->root];) {
        int32_t f = (int32_t)g->alts[a];
        if (!work_push(s, &f, 1, 0, false)) return s->failed = true, false;
    }
    return expand(g, s);
}

static inline bool lead_ok(const grammar_charset *cs, uint8_t b) { return (cs->lead[b >> 5] >> (b & 31)) & 1; }

/* Inside a character: keep the stacks whose class meets the code points
 * the bytes so far can still become. `lead` is the lead byte (bit test) or
 * -1. Encodings that can only end overlong, as a surrogate or past
 * U+10FFFF are rejected as soon as the prefix shows it. */
static bool step_partial(const grammar *g, const stack_set *src, utf8_partial u, stack_set *dst, int lead) {
    uint32_t lo = u.value << (6 * u.need), hi = lo | ((1u << (6 * u.need)) - 1);
    if (!u.any && lead < 0) {
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (hi < min_cp[u.len] || lo > 0x10FFFF || (lo >= 0xD800 && hi <= 0xDFFF)) return false;
    }
    bool all_cover = !u.any;
    for (uint32_t i = 0; i < src->n_stacks; i++) {
        uint32_t n = src->start[i + 1] - src->start[i];
        if (n == 0) continue;
        const int32_t *f = src->data + src->start[i];
        const grammar_charset *cs = &g->sets[g->elems[f[n - 1]].value];
        bool keep = u.any ? true : lead >= 0 ? lead_ok(cs, (uint8_t)lead) : charset_meets(g, cs, lo, hi);
        if (!keep) continue;
        if (all_cover && !charset_covers(g, cs, lo, hi)) all_cover = false;
        if (!ss_add(dst, f, n, false)) return false;
    }
    /* once every kept stack takes every completion, the value no longer
     * matters; the prefix must still be able to end as a valid character */
    bool lead_exact = lead >= 0 && lead != 0xE0 && lead != 0xED && lead != 0xF0 && lead != 0xF4;
    if (all_cover && (lead < 0 || lead_exact)) {
        u.any = 1;
        u.value = 0;
    }
    dst->u8 = u;
    return dst->n_stacks > 0;
}

bool stack_set_step(const grammar *g, const stack_set *src, uint8_t byte, stack_set *dst) {
    stack_set_clear(dst);
    utf8_partial u = src->u8;
    uint32_t cp = 0;
    if (u.need == 0) {
        if (byte < 0x80) {
            cp = byte;
        } else {
            uint8_t len;
            if (byte >= 0xC2 && byte <= 0xDF) len = 2, u.value = byte & 0x1F;
            else if (byte >= 0xE0 && byte <= 0xEF) len = 3, u.value = byte & 0x0F;
            else if (byte >= 0xF0 && byte <= 0xF4) len = 4, u.value = byte & 0x07;
            else return false;
            u.len = len;
            u.need = (uint8_t)(len - 1);
            u.have = 0;
            u.any = 0;
            return step_partial(g, src, u, dst, byte);
        }
    } else {
        if ((byte & 0xC0) != 0x80) return false;
        u.value = u.value << 6 | (byte & 0x3Fu);
        u.need--;
        u.have++;
        if (u.any) u.value = 0;
        if (u.need > 0) return step_partial(g, src, u, dst, -1);
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        cp = u.value;
        if (!u.any && (cp < min_cp[u.len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    }
    /* a whole character: advance the stacks that take it, then expand */
    for (uint32_t i = src->n_stacks; i-- > 0;) {
        uint32_t n = src->start[i + 1] - src->start[i];
        if (n == 0) continue;
        const int32_t *f = src->data + src->start[i];
        const grammar_charset *cs = &g->sets[g->elems[f[n - 1]].value];
        bool ok = u.any || (cp < 0x80 ? lead_ok(cs, (uint8_t)cp) : charset_has(g, cs, cp));
        if (!ok) continue;
        if (!work_push(dst, f, n - 1, f[n - 1] + 1, true)) return dst->failed = true, false;
    }
    if (!expand(g, dst)) {
        dst->n_stacks = 0;
        return false;
    }
    return dst->n_stacks > 0;
}

bool stack_set_can_end(const stack_set *s) {
    if (s->u8.need) return false;
    for (uint32_t i = 0; i < s->n_stacks; i++)
        if (s->start[i + 1] == s->start[i]) return true;
    return false;
}

uint64_t stack_set_fingerprint(const stack_set *s) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)s->u8.value << 8 | (uint64_t)s->u8.need << 4 | s->u8.len);
    for (uint32_t i = 0; i < s->n_stacks; i++) h = (h ^ s->hash[i]) * 0x100000001B3ull;
    return h ^ (h >> 29) ^ s->n_stacks;
}

bool stack_set_equal(const stack_set *a, const stack_set *b) {
    if (a->n_stacks != b->n_stacks || a->n_data != b->n_data || memcmp(&a->u8, &b->u8, sizeof a->u8) != 0)
        return false;
    if (a->n_stacks == 0) return true;
    return memcmp(a->start, b->start, (a->n_stacks + 1) * sizeof *a->start) == 0 &&
           memcmp(a->data, b->data, a->n_data * sizeof *a->data) == 0;
}

bool stack_set_copy(stack_set *dst, const stack_set *src) {
    stack_set_clear(dst);
    if (!grow32((void **)&dst->data, &dst->cap_data, src->n_data + 1, sizeof *dst->data)) return false;
    if (!grow_stacks(dst, src->n_stacks + 2)) return false;
    memcpy(dst->data, src->data, src->n_data * sizeof *src->data);
    dst->start[0] = 0;
    if (src->n_stacks) memcpy(dst->start, src->start, (src->n_stacks + 1) * sizeof *src->start);
    memcpy(dst->hash, src->hash, src->n_stacks * sizeof *src->hash);
    dst->n_data = src->n_data;
    dst->n_stacks = src->n_stacks;
    dst->u8 = src->u8;
    return true;
}

/* ------------------------------------------------------------ matcher */

wick_status grammar_matcher_new(const grammar *g, grammar_matcher **out, wick_error *err) {
    *out = NULL;
    if (!g) return wick_error_set(err, WICK_ERR_INVALID_ARG, "grammar_matcher_new: grammar is NULL");
    grammar_matcher *m = calloc(1, sizeof *m);
    if (!m) return wick_error_set(err, WICK_ERR_NOMEM, "grammar matcher: out of memory");
    m->g = g;
    if (!stack_set_init_root(g, &m->cur)) {
        grammar_matcher_free(m);
        return wick_error_set(err, WICK_ERR_LIMIT,
                              "grammar: the start state is over the matcher's limits (%u parse stacks, "
                              "%u nested rules)",
                              (unsigned)GRAMMAR_MAX_STACKS, (unsigned)GRAMMAR_MAX_DEPTH);
    }
    *out = m;
    return WICK_OK;
}

void grammar_matcher_free(grammar_matcher *m) {
    if (!m) return;
    stack_set_free(&m->cur);
    stack_set_free(&m->tmp[0]);
    stack_set_free(&m->tmp[1]);
    grammar_mask_cache_free(m->cache);
    free(m);
}

void grammar_matcher_reset(grammar_matcher *m) { stack_set_init_root(m->g, &m->cur); }

bool grammar_matcher_accept_bytes(grammar_matcher *m, const char *bytes, size_t n) {
    if (n == 0) return true;
    const stack_set *src = &m->cur;
    stack_set *dst = NULL;
    for (size_t i = 0; i < n; i++) {
        dst = &m->tmp[i & 1];
        if (!stack_set_step(m->g, src, (uint8_t)bytes[i], dst)) return false;
        src = dst;
    }
    stack_set t = m->cur;
    m->cur = *dst;
    *dst = t;
    return true;
}

bool grammar_matcher_can_end(const grammar_matcher *m) { return stack_set_can_end(&m->cur); }

bool grammar_matcher_copy_state(grammar_matcher *dst, const grammar_matcher *src) {
    if (dst->g != src->g) return false;
    if (!stack_set_copy(&dst->cur, &src->cur)) {
        grammar_matcher_reset(dst);
        return false;
    }
    return true;
}
