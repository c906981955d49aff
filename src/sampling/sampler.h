/* Token sampling and stop-string matching (internal API; the public
 * generation API in wick.h will wrap it).
 *
 * ---- The sampler chain -------------------------------------------------
 * One wick_sampler turns a row of logits (n_vocab floats, as the forward
 * pass writes them) into a token id. Stages, in this fixed order:
 *
 *   1. logit bias      logit += bias; a bias <= -100 (OpenAI's "ban", and
 *                      -inf) sets the logit to -inf: the token can never be
 *                      drawn, whatever its logit.
 *   2. penalties       over the last penalty_last_n accepted tokens, each
 *                      distinct token t seen count(t) > 0 times gets
 *                        logit = logit > 0 ? logit / repetition_penalty
 *                                          : logit * repetition_penalty
 *                        logit -= count(t) * frequency_penalty + presence_penalty
 *                      (llama.cpp's llama_sampler_penalties; the second line
 *                      is OpenAI's frequency/presence formula).
 *   3. top-k           keep the k highest logits (k <= 0: off).
 *   4. top-p           softmax over the survivors, keep the smallest prefix
 *                      (by descending probability) whose mass reaches p.
 *   5. min-p           keep tokens with p >= min_p * p_max.
 *   6. temperature     divide the survivors' logits by T.
 *   7. dist            draw from the softmax of what is left.
 *
 * This is llama.cpp's default chain (common/sampling.cpp: the logit-bias
 * sampler is pushed before the configurable list, whose default order is
 * penalties, dry, top-n-sigma, top-k, typical, top-p, min-p, xtc,
 * temperature; dist is appended last). Note the bias comes BEFORE the
 * penalties there, and here: (logit + bias) / repetition_penalty.
 * temperature == 0 means greedy: argmax after stages 1-2 (stages 3-5 never
 * remove the maximum, so they cannot change it); ties go to the lowest id.
 * Ordering among equal logits is always "lower id first", so every stage is
 * a deterministic function of the logits.
 *
 * NaN logits are treated as -inf (never drawn), +inf as FLT_MAX. If every
 * token is -inf after stage 1-2, sampling fails with WICK_ERR_INVALID_ARG.
 *
 * ---- Determinism --------------------------------------------------------
 * The PRNG (xoshiro256**, seeded through splitmix64 from params.seed) lives
 * in the sampler: same seed + same logits + same accepted tokens => same
 * tokens, on any platform. Everything the draw depends on uses only IEEE
 * basic operations (+ - * / and comparisons, which are correctly rounded
 * everywhere) in a fixed order: exp() is wick_sampler_expf below (a
 * polynomial written here, not the C library's expf, whose last bits differ
 * between libms and could otherwise flip a draw that lands on a boundary),
 * sums accumulate in double in candidate order, and the sampling files are
 * compiled with FP_CONTRACT OFF so no compiler fuses a*b+c into an FMA on
 * targets that have one. (A platform with x87 excess precision,
 * FLT_EVAL_METHOD != 0, would break this; x86-64, AArch64 and wasm32 do not
 * have it.) Only the reported logprobs use the C library's log().
 *
 * ---- Logprobs -----------------------------------------------------------
 * When enabled, logprobs are the log-softmax over the whole vocabulary of
 * the logits after stages 1-2 (bias and penalties) and before truncation
 * and temperature: they describe what the model (as steered by the
 * caller's bias/penalties) predicted, independent of the sampling knobs,
 * and equal the raw model log-probabilities when no bias/penalty applies.
 * Banned tokens report -inf. The chosen token's logprob is returned, plus
 * the top_logprobs best (token, logprob) pairs in descending order (ties:
 * lower id first).
 *
 * ---- Penalty history ----------------------------------------------------
 * sample() does not record the token it returns: the caller calls accept()
 * for every token that becomes part of the context it wants penalised
 * (generated tokens, and prompt tokens if it wishes, as llama.cpp's server
 * does). accept() is O(1).
 *
 * ---- Cost ---------------------------------------------------------------
 * All buffers are allocated by wick_sampler_new (about 20 bytes per vocab
 * entry, plus 12 more when penalties are on); sample() never allocates.
 * top-k is one pass with a k-entry heap (O(n log k)); top-p without top-k
 * never sorts: a quickselect steered by probability mass finds the nucleus
 * in expected O(n). Weights are computed in contiguous, vectorisable loops.
 * Measured on a 262,144-entry vocabulary (x86-64, clang -O2, one core, see
 * tests/unit/test_sampler.c): greedy ~0.4 ms, top-k 40 + top-p ~0.5 ms,
 * full-vocabulary sampling ~1.2 ms, top-p alone ~4 ms on a flat
 * distribution whose nucleus is ~30k tokens.
 */
#ifndef WICK_SAMPLING_SAMPLER_H
#define WICK_SAMPLING_SAMPLER_H

#include "wick.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wick_logit_bias {
    int32_t token;
    float bias; /* additive; <= -100 or -inf bans; NaN and +inf are rejected */
} wick_logit_bias;

