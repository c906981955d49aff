/* Hugging Face tokenizer.json (+ tokenizer_config.json) to GGUF
 * tokenizer.ggml.* metadata, following llama.cpp's converter
 * (convert_hf_to_gguf.py get_vocab_base / _set_vocab_gpt2, gguf-py
 * SpecialVocab and LlamaHfVocab). Two families:
 *
 *   "gpt2"   model.type BPE with a ByteLevel pre-tokenizer: tokens in id
 *            order, token types, merges ("a b"), tokenizer.ggml.pre detected
 *            from the pre-tokenizer's structure (tokenizer_import_pre.c).
 *   "llama"  model.type BPE with byte_fallback (SentencePiece converted to
 *            BPE: Llama 2, Mistral, Phi-3, Gemma): tokens, scores, types.
 *            llama.cpp merges these by token score, HF by merge rank, so a
 *            token's score is minus the rank of the first merge that forms
 *            it. The HF converter lists all merges forming one token next to
 *            each other, ordered by the SentencePiece score of that token, so
 *            this ordering is the original model's.
 *
 * Deliberate differences from the converter: add_bos_token/add_eos_token
 * are always written (false when neither the config nor the post-processor
 * adds the token), so Wick never relies on per-pre-tokenizer defaults; and
 * without a tokenizer_config.json the TemplateProcessing token names are
 * still resolved to ids. */
#include "tools/tokenizer_import.h"
#include "tools/tokenizer_import_pre.h"

#include "core/buf.h"
#include "core/status.h"
#include "json/json.h"
#include "platform/file_map.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* llama.cpp token types (gguf.TokenType). */
enum { TT_NORMAL = 1, TT_UNKNOWN = 2, TT_CONTROL = 3, TT_USER = 4, TT_UNUSED = 5, TT_BYTE = 6 };

/* Ids may leave gaps (filled with "[PAD<id>]" as llama.cpp does), but never
 * so many that a hostile file makes us allocate by its word alone. */
#define MAX_ID_GAP 65536u
#define MAX_JSON_BYTES (1024ull * 1024 * 1024)

typedef struct importer {
    const char *tok_path, *cfg_path;
    json_doc *tok_doc, *cfg_doc;
    const json_value *root, *model, *cfg; /* cfg: NULL without a config file */
    const json_value *added;              /* added_tokens array or NULL */
    uint32_t n;                           /* tokens, max id + 1 */
    const char **text;                    /* [n] token text (into a doc or `owned`) */
    size_t *len;                          /* [n] */
    const char **wtext;                   /* [n] text as written (see output_texts) */
    size_t *wlen;                         /* [n] */
    char **owned;                         /* [n] malloc'd texts we built, else NULL */
    int32_t *type;                        /* [n] TT_* */
    uint8_t *added_special;               /* [n] 0: not added, 1: added, 2: added + special */
    int32_t *hash;                        /* open-addressing table of ids, -1 empty */
    size_t hash_mask;
    wick_error *err;
} importer;

/* ---------------------------------------------------------------- helpers */

static wick_status oom(const importer *im) {
    return wick_error_set(im->err, WICK_ERR_NOMEM, "tokenizer import: out of memory");
}

static bool str_is(const json_value *v, const char *s) {
    return v && v->type == JSON_STRING && strlen(s) == v->u.string.len &&
           memcmp(v->u.string.ptr, s, v->u.string.len) == 0;
}

static const json_value *get_type(const json_value *obj, const char *key, json_type t) {
    const json_value *v = json_get(obj, key);
    return v && v->type == t ? v : NULL;
}

static wick_status load_json(const char *path, json_doc **doc, wick_error *err) {
    char *data;
    size_t len;
    wick_status st = wick_file_read_all(path, MAX_JSON_BYTES, &data, &len, err);
    if (st != WICK_OK) return st;
    st = json_parse(data, len, path, doc, err);
    free(data);
    return st;
}

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int32_t lookup(const importer *im, const char *s, size_t n) {
    for (size_t i = hash_bytes(s, n) & im->hash_mask;; i = (i + 1) & im->hash_mask) {
        int32_t id = im->hash[i];
        if (id < 0) return -1;
        if (im->len[id] == n && memcmp(im->text[id], s, n) == 0) return id;
    }
}

