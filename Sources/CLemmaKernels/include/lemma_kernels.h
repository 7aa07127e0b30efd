// Lemma's CPU kernels: flat loops over contiguous Float32 buffers, called from Swift's CPU backend.
// Shapes are passed as (outer, len, inner) triples for axis work and as explicit stride arrays for
// broadcast/strided copies. Every kernel writes its output; none allocates.
#ifndef LEMMA_KERNELS_H
#define LEMMA_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- threading (shares libgomp's pool with oneDNN so the two never fight for the two cores) ----
int lemma_max_threads(void);
void lemma_set_max_threads(int n);

// ---- autograd recording flag, thread-local like PyTorch's ----
int lemma_grad_enabled(void);
void lemma_set_grad_enabled(int enabled);

// ---- elementwise ----
typedef enum {
    LEMMA_UNARY_NEG = 0,
    LEMMA_UNARY_EXP,
    LEMMA_UNARY_LOG,
    LEMMA_UNARY_SQRT,
    LEMMA_UNARY_TANH,
    LEMMA_UNARY_SIGMOID,
    LEMMA_UNARY_RELU,
    LEMMA_UNARY_GELU,       // exact: 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default
    LEMMA_UNARY_GELU_TANH,  // GPT-2's approximation
    LEMMA_UNARY_ABS,
    LEMMA_UNARY_SQUARE,
    LEMMA_UNARY_RECIPROCAL,
} lemma_unary_op;

// y = op(x)
void lemma_unary(int op, const float *x, float *y, int64_t n);
// gx = op'(x) * gy, given x and y = op(x)
void lemma_unary_backward(int op, const float *x, const float *y, const float *gy, float *gx, int64_t n);
// y = x^p and its gradient gx = p x^(p-1) gy
void lemma_pow_scalar(const float *x, float p, float *y, int64_t n);
void lemma_pow_scalar_backward(const float *x, float p, const float *gy, float *gx, int64_t n);
// y = a x + b
void lemma_affine(const float *x, float a, float b, float *y, int64_t n);

typedef enum {
    LEMMA_BINARY_ADD = 0,
    LEMMA_BINARY_SUB,
    LEMMA_BINARY_MUL,
    LEMMA_BINARY_DIV,
    LEMMA_BINARY_MAX,
    LEMMA_BINARY_MIN,
    LEMMA_BINARY_POW,
    LEMMA_BINARY_EQ,
    LEMMA_BINARY_NE,
    LEMMA_BINARY_LT,
    LEMMA_BINARY_LE,
    LEMMA_BINARY_GT,
    LEMMA_BINARY_GE,
} lemma_binary_op;

// y[i] = a[i] op b[i] over a broadcast index space: `shape` has `ndim` dims (ndim >= 1), and a_strides /
// b_strides give each operand's element stride per dim (0 where it is broadcast). y is contiguous.
void lemma_binary(int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                  float *y, const int64_t *shape, int ndim);

// y = cond != 0 ? a : b, all contiguous and of equal length
void lemma_where(const float *cond, const float *a, const float *b, float *y, int64_t n);

// y += alpha x
void lemma_axpy(int64_t n, float alpha, const float *x, float *y);
void lemma_fill(float *y, float value, int64_t n);
void lemma_copy(const float *x, float *y, int64_t n);
// sum of squares, accumulated in double (for gradient norms)
double lemma_sum_squares(const float *x, int64_t n);

// ---- strided copies: y (contiguous, `shape`) gathers x with per-dim strides (0 = broadcast). ----
void lemma_strided_copy(const float *x, const int64_t *x_strides, float *y, const int64_t *shape, int ndim);
// The reverse: x (strided) = y, or += y when `accumulate` (then broadcast dims of stride 0 sum up).
// Used for concat and for slice backward.
void lemma_strided_scatter(float *x, const int64_t *x_strides, const float *y, const int64_t *shape, int ndim,
                           int accumulate);

