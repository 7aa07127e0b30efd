import ArgumentParser
import Foundation
import Lemma

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the compute backend Lemma will use.")

    func run() {
        let backend = CPUBackend.shared
        print("backend: \(backend.name)")
        print("threads: \(backend.threads)")
        print("gemm: \(backend.gemmLibraryName)")
        let environment = ProcessInfo.processInfo.environment
        print("worker spin: " + (environment["OMP_WAIT_POLICY"].map { "OMP_WAIT_POLICY=\($0)" }
            ?? environment["GOMP_SPINCOUNT"].map { "GOMP_SPINCOUNT=\($0)" } ?? "libgomp default"))
    }
}
