import Foundation
import LemmaModels
import LemmaNN
import LemmaOptim
import LemmaTensor
import Testing

/// GPT-2 against Hugging Face's `GPT2LMHeadModel` (scripts/make_gpt2_fixtures.py): a checkpoint directory
/// transformers saved (3 layers, 3 heads of 15, 45 wide) loads, and gives transformers' logits, loss and
/// every gradient, then the losses of ten AdamW steps (llm.c's test). Then what the reference cannot check:
/// no position sees a later one, stepping with the key/value cache gives the whole-sequence numbers, and
/// export → load is exact.
struct GPT2ParityTests {
    static var directory: URL { Fixtures.url("gpt2-tiny") }

    static func reference() throws -> SafetensorsFile {
        try SafetensorsFile(url: Fixtures.url("gpt2-tiny-reference.safetensors"))
    }

    /// Targets as the model reads them: position t predicts label t + 1 (transformers shifts inside).
    static func shiftedTargets(_ labels: IndexTensor) -> IndexTensor {
        let (batch, length) = (labels.shape[0], labels.shape[1])
        var targets = [Int32](repeating: -100, count: batch * length)
        for row in 0..<batch {
            for t in 0..<(length - 1) { targets[row * length + t] = labels.values[row * length + t + 1] }
        }
        return IndexTensor(targets, shape: [batch, length])
    }

    @Test func configurationIsReadFromTheCheckpoint() throws {
        let model = try GPT2Checkpoint.load(Self.directory)
        let c = model.configuration
        #expect([c.vocabularySize, c.maxPositions, c.width, c.layerCount, c.headCount, c.feedForwardSize] as [Int] == [67, 24, 45, 3, 3, 180])
        #expect(c.activation == .geluTanh && c.layerNormEps == 1e-5 && c.residualDropout == 0.1)
        #expect(!model.isTraining, "a loaded model starts in evaluation mode")
    }

    @Test func logitsLossAndEveryGradientMatchTransformers() throws {
        let model = try GPT2Checkpoint.load(Self.directory)
        let file = try Self.reference()
        let ids = try file.indices("input_ids"), labels = try file.indices("labels")
        expectClose(withNoGrad { model.logits(ids) }, try file.tensor("logits"), rtol: 1e-4, atol: 2e-5, "logits")
        let loss = model.loss(inputs: ids, targets: Self.shiftedTargets(labels))
        expectClose(loss.reshaped([1]), try file.tensor("loss"), rtol: 1e-5, atol: 1e-5, "loss")
        loss.backward()
        expectGradientsMatch(model, try Fixtures.group(file, "grad."), rtol: 1e-3, atol: 1e-5, "gpt2")
    }

    @Test func tenAdamWStepsFollowPyTorch() throws {
        let model = try GPT2Checkpoint.load(Self.directory)
        let file = try Self.reference()
        let ids = try file.indices("input_ids"), targets = Self.shiftedTargets(try file.indices("labels"))
        let optimizer = try AdamW(model.parameters(), .adamW(learningRate: 1e-3, weightDecay: 0.1))
        var losses: [Float] = []
        for _ in 0..<10 {
            optimizer.zeroGrad()
            let loss = model.loss(inputs: ids, targets: targets)
            losses.append(loss.item)
            loss.backward()
            optimizer.step()
        }
        let expected = try file.tensor("adamw.losses").scalars
        for (step, (mine, theirs)) in zip(losses, expected).enumerated() {
            #expect(abs(mine - theirs) <= 1e-4 * abs(theirs), "AdamW step \(step): loss \(mine), PyTorch \(theirs)")
        }
        #expect(losses.last! < losses.first! - 0.5, "ten steps on one batch must bring the loss down")
    }

