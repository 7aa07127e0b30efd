import CLemmaKernels

extension CPUBackend: AttentionKernels {
    public func causalAttention(qkv: TensorStorage, keep: TensorStorage?, output: TensorStorage,
                                probabilities: TensorStorage, batch: Int, length: Int, heads: Int, headWidth: Int,
                                scale: Float) {
        let status = lemma_causal_attention_forward(qkv.pointer, keep?.pointer, output.pointer, probabilities.pointer,
                                                    Int64(batch), Int64(length), Int64(heads), Int64(headWidth), scale)
        precondition(status == 0, "causal attention: the kernel failed with status \(status)")
    }

    public func causalAttentionBackward(qkv: TensorStorage, keep: TensorStorage?, probabilities: TensorStorage,
                                        gradOutput: TensorStorage, gradQKV: TensorStorage, batch: Int, length: Int,
                                        heads: Int, headWidth: Int, scale: Float) {
        let status = lemma_causal_attention_backward(qkv.pointer, keep?.pointer, probabilities.pointer,
                                                     gradOutput.pointer, gradQKV.pointer, Int64(batch), Int64(length),
                                                     Int64(heads), Int64(headWidth), scale)
        precondition(status == 0, "causal attention backward: the kernel failed with status \(status)")
    }
}
