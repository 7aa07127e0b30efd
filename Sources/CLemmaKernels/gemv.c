// One row times a matrix (GEMM with m = 1): sampling at batch 1, where every token reads all of GPT-2's
// weights once and the time is memory bandwidth. Each thread streams one contiguous share of the matrix —
// rows of B for y = x B (partial sums per thread, added at the end), rows of Bᵀ for y = x Bᵀ (one dot product
// per output) — which keeps the hardware prefetchers on long runs of memory.
#include <stdlib.h>
#include "internal.h"
#include "lemma_kernels.h"

// Below this many matrix elements one thread reads the matrix faster than two threads can be woken.
#define GEMV_PARALLEL_ELEMENTS (1 << 16)
#define MAX_PARTS 64

typedef struct {
    int64_t n, k, ldb, parts;
    float alpha, beta;
    const float *x, *b;
    float *partials;  // [parts, n] for y = x B
    float *y;         // for y = x Bᵀ, written directly
} gemv_job;

// partials[p] = x[rows of share p] · B[those rows].
LEMMA_HOT static void rows_share(void *context, int64_t begin, int64_t end) {
    const gemv_job *j = context;
    for (int64_t p = begin; p < end; p++) {
        int64_t first = j->k * p / j->parts, last = j->k * (p + 1) / j->parts;
        float *acc = j->partials + p * j->n;
        for (int64_t c = 0; c < j->n; c++) acc[c] = 0;
        for (int64_t i = first; i < last; i++) {
            const float xi = j->x[i], *row = j->b + i * j->ldb;
            for (int64_t c = 0; c < j->n; c++) acc[c] += xi * row[c];
        }
    }
}

// y[c] = x · Bᵀ[c] for the outputs of share p.
LEMMA_HOT static void dots_share(void *context, int64_t begin, int64_t end) {
    #pragma clang fp reassociate(on)
    const gemv_job *j = context;
    for (int64_t p = begin; p < end; p++) {
        int64_t first = j->n * p / j->parts, last = j->n * (p + 1) / j->parts;
        for (int64_t c = first; c < last; c++) {
            const float *row = j->b + c * j->ldb;
            float sum = 0;
            for (int64_t i = 0; i < j->k; i++) sum += j->x[i] * row[i];
            j->y[c] = j->beta == 0 ? j->alpha * sum : j->alpha * sum + j->beta * j->y[c];
        }
    }
}

int lemma_sgemv_row(int trans_b, int64_t n, int64_t k, float alpha, const float *x, const float *b, int64_t ldb,
                    float beta, float *y) {
    int64_t threads = lemma_max_threads();
    int64_t parts = n * k >= GEMV_PARALLEL_ELEMENTS ? (threads < MAX_PARTS ? threads : MAX_PARTS) : 1;
    gemv_job job = {n, k, ldb, parts, alpha, beta, x, b, NULL, y};
    if (trans_b) {  // each output is one thread's dot product: no partial sums to keep
        lemma_parallel_for(parts, 1, dots_share, &job);
        return 0;
    }
    float *partials = malloc(sizeof(float) * (size_t)n * (size_t)parts);
    if (!partials) return -1;
    job.partials = partials;
    lemma_parallel_for(parts, 1, rows_share, &job);
    for (int64_t c = 0; c < n; c++) {
        float sum = partials[c];
        for (int64_t p = 1; p < parts; p++) sum += partials[p * n + c];
        y[c] = beta == 0 ? alpha * sum : alpha * sum + beta * y[c];
    }
    free(partials);
    return 0;
}
