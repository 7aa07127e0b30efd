import ArgumentParser
import Foundation
import Lemma

/// `lemma tokenize`: one JSON array of token ids (or, with --tokens, token strings) per input line.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of each input line as a JSON array.",
        discussion: "Reads FILE, or standard input. Word, char and latex tokenizers without --vocab build their vocabulary from the input first.")

    @Option(help: "gpt2, wordpiece, word, whitespace, char or latex.") var tokenizer: String
    @Option(help: "Vocabulary file (vocab.txt / tokenizer.json for wordpiece; one token per line for word, char, latex; a .tiktoken or encoder.json file for gpt2).")
    var vocab: String?
    @Flag(help: "Lower-case before tokenizing (word, wordpiece).") var lowercase = false
    @Flag(help: "Print token strings instead of ids.") var tokens = false
    @Flag(help: "gpt2: read <|endoftext|> in the text as ordinary characters (by default it is the end-of-text token, id 50256, as tiktoken's allowed_special=\"all\" and Hugging Face's GPT-2 tokenizer read it).")
    var specialAsText = false
    @Argument(help: "Input file (default: standard input).") var file: String?

    func run() throws {
        guard let kind = TokenizerSpec.Kind(rawValue: tokenizer) else {
            throw ValidationError("--tokenizer must be one of \(TokenizerSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(tokenizer)'")
        }
        let lines = try InputLines.read(file)
        let spec = TokenizerSpec(kind: kind, vocabulary: vocab.map { URL(fileURLWithPath: $0) }, lowercase: lowercase)
        let made = try spec.make(corpus: { each in lines.forEach(each) })
        if specialAsText, kind != .gpt2 { throw ValidationError("--special-as-text applies to --tokenizer gpt2") }
        let encode: (String) -> [Int32]
        if let gpt2 = made as? GPT2Tokenizer, !specialAsText {
            let special = Set(gpt2.specialTokens.keys)
            encode = { gpt2.encode($0, allowedSpecial: special) }
        } else {
            encode = made.encode
        }
        var output = ""
        output.reserveCapacity(1 << 16)
        for line in lines {
            if tokens {
                output += jsonArray(kind == .gpt2 ? encode(line).map { jsonQuoted(made.token(forID: $0) ?? "") } : made.tokens(line).map(jsonQuoted))
            } else {
                output += jsonArray(encode(line).map { String($0) })
            }
            output += "\n"
            if output.utf8.count > 1 << 16 { emit(output); output = "" }
        }
        emit(output)
    }
}

/// `lemma detokenize`: the inverse, for GPT-2's byte-level BPE (lossless): one JSON array of ids per line in,
/// the text out.
struct DetokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize", abstract: "Turn JSON arrays of GPT-2 token ids back into text, one per line.")

    @Option(help: "A .tiktoken or encoder.json file (default: the bundled GPT-2 vocabulary).") var vocab: String?
    @Argument(help: "Input file (default: standard input).") var file: String?

    func run() throws {
        let tokenizer = try TokenizerSpec(kind: .gpt2, vocabulary: vocab.map { URL(fileURLWithPath: $0) }).make()
        let name = file ?? "<stdin>"
        var output = ""
        for (number, line) in try InputLines.read(file).enumerated() {
            guard let data = line.data(using: .utf8),
                  let values = try? JSONSerialization.jsonObject(with: data) as? [Any],
                  let ids = values.map({ ($0 as? NSNumber).flatMap { Int32(exactly: $0.doubleValue) } }) as [Int32?]?,
                  !ids.contains(nil) else {
                throw LemmaCLIError("\(name):\(number + 1): expected a JSON array of integer token ids")
            }
            do {
                output += try tokenizer.decode(ids.map { $0! }) + "\n"
            } catch {
                throw LemmaCLIError("\(name):\(number + 1): \(error)")
            }
        }
        emit(output)
    }
}

func jsonArray(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
