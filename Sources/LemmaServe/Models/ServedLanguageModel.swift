import Foundation
import LemmaDecoding
import LemmaModels
import LemmaText

/// A GPT-2 run or Hugging Face GPT-2 directory, generating with continuous batching.
final class ServedLanguageModel: ServedModel, @unchecked Sendable {
    let name: String
    let kind = ModelKind.languageModel
    let model: GPT2Model
    let tokenizer: GPT2Tokenizer
    let endOfText: Int32
    /// Sampling settings a request does not give (a run's `decoding.*`; else plain sampling).
    let defaults: DecodingOptions
    let scheduler: GenerationScheduler<GPT2ContinuousStep>

    init(name: String, model: GPT2Model, tokenizer: GPT2Tokenizer, defaults: DecodingOptions?, executor: ComputeExecutor,
         options: ServeOptions, metrics: ServerMetrics) {
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        endOfText = tokenizer.specialTokens[GPT2Tokenizer.endOfText] ?? 50256
        var base = defaults ?? DecodingOptions(maxNewTokens: 16)
        base.sampling = true
        base.stopTokens = [endOfText]
        self.defaults = base
        model.eval()
        scheduler = GenerationScheduler(name: name, step: GPT2ContinuousStep(model), executor: executor, options: options, metrics: metrics)
    }

    var maxPositions: Int { model.configuration.maxPositions }

    var details: [String: Any] {
        ["task": "language_model", "max_positions": maxPositions, "vocabulary_size": model.configuration.vocabularySize]
    }

    /// The prompt's tokens (`<|endoftext|>` alone for an empty prompt, as GPT-2 samples unconditionally).
    /// A model trained with a smaller vocabulary than its tokenizer's cannot read every text.
    func promptIDs(_ text: String) throws -> [Int32] {
        let encoded = tokenizer.encode(text, allowedSpecial: [GPT2Tokenizer.endOfText])
        let ids = encoded.isEmpty ? [endOfText] : encoded
        let size = model.configuration.vocabularySize
        if let outside = ids.first(where: { Int($0) >= size }) {
            throw APIError.invalid("the prompt has token \(outside), outside this model's vocabulary of \(size)", code: "token_out_of_vocabulary")
        }
        return ids
    }
}
