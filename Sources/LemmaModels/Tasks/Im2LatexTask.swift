import Foundation
import LemmaData
import LemmaNN
import LemmaTensor
import LemmaTrain

/// A batch of formula images and their token ids: images [B, 1, H, W] (normalized; a batch mixing sizes is
/// padded with paper to its largest), decoder inputs [B, T] (BOS, then the formula) and targets [B, T] (the
/// formula, then EOS), padded with the pad id.
public struct Im2LatexBatch {
    public let images: Tensor
    public let inputs: IndexTensor, targets: IndexTensor
    public let indices: [Int]
}

/// A prepared split as the trainer's batch source. An example's "length" is its image size (width·4096 +
/// height), so the bucketed sampler groups exactly equal sizes, as im2markup's data loader does.
public struct FormulaImageSource: BatchSource {
    public let dataset: FormulaImageDataset
    public let bos: Int32, eos: Int32, pad: Int32

    public var count: Int { dataset.count }

    public func length(of index: Int) -> Int {
        let (width, height) = dataset.size(index)
        return Self.sizeKey(width: width, height: height)
    }

    /// One number per image size, ordered by width then height: the key batches are grouped by.
    public static func sizeKey(width: Int, height: Int) -> Int { width * 4096 + height }

    /// Pixels (0 ink … 255 paper) as every formula reader takes them: scaled to [0, 1], as im2markup does.
    public static func normalize(_ pixel: UInt8) -> Float { Float(pixel) / 255 }

    /// The distinct sizes, as bucket bounds for `BatchSampler.Order.bucketed`.
    public var sizeBuckets: [Int] { Array(Set((0..<count).map(length(of:)))).sorted() }

    public func batch(_ indices: [Int]) -> Im2LatexBatch {
        let images = indices.map(dataset.image)
        let tokens = indices.map(dataset.tokenIDs)
        return Self.collate(images: images, tokens: tokens, indices: indices, bos: bos, eos: eos, pad: pad)
    }

    public static func collate(images: [GrayImage], tokens: [[Int32]], indices: [Int], bos: Int32, eos: Int32, pad: Int32) -> Im2LatexBatch {
        let width = images.map(\.width).max() ?? 1, height = images.map(\.height).max() ?? 1
        var pixels = [Float](repeating: Self.normalize(255), count: images.count * width * height)
        for (b, image) in images.enumerated() {
            for y in 0..<image.height {
                for x in 0..<image.width {
                    pixels[(b * height + y) * width + x] = Self.normalize(image.pixels[y * image.width + x])
                }
            }
        }
        let steps = (tokens.map(\.count).max() ?? 0) + 1
        var inputs = [Int32](repeating: pad, count: tokens.count * steps), targets = inputs
        for (b, ids) in tokens.enumerated() {
            inputs[b * steps] = bos
            for (t, id) in ids.enumerated() {
                inputs[b * steps + t + 1] = id
                targets[b * steps + t] = id
            }
            targets[b * steps + ids.count] = eos
        }
        return Im2LatexBatch(images: Tensor(pixels, shape: [images.count, 1, height, width]),
                             inputs: IndexTensor(inputs, shape: [tokens.count, steps]),
                             targets: IndexTensor(targets, shape: [tokens.count, steps]), indices: indices)
    }
}

/// im2latex for the trainer: the model's teacher-forced scores against the formula (cross-entropy over real
/// tokens, pads ignored), as im2markup trains; evaluation gives that loss, its perplexity and the share of
/// tokens predicted right under teacher forcing. Decoded metrics (BLEU, edit distance, exact match) come
/// from the run's final evaluation, which decodes with beam search.
public final class Im2LatexTask: TrainingTask {
    public let reader: any FormulaReader

    public init(model: any FormulaReader) { reader = model }

    public var model: Module { reader }

    public func loss(on batch: Im2LatexBatch) -> Tensor {
        let logits = reader(batch.images, inputs: batch.inputs)
        let (b, t) = (batch.targets.shape[0], batch.targets.shape[1])
        return crossEntropy(logits.reshaped([b * t, -1]), batch.targets.reshaped([b * t]), ignoreIndex: reader.pad)
    }

    public func exampleCount(of batch: Im2LatexBatch) -> Int { batch.indices.count }

    public func evaluate(_ batches: AnySequence<Im2LatexBatch>) -> Evaluation {
        var lossSum = 0.0, tokens = 0, correct = 0
        for batch in batches {
            let logits = reader(batch.images, inputs: batch.inputs)
            let (b, t) = (batch.targets.shape[0], batch.targets.shape[1])
            let flat = logits.reshaped([b * t, -1])
            let real = batch.targets.values.filter { $0 != reader.pad }.count
            let loss = crossEntropy(flat, batch.targets.reshaped([b * t]), ignoreIndex: reader.pad)
            lossSum += Double(loss.item) * Double(real)
            tokens += real
            let best = flat.argmax(axis: 1).values
            for (predicted, target) in zip(best, batch.targets.values) where target != reader.pad && predicted == target {
                correct += 1
            }
        }
        let loss = tokens > 0 ? lossSum / Double(tokens) : .nan
        return Evaluation(metrics: ["loss": loss, "perplexity": exp(loss),
                                    "token_accuracy": tokens > 0 ? Double(correct) / Double(tokens) : .nan])
    }
}
