import Foundation
import LemmaDecoding
import LemmaTensor
import Testing

/// Lemma's decoder against Hugging Face `generate` (transformers 5.24) on the same scores: a tiny random
/// GPT-2 whose every forward pass was recorded as prefix → next-token logits by
/// scripts/make_decoding_fixtures.py. Replaying them, Lemma must ask for no prefix Hugging Face did not
/// score, and return the same sequences (and beam scores).
struct DecodingParityTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let name: String
            let settings: [String: Setting]
            let sequences: [[Int32]]
            let scores: [Float]?
        }

        enum Setting: Decodable {
            case number(Double), text(String), flag(Bool)
            init(from decoder: any Swift.Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let b = try? c.decode(Bool.self) { self = .flag(b) } else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
            }
            var number: Double? { if case .number(let v) = self { v } else { nil } }
        }

        struct Warper: Decodable {
            let name: String
            let processed: [[Float?]]
        }

        let vocab: Int
        let eos: Int32
        let pad: Int32
        let prompts: [[Int32]]
        let table: [String: [Float]]
        let cases: [Case]
        let rows: [[Float]]
        let context: [Int32]
        let warpers: [Warper]
    }

    static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "Fixtures/decoding", withExtension: "json")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    /// The recorded model: a row's state is its tokens so far.
    struct RecordedModel: DecoderStep {
        let table: [String: [Float]]
        struct Missing: Error, CustomStringConvertible { let description: String }

        func step(_ tokens: [Int32], state: [[Int32]]) throws -> (logits: Tensor, state: [[Int32]]) {
            let next = zip(state, tokens).map { $0 + [$1] }
            let rows = try next.map { prefix -> [Float] in
                guard let row = table[prefix.map(String.init).joined(separator: " ")] else {
                    throw Missing(description: "Hugging Face never scored the prefix \(prefix)")
                }
                return row
            }
            return (Tensor(rows.flatMap { $0 }, shape: [rows.count, rows[0].count]), next)
        }

        func select(_ state: [[Int32]], rows: [Int]) -> [[Int32]] { rows.map { state[$0] } }
    }

    static func options(_ c: Fixture.Case) -> DecodingOptions {
        let s = c.settings
        var o = DecodingOptions(maxNewTokens: Int(s["max_new_tokens"]!.number!))
        o.stopTokens = [fixture.eos]
        o.beams = Int(s["num_beams"]?.number ?? 1)
        o.returnSequences = Int(s["num_return_sequences"]?.number ?? 1)
        o.lengthPenalty = Float(s["length_penalty"]?.number ?? 1)
        o.minNewTokens = Int(s["min_new_tokens"]?.number ?? 0)
        o.repetitionPenalty = Float(s["repetition_penalty"]?.number ?? 1)
        o.noRepeatNGramSize = Int(s["no_repeat_ngram_size"]?.number ?? 0)
        switch s["early_stopping"] {
        case .flag(true): o.earlyStopping = .whenBeamsFinish
        case .text("never"): o.earlyStopping = .never
        default: o.earlyStopping = .heuristic
        }
        return o
    }

    /// Hugging Face pads sequences after their stop token; Lemma's hypotheses end at it.
    static func trimmed(_ sequence: [Int32]) -> [Int32] {
        guard let stop = sequence.firstIndex(of: fixture.eos) else { return sequence }
        return Array(sequence[...stop])
    }

    @Test(arguments: fixture.cases.map(\.name))
    func sameSequencesAsGenerate(_ name: String) throws {
        let c = Self.fixture.cases.first { $0.name == name }!
        let model = RecordedModel(table: Self.fixture.table)
        let prompts = Self.fixture.prompts
        let decoded = try Decoder(model, options: Self.options(c)).decode(prompts: prompts, state: prompts.map { Array($0.dropLast()) })
        let ours = decoded.flatMap { $0 }
        #expect(ours.map(\.tokens) == c.sequences.map(Self.trimmed), "\(name)")
        if let scores = c.scores {
            for (a, b) in zip(ours.map(\.score), scores) { #expect(Swift.abs(a - b) < 1e-5, "\(name): score \(a) vs \(b)") }
        }
    }

    @Test(arguments: fixture.warpers.map(\.name))
    func processorsMatchHuggingFacesWarpers(_ name: String) {
        let w = Self.fixture.warpers.first { $0.name == name }!
        var o = DecodingOptions(maxNewTokens: 1)
        let parts = name.split(separator: " ")
        let value = Double(parts.last!)!
        switch parts[0] {
        case "temperature": (o.sampling, o.temperature) = (true, Float(value))
        case "top-k": (o.sampling, o.topK) = (true, Int(value))
        case "top-p": (o.sampling, o.topP) = (true, Float(value))
        case "repetition": o.repetitionPenalty = Float(value)
        default: o.noRepeatNGramSize = Int(value)
        }
        let processor = ScoreProcessor(o)
        for (row, expected) in zip(Self.fixture.rows, w.processed) {
            let ours = processor(row, context: Self.fixture.context, generated: 0)
            for (a, b) in zip(ours, expected) {
                if let b { #expect(Swift.abs(a - b) <= 1e-5 * Swift.max(1, Swift.abs(b)), "\(name)") } else { #expect(a == -.infinity, "\(name)") }
            }
        }
    }
}
