/* wick_model_info_json: the model summary as a JSON object. The field set
 * and layout are what `wick info --json` has always printed
 * (tests/conformance/gguf_info.sh checks it against gguf-py). */
#include "model/model_info_json.h"

#include "core/status.h"
#include "model/model.h"
#include "model/model_info.h"

#include <stdio.h>
#include <stdlib.h>

void model_info_human_count(uint64_t n, char *buf, size_t cap) {
    if (n >= 1000000000ull) snprintf(buf, cap, "%.2f B", (double)n / 1e9);
    else if (n >= 1000000ull) snprintf(buf, cap, "%.2f M", (double)n / 1e6);
    else if (n >= 1000ull) snprintf(buf, cap, "%.2f K", (double)n / 1e3);
    else snprintf(buf, cap, "%llu", (unsigned long long)n);
}

int model_info_sorted_types(const wick_model_info *info, uint32_t ids[64]) {
    int n = 0;
    for (uint32_t t = 0; t < 64; t++)
        if (info->tensors_per_type[t]) ids[n++] = t;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && info->bytes_per_type[ids[j]] > info->bytes_per_type[ids[j - 1]]; j--) {
            uint32_t tmp = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = tmp;
        }
    return n;
}

/* Length of the valid UTF-8 sequence at p, or 0 (metadata strings are not
 * validated by the reader, and fixed-size fields may cut a sequence). */
static int utf8_len(const unsigned char *p) {
    int n = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3
          : p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))) return 0;
    if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))) return 0;
    return n;
}

static void json_string(wick_buf *b, const char *s) {
    wick_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_len(p);
        if (n == 0) {
            wick_buf_puts(b, "\\ufffd");
            p++;
            continue;
        }
        if (*p == '"' || *p == '\\') wick_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20) wick_buf_printf(b, "\\u%04x", *p);
        else wick_buf_append(b, (const char *)p, (size_t)n);
        p += n;
    }
    wick_buf_putc(b, '"');
}

void model_info_json_write(const gguf_file *g, const char *path, const wick_model_info *in,
                           const char *load_error, wick_buf *b) {
    /* Extras that wick_model_info does not carry. */
    uint32_t file_type = 0, sliding_window = 0;
    bool has_file_type = gguf_get_u32(g, "general.file_type", &file_type);
    if (in->architecture[0]) {
        char key[128];
        snprintf(key, sizeof key, "%s.attention.sliding_window", in->architecture);
        if (!gguf_get_u32(g, key, &sliding_window)) sliding_window = 0;
    }
    char params[32];
    model_info_human_count(in->n_params, params, sizeof params);
    wick_buf_puts(b, "{\n  \"path\": ");
    json_string(b, path);
    wick_buf_printf(b, ",\n  \"gguf_version\": %u,\n  \"kv_count\": %lld,\n  \"tensor_count\": %lld,\n",
                    gguf_version(g), (long long)gguf_kv_count(g), (long long)gguf_tensor_count(g));
    wick_buf_printf(b, "  \"alignment\": %u,\n  \"data_offset\": %llu,\n  \"file_size\": %llu,\n",
                    gguf_alignment(g), (unsigned long long)gguf_data_offset(g),
                    (unsigned long long)gguf_file_size(g));
    wick_buf_puts(b, "  \"architecture\": ");
    json_string(b, in->architecture);
    wick_buf_puts(b, ",\n  \"name\": ");
    json_string(b, in->name);
    wick_buf_printf(b, ",\n  \"n_params\": %llu,\n  \"n_params_human\": \"%s\",\n  \"weight_bytes\": %llu,\n",
                    (unsigned long long)in->n_params, params, (unsigned long long)in->weight_bytes);
    if (has_file_type) {
        const char *ft = model_file_type_name(file_type);
        wick_buf_printf(b, "  \"file_type\": %u,\n  \"file_type_name\": ", file_type);
        if (ft) json_string(b, ft);
        else wick_buf_puts(b, "null");
        wick_buf_puts(b, ",\n");
    } else {
        wick_buf_puts(b, "  \"file_type\": null,\n  \"file_type_name\": null,\n");
    }
    wick_buf_puts(b, "  \"types\": [");
    uint32_t ids[64];
    int n = model_info_sorted_types(in, ids);
    for (int i = 0; i < n; i++) {
        const char *name = wick_type_name(ids[i]);
        wick_buf_printf(b, "%s\n    {\"id\": %u, \"name\": \"%s\", \"tensors\": %u, \"bytes\": %llu}",
                        i ? "," : "", ids[i], name ? name : "?", in->tensors_per_type[ids[i]],
                        (unsigned long long)in->bytes_per_type[ids[i]]);
    }
    wick_buf_puts(b, "\n  ],\n");
    wick_buf_printf(b,
                    "  \"context_length\": %u,\n  \"n_layers\": %u,\n  \"n_embd\": %u,\n  \"n_head\": %u,\n"
                    "  \"n_head_kv\": %u,\n  \"head_dim_k\": %u,\n  \"head_dim_v\": %u,\n",
                    in->context_length, in->n_layers, in->n_embd, in->n_head, in->n_head_kv,
                    in->head_dim_k, in->head_dim_v);
    wick_buf_printf(b, "  \"vocab_size\": %u,\n  \"vocab_type\": ", in->vocab_size);
    json_string(b, in->vocab_type);
    wick_buf_puts(b, ",\n  \"pre_tokenizer\": ");
    json_string(b, in->pre_tokenizer);
    wick_buf_printf(b, ",\n  \"has_chat_template\": %s,\n", in->has_chat_template ? "true" : "false");
    wick_buf_printf(b, "  \"kv_cache_f16_bytes_per_1k\": %llu,\n", (unsigned long long)in->kv_bytes_per_1k);
    if (sliding_window) wick_buf_printf(b, "  \"sliding_window\": %u,\n", sliding_window);
    else wick_buf_puts(b, "  \"sliding_window\": null,\n");
    wick_buf_puts(b, "  \"load_error\": ");
    if (load_error) json_string(b, load_error);
    else wick_buf_puts(b, "null");
    wick_buf_puts(b, "\n}\n");
}

wick_status wick_model_info_json(const wick_model *model, const char *path, char **out,
                                 size_t *out_len, wick_error *err) {
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!model || !out)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "wick_model_info_json: NULL argument");
    wick_model_info info;
    wick_status st = wick_model_get_info(model, &info, err);
    if (st != WICK_OK) return st;
    wick_buf b = {0};
    model_info_json_write(model->gguf, path ? path : model->path, &info, NULL, &b);
    if (b.failed) {
        wick_buf_free(&b);
        return wick_error_set(err, WICK_ERR_NOMEM, "out of memory (model info JSON)");
    }
    *out = wick_buf_take(&b, out_len);
    return WICK_OK;
}
