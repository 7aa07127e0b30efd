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
    int64_t work = len * inner;
    return work >= LEMMA_PARALLEL_GRAIN ? 1 : LEMMA_PARALLEL_GRAIN / (work > 0 ? work : 1);
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

void lemma_max_axis(const float *x, float *y, int32_t *idx, int64_t outer, int64_t len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const float *row = x + o * len * inner + i;
            float best = row[0];
            int32_t best_at = 0;
            for (int64_t l = 1; l < len && best == best; l++) {
                float v = row[l * inner];
                if (v > best || v != v) { best = v; best_at = (int32_t)l; }
            }
            y[o * inner + i] = best;
            if (idx) idx[o * inner + i] = best_at;
        }
    }
}

// Max of a strided row, then the sum of exp(v - max): the two passes every softmax-like op needs.
static inline float row_max(const float *row, int64_t len, int64_t inner) {
    float m = row[0];
    for (int64_t l = 1; l < len; l++) { float v = row[l * inner]; m = v > m ? v : m; }
    return m;
}

void lemma_logsumexp_axis(const float *x, float *y, int64_t outer, int64_t len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const float *row = x + o * len * inner + i;
            float m = row_max(row, len, inner);
            if (m == __builtin_inff() || m == -__builtin_inff()) { y[o * inner + i] = m; continue; }
            float total = 0;
            for (int64_t l = 0; l < len; l++) total += lemma_expf(row[l * inner] - m);
            y[o * inner + i] = m + lemma_logf(total);
        }
    }
}

LEMMA_HOT static void softmax_range(void *context, int64_t begin, int64_t end) {
    const axis_ctx *c = context;
    int64_t len = c->len, inner = c->inner;
    for (int64_t o = begin; o < end; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const float *x = c->x + o * len * inner + i;
            float *y = c->y + o * len * inner + i;
            float m = row_max(x, len, inner);
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
