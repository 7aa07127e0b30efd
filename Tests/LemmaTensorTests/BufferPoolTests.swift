import LemmaTensor
import Testing

/// The backend's buffer cache, each case in a child process: the cache is shared by the whole process, and
/// other tests running beside these would take from it and return to it.
@Suite struct BufferPoolTests {
    @Test func nearbySizesShareABuffer() async {
        await #expect(processExitsWith: .success) {
            let backend = CPUBackend.shared
            _ = backend.allocate(1100)  // freed at once: its class (1,152 elements) is cached
            let before = backend.freshAllocations
            _ = backend.allocate(1150)
            _ = backend.allocate(1025)
            precondition(backend.freshAllocations == before, "1,150 and 1,025 elements did not reuse the 1,100 buffer")
            _ = backend.allocate(1153)
            precondition(backend.freshAllocations == before + 1, "1,153 elements is the next class up")
        }
    }

    @Test func largeRequestsTakeACachedBufferUpToTwiceTheirSize() async {
        await #expect(processExitsWith: .success) {
            let backend = CPUBackend.shared
            _ = backend.allocate(3 << 20)  // 12 MiB, cached once freed
            let before = backend.freshAllocations
            var smaller: TensorStorage? = backend.allocate(2 << 20)  // 8 MiB: the 12 MiB buffer serves it
            precondition(backend.freshAllocations == before, "an 8 MiB request did not take the cached 12 MiB buffer")
            precondition(backend.liveBufferBytes >= 12 << 20, "the lent buffer is not counted at its real size")
            smaller = nil
            _ = backend.allocate(3 << 20)  // the buffer came back to its own class
            precondition(backend.freshAllocations == before, "the 12 MiB buffer did not return to its class")
            _ = backend.allocate(1 << 20)  // 4 MiB: the 12 MiB buffer is over twice that, so not lent
            precondition(backend.freshAllocations == before + 1, "a 4 MiB request took a buffer three times its size")
            withExtendedLifetime(smaller) {}
        }
    }

    @Test func batchesOfVaryingLengthStopAllocating() async {
        await #expect(processExitsWith: .success) {
            let w = Tensor.normal([64, 64], std: 0.1, generator: RandomGenerator(seed: 1))
            w.requiresGrad = true
            let lengths = [37, 120, 64, 99, 12, 128, 77]
            func step(_ length: Int) {
                let x = Tensor.normal([8, length, 64], generator: RandomGenerator(seed: UInt64(length)))
                x.matmul(w.transposed(0, 1)).tanh().softmax(axis: -1).mean().backward()
                w.zeroGrad()
            }
            for length in lengths { step(length) }
            let before = CPUBackend.shared.freshAllocations
            for _ in 0..<3 { for length in lengths.reversed() { step(length) } }
            let fresh = CPUBackend.shared.freshAllocations - before
            precondition(fresh == 0, "\(fresh) fresh buffers for lengths already seen")
        }
    }

    @Test func cacheStaysBelowThePeakOfLiveBuffers() async {
        await #expect(processExitsWith: .success) {
            let backend = CPUBackend.shared
            // 48 size classes from 256 KiB to 15 MiB, one buffer alive at a time: 190 MiB if all were kept.
            for power in 16..<22 {
                for eighth in 8..<16 { _ = backend.allocate((1 << power) * eighth / 8) }
            }
            let cached = backend.cachedBufferBytes
            precondition(cached <= 64 << 20, "\(cached) bytes cached after at most 15 MiB was ever live")
            precondition(cached > 0, "nothing cached")
            // A large live set raises the bound to its peak, so a whole step's buffers come back for reuse.
            var held = (0..<100).map { _ in backend.allocate(1 << 20) }  // 400 MiB live
            withExtendedLifetime(held) { precondition(backend.liveBufferBytes >= 400 << 20) }
            held.removeAll()
            let before = backend.freshAllocations
            held = (0..<100).map { _ in backend.allocate(1 << 20) }
            withExtendedLifetime(held) {
                precondition(backend.freshAllocations == before, "the 400 MiB set was not reused")
                precondition(backend.cachedBufferBytes <= 64 << 20, "cache over its bound while the set is live")
            }
        }
    }

    @Test func stepsThatPeakInDifferentClassesReuseEveryBuffer() async {
        await #expect(processExitsWith: .success) {
            let backend = CPUBackend.shared
            // A "forward" of 40 × 4 MiB buffers, then a "backward" of 40 × 6 MiB: 400 MiB come back per step,
            // more than the 240 MiB ever live at once.
            func step() {
                var held = (0..<40).map { _ in backend.allocate(1 << 20) }
                withExtendedLifetime(held) {}
                held.removeAll()
                held = (0..<40).map { _ in backend.allocate(3 << 19) }
                withExtendedLifetime(held) {
                    let total = backend.liveBufferBytes + backend.cachedBufferBytes
                    precondition(total <= 2 * (240 << 20) + (1 << 20), "\(total) bytes held with 240 MiB live")
                }
            }
            step()
            let before = backend.freshAllocations
            step()
            step()
            precondition(backend.freshAllocations == before, "\(backend.freshAllocations - before) buffers allocated again")
        }
    }
}
