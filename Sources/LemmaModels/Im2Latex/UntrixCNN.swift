import LemmaNN
import LemmaTensor

/// Seed 003's convolutional encoder (untrix's im2latex, trained from scratch): five 3×3 convolutions
/// (64, 128, 256, 512, 512 channels, stride 1, tanh, no BatchNorm), each followed by 2×2 max pooling. The
/// first convolution is unpadded and reads the canvas with a one-pixel frame of paper around it, the others
/// are padded, so a canvas of H×W (multiples of 32) becomes a feature map [B, 512, H/32, W/32]. Weights
/// Glorot-uniform, biases zero, as TensorFlow initialized them. Keys are nn.Sequential's positions
/// (`cnn.0.weight`, `cnn.3.weight`, …).
public final class UntrixCNN: Module, UnaryLayer {
    public let layers: Sequential
    public let outputChannels: Int

    public init(widths: [Int] = [64, 128, 256, 512, 512], generator: RandomGenerator? = nil) {
        precondition(widths.count == 5, "UntrixCNN: five channel counts")
        var modules: [any UnaryLayer] = []
        var input = 1
        for (index, width) in widths.enumerated() {
            modules.append(Conv2d(input, width, kernelSize: 3, padding: index == 0 ? 0 : 1, initialization: .glorotUniform,
                                  generator: generator))
            modules += [Tanh(), MaxPool2d(2)]
            input = width
        }
        layers = Sequential(modules)
        outputChannels = widths[4]
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] { layers.children() }

    /// A framed canvas [B, 1, H + 2, W + 2] → [B, C, H/32, W/32].
    public func callAsFunction(_ input: Tensor) -> Tensor { layers(input) }
}
