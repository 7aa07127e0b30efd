import Foundation
import LemmaData
import LemmaNN
import LemmaTensor
import LemmaTrain

/// A batch of language-model windows: `inputs` [B, T] and `targets` [B, T], the same tokens one to the right.
public struct LanguageModelBatch {
    public let inputs: IndexTensor
    public let targets: IndexTensor
}

/// Causal language modelling for the trainer: the mean next-token cross-entropy over every position of every
/// window; evaluation gives that loss over all tokens and its perplexity.
public final class LanguageModelTask: TrainingTask {
    public let gpt2: GPT2Model

    public init(model: GPT2Model) { gpt2 = model }

    public var model: Module { gpt2 }

    public func loss(on batch: LanguageModelBatch) -> Tensor {
        gpt2.loss(inputs: batch.inputs, targets: batch.targets)
    }

    public func exampleCount(of batch: LanguageModelBatch) -> Int { batch.inputs.shape[0] }

    public func evaluate(_ batches: AnySequence<LanguageModelBatch>) -> Evaluation {
        var sum = 0.0, tokens = 0
        for batch in batches {
            let count = batch.targets.count
            sum += Double(gpt2.loss(inputs: batch.inputs, targets: batch.targets).item) * Double(count)
            tokens += count
        }
        let loss = tokens > 0 ? sum / Double(tokens) : .nan
        return Evaluation(metrics: ["loss": loss, "perplexity": exp(loss)])
    }
}

/// A token stream cut into training windows of `blockSize` + 1 tokens, consecutive windows sharing one token,
/// so every token but the first is predicted exactly once per epoch (nanoGPT's and llm.c's layout).
public struct TokenWindows: BatchSource {
    public let stream: TokenStream
    public let blockSize: Int

    public init(_ stream: TokenStream, blockSize: Int) {
        precondition(blockSize > 0, "TokenWindows: block size must be positive")
        self.stream = stream
        self.blockSize = blockSize
    }

    public var count: Int { max(0, (stream.count - 1) / blockSize) }
    public func length(of index: Int) -> Int { blockSize }

    public func batch(_ indices: [Int]) -> LanguageModelBatch {
        var inputs: [Int32] = [], targets: [Int32] = []
        inputs.reserveCapacity(indices.count * blockSize)
        targets.reserveCapacity(indices.count * blockSize)
        for index in indices {
            let window = stream.ids((index * blockSize)..<(index * blockSize + blockSize + 1))
            inputs += window.dropLast()
            targets += window.dropFirst()
        }
        return LanguageModelBatch(inputs: IndexTensor(inputs, shape: [indices.count, blockSize]),
                                  targets: IndexTensor(targets, shape: [indices.count, blockSize]))
    }
}
