// Binary elementwise ops over a broadcast index space, plus the small BLAS-1 helpers optimizers use.
#include "internal.h"
#include "lemma_kernels.h"

// One row of `n` outputs with operand strides sa, sb (1 = contiguous, 0 = broadcast scalar).
typedef void (*row_fn)(const float *a, int64_t sa, const float *b, int64_t sb, float *y, int64_t n);

#define BINARY_ROW(name, expr)                                                                        \
    LEMMA_HOT static void name(const float *restrict a, int64_t sa, const float *restrict b, int64_t sb, \
                               float *restrict y, int64_t n) {                                        \
        if (sa == 1 && sb == 1) {                                                                     \
            for (int64_t i = 0; i < n; i++) { float u = a[i], v = b[i]; y[i] = (expr); }              \
        } else if (sa == 1 && sb == 0) {                                                              \
            float v = b[0];                                                                           \
            for (int64_t i = 0; i < n; i++) { float u = a[i]; y[i] = (expr); }                        \
        } else if (sa == 0 && sb == 1) {                                                              \
            float u = a[0];                                                                           \
            for (int64_t i = 0; i < n; i++) { float v = b[i]; y[i] = (expr); }                        \
        } else {                                                                                      \
            for (int64_t i = 0; i < n; i++) { float u = a[i * sa], v = b[i * sb]; y[i] = (expr); }    \
        }                                                                                             \
    }

BINARY_ROW(add_row, u + v)
BINARY_ROW(sub_row, u - v)
BINARY_ROW(mul_row, u * v)
BINARY_ROW(div_row, u / v)
BINARY_ROW(max_row, (u > v || u != u) ? u : v)
BINARY_ROW(min_row, (u < v || u != u) ? u : v)
BINARY_ROW(pow_row, __builtin_powf(u, v))
BINARY_ROW(eq_row, u == v ? 1.0f : 0.0f)
BINARY_ROW(ne_row, u != v ? 1.0f : 0.0f)
BINARY_ROW(lt_row, u < v ? 1.0f : 0.0f)
BINARY_ROW(le_row, u <= v ? 1.0f : 0.0f)
BINARY_ROW(gt_row, u > v ? 1.0f : 0.0f)
BINARY_ROW(ge_row, u >= v ? 1.0f : 0.0f)

static const row_fn row_table[] = {
    [LEMMA_BINARY_ADD] = add_row, [LEMMA_BINARY_SUB] = sub_row, [LEMMA_BINARY_MUL] = mul_row,
    [LEMMA_BINARY_DIV] = div_row, [LEMMA_BINARY_MAX] = max_row, [LEMMA_BINARY_MIN] = min_row,
    [LEMMA_BINARY_POW] = pow_row, [LEMMA_BINARY_EQ] = eq_row,   [LEMMA_BINARY_NE] = ne_row,
    [LEMMA_BINARY_LT] = lt_row,   [LEMMA_BINARY_LE] = le_row,   [LEMMA_BINARY_GT] = gt_row,
    [LEMMA_BINARY_GE] = ge_row,
};

#define MAX_DIMS 16

typedef struct {
    row_fn row;
    const float *a, *b;
    float *y;
    const int64_t *a_strides, *b_strides, *shape;
    int ndim;
} binary_ctx;

// Flat case (ndim == 1): ranges are element ranges.
static void binary_flat(void *context, int64_t begin, int64_t end) {
    const binary_ctx *c = context;
    int64_t sa = c->a_strides[0], sb = c->b_strides[0];
    c->row(c->a + begin * sa, sa, c->b + begin * sb, sb, c->y + begin, end - begin);
}

