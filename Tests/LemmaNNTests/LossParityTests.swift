import LemmaNN
import LemmaTensor
import Testing

/// Losses against torch.nn.functional: values and gradients with respect to the logits.
struct LossParityTests {
    let file = Fixtures.layers

    func check(_ name: String, _ loss: (Tensor) -> Tensor) throws {
        let logits = try file.tensor("loss.logits")
        logits.requiresGrad = true
        let value = loss(logits)
        expectClose(value, try file.tensor("loss.\(name).value"), "\(name) value")
        value.backward()
        expectClose(logits.grad, try file.tensor("loss.\(name).grad"), "\(name) gradient")
    }

    @Test func crossEntropyVariants() throws {
        let targets = try file.indices("loss.targets")
        let weights = try file.tensor("loss.class_weights")
        try check("ce") { crossEntropy($0, targets) }
        try check("ce_weighted") { crossEntropy($0, targets, classWeights: weights) }
        try check("ce_smooth") { crossEntropy($0, targets, labelSmoothing: 0.1) }
        try check("ce_weighted_smooth") { crossEntropy($0, targets, classWeights: weights, labelSmoothing: 0.2) }
        try check("ce_sum") { crossEntropy($0, targets, reduction: .sum) }
    }

    @Test func binaryAndRegressionLosses() throws {
        let binary = try file.tensor("loss.binary_targets")
        let positiveWeight = try file.tensor("loss.pos_weight")
        try check("bce") { binaryCrossEntropyWithLogits($0, binary, positiveWeight: positiveWeight) }
        try check("mse") { mseLoss($0, binary) }
    }

    @Test func sequenceLossIgnoresPadding() {
        let logits = Tensor.normal([2, 3, 5], generator: RandomGenerator(seed: 1))
        let targets = IndexTensor([1, 4, 0, 2, 0, 0], shape: [2, 3])
        let padded = sequenceCrossEntropy(logits, targets, padIndex: 0).item
        // Equal to the mean over the three real tokens.
        let rows = logits.reshaped([6, 5]).logSoftmax(axis: -1).scalars
        let expected = -(rows[0 * 5 + 1] + rows[1 * 5 + 4] + rows[3 * 5 + 2]) / 3
        #expect(Swift.abs(padded - expected) < 1e-5)
    }
}
