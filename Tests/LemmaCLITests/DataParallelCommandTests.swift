import Foundation
import Testing

/// `mpirun -np 2 lemma train`: two ranks train the model one process trains, step for step (up to the order
/// of float sums); only rank 0 writes; mismatched configurations stop both ranks with a message naming the
/// rank. Needs OpenMPI's mpirun (scripts/setup.sh installs openmpi-bin); without it the tests report
/// themselves skipped.
struct DataParallelCommandTests {
    let cli = CommandLineTests()

    static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// OpenMPI refuses to run as root unless told; CI runs as root. One thread per rank on two cores.
    static let environment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1"]

    /// TrainCommandTests' corpus and configuration, with plain SGD and no dropout: any difference in the
    /// averaged gradient would show in the losses.
    static let exact = ["--set", "train.optimizer=sgd", "--set", "model.dropout=0", "--set", "train.batch_size=15", "--set", "train.learning_rate=0.2"]

    func setUp() throws -> (directory: URL, config: URL) { try TrainCommandTests().setUp() }

    /// Each logged step's training loss, and each evaluation's loss.
    static func losses(_ run: URL) throws -> [String: Double] {
        var losses: [String: Double] = [:]
        for line in try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let step = record["step"] as! Int
            if let loss = record["loss"] as? Double { losses["train \(step)"] = loss }
            if let loss = record["eval_loss"] as? Double { losses["eval \(step)"] = loss }
        }
        return losses
    }

    @Test(.enabled(if: mpirun != nil, "mpirun is not installed (scripts/setup.sh installs openmpi-bin)"))
    func twoRanksTrainAsOneProcess() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let one = directory.appendingPathComponent("one"), two = directory.appendingPathComponent("two")
        let alone = try cli.run(["train", "--config", config.path, "--output", one.path] + Self.exact, environment: ["OMP_NUM_THREADS": "1"])
        #expect(alone.status == 0, "\(alone.error)")
        let parallel = try cli.runProgram(Self.mpirun!, ["-np", "2", "--oversubscribe", CommandLineTests.binary.path, "train",
                                                         "--config", config.path, "--output", two.path] + Self.exact, environment: Self.environment)
        #expect(parallel.status == 0, "\(parallel.error.suffix(2000))")
        #expect(parallel.error.contains("data parallel: 2 ranks; global batch 15"))
        // Rank 0 alone prints: one classification report.
        #expect(parallel.output.components(separatedBy: "weighted avg").count == 2, "\(parallel.output)")
        let a = try Self.losses(one), b = try Self.losses(two)
        #expect(a.count > 30 && Set(a.keys) == Set(b.keys))
        for (key, value) in a { #expect(abs(value - (b[key] ?? .nan)) <= 1e-5 * max(1, abs(value)), "\(key): \(value) vs \(b[key] ?? .nan)") }
        for file in ["model.safetensors", "report.html", "summary.json"] {
            #expect(FileManager.default.fileExists(atPath: two.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test(.enabled(if: mpirun != nil, "mpirun is not installed (scripts/setup.sh installs openmpi-bin)"))
    func ranksWithDifferentConfigurationsStop() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run").path
        let binary = CommandLineTests.binary.path
        // MPMD: rank 1 gets another learning rate.
        let result = try cli.runProgram(Self.mpirun!, ["-np", "1", binary, "train", "--config", config.path, "--output", run, ":",
                                                       "-np", "1", binary, "train", "--config", config.path, "--output", run,
                                                       "--set", "train.learning_rate=0.1"], environment: Self.environment)
        #expect(result.status != 0)
        #expect(result.error.contains("rank 1 got a different configuration from rank 0"), "\(result.error.suffix(1500))")
    }

    /// A rank that hangs (LEMMA_FAULT=hang@2 on rank 1 alone): rank 0 stops at `distributed.timeout`, naming
    /// rank 1, and the job ends instead of hanging.
    @Test(.enabled(if: mpirun != nil, "mpirun is not installed (scripts/setup.sh installs openmpi-bin)"))
    func aHangingRankIsNamedAtTheTimeout() throws {
        let (directory, config) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run").path
        let binary = CommandLineTests.binary.path
        let arguments = ["train", "--config", config.path, "--output", run, "--set", "distributed.timeout=3"]
        let started = Date()
        let result = try cli.runProgram(Self.mpirun!, ["-np", "1", binary] + arguments + [":", "-np", "1", "/usr/bin/env", "LEMMA_FAULT=hang@2", binary] + arguments,
                                        environment: Self.environment)
        #expect(result.status != 0)
        #expect(result.error.contains("LEMMA_FAULT: hanging after step 2"), "\(result.error.suffix(1500))")
        #expect(result.error.contains("rank 0 of 2") && result.error.contains("rank 1 never reached it"), "\(result.error.suffix(1500))")
        #expect(Date().timeIntervalSince(started) < 60)
    }

    /// `mpirun -np 2 lemma prepare`: two ranks tokenize interleaved shards (here with a vocabulary built from
    /// the corpus and a per-class limit) and rank 0 merges them into the bytes one process writes.
    @Test(.enabled(if: mpirun != nil, "mpirun is not installed (scripts/setup.sh installs openmpi-bin)"))
    func shardedPreparationWritesWhatOneProcessWrites() throws {
        let (directory, _) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("train.jsonl").path
        let options = ["--tokenizer", "word", "--max-per-class", "70", "--max-length", "9"]
        let one = directory.appendingPathComponent("one"), two = directory.appendingPathComponent("two")
        let alone = try cli.run(["prepare", "--input", input, "--output", one.path] + options)
        #expect(alone.status == 0, "\(alone.error)")
        let sharded = try cli.runProgram(Self.mpirun!, ["-np", "2", "--oversubscribe", CommandLineTests.binary.path, "prepare",
                                                        "--input", input, "--output", two.path] + options, environment: Self.environment)
        #expect(sharded.status == 0, "\(sharded.error.suffix(1500))")
        #expect(sharded.output.contains("(2 shards merged): 210 examples"), "\(sharded.output)")
        for file in ["tokens.i32", "offsets.i64", "labels.i32", "meta.json", "vocab.txt"] {
            let a = try Data(contentsOf: one.appendingPathComponent(file)), b = try Data(contentsOf: two.appendingPathComponent(file))
            #expect(a == b, "\(file) differs")
        }
        // Nothing of the shards is left beside the output.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".two") }.isEmpty)
    }
}
