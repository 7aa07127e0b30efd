import ArgumentParser
import Foundation
import Lemma

/// `lemma generate`: continuations from a language-model run or a Hugging Face GPT-2 directory, streamed to
/// standard output as they are sampled; `--interactive` is nshepperd's interactive_conditional_samples.py.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text from a language-model run or a Hugging Face GPT-2 directory (top-k 40 by default, as seed 001).",
        discussion: "Without --prompt, samples start from <|endoftext|> (unconditional). With --batch-size 1, tokens stream as they are sampled; a sample ends at <|endoftext|> or after --max-new-tokens.")

    @Option(name: .customLong("run"), help: "Language-model run directory.") var runDirectory: String?
    @Option(help: "Hugging Face GPT-2 directory (config.json, model.safetensors).") var model: String?
    @Option(help: "Text to continue.") var prompt: String?
    @Flag(help: "Read prompts from standard input, one per line, and sample continuations of each.") var interactive = false
    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "Tokens sampled per continuation at most.") var maxNewTokens = 128
    @Option(parsing: .unconditional, help: "Sampling temperature (default: the run's decoding.temperature, else 1).") var temperature: Float?
    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Sample among the k most likely tokens; 0: all (default: the run's decoding.top_k, else 40).")
    var topK: Int?
    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "Sample among the most likely tokens up to this total probability.") var topP: Float?
    @Flag(help: "Pick the most likely token instead of sampling.") var greedy = false
    @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 0
    @Option(name: .customLong("num-samples"), parsing: .unconditional, help: "Continuations per prompt.") var numSamples = 1
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Continuations sampled together.") var batchSize = 1

    func validate() throws {
        if (runDirectory == nil) == (model == nil) { throw ValidationError("give exactly one of --run and --model") }
        if interactive, prompt != nil { throw ValidationError("--prompt and --interactive are alternatives; choose one") }
        if maxNewTokens < 1 { throw ValidationError("--max-new-tokens must be at least 1, got \(maxNewTokens)") }
        if numSamples < 1 { throw ValidationError("--num-samples must be at least 1, got \(numSamples)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if greedy, temperature != nil || topK != nil || topP != nil {
            throw ValidationError("--temperature, --top-k and --top-p apply to sampling, not --greedy")
        }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
        if let topK, topK < 0 { throw ValidationError("--top-k must be >= 0, got \(topK)") }
        if let temperature, !(temperature > 0) { throw ValidationError("--temperature must be > 0, got \(temperature)") }
    }

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let gpt2: GPT2Model, tokenizer: GPT2Tokenizer
        var options = DecodingOptions(maxNewTokens: maxNewTokens)
        options.sampling = true
        options.topK = 40
        if let runDirectory {
            guard let run = try TaskRegistry.open(RunDirectory(URL(fileURLWithPath: runDirectory)), log: log) as? LanguageModelRun else {
                throw ValidationError("\(runDirectory) is not a language_model run; lemma generate samples from GPT-2 runs")
            }
            try run.loadTrainedModel()
            gpt2 = run.model
            tokenizer = run.data.tokenizer
            options = try run.samplingOptions(maxNewTokens: maxNewTokens)
        } else {
            gpt2 = try GPT2Checkpoint.load(URL(fileURLWithPath: model!))
            tokenizer = try GPT2TokenizerFiles.load(from: URL(fileURLWithPath: model!))
        }
        let endOfText = tokenizer.specialTokens[GPT2Tokenizer.endOfText]!
        options.stopTokens = [endOfText]
        options.seed = seed
        if greedy {
            (options.sampling, options.topK, options.topP, options.temperature) = (false, nil, nil, 1)
        } else {
            if let temperature { options.temperature = temperature }
            if let topK { options.topK = topK }
            if let topP { options.topP = topP }
        }
        do {
            try options.validate()
        } catch let error as DecodingOptionsError {
            throw ValidationError(error.description)
        }
        let positions = gpt2.configuration.maxPositions
        if maxNewTokens >= positions {
            throw ValidationError("--max-new-tokens \(maxNewTokens) leaves no room for a prompt in the model's \(positions) positions")
        }

        func continue_(_ text: String?) throws {
            var ids = text.map { tokenizer.encode($0, allowedSpecial: [GPT2Tokenizer.endOfText]) } ?? []
            if ids.isEmpty { ids = [endOfText] }
            let room = positions - maxNewTokens
            if ids.count > room {
                log("warning: the prompt has \(ids.count) tokens; its last \(room) are kept so that they and --max-new-tokens \(maxNewTokens) fit in the model's \(positions) positions")
                ids = Array(ids.suffix(room))
            }
            var produced = 0
            while produced < numSamples {
                let rows = min(batchSize, numSamples - produced)
                var rowOptions = options
                rowOptions.seed = options.seed &+ UInt64(produced)
                if rows == 1 {
                    emit("======== SAMPLE \(produced + 1) ========\n")
                    var stream = TextStream(tokenizer: tokenizer, endOfText: endOfText)
                    _ = try gpt2.generate(prompt: ids, rows: 1, options: rowOptions) { _, token in stream.add(token) }
                    stream.finish()
                } else {
                    for (i, hypothesis) in try gpt2.generate(prompt: ids, rows: rows, options: rowOptions).enumerated() {
                        emit("======== SAMPLE \(produced + i + 1) ========\n")
                        emit(try tokenizer.decode(hypothesis.tokens.filter { $0 != endOfText }) + "\n")
                    }
                }
                produced += rows
            }
        }

        if interactive {
            while true {
                FileHandle.standardError.write(Data("Model prompt >>> ".utf8))
                guard let line = readLine(strippingNewline: true) else { break }
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                try continue_(line)
            }
        } else {
            try continue_(prompt)
        }
    }
}

/// Writes sampled tokens to standard output as they come, whole UTF-8 characters at a time.
struct TextStream {
    var decoder: IncrementalTextDecoder

    init(tokenizer: GPT2Tokenizer, endOfText: Int32) {
        decoder = IncrementalTextDecoder(tokenizer: tokenizer, skipping: [endOfText])
    }

    mutating func add(_ token: Int32) {
        let text = decoder.add(token)
        if !text.isEmpty { emit(text) }
    }

    mutating func finish() { emit(decoder.finish() + "\n") }
}