// ---- reductions over the middle axis of a (outer, len, inner) view ----
void lemma_sum_axis(const float *x, float *y, int64_t outer, int64_t len, int64_t inner);
// y = max, idx = first index of the max (NaN wins, as in PyTorch)
void lemma_max_axis(const float *x, float *y, int32_t *idx, int64_t outer, int64_t len, int64_t inner);
// The k largest along the axis, largest first (NaN above numbers, ties in index order): values and indices
// are (outer, k, inner).
void lemma_top_k_axis(const float *x, float *values, int32_t *indices, int64_t outer, int64_t len, int64_t inner,
                      int64_t k);
// lemma_top_k_axis over contiguous rows (k <= 64) together with each row's log-sum-exp (the bits
// lemma_logsumexp_axis gives), each row fetched from memory once.
void lemma_top_k_with_log_sum_exp(const float *x, float *values, int32_t *indices, float *log_sum_exp,
                                  int64_t rows, int64_t len, int64_t k);
void lemma_logsumexp_axis(const float *x, float *y, int64_t outer, int64_t len, int64_t inner);
void lemma_softmax_axis(const float *x, float *y, int64_t outer, int64_t len, int64_t inner, int log);
// Cross-entropy of each row of logits x [rows, classes] against targets (each in range; the caller checks):
// loss[r] = logsumexp(x[r]) - x[r, t], shift[r] = logsumexp(x[r]) kept for the backward pass, which writes
// grad_x[r] = grad_loss[r] (softmax(x[r]) - onehot(t)).
void lemma_cross_entropy_forward(const float *x, const int32_t *targets, int64_t rows, int64_t classes, float *loss,
                                 float *shift);
void lemma_cross_entropy_backward(const float *x, const int32_t *targets, const float *shift, const float *grad_loss,
                                  int64_t rows, int64_t classes, float *grad_x);
// softmax: gx = y (gy - sum(gy y)); log-softmax: gx = gy - exp(y) sum(gy)
void lemma_softmax_backward_axis(const float *y, const float *gy, float *gx, int64_t outer, int64_t len,
                                 int64_t inner, int log);

// ---- indexing; each returns -1 on success or the position of the first out-of-range index ----
// y[i, :] = x[idx[i], :] for a (rows, row_len) matrix x
int64_t lemma_index_select(const float *x, int64_t rows, int64_t row_len, const int32_t *idx, int64_t n, float *y);
// y[idx[i], :] += src[i, :], except for rows equal to skip (an embedding's padding row; -1 skips none)
int64_t lemma_index_add(float *y, int64_t rows, int64_t row_len, const int32_t *idx, int64_t n, const float *src,
                        int64_t skip);
// torch.gather on the middle axis: y[o, j, i] = x[o, idx[o, j, i], i]
int64_t lemma_gather_axis(const float *x, const int32_t *idx, float *y, int64_t outer, int64_t len, int64_t idx_len,
                          int64_t inner);
// torch.scatter_add_ on the middle axis: y[o, idx[o, j, i], i] += src[o, j, i]
int64_t lemma_scatter_add_axis(float *y, const int32_t *idx, const float *src, int64_t outer, int64_t len,
                               int64_t idx_len, int64_t inner);

// ---- GEMM: row-major C = alpha op(A) op(B) + beta C ----
typedef enum { LEMMA_GEMM_ONEDNN = 0, LEMMA_GEMM_OPENBLAS = 1 } lemma_gemm_library;
// Returns 0 on success, nonzero when the library reports an error.
int lemma_sgemm(int library, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

// y = alpha x op(B) + beta y for one row x of length k: what lemma_sgemm's oneDNN path runs for m = 1.
// B is [k, n] (trans_b 0) or [n, k] (trans_b 1) with leading dimension ldb. Returns 0, or -1 without memory.
int lemma_sgemv_row(int trans_b, int64_t n, int64_t k, float alpha, const float *x, const float *b, int64_t ldb,
                    float beta, float *y);

// `batch` independent GEMMs, matrix i at a + i*stride_a etc. (a stride of 0 reuses one matrix). Small
// products run one per thread, since splitting each would cost more in synchronization than it saves.
int lemma_sgemm_batched(int library, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float *a, int64_t lda, int64_t stride_a, const float *b, int64_t ldb, int64_t stride_b,
                        float beta, float *c, int64_t ldc, int64_t stride_c, int64_t batch);

#ifdef __cplusplus
}
#endif

#endif
