// swift-tools-version: 6.0
// Lemma: deep learning for text and mathematical documents, in Swift.
// Layers, each a module that only imports the ones before it:
//   CLemmaKernels (C kernels over oneDNN/OpenBLAS) → LemmaTensor (tensor, autograd, safetensors)
//   → LemmaDistributed (collectives over MPI for data-parallel training)
//   → LemmaNN (modules, layers, losses) → LemmaOptim (optimizers, schedules)
//   → LemmaText (tokenizers) → LemmaData (corpora, embeddings, datasets, batching)
//   → LemmaDecoding (greedy, beam search, sampling over any decoder step)
//   → LemmaTrain (metrics, trainer, runs) → LemmaModels (presets, pretrained encoders, tasks)
//   → Lemma (umbrella) → LemmaServe (HTTP serving) → lemma (command-line tool).
import PackageDescription

let package = Package(
    name: "Lemma",
    products: [
        .library(name: "Lemma", targets: ["Lemma"]),
        .executable(name: "lemma", targets: ["lemma"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Serving: HTTP on SwiftNIO, and Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // bench/'s HTTP load generator for `lemma serve` and its Python peer.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Hot loops in C: compiled once per CPU level with target_clones, so no unsafe flags are needed.
        .target(
            name: "CLemmaKernels",
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("openblas"), .linkedLibrary("gomp"), .linkedLibrary("m")]
        ),
        .target(name: "LemmaTensor", dependencies: ["CLemmaKernels"]),
        // Data parallelism over MPI (Debian's OpenMPI; MPICH works as a drop-in): the headers as a system
        // library, plain C wrappers for what Swift cannot import (MPI's handles are macros), and the
        // communicator interface with its MPI and in-process implementations.
        .systemLibrary(name: "CMPI", pkgConfig: "mpi", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "CLemmaMPI", dependencies: ["CMPI"]),
        .target(name: "LemmaDistributed", dependencies: ["LemmaTensor", "CLemmaMPI"]),
        // PNG images (formula renderings, user images) through Debian's libpng.
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "LemmaNN", dependencies: ["LemmaTensor"]),
        .target(name: "LemmaOptim", dependencies: ["LemmaTensor", "CLemmaKernels"]),
        .target(name: "LemmaText", resources: [.copy("Resources")]),
        .target(name: "LemmaData", dependencies: ["LemmaTensor", "LemmaText", "CLibPNG"]),
        // Greedy, beam and sampled decoding over any `DecoderStep` (recurrent or transformer decoders).
        .target(name: "LemmaDecoding", dependencies: ["LemmaTensor"]),
        .target(name: "LemmaTrain", dependencies: ["LemmaTensor", "LemmaNN", "LemmaOptim", "LemmaData", "LemmaDistributed", "Yams"]),
        .target(name: "LemmaModels", dependencies: ["LemmaTensor", "LemmaNN", "LemmaOptim", "LemmaText", "LemmaData", "LemmaDecoding",
                                                    "LemmaTrain"]),
        .target(name: "Lemma", dependencies: ["LemmaTensor", "LemmaDistributed", "LemmaNN", "LemmaOptim", "LemmaText", "LemmaData",
                                              "LemmaDecoding", "LemmaTrain", "LemmaModels"]),
        // `lemma serve`: trained runs behind one HTTP server (dynamic and continuous batching, metrics).
        .target(name: "LemmaServe", dependencies: ["Lemma", .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "Prometheus", package: "swift-prometheus")],
                resources: [.copy("Resources")]),
        .executableTarget(
            name: "lemma",
            dependencies: ["Lemma", "LemmaServe", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "lemma-bench", dependencies: ["Lemma", "CLemmaKernels", .product(name: "AsyncHTTPClient", package: "async-http-client")],
                          path: "bench/swift"),
        .testTarget(
            name: "LemmaTensorTests",
            dependencies: ["LemmaTensor"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "LemmaNNTests", dependencies: ["LemmaNN"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LemmaOptimTests", dependencies: ["LemmaOptim"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LemmaTextTests", dependencies: ["LemmaText"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LemmaDataTests", dependencies: ["LemmaData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LemmaDecodingTests", dependencies: ["LemmaDecoding"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LemmaTrainTests", dependencies: ["LemmaTrain"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LemmaDistributedTests", dependencies: ["LemmaDistributed", "LemmaTrain"]),
        .testTarget(name: "LemmaModelsTests", dependencies: ["LemmaModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LemmaCLITests", dependencies: ["lemma", "LemmaData", "Lemma"]),
        .testTarget(name: "LemmaServeTests", dependencies: ["LemmaServe", .product(name: "HummingbirdTesting", package: "hummingbird")]),
    ],
    swiftLanguageModes: [.v5]
)
