/* The WebGPU plan (src/gpu/): for tiny in-memory models of every
 * architecture, the plan's uploads and every binding of every step lie
 * inside their buffers with WebGPU's alignments, fused weights and
 * lowered binding limits (split tensors) give consistent row coverage,
 * the JSON parses, and limits too small for the KV cache fail with a
 * message that names the limit. Whether the dispatches compute the right
 * thing is the browser test's job (tests/web/gpu_logits.mjs). */
#include "core/buf.h"
#include "gguf/ggml_types.h"
#include "gguf/gguf_writer.h"
#include "gpu/gpu_plan.h"
#include "json/json.h"
#include "quant/quant.h"
#include "test_harness.h"
#include "wick.h"

#include <stdlib.h>

enum { E = 64, NL = 2, NH = 4, NKV = 2, HD = 16, FF = 256, NV = 200 };

static uint64_t rng_state;
static float frand(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng_state >> 40) & 0xffffff) / (float)0xffffff * 2.0f - 1.0f;
}

static void add_t(gguf_writer *w, const char *name, uint64_t n_in, uint64_t n_out, uint32_t type) {
    const uint64_t n = n_in * n_out;
    float *x = malloc(n * sizeof *x);
    for (uint64_t i = 0; i < n; i++) x[i] = frand();
    uint64_t bytes;
    ggml_type_row_bytes(type, n_in, &bytes);
    uint8_t *q = malloc(bytes * n_out);
    for (uint64_t r = 0; r < n_out; r++) quantize_row(type, x + r * n_in, q + r * bytes, (int64_t)n_in);
    uint64_t ne[2] = {n_in, n_out};
    gguf_writer_add_tensor(w, name, n_out == 1 ? 1 : 2, ne, type, q, bytes * n_out);
    free(x);
    free(q);
}

static uint8_t *tiny_model(const char *a, size_t *len) {
    rng_state = 7;
    gguf_writer *w = gguf_writer_new();
    char k[96], name[64];
    gguf_writer_set_str(w, "general.architecture", a, strlen(a));
#define U(key, v) (snprintf(k, sizeof k, "%s.%s", a, key), gguf_writer_set_u32(w, k, v))
    U("context_length", 64);
    U("embedding_length", E);
    U("block_count", NL);
    U("feed_forward_length", FF);
    U("attention.head_count", NH);
    U("attention.head_count_kv", NKV);
    U("attention.key_length", HD);
    U("attention.value_length", HD);
    if (!strcmp(a, "gemma3") || !strcmp(a, "gemma2")) U("attention.sliding_window", 8);
#undef U
    snprintf(k, sizeof k, "%s.attention.layer_norm_rms_epsilon", a);
    gguf_writer_set_f32(w, k, 1e-5f);
    const int fused = !strcmp(a, "phi3"), bias = !strcmp(a, "qwen2");
    const int qkn = !strcmp(a, "qwen3") || !strcmp(a, "gemma3"), post = !strncmp(a, "gemma", 5);
    add_t(w, "token_embd.weight", E, NV, GGML_TYPE_Q4_0);
    for (int il = 0; il < NL; il++) {
#define N(s) (snprintf(name, sizeof name, "blk.%d.%s", il, s), name)
        add_t(w, N("attn_norm.weight"), E, 1, GGML_TYPE_F32);
        if (fused) {
            add_t(w, N("attn_qkv.weight"), E, (NH + 2 * NKV) * HD, GGML_TYPE_Q8_0);
        } else {
            add_t(w, N("attn_q.weight"), E, NH * HD, GGML_TYPE_Q5_0);
            add_t(w, N("attn_k.weight"), E, NKV * HD, GGML_TYPE_BF16);
            add_t(w, N("attn_v.weight"), E, NKV * HD, GGML_TYPE_F16);
        }
        if (bias) {
            add_t(w, N("attn_q.bias"), NH * HD, 1, GGML_TYPE_F32);
            add_t(w, N("attn_k.bias"), NKV * HD, 1, GGML_TYPE_F32);
            add_t(w, N("attn_v.bias"), NKV * HD, 1, GGML_TYPE_F32);
        }
        if (qkn) {
            add_t(w, N("attn_q_norm.weight"), HD, 1, GGML_TYPE_F32);
            add_t(w, N("attn_k_norm.weight"), HD, 1, GGML_TYPE_F32);
        }
        add_t(w, N("attn_output.weight"), NH * HD, E, GGML_TYPE_Q5_1);
        if (post) {
            add_t(w, N("post_attention_norm.weight"), E, 1, GGML_TYPE_F32);
            add_t(w, N("post_ffw_norm.weight"), E, 1, GGML_TYPE_F32);
        }
        add_t(w, N("ffn_norm.weight"), E, 1, GGML_TYPE_F32);
        if (fused) {
            add_t(w, N("ffn_up.weight"), E, 2 * FF, GGML_TYPE_Q4_1);
        } else {
            add_t(w, N("ffn_gate.weight"), E, FF, GGML_TYPE_Q4_1);
            add_t(w, N("ffn_up.weight"), E, FF, GGML_TYPE_F32);
        }
        add_t(w, N("ffn_down.weight"), FF, E, il ? GGML_TYPE_Q4_K : GGML_TYPE_Q6_K);
#undef N
    }
    add_t(w, "output_norm.weight", E, 1, GGML_TYPE_F32);
    uint8_t *buf = NULL;
    wick_error err;
    if (gguf_writer_write_buffer(w, &buf, len, &err) != WICK_OK) buf = NULL;
    gguf_writer_free(w);
    return buf;
}

