import Foundation

/// The layout of a run directory: everything a run produces, in one place.
///
///     config.yaml           the resolved configuration (every key, defaults filled in)
///     metrics.jsonl         one JSON object per logged or evaluated step
///     tensorboard/          event files TensorBoard reads (`tensorboard --logdir RUN`)
///     checkpoints/          checkpoint-<step>/ directories (model, optimizer, trainer state)
///     data/                 the prepared datasets and vocabulary
///     plots/                SVG plots; report.md and report.html summarize the run
///     evaluation.json       the final evaluation's metrics (what `lemma eval --json` prints)
///     model.safetensors     the trained weights; model.checksums.json their size, CRC-32C and checkpoint
public struct RunDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    public var configuration: URL { url.appendingPathComponent("config.yaml") }
    public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    public var tensorBoard: URL { url.appendingPathComponent("tensorboard") }
    public var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    public var data: URL { url.appendingPathComponent("data") }
    public var plots: URL { url.appendingPathComponent("plots") }
    public var evaluation: URL { url.appendingPathComponent("evaluation.json") }
    public var learningRateFinder: URL { url.appendingPathComponent("lr_find.json") }
    public var summary: URL { url.appendingPathComponent("summary.json") }

    /// The configuration the run was started with, its relative paths found from where it was trained when
    /// they name nothing from here; a clear error when `url` is not a run directory.
    public func loadConfiguration() throws -> RunConfiguration {
        guard FileManager.default.fileExists(atPath: configuration.path) else {
            throw ConfigError("\(url.path): not a run directory (no config.yaml)")
        }
        return try RunConfiguration(contentsOf: configuration).resolvingPaths()
    }
}
