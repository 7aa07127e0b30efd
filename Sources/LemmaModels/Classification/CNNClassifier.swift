import LemmaData
import LemmaNN
import LemmaTensor

/// Seed 004's SimpleCNN, with Kim (2014)'s several filter widths: embeddings → one Conv1d per width over
/// time → ReLU → max over time → concatenated → dropout → linear.
///
/// Padding never changes a sequence's logits: padded positions are zeroed before the convolution (so a row
/// sees zeros past its end, exactly as when it is alone and the convolution zero-pads it), and convolution
/// outputs whose window starts past the row's end are masked out of the max. A sequence shorter than a
/// filter is treated as zero-padded to the filter's width: its one window covers it all.
public final class CNNClassifier: Module, TextClassifier {
    public let embeddings: Embedding
    /// One per filter width; PyTorch keys `convolutions.<i>.weight`.
    public let convolutions: [Conv1d]
    public let dropout: Dropout
    public let classifier: Linear

    /// Defaults are the seed's: 10 filters of width 3, padding 1, no dropout.
    public init(embeddings: Embedding, classCount: Int, numFilters: Int = 10, filterSizes: [Int] = [3],
                padding: Int = 1, dropout: Float = 0, generator: RandomGenerator? = nil) {
        guard !filterSizes.isEmpty, filterSizes.allSatisfy({ $0 >= 1 }), numFilters >= 1, classCount >= 1, padding >= 0 else {
            fatalError("CNNClassifier: needs positive filter widths (got \(filterSizes)), filter count (\(numFilters)) and class count (\(classCount)), and padding >= 0 (\(padding))")
        }
        self.embeddings = embeddings
        convolutions = filterSizes.map {
            Conv1d(embeddings.dimension, numFilters, kernelSize: $0, padding: padding, generator: generator)
        }
        self.dropout = Dropout(dropout)
        classifier = Linear(numFilters * filterSizes.count, classCount, generator: generator)
        super.init()
    }

    public var classCount: Int { classifier.outFeatures }

    public func logits(_ batch: Batch) -> Tensor {
        let rows = batch.ids.shape[0], length = batch.ids.shape[1], dimension = embeddings.dimension
        let hasPadding = batch.lengths.contains { $0 < length }
        var vectors = embeddings(batch.ids)
        if hasPadding { vectors = vectors * batch.attentionMask.reshaped([rows, length, 1]) }
        var x = vectors.transposed(1, 2)  // [B, E, L], channels first as Conv1d wants
        // The whole batch may be shorter than a filter: widen it with zeros so every row has one window.
        let shortestInput = convolutions.map { $0.weight.shape[2] - 2 * $0.padding }.max()!
        if length < shortestInput {
            x = Tensor.concat([x, Tensor.zeros([rows, dimension, shortestInput - length])], axis: 2)
        }
        let pooled = convolutions.map { convolution in
            var activations = convolution(x).relu()  // [B, F, T']
            if let pastEnd = windowsPastEnd(convolution, batch, outputLength: activations.shape[2]) {
                activations = activations.maskedFill(pastEnd, -Float.infinity)
            }
            return activations.max(axis: 2).values  // [B, F]
        }
        let features = pooled.count == 1 ? pooled[0] : Tensor.concat(pooled, axis: 1)
        return classifier(dropout(features))
    }

    /// 1 where an output position exists only because of batch padding, [B, 1, T']; nil if there is none.
    private func windowsPastEnd(_ convolution: Conv1d, _ batch: Batch, outputLength: Int) -> Tensor? {
        let width = convolution.weight.shape[2]
        var mask = [Float](repeating: 0, count: batch.lengths.count * outputLength)
        var any = false
        for (row, length) in batch.lengths.enumerated() {
            let windows = max(1, length + 2 * convolution.padding - width + 1)
            for t in windows..<max(windows, outputLength) {
                mask[row * outputLength + t] = 1
                any = true
            }
        }
        return any ? Tensor(mask, shape: [batch.lengths.count, 1, outputLength]) : nil
    }
}
