/// Damages file contents in the ways real files get damaged, for "never crash" tests.
enum Mutation {
    static func apply(_ bytes: [UInt8], round: Int, using generator: inout SeededGenerator) -> [UInt8] {
        guard !bytes.isEmpty else { return [0xFF] }
        var bytes = bytes
        let at = Int.random(in: 0..<bytes.count, using: &generator)
        switch round % 6 {
        case 0: bytes[at] = UInt8.random(in: 0...255, using: &generator)                       // flipped byte
        case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &generator)))
        case 2: bytes.removeSubrange(at...)                                                   // truncated
        case 3: bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: at)                          // invalid UTF-8
        case 4: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 30)], at: at)       // repeated text
        default: bytes.insert(contentsOf: [0x0A, 0x20, 0x0A], at: at)                         // broken lines
        }
        return bytes
    }
}

/// splitmix64: the same "random" mutations on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
