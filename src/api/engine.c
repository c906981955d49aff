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
 * Constrained decoding (response_format, or tool_choice required/named):
 * before each sample the grammar matcher fills the mask the sampler reads
 * (sampler.h: masked logits are -inf before the chain, logprobs
 * renormalise over what is allowed); when only end-of-generation tokens
 * are allowed the choice ends with "stop" without sampling; each sampled
 * token advances the matcher. The vocabulary index is built on first use
 * and kept; the grammar's mask table is built per request.
 * Tools (tool_calls.c has the formats): text goes through the stop matcher
 * and then a matcher for the format's call marker; text before a marker is
 * shown, the rest held, parsed when the choice ends and sent as tool_calls
 * deltas (or released as content if it is not a call).
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
#include "model/model.h"

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
    /* tool mode: the raw text (special tokens' text kept), how much of it
     * went through the marker matcher, whether the rest is held back as a
     * call, and the calls parsed at the end */
    wick_buf raw;
    size_t passed;
    bool hold;
    api_tool_call *calls;
    size_t n_calls;
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

    /* constrained decoding: the vocabulary index (built on first use, kept
     * for the engine's life: it costs 40-300 ms), the EOG ids, the mask
     * the sampler reads, and the request's grammar and matcher */
    grammar_vocab_index *gix;
    int32_t *eog;
    size_t n_eog;
    uint32_t *mask;
    grammar *tool_grammar;     /* tool_choice required/named */
    const grammar *g;          /* req.grammar or tool_grammar, or NULL */
    grammar_matcher *gm;
    grammar_mask_table *gtable; /* for g and gix, per request */
    /* tools */
    api_tool_format tf;        /* API_TF_NONE: no tool parsing */
    const char *forced;        /* text appended after the rendered prompt */
    wick_stop_matcher *tmark;  /* finds the format's call marker in the text */
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
    /* the matcher and mask table refer to the grammar: they go first */
    grammar_matcher_free(e->gm);
    e->gm = NULL;
    grammar_mask_table_free(e->gtable);
    e->gtable = NULL;
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
    wick_stop_matcher_free(e->tmark);
    e->tmark = NULL;
    grammar_free(e->tool_grammar);
    e->tool_grammar = NULL;
    e->g = NULL;
    e->tf = API_TF_NONE;
    e->forced = "";
    for (int i = 0; i < API_MAX_N; i++) {
        wick_buf_free(&e->ch[i].text);
        wick_buf_free(&e->ch[i].lp);
        wick_buf_free(&e->ch[i].raw);
        api_tool_calls_free(e->ch[i].calls, e->ch[i].n_calls);
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
    grammar_vocab_index_free(e->gix);
    free(e->eog);
    free(e->mask);
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

/* The chat prompt text, tools included (see tool_calls.c for the formats):
 * a template that knows the model's tool syntax gets `tools`; any other
 * gets messages rewritten with Wick's instruction (system message first,
 * or the first user message when the template refuses a system role).
 * tool_choice required/named adds the constraining grammar and, for
 * Mistral, the forced [TOOL_CALLS] after the prompt. */
static wick_status render_chat(wick_engine *e, char **text, size_t *text_len, wick_error *err) {
    const api_request *r = &e->req;
    api_tool_format fmt = api_tool_format_detect(e->model->chat_template);
    bool tools_on = r->n_tools && r->tool_choice != API_TC_NONE;
    e->tf = tools_on ? fmt : API_TF_NONE;
    wick_error terr = {0};
    wick_status st;
    if (fmt == API_TF_INJECTED && (tools_on || r->has_tool_messages)) {
        api_param_error pe;
        memset(&pe, 0, sizeof pe);
        st = WICK_ERR_INVALID_ARG;
        for (int system_ok = 1; system_ok >= 0 && st != WICK_OK; system_ok--) {
            char *msgs = NULL;
            if ((st = api_messages_inject_tools(r, system_ok, &msgs, &pe)) != WICK_OK) return refuse(e, st, &pe, err);
            st = wick_chat_template_apply(e->model, NULL, msgs, NULL, NULL, 1, text, text_len, &terr);
            free(msgs);
            if (st == WICK_ERR_NOMEM) break;
        }
    } else {
        /* tool_choice 'none' still shows a native template the tools (as
         * vLLM does; some templates, Hermes 3's tool_use, need them) */
        st = wick_chat_template_apply(e->model, NULL, r->messages_json, r->n_tools ? r->tools_json : NULL, NULL, 1,
                                      text, text_len, &terr);
    }
    if (st == WICK_ERR_NOMEM) return refusef(e, st, NULL, NULL, err, "out of memory rendering the chat template");
    if (st != WICK_OK)
        return refusef(e, WICK_ERR_INVALID_ARG, "messages", NULL, err,
                       "The model's chat template refused these messages%s: %s", tools_on ? " (with tools)" : "",
                       terr.message);
    if (tools_on && (r->tool_choice == API_TC_REQUIRED || r->tool_choice == API_TC_NAMED)) {
        api_param_error pe;
        memset(&pe, 0, sizeof pe);
        wick_buf gbnf = {0};
        st = api_tool_grammar(e->tf, r, &gbnf, &e->forced, &pe);
        if (st == WICK_OK) {
            wick_error gerr = {0};
            st = grammar_compile(gbnf.data, gbnf.len, &e->tool_grammar, &gerr);
            if (st != WICK_OK) {
                snprintf(pe.message, sizeof pe.message, "The tool grammar did not compile: %s", gerr.message);
                snprintf(pe.param, sizeof pe.param, "tools");
                if (st != WICK_ERR_NOMEM) st = WICK_ERR_INVALID_ARG;
            }
        }
        wick_buf_free(&gbnf);
        if (st == WICK_OK && e->forced[0]) {
            size_t fl = strlen(e->forced);
            char *t2 = realloc(*text, *text_len + fl + 1);
            if (!t2) st = WICK_ERR_NOMEM;
            else {
                memcpy(t2 + *text_len, e->forced, fl + 1);
                *text = t2;
                *text_len += fl;
            }
            if (st) snprintf(pe.message, sizeof pe.message, "out of memory");
        }
        if (st != WICK_OK) {
            wick_free(*text);
            *text = NULL;
            return refuse(e, st, &pe, err);
        }
    }
    return WICK_OK;
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
        wick_status st = render_chat(e, &text, &text_len, err);
        if (st != WICK_OK) return st;
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

/* Tool mode keeps special tokens' text: the call markers ([TOOL_CALLS],
 * <|python_tag|>) are control tokens. */
static int detok_flags(const wick_engine *e) { return e->tf != API_TF_NONE ? 0 : WICK_DETOKENIZE_SKIP_SPECIAL; }

static wick_status new_sampler(wick_engine *e, int choice, wick_error *err) {
    wick_sampler_free(e->sampler);
    e->sampler = NULL;
    wick_sampler_params sp = e->req.sp;
    sp.logit_bias = e->bias;
    sp.n_logit_bias = e->n_bias;
    sp.seed = e->seed + (uint64_t)choice;
    sp.logprobs = e->req.logprobs;
    sp.top_logprobs = e->req.logprobs ? e->req.top_logprobs : 0;
    wick_status st = wick_sampler_new(e->n_vocab, &sp, &e->sampler, err);
    if (st == WICK_OK && e->g) wick_sampler_set_mask(e->sampler, e->mask);
    return st;
}

/* The grammar's per-request state, and the per-model index on first use. */
static wick_status setup_grammar(wick_engine *e, wick_error *err) {
    e->g = e->req.grammar ? e->req.grammar : e->tool_grammar;
    if (!e->g) return WICK_OK;
    wick_status st;
    if (!e->gix) {
        const wick_vocab *v = NULL;
        if ((st = model_require_vocab(e->model, &v, err)) != WICK_OK) return st;
        if ((st = grammar_vocab_index_new(v, &e->gix, err)) != WICK_OK) return st;
        size_t n = 0;
        for (int32_t t = 0; t < e->n_vocab; t++) n += wick_token_is_eog(e->model, t) != 0;
        e->eog = malloc((n ? n : 1) * sizeof *e->eog);
        e->mask = calloc(((size_t)e->n_vocab + 31) / 32, sizeof *e->mask);
        if (!e->eog || !e->mask) {
            grammar_vocab_index_free(e->gix);
            e->gix = NULL;
            return wick_error_set(err, WICK_ERR_NOMEM, "out of memory for the grammar mask");
        }
        for (int32_t t = 0; t < e->n_vocab; t++)
            if (wick_token_is_eog(e->model, t)) e->eog[e->n_eog++] = t;
    }
    if ((st = grammar_matcher_new(e->g, &e->gm, err)) != WICK_OK) return st;
    /* the per-grammar mask table (tens of ms to build) makes masks in
     * permissive states (inside strings) cheap; without it (a failure other
     * than memory) the trie walk gives the same masks, slower */
    wick_error terr = {0};
    st = grammar_mask_table_new(e->g, e->gix, &e->gtable, &terr);
    if (st == WICK_ERR_NOMEM) return wick_error_set(err, st, "%s", terr.message);
    if (st == WICK_OK) grammar_matcher_set_mask_table(e->gm, e->gtable);
    return WICK_OK;
}

/* Fills the mask for the next token; *only_eog: the grammar is complete
 * and nothing but an end-of-generation token may follow (or nothing at
 * all: a dead end cannot happen with a sound grammar, but ends too). */
static void grammar_step_mask(wick_engine *e, bool *only_eog) {
    grammar_matcher_fill_mask(e->gm, e->gix, e->mask);
    size_t words = ((size_t)e->n_vocab + 31) / 32, bits = 0, eog_bits = 0;
    for (size_t w = 0; w < words; w++) bits += (size_t)__builtin_popcount(e->mask[w]);
    for (size_t i = 0; i < e->n_eog; i++) eog_bits += (e->mask[e->eog[i] >> 5] >> (e->eog[i] & 31)) & 1u;
    *only_eog = bits == eog_bits;
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
    {
        wick_error gerr = {0};
        if ((st = setup_grammar(e, &gerr)) != WICK_OK)
            return refusef(e, st == WICK_ERR_NOMEM ? st : WICK_ERR_INVALID_ARG, "response_format", NULL, err,
                           "Constrained decoding could not start: %s", gerr.message);
    }

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
        (st = wick_detokenizer_new(e->model, detok_flags(e), &e->detok, &serr)) != WICK_OK ||
        (e->tf != API_TF_NONE &&
         (st = wick_stop_matcher_new((const char *const[]){api_tool_marker(e->tf)}, 1, &e->tmark, &serr)) != WICK_OK))
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
        outs[i].calls = c->calls;
        outs[i].n_calls = c->n_calls;
    }
    api_head h = head(e, false);
    buf_clear(&e->response);
    api_write_response(&e->response, &h, e->req.kind, outs, e->req.n, &u);
    e->has_response = !e->response.failed;
    e->phase = PH_DONE;
}

