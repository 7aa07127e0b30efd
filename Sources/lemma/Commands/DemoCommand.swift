import ArgumentParser
import Foundation
import Lemma

/// Trains a small MLP on the two-spirals problem with plain SGD and prints the loss as it falls: a check that
/// the whole engine (kernels, autograd, GEMM) works on this machine. Replaced as the main job by text
/// classification once that lands.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Train a small model and print its loss falling.")

    @Option(parsing: .unconditional, help: "Training steps.") var steps = 2000
    @Option(parsing: .unconditional, help: "Hidden units per layer.") var hidden = 64
    @Option(parsing: .unconditional, help: "Learning rate.") var learningRate: Float = 0.5
    @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 0

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        guard hidden > 0 else { throw ValidationError("--hidden must be positive") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number") }
    }

    func run() throws {
        let generator = RandomGenerator(seed: seed)
        let (inputs, labels) = Self.spirals(pointsPerClass: 256, generator: generator)
        let layers = [(2, hidden), (hidden, hidden), (hidden, 2)].map { fanIn, fanOut in
            (weight: Tensor.normal([fanOut, fanIn], std: (2 / Float(fanIn)).squareRoot(), generator: generator),
             bias: Tensor.zeros([fanOut]))
        }
        let parameters = layers.flatMap { [$0.weight, $0.bias] }
        for p in parameters { p.requiresGrad = true }

        let targets = IndexTensor(labels, shape: [labels.count, 1])
        let start = Date()
        for step in 1...steps {
            var h = inputs
            for (i, layer) in layers.enumerated() {
                h = h.linear(weight: layer.weight, bias: layer.bias)
                if i < layers.count - 1 { h = h.tanh() }
            }
            let loss = -h.logSoftmax(axis: -1).gather(axis: 1, targets).mean()
            loss.backward()
            withNoGrad {
                for p in parameters {
                    p.backend.axpy(alpha: -learningRate, p.grad!.storage, p.storage)
                    p.zeroGrad()
                }
            }
            if step == 1 || step % (steps / 10 == 0 ? 1 : steps / 10) == 0 {
                let predicted = withNoGrad { h.argmax(axis: 1) }
                let correct = zip(predicted.values, labels).filter { $0 == $1 }.count
                print(String(format: "step %5d  loss %.4f  accuracy %.3f", step, loss.item, Double(correct) / Double(labels.count)))
            }
        }
        print(String(format: "trained %d steps in %.2f s", steps, Date().timeIntervalSince(start)))
    }

    /// Two interleaved spirals, a classic problem a linear model cannot solve.
    static func spirals(pointsPerClass: Int, generator: RandomGenerator) -> (Tensor, [Int32]) {
        var points: [Float] = [], labels: [Int32] = []
        for label in 0..<2 {
            for i in 0..<pointsPerClass {
                let t = Float(i) / Float(pointsPerClass) * 3 * .pi + 0.5
                let angle = t + Float(label) * .pi
                let noise = { (generator.nextFloat() - 0.5) * 0.2 }
                points += [t * cos(angle) / 10 + noise(), t * sin(angle) / 10 + noise()]
                labels.append(Int32(label))
            }
        }
        return (Tensor(points, shape: [labels.count, 2]), labels)
    }
}