static wick_status build_hash(importer *im) {
    size_t cap = 16;
    while (cap < (size_t)im->n * 2) cap *= 2;
    im->hash = malloc(cap * sizeof *im->hash);
    if (!im->hash) return oom(im);
    memset(im->hash, 0xff, cap * sizeof *im->hash);
    im->hash_mask = cap - 1;
    /* Insert in id order; a later duplicate text keeps the first id. */
    for (uint32_t id = 0; id < im->n; id++) {
        if (lookup(im, im->text[id], im->len[id]) >= 0) continue;
        size_t i = hash_bytes(im->text[id], im->len[id]) & im->hash_mask;
        while (im->hash[i] >= 0) i = (i + 1) & im->hash_mask;
        im->hash[i] = (int32_t)id;
    }
    return WICK_OK;
}

/* Replaces token `id`'s text with a copy of s[0..n). */
static bool set_owned(importer *im, uint32_t id, const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) return false;
    memcpy(p, s, n);
    p[n] = 0;
    free(im->owned[id]);
    im->owned[id] = p;
    im->text[id] = p;
    im->len[id] = n;
    return true;
}

/* ------------------------------------------------------ vocab and types */

/* Reads an integer id at `path` (for messages) and checks it is >= 0. */
static wick_status read_id(importer *im, const json_value *v, const char *what, uint64_t *id) {
    if (!v || v->type != JSON_NUMBER || !v->u.number.is_int || v->u.number.i < 0 ||
        v->u.number.i > INT32_MAX)
        return wick_error_set(im->err, WICK_ERR_FORMAT, "%s: %s: expected a token id (an integer 0..%d)",
                              im->tok_path, what, INT32_MAX);
    *id = (uint64_t)v->u.number.i;
    return WICK_OK;
}

static wick_status load_vocab(importer *im) {
    wick_error *err = im->err;
    char q[96], what[160];
    const json_value *vocab = json_get(im->model, "vocab");
    if (!vocab || vocab->type != JSON_OBJECT)
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: model.vocab: expected an object of token -> id",
                              im->tok_path);
    im->added = json_get(im->root, "added_tokens");
    if (im->added && im->added->type == JSON_NULL) im->added = NULL;
    if (im->added && im->added->type != JSON_ARRAY)
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: added_tokens: expected an array", im->tok_path);
    size_t n_added = im->added ? im->added->u.array.len : 0;

    uint64_t max_id = 0, id;
    bool any = false;
    for (size_t i = 0; i < vocab->u.object.len; i++) {
        const json_member *m = &vocab->u.object.members[i];
        snprintf(what, sizeof what, "model.vocab[%s]", tokimp_quote(m->key, m->key_len, q, sizeof q));
        wick_status st = read_id(im, m->value, what, &id);
        if (st != WICK_OK) return st;
        if (id > max_id) max_id = id;
        any = true;
    }
    for (size_t i = 0; i < n_added; i++) {
        const json_value *a = im->added->u.array.items[i];
        snprintf(what, sizeof what, "added_tokens[%zu].id", i);
        if (a->type != JSON_OBJECT || !get_type(a, "content", JSON_STRING))
            return wick_error_set(err, WICK_ERR_FORMAT, "%s: added_tokens[%zu]: expected an object with "
                                  "\"id\" and \"content\"", im->tok_path, i);
        wick_status st = read_id(im, json_get(a, "id"), what, &id);
        if (st != WICK_OK) return st;
        if (id > max_id) max_id = id;
        any = true;
    }
    if (!any)
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: model.vocab: the vocabulary is empty", im->tok_path);
    uint64_t entries = vocab->u.object.len + n_added;
    if (max_id >= entries + MAX_ID_GAP)
        return wick_error_set(err, WICK_ERR_FORMAT,
                              "%s: token id %llu is far beyond the %llu tokens listed (more than %u "
                              "unused ids)", im->tok_path, (unsigned long long)max_id,
                              (unsigned long long)entries, MAX_ID_GAP);
    im->n = (uint32_t)max_id + 1;

    im->text = calloc(im->n, sizeof *im->text);
    im->len = calloc(im->n, sizeof *im->len);
    im->owned = calloc(im->n, sizeof *im->owned);
    im->type = calloc(im->n, sizeof *im->type);
    im->added_special = calloc(im->n, 1);
    if (!im->text || !im->len || !im->owned || !im->type || !im->added_special)
        return wick_error_set(err, WICK_ERR_NOMEM, "tokenizer import: out of memory for %u tokens", im->n);

    for (size_t i = 0; i < vocab->u.object.len; i++) {
        const json_member *m = &vocab->u.object.members[i];
        uint32_t t = (uint32_t)m->value->u.number.i;
        if (im->text[t]) {
            char q2[96];
            return wick_error_set(err, WICK_ERR_FORMAT, "%s: model.vocab: id %u is given to both %s and %s",
                                  im->tok_path, t, tokimp_quote(im->text[t], im->len[t], q, sizeof q),
                                  tokimp_quote(m->key, m->key_len, q2, sizeof q2));
        }
        im->text[t] = m->key;
        im->len[t] = m->key_len;
        im->type[t] = TT_NORMAL;
    }
    /* Added tokens win over the model's vocab for their id, as in HF's
     * get_vocab(); they are not all in model.vocab (Qwen, Gemma 3). */
    for (size_t i = 0; i < n_added; i++) {
        const json_value *a = im->added->u.array.items[i];
        const json_value *c = json_get(a, "content");
        uint32_t t = (uint32_t)json_get(a, "id")->u.number.i;
        const json_value *sp = json_get(a, "special");
        if (sp && sp->type != JSON_BOOL && sp->type != JSON_NULL)
            return wick_error_set(err, WICK_ERR_FORMAT,
                                  "%s: added_tokens[%zu].special: expected true or false", im->tok_path, i);
        im->text[t] = c->u.string.ptr;
        im->len[t] = c->u.string.len;
        im->added_special[t] = (sp && sp->type == JSON_BOOL && sp->u.boolean) ? 2 : 1;
    }
    for (uint32_t t = 0; t < im->n; t++) {
        if (im->text[t]) continue;
        char pad[32];
        int k = snprintf(pad, sizeof pad, "[PAD%u]", t);
        if (!set_owned(im, t, pad, (size_t)k))
            return wick_error_set(err, WICK_ERR_NOMEM, "tokenizer import: out of memory");
        im->type[t] = TT_UNUSED;
    }
    return WICK_OK;
}

