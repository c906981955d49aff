/* tokenizer.json pre-tokenizer recognition for the importer (see
 * tokenizer_import_pre.h). The signatures are the regexes of the
 * tokenizer.json files of each family, as llama.cpp's llama-vocab.cpp lists
 * them per tokenizer.ggml.pre. */
#include "tools/tokenizer_import_pre.h"

#include "core/status.h"

#include <stdio.h>
#include <string.h>

static bool str_is(const json_value *v, const char *s) {
    return v && v->type == JSON_STRING && strlen(s) == v->u.string.len &&
           memcmp(v->u.string.ptr, s, v->u.string.len) == 0;
}

static const json_value *get_type(const json_value *obj, const char *key, json_type t) {
    const json_value *v = json_get(obj, key);
    return v && v->type == t ? v : NULL;
}

const char *tokimp_quote(const char *s, size_t n, char *buf, size_t cap) {
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool boundary = (c & 0xC0) != 0x80;
        if (boundary && o + 12 >= cap) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20) o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else if (c == '"' || c == '\\') buf[o++] = '\\', buf[o++] = (char)c;
        else buf[o++] = (char)c;
    }
    buf[o++] = '"';
    buf[o] = 0;
    return buf;
}

/* ------------------------------------------------------------ signatures */

static const char RE_GPT2[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char RE_LLAMA3[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                                "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char RE_QWEN2[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
                               "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/* Digits pre-tokenizers are matched as these pseudo-patterns. */
static const char RE_DIGITS_ONE[] = "\\p{N}";
static const char RE_DIGITS_RUN[] = "\\p{N}+";

/* deepseek-llm: its tokenizer.json ends in Digits(individual_digits), which
 * llama.cpp lists as "\\p{N}+"; both spellings are accepted. */
#define DEEPSEEK_LLM_STEPS \
    "[\\r\\n]", \
    "\\s?[A-Za-z\xc2\xb5\xc3\x80-\xc3\x96\xc3\x98-\xc3\xb6\xc3\xb8-\xc6\xba\xc6\xbc-\xc6\xbf\xc7\x84-" \
    "\xca\x93\xca\x95-\xca\xaf\xcd\xb0-\xcd\xb3\xcd\xb6\xcd\xb7\xcd\xbb-\xcd\xbd\xcd\xbf\xce\x86\xce\x88-" \
    "\xce\x8a\xce\x8c\xce\x8e-\xce\xa1\xce\xa3-\xcf\xb5\xcf\xb7-\xd2\x81\xd2\x8a-\xd4\xaf\xd4\xb1-\xd5\x96" \
    "\xe1\x82\xa0-\xe1\x83\x85\xe1\x8e\xa0-\xe1\x8f\xb5\xe1\x8f\xb8-\xe1\x8f\xbd\xe1\xb2\x90-\xe1\xb2\xba" \
    "\xe1\xb2\xbd-\xe1\xb2\xbf\xe1\xb4\x80-\xe1\xb4\xab\xe1\xb5\xab-\xe1\xb5\xb7\xe1\xb5\xb9-\xe1\xb6\x9a" \
    "\xe1\xb8\x80-\xe1\xbc\x95\xe1\xbc\x98-\xe1\xbc\x9d\xe1\xbc\xa0-\xe1\xbd\x85\xe1\xbd\x88-\xe1\xbd\x8d" \
    "\xe1\xbd\x90-\xe1\xbd\x97\xe1\xbd\x99\xe1\xbd\x9b\xe1\xbd\x9d\xe1\xbd\x9f-\xe1\xbd\xbd\xe1\xbe\x80-" \
    "\xe1\xbe\xb4\xe1\xbe\xb6-\xe1\xbe\xbc\xe1\xbe\xbe\xe1\xbf\x82-\xe1\xbf\x84\xe1\xbf\x86-\xe1\xbf\x8c" \
    "\xe1\xbf\x90-\xe1\xbf\x93\xe1\xbf\x96-\xe1\xbf\x9b\xe1\xbf\xa0-\xe1\xbf\xac\xe1\xbf\xb2-\xe1\xbf\xb4" \
    "\xe1\xbf\xb6-\xe1\xbf\xbc\xe2\x84\x82\xe2\x84\x87\xe2\x84\x8a-\xe2\x84\x93\xe2\x84\x95\xe2\x84\x99-" \
    "\xe2\x84\x9d\xe2\x84\xa4\xe2\x84\xa6\xe2\x84\xa8\xe2\x84\xaa-\xe2\x84\xad\xe2\x84\xaf-\xe2\x84\xb4" \
    "\xe2\x84\xb9\xe2\x84\xbc-\xe2\x84\xbf\xe2\x85\x85-\xe2\x85\x89\xe2\x85\x8e\xe2\x86\x83\xe2\x86\x84" \
    "\xe2\xb0\x80-\xe2\xb1\xbb\xe2\xb1\xbe-\xe2\xb3\xa4\xe2\xb3\xab-\xe2\xb3\xae\xe2\xb3\xb2\xe2\xb3\xb3" \
    "\xea\x99\x80-\xea\x99\xad\xea\x9a\x80-\xea\x9a\x9b\xea\x9c\xa2-\xea\x9d\xaf\xea\x9d\xb1-\xea\x9e\x87" \
    "\xea\x9e\x8b-\xea\x9e\x8e\xea\xad\xb0-\xea\xae\xbf\xef\xac\x80-\xef\xac\x86\xef\xac\x93-\xef\xac\x97" \
    "\xef\xbc\xa1-\xef\xbc\xba\xef\xbd\x81-\xef\xbd\x9a\xf0\x90\x90\x80-\xf0\x90\x91\x8f\xf0\x90\x92\xb0-" \
    "\xf0\x90\x93\x93\xf0\x90\x93\x98-\xf0\x90\x93\xbb\xf0\x90\xb2\x80-\xf0\x90\xb2\xb2\xf0\x90\xb3\x80-" \
    "\xf0\x90\xb3\xb2\xf0\x91\xa2\xa0-\xf0\x91\xa3\x9f\xf0\x9e\xa4\x80-\xf0\x9e\xa5\x83]+", \
    "\\s?[!-/:-~\xef\xbc\x81-\xef\xbc\x8f\xef\xbc\x9a-\xef\xbd\x9e\xe2\x80\x98-\xe2\x80\x9f\xe3\x80\x80-" \
    "\xe3\x80\x82]+", \
    "\\s+$", \
    "[\xe4\xb8\x80-\xe9\xbe\xa5\xe0\xa0\x80-\xe4\xb8\x80\xea\xb0\x80-\xed\x9f\xbf]+"

typedef struct pre_signature {
    const char *name;
    const char *steps[7]; /* NULL-terminated */
} pre_signature;

static const pre_signature PRE_SIGNATURES[] = {
    {"gpt2", {RE_GPT2, NULL}},
    {"smollm", {RE_DIGITS_ONE, RE_GPT2, NULL}},
    {"llama-bpe", {RE_LLAMA3, NULL}},
    {"qwen2", {RE_QWEN2, NULL}},
    {"deepseek-llm", {DEEPSEEK_LLM_STEPS, RE_DIGITS_ONE, NULL}},
    {"deepseek-llm", {DEEPSEEK_LLM_STEPS, RE_DIGITS_RUN, NULL}},
    {"deepseek-v3",
     {"\\p{N}{1,3}", "[\xe4\xb8\x80-\xe9\xbe\xa5\xe3\x81\x80-\xe3\x82\x9f\xe3\x82\xa0-\xe3\x83\xbf]+",
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
      "?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      NULL}},
};

/* A regex with literal CR/LF/TAB written as escapes, so "[\r\n]" compares
 * equal however the JSON spelled it. */
static bool regex_eq(const char *re, size_t n, const char *want) {
    size_t j = 0, wl = strlen(want);
    for (size_t i = 0; i < n; i++) {
        const char *rep = re[i] == '\r' ? "\\r" : re[i] == '\n' ? "\\n" : re[i] == '\t' ? "\\t" : NULL;
        if (rep) {
            if (j + 2 > wl || memcmp(want + j, rep, 2) != 0) return false;
            j += 2;
        } else {
            if (j >= wl || want[j] != re[i]) return false;
            j++;
        }
    }
    return j == wl;
}

typedef struct pre_steps {
    const char *re[8];
    size_t len[8];
    int n;
    bool byte_level, unknown;
    char what[200]; /* first unrecognised part, for the error */
} pre_steps;

static void add_step(pre_steps *p, const char *re, size_t len) {
    if (p->n < 8) p->re[p->n] = re, p->len[p->n] = len;
    p->n++;
}

static void collect_pre(pre_steps *p, const json_value *pt, int depth) {
    const json_value *type = get_type(pt, "type", JSON_STRING);
    if (!type || depth > 4) {
        p->unknown = true;
        snprintf(p->what, sizeof p->what, "a pre-tokenizer without a \"type\"");
        return;
    }
    if (str_is(type, "Sequence")) {
        const json_value *list = get_type(pt, "pretokenizers", JSON_ARRAY);
        for (size_t i = 0; list && i < list->u.array.len; i++)
            collect_pre(p, list->u.array.items[i], depth + 1);
        return;
    }
    if (str_is(type, "ByteLevel")) {
        const json_value *ur = json_get(pt, "use_regex");
        p->byte_level = true;
        if (!ur || ur->type != JSON_BOOL || ur->u.boolean) add_step(p, RE_GPT2, strlen(RE_GPT2));
        return;
    }
    if (str_is(type, "Digits")) {
        const json_value *ind = json_get(pt, "individual_digits");
        bool one = ind && ind->type == JSON_BOOL && ind->u.boolean;
        add_step(p, one ? RE_DIGITS_ONE : RE_DIGITS_RUN, strlen(one ? RE_DIGITS_ONE : RE_DIGITS_RUN));
        return;
    }
    if (str_is(type, "Split")) {
        const json_value *re = get_type(get_type(pt, "pattern", JSON_OBJECT), "Regex", JSON_STRING);
        const json_value *inv = json_get(pt, "invert");
        if (re && str_is(json_get(pt, "behavior"), "Isolated") &&
            !(inv && inv->type == JSON_BOOL && inv->u.boolean)) {
            add_step(p, re->u.string.ptr, re->u.string.len);
            return;
        }
        char q[120];
        if (!p->unknown && re)
            snprintf(p->what, sizeof p->what, "Split %s",
                     tokimp_quote(re->u.string.ptr, re->u.string.len, q, sizeof q));
        else if (!p->unknown) snprintf(p->what, sizeof p->what, "a Split that is not an isolated regex");
        p->unknown = true;
        return;
    }
    if (!p->unknown)
        snprintf(p->what, sizeof p->what, "a %.*s pre-tokenizer", (int)type->u.string.len,
                 type->u.string.ptr);
    p->unknown = true;
}

wick_status tokimp_detect_pre(const json_value *root, const char *path, const char **name,
                              wick_error *err) {
    pre_steps p;
    memset(&p, 0, sizeof p);
    const json_value *pt = json_get(root, "pre_tokenizer");
    if (pt && pt->type == JSON_OBJECT) collect_pre(&p, pt, 0);
    if (!p.unknown && p.n <= 8) {
        for (size_t s = 0; s < sizeof PRE_SIGNATURES / sizeof *PRE_SIGNATURES; s++) {
            const pre_signature *sig = &PRE_SIGNATURES[s];
            int k = 0;
            while (sig->steps[k] && k < p.n && regex_eq(p.re[k], p.len[k], sig->steps[k])) k++;
            if (!sig->steps[k] && k == p.n) {
                *name = sig->name;
                return WICK_OK;
            }
        }
    }
    char q[120];
    if (!p.unknown) {
        if (p.n == 0) snprintf(p.what, sizeof p.what, "no splitting regex");
        else snprintf(p.what, sizeof p.what, "regex %s", tokimp_quote(p.re[0], p.len[0], q, sizeof q));
    }
    return wick_error_set(err, WICK_ERR_UNSUPPORTED,
                          "%s: pre_tokenizer: %s is not a pre-tokenizer Wick recognises (llama-bpe, qwen2, "
                          "smollm, gpt2, deepseek-llm, deepseek-v3); pass --pre NAME to name it",
                          path, p.what);
}

/* Whether any ByteLevel step appears in pre_tokenizer or decoder. */
bool tokimp_has_byte_level(const json_value *root) {
    pre_steps p;
    memset(&p, 0, sizeof p);
    const json_value *pt = json_get(root, "pre_tokenizer");
    if (pt && pt->type == JSON_OBJECT) collect_pre(&p, pt, 0);
    const json_value *dec = json_get(root, "decoder");
    return p.byte_level || str_is(json_get(dec, "type"), "ByteLevel");
}

/* SentencePiece's dummy prefix: a Prepend("▁") normalizer, or a Metaspace
 * pre-tokenizer that adds a prefix space. */
static bool find_space_prefix(const json_value *v, int depth) {
    if (!v || v->type != JSON_OBJECT || depth > 4) return false;
    const json_value *type = json_get(v, "type");
    if (str_is(type, "Prepend")) return str_is(json_get(v, "prepend"), "\xe2\x96\x81");
    if (str_is(type, "Metaspace")) {
        const json_value *scheme = json_get(v, "prepend_scheme");
        const json_value *aps = json_get(v, "add_prefix_space");
        if (scheme && scheme->type == JSON_STRING) return !str_is(scheme, "never");
        return aps && aps->type == JSON_BOOL && aps->u.boolean;
    }
    const char *lists[] = {"normalizers", "pretokenizers"};
    for (int l = 0; l < 2; l++) {
        const json_value *arr = get_type(v, lists[l], JSON_ARRAY);
        for (size_t i = 0; arr && i < arr->u.array.len; i++)
            if (find_space_prefix(arr->u.array.items[i], depth + 1)) return true;
    }
    return false;
}

bool tokimp_space_prefix(const json_value *root) {
    return find_space_prefix(json_get(root, "normalizer"), 0) ||
           find_space_prefix(json_get(root, "pre_tokenizer"), 0);
}
