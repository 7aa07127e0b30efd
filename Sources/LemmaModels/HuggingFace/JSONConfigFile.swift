import Foundation
import LemmaTensor
import LemmaText

/// One JSON object from a model directory (config.json, tokenizer_config.json, modules.json's siblings),
/// read with Lemma's JSON parser, with typed look-ups whose errors name the file and the key. A key set to
/// `null` counts as absent, as Hugging Face treats it.
struct JSONConfigFile {
    let path: String
    let members: [JSONMember]

    init(url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FileFormatError(url.path, "cannot read the file")
        }
        try self.init(data: data, path: url.path)
    }

    init(data: Data, path: String) throws {
        self.path = path
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse([UInt8](data))
        } catch let error as JSONSyntaxError {
            throw FileFormatError(path, "is not valid JSON (\(error))")
        }
        guard let members = parsed.members else { throw FileFormatError(path, "expected a JSON object") }
        self.members = members
    }

    /// The value under `key` (the last one when repeated, as Python's json reads it), nil when missing or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = members.last(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    func error(_ key: String, _ message: String) -> FileFormatError {
        FileFormatError(path, "key '\(key)' \(message)")
    }

    func integer(_ key: String, default fallback: Int? = nil, minimum: Int = 0) throws -> Int {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw error(key, "is missing")
        }
        guard let result = value.integer, result >= minimum else {
            throw error(key, "must be an integer >= \(minimum), got \(value.summary)")
        }
        return result
    }

    func number(_ key: String, default fallback: Double? = nil) throws -> Double {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw error(key, "is missing")
        }
        guard let number = value.double, number.isFinite else { throw error(key, "must be a number, got \(value.summary)") }
        return number
    }

    func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw error(key, "is missing")
        }
        guard let string = value.string else { throw error(key, "must be a string, got \(value.summary)") }
        return string
    }

    func boolean(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.bool else { throw error(key, "must be true or false, got \(value.summary)") }
        return flag
    }
}