static bool contains(const char *s, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0) return true;
    return false;
}

static bool starts_ends(const char *s, size_t n, const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    return n >= la + lb && memcmp(s, a, la) == 0 && memcmp(s + n - lb, b, lb) == 0;
}

/* convert_hf_to_gguf.py does_token_look_special: added tokens some models
 * forgot to mark special. */
static bool looks_special(const char *s, size_t n) {
    static const char *const exact[] = {"<pad>", "<mask>", "<2mass>", "[@BOS@]"};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (strlen(exact[i]) == n && memcmp(s, exact[i], n) == 0) return true;
    return starts_ends(s, n, "<|", "|>") || starts_ends(s, n, "<\xef\xbd\x9c", "\xef\xbd\x9c>") ||
           starts_ends(s, n, "<unused", ">");
}

static bool is_byte_token(const char *s, size_t n) {
    static const char hex[] = "0123456789abcdefABCDEF";
    return n == 6 && memcmp(s, "<0x", 3) == 0 && s[5] == '>' && s[3] && s[4] && strchr(hex, s[3]) &&
           strchr(hex, s[4]);
}

/* Types for added tokens: control when special (or looking special), else
 * user-defined. Byte tokens <0xXX> of SentencePiece-style vocabularies. */
static void type_tokens(importer *im, bool spm) {
    for (uint32_t t = 0; t < im->n; t++) {
        if (im->added_special[t])
            im->type[t] = im->added_special[t] == 2 || looks_special(im->text[t], im->len[t])
                              ? TT_CONTROL
                              : TT_USER;
        else if (spm && im->type[t] == TT_NORMAL && is_byte_token(im->text[t], im->len[t]))
            im->type[t] = TT_BYTE;
    }
}

/* The token texts as written: user-defined tokens get SentencePiece's U+2581
 * turned back into spaces (llama.cpp matches them against raw text). The
 * originals stay in im->text for merge lookups. */
static wick_status output_texts(importer *im) {
    im->wtext = malloc(im->n * sizeof *im->wtext);
    im->wlen = malloc(im->n * sizeof *im->wlen);
    if (!im->wtext || !im->wlen) return oom(im);
    for (uint32_t t = 0; t < im->n; t++) {
        const char *s = im->text[t];
        size_t n = im->len[t];
        im->wtext[t] = s;
        im->wlen[t] = n;
        if (im->type[t] != TT_USER || !contains(s, n, "\xe2\x96\x81")) continue;
        char *p = malloc(n + 1);
        if (!p) return oom(im);
        size_t o = 0;
        for (size_t i = 0; i < n;) {
            if (i + 3 <= n && memcmp(s + i, "\xe2\x96\x81", 3) == 0) p[o++] = ' ', i += 3;
            else p[o++] = s[i++];
        }
        p[o] = 0;
        im->owned[t] = p;
        im->wtext[t] = p;
        im->wlen[t] = o;
    }
    return WICK_OK;
}

/* ----------------------------------------------------------------- merges */

/* Splits model.merges[i] into its two parts: "a b" (split at the first
 * space after the first byte, as llama.cpp does) or ["a", "b"]. */
