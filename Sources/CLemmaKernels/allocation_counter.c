// Counts the buffers each thread had to take from malloc, so a test can check that its own steady loop
// stops allocating even while other tests allocate on other threads.
#include "lemma_kernels.h"

static _Thread_local long fresh_allocations = 0;

void lemma_count_fresh_allocation(void) { fresh_allocations += 1; }
long lemma_thread_fresh_allocations(void) { return fresh_allocations; }
