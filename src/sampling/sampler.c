/* The sampler chain: bias -> penalties -> top-k -> top-p -> min-p ->
 * temperature -> draw. See sampler.h for the semantics and the reasons for
 * the order; this file is about doing it without allocation or full sorts
 * on 262k-entry vocabularies. */
#include "sampling/sampler.h"

#include "core/status.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* No a*b+c fusion into FMA: its availability differs between targets, and
 * the draw must not. Clang contracts within expressions by default, hence
 * the pragma; GCC in ISO mode (-std=c11) defaults to -ffp-contract=off and
 * does not know the pragma. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* One candidate token: its (biased, penalised) logit, id, and a scratch
 * weight exp(logit - max) (or exp((logit - max) / T) at the draw). */
typedef struct cand {
    float logit;
    float w;
    int32_t id;
} cand;

struct wick_sampler {
    int32_t n_vocab;
    wick_sampler_params p; /* p.logit_bias points at `bias` below */
    wick_logit_bias *bias;
    uint64_t rng[4]; /* xoshiro256** state */

    float *work;          /* [n_vocab] logits after bias and penalties */
    float work_max;       /* their maximum (finite) */
    float *wt;            /* [n_vocab] weights by token id, contiguous so the
                             exp loops vectorise */
    cand *cands;          /* [n_vocab] candidate list */
    wick_token_logprob *top; /* [top_logprobs] */
    cand *top_heap;       /* [top_logprobs] scratch */
    const uint32_t *mask; /* [(n_vocab + 31) / 32] allowed-token bits, borrowed, or NULL */

    /* Penalty history (only when penalties are on). */
    bool penalties;
    int32_t *ring;     /* [ring_cap] last accepted tokens, oldest at ring_head */
    int32_t ring_cap;  /* penalty_last_n, or 0 for "all tokens" */
    int32_t ring_len, ring_head;
    int32_t *count;    /* [n_vocab] occurrences within the window */
    int32_t *pos;      /* [n_vocab] index in `distinct`, -1 if absent */
    int32_t *distinct; /* [n_vocab] tokens with count > 0 */
    int32_t n_distinct;
};

/* ---- Portable exp ---------------------------------------------------------
 * exp(x) from IEEE basic operations only, so the same bits come out on every
 * platform (the C library's expf differs between libms in the last bits,
 * which could flip a draw that lands on a boundary). Branch-free so the
 * weight loops vectorise. Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2,
 * then the Taylor series of exp(r) to r^7 (truncation < 1.6e-9 relative),
 * then the 2^k scale built in the exponent bits. */
