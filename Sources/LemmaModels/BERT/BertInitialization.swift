import LemmaNN
import LemmaTensor

/// Fresh BERT weights as transformers initializes them (`_init_weights`): linear and embedding weights
/// N(0, std²), biases zero, an embedding's padding row zero; layer norms stay at one and zero.
func initializeBertWeights(_ root: Module, std: Float, generator: RandomGenerator?) {
    func fillNormal(_ parameter: Tensor) {
        let values = Tensor.normal(parameter.shape, std: std, generator: generator)
        parameter.withUnsafeMutableBufferPointer { out in
            values.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        }
    }
    for (_, module) in root.namedModules() {
        switch module {
        case let linear as Linear:
            fillNormal(linear.weight)
            linear.bias?.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        case let embedding as Embedding:
            fillNormal(embedding.weight)
            if let row = embedding.paddingIndex {
                embedding.weight.withUnsafeMutableBufferPointer { values in
                    for j in 0..<embedding.dimension { values[row * embedding.dimension + j] = 0 }
                }
            }
        default:
            break
        }
    }
}
