/* The wick_engine (include/wick_api.h): one model context, the token ids in
 * it, and the request running on it, advanced one bounded step at a time.
 *
 * A request's life:
 *   start    validate (request_parse.c), render the chat template, tokenize,
 *            refuse a prompt that leaves no room to generate, keep the
 *            longest common prefix of the cached ids and the prompt
 *            (wick_context_truncate; at least the last prompt token is
 *            always decoded again, since its logits are needed).
 *   prefill  one step per n_batch prompt tokens. The logits after the last
 *            prompt token are copied aside: every choice starts from them.
 *   generate one step per token, choice after choice (n > 1 runs the
 *            choices one after another; choice i truncates the context back
 *            to the prompt and samples with seed + i, so its tokens do not
 *            depend on the other choices). A token is sampled, accepted into
 *            the penalty history (generated tokens only: OpenAI's penalties
 *            count the completion), turned into text by a streaming
 *            detokenizer (never half a UTF-8 character), passed through the
 *            stop matcher (text that might begin a stop string is held back;
 *            text from a stop string on is never shown), then decoded so
 *            the next step has logits. The last token of a choice is not
 *            decoded (nothing needs its logits; a next turn's prompt holds
 *            it and decodes it with the new suffix).
 *   finish   "stop" on an end-of-generation token (never shown as text) or
 *            a stop string; "length" at max_tokens or when the context is
 *            full; "abort" from wick_engine_abort. Held-back text is
 *            released when a choice ends other than by a stop string.
 *
 * Seeds: with "seed" given, choice i samples with seed + i; without, the
 * seed comes from the monotonic clock and a per-engine counter.
 * ignore_eos: every end-of-generation token is banned (logit -inf), as
 * llama.cpp's server does, so the model cannot end the reply itself.
 * Logprobs: a token's entry goes out with the chunk that shows its text; a
 * token whose text was held back travels with the next text shown, and the
 * entries of tokens whose text a stop string swallowed are dropped (so the
 * entries describe exactly the tokens behind the content).
 * Timing (usage.extra): prefill_tokens_per_s = prompt tokens decoded /
 * seconds inside prefill steps; decode_tokens_per_s = completion tokens /
 * seconds inside generation steps (sampling included); time_to_first_token_s
 * = from wick_engine_start to the first sampled token (the shell's pauses
 * between steps included, as a user sees it). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include "api/api_internal.h"

#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { PH_IDLE, PH_PREFILL, PH_GEN, PH_DONE };

typedef struct engine_choice {
    wick_buf text; /* content shown so far */
    wick_buf lp;   /* logprob entries shown so far, comma-separated */
    const char *finish;
    int64_t n_tokens;
    bool started;
} engine_choice;

struct wick_engine {
    const wick_model *model;
    wick_context *ctx;
    int32_t n_vocab;
    uint32_t n_ctx, n_batch;
    bool has_template;
    char model_id[160];
    uint64_t counter; /* requests started: ids and unseeded seeds */
    int32_t *ids;     /* the tokens in ctx, in order (ctx's n_past of them) */
    size_t n_ids, cap_ids;