static wick_status merge_parts(importer *im, size_t i, const json_value *m, const char **a, size_t *la,
                               const char **b, size_t *lb) {
    if (m->type == JSON_STRING) {
        const char *s = m->u.string.ptr;
        size_t n = m->u.string.len;
        const char *sp = n > 1 ? memchr(s + 1, ' ', n - 1) : NULL;
        if (sp && sp + 1 < s + n) {
            *a = s, *la = (size_t)(sp - s), *b = sp + 1, *lb = n - *la - 1;
            return WICK_OK;
        }
    } else if (m->type == JSON_ARRAY && m->u.array.len == 2 && m->u.array.items[0]->type == JSON_STRING &&
               m->u.array.items[1]->type == JSON_STRING && m->u.array.items[0]->u.string.len &&
               m->u.array.items[1]->u.string.len) {
        *a = m->u.array.items[0]->u.string.ptr, *la = m->u.array.items[0]->u.string.len;
        *b = m->u.array.items[1]->u.string.ptr, *lb = m->u.array.items[1]->u.string.len;
        return WICK_OK;
    }
    return wick_error_set(im->err, WICK_ERR_FORMAT,
                          "%s: model.merges[%zu]: expected a string \"a b\" or a 2-element array of "
                          "non-empty strings", im->tok_path, i);
}

static void put_merge_part(wick_buf *buf, const char *s, size_t n) {
    for (size_t k = 0; k < n; k++) {
        if (s[k] == ' ') wick_buf_append(buf, "\xc4\xa0", 2);
        else wick_buf_putc(buf, s[k]);
    }
}

static const json_value *merges_array(importer *im, wick_status *st) {
    const json_value *m = json_get(im->model, "merges");
    *st = WICK_OK;
    if (!m || m->type == JSON_NULL) return NULL;
    if (m->type != JSON_ARRAY)
        *st = wick_error_set(im->err, WICK_ERR_FORMAT, "%s: model.merges: expected an array", im->tok_path);
    return m;
}

/* gpt2 family: tokenizer.ggml.merges as "a b" strings. The array form may
 * hold spaces inside a part; gguf-py writes those as U+0120 like the
 * byte-level alphabet does, and so do we. */
static wick_status write_merges(importer *im, gguf_writer *w) {
    wick_status st;
    const json_value *m = merges_array(im, &st);
    if (st != WICK_OK || !m) return st;
    size_t n = m->u.array.len;
    wick_buf buf = {0};
    size_t *off = malloc((n + 1) * sizeof *off);
    const char **strs = malloc((n ? n : 1) * sizeof *strs);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    if (!off || !strs || !lens) {
        st = oom(im);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const json_value *it = m->u.array.items[i];
        const char *a, *b;
        size_t la, lb;
        if ((st = merge_parts(im, i, it, &a, &la, &b, &lb)) != WICK_OK) goto done;
        off[i] = buf.len;
        if (it->type == JSON_STRING) {
            wick_buf_append(&buf, it->u.string.ptr, it->u.string.len);
        } else {
            put_merge_part(&buf, a, la);
            wick_buf_putc(&buf, ' ');
            put_merge_part(&buf, b, lb);
        }
    }
    off[n] = buf.len;
    if (buf.failed) {
        st = oom(im);
        goto done;
    }
    for (size_t i = 0; i < n; i++) strs[i] = buf.data + off[i], lens[i] = off[i + 1] - off[i];
    if (!gguf_writer_set_str_array(w, "tokenizer.ggml.merges", strs, lens, n))
        st = oom(im);
done:
    wick_buf_free(&buf);
    free(off);
    free(strs);
    free(lens);
    return st;
}

/* llama family: scores. Byte tokens 0 and added tokens -1000 as
 * SentencePiece conversions have them; a normal token scores minus the rank
 * of the first merge forming it; normal tokens no merge forms (single
 * characters) score below every merge. */
