/// Decodes Apache Thrift's compact protocol, which Parquet uses for its footer and page headers, into
/// generic values: enough to pick out the few fields a column reader needs and skip the rest. Lengths are
/// checked against the bytes left, and nesting is limited, so corrupt input throws instead of allocating.
struct ThriftCompactReader {
    indirect enum Value {
        case bool(Bool)
        case int(Int64)
        case double(Double)
        case binary(Range<Int>)
        case list([Value])
        case structure(ThriftStruct)
        case map
    }

    struct Failure: Error {
        let offset: Int
        let message: String
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    /// Reads one struct, up to and including its stop field.
    mutating func readStruct(depth: Int = 0) throws -> ThriftStruct {
        guard depth < 32 else { throw Failure(offset: position, message: "structures nested too deeply") }
        var fields: [Int: Value] = [:]
        var lastID = 0
        while true {
            let header = try byte()
            if header == 0 { return ThriftStruct(fields: fields) }
            let type = header & 0x0F
            let delta = Int(header >> 4)
            let id = delta == 0 ? Int(try zigzag()) : lastID + delta
            lastID = id
            fields[id] = try value(type: type, depth: depth)
        }
    }

    private mutating func value(type: UInt8, depth: Int) throws -> Value {
        guard depth < 32 else { throw Failure(offset: position, message: "values nested too deeply") }
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(try zigzag())
        case 7:
            guard bytes.count - position >= 8 else { throw Failure(offset: position, message: "data ends inside a double") }
            defer { position += 8 }
            return .double(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))))
        case 8:
            let length = try varint()
            guard length <= UInt64(bytes.count - position) else { throw Failure(offset: position, message: "binary field of \(length) bytes runs past the end") }
            defer { position += Int(length) }
            return .binary(position..<(position + Int(length)))
        case 9, 10:
            let header = try byte()
            var count = UInt64(header >> 4)
            if count == 15 { count = try varint() }
            let elementType = header & 0x0F
            // Every element takes at least one byte (booleans in lists are one byte each).
            guard count <= UInt64(bytes.count - position) else { throw Failure(offset: position, message: "list of \(count) elements runs past the end") }
            var elements: [Value] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                if elementType == 1 || elementType == 2 {
                    elements.append(.bool(try byte() == 1))
                } else {
                    elements.append(try value(type: elementType, depth: depth + 1))
                }
            }
            return .list(elements)
        case 11:
            let count = try varint()
            guard count <= UInt64(bytes.count - position) else { throw Failure(offset: position, message: "map of \(count) entries runs past the end") }
            if count > 0 {
                let types = try byte()
                for _ in 0..<Int(count) {
                    _ = try value(type: types >> 4, depth: depth + 1)
                    _ = try value(type: types & 0x0F, depth: depth + 1)
                }
            }
            return .map
        case 12: return .structure(try readStruct(depth: depth + 1))
        default: throw Failure(offset: position - 1, message: "unknown compact-protocol type \(type)")
        }
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw Failure(offset: position, message: "data ends inside a structure") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw Failure(offset: position - 1, message: "varint is too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func zigzag() throws -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }
}

/// A decoded Thrift struct: its fields by id, with typed accessors that say nil for absent or mistyped ones.
struct ThriftStruct {
    let fields: [Int: ThriftCompactReader.Value]

    func int(_ id: Int) -> Int64? {
        if case .int(let value)? = fields[id] { return value }
        return nil
    }

    func bool(_ id: Int) -> Bool? {
        if case .bool(let value)? = fields[id] { return value }
        return nil
    }

    func binary(_ id: Int) -> Range<Int>? {
        if case .binary(let value)? = fields[id] { return value }
        return nil
    }

    func structure(_ id: Int) -> ThriftStruct? {
        if case .structure(let value)? = fields[id] { return value }
        return nil
    }

    func list(_ id: Int) -> [ThriftCompactReader.Value]? {
        if case .list(let value)? = fields[id] { return value }
        return nil
    }
}
