// Flush-to-zero and denormals-are-zero, per thread: on x86 the MXCSR bits FTZ (15) and DAZ (6), on ARM64
// FPCR.FZ. A thread's floating-point control word is copied into the threads it creates, so setting it in
// the main thread before anything starts covers the whole process.
#include <stdlib.h>
#include <strings.h>
#include "lemma_denormals.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define FLUSH_BITS 0x8040u
static unsigned read_control(void) { return _mm_getcsr(); }
static void write_control(unsigned value) { _mm_setcsr(value); }
#elif defined(__aarch64__)
#define FLUSH_BITS (1u << 24)
static unsigned read_control(void) { unsigned long v; __asm__ volatile("mrs %0, fpcr" : "=r"(v)); return (unsigned)v; }
static void write_control(unsigned value) { unsigned long v = value; __asm__ volatile("msr fpcr, %0" : : "r"(v)); }
#else
#define FLUSH_BITS 0u
static unsigned read_control(void) { return 0; }
static void write_control(unsigned value) { (void)value; }
#endif

extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
extern int omp_get_max_threads(void);

static volatile int flush_setting = 1;

static int environment_wants_flush(void) {
    const char *value = getenv("LEMMA_FLUSH_DENORMALS");
    if (!value) return 1;
    return !(strcasecmp(value, "0") == 0 || strcasecmp(value, "off") == 0 || strcasecmp(value, "false") == 0 ||
             strcasecmp(value, "no") == 0);
}

void lemma_sync_denormal_mode(void) {
    unsigned current = read_control();
    unsigned wanted = flush_setting ? (current | FLUSH_BITS) : (current & ~FLUSH_BITS);
    if (wanted != current) write_control(wanted);
}

// Before main, and before the first parallel region creates libgomp's threads.
__attribute__((constructor)) static void apply_environment(void) {
    flush_setting = environment_wants_flush();
    lemma_sync_denormal_mode();
}

int lemma_flush_denormals(void) { return flush_setting; }

int lemma_thread_flushes_denormals(void) {
    return FLUSH_BITS != 0 && (read_control() & FLUSH_BITS) == FLUSH_BITS;
}

static void sync_in_region(void *unused) { (void)unused; lemma_sync_denormal_mode(); }

void lemma_set_flush_denormals(int flush) {
    flush_setting = flush != 0;
    lemma_sync_denormal_mode();
    GOMP_parallel(sync_in_region, NULL, (unsigned)omp_get_max_threads(), 0);
}

typedef struct { int *states; int count; int ran; } states_job;

static void report_state(void *p) {
    states_job *job = p;
    int thread = omp_get_thread_num();
    if (thread < job->count) job->states[thread] = lemma_thread_flushes_denormals();
    if (thread == 0) job->ran = omp_get_num_threads();
}

int lemma_worker_denormal_states(int count, int *states) {
    states_job job = {states, count, 0};
    GOMP_parallel(report_state, &job, (unsigned)count, 0);
    return job.ran;
}