static wick_status compute_scores(importer *im, float **out) {
    wick_status st;
    const json_value *m = merges_array(im, &st);
    if (st != WICK_OK) return st;
    size_t n_merges = m ? m->u.array.len : 0;
    float *score = malloc(im->n * sizeof *score);
    int64_t *first = malloc(im->n * sizeof *first);
    char *cat = NULL;
    size_t cat_cap = 0;
    if (!score || !first) {
        st = oom(im);
        goto done;
    }
    for (uint32_t t = 0; t < im->n; t++) first[t] = -1;
    for (size_t i = 0; i < n_merges; i++) {
        const char *a, *b;
        size_t la, lb;
        if ((st = merge_parts(im, i, m->u.array.items[i], &a, &la, &b, &lb)) != WICK_OK) goto done;
        if (la + lb > cat_cap) {
            cat_cap = (la + lb) * 2;
            char *p = realloc(cat, cat_cap);
            if (!p) {
                st = oom(im);
                goto done;
            }
            cat = p;
        }
        memcpy(cat, a, la);
        memcpy(cat + la, b, lb);
        int32_t id = lookup(im, cat, la + lb);
        if (id < 0) {
            char q[96];
            st = wick_error_set(im->err, WICK_ERR_FORMAT,
                                "%s: model.merges[%zu]: the merged token %s is not in model.vocab",
                                im->tok_path, i, tokimp_quote(cat, la + lb, q, sizeof q));
            goto done;
        }
        if (first[id] < 0) first[id] = (int64_t)i;
    }
    for (uint32_t t = 0; t < im->n; t++) {
        switch (im->type[t]) {
        case TT_BYTE: score[t] = 0.0f; break;
        case TT_NORMAL: score[t] = first[t] >= 0 ? -(float)first[t] : -(float)n_merges - 1.0f; break;
        default: score[t] = -1000.0f; break;
        }
    }
    *out = score;
    score = NULL;
done:
    free(score);
    free(first);
    free(cat);
    return st;
}

/* --------------------------------------------------------- special tokens */

/* gguf-py SpecialVocab's token kinds, in its order, then the EOT/EOM it
 * adds when a post-processor's trailing token is not the config's EOS. */
enum { SP_BOS, SP_EOS, SP_UNK, SP_SEP, SP_PAD, SP_CLS, SP_MASK, SP_EOT, SP_EOM, SP_COUNT };
static const char *const SP_CFG[SP_COUNT] = {"bos_token", "eos_token", "unk_token",
                                             "sep_token", "pad_token", "cls_token",
                                             "mask_token", "eot_token", "eom_token"};
/* cls has no GGUF key (gguf-py skips it). */
static const char *const SP_KEY[SP_COUNT] = {
    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
    "tokenizer.ggml.seperator_token_id", "tokenizer.ggml.padding_token_id", NULL,
    "tokenizer.ggml.mask_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"};

typedef struct name_ref {
    const char *s; /* NULL: unset */
    size_t n;
} name_ref;

typedef struct specials {
    name_ref name[SP_COUNT];
    int add_bos, add_eos, add_sep; /* -1 unset */
} specials;

static name_ref name_of(const json_value *v) {
    if (v && v->type == JSON_OBJECT) v = json_get(v, "content");
    if (v && v->type == JSON_STRING) return (name_ref){v->u.string.ptr, v->u.string.len};
    return (name_ref){NULL, 0};
}

