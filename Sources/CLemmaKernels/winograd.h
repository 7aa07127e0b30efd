// Winograd F(2×2, 3×3) convolution (winograd.c), behind convolution.c's entry points.
#ifndef LEMMA_WINOGRAD_H
#define LEMMA_WINOGRAD_H

#include "lemma_convolution.h"

// 1 when the shape is one Winograd F(2×2, 3×3) computes: 2-D, 3×3, stride 1, no dilation, no groups, padding ≤ 2.
int lemma_winograd_applies(const lemma_conv_shape *shape);
// As lemma_conv_forward and lemma_conv_backward; 0 on success, LEMMA_WINOGRAD_OUT_OF_MEMORY when memory runs
// out, else the status of the oneDNN GEMM that failed.
#define LEMMA_WINOGRAD_OUT_OF_MEMORY (-1)
int lemma_winograd_forward(const lemma_conv_shape *shape, const float *x, const float *w, const float *b, float *y);
int lemma_winograd_backward(const lemma_conv_shape *shape, const float *x, const float *w, const float *gy,
                            float *gx, float *gw, float *gb);

#endif
