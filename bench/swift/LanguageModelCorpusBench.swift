import Foundation
import Lemma

/// `lemma-bench lm-encode --input PATH`: a language-model corpus (a text file, directory, glob or JSONL) through
/// GPT-2's BPE into a token stream, as `lemma train` prepares `task: language_model` data; prints the time and
/// the process's peak resident memory (bench/lm_corpus_bench.py runs it at 10 MB to 1 GB).
func benchLanguageModelEncode() {
    guard let at = CommandLine.arguments.firstIndex(of: "--input"), at + 1 < CommandLine.arguments.count else {
        FileHandle.standardError.write(Data("lm-encode needs --input PATH\n".utf8))
        exit(2)
    }
    let input = CommandLine.arguments[at + 1]
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-lm-encode-\(getpid())")
    defer { try? FileManager.default.removeItem(at: output) }
    do {
        let tokenizer = try GPT2Tokenizer.bundled()
        let start = now()
        let stream = try LanguageModelData.encode(DocumentSource(path: input), into: output, tokenizer: tokenizer, allowSpecial: true)
        let seconds = now() - start
        let bytes = try DocumentSource(path: input).files().reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
        }
        report(["workload": "lm-encode", "impl": "lemma", "input_mb": Double(bytes) / 1e6, "tokens": stream.count,
                "documents": stream.info.documentCount, "seconds": seconds, "mb_per_second": Double(bytes) / 1e6 / seconds,
                "peak_rss_mb": Double(RunSummary.processPeakMemoryBytes()) / 1e6])
    } catch {
        FileHandle.standardError.write(Data("lm-encode: \(error)\n".utf8))
        exit(1)
    }
}
