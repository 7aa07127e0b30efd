import Foundation
import LemmaData
import LemmaModels
import LemmaNN
import LemmaTensor
import LemmaText
import LemmaTrain
import Testing

/// The seq2seq task through the trainer on a tiny learnable mapping (each word to its "translation"), with
/// fastai's teacher-forcing schedule and sortish batches.
struct Seq2SeqTaskTests {
    @Test func trainingLearnsAWordMappingAndTeacherForcingFollowsTheSchedule() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-seq2seq-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Source words a…h, target words A…H in reverse order: needs the encoder's state, not a copy.
        let words = ["a", "b", "c", "d", "e", "f", "g", "h"]
        let generator = RandomGenerator(seed: 5)
        var lines = ["src\ttgt"]
        for _ in 0..<256 {
            let n = 2 + generator.nextInt(below: 3)
            let picked = (0..<n).map { _ in words[generator.nextInt(below: words.count)] }
            lines.append(picked.joined(separator: " ") + "\t" + picked.reversed().map { $0.uppercased() }.joined(separator: " "))
        }
        let tsv = directory.appendingPathComponent("pairs.tsv")
        try (lines.joined(separator: "\n") + "\n").write(to: tsv, atomically: true, encoding: .utf8)
        // Word vocabularies: ids 0 and 1 are the tokenizer's specials (used as BOS and pad).
        let source = WordTokenizer(buildingFrom: [words.joined(separator: " ")])
        let target = WordTokenizer(buildingFrom: [words.map { $0.uppercased() }.joined(separator: " ")])
        let corpus = PairedCorpusSource(.table(path: tsv.path, sourceColumn: "src", targetColumn: "tgt"))
        _ = try PairedDataset.prepare(corpus, sourceTokenizer: source, targetTokenizer: target, into: directory.appendingPathComponent("data"))
        let dataset = try PairedDataset(url: directory.appendingPathComponent("data"))

        let g = RandomGenerator(seed: 1)
        let model = Seq2SeqGRU(encoderEmbedding: Embedding(source.vocabularySize, 16, paddingIndex: 1, generator: g),
                               decoderEmbedding: Embedding(target.vocabularySize, 16, paddingIndex: 1, generator: g),
                               hiddenSize: 32, generator: g)
        let task = Seq2SeqTask(model: model)
        var options = TrainingOptions()
        (options.optimizer, options.learningRate, options.scheduler, options.batchSize, options.epochs) = (.adam, 1e-2, .constant, 16, 30)
        options.loggingSteps = 1000
        let data = PairedDatasetSource(dataset, collator: PairCollator(padID: 1))
        let trainer = try Trainer(task: task, train: data, valid: data, options: options, order: .sortish)
        final class Probe: TrainerCallback {
            var seen: [Float] = []
            let task: Seq2SeqTask
            init(_ task: Seq2SeqTask) { self.task = task }
            func epochBegan(_ event: TrainerEvent) { seen.append(task.teacherForcing) }
        }
        let probe = Probe(task)
        trainer.callbacks = [TeacherForcingSchedule(task: task, endEpoch: 4), probe]
        let before = trainer.evaluate(data)
        _ = try trainer.fit()
        let after = trainer.evaluate(data)
        #expect(probe.seen == [1, 0.75, 0.5, 0.25] + Array(repeating: 0, count: 26))
        // From chance (about 0.1 of target tokens right) to most of them, with the seed's dropout on throughout.
        #expect(after.metrics["loss"]! < before.metrics["loss"]! * 0.7, "\(before.metrics) → \(after.metrics)")
        #expect(after.metrics["token_accuracy"]! > 0.6, "\(after.metrics)")
        #expect(after.metrics["exact_match"]! > before.metrics["exact_match"]!)
        // Validation BLEU on the free-running outputs: near zero untrained, high once most tokens are right,
        // and 100 exactly when every output is exact.
        // (Targets of 2–4 words hold few 4-grams, so three quarters of the tokens right is a BLEU-4 near 35.)
        #expect(before.metrics["free_running_bleu"]! < 10, "\(before.metrics)")
        #expect(after.metrics["free_running_bleu"]! > 25, "\(after.metrics)")
        #expect(after.metrics["fastai_bleu"]! > before.metrics["fastai_bleu"]! && after.metrics["fastai_bleu"]! <= 1, "\(after.metrics)")
        if after.metrics["exact_match"]! == 1 { #expect(abs(after.metrics["free_running_bleu"]! - 100) < 1e-9, "\(after.metrics)") }
        // Batches measured side by side (two lanes, whatever the machine's cores) give the numbers one thread
        // gives measuring them in order.
        let threads = CPUBackend.shared.threads
        CPUBackend.shared.threads = 2
        let sideBySide = trainer.evaluate(data)
        CPUBackend.shared.threads = 1
        let inOrder = trainer.evaluate(data)
        CPUBackend.shared.threads = threads
        #expect(inOrder.metrics == sideBySide.metrics)
    }
}
