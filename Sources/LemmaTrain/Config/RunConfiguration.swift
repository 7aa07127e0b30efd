import Foundation
import LemmaTensor
import Yams

/// A typed configuration value.
public enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
    case string(String), int(Int), double(Double), bool(Bool)

    public var description: String {
        switch self {
        case .string(let v): v
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .bool(let v): String(v)
        }
    }
}

/// The configuration of a run: a YAML or JSON file (sections `task`, `data`, `tokenizer`, `model`, `train`,
/// `output`) with `--set key=value` overrides, checked against `ConfigSchema`. An unknown key or a value of
/// the wrong type is an error naming the key.
public struct RunConfiguration: Equatable, Sendable {
    /// Every key that has a value (given or default), by dotted path.
    public private(set) var values: [String: ConfigValue]

    public init(values: [String: ConfigValue] = [:]) throws {
        var resolved: [String: ConfigValue] = [:]
        for key in ConfigSchema.keys { resolved[key.path] = key.defaultValue }
        for (path, value) in values {
            guard let key = ConfigSchema.byPath[path] else { throw ConfigError("unknown key '\(path)'") }
            resolved[path] = try Self.check(value, key)
        }
        self.values = resolved
    }

    /// Reads YAML (JSON is valid YAML) from `url`.
    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("\(url.path): cannot read the file as UTF-8 text")
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigError("\(url.path): not valid YAML or JSON: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        var flat: [String: ConfigValue] = [:]
        do {
            try Self.flatten(document ?? [String: Any](), prefix: "", into: &flat)
            try self.init(values: flat)
        } catch let error as ConfigError {
            throw ConfigError("\(url.path): \(error.message)")
        }
    }

    /// Applies `key=value` overrides, parsing each value by its key's type.
    public mutating func apply(overrides: [String]) throws {
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else { throw ConfigError("--set \(override): expected key=value") }
            let path = String(override[..<equals]), text = String(override[override.index(after: equals)...])
            guard let key = ConfigSchema.byPath[path] else { throw ConfigError("--set: unknown key '\(path)'") }
            let value: ConfigValue
            switch key.type {
            case .int: value = Int(text).map(ConfigValue.int) ?? .string(text)
            case .double: value = Double(text).map(ConfigValue.double) ?? .string(text)
            case .bool: value = ["true": ConfigValue.bool(true), "false": .bool(false)][text] ?? .string(text)
            case .string, .choice: value = .string(text)
            }
            values[path] = try Self.check(value, key)
        }
    }

    public subscript(path: String) -> ConfigValue? { values[path] }

    public func string(_ path: String) -> String? { if case .string(let v)? = values[path] { v } else { nil } }
    public func int(_ path: String) -> Int? { if case .int(let v)? = values[path] { v } else { nil } }
    public func double(_ path: String) -> Double? {
        switch values[path] { case .double(let v)?: v; case .int(let v)?: Double(v); default: nil }
    }
    public func bool(_ path: String) -> Bool? { if case .bool(let v)? = values[path] { v } else { nil } }

    /// The resolved configuration as YAML, keys sorted, for the run directory.
    public func yaml() -> String {
        var sections: [String: [(String, ConfigValue)]] = [:]
        var top: [(String, ConfigValue)] = []
        for (path, value) in values.sorted(by: { $0.key < $1.key }) {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 { sections[parts[0], default: []].append((parts[1], value)) } else { top.append((path, value)) }
        }
        func scalar(_ value: ConfigValue) -> String {
            if case .string(let text) = value { return jsonQuoted(text) }
            return value.description
        }
        var lines = top.map { "\($0.0): \(scalar($0.1))" }
        for section in sections.keys.sorted() {
            lines.append("\(section):")
            lines += sections[section]!.map { "  \($0.0): \(scalar($0.1))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func flatten(_ node: Any, prefix: String, into flat: inout [String: ConfigValue]) throws {
        if let map = node as? [String: Any] {
            for (key, value) in map {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                if value is [String: Any] {
                    guard ConfigSchema.keys.contains(where: { $0.path.hasPrefix(path + ".") }) else {
                        throw ConfigError("unknown section '\(path)'")
                    }
                    try flatten(value, prefix: path, into: &flat)
                } else {
                    flat[path] = try scalar(of: value, at: path)
                }
            }
        } else {
            throw ConfigError("expected a mapping of sections at '\(prefix.isEmpty ? "top level" : prefix)'")
        }
    }

    static func scalar(of node: Any, at path: String) throws -> ConfigValue {
        switch node {
        case let v as Bool: return .bool(v)
        case let v as Int: return .int(v)
        case let v as Double: return .double(v)
        case let v as String: return .string(v)
        default: throw ConfigError("'\(path)' must be a single value, found \(type(of: node))")
        }
    }

    static func check(_ value: ConfigValue, _ key: ConfigKey) throws -> ConfigValue {
        switch (key.type, value) {
        case (.string, .string), (.int, .int), (.double, .double), (.bool, .bool): return value
        case (.double, .int(let v)): return .double(Double(v))
        case (.choice(let options), .string(let v)) where options.contains(v): return value
        default: throw ConfigError("'\(key.path)' must be \(key.type.name), got '\(value)'")
        }
    }
}

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
