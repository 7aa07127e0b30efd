// Row-major SGEMM through oneDNN or OpenBLAS. oneDNN JIT-compiles for the running CPU and is much faster
// than OpenBLAS on small, RNN-step shapes; the backend picks per call (see CPUBackend.swift).
#include <dnnl.h>
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
    dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
                                      beta, c, ldc);
    return status == dnnl_success ? 0 : (int)status;
}
