import Foundation
import LemmaData
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain

/// Builds the seq2seq model a run configuration's `model` section describes, for the run's vocabularies.
public enum Seq2SeqFactory {
    /// The `model.arch` values that are seq2seq presets today.
    public static let presets = ["gru", "gru_attention", "transformer"]

    /// `log` receives a line about each side's pretrained-vector coverage.
    public static func make(_ c: RunConfiguration, data: Seq2SeqData, log: (String) -> Void = { _ in }) throws -> any Seq2SeqModel {
        let arch = c.string("model.arch") ?? "gru"
        guard presets.contains(arch) else {
            throw ConfigError("'model.arch' \(arch) is not a seq2seq preset (use \(presets.joined(separator: ", ")))")
        }
        let seed = UInt64(truncatingIfNeeded: c.int("train.seed") ?? 42)
        let generator = RandomGenerator(seed: seed)
        let freeze = c.bool("model.freeze_embeddings") ?? true
        func embedding(_ tokenizer: any Tokenizer, dimension: Int, vectors: String?, side: String) throws -> Embedding {
            let pad = Int(side == "source" ? data.sourcePad : data.pad)
            guard let vectors else {
                guard arch == "transformer" else {
                    return Embedding(tokenizer.vocabularySize, dimension, paddingIndex: pad, generator: generator)
                }
                // Scaled by √d on the way in and tied to the output, a transformer's table starts at std 1/√d
                // (fairseq's and Vaswani et al.'s), not PyTorch's 1: otherwise the first logits are ~√d too large.
                var values = Tensor.normal([tokenizer.vocabularySize, dimension], std: 1 / Float(dimension).squareRoot(),
                                           generator: generator).scalars
                for i in 0..<dimension { values[pad * dimension + i] = 0 }
                return Embedding(pretrained: Tensor(values, shape: [tokenizer.vocabularySize, dimension]), freeze: false,
                                 paddingIndex: pad)
            }
            guard let vocabulary = (tokenizer as? any VocabularyTokenizer)?.vocabulary else {
                throw ConfigError("pretrained vectors for the \(side) side need a word, char or latex tokenizer (one row per token)")
            }
            let match = try EmbeddingMatcher(fill: .normal(std: 0.1, seed: seed), lowercaseFallback: true)
                .match(vocabulary.tokens, from: try ClassifierFactory.openVectors(vectors))
            log(String(format: "%@ vectors %@: %d of %d tokens found (%.1f%%), %d more from subword vectors (%.1f%% in all)",
                       side, vectors, match.report.found, match.report.total, 100 * match.report.coverage,
                       match.report.fromSubwords, 100 * match.report.coverageWithSubwords))
            return Embedding(pretrained: match.matrix, freeze: freeze, paddingIndex: pad)
        }
        let hidden = c.int("model.hidden_size") ?? 256, layers = c.int("model.num_layers") ?? 2
        let sourceDimension = c.int("model.embedding_dim") ?? 300, targetDimension = c.int("model.target_embedding_dim") ?? 300
        for (key, value) in [("model.hidden_size", hidden), ("model.num_layers", layers), ("model.embedding_dim", sourceDimension),
                             ("model.target_embedding_dim", targetDimension)] where value < 1 {
            throw ConfigError("'\(key)' must be at least 1, got \(value)")
        }
        let encoderEmbedding = try embedding(data.sourceTokenizer, dimension: sourceDimension,
                                             vectors: c.string("model.pretrained_embeddings"), side: "source")
        // With one shared vocabulary the decoder reads the same vectors unless it is given its own.
        let targetVectors = c.string("model.target_pretrained_embeddings")
            ?? (c.bool("tokenizer.shared_vocab") == true ? c.string("model.pretrained_embeddings") : nil)
        let decoderEmbedding = try embedding(data.targetTokenizer, dimension: targetDimension, vectors: targetVectors, side: "target")
        if arch == "transformer" {
            let heads = c.int("model.num_heads") ?? 4, dropout = c.double("model.dropout") ?? 0.1
            guard encoderEmbedding.dimension == decoderEmbedding.dimension else {
                throw ConfigError("the transformer needs one width on both sides: 'model.embedding_dim' \(encoderEmbedding.dimension) ≠ 'model.target_embedding_dim' \(decoderEmbedding.dimension)")
            }
            guard heads >= 1, encoderEmbedding.dimension % heads == 0 else {
                throw ConfigError("'model.num_heads' \(heads) must divide the width \(encoderEmbedding.dimension)")
            }
            guard dropout >= 0 && dropout < 1 else { throw ConfigError("'model.dropout' must be in [0, 1)") }
            if c.int("train.teacher_forcing_end_epoch") != nil {
                log("note: 'train.teacher_forcing_end_epoch' is ignored by the transformer, which always reads the whole target in training")
            }
            let feedForward = c.int("model.feed_forward_dim"), maxPositions = c.int("model.max_positions") ?? 512
            if let feedForward, feedForward < 1 { throw ConfigError("'model.feed_forward_dim' must be at least 1") }
            guard maxPositions >= 2 else { throw ConfigError("'model.max_positions' must be at least 2") }
            return Seq2SeqTransformer(sourceEmbedding: encoderEmbedding, targetEmbedding: decoderEmbedding, layers: layers, heads: heads,
                                      feedForward: feedForward, dropout: Float(dropout), normFirst: c.bool("model.norm_first") ?? false,
                                      positions: c.string("model.positions") == "learned" ? .learned : .sinusoidal,
                                      maxPositions: maxPositions, bos: data.bos, pad: data.pad, sourcePad: data.sourcePad,
                                      generator: generator)
        }
        if arch == "gru_attention" {
            return Seq2SeqAttentionGRU(encoderEmbedding: encoderEmbedding, decoderEmbedding: decoderEmbedding, hiddenSize: hidden,
                                       layers: layers, bos: data.bos, pad: data.pad, generator: generator)
        }
        return Seq2SeqGRU(encoderEmbedding: encoderEmbedding, decoderEmbedding: decoderEmbedding, hiddenSize: hidden, layers: layers,
                          bos: data.bos, pad: data.pad, generator: generator)
    }
}
