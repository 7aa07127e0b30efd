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
}
