import Foundation
import LemmaDecoding
import LemmaModels
import LemmaNN
import LemmaTensor
import Testing

/// The seq2seq `transformer` preset against an `nn.Transformer` twin (scripts/make_seq2seq_fixtures.py):
/// post-LN with sinusoidal positions and pre-LN with learned ones; outputs under teacher forcing, the loss and
/// every gradient. Then what PyTorch cannot check for us: no target position sees a later one, and the
/// decoder stepping one token at a time with its key/value cache gives the whole-sequence numbers.
struct Seq2SeqTransformerTests {
    static let variants = ["post", "pre"]

    static func model(_ variant: String, dropout: Float = 0) throws -> (Seq2SeqTransformer, SafetensorsFile) {
        let file = try SafetensorsFile(url: Fixtures.url("seq2seq_transformer_\(variant).safetensors"))
        let model = Seq2SeqTransformer(sourceEmbedding: Embedding(17, 8, paddingIndex: 1), targetEmbedding: Embedding(13, 8, paddingIndex: 1),
                                       layers: 2, heads: 2, feedForward: 12, dropout: dropout, normFirst: variant == "pre",
                                       positions: variant == "pre" ? .learned : .sinusoidal, maxPositions: 16,
                                       generator: RandomGenerator(seed: 2))
        try model.loadStateDict(try Fixtures.group(file, "param."))
        return (model, file)
    }

    @Test(arguments: variants)
    func teacherForcedOutputsLossAndGradientsMatchPyTorch(_ variant: String) throws {
        let (model, file) = try Self.model(variant)
        model.train()
        let source = try file.indices("source"), target = try file.indices("target")
        let output = model(source, target: target, steps: 6, teacherForcing: 1)
        expectClose(output, try file.tensor("forced.output"), rtol: 1e-4, atol: 1e-5, "\(variant) output")
        let loss = seq2seqLoss(output, target)
        expectClose(loss, try file.tensor("forced.loss"), rtol: 1e-5, atol: 1e-5, "\(variant) loss")
        loss.backward()
        let expected = try Fixtures.group(file, "forced.grad.")
        expectGradientsMatch(model, expected, rtol: 1e-3, atol: 2e-5, "\(variant)")
    }

    @Test(arguments: variants)
    func evalModeSwitchesEveryDropoutOff(_ variant: String) throws {
        // The fixture was made without dropout; with dropout 0.5 in eval mode the numbers must be the same.
        let (model, file) = try Self.model(variant, dropout: 0.5)
        model.eval()
        let source = try file.indices("source"), target = try file.indices("target")
        let output = withNoGrad { model(source, target: target, steps: 6, teacherForcing: 1) }
        expectClose(output, try file.tensor("forced.output"), rtol: 1e-4, atol: 1e-5, "\(variant) eval-mode output with dropout 0.5")
        model.train()
        let noisy = withNoGrad { model(source, target: target, steps: 6, teacherForcing: 1) }
        #expect(noisy.scalars != output.scalars, "\(variant): dropout 0.5 in train mode changed nothing")
    }

    @Test(arguments: variants)
    func changingTargetTokenTLeavesEveryEarlierOutputUnchanged(_ variant: String) throws {
        let (model, file) = try Self.model(variant)
        model.eval()
        let source = try file.indices("source"), target = try file.indices("target")
        let (batch, length) = (target.shape[0], target.shape[1])
        let before = withNoGrad { model(source, target: target, steps: length, teacherForcing: 1) }
        let vocabulary = before.shape[2]
        for t in 0..<(length - 1) {
            var changed = target.values
            for row in 0..<batch { changed[row * length + t] = (changed[row * length + t] + 5) % 13 }
            let after = withNoGrad { model(source, target: IndexTensor(changed, shape: [batch, length]), steps: length, teacherForcing: 1) }
            for row in 0..<batch {
                // Output j predicts target j from BOS and targets before j: positions up to t cannot move…
                let upTo = (row * length * vocabulary)..<((row * length + t + 1) * vocabulary)
                #expect(Array(before.scalars[upTo]) == Array(after.scalars[upTo]), "\(variant): target \(t) leaked into earlier outputs")
                // …and the next one must (it reads target t).
                let next = ((row * length + t + 1) * vocabulary)..<((row * length + t + 2) * vocabulary)
                #expect(Array(before.scalars[next]) != Array(after.scalars[next]), "\(variant): output \(t + 1) ignores target \(t)")
            }
        }
    }

    @Test(arguments: variants)
    func steppingWithTheCacheGivesTheWholeSequenceScoresAndBeamsKeepTheirRows(_ variant: String) throws {
        let (model, file) = try Self.model(variant)
        model.eval()
        let source = try file.indices("source"), target = try file.indices("target")
        let (batch, length) = (target.shape[0], target.shape[1])
        let whole = withNoGrad { model(source, target: target, steps: length, teacherForcing: 1) }
        var state = withNoGrad { model.encode(source) }
        var tokens = [Int32](repeating: model.bos, count: batch)
        var steps: [Tensor] = []
        for t in 0..<length {
            let (logits, next) = withNoGrad { model.decodeStep(tokens, state: state) }
            steps.append(logits)
            state = next
            tokens = (0..<batch).map { target.values[$0 * length + t] }
        }
        expectClose(Tensor.stack(steps, axis: 1), whole, rtol: 1e-4, atol: 1e-5, "\(variant) cached steps")
        // Beam search through the decoding library: the n-best come back sorted, and beam 1 is greedy.
        var options = DecodingOptions(maxNewTokens: 6)
        options.stopTokens = [model.pad]
        let greedy = try withNoGrad { try model.generate(source, options: options) }
        options.beams = 3
        options.returnSequences = 3
        let beams = try withNoGrad { try model.generate(source, options: options) }
        for row in 0..<batch {
            #expect(beams[row].count == 3 && zip(beams[row], beams[row].dropFirst()).allSatisfy { $0.score >= $1.score })
            // Beam search keeps each item's own source: its best beam scores at least the greedy sequence's
            // length-normalized score (the greedy path is one of the paths it weighs).
            let g = greedy[row][0], normalized = g.score / Float(max(g.tokens.count, 1))
            #expect(beams[row][0].score >= normalized - 1e-4, "row \(row): beam \(beams[row][0]) vs greedy \(g)")
        }
    }
}
