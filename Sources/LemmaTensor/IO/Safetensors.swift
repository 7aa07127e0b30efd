import Foundation

/// Hugging Face's safetensors format: an 8-byte little-endian header length, a JSON header mapping each
/// tensor name to {dtype, shape, data_offsets}, then the raw little-endian data. The header is validated
/// before anything is allocated from it, so a malformed or hostile file is a clear error, never a crash or a
/// huge allocation.
public final class SafetensorsFile {
    public enum DType: String, Sendable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32", i16 = "I16",
             i8 = "I8", u8 = "U8", bool = "BOOL"

        public var byteSize: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16, .i16: 2
            case .i8, .u8, .bool: 1
            }
        }
    }

    public struct Entry: Sendable {
        public let dtype: DType
        public let shape: [Int]
        /// Byte range within the data section.
        public let range: Range<Int>
    }

    /// Headers larger than this are refused, as Hugging Face's reader does.
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    public let metadata: [String: String]
    public let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int

    public convenience init(url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw FileFormatError(url.path, "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, path: url.path)
    }

    public init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        func fail(_ message: String) -> FileFormatError { FileFormatError(path, message) }

        guard data.count >= 8 else { throw fail("file is \(data.count) bytes; a safetensors file starts with an 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else { throw fail("header length \(headerLength) exceeds the \(Self.maxHeaderBytes)-byte limit") }
        guard headerLength <= UInt64(data.count - 8) else { throw fail("header length \(headerLength) runs past the end of the \(data.count)-byte file") }
        dataStart = 8 + Int(headerLength)
        let header = data.subdata(in: 8..<dataStart)
        guard header.first == UInt8(ascii: "{") else { throw fail("header does not start with '{'") }
        guard String(data: header, encoding: .utf8) != nil else { throw fail("header is not valid UTF-8") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("header is not a JSON object") }

        let dataSize = data.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in map {
                    guard let text = item as? String else { throw fail("__metadata__.\(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let fields = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not an object") }
            guard let dtypeName = fields["dtype"] as? String else { throw fail("tensor '\(name)': missing string field 'dtype'") }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("tensor '\(name)': unsupported dtype '\(dtypeName)'") }
            guard let shape = Self.integers(fields["shape"]) else { throw fail("tensor '\(name)': 'shape' must be a list of non-negative integers") }
            guard let offsets = Self.integers(fields["data_offsets"]), offsets.count == 2 else {
                throw fail("tensor '\(name)': 'data_offsets' must be two non-negative integers")
            }
            var bytes = dtype.byteSize
            for dim in shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
                guard !overflow, product <= dataSize else { throw fail("tensor '\(name)': shape \(shape) needs more bytes than the file holds") }
                bytes = product
            }
            guard offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw fail("tensor '\(name)': data_offsets \(offsets) fall outside the \(dataSize)-byte data section")
            }
            guard offsets[1] - offsets[0] == bytes else {
                throw fail("tensor '\(name)': data_offsets span \(offsets[1] - offsets[0]) bytes, but \(dtype.rawValue) \(shape) needs \(bytes)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        let ordered = entries.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.value.range.lowerBound < previous.value.range.upperBound {
            throw fail("tensors '\(previous.key)' and '\(next.key)' overlap in the data section")
        }
        self.metadata = metadata
        self.entries = entries
    }

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The named tensor converted to Float32 (from any floating or integer dtype).
    public func tensor(_ name: String) throws -> Tensor {
        let entry = try self.entry(name)
        let count = elementCount(entry.shape)
        let result = Tensor.zeros(entry.shape)
        result.withUnsafeMutableBufferPointer { out in
            withBytes(entry) { raw in
                switch entry.dtype {
                case .f32: for i in 0..<count { out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
                case .f64: for i in 0..<count { out[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)) }
                case .f16: for i in 0..<count { out[i] = Float(halfBits: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
                case .bf16: for i in 0..<count { out[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16) }
                case .i64: for i in 0..<count { out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
                case .i32: for i in 0..<count { out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
                case .i16: for i in 0..<count { out[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
                case .i8: for i in 0..<count { out[i] = Float(raw.load(fromByteOffset: i, as: Int8.self)) }
                case .u8, .bool: for i in 0..<count { out[i] = Float(raw[i]) }
                }
            }
        }
        return result
    }

    /// The named integer tensor as indices; values must fit in Int32.
    public func indices(_ name: String) throws -> IndexTensor {
        let entry = try self.entry(name)
        let count = elementCount(entry.shape)
        var values = [Int32](repeating: 0, count: count)
        var bad: Int64?
        withBytes(entry) { raw in
            for i in 0..<count {
                let value: Int64
                switch entry.dtype {
                case .i64: value = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
                case .i32: value = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .i16: value = Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                case .i8: value = Int64(raw.load(fromByteOffset: i, as: Int8.self))
                case .u8, .bool: value = Int64(raw[i])
                default: return
                }
                guard let narrow = Int32(exactly: value) else { bad = value; return }
                values[i] = narrow
            }
        }
        guard [.i64, .i32, .i16, .i8, .u8, .bool].contains(entry.dtype) else {
            throw FileFormatError(path, "tensor '\(name)': dtype \(entry.dtype.rawValue) is not an integer type")
        }
        if let bad { throw FileFormatError(path, "tensor '\(name)': value \(bad) does not fit in Int32") }
        return IndexTensor(values, shape: entry.shape)
    }

    /// Every floating-point tensor, by name.
    public func floatTensors() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, entry) in entries where [.f64, .f32, .f16, .bf16].contains(entry.dtype) {
            result[name] = try tensor(name)
        }
        return result
    }

    private func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else { throw FileFormatError(path, "no tensor named '\(name)'") }
        return entry
    }

    private func withBytes(_ entry: Entry, _ body: (UnsafeRawBufferPointer) -> Void) {
        data.withUnsafeBytes { all in
            body(UnsafeRawBufferPointer(rebasing: all[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)]))
        }
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in list {
            // Exact integers up to 2^53 only: larger ones cannot be offsets into a real file.
            guard let number = item as? NSNumber else { return nil }
            let value = number.doubleValue
            guard value >= 0, value <= 0x1p53, value == value.rounded() else { return nil }
            result.append(Int(value))
        }
        return result
    }
}

extension Float {
    /// IEEE half-precision bits to Float, including subnormals, infinities and NaN.
    init(halfBits: UInt16) {
        let sign = UInt32(halfBits & 0x8000) << 16
        let exponent = Int(halfBits >> 10) & 0x1f
        let mantissa = UInt32(halfBits & 0x3ff)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            self = sign != 0 ? -magnitude : magnitude
        case 0x1f:
            self = Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            self = Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
        }
    }
}

public enum Safetensors {
    /// Writes Float32 tensors (keys sorted, 8-byte-aligned header) atomically.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let names = tensors.keys.sorted()
        var header: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonQuoted($0)):\(jsonQuoted(metadata[$0]!))" }
            header.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let bytes = tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header.append("\(jsonQuoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var headerBytes = Array(("{" + header.joined(separator: ",") + "}").utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        try writeAtomically(to: url) { append in
            var length = UInt64(headerBytes.count).littleEndian
            try withUnsafeBytes(of: &length) { try append($0) }
            try headerBytes.withUnsafeBytes { try append($0) }
            for name in names {
                try tensors[name]!.withUnsafeBufferPointer { try append(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}
