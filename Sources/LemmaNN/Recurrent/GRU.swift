import LemmaTensor

/// Gated recurrent unit (PyTorch's `nn.GRU`): gates r, z, n, with r applied to W_hn h + b_hn.
public final class GRU: Recurrent {
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Float = 0, bidirectional: Bool = false, generator: RandomGenerator? = nil) {
        super.init(cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}
