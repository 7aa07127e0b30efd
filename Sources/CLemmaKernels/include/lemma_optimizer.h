// The per-element update loops of LemmaOptim's optimizers: one fused pass over a parameter, its gradient and
// its state buffers, all contiguous Float32 of `n` elements, updated in place. The optimizers compute the
// per-step scalars (bias corrections, 1 − β, ...) and pass them in; the formulas are in their Swift files.
#ifndef LEMMA_OPTIMIZER_H
#define LEMMA_OPTIMIZER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Adam and AdamW. Per element: θ *= keep (AdamW's 1 − lr·wd, else 1); g' = g + l2·θ (Adam's L2 term, 0 in
// AdamW); m += w1·(g' − m); v = beta2·v + w2·g'²; with max_exp_avg_sq (amsgrad, else NULL) v̂ = max(v̂, v);
// θ −= step_size · m / (√v̂ / correction2 + eps).
void lemma_adam_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq,
                     int64_t n, float keep, float l2, float beta2, float w1, float w2, float step_size,
                     float correction2, float eps);

// RMSprop. Per element: g' = g + weight_decay·θ; s = alpha·s + w·g'²; centered (grad_avg not NULL):
// ḡ += w·(g' − ḡ), r = s − ḡ², else r = s; with momentum_buffer (momentum > 0, else NULL):
// buf = momentum·buf + g'/(√r + eps), θ −= lr·buf; without, θ −= lr·(g'/(√r + eps)).
void lemma_rmsprop_step(float *param, const float *grad, float *square_avg, float *grad_avg, float *momentum_buffer,
                        int64_t n, float lr, float weight_decay, float alpha, float w, float momentum, float eps);

// SGD. Per element: d = g + weight_decay·θ. Without momentum_buffer (NULL): θ −= lr·d. With it, on the first
// step (first_step != 0) buf = d, later buf = momentum·buf + keep·d (keep = 1 − dampening); then
// θ −= lr·(nesterov ? d + momentum·buf : buf).
void lemma_sgd_step(float *param, const float *grad, float *momentum_buffer, int64_t n, float lr, float weight_decay,
                    float momentum, float keep, int nesterov, int first_step);

#ifdef __cplusplus
}
#endif

#endif
