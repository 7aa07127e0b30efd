import Foundation
import LemmaTensor
import Testing

struct SafetensorsTests {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lemma-\(UUID().uuidString)-\(name)")
    }

    @Test func readsEveryDtypeAsPyTorchWroteIt() throws {
        let file = try SafetensorsFile(url: Fixtures.url("dtypes.safetensors"))
        let expected = try SafetensorsFile(url: Fixtures.url("dtypes_expected.safetensors"))
        #expect(file.metadata == ["format": "pt"])
        let f32 = try file.tensor("f32")
        #expect(f32.scalars == [0, 1, -2.5, 65504, 6.1035e-05, 5.96e-08, -0.0, 3.140625])
        for name in ["f16", "bf16", "f64"] {
            #expect(try file.tensor(name).scalars == expected.tensor(name).scalars, "\(name)")
        }
        #expect(try file.indices("i64") == IndexTensor([0, -1, 2147483647, -2147483648], shape: [2, 2]))
        #expect(try file.indices("i32").values == [5, -7, 9])
        #expect(try file.indices("u8").values == [0, 255, 7])
        #expect(throws: FileFormatError.self) { try file.indices("f32") }
        #expect(throws: FileFormatError.self) { try file.tensor("missing") }
    }

    @Test func roundTripsFloat32WithMetadata() throws {
        let url = temporaryURL("roundtrip.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let a = Tensor.normal([3, 5], generator: RandomGenerator(seed: 3))
        let scalar = Tensor(scalar: 2.5)
        try Safetensors.write(["encoder.weight": a, "z \"quoted\"": scalar], metadata: ["step": "12"], to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.names == ["encoder.weight", "z \"quoted\""])
        #expect(file.metadata == ["step": "12"])
        #expect(try file.tensor("encoder.weight").scalars == a.scalars)
        #expect(try file.tensor("z \"quoted\"").shape == [])
        // The header is padded to 8 bytes, as Hugging Face's writer does.
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
    }

    @Test func writingLeavesNoTemporaryFilesAndReplacesAtomically() throws {
        let directory = temporaryURL("dir")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Safetensors.write(["w": Tensor([1, 2])], to: url)
        try Safetensors.write(["w": Tensor([3, 4, 5])], to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
        #expect(try SafetensorsFile(url: url).tensor("w").scalars == [3, 4, 5])
    }

    /// Builds a file from a header string and a data section.
    func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        var bytes = Data()
        var length = (declaredLength ?? UInt64(header.utf8.count)).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    static let hostileHeaders: [(String, String)] = [
        ("not json", "{nope"),
        ("not an object", "{\"a\": 1}"),
        ("unknown dtype", #"{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#),
        ("negative dim", #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#),
        ("fractional dim", #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#),
        ("huge shape", #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}}"#),
        ("offsets past end", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,400]}}"#),
        ("offsets reversed", #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#),
        ("size mismatch", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#),
        ("overlap", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#),
        ("missing dtype", #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#),
        ("metadata not strings", #"{"__metadata__":{"k":1}}"#),
    ]

    @Test func rejectsHostileHeadersWithAClearError() {
        for (label, header) in Self.hostileHeaders {
            let data = file(header: header, data: [UInt8](repeating: 0, count: 8))
            do {
                _ = try SafetensorsFile(data: data, path: "bad.safetensors")
                Issue.record("\(label): accepted")
            } catch let error as FileFormatError {
                #expect(error.description.hasPrefix("bad.safetensors: "), "\(label): \(error)")
                #expect(!error.description.contains("\n"), "\(label): one line")
            } catch {
                Issue.record("\(label): unexpected error \(error)")
            }
        }
    }

    @Test func rejectsBadLengths() {
        #expect(throws: FileFormatError.self) { try SafetensorsFile(data: Data([1, 2, 3]), path: "short") }
        #expect(throws: FileFormatError.self) {
            try SafetensorsFile(data: file(header: "{}", declaredLength: UInt64.max), path: "huge")
        }
        #expect(throws: FileFormatError.self) {
            try SafetensorsFile(data: file(header: "{}", declaredLength: 1 << 20), path: "past end")
        }
    }

    /// Random mutations of a valid file must give either a file that reads or a FileFormatError.
    @Test func survivesMutatedFiles() throws {
        let url = temporaryURL("fuzz.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(["a": Tensor.arange(6).reshaped([2, 3]), "b": Tensor([1])], metadata: ["k": "v"], to: url)
        let valid = try Data(contentsOf: url)
        let g = RandomGenerator(seed: 99)
        var rejected = 0
        for round in 0..<3000 {
            var bytes = [UInt8](valid)
            switch round % 3 {
            case 0:
                for _ in 0...g.nextInt(below: 4) { bytes[g.nextInt(below: bytes.count)] = UInt8(g.nextInt(below: 256)) }
            case 1:
                bytes = Array(bytes.prefix(g.nextInt(below: bytes.count)))
            default:
                let at = 8 + g.nextInt(below: bytes.count - 8)
                bytes.insert(contentsOf: (0..<g.nextInt(below: 6)).map { _ in UInt8(g.nextInt(below: 256)) }, at: at)
            }
            do {
                let file = try SafetensorsFile(data: Data(bytes), path: "fuzz")
                for name in file.names { _ = try? file.tensor(name) }
            } catch is FileFormatError {
                rejected += 1
            }
        }
        #expect(rejected > 1000)
    }
}
