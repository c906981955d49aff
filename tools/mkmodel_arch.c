/* Architecture table for wick-mkmodel (see mkmodel_arch.h). Defaults follow
 * the small real models of each family: rms eps and rope base as their
 * config.json has them, tying as their converters write them (Qwen2.5-0.5B,
 * Qwen3-0.6B and every Gemma share the embedding; Phi-3 never does). Gemma
 * and Qwen3 get a head_dim larger than n_embd / n_head (as Gemma 3 270M:
 * 640 wide, 4 heads of 256) so that path is exercised. */
#include "tools/mkmodel_arch.h"

#include <string.h>

static const mk_arch ARCHS[] = {
    {"llama", MK_ROPE_DIM_KEY, false, 1e-5f, 10000.0f, 1},
    {"qwen2", MK_QKV_BIAS, true, 1e-6f, 1000000.0f, 1},
    {"qwen3", MK_QK_NORM | MK_HEAD_DIM_KEYS, true, 1e-6f, 1000000.0f, 2},
    {"phi3",
     MK_FUSED_QKV | MK_FUSED_UP | MK_ROPE_FACTORS | MK_SWA | MK_ROPE_DIM_KEY | MK_NEVER_TIED |
         MK_HEAD_DIM_FIXED,
     false, 1e-5f, 10000.0f, 1},
    {"gemma2", MK_POST_NORMS | MK_SOFTCAP | MK_SWA | MK_HEAD_DIM_KEYS | MK_ALWAYS_TIED, true, 1e-6f,
     10000.0f, 2},
    {"gemma3", MK_POST_NORMS | MK_QK_NORM | MK_SWA | MK_HEAD_DIM_KEYS | MK_ALWAYS_TIED, true, 1e-6f,
     1000000.0f, 2},
};

const mk_arch *mk_arch_find(const char *name) {
    for (size_t i = 0; i < sizeof ARCHS / sizeof ARCHS[0]; i++)
        if (!strcmp(ARCHS[i].name, name)) return &ARCHS[i];
    return NULL;
}

const char *mk_arch_list(void) { return "llama, qwen2, qwen3, phi3, gemma2, gemma3"; }
