import Foundation
import Hummingbird

/// JSON in and out of the server: a request body read into a dictionary whose fields are checked one by
/// one, so every wrong input is answered with a 400 that names the field and what it expected.
enum JSON {
    static func data(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func response(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data(object))))
    }
}

/// Any JSON value, read strictly: a boolean is never a number and a number never a boolean.
enum JSONValue {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    /// From what `JSONSerialization` returns. (Not `JSONDecoder`: it rejects subnormal numbers such as
    /// 5e-324 on threads that flush denormals to zero, which Lemma's threads do.)
    init(_ any: Any) {
        switch any {
        case let string as String: self = .string(string)
        case let number as NSNumber:
            // Booleans come back as NSNumbers of type "c" (char); integers and reals as other types.
            self = String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let array as [Any]: self = .array(array.map(JSONValue.init))
        case let object as [String: Any]: self = .object(object.mapValues(JSONValue.init))
        default: self = .null
        }
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
}

/// A request's JSON object, with typed accessors that throw `APIError`s naming the field.
struct JSONRequest {
    let fields: [String: JSONValue]

    init(_ buffer: ByteBuffer) throws {
        let bytes = Data(buffer.readableBytesView)
        guard !bytes.isEmpty else { throw APIError.invalid("the request body is empty; expected a JSON object", code: "invalid_json") }
        guard String(data: bytes, encoding: .utf8) != nil else {
            throw APIError.invalid("the request body is not valid UTF-8", code: "invalid_json")
        }
        let value: JSONValue
        do { value = JSONValue(try JSONSerialization.jsonObject(with: bytes)) } catch {
            throw APIError.invalid("the request body is not valid JSON", code: "invalid_json")
        }
        guard case .object(let fields) = value else { throw APIError.invalid("the request body must be a JSON object", code: "invalid_json") }
        self.fields = fields
    }

    init(fields: [String: JSONValue]) { self.fields = fields }

    func has(_ name: String) -> Bool {
        if let value = fields[name], case .null = value { return false }
        return fields[name] != nil
    }

    func string(_ name: String) throws -> String? {
        guard has(name) else { return nil }
        guard let value = fields[name]?.string else { throw APIError.field(name, "a string") }
        return value
    }

    /// A string or an array of strings (OpenAI's `input` and `prompt`, TEI's `inputs`), at least one and at
    /// most `limit`; `single` tells which form came.
    func texts(_ name: String, limit: Int) throws -> (texts: [String], single: Bool) {
        guard has(name) else { throw APIError.invalid("'\(name)' is required", code: "missing_field") }
        if let text = fields[name]?.string { return ([text], true) }
        guard case .array(let array) = fields[name]!, array.allSatisfy({ $0.string != nil }) else {
            throw APIError.field(name, "a string or an array of strings")
        }
        guard !array.isEmpty else { throw APIError.invalid("'\(name)' is an empty array; expected at least one string") }
        guard array.count <= limit else {
            throw APIError.invalid("'\(name)' has \(array.count) items; the server takes at most \(limit) per request", code: "too_many_inputs")
        }
        return (array.map { $0.string! }, false)
    }

    func number(_ name: String) throws -> Double? {
        guard has(name) else { return nil }
        guard case .number(let value) = fields[name]!, value.isFinite else { throw APIError.field(name, "a number") }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = try number(name) else { return nil }
        guard value == value.rounded(), let int = Int(exactly: value) else { throw APIError.field(name, "an integer") }
        guard range.contains(int) else {
            throw APIError.invalid("'\(name)' must be between \(range.lowerBound) and \(range.upperBound), got \(int)")
        }
        return int
    }

    func float(_ name: String, in range: ClosedRange<Double>) throws -> Float? {
        guard let value = try number(name) else { return nil }
        guard range.contains(value) else { throw APIError.invalid("'\(name)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)") }
        return Float(value)
    }

    /// An integer at least `minimum` with no upper limit (top-k: anything past the vocabulary keeps it all).
    func atLeast(_ name: String, _ minimum: Int) throws -> Int? {
        guard let value = try number(name) else { return nil }
        guard value == value.rounded() else { throw APIError.field(name, "an integer") }
        guard value >= Double(minimum) else { throw APIError.invalid("'\(name)' must be at least \(minimum), got \(value)") }
        return value >= Double(Int32.max) ? Int(Int32.max) : Int(value)
    }

