import LemmaNN
import LemmaTensor

/// The stack of BERT layers (keys `layer.0.…`, `layer.1.…`); transformers calls it BertEncoder.
public final class BertLayerStack: Module {
    public let layers: [BertLayer]

    init(_ configuration: BertConfiguration, generator: RandomGenerator?) {
        layers = (0..<configuration.layerCount).map { _ in BertLayer(configuration, generator: generator) }
        super.init()
    }

    public override func children() -> [(key: String, module: Module)] {
        layers.enumerated().map { ("layer.\($0.offset)", $0.element) }
    }

    func callAsFunction(_ hidden: Tensor, padding: Tensor?) -> Tensor {
        layers.reduce(hidden) { x, layer in layer(x, padding: padding) }
    }
}