static inline float det_expf(float x) {
    const float lo = -87.33f, hi = 88.0f;
    float xc = !(x >= lo) ? lo : x; /* NaN -> lo (patched below) */
    xc = xc > hi ? hi : xc;
    /* k = round(x / ln2) via the 1.5 * 2^23 trick (round-to-nearest-even). */
    const float shifter = 12582912.0f;
    float kf = (xc * 1.44269504088896341f + shifter) - shifter;
    const float ln2_hi = 0.693145751953125f; /* few mantissa bits: kf*ln2_hi exact */
    const float ln2_lo = 1.428606765330187e-06f;
    float r = xc - kf * ln2_hi;
    r = r - kf * ln2_lo;
    float q = 1.0f / 5040.0f;
    q = q * r + 1.0f / 720.0f;
    q = q * r + 1.0f / 120.0f;
    q = q * r + 1.0f / 24.0f;
    q = q * r + 1.0f / 6.0f;
    q = q * r + 0.5f;
    q = q * r + 1.0f;
    q = q * r + 1.0f;
    /* k in [-126, 127]: 2^k is a normal float, built in the exponent bits. */
    uint32_t bits = (uint32_t)((int32_t)kf + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float y = q * scale;
    y = x < lo ? 0.0f : y; /* below FLT_MIN: flush, no subnormals */
    y = x > hi ? INFINITY : y;
    return x != x ? x : y;
}

float wick_sampler_expf(float x) { return det_expf(x); }

/* ---- PRNG: xoshiro256** (Blackman & Vigna), seeded by splitmix64 ------- */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl64(uint64_t v, int k) { return (v << k) | (v >> (64 - k)); }

static uint64_t rng_next(uint64_t s[4]) {
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 random bits (exact in double). */
static double rng_uniform(uint64_t s[4]) {
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static void rng_seed(wick_sampler *s) {
    uint64_t x = s->p.seed;
    for (int i = 0; i < 4; i++) s->rng[i] = splitmix64(&x);
}

/* ---- Parameters ------------------------------------------------------- */

void wick_sampler_params_default(wick_sampler_params *p) {
    memset(p, 0, sizeof *p);
    p->temperature = 1.0f;
    p->top_k = 0;
    p->top_p = 1.0f;
    p->min_p = 0.0f;
    p->repetition_penalty = 1.0f;
    p->penalty_last_n = 64;
}

static bool is_finite_f(float x) { return x == x && x != INFINITY && x != -INFINITY; }

static wick_status validate(int32_t n_vocab, const wick_sampler_params *p, wick_error *err) {
    if (n_vocab <= 0) return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: n_vocab %d must be > 0", (int)n_vocab);
    if (!is_finite_f(p->temperature) || p->temperature < 0.0f)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: temperature %g must be finite and >= 0", (double)p->temperature);
    if (!(p->top_p > 0.0f && p->top_p <= 1.0f))
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: top_p %g must be in (0, 1]", (double)p->top_p);
    if (!(p->min_p >= 0.0f && p->min_p <= 1.0f))
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: min_p %g must be in [0, 1]", (double)p->min_p);
    if (!is_finite_f(p->repetition_penalty) || p->repetition_penalty <= 0.0f)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: repetition_penalty %g must be finite and > 0",
                              (double)p->repetition_penalty);
    if (p->penalty_last_n < -1)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: penalty_last_n %d must be >= -1", (int)p->penalty_last_n);
    if (!is_finite_f(p->frequency_penalty))
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: frequency_penalty must be finite");
    if (!is_finite_f(p->presence_penalty))
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: presence_penalty must be finite");
    if (p->n_logit_bias > 0 && !p->logit_bias)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: n_logit_bias is %zu but logit_bias is NULL", p->n_logit_bias);
    for (size_t i = 0; i < p->n_logit_bias; i++) {
        const wick_logit_bias *b = &p->logit_bias[i];
        if (b->token < 0 || b->token >= n_vocab)
            return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: logit_bias[%zu].token %d is outside [0, %d)", i,
                                  (int)b->token, (int)n_vocab);
        if (b->bias != b->bias || b->bias == INFINITY)
            return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: logit_bias[%zu].bias must not be NaN or +inf", i);
    }
    if (p->top_logprobs < 0 || p->top_logprobs > n_vocab)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: top_logprobs %d must be in [0, %d]", (int)p->top_logprobs,
                              (int)n_vocab);
    if (p->top_logprobs > 0 && !p->logprobs)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: top_logprobs needs logprobs = true");
    return WICK_OK;
}

