// MPI's own all-reduce, timed as OSU's osu_allreduce does (in place, float sum, median of repeats), for
// bench/allreduce_bench.sh to set beside Lemma's communicator on the same message sizes.
//   mpicc -O2 bench/mpi_allreduce.c -o /tmp/mpi_allreduce && mpirun -np 2 /tmp/mpi_allreduce
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (long bytes = 4096; bytes <= (64L << 20); bytes *= 4) {
        long count = bytes / 4;
        float *buffer = calloc((size_t)count, sizeof(float));
        int repeats = bytes >= (16L << 20) ? 9 : 31;
        double times[31];
        MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);  // warm-up
        for (int i = 0; i < repeats; i++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            times[i] = MPI_Wtime() - start;
        }
        qsort(times, (size_t)repeats, sizeof(double), compare);
        double median = times[repeats / 2];
        // Bus bandwidth as NCCL's tests define it for all-reduce: 2 (N − 1) / N × bytes / time.
        if (rank == 0)
            printf("{\"label\": \"mpi\", \"bytes\": %ld, \"ranks\": %d, \"seconds\": %.6g, \"bus_gb_per_s\": %.3f}\n", bytes, size, median,
                   2.0 * (size - 1) / size * (double)bytes / median / 1e9);
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