    /// A probability p in (0, 1] as a Float (a subnormal p stays above zero).
    func probability(_ name: String) throws -> Float? {
        guard let value = try number(name) else { return nil }
        // Sign and zero by their bits: threads that flush denormals compare 5e-324 > 0 as false.
        guard value.sign == .plus, !value.isZero, !(value > 1) else { throw APIError.invalid("'\(name)' must be greater than 0 and at most 1, got \(value)") }
        return max(Float(value), Float.leastNormalMagnitude)
    }

    /// A random seed: any integer (beyond 64 bits, its low 64 bits as a double's pattern).
    func seed(_ name: String) throws -> UInt64? {
        guard let value = try number(name) else { return nil }
        guard value == value.rounded() else { throw APIError.field(name, "an integer") }
        if let exact = Int64(exactly: value) { return UInt64(bitPattern: exact) }
        return value.bitPattern
    }

    func bool(_ name: String) throws -> Bool? {
        guard has(name) else { return nil }
        guard case .bool(let value) = fields[name]! else { throw APIError.field(name, "true or false") }
        return value
    }

    func object(_ name: String) throws -> JSONRequest? {
        guard has(name) else { return nil }
        guard case .object(let value) = fields[name]! else { throw APIError.field(name, "an object") }
        return JSONRequest(fields: value)
    }

    /// OpenAI's chat `messages`: objects with a `role` and a `content` that is a string or an array of text
    /// parts (`{"type": "text", "text": …}`, joined); at least one, at most `limit`.
    func messages(_ name: String, limit: Int) throws -> [ChatTemplate.Message] {
        guard has(name) else { throw APIError.invalid("'\(name)' is required", code: "missing_field") }
        guard case .array(let array) = fields[name]! else { throw APIError.field(name, "an array of messages") }
        guard !array.isEmpty else { throw APIError.invalid("'\(name)' is an empty array; expected at least one message") }
        guard array.count <= limit else {
            throw APIError.invalid("'\(name)' has \(array.count) messages; the server takes at most \(limit) per request", code: "too_many_inputs")
        }
        return try array.enumerated().map { index, value in
            let field = "\(name)[\(index)]"
            guard case .object(let object) = value else { throw APIError.field(field, "an object with 'role' and 'content'") }
            let message = JSONRequest(fields: object)
            guard let role = try message.string("role") else { throw APIError.invalid("'\(field).role' is required", code: "missing_field") }
            guard ChatTemplate.roles.contains(role) else {
                throw APIError.invalid("'\(field).role' must be one of \(ChatTemplate.roles.sorted().joined(separator: ", ")), got '\(role)'")
            }
            guard message.has("content") else { throw APIError.invalid("'\(field).content' is required", code: "missing_field") }
            if let text = object["content"]?.string { return ChatTemplate.Message(role: role, content: text) }
            guard case .array(let parts) = object["content"]! else { throw APIError.field("\(field).content", "a string or an array of text parts") }
            let texts = try parts.enumerated().map { partIndex, part -> String in
                let partField = "\(field).content[\(partIndex)]"
                guard case .object(let partObject) = part else { throw APIError.field(partField, "an object") }
                let typed = JSONRequest(fields: partObject)
                guard try typed.string("type") == "text" else {
                    throw APIError.invalid("'\(partField).type' must be \"text\": this server reads text only", code: "unsupported_parameter")
                }
                guard let text = try typed.string("text") else { throw APIError.invalid("'\(partField).text' is required", code: "missing_field") }
                return text
            }
            return ChatTemplate.Message(role: role, content: texts.joined())
        }
    }

    /// OpenAI's `stop`: a string or up to four strings.
    func stops(_ name: String) throws -> [String] {
        guard has(name) else { return [] }
        if let stop = fields[name]?.string { return stop.isEmpty ? [] : [stop] }
        guard case .array(let array) = fields[name]!, array.allSatisfy({ $0.string != nil }) else {
            throw APIError.field(name, "a string or an array of strings")
        }
        guard array.count <= 4 else { throw APIError.invalid("'\(name)' takes at most 4 sequences, got \(array.count)") }
        return array.map { $0.string! }.filter { !$0.isEmpty }
    }
}
