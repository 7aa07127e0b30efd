import ArgumentParser
import Foundation
import Lemma

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the compute backend Lemma will use.")

    @Flag(help: "Print the table of configuration keys (docs/CONFIG.md) instead.") var configKeys = false

    func run() {
        if configKeys {
            print(ConfigSchema.markdownTable(), terminator: "")
            return
        }
        let backend = CPUBackend.shared
        print("backend: \(backend.name)")
        print("threads: \(backend.threads)")
        print("gemm: \(backend.gemmLibraryName)")
        let environment = ProcessInfo.processInfo.environment
        print("worker spin: " + (environment["OMP_WAIT_POLICY"].map { "OMP_WAIT_POLICY=\($0)" }
            ?? environment["GOMP_SPINCOUNT"].map { "GOMP_SPINCOUNT=\($0)" } ?? "libgomp default"))
        let convolution: String
        switch ConvolutionAlgorithm.processDefault {
        case .automatic:
            convolution = "automatic (Winograd F(2×2, 3×3) for 3×3 stride-1 layers with ≥ 16 channels, oneDNN direct otherwise)"
                + (ConvolutionAlgorithm.unrecognizedSetting.map { "; LEMMA_CONV_ALGORITHM=\($0) is not auto, direct or winograd" } ?? "")
        case .direct: convolution = "direct (oneDNN), from LEMMA_CONV_ALGORITHM=direct"
        case .winograd: convolution = "Winograd F(2×2, 3×3) wherever it applies, from LEMMA_CONV_ALGORITHM=winograd"
        }
        print("convolution: \(convolution)")
        let workers = Denormals.flushedInWorkerThreads()
        let flushing = "main thread " + (Denormals.flushedInThisThread ? "yes" : "no")
            + ", worker threads \(workers.filter { $0 }.count) of \(workers.count)"
        print(Denormals.flushToZero
            ? "denormals: flushed to zero (FTZ + DAZ; \(flushing)); LEMMA_FLUSH_DENORMALS=0 keeps them"
            : "denormals: kept (LEMMA_FLUSH_DENORMALS=\(environment["LEMMA_FLUSH_DENORMALS"] ?? "")); \(flushing) flushing")
    }
}
