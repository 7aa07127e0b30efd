// Reductions and softmax over the middle axis of an (outer, len, inner) view. inner == 1 (the last axis)
// is the common case and gets contiguous loops; otherwise rows of `inner` are accumulated together.
#include "internal.h"
#include "lemma_kernels.h"

typedef struct {
    const float *x, *gy;
    float *y;
    int32_t *idx;
    int64_t len, inner;
    int log;
} axis_ctx;

static int64_t outer_grain(int64_t len, int64_t inner) {
    return lemma_grain_for(len * inner);
}

LEMMA_HOT static void sum_range(void *context, int64_t begin, int64_t end) {
    const axis_ctx *c = context;
    int64_t len = c->len, inner = c->inner;
    for (int64_t o = begin; o < end; o++) {
        const float *x = c->x + o * len * inner;
        float *y = c->y + o * inner;
        if (inner == 1) {
            float total = 0;
            {
#pragma clang fp reassociate(on)
                for (int64_t l = 0; l < len; l++) total += x[l];
            }
            y[0] = total;
        } else {
            for (int64_t i = 0; i < inner; i++) y[i] = 0;
            for (int64_t l = 0; l < len; l++)
                for (int64_t i = 0; i < inner; i++) y[i] += x[l * inner + i];
        }
    }
}

void lemma_sum_axis(const float *x, float *y, int64_t outer, int64_t len, int64_t inner) {
    axis_ctx c = {x, 0, y, 0, len, inner, 0};
    lemma_parallel_for(outer, outer_grain(len, inner), sum_range, &c);
}

// The maximum of a contiguous row and where it first is (the first NaN if there is one). A running maximum
// is a chain of dependent compares; sixteen independent lanes vectorize, then one cheap scan finds the index.
LEMMA_HOT static inline void max_of_row(const float *x, int64_t len, float *out, int32_t *out_at) {
    enum { W = 16 };
    float lane[W];
    int32_t nan_lane[W];
    float m = x[0];
    int nan = 0;
    int64_t l = 0;
    if (len >= 2 * W) {
        for (int j = 0; j < W; j++) { lane[j] = x[j]; nan_lane[j] = x[j] != x[j]; }
        for (l = W; l + W <= len; l += W) {
            for (int j = 0; j < W; j++) {
                float v = x[l + j];
                lane[j] = v > lane[j] ? v : lane[j];
                nan_lane[j] |= v != v;
            }
        }
        for (int j = 0; j < W; j++) { m = lane[j] > m ? lane[j] : m; nan |= nan_lane[j]; }
    }
    for (; l < len; l++) { float v = x[l]; m = v > m ? v : m; nan |= v != v; }
    int64_t at = 0;
    if (nan) {
        while (x[at] == x[at]) at++;
        m = x[at];
    } else {
        while (x[at] != m) at++;
    }
    *out = m;
    if (out_at) *out_at = (int32_t)at;
}

// The first maximum along the axis and where it is; a NaN wins (the first one). With inner > 1 the axis is
// walked in the outer loop, so the inner loop runs over contiguous rows and vectorizes (the text CNN's
// max over time reads [time, channels]: a strided walk per channel was the slowest op of a served batch).
LEMMA_HOT static void max_range(void *context, int64_t begin, int64_t end) {
    const axis_ctx *c = context;
    int64_t len = c->len, inner = c->inner;
    for (int64_t o = begin; o < end; o++) {
        const float *x = c->x + o * len * inner;
        float *best = c->y + o * inner;
        int32_t *at = c->idx ? c->idx + o * inner : 0;
        if (inner == 1) {
            max_of_row(x, len, best, at);
            continue;
        }
        for (int64_t i = 0; i < inner; i++) best[i] = x[i];
        if (at) {
            for (int64_t i = 0; i < inner; i++) at[i] = 0;
            for (int64_t l = 1; l < len; l++) {
                const float *row = x + l * inner;
                for (int64_t i = 0; i < inner; i++) {
                    float v = row[i], b = best[i];
                    int take = (v > b || v != v) && b == b;
                    best[i] = take ? v : b;
                    at[i] = take ? (int32_t)l : at[i];
                }
            }
        } else {
            for (int64_t l = 1; l < len; l++) {
                const float *row = x + l * inner;
                for (int64_t i = 0; i < inner; i++) {
                    float v = row[i], b = best[i];
                    best[i] = ((v > b || v != v) && b == b) ? v : b;
                }
            }
        }
    }
}

void lemma_max_axis(const float *x, float *y, int32_t *idx, int64_t outer, int64_t len, int64_t inner) {
    axis_ctx c = {x, 0, y, idx, len, inner, 0};
    lemma_parallel_for(outer, outer_grain(len, inner), max_range, &c);
}

// Max of a strided row, then the sum of exp(v - max): the two passes every softmax-like op needs.
static inline float row_max(const float *row, int64_t len, int64_t inner) {
    float m = row[0];
    for (int64_t l = 1; l < len; l++) { float v = row[l * inner]; m = v > m ? v : m; }
    return m;
}

