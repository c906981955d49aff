/* Special and added tokens: control, unknown and user-defined tokens are
 * found in the text before BPE runs, as Hugging Face's AddedVocabulary
 * does: scanning left to right, the leftmost match wins and, at one
 * position, the longest (aho-corasick LeftmostLongest). (llama.cpp instead
 * splits by each token in turn, longest token first; the two differ when
 * matches overlap, e.g. "ab" + "bcd" in "abcd".)
 *
 * User-defined tokens (HF's non-special added tokens) are matched always;
 * control and unknown tokens only with WICK_TOKENIZE_PARSE_SPECIAL, which
 * is HF's default (`encode_special_tokens=False`). */
#include "tokenizer/vocab_internal.h"

#include <stdlib.h>
#include <string.h>

static bool is_matchable(uint8_t type) {
    return type == TOKEN_TYPE_CONTROL || type == TOKEN_TYPE_UNKNOWN ||
           type == TOKEN_TYPE_USER_DEFINED;
}

static int32_t trie_new_node(wick_vocab *v, int32_t *cap, uint8_t byte) {
    if (v->n_trie == *cap) {
        int32_t nc = *cap ? *cap * 2 : 256;
        trie_node *p = realloc(v->trie, (size_t)nc * sizeof *p);
        if (!p) return -1;
        v->trie = p;
        *cap = nc;
    }
    trie_node *n = &v->trie[v->n_trie];
    n->first_child = -1;
    n->next_sibling = -1;
    n->token = -1;
    n->byte = byte;
    return v->n_trie++;
}

static int32_t trie_child(const wick_vocab *v, int32_t node, uint8_t byte) {
    for (int32_t c = v->trie[node].first_child; c >= 0; c = v->trie[c].next_sibling)
        if (v->trie[c].byte == byte) return c;
    return -1;
}

static bool trie_insert(wick_vocab *v, int32_t *cap, const char *text, size_t len, int32_t id) {
    uint8_t b0 = (uint8_t)text[0];
    int32_t node = v->trie_root[b0];
    if (node < 0) {
        node = trie_new_node(v, cap, b0);
        if (node < 0) return false;
        v->trie_root[b0] = node;
    }
    for (size_t i = 1; i < len; i++) {
        uint8_t b = (uint8_t)text[i];
        int32_t c = trie_child(v, node, b);
        if (c < 0) {
            c = trie_new_node(v, cap, b);
            if (c < 0) return false;
            v->trie[c].next_sibling = v->trie[node].first_child;
            v->trie[node].first_child = c;
        }
        node = c;
    }
    /* texts are unique in the vocabulary, so a node ends at most one token */
    v->trie[node].token = id;
    return true;
}

static bool contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

static bool is_control_text(const wick_vocab *v, const char *text) {
    int32_t id = vocab_find(v, text, strlen(text));
    return id >= 0 && v->type[id] == TOKEN_TYPE_CONTROL;
}

static bool has_phi3_chat_tokens(const wick_vocab *v) {
    return v->kind == VOCAB_SPM && is_control_text(v, "<|user|>") && is_control_text(v, "<|assistant|>") &&
           is_control_text(v, "<|end|>") && is_control_text(v, "<|system|>");
}

static void set_rstrip(wick_vocab *v, const char *text, bool on) {
    int32_t id = vocab_find(v, text, strlen(text));
    if (id < 0) return;
    if (on)
        v->attr[id] |= TOKEN_ATTR_RSTRIP;
    else
        v->attr[id] &= (uint8_t)~TOKEN_ATTR_RSTRIP;
}

/* k spaces, k >= 2: see space_run in vocab_internal.h */
static int space_run_length(const wick_vocab *v, int32_t id) {
    uint32_t n = v->text_len[id];
    if (v->kind != VOCAB_SPM || v->type[id] != TOKEN_TYPE_USER_DEFINED || n < 2 || n > VOCAB_MAX_SPACE_RUN)
        return 0;
    const char *t = v->text_pool + v->text_off[id];
    for (uint32_t i = 0; i < n; i++)
        if (t[i] != ' ') return 0;
    return (int)n;
}

