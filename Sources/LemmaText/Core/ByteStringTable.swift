import Foundation

/// A hash map from byte strings to `Int32` values, with keys compared byte for byte.
///
/// Swift's `Dictionary<String, _>` would treat canonically equivalent strings as one key and hashes
/// through normalization; the formats Lemma reads (tiktoken, BERT vocab.txt) compare raw bytes, and the
/// hot loops look keys up from slices of a UTF-8 buffer without making Strings. Open addressing with
/// linear probing; entries are never removed (only `removeAll`).
struct ByteStringTable: Sendable {
    /// Key bytes of all entries, back to back; entry i is `keyBytes[keyStarts[i]..<keyStarts[i + 1]]`.
    private(set) var keyBytes: [UInt8] = []
    private(set) var keyStarts: [Int] = [0]
    private(set) var values: [Int32] = []
    /// Per slot: the entry's hash in the high 32 bits, entry index + 1 in the low 32; 0 marks an empty
    /// slot. Keeping the hash in the slot lets a probe skip other keys without touching their bytes.
    private var slots: [UInt64]
    private var hashes: [UInt32] = []

    init(minimumCapacity: Int = 16) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity *= 2 }
        slots = Array(repeating: 0, count: capacity)
    }

    var count: Int { values.count }

    /// The value stored under `key`, if any.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let entry = entry(for: key, hash: Self.hash(key)) else { return nil }
        return values[entry]
    }

    /// Insertion index of the entry whose key is `key`, if any.
    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        entry(for: key, hash: Self.hash(key))
    }

    func value(for key: some Collection<UInt8>) -> Int32? {
        let bytes = Array(key)
        return bytes.withUnsafeBufferPointer { value(for: $0) }
    }

    /// Adds `key` → `value` and returns nil, or returns the index of the entry that already has `key`.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int32) -> Int? {
        let hash = Self.hash(key)
        if let existing = entry(for: key, hash: hash) { return existing }
        if (values.count + 1) * 2 > slots.count { grow() }
        keyBytes.append(contentsOf: key)
        keyStarts.append(keyBytes.count)
        values.append(value)
        hashes.append(hash)
        place(entry: values.count - 1, hash: hash)
        return nil
    }

    @discardableResult
    mutating func insert(_ key: some Collection<UInt8>, value: Int32) -> Int? {
        let bytes = Array(key)
        return bytes.withUnsafeBufferPointer { insert($0, value: value) }
    }

    /// The key bytes of entry `index` (entries are numbered in insertion order).
    func key(at index: Int) -> ArraySlice<UInt8> { keyBytes[keyStarts[index]..<keyStarts[index + 1]] }

    mutating func removeAll() {
        keyBytes.removeAll(keepingCapacity: true)
        keyStarts = [0]
        values.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = 0 }
    }

    @inline(__always)
    private func entry(for key: UnsafeBufferPointer<UInt8>, hash: UInt32) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(hash) & mask
            while true {
                let stored = slots[slot]
                if stored == 0 { return nil }
                if UInt32(truncatingIfNeeded: stored >> 32) == hash {
                    let entry = Int(truncatingIfNeeded: stored & 0xFFFF_FFFF) - 1
                    if keyEquals(entry, key) { return entry }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private func keyEquals(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        keyStarts.withUnsafeBufferPointer { starts in
            let start = starts[entry], end = starts[entry + 1]
            guard end - start == key.count else { return false }
            guard key.count > 0 else { return true }
            return keyBytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, key.baseAddress!, key.count) == 0 }
        }
    }

    private mutating func place(entry: Int, hash: UInt32) {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = UInt64(hash) << 32 | UInt64(entry + 1)
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for entry in values.indices { place(entry: entry, hash: hashes[entry]) }
    }

    /// FNV-1a, then a final mix so the low bits (the slot) depend on every byte.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return UInt32(truncatingIfNeeded: h)
    }
}