/* ---- tool calls in the output */

static bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

/* Tool mode: text after the stop matcher goes to the choice's raw buffer;
 * what cannot be (the start of) a call is shown as content, the rest held
 * until the choice ends. Llama 3's call is the whole answer, so an answer
 * that starts with '{' or '[' is held entirely. */
static wick_status tool_text(wick_engine *e, const char *t, size_t n, wick_error *err) {
    engine_choice *c = &e->ch[e->cur];
    wick_buf_append(&c->raw, t, n);
    if (c->hold || c->raw.failed) return WICK_OK;
    if (e->tf == API_TF_LLAMA3 && c->passed == 0) {
        size_t i = 0;
        while (i < c->raw.len && is_ws(c->raw.data[i])) i++;
        if (i == c->raw.len) return WICK_OK; /* only whitespace yet: undecided */
        if (c->raw.data[i] == '{' || c->raw.data[i] == '[') {
            c->hold = true;
            return WICK_OK;
        }
    }
    const char *o;
    size_t on;
    bool hit = false;
    wick_status st = wick_stop_matcher_push(e->tmark, c->raw.data + c->passed, c->raw.len - c->passed, &o, &on, &hit, err);
    if (st) return st;
    c->passed = c->raw.len;
    show_text(e, o, on);
    if (hit) c->hold = true;
    return WICK_OK;
}

