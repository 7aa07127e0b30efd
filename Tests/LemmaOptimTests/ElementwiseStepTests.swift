import Foundation
import LemmaOptim
import LemmaTensor
import Testing

/// The update loops of SGD, Adam/AdamW, RMSprop and Adafactor's vector step on random data, against the same
/// formulas written out here: in Float in the optimizers' operation order (results must be bit-identical,
/// whatever CPU level or thread split the kernels run with) and in Double (within a few ulps). The sizes
/// cover one element, vector tails, and tensors large enough to be split across threads.
struct ElementwiseStepTests {
    static let sizes = [1, 7, 1_000, 70_001]
    static let steps = 4

    /// A parameter whose gradient at each step is fresh random data, with some exact zeros (√0 paths).
    final class Run {
        let parameter: Tensor
        let generator: RandomGenerator
        let n: Int

        init(_ n: Int, seed: UInt64) {
            self.n = n
            generator = RandomGenerator(seed: seed)
            parameter = Tensor.normal([n], generator: generator)
            parameter.requiresGrad = true
        }

        var values: [Float] { parameter.scalars }

        /// Sets the parameter's gradient to fresh values and returns them.
        func feedGradient() -> [Float] {
            parameter.zeroGrad()
            var g = Tensor.normal([n], std: 0.5, generator: generator).scalars
            for i in stride(from: 3, to: n, by: 11) { g[i] = 0 }
            (parameter * Tensor(g, shape: [n])).sum().backward()
            return g
        }
    }