    /* the current request */
    int phase;
    api_request req;
    char id[160];
    int64_t created;
    int32_t *prompt;
    size_t n_prompt, n_done, reused;
    float *prompt_logits; /* n_vocab, after the last prompt token */
    wick_logit_bias *bias;
    size_t n_bias;
    uint64_t seed;
    int cur; /* the choice being generated */
    engine_choice ch[API_MAX_N];
    bool from_prompt; /* the next sample uses prompt_logits */
    wick_sampler *sampler;
    wick_detokenizer *detok;
    wick_stop_matcher *stop;
    wick_buf pend_lp; /* entries of tokens whose text is still held back */
    double t_start, t_first, prefill_s, decode_s;
    double step_t0; /* start of the generation step running now, or 0 */
    bool have_first, has_response;
    int n_out; /* chunks in `out` */
    wick_buf out, response, error;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void buf_clear(wick_buf *b) {
    b->len = 0;
    b->failed = false;
    if (b->data) b->data[0] = '\0';
}

void wick_engine_params_default(wick_engine_params *p) {
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->n_threads = 1;
}

wick_status wick_engine_new(const wick_model *model, const wick_engine_params *p, wick_engine **out,
                            wick_error *err) {
    if (!out) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_new: out is NULL");
    *out = NULL;
    if (!model) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_new: model is NULL");
    wick_engine_params def;
    wick_engine_params_default(&def);
    if (!p) p = &def;
    wick_model_info info;
    wick_status st = wick_model_get_info(model, &info, err);
    if (st) return st;
    wick_engine *e = calloc(1, sizeof *e);
    if (!e) return wick_error_set(err, WICK_ERR_NOMEM, "wick_engine_new: out of memory");
    e->model = model;
    e->n_vocab = wick_vocab_size(model);
    e->has_template = info.has_chat_template != 0;
    snprintf(e->model_id, sizeof e->model_id, "%s",
             p->model_id ? p->model_id : info.name[0] ? info.name : info.architecture);
    wick_context_params cp = wick_context_default_params();
    cp.n_ctx = p->n_ctx;
    cp.n_batch = p->n_batch;
    cp.n_threads = p->n_threads < 1 ? 1 : p->n_threads;
    st = wick_context_new(model, &cp, &e->ctx, err);
    if (st) {
        free(e);
        return st;
    }
    e->n_ctx = wick_context_n_ctx(e->ctx);
    e->n_batch = p->n_batch ? p->n_batch : 32;
    e->ids = malloc((size_t)e->n_ctx * sizeof *e->ids);
    e->prompt_logits = malloc((size_t)(e->n_vocab > 0 ? e->n_vocab : 1) * sizeof *e->prompt_logits);
    if (!e->ids || !e->prompt_logits) {
        wick_engine_free(e);
        return wick_error_set(err, WICK_ERR_NOMEM, "wick_engine_new: out of memory");
    }
    e->cap_ids = e->n_ctx;
    *out = e;
    return WICK_OK;
}

/* Forgets the request (not the cached tokens). */
static void end_request(wick_engine *e) {
    api_request_free(&e->req);
    free(e->prompt);
    e->prompt = NULL;
    free(e->bias);
    e->bias = NULL;
    e->n_bias = 0;
    wick_sampler_free(e->sampler);
    e->sampler = NULL;
    wick_detokenizer_free(e->detok);
    e->detok = NULL;
    wick_stop_matcher_free(e->stop);
    e->stop = NULL;
    for (int i = 0; i < API_MAX_N; i++) {
        wick_buf_free(&e->ch[i].text);
        wick_buf_free(&e->ch[i].lp);
        memset(&e->ch[i], 0, sizeof e->ch[i]);
    }
    buf_clear(&e->pend_lp);
    e->phase = PH_IDLE;
    e->has_response = false;
}

void wick_engine_free(wick_engine *e) {
    if (!e) return;
    end_request(e);
    wick_context_free(e->ctx);
    free(e->ids);
    free(e->prompt_logits);
    wick_buf_free(&e->pend_lp);
    wick_buf_free(&e->out);
    wick_buf_free(&e->response);
    wick_buf_free(&e->error);
    free(e);
}

void wick_engine_reset(wick_engine *e) {
    if (!e) return;
    if (e->phase == PH_PREFILL || e->phase == PH_GEN) end_request(e);
    wick_context_reset(e->ctx);
    e->n_ids = 0;
}

/* Keeps the first n cached tokens. */
static void keep_ids(wick_engine *e, size_t n) {
    if (n < e->n_ids) {
        wick_context_truncate(e->ctx, (uint32_t)n);
        e->n_ids = n;
    }
}

/* Decodes tokens and records them; on failure forgets the cache (a failed
 * decode may have written part of it). */
static wick_status decode(wick_engine *e, const int32_t *toks, size_t n, wick_error *err) {
    wick_status st = wick_decode(e->ctx, toks, n, err);
    if (st != WICK_OK) {
        wick_context_reset(e->ctx);
        e->n_ids = 0;
        return st;
    }
    memcpy(e->ids + e->n_ids, toks, n * sizeof *toks);
    e->n_ids += n;
    return WICK_OK;
}

/* Refuses a request: the error JSON, and `code` as the status. */
static wick_status refuse(wick_engine *e, wick_status code, const api_param_error *pe, wick_error *err) {
    buf_clear(&e->error);
    api_write_error(&e->error, pe->message, code == WICK_ERR_NOMEM ? "server_error" : "invalid_request_error",
                    pe->param, pe->code);
    end_request(e);
    if (pe->param[0]) return wick_error_set(err, code, "%s (param: %s)", pe->message, pe->param);
    return wick_error_set(err, code, "%s", pe->message);
}

static wick_status refusef(wick_engine *e, wick_status code, const char *param, const char *ecode,
                           wick_error *err, const char *fmt, ...) WICK_PRINTF(6, 7);
static wick_status refusef(wick_engine *e, wick_status code, const char *param, const char *ecode,
                           wick_error *err, const char *fmt, ...) {
    api_param_error pe;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pe.message, sizeof pe.message, fmt, ap);
    va_end(ap);
    snprintf(pe.param, sizeof pe.param, "%s", param ? param : "");
    pe.code = ecode;
    return refuse(e, code, &pe, err);
}

