// Layer normalization over the last `n` elements of each of `rows` rows; batch normalization per channel.
#ifndef LEMMA_NORMALIZATION_H
#define LEMMA_NORMALIZATION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// y = (x - mean) * rstd * weight + bias per row; weight/bias may be NULL (no affine). Saves mean and rstd
// (one per row) for the backward pass.
void lemma_layer_norm_forward(const float *x, const float *weight, const float *bias, float *y, float *mean,
                              float *rstd, int64_t rows, int64_t n, float eps);
// dx from dy; dweight/dbias (may be NULL) are accumulated (+=) over rows.
void lemma_layer_norm_backward(const float *x, const float *weight, const float *mean, const float *rstd,
                               const float *dy, float *dx, float *dweight, float *dbias, int64_t rows, int64_t n);

// Batch normalization in training over x [outer, channels, inner]: per channel, the mean and biased variance
// over outer and inner (written to mean, var), then y = (x - mean) / sqrt(var + eps) * weight + bias;
// weight/bias may be NULL.
void lemma_batch_norm_forward(const float *x, const float *weight, const float *bias, float *y, float *mean,
                              float *var, int64_t outer, int64_t channels, int64_t inner, float eps);
// dx, dweight, dbias (each may be NULL; written, not accumulated) from dy and the forward's mean and var.
void lemma_batch_norm_backward(const float *x, const float *weight, const float *mean, const float *var,
                               const float *dy, float *dx, float *dweight, float *dbias, int64_t outer,
                               int64_t channels, int64_t inner, float eps);

#ifdef __cplusplus
}
#endif

#endif