static bool name_eq(name_ref a, name_ref b) {
    return a.s && b.s && a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

/* The token name of a TemplateProcessing item {"SpecialToken": {"id": ...}}. */
static name_ref tp_special(const json_value *item) {
    return name_of(json_get(get_type(item, "SpecialToken", JSON_OBJECT), "id"));
}

static bool tp_sequence_is(const json_value *item, const char *id) {
    return str_is(json_get(get_type(item, "Sequence", JSON_OBJECT), "id"), id);
}

/* add_sep from a TemplateProcessing "pair" template shaped A [sep] [eos] B
 * (gguf-py's reading of it). */
static void template_pair(specials *sp, const json_value *pair, name_ref first, name_ref last) {
    size_t lo = 0, hi = pair->u.array.len;
    if (first.s && hi > 0 && name_eq(tp_special(pair->u.array.items[0]), first)) lo = 1;
    if (last.s && hi > lo && name_eq(tp_special(pair->u.array.items[hi - 1]), last)) hi--;
    if (hi - lo < 3 || !tp_sequence_is(pair->u.array.items[lo], "A") ||
        !tp_sequence_is(pair->u.array.items[hi - 1], "B"))
        return;
    name_ref sep = sp->name[SP_SEP], eos = sp->name[SP_EOS];
    bool add_sep = false;
    name_ref e0 = tp_special(pair->u.array.items[lo + 1]);
    if ((name_eq(e0, sep) || name_eq(e0, eos)) && !last.s) add_sep = true;
    if (hi - lo == 4) {
        name_ref e1 = tp_special(pair->u.array.items[lo + 2]);
        if (name_eq(e1, sep) || name_eq(e1, eos)) add_sep = true;
    }
    sp->add_sep = add_sep;
}

static void read_post_processor(specials *sp, const json_value *pp, bool have_cfg) {
    const json_value *list = get_type(pp, "processors", JSON_ARRAY);
    size_t n = list ? list->u.array.len : (pp && pp->type == JSON_OBJECT ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        const json_value *p = list ? list->u.array.items[i] : pp;
        const json_value *type = json_get(p, "type");
        if (str_is(type, "RobertaProcessing")) {
            sp->add_bos = sp->add_eos = sp->add_sep = 1;
            if (have_cfg && !sp->name[SP_CLS].s) sp->name[SP_CLS] = name_of(json_get(p, "cls"));
            if (have_cfg && !sp->name[SP_SEP].s) sp->name[SP_SEP] = name_of(json_get(p, "sep"));
            continue;
        }
        if (!str_is(type, "TemplateProcessing")) continue;
        const json_value *single = get_type(p, "single", JSON_ARRAY);
        const json_value *pair = get_type(p, "pair", JSON_ARRAY);
        name_ref first = {NULL, 0}, last = {NULL, 0};
        if (single && single->u.array.len > 1) {
            first = tp_special(single->u.array.items[0]);
            if (first.s) {
                if (!have_cfg) sp->name[SP_BOS] = first;
                sp->add_bos = name_eq(first, sp->name[SP_BOS]) || name_eq(first, sp->name[SP_CLS]);
            }
            last = tp_special(single->u.array.items[single->u.array.len - 1]);
            if (last.s) {
                if (!have_cfg) {
                    sp->name[SP_EOS] = last;
                } else if (!name_eq(last, sp->name[SP_EOS])) {
                    /* the config's EOS becomes EOT (or EOM), the template's is EOS */
                    if (!sp->name[SP_EOT].s) sp->name[SP_EOT] = sp->name[SP_EOS];
                    else if (!sp->name[SP_EOM].s) sp->name[SP_EOM] = sp->name[SP_EOS];
                    sp->name[SP_EOS] = last;
                }
                sp->add_eos = name_eq(last, sp->name[SP_EOS]);
            }
        }
        if (pair) template_pair(sp, pair, first, last);
    }
}

/* The id of the first added token with this content (as gguf-py looks it
 * up), else -1. */
static int64_t added_id(const importer *im, name_ref name) {
    for (size_t i = 0; name.s && im->added && i < im->added->u.array.len; i++) {
        const json_value *a = im->added->u.array.items[i];
        const json_value *c = json_get(a, "content");
        if (c && c->u.string.len == name.n && memcmp(c->u.string.ptr, name.s, name.n) == 0)
            return json_get(a, "id")->u.number.i;
    }
    return -1;
}

static wick_status write_specials(importer *im, gguf_writer *w) {
    specials sp;
    memset(&sp, 0, sizeof sp);
    sp.add_bos = sp.add_eos = sp.add_sep = -1;
    bool have_cfg = im->cfg != NULL;
    if (have_cfg) {
        for (int k = 0; k < SP_COUNT; k++) sp.name[k] = name_of(json_get(im->cfg, SP_CFG[k]));
        if (!sp.name[SP_BOS].s) sp.name[SP_BOS] = sp.name[SP_CLS];
        if (!sp.name[SP_EOS].s) sp.name[SP_EOS] = sp.name[SP_SEP];
    }
    read_post_processor(&sp, json_get(im->root, "post_processor"), have_cfg);
    if (have_cfg) {
        /* the config's add_*_token flags have the last word */
        const json_value *v;
        if ((v = get_type(im->cfg, "add_bos_token", JSON_BOOL))) sp.add_bos = v->u.boolean;
        if ((v = get_type(im->cfg, "add_eos_token", JSON_BOOL))) sp.add_eos = v->u.boolean;
        if ((v = get_type(im->cfg, "add_sep_token", JSON_BOOL))) sp.add_sep = v->u.boolean;
    }
    bool ok = true;
    for (int k = 0; k < SP_COUNT; k++) {
        int64_t id = added_id(im, sp.name[k]);
        if (k == SP_UNK && id < 0) {
            /* SentencePiece-style vocabularies name it in the model */
            name_ref u = name_of(json_get(im->model, "unk_token"));
            id = u.s ? lookup(im, u.s, u.n) : -1;
        }
        if (id >= 0 && SP_KEY[k]) ok = ok && gguf_writer_set_u32(w, SP_KEY[k], (uint32_t)id);
    }
    ok = ok && gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", sp.add_bos == 1);
    ok = ok && gguf_writer_set_bool(w, "tokenizer.ggml.add_eos_token", sp.add_eos == 1);
    if (sp.add_sep >= 0)
        ok = ok && gguf_writer_set_bool(w, "tokenizer.ggml.add_sep_token", sp.add_sep == 1);
    return ok ? WICK_OK : oom(im);
}

/* Newer repositories keep the template in chat_template.jinja beside the
 * config; gguf-py uses it when the config has none. */
static wick_status write_jinja_file(importer *im, gguf_writer *w) {
    const char *slash = strrchr(im->cfg_path, '/');
    size_t dir = slash ? (size_t)(slash - im->cfg_path) + 1 : 0;
    char *path = malloc(dir + sizeof "chat_template.jinja");
    if (!path) return oom(im);
    memcpy(path, im->cfg_path, dir);
    memcpy(path + dir, "chat_template.jinja", sizeof "chat_template.jinja");
    FILE *f = fopen(path, "rb");
    wick_status st = WICK_OK;
    if (f) {
        fclose(f);
        char *text = NULL;
        size_t len = 0;
        st = wick_file_read_all(path, MAX_JSON_BYTES, &text, &len, im->err);
        if (st == WICK_OK && !gguf_writer_set_str(w, "tokenizer.chat_template", text, len))
            st = oom(im);
        free(text);
    }
    free(path);
    return st;
}

/* tokenizer_config.json chat_template: a string, or a list of {name,
 * template} (the "default" one becomes tokenizer.chat_template, others
 * tokenizer.chat_template.<name> with letters and digits kept), or else a
 * chat_template.jinja file beside the config. */
static wick_status write_chat_template(importer *im, gguf_writer *w) {
    const json_value *ct = json_get(im->cfg, "chat_template");
    if (!ct || ct->type == JSON_NULL) return write_jinja_file(im, w);
    if (ct->type == JSON_STRING)
        return gguf_writer_set_str(w, "tokenizer.chat_template", ct->u.string.ptr, ct->u.string.len)
                   ? WICK_OK
                   : oom(im);
    if (ct->type != JSON_ARRAY)
        return wick_error_set(im->err, WICK_ERR_FORMAT, "%s: chat_template: expected a string or a list of "
                              "{\"name\", \"template\"}", im->cfg_path);
    size_t n = ct->u.array.len, n_names = 0;
    const char **names = calloc(n ? n : 1, sizeof *names);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    char **owned = calloc(n ? n : 1, sizeof *owned);
    wick_status st = WICK_OK;
    if (!names || !lens || !owned) {
        st = oom(im);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const json_value *it = ct->u.array.items[i];
        const json_value *name = get_type(it, "name", JSON_STRING);
        const json_value *tmpl = get_type(it, "template", JSON_STRING);
        if (!name || !tmpl)
            continue; /* gguf-py skips entries without both */
        if (str_is(name, "default")) {
            if (!gguf_writer_set_str(w, "tokenizer.chat_template", tmpl->u.string.ptr, tmpl->u.string.len))
                st = WICK_ERR_NOMEM;
            continue;
        }
        char *clean = malloc(name->u.string.len + 1);
        char key[512];
        if (!clean || name->u.string.len + 32 > sizeof key) {
            free(clean);
            st = clean ? wick_error_set(im->err, WICK_ERR_LIMIT, "%s: chat_template[%zu].name: too long",
                                        im->cfg_path, i)
                       : oom(im);
            goto done;
        }
        for (size_t k = 0; k < name->u.string.len; k++) {
            char c = name->u.string.ptr[k];
            bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            clean[k] = alnum ? c : '_';
        }
        clean[name->u.string.len] = 0;
        owned[n_names] = clean;
        names[n_names] = clean;
        lens[n_names++] = name->u.string.len;
        snprintf(key, sizeof key, "tokenizer.chat_template.%s", clean);
        if (!gguf_writer_set_str(w, key, tmpl->u.string.ptr, tmpl->u.string.len)) st = WICK_ERR_NOMEM;
    }
    if (n_names && !gguf_writer_set_str_array(w, "tokenizer.chat_templates", names, lens, n_names))
        st = WICK_ERR_NOMEM;
    if (st == WICK_ERR_NOMEM) wick_error_set(im->err, st, "tokenizer import: out of memory");
done:
    for (size_t i = 0; owned && i < n_names; i++) free(owned[i]);
    free(owned);
    free(names);
    free(lens);
    return st;
}

/* ------------------------------------------------------------------ main */

static void importer_free(importer *im) {
    for (uint32_t t = 0; im->owned && t < im->n; t++) free(im->owned[t]);
    free(im->owned);
    free(im->text);
    free(im->len);
    free(im->wtext);
    free(im->wlen);
    free(im->type);
    free(im->added_special);
    free(im->hash);
    json_doc_free(im->tok_doc);
    json_doc_free(im->cfg_doc);
}

static wick_status import(importer *im, gguf_writer *w, const char *pre_override) {
    wick_error *err = im->err;
    wick_status st = load_json(im->tok_path, &im->tok_doc, err);
    if (st != WICK_OK) return st;
    im->root = json_doc_root(im->tok_doc);
    if (!im->root || im->root->type != JSON_OBJECT)
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: expected a JSON object at the top level",
                              im->tok_path);
    if (im->cfg_path) {
        if ((st = load_json(im->cfg_path, &im->cfg_doc, err)) != WICK_OK) return st;
        im->cfg = json_doc_root(im->cfg_doc);
        if (!im->cfg || im->cfg->type != JSON_OBJECT)
            return wick_error_set(err, WICK_ERR_FORMAT, "%s: expected a JSON object at the top level",
                                  im->cfg_path);
    }
    im->model = json_get(im->root, "model");
    if (!im->model || im->model->type != JSON_OBJECT)
        return wick_error_set(err, WICK_ERR_FORMAT, "%s: model: expected an object", im->tok_path);
    const json_value *mtype = json_get(im->model, "type");
    if (mtype && !str_is(mtype, "BPE")) {
        char q[96];
        const char *what = mtype->type == JSON_STRING
                               ? tokimp_quote(mtype->u.string.ptr, mtype->u.string.len, q, sizeof q)
                               : "a non-string";
        return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                              "%s: model.type: %s is not supported (expected \"BPE\")", im->tok_path, what);
    }
    if (!mtype && !json_get(im->model, "merges"))
        return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                              "%s: model.type: missing, and the model has no merges (only BPE is supported)",
                              im->tok_path);
    if ((st = load_vocab(im)) != WICK_OK) return st;

    const json_value *bf = json_get(im->model, "byte_fallback");
    bool spm = bf && bf->type == JSON_BOOL && bf->u.boolean;
    if (!spm && !tokimp_has_byte_level(im->root))
        return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                              "%s: model: a BPE model needs either byte_fallback (SentencePiece style) or "
                              "a ByteLevel pre_tokenizer/decoder (GPT-2 style)", im->tok_path);
    type_tokens(im, spm);
    if ((st = build_hash(im)) != WICK_OK) return st;
    if ((st = output_texts(im)) != WICK_OK) return st;

    const char *pre = pre_override;
    if (!pre && spm) pre = "default";
    if (!pre && (st = tokimp_detect_pre(im->root, im->tok_path, &pre, err)) != WICK_OK) return st;

    const char *model_name = spm ? "llama" : "gpt2";
    if (!gguf_writer_set_str(w, "tokenizer.ggml.model", model_name, strlen(model_name)) ||
        !gguf_writer_set_str(w, "tokenizer.ggml.pre", pre, strlen(pre)) ||
        !gguf_writer_set_str_array(w, "tokenizer.ggml.tokens", im->wtext, im->wlen, im->n))
        return wick_error_set(err, WICK_ERR_NOMEM, "tokenizer import: could not add the token list");
    if (spm) {
        float *scores = NULL;
        if ((st = compute_scores(im, &scores)) != WICK_OK) return st;
        bool ok = gguf_writer_set_array(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, im->n);
        free(scores);
        if (!ok) return wick_error_set(err, WICK_ERR_NOMEM, "tokenizer import: could not add scores");
    }
    if (!gguf_writer_set_array(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, im->type, im->n))
        return wick_error_set(err, WICK_ERR_NOMEM, "tokenizer import: could not add token types");
    if (!spm && (st = write_merges(im, w)) != WICK_OK) return st;
    if ((st = write_specials(im, w)) != WICK_OK) return st;
    bool prefix = spm && tokimp_space_prefix(im->root);
    if (!gguf_writer_set_bool(w, "tokenizer.ggml.add_space_prefix", prefix))
        return wick_error_set(err, WICK_ERR_NOMEM, "tokenizer import: out of memory");
    if (im->cfg) return write_chat_template(im, w);
    return WICK_OK;
}

wick_status tokenizer_import(gguf_writer *w, const tokenizer_import_opts *opts, wick_error *err) {
    if (!w || !opts || !opts->tokenizer_json)
        return wick_error_set(err, WICK_ERR_INVALID_ARG,
                              "tokenizer_import: a writer and a tokenizer.json path are required");
    if (opts->pre_override && !*opts->pre_override)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "tokenizer_import: --pre must not be empty");
    importer im;
    memset(&im, 0, sizeof im);
    im.err = err;
    im.tok_path = opts->tokenizer_json;
    im.cfg_path = opts->config_json;
    wick_status st = import(&im, w, opts->pre_override);
    importer_free(&im);
    return st;
}