/* The prompt's token ids (malloc'd into e->prompt). */
static wick_status build_prompt(wick_engine *e, wick_error *err) {
    const bool chat = e->req.kind == WICK_REQ_CHAT;
    char *text = NULL;
    size_t text_len = 0;
    if (chat) {
        if (!e->has_template)
            return refusef(e, WICK_ERR_INVALID_ARG, "messages", NULL, err,
                           "This model (%s) has no chat template (tokenizer.chat_template); use the completions "
                           "API with a prompt instead.",
                           e->model_id);
        wick_error terr = {0};
        wick_status st =
            wick_chat_template_apply(e->model, NULL, e->req.messages_json, NULL, NULL, 1, &text, &text_len, &terr);
        if (st == WICK_ERR_NOMEM) return refusef(e, st, NULL, NULL, err, "out of memory rendering the chat template");
        if (st != WICK_OK)
            return refusef(e, WICK_ERR_INVALID_ARG, "messages", NULL, err,
                           "The model's chat template refused these messages: %s", terr.message);
    }
    const char *src = chat ? text : e->req.prompt;
    size_t src_len = chat ? text_len : e->req.prompt_len;
    size_t cap = src_len + 16, n = 0;
    e->prompt = malloc(cap * sizeof *e->prompt);
    wick_error terr = {0};
    wick_status st = e->prompt ? WICK_OK : WICK_ERR_NOMEM;
    if (st == WICK_OK)
        st = wick_tokenize(e->model, src, src_len, WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL,
                           e->prompt, cap, &n, &terr);
    if (st == WICK_ERR_LIMIT) { /* more ids than bytes + 16: only with odd vocabularies */
        int32_t *p = realloc(e->prompt, (n ? n : 1) * sizeof *p);
        if (!p) st = WICK_ERR_NOMEM;
        else {
            e->prompt = p;
            st = wick_tokenize(e->model, src, src_len, WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL,
                               e->prompt, n, &n, &terr);
        }
    }
    wick_free(text);
    if (st != WICK_OK)
        return refusef(e, st == WICK_ERR_NOMEM ? st : WICK_ERR_INVALID_ARG, chat ? "messages" : "prompt", NULL, err,
                       "The prompt could not be tokenized: %s", terr.message);
    /* A template that writes BOS itself, plus ADD_SPECIAL, gives two. */
    int32_t bos = wick_token_bos(e->model);
    if (n >= 2 && e->prompt[0] == bos && e->prompt[1] == bos) {
        memmove(e->prompt, e->prompt + 1, (n - 1) * sizeof *e->prompt);
        n--;
    }
    e->n_prompt = n;
    if (!n)
        return refusef(e, WICK_ERR_INVALID_ARG, chat ? "messages" : "prompt", NULL, err,
                       "The prompt is empty (no tokens to start from); send some text.");
    if (n >= e->n_ctx)
        return refusef(e, WICK_ERR_LIMIT, chat ? "messages" : "prompt", "context_length_exceeded", err,
                       "This model's maximum context length is %u tokens. However, your %s resulted in %zu tokens "
                       "(at least one more is needed for the completion). Please reduce the length of the %s.",
                       e->n_ctx, chat ? "messages" : "prompt", n, chat ? "messages" : "prompt");
    return WICK_OK;
}

