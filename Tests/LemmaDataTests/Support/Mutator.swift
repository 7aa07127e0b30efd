import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Random damage to valid files for fuzz tests: bit flips, truncation, inserted and deleted bytes,
/// duplicated chunks, bytes that matter to parsers, and plain random files, all from a fixed seed.
struct Mutator {
    let generator: RandomGenerator
    /// Mutations land in the first `hotBytes` bytes half of the time (headers are where parsers branch).
    var hotBytes: Int?

    init(seed: UInt64, hotBytes: Int? = nil) {
        generator = RandomGenerator(seed: seed)
        self.hotBytes = hotBytes
    }

    private func position(in count: Int) -> Int {
        guard count > 0 else { return 0 }
        if let hotBytes, generator.nextInt(below: 2) == 0 { return generator.nextInt(below: min(count, hotBytes)) }
        return generator.nextInt(below: count)
    }

    private func randomByte() -> UInt8 {
        let interesting: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x22, 0x0A, 0x0D, 0x2C, 0x09, 0x20, 0x30, 0x39, 0x7B, 0x5C, 0xC3, 0xED]
        return generator.nextInt(below: 2) == 0 ? interesting[generator.nextInt(below: interesting.count)] : UInt8(generator.nextInt(below: 256))
    }

    func mutate(_ valid: [UInt8]) -> [UInt8] {
        var bytes = valid
        switch generator.nextInt(below: 8) {
        case 0:
            for _ in 0...generator.nextInt(below: 4) where !bytes.isEmpty {
                bytes[position(in: bytes.count)] ^= UInt8(1 << generator.nextInt(below: 8))
            }
        case 1:
            bytes = Array(bytes.prefix(generator.nextInt(below: bytes.count + 1)))
        case 2:
            let at = position(in: bytes.count + 1)
            bytes.insert(contentsOf: (0..<(1 + generator.nextInt(below: 8))).map { _ in randomByte() }, at: min(at, bytes.count))
        case 3 where !bytes.isEmpty:
            let at = position(in: bytes.count)
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + generator.nextInt(below: 16)))
        case 4 where !bytes.isEmpty:
            let at = position(in: bytes.count)
            let chunk = Array(bytes[at..<min(bytes.count, at + 1 + generator.nextInt(below: 64))])
            bytes.insert(contentsOf: chunk, at: position(in: bytes.count + 1))
        case 5:
            for _ in 0...generator.nextInt(below: 3) where !bytes.isEmpty { bytes[position(in: bytes.count)] = randomByte() }
        case 6:
            bytes = (0..<generator.nextInt(below: 2 * valid.count + 2)).map { _ in UInt8(generator.nextInt(below: 256)) }
        default:
            // Several mutations at once.
            for _ in 0..<3 { bytes = Mutator(seed: generator.next(), hotBytes: hotBytes).mutate(bytes) }
        }
        return bytes
    }
}

/// Feeds `iterations` mutations of `valid` to `read` through a file named `name`: each must read or throw
/// `FileFormatError`. Returns how many were rejected. `LEMMA_FUZZ_SCALE=20` runs twenty times as many.
@discardableResult
func fuzz(_ valid: [UInt8], name: String, iterations: Int, seed: UInt64, hotBytes: Int? = nil,
          sourceLocation: SourceLocation = #_sourceLocation, _ read: (String) throws -> Void) throws -> Int {
    let directory = try DataFixtures.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let mutator = Mutator(seed: seed, hotBytes: hotBytes)
    let scale = ProcessInfo.processInfo.environment["LEMMA_FUZZ_SCALE"].flatMap { Int($0) } ?? 1
    var rejected = 0
    for _ in 0..<(iterations * scale) {
        let path = try DataFixtures.write(mutator.mutate(valid), name, in: directory)
        do {
            try read(path)
        } catch is FileFormatError {
            rejected += 1
        } catch {
            Issue.record("\(name): expected a FileFormatError, got \(error)", sourceLocation: sourceLocation)
        }
    }
    return rejected
}
