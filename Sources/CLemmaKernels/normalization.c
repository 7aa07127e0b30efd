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
    lemma_parallel_for(rows, lemma_grain_for(n), forward_rows, &c);
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

// Batch normalization in training, per channel of x [outer, channels, inner] over outer and inner: each
// channel is a column of `outer` contiguous runs of `inner` values, summed run by run (float within a run,
// double across runs) in two passes for accurate statistics. Channels are independent, so every loop runs
// in parallel over them and each thread writes only its own channels.
typedef struct {
    const float *x, *weight, *bias, *dy;
    float *y, *mean, *var, *dx, *dweight, *dbias;
    int64_t outer, channels, inner;
    float eps;
} batch_norm_ctx;

LEMMA_HOT static void batch_norm_forward_channels(void *context, int64_t begin, int64_t end) {
    const batch_norm_ctx *c = context;
    int64_t inner = c->inner, stride = c->channels * inner;
    double count = (double)(c->outer * inner);
    for (int64_t ch = begin; ch < end; ch++) {
        const float *x0 = c->x + ch * inner;
        double sum = 0, sq = 0;
        for (int64_t o = 0; o < c->outer; o++) {
            const float *x = x0 + o * stride;
            float s = 0;
            {
#pragma clang fp reassociate(on)
                for (int64_t i = 0; i < inner; i++) s += x[i];
            }
            sum += s;
        }
        float mu = (float)(sum / count);
        for (int64_t o = 0; o < c->outer; o++) {
            const float *x = x0 + o * stride;
            float s = 0;
            {
#pragma clang fp reassociate(on)
                for (int64_t i = 0; i < inner; i++) { float d = x[i] - mu; s += d * d; }
            }
            sq += s;
        }
        float var = (float)(sq / count);
        float scale = (c->weight ? c->weight[ch] : 1.0f) / __builtin_elementwise_sqrt(var + c->eps);
        float shift = c->bias ? c->bias[ch] : 0.0f;
        for (int64_t o = 0; o < c->outer; o++) {
            const float *x = x0 + o * stride;
            float *y = c->y + ch * inner + o * stride;
            for (int64_t i = 0; i < inner; i++) y[i] = (x[i] - mu) * scale + shift;
        }
        c->mean[ch] = mu;
        c->var[ch] = var;
    }
}

void lemma_batch_norm_forward(const float *x, const float *weight, const float *bias, float *y, float *mean,
                              float *var, int64_t outer, int64_t channels, int64_t inner, float eps) {
    batch_norm_ctx c = {x, weight, bias, 0, y, mean, var, 0, 0, 0, outer, channels, inner, eps};
    lemma_parallel_for(channels, lemma_grain_for(outer * inner), batch_norm_forward_channels, &c);
}

// With xhat = (x - mean) rstd: dbias = Σ dy, dweight = Σ dy xhat, and
// dx = weight rstd (dy - Σ dy / n - xhat Σ dy xhat / n).
LEMMA_HOT static void batch_norm_backward_channels(void *context, int64_t begin, int64_t end) {
    const batch_norm_ctx *c = context;
    int64_t inner = c->inner, stride = c->channels * inner;
    double count = (double)(c->outer * inner);
    for (int64_t ch = begin; ch < end; ch++) {
        float mu = c->mean[ch], rs = 1.0f / __builtin_elementwise_sqrt(c->var[ch] + c->eps);
        double sum_dy = 0, sum_dy_xhat = 0;
        for (int64_t o = 0; o < c->outer; o++) {
            const float *x = c->x + ch * inner + o * stride, *dy = c->dy + ch * inner + o * stride;
            float s = 0, sx = 0;
            {
#pragma clang fp reassociate(on)
                for (int64_t i = 0; i < inner; i++) { s += dy[i]; sx += dy[i] * (x[i] - mu); }
            }
            sum_dy += s;
            sum_dy_xhat += (double)sx * rs;
        }
        if (c->dbias) c->dbias[ch] = (float)sum_dy;
        if (c->dweight) c->dweight[ch] = (float)sum_dy_xhat;
        if (!c->dx) continue;
        float scale = (c->weight ? c->weight[ch] : 1.0f) * rs;
        float mean_dy = (float)(sum_dy / count), mean_dy_xhat = (float)(sum_dy_xhat / count);
        for (int64_t o = 0; o < c->outer; o++) {
            const float *x = c->x + ch * inner + o * stride, *dy = c->dy + ch * inner + o * stride;
            float *dx = c->dx + ch * inner + o * stride;
            for (int64_t i = 0; i < inner; i++) dx[i] = scale * (dy[i] - mean_dy - (x[i] - mu) * rs * mean_dy_xhat);
        }
    }
}

void lemma_batch_norm_backward(const float *x, const float *weight, const float *mean, const float *var,
                               const float *dy, float *dx, float *dweight, float *dbias, int64_t outer,
                               int64_t channels, int64_t inner, float eps) {
    batch_norm_ctx c = {x, weight, 0, dy, 0, (float *)mean, (float *)var, dx, dweight, dbias, outer, channels, inner, eps};
    lemma_parallel_for(channels, lemma_grain_for(2 * outer * inner), batch_norm_backward_channels, &c);
}
