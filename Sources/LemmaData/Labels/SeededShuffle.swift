import LemmaTensor

extension Array {
    /// The elements in a random order that depends only on `seed`: Fisher–Yates with `RandomGenerator`,
    /// the same on every machine (Swift's `shuffled()` uses a fresh system random source each time).
    public func shuffled(seed: UInt64) -> [Element] {
        var copy = self
        copy.shuffle(seed: seed)
        return copy
    }

    public mutating func shuffle(seed: UInt64) {
        guard count > 1 else { return }
        let generator = RandomGenerator(seed: seed)
        for i in stride(from: count - 1, to: 0, by: -1) {
            swapAt(i, generator.nextInt(below: i + 1))
        }
    }
}
