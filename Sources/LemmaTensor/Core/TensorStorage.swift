import CLemmaKernels
import Synchronization

/// A flat buffer of Float32 owned by one backend. Tensors share storage for views (reshape); every other op
/// writes a fresh one. Buffers come from and return to the backend's pool, so a steady training loop, which
/// asks for the same sizes every step, stops calling malloc after its first step.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    public unowned(unsafe) let backend: any Backend

    init(pointer: UnsafeMutablePointer<Float>, count: Int, backend: any Backend) {
        self.pointer = pointer
        self.count = count
        self.backend = backend
    }

    deinit { backend.release(self.pointer, count: count) }
}

/// Free buffers kept by exact element count. Bounded, so a run that changes sizes (say, the last short batch)
/// does not hoard memory.
final class BufferPool: Sendable {
    private struct State {
        var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
        var cachedBytes = 0
        var freshAllocations = 0
    }
    private let state = Mutex(State())
    let limitBytes: Int

    init(limitBytes: Int) { self.limitBytes = limitBytes }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let reused: UnsafeMutablePointer<Float>? = state.withLock { state in
            guard let pointer = state.free[count]?.popLast() else {
                state.freshAllocations += 1
                return nil
            }
            state.cachedBytes -= count * 4
            return pointer
        }
        if let reused { return reused }
        lemma_count_fresh_allocation()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let kept = state.withLock { state -> Bool in
            guard state.cachedBytes + count * 4 <= limitBytes else { return false }
            state.free[count, default: []].append(pointer)
            state.cachedBytes += count * 4
            return true
        }
        if !kept { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    /// How many buffers had to come from malloc: flat in a steady loop.
    var freshAllocations: Int { state.withLock { $0.freshAllocations } }

    func drain() {
        let all = state.withLock { state -> [UnsafeMutablePointer<Float>] in
            defer { state.free = [:]; state.cachedBytes = 0 }
            return state.free.values.flatMap { $0 }
        }
        for pointer in all { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