wick_status wick_sampler_new(int32_t n_vocab, const wick_sampler_params *p, wick_sampler **out,
                             wick_error *err) {
    if (!out || !p) return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: NULL argument");
    *out = NULL;
    wick_status st = validate(n_vocab, p, err);
    if (st != WICK_OK) return st;

    wick_sampler *s = calloc(1, sizeof *s);
    if (!s) return wick_error_set(err, WICK_ERR_NOMEM, "sampler: out of memory");
    s->n_vocab = n_vocab;
    s->p = *p;
    size_t nv = (size_t)n_vocab;
    bool ok = true;
    if (p->n_logit_bias) {
        s->bias = malloc(p->n_logit_bias * sizeof *s->bias);
        ok = ok && s->bias;
        if (s->bias) memcpy(s->bias, p->logit_bias, p->n_logit_bias * sizeof *s->bias);
    }
    s->p.logit_bias = s->bias;
    s->work = malloc(nv * sizeof *s->work);
    s->cands = malloc(nv * sizeof *s->cands);
    s->wt = malloc(nv * sizeof *s->wt);
    ok = ok && s->work && s->cands && s->wt;
    if (p->top_logprobs > 0) {
        s->top = malloc((size_t)p->top_logprobs * sizeof *s->top);
        s->top_heap = malloc((size_t)p->top_logprobs * sizeof *s->top_heap);
        ok = ok && s->top && s->top_heap;
    }
    s->penalties = p->penalty_last_n != 0 &&
                   (p->repetition_penalty != 1.0f || p->frequency_penalty != 0.0f || p->presence_penalty != 0.0f);
    if (s->penalties) {
        s->ring_cap = p->penalty_last_n > 0 ? p->penalty_last_n : 0;
        if (s->ring_cap) {
            s->ring = malloc((size_t)s->ring_cap * sizeof *s->ring);
            ok = ok && s->ring;
        }
        s->count = calloc(nv, sizeof *s->count);
        s->pos = malloc(nv * sizeof *s->pos);
        s->distinct = malloc(nv * sizeof *s->distinct);
        ok = ok && s->count && s->pos && s->distinct;
        if (s->pos) memset(s->pos, 0xff, nv * sizeof *s->pos); /* all -1 */
    }
    if (!ok) {
        wick_sampler_free(s);
        return wick_error_set(err, WICK_ERR_NOMEM, "sampler: out of memory for a %d-token vocabulary", (int)n_vocab);
    }
    rng_seed(s);
    *out = s;
    return WICK_OK;
}

void wick_sampler_free(wick_sampler *s) {
    if (!s) return;
    free(s->bias);
    free(s->work);
    free(s->cands);
    free(s->wt);
    free(s->top);
    free(s->top_heap);
    free(s->ring);
    free(s->count);
    free(s->pos);
    free(s->distinct);
    free(s);
}

int32_t wick_sampler_n_vocab(const wick_sampler *s) { return s->n_vocab; }

void wick_sampler_set_mask(wick_sampler *s, const uint32_t *mask) {
    if (s) s->mask = mask;
}

/* ---- Penalty history ---------------------------------------------------- */

static void hist_add(wick_sampler *s, int32_t t) {
    if (s->count[t]++ == 0) {
        s->pos[t] = s->n_distinct;
        s->distinct[s->n_distinct++] = t;
    }
}

static void hist_remove(wick_sampler *s, int32_t t) {
    if (--s->count[t] == 0) { /* swap-remove from the distinct list */
        int32_t i = s->pos[t], last = s->distinct[--s->n_distinct];
        s->distinct[i] = last;
        s->pos[last] = i;
        s->pos[t] = -1;
    }
}

wick_status wick_sampler_accept(wick_sampler *s, int32_t token, wick_error *err) {
    if (!s) return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: NULL sampler");
    if (token < 0 || token >= s->n_vocab)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: accepted token %d is outside [0, %d)", (int)token,
                              (int)s->n_vocab);
    if (!s->penalties) return WICK_OK;
    if (s->ring_cap) {
        if (s->ring_len == s->ring_cap) { /* evict the oldest */
            hist_remove(s, s->ring[s->ring_head]);
            s->ring[s->ring_head] = token;
            s->ring_head = (s->ring_head + 1) % s->ring_cap;
        } else {
            s->ring[(s->ring_head + s->ring_len) % s->ring_cap] = token;
            s->ring_len++;
        }
    }
    hist_add(s, token);
    return WICK_OK;
}

void wick_sampler_reset(wick_sampler *s) {
    if (!s) return;
    if (s->penalties) {
        for (int32_t i = 0; i < s->n_distinct; i++) {
            s->count[s->distinct[i]] = 0;
            s->pos[s->distinct[i]] = -1;
        }
        s->n_distinct = 0;
        s->ring_len = s->ring_head = 0;
    }
    rng_seed(s);
}

