import Foundation
import LemmaData
import LemmaModels

/// An im2latex run: images cropped, padded and bucketed as in training, batched dynamically per beam size
/// (the run groups each batch by image size itself).
final class ServedIm2Latex: ServedModel, @unchecked Sendable {
    /// Pixels an uploaded image may have (4096 × 4096): formula images are far smaller.
    static let maxPixels = 1 << 24

    let name: String
    let kind = ModelKind.im2latex
    let run: Im2LatexRun
    let queue: BatchQueue<GrayImage, [Int32]>

    init(name: String, run: Im2LatexRun, executor: ComputeExecutor, options: ServeOptions, metrics: ServerMetrics) {
        self.name = name
        self.run = run
        queue = BatchQueue(name: name, executor: executor, options: options, metrics: metrics) { images, key in
            try run.decode(images, batchSize: images.count, beams: key as? Int)
        }
    }

    var details: [String: Any] {
        let largest = run.data.preprocessing.largestBucket
        return ["task": "im2latex", "vocabulary_size": run.data.tokenizer.vocabularySize, "largest_image": [largest.width, largest.height]]
    }

    /// The processed image of PNG bytes; a 400 naming `name` if it is not a PNG, too large, or blank.
    func image(_ data: Data, name: String) throws -> GrayImage {
        let decoded: GrayImage
        do { decoded = try PNGCodec.decode(data, name: name, maxPixels: Self.maxPixels) } catch {
            throw APIError.invalid("\(error)", code: "invalid_image")
        }
        guard let processed = run.data.preprocessing.process(decoded) else {
            throw APIError.invalid("\(name): the image is blank (no pixel darker than the paper)", code: "invalid_image")
        }
        return processed
    }

    func transcribe(_ images: [GrayImage], beams: Int?) async throws -> [(latex: String, tokens: Int)] {
        let costs = images.map { max(1, $0.width * $0.height / 256) }
        let outputs = try await queue.submit(images, costs: costs, key: beams.map { AnyHashable($0) } ?? AnyHashable("default"))
        return outputs.map { (run.latex($0), $0.count) }
    }
}
