import LemmaNN
import LemmaTensor

/// Token, position and segment embeddings, summed, then layer norm and dropout (keys `word_embeddings`,
/// `position_embeddings`, `token_type_embeddings`, `LayerNorm`). Positions count from 0 at the first
/// column, padding or not, as in transformers.
public final class BertEmbeddings: Module {
    public let wordEmbeddings: Embedding
    public let positionEmbeddings: Embedding
    public let tokenTypeEmbeddings: Embedding
    public let layerNorm: LayerNorm
    let dropout: Dropout

    init(_ configuration: BertConfiguration, generator: RandomGenerator?, randomWeights: Bool) {
        let h = configuration.hiddenSize
        func table(_ rows: Int, paddingIndex: Int? = nil) -> Embedding {
            randomWeights ? Embedding(rows, h, paddingIndex: paddingIndex, generator: generator)
                : Embedding(pretrained: Tensor.zeros([rows, h]), freeze: false, paddingIndex: paddingIndex)
        }
        wordEmbeddings = table(configuration.vocabularySize, paddingIndex: configuration.padTokenID)
        positionEmbeddings = table(configuration.maxPositions)
        tokenTypeEmbeddings = table(configuration.tokenTypeCount)
        layerNorm = LayerNorm(h, eps: configuration.layerNormEps)
        dropout = Dropout(configuration.hiddenDropout)
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        [("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
         ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", layerNorm), ("dropout", dropout)]
    }

    /// ids and tokenTypeIDs [B, T] → [B, T, H]. Without tokenTypeIDs every token is segment 0.
    public func callAsFunction(ids: IndexTensor, tokenTypeIDs: IndexTensor? = nil) -> Tensor {
        precondition(ids.shape.count == 2, "BertEmbeddings: ids must be [batch, length], got \(ids.shape)")
        let length = ids.shape[1]
        precondition(length <= positionEmbeddings.count,
                     "BertEmbeddings: sequence length \(length) exceeds max_position_embeddings \(positionEmbeddings.count)")
        if let tokenTypeIDs {
            precondition(tokenTypeIDs.shape == ids.shape, "BertEmbeddings: token type ids \(tokenTypeIDs.shape) must match ids \(ids.shape)")
        }
        let words = wordEmbeddings(ids)
        // [T, H] and [1, H] rows broadcast over the batch instead of being gathered per token.
        let positions = positionEmbeddings.weight.slice(axis: 0, 0..<length)
        let segments = tokenTypeIDs.map { tokenTypeEmbeddings($0) } ?? tokenTypeEmbeddings.weight.slice(axis: 0, 0..<1)
        return dropout(layerNorm(words + positions + segments))
    }
}