/* ---- Ordering and partial selection ------------------------------------ */

/* The total order every stage uses: higher logit first, then lower id. */
static inline bool better(const cand *a, const cand *b) {
    return a->logit > b->logit || (a->logit == b->logit && a->id < b->id);
}

/* Min-heap by `better` (root = worst kept). */
static void heap_sift_down(cand *h, int32_t n, int32_t i) {
    for (;;) {
        int32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && better(&h[m], &h[l])) m = l;
        if (r < n && better(&h[m], &h[r])) m = r;
        if (m == i) return;
        cand t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_sift_up(cand *h, int32_t i) {
    while (i > 0) {
        int32_t parent = (i - 1) / 2;
        if (!better(&h[parent], &h[i])) return;
        cand t = h[i];
        h[i] = h[parent];
        h[parent] = t;
        i = parent;
    }
}

/* Writes the best min(m, #finite) finite entries of logits[0..n) into
 * heap[], best first; returns how many. One pass, O(n log m): for small m
 * almost every entry is rejected by one comparison with the root. */
static int32_t select_top(const float *logits, int32_t n, int32_t m, cand *heap) {
    int32_t len = 0;
    for (int32_t i = 0; i < n; i++) {
        float l = logits[i];
        if (l == -INFINITY) continue;
        cand c = {l, 0.0f, i};
        if (len < m) {
            heap[len] = c;
            heap_sift_up(heap, len++);
        } else if (better(&c, &heap[0])) {
            heap[0] = c;
            heap_sift_down(heap, len, 0);
        }
    }
    /* Heap-sort in place: repeatedly move the worst to the end. */
    for (int32_t end = len - 1; end > 0; end--) {
        cand t = heap[0];
        heap[0] = heap[end];
        heap[end] = t;
        heap_sift_down(heap, end, 0);
    }
    return len;
}

/* Moves the median of c[lo], c[mid], c[hi-1] (by `better`) to c[hi-1]. */
static void pivot_to_end(cand *c, int32_t lo, int32_t hi) {
    int32_t mid = lo + (hi - lo) / 2;
    cand *a = &c[lo], *b = &c[mid], *z = &c[hi - 1], *med;
    if (better(a, b)) med = better(b, z) ? b : (better(a, z) ? z : a);
    else med = better(a, z) ? a : (better(b, z) ? z : b);
    cand t = *med;
    *med = *z;
    *z = t;
}

/* top-p without sorting: finds the smallest K such that the K best of
 * c[0..n) weigh at least `target` (> 0), moves them to c[0..K) in no
 * particular (but deterministic) order, returns K. A quickselect that
 * steers by mass instead of by rank: expected O(n), where sorting would
 * cost O(n log n) and a sorted prefix grown in chunks re-scans the vocab
 * every time the nucleus turns out larger (tens of thousands of tokens on
 * flat distributions). The order is total (ids are distinct), so there
 * are no runs of equal keys to degrade it. */
static int32_t top_p_cut(cand *c, int32_t n, double target) {
    int32_t lo = 0, hi = n;
    double before = 0.0; /* mass of c[0..lo): all better than c[lo..n) */
    while (hi - lo > 1) {
        pivot_to_end(c, lo, hi);
        cand pivot = c[hi - 1];
        int32_t store = lo;
        double mb = 0.0; /* mass of the entries better than the pivot */
        for (int32_t i = lo; i < hi - 1; i++) {
            if (better(&c[i], &pivot)) {
                mb += (double)c[i].w;
                cand t = c[i];
                c[i] = c[store];
                c[store] = t;
                store++;
            }
        }
        c[hi - 1] = c[store];
        c[store] = pivot;
        if (before + mb >= target) { /* the cut is inside c[lo..store) */
            hi = store;
            continue;
        }
        before += mb + (double)pivot.w;
        if (before >= target) return store + 1;
        lo = store + 1;
    }
    /* One entry left, and the mass is reached with it (or, by rounding,
     * the range ran out: keep everything up to here). */
    return hi > lo ? lo + 1 : lo;
}

/* Sum of x[0..n) in double, in a fixed association (four interleaved
 * partial sums, then (s0 + s1) + (s2 + s3)): deterministic, and four
 * independent add chains instead of one. */
static double sum_fixed(const float *x, int32_t n) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += (double)x[i];
        s1 += (double)x[i + 1];
        s2 += (double)x[i + 2];
        s3 += (double)x[i + 3];
    }
    for (; i < n; i++) s0 += (double)x[i];
    return (s0 + s1) + (s2 + s3);
}

