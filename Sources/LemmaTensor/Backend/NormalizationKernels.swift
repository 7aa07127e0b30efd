/// Fused normalization primitives a backend provides (part of `Backend`).
public protocol NormalizationKernels {
    /// Normalizes each of `rows` rows of length `n`; writes y and the per-row mean and 1/std.
    func layerNorm(_ x: TensorStorage, weight: TensorStorage?, bias: TensorStorage?, _ y: TensorStorage,
                   mean: TensorStorage, rstd: TensorStorage, rows: Int, n: Int, eps: Float)
    /// dx from dy; dweight and dbias, when given, are accumulated into.
    func layerNormBackward(_ x: TensorStorage, weight: TensorStorage?, mean: TensorStorage, rstd: TensorStorage,
                           gradOutput: TensorStorage, gradInput: TensorStorage, gradWeight: TensorStorage?,
                           gradBias: TensorStorage?, rows: Int, n: Int)
    /// Batch normalization in training over x [outer, channels, inner]: writes y and each channel's mean and
    /// biased variance.
    func batchNorm(_ x: TensorStorage, weight: TensorStorage?, bias: TensorStorage?, _ y: TensorStorage,
                   mean: TensorStorage, variance: TensorStorage, outer: Int, channels: Int, inner: Int, eps: Float)
    /// dx, dweight and dbias (each when given; written, not accumulated) from dy.
    func batchNormBackward(_ x: TensorStorage, weight: TensorStorage?, mean: TensorStorage, variance: TensorStorage,
                           gradOutput: TensorStorage, gradInput: TensorStorage?, gradWeight: TensorStorage?,
                           gradBias: TensorStorage?, outer: Int, channels: Int, inner: Int, eps: Float)
}