    @Test func activationCheckpointingGivesTheSameLossGradientsAndRandomDraws() throws {
        let file = try Self.reference()
        let ids = try file.indices("input_ids"), targets = Self.shiftedTargets(try file.indices("labels"))
        var results: [(loss: Float, grads: [[Float]], generator: [UInt64])] = []
        for checkpointing in [false, true] {
            // Training mode with the fixture's dropout 0.1: the recompute must replay the same masks.
            let model = try GPT2Checkpoint.load(Self.directory)
            model.train()
            model.checkpointActivations = checkpointing
            let generator = RandomGenerator(seed: 7)
            let loss = Random.using(generator) { model.loss(inputs: ids, targets: targets) }
            loss.backward()
            results.append((loss.item, model.parameters().map { $0.grad!.scalars }, generator.snapshot))
        }
        #expect(results[0].loss == results[1].loss)
        #expect(results[0].generator == results[1].generator, "checkpointing changed how far the generator advanced")
        for (i, (plain, checkpointed)) in zip(results[0].grads, results[1].grads).enumerated() {
            let worst = zip(plain, checkpointed).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6, "parameter \(i): gradients differ by \(worst) with checkpointing")
        }
    }

    @Test func changingTokenTLeavesEveryEarlierPositionUnchanged() throws {
        let model = try GPT2Checkpoint.load(Self.directory)
        let ids = try Self.reference().indices("input_ids")
        let length = ids.shape[1], vocabulary = model.configuration.vocabularySize
        let before = withNoGrad { model.logits(ids) }.scalars
        for t in [0, 7, length - 1] {
            var changed = ids.values
            for row in 0..<ids.shape[0] { changed[row * length + t] = (changed[row * length + t] + 1) % Int32(vocabulary) }
            let after = withNoGrad { model.logits(IndexTensor(changed, shape: ids.shape)) }.scalars
            for row in 0..<ids.shape[0] {
                let start = row * length * vocabulary
                #expect(Array(after[start..<(start + t * vocabulary)]) == Array(before[start..<(start + t * vocabulary)]),
                        "row \(row): changing token \(t) moved an earlier position")
                let at = start + t * vocabulary
                #expect(Array(after[at..<(at + vocabulary)]) != Array(before[at..<(at + vocabulary)]), "token \(t) changed nothing at its own position")
            }
        }
    }

    @Test func steppingWithTheCacheGivesTheWholeSequenceScores() throws {
        let model = try GPT2Checkpoint.load(Self.directory)
        let ids = try Self.reference().indices("input_ids")
        let (batch, length) = (ids.shape[0], ids.shape[1])
        let whole = withNoGrad { model.logits(ids) }
        // A prompt of 5 tokens at once, then one token at a time.
        var (last, state) = withNoGrad { model.extend(ids.slicedColumns(0..<5), state: model.emptyState) }
        expectClose(last, whole.slice(axis: 1, 4..<5).reshaped([batch, -1]), rtol: 1e-4, atol: 1e-5, "after the prompt")
        for t in 5..<length {
            (last, state) = withNoGrad { model.extend(ids.slicedColumns(t..<(t + 1)), state: state) }
            expectClose(last, whole.slice(axis: 1, t..<(t + 1)).reshaped([batch, -1]), rtol: 1e-4, atol: 1e-5, "position \(t)")
        }
        #expect(state.position == length)
        // Beam search reorders rows: a selected state continues as its source row.
        let swapped = model.select(state, rows: [1, 0])
        #expect(swapped.caches[0].keys!.slice(axis: 0, 0..<1).scalars == state.caches[0].keys!.slice(axis: 0, 1..<2).scalars)
    }

    @Test func exportedDirectoryLoadsBackExactly() throws {
        let model = try GPT2Checkpoint.load(Self.directory)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-gpt2-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        try GPT2Checkpoint.save(model, to: out)
        let again = try GPT2Checkpoint.load(out)
        #expect(again.configuration == model.configuration)
        for ((key, a), (_, b)) in zip(model.namedParameters(), again.namedParameters()) {
            #expect(a.scalars == b.scalars, "\(key) changed through export")
        }
        let names = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors")).names
        #expect(names.contains("transformer.h.2.attn.c_attn.weight") && !names.contains("lm_head.weight"))
    }
}

extension IndexTensor {
    /// Columns `range` of a [B, T] index tensor.
    func slicedColumns(_ range: Range<Int>) -> IndexTensor {
        let (batch, length) = (shape[0], shape[1])
        let rows = (0..<batch).flatMap { row in values[(row * length + range.lowerBound)..<(row * length + range.upperBound)] }
        return IndexTensor(Array(rows), shape: [batch, range.count])
    }
}
