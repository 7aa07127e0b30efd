import Foundation
import LemmaTrain
import Testing

/// Event files: CRC-32C against published vectors, and bytes equal to those PyTorch's SummaryWriter (over
/// TensorBoard's EventFileWriter) wrote for the same scalars (scripts/make_tensorboard_fixtures.py).
struct TensorBoardWriterTests {
    @Test func crc32cMatchesPublishedVectors() {
        // The standard check value, and the iSCSI test vectors of RFC 3720, appendix B.4.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func maskRotatesAndOffsets() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        // 0x8000 rotated right by 15 is 1.
        #expect(CRC32C.masked(0x8000) == 0xA282_EAD9)
        // The length header of every fixture record is checked against this in the byte comparison below;
        // here the first one by hand: 8 bytes of the length 0x48.
        let header: [UInt8] = [0x48, 0, 0, 0, 0, 0, 0, 0]
        #expect(CRC32C.maskedChecksum(header) == 0x9D48_92FE)
    }

    @Test func bytesEqualTensorBoardsOwnWriter() throws {
        let fixture = try loadReportingFixture("tensorboard_scalars.json", as: TensorBoardFixture.self)
        let expected = try fixtureData("tensorboard_scalars.tfevents")
        let directory = try makeReportTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        let writer = try TensorBoardWriter(directory: directory, wallTime: fixture.fileVersionWallTime,
                                           sourceWriter: fixture.sourceWriter)
        for scalar in fixture.scalars {
            try writer.addScalar(scalar.tag, scalar.value, step: scalar.step, wallTime: scalar.wallTime)
        }
        writer.close()
        let written = try Data(contentsOf: writer.fileURL)
        #expect(written.count == expected.count)
        #expect(written == expected)
        if written != expected, let first = zip(written, expected).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("first differing byte at offset \(first.offset): \(first.element.0) vs \(first.element.1)")
        }
    }

    @Test func purgeStepEventsEqualSummaryWritersOnResume() throws {
        let fixture = try loadReportingFixture("tensorboard_scalars.json", as: TensorBoardFixture.self).resumed
        let expected = try fixtureData("tensorboard_resumed.tfevents")
        let directory = try makeReportTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(directory: directory, wallTime: fixture.fileVersionWallTime,
                                           sourceWriter: "tensorboard.summary.writer.event_file_writer",
                                           purgeStep: fixture.purgeStep)
        for scalar in fixture.scalars {
            try writer.addScalar(scalar.tag, scalar.value, step: scalar.step, wallTime: scalar.wallTime)
        }
        writer.close()
        let written = try Data(contentsOf: writer.fileURL)
        #expect(written == expected)
        #expect(try TFRecordReader.records(written).count == 5)  // version, 2 purge events, 2 scalars
    }

    @Test func fileIsNamedAfterTimeAndHostAndStartsWithTheVersionEvent() throws {
        let directory = try makeReportTestDirectory().appendingPathComponent("nested/run")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent().deletingLastPathComponent()) }
        let writer = try TensorBoardWriter(directory: directory, wallTime: 1_700_000_123.9)
        writer.close()
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        #expect(writer.fileURL.lastPathComponent == "events.out.tfevents.1700000123.\(String(cString: host))")
        let records = try TFRecordReader.records(Data(contentsOf: writer.fileURL))
        #expect(records.count == 1)
        let event = String(decoding: records[0], as: UTF8.self)
        #expect(event.contains("brain.Event:2"))
        #expect(event.contains("lemma"))
    }

    @Test func writersStartedTogetherGetTheirOwnFiles() throws {
        // A resumed run: a second writer in the same directory, even in the same second, adds a new file.
        let directory = try makeReportTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try TensorBoardWriter(directory: directory, wallTime: 1_700_000_000)
        try first.addScalar("train/loss", 2.0, step: 1, wallTime: 1_700_000_000)
        first.close()
        let second = try TensorBoardWriter(directory: directory, wallTime: 1_700_000_000)
        try second.addScalar("train/loss", 1.5, step: 2, wallTime: 1_700_000_001)
        try second.addScalar("train/loss", 1.25, step: 3, wallTime: 1_700_000_002)
        second.close()
        #expect(first.fileURL != second.fileURL)
        #expect(second.fileURL.lastPathComponent == first.fileURL.lastPathComponent + ".1")
        #expect(try TFRecordReader.records(Data(contentsOf: first.fileURL)).count == 2)
        #expect(try TFRecordReader.records(Data(contentsOf: second.fileURL)).count == 3)
    }

    @Test func recordsReachTheFileOnFlushAndEachIsComplete() throws {
        let directory = try makeReportTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A long interval: nothing but flush() (or 64 KiB) writes records out.
        let writer = try TensorBoardWriter(directory: directory, flushInterval: 3600)
        let afterOpen = try Data(contentsOf: writer.fileURL).count
        #expect(afterOpen > 0)  // the version event is flushed at once
        for step in 1...10 { try writer.addScalar("loss", 1.0 / Double(step), step: step) }
        #expect(try Data(contentsOf: writer.fileURL).count == afterOpen)
        try writer.flush()
        #expect(try TFRecordReader.records(Data(contentsOf: writer.fileURL)).count == 11)
        // Past 64 KiB of records, they are written without a flush.
        for step in 11...3000 { try writer.addScalar("a/long/tag/name/for/the/buffer/test", 0.5, step: step) }
        let unflushed = try TFRecordReader.records(Data(contentsOf: writer.fileURL)).count
        #expect(unflushed > 11 && unflushed < 3001)
        writer.close()
        #expect(try TFRecordReader.records(Data(contentsOf: writer.fileURL)).count == 3001)
    }

    @Test func closedWriterRefusesScalars() throws {
        let directory = try makeReportTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(directory: directory)
        writer.close()
        writer.close()  // a second close does nothing
        #expect { try writer.addScalar("loss", 1, step: 1) } throws: { error in
            "\(error)".contains("after the writer was closed")
        }
    }

    @Test func unwritableDirectoryIsAClearError() throws {
        let directory = try makeReportTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        #expect { _ = try TensorBoardWriter(directory: blocker.appendingPathComponent("logs")) } throws: { error in
            "\(error)".contains("cannot create the TensorBoard log directory")
        }
    }
}

/// A reader of TFRecord framing that checks both CRCs of every record, written for the tests from the format
/// description (length, masked CRC of the length, data, masked CRC of the data).
enum TFRecordReader {
    struct Corrupt: Error, CustomStringConvertible {
        let description: String
    }

    static func records(_ data: Data) throws -> [[UInt8]] {
        let bytes = [UInt8](data)
        var records: [[UInt8]] = []
        var offset = 0
        func uint(_ at: Int, _ count: Int) -> UInt64 {
            (0..<count).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { throw Corrupt(description: "truncated header at \(offset)") }
            let length = Int(uint(offset, 8))
            guard UInt64(CRC32C.maskedChecksum(bytes[offset..<offset + 8])) == uint(offset + 8, 4) else {
                throw Corrupt(description: "bad length CRC at \(offset)")
            }
            let start = offset + 12
            guard start + length + 4 <= bytes.count else { throw Corrupt(description: "truncated record at \(offset)") }
            let record = Array(bytes[start..<start + length])
            guard UInt64(CRC32C.maskedChecksum(record)) == uint(start + length, 4) else {
                throw Corrupt(description: "bad data CRC at \(offset)")
            }
            records.append(record)
            offset = start + length + 4
        }
        return records
    }
}

func makeReportTestDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemma-report-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
