// A parallel-for on libgomp's thread pool: the pool oneDNN already uses, so elementwise work and GEMMs
// take turns on the same threads instead of two pools spinning against each other on two cores.
// GOMP_parallel is libgomp's stable entry point, the call the compiler emits for `#pragma omp parallel`.
#include "internal.h"
#include "lemma_kernels.h"
#include "lemma_denormals.h"

extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
extern int omp_get_max_threads(void);
extern void omp_set_num_threads(int n);

typedef struct {
    int64_t n;
    lemma_range_fn body;
    void *ctx;
} parallel_job;

static void run_share(void *p) {
    const parallel_job *job = p;
    lemma_sync_denormal_mode();  // a pool thread may predate a change of the setting
    int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    // Long ranges split at multiples of 16 so each thread's vector loop starts aligned to a lane group.
    int64_t chunk = (job->n + threads - 1) / threads;
    if (chunk >= 64) chunk = (chunk + 15) & ~(int64_t)15;
    int64_t begin = t * chunk, end = begin + chunk < job->n ? begin + chunk : job->n;
    if (begin < end) job->body(job->ctx, begin, end);
}

void lemma_parallel_for(int64_t n, int64_t grain, lemma_range_fn body, void *ctx) {
    int threads = omp_get_max_threads();
    if (threads < 2 || n < 2 * grain) {
        body(ctx, 0, n);
        return;
    }
    int64_t useful = n / grain;
    parallel_job job = {n, body, ctx};
    GOMP_parallel(run_share, &job, (unsigned)(useful < threads ? useful : threads), 0);
}

int lemma_max_threads(void) { return omp_get_max_threads(); }
void lemma_set_max_threads(int n) { omp_set_num_threads(n > 0 ? n : 1); }
