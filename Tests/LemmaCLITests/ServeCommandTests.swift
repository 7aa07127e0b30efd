import Foundation
import Lemma
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `lemma serve` as a process: it listens, answers, and on SIGTERM stops accepting, lets an in-flight
/// stream finish, and exits 0.
struct ServeCommandTests {
    let cli = CommandLineTests()

    /// A random GPT-2 with GPT-2's vocabulary and room for long generations.
    func gpt2Directory() throws -> URL {
        let directory = try cli.temporaryDirectory().appendingPathComponent("gpt2")
        var configuration = GPT2Configuration()
        (configuration.maxPositions, configuration.width, configuration.layerCount, configuration.headCount) = (1024, 32, 2, 2)
        configuration.initializerRange = 0.3
        try GPT2Checkpoint.save(try GPT2Model(configuration, generator: RandomGenerator(seed: 3)), to: directory)
        return directory
    }

    /// Reads standard error lines until one matches, returning it.
    static func waitForLine(_ handle: FileHandle, containing text: String, timeout: TimeInterval = 60) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = ""
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { return nil }
            buffer += String(decoding: data, as: UTF8.self)
            if let line = buffer.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
        }
        return nil
    }

    @Test func sigtermDrainsAStreamAndExitsZero() throws {
        let model = try gpt2Directory()
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["serve", "--model", model.path, "--port", "0"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let listening = try #require(Self.waitForLine(errors.fileHandleForReading, containing: "listening on"))
        let port = try #require(Int(listening.split(separator: ":").last!))
        _ = Self.waitForLine(errors.fileHandleForReading, containing: "ready:")

        // A long stream starts; SIGTERM arrives mid-stream; the stream still ends with [DONE].
        let socket = try Socket(port: port)
        let body = #"{"prompt": "Once", "max_tokens": 900, "seed": 1, "stream": true}"#
        try socket.send("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        var received = ""
        while !received.contains("data: {") { received += try socket.receive() }
        kill(process.processIdentifier, SIGTERM)
        while !received.contains("data: [DONE]") {
            let more = try socket.receive()
            if more.isEmpty { break }
            received += more
        }
        socket.close()
        #expect(received.contains("data: [DONE]"), "the stream was cut: \(received.suffix(300))")
        #expect(received.contains(#""finish_reason":"length""#))
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // Nothing listens any more.
        #expect(throws: (any Error).self) { try Socket(port: port) }
    }

    /// Runs `lemma serve` with `arguments` and waits at most 60 s for it to exit by itself.
    func serveUntilExit(_ arguments: [String]) throws -> (exited: Bool, status: Int32, error: String) {
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["serve"] + arguments
        let errors = Pipe()
        (process.standardError, process.standardOutput) = (errors, FileHandle.nullDevice)
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let exited = !process.isRunning
        if !exited { process.terminate() }
        process.waitUntilExit()
        return (exited, process.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// A server that cannot do its work exits 1 saying why, where it used to answer 503 for ever: its only
    /// model damaged, or its port taken.
    @Test func aServerWhoseModelCannotLoadOrWhosePortIsTakenExitsWithTheReason() throws {
        let model = try gpt2Directory()
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        let damaged = model.deletingLastPathComponent().appendingPathComponent("damaged")
        try FileManager.default.copyItem(at: model, to: damaged)
        let weights = damaged.appendingPathComponent("model.safetensors")
        try Data(try Data(contentsOf: weights).prefix(1000)).write(to: weights)
        let broken = try serveUntilExit(["--model", damaged.path, "--port", "0"])
        #expect(broken.exited && broken.status == 1, "\(broken.error)")
        #expect(broken.error.contains("Error: the models failed to load: ") && broken.error.contains("model.safetensors"), "\(broken.error)")

        // A port held by a listening socket of this process.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let taken = try serveUntilExit(["--model", model.path, "--host", "127.0.0.1", "--port", "\(port)"])
        #expect(taken.exited && taken.status == 1, "\(taken.error)")
        #expect(taken.error.contains("cannot listen on 127.0.0.1:\(port): the address is already in use"), "\(taken.error)")
    }

    @Test func badServeArgumentsAreOneLineErrors() throws {
        let none = try cli.run(["serve"])
        #expect(none.status != 0 && none.error.contains("give at least one --run or --model"))
        let missing = try cli.run(["serve", "--run", "/nonexistent/run"])
        #expect(missing.status != 0 && missing.error.contains("/nonexistent/run: no such directory"))
        let port = try cli.run(["serve", "--model", "/tmp", "--port", "70000"])
        #expect(port.status != 0 && port.error.contains("--port must be in 0...65535"))
    }
}

/// A bare TCP client for the test: what HTTP libraries hide (reading a stream as it arrives).
struct Socket {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
    }

    /// What arrived ("" once the server closed the connection).
    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { throw POSIXError(.EIO) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    func close() { _ = Glibc.close(descriptor) }
}
