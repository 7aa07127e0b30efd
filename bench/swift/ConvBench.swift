import Lemma

/// The text CNN of Kim (2014), one filter width: embeddings [batch 64, 64 channels, 128 steps] → Conv1d with
/// 100 filters of width 3 → ReLU → global max pool over time; forward and backward to the input (the
/// embeddings' gradient), the weight and the bias.
func benchConv1dTextCNN() {
    let g = RandomGenerator(seed: 11)
    let x = Tensor.normal([64, 64, 128], generator: g)
    let w = Tensor.normal([100, 64, 3], std: 0.07, generator: g), b = Tensor.zeros([100])
    for t in [x, w, b] { t.requiresGrad = true }
    let seconds = measure(repeats: repeats, inner: 20) {
        x.conv1d(weight: w, bias: b).relu().adaptiveMaxPool1d(outputSize: 1).sum().backward()
        for t in [x, w, b] { t.zeroGrad() }
    }
    report(["workload": "conv1d text-cnn 64→100 k3, T 128, batch 64, fwd+bwd", "impl": "lemma",
            "ms_per_step": seconds * 1e3])
}

/// The CNN encoder of im2latex (Deng et al. 2017) without its batch norms: 3×3 convolutions (stride 1,
/// padding 1), each followed by ReLU, with channels and max pools
///   1→64, pool 2×2 · 64→128, pool 2×2 · 128→256 · 256→256, pool (2, 1) · 256→512, pool (1, 2) · 512→512,
/// on a batch of 8 grey 128×512 images (feature map 512 × 16 × 64 at the end). Forward and backward to every
/// weight and bias (the image needs no gradient, as in training).
func benchConv2dEncoder() {
    let layers: [(channels: Int, pool: Size2D?)] = [(64, 2), (128, 2), (256, nil), (256, [2, 1]), (512, [1, 2]),
                                                    (512, nil)]
    let g = RandomGenerator(seed: 12)
    let image = Tensor.normal([8, 1, 128, 512], generator: g)
    var parameters: [(weight: Tensor, bias: Tensor)] = []
    var channels = 1
    for layer in layers {
        let w = Tensor.normal([layer.channels, channels, 3, 3], std: (2 / Float(9 * channels)).squareRoot(), generator: g)
        let b = Tensor.zeros([layer.channels])
        w.requiresGrad = true
        b.requiresGrad = true
        parameters.append((w, b))
        channels = layer.channels
    }
    let seconds = measure(repeats: repeats, inner: 1) {
        var y = image
        for (layer, p) in zip(layers, parameters) {
            y = y.conv2d(weight: p.weight, bias: p.bias, padding: 1).relu()
            if let pool = layer.pool { y = y.maxPool2d(kernelSize: pool) }
        }
        y.sum().backward()
        for p in parameters { p.weight.zeroGrad(); p.bias.zeroGrad() }
    }
    report(["workload": "conv2d im2latex encoder 1→512, 128×512, batch 8, fwd+bwd", "impl": "lemma",
            "ms_per_step": seconds * 1e3])
}

