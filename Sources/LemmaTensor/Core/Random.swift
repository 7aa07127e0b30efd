import Foundation
import Synchronization

/// A seeded random source that gives the same numbers on every machine: xoshiro256** seeded through
/// SplitMix64, with uniform floats from the top 24 bits and normals by Box–Muller.
public final class RandomGenerator: @unchecked Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The full generator state, for checkpoints that must resume a run exactly.
    public var snapshot: [UInt64] {
        get { [state.0, state.1, state.2, state.3] }
        set { state = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }

    public func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    public func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, bound).
    public func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt: bound must be positive")
        return Int(next() % UInt64(bound))
    }

    /// `value` where a uniform draw falls below `probability`, else 0: one draw per element, in order, the
    /// same numbers as `nextFloat() < probability ? value : 0` element by element, with the state held in
    /// registers for the whole buffer (dropout masks are tens of millions of elements a step).
    func fillBernoulli(_ buffer: UnsafeMutableBufferPointer<Float>, probability: Float, value: Float) {
        var (s0, s1, s2, s3) = state
        for i in buffer.indices {
            let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
            let t = s1 << 17
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = s3 << 45 | s3 >> 19
            buffer[i] = Float(result >> 40) * 0x1p-24 < probability ? value : 0
        }
        state = (s0, s1, s2, s3)
    }

    /// Standard normal samples, produced in pairs.
    func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float, std: Float) {
        var i = 0
        while i < buffer.count {
            let u1 = Double(next() >> 11) * 0x1p-53, u2 = Double(next() >> 11) * 0x1p-53
            let radius = (-2 * Foundation.log(Swift.max(u1, 0x1p-60))).squareRoot()
            let angle = 2 * Double.pi * u2
            buffer[i] = mean + std * Float(radius * Foundation.cos(angle))
            if i + 1 < buffer.count { buffer[i + 1] = mean + std * Float(radius * Foundation.sin(angle)) }
            i += 2
        }
    }

    /// The process-wide generator used when none is passed; `Random.seed(_:)` resets it.
    static let shared = Mutex(RandomGenerator(seed: 0))
}

/// Entry points to the shared generator, as `torch.manual_seed` is to PyTorch's.
public enum Random {
    public static func seed(_ value: UInt64) {
        RandomGenerator.shared.withLock { $0 = RandomGenerator(seed: value) }
    }

    /// Makes `generator` the default for every random op that `body` runs on this task, leaving the
    /// process-wide one untouched (like `torch.random.fork_rng`). A trainer runs inside one, so two runs in
    /// the same process, or a test beside other tests, never take each other's draws.
    public static func using<R>(_ generator: RandomGenerator, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(generator, operation: body)
    }

    @TaskLocal static var scoped: RandomGenerator?

    static func withGenerator<R>(_ generator: RandomGenerator?, _ body: (RandomGenerator) -> R) -> R {
        if let generator = generator ?? scoped { return body(generator) }
        return RandomGenerator.shared.withLock { body($0) }
    }
}

extension Tensor {
    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: RandomGenerator? = nil) -> Tensor {
        let y = Tensor.zeros(shape)
        Random.withGenerator(generator) { g in
            y.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] = low + (high - low) * g.nextFloat() }
            }
        }
        return y
    }

    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              generator: RandomGenerator? = nil) -> Tensor {
        let y = Tensor.zeros(shape)
        Random.withGenerator(generator) { g in
            y.withUnsafeMutableBufferPointer { g.fillNormal($0, mean: mean, std: std) }
        }
        return y
    }

    /// 1 with probability `probability`, else 0 (dropout masks).
    public static func bernoulli(_ shape: [Int], probability: Float, generator: RandomGenerator? = nil) -> Tensor {
        bernoulli(shape, probability: probability, value: 1, generator: generator)
    }

    /// `value` with probability `probability`, else 0, from the same draws as `bernoulli`: a dropout mask
    /// already scaled by 1/(1 − p).
    public static func bernoulli(_ shape: [Int], probability: Float, value: Float,
                                 generator: RandomGenerator? = nil) -> Tensor {
        let y = Tensor(shape: shape, storage: CPUBackend.shared.allocate(elementCount(shape)))  // every element written
        Random.withGenerator(generator) { g in
            y.withUnsafeMutableBufferPointer { g.fillBernoulli($0, probability: probability, value: value) }
        }
        return y
    }
}
