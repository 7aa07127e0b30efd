import ArgumentParser
import Lemma

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the compute backend Lemma will use.")

    func run() {
        let backend = CPUBackend.shared
        print("backend: \(backend.name)")
        print("threads: \(backend.threads)")
        print("gemm: \(backend.gemmLibraryName)")
    }
}
