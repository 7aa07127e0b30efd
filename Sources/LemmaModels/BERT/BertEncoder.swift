import Foundation
import LemmaData
import LemmaNN
import LemmaTensor
import LemmaText

/// Sentence embeddings from a BERT directory, as sentence-transformers computes them: WordPiece ids
/// ([CLS] … [SEP], cut to the maximum length), the model's token states, pooling over real tokens, and
/// L2 normalization when the pipeline has it (all-MiniLM-L6-v2: mean pooling, normalized, 256 tokens).
public final class BertEncoder {
    public let model: BertModel
    public let tokenizer: WordPieceTokenizer
    public let settings: SentenceEmbeddingSettings
    /// Tokens per text, [CLS] and [SEP] included.
    public let maxLength: Int

    /// Loads config.json, model.safetensors, the tokenizer (tokenizer.json or vocab.txt) and the
    /// sentence-transformers settings from `directory`. The model is in evaluation mode.
    public convenience init(directory: URL) throws {
        let model = try BertModel(directory: directory, addPoolingLayer: false)
        let settings = try SentenceEmbeddingSettings(directory: directory)
        var limit = settings.maxLength ?? model.configuration.maxPositions
        if settings.maxLength == nil, let tokenizerLimit = try BertTokenizerFiles.modelMaxLength(directory: directory) {
            limit = min(limit, tokenizerLimit)
        }
        let tokenizer = try BertTokenizerFiles.load(directory: directory)
        guard tokenizer.vocabularySize <= model.configuration.vocabularySize else {
            throw FileFormatError(directory.path, "the tokenizer has \(tokenizer.vocabularySize) tokens but config.json's vocab_size is \(model.configuration.vocabularySize)")
        }
        self.init(model: model, tokenizer: tokenizer, settings: settings, maxLength: limit)
    }

    public init(model: BertModel, tokenizer: WordPieceTokenizer, settings: SentenceEmbeddingSettings = .init(), maxLength: Int? = nil) {
        let limit = min(maxLength ?? settings.maxLength ?? model.configuration.maxPositions, model.configuration.maxPositions)
        precondition(limit >= 2, "BertEncoder: maxLength must leave room for [CLS] and [SEP], got \(limit)")
        precondition(tokenizer.vocabularySize <= model.configuration.vocabularySize,
                     "BertEncoder: the tokenizer has \(tokenizer.vocabularySize) ids but the model only \(model.configuration.vocabularySize)")
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self.maxLength = limit
    }

    public var dimension: Int { model.configuration.hiddenSize }

    /// The ids the model reads for `text`: [CLS] + pieces + [SEP], at most `maxLength`.
    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(settings.lowercaseText ? text.lowercased() : text, maxLength: maxLength, padToMaxLength: false).ids
    }

    /// The ids `text` would take untruncated ([CLS] and [SEP] included): more than `maxLength` means the model
    /// reads only the first `maxLength`.
    public func tokenCount(_ text: String) -> Int {
        tokenizer.encode(settings.lowercaseText ? text.lowercased() : text, maxLength: Int.max, padToMaxLength: false).ids.count
    }

    /// Embeddings [texts.count, dimension], row i for texts[i], computed in evaluation mode without
    /// gradients. Texts are batched by similar length (less padding; results do not depend on the
    /// batching). `normalize` overrides the pipeline's setting.
    public func embed(_ texts: [String], batchSize: Int = 32, normalize: Bool? = nil) -> Tensor {
        precondition(batchSize >= 1, "BertEncoder.embed: batchSize must be >= 1, got \(batchSize)")
        let ids = texts.map(tokenize)
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
        let collator = Collator(padID: tokenizer.specialTokenIDs.pad ?? 0)
        let shouldNormalize = normalize ?? settings.normalize
        // Embeddings come without dropout even mid-training, and training mode is restored after.
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var rows = [Float](repeating: 0, count: texts.count * dimension)
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let members = Array(order[start..<min(start + batchSize, order.count)])
            let batch = collator.collate(members.map { ids[$0] })
            var pooled = withNoGrad { settings.pooling(model(batch).lastHiddenState, attentionMask: batch.attentionMask) }
            if shouldNormalize { pooled = withNoGrad { pooled.l2Normalized() } }
            pooled.withUnsafeBufferPointer { values in
                for (row, index) in members.enumerated() {
                    for j in 0..<dimension { rows[index * dimension + j] = values[row * dimension + j] }
                }
            }
        }
        return Tensor(rows, shape: [texts.count, dimension])
    }
}