static wick_status new_sampler(wick_engine *e, int choice, wick_error *err) {
    wick_sampler_free(e->sampler);
    e->sampler = NULL;
    wick_sampler_params sp = e->req.sp;
    sp.logit_bias = e->bias;
    sp.n_logit_bias = e->n_bias;
    sp.seed = e->seed + (uint64_t)choice;
    sp.logprobs = e->req.logprobs;
    sp.top_logprobs = e->req.logprobs ? e->req.top_logprobs : 0;
    return wick_sampler_new(e->n_vocab, &sp, &e->sampler, err);
}

wick_status wick_engine_start(wick_engine *e, wick_request_kind kind, const char *json, size_t len,
                              const wick_request_opts *opts, wick_error *err) {
    if (!e) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_start: engine is NULL");
    end_request(e);
    buf_clear(&e->error);
    e->t_start = now_s();
    e->counter++;
    api_param_error pe;
    wick_status st = api_request_parse(kind, json, len, e->n_vocab, &e->req, &pe);
    if (st != WICK_OK) return refuse(e, st, &pe, err);
    if ((st = build_prompt(e, err)) != WICK_OK) return st;

    /* logit bias, plus a ban on every end-of-generation token for ignore_eos */
    size_t n_eog = 0;
    if (e->req.ignore_eos)
        for (int32_t t = 0; t < e->n_vocab; t++) n_eog += wick_token_is_eog(e->model, t) != 0;
    e->bias = malloc((e->req.n_bias + n_eog + 1) * sizeof *e->bias);
    if (!e->bias) return refusef(e, WICK_ERR_NOMEM, NULL, NULL, err, "out of memory");
    if (e->req.n_bias) memcpy(e->bias, e->req.bias, e->req.n_bias * sizeof *e->bias);
    e->n_bias = e->req.n_bias;
    if (n_eog)
        for (int32_t t = 0; t < e->n_vocab; t++)
            if (wick_token_is_eog(e->model, t)) e->bias[e->n_bias++] = (wick_logit_bias){t, -100.0f};

    if (e->req.has_seed) {
        e->seed = e->req.seed;
    } else {
        double t = now_s();
        uint64_t x = (uint64_t)(t * 1e9) ^ (e->counter * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(uintptr_t)e;
        e->seed = x;
    }
    wick_error serr = {0};
    if ((st = new_sampler(e, 0, &serr)) != WICK_OK)
        return refusef(e, st == WICK_ERR_NOMEM ? st : WICK_ERR_INVALID_ARG, NULL, NULL, err, "Invalid sampling parameters: %s",
                       serr.message);
    if ((st = wick_stop_matcher_new((const char *const *)e->req.stops, e->req.n_stops, &e->stop, &serr)) != WICK_OK ||
        (st = wick_detokenizer_new(e->model, WICK_DETOKENIZE_SKIP_SPECIAL, &e->detok, &serr)) != WICK_OK)
        return refusef(e, st == WICK_ERR_NOMEM ? st : WICK_ERR_INVALID_ARG, "stop", NULL, err, "%s", serr.message);

    const char *prefix = kind == WICK_REQ_CHAT ? "chatcmpl" : "cmpl";
    e->created = opts ? opts->created : 0;
    if (opts && opts->id) snprintf(e->id, sizeof e->id, "%s", opts->id);
    else snprintf(e->id, sizeof e->id, "%s-%llx%06llu", prefix, (unsigned long long)e->created,
                  (unsigned long long)(e->counter % 1000000));

    /* prefix reuse: keep the common prefix, but decode at least one token */
    size_t keep = 0;
    while (keep < e->n_ids && keep < e->n_prompt && e->ids[keep] == e->prompt[keep]) keep++;
    if (keep >= e->n_prompt) keep = e->n_prompt - 1;
    keep_ids(e, keep);
    e->reused = keep;
    e->n_done = keep;
    e->prefill_s = e->decode_s = 0;
    e->have_first = false;
    e->cur = 0;
    e->phase = PH_PREFILL;
    return WICK_OK;
}

/* ---- chunks */

static void out_begin(wick_engine *e) {
    buf_clear(&e->out);
    wick_buf_putc(&e->out, '[');
    e->n_out = 0;
}

static void out_sep(wick_engine *e) {
    if (e->n_out++) wick_buf_putc(&e->out, ',');
}

static api_head head(const wick_engine *e, bool chunk) {
    api_head h;
    h.id = e->id;
    h.object = e->req.kind == WICK_REQ_CHAT ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
    h.created = e->created;
    h.model = e->req.model ? e->req.model : e->model_id;
    return h;
}

static void emit_chunk(wick_engine *e, bool role, const char *content, size_t len, const char *lp, size_t lp_len,
                       const char *finish) {
    api_head h = head(e, true);
    out_sep(e);
    api_write_chunk(&e->out, &h, e->req.kind, e->cur, role, content, len, lp, lp_len, finish,
                    e->req.include_usage);
}

/* Shows text of the current choice (with the pending logprob entries). */
static void show_text(wick_engine *e, const char *text, size_t len) {
    engine_choice *c = &e->ch[e->cur];
    if (!len) return;
    const bool lp = e->req.logprobs && e->req.kind == WICK_REQ_CHAT;
    emit_chunk(e, false, text, len, lp ? (e->pend_lp.data ? e->pend_lp.data : "") : NULL, e->pend_lp.len, NULL);
    wick_buf_append(&c->text, text, len);
    if (lp && e->pend_lp.len) {
        if (c->lp.len) wick_buf_putc(&c->lp, ',');
        wick_buf_append(&c->lp, e->pend_lp.data, e->pend_lp.len);
    }
    buf_clear(&e->pend_lp);
}

static api_usage usage(const wick_engine *e) {
    api_usage u;
    memset(&u, 0, sizeof u);
    u.prompt_tokens = (int64_t)e->n_prompt;
    for (int i = 0; i < e->req.n; i++) u.completion_tokens += e->ch[i].n_tokens;
    u.reused = (int64_t)e->reused;
    double pre = (double)(e->n_prompt - e->reused);
    u.prefill_tokens_per_s = e->prefill_s > 0 ? pre / e->prefill_s : 0;
    u.decode_tokens_per_s = e->decode_s > 0 ? (double)u.completion_tokens / e->decode_s : 0;
    u.time_to_first_token_s = e->have_first ? e->t_first - e->t_start : 0;
    return u;
}

/* All choices are over: the usage chunk and the response. */
static void finish_request(wick_engine *e) {
    if (e->step_t0 > 0) { /* the last generation step counts too */
        e->decode_s += now_s() - e->step_t0;
        e->step_t0 = 0;
    }
    api_usage u = usage(e);
    if (e->req.include_usage) {
        api_head h = head(e, true);
        out_sep(e);
        api_write_usage_chunk(&e->out, &h, &u);
    }
    api_choice_out outs[API_MAX_N];
    const bool lp = e->req.logprobs && e->req.kind == WICK_REQ_CHAT;
    for (int i = 0; i < e->req.n; i++) {
        engine_choice *c = &e->ch[i];
        outs[i].text = c->text.data;
        outs[i].text_len = c->text.len;
        outs[i].logprobs_entries = lp ? (c->lp.data ? c->lp.data : "") : NULL;
        outs[i].logprobs_len = c->lp.len;
        outs[i].finish = c->finish ? c->finish : "abort";
    }
    api_head h = head(e, false);
    buf_clear(&e->response);
    api_write_response(&e->response, &h, e->req.kind, outs, e->req.n, &u);
    e->has_response = !e->response.failed;
    e->phase = PH_DONE;
}

/* Ends the current choice: releases held text (unless a stop string was
 * hit), the final chunk, and moves on to the next choice or the end. */
static wick_status finish_choice(wick_engine *e, const char *reason, wick_error *err) {
    engine_choice *c = &e->ch[e->cur];
    bool hit = false;
    if (c->started) {
        const char *t;
        size_t n;
        wick_status st = wick_detokenizer_flush(e->detok, &t, &n, err);
        if (st) return st;
        if ((st = wick_stop_matcher_push(e->stop, t, n, &t, &n, &hit, err))) return st;
        show_text(e, t, n);
        if (!hit) {
            wick_stop_matcher_flush(e->stop, &t, &n);
            show_text(e, t, n);
        }
    } else {
        if (e->req.kind == WICK_REQ_CHAT) emit_chunk(e, true, NULL, 0, NULL, 0, NULL);
        c->started = true;
    }
    if (hit && strcmp(reason, "abort")) reason = "stop";
    c->finish = reason;
    buf_clear(&e->pend_lp);
    emit_chunk(e, false, NULL, 0, NULL, 0, reason);
    if (++e->cur >= e->req.n) finish_request(e);
    return WICK_OK;
}

/* Starts choice e->cur: the role chunk, and (for choices after the first)
 * the context back at the prompt and a sampler with this choice's seed. */
static wick_status start_choice(wick_engine *e, wick_error *err) {
    engine_choice *c = &e->ch[e->cur];
    c->started = true;
    if (e->req.kind == WICK_REQ_CHAT) emit_chunk(e, true, NULL, 0, NULL, 0, NULL);
    e->from_prompt = true;
    if (e->cur > 0) {
        keep_ids(e, e->n_prompt);
        wick_status st = new_sampler(e, e->cur, err);
        if (st) return st;
        wick_detokenizer_free(e->detok);
        e->detok = NULL;
        if ((st = wick_detokenizer_new(e->model, WICK_DETOKENIZE_SKIP_SPECIAL, &e->detok, err))) return st;
        wick_stop_matcher_reset(e->stop);
    }
    return WICK_OK;
}

static wick_status gen_step(wick_engine *e, wick_error *err) {
    engine_choice *c = &e->ch[e->cur];
    wick_status st;
    if (!c->started && (st = start_choice(e, err))) return st;
    const float *logits = e->from_prompt ? e->prompt_logits : wick_get_logits(e->ctx, NULL);
    if (!logits) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_step: no logits (internal)");
    wick_sample_result res;
    if ((st = wick_sampler_sample(e->sampler, logits, &res, err))) return st;
    if (!e->have_first) {
        e->have_first = true;
        e->t_first = now_s();
    }
    if (!e->req.ignore_eos && wick_token_is_eog(e->model, res.token)) return finish_choice(e, "stop", err);
    if ((st = wick_sampler_accept(e->sampler, res.token, err))) return st;
    c->n_tokens++;
    if (e->req.logprobs && e->req.kind == WICK_REQ_CHAT) {
        if (e->pend_lp.len) wick_buf_putc(&e->pend_lp, ',');
        api_write_logprob_entry(&e->pend_lp, e->model, res.token, res.logprob, res.top, res.n_top);
    }
    const char *t;
    size_t n;
    bool hit = false;
    if ((st = wick_detokenizer_push(e->detok, res.token, &t, &n, err))) return st;
    if ((st = wick_stop_matcher_push(e->stop, t, n, &t, &n, &hit, err))) return st;
    show_text(e, t, n);
    if (hit) {
        buf_clear(&e->pend_lp);
        c->finish = "stop";
        emit_chunk(e, false, NULL, 0, NULL, 0, "stop");
        if (++e->cur >= e->req.n) finish_request(e);
        return WICK_OK;
    }
    if (e->req.max_tokens > 0 && c->n_tokens >= e->req.max_tokens) return finish_choice(e, "length", err);
    if (e->n_ids >= e->n_ctx) return finish_choice(e, "length", err);
    if ((st = decode(e, &res.token, 1, err))) return st;
    e->from_prompt = false;
    return WICK_OK;
}

static wick_status step_fail(wick_engine *e, wick_status st, wick_error *err) {
    buf_clear(&e->error);
    api_write_error(&e->error, err && err->message[0] ? err->message : wick_status_name(st), "server_error", NULL,
                    NULL);
    end_request(e);
    e->phase = PH_DONE;
    return st;
}

wick_status wick_engine_step(wick_engine *e, const char **out, size_t *out_len, int *done, wick_error *err) {
    if (!e || !out || !out_len || !done)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_step: NULL argument");
    wick_error local = {0};
    if (!err) err = &local;
    out_begin(e);
    wick_status st = WICK_OK;
    double t0 = now_s();
    if (e->phase == PH_PREFILL) {
        size_t n = e->n_prompt - e->n_done;
        if (n > e->n_batch) n = e->n_batch;
        st = decode(e, e->prompt + e->n_done, n, err);
        if (st == WICK_OK) {
            e->n_done += n;
            if (e->n_done == e->n_prompt) {
                memcpy(e->prompt_logits, wick_get_logits(e->ctx, NULL), (size_t)e->n_vocab * sizeof(float));
                e->phase = PH_GEN;
            }
        }
        e->prefill_s += now_s() - t0;
    } else if (e->phase == PH_GEN) {
        e->step_t0 = t0;
        st = gen_step(e, err);
        if (e->step_t0 > 0) e->decode_s += now_s() - e->step_t0;
        e->step_t0 = 0;
    }
    wick_buf_putc(&e->out, ']');
    if (st == WICK_OK && e->out.failed) st = wick_error_set(err, WICK_ERR_NOMEM, "wick_engine_step: out of memory");
    if (st != WICK_OK) {
        step_fail(e, st, err);
        out_begin(e);
        wick_buf_putc(&e->out, ']');
    }
    *out = e->out.data ? e->out.data : "[]";
    *out_len = e->out.data ? e->out.len : 2;
    *done = e->phase != PH_PREFILL && e->phase != PH_GEN;
    return st;
}

wick_status wick_engine_abort(wick_engine *e, const char **out, size_t *out_len, wick_error *err) {
    if (!e || !out || !out_len) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_abort: NULL argument");
    wick_error local = {0};
    if (!err) err = &local;
    out_begin(e);
    wick_status st = WICK_OK;
    while ((e->phase == PH_PREFILL || e->phase == PH_GEN) && st == WICK_OK) {
        e->phase = PH_GEN;
        st = finish_choice(e, "abort", err);
    }
    wick_buf_putc(&e->out, ']');
    if (st == WICK_OK && e->out.failed) st = wick_error_set(err, WICK_ERR_NOMEM, "wick_engine_abort: out of memory");
    if (st != WICK_OK) {
        step_fail(e, st, err);
        out_begin(e);
        wick_buf_putc(&e->out, ']');
    }
    *out = e->out.data ? e->out.data : "[]";
    *out_len = e->out.data ? e->out.len : 2;
    return st;
}

const char *wick_engine_response(const wick_engine *e, size_t *len) {
    if (len) *len = 0;
    if (!e || e->phase != PH_DONE || !e->has_response) return NULL;
    if (len) *len = e->response.len;
    return e->response.data;
}

const char *wick_engine_error_json(const wick_engine *e, size_t *len) {
    if (len) *len = 0;
    if (!e || !e->error.len) return NULL;
    if (len) *len = e->error.len;
    return e->error.data;
}
