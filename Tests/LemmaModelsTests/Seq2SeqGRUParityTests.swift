import Foundation
import LemmaDecoding
import LemmaModels
import LemmaNN
import LemmaTensor
import Testing

/// The seq2seq `gru` and `gru_attention` models against seed 002's `Seq2SeqRNN` and fastai course-nlp 7b's
/// `Seq2SeqRNN_attn` in PyTorch (scripts/make_seq2seq_fixtures.py): outputs with teacher forcing and
/// without, seed 002's loss, every gradient, and greedy decoding through the decoding library.
struct Seq2SeqGRUParityTests {
    static let presets = ["gru", "gru_attention"]

    static func file(_ preset: String) throws -> SafetensorsFile {
        try SafetensorsFile(url: Fixtures.url("seq2seq_\(preset).safetensors"))
    }

    static func loadedModel(_ preset: String) throws -> any Seq2SeqModel {
        let embeddings = (Embedding(17, 7, paddingIndex: 1), Embedding(13, 7, paddingIndex: 1))
        let model: any Seq2SeqModel = preset == "gru"
            ? Seq2SeqGRU(encoderEmbedding: embeddings.0, decoderEmbedding: embeddings.1, hiddenSize: 6, generator: RandomGenerator(seed: 1))
            : Seq2SeqAttentionGRU(encoderEmbedding: embeddings.0, decoderEmbedding: embeddings.1, hiddenSize: 6,
                                  generator: RandomGenerator(seed: 1))
        try model.loadStateDict(try Fixtures.group(try file(preset), "param."))
        model.eval()
        return model
    }

    @Test(arguments: presets)
    func teacherForcedOutputsLossAndGradientsMatchPyTorch(_ preset: String) throws {
        let model = try Self.loadedModel(preset), file = try Self.file(preset)
        let source = try file.indices("source"), target = try file.indices("target")
        let output = model(source, target: target, steps: 5, teacherForcing: 1)
        expectClose(output, try file.tensor("forced.output"), rtol: 1e-5, atol: 1e-5, "\(preset) teacher-forced output")
        let loss = seq2seqLoss(output, target)
        expectClose(loss, try file.tensor("forced.loss"), rtol: 1e-5, atol: 1e-5, "\(preset) seq2seq_loss")
        loss.backward()
        var expected = try Fixtures.group(file, "forced.grad.")
        // The seed ties by sharing data between two parameters; their two gradients are this one tensor's.
        let tied = expected.removeValue(forKey: "out.weight")!
        expected["emb_dec.weight"] = expected["emb_dec.weight"]! + tied
        expectGradientsMatch(model, expected, rtol: 1e-4, atol: 1e-5, "\(preset)")
    }

    /// Seed 002's `seq2seq_loss` where output and targets differ in length: a shorter output is padded with the
    /// constant pad index as every score, shorter targets with the pad; pads count in the mean. Loss and its
    /// gradient by the output against the seed's function in PyTorch.
    @Test(arguments: ["shorter", "longer"])
    func seq2seqLossPadsTheShorterSideAsTheSeedDoes(_ name: String) throws {
        let file = try SafetensorsFile(url: Fixtures.url("seq2seq_loss.safetensors"))
        let output = try file.tensor("\(name).output"), target = try file.indices("\(name).target")
        #expect(output.shape[1] != target.shape[1])
        output.requiresGrad = true
        let loss = seq2seqLoss(output, target)
        expectClose(loss, try file.tensor("\(name).loss"), rtol: 1e-5, atol: 1e-6, "\(name) seq2seq_loss")
        loss.backward()
        expectClose(output.grad, try file.tensor("\(name).grad"), rtol: 1e-5, atol: 1e-6, "\(name) gradient")
    }

    /// The seed's loop as written: score each step, take its best tokens, stop if all are the pad, then draw
    /// whether to feed the target instead.
    static func seedLoop<M: Seq2SeqModel>(_ m: M, _ source: IndexTensor, _ target: IndexTensor, steps: Int, forcing: Float) -> Tensor {
        var state = m.encode(source), input = [Int32](repeating: m.bos, count: source.shape[0])
        var outputs: [Tensor] = []
        for i in 0..<steps {
            let (logits, next) = m.decodeStep(input, state: state)
            state = next
            outputs.append(logits)
            input = withNoGrad { logits.argmax(axis: 1) }.values
            if input.allSatisfy({ $0 == m.pad }) { break }
            if forcing >= 1 || Tensor.uniform([1]).item < forcing {
                guard i < target.shape[1] else { continue }
                input = (0..<source.shape[0]).map { target.values[$0 * target.shape[1] + i] }
            }
        }
        return Tensor.stack(outputs, axis: 1)
    }