static const char *ARCHS[] = {"llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3"};

/* Uploads inside the file and their buffers, never overlapping on the GPU. */
static void check_uploads(test_state *ts, const gpu_plan *p, size_t file_len) {
    size_t nb, nu;
    const gpu_buffer *b = gpu_plan_buffers(p, &nb);
    const gpu_upload *u = gpu_plan_uploads(p, &nu);
    CHECK(ts, nu > 0);
    for (size_t i = 0; i < nu; i++) {
        CHECK_MSG(ts, u[i].shard == 0 && u[i].file_offset + u[i].bytes <= file_len, "upload %zu", i);
        CHECK_MSG(ts, u[i].buffer < nb && u[i].offset % GPU_ALIGN == 0 &&
                          u[i].offset + ((u[i].bytes + 3) & ~3ull) <= b[u[i].buffer].size,
                  "upload %zu", i);
        for (size_t j = 0; j < i; j++)
            CHECK_MSG(ts, u[i].buffer != u[j].buffer || u[i].offset >= u[j].offset + u[j].bytes ||
                              u[j].offset >= u[i].offset + u[i].bytes,
                      "uploads %zu and %zu overlap", j, i);
    }
}

static void test_all_archs(test_state *ts) {
    for (size_t a = 0; a < sizeof ARCHS / sizeof *ARCHS; a++) {
        size_t len = 0;
        uint8_t *buf = tiny_model(ARCHS[a], &len);
        wick_model *m = NULL;
        wick_error err = {0};
        CHECK_MSG(ts, buf && wick_model_open_bytes(buf, len, len, &m, &err) == WICK_OK, "%s: %s", ARCHS[a],
                  err.message);
        if (!m) {
            free(buf);
            continue;
        }
        /* default limits, then a binding limit that splits the embedding */
        const uint64_t limits[2] = {0, 4096};
        for (int li = 0; li < 2; li++) {
            gpu_plan_opts o = {li ? 8 : 0, 4, limits[li], limits[li] ? 8192 : 0, 0};
            gpu_plan *p = NULL;
            wick_status st = gpu_plan_new(m, &o, &p, &err);
            CHECK_MSG(ts, st == WICK_OK, "%s limit %llu: %s", ARCHS[a], (unsigned long long)limits[li], err.message);
            if (st != WICK_OK) continue;
            check_uploads(ts, p, len);
            size_t nu;
            gpu_plan_uploads(p, &nu);
            /* each upload is one tensor part: the split adds parts */
            if (li) CHECK_MSG(ts, nu > (size_t)(3 + NL * 6), "%s: %zu uploads", ARCHS[a], nu);
            for (uint32_t n = 1; n <= 4; n++) {
                gpu_step s;
                st = gpu_plan_step(p, n, &s, &err);
                CHECK_MSG(ts, st == WICK_OK, "%s step %u: %s", ARCHS[a], n, err.message);
                if (st != WICK_OK) continue;
                CHECK(ts, gpu_step_check(p, &s, &err) == WICK_OK && s.n > (size_t)NL * 10);
                /* the logits come out of the last product (or softcap) */
                size_t nk;
                const gpu_kernel *k = gpu_plan_kernels(p, &nk);
                const gpu_dispatch *last = &s.d[s.n - 1];
                int writes_logits = 0;
                for (uint32_t j = 0; j < last->n_binds; j++)
                    writes_logits |= last->binds[j].buffer == gpu_plan_logits_buffer(p);
                CHECK_MSG(ts, writes_logits, "%s: last dispatch %s", ARCHS[a], k[last->kernel].name);
                wick_buf jb = {0};
                CHECK(ts, gpu_step_json(p, &s, &jb, &err) == WICK_OK);
                json_doc *doc = NULL;
                CHECK(ts, json_parse(jb.data, jb.len, "step", &doc, &err) == WICK_OK);
                const json_value *d = json_get(json_doc_root(doc), "dispatches");
                CHECK(ts, d && d->type == JSON_ARRAY && d->u.array.len == s.n);
                json_doc_free(doc);
                wick_buf_free(&jb);
                gpu_step_free(&s);
            }
            gpu_step s;
            CHECK(ts, gpu_plan_step(p, 5, &s, &err) == WICK_ERR_INVALID_ARG); /* over the batch */
            CHECK(ts, gpu_plan_step(p, 0, &s, &err) == WICK_ERR_INVALID_ARG);
            wick_buf jb = {0};
            CHECK(ts, gpu_plan_json(p, &jb, &err) == WICK_OK);
            json_doc *doc = NULL;
            CHECK(ts, json_parse(jb.data, jb.len, "plan", &doc, &err) == WICK_OK);
            const json_value *root = json_doc_root(doc);
            const json_value *kern = json_get(root, "kernels"), *ups = json_get(root, "uploads");
            CHECK(ts, kern && kern->type == JSON_ARRAY && kern->u.array.len >= 8);
            CHECK(ts, ups && ups->type == JSON_ARRAY && ups->u.array.len == nu);
            json_doc_free(doc);
            wick_buf_free(&jb);
            gpu_plan_free(p);
        }
        wick_model_close(m);
        free(buf);
    }
}

static void test_limits(test_state *ts) {
    size_t len = 0;
    uint8_t *buf = tiny_model("llama", &len);
    wick_model *m = NULL;
    wick_error err = {0};
    CHECK(ts, buf && wick_model_open_bytes(buf, len, len, &m, &err) == WICK_OK);
    /* 64 positions * 32 floats of K per layer = 8 KiB > a 4 KiB binding */
    gpu_plan_opts o = {64, 4, 4096, 8192, 0};
    gpu_plan *p = NULL;
    CHECK(ts, gpu_plan_new(m, &o, &p, &err) == WICK_ERR_LIMIT && !p);
    CHECK_MSG(ts, strstr(err.message, "KV cache") && strstr(err.message, "maxStorageBufferBindingSize"),
              "%s", err.message);
    CHECK(ts, gpu_plan_new(NULL, &o, &p, &err) == WICK_ERR_INVALID_ARG);
    wick_model_close(m);
    free(buf);
}

int main(int argc, char **argv) {
    static const test_case cases[] = {
        {"all_archs", test_all_archs},
        {"limits", test_limits},
    };
    return test_run_all("gpu_plan", cases, sizeof cases / sizeof cases[0], argc, argv);
}
