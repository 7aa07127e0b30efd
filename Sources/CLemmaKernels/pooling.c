// Pooling over planes (batch × channels) of in_h × in_w, with PyTorch's window rules (floor mode): output
// (oh, ow) covers rows oh stride_h - pad_h + [0, kernel_h) and columns likewise, clipped to the input.
// Planes are independent, so every loop runs in parallel over them and no two threads write one plane.
#include "internal.h"
#include "lemma_convolution.h"

typedef struct {
    const float *x;
    float *y;
    int32_t *idx;
    const int32_t *cidx;
    int64_t in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
} pool_ctx;

static int64_t plane_grain(int64_t work_per_plane) {
    return lemma_grain_for(work_per_plane);
}

static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Windows that tile the plane (stride = kernel, no padding: a CNN's 2×2, 1×2 and 2×1 pooling) all lie
// inside it; with the kernel a constant the window unrolls into selects in registers and the loop over a row
// of windows vectorizes. Elements are visited in the general loop's order, so ties and NaNs resolve the same.
static inline __attribute__((always_inline)) void max_pool_tiled_plane(const float *restrict x, float *restrict y,
                                                                       int32_t *restrict idx, int64_t out_h,
                                                                       int64_t out_w, int64_t in_w, int kh, int kw) {
    for (int64_t oh = 0; oh < out_h; oh++) {
        for (int64_t ow = 0; ow < out_w; ow++) {
            int32_t first = (int32_t)(oh * kh * in_w + ow * kw), at = first;
            float best = x[first];
            for (int dh = 0; dh < kh; dh++) {
                for (int dw = 0; dw < kw; dw++) {
                    if (dh == 0 && dw == 0) continue;
                    int32_t i = first + (int32_t)(dh * in_w) + dw;
                    float v = x[i];
                    int take = v > best || v != v;
                    best = take ? v : best;
                    at = take ? i : at;
                }
            }
            y[oh * out_w + ow] = best;
            idx[oh * out_w + ow] = at;
        }
    }
}

// The tiled kernels with a fast path, by kernel size; 0 when this one has none.
static inline __attribute__((always_inline)) int max_pool_tiled(const pool_ctx *c, const float *x, float *y, int32_t *idx) {
    if (c->stride_h != c->kernel_h || c->stride_w != c->kernel_w || c->pad_h != 0 || c->pad_w != 0) return 0;
    if (c->kernel_h == 2 && c->kernel_w == 2) max_pool_tiled_plane(x, y, idx, c->out_h, c->out_w, c->in_w, 2, 2);
    else if (c->kernel_h == 1 && c->kernel_w == 2) max_pool_tiled_plane(x, y, idx, c->out_h, c->out_w, c->in_w, 1, 2);
    else if (c->kernel_h == 2 && c->kernel_w == 1) max_pool_tiled_plane(x, y, idx, c->out_h, c->out_w, c->in_w, 2, 1);
    else return 0;
    return 1;
}

LEMMA_HOT static void max_pool_range(void *context, int64_t begin, int64_t end) {
    const pool_ctx *c = context;
    int64_t in_plane = c->in_h * c->in_w, out_plane = c->out_h * c->out_w;
    for (int64_t p = begin; p < end; p++) {
        const float *x = c->x + p * in_plane;
        float *y = c->y + p * out_plane;
        int32_t *idx = c->idx + p * out_plane;
        if (max_pool_tiled(c, x, y, idx)) continue;
        for (int64_t oh = 0; oh < c->out_h; oh++) {
            int64_t h0 = oh * c->stride_h - c->pad_h;
            int64_t hs = max64(h0, 0), he = min64(h0 + c->kernel_h, c->in_h);
            for (int64_t ow = 0; ow < c->out_w; ow++) {
                int64_t w0 = ow * c->stride_w - c->pad_w;
                int64_t ws = max64(w0, 0), we = min64(w0 + c->kernel_w, c->in_w);
                float best = -__builtin_inff();
                int64_t best_at = hs * c->in_w + ws;
                for (int64_t h = hs; h < he; h++) {
                    for (int64_t w = ws; w < we; w++) {
                        float v = x[h * c->in_w + w];
                        if (v > best || v != v) { best = v; best_at = h * c->in_w + w; }
                    }
                }
                y[oh * c->out_w + ow] = best;
                idx[oh * c->out_w + ow] = (int32_t)best_at;
            }
        }
    }
}

void lemma_max_pool2d(const float *x, float *y, int32_t *idx, int64_t planes, int64_t in_h, int64_t in_w,
                      int64_t out_h, int64_t out_w, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                      int64_t stride_w, int64_t pad_h, int64_t pad_w) {
    pool_ctx c = {x, y, idx, 0, in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w};
    lemma_parallel_for(planes, plane_grain(out_h * out_w * kernel_h * kernel_w), max_pool_range, &c);
}

LEMMA_HOT static void max_pool_backward_range(void *context, int64_t begin, int64_t end) {
    const pool_ctx *c = context;
    int64_t in_plane = c->in_w, out_plane = c->out_w;
    for (int64_t p = begin; p < end; p++) {
        const float *gy = c->x + p * out_plane;
        const int32_t *idx = c->cidx + p * out_plane;
        float *gx = c->y + p * in_plane;
        memset(gx, 0, (size_t)in_plane * sizeof(float));
        for (int64_t o = 0; o < out_plane; o++) gx[idx[o]] += gy[o];
    }
}

void lemma_max_pool_backward(const float *gy, const int32_t *idx, float *gx, int64_t planes, int64_t in_plane,
                             int64_t out_plane) {
    pool_ctx c = {gy, gx, 0, idx, 1, in_plane, 1, out_plane, 0, 0, 0, 0, 0, 0};
    lemma_parallel_for(planes, plane_grain(in_plane + out_plane), max_pool_backward_range, &c);
}

LEMMA_HOT static void avg_pool_range(void *context, int64_t begin, int64_t end) {
    const pool_ctx *c = context;
    int64_t in_plane = c->in_h * c->in_w, out_plane = c->out_h * c->out_w;
    float scale = 1.0f / (float)(c->kernel_h * c->kernel_w);
    for (int64_t p = begin; p < end; p++) {
        const float *x = c->x + p * in_plane;
        float *y = c->y + p * out_plane;
        for (int64_t oh = 0; oh < c->out_h; oh++) {
            int64_t h0 = oh * c->stride_h - c->pad_h;
            int64_t hs = max64(h0, 0), he = min64(h0 + c->kernel_h, c->in_h);
            for (int64_t ow = 0; ow < c->out_w; ow++) {
                int64_t w0 = ow * c->stride_w - c->pad_w;
                int64_t ws = max64(w0, 0), we = min64(w0 + c->kernel_w, c->in_w);
                float total = 0;
                for (int64_t h = hs; h < he; h++)
                    for (int64_t w = ws; w < we; w++) total += x[h * c->in_w + w];
                y[oh * c->out_w + ow] = total * scale;
            }
        }
    }
}

void lemma_avg_pool2d(const float *x, float *y, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h,
                      int64_t out_w, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
                      int64_t pad_h, int64_t pad_w) {
    pool_ctx c = {x, y, 0, 0, in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w};
    lemma_parallel_for(planes, plane_grain(out_h * out_w * kernel_h * kernel_w), avg_pool_range, &c);
}

LEMMA_HOT static void avg_pool_backward_range(void *context, int64_t begin, int64_t end) {
    const pool_ctx *c = context;
    int64_t in_plane = c->in_h * c->in_w, out_plane = c->out_h * c->out_w;
    float scale = 1.0f / (float)(c->kernel_h * c->kernel_w);
    for (int64_t p = begin; p < end; p++) {
        const float *gy = c->x + p * out_plane;
        float *gx = c->y + p * in_plane;
        memset(gx, 0, (size_t)in_plane * sizeof(float));
        for (int64_t oh = 0; oh < c->out_h; oh++) {
            int64_t h0 = oh * c->stride_h - c->pad_h;
            int64_t hs = max64(h0, 0), he = min64(h0 + c->kernel_h, c->in_h);
            for (int64_t ow = 0; ow < c->out_w; ow++) {
                int64_t w0 = ow * c->stride_w - c->pad_w;
                int64_t ws = max64(w0, 0), we = min64(w0 + c->kernel_w, c->in_w);
                float share = gy[oh * c->out_w + ow] * scale;
                for (int64_t h = hs; h < he; h++)
                    for (int64_t w = ws; w < we; w++) gx[h * c->in_w + w] += share;
            }
        }
    }
}

void lemma_avg_pool2d_backward(const float *gy, float *gx, int64_t planes, int64_t in_h, int64_t in_w,
                               int64_t out_h, int64_t out_w, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                               int64_t stride_w, int64_t pad_h, int64_t pad_w) {
    pool_ctx c = {gy, gx, 0, 0, in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w};
    lemma_parallel_for(planes, plane_grain(out_h * out_w * kernel_h * kernel_w + in_h * in_w),
                       avg_pool_backward_range, &c);
}

// The max of x[s, e) and where it first occurs. Long windows (a text CNN's global max over time) take two
// passes that vectorize: the max in 16 lanes, then a scan for its first position. A NaN anywhere falls
// back to the one-pass loop, which keeps PyTorch's rule (a NaN wins, the last one does).
static inline __attribute__((always_inline)) int64_t window_argmax(const float *x, int64_t s, int64_t e, float *out) {
    float best = -__builtin_inff();
    int64_t best_at = s;
    if (e - s >= 32) {
        float lane[16];
        int nan[16];
        for (int j = 0; j < 16; j++) { lane[j] = -__builtin_inff(); nan[j] = 0; }
        int64_t i = s;
        for (; i + 16 <= e; i += 16) {
            for (int j = 0; j < 16; j++) {
                float v = x[i + j];
                lane[j] = v > lane[j] ? v : lane[j];
                nan[j] |= v != v;
            }
        }
        int any_nan = 0;
        for (int j = 0; j < 16; j++) { best = lane[j] > best ? lane[j] : best; any_nan |= nan[j]; }
        for (; i < e; i++) { best = x[i] > best ? x[i] : best; any_nan |= x[i] != x[i]; }
        if (!any_nan) {
            while (best_at < e && x[best_at] != best) best_at++;
            *out = best;
            return best_at < e ? best_at : s;
        }
        best = -__builtin_inff();
    }
    for (int64_t i = s; i < e; i++) {
        float v = x[i];
        if (v > best || v != v) { best = v; best_at = i; }
    }
    *out = best;
    return best_at;
}

LEMMA_HOT static void adaptive_max_range(void *context, int64_t begin, int64_t end) {
    const pool_ctx *c = context;
    int64_t len = c->in_w, out_len = c->out_w;
    for (int64_t p = begin; p < end; p++) {
        const float *x = c->x + p * len;
        float *y = c->y + p * out_len;
        int32_t *idx = c->idx + p * out_len;
        for (int64_t o = 0; o < out_len; o++) {
            int64_t s = o * len / out_len, e = ((o + 1) * len + out_len - 1) / out_len;
            idx[o] = (int32_t)window_argmax(x, s, e, &y[o]);
        }
    }
}

void lemma_adaptive_max_pool1d(const float *x, float *y, int32_t *idx, int64_t planes, int64_t in_len,
                               int64_t out_len) {
    pool_ctx c = {x, y, idx, 0, 1, in_len, 1, out_len, 0, 0, 0, 0, 0, 0};
    lemma_parallel_for(planes, plane_grain(in_len), adaptive_max_range, &c);
}