// A contiguous row's max in 16 lanes, so the loop vectorizes; NaN handling as row_max (a NaN first element
// wins, later ones are passed over: a NaN never enters a lane).
LEMMA_HOT static float contiguous_max(const float *row, int64_t len) {
    if (len < 16) return row_max(row, len, 1);
    float lanes[16];
    for (int k = 0; k < 16; k++) lanes[k] = -__builtin_inff();
    int64_t l = 0;
    for (; l + 16 <= len; l += 16)
        for (int k = 0; k < 16; k++) { float v = row[l + k]; lanes[k] = v > lanes[k] ? v : lanes[k]; }
    float m = row[0] != row[0] ? row[0] : lanes[0];
    for (int k = 1; k < 16; k++) m = lanes[k] > m ? lanes[k] : m;
    for (; l < len; l++) m = row[l] > m ? row[l] : m;
    return m;
}

LEMMA_HOT float lemma_row_log_sum_exp(const float *row, int64_t len) {
    float m = contiguous_max(row, len);
    if (m == __builtin_inff() || m == -__builtin_inff()) return m;
    float total = 0;
    {
        #pragma clang fp reassociate(on)
        for (int64_t l = 0; l < len; l++) total += lemma_expf(row[l] - m);
    }
    return m + lemma_logf(total);
}

LEMMA_HOT static void logsumexp_range(void *context, int64_t begin, int64_t end) {
    const axis_ctx *c = context;
    int64_t len = c->len, inner = c->inner;
    for (int64_t o = begin; o < end; o++) {
        if (inner == 1) { c->y[o] = lemma_row_log_sum_exp(c->x + o * len, len); continue; }
        for (int64_t i = 0; i < inner; i++) {
            const float *row = c->x + o * len * inner + i;
            float m = row_max(row, len, inner);
            if (m == __builtin_inff() || m == -__builtin_inff()) { c->y[o * inner + i] = m; continue; }
            float total = 0;
            for (int64_t l = 0; l < len; l++) total += lemma_expf(row[l * inner] - m);
            c->y[o * inner + i] = m + lemma_logf(total);
        }
    }
}

void lemma_logsumexp_axis(const float *x, float *y, int64_t outer, int64_t len, int64_t inner) {
    axis_ctx c = {x, 0, y, 0, len, inner, 0};
    lemma_parallel_for(outer, outer_grain(len, inner) * 4, logsumexp_range, &c);
}

LEMMA_HOT static void softmax_range(void *context, int64_t begin, int64_t end) {
    const axis_ctx *c = context;
    int64_t len = c->len, inner = c->inner;
    for (int64_t o = begin; o < end; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const float *x = c->x + o * len * inner + i;
            float *y = c->y + o * len * inner + i;
            float m = inner == 1 ? contiguous_max(x, len) : row_max(x, len, inner);
            float total = 0;
            if (inner == 1) {
                #pragma clang fp reassociate(on)
                for (int64_t l = 0; l < len; l++) { float e = lemma_expf(x[l] - m); y[l] = e; total += e; }
            } else {
                for (int64_t l = 0; l < len; l++) { float e = lemma_expf(x[l * inner] - m); y[l * inner] = e; total += e; }
            }
            if (c->log) {
                float shift = m + lemma_logf(total);
                for (int64_t l = 0; l < len; l++) y[l * inner] = x[l * inner] - shift;
            } else {
                float scale = 1.0f / total;
                for (int64_t l = 0; l < len; l++) y[l * inner] *= scale;
            }
        }
    }
}

void lemma_softmax_axis(const float *x, float *y, int64_t outer, int64_t len, int64_t inner, int log) {
    axis_ctx c = {x, 0, y, 0, len, inner, log};
    lemma_parallel_for(outer, outer_grain(len, inner) * 4, softmax_range, &c);
}

LEMMA_HOT static void softmax_backward_range(void *context, int64_t begin, int64_t end) {
    const axis_ctx *c = context;
    int64_t len = c->len, inner = c->inner;
    for (int64_t o = begin; o < end; o++) {
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * len * inner + i;
            const float *y = c->x + base, *gy = c->gy + base;
            float *gx = c->y + base;
            float dot = 0;
            if (c->log) {
                for (int64_t l = 0; l < len; l++) dot += gy[l * inner];
                for (int64_t l = 0; l < len; l++) gx[l * inner] = gy[l * inner] - lemma_expf(y[l * inner]) * dot;
            } else {
                for (int64_t l = 0; l < len; l++) dot += gy[l * inner] * y[l * inner];
                for (int64_t l = 0; l < len; l++) gx[l * inner] = y[l * inner] * (gy[l * inner] - dot);
            }
        }
    }
}

void lemma_softmax_backward_axis(const float *y, const float *gy, float *gx, int64_t outer, int64_t len,
                                 int64_t inner, int log) {
    axis_ctx c = {y, gy, gx, 0, len, inner, log};
    lemma_parallel_for(outer, outer_grain(len, inner) * 4, softmax_backward_range, &c);
}
