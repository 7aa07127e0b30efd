import LemmaTensor

/// Elman RNN with tanh (default) or ReLU.
public final class RNN: Recurrent {
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, relu: Bool = false, bias: Bool = true,
                batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false,
                generator: RandomGenerator? = nil) {
        super.init(cell: relu ? .rnnRelu : .rnnTanh, inputSize: inputSize, hiddenSize: hiddenSize,
                   numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                   bidirectional: bidirectional, generator: generator)
    }
}
