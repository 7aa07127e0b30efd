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
    /// Every key of the run's task that has a value (given or default), by dotted path.
    public private(set) var values: [String: ConfigValue]
    /// The keys the file and the overrides gave, before defaults: what is re-resolved when `task` changes.
    private var given: [String: ConfigValue]

    public init(values: [String: ConfigValue] = [:]) throws {
        for path in values.keys.sorted() where ConfigSchema.byPath[path] == nil {
            throw ConfigError(Self.unknownKey(path, task: Self.task(of: values)))
        }
        var checked: [String: ConfigValue] = [:]
        for (path, value) in values { checked[path] = try Self.check(value, ConfigSchema.byPath[path]!) }
        given = checked
        self.values = [:]
        try resolve()
    }

    /// Two configurations are the same when they resolve to the same values, however they were given.
    public static func == (a: RunConfiguration, b: RunConfiguration) -> Bool { a.values == b.values }

    /// The run's task (`task`).
    public var task: String { Self.task(of: values) }

    /// The task `values` name (classification when they name none).
    static func task(of values: [String: ConfigValue]) -> String {
        if case .string(let name)? = values["task"] { name } else { "classification" }
    }

    /// Fills in the task's defaults; a given key that the task does not read is an error naming both.
    private mutating func resolve() throws {
        let task = Self.task(of: given)
        var resolved: [String: ConfigValue] = [:]
        for key in ConfigSchema.keys where key.applies(to: task) { resolved[key.path] = key.defaultValue(for: task) }
        for (path, value) in given.sorted(by: { $0.key < $1.key }) {
            let key = ConfigSchema.byPath[path]!
            guard key.applies(to: task) else {
                throw ConfigError("'\(path)' does not apply to task \(task) (it is read by \(key.tasks!.joined(separator: ", ")))")
            }
            resolved[path] = value
        }
        values = resolved
    }

    /// "unknown key 'x'", with the nearest key of the run's task when one is close enough to be a typo; failing
    /// that, the nearest key of another task, named as such (suggesting it alone would only lead to "does not
    /// apply").
    static func unknownKey(_ path: String, task: String) -> String {
        func nearest(_ keys: [ConfigKey]) -> ConfigKey? {
            let scored = keys.map { ($0, editDistance(Array(path), Array($0.path))) }.min { $0.1 < $1.1 }
            guard let (key, distance) = scored, distance <= max(2, path.count / 4) else { return nil }
            return key
        }
        if let key = nearest(ConfigSchema.keys.filter { $0.applies(to: task) }) {
            return "unknown key '\(path)'; did you mean '\(key.path)'?"
        }
        if let key = nearest(ConfigSchema.keys), let tasks = key.tasks {
            return "unknown key '\(path)'; the nearest key, '\(key.path)', is read by \(tasks.joined(separator: ", ")) (this run's task is \(task))"
        }
        return "unknown key '\(path)'"
    }

    /// Levenshtein distance, for "did you mean".
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Reads YAML (JSON is valid YAML) from `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try WholeFile.read(url, what: "a YAML or JSON config") } catch let error as FileFormatError {
            throw ConfigError(error.description)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(url.path): cannot read the file as UTF-8 text") }
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
        // Suggestions for a mistyped key come from the task the overrides end with, which one of them may set.
        let task = overrides.last { $0.hasPrefix("task=") }.map { String($0.dropFirst("task=".count)) } ?? Self.task(of: given)
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else { throw ConfigError("--set \(override): expected key=value") }
            let path = String(override[..<equals]), text = String(override[override.index(after: equals)...])
            guard let key = ConfigSchema.byPath[path] else { throw ConfigError("--set: \(Self.unknownKey(path, task: task))") }
            let value: ConfigValue
            switch key.type {
            case .int: value = Int(text).map(ConfigValue.int) ?? .string(text)
            case .double: value = Double(text).map(ConfigValue.double) ?? .string(text)
            case .bool: value = ["true": ConfigValue.bool(true), "false": .bool(false)][text] ?? .string(text)
            case .string, .choice: value = .string(text)
            }
            given[path] = try Self.check(value, key)
        }
        try resolve()
    }

    public subscript(path: String) -> ConfigValue? { values[path] }

    public func string(_ path: String) -> String? { if case .string(let v)? = values[path] { v } else { nil } }
    public func int(_ path: String) -> Int? { if case .int(let v)? = values[path] { v } else { nil } }
    public func double(_ path: String) -> Double? {
        switch values[path] { case .double(let v)?: v; case .int(let v)?: Double(v); default: nil }
    }
    public func bool(_ path: String) -> Bool? { if case .bool(let v)? = values[path] { v } else { nil } }

    /// This configuration with `working_directory` set to `directory` (the process's) unless given: what a
    /// run records, so that its relative paths can be found again from elsewhere (`resolvingPaths`).
    public func recordingWorkingDirectory(_ directory: String = FileManager.default.currentDirectoryPath) -> RunConfiguration {
        guard string("working_directory") == nil else { return self }
        var copy = self
        copy.values["working_directory"] = .string(directory)
        copy.given["working_directory"] = .string(directory)
        return copy
    }

    /// This configuration with each relative path (`ConfigSchema.pathKeys`) that names nothing from the current
    /// directory but does from `working_directory` made absolute there. Paths that resolve from here stay as
    /// given, so a run moved with its data (or opened from the directory it was trained in) reads the same files.
    public func resolvingPaths() -> RunConfiguration {
        guard let base = string("working_directory") else { return self }
        var copy = self
        for path in ConfigSchema.pathKeys {
            guard case .string(let text)? = values[path], !text.isEmpty, !text.hasPrefix("/"),
                  !FileManager.default.fileExists(atPath: text) else { continue }
            let there = URL(fileURLWithPath: base).appendingPathComponent(text).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: there) else { continue }
            copy.values[path] = .string(there)
            copy.given[path] = .string(there)
        }
        return copy
    }

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
                        let sections = Set(ConfigSchema.keys.compactMap { $0.path.split(separator: ".").first.map(String.init) })
                        let nearest = sections.min { editDistance(Array(path), Array($0)) < editDistance(Array(path), Array($1)) }
                        let hint = nearest.map { editDistance(Array(path), Array($0)) <= 2 ? "; did you mean '\($0)'?" : "" } ?? ""
                        throw ConfigError("unknown section '\(path)'\(hint)")
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
        // YAML reads an unquoted `true` or `5` as a Bool or an Int; a choice that lists it means the same word.
        case (.choice(let options), .bool(let v)) where options.contains(String(v)): return .string(String(v))
        case (.choice(let options), .int(let v)) where options.contains(String(v)): return .string(String(v))
        default: throw ConfigError("'\(key.path)' must be \(key.type.name), got '\(value)'")
        }
    }
}

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