wick_status special_tokens_build(wick_vocab *v, const char *model_name, wick_error *err) {
    int32_t cap = 0;
    for (int i = 0; i < 256; i++) v->trie_root[i] = -1;
    for (int i = 0; i <= VOCAB_MAX_SPACE_RUN; i++) v->space_run[i] = -1;
    for (int32_t id = 0; id < v->n_tokens; id++) {
        if (!is_matchable(v->type[id]) || v->text_len[id] == 0) continue;
        if (v->type[id] == TOKEN_TYPE_USER_DEFINED) v->has_user_defined = true;
        bool ok;
        int run = space_run_length(v, id);
        if (run) {
            char lit[3 * VOCAB_MAX_SPACE_RUN];
            for (int k = 0; k < run; k++) memcpy(lit + 3 * k, "\xE2\x96\x81", 3);
            ok = trie_insert(v, &cap, lit, (size_t)run * 3, id);
            v->space_run[run] = id;
            if (run > v->max_space_run) v->max_space_run = run;
        } else {
            ok = trie_insert(v, &cap, v->text_pool + v->text_off[id], v->text_len[id], id);
        }
        if (!ok) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory while indexing special tokens");
    }

    /* GGUF has no lstrip/rstrip fields. Phi-3's tokenizer.json marks its
     * added tokens rstrip (whitespace after <|user|>, <|end|> ... belongs
     * to the token). llama.cpp recognises Phi-3 by general.name containing
     * "phi-3" or "phi3"; newer converters name it "Phi 3 Mini ...", so we
     * also accept "phi 3" and Phi-3's own chat tokens in a SentencePiece
     * vocab (<|user|>, <|assistant|>, <|end|>, <|system|>, all control). */
    if (contains(model_name, "phi-3") || contains(model_name, "phi3") || contains(model_name, "phi 3") ||
        has_phi3_chat_tokens(v)) {
        for (int32_t id = 0; id < v->n_tokens; id++)
            if (is_matchable(v->type[id])) v->attr[id] |= TOKEN_ATTR_RSTRIP;
        set_rstrip(v, "</s>", true);
        set_rstrip(v, "<unk>", false);
        set_rstrip(v, "<s>", false);
        set_rstrip(v, "<|endoftext|>", false);
    }
    return WICK_OK;
}

int32_t special_match_at(const wick_vocab *v, const char *text, size_t len, bool parse_special,
                         size_t *match_len) {
    int32_t node = v->trie_root[(uint8_t)text[0]];
    int32_t best = -1;
    size_t i = 1;
    while (node >= 0) {
        int32_t t = v->trie[node].token;
        if (t >= 0 && (parse_special || v->type[t] == TOKEN_TYPE_USER_DEFINED)) {
            best = t;
            *match_len = i;
        }
        if (i >= len) break;
        node = trie_child(v, node, (uint8_t)text[i]);
        i++;
    }
    return best;
}

/* End-of-generation tokens: EOS/EOT/EOM ids plus the tokens llama.cpp
 * recognises by their text, since converters rarely write eot/eom ids. */
static const char *const EOG_TEXTS[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
    "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>", NULL};

static void add_eog(wick_vocab *v, int32_t id) {
    if (id < 0 || v->n_eog >= VOCAB_MAX_EOG) return;
    for (int i = 0; i < v->n_eog; i++)
        if (v->eog[i] == id) return;
    v->eog[v->n_eog++] = id;
}

void special_find_eog(wick_vocab *v) {
    add_eog(v, v->eos);
    add_eog(v, v->eot);
    add_eog(v, v->eom);
    for (const char *const *t = EOG_TEXTS; *t; t++) {
        int32_t id = vocab_find(v, *t, strlen(*t));
        /* only as a control token: a user-defined "<|end|>" is ordinary text */
        if (id >= 0 && v->type[id] == TOKEN_TYPE_CONTROL) add_eog(v, id);
    }
}
