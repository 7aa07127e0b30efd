import Foundation

/// A TensorFlow checkpoint (TensorBundle: `prefix.index` + `prefix.data-NNNNN-of-NNNNN`), the format of
/// OpenAI's GPT-2 release and of nshepperd's fine-tuning scripts that seed 001 uses. The index is a LevelDB
/// table (uncompressed blocks, as TensorFlow writes it) mapping each tensor name to a `BundleEntryProto`
/// (dtype, shape, shard, offset, size); the data files hold the raw little-endian bytes. Float32 tensors are
/// read; every malformed byte is an error naming the file.
public final class TensorFlowCheckpoint {
    public struct Entry: Sendable, Equatable {
        /// TensorFlow's `DataType` number (1: DT_FLOAT).
        public let dtype: Int
        public let shape: [Int]
        public let shard: Int
        public let offset: Int
        public let size: Int
    }

    public let prefix: String
    public let entries: [String: Entry]
    let shardCount: Int

    /// `prefix` as TensorFlow names a checkpoint: `dir/model.ckpt` for `dir/model.ckpt.index`.
    public init(prefix: String) throws {
        self.prefix = prefix
        let indexPath = prefix + ".index"
        guard let data = FileManager.default.contents(atPath: indexPath) else {
            throw FileFormatError(indexPath, "cannot read the checkpoint index")
        }
        let bytes = [UInt8](data)
        func fail(_ message: String) -> FileFormatError { FileFormatError(indexPath, message) }
        // Footer: metaindex and index block handles (varints), padding to 40 bytes, 8-byte magic.
        guard bytes.count >= 48 else { throw fail("too short for a table footer (\(bytes.count) bytes)") }
        let magic = bytes[(bytes.count - 8)...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard magic == 0xDB47_7524_8B80_FB57 else { throw fail("not a TensorFlow checkpoint index (bad table magic)") }
        var footer = ProtoReader(bytes, start: bytes.count - 48, end: bytes.count - 8, path: indexPath)
        _ = try footer.varint()  // the metaindex block (offset, size), unused
        _ = try footer.varint()
        let indexOffset = try footer.varint(), indexSize = try footer.varint()
        var entries: [String: Entry] = [:]
        var shards = 1
        for (_, handle) in try Self.blockEntries(bytes, offset: indexOffset, size: indexSize, path: indexPath) {
            var reader = ProtoReader(handle, start: 0, end: handle.count, path: indexPath)
            let offset = try reader.varint(), size = try reader.varint()
            for (key, value) in try Self.blockEntries(bytes, offset: offset, size: size, path: indexPath) {
                if key.isEmpty {
                    shards = try Self.shardCount(header: value, path: indexPath)
                    continue
                }
                guard let name = String(bytes: key, encoding: .utf8) else { throw fail("a tensor name is not UTF-8") }
                entries[name] = try Self.entry(value, name: name, path: indexPath)
            }
        }
        self.entries = entries
        shardCount = shards
    }

    public var names: [String] { entries.keys.sorted() }

    /// The named float32 tensor, in its shape.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw FileFormatError(prefix + ".index", "no tensor named '\(name)'") }
        let path = String(format: "%@.data-%05d-of-%05d", prefix, entry.shard, shardCount)
        guard entry.dtype == 1 else {
            throw FileFormatError(prefix + ".index", "tensor '\(name)' has TensorFlow dtype \(entry.dtype); only DT_FLOAT (1) is read")
        }
        let count = entry.shape.reduce(1, *)
        guard entry.size == count * 4 else {
            throw FileFormatError(prefix + ".index", "tensor '\(name)': \(entry.size) bytes for shape \(entry.shape)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileFormatError(path, "cannot open the checkpoint data") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(entry.offset))
        guard let data = try handle.read(upToCount: entry.size), data.count == entry.size else {
            throw FileFormatError(path, "ends before tensor '\(name)' (bytes \(entry.offset)..<\(entry.offset + entry.size))")
        }
        let values = data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        return Tensor(values, shape: entry.shape)
    }

    /// The key/value pairs of one table block (keys are stored as a shared prefix length and a suffix).
    static func blockEntries(_ bytes: [UInt8], offset: Int, size: Int, path: String) throws -> [([UInt8], [UInt8])] {
        guard offset >= 0, size >= 4, offset + size + 5 <= bytes.count else {
            throw FileFormatError(path, "a table block (\(offset), \(size)) lies outside the file")
        }
        guard bytes[offset + size] == 0 else {
            throw FileFormatError(path, "a compressed table block (type \(bytes[offset + size])); TensorFlow writes them uncompressed")
        }
        let restarts = Int(UInt32(bytes[offset + size - 4]) | UInt32(bytes[offset + size - 3]) << 8
                            | UInt32(bytes[offset + size - 2]) << 16 | UInt32(bytes[offset + size - 1]) << 24)
        let limit = offset + size - 4 - 4 * restarts
        guard restarts >= 1, limit >= offset else { throw FileFormatError(path, "a table block has a bad restart count") }
        var reader = ProtoReader(bytes, start: offset, end: limit, path: path)
        var key: [UInt8] = [], result: [([UInt8], [UInt8])] = []
        while !reader.atEnd {
            let shared = try reader.varint(), own = try reader.varint(), valueLength = try reader.varint()
            guard shared <= key.count else { throw FileFormatError(path, "a table key shares more bytes than the previous key has") }
            key = Array(key[0..<shared]) + (try reader.bytes(own))
            result.append((key, try reader.bytes(valueLength)))
        }
        return result
    }

    static func shardCount(header: [UInt8], path: String) throws -> Int {
        var reader = ProtoReader(header, start: 0, end: header.count, path: path)
        var shards = 1
        while !reader.atEnd {
            let (field, wire) = try reader.tag()
            if field == 1, wire == 0 { shards = try reader.varint() } else { try reader.skip(wire) }
        }
        return shards
    }

    static func entry(_ value: [UInt8], name: String, path: String) throws -> Entry {
        var reader = ProtoReader(value, start: 0, end: value.count, path: path)
        var dtype = 0, shape: [Int] = [], shard = 0, offset = 0, size = 0
        while !reader.atEnd {
            let (field, wire) = try reader.tag()
            switch (field, wire) {
            case (1, 0): dtype = try reader.varint()
            case (2, 2):
                let shapeBytes = try reader.bytes(try reader.varint())
                var dims = ProtoReader(shapeBytes, start: 0, end: shapeBytes.count, path: path)
                while !dims.atEnd {
                    let (dimField, dimWire) = try dims.tag()
                    guard dimField == 2, dimWire == 2 else { try dims.skip(dimWire); continue }
                    let dimBytes = try dims.bytes(try dims.varint())
                    var dim = ProtoReader(dimBytes, start: 0, end: dimBytes.count, path: path)
                    var extent = 0
                    while !dim.atEnd {
                        let (f, w) = try dim.tag()
                        if f == 1, w == 0 { extent = try dim.varint() } else { try dim.skip(w) }
                    }
                    shape.append(extent)
                }
            case (3, 0): shard = try reader.varint()
            case (4, 0): offset = try reader.varint()
            case (5, 0): size = try reader.varint()
            default: try reader.skip(wire)
            }
        }
        return Entry(dtype: dtype, shape: shape, shard: shard, offset: offset, size: size)
    }
}

/// Protocol-buffer wire format, as much as checkpoint indexes need: varints, tags, length-delimited bytes.
struct ProtoReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    let path: String

    init(_ bytes: [UInt8], start: Int, end: Int, path: String) {
        self.bytes = bytes
        position = start
        self.end = end
        self.path = path
    }

    var atEnd: Bool { position >= end }

    mutating func varint() throws -> Int {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard position < end, shift < 64 else { throw FileFormatError(path, "a truncated or overlong varint at byte \(position)") }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard result <= UInt64(Int.max) else { throw FileFormatError(path, "a varint too large at byte \(position)") }
        return Int(result)
    }

    mutating func tag() throws -> (field: Int, wire: Int) {
        let value = try varint()
        return (value >> 3, value & 7)
    }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, position + count <= end else { throw FileFormatError(path, "a field runs past its block at byte \(position)") }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    mutating func skip(_ wire: Int) throws {
        switch wire {
        case 0: _ = try varint()
        case 1: _ = try bytes(8)
        case 2: _ = try bytes(try varint())
        case 5: _ = try bytes(4)
        default: throw FileFormatError(path, "an unknown protocol-buffer wire type \(wire) at byte \(position)")
        }
    }
}
