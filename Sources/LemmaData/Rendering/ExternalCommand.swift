import Foundation

/// Runs a program (latex, dvipng) to completion or until a deadline, its output going to a file in its
/// working directory so a chatty program can never block on a full pipe.
struct ExternalCommand {
    let executable: String
    let arguments: [String]
    let directory: URL
    /// Seconds before the program is killed (a formula can loop TeX forever).
    let timeout: Double

    struct Outcome {
        /// The exit status, nil when the program was killed at the deadline.
        let status: Int32?
        let output: String
    }

    func run() throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let logURL = directory.appendingPathComponent(".\(URL(fileURLWithPath: executable).lastPathComponent).out")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch {
            throw RenderingError("cannot run \(executable): \(error.localizedDescription) (scripts/setup.sh installs it)")
        }
        var killed = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            killed = true
            process.terminate()
            if done.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL); done.wait() }
        }
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return Outcome(status: killed ? nil : process.terminationStatus, output: output)
    }
}

/// Rendering could not run at all (a missing program), as opposed to one formula failing to compile.
public struct RenderingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
