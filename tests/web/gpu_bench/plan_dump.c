/* Writes the WebGPU plan of a GGUF as JSON files for the GPU benchmark
 * page (bench.mjs), so models past wasm32's 4 GB need no wasm core:
 *   plan_dump MODEL.gguf OUTDIR N_CTX N_BATCH MAX_BINDING MAX_BUFFER
 * writes OUTDIR/plan.json and OUTDIR/step_<n>.json for n = 1 and N_BATCH.
 * Built by bench.sh against build/libwick.a (not part of `make`). */
#include "core/buf.h"
#include "gpu/gpu_plan.h"
#include "wick.h"

#include <stdio.h>
#include <stdlib.h>

static int write_file(const char *dir, const char *name, const wick_buf *b) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len) {
        fprintf(stderr, "plan_dump: cannot write %s\n", path);
        if (f) fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: plan_dump MODEL.gguf OUTDIR N_CTX N_BATCH MAX_BINDING MAX_BUFFER\n");
        return 2;
    }
    wick_error err = {0};
    wick_model *m = NULL;
    if (wick_model_open(argv[1], &m, &err) != WICK_OK) {
        fprintf(stderr, "plan_dump: %s\n", err.message);
        return 1;
    }
    gpu_plan_opts o = {(uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]), strtoull(argv[5], NULL, 10),
                       strtoull(argv[6], NULL, 10), 0};
    gpu_plan *p = NULL;
    int rc = 1;
    if (gpu_plan_new(m, &o, &p, &err) == WICK_OK) {
        wick_buf b = {0};
        rc = gpu_plan_json(p, &b, &err) != WICK_OK || write_file(argv[2], "plan.json", &b);
        wick_buf_free(&b);
        const uint32_t ns[2] = {1, gpu_plan_n_batch(p)};
        for (int i = 0; i < 2 && !rc; i++) {
            gpu_step s;
            wick_buf sb = {0};
            char name[64];
            snprintf(name, sizeof name, "step_%u.json", ns[i]);
            rc = gpu_plan_step(p, ns[i], &s, &err) != WICK_OK;
            if (!rc) rc = gpu_step_json(p, &s, &sb, &err) != WICK_OK || write_file(argv[2], name, &sb);
            if (!rc) gpu_step_free(&s);
            wick_buf_free(&sb);
        }
    }
    if (rc && err.message[0]) fprintf(stderr, "plan_dump: %s\n", err.message);
    gpu_plan_free(p);
    wick_model_close(m);
    return rc;
}
