// Fused causal self-attention over a packed projection [B, T, 3E] (queries, keys and values side by side,
// each E = heads * d wide, as GPT-2's c_attn writes them).
#ifndef LEMMA_ATTENTION_H
#define LEMMA_ATTENTION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// out [B, T, E] (heads merged) = softmax(scale q kᵀ, position t seeing keys 0…t) v per head, with the kept
// probabilities times `keep` (dropout's [B, H, T, T] mask of 0 and 1/(1-p); NULL for none) in the product.
// Writes the probabilities into probs [B, H, T, T] for the backward pass (entries above the diagonal are
// unspecified). Returns 0, or the GEMM library's failure status.
int lemma_causal_attention_forward(const float *qkv, const float *keep, float *out, float *probs, int64_t batch,
                                   int64_t length, int64_t heads, int64_t head_width, float scale);
// grad_qkv [B, T, 3E] (written, not accumulated) from grad_out [B, T, E], the probabilities and the mask.
int lemma_causal_attention_backward(const float *qkv, const float *keep, const float *probs, const float *grad_out,
                                    float *grad_qkv, int64_t batch, int64_t length, int64_t heads,
                                    int64_t head_width, float scale);

#ifdef __cplusplus
}
#endif

#endif
