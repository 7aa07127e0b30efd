import Foundation
import LemmaDecoding
import LemmaModels
import LemmaNN
import LemmaTensor
import Testing

/// The seq2seq `gru` model against seed 002's `Seq2SeqRNN` in PyTorch (scripts/make_seq2seq_fixtures.py):
/// outputs with teacher forcing and without, seed 002's loss, and every gradient.
struct Seq2SeqGRUParityTests {
    static let file = try! SafetensorsFile(url: Fixtures.url("seq2seq_gru.safetensors"))

    static func loadedModel() throws -> Seq2SeqGRU {
        let model = Seq2SeqGRU(encoderEmbedding: Embedding(17, 7, paddingIndex: 1), decoderEmbedding: Embedding(13, 7, paddingIndex: 1),
                               hiddenSize: 6, generator: RandomGenerator(seed: 1))
        try model.loadStateDict(try Fixtures.group(file, "param."))
        model.eval()
        return model
    }

    @Test func teacherForcedOutputsLossAndGradientsMatchPyTorch() throws {
        let model = try Self.loadedModel()
        let source = try Self.file.indices("source"), target = try Self.file.indices("target")
        let output = model(source, target: target, steps: 5, teacherForcing: 1)
        expectClose(output, try Self.file.tensor("forced.output"), rtol: 1e-5, atol: 1e-5, "teacher-forced output")
        let loss = seq2seqLoss(output, target)
        expectClose(loss, try Self.file.tensor("forced.loss"), rtol: 1e-5, atol: 1e-5, "seq2seq_loss")
        loss.backward()
        var expected = try Fixtures.group(Self.file, "forced.grad.")
        // The seed ties by sharing data between two parameters; their two gradients are this one tensor's.
        let tied = expected.removeValue(forKey: "out.weight")!
        expected["emb_dec.weight"] = expected["emb_dec.weight"]! + tied
        let trainable = model.namedParameters().filter { $0.tensor.requiresGrad }
        #expect(Set(trainable.map(\.key)) == Set(expected.keys))
        for (key, parameter) in trainable {
            guard let gradient = expected[key] else { continue }
            expectClose(parameter.grad, gradient, rtol: 1e-4, atol: 1e-5, "grad \(key)")
        }
    }

    @Test func freeRunningOutputsMatchPyTorchAndGreedyDecodingReadsTheSameTokens() throws {
        let model = try Self.loadedModel()
        let source = try Self.file.indices("source")
        let output = withNoGrad { model(source, steps: 7) }
        let expected = try Self.file.tensor("free.output")
        expectClose(output, expected, rtol: 1e-5, atol: 1e-5, "output fed its own best tokens")
        // The decoding library's greedy search through the model's DecoderStep picks the same tokens.
        var options = DecodingOptions(maxNewTokens: 7)
        options.stopTokens = [model.pad]
        let state = withNoGrad { model.encode(source) }
        let decoded = try withNoGrad {
            try Decoder(Seq2SeqGRU.Step(model: model), options: options)
                .decode(prompts: Array(repeating: [model.bos], count: 3), state: state)
        }
        let best = output.argmax(axis: 2).values
        for row in 0..<3 {
            let tokens = decoded[row][0].tokens
            #expect(tokens == Array(best[(row * 7)..<(row * 7 + tokens.count)]), "row \(row)")
        }
    }
}