// N-d case: ranges are ranges of rows (all dims but the last), walked with an odometer.
static void binary_rows(void *context, int64_t begin, int64_t end) {
    const binary_ctx *c = context;
    int outer_dims = c->ndim - 1;
    int64_t len = c->shape[outer_dims];
    int64_t counter[MAX_DIMS];
    int64_t rest = begin, a_off = 0, b_off = 0;
    for (int d = outer_dims - 1; d >= 0; d--) {
        counter[d] = rest % c->shape[d];
        rest /= c->shape[d];
        a_off += counter[d] * c->a_strides[d];
        b_off += counter[d] * c->b_strides[d];
    }
    for (int64_t r = begin; r < end; r++) {
        c->row(c->a + a_off, c->a_strides[outer_dims], c->b + b_off, c->b_strides[outer_dims], c->y + r * len, len);
        for (int d = outer_dims - 1; d >= 0; d--) {
            a_off += c->a_strides[d];
            b_off += c->b_strides[d];
            if (++counter[d] < c->shape[d]) break;
            a_off -= counter[d] * c->a_strides[d];
            b_off -= counter[d] * c->b_strides[d];
            counter[d] = 0;
        }
    }
}

void lemma_binary(int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                  float *y, const int64_t *shape, int ndim) {
    binary_ctx c = {row_table[op], a, b, y, a_strides, b_strides, shape, ndim};
    if (ndim == 1) {
        lemma_parallel_for(shape[0], LEMMA_PARALLEL_GRAIN, binary_flat, &c);
        return;
    }
    int64_t rows = 1;
    for (int d = 0; d < ndim - 1; d++) rows *= shape[d];
    int64_t len = shape[ndim - 1];
    lemma_parallel_for(rows, lemma_grain_for(len), binary_rows, &c);
}

LEMMA_HOT void lemma_where(const float *cond, const float *a, const float *b, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = cond[i] != 0.0f ? a[i] : b[i];
}

typedef struct { const float *x; float *y; float alpha; } axpy_ctx;

LEMMA_HOT static void axpy_range(void *context, int64_t begin, int64_t end) {
    const axpy_ctx *c = context;
    const float *restrict x = c->x;
    float *restrict y = c->y;
    float alpha = c->alpha;
    for (int64_t i = begin; i < end; i++) y[i] += alpha * x[i];
}

void lemma_axpy(int64_t n, float alpha, const float *x, float *y) {
    axpy_ctx c = {x, y, alpha};
    lemma_parallel_for(n, LEMMA_PARALLEL_GRAIN, axpy_range, &c);
}

LEMMA_HOT void lemma_fill(float *y, float value, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = value;
}

void lemma_copy(const float *x, float *y, int64_t n) { memcpy(y, x, (size_t)n * sizeof(float)); }

LEMMA_HOT double lemma_sum_squares(const float *x, int64_t n) {
    double total = 0;
    {
#pragma clang fp reassociate(on)
        for (int64_t i = 0; i < n; i++) total += (double)x[i] * (double)x[i];
    }
    return total;
}

// Walks `shape` in row-major order, visiting x at its strided offset for each contiguous y index.
#define STRIDED_WALK(body)                                                         \
    int64_t counter[MAX_DIMS] = {0};                                               \
    int64_t total = 1;                                                             \
    for (int d = 0; d < ndim; d++) total *= shape[d];                              \
    int64_t len = shape[ndim - 1], s = x_strides[ndim - 1], off = 0;              \
    for (int64_t base = 0; base < total; base += len) {                            \
        body;                                                                      \
        for (int d = ndim - 2; d >= 0; d--) {                                      \
            off += x_strides[d];                                                   \
            if (++counter[d] < shape[d]) break;                                    \
            off -= counter[d] * x_strides[d];                                      \
            counter[d] = 0;                                                        \
        }                                                                          \
    }

LEMMA_HOT void lemma_strided_copy(const float *x, const int64_t *x_strides, float *y, const int64_t *shape, int ndim) {
    STRIDED_WALK({
        const float *src = x + off;
        float *dst = y + base;
        if (s == 1) memcpy(dst, src, (size_t)len * sizeof(float));
        else for (int64_t i = 0; i < len; i++) dst[i] = src[i * s];
    })
}

LEMMA_HOT void lemma_strided_scatter(float *x, const int64_t *x_strides, const float *y, const int64_t *shape,
                                     int ndim, int accumulate) {
    STRIDED_WALK({
        float *dst = x + off;
        const float *src = y + base;
        if (accumulate) for (int64_t i = 0; i < len; i++) dst[i * s] += src[i];
        else if (s == 1) memcpy(dst, src, (size_t)len * sizeof(float));
        else for (int64_t i = 0; i < len; i++) dst[i * s] = src[i];
    })
}
