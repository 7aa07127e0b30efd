/// Byte-pair merging of one piece, as tiktoken does it: start from single bytes and repeatedly merge the
/// adjacent pair whose merged token has the lowest rank (the leftmost such pair on ties) until no adjacent
/// pair is a token. The ids of the remaining parts are the result.
extension BytePairVocabulary {
    /// Pieces longer than this use the heap, whose O(n log n) beats the simple loop's O(n²) only there.
    static let heapThreshold = 128

    func merge(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int32]) {
        if piece.count > Self.heapThreshold {
            mergeWithHeap(piece, into: &output)
        } else {
            mergeByScanning(piece, into: &output)
        }
    }

    /// Keeps the parts and the rank of each adjacent pair in two arrays; each merge is a scan for the
    /// minimum and a shift left by one. Only merges of rank below `limit` are made (all, by default).
    func mergeByScanning(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int32], below limit: Int32 = .max) {
        let n = piece.count
        guard n > 0 else { return }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * n) { buffer in
            let parts = buffer.baseAddress!
            let ranks = parts + n  // ranks[i]: rank of parts[i] + parts[i + 1]
            byteRanks.withUnsafeBufferPointer { byteRanks in
                for i in 0..<n { parts[i] = byteRanks[Int(piece[i])] }
            }
            for i in 0..<(n - 1) { ranks[i] = pairs.rank(parts[i], parts[i + 1]) }
            var count = n
            while count > 1 {
                var best = limit
                var at = 0
                for i in 0..<(count - 1) where ranks[i] < best {
                    best = ranks[i]
                    at = i
                }
                if best == limit { break }
                parts[at] = best
                (parts + at + 1).update(from: parts + at + 2, count: count - at - 2)
                (ranks + at).update(from: ranks + at + 1, count: count - at - 2)
                count -= 1
                if at + 1 < count { ranks[at] = pairs.rank(parts[at], parts[at + 1]) }
                if at > 0 { ranks[at - 1] = pairs.rank(parts[at - 1], parts[at]) }
            }
            output.append(contentsOf: UnsafeBufferPointer(start: parts, count: count))
        }
    }

    /// Parts as a doubly linked list indexed by their first byte; candidate merges in a min-heap keyed by
    /// (rank, first byte), so the pop order is the scanning loop's order. Entries made stale by an earlier
    /// merge are recognised by recomputing the pair's rank and skipped.
    func mergeWithHeap(_ piece: UnsafeBufferPointer<UInt8>, into output: inout [Int32]) {
        let n = piece.count
        guard n > 0 else { return }
        var id = byteRanks.withUnsafeBufferPointer { byteRanks in piece.map { byteRanks[Int($0)] } }
        var next = Array(1...n)                 // n marks the end
        var previous = Array(-1..<(n - 1))      // -1 marks the start
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            let rank = pairs.rank(id[i], id[i + 1])
            if rank != Int32.max { heap.push(rank: rank, position: i) }
        }
        while let (rank, left) = heap.pop() {
            guard alive[left], next[left] < n, pairs.rank(id[left], id[next[left]]) == rank else { continue }
            let right = next[left]
            id[left] = rank
            alive[right] = false
            next[left] = next[right]
            if next[right] < n { previous[next[right]] = left }
            if next[left] < n {
                let after = pairs.rank(id[left], id[next[left]])
                if after != Int32.max { heap.push(rank: after, position: left) }
            }
            if previous[left] >= 0 {
                let before = pairs.rank(id[previous[left]], id[left])
                if before != Int32.max { heap.push(rank: before, position: previous[left]) }
            }
        }
        var i = 0
        while i < n {
            output.append(id[i])
            i = next[i]
        }
    }
}

/// A binary min-heap of (rank, position) packed into one UInt64 so comparisons are single instructions.
struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(rank: Int32, position: Int) {
        items.append(UInt64(UInt32(rank)) << 32 | UInt64(position))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> (rank: Int32, position: Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (Int32(truncatingIfNeeded: top >> 32), Int(top & 0xFFFF_FFFF))
    }
}