    @Test(arguments: presets)
    func deferredScoringIsTheSeedsLoopDrawForDraw(_ preset: String) throws {
        let file = try Self.file(preset)
        let source = try file.indices("source"), target = try file.indices("target")
        // Training mode (every dropout on), forcing 0.75 and 1, 7 steps for a 5-token target (the last two
        // feed the model's own tokens): the same scores, loss and gradients from both loops, same seed.
        for forcing: Float in [0.75, 1] {
            func run(deferred: Bool) throws -> (output: Tensor, gradients: [String: Tensor]) {
                let model = try Self.loadedModel(preset)
                model.train()
                let output = Random.using(RandomGenerator(seed: 9)) {
                    deferred ? model(source, target: target, steps: 7, teacherForcing: forcing)
                             : Self.seedLoop(model, source, target, steps: 7, forcing: forcing)
                }
                seq2seqLoss(output, target).backward()
                return (output, Dictionary(uniqueKeysWithValues: model.namedParameters().compactMap { p in p.tensor.grad.map { (p.key, $0) } }))
            }
            let (deferred, reference) = (try run(deferred: true), try run(deferred: false))
            expectClose(deferred.output, reference.output, rtol: 1e-5, atol: 1e-6, "\(preset) forcing \(forcing) scores")
            #expect(deferred.gradients.count == reference.gradients.count && !reference.gradients.isEmpty)
            for (key, gradient) in reference.gradients {
                expectClose(deferred.gradients[key], gradient, rtol: 1e-4, atol: 1e-6, "\(preset) forcing \(forcing) grad \(key)")
            }
        }
        // A pad that every row prefers at every step: the seed's loop stops after its first step, and so do the
        // deferred scores, though that step was forced.
        let model = try Self.loadedModel(preset)
        var weights = try Fixtures.group(file, "param.")
        let bias = try #require(weights["out.bias"])
        weights["out.bias"] = Tensor(bias.scalars.enumerated().map { $0.offset == Int(model.pad) ? 100 : $0.element }, shape: bias.shape)
        try model.loadStateDict(weights)
        #expect(withNoGrad { model(source, target: target, steps: 7, teacherForcing: 1) }.shape[1] == 1)
    }

    @Test(arguments: presets)
    func freeRunningOutputsMatchPyTorchAndGreedyDecodingReadsTheSameTokens(_ preset: String) throws {
        let model = try Self.loadedModel(preset), file = try Self.file(preset)
        let source = try file.indices("source")
        let output = withNoGrad { model(source, steps: 7) }
        let expected = try file.tensor("free.output")
        expectClose(output, expected, rtol: 1e-5, atol: 1e-5, "\(preset) output fed its own best tokens")
        // The decoding library's greedy search through the model's decoder step picks the same tokens.
        var options = DecodingOptions(maxNewTokens: 7)
        options.stopTokens = [model.pad]
        let decoded = try withNoGrad { try model.generate(source, options: options) }
        let best = output.argmax(axis: 2).values
        for row in 0..<3 {
            let tokens = decoded[row][0].tokens
            #expect(tokens == Array(best[(row * 7)..<(row * 7 + tokens.count)]), "\(preset) row \(row)")
        }
    }

    /// The attention model keeps encoder outputs once per item while beams stay with their item, and copies
    /// them only when rows move across items: both must give the numbers of a plain per-row state.
    @Test func attentionStateSharedPerItemGivesPerRowResults() throws {
        let model = try Self.loadedModel("gru_attention") as! Seq2SeqAttentionGRU
        let source = try Self.file("gru_attention").indices("source")
        var options = DecodingOptions(maxNewTokens: 6)
        options.beams = 3
        options.returnSequences = 3
        let together = try withNoGrad { try model.generate(source, options: options) }
        for row in 0..<3 {
            let alone = IndexTensor(Array(source.values[(row * 5)..<(row * 5 + 5)]), shape: [1, 5])
            let single = try withNoGrad { try model.generate(alone, options: options) }
            #expect(single[0].map(\.tokens) == together[row].map(\.tokens), "row \(row)")
            for (a, b) in zip(single[0], together[row]) { #expect(abs(a.score - b.score) < 1e-4) }
        }
        // Rows moved across items: the state is materialized per row and the scores move with them.
        let state = withNoGrad { model.encode(source) }
        let tokens: [Int32] = [0, 0, 0]
        let (logits, _) = withNoGrad { model.decodeStep(tokens, state: state) }
        let (swapped, _) = withNoGrad { model.decodeStep([0, 0, 0], state: model.select(state, rows: [2, 0, 1])) }
        let width = logits.shape[1], l = logits.scalars, w = swapped.scalars
        for (to, from) in [(0, 2), (1, 0), (2, 1)] {
            for v in 0..<width { #expect(abs(w[to * width + v] - l[from * width + v]) < 1e-5) }
        }
    }

    /// The tied output layer reads a [width, vocabulary] copy of the table only in batches of 16 rows or more
    /// (below, the copy costs more than it saves): both ways give the same scores.
    @Test(arguments: presets)
    func scoresAreTheSameWithAndWithoutTheOutputCopy(_ preset: String) throws {
        let model = try Self.loadedModel(preset), source = try Self.file(preset).indices("source")
        let (rows, width) = (source.shape[0], source.shape[1])
        let repeated = IndexTensor((0..<(6 * rows)).flatMap { r in source.values[((r % rows) * width)..<((r % rows + 1) * width)] },
                                   shape: [6 * rows, width])
        func firstScores<M: Seq2SeqModel>(_ m: M, _ ids: IndexTensor, copied: (M.DecoderState) -> Bool) -> (Tensor, Bool) {
            withNoGrad {
                let state = m.encode(ids)
                return (m.decodeStep(Array(repeating: m.bos, count: ids.shape[0]), state: state).logits, copied(state))
            }
        }
        let (few, fewCopied): (Tensor, Bool), (many, manyCopied): (Tensor, Bool)
        if let gru = model as? Seq2SeqGRU {
            (few, fewCopied) = firstScores(gru, source) { $0.outputWeightInOut != nil }
            (many, manyCopied) = firstScores(gru, repeated) { $0.outputWeightInOut != nil }
        } else {
            let attention = try #require(model as? Seq2SeqAttentionGRU)
            (few, fewCopied) = firstScores(attention, source) { $0.outputWeightInOut != nil }
            (many, manyCopied) = firstScores(attention, repeated) { $0.outputWeightInOut != nil }
        }
        #expect(!fewCopied && manyCopied)
        let vocabulary = few.shape[1], a = few.scalars, b = many.scalars
        for r in 0..<(6 * rows) {
            for v in 0..<vocabulary { #expect(abs(b[r * vocabulary + v] - a[(r % rows) * vocabulary + v]) < 1e-5, "row \(r)") }
        }
    }
}
