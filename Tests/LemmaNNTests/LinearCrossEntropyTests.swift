import LemmaNN
import LemmaTensor
import Testing

/// The fused output-layer loss against the loss of the materialized scores: the same value and the same
/// gradients for the input, weight and bias, over several chunks of rows, with ignored positions and class
/// weights.
struct LinearCrossEntropyTests {
    struct Setting: Sendable, CustomTestStringConvertible {
        let rows, features, classes: Int
        let bias, classWeights: Bool
        let reduction: Reduction
        var testDescription: String { "\(rows)×\(features) → \(classes), bias \(bias), class weights \(classWeights), \(reduction)" }
    }

    static let settings: [Setting] = [
        Setting(rows: 7, features: 5, classes: 11, bias: true, classWeights: false, reduction: .mean),
        // 20,000 classes make chunks of 104 rows: three chunks, the last one short.
        Setting(rows: 250, features: 8, classes: 20_000, bias: true, classWeights: false, reduction: .mean),
        Setting(rows: 250, features: 8, classes: 20_000, bias: false, classWeights: true, reduction: .sum),
    ]

    @Test(arguments: settings)
    func matchesTheLossOfTheScores(_ s: Setting) {
        let g = RandomGenerator(seed: 21)
        let input = Tensor.normal([s.rows, s.features], generator: g), weight = Tensor.normal([s.classes, s.features], std: 0.5, generator: g)
        let bias = s.bias ? Tensor.normal([s.classes], generator: g) : nil
        let classWeights = s.classWeights ? Tensor.uniform([s.classes], low: 0.5, high: 2, generator: g) : nil
        // Every fifth position is padding (id 1, ignored).
        let targets = IndexTensor((0..<s.rows).map { $0 % 5 == 4 ? 1 : Int32(2 + g.nextInt(below: s.classes - 2)) }, shape: [s.rows])
        func run(fused: Bool) -> (loss: Float, grads: [[Float]]) {
            let leaves = [input, weight] + (bias.map { [$0] } ?? [])
            let copies = leaves.map { t -> Tensor in let c = t.copied(); c.requiresGrad = true; return c }
            let b = s.bias ? copies[2] : nil
            let loss = fused
                ? linearCrossEntropy(copies[0], weight: copies[1], bias: b, targets: targets, classWeights: classWeights, ignoreIndex: 1, reduction: s.reduction)
                : crossEntropy(copies[0].linear(weight: copies[1], bias: b), targets, classWeights: classWeights, ignoreIndex: 1, reduction: s.reduction)
            (loss * 3).backward()  // an upstream gradient other than 1
            return (loss.item, copies.map { $0.grad!.scalars })
        }
        let fused = run(fused: true), reference = run(fused: false)
        #expect(Swift.abs(fused.loss - reference.loss) <= 1e-5 * Swift.max(1, Swift.abs(reference.loss)))
        for (which, (a, b)) in zip(["input", "weight", "bias"], zip(fused.grads, reference.grads)) {
            let worst = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
            let scale = b.map { Swift.abs($0) }.max() ?? 1
            #expect(worst <= 1e-5 * Swift.max(scale, 1e-3), "\(which): differs by \(worst) (largest \(scale))")
        }
    }

    @Test func withoutGradientsItOnlyComputesTheLoss() {
        let g = RandomGenerator(seed: 3)
        let input = Tensor.normal([40, 6], generator: g), weight = Tensor.normal([30, 6], generator: g)
        weight.requiresGrad = true
        let targets = IndexTensor((0..<40).map { Int32($0 % 30) }, shape: [40])
        let loss = withNoGrad { linearCrossEntropy(input, weight: weight, targets: targets) }
        #expect(!loss.requiresGrad)
        #expect(Swift.abs(loss.item - withNoGrad { crossEntropy(input.linear(weight: weight), targets) }.item) < 1e-5)
    }
}

extension LinearCrossEntropyTests {
    @Test func anEmptyBatchGivesZeroGradients() {
        let weight = Tensor.normal([9, 4], generator: RandomGenerator(seed: 1)), bias = Tensor.zeros([9])
        weight.requiresGrad = true
        bias.requiresGrad = true
        linearCrossEntropy(Tensor.zeros([0, 4]), weight: weight, bias: bias, targets: IndexTensor([Int32](), shape: [0]),
                           reduction: .sum).backward()
        #expect(weight.grad?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(bias.grad?.scalars.allSatisfy { $0 == 0 } == true)
    }
}
