import Synchronization

/// Free buffers kept for reuse by size class, so that a run whose shapes vary (batches padded to their
/// longest row, the last short batch) reuses them too, not only a run of fixed shapes.
///
/// Classes step by an eighth of a power of two above 1,024 elements (at most 12.5% of a buffer unused) and
/// by 16 elements below. Live and cached bytes together stay below twice the most ever live at once (the
/// cache holds at least `minimumCacheBytes`): room for every buffer of one training step to come back for
/// the next, even when the step's forward and backward passes peak in different size classes. (A cache
/// capped at the peak alone was too small for that: seed 000's BiLSTM step then evicted and re-faulted
/// 600 MB a step, a fifth of its time.) Past the bound, the least recently returned buffers are freed, so
/// sizes a run has stopped using do not crowd out the ones it uses now.
///
/// A large request whose class has nothing cached takes the smallest cached buffer up to twice its size
/// instead: a stack of one batch's per-step scores ([64, T, 10,774] floats for seed 002) changes class with
/// every batch's length T, and without this each new length mapped and faulted in 20–90 MB afresh
/// (3 million page faults in 200 training steps).
final class BufferPool: Sendable {
    private struct Cached {
        let pointer: UnsafeMutablePointer<Float>
        let stamp: UInt64
    }

    private struct State {
        /// By capacity; each list in the order the buffers came back (oldest first).
        var free: [Int: [Cached]] = [:]
        var cachedBytes = 0
        var liveBytes = 0
        var peakLiveBytes = 0
        var clock: UInt64 = 0
        var freshAllocations = 0
        /// Large buffers handed out for a smaller class, by their real capacity.
        var lent: [UnsafeMutablePointer<Float>: Int] = [:]
    }

    /// Requests of at least this many elements (4 MB) may take a larger cached buffer.
    static let largeCapacity = 1 << 20

    private let state = Mutex(State())
    let minimumCacheBytes: Int

    init(minimumCacheBytes: Int = 64 << 20) { self.minimumCacheBytes = minimumCacheBytes }

    /// The elements a buffer for `count` elements really holds: the top of its size class.
    static func capacity(for count: Int) -> Int {
        if count <= 1024 { return max(16, (count + 15) & ~15) }
        let highBit = Int.bitWidth - 1 - (count - 1).leadingZeroBitCount
        let step = 1 << (highBit - 3)
        return (count + step - 1) / step * step
    }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let capacity = Self.capacity(for: count)
        let reused: UnsafeMutablePointer<Float>? = state.withLock { state in
            var taken = capacity
            if state.free[capacity]?.isEmpty ?? true, capacity >= Self.largeCapacity {
                for (size, list) in state.free where size > capacity && size <= 2 * capacity && !list.isEmpty && (taken == capacity || size < taken) {
                    taken = size
                }
            }
            state.liveBytes += taken * 4
            state.peakLiveBytes = max(state.peakLiveBytes, state.liveBytes)
            guard let cached = state.free[taken]?.popLast() else {
                state.freshAllocations += 1
                return nil
            }
            state.cachedBytes -= taken * 4
            if taken != capacity { state.lent[cached.pointer] = taken }
            return cached.pointer
        }
        if let reused { return reused }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: capacity)
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let requested = Self.capacity(for: count)
        let evicted = state.withLock { state -> [UnsafeMutablePointer<Float>] in
            let capacity = requested >= Self.largeCapacity ? state.lent.removeValue(forKey: pointer) ?? requested : requested
            state.liveBytes -= capacity * 4
            state.clock += 1
            state.free[capacity, default: []].append(Cached(pointer: pointer, stamp: state.clock))
            state.cachedBytes += capacity * 4
            var evicted: [UnsafeMutablePointer<Float>] = []
            let limit = max(minimumCacheBytes, 2 * state.peakLiveBytes - state.liveBytes)
            while state.cachedBytes > limit {
                // The class whose oldest buffer came back longest ago. A class emptied by eviction is removed;
                // one emptied by `take` keeps its list's storage, so a steady loop's returns never allocate.
                var oldest = capacity, oldestStamp = UInt64.max
                for (size, list) in state.free where !list.isEmpty && list[0].stamp < oldestStamp {
                    (oldest, oldestStamp) = (size, list[0].stamp)
                }
                evicted.append(state.free[oldest]!.removeFirst().pointer)
                if state.free[oldest]!.isEmpty { state.free[oldest] = nil }
                state.cachedBytes -= oldest * 4
            }
            return evicted
        }
        for pointer in evicted { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    /// How many buffers had to come from malloc: flat in a steady loop.
    var freshAllocations: Int { state.withLock { $0.freshAllocations } }

    /// Bytes held for reuse, and bytes in tensors now.
    var cachedBytes: Int { state.withLock { $0.cachedBytes } }
    var liveBytes: Int { state.withLock { $0.liveBytes } }

    func drain() {
        let all = state.withLock { state -> [UnsafeMutablePointer<Float>] in
            defer { state.free = [:]; state.cachedBytes = 0 }
            return state.free.values.flatMap { $0.map(\.pointer) }
        }
        for pointer in all { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
