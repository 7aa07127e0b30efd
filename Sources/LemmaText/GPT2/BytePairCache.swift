import Foundation

/// Remembers the ids of pieces that needed merging, so a word seen before costs one hash lookup. tiktoken
/// has no such cache; Hugging Face's tokenizers has one. Shared by copies of a tokenizer and safe across
/// threads: an encode call takes the lock with `try`, and if another thread holds it, encodes without the
/// cache rather than wait.
final class BytePairCache: @unchecked Sendable {
    private let lock = NSLock()
    private var pieces = ByteStringTable(minimumCapacity: 4096)
    /// Piece i's ids are `ids[starts[i]..<starts[i + 1]]`.
    private var ids: [Int32] = []
    private var starts: [Int] = [0]
    /// Past this many pieces the cache is emptied, bounding its memory on endless streams of new words.
    let capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
    }

    /// Runs `body` with the cache if no other thread is using it, else with nil.
    func withLockedCache<R>(_ body: (BytePairCache?) -> R) -> R {
        guard lock.try() else { return body(nil) }
        defer { lock.unlock() }
        return body(self)
    }

    /// Appends the cached ids of `piece` to `output`; false if the piece is not cached. Call only inside
    /// `withLockedCache`.
    @inline(__always)
    func appendIDs(of piece: UnsafeBufferPointer<UInt8>, to output: inout [Int32]) -> Bool {
        guard let index = pieces.index(of: piece) else { return false }
        output.append(contentsOf: ids[starts[index]..<starts[index + 1]])
        return true
    }

    /// Remembers `pieceIDs` for `piece`. Call only inside `withLockedCache`.
    func insert(_ piece: UnsafeBufferPointer<UInt8>, ids pieceIDs: ArraySlice<Int32>) {
        if pieces.count >= capacity {
            pieces.removeAll()
            ids.removeAll(keepingCapacity: true)
            starts = [0]
        }
        pieces.insert(piece, value: 0)
        ids.append(contentsOf: pieceIDs)
        starts.append(ids.count)
    }
}
