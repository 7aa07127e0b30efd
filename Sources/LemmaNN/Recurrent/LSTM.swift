import LemmaTensor

/// Long short-term memory (PyTorch's `nn.LSTM`): gates i, f, g, o; carries h and c.
public final class LSTM: Recurrent {
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Float = 0, bidirectional: Bool = false, generator: RandomGenerator? = nil) {
        super.init(cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}
