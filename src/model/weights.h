/* Binding GGUF tensors to the per-layer weight struct the forward pass
 * reads. Nothing is copied: every pointer is into the model's mapping.
 * Each tensor's presence, type and shape are checked against the
 * hyperparameters, and errors name the tensor. */
#ifndef WICK_MODEL_WEIGHTS_H
#define WICK_MODEL_WEIGHTS_H

#include "model/arch.h"
#include "model/model.h"
#include "ops/matmul.h"

typedef struct layer_weights {
    const float *attn_norm, *ffn_norm;           /* [n_embd] */
    const float *post_attn_norm, *post_ffw_norm; /* [n_embd], post_norms archs */
    const float *q_norm, *k_norm;                /* [head_dim], qk_norm archs */
    const float *bq, *bk, *bv;                   /* [n_head*head_dim] / [n_head_kv*head_dim] */
    op_weight wq, wk, wv, wo;                    /* wq: n_embd -> n_head*head_dim ... */
    op_weight wqkv;                              /* fused_qkv: n_embd -> q + k + v rows */
    op_weight gate, up, down;                    /* n_embd -> n_ff (fused_up: up is
                                                    n_embd -> 2*n_ff, gate rows first) */
} layer_weights;

typedef struct model_weights {
    model_hparams hp;
    op_weight tok_embd;      /* n_embd x n_vocab */
    op_weight output;        /* n_embd -> n_vocab (tok_embd when tied) */
    const float *output_norm;
    const float *rope_long, *rope_short; /* LongRoPE factors [n_rot/2] (phi3), or NULL */
    const float *rope_freqs;             /* llama3-style rope_freqs.weight [n_rot/2], or NULL */
    layer_weights *layers;   /* hp.n_layer */
} model_weights;

wick_status weights_bind(const wick_model *m, model_weights *w, wick_error *err);
void weights_free(model_weights *w);

#endif
