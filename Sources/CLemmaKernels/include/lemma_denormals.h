// Denormal floats (magnitudes below 2^-126) take a slow microcode path on many x86 CPUs: a recurrent
// backward pass full of tiny gradients runs 5–10× slower on Intel Xeons. Lemma flushes them to zero by
// default, as TensorFlow does: flush-to-zero (results) and denormals-are-zero (inputs), in every thread.
#ifndef LEMMA_DENORMALS_H
#define LEMMA_DENORMALS_H

#ifdef __cplusplus
extern "C" {
#endif

// The process-wide setting: 1 flush, 0 keep denormals. Starts from LEMMA_FLUSH_DENORMALS (unset, or anything
// but 0/off/false/no: flush), applied to the main thread before `main` runs, so every thread started later
// (libgomp's pool, which oneDNN shares, and any other) inherits it.
int lemma_flush_denormals(void);

// Changes the setting for the calling thread and every thread of the worker pool, now; Lemma's parallel
// loops also bring a thread up to date when they hand it work.
void lemma_set_flush_denormals(int flush);

// Whether the calling thread's floating-point unit flushes denormals (both flags set), as it is right now.
int lemma_thread_flushes_denormals(void);

// Runs one parallel region of `count` threads on the worker pool, exactly as oneDNN's regions run, and
// writes each thread's current flag into states[thread]; touches nothing. Returns the threads that ran.
int lemma_worker_denormal_states(int count, int *states);

// Brings the calling thread to the process-wide setting if it differs (a few cycles when it does not).
void lemma_sync_denormal_mode(void);

#ifdef __cplusplus
}
#endif

#endif
