import Lemma

/// A GPT-2-small transformer block (embedding 768, 12 heads, feed-forward 3072, pre-LN, causal, GELU,
/// no dropout) on batch 4 × 256 tokens: one forward + backward of sum(output).
func benchAttentionBlock() {
    let g = RandomGenerator(seed: 21)
    let block = TransformerBlock(embedDim: 768, numHeads: 12, feedForwardDim: 3072, dropout: 0, gelu: true,
                                 normFirst: true, causal: true, generator: g)
    let x = Tensor.normal([4, 256, 768], generator: g)
    x.requiresGrad = true
    let seconds = measure(repeats: repeats, inner: 2) {
        block(x).sum().backward()
        block.zeroGrad()
        x.zeroGrad()
    }
    report(["workload": "gpt2-small block T256 B4 fwd+bwd", "impl": "lemma", "ms_per_step": seconds * 1e3])
}
