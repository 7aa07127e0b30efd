import Foundation
import LemmaNN
import LemmaTensor

extension BertModel {
    /// Loads a Hugging Face BERT directory: config.json and model.safetensors (keys with or without a
    /// `bert.` prefix). A checkpoint without pooler weights (many sentence-transformers exports) keeps a
    /// freshly initialized pooler, as transformers does; every other weight must be present, with its shape.
    /// Errors name the file and the key. The model starts in evaluation mode (dropout off).
    public convenience init(directory: URL, addPoolingLayer: Bool = true) throws {
        let checkpoint = try BertCheckpoint(directory: directory)
        self.init(configuration: checkpoint.configuration, addPoolingLayer: addPoolingLayer, generator: nil, randomWeights: false)
        try load(checkpoint)
        eval()
    }

    func load(_ checkpoint: BertCheckpoint) throws {
        var state = checkpoint.encoder
        if let pooler {
            if !state.keys.contains(where: { $0.hasPrefix("pooler.") }) {
                // A fresh pooler, as transformers initializes missing weights; loadStateDict gets its values.
                initializeBertWeights(pooler, std: configuration.initializerRange, generator: nil)
                for (key, tensor) in pooler.namedParameters() { state["pooler.\(key)"] = tensor.copied() }
            }
        } else {
            state = state.filter { !$0.key.hasPrefix("pooler.") }
        }
        do {
            try loadStateDict(state)
        } catch let error as StateDictError {
            throw FileFormatError(checkpoint.weightsPath, error.message)
        }
    }
}