    static func expectBitIdentical(_ actual: [Float], _ expected: [Float], _ label: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        let first = actual.indices.first { actual[$0].bitPattern != expected[$0].bitPattern }
        #expect(actual.count == expected.count && first == nil,
                "\(label): element \(first ?? -1) is \(first.map { actual[$0] } ?? 0), expected \(first.map { expected[$0] } ?? 0)",
                sourceLocation: sourceLocation)
    }

    /// |actual − expected| ≤ 1e-6·(|expected| + scale) elementwise, where scale bounds the step's size.
    static func expectNear(_ actual: [Float], _ expected: [Double], scale: Double, _ label: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let worst = zip(actual, expected).map { abs(Double($0) - $1) / (abs($1) + scale) }.max() ?? 0
        #expect(worst <= 1e-6, "\(label): worst relative error \(worst)", sourceLocation: sourceLocation)
    }

    // MARK: Adam, AdamW

    static let adamCases: [(String, AdamOptions, Bool)] = [
        ("adam", AdamOptions(learningRate: 0.01), false),
        ("adam_l2", AdamOptions(learningRate: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1), false),
        ("adam_amsgrad", AdamOptions(learningRate: 0.01, weightDecay: 0.01, amsgrad: true), false),
        ("adamw", .adamW(), true),
        ("adamw_no_decay", .adamW(weightDecay: 0), true),
        ("adamw_amsgrad", .adamW(learningRate: 0.01, weightDecay: 0.1, amsgrad: true), true),
    ]

    @Test(arguments: adamCases.indices, sizes)
    func adam(_ which: Int, _ n: Int) throws {
        let (name, o, decoupled) = Self.adamCases[which]
        let run = Run(n, seed: 11 + UInt64(n))
        let optimizer: Adam = decoupled ? try AdamW([run.parameter], o) : try Adam([run.parameter], o)
        var p = run.values, m = [Float](repeating: 0, count: n), v = m, vMax = m
        for t in 1...Self.steps {
            let g = run.feedGradient()
            let (p0, m0, v0, vMax0) = (p, m, v, vMax)
            optimizer.step()
            // Float, in the optimizer's order.
            let lr = Double(o.learningRate)
            let stepSize = Float(lr / (1 - pow(Double(o.beta1), Double(t))))
            let correction2 = Float((1 - pow(Double(o.beta2), Double(t))).squareRoot())
            let keep: Float = decoupled && o.weightDecay != 0 ? Float(1 - lr * Double(o.weightDecay)) : 1
            let l2: Float = decoupled ? 0 : o.weightDecay, w1 = 1 - o.beta1, w2 = 1 - o.beta2
            for i in 0..<n {
                p[i] *= keep
                let gi = g[i] + l2 * p[i]
                m[i] += w1 * (gi - m[i])
                v[i] = o.beta2 * v[i] + w2 * gi * gi
                vMax[i] = max(vMax[i], v[i])
                p[i] -= stepSize * (m[i] / ((o.amsgrad ? vMax[i] : v[i]).squareRoot() / correction2 + o.eps))
            }
            let state = optimizer.stateDict()
            Self.expectBitIdentical(run.values, p, "\(name) n \(n) step \(t) param")
            Self.expectBitIdentical(state["state.0.exp_avg"]!.scalars, m, "\(name) n \(n) step \(t) exp_avg")
            Self.expectBitIdentical(state["state.0.exp_avg_sq"]!.scalars, v, "\(name) n \(n) step \(t) exp_avg_sq")
            if o.amsgrad {
                Self.expectBitIdentical(state["state.0.max_exp_avg_sq"]!.scalars, vMax, "\(name) n \(n) step \(t) max")
            }
            // Double, from the same starting state and the same Float g + l2·θ: where g ≈ −l2·θ that sum cancels,
            // and g/(|g| + eps) turns its one rounding into a visible error of the step.
            let b1 = Double(o.beta1), b2 = Double(o.beta2), wd = Double(o.weightDecay)
            var expected = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var theta = Double(p0[i])
                if decoupled { theta *= 1 - lr * wd }
                let gi = Double(g[i] + l2 * p0[i])
                let mi = b1 * Double(m0[i]) + (1 - b1) * gi
                let vi = b2 * Double(v0[i]) + (1 - b2) * gi * gi
                let vHat = o.amsgrad ? max(Double(vMax0[i]), vi) : vi
                let denominator = vHat.squareRoot() / (1 - pow(b2, Double(t))).squareRoot() + Double(o.eps)
                expected[i] = theta - lr / (1 - pow(b1, Double(t))) * mi / denominator
            }
            Self.expectNear(run.values, expected, scale: lr * 10, "\(name) n \(n) step \(t) vs Double")
        }
    }

    // MARK: RMSprop

    static let rmspropCases: [(String, RMSprop.Options)] = [
        ("rmsprop", .init(learningRate: 0.01)),
        ("rmsprop_decay", .init(learningRate: 0.01, alpha: 0.9, weightDecay: 0.1)),
        ("rmsprop_centered", .init(learningRate: 0.01, centered: true)),
        ("rmsprop_momentum", .init(learningRate: 0.01, momentum: 0.9)),
        ("rmsprop_centered_momentum", .init(learningRate: 0.01, eps: 1e-6, weightDecay: 0.01, momentum: 0.5, centered: true)),
    ]

    @Test(arguments: rmspropCases.indices, sizes)
    func rmsprop(_ which: Int, _ n: Int) throws {
        let (name, o) = Self.rmspropCases[which]
        let run = Run(n, seed: 23 + UInt64(n))
        let optimizer = try RMSprop([run.parameter], o)
        var p = run.values, s = [Float](repeating: 0, count: n), gAvg = s, buffer = s
        for t in 1...Self.steps {
            let g = run.feedGradient()
            let (p0, s0, gAvg0, buffer0) = (p, s, gAvg, buffer)
            optimizer.step()
            let w = 1 - o.alpha
            for i in 0..<n {
                let gi = g[i] + o.weightDecay * p[i]
                s[i] = o.alpha * s[i] + w * gi * gi
                var variance = s[i]
                if o.centered {
                    gAvg[i] += w * (gi - gAvg[i])
                    variance -= gAvg[i] * gAvg[i]
                }
                if o.momentum > 0 {
                    buffer[i] = o.momentum * buffer[i] + gi / (variance.squareRoot() + o.eps)
                    p[i] -= o.learningRate * buffer[i]
                } else {
                    p[i] -= o.learningRate * (gi / (variance.squareRoot() + o.eps))
                }
            }
            let state = optimizer.stateDict()
            Self.expectBitIdentical(run.values, p, "\(name) n \(n) step \(t) param")
            Self.expectBitIdentical(state["state.0.square_avg"]!.scalars, s, "\(name) n \(n) step \(t) square_avg")
            if o.centered {
                Self.expectBitIdentical(state["state.0.grad_avg"]!.scalars, gAvg, "\(name) n \(n) step \(t) grad_avg")
            }
            if o.momentum > 0 {
                Self.expectBitIdentical(state["state.0.momentum_buffer"]!.scalars, buffer, "\(name) n \(n) step \(t) buffer")
            }
            let lr = Double(o.learningRate), alpha = Double(o.alpha), mu = Double(o.momentum)
            var expected = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let gi = Double(g[i] + o.weightDecay * p0[i])  // as in Adam's check
                let si = alpha * Double(s0[i]) + (1 - alpha) * gi * gi
                let mean = alpha * Double(gAvg0[i]) + (1 - alpha) * gi
                let variance = o.centered ? si - mean * mean : si
                let direction = gi / (variance.squareRoot() + Double(o.eps))
                expected[i] = Double(p0[i]) - lr * (o.momentum > 0 ? mu * Double(buffer0[i]) + direction : direction)
            }
            Self.expectNear(run.values, expected, scale: lr * 10, "\(name) n \(n) step \(t) vs Double")
        }
    }

    // MARK: SGD

    static let sgdCases: [(String, SGD.Options)] = [
        ("sgd", .init(learningRate: 0.1)),
        ("sgd_weight_decay", .init(learningRate: 0.1, weightDecay: 0.1)),
        ("sgd_momentum", .init(learningRate: 0.1, momentum: 0.9, dampening: 0.1)),
        ("sgd_nesterov", .init(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)),
    ]

    @Test(arguments: sgdCases.indices, sizes)
    func sgd(_ which: Int, _ n: Int) throws {
        let (name, o) = Self.sgdCases[which]
        let run = Run(n, seed: 37 + UInt64(n))
        let optimizer = try SGD([run.parameter], o)
        var p = run.values, buffer = [Float](repeating: 0, count: n)
        for t in 1...Self.steps {
            let g = run.feedGradient()
            let (p0, buffer0) = (p, buffer)
            optimizer.step()
            for i in 0..<n {
                let d = g[i] + o.weightDecay * p[i]
                if o.momentum == 0 {
                    p[i] -= o.learningRate * d
                    continue
                }
                buffer[i] = t == 1 ? d : o.momentum * buffer[i] + (1 - o.dampening) * d
                p[i] -= o.learningRate * (o.nesterov ? d + o.momentum * buffer[i] : buffer[i])
            }
            Self.expectBitIdentical(run.values, p, "\(name) n \(n) step \(t) param")
            if o.momentum != 0 {
                let state = optimizer.stateDict()
                Self.expectBitIdentical(state["state.0.momentum_buffer"]!.scalars, buffer, "\(name) n \(n) step \(t) buffer")
            }
            let lr = Double(o.learningRate), mu = Double(o.momentum)
            var expected = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let d = Double(g[i]) + Double(o.weightDecay) * Double(p0[i])
                let b = t == 1 ? d : mu * Double(buffer0[i]) + (1 - Double(o.dampening)) * d
                expected[i] = Double(p0[i]) - lr * (o.momentum == 0 ? d : (o.nesterov ? d + mu * b : b))
            }
            Self.expectNear(run.values, expected, scale: lr, "\(name) n \(n) step \(t) vs Double")
        }
    }
}