static wick_status emit_text(wick_engine *e, const char *t, size_t n, wick_error *err) {
    if (e->tf != API_TF_NONE) return tool_text(e, t, n, err);
    show_text(e, t, n);
    return WICK_OK;
}

/* A call id: OpenAI's "call_" + 24 letters/digits; Mistral's templates
 * insist on exactly 9 letters/digits. From the request's seed, so a seeded
 * request repeats byte for byte. */
static void make_call_id(const wick_engine *e, size_t k, char *out, size_t cap) {
    static const char A[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint64_t x = e->seed ^ ((uint64_t)e->cur << 40);
    size_t n = e->tf == API_TF_MISTRAL ? 9 : 24, w = 0;
    if (e->tf != API_TF_MISTRAL) w = (size_t)snprintf(out, cap, "call_");
    for (size_t i = 0; i < n + k + 1 && w + 1 < cap; i++) { /* splitmix64; call k starts k + 1 draws in */
        x += 0x9E3779B97F4A7C15ull;
        uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        if (i == k) x ^= z; /* a stream of its own per call */
        if (i > k) out[w++] = A[z % 62];
    }
    out[w] = '\0';
}

/* The end of a choice in tool mode: parse the held text into calls (on a
 * natural end) and stream them, or release it as content. */
static wick_status finish_tools(wick_engine *e, const char **reason, wick_error *err) {
    engine_choice *c = &e->ch[e->cur];
    (void)err;
    if (!c->hold) {
        const char *o;
        size_t on;
        wick_stop_matcher_flush(e->tmark, &o, &on);
        show_text(e, o, on);
        return WICK_OK;
    }
    bool natural = !strcmp(*reason, "stop");
    if (natural || (!strcmp(*reason, "length") && (e->tf == API_TF_HERMES || e->tf == API_TF_INJECTED))) {
        wick_buf full = {0};
        wick_buf_puts(&full, e->forced);
        wick_buf_append(&full, c->raw.data ? c->raw.data : "", c->raw.len);
        size_t len = full.len, content_len = 0;
        if (!natural) { /* cut by max_tokens: keep the calls that were complete */
            static const char close[] = "</tool_call>";
            size_t m = sizeof close - 1, cut = 0;
            for (size_t i = 0; !full.failed && i + m <= full.len; i++)
                if (!memcmp(full.data + i, close, m)) cut = i + m;
            len = cut;
        }
        if (!full.failed && len)
            c->n_calls = api_tool_calls_parse(e->tf, &e->req, full.data, len, &c->calls, &content_len);
        wick_buf_free(&full);
    }
    if (!c->n_calls) { /* not a call after all: the held text is content */
        size_t shown = c->text.len <= c->raw.len ? c->text.len : c->raw.len;
        show_text(e, c->raw.data + shown, c->raw.len - shown);
        return WICK_OK;
    }
    api_head h = head(e, true);
    for (size_t k = 0; k < c->n_calls; k++) {
        make_call_id(e, k, c->calls[k].id, sizeof c->calls[k].id);
        out_sep(e);
        api_write_tool_call_chunk(&e->out, &h, e->cur, (int)k, &c->calls[k], true, NULL, 0, e->req.include_usage);
        out_sep(e);
        api_write_tool_call_chunk(&e->out, &h, e->cur, (int)k, &c->calls[k], false, c->calls[k].arguments,
                                  strlen(c->calls[k].arguments), e->req.include_usage);
    }
    if (natural) *reason = "tool_calls"; /* "length" stays: the answer was cut after these calls */
    return WICK_OK;
}

/* Ends the current choice: releases held text (unless a stop string was
 * hit: `stop_hit`, the text is then already cut), the final chunk, and
 * moves on to the next choice or the end. */
static wick_status finish_choice(wick_engine *e, const char *reason, bool stop_hit, wick_error *err) {
    engine_choice *c = &e->ch[e->cur];
    bool hit = stop_hit;
    wick_status st;
    if (c->started && !stop_hit) {
        const char *t;
        size_t n;
        if ((st = wick_detokenizer_flush(e->detok, &t, &n, err))) return st;
        if ((st = wick_stop_matcher_push(e->stop, t, n, &t, &n, &hit, err))) return st;
        if ((st = emit_text(e, t, n, err))) return st;
        if (!hit) {
            wick_stop_matcher_flush(e->stop, &t, &n);
            if ((st = emit_text(e, t, n, err))) return st;
        }
    } else if (!c->started) {
        if (e->req.kind == WICK_REQ_CHAT) emit_chunk(e, true, NULL, 0, NULL, 0, NULL);
        c->started = true;
    }
    if (hit && strcmp(reason, "abort")) reason = "stop";
    if (e->tf != API_TF_NONE && (st = finish_tools(e, &reason, err))) return st;
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
    /* a forced call (tool_choice required/named) is held from the start */
    c->hold = e->tf != API_TF_NONE && e->tool_grammar != NULL;
    if (e->cur > 0) {
        keep_ids(e, e->n_prompt);
        wick_status st = new_sampler(e, e->cur, err);
        if (st) return st;
        wick_detokenizer_free(e->detok);
        e->detok = NULL;
        if ((st = wick_detokenizer_new(e->model, detok_flags(e), &e->detok, err))) return st;
        wick_stop_matcher_reset(e->stop);
        if (e->tmark) wick_stop_matcher_reset(e->tmark);
        if (e->gm) grammar_matcher_reset(e->gm);
    }
    return WICK_OK;
}

static wick_status gen_step(wick_engine *e, wick_error *err) {
    engine_choice *c = &e->ch[e->cur];
    wick_status st;
    if (!c->started && (st = start_choice(e, err))) return st;
    const float *logits = e->from_prompt ? e->prompt_logits : wick_get_logits(e->ctx, NULL);
    if (!logits) return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_step: no logits (internal)");
    if (e->g) { /* the grammar is complete and only EOG may follow: a natural end */
        bool only_eog = false;
        grammar_step_mask(e, &only_eog);
        if (only_eog) return finish_choice(e, "stop", false, err);
    }
    wick_sample_result res;
    if ((st = wick_sampler_sample(e->sampler, logits, &res, err))) return st;
    if (!e->have_first) {
        e->have_first = true;
        e->t_first = now_s();
    }
    if (!e->req.ignore_eos && wick_token_is_eog(e->model, res.token)) return finish_choice(e, "stop", false, err);
    if (e->g && !grammar_matcher_accept_token(e->gm, e->gix, res.token))
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_engine_step: the grammar refused token %d that its mask allowed (internal)",
                              (int)res.token);
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
    if ((st = emit_text(e, t, n, err))) return st;
    if (hit) return finish_choice(e, "stop", true, err);
    if (e->req.max_tokens > 0 && c->n_tokens >= e->req.max_tokens) return finish_choice(e, "length", false, err);
    if (e->n_ids >= e->n_ctx) return finish_choice(e, "length", false, err);
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
        st = finish_choice(e, "abort", false, err);
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