typedef struct wick_sampler_params {
    float temperature;        /* >= 0; 0 = greedy */
    int32_t top_k;            /* <= 0 = off */
    float top_p;              /* (0, 1]; 1 = off */
    float min_p;              /* [0, 1]; 0 = off */
    float repetition_penalty; /* > 0; 1 = off */
    int32_t penalty_last_n;   /* window of accepted tokens; 0 = penalties off, -1 = all */
    float frequency_penalty;  /* any finite value; 0 = off */
    float presence_penalty;   /* any finite value; 0 = off */
    const wick_logit_bias *logit_bias; /* copied by wick_sampler_new; a token listed
                                          twice gets both biases */
    size_t n_logit_bias;
    uint64_t seed;
    bool logprobs;        /* compute the chosen token's logprob */
    int32_t top_logprobs; /* 0..n_vocab alternatives to report (needs logprobs) */
} wick_sampler_params;

typedef struct wick_token_logprob {
    int32_t token;
    float logprob;
} wick_token_logprob;

typedef struct wick_sample_result {
    int32_t token;
    float logprob;                 /* 0 unless params.logprobs */
    const wick_token_logprob *top; /* params.top_logprobs entries, best first; owned
                                      by the sampler, valid until the next sample() */
    int32_t n_top;
} wick_sample_result;

typedef struct wick_sampler wick_sampler;

/* Defaults: temperature 1, top_k 0, top_p 1, min_p 0, repetition_penalty 1,
 * penalty_last_n 64, frequency/presence 0, no bias, seed 0, no logprobs:
 * i.e. plain sampling from the model's distribution. */
void wick_sampler_params_default(wick_sampler_params *p);

/* Validates `p` (errors name the field) and allocates every buffer. */
wick_status wick_sampler_new(int32_t n_vocab, const wick_sampler_params *p, wick_sampler **out,
                             wick_error *err);
void wick_sampler_free(wick_sampler *s);

/* Samples one token from `logits` (n_vocab floats; not modified). */
wick_status wick_sampler_sample(wick_sampler *s, const float *logits, wick_sample_result *res,
                                wick_error *err);

/* The tokens that survive stages 1-5 for these logits (what the draw would
 * choose among), ascending; the greedy case gives the argmax. Draws nothing
 * (the PRNG does not advance). WICK_ERR_LIMIT with *n set when capacity is
 * too small. For tests and debugging. */
wick_status wick_sampler_survivors(wick_sampler *s, const float *logits, int32_t *ids, int32_t capacity,
                                   int32_t *n, wick_error *err);

/* Constrained decoding: `mask` (borrowed, (n_vocab + 31) / 32 words; bit t
 * of word t / 32 set = token t allowed; NULL = no mask) is read by every
 * later sample()/survivors() call until replaced. A masked-out token's
 * logit is -inf before stage 1, so nothing can bring it back (a positive
 * logit_bias neither), and logprobs describe the distribution actually
 * sampled from: renormalised over the allowed tokens, masked tokens -inf
 * (reported after the allowed ones in top_logprobs when fewer are
 * allowed than asked for). The caller updates the words in place between
 * calls (e.g. from grammar_matcher_fill_mask). */
void wick_sampler_set_mask(wick_sampler *s, const uint32_t *mask);

/* Records `token` in the penalty history. */
wick_status wick_sampler_accept(wick_sampler *s, int32_t token, wick_error *err);

/* Forgets the penalty history and restarts the PRNG from the seed. */
void wick_sampler_reset(wick_sampler *s);

int32_t wick_sampler_n_vocab(const wick_sampler *s);

/* exp(x) from basic IEEE operations only (Cody-Waite reduction, degree-7
 * Taylor polynomial): bit-identical on every platform, max relative error
 * ~1e-7 against the true value. Returns 0 below -87.33 (no subnormals) and
 * +inf above 88 (the sampler only calls it with x <= 0). Exposed for the
 * tests. */
float wick_sampler_expf(float x);

/* ---- Stop strings --------------------------------------------------------
 * Streamed text arrives in chunks (token pieces); a stop string may span
 * several of them. push() returns the bytes that are safe to show now: it
 * holds back the longest tail of the text that is a prefix of some stop
 * string, and when a stop string appears it returns only the text before
 * its first occurrence, reports the hit, and from then on returns nothing.
 * Matching is on bytes, so UTF-8 stop strings work as is (and, since a held
 * tail starts where a stop string starts, valid UTF-8 input is only ever cut
 * at character boundaries). flush() releases the held tail at the end of
 * generation when no stop string was hit. */
typedef struct wick_stop_matcher wick_stop_matcher;

/* `stops`: n NUL-terminated, non-empty strings (copied). n may be 0. */
wick_status wick_stop_matcher_new(const char *const *stops, size_t n, wick_stop_matcher **out,
                                  wick_error *err);
void wick_stop_matcher_free(wick_stop_matcher *m);

/* Feeds `len` bytes. *emit, *emit_len: text to show now (owned by the
 * matcher, valid until the next call). *hit: a stop string has been seen
 * (now or earlier). */
wick_status wick_stop_matcher_push(wick_stop_matcher *m, const char *text, size_t len,
                                   const char **emit, size_t *emit_len, bool *hit,
                                   wick_error *err);

/* End of stream: returns the held-back tail (empty after a hit). */
void wick_stop_matcher_flush(wick_stop_matcher *m, const char **emit, size_t *emit_len);

/* Index (into `stops`) of the stop string that was hit, or -1. The hit is
 * the occurrence that ENDS first (what a stream would see first, so the
 * result does not depend on how the text was chunked); among those ending
 * at the same byte, the longest (earliest start); then the first listed. */
int wick_stop_matcher_which(const wick_stop_matcher *m);

/* Starts over for a new stream (same stop strings). */
void wick_stop_matcher_reset(wick_stop_matcher *m);

#endif
