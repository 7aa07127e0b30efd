import Foundation

/// A set of words numbered in insertion order, matched byte for byte on their UTF-8 (as Python's dict and
/// fastText do; Swift's String equality would also merge canonically-equivalent spellings). The bytes live
/// in one buffer with an open-addressing index, so two million words cost tens of megabytes, not hundreds.
struct WordTable {
    private var storage: [UInt8] = []
    private var ends: [Int] = []
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        ends.reserveCapacity(capacity)
    }

    var count: Int { ends.count }

    /// Adds the word unless present; returns its number either way.
    @discardableResult
    mutating func insert(_ word: UnsafeRawBufferPointer) -> (id: Int, inserted: Bool) {
        var slot = Self.hash(word) & mask
        while slots[slot] >= 0 {
            if equals(Int(slots[slot]), word) { return (Int(slots[slot]), false) }
            slot = (slot + 1) & mask
        }
        let id = ends.count
        storage.append(contentsOf: word)
        ends.append(storage.count)
        slots[slot] = Int32(id)
        if ends.count * 2 > slots.count { grow() }
        return (id, true)
    }

    @discardableResult
    mutating func insert(_ word: String) -> (id: Int, inserted: Bool) {
        var word = word
        return word.withUTF8 { insert(UnsafeRawBufferPointer($0)) }
    }

    func find(_ word: UnsafeRawBufferPointer) -> Int? {
        var slot = Self.hash(word) & mask
        while slots[slot] >= 0 {
            if equals(Int(slots[slot]), word) { return Int(slots[slot]) }
            slot = (slot + 1) & mask
        }
        return nil
    }

    func find(_ word: String) -> Int? {
        var word = word
        return word.withUTF8 { find(UnsafeRawBufferPointer($0)) }
    }

    func withBytes<R>(of id: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = id == 0 ? 0 : ends[id - 1]
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[id]])) }
    }

    /// The word as a String; words are validated as UTF-8 before they are inserted.
    func word(at id: Int) -> String {
        withBytes(of: id) { String(decoding: $0, as: UTF8.self) }
    }

    private func equals(_ id: Int, _ word: UnsafeRawBufferPointer) -> Bool {
        let start = id == 0 ? 0 : ends[id - 1]
        guard ends[id] - start == word.count else { return false }
        return storage.withUnsafeBytes { stored in
            word.isEmpty || memcmp(stored.baseAddress! + start, word.baseAddress!, word.count) == 0
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for id in 0..<ends.count {
            var slot = withBytes(of: id) { Self.hash($0) } & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }

    /// 64-bit FNV-1a, mixed at the end so the low bits used for the slot are well spread.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }
}