/* The draw over weights indexed by token id: uniform target in [0, total),
 * first token whose running sum passes it. The running sum is sequential,
 * the total is not: if rounding leaves the target at or past the end, the
 * last token with weight takes it. */
static int32_t draw_by_id(wick_sampler *s, const float *wt, int32_t n) {
    double target = rng_uniform(s->rng) * sum_fixed(wt, n), cum = 0.0;
    int32_t last = 0;
    for (int32_t i = 0; i < n; i++) {
        if (wt[i] == 0.0f) continue;
        cum += (double)wt[i];
        last = i;
        if (target < cum) return i;
    }
    return last;
}

/* ---- The chain ------------------------------------------------------------ */

/* Stages 1-2 into s->work; returns how many logits are finite. */
static int32_t prepare_logits(wick_sampler *s, const float *logits) {
    float *w = s->work;
    int32_t n = s->n_vocab;
    for (int32_t i = 0; i < n; i++) {
        float l = logits[i];
        if (l != l) l = -INFINITY;
        else if (l == INFINITY) l = FLT_MAX;
        w[i] = l;
    }
    if (s->mask) /* constrained decoding: disallowed tokens can never come back */
        for (int32_t i = 0; i < n; i++)
            if (!((s->mask[i >> 5] >> (i & 31)) & 1u)) w[i] = -INFINITY;
    for (size_t i = 0; i < s->p.n_logit_bias; i++) {
        const wick_logit_bias *b = &s->bias[i];
        if (w[b->token] == -INFINITY) continue; /* masked (or -inf): stays out */
        w[b->token] = b->bias <= -100.0f ? -INFINITY : w[b->token] + b->bias;
    }
    if (s->penalties) {
        float rep = s->p.repetition_penalty, freq = s->p.frequency_penalty, pres = s->p.presence_penalty;
        for (int32_t i = 0; i < s->n_distinct; i++) {
            int32_t t = s->distinct[i];
            float l = w[t];
            if (l == -INFINITY) continue; /* banned stays banned */
            l = l > 0.0f ? l / rep : l * rep;
            l = l - ((float)s->count[t] * freq + pres);
            w[t] = l != l ? -INFINITY : l;
        }
    }
    int32_t n_finite = 0;
    float mx = -FLT_MAX;
    for (int32_t i = 0; i < n; i++) {
        if (w[i] == -INFINITY) continue;
        if (w[i] == INFINITY) w[i] = FLT_MAX; /* a positive bias can overflow */
        if (w[i] > mx) mx = w[i];
        n_finite++;
    }
    s->work_max = mx;
    return n_finite;
}

