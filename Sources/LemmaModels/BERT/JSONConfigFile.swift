import Foundation
import LemmaTensor

/// One JSON object from a model directory (config.json, tokenizer_config.json, modules.json's siblings),
/// with typed look-ups whose errors name the file and the key. A key set to `null` counts as absent, as
/// Hugging Face treats it.
struct JSONConfigFile {
    let path: String
    let object: [String: Any]

    init(url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FileFormatError(url.path, "cannot read the file")
        }
        try self.init(data: data, path: url.path)
    }

    init(data: Data, path: String) throws {
        self.path = path
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw FileFormatError(path, "is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw FileFormatError(path, "expected a JSON object") }
        self.object = object
    }

    /// The value under `key`, nil when missing or null.
    func value(_ key: String) -> Any? {
        guard let value = object[key], !(value is NSNull) else { return nil }
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
        guard !Self.isBoolean(value), let number = value as? NSNumber, let result = Int(exactly: number.doubleValue), result >= minimum else {
            throw error(key, "must be an integer >= \(minimum), got \(Self.describe(value))")
        }
        return result
    }

    func number(_ key: String, default fallback: Double? = nil) throws -> Double {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw error(key, "is missing")
        }
        guard !Self.isBoolean(value), let number = value as? NSNumber, number.doubleValue.isFinite else {
            throw error(key, "must be a number, got \(Self.describe(value))")
        }
        return number.doubleValue
    }

    func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw error(key, "is missing")
        }
        guard let string = value as? String else { throw error(key, "must be a string, got \(Self.describe(value))") }
        return string
    }

    func boolean(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard Self.isBoolean(value), let flag = value as? Bool else {
            throw error(key, "must be true or false, got \(Self.describe(value))")
        }
        return flag
    }

    /// JSON true/false. Foundation bridges 0 and 1 to Bool too, so the number's own type decides.
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// A short rendering of a JSON value for error messages.
    static func describe(_ value: Any) -> String {
        switch value {
        case let string as String: return "\"\(string.prefix(40))\""
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(value)"
        }
    }
}
