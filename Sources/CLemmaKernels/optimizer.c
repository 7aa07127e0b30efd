// Optimizer updates: one fused, vectorized pass per parameter, split across threads for large ones.
// The arithmetic is written in the optimizers' order and without FMA contraction, so results are the same
// bits on every CPU level and thread split (and as the Swift loops these replaced). Square roots use
// __builtin_elementwise_sqrt, which never sets errno, so the loops vectorize (vsqrtps).
#include "internal.h"
#include "lemma_optimizer.h"

#pragma STDC FP_CONTRACT OFF

// An update costs a square root and a division per element, so large tensors go parallel a little sooner.
#define OPTIMIZER_GRAIN (LEMMA_PARALLEL_GRAIN / 4)

// ---- Adam, AdamW ----

typedef struct {
    float *param, *m, *v, *vmax;
    const float *grad;
    float keep, l2, beta2, w1, w2, step_size, correction2, eps;
} adam_ctx;

__attribute__((always_inline)) static inline void adam_loop(const adam_ctx *c, int64_t begin, int64_t end,
                                                            const int amsgrad) {
    float *restrict p = c->param, *restrict m = c->m, *restrict v = c->v, *restrict vmax = c->vmax;
    const float *restrict g = c->grad;
    const float keep = c->keep, l2 = c->l2, beta2 = c->beta2, w1 = c->w1, w2 = c->w2;
    const float step_size = c->step_size, correction2 = c->correction2, eps = c->eps;
    for (int64_t i = begin; i < end; i++) {
        float pi = p[i] * keep;
        float gi = g[i] + l2 * pi;
        float mi = m[i] + w1 * (gi - m[i]);
        float vi = beta2 * v[i] + w2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denominator_v = vi;
        if (amsgrad) {
            float mx = vi >= vmax[i] ? vi : vmax[i];  // Swift's max(v̂, v): v̂ unless v >= v̂
            vmax[i] = mx;
            denominator_v = mx;
        }
        p[i] = pi - step_size * (mi / (__builtin_elementwise_sqrt(denominator_v) / correction2 + eps));
    }
}

LEMMA_HOT static void adam_range(void *context, int64_t begin, int64_t end) { adam_loop(context, begin, end, 0); }
LEMMA_HOT static void adam_amsgrad_range(void *context, int64_t begin, int64_t end) {
    adam_loop(context, begin, end, 1);
}

void lemma_adam_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq,
                     int64_t n, float keep, float l2, float beta2, float w1, float w2, float step_size,
                     float correction2, float eps) {
    adam_ctx c = {param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, keep, l2, beta2, w1, w2, step_size,
                  correction2, eps};
    lemma_parallel_for(n, OPTIMIZER_GRAIN, max_exp_avg_sq ? adam_amsgrad_range : adam_range, &c);
}

// ---- RMSprop ----

typedef struct {
    float *param, *s, *gavg, *buffer;
    const float *grad;
    float lr, decay, alpha, w, momentum, eps;
} rmsprop_ctx;

__attribute__((always_inline)) static inline void rmsprop_loop(const rmsprop_ctx *c, int64_t begin, int64_t end,
                                                               const int centered, const int momentum) {
    float *restrict p = c->param, *restrict s = c->s, *restrict gavg = c->gavg, *restrict buffer = c->buffer;
    const float *restrict g = c->grad;
    const float lr = c->lr, decay = c->decay, alpha = c->alpha, w = c->w, mu = c->momentum, eps = c->eps;
    for (int64_t i = begin; i < end; i++) {
        float gi = g[i] + decay * p[i];
        float si = alpha * s[i] + w * gi * gi;
        s[i] = si;
        float variance = si;
        if (centered) {
            float ai = gavg[i] + w * (gi - gavg[i]);
            gavg[i] = ai;
            variance = variance - ai * ai;
        }
        float direction = gi / (__builtin_elementwise_sqrt(variance) + eps);
        if (momentum) {
            float bi = mu * buffer[i] + direction;
            buffer[i] = bi;
            p[i] = p[i] - lr * bi;
        } else {
            p[i] = p[i] - lr * direction;
        }
    }
}

#define RMSPROP_RANGE(name, centered, momentum)                                  \
    LEMMA_HOT static void name(void *context, int64_t begin, int64_t end) {     \
        rmsprop_loop(context, begin, end, centered, momentum);                  \
    }
RMSPROP_RANGE(rmsprop_range, 0, 0)
RMSPROP_RANGE(rmsprop_centered_range, 1, 0)
RMSPROP_RANGE(rmsprop_momentum_range, 0, 1)
RMSPROP_RANGE(rmsprop_centered_momentum_range, 1, 1)

void lemma_rmsprop_step(float *param, const float *grad, float *square_avg, float *grad_avg, float *momentum_buffer,
                        int64_t n, float lr, float weight_decay, float alpha, float w, float momentum, float eps) {
    rmsprop_ctx c = {param, square_avg, grad_avg, momentum_buffer, grad, lr, weight_decay, alpha, w, momentum, eps};
    static const lemma_range_fn ranges[2][2] = {
        {rmsprop_range, rmsprop_momentum_range},
        {rmsprop_centered_range, rmsprop_centered_momentum_range},
    };
    lemma_parallel_for(n, OPTIMIZER_GRAIN, ranges[grad_avg != 0][momentum_buffer != 0], &c);
}

// ---- SGD ----

typedef struct {
    float *param, *buffer;
    const float *grad;
    float lr, decay, momentum, keep;
    int nesterov;
} sgd_ctx;

LEMMA_HOT static void sgd_range(void *context, int64_t begin, int64_t end) {
    const sgd_ctx *c = context;
    float *restrict p = c->param;
    const float *restrict g = c->grad;
    const float lr = c->lr, decay = c->decay;
    for (int64_t i = begin; i < end; i++) p[i] = p[i] - lr * (g[i] + decay * p[i]);
}

__attribute__((always_inline)) static inline void sgd_momentum_loop(const sgd_ctx *c, int64_t begin, int64_t end,
                                                                    const int first) {
    float *restrict p = c->param, *restrict buffer = c->buffer;
    const float *restrict g = c->grad;
    const float lr = c->lr, decay = c->decay, mu = c->momentum, keep = c->keep;
    const int nesterov = c->nesterov;
    for (int64_t i = begin; i < end; i++) {
        float d = g[i] + decay * p[i];
        float bi = first ? d : mu * buffer[i] + keep * d;
        buffer[i] = bi;
        p[i] = p[i] - lr * (nesterov ? d + mu * bi : bi);
    }
}

LEMMA_HOT static void sgd_momentum_range(void *context, int64_t begin, int64_t end) {
    sgd_momentum_loop(context, begin, end, 0);
}
LEMMA_HOT static void sgd_first_momentum_range(void *context, int64_t begin, int64_t end) {
    sgd_momentum_loop(context, begin, end, 1);
}

void lemma_sgd_step(float *param, const float *grad, float *momentum_buffer, int64_t n, float lr, float weight_decay,
                    float momentum, float keep, int nesterov, int first_step) {
    sgd_ctx c = {param, momentum_buffer, grad, lr, weight_decay, momentum, keep, nesterov};
    lemma_range_fn body = !momentum_buffer ? sgd_range : first_step ? sgd_first_momentum_range : sgd_momentum_range;
    lemma_parallel_for(n, LEMMA_PARALLEL_GRAIN, body, &c);
}
