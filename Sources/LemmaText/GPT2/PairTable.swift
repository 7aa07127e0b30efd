/// The merges of a byte-pair vocabulary as a map (left id, right id) → id of the merged token, which is
/// also its merge rank. Open addressing over packed 64-bit keys: the BPE inner loop asks it once per
/// adjacent pair, so it must be cheaper than a `Dictionary` lookup.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private(set) var count = 0
    private static let empty = UInt64.max

    init(minimumCapacity: Int) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity *= 2 }
        keys = Array(repeating: Self.empty, count: capacity)
        values = Array(repeating: 0, count: capacity)
    }

    /// The merged id of `left` followed by `right`, or `Int32.max` if the pair never merges.
    @inline(__always)
    func rank(_ left: Int32, _ right: Int32) -> Int32 {
        let key = Self.key(left, right)
        return keys.withUnsafeBufferPointer { keys in
            let mask = keys.count - 1
            var slot = Self.slot(key) & mask
            while true {
                let stored = keys[slot]
                if stored == key { return values[slot] }
                if stored == Self.empty { return Int32.max }
                slot = (slot + 1) & mask
            }
        }
    }

    mutating func insert(_ left: Int32, _ right: Int32, merged: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        place(Self.key(left, right), merged)
    }

    private mutating func place(_ key: UInt64, _ value: Int32) {
        let mask = keys.count - 1
        var slot = Self.slot(key) & mask
        while keys[slot] != Self.empty && keys[slot] != key { slot = (slot + 1) & mask }
        if keys[slot] == Self.empty { count += 1 }
        keys[slot] = key
        values[slot] = value
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: Self.empty, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        count = 0
        for i in oldKeys.indices where oldKeys[i] != Self.empty { place(oldKeys[i], oldValues[i]) }
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private static func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }
}
