// Convolution and pooling kernels: NC[H]W float32 buffers, PyTorch's layouts and size rules.
// Convolution runs on oneDNN's primitives (built once per shape, then cached); pooling is plain loops.
#ifndef LEMMA_CONVOLUTION_H
#define LEMMA_CONVOLUTION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- convolution ----
// One convolution's geometry. `spatial` is 1 (x: [batch, in_channels, width]) or 2 ([batch, in_channels,
// height, width]); per-dim arrays list height then width and use only their first `spatial` entries.
// Weights are [out_channels, in_channels / groups, k...] as in PyTorch; dilation 1 means none, as in PyTorch.
// The caller computes out_size = (in + 2 padding - dilation (kernel - 1) - 1) / stride + 1.
// Every field is int64_t so a zero-initialised struct compares with memcmp (it is the cache key).
// `algorithm` is one of lemma_conv_algorithm; LEMMA_CONV_AUTO (0) follows the process-wide setting.
typedef struct {
    int64_t spatial, batch, in_channels, out_channels, groups, has_bias;
    int64_t in_size[2], out_size[2], kernel[2], stride[2], padding[2], dilation[2];
    int64_t algorithm;
} lemma_conv_shape;

// How a convolution is computed. Automatic (the default) runs Lemma's Winograd F(2×2, 3×3) (winograd.c:
// 2.25× fewer multiply-adds) for 3×3, stride-1, undilated, ungrouped 2-D convolutions with at least 16 input
// and output channels, and oneDNN's direct kernels for the rest. Direct always uses oneDNN; Winograd uses
// it wherever the shape allows (any channel count). LEMMA_CONV_ALGORITHM=auto|direct|winograd sets the
// process-wide choice; a shape's own `algorithm` overrides it for that call.
typedef enum { LEMMA_CONV_AUTO = 0, LEMMA_CONV_DIRECT = 1, LEMMA_CONV_WINOGRAD = 2 } lemma_conv_algorithm;
// The algorithm a call with this shape runs (LEMMA_CONV_DIRECT or LEMMA_CONV_WINOGRAD).
int lemma_conv_chosen_algorithm(const lemma_conv_shape *shape);
// The process-wide choice (LEMMA_CONV_ALGORITHM; LEMMA_CONV_AUTO when unset), and the variable's text when it
// names no algorithm (NULL otherwise), for `lemma info`.
int lemma_conv_process_algorithm(void);
const char *lemma_conv_unknown_algorithm_setting(void);

// Each returns 0 on success or the oneDNN status of the failing call.
// y = conv(x, w) + b (b may be NULL when !has_bias).
int lemma_conv_forward(const lemma_conv_shape *shape, const float *x, const float *w, const float *b, float *y);
// The gradients of sum(y ⊙ gy): gx (the transposed convolution of gy), gw and, when has_bias, gb (gy summed
// over batch and positions). Each may be NULL to skip it; has_bias must say whether gb is wanted. All are
// overwritten, not accumulated. gy is reordered once for both backward steps.
int lemma_conv_backward(const lemma_conv_shape *shape, const float *x, const float *w, const float *gy, float *gx,
                        float *gw, float *gb);
// Writes the name of the implementation (oneDNN's, or Lemma's Winograd) chosen for a step (0 forward, 1 backward data, 2 backward
// weights) into name[capacity], for benchmarks and logs.
int lemma_conv_implementation(const lemma_conv_shape *shape, int step, char *name, int64_t capacity);
// The cache keeps the primitives of the most recently used shapes (256 by default); entries in use are never
// dropped, so the count can exceed the capacity while many calls run.
int64_t lemma_conv_cache_count(void);
void lemma_conv_set_cache_capacity(int64_t capacity);

// ---- pooling over planes (batch × channels) of in_h × in_w; 1-D pooling is in_h = 1 ----
// Max pooling; windows cover kernel cells from -padding with the stride, padding never wins. idx[o] is
// the flat position (h in_w + w) of the max within its plane, the first on ties; NaN wins, as in PyTorch.
void lemma_max_pool2d(const float *x, float *y, int32_t *idx, int64_t planes, int64_t in_h, int64_t in_w,
                      int64_t out_h, int64_t out_w, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                      int64_t stride_w, int64_t pad_h, int64_t pad_w);
// gx = 0, then gx[plane, idx[o]] += gy[plane, o]: the gradient of every max-type pooling.
void lemma_max_pool_backward(const float *gy, const int32_t *idx, float *gx, int64_t planes, int64_t in_plane,
                             int64_t out_plane);
// Average pooling that counts padded cells (PyTorch's count_include_pad=True): each window divides by
// kernel_h kernel_w.
void lemma_avg_pool2d(const float *x, float *y, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h,
                      int64_t out_w, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
                      int64_t pad_h, int64_t pad_w);
void lemma_avg_pool2d_backward(const float *gy, float *gx, int64_t planes, int64_t in_h, int64_t in_w,
                               int64_t out_h, int64_t out_w, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                               int64_t stride_w, int64_t pad_h, int64_t pad_w);
// Adaptive max pooling along rows of in_len: output i covers [floor(i in / out), ceil((i + 1) in / out)).
// idx as in lemma_max_pool2d.
void lemma_adaptive_max_pool1d(const float *x, float *y, int32_t *idx, int64_t planes, int64_t in_len,
                               int64_t out_len);

#ifdef __cplusplus
}
#endif

#endif
