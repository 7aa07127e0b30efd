import Foundation
import Lemma

// `mpirun -np 2 lemma-bench allreduce`: Lemma's MPI communicator (non-blocking all-reduce waited on with its
// deadline) on the message sizes of bench/mpi_allreduce.c, median of repeats, bus bandwidth as NCCL's tests
// define it (2 (N − 1) / N × bytes / time).
func benchAllReduce() {
    guard let world = try? MPICommunicator.world(), world.size > 1 else {
        FileHandle.standardError.write(Data("allreduce: run under mpirun with 2 or more ranks\n".utf8))
        return
    }
    var bytes = 4096
    while bytes <= 64 << 20 {
        let buffer = HostBuffer(count: bytes / 4)
        let repeats = bytes >= 16 << 20 ? 9 : 31
        try! world.startAllReduceSum(buffer).wait()
        var times: [Double] = []
        for _ in 0..<repeats {
            try! world.barrier()
            let start = DispatchTime.now().uptimeNanoseconds
            try! world.startAllReduceSum(buffer).wait()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let median = times.sorted()[repeats / 2]
        if world.rank == 0 {
            let bandwidth = 2 * Double(world.size - 1) / Double(world.size) * Double(bytes) / median / 1e9
            print(String(format: "{\"label\": \"lemma\", \"bytes\": %d, \"ranks\": %d, \"seconds\": %.6g, \"bus_gb_per_s\": %.3f}",
                         bytes, world.size, median, bandwidth))
        }
        bytes *= 4
    }
}
