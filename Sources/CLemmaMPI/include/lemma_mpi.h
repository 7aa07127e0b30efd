#ifndef LEMMA_MPI_H
#define LEMMA_MPI_H
#include <stdint.h>

// MPI through plain C functions: MPI_COMM_WORLD, MPI_FLOAT and friends are macros (in OpenMPI, addresses of
// globals) that Swift cannot import. Every call returns MPI's error code (0: success).

// Whether this process was started by mpirun / mpiexec (OpenMPI, MPICH or PMIx variables), so that a plain
// `lemma train` never initializes MPI.
int lemma_mpi_launched(void);
int lemma_mpi_init(int *rank, int *size);
int lemma_mpi_finalize(void);
void lemma_mpi_abort(int code);

// Non-blocking collectives on MPI_COMM_WORLD; `request` identifies the operation until it completes.
int lemma_mpi_iallreduce_float(float *buffer, int64_t count, int64_t *request);
int lemma_mpi_iallreduce_double(double *buffer, int64_t count, int64_t *request);
int lemma_mpi_ibcast(void *buffer, int64_t bytes, int root, int64_t *request);
int lemma_mpi_ibarrier(int64_t *request);
// 1 when the operation finished (its request is then released), 0 while it runs.
int lemma_mpi_test(int64_t *request, int *done);
// Progress messages on a private duplicate of MPI_COMM_WORLD (so they never match a collective's traffic):
// one int64 to or from one rank.
int lemma_mpi_isend_progress(const int64_t *value, int destination, int64_t *request);
int lemma_mpi_irecv_progress(int64_t *value, int source, int64_t *request);
// Cancels a pending receive and releases its request.
int lemma_mpi_cancel(int64_t *request);
// The processor name (host) of this rank, for messages.
void lemma_mpi_host(char *name, int capacity);

#endif
