/* Architectures as data: what distinguishes llama, qwen2, qwen3, gemma3
 * ... is a handful of flags and constants read by the one forward pass
 * (forward.c), plus hyperparameters from GGUF metadata (<arch>.* keys, as
 * llama.cpp's loader reads them). */
#ifndef WICK_MODEL_ARCH_H
#define WICK_MODEL_ARCH_H

#include "gguf/gguf_reader.h"
#include "ops/ops.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum arch_ffn_act { ARCH_FFN_SILU, ARCH_FFN_GELU } arch_ffn_act;

typedef struct arch_desc {
    const char *name;        /* general.architecture */
    op_rope_mode rope_mode;
    arch_ffn_act ffn_act;    /* gate activation: SwiGLU or GeGLU */
    bool qkv_bias;           /* blk.N.attn_{q,k,v}.bias (qwen2) */
    bool qk_norm;            /* RMSNorm of each q/k head before RoPE (qwen3, gemma3) */
    bool post_norms;         /* post_attention_norm / post_ffw_norm (gemma2/3) */
    bool embd_scale;         /* embeddings * sqrt(n_embd) (gemma) */
    bool always_tied;        /* no output.weight; the embedding is the output */
    bool fused_qkv;          /* blk.N.attn_qkv.weight = [q; k; v] rows (phi3) */
    bool fused_up;           /* blk.N.ffn_up.weight = [gate; up] rows, no ffn_gate (phi3) */
    uint32_t swa_pattern;    /* 0: no sliding window; N: layer il uses the window unless
                                il % N == N - 1 (gemma2: 2, gemma3: 6). Phi-3 files carry
                                attention.sliding_window too, but llama.cpp attends over
                                the whole context for phi3, and so do we (parity.sh). */
    float swa_rope_base;     /* RoPE base of sliding-window layers (0: the global base) */
} arch_desc;

/* NULL if `name` is not supported. */
const arch_desc *arch_find(const char *name, uint64_t len);
/* "llama, qwen2, ..." */
const char *arch_supported_list(void);

typedef struct model_hparams {
    const arch_desc *arch;
    uint32_t n_vocab;       /* rows of token_embd */
    uint32_t n_ctx_train;   /* <arch>.context_length */
    uint32_t n_embd, n_layer, n_ff;
    uint32_t n_head, n_head_kv;
    uint32_t head_dim;      /* key and value head size (must be equal) */
    uint32_t n_rot;         /* rotated dims per head (rope.dimension_count) */
    uint32_t n_swa;         /* sliding window in tokens (0: none) */
    float rms_eps;
    float rope_base, rope_base_swa, rope_freq_scale;
    float attn_scale;       /* multiplies q.k */
    float attn_softcap, final_softcap; /* 0: off */
    uint32_t n_ctx_orig;    /* rope.scaling.original_context_length (LongRoPE), 0 if absent */
    float rope_attn_factor; /* rope.scaling.attn_factor: scales cos/sin (LongRoPE), else 1 */
} model_hparams;

/* Reads the architecture and its hyperparameters from metadata. Unknown
 * architectures and missing or inconsistent keys are errors naming them. */
wick_status arch_read_hparams(const gguf_file *g, const char *source, model_hparams *hp,
                              wick_error *err);

/* true if layer il attends through the sliding window */
bool arch_layer_is_swa(const model_hparams *hp, uint32_t il);

#endif
