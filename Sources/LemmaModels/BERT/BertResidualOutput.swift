import LemmaNN
import LemmaTensor

/// The projection that closes each half of a BERT layer: dense → dropout → add the half's input → layer
/// norm (keys `dense`, `LayerNorm`). transformers calls it BertSelfOutput after attention and BertOutput
/// after the feed-forward block; only the input width differs.
public final class BertResidualOutput: Module {
    public let dense: Linear
    public let layerNorm: LayerNorm
    let dropout: Dropout

    init(inputSize: Int, _ configuration: BertConfiguration, generator: RandomGenerator?) {
        dense = Linear(inputSize, configuration.hiddenSize, generator: generator)
        layerNorm = LayerNorm(configuration.hiddenSize, eps: configuration.layerNormEps)
        dropout = Dropout(configuration.hiddenDropout)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { [("dense", dense), ("LayerNorm", layerNorm), ("dropout", dropout)] }

    func callAsFunction(_ x: Tensor, residual: Tensor) -> Tensor {
        layerNorm(dropout(dense(x)) + residual)
    }
}
