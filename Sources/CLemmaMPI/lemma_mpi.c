#include "lemma_mpi.h"
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

int lemma_mpi_launched(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMI_SIZE") != NULL || getenv("PMIX_RANK") != NULL
        || getenv("MPI_LOCALNRANKS") != NULL;
}

static MPI_Comm progress_comm = MPI_COMM_NULL;

int lemma_mpi_init(int *rank, int *size) {
    int provided = 0;
    int code = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (code != MPI_SUCCESS) return code;
    // Errors come back as codes, so that Lemma reports them by rank instead of MPI aborting silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    code = MPI_Comm_dup(MPI_COMM_WORLD, &progress_comm);
    if (code != MPI_SUCCESS) return code;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    return MPI_Comm_size(MPI_COMM_WORLD, size);
}

int lemma_mpi_finalize(void) { return MPI_Finalize(); }

void lemma_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

// MPI_Request is an int in MPICH and a pointer in OpenMPI: both fit in 64 bits.
static int64_t store(MPI_Request request) {
    int64_t value = 0;
    memcpy(&value, &request, sizeof request);
    return value;
}

static MPI_Request load(int64_t value) {
    MPI_Request request;
    memcpy(&request, &value, sizeof request);
    return request;
}

// Counts are below 2^31 (the communicator checks): gradient buckets hold a few million floats.
int lemma_mpi_iallreduce_float(float *buffer, int64_t count, int64_t *request) {
    MPI_Request r;
    int code = MPI_Iallreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &r);
    *request = store(r);
    return code;
}

int lemma_mpi_iallreduce_double(double *buffer, int64_t count, int64_t *request) {
    MPI_Request r;
    int code = MPI_Iallreduce(MPI_IN_PLACE, buffer, (int)count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &r);
    *request = store(r);
    return code;
}

int lemma_mpi_ibcast(void *buffer, int64_t bytes, int root, int64_t *request) {
    MPI_Request r;
    int code = MPI_Ibcast(buffer, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD, &r);
    *request = store(r);
    return code;
}

int lemma_mpi_ibarrier(int64_t *request) {
    MPI_Request r;
    int code = MPI_Ibarrier(MPI_COMM_WORLD, &r);
    *request = store(r);
    return code;
}

int lemma_mpi_test(int64_t *request, int *done) {
    MPI_Request r = load(*request);
    int code = MPI_Test(&r, done, MPI_STATUS_IGNORE);
    *request = store(r);
    return code;
}

enum { progress_tag = 7 };

int lemma_mpi_isend_progress(const int64_t *value, int destination, int64_t *request) {
    MPI_Request r;
    int code = MPI_Isend(value, 1, MPI_INT64_T, destination, progress_tag, progress_comm, &r);
    *request = store(r);
    return code;
}

int lemma_mpi_irecv_progress(int64_t *value, int source, int64_t *request) {
    MPI_Request r;
    int code = MPI_Irecv(value, 1, MPI_INT64_T, source, progress_tag, progress_comm, &r);
    *request = store(r);
    return code;
}

int lemma_mpi_cancel(int64_t *request) {
    MPI_Request r = load(*request);
    int code = MPI_Cancel(&r);
    if (code == MPI_SUCCESS) code = MPI_Request_free(&r);
    *request = 0;
    return code;
}

void lemma_mpi_host(char *name, int capacity) {
    char buffer[MPI_MAX_PROCESSOR_NAME];
    int length = 0;
    if (MPI_Get_processor_name(buffer, &length) != MPI_SUCCESS) length = 0;
    if (capacity <= 0) return;
    int n = length < capacity - 1 ? length : capacity - 1;
    memcpy(name, buffer, (size_t)n);
    name[n] = 0;
}
