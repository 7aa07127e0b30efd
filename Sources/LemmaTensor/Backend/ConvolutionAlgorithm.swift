import CLemmaKernels

/// How the CPU backend computes a convolution. `.automatic`, the default, runs Lemma's Winograd F(2×2, 3×3)
/// kernels (Sources/CLemmaKernels/winograd.c: 2.25× fewer multiply-adds than the direct method) for 3×3,
/// stride-1, undilated, ungrouped 2-D convolutions with at least 16 channels in and out, and oneDNN's direct
/// kernels for the rest. `.direct` always uses oneDNN; `.winograd` uses Lemma's kernels wherever the shape
/// allows, whatever the channel counts. The process-wide default follows `LEMMA_CONV_ALGORITHM=auto|direct|winograd`.
public enum ConvolutionAlgorithm: Int64, Sendable, CaseIterable, CustomStringConvertible {
    case automatic = 0, direct = 1, winograd = 2

    /// Computes the convolutions that `body` runs on this task with `algorithm` (and their backward passes,
    /// wherever `backward()` is later called; `ConcurrentLanes` carries it to its lanes), leaving other tasks
    /// and threads as they are: tests and benchmarks compare the two this way.
    public static func using<R>(_ algorithm: ConvolutionAlgorithm, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(algorithm, operation: body)
    }

    @TaskLocal static var scoped: ConvolutionAlgorithm = .automatic

    /// The process-wide choice: `LEMMA_CONV_ALGORITHM`, `.automatic` when unset.
    public static var processDefault: ConvolutionAlgorithm {
        ConvolutionAlgorithm(rawValue: Int64(lemma_conv_process_algorithm())) ?? .automatic
    }

    /// The text of `LEMMA_CONV_ALGORITHM` when it names no algorithm (then the choice is automatic).
    public static var unrecognizedSetting: String? {
        lemma_conv_unknown_algorithm_setting().map { String(cString: $0) }
    }

    public var description: String {
        switch self {
        case .automatic: "automatic"
        case .direct: "direct (oneDNN)"
        case .winograd: "Winograd F(2×2, 3×3)"
        }
    }
}

extension CPUBackend {
    /// The algorithm a convolution of this geometry runs on this task: `.direct` or `.winograd`.
    public func convolutionAlgorithm(_ geometry: ConvolutionGeometry) -> ConvolutionAlgorithm {
        var shape = geometry.kernelShape
        return ConvolutionAlgorithm(rawValue: Int64(lemma_conv_chosen_algorithm(&shape))) ?? .direct
    }
}