/* Logprobs of the prepared logits: fills res->logprob, res->top. */
static void compute_logprobs(wick_sampler *s, int32_t token, wick_sample_result *res) {
    const float *w = s->work;
    int32_t n = s->n_vocab;
    float mx = s->work_max, *wt = s->wt;
    for (int32_t i = 0; i < n; i++) wt[i] = det_expf(w[i] - mx); /* -inf -> 0 */
    double sum = sum_fixed(wt, n);
    /* lse = max + log(sum); sum >= 1 (the max contributes exp(0)). */
    double lse = (double)mx + log(sum);
    res->logprob = (float)((double)w[token] - lse);
    if (s->p.top_logprobs > 0) {
        int32_t m = select_top(w, n, s->p.top_logprobs, s->top_heap);
        for (int32_t i = 0; i < m; i++) {
            s->top[i].token = s->top_heap[i].id;
            s->top[i].logprob = (float)((double)s->top_heap[i].logit - lse);
        }
        /* Fewer finite tokens than requested: the rest are banned, report
         * them (lowest ids first) at -inf so the count is always as asked. */
        for (int32_t id = 0; m < s->p.top_logprobs && id < n; id++) {
            if (w[id] != -INFINITY) continue;
            s->top[m].token = id;
            s->top[m++].logprob = -INFINITY;
        }
        res->top = s->top;
        res->n_top = m;
    }
}

static int32_t argmax(const float *w, int32_t n) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
        if (w[i] > w[best]) best = i; /* strict: ties keep the lowest id */
    return best;
}

/* exp(d / T) for d = logit - max <= 0; the maximum always weighs 1 (even
 * when 1/T overflowed to inf and 0 * inf would be NaN). */
static inline float temp_weight(float d, float inv_t) {
    return d == 0.0f ? 1.0f : det_expf(d * inv_t);
}

/* Stages 3-5 over the prepared logits. Returns the number of survivors,
 * left in s->cands[0..nc) with c[i].w = exp(l - max) ... or, when nothing
 * truncates (*by_id), the survivors are all finite tokens and s->wt holds
 * their final weights exp((l - max) / T) by id. */
static int32_t truncate_chain(wick_sampler *s, int32_t n_finite, bool *by_id) {
    const float *w = s->work;
    cand *c = s->cands;
    int32_t n = s->n_vocab, nc;
    const wick_sampler_params *p = &s->p;

    float mx = s->work_max; /* no stage ever removes the maximum */
    bool trunc = p->top_p < 1.0f || p->min_p > 0.0f;
    float inv_t = 1.0f / p->temperature; /* may be +inf for a subnormal T */

    /* 3. top-k (a k-entry heap), or every finite token. c[i].w is
     * exp(l - max) = p / p_max when truncation follows (it stays valid as
     * candidates are dropped); without truncation the list is skipped and
     * the weights are the final exp((l - max) / T). */
    bool sorted;
    if (p->top_k > 0 && p->top_k < n_finite) {
        nc = select_top(w, n, p->top_k, c);
        sorted = true;
        for (int32_t i = 0; i < nc; i++) c[i].w = det_expf(c[i].logit - mx);
    } else {
        float *wt = s->wt;
        if (trunc)
            for (int32_t i = 0; i < n; i++) wt[i] = det_expf(w[i] - mx);
        else
            for (int32_t i = 0; i < n; i++) wt[i] = temp_weight(w[i] - mx, inv_t);
        if (!trunc) { /* nothing to cut: skip the candidate list */
            *by_id = true;
            return n_finite;
        }
        nc = 0;
        if (p->top_p == 1.0f) /* min-p only: list just its survivors (wt = p / p_max) */
            for (int32_t i = 0; i < n; i++) {
                if (wt[i] >= p->min_p) c[nc++] = (cand){w[i], wt[i], i};
            }
        else
            for (int32_t i = 0; i < n; i++)
                if (w[i] != -INFINITY) c[nc++] = (cand){w[i], wt[i], i};
        sorted = false;
    }

    /* 4. top-p: probabilities renormalised over the survivors of top-k;
     * keep the smallest best-first set whose mass reaches top_p. */
    if (p->top_p < 1.0f && nc > 1) {
        double total = 0.0;
        for (int32_t i = 0; i < nc; i++) total += (double)c[i].w;
        double target = (double)p->top_p * total;
        if (sorted) { /* after top-k: walk the sorted list */
            double cum = 0.0;
            int32_t keep = nc;
            for (int32_t i = 0; i < nc; i++) {
                cum += (double)c[i].w;
                if (cum >= target) {
                    keep = i + 1;
                    break;
                }
            }
            nc = keep;
        } else {
            nc = top_p_cut(c, nc, target);
        }
    }

    /* 5. min-p: p_i / p_max = w_i; order is preserved. */
    if (p->min_p > 0.0f && nc > 1) {
        int32_t k = 0;
        for (int32_t i = 0; i < nc; i++)
            if (c[i].w >= p->min_p) c[k++] = c[i];
        nc = k; /* >= 1: the maximum has w = 1 */
    }

    *by_id = false;
    return nc;
}

