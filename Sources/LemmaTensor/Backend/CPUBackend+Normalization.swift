import CLemmaKernels

extension CPUBackend: NormalizationKernels {
    public func layerNorm(_ x: TensorStorage, weight: TensorStorage?, bias: TensorStorage?, _ y: TensorStorage,
                          mean: TensorStorage, rstd: TensorStorage, rows: Int, n: Int, eps: Float) {
        lemma_layer_norm_forward(x.pointer, weight?.pointer, bias?.pointer, y.pointer, mean.pointer, rstd.pointer,
                                 Int64(rows), Int64(n), eps)
    }

    public func layerNormBackward(_ x: TensorStorage, weight: TensorStorage?, mean: TensorStorage,
                                  rstd: TensorStorage, gradOutput: TensorStorage, gradInput: TensorStorage,
                                  gradWeight: TensorStorage?, gradBias: TensorStorage?, rows: Int, n: Int) {
        lemma_layer_norm_backward(x.pointer, weight?.pointer, mean.pointer, rstd.pointer, gradOutput.pointer,
                                  gradInput.pointer, gradWeight?.pointer, gradBias?.pointer, Int64(rows), Int64(n))
    }

    public func batchNorm(_ x: TensorStorage, weight: TensorStorage?, bias: TensorStorage?, _ y: TensorStorage,
                          mean: TensorStorage, variance: TensorStorage, outer: Int, channels: Int, inner: Int, eps: Float) {
        lemma_batch_norm_forward(x.pointer, weight?.pointer, bias?.pointer, y.pointer, mean.pointer, variance.pointer,
                                 Int64(outer), Int64(channels), Int64(inner), eps)
    }

    public func batchNormBackward(_ x: TensorStorage, weight: TensorStorage?, mean: TensorStorage, variance: TensorStorage,
                                  gradOutput: TensorStorage, gradInput: TensorStorage?, gradWeight: TensorStorage?,
                                  gradBias: TensorStorage?, outer: Int, channels: Int, inner: Int, eps: Float) {
        lemma_batch_norm_backward(x.pointer, weight?.pointer, mean.pointer, variance.pointer, gradOutput.pointer,
                                  gradInput?.pointer, gradWeight?.pointer, gradBias?.pointer, Int64(outer),
                                  Int64(channels), Int64(inner), eps)
    }
}
