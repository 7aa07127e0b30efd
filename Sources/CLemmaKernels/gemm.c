// Row-major SGEMM through oneDNN or OpenBLAS. oneDNN JIT-compiles for the running CPU and is much faster
// than OpenBLAS on small, RNN-step shapes; the backend picks per call (see CPUBackend.swift).
#include <dnnl.h>
#include "internal.h"
#include "lemma_kernels.h"

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
extern void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                        int lda, const float *b, int ldb, float beta, float *c, int ldc);

int lemma_sgemm(int library, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    if (m == 0 || n == 0) return 0;
    if (library == LEMMA_GEMM_OPENBLAS) {
        cblas_sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, (int)m, (int)n, (int)k,
                    alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
        return 0;
    }
    // A single row streams the whole matrix once: memory-bound, where a plain split of the matrix's memory
    // between threads reads faster than oneDNN's kernels (gemv.c).
    if (m == 1 && !trans_a) return lemma_sgemv_row(trans_b, n, k, alpha, a, b, ldb, beta, c);
    dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
                                      beta, c, ldc);
    return status == dnnl_success ? 0 : (int)status;
}

typedef struct {
    int library, trans_a, trans_b;
    int64_t m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c;
    float alpha, beta;
    const float *a, *b;
    float *c;
    int status;
} batched_job;

static void batched_range(void *context, int64_t begin, int64_t end) {
    batched_job *j = context;
    for (int64_t i = begin; i < end; i++) {
        int status = lemma_sgemm(j->library, j->trans_a, j->trans_b, j->m, j->n, j->k, j->alpha, j->a + i * j->stride_a,
                                 j->lda, j->b + i * j->stride_b, j->ldb, j->beta, j->c + i * j->stride_c, j->ldc);
        if (status) j->status = status;
    }
}

// Below this many multiply-adds per product, one thread per product beats two threads per product.
#define SMALL_GEMM (1 << 24)

int lemma_sgemm_batched(int library, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float *a, int64_t lda, int64_t stride_a, const float *b, int64_t ldb, int64_t stride_b,
                        float beta, float *c, int64_t ldc, int64_t stride_c, int64_t batch) {
    batched_job job = {library, trans_a, trans_b, m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c,
                       alpha, beta, a, b, c, 0};
    if (batch > 1 && m * n * k < SMALL_GEMM)
        lemma_parallel_for(batch, 1, batched_range, &job);
    else
        batched_range(&job, 0, batch);
    return job.status;
}
