// Layer normalization, forward and backward, one row at a time with two-pass statistics for accuracy.
#include "internal.h"
#include "lemma_normalization.h"

typedef struct {
    const float *x, *weight, *bias;
    float *y, *mean, *rstd;
    int64_t n;
    float eps;
} norm_ctx;

LEMMA_HOT static void forward_rows(void *context, int64_t begin, int64_t end) {
    const norm_ctx *c = context;
    int64_t n = c->n;
    for (int64_t r = begin; r < end; r++) {
        const float *x = c->x + r * n;
        float *y = c->y + r * n;
        float sum = 0, sq = 0;
        {
#pragma clang fp reassociate(on)
            for (int64_t i = 0; i < n; i++) sum += x[i];
        }
        float mu = sum / (float)n;
        {
#pragma clang fp reassociate(on)
            for (int64_t i = 0; i < n; i++) { float d = x[i] - mu; sq += d * d; }
        }
        float rs = 1.0f / __builtin_elementwise_sqrt(sq / (float)n + c->eps);
        c->mean[r] = mu;
        c->rstd[r] = rs;
        if (c->weight) {
            for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mu) * rs * c->weight[i] + (c->bias ? c->bias[i] : 0.0f);
        } else {
            for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mu) * rs;
        }
    }
}

void lemma_layer_norm_forward(const float *x, const float *weight, const float *bias, float *y, float *mean,
                              float *rstd, int64_t rows, int64_t n, float eps) {
    norm_ctx c = {x, weight, bias, y, mean, rstd, n, eps};
    int64_t grain = n >= LEMMA_PARALLEL_GRAIN ? 1 : LEMMA_PARALLEL_GRAIN / (n > 0 ? n : 1);
    lemma_parallel_for(rows, grain, forward_rows, &c);
}

LEMMA_HOT void lemma_layer_norm_backward(const float *x, const float *weight, const float *mean, const float *rstd,
                                         const float *dy, float *dx, float *dweight, float *dbias, int64_t rows,
                                         int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n, *dyr = dy + r * n;
        float *dxr = dx + r * n;
        float mu = mean[r], rs = rstd[r];
        // With g = dy * weight and xhat = (x - mu) rstd: dx = rstd (g - mean(g) - xhat mean(g xhat)).
        float sum_g = 0, sum_gx = 0;
        {
#pragma clang fp reassociate(on)
            for (int64_t i = 0; i < n; i++) {
                float g = dyr[i] * (weight ? weight[i] : 1.0f);
                float xhat = (xr[i] - mu) * rs;
                sum_g += g;
                sum_gx += g * xhat;
            }
        }
        float mean_g = sum_g / (float)n, mean_gx = sum_gx / (float)n;
        for (int64_t i = 0; i < n; i++) {
            float g = dyr[i] * (weight ? weight[i] : 1.0f);
            float xhat = (xr[i] - mu) * rs;
            dxr[i] = rs * (g - mean_g - xhat * mean_gx);
        }
        if (dweight)
            for (int64_t i = 0; i < n; i++) dweight[i] += dyr[i] * (xr[i] - mu) * rs;
        if (dbias)
            for (int64_t i = 0; i < n; i++) dbias[i] += dyr[i];
    }
}
