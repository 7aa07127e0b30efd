import Foundation
import Lemma

/// `seq2seq-decode --run RUN_DIR`: a trained seq2seq run decodes its test split (batches of 64 cut from the
/// sources sorted by length, as `Seq2SeqRun.decode` does, padded to their longest source) greedily and with beam 5 (beams stop once 5 hypotheses finished,
/// Hugging Face's early_stopping=True); prints the median examples per second (`--beams 1` for greedy alone). Twin:
/// bench/seq2seq_decode_torch.py on the same run directory's weights.
func benchSeq2SeqDecode() {
    let arguments = CommandLine.arguments
    guard let at = arguments.firstIndex(of: "--run"), at + 1 < arguments.count else {
        FileHandle.standardError.write(Data("lemma-bench seq2seq-decode: give --run RUN_DIR (a trained seq2seq run)\n".utf8))
        exit(2)
    }
    do {
        guard let run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: arguments[at + 1]))) as? Seq2SeqRun,
              let test = run.data.test else {
            FileHandle.standardError.write(Data("lemma-bench seq2seq-decode: not a seq2seq run with a test split\n".utf8))
            exit(2)
        }
        try run.loadTrainedModel()
        let sources = (0..<test.count).map { Array(test.source.tokenIDs($0).prefix(run.maxSourceLength)) }
        // `--beams 1` profiles one decoder alone.
        var beamSizes = [1, 5]
        if let at = arguments.firstIndex(of: "--beams"), at + 1 < arguments.count {
            beamSizes = arguments[at + 1].split(separator: ",").compactMap { Int($0) }.filter { $0 >= 1 }
            guard beamSizes.count == arguments[at + 1].split(separator: ",").count, !beamSizes.isEmpty else {
                FileHandle.standardError.write(Data("lemma-bench seq2seq-decode: --beams takes beam sizes ≥ 1 separated by commas, got \(arguments[at + 1])\n".utf8))
                exit(2)
            }
        }
        for beams in beamSizes {
            var produced = 0
            let seconds = measure(repeats: repeats, inner: 1) {
                let hypotheses = try! run.decode(sources, batchSize: 64) { options in
                    options.beams = beams
                    options.earlyStopping = .whenBeamsFinish
                }
                produced = hypotheses.reduce(0) { $0 + $1[0].tokens.count }
            }
            report(["workload": "seq2seq decode \(test.count) test sources, \(beams == 1 ? "greedy" : "beam \(beams)"), batch 64",
                    "impl": "lemma", "examples_per_s": Double(sources.count) / seconds, "tokens_out": produced,
                    "arch": run.configuration.string("model.arch") ?? "?"])
        }
    } catch {
        FileHandle.standardError.write(Data("lemma-bench seq2seq-decode: \(error)\n".utf8))
        exit(1)
    }
}
