import Foundation
import Testing

/// Reference files made by scripts/make_text_fixtures.py (tiktoken and Hugging Face tokenizers).
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    static func cases<Case: Decodable & HasText>(_ name: String, as type: Case.Type) throws -> [Case] {
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url(name)))
        // The JSON round trip must not have changed a text, or every comparison below is moot.
        for c in cases { #expect(c.text.utf8.count == c.utf8Length, "fixture text changed in decoding: \(c.text.debugDescription)") }
        return cases
    }

    static let gpt2: [GPT2Case] = try! cases("gpt2_cases.json", as: GPT2Case.self)

    /// /work/shared (the package's sibling folder `shared`), when this checkout has one.
    static let sharedDirectory: URL? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }()

    /// A file in a fresh temporary folder holding `bytes`.
    static func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lemmatext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func temporaryFile(_ name: String, _ text: String) throws -> URL {
        try temporaryFile(name, Array(text.utf8))
    }
}

protocol HasText {
    var text: String { get }
    var utf8Length: Int { get }
}

struct GPT2Case: Decodable, HasText {
    let text: String
    let utf8Length: Int
    let ids: [Int32]
    let idsAllowedSpecial: [Int32]?

    enum CodingKeys: String, CodingKey {
        case text, ids
        case utf8Length = "utf8_len"
        case idsAllowedSpecial = "ids_allowed_special"
    }
}

struct BertCase: Decodable, HasText {
    let text: String
    let utf8Length: Int
    let ids: [Int32]
    let tokens: [String]
    let decoded: String
    let ids16: [Int32]?
    let mask16: [Int32]?

    enum CodingKeys: String, CodingKey {
        case text, ids, tokens, decoded
        case utf8Length = "utf8_len"
        case ids16 = "ids_16"
        case mask16 = "mask_16"
    }
}

struct BertMiniCase: Decodable, HasText {
    let file: String
    let text: String
    let utf8Length: Int
    let ids: [Int32]

    enum CodingKeys: String, CodingKey {
        case file, text, ids
        case utf8Length = "utf8_len"
    }
}

/// Exact equality of the scalars, not Swift's canonical equivalence.
func sameScalars(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.elementsEqual(b.unicodeScalars)
}

/// Runs `body` and returns the error it throws, recording an issue if it does not throw one of type E.
func thrownError<E: Error>(_ type: E.Type, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> E? {
    do {
        try body()
        Issue.record("expected \(E.self) to be thrown", sourceLocation: sourceLocation)
    } catch let error as E {
        return error
    } catch {
        Issue.record("expected \(E.self), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
