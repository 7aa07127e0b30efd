/// A seeded 64-bit hash of an integer (SplitMix64's finalizer over seed and index), the same on every
/// machine and every run, unlike Swift's `Hasher`, which is randomly seeded per process.
public func stableHash(seed: UInt64, index: UInt64) -> UInt64 {
    var z = seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
