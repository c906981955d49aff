/* What llama.cpp's loader (src/llama-arch.cpp, src/llama-model.cpp) expects
 * of each architecture wick-mkmodel can generate: which optional tensor
 * groups exist, default hyperparameters, and the metadata keys that go
 * with them. The tensor list itself is built in mkmodel_random.c. */
#ifndef WICK_TOOLS_MKMODEL_ARCH_H
#define WICK_TOOLS_MKMODEL_ARCH_H

#include <stdbool.h>
#include <stdint.h>

enum {
    MK_QKV_BIAS = 1 << 0,     /* blk.N.attn_{q,k,v}.bias (qwen2) */
    MK_QK_NORM = 1 << 1,      /* blk.N.attn_{q,k}_norm.weight over head_dim (qwen3, gemma3) */
    MK_FUSED_QKV = 1 << 2,    /* blk.N.attn_qkv.weight instead of q/k/v (phi3) */
    MK_FUSED_UP = 1 << 3,     /* blk.N.ffn_up.weight holds gate and up, no ffn_gate (phi3) */
    MK_ROPE_FACTORS = 1 << 4, /* rope_factors_{long,short}.weight, LongRoPE (phi3) */
    MK_POST_NORMS = 1 << 5,   /* blk.N.post_attention_norm / post_ffw_norm (gemma2, gemma3) */
    MK_SOFTCAP = 1 << 6,      /* attn/final logit soft-capping keys (gemma2) */
    MK_SWA = 1 << 7,          /* <arch>.attention.sliding_window (gemma2, gemma3, phi3) */
    MK_HEAD_DIM_KEYS = 1 << 8, /* always write attention.key_length/value_length */
    MK_ROPE_DIM_KEY = 1 << 9, /* write rope.dimension_count */
    MK_ALWAYS_TIED = 1 << 10, /* llama.cpp has no output.weight for it (gemma2, gemma3) */
    MK_NEVER_TIED = 1 << 11,  /* output.weight is required (phi3) */
    MK_HEAD_DIM_FIXED = 1 << 12 /* head_dim must be n_embd / n_head (phi3: attn_output is n_embd x n_embd) */
};

typedef struct mk_arch {
    const char *name;         /* general.architecture */
    unsigned flags;
    bool tied_default;        /* output shares token_embd (no output.weight) unless told */
    float rms_eps;            /* attention.layer_norm_rms_epsilon */
    float rope_base;          /* rope.freq_base */
    uint32_t head_dim_mult;   /* default head_dim = mult * n_embd / n_head */
} mk_arch;

/* NULL if unknown */
const mk_arch *mk_arch_find(const char *name);
/* "llama, qwen2, ..." */
const char *mk_arch_list(void);

#endif