/* Stages 6-7: temperature, then the draw (as draw_by_id, over the list). */
static int32_t sample_chain(wick_sampler *s, int32_t n_finite) {
    const wick_sampler_params *p = &s->p;
    bool by_id;
    int32_t nc = truncate_chain(s, n_finite, &by_id);
    if (by_id) return draw_by_id(s, s->wt, s->n_vocab);
    cand *c = s->cands;
    float mx = s->work_max, inv_t = 1.0f / p->temperature;
    if (nc == 1) return c[0].id;
    if (p->temperature != 1.0f)
        for (int32_t i = 0; i < nc; i++) c[i].w = temp_weight(c[i].logit - mx, inv_t);
    double total = 0.0;
    for (int32_t i = 0; i < nc; i++) total += (double)c[i].w;
    double target = rng_uniform(s->rng) * total, cum = 0.0;
    int32_t last = 0;
    for (int32_t i = 0; i < nc; i++) {
        if (c[i].w == 0.0f) continue;
        cum += (double)c[i].w;
        last = i;
        if (target < cum) return c[i].id;
    }
    return c[last].id; /* unreachable in exact arithmetic; guards rounding */
}

wick_status wick_sampler_sample(wick_sampler *s, const float *logits, wick_sample_result *res,
                                wick_error *err) {
    if (!s || !logits || !res) return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: NULL argument");
    memset(res, 0, sizeof *res);
    int32_t n_finite = prepare_logits(s, logits);
    if (n_finite == 0)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "sampler: no token can be sampled (every logit is NaN, -inf or banned by logit_bias)");
    int32_t token = s->p.temperature == 0.0f ? argmax(s->work, s->n_vocab) : sample_chain(s, n_finite);
    res->token = token;
    if (s->p.logprobs) compute_logprobs(s, token, res);
    return WICK_OK;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

wick_status wick_sampler_survivors(wick_sampler *s, const float *logits, int32_t *ids, int32_t capacity,
                                   int32_t *n, wick_error *err) {
    if (!s || !logits || !n || (capacity > 0 && !ids))
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "sampler: NULL argument");
    *n = 0;
    int32_t n_finite = prepare_logits(s, logits);
    if (n_finite == 0)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "sampler: no token can be sampled (every logit is NaN, -inf or banned by logit_bias)");
    int32_t count = 0;
    if (s->p.temperature == 0.0f) {
        if (capacity >= 1) ids[0] = argmax(s->work, s->n_vocab);
        count = 1;
    } else {
        bool by_id;
        int32_t nc = truncate_chain(s, n_finite, &by_id);
        if (by_id) {
            for (int32_t i = 0; i < s->n_vocab; i++) {
                if (s->work[i] == -INFINITY) continue;
                if (count < capacity) ids[count] = i;
                count++;
            }
        } else {
            for (int32_t i = 0; i < nc; i++)
                if (i < capacity) ids[i] = s->cands[i].id;
            count = nc;
        }
    }
    *n = count;
    if (count > capacity)
        return wick_error_set(err, WICK_ERR_LIMIT, "sampler: %d survivors, capacity %d", (int)count, (int)capacity);
    qsort(ids, (size_t)count, sizeof *ids, cmp_i32);
    return WICK_OK;
}
